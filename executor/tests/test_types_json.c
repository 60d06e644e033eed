/* executor/tests/test_types_json.c: the uuid, json and jsonb types through include/birch.h:
 * binary parameters and results (uuid's 16 bytes, json's text, jsonb's version byte), result
 * column types, a uuid primary key across a reopen, text output, and the errors of bad binary
 * values. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/birch.h"

static char test_path[PATH_MAX];

static const char *fresh_path(const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(test_path, sizeof test_path, "%s/birch_types_%d_%s.birch",
             dir != NULL && *dir != '\0' ? dir : "/tmp", (int)getpid(), name);
    char wal[PATH_MAX + 8];
    unlink(test_path);
    snprintf(wal, sizeof wal, "%s-wal", test_path);
    unlink(wal);
    return test_path;
}

static void remove_db(const char *path)
{
    char wal[PATH_MAX + 8];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
}

static const char *error_text(birch_db *db)
{
    static char text[1024];
    const birch_error *error = birch_last_error(db);
    if (error == NULL) return "(no error)";
    snprintf(text, sizeof text, "%s %s", error->sqlstate, error->message);
    return text;
}

static birch_db *open_db(const char *path)
{
    birch_db *db = NULL;
    ck_assert_msg(birch_open(path, NULL, &db) == BIRCH_OK, "open: %s", error_text(db));
    return db;
}

static void exec_ok(birch_db *db, const char *sql)
{
    ck_assert_msg(birch_exec(db, sql, NULL, NULL) == BIRCH_OK, "%s: %s", sql, error_text(db));
}

static birch_stmt *prepare(birch_db *db, const char *sql)
{
    birch_stmt *stmt = NULL;
    ck_assert_msg(birch_prepare(db, sql, -1, &stmt, NULL) == BIRCH_OK, "%s: %s", sql,
                  error_text(db));
    return stmt;
}

static const uint8_t UUID_BYTES[16] = { 0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
                                        0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11 };

START_TEST(test_types_uuid_binary_round_trip)
{
    const char *path = fresh_path("uuid");
    birch_db *db = open_db(path);
    exec_ok(db, "CREATE TABLE t (id uuid PRIMARY KEY, n int)");
    birch_stmt *insert = prepare(db, "INSERT INTO t VALUES ($1::uuid, 1)");
    ck_assert_int_eq(birch_bind_value(insert, 1, BIRCH_FORMAT_BINARY, UUID_BYTES, 16), BIRCH_OK);
    ck_assert_msg(birch_step(insert) == BIRCH_DONE, "%s", error_text(db));
    /* the same key again: unique violation */
    birch_reset(insert);
    ck_assert_int_eq(birch_bind_value(insert, 1, BIRCH_FORMAT_BINARY, UUID_BYTES, 16), BIRCH_OK);
    ck_assert_int_eq(birch_step(insert), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "23505");
    /* 15 bytes is not a uuid */
    birch_reset(insert);
    ck_assert_int_eq(birch_bind_value(insert, 1, BIRCH_FORMAT_BINARY, UUID_BYTES, 15), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P03");
    birch_finalize(insert);
    birch_close(db);

    db = open_db(path);   /* the key survives a reopen */
    birch_stmt *select = prepare(db, "SELECT id, id::text FROM t WHERE id = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'");
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_int_eq((int)birch_column_type(select, 0), 2950);
    size_t size = 0;
    const uint8_t *bytes = birch_column_binary(select, 0, &size);
    ck_assert_int_eq((int)size, 16);
    ck_assert(memcmp(bytes, UUID_BYTES, 16) == 0);
    ck_assert_str_eq(birch_column_text(select, 0, NULL), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    ck_assert_str_eq(birch_column_text(select, 1, NULL), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    ck_assert_int_eq(birch_step(select), BIRCH_DONE);
    birch_finalize(select);
    birch_close(db);
    remove_db(path);
}
END_TEST

START_TEST(test_types_json_binary_forms)
{
    const char *path = fresh_path("json");
    birch_db *db = open_db(path);
    exec_ok(db, "CREATE TABLE d (j json, b jsonb)");
    birch_stmt *insert = prepare(db, "INSERT INTO d VALUES ($1::json, $2::jsonb)");
    const char *json_text = "{\"b\": 1, \"a\" : [1.50]}";
    uint8_t jsonb_wire[64];
    jsonb_wire[0] = 1;
    memcpy(jsonb_wire + 1, json_text, strlen(json_text));
    ck_assert_int_eq(birch_bind_value(insert, 1, BIRCH_FORMAT_BINARY, json_text, strlen(json_text)), BIRCH_OK);
    ck_assert_int_eq(birch_bind_value(insert, 2, BIRCH_FORMAT_BINARY, jsonb_wire, strlen(json_text) + 1), BIRCH_OK);
    ck_assert_msg(birch_step(insert) == BIRCH_DONE, "%s", error_text(db));
    /* a jsonb value without its version byte, and bad json, are refused */
    birch_reset(insert);
    ck_assert_int_eq(birch_bind_value(insert, 2, BIRCH_FORMAT_BINARY, json_text, strlen(json_text)), BIRCH_ERROR);
    ck_assert_int_eq(birch_bind_value(insert, 1, BIRCH_FORMAT_BINARY, "{", 1), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(db)->sqlstate, "22P02");
    birch_finalize(insert);

    birch_stmt *select = prepare(db, "SELECT j, b, b -> 'a', j ->> 'b' FROM d");
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_int_eq((int)birch_column_type(select, 0), 114);
    ck_assert_int_eq((int)birch_column_type(select, 1), 3802);
    ck_assert_int_eq((int)birch_column_type(select, 3), 25);
    ck_assert_str_eq(birch_column_text(select, 0, NULL), json_text);
    ck_assert_str_eq(birch_column_text(select, 1, NULL), "{\"a\": [1.50], \"b\": 1}");
    ck_assert_str_eq(birch_column_text(select, 2, NULL), "[1.50]");
    ck_assert_str_eq(birch_column_text(select, 3, NULL), "1");
    size_t size = 0;
    const char *json_binary = birch_column_binary(select, 0, &size);
    ck_assert_int_eq((int)size, (int)strlen(json_text));
    ck_assert(memcmp(json_binary, json_text, size) == 0);
    const uint8_t *jsonb_binary = birch_column_binary(select, 1, &size);
    ck_assert_int_eq((int)size, 1 + (int)strlen("{\"a\": [1.50], \"b\": 1}"));
    ck_assert_int_eq(jsonb_binary[0], 1);
    ck_assert(memcmp(jsonb_binary + 1, "{\"a\": [1.50], \"b\": 1}", size - 1) == 0);
    birch_finalize(select);
    birch_close(db);
    remove_db(path);
}
END_TEST

START_TEST(test_types_gen_random_uuid_per_row)
{
    const char *path = fresh_path("gen");
    birch_db *db = open_db(path);
    exec_ok(db, "CREATE TABLE g (id uuid DEFAULT gen_random_uuid(), n int)");
    exec_ok(db, "INSERT INTO g (n) SELECT x FROM generate_series(1, 100) x");
    birch_stmt *select = prepare(db, "SELECT count(DISTINCT id), count(*), min(substr(id::text, 15, 1)), max(substr(id::text, 15, 1)) FROM g");
    ck_assert_int_eq(birch_step(select), BIRCH_ROW);
    ck_assert_str_eq(birch_column_text(select, 0, NULL), "100");
    ck_assert_str_eq(birch_column_text(select, 2, NULL), "4");
    ck_assert_str_eq(birch_column_text(select, 3, NULL), "4");
    birch_finalize(select);
    birch_close(db);
    remove_db(path);
}
END_TEST

static Suite *types_suite(void)
{
    Suite *suite = suite_create("types_json");
    TCase *tcase = tcase_create("types_json");
    tcase_set_timeout(tcase, 60);
    tcase_add_test(tcase, test_types_uuid_binary_round_trip);
    tcase_add_test(tcase, test_types_json_binary_forms);
    tcase_add_test(tcase, test_types_gen_random_uuid_per_row);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(types_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
