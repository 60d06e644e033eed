/* executor/kern_hash.c: hashing a column into per-row 64-bit hashes (hash join and hash
 * aggregate keys). One type dispatch per vector; the loops are type-specialized.
 *
 * Equal values hash equal across widths and forms: every integer hashes as its int64 value,
 * floats as their double with -0 -> 0 and one NaN, NUMERIC by numeric_hash of the general form
 * (NUM64 values are normalized first: an integral NUM64 value whose general form has no
 * fraction digits hashes through the same function). */
#include "executor/kern_int.h"
#include "common/hash.h"

enum { HASH_NULL = 0x9e3779b97f4a7c15ULL, HASH_SEED = 0x2545f4914f6cdd1dULL };

static inline uint64_t mix(uint64_t accumulated, uint64_t value)
{
    return hash_u64(accumulated ^ (value + 0x9e3779b97f4a7c15ULL + (accumulated << 6) + (accumulated >> 2)));
}

static inline uint64_t hash_double(double value)
{
    if (value == 0) value = 0;          /* -0 = 0 */
    if (isnan(value)) value = NAN;      /* one NaN */
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return hash_u64(bits);
}

/* HASH_LOOP: a NULL row's slot may hold garbage (even a wild string pointer): never read it. */
#define HASH_LOOP(T, EXPR)                                                                 \
    do {                                                                                   \
        if (vec->validity == NULL) {                                                       \
            if (combine) UNARY_LOOP(T, vec, sel, count, hashes[r] = mix(hashes[r], (EXPR));); \
            else UNARY_LOOP(T, vec, sel, count, hashes[r] = (EXPR););                      \
        } else {                                                                           \
            UNARY_LOOP(T, vec, sel, count, uint64_t value = row_valid(vec, r) ? (EXPR) : HASH_NULL; \
                       hashes[r] = combine ? mix(hashes[r], value) : value;);              \
        }                                                                                  \
    } while (0)

Error *kern_hash_vec(KernCtx *ctx, const Vector *vec, const uint16_t *sel, uint32_t count,
                     bool combine, uint64_t *hashes)
{
    switch ((VecPhys)vec->phys) {
    case VEC_PHYS_BOOL: HASH_LOOP(uint8_t, hash_u64((uint64_t)x)); break;
    case VEC_PHYS_I16: HASH_LOOP(int16_t, hash_u64((uint64_t)(int64_t)x)); break;
    case VEC_PHYS_I32: HASH_LOOP(int32_t, hash_u64((uint64_t)(int64_t)x)); break;
    case VEC_PHYS_I64: HASH_LOOP(int64_t, hash_u64((uint64_t)x)); break;
    case VEC_PHYS_F32: HASH_LOOP(float, hash_double((double)x)); break;
    case VEC_PHYS_F64: HASH_LOOP(double, hash_double(x)); break;
    case VEC_PHYS_STR:
    case VEC_PHYS_ARRAY: /* arrays: equal values have equal encodings (common/array.h) */
        HASH_LOOP(StrView, hash_bytes(str_view_data(&x), x.size, HASH_SEED));
        break;
    case VEC_PHYS_INTERVAL: {
        /* equal under dt_interval_cmp: months as 30 days, days as 24 hours */
        HASH_LOOP(DtInterval, hash_u64((uint64_t)((__int128)x.month * 30 * DT_USECS_PER_DAY +
                                                  (__int128)x.day * DT_USECS_PER_DAY + x.time) ^
                                       (uint64_t)(((__int128)x.month * 30 * DT_USECS_PER_DAY +
                                                   (__int128)x.day * DT_USECS_PER_DAY + x.time) >> 64)));
        break;
    }
    case VEC_PHYS_NUM64:
    case VEC_PHYS_NUMERIC: {
        FOR_ROWS(sel, count, {
            Numeric num;
            uint64_t value = HASH_NULL;
            if (row_valid(vec, r)) {
                TRY(kern_num_get(vec, r, ctx->arena, &num));
                value = numeric_hash(&num, HASH_SEED);
            }
            hashes[r] = combine ? mix(hashes[r], value) : value;
        });
        return NULL;
    }
    case VEC_PHYS_COUNT:
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED, "could not identify a hash function for type %s",
                       type_name(vec->type.id));
    }
    return NULL;
}
