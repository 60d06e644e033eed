/* common/tests/require.h: failure-only assertions for check-based tests (test code only).
 *
 * check's ck_assert_* write a checkpoint to a file on every success, which dominates hot
 * loops; these report the same way but only on failure. Include after <check.h>. */
#ifndef BIRCH_COMMON_TESTS_REQUIRE_H
#define BIRCH_COMMON_TESTS_REQUIRE_H

#include <stdint.h>
#include <string.h>

#define REQUIRE(cond)                                                                     \
    do {                                                                                  \
        if (!(cond)) ck_abort_msg("%s:%d: assertion failed: %s", __FILE__, __LINE__, #cond); \
    } while (0)
#define REQUIRE_CMP_(type, fmt, a, op, b)                                                 \
    do {                                                                                  \
        type a_ = (type)(a), b_ = (type)(b);                                              \
        if (!(a_ op b_)) {                                                                \
            ck_abort_msg("%s:%d: assertion failed: %s %s %s (" fmt " vs " fmt ")", __FILE__, \
                         __LINE__, #a, #op, #b, a_, b_);                                  \
        }                                                                                 \
    } while (0)
#define REQUIRE_UEQ(a, b) REQUIRE_CMP_(uintmax_t, "%ju", a, ==, b)
#define REQUIRE_UNE(a, b) REQUIRE_CMP_(uintmax_t, "%ju", a, !=, b)
#define REQUIRE_ULE(a, b) REQUIRE_CMP_(uintmax_t, "%ju", a, <=, b)
#define REQUIRE_ULT(a, b) REQUIRE_CMP_(uintmax_t, "%ju", a, <, b)
#define REQUIRE_IEQ(a, b) REQUIRE_CMP_(intmax_t, "%jd", a, ==, b)
#define REQUIRE_ILT(a, b) REQUIRE_CMP_(intmax_t, "%jd", a, <, b)
#define REQUIRE_IGT(a, b) REQUIRE_CMP_(intmax_t, "%jd", a, >, b)
#define REQUIRE_STR_EQ(a, b) REQUIRE(strcmp((a), (b)) == 0)
#define REQUIRE_MSG(cond, ...)                  \
    do {                                        \
        if (!(cond)) ck_abort_msg(__VA_ARGS__); \
    } while (0)

#endif
