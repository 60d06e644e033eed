/* tools/slt_birch_none.c: slt without the embedded engine (BIRCH_SLT_EMBEDDED=OFF, the
 * default until executor/ implements include/birch.h): `--engine birch` is refused. */
#include "slt.h"

const SltEngine *const slt_engine_birch = NULL;
