/* executor/tests/kern_support.h: helpers for the vector and kernel tests. */
#ifndef BIRCH_EXECUTOR_TESTS_KERN_SUPPORT_H
#define BIRCH_EXECUTOR_TESTS_KERN_SUPPORT_H

#include <check.h>

#include "executor/kern.h"

#define NUL_ROW INT64_MIN   /* marks a NULL in the int64 lists given to vec_of_* */

extern Arena  *test_arena;
extern KernCtx test_ctx;
void   test_arena_setup(void);
void   test_arena_teardown(void);
double test_scale(void);

/* vector builders: values[i] == NUL_ROW makes row i NULL */
Vector *vec_of_ints(TypeId type, const int64_t *values, uint32_t count);
Vector *vec_of_f64(const double *values, uint32_t count);
Vector *vec_of_f32(const float *values, uint32_t count);
Vector *vec_of_bools(const int *values, uint32_t count);  /* -1 = NULL */
/* strings: NULL entry = NULL row */
Vector *vec_of_strs(TypeId type, const char *const *values, uint32_t count);
/* numerics from text in the form the type gives (NUM64 for NUMERIC(p<=18,s)) */
Vector *vec_of_nums(Type type, const char *const *values, uint32_t count);
Vector *vec_const_int(TypeId type, int64_t value);
Vector *vec_const_str(const char *value);
Vector *vec_const_null(Type type);
Vector *vec_new(Type type);

/* run a kernel on rows 0..count-1; returns the error (NULL on success) */
Error  *run1(KernFn fn, const Vector *a, uint32_t count, Vector *out);
Error  *run2(KernFn fn, const Vector *a, const Vector *b, uint32_t count, Vector *out);
Error  *run3(KernFn fn, const Vector *a, const Vector *b, const Vector *c, uint32_t count,
             Vector *out);
/* the row's value as PostgreSQL would print it, "NULL" for NULL */
const char *row_text(const Vector *vec, uint32_t row_idx);
/* assert an error with the SQLSTATE code and message, and free it */
void   assert_error(Error *err, const char *code, const char *message);
#define assert_ok(expr)                                                                    \
    do {                                                                                   \
        Error *e_ = (expr);                                                                \
        ck_assert_msg(e_ == NULL, "unexpected error: %s", e_ != NULL ? e_->message : "");  \
    } while (0)

#endif
