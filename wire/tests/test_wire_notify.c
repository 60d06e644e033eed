/* wire/tests/test_wire_notify.c (sessions): LISTEN / NOTIFY over the protocol through libpq
 * (PQnotifies) against a server in this process: delivery to an idle listener (the loop wakes
 * it), to several listeners, to the sender itself (before its ReadyForQuery), nothing while
 * the listener is inside a transaction block until it ends, nothing on rollback, NOTIFY
 * through the extended protocol, the sender pid (= BackendKeyData = pg_backend_pid()), and the
 * payload limit. */
#include <check.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/tests/wire_testlib.h"

static TestServer g_ts;

static void setup(void) { ts_start(&g_ts, NULL, "max_connections = 20"); }
static void teardown(void) { ts_stop(&g_ts); }

static PGconn *connect_ok(bool tcp)
{
    char info[512];
    ts_conninfo(&g_ts, tcp, NULL, info, sizeof info);
    PGconn *conn = PQconnectdb(info);
    ck_assert_msg(PQstatus(conn) == CONNECTION_OK, "connect: %s", PQerrorMessage(conn));
    return conn;
}

static void exec_ok(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);
    ck_assert_msg(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK, "%s: %s", sql,
                  PQerrorMessage(conn));
    PQclear(res);
}

static void exec_error(PGconn *conn, const char *sql, const char *sqlstate)
{
    PGresult *res = PQexec(conn, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_FATAL_ERROR, "%s should fail", sql);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    ck_assert_msg(state != NULL && strcmp(state, sqlstate) == 0, "%s: sqlstate %s, want %s", sql,
                  state != NULL ? state : "(none)", sqlstate);
    PQclear(res);
}

static int64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* wait_notify: the next notification of conn within timeout_ms (NULL if none came). */
static PGnotify *wait_notify(PGconn *conn, int timeout_ms)
{
    int64_t until = now_ms() + timeout_ms;
    for (;;) {
        ck_assert_int_eq(PQconsumeInput(conn), 1);
        PGnotify *notify = PQnotifies(conn);
        if (notify != NULL) return notify;
        int64_t left = until - now_ms();
        if (left <= 0) return NULL;
        struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
        (void)poll(&pfd, 1, (int)left);
    }
}

static void expect_notify(PGconn *conn, const char *channel, const char *payload, int pid)
{
    PGnotify *notify = wait_notify(conn, 5000);
    ck_assert_msg(notify != NULL, "no notification on %s", channel);
    ck_assert_str_eq(notify->relname, channel);
    ck_assert_str_eq(notify->extra, payload);
    ck_assert_int_eq(notify->be_pid, pid);
    PQfreemem(notify);
}

static void expect_none(PGconn *conn, int wait_ms)
{
    PGnotify *notify = wait_notify(conn, wait_ms);
    ck_assert_msg(notify == NULL, "unexpected notification %s %s",
                  notify != NULL ? notify->relname : "", notify != NULL ? notify->extra : "");
}

START_TEST(test_idle_listener_woken)
{
    PGconn *listener = connect_ok(false);
    PGconn *sender = connect_ok(true);
    int sender_pid = PQbackendPID(sender);
    /* pg_backend_pid() is the BackendKeyData pid */
    PGresult *res = PQexec(sender, "SELECT pg_backend_pid()");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_int_eq(atoi(PQgetvalue(res, 0, 0)), sender_pid);
    PQclear(res);
    exec_ok(listener, "LISTEN jobs");
    expect_none(listener, 50);
    int64_t started = now_ms();
    exec_ok(sender, "NOTIFY jobs, 'hello'");
    expect_notify(listener, "jobs", "hello", sender_pid);
    /* woken by the loop at once, not by a later query of its own */
    ck_assert_int_lt(now_ms() - started, 2000);
    expect_none(listener, 50);
    /* a burst: every one arrives, in commit order */
    for (int idx = 0; idx < 50; idx++) {
        char sql[64];
        snprintf(sql, sizeof sql, "NOTIFY jobs, '%d'", idx);
        exec_ok(sender, sql);
    }
    for (int idx = 0; idx < 50; idx++) {
        char payload[16];
        snprintf(payload, sizeof payload, "%d", idx);
        expect_notify(listener, "jobs", payload, sender_pid);
    }
    /* other channels and rolled-back transactions send nothing */
    exec_ok(sender, "NOTIFY other, 'x'");
    exec_ok(sender, "BEGIN; NOTIFY jobs, 'rolled back'; ROLLBACK");
    expect_none(listener, 200);
    /* the listener is still usable */
    exec_ok(listener, "SELECT 1");
    PQfinish(listener);
    PQfinish(sender);
}
END_TEST

START_TEST(test_in_block_and_self)
{
    PGconn *listener = connect_ok(false);
    PGconn *sender = connect_ok(false);
    int sender_pid = PQbackendPID(sender);
    int listener_pid = PQbackendPID(listener);
    exec_ok(listener, "LISTEN ch");
    /* inside a transaction block nothing is sent until it ends */
    exec_ok(listener, "BEGIN");
    exec_ok(sender, "NOTIFY ch, 'during'");
    expect_none(listener, 300);
    exec_ok(listener, "SELECT 1");
    PGnotify *early = PQnotifies(listener);
    ck_assert_ptr_null(early);
    exec_ok(listener, "COMMIT");
    early = PQnotifies(listener);   /* sent before the COMMIT's ReadyForQuery */
    ck_assert_ptr_nonnull(early);
    ck_assert_str_eq(early->extra, "during");
    PQfreemem(early);
    /* the sender hears its own notification, before its ReadyForQuery */
    exec_ok(listener, "NOTIFY ch, 'me'");
    PGnotify *self = PQnotifies(listener);
    ck_assert_ptr_nonnull(self);
    ck_assert_str_eq(self->relname, "ch");
    ck_assert_str_eq(self->extra, "me");
    ck_assert_int_eq(self->be_pid, listener_pid);
    PQfreemem(self);
    /* a transaction's duplicates fold; LISTEN in a rolled-back block does nothing */
    exec_ok(sender, "BEGIN; NOTIFY ch, 'a'; NOTIFY ch, 'a'; NOTIFY ch, 'b'; COMMIT");
    expect_notify(listener, "ch", "a", sender_pid);
    expect_notify(listener, "ch", "b", sender_pid);
    expect_none(listener, 100);
    exec_ok(listener, "BEGIN; LISTEN other; ROLLBACK");
    exec_ok(sender, "NOTIFY other");
    expect_none(listener, 200);
    /* extended protocol: NOTIFY through Parse/Bind/Execute/Sync */
    PGresult *res = PQexecParams(sender, "NOTIFY ch, 'extended'", 0, NULL, NULL, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(sender));
    PQclear(res);
    expect_notify(listener, "ch", "extended", sender_pid);
    /* limits */
    char *sql = malloc(8100);
    ck_assert_ptr_nonnull(sql);
    strcpy(sql, "NOTIFY ch, '");
    size_t len = strlen(sql);
    memset(sql + len, 'x', 8000);
    strcpy(sql + len + 8000, "'");
    exec_error(sender, sql, "22023");
    free(sql);
    /* UNLISTEN * stops delivery */
    exec_ok(listener, "UNLISTEN *");
    exec_ok(sender, "NOTIFY ch, 'after'");
    expect_none(listener, 200);
    PQfinish(listener);
    PQfinish(sender);
}
END_TEST

START_TEST(test_many_listeners)
{
    enum { LISTENERS = 8 };
    PGconn *listeners[LISTENERS];
    for (int idx = 0; idx < LISTENERS; idx++) {
        listeners[idx] = connect_ok(idx % 2 == 0);
        exec_ok(listeners[idx], "LISTEN fan");
    }
    PGconn *sender = connect_ok(false);
    int sender_pid = PQbackendPID(sender);
    int rounds = (int)(20 * test_scale());
    if (rounds < 3) rounds = 3;
    for (int round = 0; round < rounds; round++) {
        char sql[64], payload[16];
        snprintf(payload, sizeof payload, "r%d", round);
        snprintf(sql, sizeof sql, "NOTIFY fan, '%s'", payload);
        exec_ok(sender, sql);
        for (int idx = 0; idx < LISTENERS; idx++) {
            expect_notify(listeners[idx], "fan", payload, sender_pid);
        }
    }
    /* a listener that disconnects does not disturb the others */
    PQfinish(listeners[0]);
    exec_ok(sender, "NOTIFY fan, 'last'");
    for (int idx = 1; idx < LISTENERS; idx++) {
        expect_notify(listeners[idx], "fan", "last", sender_pid);
        PQfinish(listeners[idx]);
    }
    PQfinish(sender);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("wire_notify");
    TCase *tc = tcase_create("notify");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_idle_listener_woken);
    tcase_add_test(tc, test_in_block_and_self);
    tcase_add_test(tc, test_many_listeners);
    suite_add_tcase(suite, tc);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
