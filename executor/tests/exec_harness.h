/* executor/tests/exec_harness.h: what the executor tests that go through include/birch.h share:
 * a fresh database file per test, running SQL that must succeed or fail with a SQLSTATE,
 * reading a value or every row of a query as text, BIRCH_TEST_SCALE.
 *
 * Every function fails the running check test (ck_assert) instead of returning an error. Paths
 * are "$TMPDIR/birch_<suite>_<pid>_<name>.birch" (TMPDIR defaults to /tmp), so parallel ctest
 * runs of different programs never share a file. Not thread-safe except eh_error_text
 * (its buffer is per thread). Prefix eh_: exec harness. */
#ifndef BIRCH_EXECUTOR_TESTS_EXEC_HARNESS_H
#define BIRCH_EXECUTOR_TESTS_EXEC_HARNESS_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "include/birch.h"

/* eh_test_scale: BIRCH_TEST_SCALE (default 1.0; the sanitizer build sets 0.1). */
double      eh_test_scale(void);
/* eh_scaled: count scaled by eh_test_scale(), at least 10. */
int         eh_scaled(int count);
/* eh_path: the file for test name of suite, removed (with its -wal) if it exists; points
 * into a static buffer overwritten by the next call. */
const char *eh_path(const char *suite, const char *name);
/* eh_path_remove: unlink path and path-wal. */
void        eh_path_remove(const char *path);
/* eh_open: birch_open(path) with default options, which must succeed. */
birch_db   *eh_open(const char *path);
/* eh_error_text: "SQLSTATE message" of db's last error (per-thread buffer). */
const char *eh_error_text(birch_db *db);
/* eh_exec_ok: birch_exec(sql) must succeed. */
void        eh_exec_ok(birch_db *db, const char *sql);
/* eh_exec_fails: birch_exec(sql) must fail with sqlstate (and, message non-NULL, exactly
 * that message). */
void        eh_exec_fails(birch_db *db, const char *sql, const char *sqlstate,
                               const char *message);
/* eh_expect_error: rc is BIRCH_ERROR and db's last error has sqlstate. */
void        eh_expect_error(birch_db *db, int rc, const char *sqlstate);
/* eh_prepare: birch_prepare(sql) must succeed. */
birch_stmt *eh_prepare(birch_db *db, const char *sql);
/* eh_scalar: the first column of the only row of sql, as int64. */
int64_t     eh_scalar(birch_db *db, const char *sql);
/* eh_query_rows: every row of sql as "v1|v2|..." joined by '\n' ("NULL" for SQL NULL);
 * malloc'd, the caller frees it. */
char       *eh_query_rows(birch_db *db, const char *sql);
/* eh_expect_same_rows: sql_fast and sql_reference return the same rows in the same order
 * (a fast path checked against the general one); the failure shows both answers' starts. */
void        eh_expect_same_rows(birch_db *db, const char *sql_fast, const char *sql_reference);

/* EhAnswer: a result as text, rows "v1|v2|...\n" ("NULL" for SQL NULL). */
typedef struct EhAnswer {
    char  *text;               /* malloc'd, NULL if no row; the caller frees it */
    size_t size;
    size_t capacity;
    int    rows;
} EhAnswer;
/* eh_collect: birch_exec's row callback appending to the EhAnswer in ctx. */
int           eh_collect(void *ctx, int column_count, const char *const *values,
                              const char *const *names);
/* eh_run: the answer of sql after SET work_mem = work_mem; *sqlstate_out (6 bytes) the
 * error's SQLSTATE, "" if it succeeded. */
EhAnswer eh_run(birch_db *db, const char *sql, const char *work_mem,
                          char *sqlstate_out);

/* EH_ROWS_ARE: the rows of sql (eh_query_rows) are exactly expected. */
#define EH_ROWS_ARE(db, sql, expected)                                                  \
    do {                                                                                     \
        char *actual_ = eh_query_rows((db), (sql));                                     \
        ck_assert_msg(strcmp(actual_, (expected)) == 0, "%s\n--- got:\n%s\n--- want:\n%s",   \
                      (sql), actual_, (expected));                                           \
        free(actual_);                                                                       \
    } while (0)

#endif
