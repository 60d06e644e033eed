/* wire/conn.c: a connection's buffers, socket I/O (plain or TLS), life cycle, and the two
 * places it runs: the loop's handling of a readiness event and a worker's turn.
 *
 * Back-pressure: a worker writes output as it produces it and stops when the socket is full
 * (the task is marked blocked, the connection armed for EPOLLOUT, the worker released); the
 * loop drains the rest on EPOLLOUT and hands the connection to a worker again to go on. While
 * output is pending no further input is processed, so a client that does not read costs
 * neither a thread nor more than about WIRE_OUT_HIGH plus one row of memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "wire/wire_int.h"

/* ---------------------------------------------------------------- buffers ---- */

bool wbuf_reserve(WireBuf *buf, size_t extra)
{
    if (buf->cap - buf->size >= extra) return true;
    if (buf->start > 0 && buf->start >= buf->size / 2) {
        memmove(buf->data, buf->data + buf->start, buf->size - buf->start);
        buf->size -= buf->start;
        buf->start = 0;
        if (buf->cap - buf->size >= extra) return true;
    }
    size_t need = buf->size + extra;
    if (need < extra) return false;
    size_t cap = buf->cap > 0 ? buf->cap : 1024;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return false;
        cap *= 2;
    }
    uint8_t *data = realloc(buf->data, cap);
    if (data == NULL) return false;
    buf->data = data;
    buf->cap = cap;
    return true;
}

bool wbuf_append(WireBuf *buf, const void *data, size_t size)
{
    if (!wbuf_reserve(buf, size)) return false;
    if (size > 0) memcpy(buf->data + buf->size, data, size);
    buf->size += size;
    return true;
}

size_t wbuf_pending(const WireBuf *buf) { return buf->size - buf->start; }

void wbuf_consume(WireBuf *buf, size_t size)
{
    buf->start += size;
    if (buf->start >= buf->size) buf->start = buf->size = 0;
}

void wbuf_free(WireBuf *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof *buf);
}

void wbuf_trim(WireBuf *buf)
{
    if (wbuf_pending(buf) == 0) {
        wbuf_free(buf);
        return;
    }
    if (buf->start > 0) {
        memmove(buf->data, buf->data + buf->start, buf->size - buf->start);
        buf->size -= buf->start;
        buf->start = 0;
    }
    if (buf->cap > 65536 && buf->size < buf->cap / 4) {
        uint8_t *data = realloc(buf->data, buf->size);
        if (data != NULL) {
            buf->data = data;
            buf->cap = buf->size;
        }
    }
}

/* ---------------------------------------------------------------- life cycle ---- */

Conn *conn_new(Server *server, int fd, const struct sockaddr *addr, socklen_t addr_size,
               bool is_unix)
{
    Conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) return NULL;
    conn->server = server;
    conn->fd = fd;
    pthread_mutex_init(&conn->mutex, NULL);
    atomic_init(&conn->pending_end, 0);
    conn->is_unix = is_unix;
    conn->connected_us = wire_now_us();
    if (addr_size > sizeof conn->addr) addr_size = sizeof conn->addr;
    memcpy(&conn->addr, addr, addr_size);
    conn->addr_size = addr_size;
    if (is_unix) {
        snprintf(conn->host, sizeof conn->host, "[local]");
    } else if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        char text[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        snprintf(conn->host, sizeof conn->host, "%s port=%d", text, ntohs(in->sin_port));
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        char text[INET6_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        snprintf(conn->host, sizeof conn->host, "%s port=%d", text, ntohs(in6->sin6_port));
    }
    if (RAND_bytes((unsigned char *)&conn->secret, sizeof conn->secret) != 1) {
        conn->secret = (int32_t)(wire_now_us() ^ (int64_t)(intptr_t)conn);
    }
    conn->deadline_us = conn->connected_us + server->cfg.authentication_timeout_ms * 1000;
    pthread_mutex_lock(&server->reg_mutex);
    if (server->stopping) {
        pthread_mutex_unlock(&server->reg_mutex);
        pthread_mutex_destroy(&conn->mutex);
        free(conn);
        return NULL;
    }
    conn->pid = server->next_pid++;
    if (server->next_pid <= 0) server->next_pid = 1000;
    conn->next_all = server->conns;
    if (server->conns != NULL) server->conns->prev_all = conn;
    server->conns = conn;
    server->conn_count++;
    pthread_mutex_unlock(&server->reg_mutex);
    return conn;
}

void conn_destroy(Conn *conn)
{
    Server *server = conn->server;
    proto_release_session(conn);
    pthread_mutex_lock(&server->reg_mutex);
    if (conn->prev_all != NULL) conn->prev_all->next_all = conn->next_all;
    else server->conns = conn->next_all;
    if (conn->next_all != NULL) conn->next_all->prev_all = conn->prev_all;
    server->conn_count--;
    if (conn->counted) server->session_count--;
    birch_db *db = conn->db;
    conn->db = NULL;   /* no cancel reaches it from now on */
    pthread_mutex_unlock(&server->reg_mutex);
    if (db != NULL) {
        if (server->cfg.log_connections) {
            int64_t elapsed = (wire_now_us() - conn->connected_us) / 1000;
            wire_log(server,
                     "LOG:  disconnection: session time: %d:%02d:%02d.%03d user=%s database=%s "
                     "host=%s",
                     (int)(elapsed / 3600000), (int)(elapsed / 60000 % 60),
                     (int)(elapsed / 1000 % 60), (int)(elapsed % 1000), conn->user,
                     conn->database, conn->host);
        }
        birch_close(db);
    }
    if (conn->auth != NULL) auth_free(conn->auth);
    if (conn->tls != NULL) tls_conn_free(conn->tls);
    close(conn->fd);
    wbuf_free(&conn->in);
    wbuf_free(&conn->out);
    wbuf_free(&conn->params);
    free(conn->user);
    free(conn->database);
    free(conn->application_name);
    for (int idx = 0; idx < conn->opt_count; idx++) {
        free(conn->opt_names[idx]);
        free(conn->opt_values[idx]);
    }
    free(conn->opt_names);
    free(conn->opt_values);
    pthread_mutex_destroy(&conn->mutex);
    free(conn);
}

/* ---------------------------------------------------------------- socket I/O ---- */

int conn_flush(Conn *conn, uint32_t *want_events)
{
    *want_events = EPOLLOUT;
    while (wbuf_pending(&conn->out) > 0) {
        const uint8_t *data = conn->out.data + conn->out.start;
        size_t size = wbuf_pending(&conn->out);
        ssize_t written;
        if (conn->tls != NULL && conn->tls_done) {
            written = tls_write(conn->tls, data, size);
            if (written == TLS_WANT_READ) {
                *want_events = EPOLLIN;
                return 1;
            }
            if (written == TLS_WANT_WRITE) return 1;
            if (written < 0) return -1;
        } else {
            written = send(conn->fd, data, size, MSG_NOSIGNAL);
            if (written < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
                return -1;
            }
        }
        wbuf_consume(&conn->out, (size_t)written);
    }
    wbuf_trim(&conn->out);
    return 0;
}

ssize_t conn_read(Conn *conn, size_t limit, uint32_t *want_events)
{
    *want_events = EPOLLIN;
    size_t total = 0;
    while (total < limit) {
        size_t room = limit - total < WIRE_READ_CHUNK ? limit - total : WIRE_READ_CHUNK;
        if (!wbuf_reserve(&conn->in, room)) return -1;
        uint8_t *at = conn->in.data + conn->in.size;
        ssize_t got;
        if (conn->tls != NULL && conn->tls_done) {
            got = tls_read(conn->tls, at, room);
            if (got == TLS_WANT_READ) break;
            if (got == TLS_WANT_WRITE) {
                *want_events = EPOLLOUT;
                break;
            }
            if (got < 0) return -1;
            if (got == 0) return total > 0 ? (ssize_t)total : -1;
        } else {
            got = recv(conn->fd, at, room, 0);
            if (got < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                return -1;
            }
            if (got == 0) return total > 0 ? (ssize_t)total : -1;
        }
        conn->in.size += (size_t)got;
        total += (size_t)got;
        if (conn->tls == NULL && (size_t)got < room) break;   /* TLS: drain its records */
    }
    if (wbuf_pending(&conn->in) == 0) wbuf_trim(&conn->in);
    return (ssize_t)total;
}

static uint32_t get_u32(const uint8_t *at)
{
    return (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3];
}

size_t wire_type_limit(char type)
{
    switch (type) {
    case 'Q': case 'P': case 'B': case 'd': case 'F': case 'p':
        return WIRE_LARGE_MAX;
    default:
        return WIRE_SMALL_MAX;
    }
}

bool conn_has_message(const Conn *conn)
{
    size_t pending = wbuf_pending(&conn->in);
    const uint8_t *at = conn->in.data + conn->in.start;
    if (conn->phase == PHASE_STARTUP) {
        if (pending < 4) return false;
        uint32_t size = get_u32(at);
        if (size < 8 || size > WIRE_STARTUP_MAX) return true;   /* bad: report it */
        return pending >= size;
    }
    if (pending < 5) return false;
    uint32_t size = get_u32(at + 1);
    if (size < 4 || size - 4 > wire_type_limit((char)at[0])) return true;
    return pending - 1 >= size;
}

/* ---------------------------------------------------------------- the loop's side ---- */

/* finish_on_loop: end a connection from the loop: without a session it is closed here,
 * with one a worker closes it (birch_close may take a while). */
static void finish_on_loop(Conn *conn, ConnEnd end)
{
    conn->end = end;
    if (conn->db == NULL && conn->task.kind == TASK_NONE) {
        conn_destroy(conn);
        return;
    }
    wire_dispatch(conn->server, conn);
}

void conn_loop_event(Conn *conn, uint32_t events)
{
    uint32_t want = EPOLLIN;
    if (conn->phase == PHASE_TLS) {
        WireError error = {0};
        int status = tls_handshake(conn->tls, &error);
        if (status == TLS_WANT_READ) {
            wire_arm(conn, EPOLLIN);
            return;
        }
        if (status == TLS_WANT_WRITE) {
            wire_arm(conn, EPOLLOUT);
            return;
        }
        if (status < 0) {
            if (conn->server->cfg.log_connections) {
                wire_log(conn->server, "LOG:  could not accept SSL connection: %s (host=%s)",
                         error.message, conn->host);
            }
            finish_on_loop(conn, END_PEER);
            return;
        }
        conn->tls_done = true;
        conn->phase = PHASE_STARTUP;
    }
    if (wbuf_pending(&conn->out) > 0) {
        int status = conn_flush(conn, &want);
        if (status < 0) {
            finish_on_loop(conn, END_PEER);
            return;
        }
        if (status > 0) {
            wire_arm(conn, want);
            return;
        }
        if (conn->end == END_CLOSE) {
            finish_on_loop(conn, END_CLOSE);
            return;
        }
    }
    if (conn->task.blocked) {
        wire_dispatch(conn->server, conn);
        return;
    }
    while (!conn_has_message(conn)) {
        ssize_t got = conn_read(conn, 1u << 20, &want);
        if (got < 0) {
            finish_on_loop(conn, END_PEER);
            return;
        }
        if (got == 0 && (events & (EPOLLHUP | EPOLLERR)) != 0) {
            finish_on_loop(conn, END_PEER);
            return;
        }
        /* a socket keeps signalling what the kernel holds; TLS may hold decrypted bytes that
         * no event announces: read on while it has them */
        if (got == 0 || conn->tls == NULL || tls_pending(conn->tls) == 0) break;
    }
    if (conn_has_message(conn)) {
        wire_dispatch(conn->server, conn);
        return;
    }
    wire_arm(conn, want);
}

/* ---------------------------------------------------------------- a worker's turn ---- */

static void set_idle_deadline(Conn *conn)
{
    int64_t deadline = 0;
    if (conn->phase != PHASE_READY) {
        deadline = conn->connected_us + conn->server->cfg.authentication_timeout_ms * 1000;
    } else if (conn->db != NULL && birch_txn_status(conn->db) != 'I') {
        const char *value = birch_show(conn->db, "idle_in_transaction_session_timeout");
        if (value != NULL && value[0] != '0') {
            char *end = NULL;
            long long number = strtoll(value, &end, 10);
            int64_t ms = number;
            if (strcmp(end, "s") == 0) ms = number * 1000;
            else if (strcmp(end, "min") == 0) ms = number * 60000;
            else if (strcmp(end, "h") == 0) ms = number * 3600000;
            else if (strcmp(end, "d") == 0) ms = number * 86400000;
            if (ms > 0) deadline = wire_now_us() + ms * 1000;
        }
    }
    pthread_mutex_lock(&conn->mutex);
    conn->deadline_us = deadline;
    pthread_mutex_unlock(&conn->mutex);
}

/* end_session: a timeout or shutdown took the connection back: tell the client, close. */
static void end_session(Conn *conn, ConnEnd end)
{
    uint32_t want;
    switch (end) {
    case END_IDLE_TXN:
        proto_send_fatal(conn, "25P03",
                         "terminating connection due to idle-in-transaction timeout");
        break;
    case END_AUTH_TIMEOUT:
        if (conn->phase == PHASE_AUTH || conn->phase == PHASE_STARTUP) {
            proto_send_fatal(conn, "08006", "canceling authentication due to timeout");
        }
        break;
    case END_SHUTDOWN:
        if (conn->phase == PHASE_READY) {
            proto_send_fatal(conn, "57P01",
                             "terminating connection due to administrator command");
        }
        break;
    default:
        break;
    }
    if (end != END_PEER && conn->phase != PHASE_TLS) (void)conn_flush(conn, &want);
    conn_destroy(conn);
}

void conn_work(Conn *conn)
{
    /* LISTEN/NOTIFY: whatever woke it, this turn looks at the queue (below, when idle) */
    atomic_store(&conn->notify_pending, 0);
    ConnEnd pending = (ConnEnd)atomic_exchange(&conn->pending_end, 0);
    if (pending != END_NONE) {
        end_session(conn, pending);
        return;
    }
    if (conn->end == END_PEER || (conn->end == END_CLOSE && wbuf_pending(&conn->out) == 0)) {
        end_session(conn, conn->end);
        return;
    }
    uint32_t want = EPOLLIN;
    for (;;) {
        if (conn->task.blocked) {
            conn->task.blocked = false;
            proto_task_continue(conn);
        } else if (!proto_next(conn)) {
            /* nothing buffered: is more on the socket already? */
            if (conn->end != END_NONE || wbuf_pending(&conn->out) > 0) break;
            ssize_t got = conn_read(conn, 1u << 20, &want);
            if (got < 0) {
                conn->end = END_PEER;
                break;
            }
            if (got == 0) break;
            continue;
        }
        if (conn->end != END_NONE) break;
        if (conn->phase == PHASE_TLS) break;
        if (conn->task.blocked || wbuf_pending(&conn->out) >= WIRE_OUT_HIGH) {
            int status = conn_flush(conn, &want);
            if (status < 0) {
                conn->end = END_PEER;
                break;
            }
            if (status > 0) {
                /* the socket is full: release this worker, resume on EPOLLOUT */
                if (!conn->task.blocked && conn->task.kind != TASK_NONE &&
                    !conn->task.copy_in) {
                    conn->task.blocked = true;
                }
                set_idle_deadline(conn);
                wire_arm(conn, want);
                return;
            }
        }
    }
    if (conn->end == END_PEER) {
        end_session(conn, END_PEER);
        return;
    }
    if (conn->phase == PHASE_TLS) {
        /* send 'S' in plain text (tls_done is false); the loop drives the handshake */
        if (conn_flush(conn, &want) != 0) {
            end_session(conn, END_PEER);
            return;
        }
        wire_arm(conn, EPOLLIN);
        return;
    }
    proto_send_notifications(conn);   /* LISTEN/NOTIFY: idle between transactions */
    int status = conn_flush(conn, &want);
    if (status < 0) {
        end_session(conn, END_PEER);
        return;
    }
    if (status == 0 && conn->end == END_CLOSE) {
        end_session(conn, END_CLOSE);
        return;
    }
    if (status == 0) want = EPOLLIN;
    set_idle_deadline(conn);
    if (wbuf_pending(&conn->in) == 0) wbuf_trim(&conn->in);
    wire_arm(conn, want);
}
