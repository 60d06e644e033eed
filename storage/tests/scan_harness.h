/* storage/tests/scan_harness.h: shared setup of the leaf-scan tests (test_btree_scan.c,
 * test_scan_plain.c, test_scan_shape.c, test_scan_uniform.c).
 *
 * A ScanDb is one B+ tree in a fresh store on an in-memory fault VFS (storage/file.h) with a
 * 4 MiB pool. scan_db_open records the pins the store holds itself, and scan_db_close checks
 * the tree (bt_check) and that no scan left a pin behind before it closes everything.
 * OK and MUST are the tests' assertion macros: OK fails the test with the message of a non-NULL
 * Error, MUST with the file, line and text of a false condition. */
#ifndef BIRCH_STORAGE_TESTS_SCAN_HARNESS_H
#define BIRCH_STORAGE_TESTS_SCAN_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "storage/btree.h"
#include "storage/file.h"
#include "storage/store.h"

#define OK(expr)                                                                      \
    do {                                                                              \
        Error *err_ok_ = (expr);                                                      \
        if (err_ok_ != NULL) ck_abort_msg("%s: %s", #expr, err_ok_->message);         \
    } while (0)
#define MUST(cond)                                                                    \
    do {                                                                              \
        if (!(cond)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);            \
    } while (0)

typedef struct ScanDb {
    Vfs   *vfs;
    Store *store;
    BTree *tree;
    size_t pinned_base;     /* pins the store holds itself while open */
} ScanDb;

/* scan_harness_scale: BIRCH_TEST_SCALE (a positive float; 1.0 when unset or invalid). */
double scan_harness_scale(void);
/* scan_db_open: a fresh store named file_name on a fault VFS seeded with seed, holding one
 * empty tree. Fails the test on any error. */
void scan_db_open(ScanDb *db, const char *file_name, uint64_t seed);
/* scan_db_close: bt_check the tree, require no pin beyond the store's own, close all. */
void scan_db_close(ScanDb *db);

#endif
