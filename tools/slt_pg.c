/* tools/slt_pg.c: the `pg` engine of slt: a PostgreSQL server through libpq.
 *
 * Each script gets a fresh database slt_<run_id>_<file_idx> (CREATE DATABASE ... TEMPLATE
 * template0, from a connection to config->dbname, default "postgres"), dropped WITH (FORCE)
 * afterwards. Records run through PQexec (the simple query protocol, text results), so a
 * record may hold several statements; the last result is the record's. Notices are dropped.
 */
#include "slt.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

struct SltConn {
    PGconn     *pg;
    SltConfig   config;
    int         file_idx;
};

static void ignore_notice(void *context, const char *message) { (void)context; (void)message; }

static void database_name(const SltConfig *config, int file_idx, char *name, size_t name_size)
{
    snprintf(name, name_size, "slt_%ld_%d", config->run_id, file_idx);
}

static PGconn *pg_connect(const SltConfig *config, const char *dbname, SltError *error_out)
{
    const char *keywords[] = {"host", "port", "dbname", "user", "application_name", NULL};
    const char *values[] = {config->host, config->port, dbname, config->user, "slt", NULL};
    /* libpq skips keywords whose value is NULL, so PGHOST etc. fill what is not given */
    PGconn *pg = PQconnectdbParams(keywords, values, 0);
    if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
        const char *message = pg == NULL ? "out of memory" : PQerrorMessage(pg);
        slt_error_set(error_out, "08006", "cannot connect to PostgreSQL: %s", message);
        char *newline = strrchr(error_out->message, '\n');
        if (newline != NULL && newline[1] == '\0') *newline = '\0';
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, ignore_notice, NULL);
    return pg;
}

static bool admin_exec(const SltConfig *config, const char *sql, SltError *error_out)
{
    PGconn *pg = pg_connect(config, config->dbname != NULL ? config->dbname : "postgres", error_out);
    if (pg == NULL) return false;
    PGresult *result = PQexec(pg, sql);
    bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    if (!ok) {
        const char *sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        slt_error_set(error_out, sqlstate, "%s: %s", sql, PQresultErrorMessage(result));
    }
    PQclear(result);
    PQfinish(pg);
    return ok;
}

static void pg_cleanup(const SltConfig *config, int file_idx)
{
    char name[128];
    char sql[256];
    SltError error;
    database_name(config, file_idx, name, sizeof name);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    if (!admin_exec(config, sql, &error)) fprintf(stderr, "slt: %s\n", error.message);
}

static bool pg_connect_fresh(const SltConfig *config, int file_idx, SltConn **conn_out,
                             SltError *error_out)
{
    char name[128];
    char sql[256];
    database_name(config, file_idx, name, sizeof name);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    if (!admin_exec(config, sql, error_out)) return false;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0", name);
    if (!admin_exec(config, sql, error_out)) return false;
    PGconn *pg = pg_connect(config, name, error_out);
    if (pg == NULL) {
        pg_cleanup(config, file_idx);
        return false;
    }
    SltConn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        PQfinish(pg);
        pg_cleanup(config, file_idx);
        slt_error_set(error_out, "53200", "out of memory");
        return false;
    }
    *conn = (SltConn){.pg = pg, .config = *config, .file_idx = file_idx};
    *conn_out = conn;
    return true;
}

static bool fill_rows(PGresult *result, SltRows *rows_out)
{
    int column_count = PQnfields(result);
    size_t row_count = (size_t)PQntuples(result);
    SltRows rows = {.column_count = column_count, .row_count = row_count};
    rows.values = calloc(row_count * (size_t)column_count + 1, sizeof *rows.values);
    rows.column_types = calloc((size_t)column_count + 1, sizeof *rows.column_types);
    if (rows.values == NULL || rows.column_types == NULL) {
        slt_rows_free(&rows);
        return false;
    }
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        rows.column_types[col_idx] = (uint32_t)PQftype(result, col_idx);
    }
    for (size_t row_idx = 0; row_idx < row_count; row_idx++) {
        for (int col_idx = 0; col_idx < column_count; col_idx++) {
            if (PQgetisnull(result, (int)row_idx, col_idx)) continue;
            char *value = strdup(PQgetvalue(result, (int)row_idx, col_idx));
            if (value == NULL) {
                slt_rows_free(&rows);
                return false;
            }
            rows.values[row_idx * (size_t)column_count + (size_t)col_idx] = value;
        }
    }
    *rows_out = rows;
    return true;
}

static bool pg_exec(SltConn *conn, const char *sql, SltRows *rows_out, SltError *error_out)
{
    PGresult *result = PQexec(conn->pg, sql);
    ExecStatusType status = PQresultStatus(result);
    bool ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK
              || status == PGRES_EMPTY_QUERY;
    if (!ok) {
        const char *sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
        if (message == NULL) message = result != NULL ? PQresultErrorMessage(result) : PQerrorMessage(conn->pg);
        if (sqlstate == NULL && PQstatus(conn->pg) != CONNECTION_OK) sqlstate = "08006";
        slt_error_set(error_out, sqlstate, "%s", message[0] != '\0' ? message : PQresStatus(status));
        char *newline = strchr(error_out->message, '\n');
        if (newline != NULL) *newline = '\0';
    } else if (rows_out != NULL && !fill_rows(result, rows_out)) {
        slt_error_set(error_out, "53200", "out of memory");
        ok = false;
    }
    PQclear(result);
    return ok;
}

static void pg_disconnect(SltConn *conn)
{
    if (conn == NULL) return;
    PQfinish(conn->pg);
    pg_cleanup(&conn->config, conn->file_idx);
    free(conn);
}

const SltEngine slt_engine_pg = {
    .name = "pg",
    .connect = pg_connect_fresh,
    .exec = pg_exec,
    .disconnect = pg_disconnect,
    .cleanup = pg_cleanup,
};
