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

static ArenaBlock *block_new(size_t size)
{
    ArenaBlock *block = malloc(sizeof(ArenaBlock) + size);
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
            free(block);
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
        free(block);
        block = next;
    }
    free(arena);
}

size_t arena_size(const Arena *arena)
{
    return arena->reserved_size;
}
