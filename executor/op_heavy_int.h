/* executor/op_heavy_int.h: internals shared by the materializing operators (op_join.c,
 * op_join_spill.c, op_agg.c, op_sort.c, op_setop.c, op_window.c, op_cte.c; implemented in
 * op_rows.c): row buffers, normalized keys and a hash table over them. Owned by exec-heavy;
 * executor-internal.
 *
 * RowStore: rows appended in order into stored chunks of VEC_VALUE_COUNT_MAX rows; row id g lives
 * in chunk g >> 11 at row g & 2047. Strings and numerics are deep-copied into the buffer's arena,
 * so gathered vectors may point into it (zero-copy) for as long as the buffer lives. One stored
 * chunk's column has one physical form; NUMERIC columns whose sources disagree (NUM64 at another
 * scale, or general) are turned into the general form, so different stored chunks may differ.
 *
 * KeyBatch: normalized keys (storage/key.h's order-preserving encoding, integers of every width
 * as int64, BPCHAR without trailing spaces, text unbounded) of a batch's rows: equality of SQL
 * values (NULLs equal, 1.5 = 1.50, -0 = 0, NaN = NaN) is memcmp equality of keys, and with
 * directions, ORDER BY order is memcmp order. Hashes are hash_bytes of the key.
 *
 * KeyTable: open-addressing hash table from key bytes to dense ids 0..count-1 (insertion order).
 *
 * Invariants:
 * 1. buf->row_count == sum of the stored chunks' row_count; every chunk but the last is full.
 * 2. A KeyTable's slot array is a power of two and at most half full; a slot carries the
 *    high hash bits so most mismatches are rejected without touching the key.
 * 3. Key bytes in a KeyTable live in its arena and never move. */
#ifndef BIRCH_EXECUTOR_OP_HEAVY_INT_H
#define BIRCH_EXECUTOR_OP_HEAVY_INT_H

#include "common/asserts.h"
#include "executor/exec.h"
#include "executor/op_int.h"

enum {
    ROWS_CHUNK_SHIFT = 11,
    ROWS_CHUNK_MASK = VEC_VALUE_COUNT_MAX - 1,
};
#define ROW_ID_NONE UINT32_MAX
STATIC_ASSERT((1 << ROWS_CHUNK_SHIFT) == VEC_VALUE_COUNT_MAX, "row ids split at 2048");

typedef struct RowStore {
    uint32_t    column_count;
    const Type *types;
    Arena      *arena;          /* stored chunks, strings, numerics */
    bool        owns_arena;
    DataChunk  *chunks;
    uint32_t    chunk_count;
    uint32_t    chunk_capacity;
    uint32_t    row_count;
} RowStore;

/* op_rows_init: an empty buffer of column_count columns of types (types must outlive it). With
 * arena NULL the buffer owns a new arena (op_rows_free destroys it); else it uses arena.
 * Errors: OUT_OF_MEMORY. */
Error *op_rows_init(RowStore *buf, const Type *types, uint32_t column_count, Arena *arena);
/* op_rows_clear: forget every row (an owned arena is reset). */
void   op_rows_clear(RowStore *buf);
/* op_rows_free: release memory; idempotent. */
void   op_rows_free(RowStore *buf);
/* op_rows_append: append rows sel[0..count) (0..count-1 if sel is NULL) of columns (flat or
 * constant vectors of the buffer's types). Errors: OUT_OF_MEMORY. */
Error *op_rows_append(RowStore *buf, const Vector *columns, const uint16_t *sel, uint32_t count);
/* op_rows_append_chunk: append a chunk's live rows. */
Error *op_rows_append_chunk(RowStore *buf, const DataChunk *chunk);
/* op_rows_vec: the stored vector of column col_idx holding row_id (at row row_id & MASK). */
static inline const Vector *op_rows_vec(const RowStore *buf, uint32_t col_idx, uint32_t row_id)
{
    return &buf->chunks[row_id >> ROWS_CHUNK_SHIFT].columns[col_idx];
}
/* op_rows_gather: out (vec_init'ed by the caller with the column's type, in the batch arena)
 * gets row k = row ids[k] of column col_idx, NULL for ROW_ID_NONE. Strings and numerics point
 * into the buffer. Pre: count <= VEC_VALUE_COUNT_MAX. Errors: OUT_OF_MEMORY. */
Error *op_rows_gather(const RowStore *buf, uint32_t col_idx, const uint32_t *ids, uint32_t count,
                      Vector *out);
/* op_rows_gather_vec: out row k = src row idx[k] (NULL for ROW_ID_NONE); src may be constant.
 * Strings and numerics point into src's memory. Errors: OUT_OF_MEMORY. */
Error *op_rows_gather_vec(const Vector *src, const uint32_t *idx, uint32_t count, Vector *out);
/* op_rows_null_vec: out is count NULLs of its type (a constant NULL vector). */
Error *op_rows_null_vec(Vector *out);
/* op_rows_size: bytes the buffer holds (for work_mem). */
size_t op_rows_size(const RowStore *buf);

/* ---- normalized keys ---- */

typedef struct KeyBatch {
    Arena     *arena;
    uint8_t  **bytes;      /* indexed by row (span entries) */
    uint32_t  *size;
    uint32_t  *capacity;
    uint64_t  *hash;
    bool      *has_null;   /* some key column is NULL in that row */
} KeyBatch;

/* op_keys_begin: empty keys for rows (sel, count) in arena. Errors: OUT_OF_MEMORY. */
Error *op_keys_begin(KeyBatch *keys, const uint16_t *sel, uint32_t count, Arena *arena);
/* op_keys_add: append one column (vec's rows of sel/count) in direction dir.
 * Errors: PROGRAM_LIMIT_EXCEEDED (a numeric too long for a key); OUT_OF_MEMORY. */
Error *op_keys_add(KeyBatch *keys, const Vector *vec, const uint16_t *sel, uint32_t count,
                   KeyDir dir);
/* op_keys_append_u32: append a fixed 4-byte big-endian value (a group index ...). */
Error *op_keys_append_u32(KeyBatch *keys, const uint16_t *sel, uint32_t count,
                          const uint32_t *values);
/* op_keys_finish: compute hashes of rows (sel, count). */
void   op_keys_finish(KeyBatch *keys, const uint16_t *sel, uint32_t count);

/* ---- key table ---- */

typedef struct KeyTable {
    Arena          *arena;       /* key bytes (owned) */
    uint64_t       *slots;       /* 0 empty, else (hash >> 32) << 32 | (id + 1) */
    uint32_t        slot_count;
    uint64_t       *hashes;      /* per id */
    const uint8_t **keys;
    uint32_t       *key_sizes;
    uint32_t        count;
    uint32_t        capacity;    /* of the per-id arrays */
    size_t          size;        /* bytes used (for work_mem) */
} KeyTable;

/* op_keytab_init / op_keytab_free (idempotent) / op_keytab_clear. Errors: OUT_OF_MEMORY. */
Error *op_keytab_init(KeyTable *table);
void   op_keytab_free(KeyTable *table);
void   op_keytab_clear(KeyTable *table);
/* op_keytab_insert: the id of key (new ids are count - 1; *is_new_out tells).
 * Errors: OUT_OF_MEMORY. */
Error *op_keytab_insert(KeyTable *table, const uint8_t *key, uint32_t key_size, uint64_t hash,
                        uint32_t *id_out, bool *is_new_out);
/* op_keytab_find: the id of key, or ROW_ID_NONE. */
uint32_t op_keytab_find(const KeyTable *table, const uint8_t *key, uint32_t key_size,
                        uint64_t hash);

/* ---- small helpers ---- */

/* op_heavy_oom: the out-of-memory error. */
Error *op_heavy_oom(void);
/* op_heavy_eval_int: evaluate a constant LIMIT/OFFSET-like expression to an int64 (NULL: *is_null).
 * Errors: the expression's. */
Error *op_heavy_eval_int(ExecCtx *ctx, const Expr *expr, Arena *arena, int64_t *value_out,
                   bool *is_null_out);
/* op_heavy_live_sel: the chunk's live rows as (sel, count): sel may be NULL (all rows). */
static inline const uint16_t *op_heavy_live_sel(const DataChunk *chunk, uint32_t *count_out)
{
    *count_out = chunk_live_count(chunk);
    return chunk->sel;
}
/* op_heavy_chunk_view: a shallow copy of src into dst (own Vector structs in arena) so that a
 * consumer narrowing dst->sel does not change src. Errors: OUT_OF_MEMORY. */
Error *op_heavy_chunk_view(DataChunk *dst, const DataChunk *src, Arena *arena);
/* op_heavy_close_states: op_expr_close each of count states (the subplans they built). */
static inline void op_heavy_close_states(ExprState **states, uint32_t count)
{
    for (uint32_t idx = 0; states != NULL && idx < count; idx++) op_expr_close(states[idx]);
}
/* op_heavy_arena: create *arena if NULL. Errors: OUT_OF_MEMORY. */
Error *op_heavy_arena(Arena **arena, size_t block_size);

#endif
