/* executor/op_join_spill.c: hash and nested loop joins past work_mem. op_join.c runs them in
 * memory and decides when to spill (over_budget); op_join_int.h holds the state both share.
 *
 * Spilling a hash join: when the build side in memory (rows, keys, tables, chains) passes
 * work_mem, the join turns into a Grace hash join. The rows in memory and the rest of the
 * build input are written to SPILL_FANOUT build partition files by their key's hash
 * (spill_part_of at the level), then the whole probe input to probe partition files the same
 * way, and every partition pair goes on a stack. Pairs are then joined one at a time by
 * op_join.c's in-memory code, reading the build side from its file and streaming the probe side
 * from its file (right/full joins end each pair with its unmatched build rows). A pair whose
 * build side passes work_mem again is partitioned again one level deeper (at most
 * JOIN_SPILL_LEVEL_MAX levels: a single key with more rows than fit is 53200). Equal keys hash
 * alike, so every match happens inside one pair. Rows with a NULL key match nothing: they are
 * dropped where they would emit nothing (build rows except in right/full joins, probe rows in
 * inner/semi/right joins) and otherwise spread over the partitions by a counter (so they never
 * make one partition too big to split); probe rows whose partition has no build rows are
 * dropped by inner/semi/right joins. A mark join's NULL answer needs "the build side is not
 * empty" and "some build key is NULL" over the whole build side: spilled, the first is true and
 * the second is recorded while partitioning (any_build_null).
 *
 * Spilling a nested loop join (a block nested loop; no key to partition by): when the build side
 * in memory passes work_mem (same test as the hash join's), the rows in memory become the first
 * block, the rest of the build child is written to one file (cur_build) and each later block is
 * the next rows of that file that fit. The first block reads the probe child and copies its live
 * rows to nl_probe; every later block reads nl_probe again from its start. Each block runs the
 * unchanged in-memory code, so pairs (inner/left/right/full) come out block by block and a
 * right/full join ends each block with that block's unmatched build rows (a build row lives in
 * exactly one block and meets every probe row there). What a probe row emits on its own (left/
 * full: NULL-extended when unmatched; semi/anti; mark's flag) needs every block: a bit per probe
 * row (nl_matched, indexed by its ordinal among the probe side's live rows, the same in every
 * pass) records a match in any block; blocks before the last emit none of it, the last block
 * starts each probe row's flag from its bit and emits as in memory, so those rows come out in
 * probe order. Semi/anti/mark rows already matched skip the later blocks' candidates. */
#include <stdlib.h>
#include <string.h>

#include "executor/op_join_int.h"

enum { JOIN_SPILL_LEVEL_MAX = 8 };

/* ------------------------------------------------------------------ sources ---- */

/* op_join_next_build_chunk: the next build chunk (in batch): from the pair's file when spilled,
 * else from the right child; NULL at the end. */
Error *op_join_next_build_chunk(Join *join, DataChunk **chunk_out)
{
    *chunk_out = NULL;
    if (join->cur_build != NULL) {
        return spill_file_read(join->cur_build, join->pair_types + join->left_count,
                               join->right_count, join->batch, chunk_out);
    }
    if (join->spilled || join->right_done) return NULL;
    TRY(exec_next(join->base.right, chunk_out));
    if (*chunk_out == NULL) join->right_done = true;
    return NULL;
}

/* op_join_next_probe_chunk: the next probe chunk: from the pair's file when spilled (in
 * spill_arena, valid until the next call), else from the left child; NULL at the end. */
Error *op_join_next_probe_chunk(Join *join, DataChunk **chunk_out)
{
    *chunk_out = NULL;
    if (join->cur_probe != NULL) {
        arena_reset(join->spill_arena);
        return spill_file_read(join->cur_probe, join->pair_types, join->left_count,
                               join->spill_arena, chunk_out);
    }
    if (join->nl_blocks && join->nl_pass > 0) {
        if (join->nl_probe == NULL) return NULL;   /* the probe side had no live row */
        arena_reset(join->spill_arena);
        return spill_file_read(join->nl_probe, join->pair_types, join->left_count,
                               join->spill_arena, chunk_out);
    }
    if (join->spilled) return NULL;
    TRY(exec_next(join->base.left, chunk_out));
    if (!join->nl_blocks || *chunk_out == NULL) return NULL;
    /* the first block of a block nested loop: keep the probe rows for the later blocks */
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(*chunk_out, &count);
    if (count == 0) return NULL;
    if (join->nl_probe == NULL) TRY(spill_file_create(join->base.ctx->temp_dir, &join->nl_probe));
    join->spilled_rows += count;
    return spill_file_write(join->nl_probe, (*chunk_out)->columns, join->left_count, sel, count);
}

/* ------------------------------------------------------------------ Grace hash join ---- */

/* build_shrink: give back the build side's arrays and tables (their capacities count against
 * work_mem, so a partition pair starts from nothing). Errors: OUT_OF_MEMORY. */
static Error *build_shrink(Join *join)
{
    op_keytab_free(&join->keys);
    op_inttab_free(&join->int_table);
    free(join->build_keys);
    free(join->build_key_null);
    free(join->heads);
    free(join->tails);
    free(join->next);
    free(join->matched);
    join->build_keys = NULL;
    join->build_key_null = NULL;
    join->heads = join->tails = join->next = NULL;
    join->matched = NULL;
    join->key_seg_capacity = 0;
    op_join_key_segs_clear(join);
    join->id_capacity = join->key_capacity = 0;
    op_rows_free(&join->build);
    TRY(op_rows_init(&join->build, join->pair_types + join->left_count, join->right_count, NULL));
    if (join->is_hash) TRY(op_keytab_init(&join->keys));
    return NULL;
}

/* spill_side_chunk: write chunk's live rows (a build chunk if is_build, else a probe chunk) to
 * the partitions being written at level, by their key's hash; NULL keys as the header says. */
static Error *spill_side_chunk(Join *join, DataChunk *chunk, bool is_build, uint32_t level)
{
    uint32_t count;
    const uint16_t *sel = op_heavy_live_sel(chunk, &count);
    if (count == 0) return NULL;
    KeyBatch keys;
    TRY(op_join_eval_keys(join, is_build ? join->right_keys : join->left_keys, chunk, join->batch,
                          &keys));
    uint16_t *rows = arena_alloc(join->batch, count * sizeof(uint16_t));
    uint64_t *hashes = arena_alloc(join->batch, count * sizeof(uint64_t));
    if (rows == NULL || hashes == NULL) return op_heavy_oom();
    JoinType type = join->type;
    bool keep_null = is_build ? type == JOIN_RIGHT || type == JOIN_FULL
                              : type == JOIN_LEFT || type == JOIN_FULL || type == JOIN_ANTI ||
                                    type == JOIN_MARK;
    bool drop_unbuilt = !is_build && (type == JOIN_INNER || type == JOIN_SEMI ||
                                      type == JOIN_RIGHT);
    uint32_t kept = 0;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint32_t row = sel != NULL ? sel[pos] : pos;
        uint64_t hash;
        if (keys.has_null[row]) {
            if (is_build) join->any_build_null = true;
            if (!keep_null) continue;
            hash = ++join->null_spread * 0x9E3779B97F4A7C15ULL;
        } else {
            hash = keys.hash[row];
        }
        if (drop_unbuilt && join->out_build[spill_part_of(hash, level)] == NULL) continue;
        rows[kept] = (uint16_t)row;
        hashes[kept] = hash;
        kept++;
    }
    join->spilled_rows += kept;
    return spill_parts_write(is_build ? join->out_build : join->out_probe,
                             join->base.ctx->temp_dir, level, chunk->columns,
                             is_build ? join->right_count : join->left_count, rows, hashes, kept);
}

/* push_parts: move the partitions just written to pending (rewound), dropping pairs that
 * cannot emit anything. */
static Error *push_parts(Join *join, uint32_t level)
{
    JoinType type = join->type;
    bool build_only_emits = type == JOIN_RIGHT || type == JOIN_FULL;
    bool probe_only_emits = type == JOIN_LEFT || type == JOIN_FULL || type == JOIN_ANTI ||
                            type == JOIN_MARK;
    for (uint32_t idx = SPILL_FANOUT; idx-- > 0;) {
        SpillFile *build_file = join->out_build[idx];
        SpillFile *probe_file = join->out_probe[idx];
        join->out_build[idx] = join->out_probe[idx] = NULL;
        bool keep = (build_file != NULL && probe_file != NULL) ||
                    (build_file != NULL && build_only_emits) ||
                    (probe_file != NULL && probe_only_emits);
        if (keep && join->pending_count == join->pending_capacity) {
            uint32_t capacity = join->pending_capacity == 0 ? SPILL_FANOUT
                                                            : join->pending_capacity * 2;
            JoinPart *grown = realloc(join->pending, capacity * sizeof(JoinPart));
            if (grown == NULL) {
                spill_file_close(build_file);
                spill_file_close(probe_file);
                return op_heavy_oom();
            }
            join->pending = grown;
            join->pending_capacity = capacity;
        }
        if (!keep) {
            spill_file_close(build_file);
            spill_file_close(probe_file);
            continue;
        }
        join->pending[join->pending_count++] = (JoinPart){ build_file, probe_file, level };
        if (build_file != NULL) TRY(spill_file_rewind(build_file));
        if (probe_file != NULL) TRY(spill_file_rewind(probe_file));
    }
    return NULL;
}

/* op_join_spill_partition: the build side in memory passed work_mem: partition it, the rest of
 * the build source and the whole probe source one level deeper (level 0 from the children) and
 * push the pairs. Errors: 53200 past JOIN_SPILL_LEVEL_MAX levels; the spill files' errors. */
Error *op_join_spill_partition(Join *join)
{
    uint32_t level = join->spilled ? join->level + 1 : 0;
    if (level >= JOIN_SPILL_LEVEL_MAX) {
        Error *err = err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        return err_set_detail(err, "hash join partition of %u build rows still exceeds "
                              "work_mem (%zu kB) after %d levels of spilling: too many rows "
                              "share one join key value", join->build.row_count,
                              join->base.ctx->work_mem / 1024, JOIN_SPILL_LEVEL_MAX);
    }
    TRY(op_heavy_arena(&join->spill_arena, 16 * 1024));
    for (uint32_t chunk_idx = 0; chunk_idx < join->build.chunk_count; chunk_idx++) {
        arena_reset(join->batch);
        DataChunk view;
        TRY(op_heavy_chunk_view(&view, &join->build.chunks[chunk_idx], join->batch));
        TRY(spill_side_chunk(join, &view, true, level));
    }
    op_join_build_reset(join);
    TRY(build_shrink(join));
    for (;;) {
        arena_reset(join->batch);
        DataChunk *chunk;
        TRY(op_join_next_build_chunk(join, &chunk));
        if (chunk == NULL) break;
        TRY(spill_side_chunk(join, chunk, true, level));
    }
    spill_file_close(join->cur_build);
    join->cur_build = NULL;
    for (;;) {
        arena_reset(join->batch);
        DataChunk *chunk;
        TRY(op_join_next_probe_chunk(join, &chunk));
        if (chunk == NULL) break;
        TRY(spill_side_chunk(join, chunk, false, level));
        TRY(exec_check_interrupt(join->base.ctx));
    }
    arena_reset(join->batch);
    spill_file_close(join->cur_probe);
    join->cur_probe = NULL;
    join->spilled = true;
    return push_parts(join, level);
}

/* op_join_next_part: make the next pending pair current (*found_out false when none is left).
 * Errors: OUT_OF_MEMORY. */
Error *op_join_next_part(Join *join, bool *found_out)
{
    spill_file_close(join->cur_build);
    spill_file_close(join->cur_probe);
    join->cur_build = join->cur_probe = NULL;
    op_join_build_reset(join);
    join->unmatched_cursor = 0;
    join->phase = PHASE_NEXT_PROBE;
    *found_out = join->pending_count > 0;
    if (!*found_out) return NULL;
    JoinPart part = join->pending[--join->pending_count];
    join->cur_build = part.build;
    join->cur_probe = part.probe;
    join->level = part.level;
    return build_shrink(join);
}

/* op_join_spill_reset: close every spill file and forget the spilled state. */
void op_join_spill_reset(Join *join)
{
    spill_file_close(join->cur_build);
    spill_file_close(join->cur_probe);
    join->cur_build = join->cur_probe = NULL;
    for (uint32_t idx = 0; idx < SPILL_FANOUT; idx++) {
        spill_file_close(join->out_build[idx]);
        spill_file_close(join->out_probe[idx]);
        join->out_build[idx] = join->out_probe[idx] = NULL;
    }
    for (uint32_t idx = 0; idx < join->pending_count; idx++) {
        spill_file_close(join->pending[idx].build);
        spill_file_close(join->pending[idx].probe);
    }
    join->pending_count = 0;
    spill_file_close(join->nl_probe);
    join->nl_probe = NULL;
    free(join->nl_matched);
    join->nl_matched = NULL;
    join->nl_matched_words = 0;
    join->nl_blocks = join->nl_last = false;
    join->nl_pass = 0;
    join->nl_probe_base = 0;
    join->spilled = false;
    join->right_done = false;
    join->any_build_null = false;
    join->level = 0;
    join->null_spread = 0;
}

/* ------------------------------------------------------------------ block nested loop ---- */

/* op_join_nl_spill_rest: the build side of a nested loop join passed work_mem: the rows in
 * memory are the first block, the rest of the build child goes to one file (cur_build, rewound),
 * read block by block after the first. Errors: the spill file's, the child's. */
Error *op_join_nl_spill_rest(Join *join)
{
    TRY(op_heavy_arena(&join->spill_arena, 16 * 1024));
    TRY(spill_file_create(join->base.ctx->temp_dir, &join->cur_build));   /* spill_reset closes */
    for (;;) {
        arena_reset(join->batch);
        DataChunk *chunk;
        TRY(exec_next(join->base.right, &chunk));
        if (chunk == NULL) break;
        uint32_t count;
        const uint16_t *sel = op_heavy_live_sel(chunk, &count);
        TRY(spill_file_write(join->cur_build, chunk->columns, join->right_count, sel, count));
        join->spilled_rows += count;
        TRY(exec_check_interrupt(join->base.ctx));
    }
    arena_reset(join->batch);
    join->right_done = true;
    TRY(spill_file_rewind(join->cur_build));
    join->nl_blocks = true;
    join->nl_pass = 0;
    join->nl_probe_base = 0;
    return NULL;
}

/* op_join_nl_next_block: the current block is done: empty the build side for the next one
 * (which the caller builds) and read the probe side again from its start. Errors: OUT_OF_MEMORY,
 * the spill file's. */
Error *op_join_nl_next_block(Join *join)
{
    op_join_build_reset(join);
    TRY(build_shrink(join));
    join->unmatched_cursor = 0;
    join->phase = PHASE_NEXT_PROBE;
    join->nl_pass++;
    join->nl_probe_base = 0;
    if (join->nl_probe != NULL && join->nl_pass == 1) TRY(spill_file_rewind(join->nl_probe));
    if (join->nl_probe != NULL && join->nl_pass > 1) TRY(spill_file_restart(join->nl_probe));
    return NULL;
}

/* nl_needs_bits: does a probe row's own output (NULL extension, semi/anti, mark) depend on
 * matches in every block? */
static bool nl_needs_bits(const Join *join)
{
    JoinType type = join->type;
    return type == JOIN_LEFT || type == JOIN_FULL || type == JOIN_SEMI || type == JOIN_ANTI ||
           type == JOIN_MARK;
}

/* op_join_nl_probe_seed: a block nested loop's probe chunk starts from what earlier blocks
 * matched (when nl_needs_bits): probe_matched from the bits (grown to cover the chunk's
 * ordinals), and semi/anti/mark rows already matched need no candidates. Errors: OUT_OF_MEMORY. */
Error *op_join_nl_probe_seed(Join *join)
{
    if (!nl_needs_bits(join)) return NULL;
    uint32_t count = join->probe_count;
    uint64_t base = join->nl_probe_base;
    size_t words = (size_t)((base + count + 63) / 64);
    if (words > join->nl_matched_words) {
        size_t capacity = join->nl_matched_words == 0 ? 64 : join->nl_matched_words;
        while (capacity < words) capacity *= 2;
        uint64_t *grown = realloc(join->nl_matched, capacity * sizeof(uint64_t));
        if (grown == NULL) return op_heavy_oom();
        memset(grown + join->nl_matched_words, 0,
               (capacity - join->nl_matched_words) * sizeof(uint64_t));
        join->nl_matched = grown;
        join->nl_matched_words = capacity;
    }
    for (uint32_t pos = 0; pos < count; pos++) {
        uint64_t at = base + pos;
        join->probe_matched[pos] = (uint8_t)((join->nl_matched[at >> 6] >> (at & 63)) & 1);
    }
    if (join->type == JOIN_SEMI || join->type == JOIN_ANTI || join->type == JOIN_MARK) {
        op_join_drop_matched_active(join);
    }
    return NULL;
}

/* op_join_nl_probe_done: record the finished probe chunk's matches in the bits; true when its
 * own output must wait for the last block. */
bool op_join_nl_probe_done(Join *join)
{
    uint32_t count = join->probe_count;
    uint64_t base = join->nl_probe_base;
    join->nl_probe_base += count;
    if (!nl_needs_bits(join)) return false;
    for (uint32_t pos = 0; pos < count; pos++) {
        uint64_t at = base + pos;
        if (join->probe_matched[pos]) join->nl_matched[at >> 6] |= 1ULL << (at & 63);
    }
    return !join->nl_last;
}

