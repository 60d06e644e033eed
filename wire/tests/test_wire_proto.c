/* wire/tests/test_wire_proto.c: the protocol through libpq against a server running in this
 * process (wire/server.h) on a temporary file, socket directory and free port: simple and
 * extended query, several statements per Query, pipelining, errors in a batch, binary formats,
 * notices, ParameterStatus, transaction status, cancellation (a running statement and a lock
 * wait), limits, a client that disappears, back-pressure, COPY, worker starvation, shutdown. */
#include <arpa/inet.h>
#include <check.h>
#include <libpq-fe.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire/tests/wire_testlib.h"

static TestServer g_ts;

static void setup(void)
{
    ts_start(&g_ts, NULL, "max_connections = 40\nlog_min_duration_statement = 0");
}
static void teardown(void) { ts_stop(&g_ts); }

static PGconn *connect_ok(bool tcp, const char *extra)
{
    char info[512];
    ts_conninfo(&g_ts, tcp, extra, info, sizeof info);
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

/* exec_error: sql fails with sqlstate. */
static void exec_error(PGconn *conn, const char *sql, const char *sqlstate)
{
    PGresult *res = PQexec(conn, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_FATAL_ERROR, "%s should fail", sql);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    ck_assert_msg(state != NULL && strcmp(state, sqlstate) == 0, "%s: sqlstate %s, want %s", sql,
                  state != NULL ? state : "(none)", sqlstate);
    PQclear(res);
}

static long long query_int(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s", sql,
                  PQerrorMessage(conn));
    long long value = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return value;
}

/* ---------------------------------------------------------------- simple query ---- */

START_TEST(test_simple_query)
{
    PGconn *conn = connect_ok(false, NULL);
    PGresult *res = PQexec(conn, "SELECT 1 AS a, 'x' AS b, NULL::int AS c");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_int_eq(PQnfields(res), 3);
    ck_assert_str_eq(PQfname(res, 0), "a");
    ck_assert_int_eq(PQftype(res, 0), 23);
    ck_assert_int_eq(PQftype(res, 1), 25);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "x");
    ck_assert(PQgetisnull(res, 0, 2));
    PQclear(res);

    /* several statements: one result each */
    ck_assert(PQsendQuery(conn, "CREATE TABLE t(a int PRIMARY KEY, b text); "
                                "INSERT INTO t VALUES (1, 'one'), (2, 'two'); "
                                "SELECT a, b FROM t ORDER BY a"));
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    ck_assert_str_eq(PQcmdStatus(res), "CREATE TABLE");
    PQclear(res);
    res = PQgetResult(conn);
    ck_assert_str_eq(PQcmdStatus(res), "INSERT 0 2");
    ck_assert_str_eq(PQcmdTuples(res), "2");
    PQclear(res);
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_int_eq(PQntuples(res), 2);
    ck_assert_str_eq(PQgetvalue(res, 1, 1), "two");
    ck_assert_str_eq(PQcmdStatus(res), "SELECT 2");
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));

    /* an error in the middle: the string's implicit transaction rolls back, the rest is
     * skipped */
    ck_assert(PQsendQuery(conn, "INSERT INTO t VALUES (10, 'x'); SELECT 1/0; "
                                "INSERT INTO t VALUES (11, 'y')"));
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22012");
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM t WHERE a >= 10"), 0);
    /* an error while compiling a later statement: the same, and its position counts from the
     * start of the whole string */
    res = PQexec(conn, "INSERT INTO t VALUES (10, 'x'); SELECT nothere FROM t; SELECT 1");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42703");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION), "40");
    PQclear(res);
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM t WHERE a >= 10"), 0);

    /* a syntax error anywhere: nothing runs */
    exec_error(conn, "INSERT INTO t VALUES (20, 'z'); SELEC 1", "42601");
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM t WHERE a = 20"), 0);

    /* COMMIT inside a string ends its implicit transaction */
    res = PQexec(conn, "INSERT INTO t VALUES (30, 'c'); COMMIT; SELECT 1/0");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM t WHERE a = 30"), 1);

    /* empty query */
    res = PQexec(conn, "");
    ck_assert_int_eq(PQresultStatus(res), PGRES_EMPTY_QUERY);
    PQclear(res);
    res = PQexec(conn, " ; -- nothing");
    ck_assert_int_eq(PQresultStatus(res), PGRES_EMPTY_QUERY);
    PQclear(res);

    /* error fields */
    res = PQexec(conn, "SELECT nothere FROM t");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42703");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SEVERITY), "ERROR");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED), "ERROR");
    ck_assert_ptr_nonnull(PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION));
    PQclear(res);
    res = PQexec(conn, "INSERT INTO t VALUES (1, 'dup')");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23505");
    ck_assert_ptr_nonnull(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
    PQclear(res);
    PQfinish(conn);
    ck_assert(ts_log_contains(&g_ts, "connection authorized"));
    ck_assert(ts_log_contains(&g_ts, "22012"));
    ck_assert(ts_log_contains(&g_ts, "duration: "));
}
END_TEST

START_TEST(test_txn_status)
{
    PGconn *conn = connect_ok(true, NULL);
    ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_IDLE);
    exec_ok(conn, "CREATE TABLE s(a int)");
    exec_ok(conn, "BEGIN");
    ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_INTRANS);
    exec_ok(conn, "INSERT INTO s VALUES (1)");
    exec_error(conn, "SELECT 1/0", "22012");
    ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_INERROR);
    exec_error(conn, "SELECT 1", "25P02");
    PGresult *res = PQexec(conn, "COMMIT");
    ck_assert_str_eq(PQcmdStatus(res), "ROLLBACK");
    PQclear(res);
    ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_IDLE);
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM s"), 0);
    PQfinish(conn);
}
END_TEST

/* ---------------------------------------------------------------- extended query ---- */

START_TEST(test_extended_query)
{
    PGconn *conn = connect_ok(false, NULL);
    exec_ok(conn, "CREATE TABLE e(a int PRIMARY KEY, b text, c float8)");
    const char *values[3] = {"1", "hello", "2.5"};
    PGresult *res = PQexecParams(conn, "INSERT INTO e VALUES ($1, $2, $3)", 3, NULL, values,
                                 NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(conn));
    ck_assert_str_eq(PQcmdStatus(res), "INSERT 0 1");
    PQclear(res);

    res = PQprepare(conn, "ins", "INSERT INTO e VALUES ($1, $2, $3) RETURNING a * 10", 0, NULL);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    for (int idx = 2; idx <= 5; idx++) {
        char key[16];
        snprintf(key, sizeof key, "%d", idx);
        const char *row[3] = {key, "v", NULL};
        res = PQexecPrepared(conn, "ins", 3, row, NULL, NULL, 0);
        ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
        ck_assert_int_eq(atoi(PQgetvalue(res, 0, 0)), idx * 10);
        PQclear(res);
    }
    res = PQdescribePrepared(conn, "ins");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    ck_assert_int_eq(PQnparams(res), 3);
    ck_assert_int_eq(PQparamtype(res, 0), 23);
    ck_assert_int_eq(PQparamtype(res, 1), 25);
    ck_assert_int_eq(PQparamtype(res, 2), 701);
    ck_assert_int_eq(PQnfields(res), 1);
    PQclear(res);

    /* declared parameter types */
    Oid types[1] = {20};
    res = PQprepare(conn, "big", "SELECT $1 + 1", 1, types);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    const char *big[1] = {"9000000000"};
    res = PQexecPrepared(conn, "big", 1, big, NULL, NULL, 0);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "9000000001");
    ck_assert_int_eq(PQftype(res, 0), 20);
    PQclear(res);

    /* errors: duplicate name, unknown statement, bad parameter text, several statements */
    res = PQprepare(conn, "ins", "SELECT 1", 0, NULL);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42P05");
    PQclear(res);
    res = PQexecPrepared(conn, "nothere", 0, NULL, NULL, NULL, 0);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "26000");
    PQclear(res);
    const char *bad[3] = {"notanint", "x", "1"};
    res = PQexecPrepared(conn, "ins", 3, bad, NULL, NULL, 0);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22P02");
    PQclear(res);
    res = PQprepare(conn, "two", "SELECT 1; SELECT 2", 0, NULL);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42601");
    PQclear(res);
    res = PQprepare(conn, "one", "SELECT 1; -- trailing comment", 0, NULL);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    /* an empty statement */
    res = PQexecParams(conn, "", 0, NULL, NULL, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_EMPTY_QUERY);
    PQclear(res);
    /* session still fine; count rows */
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM e"), 5);
    /* the extended protocol inside a transaction block */
    exec_ok(conn, "BEGIN");
    const char *six[3] = {"6", "six", "6"};
    res = PQexecPrepared(conn, "ins", 3, six, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_INTRANS);
    exec_ok(conn, "ROLLBACK");
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM e"), 5);
    PQfinish(conn);
}
END_TEST

START_TEST(test_pipeline)
{
    PGconn *conn = connect_ok(false, NULL);
    exec_ok(conn, "CREATE TABLE p(a int PRIMARY KEY)");
    ck_assert_int_eq(PQenterPipelineMode(conn), 1);
    const char *one[1] = {"1"};
    const char *two[1] = {"2"};
    ck_assert(PQsendQueryParams(conn, "INSERT INTO p VALUES ($1)", 1, NULL, one, NULL, NULL, 0));
    ck_assert(PQsendQueryParams(conn, "SELECT 1/0", 0, NULL, NULL, NULL, NULL, 0));
    ck_assert(PQsendQueryParams(conn, "INSERT INTO p VALUES ($1)", 1, NULL, two, NULL, NULL, 0));
    ck_assert(PQpipelineSync(conn));
    ck_assert(PQsendQueryParams(conn, "INSERT INTO p VALUES ($1)", 1, NULL, two, NULL, NULL, 0));
    ck_assert(PQsendQueryParams(conn, "SELECT count(*) FROM p", 0, NULL, NULL, NULL, NULL, 0));
    ck_assert(PQpipelineSync(conn));

    PGresult *res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22012");
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_PIPELINE_ABORTED);
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_PIPELINE_SYNC);
    PQclear(res);
    /* second batch */
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    /* the first batch's insert was rolled back with its implicit transaction */
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_PIPELINE_SYNC);
    PQclear(res);
    ck_assert_int_eq(PQexitPipelineMode(conn), 1);
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM p WHERE a = 2"), 1);
    PQfinish(conn);
}
END_TEST

/* ---------------------------------------------------------------- binary formats ---- */

static uint64_t be64(const char *data)
{
    uint64_t value = 0;
    for (int idx = 0; idx < 8; idx++) value = value << 8 | (uint8_t)data[idx];
    return value;
}

static uint32_t be32(const char *data)
{
    return (uint32_t)(uint8_t)data[0] << 24 | (uint32_t)(uint8_t)data[1] << 16 |
           (uint32_t)(uint8_t)data[2] << 8 | (uint8_t)data[3];
}

START_TEST(test_binary_formats)
{
    PGconn *conn = connect_ok(false, NULL);
    PGresult *res = PQexecParams(
        conn,
        "SELECT 7::int2, -5::int4, 9000000000::int8, 1.5::float4, -2.25::float8, true, "
        "'héllo'::text, '\\x00ff10'::bytea, 12.50::numeric, '2000-01-03'::date, "
        "'2000-01-01 00:00:01'::timestamp, '2000-01-01 00:00:02+00'::timestamptz",
        0, NULL, NULL, NULL, NULL, 1);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
    ck_assert_int_eq(PQfformat(res, 0), 1);
    ck_assert_int_eq(PQgetlength(res, 0, 0), 2);
    ck_assert_int_eq((int16_t)((uint8_t)PQgetvalue(res, 0, 0)[0] << 8 |
                               (uint8_t)PQgetvalue(res, 0, 0)[1]), 7);
    ck_assert_int_eq(PQgetlength(res, 0, 1), 4);
    ck_assert_int_eq((int32_t)be32(PQgetvalue(res, 0, 1)), -5);
    ck_assert_int_eq(PQgetlength(res, 0, 2), 8);
    ck_assert(be64(PQgetvalue(res, 0, 2)) == 9000000000ull);
    uint32_t bits32 = be32(PQgetvalue(res, 0, 3));
    float f4;
    memcpy(&f4, &bits32, 4);
    ck_assert(f4 == 1.5f);
    uint64_t bits64 = be64(PQgetvalue(res, 0, 4));
    double f8;
    memcpy(&f8, &bits64, 8);
    ck_assert(f8 == -2.25);
    ck_assert_int_eq(PQgetlength(res, 0, 5), 1);
    ck_assert_int_eq(PQgetvalue(res, 0, 5)[0], 1);
    ck_assert_int_eq(PQgetlength(res, 0, 6), 6);
    ck_assert(memcmp(PQgetvalue(res, 0, 6), "h\xc3\xa9llo", 6) == 0);
    ck_assert_int_eq(PQgetlength(res, 0, 7), 3);
    ck_assert(memcmp(PQgetvalue(res, 0, 7), "\x00\xff\x10", 3) == 0);
    /* numeric 12.50: ndigits 2, weight 0, sign 0, dscale 2, digits 12, 5000 */
    ck_assert_int_eq(PQgetlength(res, 0, 8), 12);
    static const uint8_t NUMERIC[12] = {0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88};
    ck_assert(memcmp(PQgetvalue(res, 0, 8), NUMERIC, 12) == 0);
    ck_assert_int_eq((int32_t)be32(PQgetvalue(res, 0, 9)), 2);
    ck_assert(be64(PQgetvalue(res, 0, 10)) == 1000000ull);
    ck_assert(be64(PQgetvalue(res, 0, 11)) == 2000000ull);
    PQclear(res);

    /* binary parameters, and per-column result formats */
    uint32_t param = htonl(41);
    const char *values[2] = {(const char *)&param, "x"};
    int lengths[2] = {4, 1};
    int formats[2] = {1, 0};
    Oid types[2] = {23, 25};
    res = PQexecParams(conn, "SELECT $1 + 1, $2 || 'y'", 2, types, values, lengths, formats, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(conn));
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "42");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "xy");
    PQclear(res);
    /* a binary int4 of the wrong size */
    lengths[0] = 3;
    res = PQexecParams(conn, "SELECT $1 + 1, $2", 2, types, values, lengths, formats, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22P03");
    PQclear(res);
    exec_ok(conn, "SELECT 1");
    PQfinish(conn);
}
END_TEST

/* ---------------------------------------------------------------- notices and settings ---- */

static void count_notice(void *arg, const PGresult *res)
{
    int *count = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity != NULL && (strcmp(severity, "NOTICE") == 0 || strcmp(severity, "WARNING") == 0)) {
        (*count)++;
    }
}

START_TEST(test_notice_and_parameters)
{
    PGconn *conn = connect_ok(false, "application_name=wiretest");
    int notices = 0;
    PQsetNoticeReceiver(conn, count_notice, &notices);
    exec_ok(conn, "DROP TABLE IF EXISTS nothere");
    ck_assert_int_eq(notices, 1);
    exec_ok(conn, "COMMIT");   /* WARNING: there is no transaction in progress */
    ck_assert_int_eq(notices, 2);

    const char *version = PQparameterStatus(conn, "server_version");
    ck_assert_ptr_nonnull(version);
    ck_assert(strncmp(version, "15.", 3) == 0);
    ck_assert_int_ge(PQserverVersion(conn), 150000);
    ck_assert_str_eq(PQparameterStatus(conn, "DateStyle"), "ISO, MDY");
    ck_assert_ptr_nonnull(PQparameterStatus(conn, "TimeZone"));
    ck_assert_str_eq(PQparameterStatus(conn, "integer_datetimes"), "on");
    ck_assert_str_eq(PQparameterStatus(conn, "standard_conforming_strings"), "on");
    ck_assert_str_eq(PQparameterStatus(conn, "client_encoding"), "UTF8");
    ck_assert_str_eq(PQparameterStatus(conn, "server_encoding"), "UTF8");
    ck_assert_str_eq(PQparameterStatus(conn, "application_name"), "wiretest");
    ck_assert_str_eq(PQparameterStatus(conn, "session_authorization"), g_ts.user);
    /* a SET of a reported setting reports it again */
    exec_ok(conn, "SET datestyle = 'German'");
    ck_assert_str_eq(PQparameterStatus(conn, "DateStyle"), "German, DMY");
    exec_ok(conn, "SET application_name = 'other'");
    ck_assert_str_eq(PQparameterStatus(conn, "application_name"), "other");
    PQfinish(conn);

    /* startup settings: options -c / --name=value, datestyle, timezone */
    conn = connect_ok(true, "options='-c datestyle=Postgres,\\\\ DMY --search-path=public' "
                            "application_name=a2");
    ck_assert_str_eq(PQparameterStatus(conn, "DateStyle"), "Postgres, DMY");
    PGresult *res = PQexec(conn, "SHOW search_path");
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "public");
    PQclear(res);
    PQfinish(conn);
    /* a bad startup setting is FATAL */
    char info[512];
    ts_conninfo(&g_ts, false, "options='-c datestyle=nonsense'", info, sizeof info);
    conn = PQconnectdb(info);
    ck_assert_int_eq(PQstatus(conn), CONNECTION_BAD);
    PQfinish(conn);
    ts_conninfo(&g_ts, false, "client_encoding=LATIN1", info, sizeof info);
    conn = PQconnectdb(info);
    ck_assert_int_eq(PQstatus(conn), CONNECTION_BAD);
    PQfinish(conn);
    /* another database name */
    char other[512];
    snprintf(other, sizeof other, "host=%s port=%d dbname=other user=%s", g_ts.dir, g_ts.port,
             g_ts.user);
    conn = PQconnectdb(other);
    ck_assert_int_eq(PQstatus(conn), CONNECTION_BAD);
    ck_assert_msg(strstr(PQerrorMessage(conn), "database \"other\" does not exist") != NULL, "%s",
                  PQerrorMessage(conn));
    PQfinish(conn);
}
END_TEST

/* ---------------------------------------------------------------- cancellation ---- */

typedef struct QueryThread {
    PGconn     *conn;
    const char *sql;
    char        sqlstate[6];
    int         status;
} QueryThread;

static void *run_query(void *arg)
{
    QueryThread *job = arg;
    PGresult *res = PQexec(job->conn, job->sql);
    job->status = PQresultStatus(res);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    snprintf(job->sqlstate, sizeof job->sqlstate, "%s", state != NULL ? state : "");
    PQclear(res);
    return NULL;
}

static void cancel_conn(PGconn *conn)
{
    PGcancel *cancel = PQgetCancel(conn);
    char message[256];
    ck_assert_int_eq(PQcancel(cancel, message, sizeof message), 1);
    PQfreeCancel(cancel);
}

START_TEST(test_cancel)
{
    PGconn *conn = connect_ok(false, NULL);
    QueryThread job = {.conn = conn,
                       .sql = "SELECT count(*) FROM generate_series(1, 2000000000) AS g(x)"};
    pthread_t thread;
    pthread_create(&thread, NULL, run_query, &job);
    ts_sleep_ms(300);
    cancel_conn(conn);
    pthread_join(thread, NULL);
    ck_assert_int_eq(job.status, PGRES_FATAL_ERROR);
    ck_assert_str_eq(job.sqlstate, "57014");
    exec_ok(conn, "SELECT 1");

    /* a statement waiting on a row lock */
    exec_ok(conn, "CREATE TABLE l(a int PRIMARY KEY, b int)");
    exec_ok(conn, "INSERT INTO l VALUES (1, 0)");
    PGconn *holder = connect_ok(false, NULL);
    exec_ok(holder, "BEGIN");
    exec_ok(holder, "UPDATE l SET b = 1 WHERE a = 1");
    QueryThread waiter = {.conn = conn, .sql = "UPDATE l SET b = 2 WHERE a = 1"};
    pthread_create(&thread, NULL, run_query, &waiter);
    ts_sleep_ms(300);
    cancel_conn(conn);
    pthread_join(thread, NULL);
    ck_assert_int_eq(waiter.status, PGRES_FATAL_ERROR);
    ck_assert_str_eq(waiter.sqlstate, "57014");
    exec_ok(holder, "COMMIT");
    ck_assert_int_eq(query_int(conn, "SELECT b FROM l"), 1);

    /* statement_timeout */
    exec_ok(conn, "SET statement_timeout = 200");
    exec_error(conn, "SELECT count(*) FROM generate_series(1, 2000000000) AS g(x)", "57014");
    exec_ok(conn, "SET statement_timeout = 0");
    /* a cancel with a wrong key does nothing */
    exec_ok(conn, "SELECT 1");
    PQfinish(holder);
    PQfinish(conn);
}
END_TEST

/* ---------------------------------------------------------------- limits ---- */

START_TEST(test_max_connections)
{
    ts_stop(&g_ts);
    ts_start(&g_ts, NULL, "max_connections = 3");
    PGconn *conns[3];
    for (int idx = 0; idx < 3; idx++) conns[idx] = connect_ok(idx % 2 == 0, NULL);
    char info[512];
    ts_conninfo(&g_ts, false, NULL, info, sizeof info);
    PGconn *extra = PQconnectdb(info);
    ck_assert_int_eq(PQstatus(extra), CONNECTION_BAD);
    ck_assert_msg(strstr(PQerrorMessage(extra), "sorry, too many clients already") != NULL,
                  "%s", PQerrorMessage(extra));
    PQfinish(extra);
    PQfinish(conns[0]);
    /* the slot comes back once the server has seen the close */
    PGconn *again = NULL;
    for (int attempt = 0; attempt < 50; attempt++) {
        again = PQconnectdb(info);
        if (PQstatus(again) == CONNECTION_OK) break;
        PQfinish(again);
        again = NULL;
        ts_sleep_ms(20);
    }
    ck_assert_ptr_nonnull(again);
    exec_ok(again, "SELECT 1");
    PQfinish(again);
    PQfinish(conns[1]);
    PQfinish(conns[2]);
}
END_TEST

/* SHOW max_connections reports the server's limit (the fixture's config says 40), which SQL
 * cannot change and a client's startup option may not either (55P02, as in PostgreSQL). */
START_TEST(test_max_connections_setting)
{
    PGconn *conn = connect_ok(false, NULL);
    PGresult *res = PQexec(conn, "SHOW max_connections");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "40");
    PQclear(res);
    ck_assert_int_eq(query_int(conn, "SELECT current_setting('max_connections')::int"), 40);
    ck_assert_int_eq(query_int(conn, "SELECT setting::int FROM pg_settings "
                                     "WHERE name = 'max_connections'"), 40);
    exec_error(conn, "SET max_connections = 5", "55P02");
    exec_error(conn, "RESET max_connections", "55P02");
    ck_assert_int_eq(query_int(conn, "SELECT current_setting('max_connections')::int"), 40);
    PQfinish(conn);
    char info[512];
    ts_conninfo(&g_ts, false, "options='-c max_connections=5'", info, sizeof info);
    PGconn *refused = PQconnectdb(info);
    ck_assert_int_eq(PQstatus(refused), CONNECTION_BAD);
    ck_assert_msg(strstr(PQerrorMessage(refused), "cannot be changed without restarting") != NULL,
                  "%s", PQerrorMessage(refused));
    PQfinish(refused);
}
END_TEST

START_TEST(test_idle_in_transaction_timeout)
{
    PGconn *conn = connect_ok(false, NULL);
    exec_ok(conn, "SET idle_in_transaction_session_timeout = 300");
    exec_ok(conn, "SELECT 1");
    ts_sleep_ms(500);   /* idle, but not in a transaction: fine */
    exec_ok(conn, "BEGIN");
    ts_sleep_ms(900);
    PGresult *res = PQexec(conn, "SELECT 1");
    ck_assert_int_ne(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    ck_assert_msg(strstr(PQerrorMessage(conn), "idle-in-transaction") != NULL, "%s",
                  PQerrorMessage(conn));
    PQfinish(conn);
}
END_TEST

/* a client that disappears mid-query, and one that does not read its results */
START_TEST(test_client_disappears_and_backpressure)
{
    PGconn *conn = connect_ok(false, NULL);
    /* several MB of output at scale 1: far beyond the socket buffers */
    int big_rows = (int)(20000 * test_scale());
    char sql[256];
    snprintf(sql, sizeof sql,
             "CREATE TABLE big AS SELECT x, repeat('x', 200) AS pad "
             "FROM generate_series(1, %d) AS g(x)",
             big_rows);
    exec_ok(conn, sql);
    int before = 0, workers = 0;
    wire_server_stats(g_ts.server, &before, &workers);
    for (int round = 0; round < 3; round++) {
        PGconn *gone = connect_ok(true, NULL);
        ck_assert(PQsendQuery(gone, "SELECT a.x, a.pad FROM big a, big b WHERE b.x < 50"));
        ts_sleep_ms(50);
        /* close the socket without Terminate */
        shutdown(PQsocket(gone), SHUT_RDWR);
        PQfinish(gone);
    }
    /* a slow reader: the server waits on the socket without holding a worker */
    PGconn *slow = connect_ok(false, NULL);
    ck_assert(PQsendQuery(slow, "SELECT x, pad FROM big"));
    ts_sleep_ms(300);
    exec_ok(conn, "SELECT 1");   /* others are served meanwhile */
    long rows = 0;
    PGresult *res;
    while ((res = PQgetResult(slow)) != NULL) {
        if (PQresultStatus(res) == PGRES_TUPLES_OK) rows += PQntuples(res);
        PQclear(res);
    }
    ck_assert_int_eq(rows, big_rows);
    PQfinish(slow);
    /* every vanished connection is gone from the server in a while */
    int now = 0;
    for (int attempt = 0; attempt < 300; attempt++) {
        wire_server_stats(g_ts.server, &now, &workers);
        if (now <= before) break;
        ts_sleep_ms(20);
    }
    ck_assert_int_le(now, before);
    exec_ok(conn, "SELECT 1");
    PQfinish(conn);
}
END_TEST

/* ---------------------------------------------------------------- COPY ---- */

START_TEST(test_copy)
{
    PGconn *conn = connect_ok(false, NULL);
    exec_ok(conn, "CREATE TABLE c(a int, b text)");
    PGresult *res = PQexec(conn, "COPY c FROM STDIN");
    if (PQresultStatus(res) == PGRES_FATAL_ERROR &&
        strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "0A000") == 0) {
        /* COPY is not in the engine yet: the refusal must leave the session usable */
        PQclear(res);
        exec_ok(conn, "SELECT 1");
        PQfinish(conn);
        return;
    }
    ck_assert_int_eq(PQresultStatus(res), PGRES_COPY_IN);
    PQclear(res);
    for (int idx = 1; idx <= 1000; idx++) {
        char line[64];
        int size = snprintf(line, sizeof line, "%d\trow %d\n", idx, idx);
        ck_assert_int_eq(PQputCopyData(conn, line, size), 1);
    }
    ck_assert_int_eq(PQputCopyEnd(conn, NULL), 1);
    res = PQgetResult(conn);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(conn));
    ck_assert_str_eq(PQcmdStatus(res), "COPY 1000");
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM c"), 1000);

    /* CopyFail */
    res = PQexec(conn, "COPY c FROM STDIN");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COPY_IN);
    PQclear(res);
    PQputCopyData(conn, "5000\tx\n", 7);
    PQputCopyEnd(conn, "client gave up");
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "57014");
    PQclear(res);
    ck_assert_ptr_null(PQgetResult(conn));
    /* bad data */
    res = PQexec(conn, "COPY c FROM STDIN");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COPY_IN);
    PQclear(res);
    PQputCopyData(conn, "notanumber\tx\n", 13);
    PQputCopyData(conn, "7\tx\n", 4);
    PQputCopyEnd(conn, NULL);
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    PQclear(res);
    while ((res = PQgetResult(conn)) != NULL) PQclear(res);
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM c"), 1000);

    /* COPY TO STDOUT */
    res = PQexec(conn, "COPY (SELECT a, b FROM c WHERE a <= 3 ORDER BY a) TO STDOUT");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COPY_OUT);
    PQclear(res);
    char *buf = NULL;
    int lines = 0;
    int size;
    while ((size = PQgetCopyData(conn, &buf, 0)) > 0) {
        lines++;
        if (lines == 1) ck_assert(strncmp(buf, "1\trow 1\n", (size_t)size) == 0);
        PQfreemem(buf);
    }
    ck_assert_int_eq(size, -1);
    res = PQgetResult(conn);
    ck_assert_str_eq(PQcmdStatus(res), "COPY 3");
    PQclear(res);
    ck_assert_int_eq(lines, 3);
    exec_ok(conn, "SELECT 1");
    PQfinish(conn);
}
END_TEST

/* ---------------------------------------------------------------- worker starvation ---- */

START_TEST(test_worker_starvation)
{
    PGconn *setup_conn = connect_ok(false, NULL);
    exec_ok(setup_conn, "CREATE TABLE w(a int PRIMARY KEY, n int)");
    exec_ok(setup_conn, "INSERT INTO w VALUES (1, 0)");
    PGconn *holder = connect_ok(false, NULL);
    exec_ok(holder, "BEGIN");
    exec_ok(holder, "UPDATE w SET n = n + 100 WHERE a = 1");
    enum { WAITERS = 8 };
    PGconn *conns[WAITERS];
    QueryThread jobs[WAITERS];
    pthread_t threads[WAITERS];
    for (int idx = 0; idx < WAITERS; idx++) {
        conns[idx] = connect_ok(idx % 2 == 1, NULL);
        jobs[idx] = (QueryThread){.conn = conns[idx], .sql = "UPDATE w SET n = n + 1 WHERE a = 1"};
        pthread_create(&threads[idx], NULL, run_query, &jobs[idx]);
    }
    ts_sleep_ms(500);   /* every waiter blocks on the row lock, each holding a worker */
    exec_ok(holder, "COMMIT");
    for (int idx = 0; idx < WAITERS; idx++) {
        pthread_join(threads[idx], NULL);
        ck_assert_msg(jobs[idx].status == PGRES_COMMAND_OK, "waiter %d: %s", idx,
                      jobs[idx].sqlstate);
        PQfinish(conns[idx]);
    }
    ck_assert_int_eq(query_int(setup_conn, "SELECT n FROM w"), 108);
    PQfinish(holder);
    PQfinish(setup_conn);
}
END_TEST

/* ---------------------------------------------------------------- shutdown ---- */

START_TEST(test_shutdown)
{
    PGconn *idle = connect_ok(false, NULL);
    PGconn *busy = connect_ok(true, NULL);
    exec_ok(idle, "CREATE TABLE k(a int)");
    exec_ok(idle, "INSERT INTO k VALUES (1)");
    QueryThread job = {.conn = busy,
                       .sql = "SELECT count(*) FROM generate_series(1, 2000000000) AS g(x)"};
    pthread_t thread;
    pthread_create(&thread, NULL, run_query, &job);
    ts_sleep_ms(200);
    wire_server_stop(g_ts.server, true);   /* fast: cancel at once */
    g_ts.server = NULL;
    pthread_join(thread, NULL);
    ck_assert_int_eq(job.status, PGRES_FATAL_ERROR);
    PGresult *res = PQexec(idle, "SELECT 1");
    ck_assert_int_ne(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    PQfinish(idle);
    PQfinish(busy);
    /* the file was closed cleanly: a new server serves the committed row */
    char config_path[192];
    snprintf(config_path, sizeof config_path, "%s/birch.conf", g_ts.dir);
    const char *argv[] = {"serve", g_ts.path, "--port", "0", "--socket-dir", g_ts.dir,
                          "--host", "127.0.0.1", "--config", config_path};
    ck_assert_int_eq(wire_server_start(10, (char **)argv, &g_ts.server), 0);
    g_ts.port = wire_server_port(g_ts.server);
    PGconn *conn = connect_ok(false, NULL);
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM k"), 1);
    PQfinish(conn);
}
END_TEST


/* ---------------------------------------------------------------- session gaps (issue 5) ---- */

/* sessions: the CONTEXT field ('W'), no position on executor errors, read-only transactions
 * (also from the startup options), START TRANSACTION's tag, cursors through both protocols */
START_TEST(test_session_fields_readonly_cursors)
{
    PGconn *conn = connect_ok(false, NULL);
    exec_ok(conn, "CREATE TABLE s(a int, b text)");
    /* COPY's line is CONTEXT, not DETAIL */
    PGresult *res = PQexec(conn, "COPY s FROM STDIN");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COPY_IN);
    PQclear(res);
    PQputCopyData(conn, "1\tx\nnotanumber\ty\n", 17);
    PQputCopyEnd(conn, NULL);
    res = PQgetResult(conn);
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22P02");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_CONTEXT),
                     "COPY s, line 2, column a: \"notanumber\"");
    ck_assert_ptr_null(PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
    PQclear(res);
    while ((res = PQgetResult(conn)) != NULL) PQclear(res);
    /* an executor error has no position; a parse-time one keeps it */
    res = PQexec(conn, "SELECT 1 / 0");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22012");
    ck_assert_ptr_null(PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION));
    ck_assert_ptr_null(PQresultErrorField(res, PG_DIAG_CONTEXT));
    PQclear(res);
    res = PQexec(conn, "SELECT 'x'::int");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22P02");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION), "8");
    PQclear(res);
    /* START TRANSACTION READ ONLY: its tag, and the write refused with PostgreSQL's words */
    res = PQexec(conn, "START TRANSACTION READ ONLY");
    ck_assert_str_eq(PQcmdStatus(res), "START TRANSACTION");
    PQclear(res);
    res = PQexec(conn, "INSERT INTO s VALUES (1, 'y')");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "25006");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
                     "cannot execute INSERT in a read-only transaction");
    PQclear(res);
    ck_assert_int_eq(PQtransactionStatus(conn), PQTRANS_INERROR);
    exec_ok(conn, "ROLLBACK");
    /* cursors: FETCH's tag and its typed columns, in the simple and the extended protocol */
    exec_ok(conn, "INSERT INTO s SELECT g, 'r' || g FROM generate_series(1, 5) g");
    exec_ok(conn, "BEGIN");
    res = PQexec(conn, "DECLARE cur CURSOR FOR SELECT a, b FROM s ORDER BY a");
    ck_assert_str_eq(PQcmdStatus(res), "DECLARE CURSOR");
    PQclear(res);
    res = PQexec(conn, "FETCH 2 FROM cur");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQcmdStatus(res), "FETCH 2");
    ck_assert_int_eq(PQntuples(res), 2);
    ck_assert_int_eq((int)PQftype(res, 0), 23);
    ck_assert_str_eq(PQfname(res, 1), "b");
    ck_assert_str_eq(PQgetvalue(res, 1, 1), "r2");
    PQclear(res);
    res = PQexecParams(conn, "FETCH ALL FROM cur", 0, NULL, NULL, NULL, NULL, 1);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_int_eq(PQntuples(res), 3);
    ck_assert_int_eq(PQnfields(res), 2);
    ck_assert_int_eq(PQgetlength(res, 0, 0), 4);   /* binary int4 */
    ck_assert_str_eq(PQcmdStatus(res), "FETCH 3");
    PQclear(res);
    res = PQexec(conn, "FETCH nope");
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "34000");
    PQclear(res);
    exec_ok(conn, "ROLLBACK");
    PQfinish(conn);

    /* default_transaction_read_only from the startup packet */
    conn = connect_ok(false, "options='-c default_transaction_read_only=on'");
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM s"), 5);
    res = PQexec(conn, "SHOW transaction_read_only");
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "on");
    PQclear(res);
    exec_error(conn, "DELETE FROM s", "25006");
    exec_error(conn, "CREATE TABLE s2 (a int)", "25006");
    exec_ok(conn, "BEGIN READ WRITE");
    exec_ok(conn, "DELETE FROM s WHERE a = 1");
    exec_ok(conn, "COMMIT");
    ck_assert_int_eq(query_int(conn, "SELECT count(*) FROM s"), 4);
    PQfinish(conn);
}
END_TEST

static Suite *wire_proto_suite(void)
{
    Suite *suite = suite_create("wire_proto");
    TCase *tc = tcase_create("proto");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_simple_query);
    tcase_add_test(tc, test_max_connections_setting);
    tcase_add_test(tc, test_txn_status);
    tcase_add_test(tc, test_extended_query);
    tcase_add_test(tc, test_pipeline);
    tcase_add_test(tc, test_binary_formats);
    tcase_add_test(tc, test_notice_and_parameters);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_max_connections);
    tcase_add_test(tc, test_idle_in_transaction_timeout);
    tcase_add_test(tc, test_client_disappears_and_backpressure);
    tcase_add_test(tc, test_copy);
    tcase_add_test(tc, test_worker_starvation);
    tcase_add_test(tc, test_shutdown);
    tcase_add_test(tc, test_session_fields_readonly_cursors);   /* sessions */
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(wire_proto_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
