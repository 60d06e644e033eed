/* txn/recov.c: recov_open / recov_close and ARIES recovery (contract in recov.h).
 *
 * Analysis and redo share one pass over the log: redo decides by page LSN alone (no dirty
 * page table filter yet: a record whose page is newer is skipped after one pin), so the
 * transaction table can be built while history is repeated. Undo then rolls back the losers
 * one by one (logical undo needs no global LSN order across transactions).
 *
 * The order of recov_open on an existing file: peek at page 0 read-only; if the last close was
 * clean, create the fresh log first and only then open for writing (which sets the flag), so a
 * crash at any moment leaves either a clear flag or a log. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/asserts.h"
#include "common/failpoint.h"
#include "common/hash.h"
#include "txn/recov.h"

struct RecovDb {
    Store        *store;
    Wal          *wal;
    Checkpointer *ckpt;
};

Store        *recov_store(RecovDb *db) { return db->store; }
Wal          *recov_wal(RecovDb *db) { return db->wal; }
Checkpointer *recov_ckpt(RecovDb *db) { return db->ckpt; }

/* ---------------------------------------------------------------- transaction table ---- */

typedef struct TxnEntry {
    uint64_t xid;            /* 0: empty slot */
    uint64_t first_lsn;
    uint64_t last_lsn;
    uint64_t undo_next_lsn;
    bool     committed;
    bool     ended;
} TxnEntry;

typedef struct TxnTable {
    TxnEntry *slots;
    size_t    capacity;      /* power of two */
    size_t    count;
} TxnTable;

static Error *table_grow(TxnTable *table)
{
    size_t    capacity = table->capacity == 0 ? 64 : table->capacity * 2;
    TxnEntry *slots = calloc(capacity, sizeof *slots);
    if (slots == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    for (size_t slot_idx = 0; slot_idx < table->capacity; slot_idx++) {
        TxnEntry *entry = &table->slots[slot_idx];
        if (entry->xid == 0) continue;
        size_t at = hash_u64(entry->xid) & (capacity - 1);
        while (slots[at].xid != 0) at = (at + 1) & (capacity - 1);
        slots[at] = *entry;
    }
    free(table->slots);
    table->slots = slots;
    table->capacity = capacity;
    return NULL;
}

static Error *table_get(TxnTable *table, uint64_t xid, bool add, TxnEntry **entry_out)
{
    *entry_out = NULL;
    if (table->capacity == 0 || (add && 2 * (table->count + 1) > table->capacity)) {
        if (!add) return NULL;
        TRY(table_grow(table));
    }
    size_t at = hash_u64(xid) & (table->capacity - 1);
    while (table->slots[at].xid != 0 && table->slots[at].xid != xid) {
        at = (at + 1) & (table->capacity - 1);
    }
    if (table->slots[at].xid == 0) {
        if (!add) return NULL;
        table->slots[at] = (TxnEntry){.xid = xid};
        table->count++;
    }
    *entry_out = &table->slots[at];
    return NULL;
}

/* ---------------------------------------------------------------- redo ---- */

/* TornSet: pages read as zeros (torn, or never written) whose records redo had to skip until
 * a full page image or REDO_PAGE_INIT rebuilds them. Records before that image described an
 * older version of the page, which the torn write destroyed and the image supersedes. */
typedef struct TornSet {
    PageId *pages;
    size_t  count;
    size_t  capacity;
} TornSet;

static Error *torn_add(TornSet *torn, PageId page_id)
{
    for (size_t page_idx = 0; page_idx < torn->count; page_idx++) {
        if (torn->pages[page_idx] == page_id) return NULL;
    }
    if (torn->count == torn->capacity) {
        size_t  capacity = torn->capacity == 0 ? 16 : torn->capacity * 2;
        PageId *pages = realloc(torn->pages, capacity * sizeof *pages);
        if (pages == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        torn->pages = pages;
        torn->capacity = capacity;
    }
    torn->pages[torn->count++] = page_id;
    return NULL;
}

static void torn_remove(TornSet *torn, PageId page_id)
{
    for (size_t page_idx = 0; page_idx < torn->count; page_idx++) {
        if (torn->pages[page_idx] == page_id) {
            torn->pages[page_idx] = torn->pages[--torn->count];
            return;
        }
    }
}

/* first_type: the first redo record type of page_id in the record's redo bytes. */
static uint8_t first_type(const WalRecord *record, PageId page_id)
{
    RedoIter   iter = {.data = record->redo, .size = record->redo_size};
    RedoRecord redo;
    Error     *err = NULL;
    while (redo_next(&iter, &redo, &err)) {
        if (redo.page_id == page_id) return redo.type;
    }
    if (err != NULL) err_free(err);
    return REDO_NONE;
}

static Error *redo_page(Store *store, const WalRecord *record, PageId page_id, TornSet *torn,
                        bool *applied_out)
{
    BufPool *pool = store_pool(store);
    Frame   *frame = NULL;
    *applied_out = false;
    TRY(bp_pin(pool, page_id, BP_PIN_REDO, &frame));
    bp_latch(frame, LATCH_EXCLUSIVE);
    uint8_t *page = bp_data(frame);
    Error   *err = NULL;
    if (page_lsn(page) < record->lsn) {
        uint8_t type = page_is_zero(page) ? first_type(record, page_id) : REDO_NONE;
        if (type != REDO_NONE && type != REDO_PAGE_IMAGE && type != REDO_PAGE_INIT) {
            /* torn or missing page: wait for its image */
            err = torn_add(torn, page_id);
        } else {
            RedoIter   iter = {.data = record->redo, .size = record->redo_size};
            RedoRecord redo;
            while (err == NULL && redo_next(&iter, &redo, &err)) {
                if (redo.page_id != page_id) continue;
                err = redo_apply(page, page_id, redo.type, redo.payload, redo.payload_size);
            }
            if (err == NULL) {
                page_set_lsn(page, record->lsn);
                bp_mark_dirty(pool, frame, record->lsn);
                torn_remove(torn, page_id);
                *applied_out = true;
            }
        }
    }
    bp_unlatch(frame, LATCH_EXCLUSIVE);
    bp_unpin(pool, frame);
    if (err != NULL) {
        return err_prefix(err, "recovery cannot apply the log record at LSN %llu to page %u",
                          (unsigned long long)record->lsn, (unsigned)page_id);
    }
    return NULL;
}

/* redo_record: apply an MTR/CLR record, page by page (each page's records in order). */
static Error *redo_record(Store *store, const WalRecord *record, TornSet *torn,
                          RecovReport *report)
{
    PageId     seen[MTR_FRAME_MAX * 2];
    size_t     seen_count = 0;
    RedoIter   iter = {.data = record->redo, .size = record->redo_size};
    RedoRecord redo;
    Error     *err = NULL;
    bool       any = false;
    while (redo_next(&iter, &redo, &err)) {
        bool known = false;
        for (size_t seen_idx = 0; seen_idx < seen_count && !known; seen_idx++) {
            known = seen[seen_idx] == redo.page_id;
        }
        if (known) continue;
        if (seen_count == sizeof seen / sizeof seen[0]) {
            return err_new(SQLSTATE_DATA_CORRUPTED, "log record at LSN %llu touches too many pages",
                           (unsigned long long)record->lsn);
        }
        seen[seen_count++] = redo.page_id;
        bool applied = false;
        TRY(redo_page(store, record, redo.page_id, torn, &applied));
        if (applied) report->pages_redone++;
        any = any || applied;
    }
    if (err != NULL) {
        return err_prefix(err, "log record at LSN %llu", (unsigned long long)record->lsn);
    }
    if (any) report->records_redone++;
    return NULL;
}

/* ---------------------------------------------------------------- analysis ---- */

static Error *merge_checkpoint(TxnTable *table, const WalRecord *record)
{
    CkptRecord checkpoint;
    TRY(ckpt_body_decode(record->payload, record->payload_size, &checkpoint));
    Error *err = NULL;
    for (size_t txn_idx = 0; txn_idx < checkpoint.txn_count && err == NULL; txn_idx++) {
        const CkptTxn *txn = &checkpoint.txns[txn_idx];
        if (txn->xid == 0) continue;
        TxnEntry *entry = NULL;
        err = table_get(table, txn->xid, false, &entry);
        if (err != NULL) break;
        if (entry != NULL) {
            /* seen in the scan already: the scan is as new; only the first LSN may be older */
            if (txn->first_lsn != 0 && (entry->first_lsn == 0 || txn->first_lsn < entry->first_lsn)) {
                entry->first_lsn = txn->first_lsn;
            }
            continue;
        }
        err = table_get(table, txn->xid, true, &entry);
        if (err == NULL) {
            entry->first_lsn = txn->first_lsn;
            entry->last_lsn = txn->last_lsn;
            entry->undo_next_lsn = txn->undo_next_lsn;
        }
    }
    ckpt_record_free(&checkpoint);
    return err;
}

static Error *analyze_record(TxnTable *table, const WalRecord *record, uint64_t checkpoint_lsn)
{
    if (record->type == WAL_RECORD_CHECKPOINT) {
        return record->lsn == checkpoint_lsn ? merge_checkpoint(table, record) : NULL;
    }
    if (record->xid == 0) return NULL;
    TxnEntry *entry = NULL;
    TRY(table_get(table, record->xid, true, &entry));
    if (entry->first_lsn == 0) entry->first_lsn = record->lsn;
    entry->last_lsn = record->lsn;
    switch (record->type) {
    case WAL_RECORD_MTR: entry->undo_next_lsn = record->lsn; break;
    case WAL_RECORD_CLR: entry->undo_next_lsn = record->undo_next_lsn; break;
    case WAL_RECORD_COMMIT: entry->committed = true; break;
    case WAL_RECORD_END: entry->ended = true; break;
    default: break;   /* ABORT: the rollback continues from undo_next_lsn */
    }
    return NULL;
}

/* scan: analysis + redo from start to the end of the log. */
static Error *scan(Wal *wal, Store *store, uint64_t start, uint64_t checkpoint_lsn,
                   TxnTable *table, RecovReport *report, uint64_t *end_out)
{
    WalReader *reader = NULL;
    TRY(wal_reader_open(wal, &reader));
    TornSet  torn = {0};
    uint64_t lsn = start;
    Error   *err = NULL;
    for (;;) {
        WalRecord record;
        bool      valid = false;
        err = wal_read(reader, lsn, true, &record, &valid);
        if (err != NULL || !valid) break;
        report->records_scanned++;
        if (FAILPOINT("recov.redo.record")) {
            err = err_new(SQLSTATE_IO_ERROR, "recovery failed: injected failure at LSN %llu",
                          (unsigned long long)lsn);
            break;
        }
        err = analyze_record(table, &record, checkpoint_lsn);
        if (err == NULL && (record.type == WAL_RECORD_MTR || record.type == WAL_RECORD_CLR)) {
            err = redo_record(store, &record, &torn, report);
        }
        if (err != NULL) break;
        if (record.xid > report->max_xid) report->max_xid = record.xid;
        lsn += record.size;
    }
    wal_reader_close(reader);
    if (err == NULL && torn.count > 0) {
        err = err_new(SQLSTATE_DATA_CORRUPTED,
                      "page %u of database \"%s\" is unreadable (torn?) and the log holds no "
                      "full image of it", (unsigned)torn.pages[0], store_path(store));
    }
    free(torn.pages);
    *end_out = lsn;
    return err;
}

/* ---------------------------------------------------------------- undo ---- */

static Error *chain_broken(uint64_t xid, uint64_t lsn, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED,
                   "cannot roll back transaction %llu: its log record at LSN %llu %s",
                   (unsigned long long)xid, (unsigned long long)lsn, what);
}

static Error *undo_step(Wal *wal, Store *store, RecovUndoFn fn, void *ctx,
                        const WalRecord *record, uint64_t *last_lsn_io)
{
    if (fn == NULL) return chain_broken(record->xid, record->lsn, "needs an undo callback");
    if (FAILPOINT("recov.undo.step")) {
        return err_new(SQLSTATE_IO_ERROR, "rollback failed: injected failure at LSN %llu",
                       (unsigned long long)record->lsn);
    }
    (void)wal;
    WalMtrInfo  info = {.xid = record->xid, .last_lsn_io = last_lsn_io, .is_clr = true,
                        .undo_next_lsn = record->prev_lsn};
    WalMtrInfo *outer = wal_thread_binding();
    wal_thread_bind(&info);
    Error *err = fn(ctx, store, record);
    wal_thread_bind(outer);
    return err;
}

Error *recov_rollback(Wal *wal, Store *store, RecovUndoFn fn, void *ctx, uint64_t xid,
                      uint64_t *last_lsn_io, uint64_t undo_next_lsn, uint64_t stop_lsn,
                      uint64_t *step_count_out)
{
    WalReader *reader = NULL;
    TRY(wal_reader_open(wal, &reader));
    uint64_t lsn = undo_next_lsn;
    uint64_t step_count = 0;
    Error   *err = NULL;
    while (err == NULL && lsn != 0 && lsn > stop_lsn) {
        WalRecord record;
        bool      valid = false;
        err = wal_read(reader, lsn, false, &record, &valid);
        if (err != NULL) break;
        if (!valid) {
            err = chain_broken(xid, lsn, "is not in the log");
            break;
        }
        if (record.xid != xid) {
            err = chain_broken(xid, lsn, "belongs to another transaction");
            break;
        }
        if (record.prev_lsn >= lsn || (record.type == WAL_RECORD_CLR && record.undo_next_lsn >= lsn)) {
            err = chain_broken(xid, lsn, "does not lead backwards");
            break;
        }
        if (record.type == WAL_RECORD_CLR) {
            lsn = record.undo_next_lsn;   /* already undone: skip what it compensated */
            continue;
        }
        if (record.type == WAL_RECORD_MTR && record.undo_size > 0) {
            err = undo_step(wal, store, fn, ctx, &record, last_lsn_io);
            step_count++;
        }
        lsn = record.prev_lsn;
    }
    wal_reader_close(reader);
    if (step_count_out != NULL) *step_count_out += step_count;
    return err;
}

static Error *undo_losers(RecovDb *db, const RecovOptions *options, TxnTable *table,
                          RecovReport *report)
{
    for (size_t slot_idx = 0; slot_idx < table->capacity; slot_idx++) {
        TxnEntry *entry = &table->slots[slot_idx];
        if (entry->xid == 0 || entry->committed || entry->ended) continue;
        uint64_t last_lsn = entry->last_lsn;
        TRY(recov_rollback(db->wal, db->store, options->undo_fn, options->undo_ctx, entry->xid,
                           &last_lsn, entry->undo_next_lsn, 0, &report->clr_count));
        uint64_t end_lsn = 0;
        TRY(wal_append_txn(db->wal, WAL_RECORD_END, entry->xid, last_lsn, NULL, 0, &end_lsn));
        entry->ended = true;
        report->transactions_rolled_back++;
    }
    return wal_flush_all(db->wal);
}

/* ---------------------------------------------------------------- open ---- */

static double elapsed_ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* prepare_clean: the file exists: if its last close was clean, create the fresh log before the
 * flag gets set. *clean_out tells which case it was. */
static Error *prepare_clean(const char *path, const RecovOptions *options, bool *clean_out)
{
    StoreOptions peek = {.vfs = options->store.vfs, .pool_size = 1 << 20, .read_only = true};
    Store       *store = NULL;
    TRY(store_open(path, &peek, &store));
    StoreInfo info = store_info(store);
    *clean_out = !info.needs_recovery;
    Error *err = NULL;
    if (*clean_out) {
        Wal *wal = NULL;
        err = wal_create(store, &options->wal, &wal);
        if (err == NULL) err = wal_close(wal, false);
    }
    Error *close_err = store_close(store);
    if (err == NULL) return close_err;
    if (close_err != NULL) err_free(close_err);
    return err;
}

static Error *recover(RecovDb *db, const RecovOptions *options, RecovReport *report)
{
    StoreCheckpoint checkpoint = {0};
    bool            found = false;
    TRY(store_read_checkpoint(db->store, &checkpoint, &found));
    uint64_t start = wal_created_lsn(db->wal);
    uint64_t checkpoint_lsn = 0;
    if (found && checkpoint.redo_lsn >= start) {
        start = checkpoint.redo_lsn;
        checkpoint_lsn = checkpoint.checkpoint_lsn;
    }
    report->recovered = true;
    report->start_lsn = start;
    report->checkpoint_lsn = checkpoint_lsn;
    TxnTable table = {0};
    uint64_t end = start;
    Error   *err = scan(db->wal, db->store, start, checkpoint_lsn, &table, report, &end);
    report->end_lsn = end;
    report->bytes_scanned = end - start;
    uint64_t reuse = start;
    for (size_t slot_idx = 0; slot_idx < table.capacity; slot_idx++) {
        TxnEntry *entry = &table.slots[slot_idx];
        if (entry->xid == 0 || entry->committed || entry->ended) continue;
        if (entry->first_lsn != 0 && entry->first_lsn < reuse) reuse = entry->first_lsn;
    }
    if (err == NULL) {
        wal_set_reuse_lsn(db->wal, reuse);
        err = wal_start_append(db->wal, end);
    }
    if (err == NULL) {
        wal_install(db->wal);
        err = undo_losers(db, options, &table, report);
    }
    free(table.slots);
    return err;
}

static void db_free(RecovDb *db, bool abandon)
{
    if (db == NULL) return;
    ckpt_destroy(db->ckpt);
    if (abandon) {
        wal_abandon(db->wal);
        store_abandon(db->store);
    }
    free(db);
}

static Error *open_steps(RecovDb *db, const char *path, const RecovOptions *options,
                         RecovReport *report)
{
    Vfs *vfs = options->store.vfs != NULL ? options->store.vfs : vfs_posix();
    bool exists = false;
    TRY(file_exists(vfs, path, &exists));
    if (!exists && options->store.create) {
        /* create the file and close it clean at once, so it always has a log or a clear flag
         * (a crash inside these few writes leaves a flagged file without a log: refused) */
        StoreOptions create = options->store;
        create.start_cleaner = false;
        Store *store = NULL;
        TRY(store_open(path, &create, &store));
        TRY(store_close(store));
        exists = true;
    }
    bool clean = false;
    if (exists) TRY(prepare_clean(path, options, &clean));
    TRY(store_open(path, &options->store, &db->store));
    if (clean) {
        TRY(wal_open(db->store, &options->wal, &db->wal));
        wal_set_reuse_lsn(db->wal, wal_created_lsn(db->wal));
        TRY(wal_start_append(db->wal, wal_created_lsn(db->wal)));
        wal_install(db->wal);
    } else {
        TRY(wal_open(db->store, &options->wal, &db->wal));
        TRY(recover(db, options, report));
    }
    CkptOptions ckpt_options = options->ckpt;
    bool        start_thread = ckpt_options.start_thread;
    ckpt_options.start_thread = false;
    TRY(ckpt_create(db->store, db->wal, &ckpt_options, &db->ckpt));
    if (options->active_txn_fn != NULL) {
        ckpt_set_active_txn_fn(db->ckpt, options->active_txn_fn, options->active_txn_ctx);
    }
    if (report->recovered) TRY(ckpt_run(db->ckpt, CKPT_FLUSH_ALL, NULL));
    if (start_thread) {
        ckpt_destroy(db->ckpt);
        db->ckpt = NULL;
        ckpt_options.start_thread = true;
        TRY(ckpt_create(db->store, db->wal, &ckpt_options, &db->ckpt));
        if (options->active_txn_fn != NULL) {
            ckpt_set_active_txn_fn(db->ckpt, options->active_txn_fn, options->active_txn_ctx);
        }
    }
    return NULL;
}

Error *recov_open(const char *path, const RecovOptions *options, RecovDb **db_out,
                  RecovReport *report_out)
{
    RecovOptions defaults = {0};
    if (options == NULL) options = &defaults;
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    RecovReport report = {0};
    RecovDb    *db = calloc(1, sizeof *db);
    if (db == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    Error *err = open_steps(db, path, options, &report);
    report.elapsed_ms = elapsed_ms_since(&started);
    if (report_out != NULL) *report_out = report;
    if (err != NULL) {
        db_free(db, true);
        return err;
    }
    *db_out = db;
    return NULL;
}

/* ---------------------------------------------------------------- close ---- */

Error *recov_close(RecovDb *db)
{
    if (db == NULL) return NULL;
    Error *err = wal_failure(db->wal);
    if (err == NULL) err = ckpt_run(db->ckpt, CKPT_FLUSH_ALL, NULL);
    ckpt_destroy(db->ckpt);
    db->ckpt = NULL;
    if (err == NULL) err = wal_flush_all(db->wal);
    if (err != NULL) {
        /* the log failed (or could not be made durable): write nothing, the next open
         * recovers from what is on disk */
        db_free(db, true);
        return err;
    }
    wal_uninstall(db->wal);
    err = store_close(db->store);
    db->store = NULL;
    if (err != NULL) {
        wal_abandon(db->wal);
        db->wal = NULL;
        db_free(db, false);
        return err;
    }
    if (FAILPOINT("recov.close.before_remove")) {
        wal_abandon(db->wal);
        db->wal = NULL;
        db_free(db, false);
        return err_new(SQLSTATE_IO_ERROR, "close failed: injected failure");
    }
    err = wal_close(db->wal, true);
    db->wal = NULL;
    db_free(db, false);
    return err;
}

void recov_abandon(RecovDb *db)
{
    db_free(db, true);
}
