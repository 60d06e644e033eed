/* storage/tests/scan_harness.c: shared setup of the leaf-scan tests (scan_harness.h). */
#include "storage/tests/scan_harness.h"

#include <stdlib.h>
#include <string.h>

#include "storage/bufpool.h"

double scan_harness_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

void scan_db_open(ScanDb *db, const char *file_name, uint64_t seed)
{
    memset(db, 0, sizeof *db);
    db->vfs = vfs_fault_create(seed);
    MUST(db->vfs != NULL);
    StoreOptions options = {.vfs = db->vfs, .pool_size = 4 << 20, .create = true};
    OK(store_open(file_name, &options, &db->store));
    PageId root;
    OK(bt_create(db->store, &root));
    OK(bt_open(db->store, root, &db->tree));
    db->pinned_base = bp_pinned_count(store_pool(db->store));
}

void scan_db_close(ScanDb *db)
{
    OK(bt_check(db->tree, NULL));
    bt_close(db->tree);
    MUST(bp_pinned_count(store_pool(db->store)) == db->pinned_base);
    OK(store_close(db->store));
    vfs_fault_destroy(db->vfs);
}
