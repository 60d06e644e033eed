/* executor/chunk.h: DataChunks, the unit operators exchange: column vectors, a row count and an
 * optional selection vector.
 *
 * Rows 0..row_count-1 exist in every column; when sel != NULL only the sel_count rows
 * sel[0..sel_count) are live (a filter narrows a chunk without moving data). Vectors, sel and
 * out-of-line strings live in the chunk's arena, which its producer resets before refilling it
 * (batch lifetime: "valid until the next call to next()").
 * Invariants: 1. row_count <= VEC_VALUE_COUNT_MAX. 2. sel is strictly ascending, every entry <
 * row_count, sel_count <= row_count. 3. Every column's capacity >= row_count unless constant. */
#ifndef BIRCH_EXECUTOR_CHUNK_H
#define BIRCH_EXECUTOR_CHUNK_H

#include "executor/vec.h"

enum { CHUNK_COLUMN_COUNT_MAX = 1664 };   /* PostgreSQL's MaxTupleAttributeNumber */

typedef struct DataChunk {
    uint32_t  column_count;
    Vector   *columns;
    uint32_t  row_count;
    uint16_t *sel;        /* NULL: every row is live */
    uint32_t  sel_count;  /* live rows when sel != NULL */
    Arena    *arena;
} DataChunk;

/* chunk_init: column_count empty vectors of the given types in arena (no value buffers yet).
 * Errors: OUT_OF_MEMORY; PROGRAM_LIMIT_EXCEEDED past CHUNK_COLUMN_COUNT_MAX columns. */
Error   *chunk_init(DataChunk *chunk, const Type *types, uint32_t column_count, Arena *arena);
/* chunk_reserve: make every column hold capacity rows. Errors: OUT_OF_MEMORY. */
Error   *chunk_reserve(DataChunk *chunk, uint32_t capacity);
/* chunk_reset: zero rows, no selection, every column reset (buffers kept). */
void     chunk_reset(DataChunk *chunk);
/* chunk_live_count: rows a consumer sees. */
static inline uint32_t chunk_live_count(const DataChunk *chunk)
{
    return chunk->sel != NULL ? chunk->sel_count : chunk->row_count;
}
/* chunk_set_sel: narrow to sel[0..sel_count) (sel in the chunk's arena or outliving it).
 * Pre: invariant 2 holds for sel (checked by ASSERT). */
void     chunk_set_sel(DataChunk *chunk, uint16_t *sel, uint32_t sel_count);
/* chunk_sel_ensure: a selection buffer of row_count entries in the arena (for filters to write
 * into). NULL on OOM. */
uint16_t *chunk_sel_alloc(DataChunk *chunk);

#endif
