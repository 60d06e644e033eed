/* common/pwhash.c: password verifiers in PostgreSQL's formats (common/pwhash.h) on libcrypto.
 *
 * SCRAM-SHA-256 (RFC 5802 / 7677): SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, i),
 * StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword,
 * "Server Key"); the verifier keeps i, the salt and both keys, never SaltedPassword. The
 * password is used as given: PostgreSQL applies SASLprep first, which leaves every ASCII
 * password (and every password already in NFKC form without mapped characters) unchanged.
 * md5: "md5" + hex(md5(password || user)), as PostgreSQL's md5 method stores it.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/pwhash.h"

static Error *crypto_failed(const char *what)
{
    return err_new(SQLSTATE_SYSTEM_ERROR, "could not compute %s", what);
}

static Error *out_of_memory(void)
{
    return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
}

/* base64_size: characters of the base64 text of size bytes, with padding (no NUL). */
static size_t base64_size(size_t size)
{
    return (size + 2) / 3 * 4;
}

Error *pwhash_scram_verifier(Arena *arena, const char *password, const char **verifier_out)
{
    *verifier_out = NULL;
    uint8_t salt[PWHASH_SCRAM_SALT_SIZE];
    if (RAND_bytes(salt, sizeof salt) != 1) {
        return err_new(SQLSTATE_SYSTEM_ERROR, "could not generate random salt");
    }
    uint8_t salted[PWHASH_SCRAM_KEY_SIZE];
    uint8_t client_key[PWHASH_SCRAM_KEY_SIZE];
    uint8_t stored_key[PWHASH_SCRAM_KEY_SIZE];
    uint8_t server_key[PWHASH_SCRAM_KEY_SIZE];
    unsigned int size = 0;
    bool ok = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)sizeof salt,
                                PWHASH_SCRAM_ITERATIONS, EVP_sha256(), (int)sizeof salted,
                                salted) == 1;
    ok = ok && HMAC(EVP_sha256(), salted, (int)sizeof salted, (const uint8_t *)"Client Key", 10,
                    client_key, &size) != NULL && size == PWHASH_SCRAM_KEY_SIZE;
    ok = ok && EVP_Digest(client_key, sizeof client_key, stored_key, &size, EVP_sha256(),
                          NULL) == 1 && size == PWHASH_SCRAM_KEY_SIZE;
    ok = ok && HMAC(EVP_sha256(), salted, (int)sizeof salted, (const uint8_t *)"Server Key", 10,
                    server_key, &size) != NULL && size == PWHASH_SCRAM_KEY_SIZE;
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    if (!ok) return crypto_failed("SCRAM-SHA-256 verifier");
    /* "SCRAM-SHA-256$4096:" salt "$" stored ":" server */
    size_t total = strlen("SCRAM-SHA-256$") + 12 + base64_size(sizeof salt) + 1 +
                   2 * base64_size(PWHASH_SCRAM_KEY_SIZE) + 1 + 1;
    char *text = arena_alloc(arena, total);
    if (text == NULL) return out_of_memory();
    int prefix_size = snprintf(text, total, "SCRAM-SHA-256$%d:", PWHASH_SCRAM_ITERATIONS);
    char *cursor = text + prefix_size;
    cursor += EVP_EncodeBlock((unsigned char *)cursor, salt, (int)sizeof salt);
    *cursor++ = '$';
    cursor += EVP_EncodeBlock((unsigned char *)cursor, stored_key, (int)sizeof stored_key);
    *cursor++ = ':';
    cursor += EVP_EncodeBlock((unsigned char *)cursor, server_key, (int)sizeof server_key);
    *cursor = '\0';
    *verifier_out = text;
    return NULL;
}

Error *pwhash_md5_verifier(Arena *arena, const char *password, const char *user,
                           const char **verifier_out)
{
    *verifier_out = NULL;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    bool ok = context != NULL && EVP_DigestInit_ex(context, EVP_md5(), NULL) == 1 &&
              EVP_DigestUpdate(context, password, strlen(password)) == 1 &&
              EVP_DigestUpdate(context, user, strlen(user)) == 1 &&
              EVP_DigestFinal_ex(context, digest, &digest_size) == 1 && digest_size == 16;
    EVP_MD_CTX_free(context);
    if (!ok) return crypto_failed("md5 verifier");
    char *text = arena_alloc(arena, 3 + 32 + 1);
    if (text == NULL) return out_of_memory();
    static const char digits[] = "0123456789abcdef";
    memcpy(text, "md5", 3);
    for (size_t byte_idx = 0; byte_idx < 16; byte_idx++) {
        text[3 + 2 * byte_idx] = digits[digest[byte_idx] >> 4];
        text[3 + 2 * byte_idx + 1] = digits[digest[byte_idx] & 15];
    }
    text[35] = '\0';
    *verifier_out = text;
    return NULL;
}

/* is_base64: text[0..size) is non-empty padded base64 decoding to expected_size bytes (0: any
 * non-zero size). */
static bool is_base64(const char *text, size_t size, size_t expected_size)
{
    if (size == 0 || size % 4 != 0) return false;
    size_t padding = 0;
    for (size_t char_idx = 0; char_idx < size; char_idx++) {
        char c = text[char_idx];
        bool digit = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
        if (c == '=') {
            if (char_idx + 2 < size) return false;
            padding++;
        } else if (!digit || padding > 0) {
            return false;
        }
    }
    size_t decoded = size / 4 * 3 - padding;
    return expected_size == 0 ? decoded > 0 : decoded == expected_size;
}

static bool is_scram_verifier(const char *text)
{
    static const char prefix[] = "SCRAM-SHA-256$";
    if (strncmp(text, prefix, sizeof prefix - 1) != 0) return false;
    const char *cursor = text + sizeof prefix - 1;
    size_t digit_count = 0;
    while (cursor[digit_count] >= '0' && cursor[digit_count] <= '9') digit_count++;
    if (digit_count == 0 || digit_count > 9 || cursor[0] == '0' || cursor[digit_count] != ':') {
        return false;
    }
    const char *salt = cursor + digit_count + 1;
    const char *dollar = strchr(salt, '$');
    if (dollar == NULL || !is_base64(salt, (size_t)(dollar - salt), 0)) return false;
    const char *stored = dollar + 1;
    const char *colon = strchr(stored, ':');
    if (colon == NULL || !is_base64(stored, (size_t)(colon - stored), PWHASH_SCRAM_KEY_SIZE)) {
        return false;
    }
    const char *server = colon + 1;
    return is_base64(server, strlen(server), PWHASH_SCRAM_KEY_SIZE);
}

bool pwhash_is_verifier(const char *text)
{
    if (text == NULL) return false;
    if (strncmp(text, "md5", 3) == 0 && strlen(text) == 35) {
        for (size_t char_idx = 3; char_idx < 35; char_idx++) {
            char c = text[char_idx];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }
    return is_scram_verifier(text);
}
