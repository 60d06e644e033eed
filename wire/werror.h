/* wire/werror.h: the server's own error value. wire/ may call only include/birch.h, so errors
 * that arise in the server itself (protocol violations, authentication, TLS, limits) use this
 * small struct, and errors from statements arrive as birch_error (include/birch.h); both are
 * sent as ErrorResponse with the same fields. */
#ifndef BIRCH_WIRE_WERROR_H
#define BIRCH_WIRE_WERROR_H

#include <stdarg.h>

typedef struct WireError {
    const char *severity;     /* "ERROR" or "FATAL" (a FATAL closes the connection) */
    char        sqlstate[6];  /* five characters and NUL */
    char        message[256];
    char        detail[256];  /* "" if none */
} WireError;

/* wire_error_set: fill *error (NULL allowed: ignored) with severity, sqlstate and a printf
 * message; detail is cleared. Returns -1 so callers can `return wire_error_set(...)`. */
int wire_error_set(WireError *error, const char *severity, const char *sqlstate,
                   const char *format, ...) __attribute__((format(printf, 4, 5)));

#endif
