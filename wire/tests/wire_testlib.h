/* wire/tests/wire_testlib.h: a birch server inside the test process (wire/server.h) on a
 * temporary database file, socket directory and free port, for the wire tests. A header of
 * static functions (a .c file here would be linked into every wire test). */
#ifndef BIRCH_WIRE_TESTLIB_H
#define BIRCH_WIRE_TESTLIB_H

#include <check.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wire/server.h"

typedef struct TestServer {
    WireServer *server;
    char        dir[64];
    char        path[192];
    char        log_path[192];
    int         port;
    char        user[64];
} TestServer;

static __attribute__((unused)) double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static __attribute__((unused)) void ts_sleep_ms(int ms)
{
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* ts_start: extra is NULL or a NULL-terminated list of more `birch serve` arguments; config
 * (may be NULL) is written to a config file (a log_file line is always added). */
static __attribute__((unused)) void ts_start(TestServer *ts, const char *const *extra,
                                             const char *config)
{
    memset(ts, 0, sizeof *ts);
    snprintf(ts->dir, sizeof ts->dir, "/tmp/birch-wire-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(ts->dir));
    snprintf(ts->path, sizeof ts->path, "%s/t.birch", ts->dir);
    snprintf(ts->log_path, sizeof ts->log_path, "%s/server.log", ts->dir);
    char config_path[192];
    snprintf(config_path, sizeof config_path, "%s/birch.conf", ts->dir);
    FILE *file = fopen(config_path, "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "log_file = '%s'\n%s\n", ts->log_path, config != NULL ? config : "");
    fclose(file);
    const char *argv[32] = {"serve", ts->path, "--port", "0", "--socket-dir", ts->dir,
                            "--host", "127.0.0.1", "--config", config_path};
    int argc = 10;
    for (int idx = 0; extra != NULL && extra[idx] != NULL && argc < 31; idx++) {
        argv[argc++] = extra[idx];
    }
    ck_assert_int_eq(wire_server_start(argc, (char **)argv, &ts->server), 0);
    ts->port = wire_server_port(ts->server);
    struct passwd *pw = getpwuid(getuid());
    snprintf(ts->user, sizeof ts->user, "%s", pw != NULL ? pw->pw_name : "birch");
}

static __attribute__((unused)) void ts_stop(TestServer *ts)
{
    if (ts->server != NULL) wire_server_stop(ts->server, false);
    ts->server = NULL;
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", ts->dir);
    if (system(command) != 0) {
        /* leave it */
    }
}

/* ts_conninfo: over the Unix socket (tcp false) or TCP; extra is appended. */
static __attribute__((unused)) void ts_conninfo(const TestServer *ts, bool tcp,
                                                const char *extra, char *out, size_t size)
{
    snprintf(out, size, "host=%s port=%d dbname=t user=%s connect_timeout=10 %s",
             tcp ? "127.0.0.1" : ts->dir, ts->port, ts->user, extra != NULL ? extra : "");
}

/* ts_log_contains: the server's log has text. */
static __attribute__((unused)) bool ts_log_contains(const TestServer *ts, const char *text)
{
    FILE *file = fopen(ts->log_path, "r");
    if (file == NULL) return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, file) != NULL) found = strstr(line, text) != NULL;
    fclose(file);
    return found;
}

#endif
