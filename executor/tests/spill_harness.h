/* executor/tests/spill_harness.h: what the spill tests (test_spill.c, test_spill_join.c) share:
 * one database file created once before the tests fork (its tables loaded by the test file),
 * opened again in each test, and the two checks every spilling query gets: the same answer at
 * work_mem = 64kB as in memory, and (for a query that must spill) a 53100 at 64kB when the
 * temporary file cannot be created or written, with the in-memory run unaffected. After every
 * statement, failed or not, no spill file is left open. Prefix sh_: spill harness. */
#ifndef BIRCH_EXECUTOR_TESTS_SPILL_HARNESS_H
#define BIRCH_EXECUTOR_TESTS_SPILL_HARNESS_H

#include "executor/tests/exec_harness.h"

/* sh_db: the test's connection (between sh_db_create and sh_db_loaded, and in each test). */
extern birch_db *sh_db;

/* sh_db_create: a fresh temporary directory and the database NAME.birch in it, opened as
 * sh_db for the caller to load; sh_db_loaded closes it. Both run once, before the tests fork
 * (an unchecked fixture); sh_db_remove deletes the file and the directory afterwards. */
void     sh_db_create(const char *name);
void     sh_db_loaded(void);
void     sh_db_remove(void);
/* sh_db_setup / sh_db_teardown: the checked fixture: open the file as sh_db; close it and
 * disarm every failpoint. */
void     sh_db_setup(void);
void     sh_db_teardown(void);
/* sh_exec_ok: birch_exec(sh_db, sql) must succeed. */
void     sh_exec_ok(const char *sql);
/* sh_run: the answer of sql under work_mem; *sqlstate_out the error's SQLSTATE ("" if none). */
EhAnswer sh_run(const char *sql, const char *work_mem, char *sqlstate_out);
/* sh_check_same: sql gives the same answer at 64kB as in memory, with no spill file left open. */
void     sh_check_same(const char *sql);
/* sh_check_spills: sh_check_same, and sql really spills: with a full disk
 * (exec.spill.write) or no temporary file (exec.spill.create) the 64kB run fails with 53100,
 * the in-memory run gives the same row count as before, no file stays open, and the session
 * goes on. */
void     sh_check_spills(const char *sql);

#endif
