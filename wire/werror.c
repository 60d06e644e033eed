/* wire/werror.c: wire_error_set (werror.h). */
#include <stdio.h>
#include <string.h>

#include "wire/werror.h"

int wire_error_set(WireError *error, const char *severity, const char *sqlstate,
                   const char *format, ...)
{
    if (error == NULL) return -1;
    error->severity = severity != NULL ? severity : "ERROR";
    snprintf(error->sqlstate, sizeof error->sqlstate, "%s", sqlstate != NULL ? sqlstate : "XX000");
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    error->detail[0] = '\0';
    return -1;
}
