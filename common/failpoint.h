/* common/failpoint.h: named places where tests park a thread, crash the process or inject an
 * error (crash harness, "a writer parked in the middle of a split", fault tests).
 *
 * Cheap when unused: one relaxed atomic load. Names are dotted, layer first:
 * "bt.split.after_alloc", "wal.after_write_before_page". */
#ifndef BIRCH_COMMON_FAILPOINT_H
#define BIRCH_COMMON_FAILPOINT_H

#include <stdatomic.h>
#include <stdbool.h>

typedef enum FpAction {
    FP_ACTION_OFF = 0,
    FP_ACTION_PARK,    /* the thread waits until fp_release(name) */
    FP_ACTION_CRASH,   /* the process dies at once with _exit(FP_CRASH_EXIT_CODE) */
    FP_ACTION_ERROR,   /* FAILPOINT() returns true: the caller returns an injected error */
} FpAction;

enum { FP_CRASH_EXIT_CODE = 77, FP_NAME_SIZE_MAX = 64, FP_COUNT_MAX = 32 };

extern atomic_int fp_enabled_count;

/* fp_set: arm name with action; it fires on the (skip_count + 1)-th hit and then stays armed
 * for fire_count firings (0 = forever). */
void fp_set(const char *name, FpAction action, int skip_count, int fire_count);
/* fp_clear: disarm one; fp_clear_all: disarm all and release parked threads. */
void fp_clear(const char *name);
void fp_clear_all(void);
/* fp_hit: called through FAILPOINT(); true if the caller must inject an error. */
bool fp_hit(const char *name);
/* fp_wait_parked: block until a thread is parked at name, or timeout_ms passed; true if parked. */
bool fp_wait_parked(const char *name, int timeout_ms);
/* fp_release: let threads parked at name go on (and disarm it). */
void fp_release(const char *name);

#define FAILPOINT(name) \
    (atomic_load_explicit(&fp_enabled_count, memory_order_relaxed) > 0 && fp_hit(name))

#endif
