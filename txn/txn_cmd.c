/* txn/txn_cmd.c: command ids: hiding a transaction's own writes made at or after a barrier.
 *
 * A command is named by the undo position where it began (TxnBarrier). Nothing is recorded
 * per write: the undo list already holds, for every change, (tree, key, kind, before-image).
 * Only when a reader under a barrier meets a row version written or delete-marked by its own
 * transaction does it ask here; the first such question builds an index (OwnIndex) of the
 * undo entries at positions >= the barrier, keyed by (tree, key), holding for each key its
 * two earliest entries there; later questions extend it with the entries pushed since (the
 * only other way the list changes, a pop below the indexed part, i.e. a ROLLBACK TO, makes
 * the next question rebuild it: Txn.undo_pop_low).
 *
 * The row as the barrier's command saw it is the before-image of the earliest own change at
 * or after the barrier:
 *   UNDO_INSERT  -> the key did not exist;
 *   UNDO_RESTORE -> the record the entry keeps (an update's old version, an insert's over a
 *                   delete-marked row, an index entry's before its mark);
 *   UNDO_UNMARK  -> the record just before the mark with its delete_xid cleared: the next own
 *                   change's before-image if there is one (always an UNDO_RESTORE: a marked
 *                   row is only ever overwritten), else the newest version.
 * The snapshot's ordinary rules are then applied to that image (its writer may be one the
 * snapshot does not see: the version store resolves it as usual).
 *
 * ROLLBACK TO truncates the list: entries at positions >= the savepoint's count are gone and
 * new ones reuse their positions, so a barrier taken after the savepoint must from then on be
 * read as the savepoint's count (everything written since is after the barrier's command).
 * Txn.rollback_floors keeps, per ROLLBACK TO, (kept count, seq) as a stack of suffix minima:
 * the effective position of a barrier is the smaller of its own and the first floor whose
 * seq is later than the barrier's. */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/hash.h"
#include "storage/row.h"
#include "txn/txn_int.h"

enum {
    OWN_INDEX_CAPACITY_MIN = 64,   /* slots of a fresh index (a power of two) */
};

typedef struct OwnSlot {
    BTree           *tree;        /* NULL: empty slot */
    uint64_t         hash;
    const UndoEntry *first;       /* the earliest entry of the key at/after the barrier */
    const UndoEntry *second;      /* the next one, or NULL */
    size_t           first_pos;
    size_t           second_pos;
} OwnSlot;

typedef struct OwnIndex {
    OwnSlot *slots;
    size_t   capacity;            /* a power of two */
    size_t   count;
    size_t   base;                /* the effective barrier position it indexes from */
    size_t   built_count;         /* entries [base, built_count) are indexed */
} OwnIndex;

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

TxnBarrier txn_barrier_now(const Txn *txn)
{
    return (TxnBarrier){.undo_pos = txn->undo_count, .rollback_seq = txn->rollback_seq};
}

void txn_read_barrier_set(Txn *txn, const TxnBarrier *barrier)
{
    txn->barrier_on = barrier != NULL;
    if (barrier != NULL) txn->barrier = *barrier;
}

bool txn_read_barrier_get(const Txn *txn, TxnBarrier *barrier_out)
{
    if (txn->barrier_on) *barrier_out = txn->barrier;
    return txn->barrier_on;
}

Error *txn_barrier_rolled_back(Txn *txn, size_t undo_count)
{
    txn->rollback_seq++;
    while (txn->rollback_floor_count > 0 &&
           txn->rollback_floors[txn->rollback_floor_count - 1].undo_pos >= undo_count) {
        txn->rollback_floor_count--;
    }
    if (txn->rollback_floor_count == txn->rollback_floor_capacity) {
        size_t capacity = txn->rollback_floor_capacity == 0 ? 8
                                                            : txn->rollback_floor_capacity * 2;
        TxnBarrier *floors = realloc(txn->rollback_floors, capacity * sizeof *floors);
        if (floors == NULL) return oom();
        txn->rollback_floors = floors;
        txn->rollback_floor_capacity = capacity;
    }
    txn->rollback_floors[txn->rollback_floor_count++] =
        (TxnBarrier){.undo_pos = undo_count, .rollback_seq = txn->rollback_seq};
    return NULL;
}

void txn_barrier_free(Txn *txn)
{
    if (txn->own_index != NULL) free(txn->own_index->slots);
    free(txn->own_index);
    txn->own_index = NULL;
    free(txn->rollback_floors);
    txn->rollback_floors = NULL;
    txn->rollback_floor_count = txn->rollback_floor_capacity = 0;
}

/* barrier_pos: the effective undo position of the installed barrier (see the header). */
static size_t barrier_pos(const Txn *txn)
{
    size_t pos = txn->barrier.undo_pos;
    for (size_t idx = 0; idx < txn->rollback_floor_count; idx++) {
        const TxnBarrier *floor = &txn->rollback_floors[idx];
        if (floor->rollback_seq > txn->barrier.rollback_seq) {
            if (floor->undo_pos < pos) pos = floor->undo_pos;
            break;
        }
    }
    return pos;
}

static uint64_t key_hash(const BTree *tree, const uint8_t *key, size_t key_size)
{
    return hash_bytes(key, key_size, hash_u64((uint64_t)(uintptr_t)tree));
}

/* find_slot: the slot of (tree, key), or the empty slot where it would go. */
static OwnSlot *find_slot(OwnIndex *index, BTree *tree, const uint8_t *key, size_t key_size,
                          uint64_t hash)
{
    size_t mask = index->capacity - 1;
    for (size_t probe = hash & mask;; probe = (probe + 1) & mask) {
        OwnSlot *slot = &index->slots[probe];
        if (slot->tree == NULL) return slot;
        if (slot->hash == hash && slot->tree == tree && slot->first->key_size == key_size &&
            memcmp(undo_key(slot->first), key, key_size) == 0) {
            return slot;
        }
    }
}

static Error *grow(OwnIndex *index)
{
    size_t capacity = index->capacity == 0 ? OWN_INDEX_CAPACITY_MIN : index->capacity * 2;
    OwnSlot *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL) return oom();
    OwnIndex bigger = {.slots = slots, .capacity = capacity, .count = index->count};
    for (size_t idx = 0; idx < index->capacity; idx++) {
        OwnSlot *slot = &index->slots[idx];
        if (slot->tree == NULL) continue;
        *find_slot(&bigger, slot->tree, undo_key(slot->first), slot->first->key_size,
                   slot->hash) = *slot;
    }
    free(index->slots);
    index->slots = slots;
    index->capacity = capacity;
    return NULL;
}

/* index_add: note the entry at pos; a key keeps its two smallest positions. */
static Error *index_add(Txn *txn, OwnIndex *index, const UndoEntry *entry, size_t pos)
{
    if ((index->count + 1) * 4 > index->capacity * 3) TRY(grow(index));
    BTree *tree = undo_tree(txn, entry);
    const uint8_t *key = undo_key(entry);
    uint64_t hash = key_hash(tree, key, entry->key_size);
    OwnSlot *slot = find_slot(index, tree, key, entry->key_size, hash);
    if (slot->tree == NULL) {
        *slot = (OwnSlot){.tree = tree, .hash = hash, .first = entry, .first_pos = pos};
        index->count++;
    } else if (pos < slot->first_pos) {
        slot->second = slot->first;
        slot->second_pos = slot->first_pos;
        slot->first = entry;
        slot->first_pos = pos;
    } else if (slot->second == NULL || pos < slot->second_pos) {
        slot->second = entry;
        slot->second_pos = pos;
    }
    return NULL;
}

/* own_index_update: bring the index to entries [base, undo_count) of the barrier in use. */
static Error *own_index_update(Txn *txn, size_t base, OwnIndex **index_out)
{
    OwnIndex *index = txn->own_index;
    if (index == NULL) {
        index = calloc(1, sizeof *index);
        if (index == NULL) return oom();
        txn->own_index = index;
        index->base = index->built_count = SIZE_MAX;
    }
    if (index->base != base || txn->undo_pop_low < index->built_count ||
        index->built_count > txn->undo_count) {
        if (index->slots != NULL) memset(index->slots, 0, index->capacity * sizeof *index->slots);
        index->count = 0;
        index->base = base;
        index->built_count = base;
    }
    txn->undo_pop_low = SIZE_MAX;
    if (txn->undo_count > index->built_count) {
        /* newest first, down to the first entry not yet indexed */
        const UndoEntry *entry = txn->undo_top;
        const UndoBlock *block = txn->undo_block;
        for (size_t pos = txn->undo_count; pos > index->built_count; pos--) {
            Error *err = index_add(txn, index, entry, pos - 1);
            if (err != NULL) {
                index->base = SIZE_MAX;    /* half built: rebuild next time */
                return err;
            }
            if (entry->prev_gap > 0) {
                entry = (const UndoEntry *)(const void *)((const uint8_t *)entry -
                                                          entry->prev_gap);
            } else if (pos - 1 > 0) {
                block = block->prev;
                entry = block->last;
            }
        }
        index->built_count = txn->undo_count;
    }
    *index_out = index;
    return NULL;
}

/* own_changes: the slot of (tree, key) if txn changed it at or after the barrier, else NULL. */
static Error *own_changes(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                          const OwnSlot **slot_out)
{
    *slot_out = NULL;
    size_t base = barrier_pos(txn);
    if (txn->undo_count <= base) return NULL;   /* nothing written since the barrier */
    OwnIndex *index = NULL;
    TRY(own_index_update(txn, base, &index));
    if (index->count == 0) return NULL;
    const OwnSlot *slot = find_slot(index, tree, key, key_size, key_hash(tree, key, key_size));
    if (slot->tree != NULL) *slot_out = slot;
    return NULL;
}

Error *txn_barrier_touched(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                           bool *touched_out)
{
    const OwnSlot *slot = NULL;
    TRY(own_changes(txn, tree, key, key_size, &slot));
    *touched_out = slot != NULL;
    return NULL;
}

static Error *buf_set(BtBuf *buf, const uint8_t *bytes, size_t size)
{
    if (size > buf->capacity) {
        uint8_t *data = realloc(buf->data, size);
        if (data == NULL) return oom();
        buf->data = data;
        buf->capacity = size;
    }
    memmove(buf->data, bytes, size);
    buf->size = size;
    return NULL;
}

Error *txn_barrier_resolve(Txn *txn, BTree *tree, const uint8_t *key, size_t key_size,
                           const uint8_t *newest, size_t newest_size, BtBuf *out,
                           bool *handled_out, bool *found_out)
{
    *handled_out = false;
    *found_out = false;
    const OwnSlot *slot = NULL;
    TRY(own_changes(txn, tree, key, key_size, &slot));
    if (slot == NULL) return NULL;
    *handled_out = true;
    const UndoEntry *first = slot->first;
    const uint8_t *image = NULL;
    size_t image_size = 0;
    bool clear_mark = false;
    switch (undo_kind(first)) {
    case UNDO_INSERT:
        return NULL;                         /* the key did not exist for the command */
    case UNDO_RESTORE:
        image = undo_record(first);
        image_size = undo_record_size(first);
        break;
    case UNDO_UNMARK:
        clear_mark = true;
        if (slot->second != NULL && undo_kind(slot->second) == UNDO_RESTORE) {
            image = undo_record(slot->second);
            image_size = undo_record_size(slot->second);
        } else {
            image = newest;
            image_size = newest_size;
        }
        break;
    }
    if (image == NULL) return err_new(SQLSTATE_DATA_CORRUPTED, "undo entry without a record");
    /* out may be newest's buffer: memmove */
    TRY(buf_set(out, image, image_size));
    RowHeader header;
    TRY(row_header_read(out->data, out->size, &header));
    if (clear_mark) {
        header.delete_xid = ROW_XID_NONE;
        row_header_write(out->data, out->size, &header);
    }
    const Snapshot *snapshot = &txn->snapshot;
    if (snap_xid_visible(snapshot, header.xid)) {
        *found_out = header.delete_xid == ROW_XID_NONE ||
                     !snap_xid_visible(snapshot, header.delete_xid);
        return NULL;
    }
    return vstore_find(txn->manager->vstore, bt_root(tree), key, key_size, snapshot, out,
                       found_out);
}
