/* storage/redo.c: the generic redo record types and the record iterator.
 *
 * redo_apply is both "do" (mtr_log applies our own records) and "redo" (recovery applies
 * records read back from the WAL), so every payload is validated before the page is touched:
 * a malformed record is DATA_CORRUPTED and the page stays as it was. */
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "storage/redo.h"

/* The first byte REDO_BYTES and REDO_PAGE_IMAGE may change: [0, 12) is the lsn and checksum. */
enum { REDO_OFFSET_WRITABLE = PAGE_OFFSET_CHECKSUM + 4 };

static Error *malformed(PageId page_id, uint8_t type, const char *what, size_t payload_size)
{
    return err_new(SQLSTATE_DATA_CORRUPTED,
                   "malformed redo record of type %u for page %u: %s (payload of %zu bytes)",
                   (unsigned)type, (unsigned)page_id, what, payload_size);
}

static Error *apply_page_init(uint8_t *page, PageId page_id, const uint8_t *payload,
                              size_t payload_size)
{
    if (payload_size != 2) return malformed(page_id, REDO_PAGE_INIT, "bad size", payload_size);
    uint8_t type = payload[0];
    if (type == PAGE_TYPE_NONE || type >= PAGE_TYPE_COUNT) {
        return malformed(page_id, REDO_PAGE_INIT, "unknown page type", payload_size);
    }
    memset(page, 0, PAGE_SIZE);
    enc_u32le(page + PAGE_OFFSET_ID, page_id);
    page[PAGE_OFFSET_TYPE] = type;
    page[PAGE_OFFSET_FLAGS] = payload[1];
    return NULL;
}

static Error *apply_bytes(uint8_t *page, PageId page_id, const uint8_t *payload,
                          size_t payload_size)
{
    if (payload_size < 3) return malformed(page_id, REDO_BYTES, "too short", payload_size);
    size_t offset = dec_u16le(payload);
    size_t size = payload_size - 2;
    if (offset < REDO_OFFSET_WRITABLE || offset > PAGE_SIZE || size > PAGE_SIZE - offset) {
        return malformed(page_id, REDO_BYTES, "range outside the page body", payload_size);
    }
    memcpy(page + offset, payload + 2, size);
    return NULL;
}

static Error *apply_page_image(uint8_t *page, PageId page_id, const uint8_t *payload,
                               size_t payload_size)
{
    if (payload_size != PAGE_SIZE) {
        return malformed(page_id, REDO_PAGE_IMAGE, "bad size", payload_size);
    }
    if (dec_u32le(payload + PAGE_OFFSET_ID) != page_id) {
        return malformed(page_id, REDO_PAGE_IMAGE, "image of another page", payload_size);
    }
    memcpy(page + REDO_OFFSET_WRITABLE, payload + REDO_OFFSET_WRITABLE,
           PAGE_SIZE - REDO_OFFSET_WRITABLE);
    return NULL;
}

Error *redo_apply(uint8_t *page, PageId page_id, uint8_t type, const uint8_t *payload,
                  size_t payload_size)
{
    ASSERT(page != NULL);
    if (payload == NULL && payload_size > 0) {
        return malformed(page_id, type, "missing payload", payload_size);
    }
    switch (type) {
    case REDO_PAGE_INIT: return apply_page_init(page, page_id, payload, payload_size);
    case REDO_BYTES: return apply_bytes(page, page_id, payload, payload_size);
    case REDO_PAGE_IMAGE: return apply_page_image(page, page_id, payload, payload_size);
    default: break;
    }
    if (type >= REDO_BT_FIRST && type <= REDO_BT_LAST) {
        return bt_redo_apply(page, page_id, type, payload, payload_size);
    }
    return err_new(SQLSTATE_DATA_CORRUPTED, "unknown redo record type %u for page %u",
                   (unsigned)type, (unsigned)page_id);
}

bool redo_next(RedoIter *iter, RedoRecord *record_out, Error **err_out)
{
    *err_out = NULL;
    if (iter->offset > iter->size) {
        *err_out = err_new(SQLSTATE_DATA_CORRUPTED, "redo iterator past the end of its buffer");
        return false;
    }
    size_t left = iter->size - iter->offset;
    if (left == 0) return false;
    if (left < REDO_RECORD_HEADER_SIZE) {
        *err_out = err_new(SQLSTATE_DATA_CORRUPTED,
                           "truncated redo record header at offset %zu of %zu", iter->offset,
                           iter->size);
        return false;
    }
    const uint8_t *header = iter->data + iter->offset;
    uint8_t        type = header[4];
    uint32_t       payload_size = dec_u32le(header + 5);
    if (type == REDO_NONE || type > REDO_TYPE_MAX) {
        *err_out = err_new(SQLSTATE_DATA_CORRUPTED, "invalid redo record type %u at offset %zu",
                           (unsigned)type, iter->offset);
        return false;
    }
    if (payload_size > left - REDO_RECORD_HEADER_SIZE) {
        *err_out = err_new(SQLSTATE_DATA_CORRUPTED,
                           "redo record at offset %zu claims %u payload bytes, %zu remain",
                           iter->offset, payload_size, left - REDO_RECORD_HEADER_SIZE);
        return false;
    }
    record_out->page_id = dec_u32le(header);
    record_out->type = type;
    record_out->payload = header + REDO_RECORD_HEADER_SIZE;
    record_out->payload_size = payload_size;
    iter->offset += REDO_RECORD_HEADER_SIZE + payload_size;
    return true;
}
