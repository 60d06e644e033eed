/* txn/tests/recov_harness.c: the recovery tests' shared crash setup (recov_harness.h). */
#include "recov_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

void rh_assert_error(Error *err, SqlState state, const char *needle)
{
    ck_assert_msg(err != NULL, "expected an error %s", sqlstate_code(state));
    ck_assert_msg(err->state == state, "expected %s, got %s: %s", sqlstate_code(state),
                  sqlstate_code(err->state), err->message);
    if (needle != NULL) {
        ck_assert_msg(strstr(err->message, needle) != NULL, "\"%s\" not in \"%s\"", needle,
                      err->message);
    }
    err_free(err);
}

double rh_test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double      scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

int rh_scaled(int count)
{
    int result = (int)(count * rh_test_scale());
    return result < 10 ? 10 : result;
}

PageId rh_make_tree(RecovDb *db)
{
    Store *store = recov_store(db);
    PageId root = PAGE_ID_NONE;
    ck_assert_ok(bt_create(store, &root));
    Mtr mtr;
    mtr_begin(&mtr, store);
    store_root_set(&mtr, RH_ROOT_SLOT, root);
    ck_assert_ok(mtr_commit(&mtr));
    return root;
}

BTree *rh_open_tree(RecovDb *db)
{
    Store *store = recov_store(db);
    PageId root = store_root_get(store, RH_ROOT_SLOT);
    ck_assert_uint_ne(root, PAGE_ID_NONE);
    ck_assert_ok(bt_check_store(store, &root, 1));
    BTree *tree = NULL;
    ck_assert_ok(bt_open(store, root, &tree));
    return tree;
}

void rh_key_of(int key_value, uint8_t *key)
{
    enc_u64be(key, (uint64_t)key_value);
}

void rh_put(BTree *tree, int key_value, int version, RhValueFn value_of)
{
    uint8_t key[8], value[RH_VALUE_MAX];
    rh_key_of(key_value, key);
    size_t size = value_of(key_value, version, value);
    Error *err = bt_insert(tree, key, 8, value, size);
    if (err != NULL && err->state == SQLSTATE_UNIQUE_VIOLATION) {
        err_free(err);
        bool found = false;
        err = bt_update(tree, key, 8, value, size, &found);
    }
    ck_assert_ok(err);
}

void rh_expect(BTree *tree, int key_value, int version, RhValueFn value_of)
{
    uint8_t key[8], value[RH_VALUE_MAX];
    rh_key_of(key_value, key);
    BtBuf buf = {0};
    bool  found = false;
    ck_assert_ok(bt_get(tree, key, 8, &buf, &found));
    if (version < 0) {
        ck_assert_msg(!found, "key %d should be absent", key_value);
    } else {
        ck_assert_msg(found, "key %d missing", key_value);
        size_t size = value_of(key_value, version, value);
        ck_assert_msg(buf.size == size && memcmp(buf.data, value, size) == 0,
                      "key %d has the wrong value", key_value);
    }
    bt_buf_free(&buf);
}

void rh_file_page(Vfs *vfs, PageId page_id, uint8_t *page)
{
    File *file = NULL;
    ck_assert_ok(file_open(vfs, RH_DB, FILE_OPEN_READONLY, &file));
    ck_assert_ok(file_read(file, (uint64_t)page_id * PAGE_SIZE, page, PAGE_SIZE));
    file_close(file);
}

uint8_t *rh_read_real_file(const char *path, size_t *size_out)
{
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(file, 0, SEEK_END), 0);
    long size = ftell(file);
    ck_assert_int_eq(fseek(file, 0, SEEK_SET), 0);
    ck_assert_int_gt(size, 0);
    uint8_t *bytes = malloc((size_t)size);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_uint_eq(fread(bytes, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    *size_out = (size_t)size;
    return bytes;
}
