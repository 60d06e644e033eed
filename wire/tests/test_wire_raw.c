/* wire/tests/test_wire_raw.c: a raw-socket client for what libpq never sends: truncated,
 * oversized, negative-length and unknown messages, bad protocol versions, startup without a
 * user, COPY messages outside COPY, invalid UTF-8, Execute with a row limit (PortalSuspended),
 * random garbage. After each, the server answers with an error or closes that connection, and
 * a second, good connection still works. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire/tests/wire_testlib.h"

static TestServer g_ts;

static void setup(void) { ts_start(&g_ts, NULL, NULL); }
static void teardown(void) { ts_stop(&g_ts); }

/* ---------------------------------------------------------------- the raw client ---- */

typedef struct Msg {
    char     type;
    uint32_t size;          /* body bytes */
    uint8_t  body[65536];
} Msg;

static int raw_connect(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/.s.PGSQL.%d", g_ts.dir, g_ts.port);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    return fd;
}

static void raw_send(int fd, const void *data, size_t size)
{
    const uint8_t *at = data;
    while (size > 0) {
        ssize_t sent = send(fd, at, size, MSG_NOSIGNAL);
        if (sent <= 0) return;   /* the server may have closed already */
        at += sent;
        size -= (size_t)sent;
    }
}

/* read_full: exactly size bytes within timeout_ms; false on EOF or timeout. */
static bool read_full(int fd, void *buf, size_t size, int timeout_ms)
{
    uint8_t *at = buf;
    while (size > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0) return false;
        ssize_t got = recv(fd, at, size, 0);
        if (got <= 0) return false;
        at += got;
        size -= (size_t)got;
    }
    return true;
}

/* raw_read: the next message; false on EOF or timeout (5 s). Bodies over 64 KiB are cut. */
static bool raw_read(int fd, Msg *msg)
{
    uint8_t head[5];
    if (!read_full(fd, head, 5, 5000)) return false;
    msg->type = (char)head[0];
    uint32_t size = (uint32_t)head[1] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 8 |
                    head[4];
    ck_assert_uint_ge(size, 4);
    msg->size = size - 4;
    ck_assert_uint_le(msg->size, sizeof msg->body);
    return read_full(fd, msg->body, msg->size, 5000);
}

/* field: an ErrorResponse field (code) or "". */
static const char *field(const Msg *msg, char code)
{
    size_t at = 0;
    while (at < msg->size && msg->body[at] != 0) {
        char this_code = (char)msg->body[at++];
        const char *value = (const char *)msg->body + at;
        at += strlen(value) + 1;
        if (this_code == code) return value;
    }
    return "";
}

static size_t put_u32(uint8_t *at, uint32_t value)
{
    at[0] = (uint8_t)(value >> 24);
    at[1] = (uint8_t)(value >> 16);
    at[2] = (uint8_t)(value >> 8);
    at[3] = (uint8_t)value;
    return 4;
}

/* message: type + length + body into out; returns the size. */
static size_t message(uint8_t *out, char type, const void *body, size_t size)
{
    out[0] = (uint8_t)type;
    put_u32(out + 1, (uint32_t)(size + 4));
    if (size > 0) memcpy(out + 5, body, size);
    return size + 5;
}

static void send_message(int fd, char type, const void *body, size_t size)
{
    uint8_t *buf = malloc(size + 5);
    ck_assert_ptr_nonnull(buf);
    raw_send(fd, buf, message(buf, type, body, size));
    free(buf);
}

static void send_query(int fd, const char *sql)
{
    send_message(fd, 'Q', sql, strlen(sql) + 1);
}

/* startup_packet: a v3 startup packet with user (NULL: none) into out. */
static size_t startup_packet(uint8_t *out, uint32_t version, const char *user)
{
    size_t at = 4;
    at += put_u32(out + at, version);
    if (user != NULL) {
        memcpy(out + at, "user", 5);
        at += 5;
        memcpy(out + at, user, strlen(user) + 1);
        at += strlen(user) + 1;
    }
    memcpy(out + at, "database", 9);
    at += 9;
    memcpy(out + at, "t", 2);
    at += 2;
    out[at++] = 0;
    put_u32(out, (uint32_t)at);
    return at;
}

/* wait_ready: read until ReadyForQuery; returns its status byte, or 0 if the connection ended.
 * *error_state_out (if not NULL) gets the SQLSTATE of the last ErrorResponse. */
static char wait_ready(int fd, char *error_state_out)
{
    static Msg msg;
    if (error_state_out != NULL) error_state_out[0] = '\0';
    while (raw_read(fd, &msg)) {
        if (msg.type == 'E' && error_state_out != NULL) {
            snprintf(error_state_out, 6, "%s", field(&msg, 'C'));
        }
        if (msg.type == 'Z') return (char)msg.body[0];
    }
    return 0;
}

static int raw_login(void)
{
    int fd = raw_connect();
    uint8_t packet[256];
    raw_send(fd, packet, startup_packet(packet, 196608, g_ts.user));
    ck_assert_int_eq(wait_ready(fd, NULL), 'I');
    return fd;
}

/* expect_fatal: an ErrorResponse with sqlstate, then the server closes. */
static void expect_fatal(int fd, const char *sqlstate)
{
    static Msg msg;
    bool seen = false;
    while (raw_read(fd, &msg)) {
        if (msg.type == 'E') {
            ck_assert_str_eq(field(&msg, 'C'), sqlstate);
            ck_assert_str_eq(field(&msg, 'S'), "FATAL");
            seen = true;
        }
    }
    ck_assert_msg(seen, "no ErrorResponse %s", sqlstate);
    /* and the socket is closed (raw_read failed on EOF, not on the 5 s timeout) */
    char byte;
    ck_assert_int_le(recv(fd, &byte, 1, MSG_DONTWAIT), 0);
    close(fd);
}

/* expect_closed: the server closes the connection (an error first is allowed). */
static void expect_closed(int fd)
{
    static Msg msg;
    int guard = 0;
    while (raw_read(fd, &msg) && guard++ < 1000) {
    }
    char byte;
    ssize_t got = recv(fd, &byte, 1, MSG_DONTWAIT);
    ck_assert_msg(got == 0 || (got < 0 && errno != EAGAIN), "connection still open");
    close(fd);
}

/* check_alive: a second, good connection runs a query. */
static void check_alive(void)
{
    int fd = raw_login();
    send_query(fd, "SELECT 40 + 2");
    static Msg msg;
    bool row = false;
    while (raw_read(fd, &msg)) {
        if (msg.type == 'D') {
            ck_assert_int_eq(msg.size, 2 + 4 + 2);
            ck_assert(memcmp(msg.body + 6, "42", 2) == 0);
            row = true;
        }
        if (msg.type == 'Z') break;
    }
    ck_assert(row);
    send_message(fd, 'X', NULL, 0);
    close(fd);
}

/* ---------------------------------------------------------------- startup ---- */

START_TEST(test_bad_startup)
{
    uint8_t packet[20000];
    /* protocol 2.0 and 4.0 */
    int fd = raw_connect();
    raw_send(fd, packet, startup_packet(packet, 2u << 16, g_ts.user));
    expect_fatal(fd, "0A000");
    fd = raw_connect();
    raw_send(fd, packet, startup_packet(packet, 4u << 16, g_ts.user));
    expect_fatal(fd, "0A000");
    check_alive();
    /* no user */
    fd = raw_connect();
    raw_send(fd, packet, startup_packet(packet, 196608, NULL));
    expect_fatal(fd, "28000");
    /* oversized and negative and tiny lengths */
    static const uint32_t LENGTHS[] = {20000, 0xFFFFFFF0u, 0x80000000u, 3, 0};
    for (size_t idx = 0; idx < sizeof LENGTHS / sizeof LENGTHS[0]; idx++) {
        fd = raw_connect();
        put_u32(packet, LENGTHS[idx]);
        put_u32(packet + 4, 196608);
        raw_send(fd, packet, 8);
        expect_fatal(fd, "08P01");
    }
    /* a parameter without its terminator */
    fd = raw_connect();
    size_t size = startup_packet(packet, 196608, g_ts.user);
    packet[size - 1] = 'x';
    raw_send(fd, packet, size);
    expect_fatal(fd, "08P01");
    /* a truncated packet, then the client goes away */
    fd = raw_connect();
    put_u32(packet, 100);
    raw_send(fd, packet, 10);
    close(fd);
    /* a database that does not exist */
    fd = raw_connect();
    size = startup_packet(packet, 196608, g_ts.user);
    packet[size - 3] = 'x';   /* database "x" */
    raw_send(fd, packet, size);
    expect_fatal(fd, "3D000");
    /* invalid UTF-8 in a startup value */
    fd = raw_connect();
    size = startup_packet(packet, 196608, "b\xff");
    raw_send(fd, packet, size);
    expect_fatal(fd, "22021");
    check_alive();
}
END_TEST

START_TEST(test_ssl_gss_cancel_requests)
{
    uint8_t packet[256];
    int fd = raw_connect();
    put_u32(packet, 8);
    put_u32(packet + 4, 80877104);   /* GSSENCRequest */
    raw_send(fd, packet, 8);
    char answer = 0;
    ck_assert(read_full(fd, &answer, 1, 5000));
    ck_assert_int_eq(answer, 'N');
    put_u32(packet + 4, 80877103);   /* SSLRequest: no certificate configured */
    raw_send(fd, packet, 8);
    ck_assert(read_full(fd, &answer, 1, 5000));
    ck_assert_int_eq(answer, 'N');
    raw_send(fd, packet, startup_packet(packet, 196608, g_ts.user));
    ck_assert_int_eq(wait_ready(fd, NULL), 'I');
    close(fd);
    /* a second SSLRequest after the startup is a protocol violation */
    fd = raw_connect();
    put_u32(packet, 8);
    put_u32(packet + 4, 80877103);
    raw_send(fd, packet, 8);
    ck_assert(read_full(fd, &answer, 1, 5000));
    raw_send(fd, packet, 8);
    expect_fatal(fd, "0A000");
    /* a CancelRequest for nobody, and a malformed one */
    fd = raw_connect();
    put_u32(packet, 16);
    put_u32(packet + 4, 80877102);
    put_u32(packet + 8, 12345);
    put_u32(packet + 12, 67890);
    raw_send(fd, packet, 16);
    expect_closed(fd);
    fd = raw_connect();
    put_u32(packet, 12);
    raw_send(fd, packet, 12);
    expect_closed(fd);
    check_alive();
}
END_TEST

/* ---------------------------------------------------------------- messages ---- */

START_TEST(test_bad_messages)
{
    uint8_t buf[64];
    /* unknown message type */
    int fd = raw_login();
    raw_send(fd, buf, message(buf, 'z', "abc", 3));
    expect_fatal(fd, "08P01");
    /* negative length */
    fd = raw_login();
    buf[0] = 'Q';
    put_u32(buf + 1, 0xFFFFFFFFu);
    raw_send(fd, buf, 5);
    expect_fatal(fd, "08P01");
    /* length below 4 */
    fd = raw_login();
    buf[0] = 'S';
    put_u32(buf + 1, 2);
    raw_send(fd, buf, 5);
    expect_fatal(fd, "08P01");
    /* oversized: a Sync of 20000 bytes, a Query over 1 GiB */
    fd = raw_login();
    buf[0] = 'S';
    put_u32(buf + 1, 20000);
    raw_send(fd, buf, 5);
    expect_fatal(fd, "08P01");
    fd = raw_login();
    buf[0] = 'Q';
    put_u32(buf + 1, 0x7FFFFFFFu);
    raw_send(fd, buf, 5);
    expect_fatal(fd, "08P01");
    /* a Query without its NUL terminator */
    fd = raw_login();
    raw_send(fd, buf, message(buf, 'Q', "SELECT 1", 8));
    expect_fatal(fd, "08P01");
    /* a truncated message, then the client half-closes */
    fd = raw_login();
    buf[0] = 'Q';
    put_u32(buf + 1, 100);
    memcpy(buf + 5, "SELECT", 6);
    raw_send(fd, buf, 11);
    shutdown(fd, SHUT_WR);
    expect_closed(fd);
    /* a malformed Bind (counts beyond the body) */
    fd = raw_login();
    static const uint8_t BIND[] = {0, 0, 0, 5, 0, 1};
    raw_send(fd, buf, message(buf, 'B', BIND, sizeof BIND));
    expect_fatal(fd, "08P01");
    /* a password message outside authentication */
    fd = raw_login();
    raw_send(fd, buf, message(buf, 'p', "pw", 3));
    expect_fatal(fd, "08P01");
    check_alive();
}
END_TEST

START_TEST(test_copy_messages_outside_copy_and_utf8)
{
    uint8_t buf[64];
    int fd = raw_login();
    /* PostgreSQL ignores CopyData / CopyDone / CopyFail outside COPY (what is left of a failed
     * COPY), so the session goes on */
    raw_send(fd, buf, message(buf, 'd', "1\tx\n", 4));
    raw_send(fd, buf, message(buf, 'c', NULL, 0));
    raw_send(fd, buf, message(buf, 'f', "no\0", 3));
    send_query(fd, "SELECT 40 + 2");
    char state[6];
    ck_assert_int_eq(wait_ready(fd, state), 'I');
    ck_assert_str_eq(state, "");
    /* invalid UTF-8 in a query: 22021, the session stays */
    send_query(fd, "SELECT '\xff\xfe'");
    ck_assert_int_eq(wait_ready(fd, state), 'I');
    ck_assert_str_eq(state, "22021");
    send_query(fd, "SELECT '\xc3\x28'");
    ck_assert_int_eq(wait_ready(fd, state), 'I');
    ck_assert_str_eq(state, "22021");
    /* ... and inside a transaction block it fails the block */
    send_query(fd, "BEGIN");
    ck_assert_int_eq(wait_ready(fd, state), 'T');
    send_query(fd, "SELECT '\xed\xa0\x80'");   /* a UTF-16 surrogate */
    ck_assert_int_eq(wait_ready(fd, state), 'E');
    ck_assert_str_eq(state, "22021");
    send_query(fd, "ROLLBACK");
    ck_assert_int_eq(wait_ready(fd, state), 'I');
    /* valid multibyte text passes */
    send_query(fd, "SELECT 'h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\xb3'");
    ck_assert_int_eq(wait_ready(fd, state), 'I');
    ck_assert_str_eq(state, "");
    /* FunctionCall is refused, the session stays */
    raw_send(fd, buf, message(buf, 'F', "\0\0\0\0\0\0\0\0\0\0", 10));
    ck_assert_int_eq(wait_ready(fd, state), 'I');
    ck_assert_str_eq(state, "0A000");
    send_message(fd, 'X', NULL, 0);
    expect_closed(fd);
    check_alive();
}
END_TEST

/* extended: Execute with a row limit gives PortalSuspended; an error skips to Sync */
static void send_parse(int fd, const char *name, const char *sql)
{
    uint8_t body[512];
    size_t at = 0;
    memcpy(body, name, strlen(name) + 1);
    at += strlen(name) + 1;
    memcpy(body + at, sql, strlen(sql) + 1);
    at += strlen(sql) + 1;
    body[at++] = 0;
    body[at++] = 0;
    send_message(fd, 'P', body, at);
}

static void send_bind(int fd, const char *portal, const char *stmt)
{
    uint8_t body[256];
    size_t at = 0;
    memcpy(body, portal, strlen(portal) + 1);
    at += strlen(portal) + 1;
    memcpy(body + at, stmt, strlen(stmt) + 1);
    at += strlen(stmt) + 1;
    memset(body + at, 0, 6);   /* no formats, no parameters, no result formats */
    at += 6;
    send_message(fd, 'B', body, at);
}

static void send_execute(int fd, const char *portal, uint32_t max_rows)
{
    uint8_t body[128];
    size_t at = strlen(portal) + 1;
    memcpy(body, portal, at);
    at += put_u32(body + at, max_rows);
    send_message(fd, 'E', body, at);
}

static char g_last_tag[64];

/* collect: message types until ReadyForQuery, as a string; g_last_tag: the last
 * CommandComplete's tag. */
static void collect(int fd, char *types, size_t size)
{
    static Msg msg;
    size_t count = 0;
    while (raw_read(fd, &msg) && count + 1 < size) {
        types[count++] = msg.type;
        if (msg.type == 'C') {
            size_t tag_size = strnlen((const char *)msg.body, sizeof g_last_tag - 1);
            memcpy(g_last_tag, msg.body, tag_size);
            g_last_tag[tag_size] = '\0';
        }
        if (msg.type == 'Z') break;
    }
    types[count] = '\0';
}

/* Drain: a thread that reads messages from fd until it saw want ReadyForQuery ('Z'), EOF or a
 * 5 s silence; no check assertions off the test's own thread. */
typedef struct Drain {
    int fd;
    int want;
    int ready;
} Drain;

static void *drain_main(void *arg)
{
    Drain *drain = arg;
    static uint8_t body[65536];
    while (drain->ready < drain->want) {
        uint8_t head[5];
        if (!read_full(drain->fd, head, 5, 5000)) break;
        uint32_t size = (uint32_t)head[1] << 24 | (uint32_t)head[2] << 16 |
                        (uint32_t)head[3] << 8 | head[4];
        if (size < 4 || size - 4 > sizeof body) break;
        if (!read_full(drain->fd, body, size - 4, 5000)) break;
        if (head[0] == 'Z') drain->ready++;
    }
    return NULL;
}

START_TEST(test_portal_suspension_and_skip_to_sync)
{
    int fd = raw_login();
    send_parse(fd, "s1", "SELECT x FROM generate_series(1, 5) AS g(x)");
    send_bind(fd, "p1", "s1");
    send_execute(fd, "p1", 2);
    send_execute(fd, "p1", 2);
    send_execute(fd, "p1", 2);
    send_execute(fd, "p1", 0);
    send_message(fd, 'S', NULL, 0);
    char types[64];
    collect(fd, types, sizeof types);
    ck_assert_str_eq(types, "12DDsDDsDCCZ");
    ck_assert_str_eq(g_last_tag, "SELECT 0");   /* the rows of the last Execute, as PostgreSQL */
    /* the portal died with the implicit transaction at Sync */
    send_execute(fd, "p1", 0);
    send_message(fd, 'S', NULL, 0);
    collect(fd, types, sizeof types);
    ck_assert_str_eq(types, "EZ");
    /* an error in the middle of a batch: the rest is skipped until Sync */
    send_parse(fd, "", "SELECT 1/0");
    send_bind(fd, "", "");
    send_execute(fd, "", 0);
    send_parse(fd, "s2", "SELECT 1");
    send_bind(fd, "", "s2");
    send_execute(fd, "", 0);
    send_message(fd, 'S', NULL, 0);
    collect(fd, types, sizeof types);
    ck_assert_str_eq(types, "12EZ");
    /* s2 was never parsed */
    send_bind(fd, "", "s2");
    send_message(fd, 'S', NULL, 0);
    collect(fd, types, sizeof types);
    ck_assert_str_eq(types, "EZ");
    /* Describe of a statement: ParameterDescription + RowDescription; Close; Flush */
    send_parse(fd, "s3", "SELECT $1::int + 1 AS next");
    uint8_t describe[8] = {'S', 's', '3', 0};
    send_message(fd, 'D', describe, 4);
    uint8_t close_msg[8] = {'S', 's', '3', 0};
    send_message(fd, 'C', close_msg, 4);
    send_message(fd, 'H', NULL, 0);
    send_message(fd, 'S', NULL, 0);
    collect(fd, types, sizeof types);
    ck_assert_str_eq(types, "1tT3Z");
    /* many pipelined queries, sent without waiting for their answers, which a second thread
     * reads meanwhile: over a Unix socket a client that sends 2000 small messages before
     * reading anything can deadlock with any server (PostgreSQL's too): its sends block once
     * the server, blocked writing answers nobody reads, stops reading (seen ~1 in 40 runs on
     * a loaded machine) */
    Drain drain = {.fd = fd, .want = 2000};
    pthread_t drainer;
    ck_assert_int_eq(pthread_create(&drainer, NULL, drain_main, &drain), 0);
    for (int idx = 0; idx < 2000; idx++) send_query(fd, "SELECT 1");
    pthread_join(drainer, NULL);
    ck_assert_int_eq(drain.ready, 2000);
    send_message(fd, 'X', NULL, 0);
    expect_closed(fd);
    check_alive();
}
END_TEST

/* random bytes after a good startup, and as a startup packet */
START_TEST(test_garbage)
{
    unsigned seed = 12345;
    int rounds = (int)(60 * test_scale());
    if (rounds < 6) rounds = 6;
    uint8_t buf[512];
    for (int round = 0; round < rounds; round++) {
        bool after_login = round % 2 == 0;
        int fd = after_login ? raw_login() : raw_connect();
        size_t size = (size_t)(rand_r(&seed) % sizeof buf) + 1;
        for (size_t idx = 0; idx < size; idx++) buf[idx] = (uint8_t)rand_r(&seed);
        if (after_login && round % 4 == 0) {
            /* a plausible type byte with a random body */
            static const char TYPES[] = "QPBDECSHdcf";
            buf[0] = (uint8_t)TYPES[rand_r(&seed) % (sizeof TYPES - 1)];
            put_u32(buf + 1, (uint32_t)(size >= 5 ? size - 1 : 4));
        }
        raw_send(fd, buf, size);
        shutdown(fd, SHUT_WR);
        expect_closed(fd);
    }
    check_alive();
}
END_TEST

static Suite *wire_raw_suite(void)
{
    Suite *suite = suite_create("wire_raw");
    TCase *tc = tcase_create("raw");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_bad_startup);
    tcase_add_test(tc, test_ssl_gss_cancel_requests);
    tcase_add_test(tc, test_bad_messages);
    tcase_add_test(tc, test_copy_messages_outside_copy_and_utf8);
    tcase_add_test(tc, test_portal_suspension_and_skip_to_sync);
    tcase_add_test(tc, test_garbage);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(wire_raw_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
