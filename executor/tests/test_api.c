/* executor/tests/test_api.c: the public API (include/birch.h) end to end: sessions, types,
 * prepared statements, transactions, errors, concurrency between sessions, interrupts,
 * persistence and the one-process-per-file rule. Everything goes through birch.h only. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

/* query: every row as "v1|v2" lines joined by '\n' ("NULL" for SQL NULL); malloc'd. */
static char *query(birch_db *db, const char *sql)
{
    birch_stmt *stmt = NULL;
    int rc = birch_prepare(db, sql, -1, &stmt, NULL);
    ck_assert_msg(rc == BIRCH_OK && stmt != NULL, "prepare %s: %s", sql, eh_error_text(db));
    size_t size = 0, capacity = 256;
    char *out = malloc(capacity);
    out[0] = '\0';
    while ((rc = birch_step(stmt)) == BIRCH_ROW) {
        for (int col_idx = 0; col_idx < birch_column_count(stmt); col_idx++) {
            size_t value_size = 0;
            const char *value = birch_column_text(stmt, col_idx, &value_size);
            if (value == NULL) value = "NULL", value_size = 4;
            while (size + value_size + 3 > capacity) out = realloc(out, capacity *= 2);
            if (col_idx > 0) out[size++] = '|';
            memcpy(out + size, value, value_size);
            size += value_size;
            out[size] = '\0';
        }
        if (size + 2 > capacity) out = realloc(out, capacity *= 2);
        out[size++] = '\n';
        out[size] = '\0';
    }
    ck_assert_msg(rc == BIRCH_DONE, "step %s: %s", sql, eh_error_text(db));
    if (size > 0) out[--size] = '\0';   /* no trailing newline */
    birch_finalize(stmt);
    return out;
}

#define QUERY_IS(db, sql, expected)                                                          \
    do {                                                                                     \
        char *actual_ = query((db), (sql));                                                  \
        ck_assert_msg(strcmp(actual_, (expected)) == 0, "%s:\n got: %s\nwant: %s", (sql),     \
                      actual_, (expected));                                                  \
        free(actual_);                                                                       \
    } while (0)

/* ------------------------------------------------------------------ tests ---- */

/* nextval is durable at once (engine.c gives the catalog the WAL): a process that dies
 * without birch_close after nextval does not hand out the same values again */
START_TEST(test_birch_nextval_survives_a_crash)
{
    const char *path = eh_path("api", "seqcrash");
    birch_db *db = eh_open(path);
    eh_exec_ok(db, "CREATE SEQUENCE s");
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ne(child, -1);
    if (child == 0) {
        birch_db *crashing = NULL;
        if (birch_open(path, NULL, &crashing) != BIRCH_OK) _exit(1);
        for (int call_idx = 0; call_idx < 3; call_idx++) {
            if (birch_exec(crashing, "SELECT nextval('s')", NULL, NULL) != BIRCH_OK) _exit(2);
        }
        _exit(0);   /* a crash: no birch_close, no checkpoint */
    }
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    db = eh_open(path);
    char *next = query(db, "SELECT nextval('s') > 3");
    ck_assert_str_eq(next, "t");
    free(next);
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_birch_open_create_select_close_reopen)
{
    const char *path = eh_path("api", "persist");
    birch_db *db = eh_open(path);
    ck_assert_int_eq(birch_txn_status(db), 'I');
    eh_exec_ok(db, "CREATE TABLE t (id int PRIMARY KEY, name text)");
    eh_exec_ok(db, "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL)");
    ck_assert_uint_eq(birch_changes(db), 3);
    QUERY_IS(db, "SELECT id, name FROM t ORDER BY id", "1|one\n2|two\n3|NULL");
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    /* a clean close leaves exactly one file */
    char wal[PATH_MAX + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    ck_assert_int_ne(access(path, F_OK), -1);
    ck_assert_int_eq(access(wal, F_OK), -1);
    db = eh_open(path);
    QUERY_IS(db, "SELECT count(*), max(id) FROM t", "3|3");
    QUERY_IS(db, "SELECT name FROM t WHERE id = 2", "two");
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_birch_every_type_round_trips)
{
    const char *path = eh_path("api", "types");
    birch_db *db = eh_open(path);
    eh_exec_ok(db, "CREATE TABLE v (b bool, s int2, i int4, l int8, r float4, d float8, "
                "n numeric(10,2), nn numeric, t text, vc varchar(10), c char(3), y bytea, "
                "dt date, tm time, ts timestamp, tz timestamptz, iv interval)");
    eh_exec_ok(db, "INSERT INTO v VALUES (true, -32768, 2147483647, -9223372036854775808, 1.5, "
                "0.1, 12345678.91, 123456789012345678901234567890.123, 'héllo', 'abc', 'x', "
                "'\\x00ff', '2024-02-29', '13:45:06.5', '2024-02-29 13:45:06', "
                "'2024-02-29 13:45:06+00', '1 year 2 mons 3 days 04:05:06')");
    eh_exec_ok(db, "INSERT INTO v (b) VALUES (NULL)");
    QUERY_IS(db, "SELECT * FROM v WHERE b",
             "t|-32768|2147483647|-9223372036854775808|1.5|0.1|12345678.91|"
             "123456789012345678901234567890.123|héllo|abc|x  |\\x00ff|2024-02-29|13:45:06.5|"
             "2024-02-29 13:45:06|2024-02-29 13:45:06+00|1 year 2 mons 3 days 04:05:06");
    QUERY_IS(db, "SELECT b, s, t, dt FROM v WHERE b IS NULL", "NULL|NULL|NULL|NULL");
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT * FROM v WHERE b", -1, &stmt, NULL), BIRCH_OK);
    static const uint32_t OIDS[] = {16, 21, 23, 20, 700, 701, 1700, 1700, 25, 1043, 1042, 17,
                                    1082, 1083, 1114, 1184, 1186};
    ck_assert_int_eq(birch_column_count(stmt), 17);
    for (int col_idx = 0; col_idx < 17; col_idx++) {
        ck_assert_uint_eq(birch_column_type(stmt, col_idx), OIDS[col_idx]);
        ck_assert_uint_ne(birch_column_table_oid(stmt, col_idx), 0);
        ck_assert_int_eq(birch_column_attnum(stmt, col_idx), col_idx + 1);
    }
    ck_assert_str_eq(birch_column_name(stmt, 2), "i");
    ck_assert_int_eq(birch_column_type_size(stmt, 2), 4);
    ck_assert_int_eq(birch_column_type_size(stmt, 8), -1);
    ck_assert_int_eq(birch_column_typmod(stmt, 9), 14);   /* varchar(10) */
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert(birch_column_bool(stmt, 0));
    ck_assert_int_eq(birch_column_int64(stmt, 1), -32768);
    ck_assert_int_eq(birch_column_int64(stmt, 2), 2147483647);
    ck_assert(birch_column_int64(stmt, 3) == INT64_MIN);
    ck_assert(birch_column_double(stmt, 4) == 1.5);
    ck_assert(birch_column_double(stmt, 5) == 0.1);
    ck_assert(birch_column_double(stmt, 6) == 12345678.91);
    /* binary (send) formats: big-endian */
    size_t size = 0;
    const unsigned char *bytes = birch_column_binary(stmt, 2, &size);
    ck_assert_uint_eq(size, 4);
    ck_assert(bytes[0] == 0x7f && bytes[1] == 0xff && bytes[2] == 0xff && bytes[3] == 0xff);
    bytes = birch_column_binary(stmt, 1, &size);
    ck_assert_uint_eq(size, 2);
    ck_assert(bytes[0] == 0x80 && bytes[1] == 0x00);
    bytes = birch_column_binary(stmt, 5, &size);
    ck_assert_uint_eq(size, 8);
    ck_assert(bytes[0] == 0x3f && bytes[1] == 0xb9);   /* 0.1 = 0x3fb999999999999a */
    bytes = birch_column_binary(stmt, 6, &size);      /* numeric: ndigits 3, weight 1 ... */
    ck_assert_uint_ge(size, 8);
    ck_assert(bytes[0] == 0 && bytes[1] == 3 && bytes[2] == 0 && bytes[3] == 1);
    ck_assert(bytes[6] == 0 && bytes[7] == 2);         /* dscale 2 */
    bytes = birch_column_binary(stmt, 11, &size);
    ck_assert_uint_eq(size, 2);
    ck_assert(bytes[0] == 0x00 && bytes[1] == 0xff);
    bytes = birch_column_binary(stmt, 12, &size);     /* date: days since 2000-01-01 */
    ck_assert_uint_eq(size, 4);
    ck_assert(bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x22 && bytes[3] == 0x79);  /* 8825 */
    ck_assert_int_eq(birch_step(stmt), BIRCH_DONE);
    ck_assert_str_eq(birch_command_tag(stmt), "SELECT 1");
    birch_finalize(stmt);
    /* session settings change the text forms */
    eh_exec_ok(db, "SET DateStyle = 'SQL, DMY'");
    QUERY_IS(db, "SELECT dt FROM v WHERE b", "29/02/2024");
    eh_exec_ok(db, "SET extra_float_digits = 0");
    QUERY_IS(db, "SELECT d FROM v WHERE b", "0.1");
    eh_exec_ok(db, "SET extra_float_digits = 3");
    QUERY_IS(db, "SELECT d FROM v WHERE b", "0.1");
    eh_exec_ok(db, "SET TimeZone = 'America/New_York'");
    QUERY_IS(db, "SELECT tz FROM v WHERE b", "29/02/2024 08:45:06 EST");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_birch_prepared_binds_and_reexecution)
{
    const char *path = eh_path("api", "binds");
    birch_db *db = eh_open(path);
    eh_exec_ok(db, "CREATE TABLE p (id int4 PRIMARY KEY, name text, price numeric(8,2), "
                "day date)");
    birch_stmt *insert = NULL;
    const char *tail = NULL;
    const char *sql = "INSERT INTO p VALUES ($1, $2, $3, $4); SELECT 1";
    ck_assert_int_eq(birch_prepare(db, sql, -1, &insert, &tail), BIRCH_OK);
    ck_assert_str_eq(tail, " SELECT 1");
    ck_assert_str_eq(birch_sql(insert), "INSERT INTO p VALUES ($1, $2, $3, $4)");
    ck_assert_int_eq(birch_param_count(insert), 4);
    ck_assert_uint_eq(birch_param_type(insert, 1), 23);
    ck_assert_uint_eq(birch_param_type(insert, 3), 1700);
    ck_assert_uint_eq(birch_param_type(insert, 4), 1082);
    ck_assert(!birch_returns_rows(insert));
    for (int64_t id = 1; id <= 100; id++) {
        char name[32];
        snprintf(name, sizeof name, "item %lld", (long long)id);
        ck_assert_int_eq(birch_bind_int64(insert, 1, id), BIRCH_OK);
        ck_assert_int_eq(birch_bind_text(insert, 2, name, -1), BIRCH_OK);
        ck_assert_int_eq(birch_bind_double(insert, 3, (double)id + 0.25), BIRCH_OK);
        ck_assert_int_eq(birch_bind_text(insert, 4, "2024-01-01", -1), BIRCH_OK);
        ck_assert_int_eq(birch_step(insert), BIRCH_DONE);
        ck_assert_str_eq(birch_command_tag(insert), "INSERT 0 1");
        ck_assert_int_eq(birch_reset(insert), BIRCH_OK);
    }
    /* binds that do not fit the parameter's type fail as SQL would */
    ck_assert_int_eq(birch_bind_int64(insert, 1, INT64_C(1) << 40), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22003");
    ck_assert_int_eq(birch_bind_text(insert, 4, "not a date", -1), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22007");
    ck_assert_int_eq(birch_bind_int64(insert, 5, 1), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "42P02");
    /* binary format: int4 big-endian */
    const unsigned char id_be[4] = {0, 0, 0x01, 0x00};
    ck_assert_int_eq(birch_bind_value(insert, 1, BIRCH_FORMAT_BINARY, id_be, 4), BIRCH_OK);
    ck_assert_int_eq(birch_bind_value(insert, 2, BIRCH_FORMAT_TEXT, "bin", 3), BIRCH_OK);
    ck_assert_int_eq(birch_bind_null(insert, 3), BIRCH_OK);
    ck_assert_int_eq(birch_bind_null(insert, 4), BIRCH_OK);
    ck_assert_int_eq(birch_step(insert), BIRCH_DONE);
    ck_assert_int_eq(birch_bind_value(insert, 1, BIRCH_FORMAT_BINARY, id_be, 3), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P03");
    birch_finalize(insert);
    QUERY_IS(db, "SELECT count(*), sum(price) FROM p", "101|5075.00");
    QUERY_IS(db, "SELECT name, price, day FROM p WHERE id = 256", "bin|NULL|NULL");
    /* a query with a parameter, executed again with new bindings; a clone has its own */
    birch_stmt *select = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT name FROM p WHERE id = $1", -1, &select, NULL),
                     BIRCH_OK);
    ck_assert(birch_returns_rows(select));
    birch_stmt *clone = NULL;
    ck_assert_int_eq(birch_stmt_clone(select, &clone), BIRCH_OK);
    ck_assert_int_eq(birch_bind_int64(select, 1, 7), BIRCH_OK);
    ck_assert_int_eq(birch_bind_int64(clone, 1, 8), BIRCH_OK);
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_int_eq(birch_step(clone), BIRCH_ROW);   /* two portals open at once */
    ck_assert_str_eq(birch_column_text(select, 0, NULL), "item 7");
    ck_assert_str_eq(birch_column_text(clone, 0, NULL), "item 8");
    ck_assert_int_eq(birch_step(select), BIRCH_DONE);
    ck_assert_int_eq(birch_step(clone), BIRCH_DONE);
    ck_assert_int_eq(birch_reset(select), BIRCH_OK);
    ck_assert_int_eq(birch_bind_int64(select, 1, 9), BIRCH_OK);
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_str_eq(birch_column_text(select, 0, NULL), "item 9");
    ck_assert_int_eq(birch_reset(select), BIRCH_OK);
    /* the catalog changes under the prepared statement: it is planned again */
    eh_exec_ok(db, "CREATE INDEX p_name ON p (name)");
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_str_eq(birch_column_text(select, 0, NULL), "item 9");
    birch_finalize(select);
    birch_finalize(clone);
    /* an empty statement */
    birch_stmt *empty = (birch_stmt *)1;
    ck_assert_int_eq(birch_prepare(db, " ; -- nothing\n", -1, &empty, NULL), BIRCH_OK);
    ck_assert_ptr_null(empty);
    /* SQL-level PREPARE / EXECUTE */
    eh_exec_ok(db, "PREPARE q (int) AS SELECT name FROM p WHERE id = $1");
    QUERY_IS(db, "EXECUTE q (42)", "item 42");
    eh_exec_ok(db, "DEALLOCATE q");
    eh_exec_fails(db, "EXECUTE q (42)", "26000", NULL);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

typedef struct NoticeLog {
    int  count;
    char last_sqlstate[8];
    char last_severity[16];
    char last_message[256];
} NoticeLog;

static void notice_hook(void *ctx, const birch_error *notice)
{
    NoticeLog *log = ctx;
    log->count++;
    snprintf(log->last_sqlstate, sizeof log->last_sqlstate, "%s", notice->sqlstate);
    snprintf(log->last_severity, sizeof log->last_severity, "%s", notice->severity);
    snprintf(log->last_message, sizeof log->last_message, "%s", notice->message);
}

START_TEST(test_birch_transaction_blocks_savepoints_failed_state)
{
    const char *path = eh_path("api", "txn");
    birch_db *db = eh_open(path);
    NoticeLog log = {0};
    birch_set_notice_hook(db, notice_hook, &log);
    eh_exec_ok(db, "CREATE TABLE t (id int PRIMARY KEY)");
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(log.count, 1);
    ck_assert_str_eq(log.last_sqlstate, "25P01");
    ck_assert_str_eq(log.last_severity, "WARNING");
    ck_assert_str_eq(log.last_message, "there is no transaction in progress");
    eh_exec_ok(db, "BEGIN");
    ck_assert_int_eq(birch_txn_status(db), 'T');
    eh_exec_ok(db, "INSERT INTO t VALUES (1)");
    eh_exec_ok(db, "SAVEPOINT a");
    eh_exec_ok(db, "INSERT INTO t VALUES (2)");
    eh_exec_ok(db, "SAVEPOINT b");
    eh_exec_ok(db, "INSERT INTO t VALUES (3)");
    eh_exec_ok(db, "ROLLBACK TO SAVEPOINT a");
    QUERY_IS(db, "SELECT id FROM t ORDER BY id", "1");
    eh_exec_fails(db, "RELEASE SAVEPOINT b", "3B001", NULL);   /* b went with the rollback to a */
    ck_assert_int_eq(birch_txn_status(db), 'E');
    eh_exec_fails(db, "SELECT 1", "25P02", NULL);
    ck_assert_str_eq(birch_last_error(db)->message,
                     "current transaction is aborted, commands ignored until end of "
                     "transaction block");
    eh_exec_ok(db, "ROLLBACK TO a");                    /* leaves the failed state */
    ck_assert_int_eq(birch_txn_status(db), 'T');
    eh_exec_ok(db, "INSERT INTO t VALUES (4)");
    eh_exec_ok(db, "RELEASE a");
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(birch_txn_status(db), 'I');
    QUERY_IS(db, "SELECT id FROM t ORDER BY id", "1\n4");
    /* an error in a block: everything fails until the end; COMMIT rolls back */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "INSERT INTO t VALUES (5)");
    eh_exec_fails(db, "INSERT INTO t VALUES (1)", "23505", NULL);
    ck_assert_int_eq(birch_txn_status(db), 'E');
    eh_exec_fails(db, "INSERT INTO t VALUES (6)", "25P02", NULL);
    birch_stmt *commit = NULL;
    ck_assert_int_eq(birch_prepare(db, "COMMIT", -1, &commit, NULL), BIRCH_OK);
    ck_assert_int_eq(birch_step(commit), BIRCH_DONE);
    ck_assert_str_eq(birch_command_tag(commit), "ROLLBACK");
    birch_finalize(commit);
    ck_assert_int_eq(birch_txn_status(db), 'I');
    QUERY_IS(db, "SELECT id FROM t ORDER BY id", "1\n4");
    /* a multi-statement string is one implicit transaction */
    eh_exec_fails(db, "INSERT INTO t VALUES (7); INSERT INTO t VALUES (1)", "23505", NULL);
    QUERY_IS(db, "SELECT count(*) FROM t WHERE id = 7", "0");
    eh_exec_ok(db, "INSERT INTO t VALUES (8); INSERT INTO t VALUES (9)");
    QUERY_IS(db, "SELECT count(*) FROM t WHERE id >= 8", "2");
    /* SET inside a rolled back block is undone; SET LOCAL ends with its block */
    eh_exec_ok(db, "BEGIN; SET work_mem = '8MB'; ROLLBACK");
    ck_assert_str_eq(birch_show(db, "work_mem"), "4MB");
    eh_exec_ok(db, "BEGIN; SET LOCAL work_mem = '16MB'");
    ck_assert_str_eq(birch_show(db, "work_mem"), "16MB");
    eh_exec_ok(db, "COMMIT");
    ck_assert_str_eq(birch_show(db, "work_mem"), "4MB");
    eh_exec_ok(db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    QUERY_IS(db, "SHOW transaction_isolation", "repeatable read");
    eh_exec_ok(db, "COMMIT");
    /* SERIALIZABLE without SSI: a read-write transaction is refused (0A000) rather than given
     * snapshot isolation; a READ ONLY one runs on a snapshot and is reported as asked */
    eh_exec_ok(db, "BEGIN; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    eh_exec_fails(db, "SELECT count(*) FROM t", "0A000", NULL);
    eh_exec_fails(db, "SELECT 1", "25P02", NULL);
    eh_exec_ok(db, "ROLLBACK");
    eh_exec_ok(db, "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY");
    QUERY_IS(db, "SELECT count(*) FROM t", "4");
    QUERY_IS(db, "SHOW transaction_isolation", "serializable");
    eh_exec_fails(db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "25001", NULL);
    eh_exec_ok(db, "ROLLBACK");
    eh_exec_ok(db, "BEGIN; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; SET TRANSACTION READ ONLY");
    QUERY_IS(db, "SELECT count(*) FROM t", "4");
    eh_exec_ok(db, "COMMIT");
    /* as the default: statements fail, but settings can still be changed back */
    eh_exec_ok(db, "SET default_transaction_isolation = 'serializable'");
    eh_exec_fails(db, "INSERT INTO t VALUES (20)", "0A000", NULL);
    eh_exec_ok(db, "SET default_transaction_read_only = on");
    QUERY_IS(db, "SELECT count(*) FROM t", "4");
    eh_exec_ok(db, "RESET default_transaction_read_only");
    eh_exec_ok(db, "RESET default_transaction_isolation");
    QUERY_IS(db, "SELECT count(*) FROM t", "4");
    eh_exec_fails(db, "SAVEPOINT x", "25P01", NULL);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_birch_errors_settings_and_utilities)
{
    const char *path = eh_path("api", "errors");
    birch_db *db = eh_open(path);
    eh_exec_fails(db, "SELEC 1", "42601", NULL);
    ck_assert_int_eq(birch_last_error(db)->position, 1);
    eh_exec_fails(db, "SELECT * FROM missing", "42P01", NULL);
    ck_assert_int_eq(birch_last_error(db)->position, 15);
    ck_assert_str_eq(birch_last_error(db)->severity, "ERROR");
    eh_exec_ok(db, "CREATE TABLE t (a int NOT NULL, b text)");
    eh_exec_fails(db, "INSERT INTO t (b) VALUES ('x')", "23502", NULL);
    eh_exec_fails(db, "SET nonsense = 1", "42704", NULL);
    ck_assert_str_eq(birch_last_error(db)->message,
                     "unrecognized configuration parameter \"nonsense\"");
    eh_exec_fails(db, "SET statement_timeout = 'soon'", "22023", NULL);
    eh_exec_fails(db, "SET DateStyle = 'Martian'", "22023", NULL);
    ck_assert_int_eq(birch_set(db, "nonsense", "1"), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "42704");
    ck_assert_ptr_null(birch_show(db, "nonsense"));
    ck_assert_str_eq(birch_show(db, "search_path"), "\"$user\", public");
    ck_assert_str_eq(birch_show(db, "server_version"), "15.0");
    ck_assert_str_eq(birch_show(db, "DateStyle"), "ISO, MDY");
    ck_assert_int_eq(birch_set(db, "statement_timeout", "1500"), BIRCH_OK);
    ck_assert_str_eq(birch_show(db, "statement_timeout"), "1500ms");
    eh_exec_ok(db, "SET statement_timeout = '2s'");
    QUERY_IS(db, "SHOW statement_timeout", "2s");
    eh_exec_ok(db, "RESET statement_timeout");
    QUERY_IS(db, "SHOW statement_timeout", "0");
    birch_stmt *show = NULL;
    ck_assert_int_eq(birch_prepare(db, "SHOW datestyle", -1, &show, NULL), BIRCH_OK);
    ck_assert_str_eq(birch_column_name(show, 0), "DateStyle");
    ck_assert_uint_eq(birch_column_type(show, 0), 25);
    birch_finalize(show);
    QUERY_IS(db, "SELECT version()", "PostgreSQL 15.0 (birch 0.1.0) on x86_64-pc-linux-gnu");
    QUERY_IS(db, "SELECT current_schema", "public");
    eh_exec_ok(db, "INSERT INTO t VALUES (1, 'x'), (2, 'y')");
    char *plan = query(db, "EXPLAIN SELECT * FROM t WHERE a = 1");
    ck_assert_msg(strstr(plan, "Scan") != NULL, "plan: %s", plan);
    free(plan);
    plan = query(db, "EXPLAIN ANALYZE SELECT * FROM t");
    ck_assert_msg(strstr(plan, "Execution Time") != NULL, "plan: %s", plan);
    free(plan);
    eh_exec_ok(db, "DELETE FROM t WHERE a = 1");
    ck_assert_uint_eq(birch_changes(db), 1);
    eh_exec_ok(db, "VACUUM");
    eh_exec_ok(db, "VACUUM t");
    eh_exec_ok(db, "ANALYZE t");
    eh_exec_fails(db, "VACUUM nosuch", "42P01", NULL);
    eh_exec_fails(db, "ANALYZE nosuch", "42P01", NULL);
    eh_exec_fails(db, "BEGIN; VACUUM", "25001", NULL);
    eh_exec_ok(db, "ROLLBACK");
    eh_exec_ok(db, "DISCARD ALL");
    eh_exec_fails(db, "COPY t FROM STDIN", "0A000", NULL);
    eh_exec_fails(db, "COPY nosuch FROM STDIN", "42P01", NULL);
    eh_exec_fails(db, "COPY t (nosuch) FROM STDIN", "42703", NULL);
    /* parameter reports */
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

typedef struct ParamLog {
    int  count;
    char datestyle[64];
} ParamLog;

static void parameter_hook(void *ctx, const char *name, const char *value)
{
    ParamLog *log = ctx;
    log->count++;
    if (strcmp(name, "DateStyle") == 0) {
        snprintf(log->datestyle, sizeof log->datestyle, "%s", value);
    }
}

START_TEST(test_birch_parameter_reports)
{
    const char *path = eh_path("api", "params");
    birch_db *db = eh_open(path);
    ParamLog log = {0};
    birch_set_parameter_hook(db, parameter_hook, &log);
    birch_report_parameters(db);
    ck_assert_int_ge(log.count, 8);
    ck_assert_str_eq(log.datestyle, "ISO, MDY");
    int before = log.count;
    eh_exec_ok(db, "SET datestyle TO german");
    ck_assert_int_eq(log.count, before + 1);
    ck_assert_str_eq(log.datestyle, "German, DMY");
    eh_exec_ok(db, "SET work_mem = '64MB'");   /* not reported */
    ck_assert_int_eq(log.count, before + 1);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

/* two sessions on one file in two threads: READ COMMITTED isolation */
typedef struct Pair {
    const char     *path;
    pthread_barrier_t barrier;
} Pair;

static void *writer_main(void *arg)
{
    Pair *pair = arg;
    birch_db *db = NULL;
    if (birch_open(pair->path, NULL, &db) != BIRCH_OK) return (void *)1;
    int bad = 0;
    bad |= birch_exec(db, "BEGIN", NULL, NULL) != BIRCH_OK;
    bad |= birch_exec(db, "INSERT INTO shared VALUES (1)", NULL, NULL) != BIRCH_OK;
    pthread_barrier_wait(&pair->barrier);   /* 1: inserted, not committed */
    pthread_barrier_wait(&pair->barrier);   /* 2: the reader looked */
    bad |= birch_exec(db, "COMMIT", NULL, NULL) != BIRCH_OK;
    pthread_barrier_wait(&pair->barrier);   /* 3: committed */
    birch_close(db);
    return (void *)(intptr_t)bad;
}

START_TEST(test_birch_two_sessions_two_threads_isolation)
{
    const char *path = eh_path("api", "two");
    birch_db *db = eh_open(path);
    eh_exec_ok(db, "CREATE TABLE shared (id int)");
    Pair pair = {.path = path};
    pthread_barrier_init(&pair.barrier, NULL, 2);
    pthread_t writer;
    ck_assert_int_eq(pthread_create(&writer, NULL, writer_main, &pair), 0);
    pthread_barrier_wait(&pair.barrier);
    QUERY_IS(db, "SELECT id FROM shared", "");
    pthread_barrier_wait(&pair.barrier);
    pthread_barrier_wait(&pair.barrier);
    QUERY_IS(db, "SELECT id FROM shared", "1");
    void *result = NULL;
    pthread_join(writer, &result);
    ck_assert_ptr_null(result);
    pthread_barrier_destroy(&pair.barrier);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

static void *interrupter_main(void *arg)
{
    struct timespec delay = {.tv_sec = 0, .tv_nsec = 300 * 1000 * 1000};
    nanosleep(&delay, NULL);
    birch_interrupt(arg);
    return NULL;
}

START_TEST(test_birch_interrupt_and_statement_timeout)
{
    const char *path = eh_path("api", "interrupt");
    birch_db *db = eh_open(path);
    birch_interrupt(db);   /* idle: a no-op */
    eh_exec_ok(db, "CREATE TABLE big (a int)");
    birch_stmt *insert = NULL;
    ck_assert_int_eq(birch_prepare(db, "INSERT INTO big VALUES ($1)", -1, &insert, NULL),
                     BIRCH_OK);
    eh_exec_ok(db, "BEGIN");
    for (int row = 0; row < 2000; row++) {
        birch_bind_int64(insert, 1, row);
        ck_assert_int_eq(birch_step(insert), BIRCH_DONE);
        birch_reset(insert);
    }
    eh_exec_ok(db, "COMMIT");
    birch_finalize(insert);
    /* a statement waiting for a table lock is interrupted from another thread, and stopped
     * by statement_timeout */
    birch_db *holder = eh_open(path);
    eh_exec_ok(holder, "BEGIN; LOCK TABLE big IN ACCESS EXCLUSIVE MODE");
    pthread_t waker;
    ck_assert_int_eq(pthread_create(&waker, NULL, interrupter_main, db), 0);
    eh_exec_fails(db, "SELECT a FROM big WHERE a = 1", "57014", NULL);
    ck_assert_str_eq(birch_last_error(db)->message, "canceling statement due to user request");
    pthread_join(waker, NULL);
    eh_exec_ok(db, "SET statement_timeout = '100ms'");
    eh_exec_fails(db, "SELECT a FROM big WHERE a = 1", "57014", NULL);
    ck_assert_str_eq(birch_last_error(db)->message,
                     "canceling statement due to statement timeout");
    eh_exec_ok(db, "SET statement_timeout = 0");
    eh_exec_ok(holder, "COMMIT");
    QUERY_IS(db, "SELECT a FROM big WHERE a = 1", "1");
    birch_close(holder);
    /* a long query is interrupted between chunks */
    const char *slow = "SELECT count(*) FROM big a, big b, big c WHERE a.a + b.a + c.a < 0";
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, interrupter_main, db), 0);
    eh_exec_fails(db, slow, "57014", NULL);
    ck_assert_str_eq(birch_last_error(db)->message, "canceling statement due to user request");
    pthread_join(thread, NULL);
    eh_exec_ok(db, "SET statement_timeout = 200");
    eh_exec_fails(db, slow, "57014", NULL);
    ck_assert_str_eq(birch_last_error(db)->message,
                     "canceling statement due to statement timeout");
    eh_exec_ok(db, "SET statement_timeout = 0");
    QUERY_IS(db, "SELECT count(*) FROM big", "2000");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_birch_second_process_refused)
{
    const char *path = eh_path("api", "fork");
    birch_db *db = eh_open(path);
    eh_exec_ok(db, "CREATE TABLE t (a int)");
    /* a second handle in this process shares the engine */
    eh_exec_ok(db, "INSERT INTO t VALUES (5)");
    birch_db *second = eh_open(path);
    QUERY_IS(second, "SELECT a FROM t", "5");
    birch_close(second);
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ne(child, -1);
    if (child == 0) {
        birch_db *other = NULL;
        int rc = birch_open(path, NULL, &other);
        int code = 3;
        if (rc == BIRCH_ERROR && birch_last_error(other) != NULL) {
            char pid_text[32];
            snprintf(pid_text, sizeof pid_text, "is in use by process %d", (int)getppid());
            code = strcmp(birch_last_error(other)->sqlstate, "55006") != 0       ? 1
                   : strstr(birch_last_error(other)->message, pid_text) == NULL ? 2
                                                                                 : 0;
        }
        _exit(code);   /* no birch_close: the child must not touch the parent's state */
    }
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    QUERY_IS(db, "SELECT a FROM t", "5");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

typedef struct Rows {
    int  count;
    char first[64];
    char name[64];
} Rows;

static int row_callback(void *ctx, int column_count, const char *const *values,
                        const char *const *names)
{
    Rows *rows = ctx;
    if (rows->count++ == 0 && column_count > 0) {
        snprintf(rows->first, sizeof rows->first, "%s", values[0] != NULL ? values[0] : "NULL");
        snprintf(rows->name, sizeof rows->name, "%s", names[0]);
    }
    return rows->count >= 3;   /* stop after three rows */
}

START_TEST(test_birch_exec_callback)
{
    const char *path = eh_path("api", "exec");
    birch_db *db = eh_open(path);
    eh_exec_ok(db, "CREATE TABLE t (a int); INSERT INTO t VALUES (1), (2), (3), (4)");
    Rows rows = {0};
    ck_assert_int_eq(birch_exec(db, "SELECT a AS first_col FROM t", row_callback,
                                &rows), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "57014");
    ck_assert_int_eq(rows.count, 3);
    ck_assert_str_eq(rows.first, "1");
    ck_assert_str_eq(rows.name, "first_col");
    ck_assert_int_eq(birch_txn_status(db), 'I');
    QUERY_IS(db, "SELECT a FROM t WHERE a > 3", "4");
    ck_assert_str_eq(birch_version(), "birch 0.1.0");
    ck_assert_str_eq(birch_server_version(), "15.0");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_birch_open_errors)
{
    birch_db *db = NULL;
    birch_open_options options = {.struct_size = sizeof options, .create = false};
    ck_assert_int_eq(birch_open("/nonexistent/dir/x.birch", &options, &db), BIRCH_ERROR);
    ck_assert_ptr_nonnull(db);
    ck_assert_ptr_nonnull(birch_last_error(db));
    birch_close(db);
    const char *path = eh_path("api", "garbage");
    FILE *file = fopen(path, "w");
    fputs("this is not a database, just some text that is long enough to be read", file);
    fclose(file);
    ck_assert_int_eq(birch_open(path, NULL, &db), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "XX001");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

/* portals: a suspended statement keeps its implicit transaction open (other statements of the
 * session join it); the transaction commits when the last one finishes; a block's end closes
 * the portals still open in it */
START_TEST(test_birch_suspended_portals_share_the_implicit_transaction)
{
    const char *path = eh_path("api", "portals");
    birch_db *db = eh_open(path);
    birch_db *other = eh_open(path);
    eh_exec_ok(db, "CREATE TABLE s (a int PRIMARY KEY); INSERT INTO s VALUES (1), (2), (3)");
    birch_stmt *select = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT a FROM s ORDER BY a", -1, &select, NULL),
                     BIRCH_OK);
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(select, 0), 1);
    eh_exec_ok(db, "INSERT INTO s VALUES (6)");
    QUERY_IS(other, "SELECT a FROM s WHERE a = 6", "");   /* not committed yet */
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_int_eq(birch_column_int64(select, 0), 2);
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_int_eq(birch_step(select), BIRCH_DONE);     /* the last statement: commit */
    ck_assert_str_eq(birch_command_tag(select), "SELECT 3");
    QUERY_IS(other, "SELECT a FROM s WHERE a = 6", "6");
    /* stepping a finished statement stays done until it is reset */
    ck_assert_int_eq(birch_step(select), BIRCH_DONE);
    ck_assert_int_eq(birch_reset(select), BIRCH_OK);
    eh_exec_ok(db, "BEGIN");
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    eh_exec_ok(db, "COMMIT");
    ck_assert_int_eq(birch_step(select), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "24000");
    birch_finalize(select);
    /* declared parameter types (the protocol's Parse) */
    birch_stmt *typed = NULL;
    const uint32_t types[1] = {BIRCH_OID_INT8};
    ck_assert_int_eq(birch_prepare_typed(db, "SELECT $1 + 1", -1, 1, types, &typed, NULL),
                     BIRCH_OK);
    ck_assert_uint_eq(birch_param_type(typed, 1), BIRCH_OID_INT8);
    ck_assert_uint_eq(birch_column_type(typed, 0), BIRCH_OID_INT8);
    ck_assert_int_eq(birch_bind_int64(typed, 1, INT64_C(5000000000)), BIRCH_OK);
    ck_assert_int_eq(birch_step(typed), BIRCH_ROW);
    ck_assert(birch_column_int64(typed, 0) == INT64_C(5000000001));
    birch_finalize(typed);
    /* closing with a statement in the middle of a block rolls it back */
    eh_exec_ok(db, "BEGIN; INSERT INTO s VALUES (7)");
    ck_assert_int_eq(birch_prepare(db, "SELECT a FROM s", -1, &select, NULL), BIRCH_OK);
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_int_eq(birch_close(db), BIRCH_OK);           /* finalizes select too */
    QUERY_IS(other, "SELECT a FROM s WHERE a = 7", "");
    birch_close(other);
    eh_path_remove(path);
}
END_TEST

static Suite *api_suite(void)
{
    Suite *suite = suite_create("api");
    TCase *tcase = tcase_create("api");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_birch_open_create_select_close_reopen);
    tcase_add_test(tcase, test_birch_every_type_round_trips);
    tcase_add_test(tcase, test_birch_prepared_binds_and_reexecution);
    tcase_add_test(tcase, test_birch_transaction_blocks_savepoints_failed_state);
    tcase_add_test(tcase, test_birch_errors_settings_and_utilities);
    tcase_add_test(tcase, test_birch_parameter_reports);
    tcase_add_test(tcase, test_birch_two_sessions_two_threads_isolation);
    tcase_add_test(tcase, test_birch_interrupt_and_statement_timeout);
    tcase_add_test(tcase, test_birch_second_process_refused);
    tcase_add_test(tcase, test_birch_exec_callback);
    tcase_add_test(tcase, test_birch_suspended_portals_share_the_implicit_transaction);
    tcase_add_test(tcase, test_birch_open_errors);
    tcase_add_test(tcase, test_birch_nextval_survives_a_crash);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(api_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
