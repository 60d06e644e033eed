/* tools/slt.h: the sqllogictest runner (`slt`): engines, results and the per-file runner.
 *
 * slt.c is the driver (options, files, one forked worker per file, timeouts, counts);
 * slt_run.c parses and runs one script against one engine; slt_pg.c is the libpq engine;
 * slt_birch.c the embedded birch.h engine (built only with -DBIRCH_SLT_EMBEDDED=ON,
 * slt_birch_none.c otherwise). The format and our extensions are in tools/README.md.
 */
#ifndef BIRCH_TOOLS_SLT_H
#define BIRCH_TOOLS_SLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    SLT_SQLSTATE_SIZE = 6,      /* five characters and a NUL */
    SLT_MESSAGE_SIZE = 1024,
    SLT_TYPE_OID_BOOL = 16,     /* PostgreSQL's type OIDs the value formatting looks at */
    SLT_TYPE_OID_INT8 = 20,
    SLT_TYPE_OID_INT2 = 21,
    SLT_TYPE_OID_INT4 = 23,
    SLT_TYPE_OID_OID = 26,
    SLT_TYPE_OID_FLOAT4 = 700,
    SLT_TYPE_OID_FLOAT8 = 701,
    SLT_TYPE_OID_NUMERIC = 1700,
};

/* SltError: why a statement failed. sqlstate is "" when the engine gave none. */
typedef struct SltError {
    char sqlstate[SLT_SQLSTATE_SIZE];
    char message[SLT_MESSAGE_SIZE];
} SltError;

/* SltRows: a result set as text. values has row_count * column_count entries, row-major,
 * each malloc'd, NULL for SQL NULL; column_types holds each column's type OID. */
typedef struct SltRows {
    int       column_count;
    size_t    row_count;
    char    **values;
    uint32_t *column_types;
} SltRows;

/* slt_rows_free: free every value and array of rows and zero it; NULL-safe. */
void slt_rows_free(SltRows *rows);

/* SltConfig: what every engine may need; strings NULL when not given (libpq then uses PG*). */
typedef struct SltConfig {
    const char *host;
    const char *port;
    const char *dbname;         /* pg: the database to connect to for CREATE/DROP DATABASE */
    const char *user;
    const char *tmp_dir;        /* birch: where the per-file database files go */
    long        run_id;         /* the driver's pid: makes per-file database names unique */
} SltConfig;

typedef struct SltConn SltConn;

/* SltEngine: one backend. Each script runs on its own connection to a fresh, empty database.
 *   connect:    create a fresh database for file_idx and connect to it. On failure fills
 *               *error_out and returns false (nothing to disconnect).
 *   exec:       run sql (one record's text, possibly several statements). On success returns
 *               true and, if rows_out is not NULL, fills it with the last result set (zero
 *               columns for a statement without one). On failure fills *error_out.
 *   disconnect: close the connection and drop the fresh database.
 *   cleanup:    drop file_idx's database after its worker died (timeout, crash); idempotent. */
typedef struct SltEngine {
    const char *name;
    bool (*connect)(const SltConfig *config, int file_idx, SltConn **conn_out,
                    SltError *error_out);
    bool (*exec)(SltConn *conn, const char *sql, SltRows *rows_out, SltError *error_out);
    void (*disconnect)(SltConn *conn);
    void (*cleanup)(const SltConfig *config, int file_idx);
} SltEngine;

extern const SltEngine slt_engine_pg;
/* slt_engine_birch: the embedded engine, NULL unless built with BIRCH_SLT_EMBEDDED=ON. */
extern const SltEngine *const slt_engine_birch;

/* slt_error_set: fill error with sqlstate (NULL: "") and a printf message. */
void slt_error_set(SltError *error, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* SltCounts: one script's record counts (statement and query records only). */
typedef struct SltCounts {
    uint64_t passed;
    uint64_t failed;
    uint64_t skipped;
} SltCounts;

/* SltRunOptions: how slt_run_file runs one script.
 *   engine NULL: a dry run: nothing is executed, every record that would run counts as passed
 *   (the driver uses it to know how many records a dead worker left unrun).
 *   engine_label: the name skipif/onlyif compare with ("postgresql").
 *   failures: where failure reports go (NULL: nowhere).
 *   complete_out: --complete mode: the script is written there with every query's results,
 *   every statement's outcome and every error's SQLSTATE replaced by the engine's. */
typedef struct SltRunOptions {
    const char      *path;
    const SltEngine *engine;
    SltConn         *conn;
    const char      *engine_label;
    FILE            *failures;
    FILE            *complete_out;
} SltRunOptions;

/* slt_run_file: run the script at options->path, updating *counts as each record finishes
 * (counts may live in memory shared with the driver, so a crash loses nothing counted).
 * Returns false (after printing why to stderr) only if the file cannot be read or, in
 * --complete mode, uses `loop`. */
bool slt_run_file(const SltRunOptions *options, SltCounts *counts);

#endif
