/* executor/tests/test_kern_str.c: string functions and LIKE/ILIKE, expected values from
 * PostgreSQL 15 (UTF8 database, C collation and ctype). */
#include <stdlib.h>

#include "executor/tests/kern_support.h"

static const char *str1(KernFn fn, const char *a)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run1(fn, vec_const_str(a), 1, out));
    return row_text(out, 0);
}

static const char *str2(KernFn fn, const char *a, const char *b)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run2(fn, vec_const_str(a), vec_const_str(b), 1, out));
    return row_text(out, 0);
}

static const char *str_int(KernFn fn, const char *a, int64_t n)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run2(fn, vec_const_str(a), vec_const_int(TYPE_INT4, n), 1, out));
    return row_text(out, 0);
}

static const char *str_int_int(KernFn fn, const char *a, int64_t n, int64_t m)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run3(fn, vec_const_str(a), vec_const_int(TYPE_INT4, n), vec_const_int(TYPE_INT4, m), 1, out));
    return row_text(out, 0);
}

static const char *str_int_str(KernFn fn, const char *a, int64_t n, const char *c)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run3(fn, vec_const_str(a), vec_const_int(TYPE_INT4, n), vec_const_str(c), 1, out));
    return row_text(out, 0);
}

static const char *str3(KernFn fn, const char *a, const char *b, const char *c)
{
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run3(fn, vec_const_str(a), vec_const_str(b), vec_const_str(c), 1, out));
    return row_text(out, 0);
}

static int int2s(KernFn fn, const char *a, const char *b)
{
    Vector *out = vec_new(type_plain(TYPE_INT4));
    Vector *bv = b != NULL ? vec_const_str(b) : NULL;
    assert_ok(b != NULL ? run2(fn, vec_const_str(a), bv, 1, out) : run1(fn, vec_const_str(a), 1, out));
    return vec_i32(out)[0];
}

START_TEST(test_kern_str_lengths_case_concat)
{
    ck_assert_int_eq(int2s(kern_length, "h\xc3\xa9llo", NULL), 5);
    ck_assert_int_eq(int2s(kern_octet_length, "h\xc3\xa9llo", NULL), 6);
    ck_assert_int_eq(int2s(kern_length, "", NULL), 0);
    ck_assert_str_eq(str1(kern_upper, "h\xc3\xa9llo"), "H\xc3\xa9LLO");   /* ASCII only (C ctype) */
    ck_assert_str_eq(str1(kern_lower, "\xc3\x80" "B"), "\xc3\x80" "b");
    ck_assert_str_eq(str2(kern_concat, "abc", "a string past twelve bytes"), "abca string past twelve bytes");
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    Vector *a = vec_of_strs(TYPE_TEXT, (const char *const[]){ "x", NULL }, 2);
    assert_ok(run2(kern_concat, a, vec_const_str("y"), 2, out));
    ck_assert_str_eq(row_text(out, 0), "xy");
    ck_assert_str_eq(row_text(out, 1), "NULL");
}
END_TEST

START_TEST(test_kern_str_substring_position_trim)
{
    ck_assert_str_eq(str_int_int(kern_substr3, "hello", 0, 3), "he");
    ck_assert_str_eq(str_int_int(kern_substr3, "hello", -1, 3), "h");
    ck_assert_str_eq(str_int(kern_substr2, "hello", 2), "ello");
    ck_assert_str_eq(str_int_int(kern_substr3, "h\xc3\xa9llo", 2, 2), "\xc3\xa9l");
    ck_assert_str_eq(str_int_int(kern_substr3, "a long string for slicing", 3, 100), "long string for slicing");
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_error(run3(kern_substr3, vec_const_str("hello"), vec_const_int(TYPE_INT4, 1),
                      vec_const_int(TYPE_INT4, -1), 1, out), "22011", "negative substring length not allowed");
    ck_assert_int_eq(int2s(kern_position, "h\xc3\xa9llo", "l"), 3);
    ck_assert_int_eq(int2s(kern_position, "abc", ""), 1);
    ck_assert_int_eq(int2s(kern_position, "abc", "x"), 0);
    ck_assert_str_eq(str2(kern_btrim2, "xxaxx", "x"), "a");
    ck_assert_str_eq(str2(kern_ltrim2, "\xc3\xa9\xc3\xa9" "a\xc3\xa9", "\xc3\xa9"), "a\xc3\xa9");
    ck_assert_str_eq(str1(kern_ltrim1, "  a  "), "a  ");
    ck_assert_str_eq(str1(kern_rtrim1, "  a  "), "  a");
    ck_assert_str_eq(str1(kern_btrim1, "   "), "");
}
END_TEST

START_TEST(test_kern_str_replace_left_right_pad)
{
    ck_assert_str_eq(str3(kern_replace, "abcabc", "b", "XYZ"), "aXYZcaXYZc");
    ck_assert_str_eq(str3(kern_replace, "abcabc", "", "x"), "abcabc");
    ck_assert_str_eq(str3(kern_replace, "aaa", "aa", "b"), "ba");
    ck_assert_str_eq(str_int(kern_left, "h\xc3\xa9llo", -2), "h\xc3\xa9l");
    ck_assert_str_eq(str_int(kern_right, "h\xc3\xa9llo", -2), "llo");
    ck_assert_str_eq(str_int(kern_left, "abc", 5), "abc");
    ck_assert_str_eq(str_int(kern_right, "abc", 2), "bc");
    ck_assert_str_eq(str_int_str(kern_lpad3, "hi", 5, "xy"), "xyxhi");
    ck_assert_str_eq(str_int(kern_lpad2, "hello", 3), "hel");
    ck_assert_str_eq(str_int(kern_rpad2, "hi", 5), "hi   ");
    ck_assert_str_eq(str_int_str(kern_lpad3, "hi", 5, ""), "hi");
    ck_assert_str_eq(str_int_str(kern_lpad3, "\xc3\xa9", 3, "\xc3\xbc"), "\xc3\xbc\xc3\xbc\xc3\xa9");
    ck_assert_str_eq(str_int_str(kern_rpad3, "a", -1, "x"), "");
}
END_TEST

START_TEST(test_kern_str_repeat_reverse_split_starts)
{
    ck_assert_str_eq(str_int(kern_repeat, "ab", 3), "ababab");
    ck_assert_str_eq(str_int(kern_repeat, "ab", -1), "");
    Vector *out = vec_new(type_plain(TYPE_TEXT));
    assert_error(run2(kern_repeat, vec_const_str("abcdefgh"), vec_const_int(TYPE_INT4, 1 << 30), 1, out),
                 "54000", "requested length too large");
    ck_assert_str_eq(str1(kern_reverse, "h\xc3\xa9llo"), "oll\xc3\xa9h");
    Vector *parts = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run3(kern_split_part, vec_const_str("a,bb,c"), vec_const_str(","), vec_const_int(TYPE_INT4, 2), 1, parts));
    ck_assert_str_eq(row_text(parts, 0), "bb");
    assert_ok(run3(kern_split_part, vec_const_str("a,bb,c"), vec_const_str(","), vec_const_int(TYPE_INT4, -1), 1, parts));
    ck_assert_str_eq(row_text(parts, 0), "c");
    assert_ok(run3(kern_split_part, vec_const_str("a,bb,c"), vec_const_str(","), vec_const_int(TYPE_INT4, 4), 1, parts));
    ck_assert_str_eq(row_text(parts, 0), "");
    assert_ok(run3(kern_split_part, vec_const_str("abc"), vec_const_str(""), vec_const_int(TYPE_INT4, 1), 1, parts));
    ck_assert_str_eq(row_text(parts, 0), "abc");
    assert_error(run3(kern_split_part, vec_const_str("a,b"), vec_const_str(","), vec_const_int(TYPE_INT4, 0), 1, parts),
                 "22023", "field position must not be zero");
    Vector *b = vec_new(type_plain(TYPE_BOOL));
    assert_ok(run2(kern_starts_with, vec_const_str("alphabet"), vec_const_str("alph"), 1, b));
    ck_assert_str_eq(row_text(b, 0), "t");
    assert_ok(run2(kern_starts_with, vec_const_str("al"), vec_const_str("alph"), 1, b));
    ck_assert_str_eq(row_text(b, 0), "f");
}
END_TEST

static bool like(const char *text, const char *pattern, int escape, bool case_insensitive)
{
    KernLikePattern *compiled;
    assert_ok(kern_like_compile(pattern, strlen(pattern), escape, case_insensitive, test_arena, &compiled));
    return kern_like_match(compiled, text, strlen(text));
}

START_TEST(test_kern_like_patterns)
{
    ck_assert(like("a%", "a\\%", '\\', false));
    ck_assert(like("a_b", "a#_b", '#', false));
    ck_assert(!like("axb", "a#_b", '#', false));
    ck_assert(!like("H\xc3\x89", "h\xc3\xa9", '\\', true));   /* no folding beyond ASCII */
    ck_assert(like("HeLLo", "hel%", '\\', true));
    ck_assert(like("\xc3\xa9", "_", '\\', false));             /* _ is one character */
    ck_assert(!like("\xc3\xa9", "__", '\\', false));
    ck_assert(like("abc", "%%c", '\\', false));
    ck_assert(!like("abc", "a%b", '\\', false));
    ck_assert(like("", "%", '\\', false));
    ck_assert(!like("abc", "ab", '\\', false));
    ck_assert(!like("a", "", '\\', false));
    ck_assert(like("a\\b", "a\\\\b", '\\', false));
    ck_assert(like("a%", "a%%", 0, false));                    /* no escape character */
    ck_assert(like("mississippi", "%iss%ppi", '\\', false));
    ck_assert(like("aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "%a%a%a%a%a%a%b", '\\', false));
    ck_assert(!like("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "%a%a%a%a%a%a%b", '\\', false));
    ck_assert(like("x\xc3\xa9y", "x_y", '\\', false));
    ck_assert(like("x\xc3\xa9y", "%\xc3\xa9_", '\\', false));
    KernLikePattern *compiled;
    assert_error(kern_like_compile("a\\", 2, '\\', false, test_arena, &compiled), "22025",
                 "LIKE pattern must not end with escape character");
}
END_TEST

START_TEST(test_kern_like_kernels_and_filter)
{
    Vector *text = vec_of_strs(TYPE_TEXT, (const char *const[]){ "apple", "Apricot", NULL, "banana split long" }, 4);
    Vector *out = vec_new(type_plain(TYPE_BOOL));
    assert_ok(run2(kern_like, text, vec_const_str("ap%"), 4, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
    ck_assert_str_eq(row_text(out, 2), "NULL");
    assert_ok(run2(kern_ilike, text, vec_const_str("ap%"), 4, out));
    ck_assert_str_eq(row_text(out, 1), "t");
    assert_ok(run2(kern_not_like, text, vec_const_str("%split%"), 4, out));
    ck_assert_str_eq(row_text(out, 3), "f");
    ck_assert_str_eq(row_text(out, 0), "t");
    assert_ok(run3(kern_like_escape, vec_const_str("50%"), vec_const_str("50!%"), vec_const_str("!"), 1, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    assert_error(run3(kern_like_escape, vec_const_str("ab"), vec_const_str("a"), vec_const_str("xy"), 1, out),
                 "22019", "invalid escape string");
    assert_error(run2(kern_like, vec_const_str("ab"), vec_const_str("a\\"), 1, out), "22025",
                 "LIKE pattern must not end with escape character");
    /* a compiled constant pattern through ctx->state, and the filter */
    KernLikePattern *compiled;
    assert_ok(kern_like_compile("%an%", 4, '\\', false, test_arena, &compiled));
    KernCtx ctx = { .arena = test_arena, .state = compiled };
    uint16_t sel[4];
    uint32_t kept;
    const Vector *args[1] = { text };
    assert_ok(kern_filter_like(&ctx, args, NULL, 4, sel, &kept));
    ck_assert_uint_eq(kept, 1);
    ck_assert_uint_eq(sel[0], 3);
}
END_TEST

START_TEST(test_kern_bpchar_compare_and_cast)
{
    Vector *a = vec_of_strs(TYPE_BPCHAR, (const char *const[]){ "a  ", "ab", "a" }, 3);
    Vector *b = vec_of_strs(TYPE_BPCHAR, (const char *const[]){ "a", "a ", "a\t" }, 3);
    Vector *out = vec_new(type_plain(TYPE_BOOL));
    assert_ok(run2(kern_eq_bpchar, a, b, 3, out));
    ck_assert_str_eq(row_text(out, 0), "t");
    ck_assert_str_eq(row_text(out, 1), "f");
    assert_ok(run2(kern_lt_bpchar, a, b, 3, out));
    ck_assert_str_eq(row_text(out, 2), "t");
    assert_ok(run2(kern_gt_bpchar, a, b, 3, out));
    ck_assert_str_eq(row_text(out, 1), "t");
    KernFn cast;
    assert_ok(kern_cast_lookup(type_make(TYPE_BPCHAR, 8), type_plain(TYPE_TEXT), &cast));
    ck_assert_ptr_eq(cast, kern_cast_bpchar_text);
    Vector *text = vec_new(type_plain(TYPE_TEXT));
    assert_ok(run1(cast, a, 3, text));
    ck_assert_str_eq(row_text(text, 0), "a");
    ck_assert_str_eq(row_text(text, 1), "ab");
}
END_TEST

static Suite *str_suite(void)
{
    Suite *suite = suite_create("kern_str");
    TCase *tcase = tcase_create("kern_str");
    tcase_add_checked_fixture(tcase, test_arena_setup, test_arena_teardown);
    tcase_add_test(tcase, test_kern_str_lengths_case_concat);
    tcase_add_test(tcase, test_kern_str_substring_position_trim);
    tcase_add_test(tcase, test_kern_str_replace_left_right_pad);
    tcase_add_test(tcase, test_kern_str_repeat_reverse_split_starts);
    tcase_add_test(tcase, test_kern_like_patterns);
    tcase_add_test(tcase, test_kern_like_kernels_and_filter);
    tcase_add_test(tcase, test_kern_bpchar_compare_and_cast);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(str_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
