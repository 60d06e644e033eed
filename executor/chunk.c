/* executor/chunk.c: DataChunk set-up and selection (see chunk.h). */
#include "executor/chunk.h"

#include "common/asserts.h"

Error *chunk_init(DataChunk *chunk, const Type *types, uint32_t column_count, Arena *arena)
{
    if (column_count > CHUNK_COLUMN_COUNT_MAX) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "target lists can have at most %d entries",
                       CHUNK_COLUMN_COUNT_MAX);
    }
    *chunk = (DataChunk){ .column_count = column_count, .arena = arena };
    if (column_count == 0) return NULL;
    chunk->columns = arena_alloc(arena, column_count * sizeof(Vector));
    if (chunk->columns == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    for (uint32_t col_idx = 0; col_idx < column_count; col_idx++) {
        vec_init(&chunk->columns[col_idx], types[col_idx], arena);
    }
    return NULL;
}

Error *chunk_reserve(DataChunk *chunk, uint32_t capacity)
{
    for (uint32_t col_idx = 0; col_idx < chunk->column_count; col_idx++) {
        TRY(vec_reserve(&chunk->columns[col_idx], capacity));
    }
    return NULL;
}

void chunk_reset(DataChunk *chunk)
{
    chunk->row_count = 0;
    chunk->sel = NULL;
    chunk->sel_count = 0;
    for (uint32_t col_idx = 0; col_idx < chunk->column_count; col_idx++) {
        vec_reset(&chunk->columns[col_idx]);
    }
}

#ifndef NDEBUG
static bool sel_is_valid(const uint16_t *sel, uint32_t sel_count, uint32_t row_count)
{
    for (uint32_t sel_idx = 0; sel_idx < sel_count; sel_idx++) {
        if (sel[sel_idx] >= row_count) return false;
        if (sel_idx > 0 && sel[sel_idx] <= sel[sel_idx - 1]) return false;
    }
    return true;
}
#endif

void chunk_set_sel(DataChunk *chunk, uint16_t *sel, uint32_t sel_count)
{
    ASSERT(sel_count <= chunk->row_count);
    ASSERT(sel_is_valid(sel, sel_count, chunk->row_count));
    chunk->sel = sel;
    chunk->sel_count = sel_count;
}

uint16_t *chunk_sel_alloc(DataChunk *chunk)
{
    return arena_alloc(chunk->arena, (chunk->row_count + 1) * sizeof(uint16_t));
}
