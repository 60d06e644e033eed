/* storage/store_int.h: the Store's fields, shared by store.c, fsm.c, epoch.c and mtr.c only
 * (and their tests). Everyone else goes through store.h. */
#ifndef BIRCH_STORAGE_STORE_INT_H
#define BIRCH_STORAGE_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "storage/store.h"

/* A FREE page's body (after the common header), all written through the mtr:
 *   offset size field
 *   24     4    next free page (PAGE_ID_NONE ends the list)
 *   28     4    reserved (zero)
 *   32     8    run id of the process that freed it
 *   40     8    reader epoch at the free (meaningful only within that run) */
enum {
    FSM_OFFSET_NEXT = PAGE_HEADER_SIZE,
    FSM_OFFSET_RUN_ID = PAGE_HEADER_SIZE + 8,
    FSM_OFFSET_EPOCH = PAGE_HEADER_SIZE + 16,
    FSM_BODY_SIZE = 24,
};

typedef struct EpochSlot {
    _Alignas(64) _Atomic uint64_t epoch;   /* 0: free; else the epoch its reader entered at */
} EpochSlot;

struct Store {
    char            *path;
    Vfs             *vfs;
    File            *file;
    BufPool         *pool;
    Frame           *page0;              /* pinned from open to close: always resident */
    bool             read_only;
    bool             needs_recovery_at_open;
    bool             needs_recovery_set;  /* the flag is set on disk (by this open or before) */
    uint64_t         database_id;
    uint64_t         run_id;             /* random per open: tags pages freed in this run */
    MtrSink          sink;               /* set while no mtr runs */
    _Atomic uint64_t next_lsn;

    _Atomic uint64_t epoch;              /* the global reader epoch, starts at 1 */
    atomic_int       epoch_slot_high;    /* slots [0, high) may be occupied */
    atomic_uint      epoch_exit_count;
    EpochSlot        epoch_slots[STORE_EPOCH_SLOT_COUNT];

    pthread_mutex_t  checkpoint_mutex;   /* serializes store_write_checkpoint */
};

/* mtr_page0_held_here: true if the calling thread's mtr holds store's page 0 X-latched (then
 * store_root_get/store_info read it without latching: it cannot change under us, and latching
 * again would deadlock). mtr.c tracks it per thread. */
bool    mtr_page0_held_here(const Store *store);

/* store_default_sink: the sink installed when nobody set one (next LSN, records dropped). */
MtrSink store_default_sink(Store *store);
/* store_epoch_init: set up the epoch fields of a new store. */
void    store_epoch_init(Store *store);
/* store_epoch_advance: advance the global epoch; returns the epoch before (fsm_free's stamp). */
uint64_t store_epoch_advance(Store *store);

#endif
