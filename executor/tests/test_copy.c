/* executor/tests/test_copy.c: COPY through include/birch.h: text, CSV and binary formats both
 * ways, options, escapes, errors with their SQLSTATEs, CopyFail, transactions, files, and a
 * large COPY checked through its index. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static char test_path[PATH_MAX];
static birch_db *db;

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static const char *tmp_dir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir != NULL && *dir != '\0' ? dir : "/tmp";
}

static const char *error_text(void)
{
    static char text[2048];
    const birch_error *error = birch_last_error(db);
    if (error == NULL) return "(no error)";
    snprintf(text, sizeof text, "%s %s [%s] [%s]", error->sqlstate, error->message,
             error->detail != NULL ? error->detail : "",
             error->context != NULL ? error->context : "");   /* sessions: CONTEXT */
    return text;
}

static void setup(void)
{
    snprintf(test_path, sizeof test_path, "%s/birch_copy_%d.birch", tmp_dir(), (int)getpid());
    eh_path_remove(test_path);
    ck_assert_int_eq(birch_open(test_path, NULL, &db), BIRCH_OK);
}

static void teardown(void)
{
    birch_close(db);
    db = NULL;
    eh_path_remove(test_path);
}

static void exec_ok(const char *sql)
{
    int rc = birch_exec(db, sql, NULL, NULL);
    ck_assert_msg(rc == BIRCH_OK, "%s: %s", sql, error_text());
}

static void exec_fails(const char *sql, const char *sqlstate)
{
    int rc = birch_exec(db, sql, NULL, NULL);
    ck_assert_msg(rc == BIRCH_ERROR, "%s succeeded", sql);
    ck_assert_msg(strcmp(birch_last_error(db)->sqlstate, sqlstate) == 0, "%s: want %s, got %s",
                  sql, sqlstate, error_text());
}

/* query_text: every row of sql, columns joined by '|', rows by '\n' (NULL as "NULL"). */
static char *query_text(const char *sql)
{
    birch_stmt *stmt = NULL;
    ck_assert_msg(birch_prepare(db, sql, -1, &stmt, NULL) == BIRCH_OK, "%s: %s", sql,
                  error_text());
    size_t cap = 1024, size = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    int rc;
    while ((rc = birch_step(stmt)) == BIRCH_ROW) {
        for (int col = 0; col < birch_column_count(stmt); col++) {
            const char *value = birch_column_text(stmt, col, NULL);
            if (value == NULL) value = "NULL";
            size_t need = size + strlen(value) + 3;
            if (need > cap) {
                while (cap < need) cap *= 2;
                out = realloc(out, cap);
            }
            size += (size_t)sprintf(out + size, "%s%s", col > 0 ? "|" : "", value);
        }
        if (size + 2 > cap) out = realloc(out, cap *= 2);
        out[size++] = '\n';
        out[size] = '\0';
    }
    ck_assert_msg(rc == BIRCH_DONE, "%s: %s", sql, error_text());
    birch_finalize(stmt);
    return out;
}

static void query_is(const char *sql, const char *expected)
{
    char *got = query_text(sql);
    ck_assert_msg(strcmp(got, expected) == 0, "%s:\n got [%s]\nwant [%s]", sql, got, expected);
    free(got);
}

/* copy_in: run a COPY FROM STDIN statement feeding data in pieces of step bytes (0: at once);
 * returns birch_copy_end's status; tag_out gets the command tag. */
static int copy_in(const char *sql, const void *data, size_t size, size_t step, char *tag_out)
{
    birch_stmt *stmt = NULL;
    ck_assert_msg(birch_prepare(db, sql, -1, &stmt, NULL) == BIRCH_OK, "%s: %s", sql,
                  error_text());
    int rc = birch_step(stmt);
    if (rc != BIRCH_COPY_IN) {
        birch_finalize(stmt);
        return rc;
    }
    const char *bytes = data;
    size_t pos = 0;
    rc = BIRCH_OK;
    while (pos < size && rc == BIRCH_OK) {
        size_t piece = step == 0 ? size - pos : step;
        if (piece > size - pos) piece = size - pos;
        rc = birch_copy_put(stmt, bytes + pos, piece);
        pos += piece;
    }
    if (rc == BIRCH_OK) rc = birch_copy_end(stmt, NULL);
    if (tag_out != NULL) snprintf(tag_out, 64, "%s", rc == BIRCH_DONE ? birch_command_tag(stmt) : "");
    birch_finalize(stmt);
    return rc;
}

static void copy_in_ok(const char *sql, const char *data, size_t step, const char *tag)
{
    char got[64];
    int rc = copy_in(sql, data, strlen(data), step, got);
    ck_assert_msg(rc == BIRCH_DONE, "%s: %s", sql, error_text());
    if (tag != NULL) ck_assert_str_eq(got, tag);
}

static void copy_in_fails(const char *sql, const char *data, const char *sqlstate,
                          const char *message_part)
{
    int rc = copy_in(sql, data, strlen(data), 0, NULL);
    ck_assert_msg(rc == BIRCH_ERROR, "%s succeeded", sql);
    const birch_error *error = birch_last_error(db);
    ck_assert_msg(strcmp(error->sqlstate, sqlstate) == 0, "%s: want %s, got %s", sql, sqlstate,
                  error_text());
    if (message_part != NULL) {
        char all[4096];
        snprintf(all, sizeof all, "%s %s %s", error->message, error->detail ? error->detail : "",
                 error->context ? error->context : "");   /* sessions: CONTEXT */
        ck_assert_msg(strstr(all, message_part) != NULL, "%s: want '%s' in %s", sql,
                      message_part, error_text());
    }
}

/* copy_out: the whole COPY TO STDOUT output (malloc'd), *size_out its size, rows counted. */
static char *copy_out(const char *sql, size_t *size_out, int *chunks_out, char *tag_out)
{
    birch_stmt *stmt = NULL;
    ck_assert_msg(birch_prepare(db, sql, -1, &stmt, NULL) == BIRCH_OK, "%s: %s", sql,
                  error_text());
    int rc = birch_step(stmt);
    ck_assert_msg(rc == BIRCH_COPY_OUT, "%s: %d %s", sql, rc, error_text());
    ck_assert(!birch_returns_rows(stmt));
    size_t cap = 256, size = 0;
    char *out = malloc(cap);
    int chunks = 0;
    const void *data = NULL;
    size_t piece = 0;
    while ((rc = birch_copy_get(stmt, &data, &piece)) == BIRCH_ROW) {
        if (size + piece + 1 > cap) {
            while (size + piece + 1 > cap) cap *= 2;
            out = realloc(out, cap);
        }
        memcpy(out + size, data, piece);
        size += piece;
        chunks++;
    }
    ck_assert_msg(rc == BIRCH_DONE, "%s: %s", sql, error_text());
    out[size] = '\0';
    if (tag_out != NULL) snprintf(tag_out, 64, "%s", birch_command_tag(stmt));
    birch_finalize(stmt);
    if (size_out != NULL) *size_out = size;
    if (chunks_out != NULL) *chunks_out = chunks;
    return out;
}

static void copy_out_is(const char *sql, const char *expected)
{
    char *got = copy_out(sql, NULL, NULL, NULL);
    ck_assert_msg(strcmp(got, expected) == 0, "%s:\n got [%s]\nwant [%s]", sql, got, expected);
    free(got);
}

/* ------------------------------------------------------------------ text ---- */

START_TEST(test_text_basic_splits)
{
    exec_ok("CREATE TABLE t (id serial PRIMARY KEY, a int NOT NULL, b text, c numeric(6,2) "
            "DEFAULT 7)");
    const char *data = "1\tone\n2\t\\N\n3\tx\\ty\\\\z\\nw\n";
    /* every split size gives the same rows */
    size_t steps[] = {0, 1, 2, 3, 5, 7};
    for (size_t idx = 0; idx < sizeof steps / sizeof steps[0]; idx++) {
        exec_ok("TRUNCATE t");
        copy_in_ok("COPY t (a, b) FROM STDIN", data, steps[idx], "COPY 3");
        ck_assert_int_eq((int)birch_changes(db), 3);
        query_is("SELECT a, b, c FROM t ORDER BY a",
                 "1|one|7.00\n2|NULL|7.00\n3|x\ty\\z\nw|7.00\n");
    }
    /* serial defaults kept counting */
    query_is("SELECT count(DISTINCT id) FROM t", "3\n");
}
END_TEST

START_TEST(test_text_escapes)
{
    exec_ok("CREATE TABLE e (v text)");
    copy_in_ok("COPY e FROM STDIN",
               "\\101\\x42\\x4a7\\b\\f\\r\\v|\\N|\\q\n"
               "plain\n"
               "\\\\N\n"
               "\\N\n"
               "\\.\n"
               "ignored after the end marker\n",
               4, "COPY 4");
    query_is("SELECT v IS NULL, length(v), v LIKE 'ABJ7____|N|q' FROM e ORDER BY 1, 2",
             "f|2|f\nf|5|f\nf|12|t\nt|NULL|NULL\n");
    query_is("SELECT v FROM e WHERE length(v) < 6 ORDER BY v", "\\N\nplain\n");
    /* and back out with PostgreSQL's escapes */
    copy_out_is("COPY (SELECT v FROM e ORDER BY length(v) DESC NULLS LAST) TO STDOUT",
                "ABJ7\\b\\f\\r\\v|N|q\nplain\n\\\\N\n\\N\n");
    /* CRLF line ends */
    exec_ok("TRUNCATE e");
    copy_in_ok("COPY e FROM STDIN", "a\r\nb\r\n", 1, "COPY 2");
    query_is("SELECT v, length(v) FROM e ORDER BY v", "a|1\nb|1\n");
    /* a last line without a newline */
    exec_ok("TRUNCATE e");
    copy_in_ok("COPY e FROM STDIN", "x\ny", 0, "COPY 2");
    copy_in_fails("COPY e FROM STDIN", "\\.x\n", "22P04", "end-of-copy marker corrupt");
}
END_TEST

START_TEST(test_text_options_and_out)
{
    exec_ok("CREATE TABLE o (a int, b text, c bool)");
    /* psycopg2's copy_from form */
    copy_in_ok("COPY \"o\"(\"a\",\"b\",\"c\") FROM stdin WITH DELIMITER AS '|' NULL AS '\\N'",
               "1|p\\|q|t\n2|\\N|false\n", 0, "COPY 2");
    copy_in_ok("COPY o FROM STDIN (DELIMITER ';', NULL 'nil')", "3;nil;nil\n", 0, "COPY 1");
    query_is("SELECT a, b, c FROM o ORDER BY a", "1|p|q|t\n2|NULL|f\n3|NULL|NULL\n");
    copy_out_is("COPY o TO STDOUT", "1\tp|q\tt\n2\t\\N\tf\n3\t\\N\t\\N\n");
    copy_out_is("COPY o (b, a) TO STDOUT WITH DELIMITER AS '|' NULL AS 'N/A'",
                "p\\|q|1\nN/A|2\nN/A|3\n");
    copy_out_is("COPY (SELECT a, E'x\\ty\\nz\\\\' AS s FROM o WHERE a = 1) TO STDOUT (HEADER)",
                "a\ts\n1\tx\\ty\\nz\\\\\n");
    /* a text header line is skipped; ENCODING UTF8 is accepted, others are not */
    copy_in_ok("COPY o FROM STDIN (HEADER true, ENCODING 'UTF8')", "a\tb\tc\n4\tx\tt\n", 2,
               "COPY 1");
    exec_fails("COPY o TO STDOUT (ENCODING 'LATIN1')", "0A000");
    exec_ok("DELETE FROM o WHERE a = 4");
    /* a COPY TO abandoned half way leaves the session usable */
    birch_stmt *half = NULL;
    ck_assert_int_eq(birch_prepare(db, "COPY o TO STDOUT", -1, &half, NULL), BIRCH_OK);
    ck_assert_int_eq(birch_step(half), BIRCH_COPY_OUT);
    int format_columns = 0;
    ck_assert_int_eq(birch_copy_format(half, &format_columns), BIRCH_FORMAT_TEXT);
    ck_assert_int_eq(format_columns, 3);
    const void *piece = NULL;
    size_t piece_size = 0;
    ck_assert_int_eq(birch_copy_get(half, &piece, &piece_size), BIRCH_ROW);
    birch_finalize(half);
    ck_assert_int_eq(birch_txn_status(db), 'I');
    char tag[64];
    size_t size = 0;
    int chunks = 0;
    char *out = copy_out("COPY o TO STDOUT", &size, &chunks, tag);
    ck_assert_int_eq(chunks, 3);   /* one row per birch_copy_get */
    ck_assert_str_eq(tag, "COPY 3");
    free(out);
    /* a round trip of awkward text through text format */
    exec_ok("CREATE TABLE r (v text)");
    exec_ok("INSERT INTO r VALUES (E'tab\\there'), (E'nl\\nx'), (E'back\\\\slash'), ('\\N'), "
            "(''), (NULL), (E'cr\\rx')");
    out = copy_out("COPY r TO STDOUT", &size, NULL, NULL);
    exec_ok("CREATE TABLE r2 (v text)");
    copy_in_ok("COPY r2 FROM STDIN", out, 3, "COPY 7");
    free(out);
    query_is("SELECT count(*) FROM r2 JOIN r ON r.v = r2.v", "6\n");
    query_is("SELECT count(*) FROM r2 WHERE v IS NULL", "1\n");
}
END_TEST

/* ------------------------------------------------------------------ CSV ---- */

START_TEST(test_csv)
{
    exec_ok("CREATE TABLE c (a int, b text, d text)");
    copy_in_ok("COPY c FROM STDIN WITH CSV HEADER",
               "a,b,d\n"
               "1,\"x,y\",plain\n"
               "2,\"multi\nline\",\"say \"\"hi\"\"\"\n"
               "3,,\"\"\n"
               "4,a\"b\"c,\n"
               "\\.\n",
               3, "COPY 4");
    query_is("SELECT a, b, d, b IS NULL, d IS NULL FROM c ORDER BY a",
             "1|x,y|plain|f|f\n2|multi\nline|say \"hi\"|f|f\n3|NULL||t|f\n4|abc|NULL|f|t\n");
    copy_out_is("COPY c TO STDOUT (FORMAT csv, HEADER)",
                "a,b,d\n1,\"x,y\",plain\n2,\"multi\nline\",\"say \"\"hi\"\"\"\n3,,\"\"\n4,abc,\n");
    copy_out_is("COPY c (a, d) TO STDOUT (FORMAT csv, FORCE_QUOTE *)",
                "\"1\",\"plain\"\n\"2\",\"say \"\"hi\"\"\"\n\"3\",\"\"\n\"4\",\n");
    copy_out_is("COPY c (a, b) TO STDOUT (FORMAT csv, FORCE_QUOTE (b), DELIMITER ';')",
                "1;\"x,y\"\n2;\"multi\nline\"\n3;\n4;\"abc\"\n");
    copy_out_is("COPY (SELECT 'q''s' AS v) TO STDOUT WITH CSV QUOTE '''' ESCAPE '\\'",
                "'q\\'s'\n");
    /* FORCE_NOT_NULL / FORCE_NULL */
    exec_ok("TRUNCATE c");
    copy_in_ok("COPY c FROM STDIN (FORMAT csv, FORCE_NOT_NULL (b), FORCE_NULL (d))",
               "1,,\"\"\n", 0, "COPY 1");
    query_is("SELECT b IS NULL, b, d IS NULL FROM c", "f||t\n");
    /* HEADER MATCH */
    exec_ok("TRUNCATE c");
    copy_in_ok("COPY c FROM STDIN (FORMAT csv, HEADER match)", "a,b,d\n5,e,f\n", 0, "COPY 1");
    copy_in_fails("COPY c FROM STDIN (FORMAT csv, HEADER match)", "a,x,d\n5,e,f\n", "22P04",
                  "column name mismatch in header line field 2");
    copy_in_fails("COPY c FROM STDIN (FORMAT csv)", "1,\"open\n", "22P04",
                  "unterminated CSV quoted field");
    /* a custom escape */
    exec_ok("TRUNCATE c");
    copy_in_ok("COPY c FROM STDIN (FORMAT csv, ESCAPE '\\')", "6,\"a\\\"b\",\"c\\\\d\"\n", 1,
               "COPY 1");
    query_is("SELECT b, d FROM c", "a\"b|c\\d\n");
}
END_TEST

/* ------------------------------------------------------------------ binary ---- */

START_TEST(test_binary_round_trip)
{
    exec_ok("CREATE TABLE b (i2 smallint, i4 int, i8 bigint, f4 real, f8 double precision, "
            "n numeric(12,3), t text, v varchar(10), by bytea, d date, ts timestamp, "
            "tz timestamptz, iv interval, bo boolean)");
    exec_ok("INSERT INTO b VALUES (-3, 42, 9000000000, 1.5, -2.25, 12345.678, 'text', 'var', "
            "'\\x00ff', '2024-02-29', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', "
            "'1 year 2 days 03:04:05', true), (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
            "NULL, NULL, NULL, NULL, NULL, NULL), (0, -1, -1, 0, 0, -0.5, '', '', '', "
            "'1999-12-31', '2000-01-01', '2000-01-01 00:00:00+00', '-1 day', false)");
    size_t size = 0;
    int chunks = 0;
    char *out = copy_out("COPY b TO STDOUT (FORMAT binary)", &size, &chunks, NULL);
    ck_assert_int_eq(chunks, 5);   /* signature, 3 rows, trailer */
    ck_assert(size > 19 && memcmp(out, "PGCOPY\n\377\r\n\0", 11) == 0);
    ck_assert(memcmp(out + size - 2, "\377\377", 2) == 0);
    exec_ok("CREATE TABLE b2 (i2 smallint, i4 int, i8 bigint, f4 real, f8 double precision, "
            "n numeric(12,3), t text, v varchar(10), by bytea, d date, ts timestamp, "
            "tz timestamptz, iv interval, bo boolean)");
    char tag[64];
    ck_assert_int_eq(copy_in("COPY b2 FROM STDIN WITH BINARY", out, size, 7, tag), BIRCH_DONE);
    ck_assert_str_eq(tag, "COPY 3");
    char *want = query_text("SELECT * FROM b ORDER BY i4");
    char *got = query_text("SELECT * FROM b2 ORDER BY i4");
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
    /* corrupt input */
    ck_assert_int_eq(copy_in("COPY b2 FROM STDIN (FORMAT binary)", "NOTPGCOPY-----------", 20, 0,
                             NULL), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P04");
    char *cut = malloc(size);
    memcpy(cut, out, size);
    cut[20] = 5;   /* the first tuple's field count (was 14) */
    ck_assert_int_eq(copy_in("COPY b2 FROM STDIN (FORMAT binary)", cut, size, 0, NULL),
                     BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P04");
    ck_assert_int_eq(copy_in("COPY b2 FROM STDIN (FORMAT binary)", out, size - 7, 0, NULL),
                     BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P04");
    free(cut);
    free(out);
    query_is("SELECT count(*) FROM b2", "3\n");
}
END_TEST

/* ------------------------------------------------------------------ errors ---- */

START_TEST(test_data_errors)
{
    exec_ok("CREATE TABLE t (a int, b text)");
    copy_in_fails("COPY t FROM STDIN", "1\tx\n2\ty\nzz\tw\n", "22P02",
                  "COPY t, line 3, column a: \"zz\"");
    copy_in_fails("COPY t FROM STDIN", "1\tx\n2\n", "22P04", "missing data for column \"b\"");
    copy_in_fails("COPY t FROM STDIN", "1\tx\n2\tb\tc\n", "22P04",
                  "extra data after last expected column");
    copy_in_fails("COPY t FROM STDIN", "1\tx\n2\tb\tc\n", "22P04", "COPY t, line 2: ");
    copy_in_fails("COPY t FROM STDIN (FORMAT csv)", "1,x\n99999999999,y\n", "22003",
                  "line 2, column a");
    copy_in_fails("COPY t FROM STDIN", "1\tok \xc3\xa9\n2\tbad \xff\n", "22021",
                  "invalid byte sequence for encoding \"UTF8\": 0xff");
    copy_in_fails("COPY t FROM STDIN (FORMAT csv)", "1,\"\xe2\x82\"\n", "22021", "line 1");
    query_is("SELECT count(*) FROM t", "0\n");
    copy_in_ok("COPY t FROM STDIN", "1\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x8c\xb3\n", 1, "COPY 1");
    query_is("SELECT length(b) FROM t", "3\n");
    exec_ok("TRUNCATE t");
    /* statement-level errors */
    exec_fails("COPY nosuch FROM STDIN", "42P01");
    exec_fails("COPY t (a, nosuch) TO STDOUT", "42703");
    exec_fails("COPY t (a, a) TO STDOUT", "42701");
    exec_fails("COPY t TO STDOUT (FORMAT xml)", "22023");
    exec_fails("COPY t TO STDOUT (BOGUS 1)", "42601");
    exec_fails("COPY t TO STDOUT (FORMAT csv, FORMAT text)", "42601");
    exec_fails("COPY t TO STDOUT (DELIMITER 'ab')", "0A000");
    exec_fails("COPY t TO STDOUT (QUOTE '\"')", "0A000");
    exec_fails("COPY t TO STDOUT (FORMAT binary, HEADER)", "0A000");
    exec_fails("COPY t TO STDOUT (FORMAT csv, DELIMITER ',', QUOTE ',')", "22023");
    exec_fails("COPY t FROM STDIN (FORMAT csv, FORCE_QUOTE *)", "0A000");
    exec_fails("COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE (nosuch))", "42703");
    exec_fails("COPY t (a) TO STDOUT (FORMAT csv, FORCE_QUOTE (b))", "42P10");
    exec_fails("COPY (SELECT 1 AS a) TO STDOUT (FORMAT csv, FORCE_QUOTE (b))", "42703");
    exec_fails("COPY t TO STDOUT (FORMAT csv, FORCE_NOT_NULL (a))", "0A000");
    exec_fails("COPY t TO STDOUT (HEADER 'maybe')", "42601");
    exec_ok("COPY t TO STDOUT (FREEZE)");   /* PostgreSQL 15 accepts it */
    exec_fails("COPY t TO STDOUT (FORMAT csv, HEADER match)", "0A000");
    exec_fails("COPY t TO STDOUT (DELIMITER 'a')", "22023");
    exec_fails("COPY t FROM STDIN (FREEZE)", "55000");
    exec_ok("CREATE VIEW v AS SELECT a FROM t");
    exec_fails("COPY v TO STDOUT", "42809");
    exec_fails("COPY v FROM STDIN", "42809");
    /* birch_exec has no data source for FROM STDIN */
    exec_fails("COPY t FROM STDIN", "0A000");
    /* the copy calls outside a COPY */
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT 1", -1, &stmt, NULL), BIRCH_OK);
    ck_assert_int_eq(birch_copy_put(stmt, "x", 1), BIRCH_ERROR);
    ck_assert_int_eq(birch_copy_end(stmt, NULL), BIRCH_ERROR);
    const void *data = NULL;
    size_t size = 0;
    ck_assert_int_eq(birch_copy_get(stmt, &data, &size), BIRCH_ERROR);
    ck_assert_int_eq(birch_copy_format(stmt, NULL), BIRCH_ERROR);
    birch_finalize(stmt);
}
END_TEST

START_TEST(test_copy_fail_and_transactions)
{
    exec_ok("CREATE TABLE t (a int PRIMARY KEY, b text NOT NULL, c int CHECK (c > 0))");
    /* CopyFail */
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "COPY t FROM STDIN", -1, &stmt, NULL), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_COPY_IN);
    int columns = 0;
    ck_assert_int_eq(birch_copy_format(stmt, &columns), BIRCH_FORMAT_TEXT);
    ck_assert_int_eq(columns, 3);
    ck_assert_int_eq(birch_copy_put(stmt, "1\tx\t1\n", 6), BIRCH_OK);
    ck_assert_int_eq(birch_copy_end(stmt, "client gave up"), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "57014");
    ck_assert_str_eq(birch_last_error(db)->message, "COPY from stdin failed: client gave up");
    ck_assert_int_eq(birch_copy_put(stmt, "x", 1), BIRCH_ERROR);   /* it is over */
    birch_finalize(stmt);
    ck_assert_int_eq(birch_txn_status(db), 'I');
    query_is("SELECT count(*) FROM t", "0\n");
    /* a unique violation in the second batch undoes the whole COPY */
    char *data = malloc(64 * 5000);
    size_t size = 0;
    for (int idx = 1; idx <= 5000; idx++) {
        size += (size_t)sprintf(data + size, "%d\tv%d\t%d\n", idx == 4000 ? 17 : idx, idx, 1);
    }
    ck_assert_int_eq(copy_in("COPY t FROM STDIN", data, size, 1000, NULL), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "23505");
    ck_assert_msg(strstr(birch_last_error(db)->context, "line 4000") != NULL, "%s", error_text());
    query_is("SELECT count(*) FROM t", "0\n");
    copy_in_fails("COPY t FROM STDIN", "1\t\\N\t1\n", "23502", NULL);
    copy_in_fails("COPY t FROM STDIN", "1\tx\t0\n", "23514", NULL);
    /* inside a block: ROLLBACK undoes it */
    exec_ok("BEGIN");
    copy_in_ok("COPY t FROM STDIN", "1\ta\t1\n2\tb\t2\n", 0, "COPY 2");
    ck_assert_int_eq(birch_txn_status(db), 'T');
    query_is("SELECT count(*) FROM t", "2\n");
    exec_ok("ROLLBACK");
    query_is("SELECT count(*) FROM t", "0\n");
    /* COMMIT keeps it */
    exec_ok("BEGIN");
    copy_in_ok("COPY t FROM STDIN", "1\ta\t1\n", 0, "COPY 1");
    exec_ok("COMMIT");
    query_is("SELECT count(*) FROM t", "1\n");
    /* a failed COPY in a block: 25P02 afterwards */
    exec_ok("BEGIN");
    copy_in_fails("COPY t FROM STDIN", "5\tx\t1\nbad\tx\t1\n", "22P02", NULL);
    ck_assert_int_eq(birch_txn_status(db), 'E');
    exec_fails("SELECT 1", "25P02");
    exec_ok("ROLLBACK");
    query_is("SELECT count(*) FROM t", "1\n");
    /* FREEZE after TRUNCATE in the block (pgbench -i) */
    exec_ok("BEGIN");
    exec_ok("TRUNCATE t");
    copy_in_ok("copy t from stdin with (freeze on)", "7\tz\t7\n", 0, "COPY 1");
    exec_ok("COMMIT");
    query_is("SELECT a, b, c FROM t", "7|z|7\n");
    /* finalizing a COPY in the middle abandons it */
    ck_assert_int_eq(birch_prepare(db, "COPY t FROM STDIN", -1, &stmt, NULL), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_COPY_IN);
    ck_assert_int_eq(birch_copy_put(stmt, "8\ty\t8\n", 6), BIRCH_OK);
    birch_finalize(stmt);
    ck_assert_int_eq(birch_txn_status(db), 'I');
    query_is("SELECT count(*) FROM t", "1\n");
    free(data);
}
END_TEST

/* ------------------------------------------------------------------ files ---- */

START_TEST(test_files_and_exec)
{
    char path[PATH_MAX], sql[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/birch_copy_file_%d.csv", tmp_dir(), (int)getpid());
    unlink(path);
    exec_ok("CREATE TABLE f (id int GENERATED ALWAYS AS IDENTITY, a int, b text)");
    exec_ok("INSERT INTO f (a, b) VALUES (1, 'one'), (2, 'two, too'), (3, NULL)");
    snprintf(sql, sizeof sql, "COPY f TO '%s' (FORMAT csv, HEADER)", path);
    exec_ok(sql);
    ck_assert_int_eq((int)birch_changes(db), 3);
    exec_ok("CREATE TABLE g (id int GENERATED ALWAYS AS IDENTITY, a int, b text)");
    snprintf(sql, sizeof sql, "COPY g FROM '%s' WITH CSV HEADER", path);
    exec_ok(sql);
    query_is("SELECT id, a, b FROM g ORDER BY id", "1|1|one\n2|2|two, too\n3|3|NULL\n");
    unlink(path);
    exec_fails(sql, "58P01");
    snprintf(sql, sizeof sql, "COPY g TO '%s/no/such/dir/x'", tmp_dir());
    exec_fails(sql, "58P01");
    /* birch_exec without a callback runs COPY TO STDOUT to the end */
    ck_assert_int_eq(birch_exec(db, "COPY g (a, b) TO STDOUT (FORMAT csv)", NULL, NULL), BIRCH_OK);
    ck_assert_int_eq((int)birch_changes(db), 3);
}
END_TEST

static int collect_row(void *ctx, int column_count, const char *const *values,
                       const char *const *names)
{
    char *text = ctx;
    ck_assert_int_eq(column_count, 1);
    ck_assert_str_eq(names[0], "COPY");
    strcat(text, values[0]);
    strcat(text, ";");
    return 0;
}

START_TEST(test_exec_callback)
{
    exec_ok("CREATE TABLE g (a int, b text)");
    exec_ok("INSERT INTO g VALUES (1, 'x'), (2, NULL)");
    char text[256] = "";
    int rc = birch_exec(db, "COPY (SELECT a, b FROM g ORDER BY a) TO STDOUT", collect_row, text);
    ck_assert_msg(rc == BIRCH_OK, "%s", error_text());
    ck_assert_str_eq(text, "1\tx;2\t\\N;");
    exec_fails("COPY g TO STDOUT (FORMAT binary)", "0A000");
}
END_TEST

/* ------------------------------------------------------------------ large ---- */

START_TEST(test_large_with_index)
{
    int count = (int)(100000 * test_scale());
    if (count < 5000) count = 5000;
    exec_ok("CREATE TABLE big (id int PRIMARY KEY, k int, s text, n numeric(10,2))");
    exec_ok("CREATE INDEX big_k ON big (k)");
    size_t cap = (size_t)count * 48 + 64, size = 0;
    char *data = malloc(cap);
    for (int idx = 1; idx <= count; idx++) {
        size += (size_t)sprintf(data + size, "%d\t%d\tname %d\t%d.%02d\n", idx, idx % 1000, idx,
                                idx, idx % 100);
    }
    char tag[64], want[64];
    ck_assert_int_eq(copy_in("COPY big FROM STDIN", data, size, 65536, tag), BIRCH_DONE);
    snprintf(want, sizeof want, "COPY %d", count);
    ck_assert_str_eq(tag, want);
    free(data);
    char expect[128];
    snprintf(expect, sizeof expect, "%d|1|%d\n", count, count);
    query_is("SELECT count(*), min(id), max(id) FROM big", expect);
    snprintf(expect, sizeof expect, "%d\n", count / 1000 + (count % 1000 >= 7 ? 1 : 0));
    query_is("SELECT count(*) FROM big WHERE k = 7", expect);
    query_is("SELECT s, n FROM big WHERE id = 4321", "name 4321|4321.21\n");
    /* COPY TO of the whole table gives every row back */
    size_t out_size = 0;
    int chunks = 0;
    char *out = copy_out("COPY big TO STDOUT", &out_size, &chunks, tag);
    ck_assert_int_eq(chunks, count);
    ck_assert_str_eq(tag, want);
    free(out);
}
END_TEST

static Suite *copy_suite(void)
{
    Suite *suite = suite_create("copy");
    TCase *tc = tcase_create("copy");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_text_basic_splits);
    tcase_add_test(tc, test_text_escapes);
    tcase_add_test(tc, test_text_options_and_out);
    tcase_add_test(tc, test_csv);
    tcase_add_test(tc, test_binary_round_trip);
    tcase_add_test(tc, test_data_errors);
    tcase_add_test(tc, test_copy_fail_and_transactions);
    tcase_add_test(tc, test_files_and_exec);
    tcase_add_test(tc, test_exec_callback);
    tcase_add_test(tc, test_large_with_index);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(copy_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
