/* executor/engine.c: one engine instance per database file per process (session.h).
 *
 * The registry is a list under one mutex, keyed by (st_dev, st_ino) and the pid that opened
 * it: a child forked from a process that holds an engine must not reuse the parent's engine
 * (its threads did not survive the fork); it opens the file itself and is refused by the
 * storage layer's OFD lock, which the parent still holds (OBJECT_IN_USE naming the parent's
 * pid). Opening holds the registry mutex for the whole recovery, so two threads opening the
 * same new file never race to create two engines.
 *
 * The timer thread serves statement timeouts: sessions arm an EngineTimer with a deadline;
 * the thread sleeps until the earliest one and calls its fire callback (which sets the
 * session's interrupt flag) with the timer list's mutex held, so a disarm that returns
 * guarantees the callback is not running.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/asserts.h"
#include "executor/session.h"
#include "txn/recov.h"

struct Engine {
    Engine         *next;
    dev_t           dev;
    ino_t           ino;
    pid_t           pid;
    int             refcount;
    char           *path;
    char           *database_name;
    RecovDb        *recov;
    TxnManager     *manager;
    Catalog        *catalog;
    /* timers */
    pthread_mutex_t timer_mutex;
    pthread_cond_t  timer_cond;
    pthread_t       timer_thread;
    bool            timer_started;
    bool            timer_stop;
    EngineTimer    *timers;
};

static pthread_mutex_t registry_mutex = PTHREAD_MUTEX_INITIALIZER;
static Engine         *registry;

static int64_t monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static void *timer_main(void *arg)
{
    Engine *engine = arg;
    pthread_mutex_lock(&engine->timer_mutex);
    while (!engine->timer_stop) {
        int64_t now = monotonic_ns();
        int64_t earliest = INT64_MAX;
        for (EngineTimer *timer = engine->timers; timer != NULL; timer = timer->next) {
            if (!timer->armed) continue;
            if (timer->deadline_ns <= now) {
                timer->armed = false;
                timer->fire(timer->ctx);
                continue;
            }
            if (timer->deadline_ns < earliest) earliest = timer->deadline_ns;
        }
        if (earliest == INT64_MAX) {
            pthread_cond_wait(&engine->timer_cond, &engine->timer_mutex);
            continue;
        }
        /* timer_cond uses CLOCK_MONOTONIC (engine_open sets the attribute) */
        struct timespec until = {.tv_sec = (time_t)(earliest / 1000000000),
                                 .tv_nsec = (long)(earliest % 1000000000)};
        pthread_cond_timedwait(&engine->timer_cond, &engine->timer_mutex, &until);
    }
    pthread_mutex_unlock(&engine->timer_mutex);
    return NULL;
}

void engine_timer_arm(Engine *engine, EngineTimer *timer, int64_t timeout_ms)
{
    pthread_mutex_lock(&engine->timer_mutex);
    if (!timer->listed) {
        timer->next = engine->timers;
        engine->timers = timer;
        timer->listed = true;
    }
    timer->deadline_ns = monotonic_ns() + timeout_ms * 1000000;
    timer->armed = true;
    pthread_cond_signal(&engine->timer_cond);
    pthread_mutex_unlock(&engine->timer_mutex);
}

void engine_timer_disarm(Engine *engine, EngineTimer *timer)
{
    if (!timer->listed) return;   /* the common case: no statement_timeout */
    pthread_mutex_lock(&engine->timer_mutex);
    timer->armed = false;
    EngineTimer **link = &engine->timers;
    while (*link != NULL) {
        if (*link == timer) {
            *link = timer->next;
            break;
        }
        link = &(*link)->next;
    }
    timer->next = NULL;
    timer->listed = false;
    pthread_mutex_unlock(&engine->timer_mutex);
}

TxnManager *engine_manager(Engine *engine) { return engine->manager; }
Catalog *engine_catalog(Engine *engine) { return engine->catalog; }
LockManager *engine_locks(Engine *engine) { return txn_manager_locks(engine->manager); }
const char *engine_database_name(Engine *engine) { return engine->database_name; }

static char *database_name_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t size = strlen(base);
    const char *suffix = ".birch";
    size_t suffix_size = strlen(suffix);
    if (size > suffix_size && strcmp(base + size - suffix_size, suffix) == 0) size -= suffix_size;
    char *name = malloc(size + 1);
    if (name == NULL) return NULL;
    memcpy(name, base, size);
    name[size] = '\0';
    return name;
}

static Engine *registry_find(dev_t dev, ino_t ino)
{
    for (Engine *engine = registry; engine != NULL; engine = engine->next) {
        if (engine->dev == dev && engine->ino == ino && engine->pid == getpid()) return engine;
    }
    return NULL;
}

static void engine_free(Engine *engine)
{
    if (engine->timer_started) {
        pthread_mutex_lock(&engine->timer_mutex);
        engine->timer_stop = true;
        pthread_cond_signal(&engine->timer_cond);
        pthread_mutex_unlock(&engine->timer_mutex);
        pthread_join(engine->timer_thread, NULL);
    }
    pthread_cond_destroy(&engine->timer_cond);
    pthread_mutex_destroy(&engine->timer_mutex);
    free(engine->path);
    free(engine->database_name);
    free(engine);
}

/* engine_close_parts: close what is open, in reverse order; the first error wins. */
static Error *engine_close_parts(Engine *engine)
{
    Error *first = NULL;
    if (engine->catalog != NULL) catalog_close(engine->catalog);
    engine->catalog = NULL;
    if (engine->manager != NULL) {
        Error *err = txn_manager_close(engine->manager);
        if (err != NULL) first = err;
    }
    engine->manager = NULL;
    if (engine->recov != NULL) {
        Error *err = recov_close(engine->recov);
        if (err != NULL && first == NULL) first = err;
        else if (err != NULL) err_free(err);
    }
    engine->recov = NULL;
    return first;
}

static Error *engine_open_parts(Engine *engine, const EngineOptions *options)
{
    RecovOptions recov_options = {
        .store = {.create = options->create,
                  .pool_size = options->pool_size != 0 ? options->pool_size
                                                       : (size_t)ENGINE_POOL_SIZE_DEFAULT,
                  .start_cleaner = true},
        .wal = {.capacity = RECOV_DATABASE_WAL_CAPACITY},
        .ckpt = {.start_thread = true, .wal_fraction = RECOV_DATABASE_CKPT_WAL_FRACTION},
        .undo_fn = txn_recov_undo,
    };
    RecovReport report;
    memset(&report, 0, sizeof report);
    TRY(recov_open(engine->path, &recov_options, &engine->recov, &report));
    TxnOptions txn_options = {
        .purge_interval_ms = ENGINE_PURGE_INTERVAL_MS,
        .wal = recov_wal(engine->recov),
        .ckpt = recov_ckpt(engine->recov),
        .next_xid_min = report.max_xid + 1,
    };
    TRY(txn_manager_open(recov_store(engine->recov), &txn_options, &engine->manager));
    TRY(catalog_open(recov_store(engine->recov), engine->manager, &engine->catalog));
    catalog_set_wal(engine->catalog, recov_wal(engine->recov));   /* nextval is durable */
    return NULL;
}

static Error *engine_new(const char *path, const EngineOptions *options, Engine **engine_out)
{
    Engine *engine = calloc(1, sizeof *engine);
    if (engine == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    pthread_mutex_init(&engine->timer_mutex, NULL);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&engine->timer_cond, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    engine->path = strdup(path);
    engine->database_name = options->database_name != NULL ? strdup(options->database_name)
                                                            : database_name_of(path);
    engine->pid = getpid();
    engine->refcount = 1;
    if (engine->path == NULL || engine->database_name == NULL) {
        engine_free(engine);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    Error *err = engine_open_parts(engine, options);
    if (err == NULL) {
        struct stat info;
        if (stat(path, &info) != 0) {
            err = err_new(SQLSTATE_IO_ERROR, "could not stat file \"%s\": %s", path,
                          strerror(errno));
        } else {
            engine->dev = info.st_dev;
            engine->ino = info.st_ino;
        }
    }
    if (err == NULL && pthread_create(&engine->timer_thread, NULL, timer_main, engine) != 0) {
        err = err_new(SQLSTATE_OUT_OF_MEMORY, "could not start the timer thread");
    } else if (err == NULL) {
        engine->timer_started = true;
    }
    if (err != NULL) {
        Error *close_err = engine_close_parts(engine);
        if (close_err != NULL) err_free(close_err);
        engine_free(engine);
        return err;
    }
    *engine_out = engine;
    return NULL;
}

/* in_use_error: another process holds the file: the storage layer's refusal, worded for the
 * API (`database file "x" is in use by process 1234`). Other errors pass unchanged. */
static Error *in_use_error(Error *err, const char *path)
{
    if (err->state != SQLSTATE_OBJECT_IN_USE) return err;
    const char *marker = strstr(err->message, "by process ");
    if (marker == NULL) return err;
    int pid = atoi(marker + strlen("by process "));
    if (pid <= 0) return err;
    Error *reworded = err_new(SQLSTATE_OBJECT_IN_USE,
                              "database file \"%s\" is in use by process %d", path, pid);
    err_free(err);
    return reworded;
}

Error *engine_acquire(const char *path, const EngineOptions *options, Engine **engine_out)
{
    *engine_out = NULL;
    if (options->read_only) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "read-only opens of a database are not supported yet");
    }
    pthread_mutex_lock(&registry_mutex);
    struct stat info;
    if (stat(path, &info) == 0) {
        Engine *engine = registry_find(info.st_dev, info.st_ino);
        if (engine != NULL) {
            engine->refcount++;
            pthread_mutex_unlock(&registry_mutex);
            *engine_out = engine;
            return NULL;
        }
    } else if (!options->create) {
        pthread_mutex_unlock(&registry_mutex);
        return err_new(SQLSTATE_UNDEFINED_FILE, "database file \"%s\" does not exist", path);
    }
    Engine *engine = NULL;
    Error *err = engine_new(path, options, &engine);
    if (err != NULL) err = in_use_error(err, path);
    if (err == NULL) {
        engine->next = registry;
        registry = engine;
        *engine_out = engine;
    }
    pthread_mutex_unlock(&registry_mutex);
    return err;
}

Error *engine_release(Engine *engine)
{
    if (engine == NULL) return NULL;
    pthread_mutex_lock(&registry_mutex);
    VERIFY(engine->refcount > 0);
    if (--engine->refcount > 0) {
        pthread_mutex_unlock(&registry_mutex);
        return NULL;
    }
    Engine **link = &registry;
    while (*link != NULL && *link != engine) link = &(*link)->next;
    if (*link == engine) *link = engine->next;
    /* closed under the registry mutex: a concurrent open of this file waits for the close
     * instead of being refused by the storage lock that is still held */
    Error *err = engine_close_parts(engine);
    engine_free(engine);
    pthread_mutex_unlock(&registry_mutex);
    return err;
}
