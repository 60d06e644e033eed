/* executor/session_guc.c: session settings (SET / SHOW / RESET, birch_set / birch_show).
 *
 * One table of PostgreSQL's settings birch knows: name, boot value, whether clients get a
 * ParameterStatus for it (GUC_REPORT), whether SET may change it, and a check function that
 * validates a new value and returns its canonical text (what SHOW prints) while applying the
 * side effects the session reads on the hot path (DtSettings, the effective search path,
 * timeouts in milliseconds, work_mem in bytes). Values are malloc'd strings owned by the
 * session. A SET inside a transaction block is recorded so ROLLBACK undoes it; SET LOCAL is
 * undone at the end of the transaction either way, as in PostgreSQL.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/asserts.h"
#include "common/tz.h"
#include "executor/session.h"

typedef Error *(*GucCheck)(birch_db *db, const char *value, char **canonical_out);

typedef struct GucDef {
    const char *name;         /* PostgreSQL's spelling (SHOW's column name) */
    const char *boot;
    bool        report;       /* ParameterStatus */
    bool        read_only;    /* SET refused */
    GucCheck    check;        /* NULL: any string */
} GucDef;

static Error *check_client_encoding(birch_db *db, const char *value, char **canonical_out);
static Error *check_datestyle(birch_db *db, const char *value, char **canonical_out);
static Error *check_intervalstyle(birch_db *db, const char *value, char **canonical_out);
static Error *check_timezone(birch_db *db, const char *value, char **canonical_out);
static Error *check_extra_float_digits(birch_db *db, const char *value, char **canonical_out);
static Error *check_search_path(birch_db *db, const char *value, char **canonical_out);
static Error *check_statement_timeout(birch_db *db, const char *value, char **canonical_out);
static Error *check_lock_timeout(birch_db *db, const char *value, char **canonical_out);
static Error *check_idle_timeout(birch_db *db, const char *value, char **canonical_out);
static Error *check_work_mem(birch_db *db, const char *value, char **canonical_out);
static Error *check_default_isolation(birch_db *db, const char *value, char **canonical_out);
static Error *check_bool(birch_db *db, const char *value, char **canonical_out);
static Error *check_min_messages(birch_db *db, const char *value, char **canonical_out);
static Error *check_bytea_output(birch_db *db, const char *value, char **canonical_out);
static Error *check_password_encryption(birch_db *db, const char *value, char **canonical_out);

static const GucDef GUCS[GUC_COUNT] = {
    [GUC_APPLICATION_NAME] = {"application_name", "", true, false, NULL},
    [GUC_CLIENT_ENCODING] = {"client_encoding", "UTF8", true, false, check_client_encoding},
    [GUC_DATESTYLE] = {"DateStyle", "ISO, MDY", true, false, check_datestyle},
    [GUC_INTERVALSTYLE] = {"IntervalStyle", "postgres", true, false, check_intervalstyle},
    [GUC_TIMEZONE] = {"TimeZone", "UTC", true, false, check_timezone},
    [GUC_EXTRA_FLOAT_DIGITS] = {"extra_float_digits", "1", false, false,
                                check_extra_float_digits},
    [GUC_SEARCH_PATH] = {"search_path", "\"$user\", public", false, false, check_search_path},
    [GUC_STATEMENT_TIMEOUT] = {"statement_timeout", "0", false, false, check_statement_timeout},
    [GUC_LOCK_TIMEOUT] = {"lock_timeout", "0", false, false, check_lock_timeout},
    [GUC_IDLE_IN_TXN_TIMEOUT] = {"idle_in_transaction_session_timeout", "0", false, false,
                                 check_idle_timeout},
    [GUC_WORK_MEM] = {"work_mem", "4MB", false, false, check_work_mem},
    [GUC_DEFAULT_TXN_ISOLATION] = {"default_transaction_isolation", "read committed", false,
                                   false, check_default_isolation},
    [GUC_TXN_ISOLATION] = {"transaction_isolation", "read committed", false, true, NULL},
    [GUC_STANDARD_CONFORMING_STRINGS] = {"standard_conforming_strings", "on", true, false,
                                         check_bool},
    [GUC_SERVER_VERSION] = {"server_version", "15.0", true, true, NULL},
    [GUC_SERVER_VERSION_NUM] = {"server_version_num", "150000", false, true, NULL},
    [GUC_SERVER_ENCODING] = {"server_encoding", "UTF8", true, true, NULL},
    [GUC_INTEGER_DATETIMES] = {"integer_datetimes", "on", true, true, NULL},
    [GUC_IS_SUPERUSER] = {"is_superuser", "on", true, true, NULL},
    [GUC_SESSION_AUTHORIZATION] = {"session_authorization", "", true, true, NULL},
    [GUC_CLIENT_MIN_MESSAGES] = {"client_min_messages", "notice", false, false,
                                 check_min_messages},
    [GUC_BYTEA_OUTPUT] = {"bytea_output", "hex", false, false, check_bytea_output},
    [GUC_MAX_IDENTIFIER_LENGTH] = {"max_identifier_length", "63", false, true, NULL},
    [GUC_DEFAULT_TXN_READ_ONLY] = {"default_transaction_read_only", "off", false, false,
                                   check_bool},
    [GUC_TXN_READ_ONLY] = {"transaction_read_only", "off", false, true, NULL},
    [GUC_SYNCHRONOUS_COMMIT] = {"synchronous_commit", "on", false, false, NULL},
    [GUC_ROW_SECURITY] = {"row_security", "on", false, false, check_bool},
    [GUC_TIMEZONE_ABBREVIATIONS] = {"timezone_abbreviations", "Default", false, false, NULL},
    [GUC_MAX_CONNECTIONS] = {"max_connections", "100", false, true, NULL},
    [GUC_LC_MESSAGES] = {"lc_messages", "C", false, false, NULL},
    [GUC_LC_COLLATE] = {"lc_collate", "C", false, true, NULL},
    [GUC_LC_CTYPE] = {"lc_ctype", "C", false, true, NULL},
    [GUC_ESCAPE_STRING_WARNING] = {"escape_string_warning", "on", false, false, check_bool},
    [GUC_DEFAULT_TABLESPACE] = {"default_tablespace", "", false, false, NULL},
    [GUC_PASSWORD_ENCRYPTION] = {"password_encryption", "scram-sha-256", false, false,
                                 check_password_encryption},   /* roles */
    [GUC_DEFAULT_TXN_DEFERRABLE] = {"default_transaction_deferrable", "off", false, false,
                                    check_bool},
    [GUC_TXN_DEFERRABLE] = {"transaction_deferrable", "off", false, true, NULL},
};

enum { GUC_MAX_CONNECTIONS_MAX = 262143 };   /* PostgreSQL's MAX_BACKENDS */

static Error *oom(void) { return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory"); }

static Error *bad_value(const char *name, const char *value)
{
    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"",
                   name, value);
}

static int guc_find(const char *name)
{
    for (int guc = 0; guc < GUC_COUNT; guc++) {
        if (strcasecmp(GUCS[guc].name, name) == 0) return guc;
    }
    return -1;
}

static Error *canonical_copy(const char *text, char **canonical_out)
{
    *canonical_out = strdup(text);
    return *canonical_out == NULL ? oom() : NULL;
}

/* ---- checks ---------------------------------------------------------------------------- */

static Error *check_client_encoding(birch_db *db, const char *value, char **canonical_out)
{
    (void)db;
    if (strcasecmp(value, "UTF8") == 0 || strcasecmp(value, "UTF-8") == 0 ||
        strcasecmp(value, "UNICODE") == 0) {
        return canonical_copy("UTF8", canonical_out);
    }
    if (strcasecmp(value, "SQL_ASCII") == 0) return canonical_copy("UTF8", canonical_out);
    return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                   "conversion between %s and UTF8 is not supported", value);
}

static Error *check_datestyle(birch_db *db, const char *value, char **canonical_out)
{
    DtDateStyle style = db->dt.date_style;
    DtDateOrder order = db->dt.date_order;
    bool have_style = false, have_order = false;
    char buf[128];
    if (strlen(value) >= sizeof buf) return bad_value("DateStyle", value);
    strcpy(buf, value);
    for (char *save = NULL, *word = strtok_r(buf, ", \t", &save); word != NULL;
         word = strtok_r(NULL, ", \t", &save)) {
        if (strcasecmp(word, "ISO") == 0) { style = DT_DATESTYLE_ISO; have_style = true; }
        else if (strcasecmp(word, "SQL") == 0) { style = DT_DATESTYLE_SQL; have_style = true; }
        else if (strcasecmp(word, "POSTGRES") == 0) {
            style = DT_DATESTYLE_POSTGRES;
            have_style = true;
        } else if (strcasecmp(word, "GERMAN") == 0) {
            style = DT_DATESTYLE_GERMAN;
            have_style = true;
            if (!have_order) order = DT_DATEORDER_DMY;
        } else if (strcasecmp(word, "MDY") == 0 || strcasecmp(word, "US") == 0 ||
                   strcasecmp(word, "NONEURO") == 0 || strcasecmp(word, "NONEUROPEAN") == 0) {
            order = DT_DATEORDER_MDY;
            have_order = true;
        } else if (strcasecmp(word, "DMY") == 0 || strcasecmp(word, "EURO") == 0 ||
                   strcasecmp(word, "EUROPEAN") == 0) {
            order = DT_DATEORDER_DMY;
            have_order = true;
        } else if (strcasecmp(word, "YMD") == 0) {
            order = DT_DATEORDER_YMD;
            have_order = true;
        } else if (strcasecmp(word, "DEFAULT") == 0) {
            style = DT_DATESTYLE_ISO;
            order = DT_DATEORDER_MDY;
        } else {
            return bad_value("DateStyle", value);
        }
    }
    (void)have_style;
    static const char *const STYLE_NAMES[] = {"ISO", "SQL", "Postgres", "German"};
    static const char *const ORDER_NAMES[] = {"MDY", "DMY", "YMD"};
    char canonical[64];
    snprintf(canonical, sizeof canonical, "%s, %s", STYLE_NAMES[style], ORDER_NAMES[order]);
    db->dt.date_style = style;
    db->dt.date_order = order;
    return canonical_copy(canonical, canonical_out);
}

static Error *check_intervalstyle(birch_db *db, const char *value, char **canonical_out)
{
    static const char *const NAMES[] = {"postgres", "postgres_verbose", "sql_standard",
                                        "iso_8601"};
    for (int style = 0; style < 4; style++) {
        if (strcasecmp(value, NAMES[style]) == 0) {
            db->dt.interval_style = (DtIntervalStyle)style;
            return canonical_copy(NAMES[style], canonical_out);
        }
    }
    return bad_value("IntervalStyle", value);
}

static Error *check_timezone(birch_db *db, const char *value, char **canonical_out)
{
    const TzZone *zone = NULL;
    if (strcasecmp(value, "UTC") == 0 || strcasecmp(value, "GMT") == 0 ||
        strcasecmp(value, "Z") == 0) {
        zone = tz_utc();
    } else {
        Error *err = tz_load_setting(value, &zone);
        if (err != NULL) {
            err_free(err);
            return bad_value("TimeZone", value);
        }
    }
    db->dt.zone = zone;
    return canonical_copy(strcasecmp(value, "UTC") == 0 ? "UTC" : value, canonical_out);
}

static bool parse_int(const char *text, long long *value_out, const char **rest_out)
{
    while (isspace((unsigned char)*text)) text++;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (end == text || errno != 0) return false;
    while (isspace((unsigned char)*end)) end++;
    *value_out = value;
    *rest_out = end;
    return true;
}

static Error *check_extra_float_digits(birch_db *db, const char *value, char **canonical_out)
{
    long long digits = 0;
    const char *rest = NULL;
    if (!parse_int(value, &digits, &rest) || *rest != '\0') {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "invalid value for parameter \"extra_float_digits\": \"%s\"", value);
    }
    if (digits < -15 || digits > 3) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "%lld is outside the valid range for parameter \"extra_float_digits\" "
                       "(-15 .. 3)", digits);
    }
    db->extra_float_digits = (int)digits;
    char canonical[16];
    snprintf(canonical, sizeof canonical, "%lld", digits);
    return canonical_copy(canonical, canonical_out);
}

static void search_path_free(birch_db *db)
{
    for (size_t idx = 0; idx < db->search_path_count; idx++) free((char *)db->search_path[idx]);
    free(db->search_path);
    db->search_path = NULL;
    db->search_path_count = 0;
}

enum { SEARCH_PATH_COUNT_MAX = 64 };

/* check_search_path: a comma-separated list of (possibly quoted) names; "$user" becomes the
 * session's user name (catalog_lookup_path skips names that are not schemas). */
static Error *check_search_path(birch_db *db, const char *value, char **canonical_out)
{
    const char *names[SEARCH_PATH_COUNT_MAX];
    char       *owned[SEARCH_PATH_COUNT_MAX];
    size_t      count = 0;
    const char *cursor = value;
    Error      *err = NULL;
    while (err == NULL) {
        while (isspace((unsigned char)*cursor)) cursor++;
        if (*cursor == '\0') break;
        if (count == SEARCH_PATH_COUNT_MAX) {
            err = bad_value("search_path", value);
            break;
        }
        char name[256];
        size_t size = 0;
        if (*cursor == '"') {
            cursor++;
            while (*cursor != '\0' && size + 1 < sizeof name) {
                if (*cursor == '"' && cursor[1] == '"') { name[size++] = '"'; cursor += 2; }
                else if (*cursor == '"') break;
                else name[size++] = *cursor++;
            }
            if (*cursor != '"') { err = bad_value("search_path", value); break; }
            cursor++;
        } else {
            while (*cursor != '\0' && *cursor != ',' && !isspace((unsigned char)*cursor) &&
                   size + 1 < sizeof name) {
                name[size++] = (char)tolower((unsigned char)*cursor++);
            }
        }
        name[size] = '\0';
        while (isspace((unsigned char)*cursor)) cursor++;
        if (*cursor == ',') cursor++;
        else if (*cursor != '\0') { err = bad_value("search_path", value); break; }
        if (size == 0) { err = bad_value("search_path", value); break; }
        const char *effective = strcmp(name, "$user") == 0 ? db->user : name;
        owned[count] = strdup(effective);
        if (owned[count] == NULL) { err = oom(); break; }
        names[count] = owned[count];
        count++;
    }
    if (err == NULL) *canonical_out = strdup(value);
    if (err == NULL && *canonical_out == NULL) err = oom();
    const char **array = NULL;
    if (err == NULL && count > 0) {
        array = malloc(count * sizeof *array);
        if (array == NULL) {
            free(*canonical_out);
            err = oom();
        }
    }
    if (err != NULL) {
        for (size_t idx = 0; idx < count; idx++) free(owned[idx]);
        return err;
    }
    search_path_free(db);
    for (size_t idx = 0; idx < count; idx++) array[idx] = names[idx];
    db->search_path = array;
    db->search_path_count = count;
    return NULL;
}

typedef struct UnitDef {
    const char *unit;
    int64_t     factor;
} UnitDef;

/* parse_units: "100", "100ms", "5 s", "4MB": value times the unit's factor; default_unit's
 * factor when none. */
static bool parse_units(const char *value, const UnitDef *units, size_t unit_count,
                        int64_t default_factor, int64_t *result_out)
{
    long long number = 0;
    const char *rest = NULL;
    if (!parse_int(value, &number, &rest) || number < 0) return false;
    int64_t factor = default_factor;
    if (*rest != '\0') {
        factor = 0;
        for (size_t idx = 0; idx < unit_count; idx++) {
            size_t size = strlen(units[idx].unit);
            if (strncmp(rest, units[idx].unit, size) == 0 && rest[size] == '\0') {
                factor = units[idx].factor;
            }
        }
        if (factor == 0) return false;
    }
    if (number > INT64_MAX / (factor > 0 ? factor : 1)) return false;
    *result_out = (int64_t)number * factor;
    return true;
}

static const UnitDef TIME_UNITS[] = {{"us", 0}, {"ms", 1}, {"s", 1000}, {"min", 60000},
                                     {"h", 3600000}, {"d", 86400000}};

static char *format_ms(int64_t ms)
{
    char text[48];
    if (ms == 0) snprintf(text, sizeof text, "0");
    else if (ms % 86400000 == 0) snprintf(text, sizeof text, "%lldd", (long long)(ms / 86400000));
    else if (ms % 3600000 == 0) snprintf(text, sizeof text, "%lldh", (long long)(ms / 3600000));
    else if (ms % 60000 == 0) snprintf(text, sizeof text, "%lldmin", (long long)(ms / 60000));
    else if (ms % 1000 == 0) snprintf(text, sizeof text, "%llds", (long long)(ms / 1000));
    else snprintf(text, sizeof text, "%lldms", (long long)ms);
    return strdup(text);
}

static Error *check_timeout(const char *name, const char *value, int64_t *ms_out,
                            char **canonical_out)
{
    int64_t ms = 0;
    if (!parse_units(value, TIME_UNITS + 1, 5, 1, &ms) || ms > INT32_MAX) {
        return bad_value(name, value);
    }
    *canonical_out = format_ms(ms);
    if (*canonical_out == NULL) return oom();
    *ms_out = ms;
    return NULL;
}

static Error *check_statement_timeout(birch_db *db, const char *value, char **canonical_out)
{
    return check_timeout("statement_timeout", value, &db->statement_timeout_ms, canonical_out);
}

static Error *check_lock_timeout(birch_db *db, const char *value, char **canonical_out)
{
    return check_timeout("lock_timeout", value, &db->lock_timeout_ms, canonical_out);
}

static Error *check_idle_timeout(birch_db *db, const char *value, char **canonical_out)
{
    int64_t ms = 0;
    (void)db;
    return check_timeout("idle_in_transaction_session_timeout", value, &ms, canonical_out);
}

static Error *check_work_mem(birch_db *db, const char *value, char **canonical_out)
{
    static const UnitDef MEMORY_UNITS[] = {{"kB", 1}, {"MB", 1024}, {"GB", 1024 * 1024},
                                           {"TB", (int64_t)1024 * 1024 * 1024}};
    int64_t kb = 0;
    if (!parse_units(value, MEMORY_UNITS, 4, 1, &kb) || kb < 64 || kb > INT32_MAX) {
        return bad_value("work_mem", value);
    }
    char text[48];
    if (kb % (1024 * 1024) == 0) snprintf(text, sizeof text, "%lldGB", (long long)(kb >> 20));
    else if (kb % 1024 == 0) snprintf(text, sizeof text, "%lldMB", (long long)(kb >> 10));
    else snprintf(text, sizeof text, "%lldkB", (long long)kb);
    db->work_mem = (size_t)kb * 1024;
    return canonical_copy(text, canonical_out);
}

/* sess_isolation_parse: 'read committed' ... (also used by BEGIN ISOLATION LEVEL). */
bool sess_isolation_parse(const char *value, TxnIsolation *isolation_out)
{
    if (strcasecmp(value, "read committed") == 0 || strcasecmp(value, "read uncommitted") == 0) {
        *isolation_out = TXN_READ_COMMITTED;
    } else if (strcasecmp(value, "repeatable read") == 0) {
        *isolation_out = TXN_REPEATABLE_READ;
    } else if (strcasecmp(value, "serializable") == 0) {
        *isolation_out = TXN_SERIALIZABLE;
    } else {
        return false;
    }
    return true;
}

static Error *check_default_isolation(birch_db *db, const char *value, char **canonical_out)
{
    TxnIsolation isolation;
    if (!sess_isolation_parse(value, &isolation)) {
        return bad_value("default_transaction_isolation", value);
    }
    db->default_isolation = isolation;
    static const char *const NAMES[] = {"read committed", "repeatable read", "serializable"};
    return canonical_copy(strcasecmp(value, "read uncommitted") == 0 ? "read uncommitted"
                                                                     : NAMES[isolation],
                          canonical_out);
}

static Error *check_bool(birch_db *db, const char *value, char **canonical_out)
{
    (void)db;
    static const char *const TRUE_WORDS[] = {"on", "true", "yes", "1", "t", "y"};
    static const char *const FALSE_WORDS[] = {"off", "false", "no", "0", "f", "n"};
    for (size_t idx = 0; idx < 6; idx++) {
        if (strcasecmp(value, TRUE_WORDS[idx]) == 0) return canonical_copy("on", canonical_out);
        if (strcasecmp(value, FALSE_WORDS[idx]) == 0) return canonical_copy("off", canonical_out);
    }
    return err_new(SQLSTATE_INVALID_PARAMETER_VALUE, "parameter requires a Boolean value");
}

static Error *check_min_messages(birch_db *db, const char *value, char **canonical_out)
{
    (void)db;
    static const char *const LEVELS[] = {"debug5", "debug4", "debug3", "debug2", "debug1",
                                         "debug", "log", "notice", "warning", "error"};
    for (size_t idx = 0; idx < sizeof LEVELS / sizeof LEVELS[0]; idx++) {
        if (strcasecmp(value, LEVELS[idx]) == 0) return canonical_copy(LEVELS[idx], canonical_out);
    }
    return bad_value("client_min_messages", value);
}

static Error *check_bytea_output(birch_db *db, const char *value, char **canonical_out)
{
    (void)db;
    if (strcasecmp(value, "hex") == 0) return canonical_copy("hex", canonical_out);
    return bad_value("bytea_output", value);
}

/* roles: PostgreSQL 15's values (executor/ddl_role.c reads the setting) */
static Error *check_password_encryption(birch_db *db, const char *value, char **canonical_out)
{
    (void)db;
    if (strcasecmp(value, "md5") == 0) return canonical_copy("md5", canonical_out);
    if (strcasecmp(value, "scram-sha-256") == 0) {
        return canonical_copy("scram-sha-256", canonical_out);
    }
    return err_set_hint(bad_value("password_encryption", value),
                        "Available values: md5, scram-sha-256.");
}

/* ---- custom settings (catfuncs) -------------------------------------------------------------
 * A name with a dot (myapp.x) is a custom setting, as PostgreSQL's placeholder variables: SET
 * creates it, SHOW and current_setting read it, a rolled-back SET leaves it at '' and RESET
 * sets ''. They live in a list per session; birch_db has no field for them, so the list is
 * kept here keyed by the session (under a mutex: sessions run on several threads). Undo entries
 * of custom settings use the marker guc GUC_COUNT and old_value "name\x1fvalue". */

typedef struct CustomGuc {
    const birch_db   *db;
    char             *name;      /* lower case */
    char             *value;
    struct CustomGuc *next;
} CustomGuc;

static CustomGuc      *custom_gucs;
static pthread_mutex_t custom_mutex = PTHREAD_MUTEX_INITIALIZER;

enum { CUSTOM_UNDO = GUC_COUNT, CUSTOM_SEPARATOR = 0x1f };

static bool is_custom_name(const char *name)
{
    const char *dot = strchr(name, '.');
    return dot != NULL && dot != name && dot[1] != '\0';
}

/* custom_find: the session's setting called name; call with custom_mutex held. */
static CustomGuc *custom_find(const birch_db *db, const char *name)
{
    for (CustomGuc *custom = custom_gucs; custom != NULL; custom = custom->next) {
        if (custom->db == db && strcasecmp(custom->name, name) == 0) return custom;
    }
    return NULL;
}

/* custom_put: set (creating) the session's setting name to value. */
static Error *custom_put(const birch_db *db, const char *name, const char *value)
{
    char *copy = strdup(value);
    if (copy == NULL) return oom();
    pthread_mutex_lock(&custom_mutex);
    CustomGuc *custom = custom_find(db, name);
    if (custom == NULL) {
        custom = calloc(1, sizeof *custom);
        char *name_copy = strdup(name);
        if (custom == NULL || name_copy == NULL) {
            pthread_mutex_unlock(&custom_mutex);
            free(custom);
            free(name_copy);
            free(copy);
            return oom();
        }
        for (char *cursor = name_copy; *cursor != '\0'; cursor++) {
            *cursor = (char)tolower((unsigned char)*cursor);
        }
        custom->db = db;
        custom->name = name_copy;
        custom->next = custom_gucs;
        custom_gucs = custom;
    }
    free(custom->value);
    custom->value = copy;
    pthread_mutex_unlock(&custom_mutex);
    return NULL;
}

/* custom_get: the value and canonical name (valid until the session changes it); false if the
 * session never set it. */
static bool custom_get(const birch_db *db, const char *name, const char **value_out,
                       const char **name_out)
{
    pthread_mutex_lock(&custom_mutex);
    CustomGuc *custom = custom_find(db, name);
    if (custom != NULL) {
        *value_out = custom->value;
        if (name_out != NULL) *name_out = custom->name;
    }
    pthread_mutex_unlock(&custom_mutex);
    return custom != NULL;
}

static void custom_free_all(const birch_db *db)
{
    pthread_mutex_lock(&custom_mutex);
    CustomGuc **link = &custom_gucs;
    while (*link != NULL) {
        CustomGuc *custom = *link;
        if (custom->db == db) {
            *link = custom->next;
            free(custom->name);
            free(custom->value);
            free(custom);
        } else {
            link = &custom->next;
        }
    }
    pthread_mutex_unlock(&custom_mutex);
}

/* custom_reset_all: RESET ALL sets every custom setting of the session to ''. */
static void custom_reset_all(const birch_db *db)
{
    pthread_mutex_lock(&custom_mutex);
    for (CustomGuc *custom = custom_gucs; custom != NULL; custom = custom->next) {
        if (custom->db != db || custom->value == NULL) continue;
        custom->value[0] = '\0';
    }
    pthread_mutex_unlock(&custom_mutex);
}

static Error *custom_set(birch_db *db, const char *name, const char *value, bool local)
{
    if (db->block) {
        const char *old = "";
        custom_get(db, name, &old, NULL);
        size_t size = strlen(name) + strlen(old) + 2;
        char *entry = malloc(size);
        if (entry == NULL) return oom();
        snprintf(entry, size, "%s%c%s", name, CUSTOM_SEPARATOR, old);
        if (db->guc_undo_count == db->guc_undo_capacity) {
            size_t capacity = db->guc_undo_capacity == 0 ? 8 : db->guc_undo_capacity * 2;
            SessGucUndo *grown = realloc(db->guc_undo, capacity * sizeof *grown);
            if (grown == NULL) {
                free(entry);
                return oom();
            }
            db->guc_undo = grown;
            db->guc_undo_capacity = capacity;
        }
        db->guc_undo[db->guc_undo_count++] = (SessGucUndo){(SessGuc)CUSTOM_UNDO, entry, local};
    }
    return custom_put(db, name, value != NULL ? value : "");
}

/* custom_undo: put back the value an undo entry recorded. */
static void custom_undo(birch_db *db, const char *entry)
{
    const char *separator = strchr(entry, CUSTOM_SEPARATOR);
    if (separator == NULL) return;
    char name[256];
    size_t size = (size_t)(separator - entry) < sizeof name - 1 ? (size_t)(separator - entry)
                                                                : sizeof name - 1;
    memcpy(name, entry, size);
    name[size] = '\0';
    Error *err = custom_put(db, name, separator + 1);
    if (err != NULL) err_free(err);
}

/* ---- entry points ---------------------------------------------------------------------- */

static void report(birch_db *db, int guc)
{
    if (GUCS[guc].report && db->parameter_hook != NULL) {
        db->parameter_hook(db->parameter_ctx, GUCS[guc].name, db->guc_values[guc]);
    }
}

/* apply: validate and install value for guc (no undo bookkeeping). */
static Error *apply(birch_db *db, int guc, const char *value)
{
    char *canonical = NULL;
    if (GUCS[guc].check == check_bool) {
        Error *err = check_bool(db, value, &canonical);
        if (err != NULL && err->state == SQLSTATE_INVALID_PARAMETER_VALUE) {
            err_free(err);
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "parameter \"%s\" requires a Boolean value", GUCS[guc].name);
        }
        TRY(err);
    } else if (GUCS[guc].check != NULL) {
        TRY(GUCS[guc].check(db, value, &canonical));
    } else {
        TRY(canonical_copy(value, &canonical));
    }
    bool changed = db->guc_values[guc] == NULL || strcmp(db->guc_values[guc], canonical) != 0;
    free(db->guc_values[guc]);
    db->guc_values[guc] = canonical;
    if (changed) report(db, guc);
    return NULL;
}

Error *sess_guc_init(birch_db *db)
{
    db->dt = (DtSettings){0};
    db->extra_float_digits = 1;
    db->work_mem = 4 << 20;
    for (int guc = 0; guc < GUC_COUNT; guc++) {
        const char *boot = GUCS[guc].boot;
        if (guc == GUC_SESSION_AUTHORIZATION) boot = db->user;
        if (guc == GUC_TIMEZONE) {
            const char *tz = getenv("TZ");
            if (tz != NULL && *tz == ':') tz++;
            if (tz != NULL && *tz != '\0') {
                Error *err = apply(db, guc, tz);
                if (err == NULL) continue;
                err_free(err);
            }
        }
        TRY(apply(db, guc, boot));
    }
    return NULL;
}

void sess_guc_free(birch_db *db)
{
    for (int guc = 0; guc < GUC_COUNT; guc++) {
        free(db->guc_values[guc]);
        db->guc_values[guc] = NULL;
    }
    search_path_free(db);
    free(db->show_buf);
    db->show_buf = NULL;
    custom_free_all(db);
    for (size_t idx = 0; idx < db->guc_undo_count; idx++) free(db->guc_undo[idx].old_value);
    free(db->guc_undo);
    db->guc_undo = NULL;
    db->guc_undo_count = db->guc_undo_capacity = 0;
}

static Error *undo_push(birch_db *db, int guc, bool local)
{
    if (db->guc_undo_count == db->guc_undo_capacity) {
        size_t capacity = db->guc_undo_capacity == 0 ? 8 : db->guc_undo_capacity * 2;
        SessGucUndo *grown = realloc(db->guc_undo, capacity * sizeof *grown);
        if (grown == NULL) return oom();
        db->guc_undo = grown;
        db->guc_undo_capacity = capacity;
    }
    char *old = strdup(db->guc_values[guc]);
    if (old == NULL) return oom();
    db->guc_undo[db->guc_undo_count++] = (SessGucUndo){(SessGuc)guc, old, local};
    return NULL;
}

/* txn_guc_set (sessions): SET transaction_isolation / transaction_read_only /
 * transaction_deferrable: SET TRANSACTION inside a block; outside one the transaction they
 * would change ends with the SET itself, so they change nothing (as in PostgreSQL). */
static Error *txn_guc_set(birch_db *db, int guc, const char *value)
{
    if (value == NULL) return NULL;   /* RESET / DEFAULT: the transaction keeps its modes */
    TxnIsolation isolation = TXN_READ_COMMITTED;
    int flag = -1;
    if (guc == GUC_TXN_ISOLATION) {
        if (!sess_isolation_parse(value, &isolation)) return bad_value(GUCS[guc].name, value);
    } else {
        char *canonical = NULL;
        Error *err = check_bool(db, value, &canonical);
        if (err != NULL) {
            err_free(err);
            return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                           "parameter \"%s\" requires a Boolean value", GUCS[guc].name);
        }
        flag = strcmp(canonical, "on") == 0 ? 1 : 0;
        free(canonical);
    }
    if (!db->block) return NULL;
    return sess_txn_modes_set(db, guc == GUC_TXN_ISOLATION, isolation,
                              guc == GUC_TXN_READ_ONLY ? flag : -1,
                              guc == GUC_TXN_DEFERRABLE ? flag : -1);
}

/* set_server_limit: max_connections is the server's limit (PostgreSQL's postmaster context):
 * SQL never changes it (SET, RESET, set_config: 55P02), but whoever opened the session states
 * it through birch_set before the session's first statement, while it still has its boot
 * value: `birch serve --max-connections N` does so for every session it opens, so SHOW,
 * current_setting and pg_settings report the real limit. */
static Error *set_server_limit(birch_db *db, int guc, const char *value)
{
    bool untouched = db->guc_values[guc] != NULL &&
                     strcmp(db->guc_values[guc], GUCS[guc].boot) == 0;
    if (value == NULL || db->stmts != NULL || db->active != NULL || !untouched) {
        return err_new(SQLSTATE_CANT_CHANGE_RUNTIME_PARAM,
                       "parameter \"%s\" cannot be changed without restarting the server",
                       GUCS[guc].name);
    }
    errno = 0;
    char *end = NULL;
    long limit = strtol(value, &end, 10);
    if (end == value || *end != '\0' || errno != 0) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "invalid value for parameter \"%s\": \"%s\"", GUCS[guc].name, value);
    }
    if (limit < 1 || limit > GUC_MAX_CONNECTIONS_MAX) {
        return err_new(SQLSTATE_INVALID_PARAMETER_VALUE,
                       "%ld is outside the valid range for parameter \"%s\" (1 .. %d)", limit,
                       GUCS[guc].name, GUC_MAX_CONNECTIONS_MAX);
    }
    char text[24];
    snprintf(text, sizeof text, "%ld", limit);
    return apply(db, guc, text);
}

Error *sess_set(birch_db *db, const char *name, const char *value, bool local)
{
    int guc = guc_find(name);
    if (guc < 0 && is_custom_name(name)) {
        if (local && !db->block) {
            sess_notice(db, err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                                    "SET LOCAL can only be used in transaction blocks"));
            return NULL;
        }
        return custom_set(db, name, value, local);
    }
    if (guc < 0) {
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"",
                       name);
    }
    if (guc == GUC_TXN_ISOLATION || guc == GUC_TXN_READ_ONLY || guc == GUC_TXN_DEFERRABLE) {
        return txn_guc_set(db, guc, value);   /* sessions: SET TRANSACTION's settings */
    }
    if (guc == GUC_MAX_CONNECTIONS) return set_server_limit(db, guc, value);
    if (GUCS[guc].read_only) {
        return err_new(SQLSTATE_CANT_CHANGE_RUNTIME_PARAM,
                       "parameter \"%s\" cannot be changed", GUCS[guc].name);
    }
    if (value == NULL) value = GUCS[guc].boot;
    /* outside a transaction block SET LOCAL has no effect (PostgreSQL warns) */
    if (local && !db->block) {
        sess_notice(db, err_new(SQLSTATE_NO_ACTIVE_SQL_TRANSACTION,
                                "SET LOCAL can only be used in transaction blocks"));
        return NULL;
    }
    if (db->block) TRY(undo_push(db, guc, local));
    Error *err = apply(db, guc, value);
    if (err != NULL && db->block) {
        db->guc_undo_count--;
        free(db->guc_undo[db->guc_undo_count].old_value);
    }
    return err;
}

/* sess_guc_txn_end: the transaction block ended: undo its SETs (rollback) or its SET LOCALs
 * (commit), newest first, down to undo_count (a savepoint's mark, or 0). */
void sess_guc_txn_end(birch_db *db, bool committed, size_t undo_count)
{
    while (db->guc_undo_count > undo_count) {
        SessGucUndo *undo = &db->guc_undo[--db->guc_undo_count];
        if ((int)undo->guc == CUSTOM_UNDO) {
            if (!committed || undo->local) custom_undo(db, undo->old_value);
            free(undo->old_value);
            continue;
        }
        if (!committed || undo->local) {
            Error *err = apply(db, undo->guc, undo->old_value);
            if (err != NULL) err_free(err);   /* an old value was valid when it was set */
        }
        free(undo->old_value);
    }
}

/* sess_guc_reset_all: RESET ALL / DISCARD ALL. */
Error *sess_guc_reset_all(birch_db *db)
{
    for (int guc = 0; guc < GUC_COUNT; guc++) {
        if (GUCS[guc].read_only || guc == GUC_SESSION_AUTHORIZATION) continue;
        if (db->block) TRY(undo_push(db, guc, false));
        TRY(apply(db, guc, GUCS[guc].boot));
    }
    custom_reset_all(db);
    return NULL;
}

Error *sess_show(birch_db *db, const char *name, const char **value_out, const char **name_out)
{
    int guc = guc_find(name);
    if (guc < 0 && custom_get(db, name, value_out, name_out)) return NULL;
    if (guc < 0) {
        return err_new(SQLSTATE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"",
                       name);
    }
    if (guc == GUC_TXN_ISOLATION) {
        static const char *const NAMES[] = {"read committed", "repeatable read", "serializable"};
        TxnIsolation isolation = db->txn != NULL ? db->txn_isolation
                                 : db->block    ? db->block_isolation
                                                : db->default_isolation;
        *value_out = NAMES[isolation];
    } else if (guc == GUC_TXN_READ_ONLY) {   /* sessions: the transaction's modes */
        *value_out = sess_txn_read_only(db) ? "on" : "off";
    } else if (guc == GUC_TXN_DEFERRABLE) {
        bool deferrable = db->block ? db->block_deferrable
                                    : strcmp(db->guc_values[GUC_DEFAULT_TXN_DEFERRABLE], "on") == 0;
        *value_out = deferrable ? "on" : "off";
    } else {
        *value_out = db->guc_values[guc];
    }
    if (name_out != NULL) *name_out = GUCS[guc].name;
    return NULL;
}

/* sess_guc_name: the canonical name of setting idx, NULL past the end (SHOW ALL). */
const char *sess_guc_name(int guc) { return guc >= 0 && guc < GUC_COUNT ? GUCS[guc].name : NULL; }

void sess_report_parameters(birch_db *db)
{
    for (int guc = 0; guc < GUC_COUNT; guc++) report(db, guc);
}
