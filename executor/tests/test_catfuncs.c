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

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static void make_schema(birch_db *db)
{
    eh_exec_ok(db, "CREATE TABLE dept(id INTEGER PRIMARY KEY, name VARCHAR(20) UNIQUE)");
    eh_exec_ok(db, "CREATE TABLE emp(id SERIAL PRIMARY KEY, name VARCHAR(20) DEFAULT 'x', "
                   "salary NUMERIC(10,2) DEFAULT 0 CHECK (salary > 0), "
                   "dept_id INTEGER REFERENCES dept(id) ON DELETE SET NULL, "
                   "code TEXT CHECK (code IN ('a', 'b') AND length(code) < 3))");
    eh_exec_ok(db, "CREATE INDEX emp_name_idx ON emp(name DESC, salary)");
    eh_exec_ok(db, "CREATE TABLE \"Mixed\"(k TEXT PRIMARY KEY)");
    eh_exec_ok(db, "CREATE SCHEMA other");
    eh_exec_ok(db, "CREATE TABLE other.emp(z INTEGER)");
}

START_TEST(test_catfuncs_regclass_io)
{
    const char *path = eh_path("catfuncs", "regclass");
    birch_db *db = eh_open(path);
    make_schema(db);
    EH_ROWS_ARE(db, "SELECT 'pg_class'::regclass, 'pg_catalog.pg_class'::regclass::oid, "
                    "'emp'::regclass, 'public.emp'::regclass = 'emp'::regclass",
                "pg_class|1259|emp|t");
    /* quoting: a mixed-case name prints quoted; unquoted input folds to lower case */
    EH_ROWS_ARE(db, "SELECT '\"Mixed\"'::regclass, '\"Mixed_pkey\"'::regclass IS NOT NULL",
                "\"Mixed\"|t");
    eh_exec_fails(db, "SELECT 'Mixed'::regclass", "42P01", "relation \"mixed\" does not exist");
    /* not visible: qualified; an OID naming nothing: the number; 0 is '-' */
    EH_ROWS_ARE(db, "SELECT 'other.emp'::regclass, 4000000000::regclass, 0::regclass",
                "other.emp|4000000000|-");
    eh_exec_ok(db, "SET search_path = other, public");
    EH_ROWS_ARE(db, "SELECT 'emp'::regclass = 'other.emp'::regclass, 'public.emp'::regclass, "
                    "'dept'::regclass",
                "t|public.emp|dept");
    eh_exec_ok(db, "RESET search_path");
    /* numbers round-trip through oid, int4 and int8 */
    EH_ROWS_ARE(db, "SELECT ('emp'::regclass::int8)::regclass, ('emp'::regclass::oid::int4)::regclass, "
                    "(-1)::int4::oid, 4294967295::int8::oid::regclass::int8",
                "emp|emp|4294967295|4294967295");
    eh_exec_fails(db, "SELECT (-1)::int8::oid", "22003", "OID out of range");
    eh_exec_fails(db, "SELECT 'public.nosuch'::regclass", "42P01",
                  "relation \"public.nosuch\" does not exist");
    eh_exec_fails(db, "SELECT 'nosuch.emp'::regclass", "3F000", "schema \"nosuch\" does not exist");
    eh_exec_fails(db, "SELECT 'a.b.c.d'::regclass", "42602", "invalid name syntax");
    eh_exec_fails(db, "SELECT 'x.'::regclass", "42602", NULL);
    EH_ROWS_ARE(db, "SELECT to_regclass('nosuch'), to_regclass('other.emp'), "
                    "to_regclass(NULL) IS NULL",
                "NULL|other.emp|t");
    /* comparisons with oid columns, an unknown literal taken as an oid */
    char *oid_text = eh_query_rows(db, "SELECT 'emp'::regclass::oid");
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT c.relname FROM pg_class c WHERE c.oid = '%s' AND c.oid = 'emp'::regclass",
             oid_text);
    EH_ROWS_ARE(db, sql, "emp");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_attribute a WHERE a.attrelid = '%s' AND a.attnum > 0",
             oid_text);
    EH_ROWS_ARE(db, sql, "5");
    free(oid_text);
    EH_ROWS_ARE(db, "SELECT relname FROM pg_class WHERE oid::regclass = 'dept'::regclass",
                "dept");
    /* the regclass column type reaches the client */
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT 'emp'::regclass, pg_typeof(1)", -1, &stmt, NULL),
                     BIRCH_OK);
    ck_assert_uint_eq(birch_column_type(stmt, 0), 2205);
    ck_assert_uint_eq(birch_column_type(stmt, 1), 2206);
    birch_finalize(stmt);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_other_reg_types)
{
    const char *path = eh_path("catfuncs", "regother");
    birch_db *db = eh_open(path);
    make_schema(db);
    EH_ROWS_ARE(db, "SELECT 'int4'::regtype, 'character varying(20)'::regtype, "
                    "'pg_catalog.timestamptz'::regtype, '_int4'::regtype, 'text[]'::regtype::oid",
                "integer|character varying|timestamp with time zone|integer[]|1009");
    EH_ROWS_ARE(db, "SELECT 1043::regtype, 0::regtype, 4000000000::regtype, pg_typeof(NULL::date)",
                "character varying|-|4000000000|date");
    eh_exec_fails(db, "SELECT 'nosuch'::regtype", "42704", "type \"nosuch\" does not exist");
    EH_ROWS_ARE(db, "SELECT to_regtype('nosuch'), to_regtype('double precision')",
                "NULL|double precision");
    EH_ROWS_ARE(db, "SELECT 'other'::regnamespace::oid > 16383, 2200::regnamespace, "
                    "'pg_catalog'::regnamespace::oid",
                "t|public|11");
    eh_exec_fails(db, "SELECT 'nosuch'::regnamespace", "3F000", "schema \"nosuch\" does not exist");
    EH_ROWS_ARE(db, "SELECT 10::regrole::text = current_user, current_user::regrole::oid, "
                    "to_regrole('nosuch')",
                "t|10|NULL");
    eh_exec_fails(db, "SELECT 'nosuch'::regrole", "42704", "role \"nosuch\" does not exist");
    EH_ROWS_ARE(db, "SELECT '-'::regproc::oid, 0::regproc, 42::regproc", "0|-|42");
    eh_exec_fails(db, "SELECT 'nosuch'::regproc", "42883", NULL);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_snapshot_visibility)
{
    const char *path = eh_path("catfuncs", "snapshot");
    birch_db *db = eh_open(path);
    birch_db *other = eh_open(path);
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "CREATE TABLE fresh(a INTEGER)");
    char *oid_text = eh_query_rows(db, "SELECT 'fresh'::regclass::oid");
    EH_ROWS_ARE(db, "SELECT 'fresh'::regclass", "fresh");
    /* the other session's snapshot has no such relation: the number, and a lookup error */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s::regclass::text = '%s'", oid_text, oid_text);
    EH_ROWS_ARE(other, sql, "t");
    eh_exec_fails(other, "SELECT 'fresh'::regclass", "42P01", NULL);
    eh_exec_ok(db, "COMMIT");
    snprintf(sql, sizeof sql, "SELECT %s::regclass", oid_text);
    EH_ROWS_ARE(other, sql, "fresh");
    /* a rolled-back rename is not seen */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "ALTER TABLE fresh RENAME TO renamed");
    EH_ROWS_ARE(db, sql, "renamed");
    eh_exec_ok(db, "ROLLBACK");
    EH_ROWS_ARE(db, sql, "fresh");
    free(oid_text);
    birch_close(other);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_definitions)
{
    const char *path = eh_path("catfuncs", "defs");
    birch_db *db = eh_open(path);
    make_schema(db);
    EH_ROWS_ARE(db, "SELECT format_type(1043, 24), format_type(1700, 655366), "
                    "format_type(1083, 2), format_type(1042, -1), format_type(1042, NULL), "
                    "format_type(1015, 14), format_type(4000000000, -1), format_type(NULL, 4)",
                "character varying(20)|numeric(10,2)|time(2) without time zone|bpchar|character|"
                "character varying(10)[]|???|NULL");
    EH_ROWS_ARE(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = 'emp'::regclass AND attnum > 0 ORDER BY attnum",
                "integer\ncharacter varying(20)\nnumeric(10,2)\ninteger\ntext");
    EH_ROWS_ARE(db, "SELECT pg_get_expr(adbin, adrelid, true) FROM pg_attrdef "
                    "WHERE adrelid = 'emp'::regclass ORDER BY adnum",
                "nextval('emp_id_seq'::regclass)\n'x'::character varying\n0");
    EH_ROWS_ARE(db, "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint "
                    "WHERE conrelid = 'emp'::regclass ORDER BY conname",
                "emp_code_check|CHECK ((code = ANY (ARRAY['a'::text, 'b'::text])) AND length(code) < 3)\n"
                "emp_dept_id_fkey|FOREIGN KEY (dept_id) REFERENCES dept(id) ON DELETE SET NULL\n"
                "emp_pkey|PRIMARY KEY (id)\n"
                "emp_salary_check|CHECK (salary > 0::numeric)");
    EH_ROWS_ARE(db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conname = 'emp_code_check'",
                "CHECK (((code = ANY (ARRAY['a'::text, 'b'::text])) AND (length(code) < 3)))");
    /* the clustered primary key of dept has no index relation, yet an index definition */
    EH_ROWS_ARE(db, "SELECT pg_get_indexdef('dept_pkey'::regclass), "
                    "pg_get_indexdef('emp_name_idx'::regclass), "
                    "pg_get_indexdef('emp_name_idx'::regclass, 2, true), "
                    "pg_get_indexdef('emp'::regclass)",
                "CREATE UNIQUE INDEX dept_pkey ON public.dept USING btree (id)|"
                "CREATE INDEX emp_name_idx ON public.emp USING btree (name DESC, salary)|salary|NULL");
    EH_ROWS_ARE(db, "SELECT pg_get_serial_sequence('emp', 'id'), pg_get_serial_sequence('emp', 'name')",
                "public.emp_id_seq|NULL");
    eh_exec_fails(db, "SELECT pg_get_serial_sequence('emp', 'nosuch')", "42703",
                  "column \"nosuch\" of relation \"emp\" does not exist");
    eh_exec_ok(db, "CREATE VIEW emp_v AS SELECT id, name FROM emp");
    EH_ROWS_ARE(db, "SELECT pg_get_viewdef('emp_v'::regclass) IS NOT NULL, "
                    "pg_get_viewdef('emp'::regclass), pg_get_viewdef('emp_v') = "
                    "pg_get_viewdef('emp_v'::regclass, true)",
                "t|NULL|t");
    EH_ROWS_ARE(db, "SELECT pg_table_is_visible('other.emp'::regclass), "
                    "pg_table_is_visible('dept_pkey'::regclass), pg_table_is_visible(4000000000), "
                    "pg_relation_is_publishable('emp'), pg_relation_is_publishable('pg_class')",
                "f|t|NULL|t|f");
    EH_ROWS_ARE(db, "SELECT pg_relation_size('emp') % 8192, pg_total_relation_size('emp') > "
                    "pg_relation_size('emp'), pg_size_pretty(pg_database_size(current_database())) "
                    "LIKE '% kB', pg_relation_size(4000000000)",
                "0|t|t|NULL");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_privileges_and_misc)
{
    const char *path = eh_path("catfuncs", "priv");
    birch_db *db = eh_open(path);
    make_schema(db);
    EH_ROWS_ARE(db, "SELECT has_table_privilege('emp', 'SELECT'), "
                    "has_table_privilege('other.emp', ' insert , UPDATE WITH GRANT OPTION'), "
                    "has_schema_privilege('other', 'create'), "
                    "has_database_privilege(current_database(), 'temp'), "
                    "has_column_privilege('emp', 'name', 'references'), "
                    "has_sequence_privilege('emp_id_seq', 'usage'), "
                    "pg_has_role(current_user, 'member'), has_table_privilege(4000000000::oid, 'select')",
                "t|t|t|t|t|t|t|NULL");
    eh_exec_fails(db, "SELECT has_table_privilege('nosuch', 'select')", "42P01", NULL);
    eh_exec_fails(db, "SELECT has_schema_privilege('nosuch', 'usage')", "3F000", NULL);
    eh_exec_fails(db, "SELECT has_table_privilege('emp', 'fly')", "22023",
                  "unrecognized privilege type: \"fly\"");
    eh_exec_fails(db, "SELECT has_table_privilege('nosuchrole', 'emp', 'select')", "42704",
                  "role \"nosuchrole\" does not exist");
    eh_exec_fails(db, "SELECT has_sequence_privilege('emp', 'usage')", "42809", NULL);
    EH_ROWS_ARE(db, "SELECT pg_size_pretty(0::bigint), pg_size_pretty(10485247::bigint), "
                    "pg_size_pretty(10485248::bigint), pg_size_pretty(-10240::bigint), "
                    "pg_size_pretty(1.5::numeric)",
                "0 bytes|10239 kB|10 MB|-10 kB|1.5 bytes");
    EH_ROWS_ARE(db, "SELECT quote_ident('user'), quote_ident('_a1'), quote_ident(''), "
                    "quote_literal(E'x\\\\y'), quote_nullable(NULL::text), quote_nullable('o''k')",
                "\"user\"|_a1|\"\"|E'x\\\\y'|NULL|'o''k'");
    EH_ROWS_ARE(db, "SELECT pg_encoding_to_char(8), pg_encoding_to_char(99), "
                    "pg_char_to_encoding('Latin1'), pg_char_to_encoding('unicode')",
                "LATIN1||8|6");
    EH_ROWS_ARE(db, "SELECT obj_description('emp'::regclass), col_description('emp'::regclass, 1), "
                    "pg_get_function_arguments(1), pg_get_triggerdef(1), pg_is_in_recovery(), "
                    "inet_server_port(), pg_cancel_backend(1)",
                "NULL|NULL||NULL|f|NULL|f");
    EH_ROWS_ARE(db, "SELECT txid_current() = txid_current(), txid_current() > 0, "
                    "pg_postmaster_start_time() <= now(), pg_sleep(0.01)",
                "t|t|t|");
    EH_ROWS_ARE(db, "SELECT version() LIKE 'PostgreSQL 15.%', current_schema(), user = current_user",
                "t|public|t");
    /* the backend id: the process's by default, the server's when it sets one */
    ck_assert_int_eq(birch_backend_pid(db), (int32_t)getpid());
    birch_set_backend_pid(db, 4242);
    ck_assert_int_eq(birch_backend_pid(db), 4242);
    EH_ROWS_ARE(db, "SELECT pg_backend_pid()", "4242");
    birch_set_backend_pid(db, -5);   /* refused */
    EH_ROWS_ARE(db, "SELECT pg_backend_pid()", "4242");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_settings)
{
    const char *path = eh_path("catfuncs", "settings");
    birch_db *db = eh_open(path);
    birch_db *other = eh_open(path);
    eh_exec_fails(db, "SHOW nosuch", "42704", "unrecognized configuration parameter \"nosuch\"");
    eh_exec_fails(db, "SET nosuch = 1", "42704", NULL);
    eh_exec_fails(db, "SELECT current_setting('myapp.x')", "42704",
                  "unrecognized configuration parameter \"myapp.x\"");
    EH_ROWS_ARE(db, "SELECT current_setting('myapp.x', true)", "NULL");
    eh_exec_ok(db, "SET MyApp.X = 'hello'");
    EH_ROWS_ARE(db, "SELECT current_setting('myapp.x'), current_setting('MYAPP.x')", "hello|hello");
    ck_assert_str_eq(birch_show(db, "myapp.x"), "hello");
    /* custom settings belong to the session */
    ck_assert_ptr_null(birch_show(other, "myapp.x"));
    eh_exec_ok(other, "SET myapp.x = 'theirs'");
    EH_ROWS_ARE(db, "SHOW myapp.x", "hello");
    /* SET LOCAL ends with the transaction; a rolled-back SET leaves '' behind */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "SET LOCAL myapp.x = 'local'");
    eh_exec_ok(db, "SET myapp.created = 'new'");
    EH_ROWS_ARE(db, "SELECT current_setting('myapp.x')", "local");
    eh_exec_ok(db, "ROLLBACK");
    EH_ROWS_ARE(db, "SELECT current_setting('myapp.x'), current_setting('myapp.created')", "hello|");
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "SET myapp.x = 'kept'");
    eh_exec_ok(db, "SAVEPOINT s");
    eh_exec_ok(db, "SET myapp.x = 'undone'");
    eh_exec_ok(db, "ROLLBACK TO SAVEPOINT s");
    EH_ROWS_ARE(db, "SHOW myapp.x", "kept");
    eh_exec_ok(db, "COMMIT");
    EH_ROWS_ARE(db, "SHOW myapp.x", "kept");
    EH_ROWS_ARE(db, "SELECT set_config('myapp.y', 'v', false), set_config('work_mem', '8MB', false)",
                "v|8MB");
    eh_exec_ok(db, "BEGIN");
    EH_ROWS_ARE(db, "SELECT set_config('myapp.y', 'inside', true)", "inside");
    eh_exec_ok(db, "COMMIT");
    EH_ROWS_ARE(db, "SHOW myapp.y", "v");
    eh_exec_ok(db, "RESET ALL");
    EH_ROWS_ARE(db, "SELECT current_setting('myapp.x'), current_setting('work_mem')", "|4MB");
    eh_exec_fails(db, "SELECT set_config('nosuch', 'v', false)", "42704", NULL);
    eh_exec_fails(db, "SELECT set_config('server_version', '9', false)", "55P02", NULL);
    EH_ROWS_ARE(other, "SHOW myapp.x", "theirs");
    birch_close(other);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_catfuncs_many_rows)
{
    const char *path = eh_path("catfuncs", "many");
    birch_db *db = eh_open(path);
    int tables = (int)(40 * eh_test_scale());
    if (tables < 4) tables = 4;
    char sql[256];
    for (int table_idx = 0; table_idx < tables; table_idx++) {
        snprintf(sql, sizeof sql, "CREATE TABLE t%03d(a INTEGER CHECK (a > %d))", table_idx,
                 table_idx);
        eh_exec_ok(db, sql);
    }
    /* regclass output and the catalog functions over more rows than one chunk */
    snprintf(sql, sizeof sql,
             "SELECT count(*), count(DISTINCT o::regclass::text), "
             "sum(CASE WHEN o::regclass::text ~ '^[0-9]+$' THEN 1 ELSE 0 END) "
             "FROM generate_series(16384, %d) o", 16384 + 3000);
    char expected[64];
    snprintf(expected, sizeof expected, "3001|3001|%d", 3001 - tables);   /* one OID each */
    EH_ROWS_ARE(db, sql, expected);
    snprintf(expected, sizeof expected, "%d|%d", tables, tables);
    EH_ROWS_ARE(db, "SELECT count(*), count(DISTINCT pg_get_constraintdef(oid, true)) "
                    "FROM pg_constraint WHERE contype = 'c'",
                expected);
    EH_ROWS_ARE(db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 't002'::regclass",
                "CHECK ((a > 2))");
    birch_close(db);
    eh_path_remove(path);
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
