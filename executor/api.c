/* executor/api.c: include/birch.h, the public API, over the session (session.c) and the engine
 * registry (engine.c).
 *
 * Every call that returns int clears the session's last error first and sets it on failure
 * (birch_last_error). Values handed out (column text and binary forms) live in the statement's
 * batch arena, which is reset when the next chunk of rows is fetched, so they stay valid at
 * least until the next step as the header promises. Parameters are stored as constant vectors
 * of the parameter's type: each bind converts its C value through the same cast and input
 * kernels SQL uses, so a bind reports the error SQL would (22003 for an int8 that does not fit
 * an int4 parameter, 22P02 for text that does not parse).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/numeric.h"
#include "executor/ddl_role.h"   /* roles */
#include "executor/kern_array.h"   /* arrays: binary input */
#include "executor/session.h"
#include "executor/copy.h"   /* copy hook */
#include "include/birch.h"
#include "parser/parse.h"

static const char *const SEVERITY_NAMES[] = {"ERROR", "FATAL", "PANIC", "WARNING", "NOTICE"};

/* ---------------------------------------------------------------- errors ---- */

static void clear_error(birch_db *db)
{
    if (db == NULL || db->last_error == NULL) return;
    err_free(db->last_error);
    db->last_error = NULL;
}

static int fail(birch_db *db, Error *err)
{
    clear_error(db);
    db->last_error = err;
    db->error_view = (birch_error){
        .severity = SEVERITY_NAMES[err->severity],
        .sqlstate = sqlstate_code(err->state),
        .message = err->message != NULL ? err->message : "",
        .detail = err->detail,
        .hint = err->hint,
        .position = err->position,
        .schema_name = err->schema_name,
        .table_name = err->table_name,
        .column_name = err->column_name,
        .constraint_name = err->constraint_name,
        .context = err->context,   /* sessions: CONTEXT */
    };
    return BIRCH_ERROR;
}

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

const birch_error *birch_last_error(const birch_db *db)
{
    if (db == NULL || db->last_error == NULL) return NULL;
    return &db->error_view;
}

/* ---------------------------------------------------------------- databases ---- */

int birch_open(const char *path, const birch_open_options *options, birch_db **db_out)
{
    *db_out = NULL;
    birch_db *db = calloc(1, sizeof *db);
    if (db == NULL) return BIRCH_ERROR;
    *db_out = db;
    db->arena = arena_create(4096);
    if (db->arena == NULL) return fail(db, oom());
    EngineOptions engine_options = {.create = true};
    const char *user = NULL;   /* roles: NULL is the bootstrap role, the database owner */
    const char *application_name = NULL;
    if (options != NULL) {
        if (options->struct_size < offsetof(birch_open_options, application_name)) {
            return fail(db, err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                                    "birch_open_options.struct_size is too small"));
        }
        engine_options.create = options->create;
        engine_options.read_only = options->read_only;
        engine_options.pool_size = options->pool_size;
        if (options->user != NULL) user = options->user;
        if (options->struct_size >= offsetof(birch_open_options, database)) {
            application_name = options->application_name;
        }
        if (options->struct_size >= sizeof *options) engine_options.database_name = options->database;
    }
    if (path == NULL) {
        return fail(db, err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "database path is NULL"));
    }
    Error *err = engine_acquire(path, &engine_options, &db->engine);
    if (err != NULL) return fail(db, err);
    /* roles: the session's role must exist (28000) */
    err = ddl_role_login(engine_catalog(db->engine), engine_manager(db->engine), user, &user);
    if (err != NULL) return fail(db, err);
    err = sess_init(db, user, application_name);
    if (err != NULL) return fail(db, err);
    return BIRCH_OK;
}

int birch_close(birch_db *db)
{
    if (db == NULL) return BIRCH_OK;
    copy_forget_db(db);   /* copy hook */
    if (db->engine != NULL && (db->txn != NULL || db->block)) {
        /* roll back first: finalizing a running statement would commit its implicit txn */
        Error *rollback_err = sess_txn_end(db, false);
        if (rollback_err != NULL) err_free(rollback_err);
    }
    if (db->engine != NULL) sess_cursors_free_all(db);   /* sessions: cursors before stmts */
    while (db->stmts != NULL) sess_stmt_free(db->stmts);
    Error *err = NULL;
    if (db->engine != NULL) {
        sess_shutdown(db);
        err = engine_release(db->engine);
        db->engine = NULL;
    } else {
        sess_guc_free(db);
        free(db->user);
    }
    clear_error(db);
    arena_destroy(db->arena);
    free(db);
    if (err != NULL) {
        err_free(err);
        return BIRCH_ERROR;
    }
    return BIRCH_OK;
}

void birch_interrupt(birch_db *db)
{
    if (db == NULL || db->engine == NULL) return;
    sess_cancel(db, 1);
}

char birch_txn_status(const birch_db *db)
{
    if (db->failed) return 'E';
    return db->block ? 'T' : 'I';
}

uint64_t birch_changes(const birch_db *db) { return db->changes; }

int birch_set(birch_db *db, const char *name, const char *value)
{
    clear_error(db);
    Error *err = sess_set(db, name, value, false);
    return err != NULL ? fail(db, err) : BIRCH_OK;
}

const char *birch_show(birch_db *db, const char *name)
{
    const char *value = NULL;
    Error *err = sess_show(db, name, &value, NULL);
    if (err != NULL) {
        err_free(err);
        return NULL;
    }
    char *copy = strdup(value);
    if (copy == NULL) return NULL;
    free(db->show_buf);
    db->show_buf = copy;
    return copy;
}

void birch_set_parameter_hook(birch_db *db, birch_parameter_fn hook, void *ctx)
{
    db->parameter_hook = hook;
    db->parameter_ctx = ctx;
}

void birch_report_parameters(birch_db *db) { sess_report_parameters(db); }

void birch_set_notice_hook(birch_db *db, birch_notice_fn hook, void *ctx)
{
    db->notice_hook = hook;
    db->notice_ctx = ctx;
}

/* sessions: LISTEN / NOTIFY (the queue is session_util.c's). */
int birch_notification_next(birch_db *db, int32_t *pid_out, const char **channel_out,
                            const char **payload_out)
{
    clear_error(db);
    free(db->notify_last);
    db->notify_last = sess_notify_pop(db);
    SessNotifyMsg *msg = db->notify_last;
    if (pid_out != NULL) *pid_out = msg != NULL ? msg->pid : 0;
    if (channel_out != NULL) *channel_out = msg != NULL ? msg->channel : NULL;
    if (payload_out != NULL) *payload_out = msg != NULL ? msg->payload : NULL;
    return msg != NULL ? BIRCH_ROW : BIRCH_DONE;
}

int birch_set_notify_hook(birch_db *db, birch_notify_fn hook, void *ctx)
{
    clear_error(db);
    if (db->engine == NULL) {
        return fail(db, err_new(SQLSTATE_CONNECTION_EXCEPTION, "database is not open"));
    }
    Error *err = sess_notify_set_hook(db, hook, ctx);
    return err != NULL ? fail(db, err) : BIRCH_OK;
}

/* birch_role_verifier: roles: executor/ddl_role.c (the verifier is the catalog's). */
int birch_role_verifier(birch_db *db, const char *role, const char **verifier_out)
{
    clear_error(db);
    *verifier_out = NULL;
    if (db->engine == NULL) {
        return fail(db, err_new(SQLSTATE_CONNECTION_EXCEPTION, "database is not open"));
    }
    Error *err = ddl_role_verifier(engine_catalog(db->engine), engine_manager(db->engine),
                                   db->txn, role, verifier_out);
    return err != NULL ? fail(db, err) : BIRCH_OK;
}

/* ---------------------------------------------------------------- statements ---- */

int birch_prepare(birch_db *db, const char *sql, int sql_size, birch_stmt **stmt_out,
                  const char **tail_out)
{
    return birch_prepare_typed(db, sql, sql_size, 0, NULL, stmt_out, tail_out);
}

int birch_prepare_typed(birch_db *db, const char *sql, int sql_size, int param_type_count,
                        const uint32_t *param_type_oids, birch_stmt **stmt_out,
                        const char **tail_out)
{
    clear_error(db);
    *stmt_out = NULL;
    if (tail_out != NULL) *tail_out = sql;
    if (sql == NULL) {
        return fail(db, err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "SQL text is NULL"));
    }
    size_t size = sql_size < 0 ? strlen(sql) : (size_t)sql_size;
    if (sql_size >= 0) {
        const char *nul = memchr(sql, '\0', size);
        if (nul != NULL) size = (size_t)(nul - sql);
    }
    SessPrepared *prepared = NULL;
    size_t tail = size;
    bool terminated = sql_size < 0 || size < (size_t)sql_size;
    Error *err = sess_compile(db, sql, size, terminated,
                              param_type_count > 0 ? (uint32_t)param_type_count : 0,
                              param_type_oids, &prepared, &tail);
    if (err != NULL) {
        sess_statement_failed(db);
        return fail(db, err);
    }
    if (tail_out != NULL) *tail_out = sql + tail;
    if (prepared == NULL) return BIRCH_OK;
    err = sess_stmt_new(db, prepared, stmt_out);
    sess_prepared_release(prepared);
    return err != NULL ? fail(db, err) : BIRCH_OK;
}

int birch_stmt_clone(birch_stmt *stmt, birch_stmt **clone_out)
{
    clear_error(stmt->db);
    *clone_out = NULL;
    Error *err = sess_stmt_new(stmt->db, stmt->prepared, clone_out);
    return err != NULL ? fail(stmt->db, err) : BIRCH_OK;
}

int birch_finalize(birch_stmt *stmt)
{
    if (stmt == NULL) return BIRCH_OK;
    copy_forget(stmt);   /* copy hook */
    sess_stmt_free(stmt);
    return BIRCH_OK;
}

/* may_copy: could stmt hold a COPY state (copy.c keeps one only for COPY statements, also run
 * through EXECUTE)? The registry takes a process-wide lock: skip it for everything else. */
static bool may_copy(const birch_stmt *stmt)
{
    const AstStmt *ast = stmt->prepared->ast;
    return ast == NULL || ast->kind == AST_STMT_COPY || ast->kind == AST_STMT_EXECUTE;
}

int birch_reset(birch_stmt *stmt)
{
    clear_error(stmt->db);
    if (may_copy(stmt)) copy_forget(stmt);   /* copy hook */
    sess_stmt_reset(stmt);
    return BIRCH_OK;
}

const char *birch_sql(const birch_stmt *stmt) { return stmt->prepared->stmt_sql; }

int birch_param_count(const birch_stmt *stmt) { return (int)stmt->prepared->param_count; }

uint32_t birch_param_type(const birch_stmt *stmt, int param_idx)
{
    if (param_idx < 1 || (uint32_t)param_idx > stmt->prepared->param_count) return 0;
    return sess_param_type(stmt, (uint32_t)param_idx - 1).id;
}

/* ---------------------------------------------------------------- binds ---- */

static Error *param_check(birch_stmt *stmt, int param_idx)
{
    if (param_idx < 1 || (uint32_t)param_idx > stmt->param_count) {
        return err_new(SQLSTATE_UNDEFINED_PARAMETER, "there is no parameter $%d", param_idx);
    }
    if (stmt->state == STMT_RUNNING) {
        return err_new(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                       "cannot bind a parameter of a running statement (reset it first)");
    }
    return NULL;
}

/* bind_vector: a one-row vector of type in the session's scratch arena. */
static Error *bind_vector(birch_stmt *stmt, Type type, Vector *vec)
{
    arena_reset(stmt->db->arena);
    vec_init(vec, type, stmt->db->arena);
    return vec_reserve(vec, 1);
}

static int bind_finish(birch_stmt *stmt, int param_idx, Error *err, const Vector *vec)
{
    if (err == NULL) err = sess_bind_param(stmt, (uint32_t)param_idx - 1, vec);
    arena_reset(stmt->db->arena);
    return err != NULL ? fail(stmt->db, err) : BIRCH_OK;
}

/* bind_in_place: the stored parameter param_idx when it can be overwritten in place: bound
 * before to a value of exactly its type and form (in the bind arena), and not running. A
 * statement's parameter vectors are copied (deep) by every execution that reads them, so a
 * finished execution keeps no pointer into them. Fast path of the binds below for values the
 * cast path would store unchanged; anything else (and every error) takes that path. */
static Vector *bind_in_place(birch_stmt *stmt, int param_idx, TypeId type_id, VecPhys phys)
{
    if (param_idx < 1 || (uint32_t)param_idx > stmt->param_count) return NULL;
    if (stmt->state == STMT_RUNNING || !stmt->bound[param_idx - 1]) return NULL;
    Vector *vec = &stmt->params[param_idx - 1];
    Type type = sess_param_type(stmt, (uint32_t)param_idx - 1);
    if (type.id != type_id || vec->type.id != type_id || vec->type.typmod != type.typmod ||
        vec->phys != phys || vec->capacity < 1 || vec->arena != stmt->bind_arena) {
        return NULL;
    }
    return vec;
}

/* bind_done: the in-place value is set: a non-NULL constant. */
static int bind_done(birch_stmt *stmt, Vector *vec)
{
    vec->validity = NULL;
    vec->is_constant = true;
    clear_error(stmt->db);
    return BIRCH_OK;
}

int birch_bind_null(birch_stmt *stmt, int param_idx)
{
    clear_error(stmt->db);
    Error *err = param_check(stmt, param_idx);
    if (err != NULL) return fail(stmt->db, err);
    Vector vec;
    err = bind_vector(stmt, type_plain(TYPE_TEXT), &vec);
    if (err == NULL) err = vec_set_null(&vec, 0);
    return bind_finish(stmt, param_idx, err, &vec);
}

int birch_bind_bool(birch_stmt *stmt, int param_idx, bool value)
{
    clear_error(stmt->db);
    Error *err = param_check(stmt, param_idx);
    if (err != NULL) return fail(stmt->db, err);
    Vector vec;
    err = bind_vector(stmt, type_plain(TYPE_BOOL), &vec);
    if (err == NULL) vec_bool(&vec)[0] = value ? 1 : 0;
    return bind_finish(stmt, param_idx, err, &vec);
}

int birch_bind_int64(birch_stmt *stmt, int param_idx, int64_t value)
{
    Vector *in_place = bind_in_place(stmt, param_idx, TYPE_INT8, VEC_PHYS_I64);
    if (in_place != NULL) {
        vec_i64(in_place)[0] = value;
        return bind_done(stmt, in_place);
    }
    in_place = bind_in_place(stmt, param_idx, TYPE_INT4, VEC_PHYS_I32);
    if (in_place != NULL && value >= INT32_MIN && value <= INT32_MAX) {
        vec_i32(in_place)[0] = (int32_t)value;
        return bind_done(stmt, in_place);
    }
    in_place = bind_in_place(stmt, param_idx, TYPE_INT2, VEC_PHYS_I16);
    if (in_place != NULL && value >= INT16_MIN && value <= INT16_MAX) {
        vec_i16(in_place)[0] = (int16_t)value;
        return bind_done(stmt, in_place);
    }
    clear_error(stmt->db);
    Error *err = param_check(stmt, param_idx);
    if (err != NULL) return fail(stmt->db, err);
    Vector vec;
    err = bind_vector(stmt, type_plain(TYPE_INT8), &vec);
    if (err == NULL) vec_i64(&vec)[0] = value;
    return bind_finish(stmt, param_idx, err, &vec);
}

int birch_bind_double(birch_stmt *stmt, int param_idx, double value)
{
    Vector *in_place = bind_in_place(stmt, param_idx, TYPE_FLOAT8, VEC_PHYS_F64);
    if (in_place != NULL) {
        vec_f64(in_place)[0] = value;
        return bind_done(stmt, in_place);
    }
    clear_error(stmt->db);
    Error *err = param_check(stmt, param_idx);
    if (err != NULL) return fail(stmt->db, err);
    Vector vec;
    err = bind_vector(stmt, type_plain(TYPE_FLOAT8), &vec);
    if (err == NULL) vec_f64(&vec)[0] = value;
    return bind_finish(stmt, param_idx, err, &vec);
}

static int bind_bytes(birch_stmt *stmt, int param_idx, TypeId type, const void *data,
                      size_t size)
{
    clear_error(stmt->db);
    Error *err = param_check(stmt, param_idx);
    if (err != NULL) return fail(stmt->db, err);
    if (size > UINT32_MAX) {
        return fail(stmt->db, err_new(SQLSTATE_PROGRAM_LIMIT_EXCEEDED, "value is too long"));
    }
    Vector vec;
    err = bind_vector(stmt, type_plain(type), &vec);
    if (err == NULL) err = vec_str_set(&vec, 0, data != NULL ? data : "", (uint32_t)size);
    return bind_finish(stmt, param_idx, err, &vec);
}

int birch_bind_text(birch_stmt *stmt, int param_idx, const char *text, int size)
{
    if (text == NULL) return birch_bind_null(stmt, param_idx);
    size_t byte_count = size < 0 ? strlen(text) : (size_t)size;
    Vector *vec = bind_in_place(stmt, param_idx, TYPE_TEXT, VEC_PHYS_STR);
    /* the bind arena grows by one copy per long value: let bind_bytes compact it now and then */
    if (vec != NULL && byte_count <= UINT32_MAX &&
        arena_size(stmt->bind_arena) <= ((size_t)1 << 20)) {
        Error *err = vec_str_set(vec, 0, text, (uint32_t)byte_count);
        if (err == NULL) return bind_done(stmt, vec);
        err_free(err);
    }
    return bind_bytes(stmt, param_idx, TYPE_TEXT, text, byte_count);
}

int birch_bind_blob(birch_stmt *stmt, int param_idx, const void *data, size_t size)
{
    return bind_bytes(stmt, param_idx, TYPE_BYTEA, data, size);
}

static Error *binary_error(int param_idx)
{
    return err_new(SQLSTATE_INVALID_BINARY_REPRESENTATION,
                   "incorrect binary data format in bind parameter %d", param_idx);
}

/* decode_binary: PostgreSQL's binary (recv) format of type into vec (one row). */
static Error *decode_binary(birch_stmt *stmt, int param_idx, Type type, const uint8_t *data,
                            size_t size, Vector *vec)
{
    Arena *arena = stmt->db->arena;
    if (type.id == TYPE_NUMERIC) {
        arena_reset(arena);
        vec_init_phys(vec, type_plain(TYPE_NUMERIC), VEC_PHYS_NUMERIC, 0, arena);
        TRY(vec_reserve(vec, 1));
    } else if (type_phys(type) == VEC_PHYS_ARRAY) {   /* arrays: validate, keep the encoding */
        TRY(kern_array_check_binary(type, data, size));
        TRY(bind_vector(stmt, type, vec));
    } else {
        TRY(bind_vector(stmt, type_is_string(type.id) ? type_plain(TYPE_TEXT)
                                                      : type_plain((TypeId)type.id), vec));
    }
    Error *err = vec_binary_set(vec, 0, data, size);
    if (err != NULL && err->state == SQLSTATE_INVALID_BINARY_REPRESENTATION &&
        type.id != TYPE_NUMERIC) {
        err_free(err);
        return binary_error(param_idx);
    }
    return err;
}

int birch_bind_value(birch_stmt *stmt, int param_idx, int format, const void *data, size_t size)
{
    if (format == BIRCH_FORMAT_TEXT) return bind_bytes(stmt, param_idx, TYPE_TEXT, data, size);
    clear_error(stmt->db);
    Error *err = param_check(stmt, param_idx);
    if (err != NULL) return fail(stmt->db, err);
    if (format != BIRCH_FORMAT_BINARY) {
        return fail(stmt->db, err_new(SQLSTATE_PROTOCOL_VIOLATION,
                                      "unsupported format code: %d", format));
    }
    if (size > UINT32_MAX) return fail(stmt->db, binary_error(param_idx));
    Vector vec;
    Type type = sess_param_type(stmt, (uint32_t)param_idx - 1);
    err = decode_binary(stmt, param_idx, type, data, size, &vec);
    return bind_finish(stmt, param_idx, err, &vec);
}

int birch_clear_bindings(birch_stmt *stmt)
{
    clear_error(stmt->db);
    if (stmt->state == STMT_RUNNING) {
        return fail(stmt->db, err_new(SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                                      "cannot clear the bindings of a running statement"));
    }
    for (uint32_t idx = 0; idx < stmt->param_count; idx++) stmt->bound[idx] = false;
    arena_reset(stmt->bind_arena);
    return BIRCH_OK;
}

/* ---------------------------------------------------------------- steps ---- */

int birch_step(birch_stmt *stmt)
{
    clear_error(stmt->db);
    Error *err = NULL;
    int status = sess_step(stmt, &err);
    if (status == BIRCH_ERROR) return fail(stmt->db, err);
    return copy_step_status(stmt, status);   /* copy hook */
}

const char *birch_command_tag(const birch_stmt *stmt) { return stmt->tag; }

bool birch_returns_rows(const birch_stmt *stmt) { return stmt->prepared->returns_rows; }

int birch_column_count(const birch_stmt *stmt) { return (int)stmt->prepared->column_count; }

static const PlanColumn *column_of(const birch_stmt *stmt, int col_idx)
{
    if (col_idx < 0 || (uint32_t)col_idx >= stmt->prepared->column_count) return NULL;
    return &stmt->prepared->columns[col_idx];
}

const char *birch_column_name(const birch_stmt *stmt, int col_idx)
{
    const PlanColumn *column = column_of(stmt, col_idx);
    return column != NULL ? column->name : NULL;
}

uint32_t birch_column_type(const birch_stmt *stmt, int col_idx)
{
    const PlanColumn *column = column_of(stmt, col_idx);
    if (column == NULL) return 0;
    return column->type.id == TYPE_UNKNOWN ? TYPE_TEXT : column->type.id;
}

int32_t birch_column_typmod(const birch_stmt *stmt, int col_idx)
{
    const PlanColumn *column = column_of(stmt, col_idx);
    return column != NULL ? column->type.typmod : -1;
}

int16_t birch_column_type_size(const birch_stmt *stmt, int col_idx)
{
    const PlanColumn *column = column_of(stmt, col_idx);
    return column != NULL ? type_typlen(birch_column_type(stmt, col_idx)) : 0;
}

uint32_t birch_column_table_oid(const birch_stmt *stmt, int col_idx)
{
    const PlanColumn *column = column_of(stmt, col_idx);
    return column != NULL ? column->table_oid : 0;
}

int16_t birch_column_attnum(const birch_stmt *stmt, int col_idx)
{
    const PlanColumn *column = column_of(stmt, col_idx);
    return column != NULL ? column->attnum : 0;
}

/* ---------------------------------------------------------------- values ---- */

/* current: the current row's vector of col_idx and its slot; NULL if there is no row. */
static const Vector *current(birch_stmt *stmt, int col_idx, uint32_t *slot_out)
{
    if (!stmt->have_row || stmt->chunk == NULL || col_idx < 0 ||
        (uint32_t)col_idx >= stmt->chunk->column_count) {
        return NULL;
    }
    const Vector *column = &stmt->chunk->columns[col_idx];
    *slot_out = column->is_constant ? 0 : stmt->row_idx;
    return column;
}

bool birch_column_is_null(birch_stmt *stmt, int col_idx)
{
    uint32_t slot = 0;
    const Vector *column = current(stmt, col_idx, &slot);
    return column == NULL || vec_is_null(column, stmt->row_idx);
}

static int64_t pow10_i64(int32_t scale)
{
    int64_t value = 1;
    for (int32_t idx = 0; idx < scale && idx < 18; idx++) value *= 10;
    return value;
}

/* column_number: the value as a double and, when exact, an int64 (*is_int_out). */
static double column_number(birch_stmt *stmt, const Vector *column, uint32_t slot,
                            int64_t *int_out, bool *is_int_out)
{
    *is_int_out = true;
    switch (column->phys) {
    case VEC_PHYS_BOOL: *int_out = vec_bool(column)[slot]; return (double)*int_out;
    case VEC_PHYS_I16: *int_out = vec_i16(column)[slot]; return (double)*int_out;
    case VEC_PHYS_I32: *int_out = vec_i32(column)[slot]; return (double)*int_out;
    case VEC_PHYS_I64: *int_out = vec_i64(column)[slot]; return (double)*int_out;
    case VEC_PHYS_NUM64: {
        int64_t value = vec_i64(column)[slot], factor = pow10_i64(column->numeric_scale);
        *int_out = value / factor;
        *is_int_out = value % factor == 0;
        return (double)value / (double)factor;
    }
    default:
        break;
    }
    *is_int_out = false;
    double value = 0;
    if (column->phys == VEC_PHYS_F32) value = vec_f32(column)[slot];
    else if (column->phys == VEC_PHYS_F64) value = vec_f64(column)[slot];
    else if (column->phys == VEC_PHYS_NUMERIC) {
        Error *err = numeric_to_double(&vec_numeric(column)[slot], &value);
        if (err != NULL) err_free(err);
    } else if (column->phys == VEC_PHYS_STR) {
        const StrView *view = &vec_str(column)[slot];
        char buf[64];
        size_t size = view->size < sizeof buf - 1 ? view->size : sizeof buf - 1;
        memcpy(buf, str_view_data(view), size);
        buf[size] = '\0';
        char *end = NULL;
        errno = 0;
        long long integer = strtoll(buf, &end, 10);
        if (end != buf && *end == '\0' && errno == 0) {
            *is_int_out = true;
            *int_out = integer;
            return (double)integer;
        }
        value = strtod(buf, NULL);
    }
    (void)stmt;
    if (value >= -9.2233720368547758e18 && value < 9.2233720368547758e18) {
        *int_out = (int64_t)value;
    } else {
        *int_out = value < 0 ? INT64_MIN : INT64_MAX;
    }
    return value;
}

bool birch_column_bool(birch_stmt *stmt, int col_idx)
{
    uint32_t slot = 0;
    const Vector *column = current(stmt, col_idx, &slot);
    if (column == NULL || vec_is_null(column, stmt->row_idx)) return false;
    if (column->phys == VEC_PHYS_STR) {
        const StrView *view = &vec_str(column)[slot];
        const char *data = str_view_data(view);
        return view->size > 0 && (data[0] == 't' || data[0] == 'T' || data[0] == 'y' ||
                                  data[0] == 'Y' || data[0] == '1');
    }
    int64_t integer = 0;
    bool is_int = false;
    double value = column_number(stmt, column, slot, &integer, &is_int);
    return is_int ? integer != 0 : value != 0.0;
}

int64_t birch_column_int64(birch_stmt *stmt, int col_idx)
{
    uint32_t slot = 0;
    const Vector *column = current(stmt, col_idx, &slot);
    if (column == NULL || vec_is_null(column, stmt->row_idx)) return 0;
    int64_t integer = 0;
    bool is_int = false;
    (void)column_number(stmt, column, slot, &integer, &is_int);
    return integer;
}

double birch_column_double(birch_stmt *stmt, int col_idx)
{
    uint32_t slot = 0;
    const Vector *column = current(stmt, col_idx, &slot);
    if (column == NULL || vec_is_null(column, stmt->row_idx)) return 0.0;
    int64_t integer = 0;
    bool is_int = false;
    return column_number(stmt, column, slot, &integer, &is_int);
}

const char *birch_column_text(birch_stmt *stmt, int col_idx, size_t *size_out)
{
    if (size_out != NULL) *size_out = 0;
    uint32_t slot = 0;
    const Vector *column = current(stmt, col_idx, &slot);
    if (column == NULL || vec_is_null(column, stmt->row_idx)) return NULL;
    Error *err = NULL;
    const Vector *text = sess_column_text(stmt, (uint32_t)col_idx, &err);
    if (text == NULL) {
        fail(stmt->db, err);
        return NULL;
    }
    const StrView *view = &vec_str(text)[text->is_constant ? 0 : stmt->row_idx];
    char *copy = arena_alloc(stmt->batch_arena, (size_t)view->size + 1);
    if (copy == NULL) {
        fail(stmt->db, oom());
        return NULL;
    }
    memcpy(copy, str_view_data(view), view->size);
    copy[view->size] = '\0';
    if (size_out != NULL) *size_out = view->size;
    return copy;
}

/* binary_put: room for size bytes in the batch arena. */
static uint8_t *binary_room(birch_stmt *stmt, size_t size)
{
    uint8_t *buf = arena_alloc(stmt->batch_arena, size > 0 ? size : 1);
    if (buf == NULL) fail(stmt->db, oom());
    return buf;
}

const void *birch_column_binary(birch_stmt *stmt, int col_idx, size_t *size_out)
{
    if (size_out != NULL) *size_out = 0;
    uint32_t slot = 0;
    const Vector *column = current(stmt, col_idx, &slot);
    if (column == NULL || vec_is_null(column, stmt->row_idx)) return NULL;
    uint8_t *buf = NULL;
    size_t size = 0;
    switch (column->type.id) {
    case TYPE_BOOL:
        size = 1;
        if ((buf = binary_room(stmt, size)) != NULL) buf[0] = vec_bool(column)[slot] ? 1 : 0;
        break;
    case TYPE_INT2:
        size = 2;
        if ((buf = binary_room(stmt, size)) != NULL) {
            enc_u16be(buf, (uint16_t)vec_i16(column)[slot]);
        }
        break;
    case TYPE_INT4:
    case TYPE_DATE:
        size = 4;
        if ((buf = binary_room(stmt, size)) != NULL) {
            enc_u32be(buf, (uint32_t)vec_i32(column)[slot]);
        }
        break;
    case TYPE_OID:
        size = 4;
        if ((buf = binary_room(stmt, size)) != NULL) {
            enc_u32be(buf, (uint32_t)vec_i64(column)[slot]);
        }
        break;
    case TYPE_INT8:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        size = 8;
        if ((buf = binary_room(stmt, size)) != NULL) {
            enc_u64be(buf, (uint64_t)vec_i64(column)[slot]);
        }
        break;
    case TYPE_FLOAT4: {
        size = 4;
        uint32_t bits;
        memcpy(&bits, &vec_f32(column)[slot], 4);
        if ((buf = binary_room(stmt, size)) != NULL) enc_u32be(buf, bits);
        break;
    }
    case TYPE_FLOAT8: {
        size = 8;
        uint64_t bits;
        memcpy(&bits, &vec_f64(column)[slot], 8);
        if ((buf = binary_room(stmt, size)) != NULL) enc_u64be(buf, bits);
        break;
    }
    case TYPE_INTERVAL: {
        size = 16;
        const DtInterval *value = &((const DtInterval *)column->data)[slot];
        if ((buf = binary_room(stmt, size)) != NULL) {
            enc_u64be(buf, (uint64_t)value->time);
            enc_u32be(buf + 8, (uint32_t)value->day);
            enc_u32be(buf + 12, (uint32_t)value->month);
        }
        break;
    }
    case TYPE_NUMERIC: {
        Numeric num;
        Error *err = vec_numeric_get(column, slot, stmt->batch_arena, &num);
        if (err != NULL) {
            fail(stmt->db, err);
            return NULL;
        }
        size = numeric_pg_binary_size(&num);
        if ((buf = binary_room(stmt, size)) != NULL) numeric_to_pg_binary(&num, buf);
        break;
    }
    case TYPE_JSONB: {   /* types: jsonb_send is a version byte 1, then the text */
        const StrView *view = &vec_str(column)[slot];
        size = (size_t)view->size + 1;
        if ((buf = binary_room(stmt, size)) != NULL) {
            buf[0] = 1;
            memcpy(buf + 1, str_view_data(view), view->size);
        }
        break;
    }
    default:
        if (column->phys == VEC_PHYS_STR || column->phys == VEC_PHYS_ARRAY /* arrays: as is */) {
            const StrView *view = &vec_str(column)[slot];
            size = view->size;
            if ((buf = binary_room(stmt, size)) != NULL) memcpy(buf, str_view_data(view), size);
            break;
        }
        fail(stmt->db, err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                               "binary format for type %s is not supported",
                               type_name(column->type.id)));
        return NULL;
    }
    if (buf != NULL && size_out != NULL) *size_out = size;
    return buf;
}

/* ---------------------------------------------------------------- exec ---- */

static Error *callback_row(birch_stmt *stmt, birch_row_fn callback, void *ctx,
                           const char **values, const char **names)
{
    int column_count = birch_column_count(stmt);
    for (int col_idx = 0; col_idx < column_count; col_idx++) {
        values[col_idx] = NULL;
        if (birch_column_is_null(stmt, col_idx)) continue;
        values[col_idx] = birch_column_text(stmt, col_idx, NULL);
        if (values[col_idx] == NULL && stmt->db->last_error != NULL) {
            Error *err = stmt->db->last_error;
            stmt->db->last_error = NULL;
            return err;
        }
    }
    if (callback(ctx, column_count, values, names) != 0) {
        return err_new(SQLSTATE_QUERY_CANCELED, "canceling statement due to user request");
    }
    return NULL;
}

/* exec_one: run one parsed statement to the end, rows to callback. */
static Error *exec_one(birch_db *db, const char *sql, AstStmt *ast, birch_row_fn callback,
                       void *ctx)
{
    SessPrepared *prepared = NULL;
    Error *err = sess_compile_ast(db, sql, ast, 0, NULL, &prepared);
    if (err != NULL) {
        sess_statement_failed(db);
        return err;
    }
    birch_stmt *stmt = NULL;
    err = sess_stmt_new(db, prepared, &stmt);
    sess_prepared_release(prepared);
    if (err != NULL) return err;
    copy_exec_attach(stmt, callback, ctx);   /* copy hook */
    int column_count = birch_column_count(stmt);
    const char **values = calloc((size_t)column_count + 1, sizeof *values);
    const char **names = calloc((size_t)column_count + 1, sizeof *names);
    if (values == NULL || names == NULL) err = oom();
    for (int col_idx = 0; err == NULL && col_idx < column_count; col_idx++) {
        names[col_idx] = birch_column_name(stmt, col_idx);
    }
    while (err == NULL) {
        int status = sess_step(stmt, &err);
        if (status != BIRCH_ROW) break;
        if (callback == NULL) continue;
        err = callback_row(stmt, callback, ctx, values, names);
        if (err != NULL) sess_statement_failed(db);
    }
    free(values);
    free(names);
    copy_exec_detach(stmt);   /* copy hook */
    sess_stmt_free(stmt);
    return err;
}

int birch_exec(birch_db *db, const char *sql, birch_row_fn callback, void *ctx)
{
    clear_error(db);
    if (sql == NULL) {
        return fail(db, err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "SQL text is NULL"));
    }
    Arena *arena = arena_create(16384);
    if (arena == NULL) return fail(db, oom());
    AstStmtList *list = NULL;
    Error *err = parse_sql(arena, sql, &list);
    if (err != NULL) {
        sess_statement_failed(db);
        arena_destroy(arena);
        return fail(db, err);
    }
    /* the simple query protocol: several statements share one implicit transaction */
    bool hold = list->count > 1;
    if (hold) sess_exec_begin(db);
    for (int idx = 0; err == NULL && idx < list->count; idx++) {
        err = exec_one(db, sql, list->stmts[idx], callback, ctx);
    }
    if (hold) {   /* the implicit transaction's commit can fail too (58030, 53100) */
        Error *end_err = sess_exec_end_checked(db, err != NULL);
        if (err == NULL) err = end_err;
        else if (end_err != NULL) err_free(end_err);
    }
    arena_destroy(arena);
    return err != NULL ? fail(db, err) : BIRCH_OK;
}

/* ---------------------------------------------------------------- COPY ---- */

/* copy hook: the COPY exchange is executor/copy.c's */
int birch_copy_format(const birch_stmt *stmt, int *column_count_out)
{
    birch_stmt *own = (birch_stmt *)stmt;
    clear_error(own->db);
    Error *err = NULL;
    int format = copy_api_format(own, column_count_out, &err);
    return err != NULL ? fail(own->db, err) : format;
}

int birch_copy_put(birch_stmt *stmt, const void *data, size_t size)
{
    clear_error(stmt->db);
    Error *err = NULL;
    int status = copy_api_put(stmt, data, size, &err);
    return err != NULL ? fail(stmt->db, err) : status;
}

int birch_copy_end(birch_stmt *stmt, const char *error_message)
{
    clear_error(stmt->db);
    Error *err = NULL;
    int status = copy_api_end(stmt, error_message, &err);
    return err != NULL ? fail(stmt->db, err) : status;
}

int birch_copy_get(birch_stmt *stmt, const void **data_out, size_t *size_out)
{
    clear_error(stmt->db);
    Error *err = NULL;
    int status = copy_api_get(stmt, data_out, size_out, &err);
    return err != NULL ? fail(stmt->db, err) : status;
}

/* ---------------------------------------------------------------- versions ---- */

const char *birch_version(void) { return "birch 0.1.0"; }

const char *birch_server_version(void) { return "15.0"; }
