/* storage/btree_page.c: reading and validating B+ tree pages and cells, building cells and
 * logging the B+ tree redo records (btree_redo.c applies them). */
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/btree_int.h"

size_t bt_cell_size(const uint8_t *cell, int level, size_t limit)
{
    if (level == 0) {
        if (limit < BT_LEAF_CELL_HEADER_SIZE) return 0;
        size_t key_size = dec_u16le(cell);
        size_t value_size = dec_u32le(cell + 2);
        uint8_t flags = cell[6];
        if (key_size > BT_KEY_SIZE_MAX || value_size > BT_VALUE_SIZE_MAX) return 0;
        if ((flags & ~BT_CELL_OVERFLOW) != 0) return 0;
        bool is_inline = bt_leaf_value_inline(key_size, value_size);
        if (is_inline == ((flags & BT_CELL_OVERFLOW) != 0)) return 0;
        size_t size = BT_LEAF_CELL_HEADER_SIZE + key_size + (is_inline ? value_size : 4);
        return size <= limit ? size : 0;
    }
    if (limit < BT_INNER_CELL_HEADER_SIZE) return 0;
    size_t key_size = dec_u16le(cell);
    if (key_size > BT_KEY_SIZE_MAX) return 0;
    size_t size = BT_INNER_CELL_HEADER_SIZE + key_size;
    return size <= limit ? size : 0;
}

const uint8_t *bt_cell_at(const uint8_t *page, int slot_idx, size_t *cell_size_out)
{
    size_t offset = bt_slot(page, slot_idx);
    size_t count = bt_count(page);
    if (offset < BT_HEADER_SIZE + 2 * count || offset >= PAGE_SIZE) return NULL;
    size_t cell_size = bt_cell_size(page + offset, bt_level(page), PAGE_SIZE - offset);
    if (cell_size == 0) return NULL;
    *cell_size_out = cell_size;
    return page + offset;
}

Error *bt_corrupt(PageId page_id, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "B+ tree page %u is corrupt: %s", (unsigned)page_id,
                   what);
}

Error *bt_page_validate(const uint8_t *page, PageId page_id, int expected_level)
{
    PageType type = page_type(page);
    if (type != PAGE_TYPE_BT_LEAF && type != PAGE_TYPE_BT_INNER) {
        return bt_corrupt(page_id, "not a B+ tree page");
    }
    int level = bt_level(page);
    if ((type == PAGE_TYPE_BT_LEAF) != (level == 0)) return bt_corrupt(page_id, "bad level");
    if (expected_level >= 0 && level != expected_level) {
        return bt_corrupt(page_id, "unexpected level");
    }
    size_t count = bt_count(page);
    size_t start = bt_cell_start(page);
    if (BT_HEADER_SIZE + 2 * count > start || start > PAGE_SIZE) {
        return bt_corrupt(page_id, "bad cell count or cell start");
    }
    if (bt_garbage(page) > PAGE_SIZE - start) return bt_corrupt(page_id, "bad garbage size");
    if (type == PAGE_TYPE_BT_INNER && (bt_leftmost(page) == PAGE_ID_NONE || count == 0)) {
        return bt_corrupt(page_id, "inner page without children");
    }
    return NULL;
}

Error *bt_page_validate_cells(const uint8_t *page, PageId page_id)
{
    int count = bt_count(page);
    size_t start = bt_cell_start(page);
    size_t live = 0;
    for (int slot_idx = 0; slot_idx < count; slot_idx++) {
        size_t cell_size = 0;
        const uint8_t *cell = bt_cell_at(page, slot_idx, &cell_size);
        if (cell == NULL || (size_t)(cell - page) < start) return bt_corrupt(page_id, "bad cell");
        live += cell_size;
    }
    if (live + bt_garbage(page) != PAGE_SIZE - start) {
        return bt_corrupt(page_id, "cell sizes do not add up");
    }
    return NULL;
}

Error *bt_page_search(const uint8_t *page, PageId page_id, const uint8_t *key, size_t key_size,
                      int *slot_out, bool *exact_out)
{
    /* Each probe reads only the cell's key: its offset and key size are checked against the
     * page bounds (so a corrupt slot never makes us read outside the page); the full cell check
     * (bt_cell_at: value size, flags) runs once, on an exact match, which callers read. */
    int level = bt_level(page);
    size_t cell_header = level == 0 ? BT_LEAF_CELL_HEADER_SIZE : BT_INNER_CELL_HEADER_SIZE;
    int low = 0;
    int high = bt_count(page);
    size_t slot_end = BT_HEADER_SIZE + 2u * (size_t)high;
    *exact_out = false;
    if (slot_end > PAGE_SIZE) return bt_corrupt(page_id, "bad cell count");
    uint64_t key_prefix = key_size >= 8 ? dec_u64be(key) : 0;
    while (low < high) {
        int mid = (low + high) / 2;
        size_t offset = bt_slot(page, mid);
        if (offset < slot_end || offset + cell_header > PAGE_SIZE) {
            return bt_corrupt(page_id, "bad cell");
        }
        const uint8_t *cell = page + offset;
        size_t cell_key_size = bt_cell_key_size(cell);
        if (cell_key_size > BT_KEY_SIZE_MAX || offset + cell_header + cell_key_size > PAGE_SIZE) {
            return bt_corrupt(page_id, "bad cell");
        }
        const uint8_t *cell_key = cell + cell_header;
        int cmp;
        if (key_size >= 8 && cell_key_size >= 8) {
            /* the first 8 bytes as one big-endian number: memcmp's order on them */
            uint64_t cell_prefix = dec_u64be(cell_key);
            if (cell_prefix != key_prefix) {
                cmp = cell_prefix < key_prefix ? -1 : 1;
            } else {
                cmp = bt_key_compare(cell_key + 8, cell_key_size - 8, key + 8, key_size - 8);
            }
        } else {
            cmp = bt_key_compare(cell_key, cell_key_size, key, key_size);
        }
        if (cmp < 0) {
            low = mid + 1;
        } else {
            if (cmp == 0) *exact_out = true;
            high = mid;
        }
    }
    if (*exact_out) {
        size_t cell_size = 0;
        if (bt_cell_at(page, low, &cell_size) == NULL) return bt_corrupt(page_id, "bad cell");
    }
    *slot_out = low;
    return NULL;
}

PageId bt_inner_child_at(const uint8_t *page, int child_idx)
{
    if (child_idx == 0) return bt_leftmost(page);
    size_t offset = bt_slot(page, child_idx - 1);
    /* PAGE_ID_NONE (corrupt) if the cell header is not inside the cell area */
    if (offset < BT_HEADER_SIZE + 2u * bt_count(page) || offset + BT_INNER_CELL_HEADER_SIZE > PAGE_SIZE) {
        return PAGE_ID_NONE;
    }
    return dec_u32le(page + offset + 2);
}

Error *bt_inner_child_for(const uint8_t *page, PageId page_id, const uint8_t *key,
                          size_t key_size, int *child_idx_out, PageId *child_out)
{
    int slot_idx = 0;
    bool exact = false;
    TRY(bt_page_search(page, page_id, key, key_size, &slot_idx, &exact));
    /* cells [0, slot_idx) have keys < key; an equal key starts its own child */
    int child_idx = exact ? slot_idx + 1 : slot_idx;
    *child_idx_out = child_idx;
    *child_out = bt_inner_child_at(page, child_idx);
    if (*child_out == PAGE_ID_NONE) return bt_corrupt(page_id, "null child");
    return NULL;
}

size_t bt_leaf_cell_build(uint8_t *out, const uint8_t *key, size_t key_size, size_t value_size,
                          const uint8_t *inline_value, PageId overflow_first)
{
    bool is_inline = bt_leaf_value_inline(key_size, value_size);
    enc_u16le(out, (uint16_t)key_size);
    enc_u32le(out + 2, (uint32_t)value_size);
    out[6] = is_inline ? 0 : BT_CELL_OVERFLOW;
    if (key_size > 0) memcpy(out + BT_LEAF_CELL_HEADER_SIZE, key, key_size);
    uint8_t *value_at = out + BT_LEAF_CELL_HEADER_SIZE + key_size;
    if (is_inline) {
        if (value_size > 0) memcpy(value_at, inline_value, value_size);
        return BT_LEAF_CELL_HEADER_SIZE + key_size + value_size;
    }
    enc_u32le(value_at, overflow_first);
    return BT_LEAF_CELL_HEADER_SIZE + key_size + 4;
}

size_t bt_inner_cell_build(uint8_t *out, const uint8_t *key, size_t key_size, PageId child)
{
    enc_u16le(out, (uint16_t)key_size);
    enc_u32le(out + 2, child);
    if (key_size > 0) memcpy(out + BT_INNER_CELL_HEADER_SIZE, key, key_size);
    return BT_INNER_CELL_HEADER_SIZE + key_size;
}

void bt_log_format(Mtr *mtr, Frame *frame, PageType type, uint8_t flags, int level, PageId left,
                   PageId right, PageId leftmost, uint64_t max_xid, bool all_visible)
{
    uint8_t payload[BT_FORMAT_PAYLOAD_SIZE];
    payload[0] = (uint8_t)type;
    payload[1] = flags;
    payload[2] = (uint8_t)level;
    payload[3] = all_visible ? 1 : 0;
    enc_u32le(payload + 4, left);
    enc_u32le(payload + 8, right);
    enc_u32le(payload + 12, leftmost);
    enc_u64le(payload + 16, max_xid);
    mtr_log(mtr, frame, (RedoType)REDO_BT_FORMAT, payload, sizeof payload);
}

static void log_cell(Mtr *mtr, Frame *frame, int type, int slot_idx, const uint8_t *cell,
                     size_t cell_size)
{
    uint8_t payload[2 + BT_CELL_INLINE_MAX + 8];
    VERIFY(cell_size <= sizeof payload - 2);
    enc_u16le(payload, (uint16_t)slot_idx);
    memcpy(payload + 2, cell, cell_size);
    mtr_log(mtr, frame, (RedoType)type, payload, 2 + cell_size);
}

void bt_log_insert(Mtr *mtr, Frame *frame, int slot_idx, const uint8_t *cell, size_t cell_size)
{
    log_cell(mtr, frame, REDO_BT_INSERT, slot_idx, cell, cell_size);
}

void bt_log_replace(Mtr *mtr, Frame *frame, int slot_idx, const uint8_t *cell, size_t cell_size)
{
    log_cell(mtr, frame, REDO_BT_REPLACE, slot_idx, cell, cell_size);
}

void bt_log_delete(Mtr *mtr, Frame *frame, int slot_idx)
{
    uint8_t payload[2];
    enc_u16le(payload, (uint16_t)slot_idx);
    mtr_log(mtr, frame, (RedoType)REDO_BT_DELETE, payload, sizeof payload);
}

void bt_log_set_links(Mtr *mtr, Frame *frame, PageId left, PageId right)
{
    uint8_t payload[8];
    enc_u32le(payload, left);
    enc_u32le(payload + 4, right);
    mtr_log(mtr, frame, (RedoType)REDO_BT_SET_LINKS, payload, sizeof payload);
}

void bt_log_append(Mtr *mtr, Frame *frame, const uint8_t *const *cells, const size_t *sizes,
                   size_t count)
{
    if (count == 0) return;
    uint8_t *payload = malloc(2 + PAGE_SIZE);
    VERIFY(payload != NULL);
    size_t size = 2;
    size_t batch_count = 0;
    for (size_t cell_idx = 0; cell_idx < count; cell_idx++) {
        VERIFY(size + sizes[cell_idx] <= 2 + PAGE_SIZE);
        memcpy(payload + size, cells[cell_idx], sizes[cell_idx]);
        size += sizes[cell_idx];
        batch_count++;
    }
    enc_u16le(payload, (uint16_t)batch_count);
    mtr_log(mtr, frame, (RedoType)REDO_BT_APPEND, payload, size);
    free(payload);
}

void bt_buf_free(BtBuf *buf)
{
    free(buf->data);
    *buf = (BtBuf){0};
}

Error *bt_buf_reserve(BtBuf *buf, size_t size)
{
    if (size <= buf->capacity) return NULL;
    size_t capacity = buf->capacity < 64 ? 64 : buf->capacity;
    while (capacity < size) capacity *= 2;
    uint8_t *data = realloc(buf->data, capacity);
    if (data == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    buf->data = data;
    buf->capacity = capacity;
    return NULL;
}

Error *bt_read_pin(BufPool *pool, PageId page_id, Frame **frame_out)
{
    Frame *frame = NULL;
    TRY(bp_pin(pool, page_id, BP_PIN_READ, &frame));
    bp_latch(frame, LATCH_SHARED);
    *frame_out = frame;
    return NULL;
}

void bt_read_unpin(BufPool *pool, Frame *frame)
{
    bp_unlatch(frame, LATCH_SHARED);
    bp_unpin(pool, frame);
}

Error *bt_leaf_value_copy(BufPool *pool, const uint8_t *cell, BtBuf *out)
{
    size_t value_size = bt_leaf_cell_value_size(cell);
    out->size = 0;
    if ((bt_leaf_cell_flags(cell) & BT_CELL_OVERFLOW) == 0) {
        TRY(bt_buf_reserve(out, value_size));
        if (value_size > 0) memcpy(out->data, bt_leaf_cell_value(cell), value_size);
        out->size = value_size;
        return NULL;
    }
    return bt_overflow_read(pool, bt_leaf_cell_overflow(cell), value_size, out);
}
