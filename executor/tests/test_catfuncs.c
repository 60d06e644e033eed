/* executor/tests/test_catfuncs.c: the object identifier types and the catalog / session
 * functions clients call on their own, through include/birch.h: reg* input (names, qualified,
 * quoted, numbers) and output (qualified when not visible, numbers for OIDs naming nothing),
 * casts between oid, integers and reg*, comparisons with oid columns, snapshot visibility of
 * names between sessions, format_type, pg_get_expr / constraintdef / indexdef (a clustered
 * table's primary key included), privileges and their errors, custom settings (SET LOCAL,
 * rollback, RESET ALL, per session), the backend id, and many rows through one output kernel. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/birch.h"

static char test_path[PATH_MAX];

static void path_remove(const char *path)
{
    char wal[PATH_MAX + 8];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
}

static const char *fresh_path(const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(test_path, sizeof test_path, "%s/birch_catfuncs_%d_%s.birch",
             dir != NULL && *dir != '\0' ? dir : "/tmp", (int)getpid(), name);
    path_remove(test_path);
    return test_path;
}

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static const char *error_text(birch_db *db)
{
    static __thread char text[1024];
    const birch_error *error = birch_last_error(db);
    if (error == NULL) return "(no error)";
    snprintf(text, sizeof text, "%s %s", error->sqlstate, error->message);
    return text;
}

static birch_db *open_db(const char *path)
{
    birch_db *db = NULL;
    int rc = birch_open(path, NULL, &db);
    ck_assert_msg(rc == BIRCH_OK, "birch_open: %s", error_text(db));
    return db;
}

static void exec_ok(birch_db *db, const char *sql)
{
    int rc = birch_exec(db, sql, NULL, NULL);
    ck_assert_msg(rc == BIRCH_OK, "%s: %s", sql, error_text(db));
}

static void exec_fails(birch_db *db, const char *sql, const char *sqlstate, const char *message)
{
    int rc = birch_exec(db, sql, NULL, NULL);
    ck_assert_msg(rc == BIRCH_ERROR, "%s: expected %s, succeeded", sql, sqlstate);
    const birch_error *error = birch_last_error(db);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(strcmp(error->sqlstate, sqlstate) == 0, "%s: expected %s, got %s %s", sql,
                  sqlstate, error->sqlstate, error->message);
    if (message != NULL) {
        ck_assert_msg(strcmp(error->message, message) == 0, "%s: message %s, want %s", sql,
                      error->message, message);
    }
}

/* query_rows: every row as "v1|v2|..." joined by '\n' ("NULL" for SQL NULL), malloc'd. */
static char *query_rows(birch_db *db, const char *sql)
{
    birch_stmt *stmt = NULL;
    int rc = birch_prepare(db, sql, -1, &stmt, NULL);
    ck_assert_msg(rc == BIRCH_OK && stmt != NULL, "prepare %s: %s", sql, error_text(db));
    size_t capacity = 256, size = 0;
    char *out = malloc(capacity);
    ck_assert_ptr_nonnull(out);
    out[0] = '\0';
    int columns = birch_column_count(stmt);
    bool first_row = true;
    for (;;) {
        rc = birch_step(stmt);
        if (rc == BIRCH_DONE) break;
        ck_assert_msg(rc == BIRCH_ROW, "%s: %s", sql, error_text(db));
        for (int col_idx = 0; col_idx < columns; col_idx++) {
            size_t value_size = 0;
            const char *value = birch_column_is_null(stmt, col_idx)
                                    ? "NULL"
                                    : birch_column_text(stmt, col_idx, &value_size);
            ck_assert_msg(value != NULL, "%s: column %d: %s", sql, col_idx, error_text(db));
            const char *sep = col_idx > 0 ? "|" : first_row ? "" : "\n";
            size_t need = size + strlen(sep) + strlen(value) + 1;
            if (need > capacity) {
                capacity = need * 2;
                out = realloc(out, capacity);
                ck_assert_ptr_nonnull(out);
            }
            size += (size_t)sprintf(out + size, "%s%s", sep, value);
        }
        first_row = false;
    }
    birch_finalize(stmt);
    return out;
}

#define ROWS_ARE(db, sql, expected)                                                          \
    do {                                                                                     \
        char *actual_ = query_rows((db), (sql));                                             \
        ck_assert_msg(strcmp(actual_, (expected)) == 0, "%s\n--- got:\n%s\n--- want:\n%s",   \
                      (sql), actual_, (expected));                                           \
        free(actual_);                                                                       \
    } while (0)

static void make_schema(birch_db *db)
{
    exec_ok(db, "CREATE TABLE dept(id INTEGER PRIMARY KEY, name VARCHAR(20) UNIQUE)");
    exec_ok(db, "CREATE TABLE emp(id SERIAL PRIMARY KEY, name VARCHAR(20) DEFAULT 'x', "
                "salary NUMERIC(10,2) DEFAULT 0 CHECK (salary > 0), "
                "dept_id INTEGER REFERENCES dept(id) ON DELETE SET NULL, "
                "code TEXT CHECK (code IN ('a', 'b') AND length(code) < 3))");
    exec_ok(db, "CREATE INDEX emp_name_idx ON emp(name DESC, salary)");
    exec_ok(db, "CREATE TABLE \"Mixed\"(k TEXT PRIMARY KEY)");
    exec_ok(db, "CREATE SCHEMA other");
    exec_ok(db, "CREATE TABLE other.emp(z INTEGER)");
}

START_TEST(test_catfuncs_regclass_io)
{
    const char *path = fresh_path("regclass");
    birch_db *db = open_db(path);
    make_schema(db);
    ROWS_ARE(db, "SELECT 'pg_class'::regclass, 'pg_catalog.pg_class'::regclass::oid, "
                 "'emp'::regclass, 'public.emp'::regclass = 'emp'::regclass",
             "pg_class|1259|emp|t");
    /* quoting: a mixed-case name prints quoted; unquoted input folds to lower case */
    ROWS_ARE(db, "SELECT '\"Mixed\"'::regclass, '\"Mixed_pkey\"'::regclass IS NOT NULL",
             "\"Mixed\"|t");
    exec_fails(db, "SELECT 'Mixed'::regclass", "42P01", "relation \"mixed\" does not exist");
    /* not visible: qualified; an OID naming nothing: the number; 0 is '-' */
    ROWS_ARE(db, "SELECT 'other.emp'::regclass, 4000000000::regclass, 0::regclass",
             "other.emp|4000000000|-");
    exec_ok(db, "SET search_path = other, public");
    ROWS_ARE(db, "SELECT 'emp'::regclass = 'other.emp'::regclass, 'public.emp'::regclass, "
                 "'dept'::regclass",
             "t|public.emp|dept");
    exec_ok(db, "RESET search_path");
    /* numbers round-trip through oid, int4 and int8 */
    ROWS_ARE(db, "SELECT ('emp'::regclass::int8)::regclass, ('emp'::regclass::oid::int4)::regclass, "
                 "(-1)::int4::oid, 4294967295::int8::oid::regclass::int8",
             "emp|emp|4294967295|4294967295");
    exec_fails(db, "SELECT (-1)::int8::oid", "22003", "OID out of range");
    exec_fails(db, "SELECT 'public.nosuch'::regclass", "42P01",
               "relation \"public.nosuch\" does not exist");
    exec_fails(db, "SELECT 'nosuch.emp'::regclass", "3F000", "schema \"nosuch\" does not exist");
    exec_fails(db, "SELECT 'a.b.c.d'::regclass", "42602", "invalid name syntax");
    exec_fails(db, "SELECT 'x.'::regclass", "42602", NULL);
    ROWS_ARE(db, "SELECT to_regclass('nosuch'), to_regclass('other.emp'), "
                 "to_regclass(NULL) IS NULL",
             "NULL|other.emp|t");
    /* comparisons with oid columns, an unknown literal taken as an oid */
    char *oid_text = query_rows(db, "SELECT 'emp'::regclass::oid");
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT c.relname FROM pg_class c WHERE c.oid = '%s' AND c.oid = 'emp'::regclass",
             oid_text);
    ROWS_ARE(db, sql, "emp");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_attribute a WHERE a.attrelid = '%s' AND a.attnum > 0",
             oid_text);
    ROWS_ARE(db, sql, "5");
    free(oid_text);
    ROWS_ARE(db, "SELECT relname FROM pg_class WHERE oid::regclass = 'dept'::regclass",
             "dept");
    /* the regclass column type reaches the client */
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT 'emp'::regclass, pg_typeof(1)", -1, &stmt, NULL),
                     BIRCH_OK);
    ck_assert_uint_eq(birch_column_type(stmt, 0), 2205);
    ck_assert_uint_eq(birch_column_type(stmt, 1), 2206);
    birch_finalize(stmt);
    birch_close(db);
    path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_other_reg_types)
{
    const char *path = fresh_path("regother");
    birch_db *db = open_db(path);
    make_schema(db);
    ROWS_ARE(db, "SELECT 'int4'::regtype, 'character varying(20)'::regtype, "
                 "'pg_catalog.timestamptz'::regtype, '_int4'::regtype, 'text[]'::regtype::oid",
             "integer|character varying|timestamp with time zone|integer[]|1009");
    ROWS_ARE(db, "SELECT 1043::regtype, 0::regtype, 4000000000::regtype, pg_typeof(NULL::date)",
             "character varying|-|4000000000|date");
    exec_fails(db, "SELECT 'nosuch'::regtype", "42704", "type \"nosuch\" does not exist");
    ROWS_ARE(db, "SELECT to_regtype('nosuch'), to_regtype('double precision')",
             "NULL|double precision");
    ROWS_ARE(db, "SELECT 'other'::regnamespace::oid > 16383, 2200::regnamespace, "
                 "'pg_catalog'::regnamespace::oid",
             "t|public|11");
    exec_fails(db, "SELECT 'nosuch'::regnamespace", "3F000", "schema \"nosuch\" does not exist");
    ROWS_ARE(db, "SELECT 10::regrole::text = current_user, current_user::regrole::oid, "
                 "to_regrole('nosuch')",
             "t|10|NULL");
    exec_fails(db, "SELECT 'nosuch'::regrole", "42704", "role \"nosuch\" does not exist");
    ROWS_ARE(db, "SELECT '-'::regproc::oid, 0::regproc, 42::regproc", "0|-|42");
    exec_fails(db, "SELECT 'nosuch'::regproc", "42883", NULL);
    birch_close(db);
    path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_snapshot_visibility)
{
    const char *path = fresh_path("snapshot");
    birch_db *db = open_db(path);
    birch_db *other = open_db(path);
    exec_ok(db, "BEGIN");
    exec_ok(db, "CREATE TABLE fresh(a INTEGER)");
    char *oid_text = query_rows(db, "SELECT 'fresh'::regclass::oid");
    ROWS_ARE(db, "SELECT 'fresh'::regclass", "fresh");
    /* the other session's snapshot has no such relation: the number, and a lookup error */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s::regclass::text = '%s'", oid_text, oid_text);
    ROWS_ARE(other, sql, "t");
    exec_fails(other, "SELECT 'fresh'::regclass", "42P01", NULL);
    exec_ok(db, "COMMIT");
    snprintf(sql, sizeof sql, "SELECT %s::regclass", oid_text);
    ROWS_ARE(other, sql, "fresh");
    /* a rolled-back rename is not seen */
    exec_ok(db, "BEGIN");
    exec_ok(db, "ALTER TABLE fresh RENAME TO renamed");
    ROWS_ARE(db, sql, "renamed");
    exec_ok(db, "ROLLBACK");
    ROWS_ARE(db, sql, "fresh");
    free(oid_text);
    birch_close(other);
    birch_close(db);
    path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_definitions)
{
    const char *path = fresh_path("defs");
    birch_db *db = open_db(path);
    make_schema(db);
    ROWS_ARE(db, "SELECT format_type(1043, 24), format_type(1700, 655366), "
                 "format_type(1083, 2), format_type(1042, -1), format_type(1042, NULL), "
                 "format_type(1015, 14), format_type(4000000000, -1), format_type(NULL, 4)",
             "character varying(20)|numeric(10,2)|time(2) without time zone|bpchar|character|"
             "character varying(10)[]|???|NULL");
    ROWS_ARE(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                 "WHERE attrelid = 'emp'::regclass AND attnum > 0 ORDER BY attnum",
             "integer\ncharacter varying(20)\nnumeric(10,2)\ninteger\ntext");
    ROWS_ARE(db, "SELECT pg_get_expr(adbin, adrelid, true) FROM pg_attrdef "
                 "WHERE adrelid = 'emp'::regclass ORDER BY adnum",
             "nextval('emp_id_seq'::regclass)\n'x'::character varying\n0");
    ROWS_ARE(db, "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint "
                 "WHERE conrelid = 'emp'::regclass ORDER BY conname",
             "emp_code_check|CHECK ((code = ANY (ARRAY['a'::text, 'b'::text])) AND length(code) < 3)\n"
             "emp_dept_id_fkey|FOREIGN KEY (dept_id) REFERENCES dept(id) ON DELETE SET NULL\n"
             "emp_pkey|PRIMARY KEY (id)\n"
             "emp_salary_check|CHECK (salary > 0::numeric)");
    ROWS_ARE(db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                 "WHERE conname = 'emp_code_check'",
             "CHECK (((code = ANY (ARRAY['a'::text, 'b'::text])) AND (length(code) < 3)))");
    /* the clustered primary key of dept has no index relation, yet an index definition */
    ROWS_ARE(db, "SELECT pg_get_indexdef('dept_pkey'::regclass), "
                 "pg_get_indexdef('emp_name_idx'::regclass), "
                 "pg_get_indexdef('emp_name_idx'::regclass, 2, true), "
                 "pg_get_indexdef('emp'::regclass)",
             "CREATE UNIQUE INDEX dept_pkey ON public.dept USING btree (id)|"
             "CREATE INDEX emp_name_idx ON public.emp USING btree (name DESC, salary)|salary|NULL");
    ROWS_ARE(db, "SELECT pg_get_serial_sequence('emp', 'id'), pg_get_serial_sequence('emp', 'name')",
             "public.emp_id_seq|NULL");
    exec_fails(db, "SELECT pg_get_serial_sequence('emp', 'nosuch')", "42703",
               "column \"nosuch\" of relation \"emp\" does not exist");
    exec_ok(db, "CREATE VIEW emp_v AS SELECT id, name FROM emp");
    ROWS_ARE(db, "SELECT pg_get_viewdef('emp_v'::regclass) IS NOT NULL, "
                 "pg_get_viewdef('emp'::regclass), pg_get_viewdef('emp_v') = "
                 "pg_get_viewdef('emp_v'::regclass, true)",
             "t|NULL|t");
    ROWS_ARE(db, "SELECT pg_table_is_visible('other.emp'::regclass), "
                 "pg_table_is_visible('dept_pkey'::regclass), pg_table_is_visible(4000000000), "
                 "pg_relation_is_publishable('emp'), pg_relation_is_publishable('pg_class')",
             "f|t|NULL|t|f");
    ROWS_ARE(db, "SELECT pg_relation_size('emp') % 8192, pg_total_relation_size('emp') > "
                 "pg_relation_size('emp'), pg_size_pretty(pg_database_size(current_database())) "
                 "LIKE '% kB', pg_relation_size(4000000000)",
             "0|t|t|NULL");
    birch_close(db);
    path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_privileges_and_misc)
{
    const char *path = fresh_path("priv");
    birch_db *db = open_db(path);
    make_schema(db);
    ROWS_ARE(db, "SELECT has_table_privilege('emp', 'SELECT'), "
                 "has_table_privilege('other.emp', ' insert , UPDATE WITH GRANT OPTION'), "
                 "has_schema_privilege('other', 'create'), "
                 "has_database_privilege(current_database(), 'temp'), "
                 "has_column_privilege('emp', 'name', 'references'), "
                 "has_sequence_privilege('emp_id_seq', 'usage'), "
                 "pg_has_role(current_user, 'member'), has_table_privilege(4000000000::oid, 'select')",
             "t|t|t|t|t|t|t|NULL");
    exec_fails(db, "SELECT has_table_privilege('nosuch', 'select')", "42P01", NULL);
    exec_fails(db, "SELECT has_schema_privilege('nosuch', 'usage')", "3F000", NULL);
    exec_fails(db, "SELECT has_table_privilege('emp', 'fly')", "22023",
               "unrecognized privilege type: \"fly\"");
    exec_fails(db, "SELECT has_table_privilege('nosuchrole', 'emp', 'select')", "42704",
               "role \"nosuchrole\" does not exist");
    exec_fails(db, "SELECT has_sequence_privilege('emp', 'usage')", "42809", NULL);
    ROWS_ARE(db, "SELECT pg_size_pretty(0::bigint), pg_size_pretty(10485247::bigint), "
                 "pg_size_pretty(10485248::bigint), pg_size_pretty(-10240::bigint), "
                 "pg_size_pretty(1.5::numeric)",
             "0 bytes|10239 kB|10 MB|-10 kB|1.5 bytes");
    ROWS_ARE(db, "SELECT quote_ident('user'), quote_ident('_a1'), quote_ident(''), "
                 "quote_literal(E'x\\\\y'), quote_nullable(NULL::text), quote_nullable('o''k')",
             "\"user\"|_a1|\"\"|E'x\\\\y'|NULL|'o''k'");
    ROWS_ARE(db, "SELECT pg_encoding_to_char(8), pg_encoding_to_char(99), "
                 "pg_char_to_encoding('Latin1'), pg_char_to_encoding('unicode')",
             "LATIN1||8|6");
    ROWS_ARE(db, "SELECT obj_description('emp'::regclass), col_description('emp'::regclass, 1), "
                 "pg_get_function_arguments(1), pg_get_triggerdef(1), pg_is_in_recovery(), "
                 "inet_server_port(), pg_cancel_backend(1)",
             "NULL|NULL||NULL|f|NULL|f");
    ROWS_ARE(db, "SELECT txid_current() = txid_current(), txid_current() > 0, "
                 "pg_postmaster_start_time() <= now(), pg_sleep(0.01)",
             "t|t|t|");
    ROWS_ARE(db, "SELECT version() LIKE 'PostgreSQL 15.%', current_schema(), user = current_user",
             "t|public|t");
    /* the backend id: the process's by default, the server's when it sets one */
    ck_assert_int_eq(birch_backend_pid(db), (int32_t)getpid());
    birch_set_backend_pid(db, 4242);
    ck_assert_int_eq(birch_backend_pid(db), 4242);
    ROWS_ARE(db, "SELECT pg_backend_pid()", "4242");
    birch_set_backend_pid(db, -5);   /* refused */
    ROWS_ARE(db, "SELECT pg_backend_pid()", "4242");
    birch_close(db);
    path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_settings)
{
    const char *path = fresh_path("settings");
    birch_db *db = open_db(path);
    birch_db *other = open_db(path);
    exec_fails(db, "SHOW nosuch", "42704", "unrecognized configuration parameter \"nosuch\"");
    exec_fails(db, "SET nosuch = 1", "42704", NULL);
    exec_fails(db, "SELECT current_setting('myapp.x')", "42704",
               "unrecognized configuration parameter \"myapp.x\"");
    ROWS_ARE(db, "SELECT current_setting('myapp.x', true)", "NULL");
    exec_ok(db, "SET MyApp.X = 'hello'");
    ROWS_ARE(db, "SELECT current_setting('myapp.x'), current_setting('MYAPP.x')", "hello|hello");
    ck_assert_str_eq(birch_show(db, "myapp.x"), "hello");
    /* custom settings belong to the session */
    ck_assert_ptr_null(birch_show(other, "myapp.x"));
    exec_ok(other, "SET myapp.x = 'theirs'");
    ROWS_ARE(db, "SHOW myapp.x", "hello");
    /* SET LOCAL ends with the transaction; a rolled-back SET leaves '' behind */
    exec_ok(db, "BEGIN");
    exec_ok(db, "SET LOCAL myapp.x = 'local'");
    exec_ok(db, "SET myapp.created = 'new'");
    ROWS_ARE(db, "SELECT current_setting('myapp.x')", "local");
    exec_ok(db, "ROLLBACK");
    ROWS_ARE(db, "SELECT current_setting('myapp.x'), current_setting('myapp.created')", "hello|");
    exec_ok(db, "BEGIN");
    exec_ok(db, "SET myapp.x = 'kept'");
    exec_ok(db, "SAVEPOINT s");
    exec_ok(db, "SET myapp.x = 'undone'");
    exec_ok(db, "ROLLBACK TO SAVEPOINT s");
    ROWS_ARE(db, "SHOW myapp.x", "kept");
    exec_ok(db, "COMMIT");
    ROWS_ARE(db, "SHOW myapp.x", "kept");
    ROWS_ARE(db, "SELECT set_config('myapp.y', 'v', false), set_config('work_mem', '8MB', false)",
             "v|8MB");
    exec_ok(db, "BEGIN");
    ROWS_ARE(db, "SELECT set_config('myapp.y', 'inside', true)", "inside");
    exec_ok(db, "COMMIT");
    ROWS_ARE(db, "SHOW myapp.y", "v");
    exec_ok(db, "RESET ALL");
    ROWS_ARE(db, "SELECT current_setting('myapp.x'), current_setting('work_mem')", "|4MB");
    exec_fails(db, "SELECT set_config('nosuch', 'v', false)", "42704", NULL);
    exec_fails(db, "SELECT set_config('server_version', '9', false)", "55P02", NULL);
    ROWS_ARE(other, "SHOW myapp.x", "theirs");
    birch_close(other);
    birch_close(db);
    path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_many_rows)
{
    const char *path = fresh_path("many");
    birch_db *db = open_db(path);
    int tables = (int)(40 * test_scale());
    if (tables < 4) tables = 4;
    char sql[256];
    for (int table_idx = 0; table_idx < tables; table_idx++) {
        snprintf(sql, sizeof sql, "CREATE TABLE t%03d(a INTEGER CHECK (a > %d))", table_idx,
                 table_idx);
        exec_ok(db, sql);
    }
    /* regclass output and the catalog functions over more rows than one chunk */
    snprintf(sql, sizeof sql,
             "SELECT count(*), count(DISTINCT o::regclass::text), "
             "sum(CASE WHEN o::regclass::text ~ '^[0-9]+$' THEN 1 ELSE 0 END) "
             "FROM generate_series(16384, %d) o", 16384 + 3000);
    char expected[64];
    snprintf(expected, sizeof expected, "3001|3001|%d", 3001 - tables);   /* one OID each */
    ROWS_ARE(db, sql, expected);
    snprintf(expected, sizeof expected, "%d|%d", tables, tables);
    ROWS_ARE(db, "SELECT count(*), count(DISTINCT pg_get_constraintdef(oid, true)) "
                 "FROM pg_constraint WHERE contype = 'c'",
             expected);
    ROWS_ARE(db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                 "WHERE conrelid = 't002'::regclass",
             "CHECK ((a > 2))");
    birch_close(db);
    path_remove(path);
}
END_TEST

static Suite *catfuncs_suite(void)
{
    Suite *suite = suite_create("catfuncs");
    TCase *tcase = tcase_create("catfuncs");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_catfuncs_regclass_io);
    tcase_add_test(tcase, test_catfuncs_other_reg_types);
    tcase_add_test(tcase, test_catfuncs_snapshot_visibility);
    tcase_add_test(tcase, test_catfuncs_definitions);
    tcase_add_test(tcase, test_catfuncs_privileges_and_misc);
    tcase_add_test(tcase, test_catfuncs_settings);
    tcase_add_test(tcase, test_catfuncs_many_rows);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(catfuncs_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
