/* common/tests/test_uuid.c: common/uuid.h: PostgreSQL's uuid_in forms and errors, uuid_out,
 * version 4 random values. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/uuid.h"

static const char CANONICAL[] = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";

START_TEST(test_uuid_accepts_postgres_forms)
{
    /* every form PostgreSQL 15's uuid_in accepted for this value */
    const char *FORMS[] = {
        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",   "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        "a0eebc999c0b4ef8bb6d6bb9bd380a11",       "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
        "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",     "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd38-0a11",
    };
    for (size_t form_idx = 0; form_idx < sizeof FORMS / sizeof FORMS[0]; form_idx++) {
        uint8_t value[UUID_SIZE];
        Error *err = uuid_parse(FORMS[form_idx], strlen(FORMS[form_idx]), value);
        ck_assert_msg(err == NULL, "%s: %s", FORMS[form_idx], err != NULL ? err->message : "");
        char text[UUID_TEXT_SIZE + 1];
        uuid_format(value, text);
        ck_assert_str_eq(text, CANONICAL);
        ck_assert_int_eq(value[0], 0xa0);
        ck_assert_int_eq(value[15], 0x11);
    }
}
END_TEST

START_TEST(test_uuid_rejects_what_postgres_rejects)
{
    /* each was 22P02 in PostgreSQL 15 */
    const char *BAD[] = {
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",  "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
        "a0e-ebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-",
        "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", "{}", "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0-eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    };
    for (size_t bad_idx = 0; bad_idx < sizeof BAD / sizeof BAD[0]; bad_idx++) {
        uint8_t value[UUID_SIZE];
        Error *err = uuid_parse(BAD[bad_idx], strlen(BAD[bad_idx]), value);
        ck_assert_msg(err != NULL, "accepted %s", BAD[bad_idx]);
        ck_assert_str_eq(sqlstate_code(err->state), "22P02");
        char want[128];
        snprintf(want, sizeof want, "invalid input syntax for type uuid: \"%s\"", BAD[bad_idx]);
        ck_assert_str_eq(err->message, want);
        err_free(err);
    }
    /* a NUL inside the given size is not a terminator */
    uint8_t value[UUID_SIZE];
    Error *err = uuid_parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\0", 37, value);
    ck_assert_ptr_nonnull(err);
    err_free(err);
}
END_TEST

START_TEST(test_uuid_random_is_version_4)
{
    uint8_t previous[UUID_SIZE] = { 0 };
    for (int round = 0; round < 100; round++) {
        uint8_t value[UUID_SIZE];
        ck_assert_ptr_null(uuid_random(value));
        ck_assert_int_eq(value[6] >> 4, 4);
        ck_assert_int_eq(value[8] >> 6, 2);
        ck_assert(memcmp(value, previous, UUID_SIZE) != 0);
        char text[UUID_TEXT_SIZE + 1];
        uuid_format(value, text);
        ck_assert_int_eq(text[14], '4');
        uint8_t back[UUID_SIZE];
        ck_assert_ptr_null(uuid_parse(text, UUID_TEXT_SIZE, back));
        ck_assert(memcmp(value, back, UUID_SIZE) == 0);
        memcpy(previous, value, UUID_SIZE);
    }
}
END_TEST

static Suite *uuid_suite(void)
{
    Suite *suite = suite_create("uuid");
    TCase *tcase = tcase_create("uuid");
    tcase_add_test(tcase, test_uuid_accepts_postgres_forms);
    tcase_add_test(tcase, test_uuid_rejects_what_postgres_rejects);
    tcase_add_test(tcase, test_uuid_random_is_version_4);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(uuid_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
