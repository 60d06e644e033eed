/* executor/op_join_int.h: what op_join.c (hash and nested loop joins in memory) and
 * op_join_spill.c (their spilling: Grace hash join partitions, block nested loop) share: the Join
 * operator's state and the functions each file calls in the other. Owned by exec-heavy; for
 * those two files only.
 *
 * op_join.c's header tells how a join runs in memory, op_join_spill.c's how it spills; the
 * spilled state (files, pending pairs, blocks) lives in Join so that every partition pair and
 * every block runs the unchanged in-memory code. */
#ifndef BIRCH_EXECUTOR_OP_JOIN_INT_H
#define BIRCH_EXECUTOR_OP_JOIN_INT_H

#include "executor/op_heavy_int.h"
#include "executor/op_inttab.h"
#include "executor/spill.h"

/* JoinPart: a spilled partition pair waiting to be joined (files rewound; NULL: no rows). */
typedef struct JoinPart {
    SpillFile *build;
    SpillFile *probe;
    uint32_t   level;
} JoinPart;

typedef enum JoinPhase {
    PHASE_NEXT_PROBE,      /* fetch the next probe chunk */
    PHASE_ROUNDS,          /* pairs left for the current probe chunk */
    PHASE_SINGLE,          /* single-match path: the current probe chunk in one output */
    PHASE_PROBE_TAIL,      /* emit the current probe chunk's unmatched / marked rows */
    PHASE_BUILD_UNMATCHED, /* right/full: unmatched build rows */
    PHASE_DONE,
} JoinPhase;

typedef struct Join {
    Op          base;
    bool        is_hash;
    JoinType    type;
    uint32_t    left_count;
    uint32_t    right_count;
    Type       *pair_types;     /* left ++ right */
    ExprState **left_keys;
    ExprState **right_keys;
    ExprState  *filter;
    Arena      *batch;          /* reset at each next() */
    Arena      *probe_arena;    /* the current probe chunk's state */
    /* build side */
    bool        built;
    RowStore      build;
    KeyTable    keys;
    bool        int_keys;       /* one integer key: int_table instead of keys */
    OpIntTab    int_table;
    int64_t   **build_keys;     /* int_keys: per 2048 build rows (a segment), each row's key */
    uint8_t   **build_key_null; /* ... and whether it is NULL (bkey, bkey_null) */
    uint32_t    key_seg_count;
    uint32_t    key_seg_capacity;
    Arena      *key_arena;      /* the segments (no realloc copies of whole key arrays) */
    uint32_t   *direct;         /* int_keys, dense range: first build row of key min + i */
    int64_t     direct_min;
    int64_t     direct_max;
    size_t      direct_count;   /* entries of direct (0: the int_table maps keys) */
    bool        build_unique;   /* no key has two build rows: chains have one row */
    bool        single;         /* this build takes the single-match path (op_join.c) */
    int32_t     share_right;    /* build column that is the build key column, or -1 ... */
    uint32_t    share_left;     /* ... and the probe key column of the same type it equals */
    uint64_t   *direct_bits;    /* single path over the direct array: bit key - min set when a
                                 * build row has that key (NULL: none built) */
    void      **payload;        /* per build column: its values indexed by key - min (single
                                 * path, direct array, fixed width, no NULL), or NULL */
    bool        payload_only;   /* every build column the output needs has a payload (or is
                                 * shared) and no build row is flagged: probes need no row ids */
    uint32_t   *probe_off;      /* single path with direct_bits: per probe position, key - min */
    uint32_t    probe_hits;     /* ... and how many positions matched (UINT32_MAX: not counted) */
    uint8_t    *right_fixed;    /* per build column: 1 + its VecPhys if fixed-width numeric or
                                 * bool (then every stored chunk has that form), else 0 */
    bool       *right_nulls;    /* per build column: some stored value is NULL (after build) */
    uint32_t   *heads;          /* per key id: first and last build row of its chain */
    uint32_t   *tails;
    uint32_t   *next;           /* per build row: next row of its chain */
    uint8_t    *matched;        /* per build row (right/full) */
    size_t      id_capacity;
    size_t      key_capacity;
    bool        build_null_key; /* some build row has a NULL key (mark) */
    /* probe side */
    JoinPhase   phase;
    DataChunk  *probe;
    uint32_t    probe_count;    /* live rows */
    uint16_t   *probe_rows;     /* their row indexes */
    uint32_t   *cand;           /* per probe position: next candidate build row */
    uint8_t    *probe_matched;
    uint8_t    *probe_null_key;
    uint32_t   *active;         /* probe positions with candidates */
    uint32_t    active_count;
    uint32_t    unmatched_cursor;
    /* spilling (op_join_spill.c's header) */
    bool        spilled;        /* the children are consumed; pairs come from pending */
    bool        right_done;     /* the build child returned its end */
    bool        any_build_null; /* spilled: some build row of the whole input has a NULL key */
    uint32_t    level;          /* depth of the pair in memory */
    SpillFile  *cur_build;      /* the pair's build file being read (NULL: the child / none) */
    SpillFile  *cur_probe;      /* the pair's probe file being read (NULL: the child / none) */
    SpillFile  *out_build[SPILL_FANOUT];   /* partitions being written */
    SpillFile  *out_probe[SPILL_FANOUT];
    JoinPart   *pending;
    uint32_t    pending_count;
    uint32_t    pending_capacity;
    Arena      *spill_arena;    /* the probe chunk read back from cur_probe */
    uint64_t    null_spread;    /* counter spreading NULL-key rows over partitions */
    uint64_t    spilled_rows;   /* rows written to partition files (all levels) */
    size_t      rows_base;      /* op_rows_size of the empty build buffer */
    /* block nested loop (op_join_spill.c's header) */
    bool        nl_blocks;      /* the build side is joined one block at a time */
    bool        nl_last;        /* the block in memory is the last one */
    uint32_t    nl_pass;        /* block index: 0 reads the probe child and copies it */
    SpillFile  *nl_probe;       /* the probe side's live rows, for the blocks after the first */
    uint64_t   *nl_matched;     /* per probe row ordinal: matched in some block (one bit) */
    size_t      nl_matched_words;
    uint64_t    nl_probe_base;  /* ordinal of the current probe chunk's first live row */
} Join;

/* op_join_key_segs_clear: forget every key segment (their memory goes back to key_arena). */
static inline void op_join_key_segs_clear(Join *join)
{
    join->key_seg_count = 0;
    if (join->key_arena != NULL) arena_reset(join->key_arena);
}

/* ---- op_join.c ---- */

/* op_join_eval_keys: *keys gets the normalized join keys (states: left_keys or right_keys) of
 * chunk's live rows, in arena. Errors: the key expressions'; PROGRAM_LIMIT_EXCEEDED,
 * OUT_OF_MEMORY from op_keys_add. */
Error *op_join_eval_keys(Join *join, ExprState **states, DataChunk *chunk, Arena *arena,
                         KeyBatch *keys);
/* op_join_build_reset: forget the build side in memory (rows, keys, tables, direct array,
 * payloads); capacities are kept (op_join_spill.c's build_shrink gives them back). */
void   op_join_build_reset(Join *join);
/* op_join_drop_matched_active: semi, anti and mark joins: drop the active probe positions that
 * matched (they need no more candidates); none left moves the phase to PHASE_PROBE_TAIL. */
void   op_join_drop_matched_active(Join *join);

/* ---- op_join_spill.c ---- */

/* op_join_next_build_chunk: the next build chunk (in batch): from cur_build when set (a
 * partition pair's or the block nested loop's file), else from the right child (none once it
 * ended or the join spilled); *chunk_out NULL at the end. Errors: the file's, the child's. */
Error *op_join_next_build_chunk(Join *join, DataChunk **chunk_out);
/* op_join_next_probe_chunk: the next probe chunk: from cur_probe when set, from nl_probe in the
 * blocks after the first (both in spill_arena, valid until the next call), else from the left
 * child (none once spilled; the first block copies its live rows to nl_probe); *chunk_out NULL
 * at the end. Errors: the file's, the child's. */
Error *op_join_next_probe_chunk(Join *join, DataChunk **chunk_out);
/* op_join_spill_partition: a hash join's build side in memory passed work_mem: partition it, the
 * rest of the build source and the whole probe source one level deeper (level 0 from the
 * children) and push the pairs on pending. Post: spilled; the build side in memory is empty.
 * Errors: OUT_OF_MEMORY (53200) past JOIN_SPILL_LEVEL_MAX levels; the spill files'. */
Error *op_join_spill_partition(Join *join);
/* op_join_next_part: make the next pending pair current, with an empty build side and
 * phase PHASE_NEXT_PROBE (*found_out false when none is left). Errors: OUT_OF_MEMORY. */
Error *op_join_next_part(Join *join, bool *found_out);
/* op_join_spill_reset: close every spill file and forget the spilled and block state. */
void   op_join_spill_reset(Join *join);
/* op_join_nl_spill_rest: a nested loop join's build side passed work_mem: the rows in memory
 * are the first block, the rest of the build child goes to cur_build (rewound), read block by
 * block. Post: nl_blocks. Errors: the spill file's, the child's. */
Error *op_join_nl_spill_rest(Join *join);
/* op_join_nl_next_block: the current block is done: empty the build side and set the probe side
 * to be read again from its start; the caller then builds the next block. Errors: OUT_OF_MEMORY,
 * the spill file's. */
Error *op_join_nl_next_block(Join *join);
/* op_join_nl_probe_seed: a block nested loop's new probe chunk starts from what earlier blocks
 * matched (when its rows' own output depends on every block). Errors: OUT_OF_MEMORY. */
Error *op_join_nl_probe_seed(Join *join);
/* op_join_nl_probe_done: record the finished probe chunk's matches and move nl_probe_base past
 * it; true when its own output (NULL extension, semi/anti, mark) must wait for the last block. */
bool   op_join_nl_probe_done(Join *join);

#endif
