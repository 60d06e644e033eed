/* executor/tests/test_sysview.c: pg_catalog and information_schema through include/birch.h:
 * rows for tables, indexes (a clustered table's primary key included), views, sequences,
 * constraints, defaults, identity and dropped columns; the system relations themselves; result
 * column types; pg_settings following SET; name resolution (pg_catalog first, information_schema
 * only qualified or on the search path); transactional visibility between two sessions;
 * correlated subqueries over system relations; a catalog larger than one chunk; errors. */
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
    eh_exec_ok(db, "CREATE TABLE dept(id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE, "
                   "budget NUMERIC(12,2) DEFAULT 0)");
    eh_exec_ok(db, "CREATE TABLE emp(id SERIAL PRIMARY KEY, dept_id INTEGER REFERENCES dept(id) "
                   "ON DELETE CASCADE, email TEXT, salary INTEGER CHECK (salary > 0))");
    eh_exec_ok(db, "CREATE INDEX emp_email_idx ON emp(email DESC)");
    eh_exec_ok(db, "CREATE VIEW emp_v AS SELECT id, email FROM emp");
    eh_exec_ok(db, "CREATE SEQUENCE seq_a INCREMENT BY 5 START WITH 100");
}

START_TEST(test_sysview_pg_class_and_attributes)
{
    const char *path = eh_path("sysview", "class");
    birch_db *db = eh_open(path);
    make_schema(db);
    EH_ROWS_ARE(db,
                "SELECT relname, relkind, relnatts, relam FROM pg_class "
                "WHERE relnamespace = 2200 ORDER BY relname",
                "dept|r|3|2\ndept_name_key|i|1|403\ndept_pkey|i|1|403\nemp|r|4|2\n"
                "emp_email_idx|i|1|403\nemp_id_seq|S|3|0\nemp_pkey|i|1|403\nemp_v|v|2|0\n"
                "seq_a|S|3|0");
    EH_ROWS_ARE(db,
                "SELECT relhasindex, relchecks, relhastriggers, relpersistence, reltuples "
                "FROM pg_class WHERE relname = 'emp'",
                "t|1|t|p|-1");
    /* the system relations are rows of pg_class too, with PostgreSQL's OIDs */
    EH_ROWS_ARE(db,
                "SELECT oid, relname, relnamespace, relkind FROM pg_catalog.pg_class "
                "WHERE relname IN ('pg_class', 'pg_attribute', 'pg_roles', 'tables') ORDER BY oid",
                "1249|pg_attribute|11|r\n1259|pg_class|11|r\n12000|pg_roles|11|v\n"
                "13425|tables|13000|v");
    /* user columns, system columns, types and typmods */
    EH_ROWS_ARE(db,
                "SELECT a.attname, a.attnum, a.atttypid, a.atttypmod, a.attnotnull, a.atthasdef "
                "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relname = 'dept' ORDER BY a.attnum",
                "tableoid|-6|26|-1|t|f\ncmax|-5|29|-1|t|f\nxmax|-4|28|-1|t|f\ncmin|-3|29|-1|t|f\n"
                "xmin|-2|28|-1|t|f\nctid|-1|27|-1|t|f\nid|1|23|-1|t|f\nname|2|1043|44|t|f\n"
                "budget|3|1700|786438|f|t");
    EH_ROWS_ARE(db,
                "SELECT attname, attcollation, attlen FROM pg_attribute "
                "WHERE attrelid = (SELECT oid FROM pg_class WHERE relname = 'dept') AND attnum > 0 "
                "ORDER BY attnum",
                "id|0|4\nname|100|-1\nbudget|0|-1");
    /* views have no system columns; an index has one attribute per key column */
    EH_ROWS_ARE(db,
                "SELECT attname, attnum FROM pg_attribute WHERE attrelid = "
                "(SELECT oid FROM pg_class WHERE relname = 'emp_v') ORDER BY attnum",
                "id|1\nemail|2");
    EH_ROWS_ARE(db,
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = "
                "(SELECT oid FROM pg_class WHERE relname = 'emp_email_idx')",
                "email|25");
    /* result column types are PostgreSQL's */
    birch_stmt *stmt = NULL;
    ck_assert_int_eq(birch_prepare(db, "SELECT oid, relname, reltuples, relkind, relnatts "
                                       "FROM pg_class LIMIT 1", -1, &stmt, NULL), BIRCH_OK);
    ck_assert_uint_eq(birch_column_type(stmt, 0), 26);
    ck_assert_uint_eq(birch_column_type(stmt, 1), 19);
    ck_assert_uint_eq(birch_column_type(stmt, 2), 700);
    ck_assert_uint_eq(birch_column_type(stmt, 3), 18);
    ck_assert_uint_eq(birch_column_type(stmt, 4), 21);
    ck_assert_str_eq(birch_column_name(stmt, 1), "relname");
    birch_finalize(stmt);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_sysview_indexes_constraints_defaults)
{
    const char *path = eh_path("sysview", "cons");
    birch_db *db = eh_open(path);
    make_schema(db);
    EH_ROWS_ARE(db,
                "SELECT c.relname, i.indisunique, i.indisprimary, i.indnatts, i.indkey::text, "
                "i.indoption::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "ORDER BY c.relname",
                "dept_name_key|t|f|1|2|0\ndept_pkey|t|t|1|1|0\nemp_email_idx|f|f|1|3|3\n"
                "emp_pkey|t|t|1|1|0");
    EH_ROWS_ARE(db,
                "SELECT conname, contype, conkey::text, confkey::text, confdeltype, confupdtype "
                "FROM pg_constraint WHERE contype IN ('f', 'p') ORDER BY conname",
                "dept_pkey|p|{1}|NULL| | \nemp_dept_id_fkey|f|{2}|{1}|c|a\nemp_pkey|p|{1}|NULL| | ");
    /* every constraint's index is a pg_class row (the FK's: the referenced primary key) */
    EH_ROWS_ARE(db,
                "SELECT con.conname, ic.relname FROM pg_constraint con "
                "JOIN pg_class ic ON ic.oid = con.conindid ORDER BY con.conname",
                "dept_name_key|dept_name_key\ndept_pkey|dept_pkey\nemp_dept_id_fkey|dept_pkey\n"
                "emp_pkey|emp_pkey");
    EH_ROWS_ARE(db, "SELECT conbin FROM pg_constraint WHERE contype = 'c'", "salary > 0");
    EH_ROWS_ARE(db,
                "SELECT c.relname, d.adnum, d.adbin FROM pg_attrdef d "
                "JOIN pg_class c ON c.oid = d.adrelid ORDER BY 1, 2",
                "dept|3|0\nemp|1|nextval('emp_id_seq'::regclass)");
    EH_ROWS_ARE(db,
                "SELECT c.relname, s.seqstart, s.seqincrement, s.seqmax FROM pg_sequence s "
                "JOIN pg_class c ON c.oid = s.seqrelid ORDER BY 1",
                "emp_id_seq|1|1|2147483647\nseq_a|100|5|9223372036854775807");
    EH_ROWS_ARE(db,
                "SELECT c.relname, t.relname, d.refobjsubid, d.deptype FROM pg_depend d "
                "JOIN pg_class c ON c.oid = d.objid JOIN pg_class t ON t.oid = d.refobjid "
                "WHERE d.classid = 1259 AND d.refclassid = 1259 ORDER BY 1",
                "emp_email_idx|emp|3|a\nemp_id_seq|emp|1|a");
    EH_ROWS_ARE(db,
                "SELECT con.conname, d.refobjsubid, d.deptype FROM pg_depend d "
                "JOIN pg_constraint con ON con.oid = d.objid WHERE d.classid = 2606 "
                "AND d.refobjid = (SELECT oid FROM pg_class WHERE relname = 'dept') ORDER BY 1, 2",
                "dept_name_key|2|a\ndept_pkey|1|a\nemp_dept_id_fkey|1|n");
    EH_ROWS_ARE(db, "SELECT indexdef FROM pg_indexes WHERE indexname = 'emp_email_idx'",
                "CREATE INDEX emp_email_idx ON public.emp USING btree (email DESC)");
    EH_ROWS_ARE(db, "SELECT tablename, hasindexes, hastriggers FROM pg_tables "
                    "WHERE schemaname = 'public' ORDER BY 1",
                "dept|t|t\nemp|t|t");
    EH_ROWS_ARE(db, "SELECT sequencename, start_value, increment_by, last_value FROM pg_sequences "
                    "ORDER BY 1",
                "emp_id_seq|1|1|NULL\nseq_a|100|5|NULL");
    eh_exec_ok(db, "SELECT nextval('seq_a')");
    EH_ROWS_ARE(db, "SELECT last_value FROM pg_sequences WHERE sequencename = 'seq_a'", "100");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_sysview_information_schema)
{
    const char *path = eh_path("sysview", "info");
    birch_db *db = eh_open(path);
    make_schema(db);
    eh_exec_ok(db, "CREATE TABLE ident(a INTEGER GENERATED ALWAYS AS IDENTITY, b TEXT)");
    EH_ROWS_ARE(db,
                "SELECT table_name, table_type, is_insertable_into FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY 1",
                "dept|BASE TABLE|YES\nemp|BASE TABLE|YES\nemp_v|VIEW|YES\nident|BASE TABLE|YES");
    EH_ROWS_ARE(db,
                "SELECT column_name, ordinal_position, is_nullable, data_type, "
                "character_maximum_length, numeric_precision, numeric_scale, column_default "
                "FROM information_schema.columns WHERE table_name = 'dept' ORDER BY 2",
                "id|1|NO|integer|NULL|32|0|NULL\nname|2|NO|character varying|40|NULL|NULL|NULL\n"
                "budget|3|YES|numeric|NULL|12|2|0");
    EH_ROWS_ARE(db,
                "SELECT column_name, is_identity, identity_generation, identity_start "
                "FROM information_schema.columns WHERE table_name = 'ident' ORDER BY 1",
                "a|YES|ALWAYS|1\nb|NO|NULL|NULL");
    EH_ROWS_ARE(db,
                "SELECT constraint_name, constraint_type FROM information_schema.table_constraints "
                "WHERE table_name = 'emp' AND constraint_type <> 'CHECK' ORDER BY 1",
                "emp_dept_id_fkey|FOREIGN KEY\nemp_pkey|PRIMARY KEY");
    EH_ROWS_ARE(db,
                "SELECT constraint_name, column_name, position_in_unique_constraint "
                "FROM information_schema.key_column_usage WHERE table_name = 'emp' ORDER BY 1",
                "emp_dept_id_fkey|dept_id|1\nemp_pkey|id|NULL");
    EH_ROWS_ARE(db,
                "SELECT unique_constraint_name, update_rule, delete_rule "
                "FROM information_schema.referential_constraints",
                "dept_pkey|NO ACTION|CASCADE");
    EH_ROWS_ARE(db, "SELECT sequence_name, increment FROM information_schema.sequences "
                    "WHERE sequence_name = 'seq_a'",
                "seq_a|5");
    EH_ROWS_ARE(db, "SELECT count(*) > 0 FROM information_schema.columns "
                    "WHERE table_schema = 'pg_catalog' AND table_name = 'pg_class'",
                "t");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_sysview_resolution_and_errors)
{
    const char *path = eh_path("sysview", "names");
    birch_db *db = eh_open(path);
    /* information_schema relations need the schema name unless it is on the search path */
    eh_exec_fails(db, "SELECT * FROM tables", "42P01", NULL);
    eh_exec_ok(db, "SELECT * FROM information_schema.tables");
    eh_exec_ok(db, "SET search_path = public, information_schema");
    EH_ROWS_ARE(db, "SELECT count(*) > 0 FROM schemata", "t");
    eh_exec_ok(db, "RESET search_path");
    /* pg_catalog is searched before the user's schemas */
    eh_exec_ok(db, "CREATE TABLE pg_am(x INTEGER)");
    EH_ROWS_ARE(db, "SELECT amname FROM pg_am WHERE oid = 403", "btree");
    EH_ROWS_ARE(db, "SELECT count(*) FROM public.pg_am", "0");
    eh_exec_fails(db, "SELECT * FROM pg_catalog.no_such_relation", "42P01", NULL);
    eh_exec_fails(db, "SELECT * FROM information_schema.pg_class", "42P01", NULL);
    eh_exec_fails(db, "SELECT nosuch FROM pg_class", "42703", NULL);
    eh_exec_fails(db, "INSERT INTO pg_catalog.pg_namespace VALUES (1, 'x', 10, NULL)", "42P01",
                  NULL);
    /* aliases, column aliases, schema-qualified references */
    EH_ROWS_ARE(db, "SELECT n.x FROM pg_catalog.pg_namespace AS n(y, x) WHERE n.y = 11",
                "pg_catalog");
    /* EXPLAIN names the system relation */
    char *plan = eh_query_rows(db, "EXPLAIN SELECT relname FROM pg_class WHERE relkind = 'r'");
    ck_assert_msg(strstr(plan, "Seq Scan on pg_class") != NULL, "%s", plan);
    free(plan);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_sysview_transactions_and_dropped)
{
    const char *path = eh_path("sysview", "txn");
    birch_db *one = eh_open(path);
    birch_db *two = eh_open(path);
    eh_exec_ok(one, "CREATE TABLE t(a INTEGER, b TEXT, c DATE)");
    eh_exec_ok(one, "BEGIN");
    eh_exec_ok(one, "CREATE TABLE fresh(x INTEGER)");
    EH_ROWS_ARE(one, "SELECT count(*) FROM pg_class WHERE relname = 'fresh'", "1");
    EH_ROWS_ARE(one, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'fresh'",
                "1");
    EH_ROWS_ARE(two, "SELECT count(*) FROM pg_class WHERE relname = 'fresh'", "0");
    eh_exec_ok(one, "COMMIT");
    EH_ROWS_ARE(two, "SELECT count(*) FROM pg_class WHERE relname = 'fresh'", "1");
    /* rolled back DDL never shows */
    eh_exec_ok(one, "BEGIN");
    eh_exec_ok(one, "DROP TABLE fresh");
    EH_ROWS_ARE(one, "SELECT count(*) FROM pg_class WHERE relname = 'fresh'", "0");
    EH_ROWS_ARE(two, "SELECT count(*) FROM pg_class WHERE relname = 'fresh'", "1");
    eh_exec_ok(one, "ROLLBACK");
    EH_ROWS_ARE(one, "SELECT count(*) FROM pg_class WHERE relname = 'fresh'", "1");
    /* a dropped column stays in pg_attribute as PostgreSQL shows it */
    eh_exec_ok(one, "ALTER TABLE t DROP COLUMN b");
    EH_ROWS_ARE(two,
                "SELECT attname, attnum, atttypid, attisdropped FROM pg_attribute WHERE attrelid = "
                "(SELECT oid FROM pg_class WHERE relname = 't') AND attnum > 0 ORDER BY attnum",
                "a|1|23|f\n........pg.dropped.2........|2|0|t\nc|3|1082|f");
    EH_ROWS_ARE(two, "SELECT relnatts FROM pg_class WHERE relname = 't'", "3");
    EH_ROWS_ARE(two, "SELECT column_name FROM information_schema.columns WHERE table_name = 't' "
                     "ORDER BY ordinal_position",
                "a\nc");
    birch_close(two);
    birch_close(one);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_sysview_settings_and_roles)
{
    const char *path = eh_path("sysview", "settings");
    birch_db *db = eh_open(path);
    EH_ROWS_ARE(db, "SELECT setting, unit, vartype, source FROM pg_settings WHERE name = 'work_mem'",
                "4096|kB|integer|default");
    eh_exec_ok(db, "SET work_mem = '8MB'");
    EH_ROWS_ARE(db, "SELECT setting, source FROM pg_settings WHERE name = 'work_mem'",
                "8192|session");
    eh_exec_ok(db, "SET statement_timeout = '2s'");
    EH_ROWS_ARE(db, "SELECT setting, unit FROM pg_settings WHERE name = 'statement_timeout'",
                "2000|ms");
    EH_ROWS_ARE(db, "SELECT enumvals::text FROM pg_settings WHERE name = 'bytea_output'",
                "{escape,hex}");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_settings WHERE name = 'search_path'", "1");
    /* the file's database and the two templates, the bootstrap superuser, PostgreSQL's
     * predefined roles */
    EH_ROWS_ARE(db, "SELECT datname = current_database(), encoding, datdba, datistemplate, "
                    "datallowconn FROM pg_database ORDER BY datistemplate, oid",
                "t|6|10|f|t\nf|6|10|t|t\nf|6|10|t|f");
    EH_ROWS_ARE(db, "SELECT oid, datname FROM pg_database WHERE datistemplate ORDER BY oid",
                "1|template1\n4|template0");
    EH_ROWS_ARE(db, "SELECT rolname = current_user, rolsuper FROM pg_roles WHERE oid = 10", "t|t");
    EH_ROWS_ARE(db, "SELECT rolname FROM pg_authid WHERE oid = 6171", "pg_database_owner");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_user WHERE usesysid = 10", "1");
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_auth_members", "0");
    EH_ROWS_ARE(db, "SELECT usename = current_user, state FROM pg_stat_activity", "t|active");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_sysview_joins_and_many_rows)
{
    const char *path = eh_path("sysview", "many");
    birch_db *db = eh_open(path);
    int tables = (int)(80 * eh_test_scale());
    if (tables < 4) tables = 4;
    eh_exec_ok(db, "BEGIN");
    for (int table_idx = 0; table_idx < tables; table_idx++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "CREATE TABLE many_%03d(a INTEGER PRIMARY KEY, b TEXT, c BIGINT, d DATE, "
                 "e NUMERIC, f BOOLEAN, g TEXT, h TEXT, i TEXT, j TEXT)",
                 table_idx);
        eh_exec_ok(db, sql);
    }
    eh_exec_ok(db, "COMMIT");
    /* 6 system, 10 user columns per table and one per primary key index: at scale 1,
     * pg_attribute has more rows than one chunk holds */
    char expected[64];
    snprintf(expected, sizeof expected, "%d", tables * 17);
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE c.relname LIKE 'many\\_%'",
                expected);
    if (tables >= 80) EH_ROWS_ARE(db, "SELECT count(*) > 2048 FROM pg_attribute", "t");
    /* a correlated subquery reads the system relation once per outer row */
    snprintf(expected, sizeof expected, "%d", tables);
    EH_ROWS_ARE(db, "SELECT count(*) FROM pg_class c WHERE c.relname LIKE 'many\\_%' AND "
                    "(SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND "
                    "a.attnum > 0) = 10",
                expected);
    EH_ROWS_ARE(db, "SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                    "WHERE a.attrelid = (SELECT oid FROM pg_class WHERE relname = 'many_000') "
                    "AND a.attnum > 0 ORDER BY a.attnum",
                "int4\ntext\nint8\ndate\nnumeric\nbool\ntext\ntext\ntext\ntext");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

static Suite *sysview_suite(void)
{
    Suite *suite = suite_create("sysview");
    TCase *tcase = tcase_create("sysview");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_sysview_pg_class_and_attributes);
    tcase_add_test(tcase, test_sysview_indexes_constraints_defaults);
    tcase_add_test(tcase, test_sysview_information_schema);
    tcase_add_test(tcase, test_sysview_resolution_and_errors);
    tcase_add_test(tcase, test_sysview_transactions_and_dropped);
    tcase_add_test(tcase, test_sysview_settings_and_roles);
    tcase_add_test(tcase, test_sysview_joins_and_many_rows);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(sysview_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
