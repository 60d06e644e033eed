/* executor/tests/test_session_notify.c (sessions): two features of a session seen through
 * include/birch.h with several sessions on one file:
 * - REPEATABLE READ takes its snapshot at the first statement that needs one, not at BEGIN
 *   (nor at SET TRANSACTION, SAVEPOINT or LOCK TABLE), as PostgreSQL does;
 * - LISTEN / NOTIFY / pg_notify: delivery at commit to every listener (the sender too),
 *   nothing on rollback or after ROLLBACK TO SAVEPOINT, duplicates folded, LISTEN and UNLISTEN
 *   transactional, limits (22023), the notify hook, sessions on other files unaffected. */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static int64_t count_rows(birch_db *db, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    birch_stmt *stmt = NULL;
    ck_assert_msg(birch_prepare(db, sql, -1, &stmt, NULL) == BIRCH_OK, "%s", eh_error_text(db));
    ck_assert_msg(birch_step(stmt) == BIRCH_ROW, "%s", eh_error_text(db));
    int64_t count = birch_column_int64(stmt, 0);
    ck_assert_int_eq(birch_step(stmt), BIRCH_DONE);
    birch_finalize(stmt);
    return count;
}

/* ---------------------------------------------------------- snapshot timing ---- */

START_TEST(test_rr_snapshot_at_first_statement)
{
    const char *path = eh_path("notify", "rr_first");
    birch_db *a = eh_open(path);
    birch_db *b = eh_open(path);
    eh_exec_ok(b, "CREATE TABLE t(id int PRIMARY KEY)");
    eh_exec_ok(b, "CREATE TABLE other(id int)");
    eh_exec_ok(a, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    /* statements that take no snapshot: SHOW, SET, SAVEPOINT, LOCK TABLE */
    eh_exec_ok(a, "SHOW transaction_isolation");
    eh_exec_ok(a, "SAVEPOINT s1");
    eh_exec_ok(a, "LOCK TABLE other IN ACCESS SHARE MODE");
    eh_exec_ok(b, "INSERT INTO t VALUES (1)");          /* commits before A's first query */
    ck_assert_int_eq(count_rows(a, "t"), 1);           /* the snapshot is taken here */
    eh_exec_ok(b, "INSERT INTO t VALUES (2)");
    ck_assert_int_eq(count_rows(a, "t"), 1);           /* frozen */
    eh_exec_ok(a, "ROLLBACK TO SAVEPOINT s1");            /* keeps the snapshot */
    ck_assert_int_eq(count_rows(a, "t"), 1);
    eh_exec_ok(a, "COMMIT");
    ck_assert_int_eq(count_rows(a, "t"), 2);

    /* SET TRANSACTION ISOLATION LEVEL after BEGIN: the same */
    eh_exec_ok(a, "BEGIN");
    eh_exec_ok(a, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    eh_exec_ok(b, "INSERT INTO t VALUES (3)");
    ck_assert_int_eq(count_rows(a, "t"), 3);
    eh_exec_ok(b, "INSERT INTO t VALUES (4)");
    ck_assert_int_eq(count_rows(a, "t"), 3);
    eh_exec_fails(a, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "25001", NULL);
    eh_exec_ok(a, "ROLLBACK");

    /* a statement prepared (planned) inside the block before the others commit */
    eh_exec_ok(a, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    birch_stmt *stmt = NULL;
    ck_assert_msg(birch_prepare(a, "SELECT count(*) FROM t", -1, &stmt, NULL) == BIRCH_OK,
                  "%s", eh_error_text(a));
    eh_exec_ok(b, "INSERT INTO t VALUES (5)");
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(stmt, 0), 5);
    ck_assert_int_eq(birch_step(stmt), BIRCH_DONE);
    eh_exec_ok(b, "INSERT INTO t VALUES (6)");
    ck_assert_int_eq(birch_reset(stmt), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(stmt, 0), 5);
    birch_finalize(stmt);
    eh_exec_ok(a, "ROLLBACK");
    /* write-write conflict detection still works with the retaken snapshot */
    eh_exec_ok(b, "CREATE TABLE acc(id int PRIMARY KEY, v int); INSERT INTO acc VALUES (1, 0)");
    eh_exec_ok(a, "BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    ck_assert_int_eq(count_rows(a, "acc"), 1);
    eh_exec_ok(b, "UPDATE acc SET v = v + 1 WHERE id = 1");
    eh_exec_fails(a, "UPDATE acc SET v = v + 10 WHERE id = 1", "40001", NULL);
    eh_exec_ok(a, "ROLLBACK");

    /* READ COMMITTED still sees each commit */
    eh_exec_ok(a, "BEGIN");
    int64_t before = count_rows(a, "t");
    eh_exec_ok(b, "INSERT INTO t VALUES (7)");
    ck_assert_int_eq(count_rows(a, "t"), before + 1);
    eh_exec_ok(a, "COMMIT");
    ck_assert_int_eq(birch_close(a), BIRCH_OK);
    ck_assert_int_eq(birch_close(b), BIRCH_OK);
    eh_path_remove(path);
}
END_TEST

/* ---------------------------------------------------------------- notify ---- */

typedef struct Got {
    int32_t pid;
    char    channel[80];
    char    payload[9000];
} Got;

/* take: the next notification of db; false if none. */
static bool take(birch_db *db, Got *got)
{
    const char *channel = NULL, *payload = NULL;
    int rc = birch_notification_next(db, &got->pid, &channel, &payload);
    if (rc == BIRCH_DONE) return false;
    ck_assert_int_eq(rc, BIRCH_ROW);
    snprintf(got->channel, sizeof got->channel, "%s", channel);
    snprintf(got->payload, sizeof got->payload, "%s", payload);
    return true;
}

static void expect(birch_db *db, int32_t pid, const char *channel, const char *payload)
{
    Got got;
    ck_assert_msg(take(db, &got), "no notification (wanted %s %s)", channel, payload);
    ck_assert_str_eq(got.channel, channel);
    ck_assert_str_eq(got.payload, payload);
    ck_assert_int_eq(got.pid, pid);
}

static void expect_none(birch_db *db)
{
    Got got;
    ck_assert_msg(!take(db, &got), "unexpected notification %s %s", got.channel, got.payload);
}

START_TEST(test_notify_delivery)
{
    const char *path = eh_path("notify", "notify");
    birch_db *a = eh_open(path);
    birch_db *b = eh_open(path);
    birch_set_backend_pid(a, 1001);
    birch_set_backend_pid(b, 1002);
    expect_none(a);
    eh_exec_ok(a, "LISTEN jobs");
    eh_exec_ok(b, "NOTIFY jobs, 'one'");
    expect(a, 1002, "jobs", "one");
    expect_none(a);
    expect_none(b);                                  /* b does not listen */
    /* pg_notify, no payload, other channels */
    eh_exec_ok(b, "NOTIFY jobs");
    eh_exec_ok(b, "NOTIFY other, 'x'");
    expect(a, 1002, "jobs", "");
    expect_none(a);
    /* the sender gets its own; order is commit order; duplicates in one transaction fold */
    eh_exec_ok(b, "LISTEN jobs");
    eh_exec_ok(b, "BEGIN; NOTIFY jobs, 'p'; NOTIFY jobs, 'q'; NOTIFY jobs, 'p'; NOTIFY jobs, 'q'; "
               "COMMIT");
    expect(a, 1002, "jobs", "p");
    expect(a, 1002, "jobs", "q");
    expect_none(a);
    expect(b, 1002, "jobs", "p");
    expect(b, 1002, "jobs", "q");
    expect_none(b);
    /* not delivered before commit; dropped on rollback */
    eh_exec_ok(b, "BEGIN");
    eh_exec_ok(b, "NOTIFY jobs, 'later'");
    expect_none(a);
    eh_exec_ok(b, "COMMIT");
    expect(a, 1002, "jobs", "later");
    expect(b, 1002, "jobs", "later");
    eh_exec_ok(b, "BEGIN; NOTIFY jobs, 'gone'; ROLLBACK");
    expect_none(a);
    expect_none(b);
    /* an error rolls the implicit transaction back */
    eh_exec_fails(b, "NOTIFY jobs, 'err'; SELECT 1/0", "22012", NULL);
    expect_none(a);
    /* ROLLBACK TO SAVEPOINT drops what came after it */
    eh_exec_ok(b, "BEGIN; NOTIFY jobs, 'kept'; SAVEPOINT s; NOTIFY jobs, 'dropped'; "
               "ROLLBACK TO SAVEPOINT s; NOTIFY jobs, 'after'; COMMIT");
    expect(a, 1002, "jobs", "kept");
    expect(a, 1002, "jobs", "after");
    expect_none(a);
    while (birch_notification_next(b, NULL, NULL, NULL) == BIRCH_ROW) {
    }
    /* UNLISTEN (transactional, and *) */
    eh_exec_ok(a, "BEGIN; UNLISTEN jobs");
    eh_exec_ok(b, "NOTIFY jobs, 'still listening'");
    eh_exec_ok(a, "COMMIT");
    expect(a, 1002, "jobs", "still listening");
    eh_exec_ok(b, "NOTIFY jobs, 'not any more'");
    expect_none(a);
    eh_exec_ok(a, "BEGIN; LISTEN x; ROLLBACK");
    eh_exec_ok(b, "NOTIFY x");
    expect_none(a);
    eh_exec_ok(a, "LISTEN x; LISTEN y; LISTEN x");
    eh_exec_ok(b, "NOTIFY x, '1'; NOTIFY y, '2'");
    expect(a, 1002, "x", "1");
    expect(a, 1002, "y", "2");
    eh_exec_ok(a, "UNLISTEN *");
    eh_exec_ok(b, "NOTIFY x, '1'; NOTIFY y, '2'");
    expect_none(a);
    /* LISTEN and NOTIFY in one transaction: the sender is listening at its commit */
    eh_exec_ok(a, "BEGIN; LISTEN z; NOTIFY z, 'self'; COMMIT");
    expect(a, 1001, "z", "self");
    /* DISCARD ALL unlistens */
    eh_exec_ok(a, "DISCARD ALL");
    eh_exec_ok(b, "NOTIFY z");
    expect_none(a);
    while (birch_notification_next(b, NULL, NULL, NULL) == BIRCH_ROW) {
    }
    ck_assert_int_eq(birch_close(a), BIRCH_OK);
    ck_assert_int_eq(birch_close(b), BIRCH_OK);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_notify_limits)
{
    const char *path = eh_path("notify", "limits");
    birch_db *a = eh_open(path);
    eh_exec_ok(a, "LISTEN big");
    char *sql = malloc(9000);
    ck_assert_ptr_nonnull(sql);
    char *payload = malloc(8001);
    ck_assert_ptr_nonnull(payload);
    memset(payload, 'p', 7999);
    payload[7999] = '\0';
    snprintf(sql, 9000, "NOTIFY big, '%s'", payload);
    eh_exec_ok(a, sql);                                    /* 7999 bytes: allowed */
    Got *got = malloc(sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert(take(a, got));
    ck_assert_uint_eq(strlen(got->payload), 7999);
    payload[7999] = 'p';
    payload[8000] = '\0';
    snprintf(sql, 9000, "NOTIFY big, '%s'", payload);
    eh_exec_fails(a, sql, "22023", NULL);                        /* 8000 bytes: too long */
    /* a long identifier is truncated to 63 bytes, as PostgreSQL does */
    eh_exec_ok(a, "LISTEN \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbb\"");
    eh_exec_ok(a, "NOTIFY \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaccc\"");
    ck_assert(take(a, got));
    ck_assert_uint_eq(strlen(got->channel), 63);
    eh_exec_fails(a, "NOTIFY big, 1", "42601", NULL);   /* the payload is a string literal */
    /* pg_notify(channel, payload): the same checks (when the binder knows the function) */
    if (birch_exec(a, "SELECT pg_notify('big', 'fn')", NULL, NULL) == BIRCH_OK) {
        ck_assert(take(a, got));
        ck_assert_str_eq(got->payload, "fn");
        eh_exec_fails(a, "SELECT pg_notify('', 'x')", "22023", NULL);
        eh_exec_fails(a, "SELECT pg_notify(repeat('c', 64), 'x')", "22023", NULL);
        eh_exec_fails(a, "SELECT pg_notify('big', repeat('x', 8000))", "22023", NULL);
        eh_exec_ok(a, "SELECT pg_notify('big', NULL)");
        ck_assert(take(a, got));
        ck_assert_str_eq(got->payload, "");
    } else {
        ck_assert_str_eq(birch_last_error(a)->sqlstate, "42883");
    }
    /* in a block the failed NOTIFY fails the block and nothing is delivered */
    eh_exec_ok(a, "BEGIN; NOTIFY big, 'a'");
    eh_exec_fails(a, sql, "22023", NULL);
    eh_exec_ok(a, "COMMIT");
    ck_assert(!take(a, got));
    free(got);
    free(payload);
    free(sql);
    ck_assert_int_eq(birch_close(a), BIRCH_OK);
    eh_path_remove(path);
}
END_TEST

typedef struct HookCount {
    pthread_mutex_t mutex;
    int             calls;
} HookCount;

static void on_notify(void *ctx)
{
    HookCount *count = ctx;
    pthread_mutex_lock(&count->mutex);
    count->calls++;
    pthread_mutex_unlock(&count->mutex);
}

typedef struct Sender {
    const char *path;
    int         count;
} Sender;

static void *sender_main(void *arg)
{
    Sender *sender = arg;
    birch_db *db = NULL;
    if (birch_open(sender->path, NULL, &db) != BIRCH_OK) return (void *)1;
    for (int idx = 0; idx < sender->count; idx++) {
        char sql[64];
        snprintf(sql, sizeof sql, "NOTIFY hooked, '%d'", idx);
        if (birch_exec(db, sql, NULL, NULL) != BIRCH_OK) {
            birch_close(db);
            return (void *)1;
        }
    }
    birch_close(db);
    return NULL;
}

START_TEST(test_notify_hook_and_threads)
{
    const char *path = eh_path("notify", "hook");
    const char *other_path_src = eh_path("notify", "hook_other");
    char other_path[PATH_MAX];
    snprintf(other_path, sizeof other_path, "%s", other_path_src);
    path = eh_path("notify", "hook");
    birch_db *a = eh_open(path);
    birch_db *elsewhere = eh_open(other_path);
    HookCount count = {.calls = 0};
    pthread_mutex_init(&count.mutex, NULL);
    ck_assert_int_eq(birch_set_notify_hook(a, on_notify, &count), BIRCH_OK);
    eh_exec_ok(a, "LISTEN hooked");
    eh_exec_ok(elsewhere, "LISTEN hooked");
    const char *scale_text = getenv("BIRCH_TEST_SCALE");
    double scale = scale_text != NULL ? atof(scale_text) : 1.0;
    int per_thread = (int)(200 * (scale > 0 ? scale : 1.0));
    if (per_thread < 10) per_thread = 10;
    Sender sender = {.path = path, .count = per_thread};
    pthread_t threads[3];
    for (int idx = 0; idx < 3; idx++) {
        ck_assert_int_eq(pthread_create(&threads[idx], NULL, sender_main, &sender), 0);
    }
    for (int idx = 0; idx < 3; idx++) {
        void *result = NULL;
        pthread_join(threads[idx], &result);
        ck_assert_ptr_null(result);
    }
    /* every commit delivered one notification and called the hook once */
    pthread_mutex_lock(&count.mutex);
    ck_assert_int_eq(count.calls, 3 * per_thread);
    pthread_mutex_unlock(&count.mutex);
    int seen[3] = {0};
    int total = 0;
    Got got;
    int last[3] = {-1, -1, -1};
    (void)last;
    while (take(a, &got)) {
        ck_assert_str_eq(got.channel, "hooked");
        int value = atoi(got.payload);
        ck_assert_int_ge(value, 0);
        ck_assert_int_lt(value, per_thread);
        seen[value % 3]++;
        total++;
    }
    ck_assert_int_eq(total, 3 * per_thread);
    /* a session on another file hears nothing */
    ck_assert(!take(elsewhere, &got));
    /* removing the hook */
    ck_assert_int_eq(birch_set_notify_hook(a, NULL, NULL), BIRCH_OK);
    eh_exec_ok(a, "NOTIFY hooked");
    pthread_mutex_lock(&count.mutex);
    ck_assert_int_eq(count.calls, 3 * per_thread);
    pthread_mutex_unlock(&count.mutex);
    ck_assert(take(a, &got));
    pthread_mutex_destroy(&count.mutex);
    /* undelivered notifications are freed at close (ASan checks) */
    eh_exec_ok(a, "NOTIFY hooked, 'left behind'");
    ck_assert_int_eq(birch_close(a), BIRCH_OK);
    ck_assert_int_eq(birch_close(elsewhere), BIRCH_OK);
    eh_path_remove(path);
    eh_path_remove(other_path);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("session_notify");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_rr_snapshot_at_first_statement);
    tcase_add_test(tcase, test_notify_delivery);
    tcase_add_test(tcase, test_notify_limits);
    tcase_add_test(tcase, test_notify_hook_and_threads);
    suite_add_tcase(suite, tcase);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
