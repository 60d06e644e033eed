/* common/asserts.h: invariant checks (STYLE.md section 6).
 *
 * ASSERT: debug builds only. VERIFY: every build, cheap, guards memory safety against our own
 * bugs. Neither is ever used on bytes read from disk or the network: those become an Error. */
#ifndef BIRCH_COMMON_ASSERTS_H
#define BIRCH_COMMON_ASSERTS_H

_Noreturn void assert_fail(const char *expr, const char *file, int line);

#define VERIFY(cond) ((cond) ? (void)0 : assert_fail(#cond, __FILE__, __LINE__))
#ifdef NDEBUG
#define ASSERT(cond) ((void)0)
#else
#define ASSERT(cond) VERIFY(cond)
#endif
#define STATIC_ASSERT(cond, why) _Static_assert(cond, why)
#define UNREACHABLE() assert_fail("unreachable", __FILE__, __LINE__)

#endif
