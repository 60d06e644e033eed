/* common/tests/test_json.c: common/json.h against PostgreSQL 15.
 *
 * json_cases.txt: one line per input, `input<TAB>json result<TAB>jsonb result`, where a result is
 * PostgreSQL's text output or `ERROR sqlstate message | detail`. Regenerate against a scratch
 * server (tools/pg_scratch.sh start 5507 /tmp/pg-types) with the jt() function and the \copy of
 * json_inputs.txt described in common/README.md ("json.h"). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/json.h"

enum { CASE_LINE_SIZE_MAX = 8192 };

static double test_scale(void)
{
    const char *text = getenv("BIRCH_TEST_SCALE");
    double scale = text != NULL ? atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

static char *case_file_path(void)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s", __FILE__);
    char *slash = strrchr(path, '/');
    size_t dir_size = slash != NULL ? (size_t)(slash + 1 - path) : 0;
    snprintf(path + dir_size, sizeof path - dir_size, "json_cases.txt");
    return path;
}

/* check_result: err/text against PostgreSQL's expected field. */
static void check_result(const char *input, const char *kind, Error *err, const char *text,
                         size_t size, const char *expected)
{
    if (strncmp(expected, "ERROR ", 6) == 0) {
        ck_assert_msg(err != NULL, "%s %s: expected %s, got %.*s", kind, input, expected, (int)size,
                      text);
        char got[1024];
        snprintf(got, sizeof got, "ERROR %s %s | %s", sqlstate_code(err->state), err->message,
                 err->detail != NULL ? err->detail : "");
        ck_assert_msg(strcmp(got, expected) == 0, "%s %s: expected [%s] got [%s]", kind, input,
                      expected, got);
        err_free(err);
        return;
    }
    ck_assert_msg(err == NULL, "%s %s: unexpected error %s (%s)", kind, input,
                  err != NULL ? err->message : "", err != NULL && err->detail ? err->detail : "");
    ck_assert_msg(size == strlen(expected) && memcmp(text, expected, size) == 0,
                  "%s %s: expected [%s] got [%.*s]", kind, input, expected, (int)size, text);
}

START_TEST(test_json_matches_postgres_cases)
{
    FILE *file = fopen(case_file_path(), "r");
    ck_assert_msg(file != NULL, "cannot open %s", case_file_path());
    char *line = malloc(CASE_LINE_SIZE_MAX);
    ck_assert_ptr_nonnull(line);
    Arena *arena = arena_create(16 * 1024);
    int case_count = 0;
    while (fgets(line, CASE_LINE_SIZE_MAX, file) != NULL) {
        size_t length = strlen(line);
        if (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
        char *json_expected = strchr(line, '\t');
        ck_assert_ptr_nonnull(json_expected);
        *json_expected++ = '\0';
        char *jsonb_expected = strchr(json_expected, '\t');
        ck_assert_ptr_nonnull(jsonb_expected);
        *jsonb_expected++ = '\0';
        Error *err = json_validate(line, strlen(line), arena);
        check_result(line, "json", err, line, strlen(line), json_expected);
        const char *text = NULL;
        size_t size = 0;
        err = json_to_jsonb_text(line, strlen(line), arena, &text, &size);
        check_result(line, "jsonb", err, text, size, jsonb_expected);
        arena_reset(arena);
        case_count++;
    }
    ck_assert_int_ge(case_count, 100);
    arena_destroy(arena);
    free(line);
    fclose(file);
}
END_TEST

static JsonValue *parse(Arena *arena, const char *text, bool jsonb)
{
    JsonValue *value = NULL;
    Error *err = json_parse(text, strlen(text), jsonb, arena, &value);
    ck_assert_msg(err == NULL, "parse %s: %s", text, err != NULL ? err->message : "");
    return value;
}

START_TEST(test_json_control_characters_must_be_escaped)
{
    Arena *arena = arena_create(4096);
    const char text[] = "\"a\nb\"";
    Error *err = json_validate(text, sizeof text - 1, arena);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "22P02");
    ck_assert_str_eq(err->detail, "Character with value 0x0a must be escaped.");
    err_free(err);
    /* an embedded NUL byte is a token error, never read past */
    const char nul[] = "[1,\0]";
    err = json_validate(nul, sizeof nul - 1, arena);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "22P02");
    err_free(err);
    /* escape_json writes control characters back as escapes */
    JsonBuf buf;
    json_buf_init(&buf, arena);
    json_escape(&buf, "a\x01\"\\\n/", 6);
    ck_assert_ptr_null(json_buf_finish(&buf));
    ck_assert_str_eq(buf.data, "\"a\\u0001\\\"\\\\\\n/\"");
    arena_destroy(arena);
}
END_TEST

START_TEST(test_json_depth_limit)
{
    Arena *arena = arena_create(64 * 1024);
    size_t depth = JSON_DEPTH_MAX + 1;
    char *text = malloc(2 * depth + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';
    Error *err = json_validate(text, 2 * depth, arena);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(sqlstate_code(err->state), "54001");
    err_free(err);
    /* one level less is fine */
    ck_assert_ptr_null(json_validate(text + 1, 2 * depth - 2, arena));
    free(text);
    arena_destroy(arena);
}
END_TEST

START_TEST(test_json_object_and_array_access)
{
    Arena *arena = arena_create(4096);
    JsonValue *value = parse(arena, "{\"a\": [10, 20, {\"b\" : \"x\"}], \"a\": 1, \"c\": null}", false);
    ck_assert_int_eq(value->count, 3);   /* json keeps duplicates */
    const JsonValue *a = json_object_get(value, "a", 1);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->kind, JSON_KIND_NUMBER);   /* the last duplicate */
    ck_assert_ptr_null(json_object_get(value, "zz", 2));
    ck_assert_ptr_null(json_array_get(value, 0));
    JsonValue *jsonb = parse(arena, "{\"a\": [10, 20, {\"b\" : \"x\"}], \"a\": 1}", true);
    ck_assert_int_eq(jsonb->count, 1);
    JsonValue *array = parse(arena, " [10, 20, {\"b\" : \"x\"} ] ", false);
    ck_assert_int_eq(array->raw_size, (int)strlen("[10, 20, {\"b\" : \"x\"} ]"));
    const JsonValue *last = json_array_get(array, -1);
    ck_assert_ptr_nonnull(last);
    ck_assert_int_eq((int)last->raw_size, (int)strlen("{\"b\" : \"x\"}"));
    ck_assert(memcmp(last->raw, "{\"b\" : \"x\"}", last->raw_size) == 0);
    ck_assert_ptr_null(json_array_get(array, 3));
    ck_assert_ptr_null(json_array_get(array, -4));
    ck_assert_str_eq(json_kind_name(json_array_get(array, 0)->kind), "number");
    arena_destroy(arena);
}
END_TEST

START_TEST(test_json_contains_and_order)
{
    Arena *arena = arena_create(4096);
    struct { const char *a, *b; bool contains; } CONTAINS[] = {
        { "{\"a\":[1,2,3],\"b\":{\"c\":1}}", "{\"a\":[3,1]}", true },
        { "{\"a\":[1,2,3],\"b\":{\"c\":1}}", "{\"b\":{}}", true },
        { "{\"a\":[1,2,3]}", "{\"a\":[4]}", false },
        { "[1,2,[3]]", "[[3]]", true },
        { "[1,2,[3]]", "3", false },
        { "[1,2]", "2", true },
        { "{\"a\":1.0}", "{\"a\":1}", true },
        { "\"x\"", "\"x\"", true },
        { "{\"a\":1}", "[1]", false },
    };
    for (size_t case_idx = 0; case_idx < sizeof CONTAINS / sizeof CONTAINS[0]; case_idx++) {
        JsonValue *a = parse(arena, CONTAINS[case_idx].a, true);
        JsonValue *b = parse(arena, CONTAINS[case_idx].b, true);
        ck_assert_msg(json_contains(a, b) == CONTAINS[case_idx].contains, "%s @> %s",
                      CONTAINS[case_idx].a, CONTAINS[case_idx].b);
    }
    /* PostgreSQL's order: [] < null < string < number < boolean < array < object */
    const char *ORDERED[] = { "[]", "null", "\"a\"", "\"b\"", "-1", "2", "10", "false", "true",
                              "[1]", "[2]", "[1,1]", "{}", "{\"b\":1}", "{\"aa\":1}", "{\"a\":1,\"b\":1}" };
    size_t count = sizeof ORDERED / sizeof ORDERED[0];
    for (size_t left = 0; left < count; left++) {
        for (size_t right = 0; right < count; right++) {
            JsonValue *a = parse(arena, ORDERED[left], true);
            JsonValue *b = parse(arena, ORDERED[right], true);
            int order = json_cmp(a, b);
            int want = left < right ? -1 : left > right ? 1 : 0;
            ck_assert_msg((order > 0) - (order < 0) == want, "%s vs %s: %d", ORDERED[left],
                          ORDERED[right], order);
        }
    }
    ck_assert_int_eq(json_cmp(parse(arena, "1.50", true), parse(arena, "1.5", true)), 0);
    arena_destroy(arena);
}
END_TEST

/* test_json_random_round_trip: random documents: jsonb's normal form parses back to itself
 * (idempotent), and json keeps the text. Scaled by BIRCH_TEST_SCALE. */
static void random_value(JsonBuf *buf, unsigned *seed, int depth)
{
    int pick = rand_r(seed) % (depth > 3 ? 4 : 7);
    static const char *const SCALARS[] = { "null", "true", "false", "0", "-12.50", "1e3",
                                           "\"a\\u00e9\\n\"", "\"\"", "\"key\"" };
    if (pick < 4) {
        json_buf_append_str(buf, SCALARS[rand_r(seed) % 9]);
        return;
    }
    int count = rand_r(seed) % 4;
    bool object = pick >= 5;
    json_buf_append(buf, object ? "{" : "[", 1);
    for (int item_idx = 0; item_idx < count; item_idx++) {
        if (item_idx > 0) json_buf_append(buf, " ,", 2);
        if (object) {
            char key[16];
            snprintf(key, sizeof key, "\"k%d\" : ", rand_r(seed) % 5);
            json_buf_append_str(buf, key);
        }
        random_value(buf, seed, depth + 1);
    }
    json_buf_append(buf, object ? "}" : "]", 1);
}

START_TEST(test_json_random_round_trip)
{
    Arena *arena = arena_create(16 * 1024);
    unsigned seed = 12345;
    int iterations = (int)(2000 * test_scale());
    for (int iteration = 0; iteration < iterations; iteration++) {
        JsonBuf buf;
        json_buf_init(&buf, arena);
        random_value(&buf, &seed, 0);
        ck_assert_ptr_null(json_buf_finish(&buf));
        ck_assert_ptr_null(json_validate(buf.data, buf.size, arena));
        const char *normal = NULL, *again = NULL;
        size_t normal_size = 0, again_size = 0;
        ck_assert_ptr_null(json_to_jsonb_text(buf.data, buf.size, arena, &normal, &normal_size));
        ck_assert_ptr_null(json_to_jsonb_text(normal, normal_size, arena, &again, &again_size));
        ck_assert_msg(normal_size == again_size && memcmp(normal, again, normal_size) == 0,
                      "%s -> %s -> %s", buf.data, normal, again);
        JsonValue *x = parse(arena, buf.data, true), *y = parse(arena, normal, true);
        ck_assert_int_eq(json_cmp(x, y), 0);
        ck_assert(json_contains(x, y));
        arena_reset(arena);
    }
    arena_destroy(arena);
}
END_TEST

static Suite *json_suite(void)
{
    Suite *suite = suite_create("json");
    TCase *tcase = tcase_create("json");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_json_matches_postgres_cases);
    tcase_add_test(tcase, test_json_control_characters_must_be_escaped);
    tcase_add_test(tcase, test_json_depth_limit);
    tcase_add_test(tcase, test_json_object_and_array_access);
    tcase_add_test(tcase, test_json_contains_and_order);
    tcase_add_test(tcase, test_json_random_round_trip);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(json_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
