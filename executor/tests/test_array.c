/* executor/tests/test_array.c: arrays and regular expressions through include/birch.h:
 * literals and PostgreSQL's text output (quoting, NULL, empty, dimension decoration), casts,
 * subscripts and slices, = ANY / <> ALL with NULLs, functions, ||, comparisons and grouping,
 * array columns stored and read back, unnest in FROM (with ordinality, correlated), ARRAY
 * (subquery), array_agg / string_agg with ORDER BY, ~ ~* !~ regexp_replace, binary output and
 * input (the encoding as is; malformed bytes 22P03), malformed literals 22P02, bad patterns
 * 2201B, and a randomized text round trip. */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static char test_path[PATH_MAX];

static birch_db *open_db(const char *name)
{
    birch_db *db = NULL;
    snprintf(test_path, sizeof test_path, "%s", eh_path("array", name));
    int rc = birch_open(test_path, NULL, &db);
    ck_assert_msg(rc == BIRCH_OK, "birch_open: %s", eh_error_text(db));
    return db;
}

static void close_db(birch_db *db)
{
    ck_assert_int_eq(birch_close(db), BIRCH_OK);
    eh_path_remove(test_path);
}

/* rows: every row of sql, columns joined by '|', rows by '\n' (NULL as "NULL"). */
static const char *rows(birch_db *db, const char *sql)
{
    static __thread char out[8192];
    birch_stmt *stmt = NULL;
    int rc = birch_prepare(db, sql, -1, &stmt, NULL);
    ck_assert_msg(rc == BIRCH_OK, "%s: %s", sql, eh_error_text(db));
    size_t used = 0;
    out[0] = '\0';
    while ((rc = birch_step(stmt)) == BIRCH_ROW) {
        for (int col_idx = 0; col_idx < birch_column_count(stmt); col_idx++) {
            const char *text = birch_column_is_null(stmt, col_idx)
                                   ? "NULL" : birch_column_text(stmt, col_idx, NULL);
            used += (size_t)snprintf(out + used, sizeof out - used, "%s%s",
                                     col_idx > 0 ? "|" : (used > 0 ? "\n" : ""), text);
        }
    }
    ck_assert_msg(rc == BIRCH_DONE, "%s: %s", sql, eh_error_text(db));
    birch_finalize(stmt);
    return out;
}

#define EXPECT_ROWS(db, sql, want)                                                  \
    do {                                                                            \
        const char *got_ = rows(db, sql);                                           \
        ck_assert_msg(strcmp(got_, want) == 0, "%s:\n got  %s\n want %s", sql, got_, \
                      want);                                                        \
    } while (0)

START_TEST(test_array_literals_and_output)
{
    birch_db *db = open_db("literals");
    EXPECT_ROWS(db, "SELECT ARRAY[1, 2, 3], '{4,5}'::int[], ARRAY['a', 'b c', NULL], '{}'::text[]",
                "{1,2,3}|{4,5}|{a,\"b c\",NULL}|{}");
    /* quoting as array_out: empty, NULL word, braces, comma, quote, backslash, space */
    EXPECT_ROWS(db, "SELECT ARRAY['', 'null', 'NULL', '{x}', 'a,b', 'q\"t', 'b\\s', ' lead']",
                "{\"\",\"null\",\"NULL\",\"{x}\",\"a,b\",\"q\\\"t\",\"b\\\\s\",\" lead\"}");
    /* input: quotes, escapes, white space around unquoted elements, NULL in any case */
    EXPECT_ROWS(db, "SELECT '{\"a b\", c\\\\d ,  e  , NuLl, \"NULL\"}'::text[]",
                "{\"a b\",\"c\\\\d\",e,NULL,\"NULL\"}");
    EXPECT_ROWS(db, "SELECT '{1.50, -2, 1e3}'::numeric[], '{t,f,NULL}'::bool[], "
                    "'{2024-01-02}'::date[], '{1.5, NaN}'::float8[]",
                "{1.50,-2,1000}|{t,f,NULL}|{2024-01-02}|{1.5,NaN}");
    EXPECT_ROWS(db, "SELECT '[0:1]={7,8}'::int[], array_lower('[0:1]={7,8}'::int[], 1)",
                "[0:1]={7,8}|0");
    EXPECT_ROWS(db, "SELECT ARRAY[1, 2]::text[], CAST('{1,2}' AS bigint[]), "
                    "ARRAY['1', '2']::int[] || 3, '1 2 3'::int2vector, ('4 5'::int2vector)[0]",
                "{1,2}|{1,2}|{1,2,3}|1 2 3|4");
    EXPECT_ROWS(db, "SELECT ARRAY(SELECT g * 2 FROM generate_series(1, 3) AS g), "
                    "ARRAY(SELECT 1 WHERE false)",
                "{2,4,6}|{}");
    close_db(db);
}
END_TEST

START_TEST(test_array_malformed_input)
{
    birch_db *db = open_db("malformed");
    eh_exec_fails(db, "SELECT '{1,2'::int[]", "22P02", "malformed array literal: \"{1,2\"");
    eh_exec_fails(db, "SELECT '1,2'::int[]", "22P02", "malformed array literal: \"1,2\"");
    eh_exec_fails(db, "SELECT '{1,2} x'::int[]", "22P02", NULL);
    eh_exec_fails(db, "SELECT '{1,,2}'::int[]", "22P02", NULL);
    eh_exec_fails(db, "SELECT '{\"a\"b}'::text[]", "22P02", NULL);
    eh_exec_fails(db, "SELECT '{1,x}'::int[]", "22P02", "invalid input syntax for type integer: \"x\"");
    eh_exec_fails(db, "SELECT '[1:3]={1,2}'::int[]", "22P02", NULL);
    eh_exec_fails(db, "SELECT ARRAY[1, 'x']", "22P02", NULL);
    eh_exec_fails(db, "SELECT '{{1,2},{3,4}}'::int[]", "0A000", NULL);
    eh_exec_fails(db, "SELECT (1)[1]", "42804", NULL);
    eh_exec_fails(db, "SELECT 1 = ANY (1)", "42809", NULL);
    close_db(db);
}
END_TEST

START_TEST(test_array_any_all_nulls)
{
    birch_db *db = open_db("anyall");
    eh_exec_ok(db, "CREATE TABLE t(id int, a int[])");
    eh_exec_ok(db, "INSERT INTO t VALUES (1, '{1,2}'), (2, '{1,NULL}'), (3, '{}'), (4, NULL)");
    /* x = ANY: true / NULL (a NULL element, no match) / false (empty) / NULL (NULL array) */
    EXPECT_ROWS(db, "SELECT id, 2 = ANY (a), 2 <> ALL (a), 1 = ANY (a), NULL::int = ANY (a) "
                    "FROM t ORDER BY id",
                "1|t|f|t|NULL\n2|NULL|NULL|t|NULL\n3|f|t|f|f\n4|NULL|NULL|NULL|NULL");
    EXPECT_ROWS(db, "SELECT id FROM t WHERE 1 = ANY (a) ORDER BY id", "1\n2");
    EXPECT_ROWS(db, "SELECT id FROM t WHERE 3 > ALL (a) ORDER BY id", "1\n3");
    EXPECT_ROWS(db, "SELECT 2::int8 = ANY ('{1,2}'::int4[]), 'b' = ANY ('{a,b}'), "
                    "'x'::name = ANY (ARRAY['x']::text[])",
                "t|t|t");
    /* subscripts, lengths */
    EXPECT_ROWS(db, "SELECT id, a[1], a[2], a[3], array_length(a, 1), cardinality(a), "
                    "array_upper(a, 1), a[1:1] FROM t ORDER BY id",
                "1|1|2|NULL|2|2|2|{1}\n2|1|NULL|NULL|2|2|2|{1}\n"
                "3|NULL|NULL|NULL|NULL|0|NULL|{}\n4|NULL|NULL|NULL|NULL|NULL|NULL|NULL");
    close_db(db);
}
END_TEST

START_TEST(test_array_functions_and_order)
{
    birch_db *db = open_db("functions");
    EXPECT_ROWS(db, "SELECT ARRAY[1, 2] || ARRAY[3], ARRAY[1] || 2, 0 || ARRAY[1], "
                    "NULL::int[] || 5, array_cat(ARRAY[1], NULL)",
                "{1,2,3}|{1,2}|{0,1}|{5}|{1}");
    EXPECT_ROWS(db, "SELECT array_append(ARRAY['a'], 'b'), array_prepend(0, ARRAY[1]), "
                    "array_position(ARRAY['x', 'y'], 'y'), array_position(ARRAY[1, NULL], NULL), "
                    "array_remove(ARRAY[1, 2, 1], 1)",
                "{a,b}|{0,1}|2|2|{2}");
    EXPECT_ROWS(db, "SELECT array_to_string(ARRAY[1, NULL, 3], '-'), "
                    "array_to_string(ARRAY['a', NULL], ',', '*'), string_to_array('a,b,,c', ','), "
                    "string_to_array('abc', NULL), string_to_array('a,NA', ',', 'NA'), "
                    "string_to_array('', ',')",
                "1-3|a,*|{a,b,\"\",c}|{a,b,c}|{a,NULL}|{}");
    EXPECT_ROWS(db, "SELECT ARRAY[1, 2] = ARRAY[1, 2], ARRAY[1, 2] < ARRAY[1, 3], "
                    "ARRAY[1] < ARRAY[1, 0], ARRAY[-1] < ARRAY[1], ARRAY[1, NULL] > ARRAY[1, 5], "
                    "ARRAY[1, 2] @> ARRAY[2], ARRAY[1] <@ ARRAY[2], ARRAY[1, 2] && ARRAY[2, 3]",
                "t|t|t|t|t|t|f|t");
    eh_exec_ok(db, "CREATE TABLE g(k int[], v int)");
    eh_exec_ok(db, "INSERT INTO g VALUES ('{1,2}', 1), ('{-1}', 2), ('{1,2}', 3), (NULL, 4), "
                "('{1,NULL}', 5)");
    EXPECT_ROWS(db, "SELECT k, sum(v) FROM g GROUP BY k ORDER BY k",
                "{-1}|2\n{1,2}|4\n{1,NULL}|5\nNULL|4");
    EXPECT_ROWS(db, "SELECT count(DISTINCT k) FROM g", "3");
    EXPECT_ROWS(db, "SELECT a.v, b.v FROM g a JOIN g b ON a.k = b.k AND a.v < b.v", "1|3");
    close_db(db);
}
END_TEST

START_TEST(test_array_unnest_and_aggregates)
{
    birch_db *db = open_db("unnest");
    EXPECT_ROWS(db, "SELECT x FROM unnest(ARRAY[3, NULL, 1]) AS x", "3\nNULL\n1");
    EXPECT_ROWS(db, "SELECT * FROM unnest('{a,b}'::text[]) WITH ORDINALITY AS u(x, n)",
                "a|1\nb|2");
    EXPECT_ROWS(db, "SELECT count(*) FROM unnest('{}'::int[])", "0");
    eh_exec_ok(db, "CREATE TABLE doc(id int, tags text[])");
    eh_exec_ok(db, "INSERT INTO doc VALUES (1, '{b,a}'), (2, '{c}'), (3, NULL), (4, '{}')");
    EXPECT_ROWS(db, "SELECT id, ARRAY(SELECT upper(x) FROM unnest(tags) AS t(x)) FROM doc "
                    "ORDER BY id",
                "1|{B,A}\n2|{C}\n3|{}\n4|{}");
    EXPECT_ROWS(db, "SELECT array_agg(id ORDER BY id DESC), array_agg(tags[1] ORDER BY id), "
                    "string_agg(tags[1], ',' ORDER BY tags[1] DESC) FROM doc",
                "{4,3,2,1}|{b,c,NULL,NULL}|c,b");
    EXPECT_ROWS(db, "SELECT array_agg(id), string_agg(tags[1], ',') FROM doc WHERE id > 100",
                "NULL|NULL");
    EXPECT_ROWS(db, "SELECT id % 2, array_agg(id ORDER BY id) FROM doc GROUP BY 1 ORDER BY 1",
                "0|{2,4}\n1|{1,3}");
    eh_exec_fails(db, "SELECT array_agg(id) OVER () FROM doc", "0A000", NULL);
    eh_exec_fails(db, "SELECT * FROM unnest(1)", "42883", NULL);
    /* LATERAL over the table just before (implicitly or with LATERAL) */
    EXPECT_ROWS(db, "SELECT id, t.x, t.n FROM doc, unnest(doc.tags) WITH ORDINALITY AS t(x, n) "
                    "ORDER BY id, n",
                "1|b|1\n1|a|2\n2|c|1");
    EXPECT_ROWS(db, "SELECT x, count(*) FROM doc, LATERAL unnest(tags) AS x GROUP BY x ORDER BY x",
                "a|1\nb|1\nc|1");
    EXPECT_ROWS(db, "SELECT n, v FROM generate_series(10, 16, 3) WITH ORDINALITY AS g(v, n)",
                "1|10\n2|13\n3|16");
    eh_exec_fails(db, "SELECT * FROM (SELECT 1) s, unnest(doc.tags)", "42P01", NULL);
    close_db(db);
}
END_TEST

START_TEST(test_array_regex)
{
    birch_db *db = open_db("regex");
    EXPECT_ROWS(db, "SELECT 'hello' ~ 'ell', 'Hello' ~ '^h', 'Hello' ~* '^h', 'hello' !~ 'z', "
                    "'HELLO' !~* 'l+', 'a1' ~ '^\\w\\d$', 'a b' ~ '\\s', 'foo bar' ~ '\\mbar\\M'",
                "t|f|t|t|f|t|t|t");
    EXPECT_ROWS(db, "SELECT regexp_replace('a1b22', '[0-9]+', '#'), "
                    "regexp_replace('a1b22', '[0-9]+', '#', 'g'), "
                    "regexp_replace('abc', '(b)', '[\\1\\&]'), regexp_replace('ABC', 'b', 'x', 'gi')",
                "a#b22|a#b#|a[bb]c|AxC");
    EXPECT_ROWS(db, "SELECT NULL ~ 'a', 'a' ~ NULL, 'x'::name ~ 'x', 'ab'::varchar ~ 'b$'",
                "NULL|NULL|t|t");
    eh_exec_ok(db, "CREATE TABLE w(s text, p text)");
    eh_exec_ok(db, "INSERT INTO w VALUES ('apple', '^a'), ('Apricot', 'ric'), ('kiwi', 'z'), "
                "(NULL, 'a')");
    EXPECT_ROWS(db, "SELECT s FROM w WHERE s ~ p ORDER BY s", "Apricot\napple");
    EXPECT_ROWS(db, "SELECT s FROM w WHERE s ~* '^AP' ORDER BY s", "Apricot\napple");
    eh_exec_fails(db, "SELECT 'a' ~ '('", "2201B", "invalid regular expression: parentheses () not balanced");
    eh_exec_fails(db, "SELECT 'a' ~ '[z-a]'", "2201B", NULL);
    eh_exec_fails(db, "SELECT 'a' ~ 'a*?'", "0A000", NULL);
    eh_exec_fails(db, "SELECT regexp_replace('a', 'a', 'b', 'z')", "22023", NULL);
    close_db(db);
}
END_TEST

/* binary: the column's bytes are PostgreSQL's array_send; a binary parameter is checked */
START_TEST(test_array_binary_round_trip)
{
    birch_db *db = open_db("binary");
    eh_exec_ok(db, "CREATE TABLE b(a int[])");
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT '{1,NULL,-2}'::int[]", -1, &stmt, NULL), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_ROW);
    ck_assert_uint_eq(birch_column_type(stmt, 0), 1007);
    size_t size = 0;
    const uint8_t *bytes = birch_column_binary(stmt, 0, &size);
    static const uint8_t expected[] = {
        0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 23, 0, 0, 0, 3, 0, 0, 0, 1,
        0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe,
    };
    ck_assert_uint_eq(size, sizeof expected);
    ck_assert_mem_eq(bytes, expected, sizeof expected);
    uint8_t copy[sizeof expected];
    memcpy(copy, expected, sizeof expected);
    birch_finalize(stmt);

    ck_assert_int_eq(birch_prepare(db, "INSERT INTO b VALUES ($1::int[])", -1, &stmt, NULL),
                     BIRCH_OK);
    ck_assert_int_eq(birch_bind_value(stmt, 1, BIRCH_FORMAT_BINARY, copy, sizeof copy), BIRCH_OK);
    ck_assert_int_eq(birch_step(stmt), BIRCH_DONE);
    /* truncated, wrong element type, bad element width */
    ck_assert_int_eq(birch_bind_value(stmt, 1, BIRCH_FORMAT_BINARY, copy, sizeof copy - 1),
                     BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P03");
    copy[11] = 25;
    ck_assert_int_eq(birch_bind_value(stmt, 1, BIRCH_FORMAT_BINARY, copy, sizeof copy),
                     BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "42804");
    copy[11] = 23;
    copy[23] = 3;
    ck_assert_int_eq(birch_bind_value(stmt, 1, BIRCH_FORMAT_BINARY, copy, sizeof copy),
                     BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P03");
    birch_finalize(stmt);
    EXPECT_ROWS(db, "SELECT a, a[3] FROM b", "{1,NULL,-2}|-2");
    close_db(db);
}
END_TEST

/* random int and text arrays: text output read back as input gives the same value */
START_TEST(test_array_random_text_round_trip)
{
    birch_db *db = open_db("random");
    eh_exec_ok(db, "CREATE TABLE r(id int, a text[])");
    static const char *const PIECES[] = { "a", " ", "\\\\", "\"", ",", "{", "}", "NULL", "x y",
                                          "é", "" };
    enum { PIECE_COUNT = sizeof PIECES / sizeof PIECES[0] };
    int round_count = (int)(200 * eh_test_scale());
    if (round_count < 20) round_count = 20;
    unsigned seed = 7;
    char sql[4096];
    for (int round_idx = 0; round_idx < round_count; round_idx++) {
        size_t used = (size_t)snprintf(sql, sizeof sql, "INSERT INTO r VALUES (%d, ARRAY[",
                                       round_idx);
        int elem_count = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 5;
        for (int elem_idx = 0; elem_idx < elem_count; elem_idx++) {
            seed = seed * 1103515245u + 12345u;
            int pick = (int)(seed >> 16) % (PIECE_COUNT + 1);
            if (pick == PIECE_COUNT) {
                used += (size_t)snprintf(sql + used, sizeof sql - used, "%sNULL",
                                         elem_idx > 0 ? "," : "");
            } else {
                used += (size_t)snprintf(sql + used, sizeof sql - used, "%sE'%s%s'",
                                         elem_idx > 0 ? "," : "", PIECES[pick],
                                         PIECES[(pick + 3) % PIECE_COUNT]);
            }
        }
        snprintf(sql + used, sizeof sql - used, "]::text[])");
        eh_exec_ok(db, sql);
    }
    char want[32];
    snprintf(want, sizeof want, "%d", round_count);
    EXPECT_ROWS(db, "SELECT count(*) FROM r WHERE a::text::text[] = a", want);
    EXPECT_ROWS(db, "SELECT count(*) FROM r r1 JOIN r r2 ON r1.a = r2.a AND r1.id = r2.id", want);
    close_db(db);
}
END_TEST

static Suite *array_suite(void)
{
    Suite *suite = suite_create("array");
    TCase *tcase = tcase_create("core");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_array_literals_and_output);
    tcase_add_test(tcase, test_array_malformed_input);
    tcase_add_test(tcase, test_array_any_all_nulls);
    tcase_add_test(tcase, test_array_functions_and_order);
    tcase_add_test(tcase, test_array_unnest_and_aggregates);
    tcase_add_test(tcase, test_array_regex);
    tcase_add_test(tcase, test_array_binary_round_trip);
    tcase_add_test(tcase, test_array_random_text_round_trip);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(array_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed_count = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed_count == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
