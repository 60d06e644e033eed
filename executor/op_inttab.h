/* executor/op_inttab.h: an open-addressing hash table from int64 keys to dense ids, for the
 * single-integer-key fast paths of hash aggregation (op_agg.c) and hash join (op_join.c).
 * Added by perf; executor-internal, header-only (static inline).
 *
 * A GROUP BY or join on one column whose vectors are int2/int4/int8 (or date, time, timestamp:
 * any I16/I32/I64 physical form) compares keys by value, which is exactly what the normalized
 * key encoding gives for those types (op_heavy_int.h: integers of every width as int64), so the
 * table maps the int64 value itself: no key bytes, no per-row hash_bytes, no memcmp. NULLs are
 * the caller's business (grouped together by op_agg, never inserted by op_join).
 *
 * Layout: one array of 16-byte slots {key, id + 1 (0 = empty)}, so a probe touches one cache
 * line; a power-of-two slot count kept at most half full; the slot of a key is the top bits of
 * key * golden ratio (Fibonacci hashing), linear probing. op_inttab_prefetch lets a caller issue
 * the loads of a whole batch of probes before resolving them.
 *
 * Invariants:
 * 1. slot_count is a power of two >= OP_INTTAB_SLOT_COUNT_MIN and count * 2 <= slot_count.
 * 2. slots[i].id == 0 iff slot i is empty; a key appears in at most one slot.
 * 3. Ids are 0..count-1 in insertion order (op_inttab_insert hands out count).
 * 4. A slot's value is 0 when its key is added and changes only through the pointer
 *    op_inttab_upsert returns (the hash join keeps its chain head there: one cache line per
 *    probe instead of a slot and then a heads[] entry). */
#ifndef BIRCH_EXECUTOR_OP_INTTAB_H
#define BIRCH_EXECUTOR_OP_INTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

enum { OP_INTTAB_SLOT_COUNT_MIN = 64 };

typedef struct OpIntSlot {
    int64_t  key;
    uint32_t id;            /* id + 1; 0 = empty */
    uint32_t value;         /* the caller's payload (op_inttab_upsert); 0 in a new slot */
} OpIntSlot;

typedef struct OpIntTab {
    OpIntSlot *slots;
    uint32_t  slot_count;
    uint32_t  shift;        /* 64 - log2(slot_count) */
    uint32_t  count;
} OpIntTab;

static inline uint32_t op_inttab_slot(const OpIntTab *table, int64_t key)
{
    return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> table->shift);
}

/* op_inttab_free: release memory (idempotent); the table is then empty with no slots. */
static inline void op_inttab_free(OpIntTab *table)
{
    free(table->slots);
    *table = (OpIntTab){ 0 };
}

/* op_inttab_clear: forget every key, keep the slots. */
static inline void op_inttab_clear(OpIntTab *table)
{
    if (table->slots != NULL) memset(table->slots, 0, table->slot_count * sizeof(OpIntSlot));
    table->count = 0;
}

/* op_inttab_reserve: room for count_max keys without passing half full (rehashes).
 * Errors: OUT_OF_MEMORY (the table is unchanged). */
static inline Error *op_inttab_reserve(OpIntTab *table, size_t count_max)
{
    if (table->slot_count != 0 && count_max * 2 <= table->slot_count) return NULL;
    size_t slot_count = table->slot_count == 0 ? OP_INTTAB_SLOT_COUNT_MIN : table->slot_count;
    while (slot_count < count_max * 2) slot_count *= 2;
    if (slot_count > ((size_t)1 << 31)) {
        return err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "hash table too large");
    }
    OpIntSlot *slots = calloc(slot_count, sizeof(OpIntSlot));
    if (slots == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    OpIntTab grown = { .slots = slots, .slot_count = (uint32_t)slot_count, .count = table->count };
    uint32_t shift = 64;
    for (size_t size = slot_count; size > 1; size >>= 1) shift--;
    grown.shift = shift;
    uint32_t mask = grown.slot_count - 1;
    for (uint32_t slot = 0; slot < table->slot_count; slot++) {
        if (table->slots[slot].id == 0) continue;
        uint32_t at = op_inttab_slot(&grown, table->slots[slot].key);
        while (grown.slots[at].id != 0) at = (at + 1) & mask;
        grown.slots[at] = table->slots[slot];
    }
    free(table->slots);
    *table = grown;
    return NULL;
}

/* op_inttab_insert: the id of key, adding it with id count if absent (*is_new_out).
 * Pre: room reserved (count < slot_count / 2). */
static inline uint32_t op_inttab_insert(OpIntTab *table, int64_t key, bool *is_new_out)
{
    uint32_t mask = table->slot_count - 1;
    uint32_t at = op_inttab_slot(table, key);
    for (;;) {
        OpIntSlot *slot = &table->slots[at];
        uint32_t id = slot->id;
        if (id == 0) {
            slot->key = key;
            slot->id = ++table->count;
            *is_new_out = true;
            return table->count - 1;
        }
        if (slot->key == key) {
            *is_new_out = false;
            return id - 1;
        }
        at = (at + 1) & mask;
    }
}

/* op_inttab_upsert: the slot of key, adding it (value 0) if absent (*is_new_out); the caller
 * may change the slot's value. The pointer is valid until the next reserve, clear or free.
 * Pre: room reserved (count < slot_count / 2). */
static inline OpIntSlot *op_inttab_upsert(OpIntTab *table, int64_t key, bool *is_new_out)
{
    uint32_t mask = table->slot_count - 1;
    uint32_t at = op_inttab_slot(table, key);
    for (;;) {
        OpIntSlot *slot = &table->slots[at];
        if (slot->id == 0) {
            slot->key = key;
            slot->id = ++table->count;
            slot->value = 0;
            *is_new_out = true;
            return slot;
        }
        if (slot->key == key) {
            *is_new_out = false;
            return slot;
        }
        at = (at + 1) & mask;
    }
}

/* op_inttab_find_value: the value of key's slot, or missing when key is absent. */
static inline uint32_t op_inttab_find_value(const OpIntTab *table, int64_t key, uint32_t missing)
{
    if (table->count == 0) return missing;
    uint32_t mask = table->slot_count - 1;
    uint32_t at = op_inttab_slot(table, key);
    for (;;) {
        const OpIntSlot *slot = &table->slots[at];
        if (slot->id == 0) return missing;
        if (slot->key == key) return slot->value;
        at = (at + 1) & mask;
    }
}

/* op_inttab_find: the id of key, or UINT32_MAX. */
static inline uint32_t op_inttab_find(const OpIntTab *table, int64_t key)
{
    if (table->count == 0) return UINT32_MAX;
    uint32_t mask = table->slot_count - 1;
    uint32_t at = op_inttab_slot(table, key);
    for (;;) {
        const OpIntSlot *slot = &table->slots[at];
        if (slot->id == 0) return UINT32_MAX;
        if (slot->key == key) return slot->id - 1;
        at = (at + 1) & mask;
    }
}

/* op_inttab_prefetch: start loading key's first slot (a hint; no effect on the contents).
 * Pre: the table has slots (slot_count != 0). */
static inline void op_inttab_prefetch(const OpIntTab *table, int64_t key)
{
    const OpIntSlot *slot = table->slots + op_inttab_slot(table, key);
    __builtin_prefetch(slot);
}

/* op_inttab_size: bytes held (for work_mem). */
static inline size_t op_inttab_size(const OpIntTab *table)
{
    return (size_t)table->slot_count * sizeof(OpIntSlot);
}

#endif
