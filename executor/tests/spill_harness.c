/* executor/tests/spill_harness.c: the spill tests' shared fixture and checks
 * (spill_harness.h). */
#include "executor/tests/spill_harness.h"

#include <stdio.h>
#include <unistd.h>

#include "common/failpoint.h"
#include "executor/spill.h"

birch_db *sh_db;

static char sh_dir[256];
static char sh_file[320];

void sh_db_create(const char *name)
{
    snprintf(sh_dir, sizeof sh_dir, "/tmp/birch-test-%s-XXXXXX", name);
    ck_assert_ptr_nonnull(mkdtemp(sh_dir));
    snprintf(sh_file, sizeof sh_file, "%s/%s.birch", sh_dir, name);
    sh_db_setup();
}

void sh_db_loaded(void)
{
    ck_assert_int_eq(birch_close(sh_db), BIRCH_OK);
    sh_db = NULL;
}

void sh_db_remove(void)
{
    eh_path_remove(sh_file);
    rmdir(sh_dir);
}

void sh_db_setup(void)
{
    int rc = birch_open(sh_file, NULL, &sh_db);
    ck_assert_msg(rc == BIRCH_OK, "open %s: %s", sh_file, eh_error_text(sh_db));
}

void sh_db_teardown(void)
{
    fp_clear_all();
    birch_close(sh_db);
    sh_db = NULL;
}

void sh_exec_ok(const char *sql) { eh_exec_ok(sh_db, sql); }

EhAnswer sh_run(const char *sql, const char *work_mem, char *sqlstate_out)
{
    return eh_run(sh_db, sql, work_mem, sqlstate_out);
}

void sh_check_same(const char *sql)
{
    int64_t live_before = spill_file_live_count();
    char state[8];
    EhAnswer memory = sh_run(sql, "4GB", state);
    ck_assert_msg(state[0] == '\0', "%s in memory: %s %s", sql, state, eh_error_text(sh_db));
    ck_assert_int_gt(memory.rows, 0);
    EhAnswer spilled = sh_run(sql, "64kB", state);
    ck_assert_msg(state[0] == '\0', "%s at 64kB: %s %s", sql, state, eh_error_text(sh_db));
    ck_assert_int_eq(spilled.rows, memory.rows);
    ck_assert_msg(strcmp(spilled.text, memory.text) == 0, "%s: answers differ:\n%.400s\n--\n%.400s",
                  sql, memory.text, spilled.text);
    ck_assert_int_eq(spill_file_live_count(), live_before);
    free(memory.text);
    free(spilled.text);
}

void sh_check_spills(const char *sql)
{
    sh_check_same(sql);
    int64_t live_before = spill_file_live_count();
    char state[8];
    EhAnswer memory = sh_run(sql, "4GB", state);
    const char *failpoints[] = {"exec.spill.write", "exec.spill.create"};
    for (size_t idx = 0; idx < 2; idx++) {
        fp_set(failpoints[idx], FP_ACTION_ERROR, 0, 0);
        EhAnswer failed = sh_run(sql, "64kB", state);
        ck_assert_msg(strcmp(state, "53100") == 0, "%s with %s: '%s'", sql, failpoints[idx],
                      state);
        ck_assert_int_eq(spill_file_live_count(), live_before);
        EhAnswer again = sh_run(sql, "4GB", state);
        ck_assert_msg(state[0] == '\0', "%s in memory with %s: %s", sql, failpoints[idx], state);
        ck_assert_int_eq(again.rows, memory.rows);
        fp_clear(failpoints[idx]);
        free(failed.text);
        free(again.text);
    }
    /* the session goes on */
    EhAnswer one = sh_run("SELECT 1", "64kB", state);
    ck_assert_str_eq(state, "");
    ck_assert_str_eq(one.text, "1\n");
    free(memory.text);
    free(one.text);
}
