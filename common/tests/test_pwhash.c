/* common/tests/test_pwhash.c: password verifiers (common/pwhash.h) against PostgreSQL 15's.
 *
 * The md5 constants were made by PostgreSQL 15 (`SET password_encryption = 'md5'; CREATE ROLE u
 * PASSWORD 'p'`, then pg_authid.rolpassword); the SCRAM verifier of "pencil" also comes from
 * PostgreSQL 15. A SCRAM verifier made here is checked by recomputing its keys from its own
 * salt and iteration count with libcrypto directly. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/arena.h"
#include "common/error.h"
#include "common/pwhash.h"

static const char PG_SCRAM_PENCIL[] =
    "SCRAM-SHA-256$4096:h0RJh5MVTTUL4nBrsDBiUg==$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
    ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCNI=";

START_TEST(test_pwhash_md5_matches_postgres)
{
    Arena *arena = arena_create(1024);
    const char *verifier = NULL;
    ck_assert_ptr_null(pwhash_md5_verifier(arena, "p", "u", &verifier));
    ck_assert_str_eq(verifier, "md5534b9a3588bdd87bf7c3b9d650e43e46");
    ck_assert_ptr_null(pwhash_md5_verifier(arena, "secret", "alice", &verifier));
    ck_assert_str_eq(verifier, "md54a0a68b43b6cd5cf266fa02f196e2371");
    /* the user name salts it */
    ck_assert_ptr_null(pwhash_md5_verifier(arena, "secret", "alicia", &verifier));
    ck_assert_str_ne(verifier, "md54a0a68b43b6cd5cf266fa02f196e2371");
    ck_assert(pwhash_is_verifier(verifier));
    arena_destroy(arena);
}
END_TEST

static size_t decode64(const char *text, size_t size, unsigned char *bytes)
{
    unsigned char buffer[128];
    ck_assert_uint_lt(size, 160);
    int decoded = EVP_DecodeBlock(buffer, (const unsigned char *)text, (int)size);
    ck_assert_int_gt(decoded, 0);
    size_t padding = (size > 0 && text[size - 1] == '=') + (size > 1 && text[size - 2] == '=');
    memcpy(bytes, buffer, (size_t)decoded - padding);
    return (size_t)decoded - padding;
}

/* check_scram: recompute the verifier's keys from password and compare. */
static bool check_scram(const char *verifier, const char *password)
{
    int iterations = 0;
    char salt_text[128], stored_text[128], server_text[128];
    if (sscanf(verifier, "SCRAM-SHA-256$%d:%127[^$]$%127[^:]:%127s", &iterations, salt_text,
               stored_text, server_text) != 4) {
        return false;
    }
    unsigned char salt[96], stored[96], server[96];
    size_t salt_size = decode64(salt_text, strlen(salt_text), salt);
    ck_assert_uint_eq(decode64(stored_text, strlen(stored_text), stored), 32);
    ck_assert_uint_eq(decode64(server_text, strlen(server_text), server), 32);
    unsigned char salted[32], client_key[32], stored_key[32], server_key[32];
    unsigned int size = 0;
    ck_assert_int_eq(PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_size,
                                       iterations, EVP_sha256(), 32, salted), 1);
    HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, client_key, &size);
    SHA256(client_key, 32, stored_key);
    HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Server Key", 10, server_key, &size);
    return memcmp(stored_key, stored, 32) == 0 && memcmp(server_key, server, 32) == 0;
}

START_TEST(test_pwhash_scram_verifier_parses_back)
{
    ck_assert(check_scram(PG_SCRAM_PENCIL, "pencil"));     /* the checker agrees with PostgreSQL */
    ck_assert(!check_scram(PG_SCRAM_PENCIL, "pencil!"));
    Arena *arena = arena_create(1024);
    const char *first = NULL, *second = NULL;
    ck_assert_ptr_null(pwhash_scram_verifier(arena, "pencil", &first));
    ck_assert_ptr_null(pwhash_scram_verifier(arena, "pencil", &second));
    ck_assert(strncmp(first, "SCRAM-SHA-256$4096:", 19) == 0);
    ck_assert_str_ne(first, second);                      /* a fresh random salt each time */
    ck_assert(check_scram(first, "pencil"));
    ck_assert(check_scram(second, "pencil"));
    ck_assert(!check_scram(first, "Pencil"));
    ck_assert(pwhash_is_verifier(first));
    /* 16-byte salt: 24 base64 characters between ':' and '$' */
    const char *salt = strchr(first, ':') + 1;
    ck_assert_int_eq((int)(strchr(salt, '$') - salt), 24);
    /* the empty password and a long one */
    ck_assert_ptr_null(pwhash_scram_verifier(arena, "", &first));
    ck_assert(check_scram(first, ""));
    char long_password[1001];
    memset(long_password, 'x', 1000);
    long_password[1000] = '\0';
    ck_assert_ptr_null(pwhash_scram_verifier(arena, long_password, &first));
    ck_assert(check_scram(first, long_password));
    arena_destroy(arena);
}
END_TEST

START_TEST(test_pwhash_is_verifier)
{
    ck_assert(pwhash_is_verifier(PG_SCRAM_PENCIL));
    ck_assert(pwhash_is_verifier("md5534b9a3588bdd87bf7c3b9d650e43e46"));
    static const char *const not_verifiers[] = {
        "", "md5", "pencil", "md5534b9a3588bdd87bf7c3b9d650e43e4",     /* 31 digits */
        "md5534b9a3588bdd87bf7c3b9d650e43e466",                        /* 33 digits */
        "md5534B9A3588BDD87BF7C3B9D650E43E46",                         /* upper case */
        "md5534b9a3588bdd87bf7c3b9d650e43e4g",
        "SCRAM-SHA-256$", "SCRAM-SHA-256$4096", "SCRAM-SHA-256$4096:$:",
        "SCRAM-SHA-256$0:h0RJh5MVTTUL4nBrsDBiUg==$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
        ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCNI=",
        "SCRAM-SHA-256$4096:h0RJh5MVTTUL4nBrsDBiUg==$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
        ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCN=",                 /* key too short */
        "SCRAM-SHA-256$4096:h0RJh5MVTTUL4nBrsDBiUg=$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
        ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCNI=",                /* bad salt length */
        "SCRAM-SHA-256$4096:h0RJh5MVTTUL4nBrsDBiUg==$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
        ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCNI=x",
        "SCRAM-SHA-1$4096:h0RJh5MVTTUL4nBrsDBiUg==$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
        ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCNI=",
    };
    for (size_t case_idx = 0; case_idx < sizeof not_verifiers / sizeof not_verifiers[0];
         case_idx++) {
        ck_assert_msg(!pwhash_is_verifier(not_verifiers[case_idx]), "case %zu", case_idx);
    }
    ck_assert(!pwhash_is_verifier(NULL));
}
END_TEST

static Suite *pwhash_suite(void)
{
    Suite *suite = suite_create("pwhash");
    TCase *tcase = tcase_create("verifiers");
    tcase_add_test(tcase, test_pwhash_md5_matches_postgres);
    tcase_add_test(tcase, test_pwhash_scram_verifier_parses_back);
    tcase_add_test(tcase, test_pwhash_is_verifier);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(pwhash_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
