/* common/arena.h: region allocation for the session, statement, portal and batch lifetimes.
 *
 * An arena hands out 16-byte aligned memory from blocks and frees it all at once. Not
 * thread-safe: one arena belongs to one owner at a time. */
#ifndef BIRCH_COMMON_ARENA_H
#define BIRCH_COMMON_ARENA_H

#include <stddef.h>

typedef struct Arena Arena;

/* arena_create: a new arena whose blocks are at least block_size bytes. NULL on OOM. */
Arena *arena_create(size_t block_size);
/* arena_alloc: size bytes, 16-byte aligned, uninitialized. NULL on OOM. */
void  *arena_alloc(Arena *arena, size_t size);
/* arena_calloc: as arena_alloc, zeroed. */
void  *arena_calloc(Arena *arena, size_t size);
/* arena_strdup / arena_strndup: a copy of text in the arena. NULL on OOM. */
char  *arena_strdup(Arena *arena, const char *text);
char  *arena_strndup(Arena *arena, const char *text, size_t size);
/* arena_reset: frees every allocation, keeps the first block for reuse. */
void   arena_reset(Arena *arena);
/* arena_destroy: frees the arena and everything in it. NULL is allowed. */
void   arena_destroy(Arena *arena);
/* arena_size: bytes currently reserved from malloc by this arena (for memory limits). */
size_t arena_size(const Arena *arena);

#endif
