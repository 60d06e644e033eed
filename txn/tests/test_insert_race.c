/* txn/tests/test_insert_race.c: txn_row_insert's lock-free fast path (README invariant 3's
 * exception): threads insert overlapping keys in transactions that commit or roll back, and
 * each key ends up inserted by exactly one committed transaction; a loser waited for the
 * in-progress inserter and got 23505 (after its commit) or inserted itself (after its
 * rollback). Also with deletes in between, so inserts go over delete marks (locked path). */
#include <pthread.h>

#include "txn/tests/txn_test_util.h"

enum { THREAD_COUNT = 4, KEY_COUNT = 300 };

typedef struct RaceShared {
    TestDb         *db;
    int             round_count;
    bool            with_deletes;
    pthread_mutex_t mutex;
    int             owner[KEY_COUNT];     /* thread index + 1 that committed the live row */
    int             commit_count[KEY_COUNT];
    int             delete_count[KEY_COUNT];
    int             deadlock_count;
} RaceShared;

typedef struct RaceThread {
    RaceShared *shared;
    int         thread_idx;
    unsigned    seed;
} RaceThread;

static void *race_main(void *arg)
{
    RaceThread *self = arg;
    RaceShared *shared = self->shared;
    TestDb     *db = shared->db;
    for (int round = 0; round < shared->round_count; round++) {
        Txn *txn = NULL;
        OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
        int  inserted[8];
        int  inserted_count = 0;
        int  deleted[8];
        int  deleted_count = 0;
        bool failed = false;
        int  op_count = 1 + (int)(rand_r(&self->seed) % 6);
        for (int op_idx = 0; op_idx < op_count && !failed; op_idx++) {
            int  key = (int)(rand_r(&self->seed) % KEY_COUNT);
            bool dup = false;
            for (int idx = 0; idx < inserted_count; idx++) dup |= inserted[idx] == key;
            for (int idx = 0; idx < deleted_count; idx++) dup |= deleted[idx] == key;
            if (dup) continue;
            Error *err = NULL;
            if (shared->with_deletes && rand_r(&self->seed) % 3 == 0) {
                uint8_t key_bytes[TT_KEY_SIZE];
                tt_key(key, key_bytes);
                TxnRowResult result;
                err = txn_row_delete(txn, db->table, key_bytes, sizeof key_bytes, 0, &result);
                if (err == NULL && result.outcome == TXN_ROW_DONE) deleted[deleted_count++] = key;
                txn_row_result_free(&result);
            } else {
                err = tt_insert(db, txn, key, self->thread_idx);
                if (err == NULL) inserted[inserted_count++] = key;
            }
            if (err == NULL) continue;
            if (err->state == SQLSTATE_UNIQUE_VIOLATION) {
                err_free(err);   /* the key is live: allowed, the transaction goes on */
                continue;
            }
            MUST(err->state == SQLSTATE_DEADLOCK_DETECTED);
            err_free(err);
            failed = true;
        }
        bool commit = !failed && rand_r(&self->seed) % 10 < 7;
        if (commit) {
            /* Commit under the model's mutex, so the model changes in commit order (a commit
             * never waits for another transaction). */
            pthread_mutex_lock(&shared->mutex);
            OK(txn_commit(txn));
            for (int idx = 0; idx < inserted_count; idx++) {
                MUST(shared->owner[inserted[idx]] == 0);   /* never two live inserts */
                shared->owner[inserted[idx]] = self->thread_idx + 1;
                shared->commit_count[inserted[idx]]++;
            }
            for (int idx = 0; idx < deleted_count; idx++) {
                MUST(shared->owner[deleted[idx]] != 0);
                shared->owner[deleted[idx]] = 0;
                shared->delete_count[deleted[idx]]++;
            }
            pthread_mutex_unlock(&shared->mutex);
        } else {
            OK(txn_rollback(txn));
            pthread_mutex_lock(&shared->mutex);
            shared->deadlock_count += failed ? 1 : 0;
            pthread_mutex_unlock(&shared->mutex);
        }
    }
    return NULL;
}

static void race_run(bool with_deletes, int purge_interval_ms)
{
    TestDb db;
    TxnOptions options = {.purge_interval_ms = purge_interval_ms};
    tt_open(&db, &options);
    RaceShared shared = {.db = &db, .with_deletes = with_deletes};
    shared.round_count = (int)(400 * tt_scale());
    if (shared.round_count < 40) shared.round_count = 40;
    pthread_mutex_init(&shared.mutex, NULL);
    pthread_t  threads[THREAD_COUNT];
    RaceThread args[THREAD_COUNT];
    for (int thread_idx = 0; thread_idx < THREAD_COUNT; thread_idx++) {
        args[thread_idx] = (RaceThread){.shared = &shared, .thread_idx = thread_idx,
                                        .seed = 77u + (unsigned)thread_idx};
        MUST(pthread_create(&threads[thread_idx], NULL, race_main, &args[thread_idx]) == 0);
    }
    for (int thread_idx = 0; thread_idx < THREAD_COUNT; thread_idx++) {
        pthread_join(threads[thread_idx], NULL);
    }
    /* The visible rows are exactly the live committed inserts, each with its writer's value. */
    Txn *txn = NULL;
    OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
    int live_count = 0;
    for (int key = 0; key < KEY_COUNT; key++) {
        int64_t value = -1;
        bool found = false;
        OK(tt_get(&db, txn, key, &value, &found, NULL));
        MUST(found == (shared.owner[key] != 0));
        if (found) MUST(value == shared.owner[key] - 1);
        if (!with_deletes) MUST(shared.commit_count[key] <= 1);
        MUST(shared.commit_count[key] - shared.delete_count[key] == (found ? 1 : 0));
        live_count += found ? 1 : 0;
    }
    OK(txn_commit(txn));
    MUST(live_count > 0);
    pthread_mutex_destroy(&shared.mutex);
    tt_close(&db);
}

START_TEST(test_insert_race_unique_winner)
{
    race_run(false, 0);
}
END_TEST

START_TEST(test_insert_race_with_deletes_and_purge)
{
    race_run(true, 1);
}
END_TEST

static Suite *insert_race_suite(void)
{
    Suite *suite = suite_create("insert_race");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_insert_race_unique_winner);
    tcase_add_test(tcase, test_insert_race_with_deletes_and_purge);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(insert_race_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
