/* wire/tls.c: server-side TLS on OpenSSL's libssl for non-blocking sockets (wire/tls.h).
 *
 * One SSL_CTX per server (TLS 1.2 minimum, no compression, no renegotiation, no session
 * tickets needed by libpq), one SSL per connection bound to its fd. Every call drains
 * OpenSSL's thread-local error queue before returning, so an error of one connection never
 * shows up in a later call for another (tls.h invariant 2). SSL_write is used with partial
 * writes and a moving buffer allowed, since the caller retries with whatever it still holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "wire/tls.h"

struct TlsContext {
    SSL_CTX *ctx;
};

struct TlsConn {
    SSL *ssl;
    int  fd;
};

/* error_text: the first queued OpenSSL error as text (the queue is cleared). */
static void error_text(char *text, size_t size)
{
    unsigned long code = ERR_get_error();
    if (code == 0) {
        snprintf(text, size, "unknown TLS error");
    } else {
        ERR_error_string_n(code, text, size);
    }
    ERR_clear_error();
}

static int file_check(const char *path, const char *what, WireError *error)
{
    struct stat info;
    if (path == NULL) {
        return wire_error_set(error, "FATAL", "F0000", "no TLS %s file configured", what);
    }
    if (stat(path, &info) != 0) {
        int saved_errno = errno;
        return wire_error_set(error, "FATAL", saved_errno == ENOENT ? "58P01" : "58030",
                              "could not access %s file \"%s\": %s", what, path,
                              strerror(saved_errno));
    }
    return 0;
}

int tls_context_new(const char *cert_path, const char *key_path, TlsContext **context_out,
                    WireError *error)
{
    *context_out = NULL;
    if (file_check(cert_path, "certificate", error) != 0) return -1;
    if (file_check(key_path, "private key", error) != 0) return -1;
    ERR_clear_error();
    char reason[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        error_text(reason, sizeof reason);
        return wire_error_set(error, "FATAL", "58000", "could not create TLS context: %s", reason);
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
        error_text(reason, sizeof reason);
        SSL_CTX_free(ctx);
        return wire_error_set(error, "FATAL", "F0000", "could not load server certificate file \"%s\": %s",
                              cert_path, reason);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
        error_text(reason, sizeof reason);
        SSL_CTX_free(ctx);
        return wire_error_set(error, "FATAL", "F0000", "could not load private key file \"%s\": %s",
                              key_path, reason);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        error_text(reason, sizeof reason);
        SSL_CTX_free(ctx);
        return wire_error_set(error, "FATAL", "F0000",
                              "private key file \"%s\" does not match certificate \"%s\": %s",
                              key_path, cert_path, reason);
    }
    TlsContext *context = calloc(1, sizeof *context);
    if (context == NULL) {
        SSL_CTX_free(ctx);
        return wire_error_set(error, "FATAL", "53200", "out of memory");
    }
    context->ctx = ctx;
    ERR_clear_error();
    *context_out = context;
    return 0;
}

void tls_context_free(TlsContext *context)
{
    if (context == NULL) return;
    SSL_CTX_free(context->ctx);
    free(context);
}

int tls_conn_new(TlsContext *context, int fd, TlsConn **conn_out, WireError *error)
{
    *conn_out = NULL;
    ERR_clear_error();
    TlsConn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) return wire_error_set(error, "FATAL", "53200", "out of memory");
    conn->fd = fd;
    conn->ssl = SSL_new(context->ctx);
    char reason[256];
    if (conn->ssl == NULL || SSL_set_fd(conn->ssl, fd) != 1) {
        error_text(reason, sizeof reason);
        SSL_free(conn->ssl);
        free(conn);
        return wire_error_set(error, "FATAL", "08006", "could not set up TLS connection: %s",
                              reason);
    }
    SSL_set_accept_state(conn->ssl);
    *conn_out = conn;
    return 0;
}

void tls_conn_free(TlsConn *conn)
{
    if (conn == NULL) return;
    /* A non-blocking SSL_shutdown sends close_notify if the socket takes it, never waits for
     * the peer's; a handshake that never finished has nothing to close. */
    if (SSL_is_init_finished(conn->ssl)) {
        SSL_set_quiet_shutdown(conn->ssl, 0);
        (void)SSL_shutdown(conn->ssl);
    }
    ERR_clear_error();
    SSL_free(conn->ssl);
    free(conn);
}

/* map_result: an SSL_* call's result into the tls.h convention; the error queue is drained. */
static int map_result(TlsConn *conn, int result, WireError *error, const char *what)
{
    int code = SSL_get_error(conn->ssl, result);
    int saved_errno = errno;
    char reason[256];
    switch (code) {
    case SSL_ERROR_WANT_READ:
        ERR_clear_error();
        return TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        ERR_clear_error();
        return TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        ERR_clear_error();
        return 0;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() != 0) {
            error_text(reason, sizeof reason);
        } else if (result == 0 || saved_errno == 0) {
            snprintf(reason, sizeof reason, "unexpected end of file");
        } else {
            snprintf(reason, sizeof reason, "%s", strerror(saved_errno));
        }
        ERR_clear_error();
        break;
    default:
        error_text(reason, sizeof reason);
        break;
    }
    if (error != NULL) wire_error_set(error, "FATAL", "08P01", "TLS %s failed: %s", what, reason);
    return TLS_FAILED;
}

int tls_handshake(TlsConn *conn, WireError *error)
{
    ERR_clear_error();
    int result = SSL_do_handshake(conn->ssl);
    if (result == 1) {
        ERR_clear_error();
        return 0;
    }
    int mapped = map_result(conn, result, error, "handshake");
    if (mapped == 0) {   /* the peer closed during the handshake */
        if (error != NULL) {
            wire_error_set(error, "FATAL", "08P01", "TLS handshake failed: connection closed");
        }
        return TLS_FAILED;
    }
    return mapped;
}

ssize_t tls_read(TlsConn *conn, void *buf, size_t size)
{
    if (size == 0) return 0;
    ERR_clear_error();
    size_t done_size = 0;
    int result = SSL_read_ex(conn->ssl, buf, size, &done_size);
    if (result == 1) {
        ERR_clear_error();
        return (ssize_t)done_size;
    }
    return map_result(conn, result, NULL, "read");
}

ssize_t tls_write(TlsConn *conn, const void *buf, size_t size)
{
    if (size == 0) return 0;
    ERR_clear_error();
    size_t done_size = 0;
    int result = SSL_write_ex(conn->ssl, buf, size, &done_size);
    if (result == 1) {
        ERR_clear_error();
        return (ssize_t)done_size;
    }
    int mapped = map_result(conn, result, NULL, "write");
    return mapped == 0 ? TLS_FAILED : mapped;    /* close_notify while writing: broken */
}

size_t tls_pending(const TlsConn *conn)
{
    int pending = SSL_pending(conn->ssl);
    return pending > 0 ? (size_t)pending : 0;
}

const char *tls_version(const TlsConn *conn)
{
    return SSL_get_version(conn->ssl);
}
