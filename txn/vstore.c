/* txn/vstore.c: the version store (vstore.h): chains in a hash table, a global FIFO for
 * spilling and dropping oldest first, an unlinked temporary file for spilled bytes.
 *
 * The spill file is append-only while any version is spilled and truncated to empty when the
 * last spilled version goes, so its size is bounded by the hard limit plus what pruning left
 * behind in its middle; a long-lived store with a steady trickle of spilled versions can keep
 * dead bytes there until the spilled set empties (documented in README-txn.md). */
#include "txn/vstore.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/asserts.h"
#include "common/hash.h"
#include "storage/row.h"

#define VSTORE_MEMORY_SIZE_DEFAULT ((size_t)64 << 20)
#define VSTORE_SIZE_MAX_DEFAULT    ((size_t)1 << 30)

enum {
    VSTORE_BUCKET_COUNT_MIN = 256,
    VSTORE_PRUNE_WALK_MAX = 64,    /* non-prunable versions a bounded prune walks past */
};

typedef struct VsChain VsChain;

typedef struct VsVersion {
    struct VsVersion *older;          /* next in the chain */
    struct VsVersion *fifo_prev;
    struct VsVersion *fifo_next;
    VsChain          *chain;
    uint64_t          writer_xid;
    uint64_t          delete_xid;
    uint64_t          superseder_xid;
    size_t            size;
    bool              spilled;
    uint64_t          file_offset;    /* spilled: where its bytes are */
    uint8_t          *bytes;          /* in memory: size bytes; NULL when spilled */
} VsVersion;

struct VsChain {
    VsChain   *hash_next;
    uint64_t   hash;
    uint32_t   root;
    bool       truncated;             /* the hard limit dropped versions of it */
    uint64_t   truncated_xid;         /* the largest superseder of a dropped version */
    VsVersion *newest;
    size_t     key_size;
    uint8_t    key[];
};

struct VStore {
    pthread_mutex_t mutex;
    size_t          memory_size_max;
    size_t          size_max;
    VsChain       **buckets;
    size_t          bucket_count;
    size_t          chain_count;
    size_t          version_count;
    VsVersion      *fifo_head;        /* oldest */
    VsVersion      *fifo_tail;        /* newest */
    VsVersion      *spill_next;       /* the oldest in-memory version (invariant 2) */
    size_t          memory_size;
    size_t          memory_record_size;   /* record bytes in memory (the spill trigger) */
    size_t          spilled_size;
    size_t          spilled_count;
    int             spill_fd;         /* -1 until the first spill */
    uint64_t        spill_end;
    uint64_t        spill_total;
    uint64_t        drop_total;
    uint64_t        prune_total;
};

static size_t version_memory_size(const VsVersion *version)
{
    return sizeof *version + (version->spilled ? 0 : version->size);
}

static size_t chain_memory_size(const VsChain *chain)
{
    return sizeof *chain + chain->key_size;
}

static uint64_t chain_hash(uint32_t root, const uint8_t *key, size_t key_size)
{
    return hash_bytes(key, key_size, hash_u64(root));
}

Error *vstore_create(size_t memory_size, size_t size_max, VStore **vstore_out)
{
    VStore *vstore = calloc(1, sizeof *vstore);
    if (vstore == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    vstore->buckets = calloc(VSTORE_BUCKET_COUNT_MIN, sizeof *vstore->buckets);
    if (vstore->buckets == NULL) {
        free(vstore);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    vstore->bucket_count = VSTORE_BUCKET_COUNT_MIN;
    vstore->spill_fd = -1;
    pthread_mutex_init(&vstore->mutex, NULL);
    vstore_set_limits(vstore, memory_size, size_max);
    *vstore_out = vstore;
    return NULL;
}

void vstore_set_limits(VStore *vstore, size_t memory_size, size_t size_max)
{
    pthread_mutex_lock(&vstore->mutex);
    vstore->memory_size_max = memory_size != 0 ? memory_size : VSTORE_MEMORY_SIZE_DEFAULT;
    vstore->size_max = size_max != 0 ? size_max : VSTORE_SIZE_MAX_DEFAULT;
    pthread_mutex_unlock(&vstore->mutex);
}

void vstore_destroy(VStore *vstore)
{
    if (vstore == NULL) return;
    VsVersion *version = vstore->fifo_head;
    while (version != NULL) {
        VsVersion *next = version->fifo_next;
        free(version->bytes);
        free(version);
        version = next;
    }
    for (size_t bucket_idx = 0; bucket_idx < vstore->bucket_count; bucket_idx++) {
        VsChain *chain = vstore->buckets[bucket_idx];
        while (chain != NULL) {
            VsChain *next = chain->hash_next;
            free(chain);
            chain = next;
        }
    }
    if (vstore->spill_fd >= 0) close(vstore->spill_fd);
    free(vstore->buckets);
    pthread_mutex_destroy(&vstore->mutex);
    free(vstore);
}

/* ------------------------------------------------------------ hash table ---- */

static VsChain **chain_link(VStore *vstore, uint64_t hash, uint32_t root, const uint8_t *key,
                            size_t key_size)
{
    VsChain **link = &vstore->buckets[hash & (vstore->bucket_count - 1)];
    while (*link != NULL) {
        VsChain *chain = *link;
        if (chain->hash == hash && chain->root == root && chain->key_size == key_size &&
            memcmp(chain->key, key, key_size) == 0) {
            return link;
        }
        link = &chain->hash_next;
    }
    return link;
}

static void table_grow(VStore *vstore)
{
    size_t bucket_count = vstore->bucket_count * 2;
    VsChain **buckets = calloc(bucket_count, sizeof *buckets);
    if (buckets == NULL) return;   /* keep the longer buckets: correct, only slower */
    for (size_t bucket_idx = 0; bucket_idx < vstore->bucket_count; bucket_idx++) {
        VsChain *chain = vstore->buckets[bucket_idx];
        while (chain != NULL) {
            VsChain *next = chain->hash_next;
            VsChain **head = &buckets[chain->hash & (bucket_count - 1)];
            chain->hash_next = *head;
            *head = chain;
            chain = next;
        }
    }
    free(vstore->buckets);
    vstore->buckets = buckets;
    vstore->bucket_count = bucket_count;
}

static void chain_unlink(VStore *vstore, VsChain *chain)
{
    ASSERT(chain->newest == NULL);
    VsChain **link = chain_link(vstore, chain->hash, chain->root, chain->key, chain->key_size);
    VERIFY(*link == chain);
    *link = chain->hash_next;
    vstore->chain_count--;
    vstore->memory_size -= chain_memory_size(chain);
    free(chain);
}

/* ------------------------------------------------------------ versions ---- */

static void fifo_remove(VStore *vstore, VsVersion *version)
{
    if (vstore->spill_next == version) vstore->spill_next = version->fifo_next;
    if (version->fifo_prev != NULL) version->fifo_prev->fifo_next = version->fifo_next;
    else vstore->fifo_head = version->fifo_next;
    if (version->fifo_next != NULL) version->fifo_next->fifo_prev = version->fifo_prev;
    else vstore->fifo_tail = version->fifo_prev;
}

/* Free one version (already out of its chain). */
static void version_free(VStore *vstore, VsVersion *version)
{
    fifo_remove(vstore, version);
    vstore->memory_size -= version_memory_size(version);
    if (!version->spilled) vstore->memory_record_size -= version->size;
    if (version->spilled) {
        vstore->spilled_size -= version->size;
        vstore->spilled_count--;
        if (vstore->spilled_count == 0 && vstore->spill_fd >= 0) {
            /* Nothing spilled is left: reclaim the file. A failure only wastes space. */
            if (ftruncate(vstore->spill_fd, 0) == 0) vstore->spill_end = 0;
        }
    }
    vstore->version_count--;
    free(version->bytes);
    free(version);
}

/* Cut chain at version: version and every older one are removed. */
static size_t chain_cut(VStore *vstore, VsChain *chain, VsVersion *version)
{
    VsVersion **link = &chain->newest;
    while (*link != version) {
        VERIFY(*link != NULL);
        link = &(*link)->older;
    }
    *link = NULL;
    size_t removed_count = 0;
    while (version != NULL) {
        VsVersion *older = version->older;
        version_free(vstore, version);
        removed_count++;
        version = older;
    }
    return removed_count;
}

static bool chain_is_dead(const VsChain *chain, uint64_t horizon)
{
    return chain->newest == NULL && (!chain->truncated || chain->truncated_xid < horizon);
}

static Error *spill_open(VStore *vstore)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/birch-vstore-XXXXXX", dir != NULL ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        return err_new(SQLSTATE_IO_ERROR, "could not create version store spill file: %s",
                       strerror(errno));
    }
    unlink(path);
    vstore->spill_fd = fd;
    vstore->spill_end = 0;
    return NULL;
}

/* Move the oldest in-memory version to the spill file. */
static Error *spill_one(VStore *vstore)
{
    VsVersion *version = vstore->spill_next;
    ASSERT(version != NULL && !version->spilled);
    if (vstore->spill_fd < 0) TRY(spill_open(vstore));
    size_t done = 0;
    while (done < version->size) {
        ssize_t written = pwrite(vstore->spill_fd, version->bytes + done, version->size - done,
                                 (off_t)(vstore->spill_end + done));
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) {
            return err_new(SQLSTATE_IO_ERROR, "could not write version store spill file: %s",
                           written < 0 ? strerror(errno) : "short write");
        }
        done += (size_t)written;
    }
    vstore->memory_size -= version->size;
    vstore->memory_record_size -= version->size;
    free(version->bytes);
    version->bytes = NULL;
    version->spilled = true;
    version->file_offset = vstore->spill_end;
    vstore->spill_end += version->size;
    vstore->spilled_size += version->size;
    vstore->spilled_count++;
    vstore->spill_total++;
    vstore->spill_next = version->fifo_next;
    return NULL;
}

/* Drop the globally oldest version: the oldest of its chain (invariant 1). */
static void drop_oldest(VStore *vstore)
{
    VsVersion *version = vstore->fifo_head;
    VsChain *chain = version->chain;
    ASSERT(version->older == NULL);
    chain->truncated = true;
    if (version->superseder_xid > chain->truncated_xid) {
        chain->truncated_xid = version->superseder_xid;
    }
    chain_cut(vstore, chain, version);
    vstore->drop_total++;
}

static Error *enforce_limits(VStore *vstore)
{
    while (vstore->fifo_head != NULL &&
           vstore->memory_size + vstore->spilled_size > vstore->size_max) {
        drop_oldest(vstore);
    }
    while (vstore->spill_next != NULL &&
           vstore->memory_record_size > vstore->memory_size_max) {
        TRY(spill_one(vstore));
    }
    return NULL;
}

Error *vstore_push(VStore *vstore, uint32_t root, const uint8_t *key, size_t key_size,
                   const uint8_t *record, size_t record_size, uint64_t superseder_xid)
{
    RowHeader header;
    TRY(row_header_read(record, record_size, &header));
    VsVersion *version = calloc(1, sizeof *version);
    uint8_t *bytes = malloc(record_size);
    if (version == NULL || bytes == NULL) {
        free(version);
        free(bytes);
        return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(bytes, record, record_size);
    *version = (VsVersion){.writer_xid = header.xid, .delete_xid = header.delete_xid,
                           .superseder_xid = superseder_xid, .size = record_size,
                           .bytes = bytes};
    uint64_t hash = chain_hash(root, key, key_size);
    pthread_mutex_lock(&vstore->mutex);
    VsChain **link = chain_link(vstore, hash, root, key, key_size);
    VsChain *chain = *link;
    if (chain == NULL) {
        chain = calloc(1, sizeof *chain + key_size);
        if (chain == NULL) {
            pthread_mutex_unlock(&vstore->mutex);
            free(version);
            free(bytes);
            return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        }
        chain->hash = hash;
        chain->root = root;
        chain->key_size = key_size;
        memcpy(chain->key, key, key_size);
        *link = chain;
        vstore->chain_count++;
        vstore->memory_size += chain_memory_size(chain);
        if (vstore->chain_count > vstore->bucket_count * 2) table_grow(vstore);
    }
    version->chain = chain;
    version->older = chain->newest;
    chain->newest = version;
    version->fifo_prev = vstore->fifo_tail;
    if (vstore->fifo_tail != NULL) vstore->fifo_tail->fifo_next = version;
    else vstore->fifo_head = version;
    vstore->fifo_tail = version;
    if (vstore->spill_next == NULL) vstore->spill_next = version;
    vstore->version_count++;
    vstore->memory_size += version_memory_size(version);
    vstore->memory_record_size += version->size;
    Error *err = enforce_limits(vstore);
    pthread_mutex_unlock(&vstore->mutex);
    /* A spill failure leaves the new version in memory (over the soft limit, never lost). */
    return err;
}

static Error *version_read(VStore *vstore, const VsVersion *version, BtBuf *out)
{
    if (out->capacity < version->size) {
        uint8_t *data = realloc(out->data, version->size);
        if (data == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        out->data = data;
        out->capacity = version->size;
    }
    out->size = version->size;
    if (!version->spilled) {
        memcpy(out->data, version->bytes, version->size);
        return NULL;
    }
    size_t done = 0;
    while (done < version->size) {
        ssize_t got = pread(vstore->spill_fd, out->data + done, version->size - done,
                            (off_t)(version->file_offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            return err_new(SQLSTATE_IO_ERROR, "could not read version store spill file: %s",
                           got < 0 ? strerror(errno) : "unexpected end of file");
        }
        done += (size_t)got;
    }
    return NULL;
}

Error *vstore_find(VStore *vstore, uint32_t root, const uint8_t *key, size_t key_size,
                   const Snapshot *snapshot, BtBuf *record_out, bool *found_out)
{
    *found_out = false;
    uint64_t hash = chain_hash(root, key, key_size);
    Error *err = NULL;
    pthread_mutex_lock(&vstore->mutex);
    VsChain *chain = *chain_link(vstore, hash, root, key, key_size);
    const VsVersion *version = chain != NULL ? chain->newest : NULL;
    while (version != NULL && !snap_xid_visible(snapshot, version->writer_xid)) {
        version = version->older;
    }
    if (version != NULL) {
        bool deleted = version->delete_xid != ROW_XID_NONE &&
                       snap_xid_visible(snapshot, version->delete_xid);
        if (!deleted) {
            err = version_read(vstore, version, record_out);
            *found_out = err == NULL;
        }
    } else if (chain != NULL && chain->truncated) {
        err = err_new(SQLSTATE_SNAPSHOT_TOO_OLD, "snapshot too old");
    }
    pthread_mutex_unlock(&vstore->mutex);
    return err;
}

size_t vstore_prune(VStore *vstore, uint64_t horizon, bool walk_all)
{
    size_t pruned_count = 0;
    size_t skipped_count = 0;
    pthread_mutex_lock(&vstore->mutex);
    VsVersion *version = vstore->fifo_head;
    while (version != NULL && (walk_all || skipped_count < VSTORE_PRUNE_WALK_MAX)) {
        if (version->superseder_xid >= horizon) {
            skipped_count++;
            version = version->fifo_next;
            continue;
        }
        /* Cutting removes version and older ones of its chain, which may include the FIFO
         * successor only if it belongs to the same chain, and older ones are all earlier in
         * the FIFO (invariant 1): the successor survives unless it is version itself. */
        VsVersion *next = version->fifo_next;
        VsChain *chain = version->chain;
        pruned_count += chain_cut(vstore, chain, version);
        if (chain_is_dead(chain, horizon)) chain_unlink(vstore, chain);
        version = next;
    }
    if (walk_all) {
        /* Truncated chain marks whose dropped versions nobody can need any more. */
        for (size_t bucket_idx = 0; bucket_idx < vstore->bucket_count; bucket_idx++) {
            VsChain *chain = vstore->buckets[bucket_idx];
            while (chain != NULL) {
                VsChain *next = chain->hash_next;
                if (chain_is_dead(chain, horizon)) chain_unlink(vstore, chain);
                chain = next;
            }
        }
    }
    vstore->prune_total += pruned_count;
    pthread_mutex_unlock(&vstore->mutex);
    return pruned_count;
}

void vstore_forget(VStore *vstore, uint32_t root, const uint8_t *key, size_t key_size)
{
    uint64_t hash = chain_hash(root, key, key_size);
    pthread_mutex_lock(&vstore->mutex);
    VsChain *chain = *chain_link(vstore, hash, root, key, key_size);
    if (chain != NULL) {
        if (chain->newest != NULL) vstore->prune_total += chain_cut(vstore, chain, chain->newest);
        chain_unlink(vstore, chain);
    }
    pthread_mutex_unlock(&vstore->mutex);
}

VStoreStats vstore_stats(VStore *vstore)
{
    pthread_mutex_lock(&vstore->mutex);
    VStoreStats stats = {
        .memory_size = vstore->memory_size,
        .memory_record_size = vstore->memory_record_size,
        .spilled_size = vstore->spilled_size,
        .version_count = vstore->version_count,
        .chain_count = vstore->chain_count,
        .spill_count = vstore->spill_total,
        .drop_count = vstore->drop_total,
        .prune_count = vstore->prune_total,
    };
    pthread_mutex_unlock(&vstore->mutex);
    return stats;
}
