/* common/arena.c: a bump allocator over a list of malloc'd blocks.
 *
 * Requests larger than a quarter of the block size get a block of their own, so a few large
 * allocations do not waste the tail of the current block. */
#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"

enum { ARENA_ALIGN = 16 };

/* Freed standard-size blocks are kept in a small process-wide cache instead of going back to
 * malloc: operators create and destroy 64 KiB arenas on every execution of a statement, and
 * returning those to malloc makes glibc trim and re-grow its heap (brk + TLB shootdown + page
 * faults) once per statement. Under AddressSanitizer the cache is off so that use-after-free
 * of arena memory is still detected. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_CACHE_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_CACHE_ENABLED 0
#endif
#endif
#ifndef ARENA_CACHE_ENABLED
#define ARENA_CACHE_ENABLED 1
#endif
enum { ARENA_CACHE_BUCKET_MAX = 8, ARENA_CACHE_BLOCK_COUNT_MAX = 16,
       ARENA_CACHE_BLOCK_SIZE_MAX = 64 * 1024 };

typedef struct ArenaBlock {
    struct ArenaBlock *next;
    size_t             size;       /* usable bytes after the header */
    size_t             used;
    _Alignas(16) unsigned char data[];
} ArenaBlock;

struct Arena {
    ArenaBlock *head;              /* current block; older blocks follow */
    size_t      block_size;
    size_t      reserved_size;
};

#if ARENA_CACHE_ENABLED
#include <stdatomic.h>

/* CacheBucket: cached free blocks of one usable size, linked through ArenaBlock.next. */
typedef struct CacheBucket {
    size_t      size;
    int         count;
    ArenaBlock *head;
} CacheBucket;

static atomic_flag cache_lock = ATOMIC_FLAG_INIT;
static CacheBucket cache_buckets[ARENA_CACHE_BUCKET_MAX];

static void cache_lock_take(void)
{
    while (atomic_flag_test_and_set_explicit(&cache_lock, memory_order_acquire)) {
    }
}

static void cache_lock_give(void) { atomic_flag_clear_explicit(&cache_lock, memory_order_release); }

/* cache_take: a cached block of exactly size usable bytes, or NULL. */
static ArenaBlock *cache_take(size_t size)
{
    if (size > ARENA_CACHE_BLOCK_SIZE_MAX) return NULL;
    ArenaBlock *block = NULL;
    cache_lock_take();
    for (int bucket_idx = 0; bucket_idx < ARENA_CACHE_BUCKET_MAX; bucket_idx++) {
        CacheBucket *bucket = &cache_buckets[bucket_idx];
        if (bucket->size == size && bucket->head != NULL) {
            block = bucket->head;
            bucket->head = block->next;
            bucket->count--;
            break;
        }
    }
    cache_lock_give();
    return block;
}

/* block_free: return block to the cache if it is one of its arena's standard blocks (not a
 * dedicated block for one large request) and there is room for its size, else to malloc. */
static void block_free(const Arena *arena, ArenaBlock *block)
{
    if (block->size == arena->block_size && block->size <= ARENA_CACHE_BLOCK_SIZE_MAX) {
        cache_lock_take();
        CacheBucket *target = NULL;
        for (int bucket_idx = 0; bucket_idx < ARENA_CACHE_BUCKET_MAX; bucket_idx++) {
            CacheBucket *bucket = &cache_buckets[bucket_idx];
            if (bucket->size == block->size) {
                target = bucket;
                break;
            }
            if (target == NULL && bucket->count == 0) target = bucket;
        }
        if (target != NULL && target->count < ARENA_CACHE_BLOCK_COUNT_MAX) {
            target->size = block->size;
            block->next = target->head;
            target->head = block;
            target->count++;
            block = NULL;
        }
        cache_lock_give();
    }
    free(block);
}
#else
static ArenaBlock *cache_take(size_t size)
{
    (void)size;
    return NULL;
}

static void block_free(const Arena *arena, ArenaBlock *block)
{
    (void)arena;
    free(block);
}
#endif

static ArenaBlock *block_new(size_t size)
{
    ArenaBlock *block = cache_take(size);
    if (block == NULL) block = malloc(sizeof(ArenaBlock) + size);
    if (block == NULL) return NULL;
    block->next = NULL;
    block->size = size;
    block->used = 0;
    return block;
}

Arena *arena_create(size_t block_size)
{
    Arena *arena = malloc(sizeof *arena);
    if (arena == NULL) return NULL;
    if (block_size < 256) block_size = 256;
    arena->block_size = block_size;
    arena->head = block_new(block_size);
    if (arena->head == NULL) {
        free(arena);
        return NULL;
    }
    arena->reserved_size = sizeof(ArenaBlock) + block_size;
    return arena;
}

void *arena_alloc(Arena *arena, size_t size)
{
    size_t aligned = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (aligned < size) return NULL;   /* overflow */
    ArenaBlock *head = arena->head;
    if (head->size - head->used >= aligned) {
        void *ptr = head->data + head->used;
        head->used += aligned;
        return ptr;
    }
    if (aligned > arena->block_size / 4) {
        /* a dedicated block, linked behind the head so the head keeps its free tail */
        ArenaBlock *block = block_new(aligned);
        if (block == NULL) return NULL;
        block->used = aligned;
        block->next = head->next;
        head->next = block;
        arena->reserved_size += sizeof(ArenaBlock) + aligned;
        return block->data;
    }
    ArenaBlock *block = block_new(arena->block_size);
    if (block == NULL) return NULL;
    block->next = head;
    arena->head = block;
    arena->reserved_size += sizeof(ArenaBlock) + arena->block_size;
    block->used = aligned;
    return block->data;
}

void *arena_calloc(Arena *arena, size_t size)
{
    void *ptr = arena_alloc(arena, size);
    if (ptr != NULL) memset(ptr, 0, size);
    return ptr;
}

char *arena_strndup(Arena *arena, const char *text, size_t size)
{
    char *copy = arena_alloc(arena, size + 1);
    if (copy == NULL) return NULL;
    memcpy(copy, text, size);
    copy[size] = '\0';
    return copy;
}

char *arena_strdup(Arena *arena, const char *text)
{
    return arena_strndup(arena, text, strlen(text));
}

void arena_reset(Arena *arena)
{
    /* keep one block of the standard size; there is always one, since the first block is of
     * that size and only reset frees blocks */
    ArenaBlock *block = arena->head;
    ArenaBlock *keep = NULL;
    while (block != NULL) {
        ArenaBlock *next = block->next;
        if (keep == NULL && block->size == arena->block_size) {
            keep = block;
        } else {
            block_free(arena, block);
        }
        block = next;
    }
    VERIFY(keep != NULL);
    keep->used = 0;
    keep->next = NULL;
    arena->head = keep;
    arena->reserved_size = sizeof(ArenaBlock) + arena->block_size;
}

void arena_destroy(Arena *arena)
{
    if (arena == NULL) return;
    ArenaBlock *block = arena->head;
    while (block != NULL) {
        ArenaBlock *next = block->next;
        block_free(arena, block);
        block = next;
    }
    free(arena);
}

size_t arena_size(const Arena *arena)
{
    return arena->reserved_size;
}
