/* wire/tls.h: TLS for the server's connections through OpenSSL (libssl), non-blocking.
 *
 * The server answers an SSLRequest with 'S' when a TlsContext exists (a certificate and key
 * were configured) and 'N' otherwise; after 'S' it wraps the socket with tls_conn_new and runs
 * tls_handshake on each readiness event until it returns TLS_OK. From then on every byte of
 * that connection goes through tls_read / tls_write.
 *
 * Return convention of tls_handshake / tls_read / tls_write: >= 0 done (bytes moved for
 * read/write; 0 from tls_read is a clean close), TLS_WANT_READ / TLS_WANT_WRITE: retry when
 * the socket is readable / writable (note: a read may need the socket writable, and a write
 * readable, during renegotiation), TLS_FAILED: the connection is broken (close it; the reason
 * is in *error when asked).
 *
 * Invariants:
 * 1. Only TLS 1.2 and later; the context is shared read-only by every connection.
 * 2. A TLS failure of one connection never affects another, and never aborts the process
 *    (SIGPIPE is ignored by the server; libssl errors are drained per call).
 */
#ifndef BIRCH_WIRE_TLS_H
#define BIRCH_WIRE_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "wire/werror.h"

enum {
    TLS_WANT_READ = -1,
    TLS_WANT_WRITE = -2,
    TLS_FAILED = -3,
};

typedef struct TlsContext TlsContext;
typedef struct TlsConn TlsConn;

/* tls_context_new: a server context from PEM files. Errors: 58P01 for a missing file, F0000
 * for a certificate/key that does not load or does not match, naming the file. */
int    tls_context_new(const char *cert_path, const char *key_path, TlsContext **context_out,
                       WireError *error);   /* 0, or -1 with *error */
void   tls_context_free(TlsContext *context);
/* tls_conn_new: wrap the connected non-blocking socket fd (server side). */
int    tls_conn_new(TlsContext *context, int fd, TlsConn **conn_out, WireError *error);
void   tls_conn_free(TlsConn *conn);     /* sends close_notify if it can; never blocks */
int    tls_handshake(TlsConn *conn, WireError *error);
ssize_t tls_read(TlsConn *conn, void *buf, size_t size);
ssize_t tls_write(TlsConn *conn, const void *buf, size_t size);
/* tls_pending: bytes already decrypted and buffered (read them before waiting on the socket). */
size_t tls_pending(const TlsConn *conn);
const char *tls_version(const TlsConn *conn);   /* "TLSv1.3", for logging and \conninfo */
#endif
