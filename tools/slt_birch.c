/* tools/slt_birch.c: the `birch` engine of slt: the embedded engine through include/birch.h.
 *
 * Built only with -DBIRCH_SLT_EMBEDDED=ON (off until executor/ implements birch.h; then it
 * links the library that does). Each script gets a fresh database file
 * TMP/slt_<run_id>_<file_idx>.birch, removed afterwards. A record's text may hold several
 * statements: each is prepared (birch_prepare's tail) and stepped to the end; the rows of the
 * last one that returns rows are the record's result, as text (birch_column_text).
 */
#include "slt.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/birch.h"

enum { PATH_SIZE = 4096 };

struct SltConn {
    birch_db *db;
    char      path[PATH_SIZE];
};

static void database_path(const SltConfig *config, int file_idx, char *path, size_t path_size)
{
    const char *dir = config->tmp_dir != NULL ? config->tmp_dir : "/tmp";
    snprintf(path, path_size, "%s/slt_%ld_%d.birch", dir, config->run_id, file_idx);
}

static void remove_files(const char *path)
{
    char related[PATH_SIZE + 16];
    unlink(path);
    snprintf(related, sizeof related, "%s-wal", path);    /* a WAL beside the file, if any */
    unlink(related);
}

static void error_from_db(const birch_db *db, SltError *error_out)
{
    const birch_error *error = db != NULL ? birch_last_error(db) : NULL;
    if (error == NULL) {
        slt_error_set(error_out, "XX000", "birch reported an error without details");
        return;
    }
    slt_error_set(error_out, error->sqlstate, "%s", error->message);
}

static void birch_cleanup(const SltConfig *config, int file_idx)
{
    char path[PATH_SIZE];
    database_path(config, file_idx, path, sizeof path);
    remove_files(path);
}

static bool birch_connect_fresh(const SltConfig *config, int file_idx, SltConn **conn_out,
                                SltError *error_out)
{
    SltConn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        slt_error_set(error_out, "53200", "out of memory");
        return false;
    }
    database_path(config, file_idx, conn->path, sizeof conn->path);
    remove_files(conn->path);
    if (birch_open(conn->path, NULL, &conn->db) != BIRCH_OK) {
        error_from_db(conn->db, error_out);
        birch_close(conn->db);
        remove_files(conn->path);
        free(conn);
        return false;
    }
    *conn_out = conn;
    return true;
}

static bool append_row(birch_stmt *stmt, SltRows *rows)
{
    size_t column_count = (size_t)rows->column_count;
    char **values = realloc(rows->values, (rows->row_count + 1) * column_count * sizeof *values + 1);
    if (values == NULL) return false;
    rows->values = values;
    char **row = values + rows->row_count * column_count;
    for (size_t col_idx = 0; col_idx < column_count; col_idx++) row[col_idx] = NULL;
    rows->row_count++;
    for (size_t col_idx = 0; col_idx < column_count; col_idx++) {
        if (birch_column_is_null(stmt, (int)col_idx)) continue;
        size_t size = 0;
        const char *text = birch_column_text(stmt, (int)col_idx, &size);
        row[col_idx] = malloc(size + 1);
        if (row[col_idx] == NULL) return false;
        memcpy(row[col_idx], text != NULL ? text : "", size);
        row[col_idx][size] = '\0';
    }
    return true;
}

/* run_one: step stmt to the end; its rows replace *rows if it returns rows. */
static bool run_one(SltConn *conn, birch_stmt *stmt, SltRows *rows, SltError *error_out)
{
    bool returns_rows = birch_returns_rows(stmt);
    if (returns_rows && rows != NULL) {
        slt_rows_free(rows);
        rows->column_count = birch_column_count(stmt);
        rows->column_types = calloc((size_t)rows->column_count + 1, sizeof *rows->column_types);
        if (rows->column_types == NULL) goto out_of_memory;
        for (int col_idx = 0; col_idx < rows->column_count; col_idx++) {
            rows->column_types[col_idx] = birch_column_type(stmt, col_idx);
        }
    }
    for (;;) {
        int status = birch_step(stmt);
        if (status == BIRCH_DONE) return true;
        if (status == BIRCH_ROW) {
            if (returns_rows && rows != NULL && !append_row(stmt, rows)) goto out_of_memory;
            continue;
        }
        if (status == BIRCH_ERROR) {
            error_from_db(conn->db, error_out);
        } else {
            slt_error_set(error_out, "0A000", "COPY is not supported by slt (status %d)", status);
        }
        return false;
    }
out_of_memory:
    slt_error_set(error_out, "53200", "out of memory");
    return false;
}

static bool birch_exec_sql(SltConn *conn, const char *sql, SltRows *rows_out, SltError *error_out)
{
    SltRows rows = {0};
    const char *cursor = sql;
    while (cursor != NULL && *cursor != '\0') {
        birch_stmt *stmt = NULL;
        const char *tail = NULL;
        if (birch_prepare(conn->db, cursor, -1, &stmt, &tail) != BIRCH_OK) {
            error_from_db(conn->db, error_out);
            slt_rows_free(&rows);
            return false;
        }
        if (stmt == NULL) break;                        /* only whitespace or comments left */
        bool ok = run_one(conn, stmt, &rows, error_out);
        birch_finalize(stmt);
        if (!ok) {
            slt_rows_free(&rows);
            return false;
        }
        if (tail == cursor) break;
        cursor = tail;
    }
    if (rows_out != NULL) *rows_out = rows;
    else slt_rows_free(&rows);
    return true;
}

static void birch_disconnect(SltConn *conn)
{
    if (conn == NULL) return;
    birch_close(conn->db);
    remove_files(conn->path);
    free(conn);
}

static const SltEngine engine = {
    .name = "birch",
    .connect = birch_connect_fresh,
    .exec = birch_exec_sql,
    .disconnect = birch_disconnect,
    .cleanup = birch_cleanup,
};

const SltEngine *const slt_engine_birch = &engine;
