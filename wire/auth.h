/* wire/auth.h: client authentication for the server: the access-rules file (which method for
 * which connection) and the exchanges of each method, as PostgreSQL's protocol runs them.
 *
 * The connection code (wire/conn*.c) drives an exchange without knowing the method:
 *   AuthMethod m = auth_rules_match(rules, &who);
 *   auth_start(m, user, verifier, &state, &out)   -> send out as the body of an 'R' message
 *   on each PasswordMessage / SASLInitialResponse / SASLResponse ('p') from the client:
 *   auth_continue(state, body, size, &out, &done) -> send out if out.size > 0 ('R');
 *                                                  done && no error: send AuthenticationOk.
 * An error (28P01 `password authentication failed for user "x"`, 28000 for a reject rule or no
 * rule, 08P01 for a malformed message) is sent as a FATAL ErrorResponse and the connection is
 * closed. Verifiers come from birch_role_verifier (include/birch.h) in the formats of
 * common/pwhash.h (made there by CREATE ROLE); checking them (parse, HMAC, SHA-256, base64,
 * constant-time compare) is this file's own, on libcrypto, since wire/ calls only birch.h.
 *
 * Access rules file (a subset of pg_hba.conf, same syntax): one rule per line,
 *   TYPE DATABASE USER [ADDRESS] METHOD
 * TYPE local | host | hostssl | hostnossl; DATABASE/USER a name, `all`, or a comma list;
 * ADDRESS an IPv4/IPv6 CIDR (`127.0.0.1/32`, `::1/128`, `0.0.0.0/0`) or `all` (host* only);
 * METHOD trust | reject | password | md5 | scram-sha-256. `#` starts a comment. The first
 * matching rule wins; no match is a rejection (28000 `no pg_hba.conf entry for host "...",
 * user "...", database "..."`). With no file the rules are `local all all trust` and
 * `host all all all trust` (the default configuration `birch serve` prints).
 * md5 rules accept SCRAM verifiers by running SCRAM, as PostgreSQL does.
 *
 * Functions returning int return 0 on success and -1 with *error filled on failure.
 *
 * Invariants:
 * 1. Every byte from the client is untrusted: malformed SASL messages give 08P01 or 28P01,
 *    never a crash, an out-of-bounds read, or a hang.
 * 2. A wrong password, an unknown role and a role without a password fail identically (28P01
 *    after the full exchange), so a client cannot probe which roles exist.
 * 3. SCRAM-SHA-256 without channel binding ("n,,"), as libpq uses it over plain TCP and
 *    without SCRAM-SHA-256-PLUS; a client asking for channel binding ("p=...") is refused with
 *    28000 unless TLS offers tls-server-end-point (optional).
 */
#ifndef BIRCH_WIRE_AUTH_H
#define BIRCH_WIRE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire/werror.h"

typedef enum AuthMethod {
    AUTH_METHOD_REJECT = 0,
    AUTH_METHOD_TRUST,
    AUTH_METHOD_PASSWORD,     /* AuthenticationCleartextPassword (3) */
    AUTH_METHOD_MD5,          /* AuthenticationMD5Password (5) + salt */
    AUTH_METHOD_SCRAM,        /* AuthenticationSASL (10) "SCRAM-SHA-256" */
} AuthMethod;

typedef enum AuthConnType {
    AUTH_CONN_LOCAL,          /* Unix-domain socket */
    AUTH_CONN_HOST,           /* TCP without TLS */
    AUTH_CONN_HOSTSSL,        /* TCP with TLS */
} AuthConnType;

/* AuthWho: what a rule matches against. */
typedef struct AuthWho {
    AuthConnType            conn_type;
    const struct sockaddr  *address;       /* NULL for local */
    socklen_t               address_size;
    const char             *database;
    const char             *user;
} AuthWho;

typedef struct AuthRules AuthRules;

/* auth_rules_load: parse the rules file at path (NULL: the trust-everyone defaults).
 * Errors: 58P01 if the file is missing, F0000 (config_file_error) naming the line of a bad
 * rule. */
int    auth_rules_load(const char *path, AuthRules **rules_out, WireError *error);
void   auth_rules_free(AuthRules *rules);
/* auth_rules_match: the method of the first matching rule, AUTH_METHOD_REJECT if none.
 * *line_out (if not NULL) gets the rule's line number, 0 when nothing matched. */
AuthMethod auth_rules_match(const AuthRules *rules, const AuthWho *who, int *line_out);
const char *auth_method_name(AuthMethod method);   /* "trust", "scram-sha-256", ... */

/* AuthOut: the body of the next 'R' message (int32 code + data), in the state's buffer. */
typedef struct AuthOut {
    const uint8_t *data;
    size_t         size;      /* 0: nothing to send */
} AuthOut;

typedef struct AuthState AuthState;

/* auth_start: begin method's exchange for user; verifier is the role's stored verifier (NULL:
 * no password or unknown role: the exchange still runs and fails at the end). For TRUST the
 * exchange is done at once (out.size 0; the caller sends AuthenticationOk); REJECT fails with
 * 28000. */
int    auth_start(AuthMethod method, const char *user, const char *verifier,
                  AuthState **state_out, AuthOut *out, WireError *error);
/* auth_continue: the body of the client's 'p' message. Sets *done when the exchange succeeded;
 * out may carry a last message to send first (SCRAM's AuthenticationSASLFinal). */
int    auth_continue(AuthState *state, const uint8_t *body, size_t size, AuthOut *out,
                     bool *done, WireError *error);
void   auth_free(AuthState *state);     /* NULL allowed; wipes secrets */

#endif
