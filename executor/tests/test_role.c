/* executor/tests/test_role.c: roles through include/birch.h: CREATE / ALTER / DROP ROLE and
 * USER, their errors and NOTICEs, transactional role DDL, the stored verifier formats
 * (SCRAM-SHA-256 by default, md5 under password_encryption = 'md5', verifiers stored as given),
 * birch_role_verifier, birch_open's role check, current_user / session_user, and roles
 * surviving a reopen. The md5 constant is PostgreSQL 15's (CREATE ROLE u PASSWORD 'p' with
 * password_encryption = 'md5', read from pg_authid). */
#include <check.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor/tests/exec_harness.h"
#include "include/birch.h"

static birch_db *open_as(const char *path, const char *user)
{
    birch_db *db = NULL;
    birch_open_options options = {.struct_size = sizeof options, .create = true, .user = user};
    int rc = birch_open(path, &options, &db);
    ck_assert_msg(rc == BIRCH_OK, "birch_open as %s: %s", user != NULL ? user : "(owner)",
                  eh_error_text(db));
    return db;
}

/* query_one: the first column of the only row, malloc'd ("NULL" for SQL NULL). */
static char *query_one(birch_db *db, const char *sql)
{
    birch_stmt *stmt = NULL;
    int rc = birch_prepare(db, sql, -1, &stmt, NULL);
    ck_assert_msg(rc == BIRCH_OK && stmt != NULL, "prepare %s: %s", sql, eh_error_text(db));
    ck_assert_msg(birch_step(stmt) == BIRCH_ROW, "%s: no row: %s", sql, eh_error_text(db));
    size_t size = 0;
    const char *text = birch_column_text(stmt, 0, &size);
    char *copy = strdup(text != NULL ? text : "NULL");
    ck_assert_int_eq(birch_step(stmt), BIRCH_DONE);
    birch_finalize(stmt);
    return copy;
}

/* verifier_of: the role's stored verifier ("" for none; "ERROR <sqlstate>" when refused). */
static char *verifier_of(birch_db *db, const char *role)
{
    const char *verifier = (const char *)1;
    int rc = birch_role_verifier(db, role, &verifier);
    char text[512];
    if (rc != BIRCH_OK) {
        ck_assert_ptr_null(verifier);
        snprintf(text, sizeof text, "ERROR %s %s", birch_last_error(db)->sqlstate,
                 birch_last_error(db)->message);
    } else {
        snprintf(text, sizeof text, "%s", verifier != NULL ? verifier : "");
    }
    return strdup(text);
}

#define VERIFIER_IS(db, role, expected)                                                      \
    do {                                                                                     \
        char *actual_ = verifier_of((db), (role));                                           \
        ck_assert_msg(strcmp(actual_, (expected)) == 0, "verifier of %s: %s, want %s",       \
                      (role), actual_, (expected));                                          \
        free(actual_);                                                                       \
    } while (0)

static bool verifier_starts(birch_db *db, const char *role, const char *prefix)
{
    char *actual = verifier_of(db, role);
    bool starts = strncmp(actual, prefix, strlen(prefix)) == 0;
    free(actual);
    return starts;
}

static const char *os_user(void)
{
    struct passwd *entry = getpwuid(geteuid());
    return entry != NULL && entry->pw_name != NULL ? entry->pw_name : "birch";
}

typedef struct Notices {
    int  count;
    char last[256];
} Notices;

static void on_notice(void *ctx, const birch_error *notice)
{
    Notices *notices = ctx;
    notices->count++;
    snprintf(notices->last, sizeof notices->last, "%s %s %s", notice->severity,
             notice->sqlstate, notice->message);
}

/* ------------------------------------------------------------------ tests ---- */

START_TEST(test_role_bootstrap_is_owner)
{
    const char *path = eh_path("role", "bootstrap");
    birch_db *db = open_as(path, NULL);
    char *user = query_one(db, "SELECT current_user");
    ck_assert_str_eq(user, os_user());
    free(user);
    user = query_one(db, "SELECT session_user");
    ck_assert_str_eq(user, os_user());
    free(user);
    VERIFIER_IS(db, os_user(), "");                  /* the owner has no password */
    /* the owner's password can be set before any other role exists */
    char sql[256];
    snprintf(sql, sizeof sql, "ALTER ROLE \"%s\" PASSWORD 'md5534b9a3588bdd87bf7c3b9d650e43e46'",
             os_user());
    eh_exec_ok(db, sql);
    VERIFIER_IS(db, os_user(), "md5534b9a3588bdd87bf7c3b9d650e43e46");
    snprintf(sql, sizeof sql, "DROP ROLE \"%s\"", os_user());
    eh_exec_fails(db, sql, "55006", "current user cannot be dropped");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_role_create_alter_drop)
{
    const char *path = eh_path("role", "ddl");
    birch_db *db = open_as(path, NULL);
    Notices notices = {0};
    birch_set_notice_hook(db, on_notice, &notices);
    eh_exec_ok(db, "CREATE ROLE alice LOGIN PASSWORD 'secret'");
    ck_assert(verifier_starts(db, "alice", "SCRAM-SHA-256$4096:"));
    eh_exec_fails(db, "CREATE ROLE alice", "42710", "role \"alice\" already exists");
    eh_exec_fails(db, "CREATE USER alice", "42710", "role \"alice\" already exists");
    /* CREATE ROLE: NOLOGIN by default; CREATE USER: LOGIN */
    eh_exec_ok(db, "CREATE ROLE group1");
    VERIFIER_IS(db, "group1", "ERROR 28000 role \"group1\" is not permitted to log in");
    eh_exec_ok(db, "CREATE USER bob");
    VERIFIER_IS(db, "bob", "");
    eh_exec_ok(db, "ALTER ROLE group1 WITH LOGIN");
    VERIFIER_IS(db, "group1", "");
    eh_exec_ok(db, "ALTER USER bob NOLOGIN");
    VERIFIER_IS(db, "bob", "ERROR 28000 role \"bob\" is not permitted to log in");
    /* every option of the grammar */
    eh_exec_ok(db, "CREATE ROLE full1 WITH SUPERUSER CREATEDB CREATEROLE INHERIT LOGIN REPLICATION "
                "BYPASSRLS CONNECTION LIMIT 5 ENCRYPTED PASSWORD 'pw' VALID UNTIL 'infinity'");
    eh_exec_ok(db, "ALTER ROLE full1 NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION "
                "NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD NULL");
    VERIFIER_IS(db, "full1", "");
    /* errors */
    eh_exec_fails(db, "ALTER ROLE nobody LOGIN", "42704", "role \"nobody\" does not exist");
    eh_exec_fails(db, "CREATE ROLE x LOGIN NOLOGIN", "42601", "conflicting or redundant options");
    eh_exec_fails(db, "CREATE ROLE x PASSWORD 'a' PASSWORD 'b'", "42601", NULL);
    eh_exec_fails(db, "CREATE ROLE x CONNECTION LIMIT -2", "22023", "invalid connection limit: -2");
    eh_exec_fails(db, "CREATE ROLE x VALID UNTIL 'not a time'", "22007", NULL);
    eh_exec_fails(db, "CREATE ROLE x FROBNICATE", "42601", "unrecognized role option \"frobnicate\"");
    eh_exec_fails(db, "CREATE ROLE pg_monitor2", "42939", "role name \"pg_monitor2\" is reserved");
    eh_exec_fails(db, "CREATE ROLE \"public\"", "42939", "role name \"public\" is reserved");
    VERIFIER_IS(db, "x", "ERROR 28000 role \"x\" does not exist");
    /* rename */
    eh_exec_fails(db, "ALTER ROLE alice RENAME TO bob", "42710", "role \"bob\" already exists");
    eh_exec_ok(db, "ALTER ROLE alice RENAME TO alicia");
    VERIFIER_IS(db, "alice", "ERROR 28000 role \"alice\" does not exist");
    ck_assert(verifier_starts(db, "alicia", "SCRAM-SHA-256$"));   /* SCRAM survives a rename */
    /* drop */
    eh_exec_fails(db, "DROP ROLE nobody", "42704", "role \"nobody\" does not exist");
    eh_exec_fails(db, "DROP ROLE bob, nobody", "42704", NULL);
    VERIFIER_IS(db, "bob", "ERROR 28000 role \"bob\" is not permitted to log in");   /* kept */
    notices.count = 0;
    eh_exec_ok(db, "DROP ROLE IF EXISTS nobody, bob, bob");
    ck_assert_int_eq(notices.count, 1);
    ck_assert_str_eq(notices.last, "NOTICE 00000 role \"nobody\" does not exist, skipping");
    VERIFIER_IS(db, "bob", "ERROR 28000 role \"bob\" does not exist");
    eh_exec_ok(db, "DROP USER alicia, group1");
    VERIFIER_IS(db, "alicia", "ERROR 28000 role \"alicia\" does not exist");
    /* a dropped name can be used again */
    eh_exec_ok(db, "CREATE ROLE bob LOGIN");
    VERIFIER_IS(db, "bob", "");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_role_verifier_formats)
{
    const char *path = eh_path("role", "formats");
    birch_db *db = open_as(path, NULL);
    Notices notices = {0};
    birch_set_notice_hook(db, on_notice, &notices);
    /* md5 as PostgreSQL 15 makes it */
    eh_exec_ok(db, "SET password_encryption = 'md5'");
    eh_exec_ok(db, "CREATE ROLE u LOGIN PASSWORD 'p'");
    VERIFIER_IS(db, "u", "md5534b9a3588bdd87bf7c3b9d650e43e46");
    eh_exec_fails(db, "SET password_encryption = 'sha1'", "22023", NULL);
    eh_exec_ok(db, "RESET password_encryption");
    char *setting = query_one(db, "SHOW password_encryption");
    ck_assert_str_eq(setting, "scram-sha-256");
    free(setting);
    eh_exec_ok(db, "ALTER ROLE u PASSWORD 'p'");
    ck_assert(verifier_starts(db, "u", "SCRAM-SHA-256$4096:"));
    /* a verifier is stored as given, whatever password_encryption says */
    static const char scram[] =
        "SCRAM-SHA-256$4096:h0RJh5MVTTUL4nBrsDBiUg==$AyEltENBAeyQIkod5nF7KJ2l8rc3hQ7T00e5+AOMy4E="
        ":czCXcuipK5QL83YEr4X3RGd+8/QDQ9/LVpdebseOCNI=";
    char sql[512];
    snprintf(sql, sizeof sql, "CREATE ROLE bob LOGIN PASSWORD '%s'", scram);
    eh_exec_ok(db, sql);
    VERIFIER_IS(db, "bob", scram);
    eh_exec_ok(db, "ALTER ROLE bob PASSWORD 'md54a0a68b43b6cd5cf266fa02f196e2371'");
    VERIFIER_IS(db, "bob", "md54a0a68b43b6cd5cf266fa02f196e2371");
    /* renaming clears an md5 verifier (it is salted with the name), with a NOTICE */
    notices.count = 0;
    eh_exec_ok(db, "ALTER ROLE bob RENAME TO robert");
    ck_assert_int_eq(notices.count, 1);
    ck_assert_str_eq(notices.last, "NOTICE 00000 MD5 password cleared because of role rename");
    VERIFIER_IS(db, "robert", "");
    /* an empty password clears it, with a NOTICE */
    notices.count = 0;
    eh_exec_ok(db, "ALTER ROLE u PASSWORD ''");
    ck_assert_int_eq(notices.count, 1);
    VERIFIER_IS(db, "u", "");
    /* an expired password is no password for authentication */
    eh_exec_ok(db, "ALTER ROLE u PASSWORD 'p' VALID UNTIL '2001-01-01 00:00:00+00'");
    VERIFIER_IS(db, "u", "");
    eh_exec_ok(db, "ALTER ROLE u VALID UNTIL '2999-01-01 00:00:00+00'");
    ck_assert(verifier_starts(db, "u", "SCRAM-SHA-256$"));
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_role_ddl_is_transactional)
{
    const char *path = eh_path("role", "txn");
    birch_db *db = open_as(path, NULL);
    /* the very first role statement creates the roles tree: rolled back, it is gone */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "CREATE ROLE r1 LOGIN");
    VERIFIER_IS(db, "r1", "");                       /* visible to its own transaction */
    eh_exec_ok(db, "ROLLBACK");
    VERIFIER_IS(db, "r1", "ERROR 28000 role \"r1\" does not exist");
    eh_exec_ok(db, "CREATE ROLE r1 LOGIN PASSWORD 'one'");
    char *before = verifier_of(db, "r1");
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "ALTER ROLE r1 PASSWORD 'two' NOLOGIN");
    eh_exec_ok(db, "ALTER ROLE r1 RENAME TO r2");
    eh_exec_ok(db, "CREATE ROLE r3");
    eh_exec_ok(db, "ROLLBACK");
    VERIFIER_IS(db, "r1", before);
    VERIFIER_IS(db, "r2", "ERROR 28000 role \"r2\" does not exist");
    VERIFIER_IS(db, "r3", "ERROR 28000 role \"r3\" does not exist");
    /* DROP ROLE rolls back too */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "DROP ROLE r1");
    VERIFIER_IS(db, "r1", "ERROR 28000 role \"r1\" does not exist");
    eh_exec_ok(db, "ROLLBACK");
    VERIFIER_IS(db, "r1", before);
    /* a failing statement in a block leaves nothing behind */
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "CREATE ROLE r4");
    eh_exec_fails(db, "CREATE ROLE r1", "42710", NULL);
    eh_exec_ok(db, "ROLLBACK");
    VERIFIER_IS(db, "r4", "ERROR 28000 role \"r4\" does not exist");
    /* another session sees a role only after commit */
    birch_db *other = open_as(path, NULL);
    eh_exec_ok(db, "BEGIN");
    eh_exec_ok(db, "CREATE ROLE r5 LOGIN");
    VERIFIER_IS(other, "r5", "ERROR 28000 role \"r5\" does not exist");
    eh_exec_ok(db, "COMMIT");
    VERIFIER_IS(other, "r5", "");
    birch_close(other);
    free(before);
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_role_login_and_reopen)
{
    const char *path = eh_path("role", "login");
    birch_db *db = open_as(path, NULL);
    eh_exec_ok(db, "CREATE USER carol PASSWORD 'c'");
    eh_exec_ok(db, "CREATE ROLE dave");
    char *carol = verifier_of(db, "carol");
    birch_close(db);

    /* a session for a role that does not exist is refused with 28000 */
    birch_db *refused = NULL;
    birch_open_options options = {.struct_size = sizeof options, .create = true,
                                  .user = "nobody"};
    ck_assert_int_eq(birch_open(path, &options, &refused), BIRCH_ERROR);
    ck_assert_ptr_nonnull(refused);
    ck_assert_str_eq(birch_last_error(refused)->sqlstate, "28000");
    ck_assert_str_eq(birch_last_error(refused)->message, "role \"nobody\" does not exist");
    birch_close(refused);
    options.user = "dave";                           /* NOLOGIN */
    ck_assert_int_eq(birch_open(path, &options, &refused), BIRCH_ERROR);
    ck_assert_str_eq(birch_last_error(refused)->sqlstate, "28000");
    ck_assert_str_eq(birch_last_error(refused)->message, "role \"dave\" is not permitted to log in");
    birch_close(refused);

    /* the roles survived the close; current_user and session_user are the session's role */
    db = open_as(path, "carol");
    char *user = query_one(db, "SELECT current_user");
    ck_assert_str_eq(user, "carol");
    free(user);
    user = query_one(db, "SELECT session_user");
    ck_assert_str_eq(user, "carol");
    free(user);
    VERIFIER_IS(db, "carol", carol);
    VERIFIER_IS(db, "dave", "ERROR 28000 role \"dave\" is not permitted to log in");
    eh_exec_fails(db, "DROP ROLE carol", "55006", "current user cannot be dropped");
    eh_exec_fails(db, "ALTER ROLE carol RENAME TO caroline", "0A000",
               "session user cannot be renamed");
    /* the bootstrap role owns everything: not droppable even by another superuser */
    char sql[256];
    snprintf(sql, sizeof sql, "DROP ROLE \"%s\"", os_user());
    eh_exec_fails(db, sql, "2BP01", NULL);
    eh_exec_ok(db, "DROP ROLE dave");
    birch_close(db);
    db = open_as(path, NULL);
    VERIFIER_IS(db, "dave", "ERROR 28000 role \"dave\" does not exist");
    VERIFIER_IS(db, "carol", carol);
    birch_close(db);
    free(carol);
    eh_path_remove(path);
}
END_TEST

START_TEST(test_role_many)
{
    const char *path = eh_path("role", "many");
    birch_db *db = open_as(path, NULL);
    double scale = getenv("BIRCH_TEST_SCALE") != NULL ? atof(getenv("BIRCH_TEST_SCALE")) : 1.0;
    int role_count = (int)(200 * scale) + 10;
    char sql[128], name[64];
    for (int role_idx = 0; role_idx < role_count; role_idx++) {
        snprintf(sql, sizeof sql, "CREATE USER user_%d PASSWORD 'pw%d'", role_idx, role_idx);
        eh_exec_ok(db, sql);
    }
    for (int role_idx = 0; role_idx < role_count; role_idx += 2) {
        snprintf(sql, sizeof sql, "DROP USER user_%d", role_idx);
        eh_exec_ok(db, sql);
    }
    birch_close(db);
    db = open_as(path, NULL);
    for (int role_idx = 0; role_idx < role_count; role_idx++) {
        snprintf(name, sizeof name, "user_%d", role_idx);
        char *verifier = verifier_of(db, name);
        if (role_idx % 2 == 0) {
            ck_assert_msg(strncmp(verifier, "ERROR 28000", 11) == 0, "%s: %s", name, verifier);
        } else {
            ck_assert_msg(strncmp(verifier, "SCRAM-SHA-256$", 14) == 0, "%s: %s", name,
                          verifier);
        }
        free(verifier);
    }
    /* a 70-character name is truncated to 63, as PostgreSQL does */
    eh_exec_ok(db, "CREATE ROLE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
                "LOGIN");
    VERIFIER_IS(db, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

/* a process that dies after committed role DDL (no birch_close, no checkpoint): recovery keeps
 * the committed roles and drops the uncommitted ones, the lazily created roles tree included */
START_TEST(test_role_survives_crash)
{
    const char *path = eh_path("role", "crash");
    birch_db *db = open_as(path, NULL);
    eh_exec_ok(db, "CREATE TABLE t (a int)");
    birch_close(db);
    pid_t child = fork();
    ck_assert_int_ne(child, -1);
    if (child == 0) {
        birch_db *crashing = NULL;
        if (birch_open(path, NULL, &crashing) != BIRCH_OK) _exit(1);
        if (birch_exec(crashing, "CREATE USER erin PASSWORD 'e'", NULL, NULL) != BIRCH_OK) _exit(2);
        if (birch_exec(crashing, "BEGIN; CREATE USER frank; ALTER USER erin NOLOGIN", NULL,
                       NULL) != BIRCH_OK) {
            _exit(3);
        }
        _exit(0);   /* a crash inside the open transaction */
    }
    int status = 0;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    db = open_as(path, "erin");
    ck_assert(verifier_starts(db, "erin", "SCRAM-SHA-256$"));
    VERIFIER_IS(db, "frank", "ERROR 28000 role \"frank\" does not exist");
    eh_exec_ok(db, "CREATE USER frank");
    VERIFIER_IS(db, "frank", "");
    birch_close(db);
    eh_path_remove(path);

    /* the very first role statement's transaction dies: no roles tree, the owner remains */
    path = eh_path("role", "crash_first");
    child = fork();
    ck_assert_int_ne(child, -1);
    if (child == 0) {
        birch_db *crashing = NULL;
        if (birch_open(path, NULL, &crashing) != BIRCH_OK) _exit(1);
        if (birch_exec(crashing, "BEGIN; CREATE USER gina", NULL, NULL) != BIRCH_OK) _exit(2);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    db = open_as(path, NULL);
    VERIFIER_IS(db, "gina", "ERROR 28000 role \"gina\" does not exist");
    VERIFIER_IS(db, os_user(), "");
    eh_exec_ok(db, "CREATE USER gina");
    VERIFIER_IS(db, "gina", "");
    birch_close(db);
    eh_path_remove(path);
}
END_TEST

static Suite *role_suite(void)
{
    Suite *suite = suite_create("role");
    TCase *tcase = tcase_create("roles");
    tcase_set_timeout(tcase, 120);
    tcase_add_test(tcase, test_role_bootstrap_is_owner);
    tcase_add_test(tcase, test_role_create_alter_drop);
    tcase_add_test(tcase, test_role_verifier_formats);
    tcase_add_test(tcase, test_role_ddl_is_transactional);
    tcase_add_test(tcase, test_role_login_and_reopen);
    tcase_add_test(tcase, test_role_many);
    tcase_add_test(tcase, test_role_survives_crash);
    suite_add_tcase(suite, tcase);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(role_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
