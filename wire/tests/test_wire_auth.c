/* wire/tests/test_wire_auth.c: authentication and TLS of the server (wire/auth.h, wire/tls.h).
 *
 * In-process: the exchanges of every method driven through auth_start/auth_continue, with the
 * client's side (libpq's computations: SCRAM proof, md5 answer) written here independently on
 * libcrypto, against verifiers PostgreSQL 15 made; malformed client messages; the rules file.
 * End to end: `birch serve` started on a temporary database with a rules file per method,
 * connected to through libpq (right and wrong passwords, unknown users, reject rules, TLS with
 * a self-signed certificate this test makes with libcrypto).
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "include/birch.h"
#include "wire/auth.h"
#include "wire/server.h"
#include "wire/tls.h"

/* IN-PROCESS PART (merged into wire/tests/test_wire_auth.c) */
/* ---- client side of the exchanges, computed here independently of wire/auth.c ---- */

static const char BOB_VERIFIER[] =   /* PostgreSQL 15: CREATE ROLE bob PASSWORD 'pencil' */
    "SCRAM-SHA-256$4096:h0RJh5MVTTUL4nBrsDBiUg==$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
    ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCNI=";
static const char ALICE_MD5[] = "md54a0a68b43b6cd5cf266fa02f196e2371";  /* alice / secret */

static int32_t read_int32(const uint8_t *bytes)
{
    return (int32_t)((uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 |
                     (uint32_t)bytes[2] << 8 | (uint32_t)bytes[3]);
}

static void client_hmac(const uint8_t *key, size_t key_size, const char *data, size_t size,
                        uint8_t *mac)
{
    unsigned int mac_size = 0;
    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)key_size, (const uint8_t *)data, size,
                               mac, &mac_size));
    ck_assert_uint_eq(mac_size, 32);
}

static size_t client_b64_decode(const char *text, size_t size, uint8_t *bytes)
{
    uint8_t buffer[256];
    ck_assert_uint_lt(size, 300);
    int decoded = EVP_DecodeBlock(buffer, (const uint8_t *)text, (int)size);
    ck_assert_int_ge(decoded, 0);
    size_t padding = 0;
    if (size >= 1 && text[size - 1] == '=') padding++;
    if (size >= 2 && text[size - 2] == '=') padding++;
    memcpy(bytes, buffer, (size_t)decoded - padding);
    return (size_t)decoded - padding;
}

/* ScramClient: what libpq does, step by step. */
typedef struct ScramClient {
    char    client_first_bare[256];
    char    server_first[512];
    char    final_without_proof[512];
    uint8_t salted[32];
    char    expected_server_signature[64];
} ScramClient;

/* build_initial: the SASLInitialResponse body for client-first "n,,n=,r=<nonce>". */
static size_t build_initial(uint8_t *body, const char *client_first)
{
    size_t size = 0;
    memcpy(body, "SCRAM-SHA-256", 14);
    size = 14;
    uint32_t length = (uint32_t)strlen(client_first);
    body[size++] = (uint8_t)(length >> 24);
    body[size++] = (uint8_t)(length >> 16);
    body[size++] = (uint8_t)(length >> 8);
    body[size++] = (uint8_t)length;
    memcpy(body + size, client_first, length);
    return size + length;
}

/* client_final: from server-first (r=,s=,i=), build client-final with the proof of password. */
static void client_final(ScramClient *client, const char *password, const char *server_first,
                         char *final_out, size_t final_capacity)
{
    snprintf(client->server_first, sizeof client->server_first, "%s", server_first);
    ck_assert(strncmp(server_first, "r=", 2) == 0);
    const char *salt_attr = strstr(server_first, ",s=");
    const char *iter_attr = strstr(server_first, ",i=");
    ck_assert_ptr_nonnull(salt_attr);
    ck_assert_ptr_nonnull(iter_attr);
    char nonce[256];
    snprintf(nonce, sizeof nonce, "%.*s", (int)(salt_attr - server_first - 2), server_first + 2);
    uint8_t salt[128];
    size_t salt_size = client_b64_decode(salt_attr + 3, (size_t)(iter_attr - salt_attr - 3), salt);
    int iterations = atoi(iter_attr + 3);
    ck_assert_int_gt(iterations, 0);
    ck_assert_int_eq(PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_size,
                                       iterations, EVP_sha256(), 32, client->salted), 1);
    snprintf(client->final_without_proof, sizeof client->final_without_proof, "c=biws,r=%s",
             nonce);
    char message[1400];
    snprintf(message, sizeof message, "%s,%s,%s", client->client_first_bare, server_first,
             client->final_without_proof);
    uint8_t client_key[32], stored_key[32], signature[32], proof[32], server_key[32],
        server_signature[32];
    client_hmac(client->salted, 32, "Client Key", 10, client_key);
    SHA256(client_key, 32, stored_key);
    client_hmac(stored_key, 32, message, strlen(message), signature);
    for (int byte_idx = 0; byte_idx < 32; byte_idx++) {
        proof[byte_idx] = client_key[byte_idx] ^ signature[byte_idx];
    }
    client_hmac(client->salted, 32, "Server Key", 10, server_key);
    client_hmac(server_key, 32, message, strlen(message), server_signature);
    char proof_text[64];
    EVP_EncodeBlock((uint8_t *)proof_text, proof, 32);
    strcpy(client->expected_server_signature, "v=");
    EVP_EncodeBlock((uint8_t *)client->expected_server_signature + 2, server_signature, 32);
    snprintf(final_out, final_capacity, "%s,p=%s", client->final_without_proof, proof_text);
}

/* scram_start: auth_start + the client's initial response; returns the state after the
 * server-first message (copied into server_first). */
static AuthState *scram_start(AuthMethod method, const char *user, const char *verifier,
                              ScramClient *client, char *server_first, size_t capacity)
{
    AuthState *state = NULL;
    AuthOut out;
    WireError error;
    ck_assert_int_eq(auth_start(method, user, verifier, &state, &out, &error), 0);
    ck_assert_uint_eq(out.size, 4 + 15);
    ck_assert_int_eq(read_int32(out.data), 10);
    ck_assert(memcmp(out.data + 4, "SCRAM-SHA-256\0\0", 15) == 0);
    snprintf(client->client_first_bare, sizeof client->client_first_bare,
             "n=,r=rOprNGfwEbeRWgbNEkqO");
    char client_first[300];
    snprintf(client_first, sizeof client_first, "n,,%s", client->client_first_bare);
    uint8_t body[400];
    size_t size = build_initial(body, client_first);
    bool done = true;
    ck_assert_int_eq(auth_continue(state, body, size, &out, &done, &error), 0);
    ck_assert(!done);
    ck_assert_int_eq(read_int32(out.data), 11);
    ck_assert_uint_lt(out.size - 4, capacity);
    memcpy(server_first, out.data + 4, out.size - 4);
    server_first[out.size - 4] = '\0';
    ck_assert(strncmp(server_first, "r=rOprNGfwEbeRWgbNEkqO", 22) == 0);
    ck_assert_uint_gt(strlen(server_first), 22 + 20);   /* the server added its nonce */
    return state;
}

/* scram_run: a whole exchange; returns auth_continue's result for client-final. */
static int scram_run(AuthMethod method, const char *user, const char *verifier,
                     const char *password, WireError *error)
{
    ScramClient client;
    char server_first[600];
    AuthState *state = scram_start(method, user, verifier, &client, server_first,
                                   sizeof server_first);
    char final[700];
    client_final(&client, password, server_first, final, sizeof final);
    AuthOut out;
    bool done = false;
    int status = auth_continue(state, (const uint8_t *)final, strlen(final), &out, &done, error);
    if (status == 0) {
        ck_assert(done);
        ck_assert_int_eq(read_int32(out.data), 12);
        ck_assert_uint_eq(out.size - 4, strlen(client.expected_server_signature));
        ck_assert(memcmp(out.data + 4, client.expected_server_signature, out.size - 4) == 0);
    } else {
        ck_assert(!done);
    }
    auth_free(state);
    return status;
}

START_TEST(test_auth_scram_postgres_verifier)
{
    WireError error;
    ck_assert_int_eq(scram_run(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, "pencil", &error), 0);
    /* an md5 rule runs SCRAM for a SCRAM verifier */
    ck_assert_int_eq(scram_run(AUTH_METHOD_MD5, "bob", BOB_VERIFIER, "pencil", &error), 0);
}
END_TEST

START_TEST(test_auth_scram_failures_identical)
{
    WireError wrong, unknown, no_password, md5_only;
    ck_assert_int_eq(scram_run(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, "pencil2", &wrong), -1);
    ck_assert_int_eq(scram_run(AUTH_METHOD_SCRAM, "nobody", NULL, "pencil", &unknown), -1);
    ck_assert_int_eq(scram_run(AUTH_METHOD_SCRAM, "bob", NULL, "pencil", &no_password), -1);
    ck_assert_int_eq(scram_run(AUTH_METHOD_SCRAM, "alice", ALICE_MD5, "secret", &md5_only), -1);
    ck_assert_str_eq(wrong.sqlstate, "28P01");
    ck_assert_str_eq(unknown.sqlstate, "28P01");
    ck_assert_str_eq(no_password.sqlstate, "28P01");
    ck_assert_str_eq(md5_only.sqlstate, "28P01");
    ck_assert_str_eq(wrong.severity, "FATAL");
    ck_assert_str_eq(wrong.message, "password authentication failed for user \"bob\"");
    ck_assert_str_eq(unknown.message, "password authentication failed for user \"nobody\"");
}
END_TEST

START_TEST(test_auth_scram_mock_salt_stable)
{
    /* an unknown role gets the same salt on every attempt, as a real one does */
    ScramClient client;
    char first_a[600], first_b[600];
    AuthState *a = scram_start(AUTH_METHOD_SCRAM, "ghost", NULL, &client, first_a, sizeof first_a);
    AuthState *b = scram_start(AUTH_METHOD_SCRAM, "ghost", NULL, &client, first_b, sizeof first_b);
    ck_assert_str_eq(strstr(first_a, ",s="), strstr(first_b, ",s="));
    ck_assert_str_ne(first_a, first_b);        /* the server nonces differ */
    ck_assert(strstr(first_a, ",i=4096") != NULL);
    auth_free(a);
    auth_free(b);
}
END_TEST

/* final_with: run to server-first, then send final (built by the callback's text). */
static int scram_send_final(const char *final, WireError *error)
{
    ScramClient client;
    char server_first[600];
    AuthState *state = scram_start(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, &client, server_first,
                                   sizeof server_first);
    AuthOut out;
    bool done = false;
    int status = auth_continue(state, (const uint8_t *)final, strlen(final), &out, &done, error);
    ck_assert(status != 0 || done);
    /* after a failure every further message fails too */
    if (status != 0) {
        WireError again;
        ck_assert_int_eq(auth_continue(state, (const uint8_t *)final, strlen(final), &out, &done,
                                       &again), -1);
        ck_assert(!done);
    }
    auth_free(state);
    return status;
}

START_TEST(test_auth_scram_malformed_final)
{
    static const char *const finals[] = {
        "", "c=", "c=biws", "c=biws,r=", "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=AAAA",
        "c=b!ws,r=x,p=AAAA", "c=bi,r=x,p=AAAA", "c=eSws,r=x,p=AAAA", "x=biws,r=x,p=AAAA",
        "c=biws,r=rOprNGfwEbeRWgbNEkqOWRONGNONCE0123456789,p=AAAA",
        "c=biws", "p=", ",,,,", "c=biws,r=rOprNGfwEbeRWgbNEkqO",
    };
    for (size_t case_idx = 0; case_idx < sizeof finals / sizeof finals[0]; case_idx++) {
        WireError error;
        ck_assert_int_eq(scram_send_final(finals[case_idx], &error), -1);
        ck_assert(strcmp(error.sqlstate, "08P01") == 0 || strcmp(error.sqlstate, "28P01") == 0);
    }
}
END_TEST

START_TEST(test_auth_scram_wrong_nonce_and_bad_proof)
{
    ScramClient client;
    char server_first[600];
    AuthState *state = scram_start(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, &client, server_first,
                                   sizeof server_first);
    char final[700];
    client_final(&client, "pencil", server_first, final, sizeof final);
    /* change one character of the server's part of the nonce */
    char *nonce_char = final + strlen("c=biws,r=") + 30;
    *nonce_char = *nonce_char == 'A' ? 'B' : 'A';
    AuthOut out;
    bool done = false;
    WireError error;
    ck_assert_int_eq(auth_continue(state, (const uint8_t *)final, strlen(final), &out, &done,
                                   &error), -1);
    ck_assert_str_eq(error.sqlstate, "08P01");
    auth_free(state);

    /* a proof of the right length but wrong bytes: 28P01 */
    state = scram_start(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, &client, server_first,
                        sizeof server_first);
    client_final(&client, "pencil", server_first, final, sizeof final);
    char *proof = strstr(final, ",p=") + 3;
    proof[0] = proof[0] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(auth_continue(state, (const uint8_t *)final, strlen(final), &out, &done,
                                   &error), -1);
    ck_assert_str_eq(error.sqlstate, "28P01");
    auth_free(state);

    /* a truncated proof (bad base64 length) */
    state = scram_start(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, &client, server_first,
                        sizeof server_first);
    client_final(&client, "pencil", server_first, final, sizeof final);
    final[strlen(final) - 5] = '\0';
    ck_assert_int_eq(auth_continue(state, (const uint8_t *)final, strlen(final), &out, &done,
                                   &error), -1);
    ck_assert_str_eq(error.sqlstate, "08P01");
    auth_free(state);
}
END_TEST

static int initial_with(const uint8_t *body, size_t size, WireError *error)
{
    AuthState *state = NULL;
    AuthOut out;
    ck_assert_int_eq(auth_start(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, &state, &out, error), 0);
    bool done = false;
    int status = auth_continue(state, body, size, &out, &done, error);
    ck_assert(!done);
    auth_free(state);
    return status;
}

START_TEST(test_auth_scram_malformed_initial)
{
    WireError error;
    uint8_t body[1500];
    /* truncated everywhere: every prefix of a good message fails cleanly */
    size_t good_size = build_initial(body, "n,,n=,r=abcdef");
    for (size_t size = 0; size < good_size; size++) {
        uint8_t *copy = malloc(size + 1);      /* exact size: ASan catches any overread */
        memcpy(copy, body, size);
        ck_assert_int_eq(initial_with(copy, size, &error), -1);
        free(copy);
    }
    static const char *const firsts[] = {
        "", "n", "n,", "n,,", "n,,n=", "n,,n=,r=", "n,,n=,r=a b", "x,,n=,r=abc",
        "n,a=bob,n=,r=abc", "n,,m=ext,n=,r=abc", "n,,n=,r=abc,m=x", "n,,r=abc",
        "n,,n=,r=abc,", "n,,n=,r=\x01\x02",
    };
    for (size_t case_idx = 0; case_idx < sizeof firsts / sizeof firsts[0]; case_idx++) {
        size_t size = build_initial(body, firsts[case_idx]);
        ck_assert_int_eq(initial_with(body, size, &error), -1);
        ck_assert_str_eq(error.sqlstate, "08P01");
    }
    /* channel binding requested: 28000 */
    size_t size = build_initial(body, "p=tls-server-end-point,,n=,r=abc");
    ck_assert_int_eq(initial_with(body, size, &error), -1);
    ck_assert_str_eq(error.sqlstate, "28000");
    /* wrong mechanism, length mismatch, embedded NUL, oversized */
    memcpy(body, "SCRAM-SHA-1\0\0\0\0\0", 15);
    ck_assert_int_eq(initial_with(body, 15, &error), -1);
    size = build_initial(body, "n,,n=,r=abc");
    body[17] = 99;
    ck_assert_int_eq(initial_with(body, size, &error), -1);
    size = build_initial(body, "n,,n=,r=abc");
    body[size - 2] = '\0';
    ck_assert_int_eq(initial_with(body, size, &error), -1);
    char big[1300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "n,,n=,r=", 8);
    size = build_initial(body, big);
    ck_assert_int_eq(initial_with(body, size, &error), -1);
    /* "y" (client supports binding, server does not offer it) is accepted */
    size = build_initial(body, "y,,n=,r=abc");
    AuthState *state = NULL;
    AuthOut out;
    bool done = false;
    ck_assert_int_eq(auth_start(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, &state, &out, &error), 0);
    ck_assert_int_eq(auth_continue(state, body, size, &out, &done, &error), 0);
    auth_free(state);
}
END_TEST

START_TEST(test_auth_scram_random_bytes_never_crash)
{
    double scale = getenv("BIRCH_TEST_SCALE") != NULL ? atof(getenv("BIRCH_TEST_SCALE")) : 1.0;
    int round_count = (int)(2000 * scale) + 10;
    unsigned int seed = 12345;
    for (int round_idx = 0; round_idx < round_count; round_idx++) {
        ScramClient client;
        char server_first[600];
        AuthState *state = scram_start(AUTH_METHOD_SCRAM, "bob", BOB_VERIFIER, &client,
                                       server_first, sizeof server_first);
        size_t size = (size_t)(rand_r(&seed) % 200);
        uint8_t *body = malloc(size + 1);
        for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
            /* mostly printable, with the separators that matter */
            static const char alphabet[] = "cr=p,biwsAB+/0\x01";
            body[byte_idx] = (uint8_t)alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
        }
        AuthOut out;
        bool done = false;
        WireError error;
        ck_assert_int_eq(auth_continue(state, body, size, &out, &done, &error), -1);
        ck_assert(!done);
        free(body);
        auth_free(state);
    }
}
END_TEST

START_TEST(test_auth_trust_and_reject)
{
    AuthState *state = NULL;
    AuthOut out;
    WireError error;
    ck_assert_int_eq(auth_start(AUTH_METHOD_TRUST, "anyone", NULL, &state, &out, &error), 0);
    ck_assert_uint_eq(out.size, 0);
    bool done = false;
    ck_assert_int_eq(auth_continue(state, (const uint8_t *)"x", 2, &out, &done, &error), -1);
    ck_assert(!done);
    auth_free(state);
    state = NULL;
    ck_assert_int_eq(auth_start(AUTH_METHOD_REJECT, "anyone", NULL, &state, &out, &error), -1);
    ck_assert_ptr_null(state);
    ck_assert_str_eq(error.sqlstate, "28000");
    ck_assert_str_eq(error.severity, "FATAL");
    auth_free(NULL);
}
END_TEST

static int password_run(AuthMethod method, const char *user, const char *verifier,
                        const uint8_t *body, size_t size, uint8_t *salt_out, WireError *error)
{
    AuthState *state = NULL;
    AuthOut out;
    ck_assert_int_eq(auth_start(method, user, verifier, &state, &out, error), 0);
    if (method == AUTH_METHOD_PASSWORD) {
        ck_assert_uint_eq(out.size, 4);
        ck_assert_int_eq(read_int32(out.data), 3);
    } else {
        ck_assert_uint_eq(out.size, 8);
        ck_assert_int_eq(read_int32(out.data), 5);
        if (salt_out != NULL) memcpy(salt_out, out.data + 4, 4);
    }
    bool done = false;
    int status = auth_continue(state, body, size, &out, &done, error);
    ck_assert(status == 0 ? done : !done);
    auth_free(state);
    return status;
}

START_TEST(test_auth_cleartext)
{
    WireError error;
    const uint8_t *pencil = (const uint8_t *)"pencil";
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "bob", BOB_VERIFIER, pencil, 7, NULL,
                                  &error), 0);
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "alice", ALICE_MD5,
                                  (const uint8_t *)"secret", 7, NULL, &error), 0);
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "bob", BOB_VERIFIER,
                                  (const uint8_t *)"pencil2", 8, NULL, &error), -1);
    ck_assert_str_eq(error.sqlstate, "28P01");
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "nobody", NULL, pencil, 7, NULL, &error),
                     -1);
    ck_assert_str_eq(error.sqlstate, "28P01");
    /* md5 verifier checked under another user name: md5 salts with the user */
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "alicia", ALICE_MD5,
                                  (const uint8_t *)"secret", 7, NULL, &error), -1);
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "bob", BOB_VERIFIER,
                                  (const uint8_t *)"", 1, NULL, &error), -1);
    ck_assert_str_eq(error.sqlstate, "28P01");
    /* malformed: missing NUL, NUL inside, empty body */
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "bob", BOB_VERIFIER, pencil, 6, NULL,
                                  &error), -1);
    ck_assert_str_eq(error.sqlstate, "08P01");
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "bob", BOB_VERIFIER,
                                  (const uint8_t *)"pen\0cil", 8, NULL, &error), -1);
    ck_assert_str_eq(error.sqlstate, "08P01");
    ck_assert_int_eq(password_run(AUTH_METHOD_PASSWORD, "bob", BOB_VERIFIER, pencil, 0, NULL,
                                  &error), -1);
}
END_TEST

static void md5_hex_of(const void *a, size_t a_size, const void *b, size_t b_size, char *hex)
{
    uint8_t joined[256];
    memcpy(joined, a, a_size);
    memcpy(joined + a_size, b, b_size);
    uint8_t digest[16];
    unsigned int digest_size = 0;
    ck_assert_int_eq(EVP_Digest(joined, a_size + b_size, digest, &digest_size, EVP_md5(), NULL), 1);
    for (int byte_idx = 0; byte_idx < 16; byte_idx++) {
        sprintf(hex + 2 * byte_idx, "%02x", digest[byte_idx]);
    }
}

START_TEST(test_auth_md5)
{
    /* the salt is random per exchange; compute the client's answer after seeing it */
    for (int attempt = 0; attempt < 3; attempt++) {
        AuthState *state = NULL;
        AuthOut out;
        WireError error;
        ck_assert_int_eq(auth_start(AUTH_METHOD_MD5, "alice", ALICE_MD5, &state, &out, &error), 0);
        ck_assert_int_eq(read_int32(out.data), 5);
        uint8_t salt[4];
        memcpy(salt, out.data + 4, 4);
        char inner[33], answer[40] = "md5";
        md5_hex_of("secret", 6, "alice", 5, inner);
        ck_assert_str_eq(inner, ALICE_MD5 + 3);
        const char *password = attempt == 1 ? "wrong" : "secret";
        md5_hex_of(password, strlen(password), "alice", 5, inner);
        md5_hex_of(inner, 32, salt, 4, answer + 3);
        if (attempt == 2) answer[10] = answer[10] == 'a' ? 'b' : 'a';
        bool done = false;
        int status = auth_continue(state, (const uint8_t *)answer, 36, &out, &done, &error);
        if (attempt == 0) {
            ck_assert_int_eq(status, 0);
            ck_assert(done);
            ck_assert_uint_eq(out.size, 0);
        } else {
            ck_assert_int_eq(status, -1);
            ck_assert_str_eq(error.sqlstate, "28P01");
        }
        auth_free(state);
    }
    /* an unknown role still gets a salt, then fails */
    WireError error;
    uint8_t salt[4];
    ck_assert_int_eq(password_run(AUTH_METHOD_MD5, "nobody", NULL,
                                  (const uint8_t *)"md500000000000000000000000000000000", 36,
                                  salt, &error), -1);
    ck_assert_str_eq(error.sqlstate, "28P01");
}
END_TEST

/* ---- rules file ---- */

static char *write_rules(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/birch_hba_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static AuthWho who_tcp(struct sockaddr_storage *storage, const char *ip, AuthConnType type,
                       const char *database, const char *user)
{
    memset(storage, 0, sizeof *storage);
    socklen_t size;
    if (strchr(ip, ':') != NULL) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)storage;
        in6->sin6_family = AF_INET6;
        ck_assert_int_eq(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
        size = sizeof *in6;
    } else {
        struct sockaddr_in *in4 = (struct sockaddr_in *)storage;
        in4->sin_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, ip, &in4->sin_addr), 1);
        size = sizeof *in4;
    }
    return (AuthWho){.conn_type = type, .address = (struct sockaddr *)storage,
                     .address_size = size, .database = database, .user = user};
}

START_TEST(test_auth_rules_match)
{
    const char *path = write_rules(
        "# comment line\n"
        "\n"
        "local   all        bad            reject\n"
        "local   all        all            trust   # trailing comment\n"
        "hostssl app        alice,bob      0.0.0.0/0       scram-sha-256\n"
        "host    app        alice          10.1.0.0/16     md5\n"
        "host    \"My,Db\"  carol          127.0.0.1  255.255.255.255  password\n"
        "hostnossl all      all            ::1/128         reject\n"
        "host    all        all            ::0/0           md5\n"
        "host    all        all            127.0.0.0/8     scram-sha-256\n");
    AuthRules *rules = NULL;
    WireError error;
    ck_assert_int_eq(auth_rules_load(path, &rules, &error), 0);
    unlink(path);
    AuthWho local = {.conn_type = AUTH_CONN_LOCAL, .database = "db", .user = "bad"};
    int line = -1;
    ck_assert_int_eq(auth_rules_match(rules, &local, &line), AUTH_METHOD_REJECT);
    ck_assert_int_eq(line, 3);
    local.user = "good";
    ck_assert_int_eq(auth_rules_match(rules, &local, &line), AUTH_METHOD_TRUST);
    ck_assert_int_eq(line, 4);
    struct sockaddr_storage storage;
    AuthWho who = who_tcp(&storage, "10.1.2.3", AUTH_CONN_HOSTSSL, "app", "bob");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_SCRAM);
    ck_assert_int_eq(line, 5);
    who = who_tcp(&storage, "10.1.2.3", AUTH_CONN_HOST, "app", "alice");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_MD5);
    ck_assert_int_eq(line, 6);
    who = who_tcp(&storage, "10.2.2.3", AUTH_CONN_HOST, "app", "alice");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_REJECT);
    ck_assert_int_eq(line, 0);            /* nothing matched */
    who = who_tcp(&storage, "127.0.0.1", AUTH_CONN_HOST, "My,Db", "carol");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_PASSWORD);
    ck_assert_int_eq(line, 7);
    who = who_tcp(&storage, "127.0.0.2", AUTH_CONN_HOST, "My,Db", "carol");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_SCRAM);
    ck_assert_int_eq(line, 10);
    who = who_tcp(&storage, "::1", AUTH_CONN_HOST, "x", "y");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_REJECT);
    ck_assert_int_eq(line, 8);
    who = who_tcp(&storage, "::1", AUTH_CONN_HOSTSSL, "x", "y");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_MD5);
    ck_assert_int_eq(line, 9);
    /* an IPv4 client on an IPv6 socket matches the IPv4 rule */
    who = who_tcp(&storage, "::ffff:127.0.0.9", AUTH_CONN_HOST, "x", "y");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_MD5);  /* ::0/0 first */
    auth_rules_free(rules);

    ck_assert_int_eq(auth_rules_load(NULL, &rules, &error), 0);
    ck_assert_int_eq(auth_rules_match(rules, &local, NULL), AUTH_METHOD_TRUST);
    who = who_tcp(&storage, "192.168.1.1", AUTH_CONN_HOST, "x", "y");
    ck_assert_int_eq(auth_rules_match(rules, &who, &line), AUTH_METHOD_TRUST);
    ck_assert_int_gt(line, 0);
    auth_rules_free(rules);
    ck_assert_str_eq(auth_method_name(AUTH_METHOD_SCRAM), "scram-sha-256");
    ck_assert_str_eq(auth_method_name(AUTH_METHOD_MD5), "md5");
}
END_TEST

START_TEST(test_auth_rules_errors)
{
    AuthRules *rules = NULL;
    WireError error;
    ck_assert_int_eq(auth_rules_load("/nonexistent/birch_hba.conf", &rules, &error), -1);
    ck_assert_ptr_null(rules);
    ck_assert_str_eq(error.sqlstate, "58P01");
    static const char *const bad[] = {
        "local all all ident\n", "host all all trust\n", "host all all 300.1.1.1/32 md5\n",
        "host all all 10.0.0.0/33 md5\n", "remote all all md5\n", "local all\n",
        "host all all 10.0.0.1 md5\n", "local all all md5 clientcert=1\n",
        "local \"all all md5\n", "local all ,, trust\n",
    };
    for (size_t case_idx = 0; case_idx < sizeof bad / sizeof bad[0]; case_idx++) {
        const char *path = write_rules(bad[case_idx]);
        ck_assert_int_eq(auth_rules_load(path, &rules, &error), -1);
        unlink(path);
        ck_assert_ptr_null(rules);
        ck_assert_str_eq(error.sqlstate, "F0000");
        ck_assert(strstr(error.message, "line 1") != NULL);
    }
    /* a quoted "all" is a database named all, not the keyword */
    const char *path = write_rules("local \"all\" all trust\n");
    ck_assert_int_eq(auth_rules_load(path, &rules, &error), 0);
    unlink(path);
    AuthWho local = {.conn_type = AUTH_CONN_LOCAL, .database = "db", .user = "u"};
    ck_assert_int_eq(auth_rules_match(rules, &local, NULL), AUTH_METHOD_REJECT);
    local.database = "all";
    ck_assert_int_eq(auth_rules_match(rules, &local, NULL), AUTH_METHOD_TRUST);
    auth_rules_free(rules);
}
END_TEST

/* ---- TLS contexts ---- */

static char tmp_dir[256];

/* make_certificate: a self-signed certificate (CN=localhost, P-256 key) and its key in tmp_dir,
 * made with libcrypto (no openssl command needed). */
static void make_certificate(const char *name, char *cert_out, char *key_out, size_t size)
{
    snprintf(cert_out, size, "%s/%s.crt", tmp_dir, name);
    snprintf(key_out, size, "%s/%s.key", tmp_dir, name);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    ck_assert_ptr_nonnull(key);
    X509 *cert = X509_new();
    ck_assert_ptr_nonnull(cert);
    ck_assert_int_eq(X509_set_version(cert, 2), 1);
    ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(cert), rand() + 1), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 2 * 24 * 3600);
    ck_assert_int_eq(X509_set_pubkey(cert, key), 1);
    X509_NAME *subject = X509_get_subject_name(cert);
    ck_assert_int_eq(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"localhost", -1, -1, 0),
                     1);
    ck_assert_int_eq(X509_set_issuer_name(cert, subject), 1);
    ck_assert_int_gt(X509_sign(cert, key, EVP_sha256()), 0);
    FILE *file = fopen(cert_out, "w");
    ck_assert_ptr_nonnull(file);
    ck_assert_int_eq(PEM_write_X509(file, cert), 1);
    fclose(file);
    file = fopen(key_out, "w");
    ck_assert_ptr_nonnull(file);
    ck_assert_int_eq(PEM_write_PrivateKey(file, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(file);
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void setup_tmp_dir(void)
{
    if (tmp_dir[0] != '\0') return;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/birch_auth_XXXXXX",
             base != NULL && *base != '\0' ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
}

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    ck_assert_int_eq(fputs(text, file) >= 0, 1);
    fclose(file);
}

START_TEST(test_tls_context_errors)
{
    setup_tmp_dir();
    char cert[512], key[512], cert2[512], key2[512];
    make_certificate("ctx_a", cert, key, sizeof cert);
    make_certificate("ctx_b", cert2, key2, sizeof cert2);
    TlsContext *context = NULL;
    WireError error;
    ck_assert_int_eq(tls_context_new(cert, key, &context, &error), 0);
    ck_assert_ptr_nonnull(context);
    tls_context_free(context);
    ck_assert_int_eq(tls_context_new("/nonexistent/cert.pem", key, &context, &error), -1);
    ck_assert_ptr_null(context);
    ck_assert_str_eq(error.sqlstate, "58P01");
    ck_assert_int_eq(tls_context_new(cert, key2, &context, &error), -1);   /* key of another */
    ck_assert_str_eq(error.sqlstate, "F0000");
    ck_assert_int_eq(tls_context_new(key, cert, &context, &error), -1);    /* swapped files */
    ck_assert_str_eq(error.sqlstate, "F0000");
    char garbage[600];
    snprintf(garbage, sizeof garbage, "%s/garbage.pem", tmp_dir);
    write_file(garbage, "not a certificate\n");
    ck_assert_int_eq(tls_context_new(garbage, key, &context, &error), -1);
    ck_assert_str_eq(error.sqlstate, "F0000");
    ck_assert(strstr(error.message, "garbage.pem") != NULL);
    tls_context_free(NULL);
}
END_TEST

/* In-process TLS: the server side non-blocking on one end of a socketpair, a libssl client on
 * the other in a thread. */
typedef struct TlsClient {
    int  fd;
    bool ok;
    char reply[64];
} TlsClient;

static void *tls_client_main(void *arg)
{
    TlsClient *client = arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, client->fd);
    if (SSL_connect(ssl) == 1 && SSL_write(ssl, "ping", 4) == 4) {
        int got = SSL_read(ssl, client->reply, sizeof client->reply - 1);
        if (got > 0) {
            client->reply[got] = '\0';
            client->ok = true;
        }
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(client->fd);
    return NULL;
}

START_TEST(test_tls_nonblocking_exchange)
{
    setup_tmp_dir();
    char cert[512], key[512];
    make_certificate("conn", cert, key, sizeof cert);
    TlsContext *context = NULL;
    WireError error;
    ck_assert_int_eq(tls_context_new(cert, key, &context, &error), 0);
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0);
    TlsConn *conn = NULL;
    ck_assert_int_eq(tls_conn_new(context, fds[0], &conn, &error), 0);
    /* non-blocking: before the client has sent anything the handshake must ask to wait, not
     * block (counting waits after the client starts would depend on thread scheduling) */
    int result = tls_handshake(conn, &error);
    ck_assert_int_eq(result, TLS_WANT_READ);
    TlsClient client = {.fd = fds[1]};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, tls_client_main, &client), 0);
    while ((result = tls_handshake(conn, &error)) != 0) {
        ck_assert_msg(result == TLS_WANT_READ || result == TLS_WANT_WRITE, "handshake: %s",
                      error.message);
        struct pollfd poll_fd = {.fd = fds[0],
                                 .events = result == TLS_WANT_READ ? POLLIN : POLLOUT};
        ck_assert_int_ge(poll(&poll_fd, 1, 5000), 1);
    }
    ck_assert(strncmp(tls_version(conn), "TLSv1.", 6) == 0);
    ck_assert(strcmp(tls_version(conn), "TLSv1.1") != 0);
    char buffer[16];
    ssize_t got;
    while ((got = tls_read(conn, buffer, sizeof buffer)) == TLS_WANT_READ) {
        struct pollfd poll_fd = {.fd = fds[0], .events = POLLIN};
        ck_assert_int_ge(poll(&poll_fd, 1, 5000), 1);
    }
    ck_assert_int_eq(got, 4);
    ck_assert(memcmp(buffer, "ping", 4) == 0);
    ck_assert_uint_eq(tls_pending(conn), 0);
    ssize_t written;
    while ((written = tls_write(conn, "pong", 4)) == TLS_WANT_WRITE) {
        struct pollfd poll_fd = {.fd = fds[0], .events = POLLOUT};
        ck_assert_int_ge(poll(&poll_fd, 1, 5000), 1);
    }
    ck_assert_int_eq(written, 4);
    /* the client shuts down and closes: a clean end (0) or a broken one, never a hang */
    for (;;) {
        got = tls_read(conn, buffer, sizeof buffer);
        if (got != TLS_WANT_READ) break;
        struct pollfd poll_fd = {.fd = fds[0], .events = POLLIN};
        ck_assert_int_ge(poll(&poll_fd, 1, 5000), 1);
    }
    ck_assert(got == 0 || got == TLS_FAILED);
    pthread_join(thread, NULL);
    ck_assert(client.ok);
    ck_assert_str_eq(client.reply, "pong");
    tls_conn_free(conn);
    close(fds[0]);

    /* a client that speaks plain text instead of TLS: the handshake fails cleanly */
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0);
    ck_assert_int_eq(tls_conn_new(context, fds[0], &conn, &error), 0);
    ck_assert_int_eq(write(fds[1], "GET / HTTP/1.0\r\n\r\n", 18), 18);
    close(fds[1]);
    for (int attempt = 0; attempt < 100; attempt++) {
        result = tls_handshake(conn, &error);
        if (result != TLS_WANT_READ && result != TLS_WANT_WRITE) break;
        usleep(1000);
    }
    ck_assert_int_eq(result, TLS_FAILED);
    ck_assert_str_eq(error.severity, "FATAL");
    tls_conn_free(conn);
    close(fds[0]);
    tls_context_free(context);
}
END_TEST

/* ---- end to end through libpq against an in-process server ---- */

typedef struct Served {
    WireServer *server;
    int         port;
} Served;

static void start_server(Served *served, const char *db_path, const char *config_text)
{
    char config[600];
    snprintf(config, sizeof config, "%s/server_%d.conf", tmp_dir, rand());
    write_file(config, config_text);
    char *argv[] = {"serve", (char *)db_path, "--host", "127.0.0.1", "--port", "0",
                    "--socket-dir", tmp_dir, "--config", config, "--database", "birch"};
    ck_assert_int_eq(wire_server_start((int)(sizeof argv / sizeof argv[0]), argv,
                                       &served->server), 0);
    served->port = wire_server_port(served->server);
    ck_assert_int_gt(served->port, 0);
}

/* try_connect: connect; NULL sqlstate_out on success (the connection is checked with a
 * query), else the server's SQLSTATE (or "" if the failure was the client's own). */
static void try_connect(const Served *served, const char *user, const char *password,
                        const char *sslmode, char *sqlstate_out, char *message_out)
{
    char port[16];
    snprintf(port, sizeof port, "%d", served->port);
    const char *const keywords[] = {"host", "port", "dbname", "user", "password", "sslmode",
                                    "connect_timeout", NULL};
    const char *const values[] = {"127.0.0.1", port, "birch", user, password, sslmode, "10",
                                  NULL};
    PGconn *conn = PQconnectdbParams(keywords, values, 0);
    sqlstate_out[0] = '\0';
    message_out[0] = '\0';
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult *result = PQexec(conn, "SELECT current_user");
        ck_assert_int_eq(PQresultStatus(result), PGRES_TUPLES_OK);
        ck_assert_str_eq(PQgetvalue(result, 0, 0), user);
        PQclear(result);
        snprintf(message_out, 256, "%s", PQsslInUse(conn) ? PQsslAttribute(conn, "protocol")
                                                             : "no-ssl");
        strcpy(sqlstate_out, "OK");
    } else {
        snprintf(message_out, 256, "%s", PQerrorMessage(conn));
        /* libpq keeps no SQLSTATE for a failed connection: recognise the server's messages */
        if (strstr(message_out, "password authentication failed") != NULL) {
            strcpy(sqlstate_out, "28P01");
        } else if (strstr(message_out, "pg_hba.conf") != NULL ||
                   strstr(message_out, "does not exist") != NULL ||
                   strstr(message_out, "not permitted to log in") != NULL) {
            strcpy(sqlstate_out, "28000");
        } else {
            strcpy(sqlstate_out, "client");
        }
    }
    PQfinish(conn);
}

#define CONNECT_IS(served, user, password, sslmode, expected)                               \
    do {                                                                                    \
        char state_[16], message_[256];                                                     \
        try_connect((served), (user), (password), (sslmode), state_, message_);             \
        ck_assert_msg(strcmp(state_, (expected)) == 0, "%s/%s sslmode=%s: %s, want %s: %s",   \
                      (user), (password), (sslmode), state_, (expected), message_);         \
    } while (0)

static void make_roles(const char *db_path)
{
    birch_db *db = NULL;
    ck_assert_int_eq(birch_open(db_path, NULL, &db), BIRCH_OK);
    static const char *const statements[] = {
        "CREATE USER scram_user PASSWORD 'scram pw'",
        "CREATE USER pw_user PASSWORD 'clear pw'",
        "CREATE USER md5_scram PASSWORD 'upgrade pw'",
        "SET password_encryption = 'md5'",
        "CREATE USER md5_user PASSWORD 'md5 pw'",
        "CREATE USER pw_md5 PASSWORD 'clear md5'",
        "RESET password_encryption",
        "CREATE USER nopass",
        "CREATE USER trust_user",
        "CREATE USER tls_user PASSWORD 'tls pw'",
        "CREATE ROLE nologin_role PASSWORD 'nl pw'",
        "CREATE USER expired PASSWORD 'old pw' VALID UNTIL '2001-01-01'",
    };
    for (size_t idx = 0; idx < sizeof statements / sizeof statements[0]; idx++) {
        ck_assert_msg(birch_exec(db, statements[idx], NULL, NULL) == BIRCH_OK, "%s: %s",
                      statements[idx], birch_last_error(db)->message);
    }
    birch_close(db);
}

START_TEST(test_wire_auth_methods_end_to_end)
{
    setup_tmp_dir();
    char db_path[600], hba[600], config[2048];
    snprintf(db_path, sizeof db_path, "%s/methods.birch", tmp_dir);
    snprintf(hba, sizeof hba, "%s/methods_hba.conf", tmp_dir);
    make_roles(db_path);
    write_file(hba,
               "host all trust_user,ghost 127.0.0.1/32 trust\n"
               "host all rejected 127.0.0.1/32 reject\n"
               "host all pw_user,pw_md5 127.0.0.1/32 password\n"
               "host all md5_user,md5_scram 127.0.0.1/32 md5\n"
               "hostnossl all tls_user 127.0.0.1/32 reject\n"
               "host all all 127.0.0.1/32 scram-sha-256\n");
    snprintf(config, sizeof config, "hba_file = '%s'\n", hba);
    Served served;
    start_server(&served, db_path, config);
    CONNECT_IS(&served, "scram_user", "scram pw", "disable", "OK");
    CONNECT_IS(&served, "scram_user", "scram pw!", "disable", "28P01");
    CONNECT_IS(&served, "pw_user", "clear pw", "disable", "OK");
    CONNECT_IS(&served, "pw_user", "wrong", "disable", "28P01");
    CONNECT_IS(&served, "pw_md5", "clear md5", "disable", "OK");     /* cleartext vs md5 hash */
    CONNECT_IS(&served, "md5_user", "md5 pw", "disable", "OK");
    CONNECT_IS(&served, "md5_user", "md5 pw ", "disable", "28P01");
    CONNECT_IS(&served, "md5_scram", "upgrade pw", "disable", "OK"); /* md5 rule runs SCRAM */
    CONNECT_IS(&served, "md5_scram", "wrong", "disable", "28P01");
    /* an unknown role, a role without a password, an expired one fail like a wrong password */
    CONNECT_IS(&served, "nobody", "x", "disable", "28P01");
    CONNECT_IS(&served, "nopass", "x", "disable", "28P01");
    CONNECT_IS(&served, "expired", "old pw", "disable", "28P01");
    CONNECT_IS(&served, "trust_user", "ignored", "disable", "OK");
    CONNECT_IS(&served, "ghost", "x", "disable", "28000");            /* trust, no such role */
    CONNECT_IS(&served, "rejected", "x", "disable", "28000");
    CONNECT_IS(&served, "tls_user", "tls pw", "disable", "28000");    /* hostnossl reject */
    /* the server without a certificate refuses sslmode=require (it answers 'N') */
    CONNECT_IS(&served, "scram_user", "scram pw", "require", "client");
    {
        char state[16], message[256];
        try_connect(&served, "nologin_role", "nl pw", "disable", state, message);
        ck_assert_msg(strcmp(state, "28P01") == 0 || strcmp(state, "28000") == 0, "%s",
                      message);
    }
    wire_server_stop(served.server, true);
}
END_TEST

START_TEST(test_wire_auth_tls_end_to_end)
{
    setup_tmp_dir();
    char db_path[600], hba[600], cert[512], key[512], config[4096];
    snprintf(db_path, sizeof db_path, "%s/tls.birch", tmp_dir);
    snprintf(hba, sizeof hba, "%s/tls_hba.conf", tmp_dir);
    make_roles(db_path);
    make_certificate("server", cert, key, sizeof cert);
    write_file(hba,
               "hostnossl all tls_user 127.0.0.1/32 reject\n"
               "hostssl all all 127.0.0.1/32 scram-sha-256\n"
               "host all all 127.0.0.1/32 md5\n");
    snprintf(config, sizeof config,
             "hba_file = '%s'\nssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n", hba, cert,
             key);
    Served served;
    start_server(&served, db_path, config);
    char state[16], message[256];
    try_connect(&served, "tls_user", "tls pw", "require", state, message);
    ck_assert_msg(strcmp(state, "OK") == 0, "%s", message);
    ck_assert_msg(strncmp(message, "TLSv1.", 6) == 0 && strcmp(message, "TLSv1.1") != 0, "%s",
                  message);
    CONNECT_IS(&served, "tls_user", "wrong", "require", "28P01");
    CONNECT_IS(&served, "tls_user", "tls pw", "disable", "28000");
    CONNECT_IS(&served, "md5_user", "md5 pw", "disable", "OK");       /* plain TCP still works */
    try_connect(&served, "scram_user", "scram pw", "prefer", state, message);
    ck_assert_msg(strcmp(state, "OK") == 0, "%s", message);
    ck_assert_str_ne(message, "no-ssl");                                /* prefer took TLS */
    /* several TLS sessions at once, each with real traffic */
    char conninfo[512];
    snprintf(conninfo, sizeof conninfo,
             "host=127.0.0.1 port=%d dbname=birch user=scram_user password='scram pw' "
             "sslmode=require",
             served.port);
    PGconn *conns[4];
    for (int idx = 0; idx < 4; idx++) {
        conns[idx] = PQconnectdb(conninfo);
        ck_assert_msg(PQstatus(conns[idx]) == CONNECTION_OK, "%s", PQerrorMessage(conns[idx]));
    }
    for (int idx = 0; idx < 4; idx++) {
        PGresult *result = PQexec(conns[idx], "SELECT repeat('x', 100000)");
        ck_assert_int_eq(PQresultStatus(result), PGRES_TUPLES_OK);
        ck_assert_int_eq(PQgetlength(result, 0, 0), 100000);
        PQclear(result);
    }
    for (int idx = 0; idx < 4; idx++) PQfinish(conns[idx]);
    wire_server_stop(served.server, true);
}
END_TEST

static Suite *auth_suite(void)
{
    Suite *suite = suite_create("wire_auth");
    TCase *exchange = tcase_create("exchange");
    tcase_add_test(exchange, test_auth_scram_postgres_verifier);
    tcase_add_test(exchange, test_auth_scram_failures_identical);
    tcase_add_test(exchange, test_auth_scram_mock_salt_stable);
    tcase_add_test(exchange, test_auth_scram_malformed_final);
    tcase_add_test(exchange, test_auth_scram_wrong_nonce_and_bad_proof);
    tcase_add_test(exchange, test_auth_scram_malformed_initial);
    tcase_add_test(exchange, test_auth_scram_random_bytes_never_crash);
    tcase_add_test(exchange, test_auth_trust_and_reject);
    tcase_add_test(exchange, test_auth_cleartext);
    tcase_add_test(exchange, test_auth_md5);
    suite_add_tcase(suite, exchange);
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, test_auth_rules_match);
    tcase_add_test(rules, test_auth_rules_errors);
    suite_add_tcase(suite, rules);
    TCase *tls = tcase_create("tls");
    tcase_set_timeout(tls, 60);
    tcase_add_test(tls, test_tls_context_errors);
    tcase_add_test(tls, test_tls_nonblocking_exchange);
    suite_add_tcase(suite, tls);
    TCase *server = tcase_create("server");
    tcase_set_timeout(server, 120);
    tcase_add_test(server, test_wire_auth_methods_end_to_end);
    tcase_add_test(server, test_wire_auth_tls_end_to_end);
    suite_add_tcase(suite, server);
    return suite;
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/birch_auth_XXXXXX",
             base != NULL && *base != '\0' ? base : "/tmp");
    if (mkdtemp(tmp_dir) == NULL) return EXIT_FAILURE;
    signal(SIGPIPE, SIG_IGN);   /* as the server does (tls.h invariant 2) */
    SRunner *runner = srunner_create(auth_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    if (tmp_dir[0] != '\0') {
        char command[400];
        snprintf(command, sizeof command, "rm -rf '%s'", tmp_dir);
        if (system(command) != 0) failed++;
    }
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
