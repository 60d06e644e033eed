/* storage/tests/shadow.h: shadow replay of mini-transactions, for tests.
 *
 * shadow_attach wraps a Store's mtr sink: the shadow keeps its own copy of every page (taken
 * when attached: from the pool if cached, else from the file), replays each committed mtr's
 * redo records onto the copies with redo_apply, and right after the commit compares every page
 * the mtr modified with the live frame, byte for byte. A page changed outside an mtr, or a redo
 * record that does not reproduce its change, shows up as a mismatch. LSNs still come from the
 * sink that was installed before (the default one, or the WAL), so the shadow can sit on top
 * of anything.
 *
 * Not compared: the checksum field of every page (set only on the write copy), and the page 0
 * fields store.c writes outside mtrs: the needs-recovery flag, the next LSN and the two
 * checkpoint slots.
 *
 * Usage:
 *     Shadow *shadow = NULL;
 *     ck_assert_ptr_null(shadow_attach(store, &shadow));
 *     ... operations ...
 *     ck_assert_msg(!shadow_failed(shadow), "%s", shadow_error(shadow));
 *     ck_assert_msg(shadow_check_all(shadow), "%s", shadow_error(shadow));
 *     shadow_detach(shadow);                   // before store_close
 * Thread-safe: mtrs may commit from many threads (one mutex inside). */
#ifndef BIRCH_STORAGE_TESTS_SHADOW_H
#define BIRCH_STORAGE_TESTS_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/store.h"

typedef struct Shadow Shadow;

/* shadow_attach: copy every page of store and install the shadow sink on top of the current
 * one. Pre: no mtr runs; pages are not being changed. Errors: OUT_OF_MEMORY, I/O. */
Error      *shadow_attach(Store *store, Shadow **shadow_out);
/* shadow_detach: restore the previous sink and free the shadow. Pre: no mtr runs. */
void        shadow_detach(Shadow *shadow);
/* shadow_failed / shadow_error: whether a mismatch (or a replay error) was seen, and the first
 * one, described with the page, the byte offset and both values ("" if none). */
bool        shadow_failed(const Shadow *shadow);
const char *shadow_error(const Shadow *shadow);
/* shadow_check_all: compare every page [0, page_count) of the store (from the pool if cached,
 * else from the file) with its shadow; false (and shadow_error set) on the first mismatch.
 * Pre: quiescent (no mtr runs). */
bool        shadow_check_all(Shadow *shadow);
/* shadow_mtr_count: committed mtrs replayed so far (tests assert it moved). */
uint64_t    shadow_mtr_count(const Shadow *shadow);

#endif
