/* storage/btree_redo.c: redo records of the B+ tree page format (REDO_BT_FIRST..LAST).
 *
 * mtr_log applies these to the live page and the WAL/shadow replays them, so this is the only
 * code that changes a tree page's bytes. Every payload is validated before the page is touched:
 * a malformed record is DATA_CORRUPTED and leaves the page unchanged. Compaction is
 * deterministic (cells rewritten in slot order from the end of the page), so a replay produces
 * the same bytes as the original change. */
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/btree_int.h"
#include "storage/redo.h"

static Error *bad(PageId page_id, const char *what)
{
    return err_new(SQLSTATE_DATA_CORRUPTED, "malformed B+ tree redo record for page %u: %s",
                   (unsigned)page_id, what);
}

static bool is_tree_page(const uint8_t *page)
{
    return page_type(page) == PAGE_TYPE_BT_LEAF || page_type(page) == PAGE_TYPE_BT_INNER;
}

/* header_ok: the counts and offsets of the page allow cell operations. */
static bool header_ok(const uint8_t *page)
{
    size_t count = bt_count(page);
    size_t start = bt_cell_start(page);
    if (BT_HEADER_SIZE + 2 * count > start || start > PAGE_SIZE) return false;
    if (bt_garbage(page) > PAGE_SIZE - start) return false;
    return true;
}

/* cell_size_at: bt_cell_at's size of the cell of slot_idx of a page with count slots at level,
 * without the calls (compaction visits every cell of a page); 0 if bt_cell_at would return
 * NULL. The leaf checks are bt_cell_size's (btree_page.c); a debug build compares the two. */
static inline size_t cell_size_at(const uint8_t *page, int slot_idx, size_t count, int level)
{
    size_t offset = bt_slot(page, slot_idx);
    if (offset < BT_HEADER_SIZE + 2 * count || offset >= PAGE_SIZE) return 0;
    const uint8_t *cell = page + offset;
    size_t limit = PAGE_SIZE - offset;
    if (level != 0 || limit < BT_LEAF_CELL_HEADER_SIZE) return bt_cell_size(cell, level, limit);
    size_t  key_size = dec_u16le(cell);
    size_t  value_size = dec_u32le(cell + 2);
    uint8_t flags = cell[6];
    size_t  size = 0;
    if (key_size <= BT_KEY_SIZE_MAX && value_size <= BT_VALUE_SIZE_MAX &&
        (flags & ~BT_CELL_OVERFLOW) == 0) {
        bool is_inline = bt_leaf_value_inline(key_size, value_size);
        if (is_inline != ((flags & BT_CELL_OVERFLOW) != 0)) {
            size = BT_LEAF_CELL_HEADER_SIZE + key_size + (is_inline ? value_size : 4);
            if (size > limit) size = 0;
        }
    }
    ASSERT(size == bt_cell_size(cell, level, limit));
    return size;
}

/* compact: rewrite the live cells packed at the end of the page, in slot order (slot 0 ends at
 * PAGE_SIZE); the gap between the slots and the cells becomes zeros. The result is the same
 * bytes whatever the cells' order before, but only the cells not already at their place are
 * moved: a page compacted before and changed since by a few records (the usual case: a replace
 * on a full page compacts it at every record) has most of its cells in place already, so a
 * compaction costs one pass over the slots and the copy of the few cells that move. All cells
 * are checked before the page is touched: false (page unchanged) if one is not valid. */
static bool compact(uint8_t *page)
{
    /* a slot takes 2 bytes of the page: fewer than PAGE_SIZE / 2 cells */
    typedef struct Move {
        uint16_t slot_idx;
        uint16_t to;            /* the cell's new offset */
        uint16_t size;
    } Move;
    uint8_t moved[PAGE_SIZE];             /* the bytes of the cells that move, gathered first */
    Move    moves[PAGE_SIZE / 2];
    int     count = bt_count(page);
    int     level = bt_level(page);
    size_t  slots_end = BT_HEADER_SIZE + 2u * (size_t)count;
    size_t  end = PAGE_SIZE;
    size_t  moved_size = 0;
    int     move_count = 0;
    for (int slot_idx = 0; slot_idx < count; slot_idx++) {
        size_t cell_size = cell_size_at(page, slot_idx, (size_t)count, level);
        if (cell_size == 0 || end < slots_end + cell_size) return false;
        end -= cell_size;
        const uint8_t *cell = page + bt_slot(page, slot_idx);
        if ((size_t)(cell - page) == end) continue;   /* in place already */
        /* gathered before anything is written: a cell's new place may hold another's bytes */
        memcpy(moved + moved_size, cell, cell_size);
        moves[move_count++] = (Move){.slot_idx = (uint16_t)slot_idx, .to = (uint16_t)end,
                                     .size = (uint16_t)cell_size};
        moved_size += cell_size;
    }
    size_t gathered = 0;
    for (int move_idx = 0; move_idx < move_count; move_idx++) {
        const Move *move = &moves[move_idx];
        memcpy(page + move->to, moved + gathered, move->size);
        enc_u16le(page + BT_HEADER_SIZE + 2 * move->slot_idx, move->to);
        gathered += move->size;
    }
    memset(page + slots_end, 0, end - slots_end);
    enc_u16le(page + BT_OFFSET_CELL_START, (uint16_t)end);
    enc_u16le(page + BT_OFFSET_GARBAGE, 0);
    return true;
}

/* place_cell: copy cell into the free gap (compacting if needed); returns its offset or 0. */
static size_t place_cell(uint8_t *page, const uint8_t *cell, size_t cell_size, int new_count)
{
    size_t start = bt_cell_start(page);
    size_t slots_end = BT_HEADER_SIZE + 2u * (size_t)new_count;
    if (start < slots_end + cell_size) {
        if (!compact(page)) return 0;
        start = bt_cell_start(page);
        if (start < slots_end + cell_size) return 0;
    }
    start -= cell_size;
    memcpy(page + start, cell, cell_size);
    enc_u16le(page + BT_OFFSET_CELL_START, (uint16_t)start);
    return start;
}

static Error *apply_format(uint8_t *page, PageId page_id, const uint8_t *payload, size_t size)
{
    if (size != BT_FORMAT_PAYLOAD_SIZE) return bad(page_id, "format size");
    uint8_t type = payload[0];
    if (type != PAGE_TYPE_BT_LEAF && type != PAGE_TYPE_BT_INNER) return bad(page_id, "format type");
    if ((type == PAGE_TYPE_BT_LEAF) != (payload[2] == 0)) return bad(page_id, "format level");
    memset(page + PAGE_HEADER_SIZE, 0, PAGE_SIZE - PAGE_HEADER_SIZE);
    memset(page + 18, 0, 6);
    page[PAGE_OFFSET_TYPE] = type;
    page[PAGE_OFFSET_FLAGS] = payload[1];
    enc_u32le(page + PAGE_OFFSET_ID, page_id);
    page[BT_OFFSET_LEVEL] = payload[2];
    page[BT_OFFSET_ALL_VISIBLE] = payload[3];
    enc_u16le(page + BT_OFFSET_CELL_START, (uint16_t)(PAGE_SIZE & 0xFFFF));
    /* PAGE_SIZE (8192) fits in u16 */
    enc_u32le(page + BT_OFFSET_LEFT, dec_u32le(payload + 4));
    enc_u32le(page + BT_OFFSET_RIGHT, dec_u32le(payload + 8));
    enc_u32le(page + BT_OFFSET_LEFTMOST, dec_u32le(payload + 12));
    enc_u64le(page + BT_OFFSET_MAX_XID, dec_u64le(payload + 16));
    return NULL;
}

static Error *apply_insert(uint8_t *page, PageId page_id, const uint8_t *payload, size_t size,
                           bool replace)
{
    if (!is_tree_page(page) || !header_ok(page)) return bad(page_id, "not a valid tree page");
    if (size < 2) return bad(page_id, "insert size");
    int slot_idx = dec_u16le(payload);
    int count = bt_count(page);
    const uint8_t *cell = payload + 2;
    size_t cell_size = size - 2;
    if (bt_cell_size(cell, bt_level(page), cell_size) != cell_size) return bad(page_id, "cell");
    if (replace ? slot_idx >= count : slot_idx > count) return bad(page_id, "slot");
    size_t old_size = 0;
    if (replace && bt_cell_at(page, slot_idx, &old_size) == NULL) return bad(page_id, "old cell");
    size_t free_size = bt_free_size(page) + old_size;
    if (free_size < cell_size + (replace ? 0 : 2)) return bad(page_id, "no room");
    if (replace) {
        /* drop the old cell first so its bytes can be reused by compaction */
        enc_u16le(page + BT_OFFSET_GARBAGE, (uint16_t)(bt_garbage(page) + old_size));
        memmove(page + BT_HEADER_SIZE + 2 * slot_idx, page + BT_HEADER_SIZE + 2 * (slot_idx + 1),
                2u * (size_t)(count - slot_idx - 1));
        enc_u16le(page + BT_OFFSET_CELL_COUNT, (uint16_t)(count - 1));
        count--;
    }
    size_t offset = place_cell(page, cell, cell_size, count + 1);
    VERIFY(offset != 0);   /* free_size was checked: compaction always makes room */
    memmove(page + BT_HEADER_SIZE + 2 * (slot_idx + 1), page + BT_HEADER_SIZE + 2 * slot_idx,
            2u * (size_t)(count - slot_idx));
    enc_u16le(page + BT_HEADER_SIZE + 2 * slot_idx, (uint16_t)offset);
    enc_u16le(page + BT_OFFSET_CELL_COUNT, (uint16_t)(count + 1));
    return NULL;
}

static Error *apply_delete(uint8_t *page, PageId page_id, const uint8_t *payload, size_t size)
{
    if (!is_tree_page(page) || !header_ok(page)) return bad(page_id, "not a valid tree page");
    if (size != 2) return bad(page_id, "delete size");
    int slot_idx = dec_u16le(payload);
    int count = bt_count(page);
    if (slot_idx >= count) return bad(page_id, "slot");
    size_t old_size = 0;
    if (bt_cell_at(page, slot_idx, &old_size) == NULL) return bad(page_id, "old cell");
    enc_u16le(page + BT_OFFSET_GARBAGE, (uint16_t)(bt_garbage(page) + old_size));
    memmove(page + BT_HEADER_SIZE + 2 * slot_idx, page + BT_HEADER_SIZE + 2 * (slot_idx + 1),
            2u * (size_t)(count - slot_idx - 1));
    enc_u16le(page + BT_HEADER_SIZE + 2 * (count - 1), 0);
    enc_u16le(page + BT_OFFSET_CELL_COUNT, (uint16_t)(count - 1));
    if (count == 1) {
        /* an empty page resets its cell area, so the bytes match a freshly formatted one */
        memset(page + bt_cell_start(page), 0, PAGE_SIZE - bt_cell_start(page));
        enc_u16le(page + BT_OFFSET_CELL_START, (uint16_t)PAGE_SIZE);
        enc_u16le(page + BT_OFFSET_GARBAGE, 0);
    }
    return NULL;
}

static Error *apply_append(uint8_t *page, PageId page_id, const uint8_t *payload, size_t size)
{
    if (!is_tree_page(page) || !header_ok(page)) return bad(page_id, "not a valid tree page");
    if (size < 2) return bad(page_id, "append size");
    size_t cell_count = dec_u16le(payload);
    int level = bt_level(page);
    /* validate everything first: the page must stay unchanged on error */
    size_t offset = 2;
    size_t total = 0;
    for (size_t cell_idx = 0; cell_idx < cell_count; cell_idx++) {
        size_t cell_size = bt_cell_size(payload + offset, level, size - offset);
        if (cell_size == 0) return bad(page_id, "append cell");
        offset += cell_size;
        total += cell_size + 2;
    }
    if (offset != size) return bad(page_id, "append trailing bytes");
    if (total > bt_free_size(page)) return bad(page_id, "append: no room");
    offset = 2;
    for (size_t cell_idx = 0; cell_idx < cell_count; cell_idx++) {
        size_t cell_size = bt_cell_size(payload + offset, level, size - offset);
        int count = bt_count(page);
        size_t at = place_cell(page, payload + offset, cell_size, count + 1);
        VERIFY(at != 0);
        enc_u16le(page + BT_HEADER_SIZE + 2 * count, (uint16_t)at);
        enc_u16le(page + BT_OFFSET_CELL_COUNT, (uint16_t)(count + 1));
        offset += cell_size;
    }
    return NULL;
}

static Error *apply_overflow_write(uint8_t *page, PageId page_id, const uint8_t *payload,
                                   size_t size)
{
    if (page_type(page) != PAGE_TYPE_OVERFLOW) return bad(page_id, "not an overflow page");
    if (size < 8) return bad(page_id, "overflow size");
    size_t data_size = dec_u32le(payload + 4);
    if (data_size != size - 8 || data_size == 0 || data_size > BT_OVERFLOW_DATA_MAX) {
        return bad(page_id, "overflow data size");
    }
    memcpy(page + BT_OVERFLOW_OFFSET_NEXT, payload, 8);
    memcpy(page + BT_OVERFLOW_OFFSET_DATA, payload + 8, data_size);
    return NULL;
}

Error *bt_redo_apply(uint8_t *page, PageId page_id, uint8_t type, const uint8_t *payload,
                     size_t payload_size)
{
    switch (type) {
    case REDO_BT_FORMAT: return apply_format(page, page_id, payload, payload_size);
    case REDO_BT_INSERT: return apply_insert(page, page_id, payload, payload_size, false);
    case REDO_BT_REPLACE: return apply_insert(page, page_id, payload, payload_size, true);
    case REDO_BT_DELETE: return apply_delete(page, page_id, payload, payload_size);
    case REDO_BT_APPEND: return apply_append(page, page_id, payload, payload_size);
    case REDO_BT_SET_LINKS:
        if (page_type(page) != PAGE_TYPE_BT_LEAF) return bad(page_id, "links on a non-leaf");
        if (payload_size != 8) return bad(page_id, "links size");
        memcpy(page + BT_OFFSET_LEFT, payload, 8);
        return NULL;
    case REDO_BT_OVERFLOW_WRITE: return apply_overflow_write(page, page_id, payload, payload_size);
    case REDO_BT_SET_XID:
        if (page_type(page) != PAGE_TYPE_BT_LEAF) return bad(page_id, "xid on a non-leaf");
        if (payload_size != 9) return bad(page_id, "xid size");
        memcpy(page + BT_OFFSET_MAX_XID, payload, 8);
        page[BT_OFFSET_ALL_VISIBLE] = payload[8];
        return NULL;
    default:
        return err_new(SQLSTATE_DATA_CORRUPTED, "unknown redo record type %u for page %u",
                       (unsigned)type, (unsigned)page_id);
    }
}
