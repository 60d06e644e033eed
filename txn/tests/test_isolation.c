/* txn/tests/test_isolation.c: the isolation anomalies by name, with real threads where a
 * transaction must block: dirty write and dirty read impossible at every level, lost update
 * impossible (READ COMMITTED re-check, REPEATABLE READ 40001), read skew impossible at
 * REPEATABLE READ, non-repeatable read allowed at READ COMMITTED, write skew allowed at
 * REPEATABLE READ (snapshot isolation, documented), readers and writers never block each
 * other, and the bank test (transfers on 8 threads while readers sum every snapshot). */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "txn/tests/txn_test_util.h"

static void load_accounts(TestDb *db, int64_t count, int64_t balance)
{
    Txn *txn = NULL;
    OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
    for (int64_t id = 0; id < count; id++) OK(tt_insert(db, txn, id, balance));
    OK(txn_commit(txn));
}

static void sleep_ms(int ms)
{
    usleep((useconds_t)ms * 1000);
}

/* A second transaction's write on its own thread, so the main thread can watch it block. */
typedef struct Writer {
    TestDb        *db;
    Txn           *txn;
    int64_t        id;
    int64_t        value;
    uint64_t       seen_xid;
    TxnRowResult   result;
    Error         *err;
    bool           rollback_on_error;   /* end its transaction at once if the write fails */
    atomic_bool    done;
    pthread_t      thread;
} Writer;

static void *writer_main(void *arg)
{
    Writer *writer = arg;
    writer->err = tt_update_seen(writer->db, writer->txn, writer->id, writer->value,
                                 writer->seen_xid, &writer->result);
    if (writer->err != NULL && writer->rollback_on_error) OK(txn_rollback(writer->txn));
    atomic_store(&writer->done, true);
    return NULL;
}

static void writer_start_ex(Writer *writer, TestDb *db, Txn *txn, int64_t id, int64_t value,
                            uint64_t seen_xid, bool rollback_on_error)
{
    memset(writer, 0, sizeof *writer);
    *writer = (Writer){.db = db, .txn = txn, .id = id, .value = value, .seen_xid = seen_xid,
                       .rollback_on_error = rollback_on_error};
    atomic_init(&writer->done, false);
    MUST(pthread_create(&writer->thread, NULL, writer_main, writer) == 0);
}

static void writer_start(Writer *writer, TestDb *db, Txn *txn, int64_t id, int64_t value,
                         uint64_t seen_xid)
{
    writer_start_ex(writer, db, txn, id, value, seen_xid, false);
}

static void writer_join(Writer *writer)
{
    MUST(pthread_join(writer->thread, NULL) == 0);
}

/* ------------------------------------------------------------ dirty write ---- */

static void dirty_write_case(TxnIsolation isolation, bool first_commits)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 3, 10);
    Txn *first = NULL;
    Txn *second = NULL;
    OK(txn_begin(db.manager, isolation, &first));
    OK(txn_begin(db.manager, isolation, &second));
    OK(tt_update(&db, first, 1, 11));
    Writer writer;
    writer_start(&writer, &db, second, 1, 12, 0);
    sleep_ms(100);
    MUST(!atomic_load(&writer.done));     /* the second writer waits for the first */
    OK(first_commits ? txn_commit(first) : txn_rollback(first));
    writer_join(&writer);
    if (first_commits && isolation == TXN_REPEATABLE_READ) {
        MUST(writer.err != NULL && writer.err->state == SQLSTATE_SERIALIZATION_FAILURE);
        MUST(strcmp(writer.err->message,
                    "could not serialize access due to concurrent update") == 0);
        err_free(writer.err);
        OK(txn_rollback(second));
    } else {
        OK(writer.err);
        MUST(writer.result.outcome == TXN_ROW_DONE);
        OK(txn_commit(second));
    }
    txn_row_result_free(&writer.result);
    Txn *check = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &check));
    int64_t expected = first_commits ? (isolation == TXN_REPEATABLE_READ ? 11 : 12) : 12;
    MUST(tt_get_value(&db, check, 1) == expected);
    OK(txn_commit(check));
    tt_close(&db);
}

START_TEST(test_iso_dirty_write_impossible)
{
    dirty_write_case(TXN_READ_COMMITTED, true);
    dirty_write_case(TXN_READ_COMMITTED, false);
    dirty_write_case(TXN_REPEATABLE_READ, true);
    dirty_write_case(TXN_REPEATABLE_READ, false);
}
END_TEST

/* ------------------------------------------------------------ dirty read ---- */

START_TEST(test_iso_dirty_read_impossible)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 3, 10);
    for (int level = 0; level < 2; level++) {
        TxnIsolation isolation = level == 0 ? TXN_READ_COMMITTED : TXN_REPEATABLE_READ;
        Txn *writer = NULL;
        Txn *reader = NULL;
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
        OK(tt_update(&db, writer, 0, 99));
        OK(tt_insert(&db, writer, 50, 5));
        OK(tt_delete(&db, writer, 2));
        OK(txn_begin(db.manager, isolation, &reader));
        OK(txn_statement_begin(reader));
        MUST(tt_get_value(&db, reader, 0) == 10);
        MUST(!tt_exists(&db, reader, 50));
        MUST(tt_get_value(&db, reader, 2) == 10);
        int64_t sum = 0;
        size_t count = 0;
        OK(tt_sum(&db, reader, &sum, &count));
        MUST(sum == 30 && count == 3);
        OK(txn_rollback(writer));
        OK(txn_statement_begin(reader));
        OK(tt_sum(&db, reader, &sum, &count));
        MUST(sum == 30 && count == 3);
        OK(txn_commit(reader));
    }
    tt_close(&db);
}
END_TEST

/* ------------------------------------------------------------ lost update ---- */

START_TEST(test_iso_lost_update_read_committed_rechecks)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 2, 10);
    Txn *first = NULL;
    Txn *second = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &first));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &second));
    int64_t value1 = 0;
    int64_t value2 = 0;
    bool found = false;
    uint64_t seen1 = 0;
    uint64_t seen2 = 0;
    OK(tt_get(&db, first, 0, &value1, &found, &seen1));
    OK(tt_get(&db, second, 0, &value2, &found, &seen2));
    MUST(value1 == 10 && value2 == 10 && seen1 == seen2);
    TxnRowResult result;
    OK(tt_update_seen(&db, first, 0, value1 + 1, seen1, &result));
    MUST(result.outcome == TXN_ROW_DONE);
    /* The second increments from what it saw: it blocks, then must re-check. */
    Writer writer;
    writer_start(&writer, &db, second, 0, value2 + 1, seen2);
    sleep_ms(50);
    MUST(!atomic_load(&writer.done));
    uint64_t first_xid = txn_xid(first);
    OK(txn_commit(first));
    writer_join(&writer);
    OK(writer.err);
    MUST(writer.result.outcome == TXN_ROW_CHANGED);
    int64_t newest = tt_value(&db, writer.result.record.data, writer.result.record.size);
    MUST(newest == 11);
    MUST(writer.result.xid == first_xid);
    OK(tt_update_seen(&db, second, 0, newest + 1, writer.result.xid, &result));
    MUST(result.outcome == TXN_ROW_DONE);
    txn_row_result_free(&writer.result);
    OK(txn_commit(second));
    Txn *check = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &check));
    MUST(tt_get_value(&db, check, 0) == 12);     /* both increments survived */
    /* A row deleted concurrently is GONE at READ COMMITTED. */
    Txn *deleter = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &deleter));
    OK(tt_get(&db, check, 1, &value1, &found, &seen1));
    OK(tt_delete(&db, deleter, 1));
    OK(txn_commit(deleter));
    OK(tt_update_seen(&db, check, 1, 5, seen1, &result));
    MUST(result.outcome == TXN_ROW_GONE);
    OK(txn_commit(check));
    tt_close(&db);
}
END_TEST

START_TEST(test_iso_lost_update_repeatable_read_fails)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 2, 10);
    Txn *first = NULL;
    Txn *second = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &first));
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &second));
    int64_t value = 0;
    bool found = false;
    uint64_t seen = 0;
    OK(tt_get(&db, second, 0, &value, &found, &seen));
    OK(tt_update(&db, first, 0, 11));
    OK(tt_delete(&db, first, 1));
    OK(txn_commit(first));
    /* No blocking needed: the committed write is newer than the snapshot. */
    TxnRowResult result;
    EXPECT_STATE(tt_update_seen(&db, second, 0, value + 1, seen, &result),
                 SERIALIZATION_FAILURE);
    Error *err = tt_update_seen(&db, second, 1, 1, 0, &result);
    MUST(err != NULL && err->state == SQLSTATE_SERIALIZATION_FAILURE);
    MUST(strcmp(err->message, "could not serialize access due to concurrent delete") == 0);
    err_free(err);
    MUST(tt_get_value(&db, second, 0) == 10);    /* still its snapshot */
    OK(txn_rollback(second));
    tt_close(&db);
}
END_TEST

/* ------------------------------------------------------------ read skew, non-repeatable ---- */

START_TEST(test_iso_read_skew_impossible_repeatable_read)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 2, 50);
    for (int level = 0; level < 2; level++) {
        TxnIsolation isolation = level == 0 ? TXN_REPEATABLE_READ : TXN_READ_COMMITTED;
        Txn *reader = NULL;
        Txn *transfer = NULL;
        OK(txn_begin(db.manager, isolation, &reader));
        int64_t x = tt_get_value(&db, reader, 0);
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &transfer));
        OK(tt_update(&db, transfer, 0, tt_get_value(&db, transfer, 0) - 10));
        OK(tt_update(&db, transfer, 1, tt_get_value(&db, transfer, 1) + 10));
        OK(txn_commit(transfer));
        OK(txn_statement_begin(reader));
        int64_t y = tt_get_value(&db, reader, 1);
        if (isolation == TXN_REPEATABLE_READ) {
            MUST(x + y == 100);                   /* no read skew */
            MUST(tt_get_value(&db, reader, 0) == x);
        } else {
            MUST(x + y == 110);                   /* READ COMMITTED: skew allowed */
        }
        OK(txn_commit(reader));
    }
    tt_close(&db);
}
END_TEST

START_TEST(test_iso_non_repeatable_read_allowed_read_committed)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 1, 1);
    Txn *rc = NULL;
    Txn *rr = NULL;
    Txn *writer = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &rc));
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &rr));
    MUST(tt_get_value(&db, rc, 0) == 1);
    MUST(tt_get_value(&db, rr, 0) == 1);
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
    OK(tt_update(&db, writer, 0, 2));
    OK(tt_insert(&db, writer, 1, 7));
    OK(txn_commit(writer));
    OK(txn_statement_begin(rc));
    OK(txn_statement_begin(rr));
    MUST(tt_get_value(&db, rc, 0) == 2);          /* non-repeatable read */
    MUST(tt_exists(&db, rc, 1));                  /* phantom */
    MUST(tt_get_value(&db, rr, 0) == 1);          /* repeatable */
    MUST(!tt_exists(&db, rr, 1));                 /* and no phantom */
    OK(txn_commit(rc));
    OK(txn_commit(rr));
    tt_close(&db);
}
END_TEST

/* ------------------------------------------------------------ write skew ---- */

START_TEST(test_iso_write_skew_allowed_repeatable_read)
{
    /* Two doctors on call (rows 0 and 1 = 1); each goes off call if the other is on. Under
     * snapshot isolation both succeed (no write-write conflict): SERIALIZABLE would prevent
     * it, and is refused until SSI exists. */
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 2, 1);
    Txn *alice = NULL;
    Txn *bob = NULL;
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &alice));
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &bob));
    MUST(tt_get_value(&db, alice, 0) + tt_get_value(&db, alice, 1) == 2);
    MUST(tt_get_value(&db, bob, 0) + tt_get_value(&db, bob, 1) == 2);
    OK(tt_update(&db, alice, 0, 0));
    OK(tt_update(&db, bob, 1, 0));
    OK(txn_commit(alice));
    OK(txn_commit(bob));
    Txn *check = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &check));
    MUST(tt_get_value(&db, check, 0) + tt_get_value(&db, check, 1) == 0);
    OK(txn_commit(check));
    tt_close(&db);
}
END_TEST

/* ------------------------------------------------------------ no reader/writer blocking ---- */

typedef struct BusyWriter {
    TestDb     *db;
    int         round_count;
    atomic_int  rounds_done;
    pthread_t   thread;
} BusyWriter;

static void *busy_writer_main(void *arg)
{
    BusyWriter *writer = arg;
    for (int round_idx = 0; round_idx < writer->round_count; round_idx++) {
        Txn *txn = NULL;
        OK(txn_begin(writer->db->manager, TXN_READ_COMMITTED, &txn));
        for (int64_t id = 0; id < 20; id++) OK(tt_update(writer->db, txn, id, round_idx + 1));
        OK(txn_commit(txn));
        atomic_fetch_add(&writer->rounds_done, 1);
    }
    return NULL;
}

START_TEST(test_iso_readers_and_writers_never_block)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 20, 0);
    /* A writer's uncommitted change does not block a reader. */
    Txn *writer = NULL;
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer));
    OK(tt_update(&db, writer, 3, 33));
    OK(txn_begin(db.manager, TXN_REPEATABLE_READ, &reader));
    MUST(tt_get_value(&db, reader, 3) == 0);
    OK(txn_rollback(writer));
    /* An old snapshot reads while another thread commits many rounds of writes. */
    BusyWriter busy = {.db = &db, .round_count = 50};
    atomic_init(&busy.rounds_done, 0);
    MUST(pthread_create(&busy.thread, NULL, busy_writer_main, &busy) == 0);
    int reads = 0;
    while (atomic_load(&busy.rounds_done) < busy.round_count) {
        int64_t sum = 0;
        size_t count = 0;
        OK(tt_sum(&db, reader, &sum, &count));
        MUST(sum == 0 && count == 20);
        reads++;
    }
    MUST(pthread_join(busy.thread, NULL) == 0);
    MUST(atomic_load(&busy.rounds_done) == 50);   /* the writer finished while we read */
    int64_t sum = 0;
    size_t count = 0;
    OK(tt_sum(&db, reader, &sum, &count));
    MUST(sum == 0);
    OK(txn_commit(reader));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &reader));
    OK(tt_sum(&db, reader, &sum, &count));
    MUST(sum == 50 * 20);
    OK(txn_commit(reader));
    (void)reads;
    tt_close(&db);
}
END_TEST


/* ------------------------------------------------------------ waits: deadlock, timeout ---- */

START_TEST(test_iso_write_deadlock_detected)
{
    TestDb db;
    tt_open(&db, NULL);
    lock_manager_set_deadlock_timeout(txn_manager_locks(db.manager), 20);
    load_accounts(&db, 2, 10);
    Txn *first = NULL;
    Txn *second = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &first));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &second));
    OK(tt_update(&db, first, 0, 1));
    OK(tt_update(&db, second, 1, 2));
    Writer writer;
    writer_start_ex(&writer, &db, first, 1, 3, 0, true);   /* first waits for second */
    sleep_ms(50);
    MUST(!atomic_load(&writer.done));
    Error *err = tt_update(&db, second, 0, 4);        /* second waits for first: a cycle */
    if (err != NULL) OK(txn_rollback(second));        /* the victim ends, the other goes on */
    writer_join(&writer);
    /* Exactly one of the two is the victim. */
    Error *victim_err = err != NULL ? err : writer.err;
    MUST((err == NULL) != (writer.err == NULL));
    MUST(victim_err->state == SQLSTATE_DEADLOCK_DETECTED);
    err_free(victim_err);
    txn_row_result_free(&writer.result);
    OK(err != NULL ? txn_commit(first) : txn_commit(second));
    Txn *check = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &check));
    int64_t sum = tt_get_value(&db, check, 0) + tt_get_value(&db, check, 1);
    MUST(sum == (err != NULL ? 1 + 3 : 4 + 2));
    OK(txn_commit(check));
    tt_close(&db);
}
END_TEST

START_TEST(test_iso_write_lock_timeout)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 1, 10);
    Txn *first = NULL;
    Txn *second = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &first));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &second));
    OK(tt_update(&db, first, 0, 1));
    lock_owner_set_timeout(txn_lock_owner(second), 30);
    double start = tt_now();
    EXPECT_STATE(tt_update(&db, second, 0, 2), LOCK_NOT_AVAILABLE);
    EXPECT_STATE(tt_delete(&db, second, 0), LOCK_NOT_AVAILABLE);
    MUST(tt_now() - start >= 0.05);
    /* NOWAIT row lock on a row with an in-progress writer: 55P03 at once. */
    uint8_t key[TT_KEY_SIZE];
    tt_key(0, key);
    TxnRowResult result;
    bool acquired = false;
    EXPECT_STATE(txn_row_lock(second, db.table, key, sizeof key, 0, LOCK_FOR_SHARE,
                              LOCK_WAIT_NOWAIT, &acquired, &result),
                 LOCK_NOT_AVAILABLE);
    OK(txn_row_lock(second, db.table, key, sizeof key, 0, LOCK_FOR_SHARE, LOCK_WAIT_SKIP,
                    &acquired, &result));
    MUST(!acquired);
    MUST(lock_owner_held_count(txn_lock_owner(second)) == 1);   /* only its xid lock */
    OK(txn_rollback(second));
    OK(txn_commit(first));
    tt_close(&db);
}
END_TEST

/* ------------------------------------------------------------ unique waits, row locks ---- */

typedef struct Inserter {
    TestDb     *db;
    Txn        *txn;
    Error      *err;
    atomic_bool done;
    pthread_t   thread;
} Inserter;

static void *inserter_main(void *arg)
{
    Inserter *inserter = arg;
    inserter->err = tt_insert(inserter->db, inserter->txn, 77, 2);
    atomic_store(&inserter->done, true);
    return NULL;
}

START_TEST(test_iso_unique_insert_waits_for_writer)
{
    TestDb db;
    tt_open(&db, NULL);
    for (int round_idx = 0; round_idx < 2; round_idx++) {
        bool first_commits = round_idx == 1;
        Txn *first = NULL;
        Txn *second = NULL;
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &first));
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &second));
        OK(tt_insert(&db, first, 77, 1));
        Inserter inserter = {.db = &db, .txn = second};
        atomic_init(&inserter.done, false);
        MUST(pthread_create(&inserter.thread, NULL, inserter_main, &inserter) == 0);
        sleep_ms(50);
        MUST(!atomic_load(&inserter.done));        /* waits for the in-progress insert */
        OK(first_commits ? txn_commit(first) : txn_rollback(first));
        MUST(pthread_join(inserter.thread, NULL) == 0);
        if (first_commits) {
            MUST(inserter.err != NULL && inserter.err->state == SQLSTATE_UNIQUE_VIOLATION);
            err_free(inserter.err);
            OK(txn_rollback(second));
        } else {
            OK(inserter.err);
            OK(txn_commit(second));
            Txn *cleanup = NULL;
            OK(txn_begin(db.manager, TXN_READ_COMMITTED, &cleanup));
            MUST(tt_get_value(&db, cleanup, 77) == 2);
            OK(tt_delete(&db, cleanup, 77));
            OK(txn_commit(cleanup));
        }
    }
    tt_close(&db);
}
END_TEST

START_TEST(test_iso_for_update_blocks_writers_not_readers)
{
    TestDb db;
    tt_open(&db, NULL);
    load_accounts(&db, 1, 10);
    Txn *locker = NULL;
    Txn *writer_txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &locker));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &writer_txn));
    uint8_t key[TT_KEY_SIZE];
    tt_key(0, key);
    TxnRowResult result;
    bool acquired = false;
    OK(txn_row_lock(locker, db.table, key, sizeof key, 0, LOCK_FOR_UPDATE, LOCK_WAIT_BLOCK,
                    &acquired, &result));
    MUST(acquired && result.outcome == TXN_ROW_DONE);
    Writer writer;
    writer_start(&writer, &db, writer_txn, 0, 11, 0);
    sleep_ms(50);
    MUST(!atomic_load(&writer.done));             /* FOR UPDATE holds writers off */
    Txn *reader = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &reader));
    MUST(tt_get_value(&db, reader, 0) == 10);      /* but not readers */
    OK(txn_commit(reader));
    OK(tt_update(&db, locker, 0, 12));            /* the locker itself may write */
    OK(txn_commit(locker));
    writer_join(&writer);
    OK(writer.err);
    MUST(writer.result.outcome == TXN_ROW_DONE);  /* blind update: no re-check asked */
    txn_row_result_free(&writer.result);
    OK(txn_commit(writer_txn));
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &reader));
    MUST(tt_get_value(&db, reader, 0) == 11);
    OK(txn_commit(reader));
    tt_close(&db);
}
END_TEST

/* ------------------------------------------------------------ bank ---- */

enum { BANK_ACCOUNTS = 100, BANK_BALANCE = 1000, BANK_TRANSFER_THREADS = 8,
       BANK_READER_THREADS = 2 };

typedef struct Bank {
    TestDb       *db;
    double        deadline;
    atomic_long   commits;
    atomic_long   retries;
    atomic_long   snapshots;
    atomic_long   bad_sums;
} Bank;

typedef struct BankThread {
    Bank     *bank;
    int       thread_idx;
    pthread_t thread;
} BankThread;

static bool retryable(Error *err)
{
    return err->state == SQLSTATE_SERIALIZATION_FAILURE ||
           err->state == SQLSTATE_DEADLOCK_DETECTED;
}

/* Add delta to account id: at READ COMMITTED re-evaluate on TXN_ROW_CHANGED. */
static Error *bank_add(TestDb *db, Txn *txn, int64_t id, int64_t delta)
{
    int64_t value = 0;
    bool found = false;
    uint64_t seen = 0;
    TRY(tt_get(db, txn, id, &value, &found, &seen));
    MUST(found);
    for (int attempt = 0; attempt < 1000; attempt++) {
        TxnRowResult result;
        TRY(tt_update_seen(db, txn, id, value + delta, seen, &result));
        if (result.outcome == TXN_ROW_DONE) return NULL;
        MUST(result.outcome == TXN_ROW_CHANGED);
        value = tt_value(db, result.record.data, result.record.size);
        seen = result.xid;
        txn_row_result_free(&result);
    }
    ck_abort_msg("row kept changing");
    return NULL;
}

static void *bank_transfer_main(void *arg)
{
    BankThread *self = arg;
    Bank *bank = self->bank;
    unsigned seed = (unsigned)self->thread_idx * 7919u + 1;
    TxnIsolation isolation = self->thread_idx % 2 ? TXN_REPEATABLE_READ : TXN_READ_COMMITTED;
    while (tt_now() < bank->deadline) {
        int64_t from = rand_r(&seed) % BANK_ACCOUNTS;
        int64_t to = rand_r(&seed) % BANK_ACCOUNTS;
        if (from == to) continue;
        int64_t amount = rand_r(&seed) % 50 + 1;
        Txn *txn = NULL;
        OK(txn_begin(bank->db->manager, isolation, &txn));
        Error *err = bank_add(bank->db, txn, from, -amount);
        if (err == NULL) err = bank_add(bank->db, txn, to, amount);
        if (err == NULL) {
            OK(txn_commit(txn));
            atomic_fetch_add(&bank->commits, 1);
            continue;
        }
        if (!retryable(err)) {
            ck_abort_msg("transfer: %s %s", sqlstate_code(err->state), err->message);
        }
        err_free(err);
        OK(txn_rollback(txn));
        atomic_fetch_add(&bank->retries, 1);
    }
    return NULL;
}

static void *bank_reader_main(void *arg)
{
    BankThread *self = arg;
    Bank *bank = self->bank;
    while (tt_now() < bank->deadline) {
        /* REPEATABLE READ (one snapshot) or READ COMMITTED (one statement = one scan). */
        TxnIsolation isolation = self->thread_idx % 2 ? TXN_READ_COMMITTED : TXN_REPEATABLE_READ;
        Txn *txn = NULL;
        OK(txn_begin(bank->db->manager, isolation, &txn));
        for (int scan_idx = 0; scan_idx < 3; scan_idx++) {
            int64_t sum = 0;
            size_t count = 0;
            OK(tt_sum(bank->db, txn, &sum, &count));
            if (sum != (int64_t)BANK_ACCOUNTS * BANK_BALANCE || count != BANK_ACCOUNTS) {
                atomic_fetch_add(&bank->bad_sums, 1);
            }
            atomic_fetch_add(&bank->snapshots, 1);
            OK(txn_statement_begin(txn));
        }
        OK(txn_commit(txn));
    }
    return NULL;
}

static void bank_run(bool with_wal, double seconds)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = 20};   /* purge prunes while we run */
    if (with_wal) tt_open_wal(&db, &options);
    else tt_open(&db, &options);
    lock_manager_set_deadlock_timeout(txn_manager_locks(db.manager), 10);
    load_accounts(&db, BANK_ACCOUNTS, BANK_BALANCE);
    Bank bank = {.db = &db, .deadline = tt_now() + seconds};
    atomic_init(&bank.commits, 0);
    atomic_init(&bank.retries, 0);
    atomic_init(&bank.snapshots, 0);
    atomic_init(&bank.bad_sums, 0);
    BankThread threads[BANK_TRANSFER_THREADS + BANK_READER_THREADS];
    for (int thread_idx = 0; thread_idx < BANK_TRANSFER_THREADS + BANK_READER_THREADS;
         thread_idx++) {
        threads[thread_idx] = (BankThread){.bank = &bank, .thread_idx = thread_idx};
        void *(*main_fn)(void *) =
            thread_idx < BANK_TRANSFER_THREADS ? bank_transfer_main : bank_reader_main;
        MUST(pthread_create(&threads[thread_idx].thread, NULL, main_fn,
                            &threads[thread_idx]) == 0);
    }
    for (int thread_idx = 0; thread_idx < BANK_TRANSFER_THREADS + BANK_READER_THREADS;
         thread_idx++) {
        MUST(pthread_join(threads[thread_idx].thread, NULL) == 0);
    }
    MUST(atomic_load(&bank.bad_sums) == 0);
    MUST(atomic_load(&bank.commits) > 0);
    MUST(atomic_load(&bank.snapshots) > 0);
    Txn *check = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &check));
    int64_t sum = 0;
    size_t count = 0;
    OK(tt_sum(&db, check, &sum, &count));
    MUST(sum == (int64_t)BANK_ACCOUNTS * BANK_BALANCE && count == BANK_ACCOUNTS);
    OK(txn_commit(check));
    fprintf(stderr, "bank%s: %ld commits, %ld retries, %ld snapshots summed in %.1f s\n",
            with_wal ? " (WAL)" : "", atomic_load(&bank.commits), atomic_load(&bank.retries),
            atomic_load(&bank.snapshots), seconds);
    tt_close(&db);
}

START_TEST(test_iso_bank_total_constant)
{
    double seconds = 10.0 * tt_scale();
    bank_run(false, seconds < 1.0 ? 1.0 : seconds);
}
END_TEST

/* The same with durable commits (WAL, group commit, checkpoints' active-transaction table). */
START_TEST(test_iso_bank_total_constant_wal)
{
    double seconds = 2.0 * tt_scale();
    bank_run(true, seconds < 1.0 ? 1.0 : seconds);
}
END_TEST

static Suite *isolation_suite(void)
{
    Suite *suite = suite_create("isolation");
    TCase *tcase = tcase_create("isolation");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_iso_dirty_write_impossible);
    tcase_add_test(tcase, test_iso_dirty_read_impossible);
    tcase_add_test(tcase, test_iso_lost_update_read_committed_rechecks);
    tcase_add_test(tcase, test_iso_lost_update_repeatable_read_fails);
    tcase_add_test(tcase, test_iso_read_skew_impossible_repeatable_read);
    tcase_add_test(tcase, test_iso_non_repeatable_read_allowed_read_committed);
    tcase_add_test(tcase, test_iso_write_skew_allowed_repeatable_read);
    tcase_add_test(tcase, test_iso_readers_and_writers_never_block);
    tcase_add_test(tcase, test_iso_write_deadlock_detected);
    tcase_add_test(tcase, test_iso_write_lock_timeout);
    tcase_add_test(tcase, test_iso_unique_insert_waits_for_writer);
    tcase_add_test(tcase, test_iso_for_update_blocks_writers_not_readers);
    tcase_add_test(tcase, test_iso_bank_total_constant);
    tcase_add_test(tcase, test_iso_bank_total_constant_wal);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(isolation_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
