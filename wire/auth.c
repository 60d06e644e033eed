/* wire/auth.c: the server's side of the authentication exchanges (wire/auth.h): trust,
 * cleartext password, md5 with a random salt, and SCRAM-SHA-256 (RFC 5802 / RFC 7677, without
 * channel binding), on OpenSSL's libcrypto.
 *
 * Every method that checks a password runs to its end even when there is nothing to check
 * against (unknown role, no password, a verifier of the wrong kind): SCRAM then uses a mock
 * salt derived from the user name and a per-process random secret, so the server-first message
 * of an unknown role looks like that of a real one and stays the same across attempts. The only
 * failure a client can see is 28P01 after the full exchange (auth.h invariant 2).
 *
 * Client bytes are parsed with explicit lengths; nothing is read beyond the message body and
 * every text field is checked before use (auth.h invariant 1). Secrets are compared with
 * CRYPTO_memcmp and wiped (OPENSSL_cleanse) when the state is freed.
 *
 * States of a SCRAM exchange: SCRAM_WAIT_INITIAL (SASLInitialResponse) -> [SCRAM_WAIT_FIRST if
 * the initial response was absent] -> SCRAM_WAIT_FINAL (SASLResponse with client-final) ->
 * AUTH_STEP_DONE. Any error moves to AUTH_STEP_FAILED, after which every call fails.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "wire/auth.h"

enum {
    AUTH_KEY_SIZE = 32,               /* SHA-256 */
    AUTH_SALT_SIZE_MAX = 64,          /* salt bytes accepted in a stored verifier */
    AUTH_MOCK_SALT_SIZE = 16,
    AUTH_SERVER_NONCE_SIZE = 18,      /* random bytes; 24 base64 characters, as PostgreSQL */
    AUTH_MESSAGE_SIZE_MAX = 1024,     /* client SCRAM messages longer than this are refused */
    AUTH_ITERATIONS_MAX = 100000000,  /* a verifier beyond this is treated as invalid */
    AUTH_OUT_SIZE_MAX = 4 + 2 * AUTH_MESSAGE_SIZE_MAX,
    AUTH_CODE_OK = 0,
    AUTH_CODE_CLEARTEXT = 3,
    AUTH_CODE_MD5 = 5,
    AUTH_CODE_SASL = 10,
    AUTH_CODE_SASL_CONTINUE = 11,
    AUTH_CODE_SASL_FINAL = 12,
};

typedef enum AuthStep {
    AUTH_STEP_WAIT_PASSWORD,          /* cleartext and md5: one PasswordMessage */
    AUTH_STEP_SCRAM_WAIT_INITIAL,
    AUTH_STEP_SCRAM_WAIT_FIRST,
    AUTH_STEP_SCRAM_WAIT_FINAL,
    AUTH_STEP_DONE,
    AUTH_STEP_FAILED,
} AuthStep;

typedef struct ScramSecret {
    uint32_t iterations;
    uint8_t  salt[AUTH_SALT_SIZE_MAX];
    size_t   salt_size;
    uint8_t  stored_key[AUTH_KEY_SIZE];
    uint8_t  server_key[AUTH_KEY_SIZE];
} ScramSecret;

struct AuthState {
    AuthMethod  method;               /* the exchange run (md5 rule + SCRAM verifier: SCRAM) */
    AuthStep    step;
    char       *user;
    /* What the stored verifier holds (at most one of the two is valid). */
    bool        has_scram;
    ScramSecret scram;
    bool        has_md5;
    char        md5_hex[33];          /* md5(password || user), the verifier without "md5" */
    uint8_t     md5_salt[4];
    /* SCRAM exchange. */
    char        gs2_header[AUTH_MESSAGE_SIZE_MAX + 1];
    char        client_first_bare[AUTH_MESSAGE_SIZE_MAX + 1];
    char        server_first[2 * AUTH_MESSAGE_SIZE_MAX + 1];
    char        nonce[AUTH_MESSAGE_SIZE_MAX + 64];    /* client nonce + server nonce */
    uint8_t     out[AUTH_OUT_SIZE_MAX];
};

/* ---- small helpers ---- */

static void put_int32(uint8_t *bytes, int32_t value)
{
    uint32_t bits = (uint32_t)value;
    bytes[0] = (uint8_t)(bits >> 24);
    bytes[1] = (uint8_t)(bits >> 16);
    bytes[2] = (uint8_t)(bits >> 8);
    bytes[3] = (uint8_t)bits;
}

static int32_t get_int32(const uint8_t *bytes)
{
    uint32_t bits = (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 |
                    (uint32_t)bytes[2] << 8 | (uint32_t)bytes[3];
    return (int32_t)bits;
}

/* set_out: an 'R' body of code followed by data (size bytes). */
static void set_out(AuthState *state, AuthOut *out, int32_t code, const void *data, size_t size)
{
    if (size > sizeof state->out - 4) size = sizeof state->out - 4;   /* callers stay below */
    put_int32(state->out, code);
    if (size > 0) memcpy(state->out + 4, data, size);
    out->data = state->out;
    out->size = 4 + size;
}

static int fail_password(AuthState *state, WireError *error)
{
    state->step = AUTH_STEP_FAILED;
    return wire_error_set(error, "FATAL", "28P01", "password authentication failed for user \"%s\"",
                          state->user);
}

static int fail_protocol(AuthState *state, WireError *error, const char *message)
{
    state->step = AUTH_STEP_FAILED;
    return wire_error_set(error, "FATAL", "08P01", "%s", message);
}

static void hex_encode(const uint8_t *bytes, size_t size, char *text)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t byte_idx = 0; byte_idx < size; byte_idx++) {
        text[2 * byte_idx] = digits[bytes[byte_idx] >> 4];
        text[2 * byte_idx + 1] = digits[bytes[byte_idx] & 15];
    }
    text[2 * size] = '\0';
}

/* md5_hex: hex(md5(a || b)) into text (33 bytes). Returns 0 or -1 if libcrypto fails. */
static int md5_hex(const void *a, size_t a_size, const void *b, size_t b_size, char *text)
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    int ok = context != NULL && EVP_DigestInit_ex(context, EVP_md5(), NULL) == 1 &&
             EVP_DigestUpdate(context, a, a_size) == 1 &&
             EVP_DigestUpdate(context, b, b_size) == 1 &&
             EVP_DigestFinal_ex(context, digest, &digest_size) == 1 && digest_size == 16;
    EVP_MD_CTX_free(context);
    if (!ok) return -1;
    hex_encode(digest, 16, text);
    return 0;
}

static int hmac_sha256(const uint8_t *key, size_t key_size, const void *data, size_t size,
                       uint8_t *mac)
{
    unsigned int mac_size = 0;
    if (HMAC(EVP_sha256(), key, (int)key_size, data, size, mac, &mac_size) == NULL) return -1;
    return mac_size == AUTH_KEY_SIZE ? 0 : -1;
}

static int sha256(const uint8_t *data, size_t size, uint8_t *digest)
{
    unsigned int digest_size = 0;
    if (EVP_Digest(data, size, digest, &digest_size, EVP_sha256(), NULL) != 1) return -1;
    return digest_size == AUTH_KEY_SIZE ? 0 : -1;
}

/* base64_encode: standard alphabet with padding; text must hold 4 * ceil(size / 3) + 1. */
static void base64_encode(const uint8_t *bytes, size_t size, char *text)
{
    if (size == 0) {
        text[0] = '\0';
        return;
    }
    EVP_EncodeBlock((unsigned char *)text, bytes, (int)size);
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* base64_decode: strict decoding of text[0..size) (length a multiple of 4, '=' only as the
 * final padding) into bytes (capacity bytes). Returns the decoded size, or -1. */
static long base64_decode(const char *text, size_t size, uint8_t *bytes, size_t capacity)
{
    if (size % 4 != 0) return -1;
    size_t out_size = 0;
    for (size_t group_idx = 0; group_idx < size; group_idx += 4) {
        int values[4];
        int pad_count = 0;
        for (int char_idx = 0; char_idx < 4; char_idx++) {
            char c = text[group_idx + (size_t)char_idx];
            if (c == '=') {
                if (group_idx + 4 != size || char_idx < 2) return -1;
                pad_count++;
                values[char_idx] = 0;
                continue;
            }
            if (pad_count > 0) return -1;
            values[char_idx] = base64_value(c);
            if (values[char_idx] < 0) return -1;
        }
        uint32_t bits = (uint32_t)values[0] << 18 | (uint32_t)values[1] << 12 |
                        (uint32_t)values[2] << 6 | (uint32_t)values[3];
        size_t group_size = 3 - (size_t)pad_count;
        if (out_size + group_size > capacity) return -1;
        bytes[out_size++] = (uint8_t)(bits >> 16);
        if (group_size > 1) bytes[out_size++] = (uint8_t)(bits >> 8);
        if (group_size > 2) bytes[out_size++] = (uint8_t)bits;
    }
    return (long)out_size;
}

/* ---- stored verifiers ---- */

/* parse_scram_verifier: "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>". */
static bool parse_scram_verifier(const char *text, ScramSecret *secret)
{
    static const char prefix[] = "SCRAM-SHA-256$";
    if (strncmp(text, prefix, sizeof prefix - 1) != 0) return false;
    const char *cursor = text + sizeof prefix - 1;
    char *end = NULL;
    if (*cursor < '1' || *cursor > '9') return false;
    errno = 0;
    unsigned long iterations = strtoul(cursor, &end, 10);
    if (errno != 0 || *end != ':' || iterations > AUTH_ITERATIONS_MAX) return false;
    secret->iterations = (uint32_t)iterations;
    const char *salt = end + 1;
    const char *dollar = strchr(salt, '$');
    if (dollar == NULL) return false;
    long salt_size = base64_decode(salt, (size_t)(dollar - salt), secret->salt,
                                   sizeof secret->salt);
    if (salt_size <= 0) return false;
    secret->salt_size = (size_t)salt_size;
    const char *stored = dollar + 1;
    const char *colon = strchr(stored, ':');
    if (colon == NULL) return false;
    if (base64_decode(stored, (size_t)(colon - stored), secret->stored_key, AUTH_KEY_SIZE) !=
        AUTH_KEY_SIZE) {
        return false;
    }
    const char *server = colon + 1;
    return base64_decode(server, strlen(server), secret->server_key, AUTH_KEY_SIZE) ==
           AUTH_KEY_SIZE;
}

static bool parse_md5_verifier(const char *text, char *hex)
{
    if (strncmp(text, "md5", 3) != 0 || strlen(text) != 35) return false;
    for (size_t char_idx = 3; char_idx < 35; char_idx++) {
        char c = text[char_idx];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    memcpy(hex, text + 3, 33);
    return true;
}

/* ---- mock secrets for roles without a usable SCRAM verifier ---- */

static pthread_once_t mock_once = PTHREAD_ONCE_INIT;
static uint8_t mock_secret[AUTH_KEY_SIZE];
static bool mock_secret_ok;

static void mock_secret_init(void)
{
    mock_secret_ok = RAND_bytes(mock_secret, sizeof mock_secret) == 1;
}

/* mock_scram_secret: a salt that depends only on the user name and this process's secret, so
 * repeated attempts for an unknown role see the same salt, as for a real one. */
static int mock_scram_secret(const char *user, ScramSecret *secret)
{
    pthread_once(&mock_once, mock_secret_init);
    if (!mock_secret_ok) return -1;
    uint8_t mac[AUTH_KEY_SIZE];
    if (hmac_sha256(mock_secret, sizeof mock_secret, user, strlen(user), mac) != 0) return -1;
    memset(secret, 0, sizeof *secret);
    secret->iterations = 4096;
    memcpy(secret->salt, mac, AUTH_MOCK_SALT_SIZE);
    secret->salt_size = AUTH_MOCK_SALT_SIZE;
    RAND_bytes(secret->stored_key, AUTH_KEY_SIZE);   /* never matches; value irrelevant */
    RAND_bytes(secret->server_key, AUTH_KEY_SIZE);
    return 0;
}

/* ---- SCRAM computations ---- */

/* scram_keys: StoredKey and ServerKey of password with the secret's salt and iterations. */
static int scram_keys(const char *password, const ScramSecret *secret, uint8_t *stored_key,
                      uint8_t *server_key)
{
    uint8_t salted[AUTH_KEY_SIZE];
    uint8_t client_key[AUTH_KEY_SIZE];
    int status = -1;
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), secret->salt, (int)secret->salt_size,
                          (int)secret->iterations, EVP_sha256(), AUTH_KEY_SIZE, salted) == 1 &&
        hmac_sha256(salted, sizeof salted, "Client Key", 10, client_key) == 0 &&
        sha256(client_key, sizeof client_key, stored_key) == 0 &&
        hmac_sha256(salted, sizeof salted, "Server Key", 10, server_key) == 0) {
        status = 0;
    }
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    return status;
}

/* check_plain_password: password against whatever verifier the state holds. */
static bool check_plain_password(const AuthState *state, const char *password)
{
    if (state->has_scram) {
        uint8_t stored_key[AUTH_KEY_SIZE];
        uint8_t server_key[AUTH_KEY_SIZE];
        bool ok = scram_keys(password, &state->scram, stored_key, server_key) == 0 &&
                  CRYPTO_memcmp(stored_key, state->scram.stored_key, AUTH_KEY_SIZE) == 0 &&
                  CRYPTO_memcmp(server_key, state->scram.server_key, AUTH_KEY_SIZE) == 0;
        OPENSSL_cleanse(stored_key, sizeof stored_key);
        OPENSSL_cleanse(server_key, sizeof server_key);
        return ok;
    }
    if (state->has_md5) {
        char hex[33];
        bool ok = md5_hex(password, strlen(password), state->user, strlen(state->user), hex) == 0 &&
                  CRYPTO_memcmp(hex, state->md5_hex, 32) == 0;
        OPENSSL_cleanse(hex, sizeof hex);
        return ok;
    }
    return false;
}

/* ---- start ---- */

static int start_scram(AuthState *state, AuthOut *out, WireError *error)
{
    if (!state->has_scram) {
        if (mock_scram_secret(state->user, &state->scram) != 0) {
            return wire_error_set(error, "FATAL", "58000", "could not generate random salt");
        }
    }
    state->method = AUTH_METHOD_SCRAM;
    state->step = AUTH_STEP_SCRAM_WAIT_INITIAL;
    static const char mechanisms[] = "SCRAM-SHA-256\0";   /* + the terminating NUL: "\0\0" */
    set_out(state, out, AUTH_CODE_SASL, mechanisms, sizeof mechanisms);
    return 0;
}

int auth_start(AuthMethod method, const char *user, const char *verifier,
               AuthState **state_out, AuthOut *out, WireError *error)
{
    *state_out = NULL;
    out->data = NULL;
    out->size = 0;
    if (user == NULL) user = "";
    if (method == AUTH_METHOD_REJECT) {
        return wire_error_set(error, "FATAL", "28000",
                              "pg_hba.conf rejects connection for user \"%s\"", user);
    }
    AuthState *state = calloc(1, sizeof *state);
    if (state == NULL) return wire_error_set(error, "FATAL", "53200", "out of memory");
    state->user = strdup(user);
    if (state->user == NULL) {
        free(state);
        return wire_error_set(error, "FATAL", "53200", "out of memory");
    }
    state->method = method;
    if (verifier != NULL) {
        state->has_scram = parse_scram_verifier(verifier, &state->scram);
        if (!state->has_scram) state->has_md5 = parse_md5_verifier(verifier, state->md5_hex);
    }
    int status = 0;
    switch (method) {
    case AUTH_METHOD_TRUST:
        state->step = AUTH_STEP_DONE;
        break;
    case AUTH_METHOD_PASSWORD:
        state->step = AUTH_STEP_WAIT_PASSWORD;
        set_out(state, out, AUTH_CODE_CLEARTEXT, NULL, 0);
        break;
    case AUTH_METHOD_MD5:
        if (state->has_scram) {            /* md5 rules accept SCRAM verifiers by running SCRAM */
            status = start_scram(state, out, error);
            break;
        }
        if (RAND_bytes(state->md5_salt, sizeof state->md5_salt) != 1) {
            status = wire_error_set(error, "FATAL", "58000", "could not generate random salt");
            break;
        }
        state->step = AUTH_STEP_WAIT_PASSWORD;
        set_out(state, out, AUTH_CODE_MD5, state->md5_salt, sizeof state->md5_salt);
        break;
    case AUTH_METHOD_SCRAM:
        status = start_scram(state, out, error);
        break;
    default:
        status = wire_error_set(error, "FATAL", "28000", "unsupported authentication method");
        break;
    }
    if (status != 0) {
        out->data = NULL;
        out->size = 0;
        auth_free(state);
        return -1;
    }
    *state_out = state;
    return 0;
}

/* ---- password and md5 ---- */

static int continue_password(AuthState *state, const uint8_t *body, size_t size, bool *done,
                             WireError *error)
{
    /* PasswordMessage: one NUL-terminated string filling the body exactly. */
    if (size == 0 || body[size - 1] != '\0' || memchr(body, '\0', size) != body + size - 1) {
        return fail_protocol(state, error, "invalid password packet size");
    }
    const char *password = (const char *)body;
    if (password[0] == '\0') return fail_password(state, error);   /* PostgreSQL: empty fails */
    bool ok;
    if (state->method == AUTH_METHOD_PASSWORD) {
        ok = check_plain_password(state, password);
    } else {
        /* md5: the client sends "md5" + md5hex(md5hex(password || user) || salt). */
        char expected[36] = "md5";
        ok = state->has_md5 &&
             md5_hex(state->md5_hex, 32, state->md5_salt, sizeof state->md5_salt,
                     expected + 3) == 0 &&
             size - 1 == 35 && CRYPTO_memcmp(expected, password, 35) == 0;
    }
    if (!ok) return fail_password(state, error);
    state->step = AUTH_STEP_DONE;
    *done = true;
    return 0;
}

/* ---- SCRAM messages ---- */

static bool is_printable_nonce(const char *text, size_t size)
{
    if (size == 0) return false;
    for (size_t char_idx = 0; char_idx < size; char_idx++) {
        unsigned char c = (unsigned char)text[char_idx];
        if (c < 0x21 || c > 0x7e || c == ',') return false;
    }
    return true;
}

/* check_extensions: the optional ",name=value..." attributes after the nonce: letters then '=';
 * 'm' (a mandatory extension) is refused as PostgreSQL does. text is NUL-terminated. */
static bool check_extensions(const char *text)
{
    while (*text != '\0') {
        if (text[0] != ',' || !((text[1] >= 'a' && text[1] <= 'z') ||
                                (text[1] >= 'A' && text[1] <= 'Z')) ||
            text[2] != '=' || text[1] == 'm') {
            return false;
        }
        const char *comma = strchr(text + 3, ',');
        text = comma != NULL ? comma : text + strlen(text);
    }
    return true;
}

/* handle_client_first: parse client-first (text, NUL-free, NUL-terminated) and answer with
 * server-first. */
static int handle_client_first(AuthState *state, const char *text, AuthOut *out,
                               WireError *error)
{
    /* gs2-header: cbind flag ',' [authzid] ',' */
    const char *cursor = text;
    if (cursor[0] == 'p') {
        state->step = AUTH_STEP_FAILED;
        return wire_error_set(error, "FATAL", "28000",
                              "channel binding is not supported by this server");
    }
    if ((cursor[0] != 'n' && cursor[0] != 'y') || cursor[1] != ',') {
        return fail_protocol(state, error, "malformed SCRAM message (unexpected channel-binding flag)");
    }
    cursor += 2;
    if (cursor[0] == 'a' && cursor[1] == '=') {
        return fail_protocol(state, error,
                             "client uses authorization identity, but it is not supported");
    }
    if (cursor[0] != ',') {
        return fail_protocol(state, error, "malformed SCRAM message (unexpected attribute)");
    }
    cursor++;
    size_t header_size = (size_t)(cursor - text);
    memcpy(state->gs2_header, text, header_size);
    state->gs2_header[header_size] = '\0';
    /* client-first-message-bare: n=user,r=nonce[,extensions] */
    const char *bare = cursor;
    if (strlen(bare) > AUTH_MESSAGE_SIZE_MAX) {
        return fail_protocol(state, error, "malformed SCRAM message (too long)");
    }
    if (cursor[0] == 'm') {
        return fail_protocol(state, error, "client requires an unsupported SCRAM extension");
    }
    if (cursor[0] != 'n' || cursor[1] != '=') {
        return fail_protocol(state, error, "malformed SCRAM message (expected user name)");
    }
    const char *comma = strchr(cursor + 2, ',');   /* the name is ignored: the startup user counts */
    if (comma == NULL || comma[1] != 'r' || comma[2] != '=') {
        return fail_protocol(state, error, "malformed SCRAM message (expected nonce)");
    }
    const char *nonce = comma + 3;
    const char *nonce_end = strchr(nonce, ',');
    if (nonce_end == NULL) nonce_end = nonce + strlen(nonce);
    size_t nonce_size = (size_t)(nonce_end - nonce);
    if (!is_printable_nonce(nonce, nonce_size) || !check_extensions(nonce_end)) {
        return fail_protocol(state, error, "malformed SCRAM message (invalid nonce or extension)");
    }
    strcpy(state->client_first_bare, bare);
    /* server-first: r=<client nonce><server nonce>,s=<salt>,i=<iterations> */
    uint8_t random[AUTH_SERVER_NONCE_SIZE];
    if (RAND_bytes(random, sizeof random) != 1) {
        state->step = AUTH_STEP_FAILED;
        return wire_error_set(error, "FATAL", "58000", "could not generate random nonce");
    }
    char server_nonce[4 * AUTH_SERVER_NONCE_SIZE / 3 + 4];
    base64_encode(random, sizeof random, server_nonce);
    memcpy(state->nonce, nonce, nonce_size);
    strcpy(state->nonce + nonce_size, server_nonce);
    char salt[4 * AUTH_SALT_SIZE_MAX / 3 + 8];
    base64_encode(state->scram.salt, state->scram.salt_size, salt);
    int written = snprintf(state->server_first, sizeof state->server_first, "r=%s,s=%s,i=%u",
                           state->nonce, salt, (unsigned)state->scram.iterations);
    if (written < 0 || (size_t)written >= sizeof state->server_first) {
        return fail_protocol(state, error, "malformed SCRAM message (too long)");
    }
    state->step = AUTH_STEP_SCRAM_WAIT_FINAL;
    set_out(state, out, AUTH_CODE_SASL_CONTINUE, state->server_first, (size_t)written);
    return 0;
}

/* handle_client_final: c=<base64 gs2 header>,r=<nonce>[,ext],p=<base64 proof>; verify the
 * proof and answer with server-final. */
static int handle_client_final(AuthState *state, const char *text, AuthOut *out, bool *done,
                               WireError *error)
{
    if (strncmp(text, "c=", 2) != 0) {
        return fail_protocol(state, error, "malformed SCRAM message (expected channel binding)");
    }
    const char *binding = text + 2;
    const char *comma = strchr(binding, ',');
    if (comma == NULL) {
        return fail_protocol(state, error, "malformed SCRAM message (expected nonce)");
    }
    uint8_t header[AUTH_MESSAGE_SIZE_MAX];
    long header_size = base64_decode(binding, (size_t)(comma - binding), header, sizeof header);
    if (header_size < 0) {
        return fail_protocol(state, error, "malformed SCRAM message (invalid base64)");
    }
    if ((size_t)header_size != strlen(state->gs2_header) ||
        memcmp(header, state->gs2_header, (size_t)header_size) != 0) {
        return fail_protocol(state, error, "SCRAM channel binding check failed");
    }
    if (strncmp(comma + 1, "r=", 2) != 0) {
        return fail_protocol(state, error, "malformed SCRAM message (expected nonce)");
    }
    const char *nonce = comma + 3;
    const char *nonce_end = strchr(nonce, ',');
    if (nonce_end == NULL) {
        return fail_protocol(state, error, "malformed SCRAM message (expected proof)");
    }
    size_t nonce_size = (size_t)(nonce_end - nonce);
    if (nonce_size != strlen(state->nonce) || memcmp(nonce, state->nonce, nonce_size) != 0) {
        return fail_protocol(state, error, "SCRAM nonce mismatch");
    }
    const char *proof_attr = strrchr(nonce_end, ',');     /* the proof is the last attribute */
    if (proof_attr == NULL || strncmp(proof_attr, ",p=", 3) != 0) {
        return fail_protocol(state, error, "malformed SCRAM message (expected proof)");
    }
    char extensions[AUTH_MESSAGE_SIZE_MAX + 1];
    size_t extensions_size = (size_t)(proof_attr - nonce_end);
    memcpy(extensions, nonce_end, extensions_size);
    extensions[extensions_size] = '\0';
    if (!check_extensions(extensions)) {
        return fail_protocol(state, error, "malformed SCRAM message (invalid extension)");
    }
    const char *proof_text = proof_attr + 3;
    uint8_t proof[AUTH_KEY_SIZE + 3];
    if (base64_decode(proof_text, strlen(proof_text), proof, sizeof proof) != AUTH_KEY_SIZE) {
        return fail_protocol(state, error, "malformed SCRAM message (invalid proof)");
    }
    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    size_t without_proof_size = (size_t)(proof_attr - text);
    size_t bare_size = strlen(state->client_first_bare);
    size_t first_size = strlen(state->server_first);
    size_t message_size = bare_size + 1 + first_size + 1 + without_proof_size;
    char *message = malloc(message_size);
    if (message == NULL) {
        state->step = AUTH_STEP_FAILED;
        return wire_error_set(error, "FATAL", "53200", "out of memory");
    }
    memcpy(message, state->client_first_bare, bare_size);
    message[bare_size] = ',';
    memcpy(message + bare_size + 1, state->server_first, first_size);
    message[bare_size + 1 + first_size] = ',';
    memcpy(message + bare_size + 2 + first_size, text, without_proof_size);
    uint8_t signature[AUTH_KEY_SIZE];
    uint8_t client_key[AUTH_KEY_SIZE];
    uint8_t stored_key[AUTH_KEY_SIZE];
    uint8_t server_signature[AUTH_KEY_SIZE];
    bool ok = hmac_sha256(state->scram.stored_key, AUTH_KEY_SIZE, message, message_size,
                          signature) == 0;
    if (ok) {
        for (size_t byte_idx = 0; byte_idx < AUTH_KEY_SIZE; byte_idx++) {
            client_key[byte_idx] = proof[byte_idx] ^ signature[byte_idx];
        }
        ok = sha256(client_key, sizeof client_key, stored_key) == 0 &&
             CRYPTO_memcmp(stored_key, state->scram.stored_key, AUTH_KEY_SIZE) == 0 &&
             state->has_scram;
    }
    ok = ok && hmac_sha256(state->scram.server_key, AUTH_KEY_SIZE, message, message_size,
                           server_signature) == 0;
    free(message);
    OPENSSL_cleanse(client_key, sizeof client_key);
    if (!ok) return fail_password(state, error);
    char final[2 + 4 * AUTH_KEY_SIZE / 3 + 8] = "v=";
    base64_encode(server_signature, sizeof server_signature, final + 2);
    set_out(state, out, AUTH_CODE_SASL_FINAL, final, strlen(final));
    state->step = AUTH_STEP_DONE;
    *done = true;
    return 0;
}

/* copy_message: data[0..size) as a NUL-terminated string in buffer; NUL bytes inside are refused. */
static int copy_message(AuthState *state, const uint8_t *data, size_t size, char *buffer,
                        size_t capacity, WireError *error)
{
    if (size >= capacity || size > AUTH_MESSAGE_SIZE_MAX) {
        return fail_protocol(state, error, "malformed SCRAM message (too long)");
    }
    if (size == 0 || memchr(data, '\0', size) != NULL) {
        return fail_protocol(state, error, "malformed SCRAM message (empty or contains NUL)");
    }
    memcpy(buffer, data, size);
    buffer[size] = '\0';
    return 0;
}

/* continue_scram_initial: SASLInitialResponse: mechanism name, int32 length (-1: none), data. */
static int continue_scram_initial(AuthState *state, const uint8_t *body, size_t size,
                                  AuthOut *out, WireError *error)
{
    const uint8_t *name_end = memchr(body, '\0', size);
    if (name_end == NULL) return fail_protocol(state, error, "malformed SASL message");
    if (strcmp((const char *)body, "SCRAM-SHA-256") != 0) {
        return fail_protocol(state, error,
                             "client selected an invalid SASL authentication mechanism");
    }
    size_t rest = size - (size_t)(name_end + 1 - body);
    if (rest < 4) return fail_protocol(state, error, "malformed SASL message");
    int32_t length = get_int32(name_end + 1);
    const uint8_t *data = name_end + 5;
    rest -= 4;
    if (length == -1 && rest == 0) {
        state->step = AUTH_STEP_SCRAM_WAIT_FIRST;
        set_out(state, out, AUTH_CODE_SASL_CONTINUE, NULL, 0);
        return 0;
    }
    if (length < 0 || (size_t)length != rest) {
        return fail_protocol(state, error, "malformed SASL message (length mismatch)");
    }
    char text[AUTH_MESSAGE_SIZE_MAX + 1];
    if (copy_message(state, data, rest, text, sizeof text, error) != 0) return -1;
    return handle_client_first(state, text, out, error);
}

int auth_continue(AuthState *state, const uint8_t *body, size_t size, AuthOut *out,
                  bool *done, WireError *error)
{
    out->data = NULL;
    out->size = 0;
    *done = false;
    if (state == NULL) return wire_error_set(error, "FATAL", "08P01", "unexpected password message");
    if (body == NULL) size = 0;
    char text[AUTH_MESSAGE_SIZE_MAX + 1];
    switch (state->step) {
    case AUTH_STEP_WAIT_PASSWORD:
        return continue_password(state, body, size, done, error);
    case AUTH_STEP_SCRAM_WAIT_INITIAL:
        if (size == 0) return fail_protocol(state, error, "malformed SASL message");
        return continue_scram_initial(state, body, size, out, error);
    case AUTH_STEP_SCRAM_WAIT_FIRST:
        if (copy_message(state, body, size, text, sizeof text, error) != 0) return -1;
        return handle_client_first(state, text, out, error);
    case AUTH_STEP_SCRAM_WAIT_FINAL:
        if (copy_message(state, body, size, text, sizeof text, error) != 0) return -1;
        return handle_client_final(state, text, out, done, error);
    case AUTH_STEP_DONE:
        return wire_error_set(error, "FATAL", "08P01",
                              "unexpected password message: authentication is complete");
    case AUTH_STEP_FAILED:
        break;
    }
    return wire_error_set(error, "FATAL", "28P01", "password authentication failed for user \"%s\"",
                          state->user);
}

void auth_free(AuthState *state)
{
    if (state == NULL) return;
    free(state->user);
    OPENSSL_cleanse(state, sizeof *state);
    free(state);
}
