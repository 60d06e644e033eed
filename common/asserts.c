/* common/asserts.c: the assert handler, the only place library code aborts. */
#include "common/asserts.h"

#include <stdio.h>
#include <stdlib.h>

_Noreturn void assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "birch: internal assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}
