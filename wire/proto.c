/* wire/proto.c: the PostgreSQL protocol v3 messages of one connection: startup (SSLRequest,
 * GSSENCRequest, CancelRequest, StartupMessage), authentication through wire/auth.h, the
 * simple query protocol (several statements per Query), the extended protocol (Parse, Bind,
 * Describe, Execute with row limits, Close, Sync, Flush), COPY FROM STDIN / TO STDOUT, notices,
 * parameter status, errors.
 *
 * Every byte from the client is untrusted: messages are read through a bounds-checked reader;
 * a malformed message is a FATAL 08P01 ErrorResponse and the connection closes; strings must
 * be valid UTF-8 (22021). Statements run through include/birch.h only.
 *
 * A task (a Query's statements, or one Execute) may stop when the output reaches WIRE_OUT_HIGH
 * (task.blocked: conn.c flushes and resumes it, from another worker if the socket was full) or
 * when COPY FROM STDIN waits for data (task.copy_in: the next messages feed it).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/wire_int.h"

enum {
    PROTO_SSL_REQUEST = 80877103,
    PROTO_GSS_REQUEST = 80877104,
    PROTO_CANCEL_REQUEST = 80877102,
    PROTO_V3 = 196608,
};

typedef enum RunStatus { RUN_DONE, RUN_SUSPENDED, RUN_BLOCKED, RUN_COPY_IN, RUN_ERROR } RunStatus;

/* ---------------------------------------------------------------- writing ---- */

static void put(Conn *conn, const void *data, size_t size)
{
    if (!wbuf_append(&conn->out, data, size)) conn->end = END_PEER;   /* out of memory */
}

static void put_u8(Conn *conn, uint8_t value) { put(conn, &value, 1); }

static void put_u16(Conn *conn, uint16_t value)
{
    uint8_t bytes[2] = {(uint8_t)(value >> 8), (uint8_t)value};
    put(conn, bytes, 2);
}

static void put_u32(Conn *conn, uint32_t value)
{
    uint8_t bytes[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8),
                        (uint8_t)value};
    put(conn, bytes, 4);
}

static void put_str(Conn *conn, const char *text) { put(conn, text, strlen(text) + 1); }

/* msg_begin / msg_end: a message whose length is patched at the end. */
static size_t msg_begin(Conn *conn, char type)
{
    put_u8(conn, (uint8_t)type);
    size_t at = conn->out.size;
    put_u32(conn, 0);
    return at;
}

static void msg_end(Conn *conn, size_t at)
{
    if (conn->out.size < at + 4) return;   /* out of memory on the way */
    size_t size = conn->out.size - at;
    uint8_t *len = conn->out.data + at;
    len[0] = (uint8_t)(size >> 24);
    len[1] = (uint8_t)(size >> 16);
    len[2] = (uint8_t)(size >> 8);
    len[3] = (uint8_t)size;
}

static void send_simple(Conn *conn, char type) { msg_end(conn, msg_begin(conn, type)); }

/* send_notification_list: every notification waiting for the session, as 'A' messages. */
static void send_notification_list(Conn *conn)
{
    int32_t pid = 0;
    const char *channel = NULL, *payload = NULL;
    while (conn->end == END_NONE &&
           birch_notification_next(conn->db, &pid, &channel, &payload) == BIRCH_ROW) {
        size_t at = msg_begin(conn, 'A');
        put_u32(conn, (uint32_t)pid);
        put_str(conn, channel);
        put_str(conn, payload);
        msg_end(conn, at);
    }
}

void proto_send_notifications(Conn *conn)
{
    if (conn->phase != PHASE_READY || conn->db == NULL || conn->end != END_NONE) return;
    if (conn->task.kind != TASK_NONE || conn->txn_held || conn->skip_to_sync) return;
    if (birch_txn_status(conn->db) != 'I') return;
    send_notification_list(conn);
}

static void send_ready(Conn *conn)
{
    /* LISTEN/NOTIFY: between transactions, notifications go just before ReadyForQuery (as
     * PostgreSQL's idle loop sends them) */
    if (conn->db != NULL && birch_txn_status(conn->db) == 'I') send_notification_list(conn);
    if (wbuf_pending(&conn->params) > 0) {
        put(conn, conn->params.data + conn->params.start, wbuf_pending(&conn->params));
        wbuf_free(&conn->params);
    }
    size_t at = msg_begin(conn, 'Z');
    put_u8(conn, (uint8_t)(conn->db != NULL ? birch_txn_status(conn->db) : 'I'));
    msg_end(conn, at);
}

static void send_tag(Conn *conn, const char *tag)
{
    size_t at = msg_begin(conn, 'C');
    put_str(conn, tag != NULL ? tag : "");
    msg_end(conn, at);
}

static void put_field(Conn *conn, char code, const char *value)
{
    if (value == NULL || value[0] == '\0') return;
    put_u8(conn, (uint8_t)code);
    put_str(conn, value);
}

static void send_fields(Conn *conn, char type, const char *severity, const char *sqlstate,
                        const char *message, const char *detail, const char *hint, int position,
                        const birch_error *names)
{
    size_t at = msg_begin(conn, type);
    put_field(conn, 'S', severity);
    put_field(conn, 'V', severity);
    put_field(conn, 'C', sqlstate);
    put_field(conn, 'M', message != NULL ? message : "");
    if (message == NULL || message[0] == '\0') {
        put_u8(conn, 'M');
        put_u8(conn, 0);
    }
    put_field(conn, 'D', detail);
    put_field(conn, 'H', hint);
    if (position > 0) {
        char text[16];
        snprintf(text, sizeof text, "%d", position);
        put_field(conn, 'P', text);
    }
    if (names != NULL) {
        put_field(conn, 'W', names->context);   /* CONTEXT, as PostgreSQL sends it */
        put_field(conn, 's', names->schema_name);
        put_field(conn, 't', names->table_name);
        put_field(conn, 'c', names->column_name);
        put_field(conn, 'n', names->constraint_name);
    }
    put_u8(conn, 0);
    msg_end(conn, at);
}

static void log_error(Conn *conn, const char *severity, const char *sqlstate,
                      const char *message)
{
    wire_log(conn->server, "%s:  [%s] %s (user=%s database=%s host=%s)", severity, sqlstate,
             message, conn->user != NULL ? conn->user : "", conn->database != NULL
                                                            ? conn->database : "",
             conn->host);
}

static void send_birch_error(Conn *conn, const birch_error *err)
{
    static const birch_error NO_ERROR = {.severity = "ERROR", .sqlstate = "XX000",
                                         .message = "unknown error"};
    if (err == NULL) err = &NO_ERROR;
    send_fields(conn, 'E', err->severity, err->sqlstate, err->message, err->detail, err->hint,
                err->position, err);
    log_error(conn, err->severity, err->sqlstate, err->message);
}

static void send_db_error(Conn *conn) { send_birch_error(conn, birch_last_error(conn->db)); }

void proto_send_error(Conn *conn, const WireError *error)
{
    send_fields(conn, 'E', error->severity, error->sqlstate, error->message, error->detail,
                NULL, 0, NULL);
    log_error(conn, error->severity, error->sqlstate, error->message);
    if (strcmp(error->severity, "FATAL") == 0) conn->end = END_CLOSE;
}

static void send_error_v(Conn *conn, const char *severity, const char *sqlstate,
                         const char *format, va_list args)
{
    WireError error = {.severity = severity};
    snprintf(error.sqlstate, sizeof error.sqlstate, "%s", sqlstate);
    vsnprintf(error.message, sizeof error.message, format, args);
    proto_send_error(conn, &error);
}

void proto_send_fatal(Conn *conn, const char *sqlstate, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    send_error_v(conn, "FATAL", sqlstate, format, args);
    va_end(args);
}

static void send_error(Conn *conn, const char *sqlstate, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static void send_error(Conn *conn, const char *sqlstate, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    send_error_v(conn, "ERROR", sqlstate, format, args);
    va_end(args);
}

/* ---------------------------------------------------------------- reading ---- */

typedef struct Reader {
    const uint8_t *at;
    size_t         left;
    bool           bad;
} Reader;

static uint32_t rd_u32(Reader *rd)
{
    if (rd->left < 4) {
        rd->bad = true;
        return 0;
    }
    uint32_t value = (uint32_t)rd->at[0] << 24 | (uint32_t)rd->at[1] << 16 |
                     (uint32_t)rd->at[2] << 8 | rd->at[3];
    rd->at += 4;
    rd->left -= 4;
    return value;
}

static uint16_t rd_u16(Reader *rd)
{
    if (rd->left < 2) {
        rd->bad = true;
        return 0;
    }
    uint16_t value = (uint16_t)(rd->at[0] << 8 | rd->at[1]);
    rd->at += 2;
    rd->left -= 2;
    return value;
}

static uint8_t rd_u8(Reader *rd)
{
    if (rd->left < 1) {
        rd->bad = true;
        return 0;
    }
    uint8_t value = rd->at[0];
    rd->at++;
    rd->left--;
    return value;
}

/* rd_str: a NUL-terminated string inside the message ("" when bad). */
static const char *rd_str(Reader *rd)
{
    const uint8_t *nul = rd->left > 0 ? memchr(rd->at, 0, rd->left) : NULL;
    if (nul == NULL) {
        rd->bad = true;
        return "";
    }
    const char *text = (const char *)rd->at;
    size_t size = (size_t)(nul - rd->at) + 1;
    rd->at += size;
    rd->left -= size;
    return text;
}

static const uint8_t *rd_bytes(Reader *rd, size_t size)
{
    if (rd->left < size) {
        rd->bad = true;
        return NULL;
    }
    const uint8_t *data = rd->at;
    rd->at += size;
    rd->left -= size;
    return data;
}

/* utf8_bad: the offset of the first invalid UTF-8 sequence, or -1. */
static long utf8_bad(const uint8_t *text, size_t size)
{
    size_t idx = 0;
    while (idx < size) {
        uint8_t byte = text[idx];
        if (byte < 0x80) {
            if (byte == 0) return (long)idx;
            idx++;
            continue;
        }
        size_t need;
        uint32_t min;
        uint32_t code;
        if ((byte & 0xE0) == 0xC0) { need = 1; min = 0x80; code = byte & 0x1F; }
        else if ((byte & 0xF0) == 0xE0) { need = 2; min = 0x800; code = byte & 0x0F; }
        else if ((byte & 0xF8) == 0xF0) { need = 3; min = 0x10000; code = byte & 0x07; }
        else return (long)idx;
        for (size_t k = 1; k <= need; k++) {
            if (idx + k >= size || (text[idx + k] & 0xC0) != 0x80) return (long)idx;
            code = code << 6 | (text[idx + k] & 0x3F);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return (long)idx;
        }
        idx += need + 1;
    }
    return -1;
}

/* check_utf8: false after sending 22021 (as an ERROR, or FATAL during startup). */
static bool check_utf8(Conn *conn, const void *data, size_t size, bool fatal)
{
    long bad = utf8_bad(data, size);
    if (bad < 0) return true;
    const uint8_t *at = (const uint8_t *)data + bad;
    char bytes[32] = "";
    size_t shown = 0;
    for (size_t k = 0; k < 4 && (size_t)bad + k < size; k++) {
        shown += (size_t)snprintf(bytes + shown, sizeof bytes - shown, "%s0x%02x",
                                  k > 0 ? " " : "", at[k]);
        if (k == 0 && at[0] < 0xC0) break;
    }
    if (fatal) {
        proto_send_fatal(conn, "22021", "invalid byte sequence for encoding \"UTF8\": %s", bytes);
    } else {
        send_error(conn, "22021", "invalid byte sequence for encoding \"UTF8\": %s", bytes);
    }
    return false;
}

static void protocol_violation(Conn *conn, const char *what)
{
    proto_send_fatal(conn, "08P01", "%s", what);
}

/* ---------------------------------------------------------------- hooks ---- */

static void on_parameter(void *ctx, const char *name, const char *value)
{
    Conn *conn = ctx;
    if (strcmp(name, "session_authorization") == 0 && (value == NULL || value[0] == '\0')) {
        value = conn->user;
    }
    WireBuf *buf = &conn->params;
    uint32_t size = (uint32_t)(4 + strlen(name) + 1 + strlen(value != NULL ? value : "") + 1);
    uint8_t head[5] = {'S', (uint8_t)(size >> 24), (uint8_t)(size >> 16), (uint8_t)(size >> 8),
                       (uint8_t)size};
    wbuf_append(buf, head, 5);
    wbuf_append(buf, name, strlen(name) + 1);
    wbuf_append(buf, value != NULL ? value : "", strlen(value != NULL ? value : "") + 1);
}

static void on_notice(void *ctx, const birch_error *notice)
{
    Conn *conn = ctx;
    send_fields(conn, 'N', notice->severity, notice->sqlstate, notice->message, notice->detail,
                notice->hint, notice->position, notice);
}

/* ---------------------------------------------------------------- portals and statements ---- */

static void portal_free(WPortal *portal)
{
    if (portal == NULL) return;
    birch_finalize(portal->stmt);
    free(portal->name);
    free(portal->formats);
    free(portal);
}

static WStmt **stmt_slot(Conn *conn, const char *name)
{
    WStmt **slot = &conn->stmts;
    while (*slot != NULL && strcmp((*slot)->name, name) != 0) slot = &(*slot)->next;
    return slot;
}

static WPortal **portal_slot(Conn *conn, const char *name)
{
    WPortal **slot = &conn->portals;
    while (*slot != NULL && strcmp((*slot)->name, name) != 0) slot = &(*slot)->next;
    return slot;
}

static void portals_close_all(Conn *conn)
{
    while (conn->portals != NULL) {
        WPortal *portal = conn->portals;
        conn->portals = portal->next;
        if (conn->task.portal == portal) conn->task.portal = NULL;
        portal_free(portal);
    }
}

static void task_clear(Conn *conn)
{
    Task *task = &conn->task;
    if (task->kind == TASK_SIMPLE) {
        portal_free(task->portal);
        task->portal = NULL;
        birch_query_close(task->query, true);
        task->query = NULL;
    }
    free(task->log_sql);
    memset(task, 0, sizeof *task);
}

void proto_release_session(Conn *conn)
{
    task_clear(conn);
    portals_close_all(conn);
    while (conn->stmts != NULL) {
        WStmt *stmt = conn->stmts;
        conn->stmts = stmt->next;
        birch_finalize(stmt->stmt);
        free(stmt->name);
        free(stmt);
    }
    if (conn->txn_held && conn->db != NULL) birch_txn_release(conn->db, true);
    conn->txn_held = false;
}

static void send_row_description(Conn *conn, birch_stmt *stmt, const int16_t *formats)
{
    int count = birch_column_count(stmt);
    size_t at = msg_begin(conn, 'T');
    put_u16(conn, (uint16_t)count);
    for (int col = 0; col < count; col++) {
        const char *name = birch_column_name(stmt, col);
        put_str(conn, name != NULL ? name : "?column?");
        put_u32(conn, birch_column_table_oid(stmt, col));
        put_u16(conn, (uint16_t)birch_column_attnum(stmt, col));
        put_u32(conn, birch_column_type(stmt, col));
        put_u16(conn, (uint16_t)birch_column_type_size(stmt, col));
        put_u32(conn, (uint32_t)birch_column_typmod(stmt, col));
        put_u16(conn, (uint16_t)(formats != NULL ? formats[col] : 0));
    }
    msg_end(conn, at);
}

/* send_data_row: false if a value could not be converted (the error is the db's). */
static bool send_data_row(Conn *conn, WPortal *portal)
{
    birch_stmt *stmt = portal->stmt;
    size_t row_start = conn->out.size;
    size_t at = msg_begin(conn, 'D');
    put_u16(conn, (uint16_t)portal->column_count);
    for (int col = 0; col < portal->column_count; col++) {
        if (birch_column_is_null(stmt, col)) {
            put_u32(conn, 0xFFFFFFFFu);
            continue;
        }
        size_t size = 0;
        const void *data = portal->formats != NULL && portal->formats[col] == 1
                               ? birch_column_binary(stmt, col, &size)
                               : (const void *)birch_column_text(stmt, col, &size);
        if (data == NULL) {
            conn->out.size = row_start;
            return false;
        }
        put_u32(conn, (uint32_t)size);
        put(conn, data, size);
    }
    msg_end(conn, at);
    return true;
}

static void send_copy_response(Conn *conn, char type, birch_stmt *stmt)
{
    int columns = 0;
    int format = birch_copy_format(stmt, &columns);
    if (format != BIRCH_FORMAT_BINARY) format = BIRCH_FORMAT_TEXT;
    size_t at = msg_begin(conn, type);
    put_u8(conn, (uint8_t)format);
    put_u16(conn, (uint16_t)columns);
    for (int col = 0; col < columns; col++) put_u16(conn, (uint16_t)format);
    msg_end(conn, at);
}

/* send_done_tag: CommandComplete; a SELECT counts the rows of this Execute, as PostgreSQL
 * does for a portal fetched in parts. */
static void send_done_tag(Conn *conn, birch_stmt *stmt)
{
    const char *tag = birch_command_tag(stmt);
    if (tag != NULL && strncmp(tag, "SELECT ", 7) == 0) {
        char text[32];
        snprintf(text, sizeof text, "SELECT %lld", (long long)conn->task.rows);
        send_tag(conn, text);
        return;
    }
    send_tag(conn, tag);
}

/* portal_run: step the portal, sending rows, until done, max_rows, a full output, COPY IN
 * or an error (not sent: the caller sends birch_last_error). */
static RunStatus portal_run(Conn *conn, WPortal *portal, int64_t max_rows)
{
    birch_stmt *stmt = portal->stmt;
    for (;;) {
        if (conn->end == END_PEER) return RUN_ERROR;
        if (wbuf_pending(&conn->out) >= WIRE_OUT_HIGH) return RUN_BLOCKED;
        if (portal->copy_out) {
            const void *data = NULL;
            size_t size = 0;
            int status = birch_copy_get(stmt, &data, &size);
            if (status == BIRCH_ROW) {
                size_t at = msg_begin(conn, 'd');
                put(conn, data, size);
                msg_end(conn, at);
                continue;
            }
            if (status != BIRCH_DONE) return RUN_ERROR;
            portal->copy_out = false;
            send_simple(conn, 'c');
            send_tag(conn, birch_command_tag(stmt));
            portal->done = true;
            return RUN_DONE;
        }
        if (max_rows > 0 && conn->task.rows >= max_rows) {
            send_simple(conn, 's');
            return RUN_SUSPENDED;
        }
        int status = birch_step(stmt);
        switch (status) {
        case BIRCH_ROW:
            if (!send_data_row(conn, portal)) return RUN_ERROR;
            conn->task.rows++;
            continue;
        case BIRCH_DONE:
            send_done_tag(conn, stmt);
            portal->done = true;
            return RUN_DONE;
        case BIRCH_COPY_IN:
            send_copy_response(conn, 'G', stmt);
            return RUN_COPY_IN;
        case BIRCH_COPY_OUT:
            send_copy_response(conn, 'H', stmt);
            portal->copy_out = true;
            continue;
        default:
            return RUN_ERROR;
        }
    }
}

static void log_duration(Conn *conn, const char *sql)
{
    int64_t min_ms = conn->server->cfg.log_min_duration_ms;
    if (min_ms < 0 || conn->task.start_us == 0) return;
    int64_t elapsed = wire_now_us() - conn->task.start_us;
    if (elapsed < min_ms * 1000) return;
    wire_log(conn->server, "LOG:  duration: %.3f ms  statement: %s (user=%s database=%s)",
             (double)elapsed / 1000.0, sql != NULL ? sql : "", conn->user, conn->database);
}

/* after_transaction: portals die with the transaction that made them (PostgreSQL closes
 * every non-holdable portal at commit or rollback). */
static void after_transaction(Conn *conn)
{
    if (conn->db != NULL && birch_txn_status(conn->db) == 'I') portals_close_all(conn);
}

/* ---------------------------------------------------------------- simple query ---- */

static void simple_finish(Conn *conn, bool failed)
{
    Task *task = &conn->task;
    portal_free(task->portal);
    task->portal = NULL;
    /* the string's implicit transaction commits here: its failure (a full disk, a failed
     * fsync, a notification queue overflow) is the string's error */
    if (birch_query_close(task->query, failed) != BIRCH_OK) send_db_error(conn);
    task->query = NULL;
    log_duration(conn, task->log_sql);
    task_clear(conn);
    after_transaction(conn);
    send_ready(conn);
}

static void simple_continue(Conn *conn)
{
    Task *task = &conn->task;
    for (;;) {
        if (task->portal == NULL) {
            birch_stmt *stmt = NULL;
            if (birch_query_next(task->query, &stmt) != BIRCH_OK) {
                send_db_error(conn);
                simple_finish(conn, true);
                return;
            }
            if (stmt == NULL) {
                simple_finish(conn, false);
                return;
            }
            WPortal *portal = calloc(1, sizeof *portal);
            if (portal == NULL) {
                birch_finalize(stmt);
                send_error(conn, "53200", "out of memory");
                simple_finish(conn, true);
                return;
            }
            portal->stmt = stmt;
            portal->column_count = birch_column_count(stmt);
            task->portal = portal;
            task->rows = 0;
            if (birch_returns_rows(stmt)) send_row_description(conn, stmt, NULL);
        }
        RunStatus status = portal_run(conn, task->portal, 0);
        switch (status) {
        case RUN_DONE:
        case RUN_SUSPENDED:
            portal_free(task->portal);
            task->portal = NULL;
            continue;
        case RUN_BLOCKED:
            task->blocked = true;
            return;
        case RUN_COPY_IN:
            task->copy_in = true;
            return;
        case RUN_ERROR:
            if (conn->end == END_PEER) {
                simple_finish(conn, true);
                return;
            }
            send_db_error(conn);
            simple_finish(conn, true);
            return;
        }
    }
}

static void release_held(Conn *conn, bool failed)
{
    if (!conn->txn_held) return;
    if (conn->db != NULL && birch_txn_status(conn->db) == 'I') portals_close_all(conn);
    birch_txn_release(conn->db, failed);
    conn->txn_held = false;
}

static void handle_query(Conn *conn, Reader *rd)
{
    const char *sql = rd_str(rd);
    if (rd->bad || rd->left != 0) {
        protocol_violation(conn, "invalid message format");
        return;
    }
    release_held(conn, false);
    if (!check_utf8(conn, sql, strlen(sql), false)) {
        birch_txn_fail(conn->db);
        send_ready(conn);
        return;
    }
    /* a Query drops the unnamed statement and portal */
    WPortal **portal = portal_slot(conn, "");
    if (*portal != NULL) {
        WPortal *old = *portal;
        *portal = old->next;
        portal_free(old);
    }
    WStmt **stmt = stmt_slot(conn, "");
    if (*stmt != NULL) {
        WStmt *old = *stmt;
        *stmt = old->next;
        birch_finalize(old->stmt);
        free(old->name);
        free(old);
    }
    Task *task = &conn->task;
    task_clear(conn);
    task->start_us = wire_now_us();
    if (conn->server->cfg.log_min_duration_ms >= 0) task->log_sql = strdup(sql);
    int count = 0;
    if (birch_query_open(conn->db, sql, &task->query, &count) != BIRCH_OK) {
        send_db_error(conn);
        task_clear(conn);
        after_transaction(conn);
        send_ready(conn);
        return;
    }
    if (count == 0) {
        send_simple(conn, 'I');
        birch_query_close(task->query, false);
        task->query = NULL;
        task_clear(conn);
        send_ready(conn);
        return;
    }
    task->kind = TASK_SIMPLE;
    simple_continue(conn);
}

/* ---------------------------------------------------------------- extended query ---- */

static void extended_error(Conn *conn)
{
    conn->skip_to_sync = true;
}

/* only_comments: the rest of a Parse string holds no further statement. */
static bool only_comments(const char *text)
{
    while (*text != '\0') {
        if (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r' || *text == '\f' ||
            *text == ';') {
            text++;
        } else if (text[0] == '-' && text[1] == '-') {
            while (*text != '\0' && *text != '\n') text++;
        } else if (text[0] == '/' && text[1] == '*') {
            const char *end = strstr(text + 2, "*/");
            if (end == NULL) return true;
            text = end + 2;
        } else {
            return false;
        }
    }
    return true;
}

static void handle_parse(Conn *conn, Reader *rd)
{
    const char *name = rd_str(rd);
    const char *sql = rd_str(rd);
    uint16_t type_count = rd_u16(rd);
    uint32_t *types = NULL;
    if (!rd->bad && type_count > 0) {
        types = calloc(type_count, sizeof *types);
        if (types == NULL) {
            conn->end = END_PEER;
            return;
        }
        for (uint16_t idx = 0; idx < type_count; idx++) types[idx] = rd_u32(rd);
    }
    if (rd->bad || rd->left != 0) {
        free(types);
        protocol_violation(conn, "invalid message format");
        return;
    }
    if (!check_utf8(conn, name, strlen(name), false) ||
        !check_utf8(conn, sql, strlen(sql), false)) {
        free(types);
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    WStmt **slot = stmt_slot(conn, name);
    if (*slot != NULL && name[0] != '\0') {
        free(types);
        send_error(conn, "42P05", "prepared statement \"%s\" already exists", name);
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    birch_stmt *stmt = NULL;
    const char *tail = NULL;
    int status = birch_prepare_typed(conn->db, sql, -1, type_count, types, &stmt, &tail);
    free(types);
    if (status != BIRCH_OK) {
        send_db_error(conn);
        extended_error(conn);
        return;
    }
    if (tail != NULL && !only_comments(tail)) {
        birch_finalize(stmt);
        send_error(conn, "42601", "cannot insert multiple commands into a prepared statement");
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    if (*slot != NULL) {   /* the unnamed statement is replaced */
        birch_finalize((*slot)->stmt);
        (*slot)->stmt = stmt;
    } else {
        WStmt *entry = calloc(1, sizeof *entry);
        char *copy = strdup(name);
        if (entry == NULL || copy == NULL) {
            free(entry);
            free(copy);
            birch_finalize(stmt);
            conn->end = END_PEER;
            return;
        }
        entry->name = copy;
        entry->stmt = stmt;
        entry->next = conn->stmts;
        conn->stmts = entry;
    }
    send_simple(conn, '1');
}

static void send_no_statement(Conn *conn, const char *name)
{
    if (name[0] == '\0') send_error(conn, "26000", "unnamed prepared statement does not exist");
    else send_error(conn, "26000", "prepared statement \"%s\" does not exist", name);
}

static void handle_bind(Conn *conn, Reader *rd)
{
    const char *portal_name = rd_str(rd);
    const char *stmt_name = rd_str(rd);
    uint16_t format_count = rd_u16(rd);
    const uint8_t *format_bytes = rd_bytes(rd, (size_t)format_count * 2);
    uint16_t param_count = rd_u16(rd);
    if (rd->bad) {
        protocol_violation(conn, "invalid message format");
        return;
    }
    WStmt *entry = *stmt_slot(conn, stmt_name);
    if (entry == NULL) {
        send_no_statement(conn, stmt_name);
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    WPortal **slot = portal_slot(conn, portal_name);
    if (*slot != NULL && portal_name[0] != '\0') {
        send_error(conn, "42P03", "portal \"%s\" already exists", portal_name);
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    int expected = entry->stmt != NULL ? birch_param_count(entry->stmt) : 0;
    if (format_count > 1 && format_count != param_count) {
        protocol_violation(conn, "bind message has wrong number of parameter formats");
        return;
    }
    if (param_count != expected) {
        send_error(conn, "08P01",
                   "bind message supplies %d parameters, but prepared statement \"%s\" "
                   "requires %d",
                   param_count, stmt_name, expected);
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    birch_stmt *stmt = NULL;
    if (entry->stmt != NULL && birch_stmt_clone(entry->stmt, &stmt) != BIRCH_OK) {
        send_db_error(conn);
        extended_error(conn);
        return;
    }
    bool failed = false;
    for (int idx = 0; idx < param_count && !failed; idx++) {
        uint32_t size = rd_u32(rd);
        if (rd->bad) break;
        if (size == 0xFFFFFFFFu) {
            if (birch_bind_null(stmt, idx + 1) != BIRCH_OK) {
                send_db_error(conn);
                failed = true;
            }
            continue;
        }
        const uint8_t *data = rd_bytes(rd, size);
        if (data == NULL) break;
        int format = format_count == 0 ? 0
                     : format_count == 1
                         ? (int)(format_bytes[0] << 8 | format_bytes[1])
                         : (int)(format_bytes[2 * idx] << 8 | format_bytes[2 * idx + 1]);
        if (format != 0 && format != 1) {
            send_error(conn, "22023", "unsupported format code: %d", format);
            failed = true;
            break;
        }
        if (format == 0 && !check_utf8(conn, data, size, false)) {
            failed = true;
            break;
        }
        if (birch_bind_value(stmt, idx + 1, format, data, size) != BIRCH_OK) {
            send_db_error(conn);
            failed = true;
        }
    }
    uint16_t result_count = failed ? 0 : rd_u16(rd);
    const uint8_t *result_bytes = failed ? NULL : rd_bytes(rd, (size_t)result_count * 2);
    if (!failed && (rd->bad || rd->left != 0)) {
        birch_finalize(stmt);
        protocol_violation(conn, "invalid message format");
        return;
    }
    int columns = stmt != NULL ? birch_column_count(stmt) : 0;
    if (!failed && result_count > 1 && result_count != columns) {
        send_error(conn, "08P01", "bind message has %d result formats but query has %d columns",
                   result_count, columns);
        failed = true;
    }
    int16_t *formats = NULL;
    if (!failed && columns > 0) {
        formats = calloc((size_t)columns, sizeof *formats);
        if (formats == NULL) failed = true;
        for (int col = 0; formats != NULL && col < columns; col++) {
            int format = result_count == 0 ? 0
                         : result_count == 1
                             ? (int)(result_bytes[0] << 8 | result_bytes[1])
                             : (int)(result_bytes[2 * col] << 8 | result_bytes[2 * col + 1]);
            if (format != 0 && format != 1) {
                send_error(conn, "22023", "unsupported format code: %d", format);
                failed = true;
                break;
            }
            formats[col] = (int16_t)format;
        }
    }
    WPortal *portal = failed ? NULL : calloc(1, sizeof *portal);
    char *name_copy = failed ? NULL : strdup(portal_name);
    if (portal == NULL || name_copy == NULL) {
        free(portal);
        free(name_copy);
        free(formats);
        birch_finalize(stmt);
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    if (*slot != NULL) {   /* the unnamed portal is replaced */
        WPortal *old = *slot;
        *slot = old->next;
        if (conn->task.portal == old) conn->task.portal = NULL;
        portal_free(old);
    }
    portal->name = name_copy;
    portal->stmt = stmt;
    portal->column_count = columns;
    portal->formats = formats;
    portal->next = conn->portals;
    conn->portals = portal;
    send_simple(conn, '2');
}

static void handle_describe(Conn *conn, Reader *rd)
{
    uint8_t kind = rd_u8(rd);
    const char *name = rd_str(rd);
    if (rd->bad || rd->left != 0) {
        protocol_violation(conn, "invalid message format");
        return;
    }
    if (kind == 'S') {
        WStmt *entry = *stmt_slot(conn, name);
        if (entry == NULL) {
            send_no_statement(conn, name);
            birch_txn_fail(conn->db);
            extended_error(conn);
            return;
        }
        int count = entry->stmt != NULL ? birch_param_count(entry->stmt) : 0;
        size_t at = msg_begin(conn, 't');
        put_u16(conn, (uint16_t)count);
        for (int idx = 1; idx <= count; idx++) {
            uint32_t type = birch_param_type(entry->stmt, idx);
            put_u32(conn, type != 0 ? type : BIRCH_OID_TEXT);
        }
        msg_end(conn, at);
        if (entry->stmt != NULL && birch_returns_rows(entry->stmt)) {
            send_row_description(conn, entry->stmt, NULL);
        } else {
            send_simple(conn, 'n');
        }
        return;
    }
    if (kind == 'P') {
        WPortal *portal = *portal_slot(conn, name);
        if (portal == NULL) {
            send_error(conn, "34000", "portal \"%s\" does not exist", name);
            birch_txn_fail(conn->db);
            extended_error(conn);
            return;
        }
        if (portal->stmt != NULL && birch_returns_rows(portal->stmt)) {
            send_row_description(conn, portal->stmt, portal->formats);
        } else {
            send_simple(conn, 'n');
        }
        return;
    }
    protocol_violation(conn, "invalid DESCRIBE message subtype");
}

static void execute_continue(Conn *conn)
{
    Task *task = &conn->task;
    WPortal *portal = task->portal;
    RunStatus status = portal_run(conn, portal, task->max_rows);
    switch (status) {
    case RUN_BLOCKED:
        task->blocked = true;
        return;
    case RUN_COPY_IN:
        task->copy_in = true;
        return;
    case RUN_ERROR:
        if (conn->end != END_PEER) send_db_error(conn);
        extended_error(conn);
        break;
    case RUN_DONE:
    case RUN_SUSPENDED:
        log_duration(conn, task->log_sql);
        break;
    }
    task_clear(conn);
}

static void handle_execute(Conn *conn, Reader *rd)
{
    const char *name = rd_str(rd);
    int32_t max_rows = (int32_t)rd_u32(rd);
    if (rd->bad || rd->left != 0) {
        protocol_violation(conn, "invalid message format");
        return;
    }
    WPortal *portal = *portal_slot(conn, name);
    if (portal == NULL) {
        send_error(conn, "34000", "portal \"%s\" does not exist", name);
        birch_txn_fail(conn->db);
        extended_error(conn);
        return;
    }
    if (portal->stmt == NULL) {
        send_simple(conn, 'I');
        return;
    }
    if (portal->done) {
        conn->task.rows = 0;
        send_done_tag(conn, portal->stmt);
        return;
    }
    if (!conn->txn_held && !birch_stmt_needs_own_txn(portal->stmt)) {
        birch_txn_hold(conn->db);
        conn->txn_held = true;
    }
    Task *task = &conn->task;
    task_clear(conn);
    task->kind = TASK_EXECUTE;
    task->portal = portal;
    task->max_rows = max_rows > 0 ? max_rows : 0;
    task->start_us = wire_now_us();
    if (conn->server->cfg.log_min_duration_ms >= 0) {
        const char *sql = birch_sql(portal->stmt);
        task->log_sql = strdup(sql != NULL ? sql : "");
    }
    execute_continue(conn);
}

static void handle_close(Conn *conn, Reader *rd)
{
    uint8_t kind = rd_u8(rd);
    const char *name = rd_str(rd);
    if (rd->bad || rd->left != 0) {
        protocol_violation(conn, "invalid message format");
        return;
    }
    if (kind == 'S') {
        WStmt **slot = stmt_slot(conn, name);
        if (*slot != NULL) {
            WStmt *entry = *slot;
            *slot = entry->next;
            birch_finalize(entry->stmt);
            free(entry->name);
            free(entry);
        }
    } else if (kind == 'P') {
        WPortal **slot = portal_slot(conn, name);
        if (*slot != NULL) {
            WPortal *portal = *slot;
            *slot = portal->next;
            portal_free(portal);
        }
    } else {
        protocol_violation(conn, "invalid CLOSE message subtype");
        return;
    }
    send_simple(conn, '3');
}

static void handle_sync(Conn *conn)
{
    conn->skip_to_sync = false;
    release_held(conn, false);
    after_transaction(conn);
    send_ready(conn);
}

/* ---------------------------------------------------------------- COPY FROM STDIN ---- */

static void task_resume_after_copy(Conn *conn)
{
    Task *task = &conn->task;
    task->copy_in = false;
    if (task->kind == TASK_SIMPLE) {
        portal_free(task->portal);
        task->portal = NULL;
        simple_continue(conn);
    } else {
        log_duration(conn, task->log_sql);
        task_clear(conn);
    }
}

static void task_fail_copy(Conn *conn)
{
    Task *task = &conn->task;
    task->copy_in = false;
    if (task->kind == TASK_SIMPLE) {
        simple_finish(conn, true);
    } else {
        extended_error(conn);
        task_clear(conn);
    }
}

static void handle_copy_message(Conn *conn, char type, Reader *rd)
{
    birch_stmt *stmt = conn->task.portal->stmt;
    switch (type) {
    case 'd':
        if (birch_copy_put(stmt, rd->at, rd->left) != BIRCH_OK) {
            send_db_error(conn);
            (void)birch_copy_end(stmt, "COPY failed");
            task_fail_copy(conn);
        }
        return;
    case 'c':
        if (birch_copy_end(stmt, NULL) != BIRCH_DONE) {
            send_db_error(conn);
            task_fail_copy(conn);
            return;
        }
        send_tag(conn, birch_command_tag(stmt));
        task_resume_after_copy(conn);
        return;
    case 'f': {
        const char *message = rd_str(rd);
        char text[512];
        snprintf(text, sizeof text, "COPY from stdin failed: %s", message);
        (void)birch_copy_end(stmt, text);
        const birch_error *err = birch_last_error(conn->db);
        if (err != NULL) send_birch_error(conn, err);
        else send_error(conn, "57014", "%s", text);
        task_fail_copy(conn);
        return;
    }
    case 'H':
    case 'S':
        return;   /* ignored during COPY, as PostgreSQL does */
    default:
        (void)birch_copy_end(stmt, "unexpected message during COPY");
        send_error(conn, "08P01", "unexpected message type 0x%02X during COPY from stdin",
                   (unsigned)(uint8_t)type);
        task_fail_copy(conn);
        return;
    }
}

/* ---------------------------------------------------------------- startup ---- */

static bool add_option(Conn *conn, const char *name, const char *value)
{
    char **names = realloc(conn->opt_names, sizeof *names * (size_t)(conn->opt_count + 1));
    if (names == NULL) return false;
    conn->opt_names = names;
    char **values = realloc(conn->opt_values, sizeof *values * (size_t)(conn->opt_count + 1));
    if (values == NULL) return false;
    conn->opt_values = values;
    names[conn->opt_count] = strdup(name);
    values[conn->opt_count] = strdup(value);
    if (names[conn->opt_count] == NULL || values[conn->opt_count] == NULL) {
        free(names[conn->opt_count]);
        free(values[conn->opt_count]);
        return false;
    }
    conn->opt_count++;
    return true;
}

/* parse_options: the startup `options` value: -c name=value and --name=value, separated by
 * spaces (a backslash escapes the next character). False after sending FATAL. */
static bool parse_options(Conn *conn, const char *text)
{
    size_t size = strlen(text);
    char *word = malloc(size + 1);
    if (word == NULL) return false;
    bool expect_c_value = false;
    const char *at = text;
    bool ok = true;
    while (ok) {
        while (*at == ' ' || *at == '\t') at++;
        if (*at == '\0') break;
        size_t len = 0;
        while (*at != '\0' && *at != ' ' && *at != '\t') {
            if (*at == '\\' && at[1] != '\0') at++;
            word[len++] = *at++;
        }
        word[len] = '\0';
        const char *setting = NULL;
        if (expect_c_value) {
            setting = word;
            expect_c_value = false;
        } else if (strcmp(word, "-c") == 0) {
            expect_c_value = true;
            continue;
        } else if (strncmp(word, "-c", 2) == 0) {
            setting = word + 2;
        } else if (strncmp(word, "--", 2) == 0) {
            setting = word + 2;
        } else {
            proto_send_fatal(conn, "42601", "invalid command-line argument for server process: %s",
                             word);
            ok = false;
            break;
        }
        char *eq = strchr(setting, '=');
        if (eq == NULL) {
            proto_send_fatal(conn, "42601", "-c %s requires a value", setting);
            ok = false;
            break;
        }
        *eq = '\0';
        char *name = (char *)setting;
        for (char *ch = name; *ch != '\0'; ch++) {
            if (*ch == '-') *ch = '_';
        }
        if (!add_option(conn, name, eq + 1)) ok = false;
    }
    free(word);
    return ok;
}

static void send_auth(Conn *conn, const AuthOut *out)
{
    size_t at = msg_begin(conn, 'R');
    put(conn, out->data, out->size);
    msg_end(conn, at);
}

/* on_notify: the session's notify hook (a committing session's thread). */
static void on_notify(void *ctx) { wire_notify_wake(ctx); }

static void finish_startup(Conn *conn)
{
    Server *server = conn->server;
    size_t at = msg_begin(conn, 'R');
    put_u32(conn, 0);
    msg_end(conn, at);
    birch_open_options options = {.struct_size = sizeof options, .create = false,
                                  .user = conn->user,
                                  .application_name = conn->application_name};
    birch_db *db = NULL;
    if (birch_open(server->path, &options, &db) != BIRCH_OK) {
        const birch_error *err = db != NULL ? birch_last_error(db) : NULL;
        proto_send_fatal(conn, err != NULL ? err->sqlstate : "53200", "%s",
                         err != NULL ? err->message : "out of memory");
        birch_close(db);
        return;
    }
    /* the server's limit, so SHOW max_connections reports it (settable only before the
     * session's first statement; a client's -c max_connections=N is 55P02, as in PostgreSQL) */
    char limit[16];
    snprintf(limit, sizeof limit, "%d", server->cfg.max_connections);
    (void)birch_set(db, "max_connections", limit);
    for (int idx = 0; idx < server->cfg.session_count; idx++) {
        (void)birch_set(db, server->cfg.session_names[idx], server->cfg.session_values[idx]);
    }
    for (int idx = 0; idx < conn->opt_count; idx++) {
        if (strcasecmp(conn->opt_names[idx], "max_connections") == 0) {
            proto_send_fatal(conn, "55P02", "parameter \"%s\" cannot be changed without "
                             "restarting the server", conn->opt_names[idx]);
            birch_close(db);
            return;
        }
        if (birch_set(db, conn->opt_names[idx], conn->opt_values[idx]) != BIRCH_OK) {
            const birch_error *err = birch_last_error(db);
            proto_send_fatal(conn, err->sqlstate, "%s", err->message);
            birch_close(db);
            return;
        }
    }
    pthread_mutex_lock(&server->reg_mutex);
    conn->db = db;
    pthread_mutex_unlock(&server->reg_mutex);
    birch_set_parameter_hook(db, on_parameter, conn);
    birch_set_notice_hook(db, on_notice, conn);
    /* pg_backend_pid() and a NotificationResponse's sender pid are the BackendKeyData pid */
    birch_set_backend_pid(db, conn->pid);
    if (birch_set_notify_hook(db, on_notify, conn) != BIRCH_OK) {
        proto_send_fatal(conn, "53200", "out of memory");
        pthread_mutex_lock(&server->reg_mutex);
        conn->db = NULL;
        pthread_mutex_unlock(&server->reg_mutex);
        birch_close(db);
        return;
    }
    birch_report_parameters(db);
    /* AuthenticationOk, ParameterStatus..., BackendKeyData, ReadyForQuery, as PostgreSQL */
    put(conn, conn->params.data + conn->params.start, wbuf_pending(&conn->params));
    wbuf_free(&conn->params);
    at = msg_begin(conn, 'K');
    put_u32(conn, (uint32_t)conn->pid);
    put_u32(conn, (uint32_t)conn->secret);
    msg_end(conn, at);
    conn->phase = PHASE_READY;
    if (server->cfg.log_connections) {
        wire_log(server, "LOG:  connection authorized: user=%s database=%s application_name=%s "
                         "host=%s%s",
                 conn->user, conn->database,
                 conn->application_name != NULL ? conn->application_name : "", conn->host,
                 conn->tls != NULL ? " SSL enabled" : "");
    }
    send_ready(conn);
}

static void start_auth(Conn *conn)
{
    Server *server = conn->server;
    AuthWho who = {
        .conn_type = conn->is_unix ? AUTH_CONN_LOCAL
                     : conn->tls != NULL ? AUTH_CONN_HOSTSSL
                                         : AUTH_CONN_HOST,
        .address = conn->is_unix ? NULL : (const struct sockaddr *)&conn->addr,
        .address_size = conn->is_unix ? 0 : conn->addr_size,
        .database = conn->database,
        .user = conn->user,
    };
    int line = 0;
    AuthMethod method = auth_rules_match(server->rules, &who, &line);
    char host[64];
    snprintf(host, sizeof host, "%s", conn->is_unix ? "[local]" : conn->host);
    char *space = strchr(host, ' ');
    if (space != NULL) *space = '\0';
    if (method == AUTH_METHOD_REJECT) {
        if (line == 0) {
            proto_send_fatal(conn, "28000",
                             "no pg_hba.conf entry for host \"%s\", user \"%s\", database \"%s\", "
                             "%s",
                             host, conn->user, conn->database,
                             conn->tls != NULL ? "SSL encryption" : "no encryption");
        } else {
            proto_send_fatal(conn, "28000",
                             "pg_hba.conf rejects connection for host \"%s\", user \"%s\", "
                             "database \"%s\", %s",
                             host, conn->user, conn->database,
                             conn->tls != NULL ? "SSL encryption" : "no encryption");
        }
        return;
    }
    if (method == AUTH_METHOD_TRUST) {
        finish_startup(conn);
        return;
    }
    char *verifier = NULL;
    pthread_mutex_lock(&server->master_mutex);
    const char *found = NULL;
    if (birch_role_verifier(server->master, conn->user, &found) == BIRCH_OK && found != NULL) {
        verifier = strdup(found);
    }
    pthread_mutex_unlock(&server->master_mutex);
    AuthOut out = {0};
    WireError error = {0};
    int status = auth_start(method, conn->user, verifier, &conn->auth, &out, &error);
    free(verifier);
    if (status != 0) {
        error.severity = "FATAL";
        proto_send_error(conn, &error);
        return;
    }
    if (out.size > 0) send_auth(conn, &out);
    conn->phase = PHASE_AUTH;
}

static void handle_password(Conn *conn, Reader *rd)
{
    AuthOut out = {0};
    bool done = false;
    WireError error = {0};
    if (auth_continue(conn->auth, rd->at, rd->left, &out, &done, &error) != 0) {
        error.severity = "FATAL";
        proto_send_error(conn, &error);
        return;
    }
    if (out.size > 0) send_auth(conn, &out);
    if (done) {
        auth_free(conn->auth);
        conn->auth = NULL;
        finish_startup(conn);
    }
}

static void handle_startup(Conn *conn, Reader *rd)
{
    Server *server = conn->server;
    uint32_t code = rd_u32(rd);
    if (code == PROTO_CANCEL_REQUEST) {
        uint32_t pid = rd_u32(rd);
        uint32_t secret = rd_u32(rd);
        if (!rd->bad && rd->left == 0) proto_cancel(server, (int32_t)pid, (int32_t)secret);
        conn->end = END_CLOSE;   /* no answer, as PostgreSQL */
        return;
    }
    if (code == PROTO_SSL_REQUEST || code == PROTO_GSS_REQUEST) {
        if (rd->left != 0) {
            protocol_violation(conn, "invalid length of startup packet");
            return;
        }
        if (code == PROTO_GSS_REQUEST) {
            if (conn->gss_done || conn->tls_done) {
                proto_send_fatal(conn, "0A000", "unsupported frontend protocol 1234.5680: "
                                                "server supports 3.0 to 3.0");
                return;
            }
            conn->gss_done = true;
            put_u8(conn, 'N');
            return;
        }
        if (conn->tls_done) {
            proto_send_fatal(conn, "0A000", "unsupported frontend protocol 1234.5679: "
                                            "server supports 3.0 to 3.0");
            return;
        }
        if (server->tls == NULL) {
            conn->tls_done = true;   /* plain from now on */
            put_u8(conn, 'N');
            return;
        }
        if (wbuf_pending(&conn->in) > 0) {
            protocol_violation(conn, "received unencrypted data after SSL request");
            return;
        }
        WireError error = {0};
        if (tls_conn_new(server->tls, conn->fd, &conn->tls, &error) != 0) {
            put_u8(conn, 'N');
            conn->tls_done = true;
            return;
        }
        put_u8(conn, 'S');
        conn->phase = PHASE_TLS;
        return;
    }
    uint32_t major = code >> 16, minor = code & 0xFFFF;
    if (major != 3) {
        proto_send_fatal(conn, "0A000",
                         "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0", major,
                         minor);
        return;
    }
    conn->tls_done = true;   /* no SSLRequest may follow */
    const char *unknown[64];
    int unknown_count = 0;
    while (!rd->bad) {
        const char *name = rd_str(rd);
        if (rd->bad || name[0] == '\0') break;
        const char *value = rd_str(rd);
        if (rd->bad) break;
        if (!check_utf8(conn, name, strlen(name), true) ||
            !check_utf8(conn, value, strlen(value), true)) {
            return;
        }
        bool ok = true;
        if (strcmp(name, "user") == 0) {
            free(conn->user);
            conn->user = strdup(value);
        } else if (strcmp(name, "database") == 0) {
            free(conn->database);
            conn->database = strdup(value);
        } else if (strcmp(name, "application_name") == 0) {
            free(conn->application_name);
            conn->application_name = strdup(value);
        } else if (strcmp(name, "options") == 0) {
            if (!parse_options(conn, value)) {
                if (conn->end == END_NONE) conn->end = END_PEER;
                return;
            }
        } else if (strcmp(name, "replication") == 0) {
            if (strcasecmp(value, "false") != 0 && strcasecmp(value, "off") != 0 &&
                strcasecmp(value, "0") != 0 && strcasecmp(value, "no") != 0) {
                proto_send_fatal(conn, "0A000", "replication connections are not supported");
                return;
            }
        } else if (strncmp(name, "_pq_.", 5) == 0) {
            if (unknown_count < 64) unknown[unknown_count++] = name;
        } else {
            ok = add_option(conn, name, value);
        }
        if (!ok) {
            conn->end = END_PEER;
            return;
        }
    }
    if (rd->bad || rd->left != 0) {
        protocol_violation(conn, "invalid startup packet layout: expected terminator as last byte");
        return;
    }
    if (conn->user == NULL || conn->user[0] == '\0') {
        proto_send_fatal(conn, "28000", "no PostgreSQL user name specified in startup packet");
        return;
    }
    if (conn->database == NULL || conn->database[0] == '\0') {
        free(conn->database);
        conn->database = strdup(conn->user);
    }
    if (conn->database == NULL || conn->user == NULL) {
        conn->end = END_PEER;
        return;
    }
    if (minor > 0 || unknown_count > 0) {
        size_t at = msg_begin(conn, 'v');
        put_u32(conn, 0);
        put_u32(conn, (uint32_t)unknown_count);
        for (int idx = 0; idx < unknown_count; idx++) put_str(conn, unknown[idx]);
        msg_end(conn, at);
    }
    if (strcmp(conn->database, server->dbname) != 0) {
        proto_send_fatal(conn, "3D000", "database \"%s\" does not exist", conn->database);
        return;
    }
    pthread_mutex_lock(&server->reg_mutex);
    bool full = server->session_count >= server->cfg.max_connections;
    if (!full) {
        server->session_count++;
        conn->counted = true;
    }
    pthread_mutex_unlock(&server->reg_mutex);
    if (full) {
        proto_send_fatal(conn, "53300", "sorry, too many clients already");
        return;
    }
    start_auth(conn);
}

void proto_cancel(Server *server, int32_t pid, int32_t secret)
{
    pthread_mutex_lock(&server->reg_mutex);
    for (Conn *conn = server->conns; conn != NULL; conn = conn->next_all) {
        if (conn->pid == pid) {
            if (conn->secret == secret && conn->db != NULL) birch_interrupt(conn->db);
            break;
        }
    }
    pthread_mutex_unlock(&server->reg_mutex);
}

/* ---------------------------------------------------------------- dispatch ---- */

static uint32_t get_u32(const uint8_t *at)
{
    return (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3];
}

static bool known_type(char type)
{
    return strchr("QPBDECSHXdcfFp", type) != NULL && type != '\0';
}

void proto_task_continue(Conn *conn)
{
    if (conn->task.kind == TASK_SIMPLE) simple_continue(conn);
    else if (conn->task.kind == TASK_EXECUTE) execute_continue(conn);
}

bool proto_next(Conn *conn)
{
    if (conn->end != END_NONE) return false;
    size_t pending = wbuf_pending(&conn->in);
    const uint8_t *at = conn->in.data + conn->in.start;
    if (conn->phase == PHASE_STARTUP) {
        if (pending < 4) return false;
        uint32_t size = get_u32(at);
        if (size < 8 || size > WIRE_STARTUP_MAX) {
            protocol_violation(conn, "invalid length of startup packet");
            return true;
        }
        if (pending < size) return false;
        Reader rd = {.at = at + 4, .left = size - 4};
        wbuf_consume(&conn->in, size);
        handle_startup(conn, &rd);
        return true;
    }
    if (conn->phase == PHASE_TLS) return false;
    if (pending < 1) return false;
    char type = (char)at[0];
    if (!known_type(type) || (type == 'p') != (conn->phase == PHASE_AUTH)) {
        if (conn->phase == PHASE_AUTH) {
            proto_send_fatal(conn, "08P01",
                             "expected password response, got message type %d", (int)(uint8_t)type);
        } else {
            proto_send_fatal(conn, "08P01", "invalid frontend message type %d",
                             (int)(uint8_t)type);
        }
        return true;
    }
    if (pending < 5) return false;
    uint32_t size = get_u32(at + 1);
    if (size < 4 || size - 4 > wire_type_limit(type)) {
        protocol_violation(conn, "invalid message length");
        return true;
    }
    if (pending - 1 < size) return false;
    /* the body stays valid: nothing below appends to conn->in */
    Reader rd = {.at = at + 5, .left = size - 4};
    wbuf_consume(&conn->in, 1 + (size_t)size);
    if (conn->phase == PHASE_AUTH) {
        handle_password(conn, &rd);
        return true;
    }
    if (type == 'X') {
        conn->end = END_CLOSE;
        return true;
    }
    if (conn->task.copy_in) {
        handle_copy_message(conn, type, &rd);
        return true;
    }
    if (type == 'd' || type == 'c' || type == 'f') return true;   /* ignored outside COPY */
    if (conn->skip_to_sync && type != 'S') return true;
    switch (type) {
    case 'Q':
        handle_query(conn, &rd);
        break;
    case 'P':
        handle_parse(conn, &rd);
        break;
    case 'B':
        handle_bind(conn, &rd);
        break;
    case 'D':
        handle_describe(conn, &rd);
        break;
    case 'E':
        handle_execute(conn, &rd);
        break;
    case 'C':
        handle_close(conn, &rd);
        break;
    case 'S':
        if (rd.left != 0) {
            protocol_violation(conn, "invalid message format");
            break;
        }
        handle_sync(conn);
        break;
    case 'H':
        break;
    case 'F':
        send_error(conn, "0A000", "fastpath function calls are not supported");
        send_ready(conn);
        break;
    default:
        break;
    }
    return true;
}
