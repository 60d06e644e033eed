/* executor/kern_catalog_session.c: the session's backend id (include/birch.h, the block added
 * by catfuncs): pg_backend_pid() reads db->backend_pid; a server sets it to the pid of its
 * BackendKeyData. */
#include "executor/session.h"

int32_t birch_backend_pid(const birch_db *db)
{
    return db != NULL ? db->backend_pid : 0;
}

void birch_set_backend_pid(birch_db *db, int32_t pid)
{
    if (db != NULL && pid > 0) db->backend_pid = pid;
}
