/* txn/tests/test_ckpt_pace.c: paced checkpoints (ckpt_run_paced): the page writes of a
 * checkpoint spread over its time budget (it sleeps while ahead of schedule) and still write
 * every page it listed; a log budget that runs out makes it catch up at full speed; a forced
 * checkpoint (ckpt_run) that arrives meanwhile makes it finish at full speed instead of
 * waiting out the budget; an unpaced checkpoint does not sleep. Timing bounds are loose (the
 * machine is shared): lower bounds follow from the schedule, upper ones are a third of the
 * budget they must beat. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "txn/ckpt.h"
#include "txn_test_util.h"

enum { ROW_COUNT = 20000, ROWS_PER_TXN = 1000 };

/* dirty_rows: commit an update of every row (many dirty pages); returns the dirty count */
static size_t dirty_rows(TestDb *db, int64_t value)
{
    for (int64_t first = 0; first < ROW_COUNT; first += ROWS_PER_TXN) {
        Txn *txn = NULL;
        OK(txn_begin(db->manager, TXN_READ_COMMITTED, &txn));
        for (int64_t id = first; id < first + ROWS_PER_TXN; id++) {
            if (value == 0) OK(tt_insert(db, txn, id, id));
            else OK(tt_update(db, txn, id, value));
        }
        OK(txn_commit(txn));
    }
    return bp_dirty_pages(store_pool(db->store), NULL, 0);
}

START_TEST(test_ckpt_paced_spreads_writes_over_its_budget)
{
    TestDb db;
    tt_open_wal(&db, NULL);
    Checkpointer *ckpt = recov_ckpt(db.recov);
    size_t dirty = dirty_rows(&db, 0);
    MUST(dirty > 2 * CKPT_WRITE_BATCH);
    double     start = tt_now();
    CkptReport report;
    /* 1.5 s: far more than the writes take even in a sanitizer build, so pacing must sleep */
    OK(ckpt_run_paced(ckpt, CKPT_FLUSH_ALL, 1.5, 0, &report));
    double seconds = tt_now() - start;
    /* the last batch is on schedule at budget * (1 - batch/pages): most of the budget */
    MUST(seconds >= 1.5 * (1.0 - (double)CKPT_WRITE_BATCH / (double)dirty) - 0.02);
    MUST(report.sleep_ms > 100);
    MUST(report.pages_written >= dirty);
    MUST(report.sync_count >= 1);
    MUST(bp_dirty_pages(store_pool(db.store), NULL, 0) == 0);
    /* unpaced: no sleeping */
    dirty_rows(&db, 1);
    OK(ckpt_run(ckpt, CKPT_FLUSH_ALL, &report));
    MUST(report.sleep_ms == 0);
    MUST(bp_dirty_pages(store_pool(db.store), NULL, 0) == 0);
    tt_close(&db);
}
END_TEST

typedef struct PacedRun {
    Checkpointer *ckpt;
    uint64_t      budget_wal_bytes;
    Error        *err;
    double        seconds;
    atomic_bool   done;
} PacedRun;

static void *paced_main(void *arg)
{
    PacedRun *run = arg;
    double    start = tt_now();
    run->err = ckpt_run_paced(run->ckpt, CKPT_FLUSH_ALL, 60.0, run->budget_wal_bytes, NULL);
    run->seconds = tt_now() - start;
    atomic_store(&run->done, true);
    return NULL;
}

/* a log budget: log appended while the checkpoint runs moves its schedule like time does */
START_TEST(test_ckpt_paced_log_budget_moves_the_schedule)
{
    TestDb db;
    tt_open_wal(&db, NULL);
    dirty_rows(&db, 0);
    PacedRun run = {.ckpt = recov_ckpt(db.recov), .budget_wal_bytes = 256 * 1024};
    atomic_init(&run.done, false);
    pthread_t thread;
    MUST(pthread_create(&thread, NULL, paced_main, &run) == 0);
    /* other transactions append log (commits of new rows) until it finished */
    int64_t id = ROW_COUNT;
    for (int round = 0; round < 100000 && !atomic_load(&run.done); round++) {
        Txn *txn = NULL;
        OK(txn_begin(db.manager, TXN_READ_COMMITTED, &txn));
        for (int row_idx = 0; row_idx < 50; row_idx++) OK(tt_insert(&db, txn, id++, 1));
        OK(txn_commit(txn));
    }
    pthread_join(thread, NULL);
    OK(run.err);
    MUST(run.seconds < 20.0);   /* a 60 s time budget, overtaken by the log budget */
    tt_close(&db);
}
END_TEST

START_TEST(test_ckpt_forced_run_hurries_a_paced_one)
{
    TestDb db;
    tt_open_wal(&db, NULL);
    dirty_rows(&db, 0);
    PacedRun  run = {.ckpt = recov_ckpt(db.recov)};
    pthread_t thread;
    MUST(pthread_create(&thread, NULL, paced_main, &run) == 0);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double     start = tt_now();
    CkptReport report;
    OK(ckpt_run(recov_ckpt(db.recov), CKPT_FLUSH_NONE, &report));   /* waits for run_mutex */
    double waited = tt_now() - start;
    pthread_join(thread, NULL);
    OK(run.err);
    /* a 60 s budget, finished in far less once the forced checkpoint asked */
    MUST(run.seconds < 20.0);
    MUST(waited < 20.0);
    MUST(bp_dirty_pages(store_pool(db.store), NULL, 0) == 0);
    tt_close(&db);
}
END_TEST

static Suite *pace_suite(void)
{
    Suite *suite = suite_create("ckpt_pace");
    TCase *tcase = tcase_create("ckpt_pace");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_ckpt_paced_spreads_writes_over_its_budget);
    tcase_add_test(tcase, test_ckpt_forced_run_hurries_a_paced_one);
    tcase_add_test(tcase, test_ckpt_paced_log_budget_moves_the_schedule);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(pace_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
