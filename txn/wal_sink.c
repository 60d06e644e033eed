/* txn/wal_sink.c: the mini-transaction sink: turns one committed mtr into one WAL record.
 *
 * Called by mtr_commit while every page the mtr changed is still X-latched, so the page bytes
 * read here are exactly the state after the mtr, and the LSN order of records that touch one
 * page is the order of its changes. For each changed page whose full-page-image flag is set
 * (first change since it was read or written), the page's records are replaced by one
 * REDO_PAGE_IMAGE of the page now, unless its first record is REDO_PAGE_INIT (then the records
 * rebuild it from nothing anyway). Records of different pages are independent, so moving a
 * page's image to the place of its first record keeps the per-page order. Bodies of at least
 * COMPRESS_SIZE_MIN bytes are compressed into a zlib stream (common/zpack.h) when that saves
 * space. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/bytes.h"
#include "common/zpack.h"
#include "txn/wal_int.h"

enum { COMPRESS_SIZE_MIN = 512, BODY_INLINE_SIZE = 2048 };

static _Thread_local WalMtrInfo *thread_info;

/* Packer: one compressor's scratch memory and output buffer per thread, reused per record
 * (allocating them per full page image costs page faults). Freed when its thread exits. */
typedef struct Packer {
    ZPack    pack;
    uint8_t *out;
    size_t   out_capacity;
} Packer;

static pthread_key_t  packer_key;
static pthread_once_t packer_once = PTHREAD_ONCE_INIT;
static _Thread_local Packer *thread_packer;

static void packer_free(void *ptr)
{
    Packer *packer = ptr;
    zpack_free(&packer->pack);
    free(packer->out);
    free(packer);
}

static void packer_key_create(void) { VERIFY(pthread_key_create(&packer_key, packer_free) == 0); }

/* packer_get: this thread's Packer, NULL if memory ran out (the record is then logged
 * uncompressed). */
static Packer *packer_get(void)
{
    if (thread_packer != NULL) return thread_packer;
    pthread_once(&packer_once, packer_key_create);
    Packer *packer = calloc(1, sizeof *packer);
    if (packer == NULL) return NULL;
    if (pthread_setspecific(packer_key, packer) != 0) {
        packer_free(packer);
        return NULL;
    }
    thread_packer = packer;
    return packer;
}

/* body_pack: body as a zlib stream (common/zpack.h: runs and Huffman codes, about 5x faster
 * than zlib's level 1 on pages, which matters because images are compressed on the committing
 * thread) in the thread's buffer; NULL if it did not pay or did not work out. */
static const uint8_t *body_pack(const uint8_t *body, size_t body_size, size_t *packed_size)
{
    Packer *packer = packer_get();
    if (packer == NULL) return NULL;
    size_t bound = zpack_bound(body_size);
    if (bound > packer->out_capacity) {
        uint8_t *out = realloc(packer->out, bound);
        if (out == NULL) return NULL;
        packer->out = out;
        packer->out_capacity = bound;
    }
    *packed_size = zpack(&packer->pack, body, body_size, packer->out);
    return *packed_size != 0 ? packer->out : NULL;
}

void        wal_thread_bind(WalMtrInfo *info) { thread_info = info; }
WalMtrInfo *wal_thread_binding(void) { return thread_info; }

/* FpiPage: one changed page of the mtr and whether it is logged as an image. */
typedef struct FpiPage {
    PageId         page_id;
    const uint8_t *data;
    bool           image;
    bool           emitted;
} FpiPage;

static FpiPage *fpi_find(FpiPage *pages, int page_count, PageId page_id)
{
    for (int page_idx = 0; page_idx < page_count; page_idx++) {
        if (pages[page_idx].page_id == page_id) return &pages[page_idx];
    }
    return NULL;
}

/* first_type: the type of the first record of page_id in the mtr's log (REDO_NONE if none). */
static uint8_t first_type(const uint8_t *records, size_t size, PageId page_id)
{
    RedoIter   iter = {.data = records, .size = size};
    RedoRecord record;
    Error     *err = NULL;
    while (redo_next(&iter, &record, &err)) {
        if (record.page_id == page_id) return record.type;
    }
    VERIFY(err == NULL);   /* our own mtr's log */
    return REDO_NONE;
}

/* collect_images: which changed pages need an image; returns the redo size with images. */
static size_t collect_images(Wal *wal, Mtr *mtr, const uint8_t *records, size_t size,
                             FpiPage *pages, int *page_count_out)
{
    int page_count = 0;
    for (int frame_idx = 0; frame_idx < mtr->frame_count; frame_idx++) {
        MtrFrame *held = &mtr->frames[frame_idx];
        if (!held->modified) continue;
        PageId page_id = bp_page_id(held->frame);
        bool   image = bp_take_fpi_flag(held->frame) &&
                     first_type(records, size, page_id) != REDO_PAGE_INIT;
        pages[page_count++] = (FpiPage){.page_id = page_id, .data = bp_data(held->frame),
                                        .image = image};
    }
    *page_count_out = page_count;
    bool any_image = false;
    for (int page_idx = 0; page_idx < page_count; page_idx++) any_image |= pages[page_idx].image;
    if (!any_image) return size;   /* the common case: the mtr's log as it is */
    size_t     redo_size = 0;
    RedoIter   iter = {.data = records, .size = size};
    RedoRecord record;
    Error     *err = NULL;
    while (redo_next(&iter, &record, &err)) {
        FpiPage *page = fpi_find(pages, page_count, record.page_id);
        if (page != NULL && page->image) {
            if (!page->emitted) redo_size += REDO_RECORD_HEADER_SIZE + PAGE_SIZE;
            page->emitted = true;
        } else {
            redo_size += REDO_RECORD_HEADER_SIZE + record.payload_size;
        }
    }
    VERIFY(err == NULL);
    for (int page_idx = 0; page_idx < page_count; page_idx++) {
        if (pages[page_idx].image) {
            atomic_fetch_add_explicit(&wal->stat_fpi_count, 1, memory_order_relaxed);
        }
        pages[page_idx].emitted = false;
    }
    return redo_size;
}

/* write_redo: the mtr's records with images substituted, into out. */
static size_t write_redo(const uint8_t *records, size_t size, FpiPage *pages, int page_count,
                         uint8_t *out)
{
    size_t     at = 0;
    RedoIter   iter = {.data = records, .size = size};
    RedoRecord record;
    Error     *err = NULL;
    while (redo_next(&iter, &record, &err)) {
        FpiPage *page = fpi_find(pages, page_count, record.page_id);
        if (page != NULL && page->image) {
            if (page->emitted) continue;
            page->emitted = true;
            enc_u32le(out + at, record.page_id);
            out[at + 4] = REDO_PAGE_IMAGE;
            enc_u32le(out + at + 5, PAGE_SIZE);
            memcpy(out + at + REDO_RECORD_HEADER_SIZE, page->data, PAGE_SIZE);
            /* the lsn and checksum fields are not part of an image's meaning: zero them so the
             * bytes (and their compression) do not depend on them */
            memset(out + at + REDO_RECORD_HEADER_SIZE, 0, PAGE_OFFSET_ID);
            at += REDO_RECORD_HEADER_SIZE + PAGE_SIZE;
        } else {
            size_t record_size = REDO_RECORD_HEADER_SIZE + record.payload_size;
            memcpy(out + at, record.payload - REDO_RECORD_HEADER_SIZE, record_size);
            at += record_size;
        }
    }
    VERIFY(err == NULL);
    return at;
}

static Error *sink_append(void *ctx, Mtr *mtr, const uint8_t *records, size_t size,
                          uint64_t *lsn_out)
{
    Wal        *wal = ctx;
    WalMtrInfo *info = mtr->user != NULL ? (WalMtrInfo *)mtr->user : thread_info;
    FpiPage     pages[MTR_FRAME_MAX];
    int         page_count = 0;
    size_t      redo_size = collect_images(wal, mtr, records, size, pages, &page_count);
    bool        is_clr = info != NULL && info->is_clr;
    size_t      undo_size = info != NULL && info->undo != NULL ? info->undo_size : 0;
    VERIFY(undo_size <= WAL_UNDO_SIZE_MAX);
    bool has_image = false;
    for (int page_idx = 0; page_idx < page_count; page_idx++) has_image |= pages[page_idx].image;

    /* body: [undo_next_lsn (CLR)] redo_size undo_size redo... undo... */
    uint8_t  prefix[16];
    size_t   prefix_size = 0;
    if (is_clr) {
        enc_u64le(prefix, info->undo_next_lsn);
        prefix_size = 8;
    }
    enc_u32le(prefix + prefix_size, (uint32_t)redo_size);
    enc_u32le(prefix + prefix_size + 4, (uint32_t)undo_size);
    prefix_size += 8;
    size_t   body_size = prefix_size + redo_size + undo_size;
    uint8_t  flags = 0;
    WalPiece pieces[3];
    int      piece_count = 0;
    uint8_t  body_inline[BODY_INLINE_SIZE];
    uint8_t *body = NULL;
    uint8_t  raw_size[4];
    if (!has_image) {
        /* no image to substitute: the mtr's log is the redo part as it is, no copy */
        VERIFY(redo_size == size);
        pieces[piece_count++] = (WalPiece){.data = prefix, .size = prefix_size};
        pieces[piece_count++] = (WalPiece){.data = records, .size = size};
        if (undo_size > 0) pieces[piece_count++] = (WalPiece){.data = info->undo, .size = undo_size};
    } else {
        body = body_size <= sizeof body_inline ? body_inline : malloc(body_size);
        if (body == NULL) return wal_fail(wal, err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"));
        memcpy(body, prefix, prefix_size);
        size_t at = prefix_size;
        size_t written = write_redo(records, size, pages, page_count, body + at);
        VERIFY(written == redo_size);
        at += redo_size;
        if (undo_size > 0) memcpy(body + at, info->undo, undo_size);
        pieces[piece_count++] = (WalPiece){.data = body, .size = body_size};
        if (body_size >= COMPRESS_SIZE_MIN) {
            size_t         packed_size = 0;
            const uint8_t *packed = body_pack(body, body_size, &packed_size);
            if (packed != NULL && packed_size + 4 < body_size) {
                enc_u32le(raw_size, (uint32_t)body_size);
                pieces[0] = (WalPiece){.data = raw_size, .size = 4};
                pieces[1] = (WalPiece){.data = packed, .size = packed_size};
                piece_count = 2;
                flags |= WAL_FLAG_COMPRESSED;
                atomic_fetch_add_explicit(&wal->stat_compressed_count, 1, memory_order_relaxed);
            }
        }
    }
    uint64_t xid = info != NULL ? info->xid : 0;
    uint64_t prev_lsn = info != NULL && info->last_lsn_io != NULL ? *info->last_lsn_io : 0;
    uint8_t  type = is_clr ? WAL_RECORD_CLR : WAL_RECORD_MTR;
    Error   *err = wal_append_record(wal, type, flags, xid, prev_lsn, pieces, piece_count, true,
                                     lsn_out);
    if (body != NULL && body != body_inline) free(body);
    if (err != NULL) return err;
    if (info != NULL) {
        if (info->last_lsn_io != NULL) *info->last_lsn_io = *lsn_out;
        if (undo_size > 0) {
            info->undo = NULL;
            info->undo_size = 0;
        }
        if (atomic_load(&wal->insert_lsn) - atomic_load(&wal->reuse_lsn) > wal->soft_limit) {
            info->limit_exceeded = true;
        }
    }
    return NULL;
}

static void sink_after_commit(void *ctx, Mtr *mtr, uint64_t lsn)
{
    (void)mtr;
    (void)lsn;
    Wal *wal = ctx;
    atomic_fetch_sub(&wal->inflight_count, 1);
}

MtrSink wal_sink(Wal *wal)
{
    return (MtrSink){.append = sink_append, .after_commit = sink_after_commit, .ctx = wal};
}

void wal_install(Wal *wal)
{
    MtrSink sink = wal_sink(wal);
    store_set_mtr_sink(wal->store, &sink);
    bp_set_before_write(store_pool(wal->store), wal_before_write, wal);
    wal->installed = true;
}

void wal_uninstall(Wal *wal)
{
    if (wal->appending) store_next_lsn_raise(wal->store, atomic_load(&wal->insert_lsn));
    store_set_mtr_sink(wal->store, NULL);
    bp_set_before_write(store_pool(wal->store), NULL, NULL);
    wal->installed = false;
}
