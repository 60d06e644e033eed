/* executor/tests/exec_harness.c: the shared harness of the birch.h-level executor tests
 * (exec_harness.h). */
#include "executor/tests/exec_harness.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

static char eh_file[PATH_MAX];

double eh_test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

int eh_scaled(int count)
{
    int value = (int)(count * eh_test_scale());
    return value > 10 ? value : 10;
}

void eh_path_remove(const char *path)
{
    char wal[PATH_MAX + 8];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
}

const char *eh_path(const char *suite, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(eh_file, sizeof eh_file, "%s/birch_%s_%d_%s.birch",
             dir != NULL && *dir != '\0' ? dir : "/tmp", suite, (int)getpid(), name);
    eh_path_remove(eh_file);
    return eh_file;
}

const char *eh_error_text(birch_db *db)
{
    static __thread char text[1024];
    const birch_error *error = birch_last_error(db);
    if (error == NULL) return "(no error)";
    snprintf(text, sizeof text, "%s %s", error->sqlstate, error->message);
    return text;
}

birch_db *eh_open(const char *path)
{
    birch_db *db = NULL;
    int rc = birch_open(path, NULL, &db);
    ck_assert_msg(rc == BIRCH_OK, "birch_open %s: %s", path,
                  db != NULL ? eh_error_text(db) : "out of memory");
    return db;
}

void eh_exec_ok(birch_db *db, const char *sql)
{
    int rc = birch_exec(db, sql, NULL, NULL);
    ck_assert_msg(rc == BIRCH_OK, "%s: %s", sql, eh_error_text(db));
}

void eh_exec_fails(birch_db *db, const char *sql, const char *sqlstate, const char *message)
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

void eh_expect_error(birch_db *db, int rc, const char *sqlstate)
{
    ck_assert_int_eq(rc, BIRCH_ERROR);
    const birch_error *error = birch_last_error(db);
    ck_assert_ptr_nonnull(error);
    ck_assert_msg(strcmp(error->sqlstate, sqlstate) == 0, "expected %s, got %s %s", sqlstate,
                  error->sqlstate, error->message);
}

birch_stmt *eh_prepare(birch_db *db, const char *sql)
{
    birch_stmt *stmt = NULL;
    int rc = birch_prepare(db, sql, -1, &stmt, NULL);
    ck_assert_msg(rc == BIRCH_OK && stmt != NULL, "prepare %s: %s", sql, eh_error_text(db));
    return stmt;
}

int64_t eh_scalar(birch_db *db, const char *sql)
{
    birch_stmt *stmt = eh_prepare(db, sql);
    ck_assert_msg(birch_step(stmt) == BIRCH_ROW, "%s: %s", sql, eh_error_text(db));
    int64_t value = birch_column_int64(stmt, 0);
    ck_assert_msg(birch_step(stmt) == BIRCH_DONE, "%s: more than one row", sql);
    birch_finalize(stmt);
    return value;
}

/* append: out (capacity *capacity, *size used) grown to hold sep and value. */
static char *append(char *out, size_t *size, size_t *capacity, const char *sep, const char *value)
{
    size_t need = *size + strlen(sep) + strlen(value) + 1;
    if (need > *capacity) {
        *capacity = need * 2;
        out = realloc(out, *capacity);
        ck_assert_ptr_nonnull(out);
    }
    *size += (size_t)sprintf(out + *size, "%s%s", sep, value);
    return out;
}

char *eh_query_rows(birch_db *db, const char *sql)
{
    birch_stmt *stmt = eh_prepare(db, sql);
    size_t capacity = 256, size = 0;
    char *out = malloc(capacity);
    ck_assert_ptr_nonnull(out);
    out[0] = '\0';
    int columns = birch_column_count(stmt);
    bool first_row = true;
    for (;;) {
        int rc = birch_step(stmt);
        if (rc == BIRCH_DONE) break;
        ck_assert_msg(rc == BIRCH_ROW, "%s: %s", sql, eh_error_text(db));
        for (int col_idx = 0; col_idx < columns; col_idx++) {
            size_t value_size = 0;
            const char *value = birch_column_is_null(stmt, col_idx)
                                    ? "NULL"
                                    : birch_column_text(stmt, col_idx, &value_size);
            ck_assert_msg(value != NULL, "%s: column %d: %s", sql, col_idx,
                          eh_error_text(db));
            const char *sep = col_idx > 0 ? "|" : first_row ? "" : "\n";
            out = append(out, &size, &capacity, sep, value);
        }
        first_row = false;
    }
    birch_finalize(stmt);
    return out;
}

void eh_expect_same_rows(birch_db *db, const char *sql_fast, const char *sql_reference)
{
    char *fast = eh_query_rows(db, sql_fast);
    char *reference = eh_query_rows(db, sql_reference);
    ck_assert_msg(strcmp(fast, reference) == 0, "%s\n got %.400s\n want (%s) %.400s", sql_fast,
                  fast, sql_reference, reference);
    free(fast);
    free(reference);
}

int eh_collect(void *ctx, int column_count, const char *const *values,
                    const char *const *names)
{
    (void)names;
    EhAnswer *answer = ctx;
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        const char *value = values[col_idx] != NULL ? values[col_idx] : "NULL";
        size_t size = strlen(value) + 2;
        if (answer->size + size + 1 > answer->capacity) {
            answer->capacity = (answer->capacity + size + 1) * 2;
            answer->text = realloc(answer->text, answer->capacity);
            ck_assert_ptr_nonnull(answer->text);
        }
        answer->size += (size_t)snprintf(answer->text + answer->size,
                                         answer->capacity - answer->size, "%s%c", value,
                                         col_idx + 1 == column_count ? '\n' : '|');
    }
    answer->rows++;
    return 0;
}

EhAnswer eh_run(birch_db *db, const char *sql, const char *work_mem,
                          char *sqlstate_out)
{
    char set[64];
    snprintf(set, sizeof set, "SET work_mem = '%s'", work_mem);
    eh_exec_ok(db, set);
    EhAnswer answer = {0};
    int rc = birch_exec(db, sql, eh_collect, &answer);
    sqlstate_out[0] = '\0';
    if (rc != BIRCH_OK) {
        const birch_error *error = birch_last_error(db);
        snprintf(sqlstate_out, 6, "%s", error != NULL ? error->sqlstate : "?????");
    }
    return answer;
}
