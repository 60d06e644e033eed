/* storage/epoch.c: reader epochs, which delay the reuse of freed pages (contract in store.h).
 *
 * A global epoch counter and STORE_EPOCH_SLOT_COUNT slots, each 0 (free) or the epoch its
 * reader entered at. fsm_free stamps a page with the current epoch and advances the counter
 * (store_epoch_advance), so a reader entering after the free has a larger epoch. A page freed
 * at epoch f is reusable once f < store_epoch_safe() = the smallest occupied slot (or now):
 * every reader that could have seen the page before it was unlinked entered at an epoch <= f.
 * A reader that read the counter before a free but publishes its slot after it cannot hold
 * the page: the page was unlinked (under X latches) before it was freed, and the reader
 * descends only after publishing. All atomics are sequentially consistent.
 *
 * Each thread remembers a preferred slot, so enter/exit are one CAS and one store in the
 * common case and the slots in use stay few: store_epoch_safe scans only up to the highest
 * slot ever used. */
#include <sched.h>

#include "common/asserts.h"
#include "storage/store_int.h"

enum { EPOCH_ADVANCE_EVERY = 64 };

static atomic_uint        slot_hint_next;
static _Thread_local int  slot_hint = -1;

void store_epoch_init(Store *store)
{
    atomic_init(&store->epoch, 1);
    atomic_init(&store->epoch_slot_high, 0);
    atomic_init(&store->epoch_exit_count, 0);
    for (int slot_idx = 0; slot_idx < STORE_EPOCH_SLOT_COUNT; slot_idx++) {
        atomic_init(&store->epoch_slots[slot_idx].epoch, 0);
    }
}

static bool slot_claim(Store *store, int slot_idx, uint64_t epoch)
{
    uint64_t expected = 0;
    if (atomic_load(&store->epoch_slots[slot_idx].epoch) != 0) return false;
    if (!atomic_compare_exchange_strong(&store->epoch_slots[slot_idx].epoch, &expected, epoch)) {
        return false;
    }
    int high = atomic_load(&store->epoch_slot_high);
    while (high <= slot_idx &&
           !atomic_compare_exchange_weak(&store->epoch_slot_high, &high, slot_idx + 1)) {
    }
    return true;
}

void store_epoch_enter(Store *store, EpochGuard *guard)
{
    if (slot_hint < 0) {
        slot_hint = (int)(atomic_fetch_add(&slot_hint_next, 1) % STORE_EPOCH_SLOT_COUNT);
    }
    uint64_t epoch = atomic_load(&store->epoch);
    /* Every slot busy means STORE_EPOCH_SLOT_COUNT readers inside at once: wait for one. */
    for (;;) {
        for (int probe_idx = 0; probe_idx < STORE_EPOCH_SLOT_COUNT; probe_idx++) {
            int slot_idx = (slot_hint + probe_idx) % STORE_EPOCH_SLOT_COUNT;
            if (slot_claim(store, slot_idx, epoch)) {
                guard->slot_idx = slot_idx;
                return;
            }
        }
        sched_yield();
        epoch = atomic_load(&store->epoch);
    }
}

void store_epoch_exit(Store *store, EpochGuard *guard)
{
    VERIFY(guard->slot_idx >= 0 && guard->slot_idx < STORE_EPOCH_SLOT_COUNT);
    VERIFY(atomic_load(&store->epoch_slots[guard->slot_idx].epoch) != 0);
    atomic_store(&store->epoch_slots[guard->slot_idx].epoch, 0);
    guard->slot_idx = -1;
    /* Frees advance the epoch themselves; this only keeps it moving under long read loads. */
    if (atomic_fetch_add(&store->epoch_exit_count, 1) % EPOCH_ADVANCE_EVERY == 0) {
        atomic_fetch_add(&store->epoch, 1);
    }
}

uint64_t store_epoch_now(Store *store) { return atomic_load(&store->epoch); }

uint64_t store_epoch_safe(Store *store)
{
    uint64_t safe = atomic_load(&store->epoch);
    int      high = atomic_load(&store->epoch_slot_high);
    for (int slot_idx = 0; slot_idx < high; slot_idx++) {
        uint64_t epoch = atomic_load(&store->epoch_slots[slot_idx].epoch);
        if (epoch != 0 && epoch < safe) safe = epoch;
    }
    return safe;
}

uint64_t store_epoch_advance(Store *store) { return atomic_fetch_add(&store->epoch, 1); }
