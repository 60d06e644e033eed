/* common/failpoint.c: a small table of armed failpoints under one mutex (only touched when a
 * test armed something, so the lock is never on a hot path). */
#include "common/failpoint.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

atomic_int fp_enabled_count;

typedef struct Failpoint {
    char     name[FP_NAME_SIZE_MAX];
    FpAction action;
    int      skip_count;
    int      fire_count;        /* 0 = forever */
    int      parked_count;
    bool     released;
} Failpoint;

static pthread_mutex_t fp_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  fp_cond = PTHREAD_COND_INITIALIZER;
static Failpoint       fp_table[FP_COUNT_MAX];

static Failpoint *find(const char *name)
{
    for (int fp_idx = 0; fp_idx < FP_COUNT_MAX; fp_idx++) {
        if (fp_table[fp_idx].action != FP_ACTION_OFF && strcmp(fp_table[fp_idx].name, name) == 0) {
            return &fp_table[fp_idx];
        }
    }
    return NULL;
}

static void disarm(Failpoint *fp)
{
    if (fp->action == FP_ACTION_OFF) return;
    fp->action = FP_ACTION_OFF;
    atomic_fetch_sub(&fp_enabled_count, 1);
}

void fp_set(const char *name, FpAction action, int skip_count, int fire_count)
{
    if (action == FP_ACTION_OFF) {
        fp_clear(name);
        return;
    }
    pthread_mutex_lock(&fp_mutex);
    Failpoint *fp = find(name);
    if (fp == NULL) {
        for (int fp_idx = 0; fp_idx < FP_COUNT_MAX && fp == NULL; fp_idx++) {
            if (fp_table[fp_idx].action == FP_ACTION_OFF && fp_table[fp_idx].parked_count == 0) {
                fp = &fp_table[fp_idx];
            }
        }
        if (fp == NULL) {
            pthread_mutex_unlock(&fp_mutex);
            return;
        }
        atomic_fetch_add(&fp_enabled_count, 1);
        strncpy(fp->name, name, FP_NAME_SIZE_MAX - 1);
        fp->name[FP_NAME_SIZE_MAX - 1] = '\0';
    }
    fp->action = action;
    fp->skip_count = skip_count;
    fp->fire_count = fire_count;
    fp->released = false;
    pthread_mutex_unlock(&fp_mutex);
}

void fp_clear(const char *name)
{
    pthread_mutex_lock(&fp_mutex);
    Failpoint *fp = find(name);
    if (fp != NULL) {
        fp->released = true;
        disarm(fp);
    }
    pthread_cond_broadcast(&fp_cond);
    pthread_mutex_unlock(&fp_mutex);
}

void fp_clear_all(void)
{
    pthread_mutex_lock(&fp_mutex);
    for (int fp_idx = 0; fp_idx < FP_COUNT_MAX; fp_idx++) {
        fp_table[fp_idx].released = true;
        disarm(&fp_table[fp_idx]);
    }
    pthread_cond_broadcast(&fp_cond);
    pthread_mutex_unlock(&fp_mutex);
}

bool fp_hit(const char *name)
{
    pthread_mutex_lock(&fp_mutex);
    Failpoint *fp = find(name);
    if (fp == NULL) {
        pthread_mutex_unlock(&fp_mutex);
        return false;
    }
    if (fp->skip_count > 0) {
        fp->skip_count--;
        pthread_mutex_unlock(&fp_mutex);
        return false;
    }
    FpAction action = fp->action;
    if (fp->fire_count > 0 && --fp->fire_count == 0) {
        /* the last firing: keep the slot for parking bookkeeping, but stop further hits */
        disarm(fp);
    }
    bool inject = false;
    switch (action) {
    case FP_ACTION_PARK:
        fp->parked_count++;
        pthread_cond_broadcast(&fp_cond);
        while (!fp->released) pthread_cond_wait(&fp_cond, &fp_mutex);
        fp->parked_count--;
        break;
    case FP_ACTION_CRASH:
        _exit(FP_CRASH_EXIT_CODE);
    case FP_ACTION_ERROR:
        inject = true;
        break;
    case FP_ACTION_OFF:
        break;
    }
    pthread_mutex_unlock(&fp_mutex);
    return inject;
}

bool fp_wait_parked(const char *name, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&fp_mutex);
    bool parked = false;
    for (;;) {
        for (int fp_idx = 0; fp_idx < FP_COUNT_MAX; fp_idx++) {
            if (fp_table[fp_idx].parked_count > 0 && strcmp(fp_table[fp_idx].name, name) == 0) {
                parked = true;
            }
        }
        if (parked) break;
        if (pthread_cond_timedwait(&fp_cond, &fp_mutex, &deadline) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&fp_mutex);
    return parked;
}

void fp_release(const char *name)
{
    pthread_mutex_lock(&fp_mutex);
    for (int fp_idx = 0; fp_idx < FP_COUNT_MAX; fp_idx++) {
        if (strcmp(fp_table[fp_idx].name, name) == 0) {
            fp_table[fp_idx].released = true;
            disarm(&fp_table[fp_idx]);
        }
    }
    pthread_cond_broadcast(&fp_cond);
    pthread_mutex_unlock(&fp_mutex);
}
