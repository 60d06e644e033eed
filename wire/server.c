/* wire/server.c: `birch serve`: configuration, listening sockets, the epoll loop, the worker
 * pool, logging and shutdown (server.h).
 *
 * The loop thread accepts, reads and flushes on non-blocking sockets (conn.c) and hands a
 * connection to the worker pool when a complete message is buffered or a stopped task can go
 * on. Every connection fd is registered EPOLLONESHOT, so an event disarms it and the party that
 * got it owns the connection until it arms it again (wire_int.h).
 *
 * The pool starts small and grows when jobs wait while no worker is idle (every worker blocked
 * in a lock wait or an fsync): the loop checks every few milliseconds while the queue is not
 * empty, up to max_connections + 2 threads, so a session holding a lock always gets a worker
 * for its COMMIT. Workers idle for a while above the minimum exit.
 *
 * Shutdown (SIGTERM, or wire_server_stop): stop accepting, terminate idle sessions, let running
 * ones finish their statement for the grace period, then interrupt them (57014) and terminate
 * them too; when the last connection is gone, close the engine (its last birch_close
 * checkpoints) and exit 0. SIGINT is the same with no grace period.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wire/wire_int.h"

enum {
    POOL_GROW_WAIT_US = 3000,           /* a job waited this long with no idle worker: grow */
    POOL_IDLE_EXIT_MS = 10000,          /* extra workers exit after this long idle */
    LOOP_TICK_MS = 100,
};

/* ---------------------------------------------------------------- utilities ---- */

int64_t wire_now_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

void wire_log(Server *server, const char *format, ...)
{
    char line[2048];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    int prefix = (int)strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
    prefix += snprintf(line + prefix, sizeof line - (size_t)prefix, ".%03d UTC [%d] ",
                       (int)(now.tv_nsec / 1000000), (int)getpid());
    va_list args;
    va_start(args, format);
    vsnprintf(line + prefix, sizeof line - (size_t)prefix, format, args);
    va_end(args);
    pthread_mutex_lock(&server->log_mutex);
    FILE *out = server->log != NULL ? server->log : stderr;
    fprintf(out, "%s\n", line);
    fflush(out);
    pthread_mutex_unlock(&server->log_mutex);
}

static char *xstrdup(const char *text)
{
    char *copy = strdup(text != NULL ? text : "");
    if (copy == NULL) {
        fprintf(stderr, "birch: out of memory\n");
        exit(1);
    }
    return copy;
}

static void set_string(char **slot, const char *value)
{
    free(*slot);
    *slot = xstrdup(value);
}

/* ---------------------------------------------------------------- configuration ---- */

static void config_defaults(WireConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen_addresses = xstrdup("127.0.0.1");
    cfg->port = 5433;
    cfg->socket_dir = xstrdup("/tmp");
    cfg->max_connections = 100;
    cfg->log_min_duration_ms = -1;
    cfg->log_connections = true;
    cfg->authentication_timeout_ms = 60000;
    cfg->shutdown_grace_ms = 5000;
}

static void config_free(WireConfig *cfg)
{
    free(cfg->listen_addresses);
    free(cfg->socket_dir);
    free(cfg->ssl_cert_file);
    free(cfg->ssl_key_file);
    free(cfg->hba_file);
    free(cfg->log_file);
    free(cfg->database);
    for (int idx = 0; idx < cfg->session_count; idx++) {
        free(cfg->session_names[idx]);
        free(cfg->session_values[idx]);
    }
    free(cfg->session_names);
    free(cfg->session_values);
    memset(cfg, 0, sizeof *cfg);
}

static bool parse_bool(const char *value, bool *out)
{
    static const char *const YES[] = {"on", "true", "yes", "1", "t", "y"};
    static const char *const NO[] = {"off", "false", "no", "0", "f", "n"};
    for (size_t idx = 0; idx < sizeof YES / sizeof YES[0]; idx++) {
        if (strcasecmp(value, YES[idx]) == 0) { *out = true; return true; }
        if (strcasecmp(value, NO[idx]) == 0) { *out = false; return true; }
    }
    return false;
}

static bool parse_int(const char *value, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long number = strtoll(value, &end, 10);
    if (end == value || *end != '\0' || errno != 0 || number < min || number > max) return false;
    *out = number;
    return true;
}

/* parse_ms: "250", "250ms", "5s", "2min", "1h", "1d" (a bare number is in unit_ms). */
static bool parse_ms(const char *value, int64_t unit_ms, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long number = strtoll(value, &end, 10);
    if (end == value || errno != 0) return false;
    while (*end == ' ') end++;
    int64_t factor = unit_ms;
    if (*end == '\0') factor = unit_ms;
    else if (strcmp(end, "us") == 0) factor = 0;
    else if (strcmp(end, "ms") == 0) factor = 1;
    else if (strcmp(end, "s") == 0) factor = 1000;
    else if (strcmp(end, "min") == 0) factor = 60000;
    else if (strcmp(end, "h") == 0) factor = 3600000;
    else if (strcmp(end, "d") == 0) factor = 86400000;
    else return false;
    if (number < 0) {
        *out = -1;
        return true;
    }
    *out = factor == 0 ? number / 1000 : number * factor;
    return true;
}

static void config_add_session(WireConfig *cfg, const char *name, const char *value)
{
    for (int idx = 0; idx < cfg->session_count; idx++) {
        if (strcasecmp(cfg->session_names[idx], name) == 0) {
            set_string(&cfg->session_values[idx], value);
            return;
        }
    }
    char **names = realloc(cfg->session_names, sizeof *names * (size_t)(cfg->session_count + 1));
    if (names == NULL) exit(1);
    cfg->session_names = names;
    char **values = realloc(cfg->session_values, sizeof *values * (size_t)(cfg->session_count + 1));
    if (values == NULL) exit(1);
    cfg->session_values = values;
    cfg->session_names[cfg->session_count] = xstrdup(name);
    cfg->session_values[cfg->session_count] = xstrdup(value);
    cfg->session_count++;
}

/* config_set: one setting (file or command line); 0, or -1 after printing why. */
static int config_set(WireConfig *cfg, const char *name, const char *value, const char *where)
{
    long long number = 0;
    bool flag = false;
    int64_t ms = 0;
    if (strcasecmp(name, "listen_addresses") == 0) set_string(&cfg->listen_addresses, value);
    else if (strcasecmp(name, "port") == 0) {
        if (!parse_int(value, 0, 65535, &number)) goto bad;
        cfg->port = (int)number;
    } else if (strcasecmp(name, "unix_socket_directories") == 0 ||
               strcasecmp(name, "unix_socket_directory") == 0) {
        /* the first directory of a comma list */
        char *copy = xstrdup(value);
        char *comma = strchr(copy, ',');
        if (comma != NULL) *comma = '\0';
        set_string(&cfg->socket_dir, copy);
        free(copy);
    } else if (strcasecmp(name, "max_connections") == 0) {
        if (!parse_int(value, 1, 100000, &number)) goto bad;
        cfg->max_connections = (int)number;
    } else if (strcasecmp(name, "ssl") == 0) {
        if (!parse_bool(value, &flag)) goto bad;
        cfg->ssl = flag;
    } else if (strcasecmp(name, "ssl_cert_file") == 0) set_string(&cfg->ssl_cert_file, value);
    else if (strcasecmp(name, "ssl_key_file") == 0) set_string(&cfg->ssl_key_file, value);
    else if (strcasecmp(name, "hba_file") == 0) set_string(&cfg->hba_file, value);
    else if (strcasecmp(name, "log_file") == 0) set_string(&cfg->log_file, value);
    else if (strcasecmp(name, "log_min_duration_statement") == 0) {
        if (!parse_ms(value, 1, &ms)) goto bad;
        cfg->log_min_duration_ms = ms;
    } else if (strcasecmp(name, "log_connections") == 0 ||
               strcasecmp(name, "log_disconnections") == 0) {
        if (!parse_bool(value, &flag)) goto bad;
        cfg->log_connections = flag;
    } else if (strcasecmp(name, "authentication_timeout") == 0) {
        if (!parse_ms(value, 1000, &ms) || ms <= 0) goto bad;
        cfg->authentication_timeout_ms = ms;
    } else if (strcasecmp(name, "shutdown_grace_period") == 0) {
        if (!parse_ms(value, 1000, &ms) || ms < 0) goto bad;
        cfg->shutdown_grace_ms = ms;
    } else if (strcasecmp(name, "database") == 0) set_string(&cfg->database, value);
    else config_add_session(cfg, name, value);   /* checked by birch_set at start */
    return 0;
bad:
    fprintf(stderr, "birch: %s: invalid value for parameter \"%s\": \"%s\"\n", where, name, value);
    return -1;
}

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t') text++;
    size_t size = strlen(text);
    while (size > 0 && (text[size - 1] == ' ' || text[size - 1] == '\t' ||
                        text[size - 1] == '\r' || text[size - 1] == '\n')) {
        text[--size] = '\0';
    }
    return text;
}

/* config_load: `name = value` lines (`#` comments, values optionally in single quotes). */
static int config_load(WireConfig *cfg, const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "birch: could not open configuration file \"%s\": %s\n", path,
                strerror(errno));
        return -1;
    }
    char line[4096];
    int line_no = 0, status = 0;
    while (status == 0 && fgets(line, sizeof line, file) != NULL) {
        line_no++;
        char *text = line;
        bool quoted = false;
        for (char *ch = text; *ch != '\0'; ch++) {
            if (*ch == '\'') quoted = !quoted;
            if (*ch == '#' && !quoted) {
                *ch = '\0';
                break;
            }
        }
        text = trim(text);
        if (*text == '\0') continue;
        char *eq = strchr(text, '=');
        char *name = text, *value = NULL;
        if (eq != NULL) {
            *eq = '\0';
            value = trim(eq + 1);
        } else {
            char *space = strpbrk(text, " \t");
            if (space == NULL) {
                fprintf(stderr, "birch: %s:%d: syntax error (expected name = value)\n", path,
                        line_no);
                status = -1;
                break;
            }
            *space = '\0';
            value = trim(space + 1);
        }
        name = trim(name);
        size_t size = strlen(value);
        if (size >= 2 && value[0] == '\'' && value[size - 1] == '\'') {
            value[size - 1] = '\0';
            value++;
        }
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", path, line_no);
        status = config_set(cfg, name, value, where);
    }
    fclose(file);
    return status;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: birch serve FILE [--host H] [--port P] [--socket-dir D]\n"
            "                  [--max-connections N] [--config FILE] [--database NAME]\n"
            "Serves the database FILE over the PostgreSQL protocol (psql, libpq, drivers).\n"
            "Defaults: --host 127.0.0.1 (\"\" for the Unix socket only, \"*\" for all),\n"
            "--port 5433, --socket-dir /tmp, --max-connections 100, the database name is the\n"
            "file's name without .birch. The config file has postgresql.conf-like lines.\n");
}

/* parse_args: argv[0] is "serve". Returns 0, 2 (usage), 1 (bad config). */
static int parse_args(Server *server, int argc, char **argv)
{
    config_defaults(&server->cfg);
    const char *file = NULL;
    const char *config_path = NULL;
    /* the config file first, then the command line overrides it */
    for (int idx = 1; idx < argc; idx++) {
        if (strcmp(argv[idx], "--config") == 0 && idx + 1 < argc) config_path = argv[idx + 1];
        else if (strncmp(argv[idx], "--config=", 9) == 0) config_path = argv[idx] + 9;
    }
    if (config_path != NULL && config_load(&server->cfg, config_path) != 0) return 1;
    static const char *const OPTIONS[][2] = {
        {"--host", "listen_addresses"}, {"--port", "port"},
        {"--socket-dir", "unix_socket_directories"}, {"--max-connections", "max_connections"},
        {"--database", "database"}, {"--config", NULL},
    };
    for (int idx = 1; idx < argc; idx++) {
        const char *arg = argv[idx];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 3;
        }
        if (strncmp(arg, "--", 2) != 0) {
            if (file != NULL) {
                usage(stderr);
                return 2;
            }
            file = arg;
            continue;
        }
        bool known = false;
        for (size_t opt = 0; opt < sizeof OPTIONS / sizeof OPTIONS[0]; opt++) {
            size_t size = strlen(OPTIONS[opt][0]);
            const char *value = NULL;
            if (strcmp(arg, OPTIONS[opt][0]) == 0) {
                if (idx + 1 >= argc) {
                    fprintf(stderr, "birch serve: %s needs a value\n", arg);
                    return 2;
                }
                value = argv[++idx];
            } else if (strncmp(arg, OPTIONS[opt][0], size) == 0 && arg[size] == '=') {
                value = arg + size + 1;
            } else {
                continue;
            }
            known = true;
            if (OPTIONS[opt][1] != NULL &&
                config_set(&server->cfg, OPTIONS[opt][1], value, "command line") != 0) {
                return 1;
            }
            break;
        }
        if (!known) {
            fprintf(stderr, "birch serve: unknown option %s\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (file == NULL) {
        usage(stderr);
        return 2;
    }
    server->path = xstrdup(file);
    if (server->cfg.database != NULL) {
        server->dbname = xstrdup(server->cfg.database);
    } else {
        const char *base = strrchr(file, '/');
        base = base != NULL ? base + 1 : file;
        server->dbname = xstrdup(base);
        size_t size = strlen(server->dbname);
        if (size > 6 && strcmp(server->dbname + size - 6, ".birch") == 0) {
            server->dbname[size - 6] = '\0';
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- listening ---- */

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL, 0);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int add_listener(Server *server, int fd, bool is_unix)
{
    if (server->listen_count >= (int)(sizeof server->listen_fds / sizeof server->listen_fds[0])) {
        close(fd);
        return 0;
    }
    set_nonblocking(fd);
    if (listen(fd, 1024) != 0) {
        fprintf(stderr, "birch: could not listen: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    server->listen_unix[server->listen_count] = is_unix;
    server->listen_fds[server->listen_count++] = fd;
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    event.data.u64 = (uint64_t)(server->listen_count);   /* 1..n: listeners */
    epoll_ctl(server->epfd, EPOLL_CTL_ADD, fd, &event);
    return 0;
}

static int listen_tcp(Server *server, const char *host)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE};
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", server->port);
    struct addrinfo *list = NULL;
    bool any = strcmp(host, "*") == 0;
    int status = getaddrinfo(any ? NULL : host, port_text, &hints, &list);
    if (status != 0) {
        fprintf(stderr, "birch: could not resolve \"%s\": %s\n", host, gai_strerror(status));
        return -1;
    }
    int bound = 0;
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        if (any && ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (ai->ai_family == AF_INET && server->port == 0) {
            /* keep the first port chosen for every later address */
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            int saved = errno;
            close(fd);
            if (saved == EADDRNOTAVAIL && any) continue;
            fprintf(stderr, "birch: could not bind %s port %s: %s\n", host, port_text,
                    strerror(saved));
            freeaddrinfo(list);
            return -1;
        }
        if (server->port == 0) {
            struct sockaddr_storage local;
            socklen_t size = sizeof local;
            if (getsockname(fd, (struct sockaddr *)&local, &size) == 0) {
                server->port = ntohs(local.ss_family == AF_INET6
                                         ? ((struct sockaddr_in6 *)&local)->sin6_port
                                         : ((struct sockaddr_in *)&local)->sin_port);
                snprintf(port_text, sizeof port_text, "%d", server->port);
            }
        }
        if (add_listener(server, fd, false) != 0) {
            freeaddrinfo(list);
            return -1;
        }
        bound++;
    }
    freeaddrinfo(list);
    if (bound == 0) {
        fprintf(stderr, "birch: could not listen on \"%s\"\n", host);
        return -1;
    }
    return 0;
}

static int listen_unix(Server *server)
{
    const char *dir = server->cfg.socket_dir;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int size = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/.s.PGSQL.%d", dir, server->port);
    if (size < 0 || (size_t)size >= sizeof addr.sun_path) {
        fprintf(stderr, "birch: Unix socket path \"%s/.s.PGSQL.%d\" is too long\n", dir,
                server->port);
        return -1;
    }
    /* a socket file nobody answers on is stale (the TCP port was free, so it is no server) */
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        if (connect(probe, (struct sockaddr *)&addr, sizeof addr) == 0) {
            close(probe);
            fprintf(stderr, "birch: another server is listening on %s\n", addr.sun_path);
            return -1;
        }
        close(probe);
    }
    unlink(addr.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        fprintf(stderr, "birch: could not bind Unix socket %s: %s\n", addr.sun_path,
                strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    chmod(addr.sun_path, 0777);
    snprintf(server->unix_path, sizeof server->unix_path, "%s", addr.sun_path);
    return add_listener(server, fd, true);
}

static int listen_all(Server *server)
{
    server->port = server->cfg.port;
    char *hosts = xstrdup(server->cfg.listen_addresses);
    int status = 0;
    for (char *save = NULL, *host = strtok_r(hosts, ", ", &save); status == 0 && host != NULL;
         host = strtok_r(NULL, ", ", &save)) {
        status = listen_tcp(server, host);
    }
    free(hosts);
    if (status != 0) return -1;
    if (server->port == 0) {
        /* Unix socket only and port 0: pick a number nobody uses in the directory */
        server->port = 40000 + (int)(getpid() % 20000);
    }
    if (server->cfg.socket_dir[0] != '\0' && listen_unix(server) != 0) return -1;
    if (server->listen_count == 0) {
        fprintf(stderr, "birch: no listen address and no socket directory\n");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- worker pool ---- */

static void *worker_main(void *arg);

static void pool_spawn_locked(Server *server)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 8u << 20);
    pthread_t thread;
    if (pthread_create(&thread, &attr, worker_main, server) == 0) server->workers++;
    pthread_attr_destroy(&attr);
}

void wire_dispatch(Server *server, Conn *conn)
{
    pthread_mutex_lock(&server->pool_mutex);
    conn->next_job = NULL;
    if (server->queue_tail != NULL) server->queue_tail->next_job = conn;
    else {
        server->queue_head = conn;
        server->queue_since_us = wire_now_us();
    }
    server->queue_tail = conn;
    if (server->idle_workers == 0 && server->workers < server->min_workers) {
        pool_spawn_locked(server);
    }
    pthread_cond_signal(&server->pool_cond);
    pthread_mutex_unlock(&server->pool_mutex);
}

/* pool_watch: grow when a job waits and no worker is idle. Returns whether jobs wait. */
static bool pool_watch(Server *server)
{
    pthread_mutex_lock(&server->pool_mutex);
    bool waiting = server->queue_head != NULL;
    if (waiting && server->idle_workers == 0 && server->workers < server->max_workers &&
        wire_now_us() - server->queue_since_us >= POOL_GROW_WAIT_US) {
        pool_spawn_locked(server);
        server->queue_since_us = wire_now_us();
    }
    pthread_mutex_unlock(&server->pool_mutex);
    return waiting;
}

static void *worker_main(void *arg)
{
    Server *server = arg;
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_lock(&server->pool_mutex);
    for (;;) {
        while (server->queue_head == NULL && !server->pool_stop) {
            server->idle_workers++;
            pthread_cond_broadcast(&server->pool_idle_cond);
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += POOL_IDLE_EXIT_MS / 1000;
            int status = pthread_cond_timedwait(&server->pool_cond, &server->pool_mutex, &until);
            server->idle_workers--;
            if (status == ETIMEDOUT && server->queue_head == NULL &&
                server->workers > server->min_workers) {
                goto out;
            }
        }
        if (server->queue_head == NULL) break;   /* pool_stop */
        Conn *conn = server->queue_head;
        server->queue_head = conn->next_job;
        if (server->queue_head == NULL) server->queue_tail = NULL;
        else server->queue_since_us = wire_now_us();
        pthread_mutex_unlock(&server->pool_mutex);
        conn_work(conn);
        pthread_mutex_lock(&server->pool_mutex);
    }
out:
    server->workers--;
    pthread_cond_broadcast(&server->pool_idle_cond);
    pthread_mutex_unlock(&server->pool_mutex);
    return NULL;
}

static void pool_stop(Server *server)
{
    pthread_mutex_lock(&server->pool_mutex);
    server->pool_stop = true;
    pthread_cond_broadcast(&server->pool_cond);
    while (server->workers > 0) pthread_cond_wait(&server->pool_idle_cond, &server->pool_mutex);
    pthread_mutex_unlock(&server->pool_mutex);
}

void wire_server_stats(WireServer *wserver, int *connections_out, int *workers_out)
{
    Server *server = (Server *)wserver;
    pthread_mutex_lock(&server->reg_mutex);
    if (connections_out != NULL) *connections_out = server->conn_count;
    pthread_mutex_unlock(&server->reg_mutex);
    pthread_mutex_lock(&server->pool_mutex);
    if (workers_out != NULL) *workers_out = server->workers;
    pthread_mutex_unlock(&server->pool_mutex);
}

/* ---------------------------------------------------------------- arming ---- */

void wire_arm(Conn *conn, uint32_t events)
{
    Server *server = conn->server;
    pthread_mutex_lock(&conn->mutex);
    struct epoll_event event = {.events = events | EPOLLONESHOT | EPOLLRDHUP};
    event.data.ptr = conn;
    conn->armed = true;
    int status = epoll_ctl(server->epfd, conn->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                           conn->fd, &event);
    if (status == 0) conn->in_epoll = true;
    pthread_mutex_unlock(&conn->mutex);
    if (status != 0) {
        /* cannot wait on it: end it now */
        pthread_mutex_lock(&conn->mutex);
        conn->armed = false;
        pthread_mutex_unlock(&conn->mutex);
        conn->end = END_PEER;
        wire_dispatch(server, conn);
    }
}

/* take_back: disarm an armed connection so the loop owns it; false if a worker has it. */
static bool take_back(Server *server, Conn *conn)
{
    pthread_mutex_lock(&conn->mutex);
    bool taken = conn->armed;
    if (taken) {
        /* DEL, not MOD to no events: epoll reports EPOLLHUP / EPOLLERR whatever the mask, and
         * such an event must never reach the loop for a connection a worker may free */
        epoll_ctl(server->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
        conn->in_epoll = false;
        conn->armed = false;
    }
    pthread_mutex_unlock(&conn->mutex);
    return taken;
}

/* ---------------------------------------------------------------- the loop ---- */

static void accept_all(Server *server, int fd, bool is_unix)
{
    for (;;) {
        struct sockaddr_storage addr;
        socklen_t size = sizeof addr;
        int client = accept4(fd, (struct sockaddr *)&addr, &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR) continue;
            if (errno == EMFILE || errno == ENFILE) {
                wire_log(server, "LOG:  could not accept new connection: %s", strerror(errno));
            }
            return;
        }
        pthread_mutex_lock(&server->reg_mutex);
        bool too_many = server->conn_count >= 2 * server->cfg.max_connections + 100;
        pthread_mutex_unlock(&server->reg_mutex);
        if (too_many) {
            /* sockets that never finish their startup must not exhaust the descriptors */
            close(client);
            continue;
        }
        if (!is_unix) {
            int one = 1;
            setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        }
        Conn *conn = conn_new(server, client, (struct sockaddr *)&addr, size, is_unix);
        if (conn == NULL) {
            close(client);
            continue;
        }
        wire_arm(conn, EPOLLIN);
    }
}

/* check_deadlines: timeouts of armed (idle) connections, and shutdown. */
static void check_deadlines(Server *server)
{
    int64_t now = wire_now_us();
    int mode = atomic_load(&server->stop_mode);
    /* running statements are interrupted only once the loop has taken the shutdown (stopping,
     * stop_deadline_us set): a tick between the signal and that must not cancel them early */
    bool cancel_running = server->stopping && (mode == 2 || now >= server->stop_deadline_us);
    Conn *take[64];
    int take_count = 0;
    pthread_mutex_lock(&server->reg_mutex);
    for (Conn *conn = server->conns; conn != NULL && take_count < 64; conn = conn->next_all) {
        ConnEnd end = END_NONE;
        pthread_mutex_lock(&conn->mutex);
        int64_t deadline = conn->deadline_us;
        bool armed = conn->armed;
        pthread_mutex_unlock(&conn->mutex);
        if (!armed) {
            if (mode != 0 && cancel_running && conn->db != NULL) birch_interrupt(conn->db);
            continue;
        }
        if (mode != 0) end = END_SHUTDOWN;
        else if (deadline != 0 && now >= deadline) {
            end = conn->phase == PHASE_READY ? END_IDLE_TXN : END_AUTH_TIMEOUT;
        }
        if (end == END_NONE || !take_back(server, conn)) continue;
        atomic_store(&conn->pending_end, (int)end);
        take[take_count++] = conn;
    }
    pthread_mutex_unlock(&server->reg_mutex);
    for (int idx = 0; idx < take_count; idx++) wire_dispatch(server, take[idx]);
}

/* LISTEN/NOTIFY. wire_notify_wake runs on a committing session's thread under the sessions'
 * listener lock: it only flags and writes the eventfd. The loop (notify_scan, on that wake
 * and at every tick, which catches a flag set while a worker owned the connection) takes
 * flagged idle connections back and hands them to a worker (conn_work sends them). */
void wire_notify_wake(Conn *conn)
{
    Server *server = conn->server;
    atomic_store(&conn->notify_pending, 1);
    atomic_store(&server->notify_wake, 1);
    uint64_t one = 1;
    ssize_t written = write(server->wake_fd, &one, sizeof one);
    (void)written;
}

static void notify_scan(Server *server)
{
    if (atomic_load(&server->stop_mode) != 0) return;
    Conn *take[64];
    int take_count = 0;
    bool more = false;
    pthread_mutex_lock(&server->reg_mutex);
    for (Conn *conn = server->conns; conn != NULL; conn = conn->next_all) {
        if (atomic_load(&conn->notify_pending) == 0) continue;
        if (take_count == 64) {
            more = true;
            break;
        }
        if (!take_back(server, conn)) continue;   /* a worker has it: conn_work sends */
        take[take_count++] = conn;
    }
    pthread_mutex_unlock(&server->reg_mutex);
    for (int idx = 0; idx < take_count; idx++) wire_dispatch(server, take[idx]);
    if (more) {
        atomic_store(&server->notify_wake, 1);
        uint64_t one = 1;
        ssize_t written = write(server->wake_fd, &one, sizeof one);
        (void)written;
    }
}

static void close_listeners(Server *server)
{
    for (int idx = 0; idx < server->listen_count; idx++) {
        epoll_ctl(server->epfd, EPOLL_CTL_DEL, server->listen_fds[idx], NULL);
        close(server->listen_fds[idx]);
    }
    server->listen_count = 0;
    if (server->unix_path[0] != '\0') {
        unlink(server->unix_path);
        server->unix_path[0] = '\0';
    }
}

static void run_loop(Server *server)
{
    struct epoll_event events[128];
    int64_t next_tick = 0;
    for (;;) {
        bool jobs = pool_watch(server);
        int64_t now = wire_now_us();
        if (now >= next_tick) {
            check_deadlines(server);
            notify_scan(server);   /* LISTEN/NOTIFY */
            next_tick = now + LOOP_TICK_MS * 1000;
        }
        int mode = atomic_load(&server->stop_mode);
        if (mode != 0 && !server->stopping) {
            server->stopping = true;
            server->stop_deadline_us = now + (mode == 2 ? 0 : server->cfg.shutdown_grace_ms * 1000);
            close_listeners(server);
            wire_log(server, "LOG:  received %s shutdown request",
                     mode == 2 ? "fast" : "smart");
            check_deadlines(server);
        }
        if (server->stopping) {
            pthread_mutex_lock(&server->reg_mutex);
            int remaining = server->conn_count;
            pthread_mutex_unlock(&server->reg_mutex);
            if (remaining == 0) break;
        }
        int timeout = jobs ? 1 : (server->stopping ? 20 : LOOP_TICK_MS);
        int count = epoll_wait(server->epfd, events, 128, timeout);
        if (count < 0) {
            if (errno == EINTR) continue;
            wire_log(server, "LOG:  epoll_wait failed: %s", strerror(errno));
            break;
        }
        for (int idx = 0; idx < count; idx++) {
            uint64_t tag = events[idx].data.u64;
            if (tag == 0) {
                /* wake_fd */
                uint64_t value;
                if (read(server->wake_fd, &value, sizeof value) < 0) {
                    /* nothing to do */
                }
                if (atomic_exchange(&server->notify_wake, 0) != 0) notify_scan(server);
                continue;
            }
            if (tag <= (uint64_t)(sizeof server->listen_fds / sizeof server->listen_fds[0])) {
                int which = (int)tag - 1;
                if (which < server->listen_count) {
                    accept_all(server, server->listen_fds[which], server->listen_unix[which]);
                }
                continue;
            }
            Conn *conn = events[idx].data.ptr;
            pthread_mutex_lock(&conn->mutex);
            bool armed = conn->armed;
            conn->armed = false;
            pthread_mutex_unlock(&conn->mutex);
            if (!armed) continue;   /* taken back by check_deadlines meanwhile */
            conn_loop_event(conn, events[idx].events);
        }
    }
}

/* ---------------------------------------------------------------- start and stop ---- */

static Server *g_signal_server;

static void on_signal(int signo)
{
    Server *server = g_signal_server;
    if (server == NULL) return;
    int mode = signo == SIGINT ? 2 : 1;
    int current = atomic_load(&server->stop_mode);
    if (current < mode) atomic_store(&server->stop_mode, mode);
    uint64_t one = 1;
    ssize_t written = write(server->wake_fd, &one, sizeof one);
    (void)written;
}

static const char *os_user(void)
{
    struct passwd *pw = getpwuid(getuid());
    if (pw != NULL && pw->pw_name != NULL) return pw->pw_name;
    const char *user = getenv("USER");
    return user != NULL ? user : "birch";
}

static void server_free(Server *server)
{
    if (server == NULL) return;
    close_listeners(server);
    if (server->master != NULL) {
        if (birch_close(server->master) != BIRCH_OK) {
            fprintf(stderr, "birch: closing the database failed\n");
        }
    }
    if (server->rules != NULL) auth_rules_free(server->rules);
    if (server->tls != NULL) tls_context_free(server->tls);
    if (server->epfd >= 0) close(server->epfd);
    if (server->wake_fd >= 0) close(server->wake_fd);
    if (server->log != NULL) fclose(server->log);
    config_free(&server->cfg);
    free(server->path);
    free(server->dbname);
    free(server->bootstrap_user);
    pthread_mutex_destroy(&server->master_mutex);
    pthread_mutex_destroy(&server->reg_mutex);
    pthread_mutex_destroy(&server->pool_mutex);
    pthread_mutex_destroy(&server->log_mutex);
    pthread_cond_destroy(&server->pool_cond);
    pthread_cond_destroy(&server->pool_idle_cond);
    free(server);
}

/* server_create: parse, open, listen; NULL with *status_out (1 or 2) on failure. */
static Server *server_create(int argc, char **argv, int *status_out)
{
    Server *server = calloc(1, sizeof *server);
    if (server == NULL) {
        *status_out = 1;
        return NULL;
    }
    server->epfd = -1;
    server->wake_fd = -1;
    pthread_mutex_init(&server->master_mutex, NULL);
    pthread_mutex_init(&server->reg_mutex, NULL);
    pthread_mutex_init(&server->pool_mutex, NULL);
    pthread_mutex_init(&server->log_mutex, NULL);
    pthread_cond_init(&server->pool_cond, NULL);
    pthread_cond_init(&server->pool_idle_cond, NULL);
    atomic_init(&server->stop_mode, 0);
    server->next_pid = 1000 + (int32_t)(getpid() % 1000) * 100000;
    int status = parse_args(server, argc, argv);
    if (status != 0) {
        *status_out = status == 3 ? 0 : status;
        server_free(server);
        return NULL;
    }
    WireConfig *cfg = &server->cfg;
    if (cfg->log_file != NULL && cfg->log_file[0] != '\0') {
        server->log = fopen(cfg->log_file, "a");
        if (server->log == NULL) {
            fprintf(stderr, "birch: could not open log file \"%s\": %s\n", cfg->log_file,
                    strerror(errno));
            goto fail;
        }
    }
    /* the rules and the certificate before the database, so a bad config fails fast */
    WireError error = {0};
    if (auth_rules_load(cfg->hba_file, &server->rules, &error) != 0) {
        fprintf(stderr, "birch: %s\n", error.message);
        goto fail;
    }
    if (cfg->ssl) {
        if (cfg->ssl_cert_file == NULL || cfg->ssl_key_file == NULL) {
            fprintf(stderr, "birch: ssl = on needs ssl_cert_file and ssl_key_file\n");
            goto fail;
        }
        if (tls_context_new(cfg->ssl_cert_file, cfg->ssl_key_file, &server->tls, &error) != 0) {
            fprintf(stderr, "birch: %s\n", error.message);
            goto fail;
        }
    }
    server->epfd = epoll_create1(EPOLL_CLOEXEC);
    server->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (server->epfd < 0 || server->wake_fd < 0) {
        fprintf(stderr, "birch: epoll: %s\n", strerror(errno));
        goto fail;
    }
    struct epoll_event wake = {.events = EPOLLIN};
    wake.data.u64 = 0;
    epoll_ctl(server->epfd, EPOLL_CTL_ADD, server->wake_fd, &wake);
    if (listen_all(server) != 0) goto fail;
    /* after binding: a server that cannot listen creates no file */
    server->bootstrap_user = xstrdup(os_user());
    birch_open_options options = {.struct_size = sizeof options, .create = true,
                                  .user = server->bootstrap_user,
                                  .application_name = "birch serve",
                                  .database = server->dbname};
    if (birch_open(server->path, &options, &server->master) != BIRCH_OK) {
        const birch_error *err = birch_last_error(server->master);
        fprintf(stderr, "birch: could not open \"%s\": %s%s%s\n", server->path,
                err != NULL ? err->message : "out of memory",
                err != NULL && err->detail != NULL ? "\nDETAIL:  " : "",
                err != NULL && err->detail != NULL ? err->detail : "");
        birch_close(server->master);
        server->master = NULL;
        goto fail;
    }
    /* every session setting of the config file must be one birch_set accepts */
    for (int idx = 0; idx < cfg->session_count; idx++) {
        if (birch_set(server->master, cfg->session_names[idx], cfg->session_values[idx]) !=
            BIRCH_OK) {
            fprintf(stderr, "birch: configuration: %s\n",
                    birch_last_error(server->master)->message);
            goto fail;
        }
    }
    server->min_workers = 2;
    server->max_workers = cfg->max_connections + 2;
    /* room for max_connections sessions plus the files of the engine */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    *status_out = 0;
    return server;
fail:
    server_free(server);
    *status_out = 1;
    return NULL;
}

static void announce(Server *server)
{
    char where[512];
    int size = 0;
    if (strcmp(server->cfg.listen_addresses, "") != 0) {
        size += snprintf(where + size, sizeof where - (size_t)size, "%s:%d",
                         server->cfg.listen_addresses, server->port);
    }
    if (server->unix_path[0] != '\0') {
        size += snprintf(where + size, sizeof where - (size_t)size, "%s%s", size > 0 ? " and " : "",
                         server->unix_path);
    }
    const char *host = server->unix_path[0] != '\0' ? server->cfg.socket_dir
                                                    : server->cfg.listen_addresses;
    printf("birch: serving %s as database \"%s\" on %s; connect with: psql -h %s -p %d -U %s %s\n",
           server->path, server->dbname, where, host, server->port, server->bootstrap_user,
           server->dbname);
    fflush(stdout);
    wire_log(server, "LOG:  database system is ready to accept connections (%s)", where);
}

static int server_run(Server *server)
{
    run_loop(server);
    pool_stop(server);
    wire_log(server, "LOG:  database system is shut down");
    return 0;
}

int wire_serve_main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    int status = 0;
    Server *server = server_create(argc, argv, &status);
    if (server == NULL) return status;
    g_signal_server = server;
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    announce(server);
    status = server_run(server);
    g_signal_server = NULL;
    server_free(server);
    return status;
}

static void *server_thread(void *arg)
{
    server_run(arg);
    return NULL;
}

int wire_server_start(int argc, char **argv, WireServer **server_out)
{
    signal(SIGPIPE, SIG_IGN);
    *server_out = NULL;
    int status = 0;
    Server *server = server_create(argc, argv, &status);
    if (server == NULL) return -1;
    server->threaded = true;
    if (pthread_create(&server->thread, NULL, server_thread, server) != 0) {
        server_free(server);
        return -1;
    }
    *server_out = (WireServer *)server;
    return 0;
}

int wire_server_port(const WireServer *server) { return ((const Server *)server)->port; }

void wire_server_stop(WireServer *wserver, bool fast)
{
    Server *server = (Server *)wserver;
    if (server == NULL) return;
    atomic_store(&server->stop_mode, fast ? 2 : 1);
    uint64_t one = 1;
    ssize_t written = write(server->wake_fd, &one, sizeof one);
    (void)written;
    pthread_join(server->thread, NULL);
    server_free(server);
}
