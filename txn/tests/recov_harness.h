/* txn/tests/recov_harness.h: the crash setup that the recovery tests share (test_recovery.c,
 * test_recov_pipeline.c): the database and log names, one B+ tree whose root lives in a root
 * slot of page 0, keys and versioned values (each test file keeps its own value formula, the
 * sizes its tree shapes depend on), puts, checks of what a key holds, error expectations, and
 * BIRCH_TEST_SCALE. Test support only: every function fails the running check test on error. */
#ifndef BIRCH_TXN_TESTS_RECOV_HARNESS_H
#define BIRCH_TXN_TESTS_RECOV_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/btree.h"
#include "txn/recov.h"

#define ck_assert_ok(expr)                                                           \
    do {                                                                             \
        Error *err_ok_ = (expr);                                                     \
        ck_assert_msg(err_ok_ == NULL, "%s failed: %s (%s)", #expr,                  \
                      err_ok_ != NULL ? err_ok_->message : "",                       \
                      err_ok_ != NULL ? sqlstate_code(err_ok_->state) : "");         \
    } while (0)

#define RH_DB "db.birch"
#define RH_WAL_FILE "db.birch-wal"
enum { RH_ROOT_SLOT = 1, RH_VALUE_MAX = 128 };

/* RhValueFn: the value of key_value at version into value (RH_VALUE_MAX bytes); its size. */
typedef size_t (*RhValueFn)(int key_value, int version, uint8_t *value);

/* rh_assert_error: err is an error of state whose message holds needle (NULL: any); frees it. */
void rh_assert_error(Error *err, SqlState state, const char *needle);
/* rh_test_scale: BIRCH_TEST_SCALE (default 1.0); rh_scaled: count scaled, at least 10. */
double rh_test_scale(void);
int    rh_scaled(int count);
/* rh_make_tree: a new B+ tree whose root is stored in RH_ROOT_SLOT; its root. */
PageId rh_make_tree(RecovDb *db);
/* rh_open_tree: the tree of RH_ROOT_SLOT, after bt_check_store found every page once. */
BTree *rh_open_tree(RecovDb *db);
/* rh_key_of: the 8-byte big-endian key of key_value. */
void   rh_key_of(int key_value, uint8_t *key);
/* rh_put: insert key_value at version, or update it if present. */
void   rh_put(BTree *tree, int key_value, int version, RhValueFn value_of);
/* rh_expect: key_value holds version (absent if version < 0). */
void   rh_expect(BTree *tree, int key_value, int version, RhValueFn value_of);
/* rh_file_page: page_id's bytes in the database file of vfs (what a crash left there). */
void   rh_file_page(Vfs *vfs, PageId page_id, uint8_t *page);
/* rh_read_real_file: every byte of the (non-empty) operating-system file path, malloc'd; the
 * caller frees it. */
uint8_t *rh_read_real_file(const char *path, size_t *size_out);

#endif
