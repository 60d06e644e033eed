/* wire/wire_int.h: the server's internal structures, shared by server.c (listening, the epoll
 * loop, the worker pool, configuration, logging, shutdown), conn.c (a connection's socket I/O
 * and life cycle) and proto.c (the protocol messages).
 *
 * Ownership of a connection: at any moment exactly one party owns a Conn: the epoll set (it is
 * armed, EPOLLONESHOT, waiting for readiness), the loop thread (handling an event it got), or
 * one worker (queued or running). Only the owner touches its socket, buffers and session.
 * Arming happens under conn->mutex so the loop can take an armed connection back (timeouts,
 * shutdown) without racing a worker that is arming it.
 */
#ifndef BIRCH_WIRE_INT_H
#define BIRCH_WIRE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "include/birch.h"
#include "wire/auth.h"
#include "wire/server.h"
#include "wire/tls.h"
#include "wire/werror.h"

enum {
    WIRE_STARTUP_MAX = 10000,               /* a startup packet's largest length */
    WIRE_SMALL_MAX = 10000,                 /* Sync, Flush, Close, Describe, ... */
    WIRE_LARGE_MAX = 1024 * 1024 * 1024 - 1, /* Query, Parse, Bind, CopyData, ... */
    WIRE_OUT_HIGH = 32 * 1024,              /* flush the output at this size while streaming */
    WIRE_READ_CHUNK = 64 * 1024,
};

/* WireBuf: bytes [start, size) of data are pending. */
typedef struct WireBuf {
    uint8_t *data;
    size_t   start, size, cap;
} WireBuf;

bool   wbuf_reserve(WireBuf *buf, size_t extra);
bool   wbuf_append(WireBuf *buf, const void *data, size_t size);
size_t wbuf_pending(const WireBuf *buf);
void   wbuf_consume(WireBuf *buf, size_t size);
void   wbuf_free(WireBuf *buf);
/* wbuf_trim: drop consumed bytes; free the memory when nothing is pending (idle is cheap). */
void   wbuf_trim(WireBuf *buf);

typedef struct WireConfig {
    char   *listen_addresses;       /* "127.0.0.1", "*", "" (Unix socket only), comma list */
    int     port;
    char   *socket_dir;             /* "" : no Unix socket */
    int     max_connections;
    bool    ssl;
    char   *ssl_cert_file, *ssl_key_file;
    char   *hba_file;
    char   *log_file;
    int64_t log_min_duration_ms;    /* -1: off */
    bool    log_connections;
    int64_t authentication_timeout_ms;
    int64_t shutdown_grace_ms;
    char   *database;               /* the name clients use; NULL: from the file name */
    /* session settings applied to every new session (birch_set), in file order */
    char  **session_names, **session_values;
    int     session_count;
} WireConfig;

typedef enum ConnPhase {
    PHASE_STARTUP,       /* waiting for SSLRequest / GSSENCRequest / CancelRequest / Startup */
    PHASE_TLS,           /* TLS handshake (driven by the loop) */
    PHASE_AUTH,          /* waiting for the password message ('p') */
    PHASE_READY,         /* normal operation */
} ConnPhase;

typedef enum ConnEnd {
    END_NONE = 0,
    END_PEER,            /* the client closed or the socket broke */
    END_CLOSE,           /* close after flushing the output (FATAL sent, Terminate) */
    END_IDLE_TXN,        /* idle_in_transaction_session_timeout */
    END_AUTH_TIMEOUT,    /* startup / authentication took too long */
    END_SHUTDOWN,        /* the server is shutting down */
} ConnEnd;

typedef struct WStmt {
    char         *name;
    birch_stmt   *stmt;        /* NULL: an empty query */
    struct WStmt *next;
} WStmt;

typedef struct WPortal {
    char           *name;
    birch_stmt     *stmt;      /* NULL: an empty query */
    int             column_count;
    int16_t        *formats;   /* column_count result formats */
    bool            done, copy_out;
    struct WPortal *next;
} WPortal;

typedef enum TaskKind { TASK_NONE, TASK_SIMPLE, TASK_EXECUTE } TaskKind;

typedef struct Task {
    TaskKind     kind;
    bool         blocked;       /* stopped on a full socket: resume on EPOLLOUT */
    bool         copy_in;       /* waiting for CopyData / CopyDone / CopyFail */
    /* simple query */
    birch_query *query;
    WPortal     *portal;        /* simple: the statement running now (own portal) */
    /* execute */
    int64_t      max_rows, rows;
    int64_t      start_us;
    char        *log_sql;       /* for log_min_duration_statement */
} Task;

typedef struct Server Server;

typedef struct Conn {
    Server          *server;
    int              fd;
    pthread_mutex_t  mutex;         /* armed */
    bool             armed, in_epoll;
    struct Conn     *next_all, *prev_all;   /* the registry (server->reg_mutex) */
    struct Conn     *next_job;              /* the worker queue (server->pool_mutex) */
    /* peer */
    struct sockaddr_storage addr;
    socklen_t        addr_size;
    bool             is_unix;
    char             host[64];
    int64_t          connected_us;
    /* transport */
    TlsConn         *tls;
    bool             tls_done;       /* TLS (or plain after 'N') negotiated */
    bool             gss_done;
    WireBuf          in, out;
    /* state */
    ConnPhase        phase;
    ConnEnd          end;
    atomic_int       pending_end;    /* set by the loop before dispatching (timeouts) */
    int64_t          deadline_us;    /* guarded by mutex; 0: none */
    bool             counted;        /* holds one of max_connections */
    int32_t          pid, secret;
    char            *user, *database, *application_name;
    char           **opt_names, **opt_values;   /* startup settings */
    int              opt_count;
    AuthState       *auth;
    birch_db        *db;             /* after authentication (registry mutex for cancel) */
    /* extended protocol */
    WStmt           *stmts;
    WPortal         *portals;
    bool             skip_to_sync;
    bool             txn_held;
    Task             task;
    WireBuf          params;         /* ParameterStatus messages waiting for ReadyForQuery */
    /* LISTEN/NOTIFY: set by the session's notify hook (any thread) when a commit delivered
     * notifications to it; the loop then takes an idle (armed) connection back and hands it
     * to a worker, which sends them if the session is between transactions */
    atomic_int       notify_pending;
} Conn;

struct Server {
    WireConfig       cfg;
    char            *path;
    char            *dbname;
    char            *bootstrap_user;
    birch_db        *master;          /* keeps the engine open; role lookups */
    pthread_mutex_t  master_mutex;
    AuthRules       *rules;
    TlsContext      *tls;
    int              epfd;
    int              wake_fd;         /* eventfd: stop requests, notifications */
    atomic_int       notify_wake;     /* a session's notify hook fired: scan for them */
    int              listen_fds[16];
    bool             listen_unix[16];
    int              listen_count;
    char             unix_path[108];
    int              port;
    /* registry */
    pthread_mutex_t  reg_mutex;
    Conn            *conns;
    int              conn_count;      /* sockets */
    int              session_count;   /* counted against max_connections */
    int32_t          next_pid;
    /* worker pool */
    pthread_mutex_t  pool_mutex;
    pthread_cond_t   pool_cond, pool_idle_cond;
    Conn            *queue_head, *queue_tail;
    int64_t          queue_since_us;
    int              workers, idle_workers, max_workers, min_workers;
    bool             pool_stop;
    /* logging */
    FILE            *log;
    pthread_mutex_t  log_mutex;
    /* shutdown */
    atomic_int       stop_mode;       /* 0 running, 1 graceful, 2 fast */
    int64_t          stop_deadline_us;
    bool             stopping;
    pthread_t        thread;
    bool             threaded;
};

/* server.c */
int64_t wire_now_us(void);
void    wire_log(Server *server, const char *format, ...) __attribute__((format(printf, 2, 3)));
void    wire_dispatch(Server *server, Conn *conn);
/* wire_arm: hand conn to the epoll set waiting for events (EPOLLIN / EPOLLOUT). */
void    wire_arm(Conn *conn, uint32_t events);

/* conn.c */
Conn   *conn_new(Server *server, int fd, const struct sockaddr *addr, socklen_t addr_size,
                 bool is_unix);
void    conn_destroy(Conn *conn);
/* conn_flush: write pending output: 0 all written, 1 the socket is full (or TLS wants to
 * read: *want_events says which), -1 broken. */
int     conn_flush(Conn *conn, uint32_t *want_events);
/* conn_read: read what the socket has (up to limit bytes): bytes read, 0 nothing now, -1
 * EOF or broken. */
ssize_t conn_read(Conn *conn, size_t limit, uint32_t *want_events);
/* conn_has_message: a complete message (or a bad header to report) is buffered. */
bool    conn_has_message(const Conn *conn);
size_t  wire_type_limit(char type);                     /* a message type's largest body */
void    conn_loop_event(Conn *conn, uint32_t events);   /* the loop's handling of readiness */
void    conn_work(Conn *conn);                          /* a worker's turn */

/* proto.c */
/* proto_message: handle one complete buffered message; false: none buffered. */
bool    proto_next(Conn *conn);
/* proto_task_continue: resume a task stopped on a full socket. */
void    proto_task_continue(Conn *conn);
void    proto_send_error(Conn *conn, const WireError *error);
void    proto_send_fatal(Conn *conn, const char *sqlstate, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
void    proto_release_session(Conn *conn);   /* portals, statements, task, held txn */
void    proto_cancel(Server *server, int32_t pid, int32_t secret);
/* proto_send_notifications: NotificationResponse ('A') for every notification delivered to
 * the session, if it is idle between transactions (no task, no extended-protocol batch held,
 * status 'I'); otherwise they wait for the next ReadyForQuery with status 'I'. */
void    proto_send_notifications(Conn *conn);
/* server.c: wire_notify_wake: from a session's notify hook (any thread): wake the loop. */
void    wire_notify_wake(Conn *conn);

#endif
