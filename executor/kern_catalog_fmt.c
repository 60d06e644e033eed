/* executor/kern_catalog_fmt.c: the catalog-free functions clients call on their own:
 * format_type's text, type names as regtypein reads them, pg_size_pretty, quote_ident /
 * quote_literal / quote_nullable, pg_encoding_to_char / pg_char_to_encoding, and the constant
 * answers of a single-node server without comments, replication or publications
 * (obj_description -> NULL, pg_is_in_recovery -> false ...). Results as PostgreSQL 15's. */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/numeric.h"
#include "executor/kern_catalog.h"
#include "executor/kern_int.h"
#include "parser/parse.h"

enum { FMT_NAME_SIZE_MAX = 128, FMT_TEXT_BUFFER_SIZE = 256 };

/* ------------------------------------------------------------- type names ---- */

typedef struct TypeAlias {
    const char *name;
    uint32_t    oid;
} TypeAlias;

/* the names regtypein accepts for our types (PostgreSQL's typname and SQL spellings), plus the
 * catalog types that PostgreSQL's system columns use */
static const TypeAlias TYPE_ALIASES[] = {
    { "bool", TYPE_BOOL }, { "boolean", TYPE_BOOL }, { "bytea", TYPE_BYTEA },
    { "char", TYPE_CHAR }, { "name", TYPE_NAME }, { "int8", TYPE_INT8 }, { "bigint", TYPE_INT8 },
    { "int2", TYPE_INT2 }, { "smallint", TYPE_INT2 }, { "int4", TYPE_INT4 },
    { "integer", TYPE_INT4 }, { "int", TYPE_INT4 }, { "text", TYPE_TEXT }, { "oid", TYPE_OID },
    { "float4", TYPE_FLOAT4 }, { "real", TYPE_FLOAT4 }, { "float8", TYPE_FLOAT8 },
    { "double precision", TYPE_FLOAT8 }, { "float", TYPE_FLOAT8 }, { "unknown", TYPE_UNKNOWN },
    { "bpchar", TYPE_BPCHAR }, { "character", TYPE_BPCHAR }, { "varchar", TYPE_VARCHAR },
    { "character varying", TYPE_VARCHAR }, { "date", TYPE_DATE }, { "time", TYPE_TIME },
    { "time without time zone", TYPE_TIME }, { "timestamp", TYPE_TIMESTAMP },
    { "timestamp without time zone", TYPE_TIMESTAMP }, { "timestamptz", TYPE_TIMESTAMPTZ },
    { "timestamp with time zone", TYPE_TIMESTAMPTZ }, { "interval", TYPE_INTERVAL },
    { "numeric", TYPE_NUMERIC }, { "decimal", TYPE_NUMERIC }, { "regproc", TYPE_REGPROC },
    { "regclass", TYPE_REGCLASS }, { "regtype", TYPE_REGTYPE },
    { "regnamespace", TYPE_REGNAMESPACE }, { "regrole", TYPE_REGROLE },
    { "int2vector", TYPE_INT2VECTOR }, { "oidvector", TYPE_OIDVECTOR },
    { "xid", 28 }, { "cid", 29 }, { "tid", 27 }, { "json", 114 }, { "xml", 142 },
    { "pg_node_tree", 194 }, { "aclitem", 1033 }, { "regprocedure", 2202 },
    { "regoper", 2203 }, { "regoperator", 2204 }, { "uuid", 2950 }, { "jsonb", 3802 },
    { "inet", 869 }, { "cidr", 650 }, { "void", 2278 }, { "record", 2249 },
    { "anyelement", 2283 }, { "anyarray", 2277 }, { "trigger", 2279 }, { "cstring", 2275 },
    { "internal", 2281 }, { "xid8", 5069 }, { "pg_lsn", 3220 }, { "money", 790 },
    { "bit", 1560 }, { "varbit", 1562 }, { "bit varying", 1562 }, { "timetz", 1266 },
    { "time with time zone", 1266 },
};

/* names format_type prints for the catalog types common/types.c does not know */
static const TypeAlias EXTRA_TYPE_NAMES[] = {
    { "regproc", TYPE_REGPROC }, { "regclass", TYPE_REGCLASS }, { "regtype", TYPE_REGTYPE },
    { "regnamespace", TYPE_REGNAMESPACE }, { "regrole", TYPE_REGROLE },
    { "int2vector", TYPE_INT2VECTOR }, { "oidvector", TYPE_OIDVECTOR }, { "xid", 28 },
    { "cid", 29 }, { "tid", 27 }, { "json", 114 }, { "xml", 142 }, { "pg_node_tree", 194 },
    { "aclitem", 1033 }, { "regprocedure", 2202 }, { "regoper", 2203 },
    { "regoperator", 2204 }, { "uuid", 2950 }, { "jsonb", 3802 }, { "inet", 869 },
    { "cidr", 650 }, { "void", 2278 }, { "record", 2249 }, { "anyelement", 2283 },
    { "anyarray", 2277 }, { "trigger", 2279 }, { "cstring", 2275 }, { "internal", 2281 },
    { "xid8", 5069 }, { "pg_lsn", 3220 }, { "money", 790 }, { "bit", 1560 },
    { "bit varying", 1562 }, { "time with time zone", 1266 },
    { "text[]", TYPE_TEXT_ARRAY }, { "name[]", TYPE_NAME_ARRAY }, { "oid[]", TYPE_OID_ARRAY },
    { "smallint[]", TYPE_INT2_ARRAY }, { "\"char\"[]", TYPE_CHAR_ARRAY },
    { "aclitem[]", 1034 }, { "regtype[]", TYPE_REGTYPE_ARRAY }, { "real[]", TYPE_FLOAT4_ARRAY },
    { "character varying[]", TYPE_VARCHAR_ARRAY }, { "character[]", TYPE_BPCHAR_ARRAY },
    { "bytea[]", TYPE_BYTEA_ARRAY }, { "date[]", TYPE_DATE_ARRAY },
    { "time without time zone[]", TYPE_TIME_ARRAY },
    { "timestamp without time zone[]", TYPE_TIMESTAMP_ARRAY },
    { "timestamp with time zone[]", TYPE_TIMESTAMPTZ_ARRAY },
    { "interval[]", TYPE_INTERVAL_ARRAY },
};

static const char *extra_type_name(uint32_t oid)
{
    for (size_t idx = 0; idx < sizeof EXTRA_TYPE_NAMES / sizeof EXTRA_TYPE_NAMES[0]; idx++) {
        if (EXTRA_TYPE_NAMES[idx].oid == oid) return EXTRA_TYPE_NAMES[idx].name;
    }
    return NULL;
}

/* base_name: the format_type name of oid without typmod; NULL if unknown. */
static const char *base_name(uint32_t oid)
{
    if (type_is_known(oid)) return type_name(oid);
    return extra_type_name(oid);
}

static size_t typmod_text(uint32_t oid, int32_t typmod, char *buffer, size_t buffer_size)
{
    if (typmod < 0) return 0;
    switch (oid) {
    case TYPE_VARCHAR:
    case TYPE_BPCHAR:
        return (size_t)snprintf(buffer, buffer_size, "(%d)", (int)(typmod - 4));
    case TYPE_NUMERIC:
        return (size_t)snprintf(buffer, buffer_size, "(%d,%d)",
                                (int)numeric_typmod_precision(typmod),
                                (int)numeric_typmod_scale(typmod));
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ:
        return (size_t)snprintf(buffer, buffer_size, "(%d)", (int)typmod);
    default: return 0;
    }
}

static const char *interval_fields(int range)
{
    switch (range) {
    case DT_INTERVAL_MASK_YEAR: return " year";
    case DT_INTERVAL_MASK_MONTH: return " month";
    case DT_INTERVAL_MASK_DAY: return " day";
    case DT_INTERVAL_MASK_HOUR: return " hour";
    case DT_INTERVAL_MASK_MINUTE: return " minute";
    case DT_INTERVAL_MASK_SECOND: return " second";
    case DT_INTERVAL_MASK_YEAR | DT_INTERVAL_MASK_MONTH: return " year to month";
    case DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR: return " day to hour";
    case DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE:
        return " day to minute";
    case DT_INTERVAL_MASK_DAY | DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE |
        DT_INTERVAL_MASK_SECOND:
        return " day to second";
    case DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE: return " hour to minute";
    case DT_INTERVAL_MASK_HOUR | DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND:
        return " hour to second";
    case DT_INTERVAL_MASK_MINUTE | DT_INTERVAL_MASK_SECOND: return " minute to second";
    default: return "";
    }
}

size_t kern_format_type(uint32_t type_oid, int32_t typmod, char *buffer, size_t buffer_size)
{
    ASSERT(buffer_size > 0);
    uint32_t elem = type_array_elem(type_oid);
    const char *suffix = "";
    uint32_t base = type_oid;
    if (elem != TYPE_INVALID && type_is_known(elem)) {
        base = elem;
        suffix = "[]";
    }
    const char *name = base_name(base);
    if (name == NULL) return (size_t)snprintf(buffer, buffer_size, "???");
    char mods[64] = "";
    int written;
    switch (base) {
    case TYPE_BPCHAR:
        /* bpchar with typmod -1 is not CHARACTER (which means CHARACTER(1)) */
        if (typmod < 0 && typmod != INT32_MIN) name = "bpchar";
        typmod_text(base, typmod, mods, sizeof mods);
        written = snprintf(buffer, buffer_size, "%s%s%s", name, mods, suffix);
        break;
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: {
        const char *head = base == TYPE_TIME ? "time" : "timestamp";
        const char *tail = base == TYPE_TIMESTAMPTZ ? " with time zone" : " without time zone";
        typmod_text(base, typmod, mods, sizeof mods);
        written = snprintf(buffer, buffer_size, "%s%s%s%s", head, mods, tail, suffix);
        break;
    }
    case TYPE_INTERVAL:
        if (typmod >= 0) {
            int range = (typmod >> 16) & 0x7FFF, precision = typmod & 0xFFFF;
            if (precision != 0xFFFF) snprintf(mods, sizeof mods, "(%d)", precision);
            written = snprintf(buffer, buffer_size, "interval%s%s%s", interval_fields(range),
                               mods, suffix);
        } else {
            written = snprintf(buffer, buffer_size, "interval%s", suffix);
        }
        break;
    default:
        typmod_text(base, typmod, mods, sizeof mods);
        written = snprintf(buffer, buffer_size, "%s%s%s", name, mods, suffix);
        break;
    }
    if (written < 0) return 0;
    return (size_t)written < buffer_size ? (size_t)written : buffer_size - 1;
}

/* normalize_type_text: lower-case unquoted letters, squeeze blanks, drop a pg_catalog. prefix
 * and a typmod "( ... )"; keep "[]" and quoted parts. false on a malformed name. */
static bool normalize_type_text(const char *text, char *out, size_t out_size)
{
    size_t used = 0;
    bool in_quotes = false, pending_space = false;
    for (const char *cursor = text; *cursor != '\0'; cursor++) {
        char ch = *cursor;
        if (in_quotes) {
            if (ch == '"') {
                if (cursor[1] == '"') {
                    cursor++;
                } else {
                    in_quotes = false;
                    continue;
                }
            }
        } else if (ch == '"') {
            in_quotes = true;
            if (pending_space && used > 0) {
                if (used + 1 >= out_size) return false;
                out[used++] = ' ';
            }
            pending_space = false;
            continue;
        } else if (ch == '(') {
            int depth = 1;
            while (depth > 0 && *++cursor != '\0') {
                if (*cursor == '(') depth++;
                if (*cursor == ')') depth--;
            }
            if (*cursor == '\0') return false;
            continue;
        } else if (isspace((unsigned char)ch)) {
            pending_space = true;
            continue;
        } else {
            ch = (char)tolower((unsigned char)ch);
        }
        if (pending_space && used > 0 && ch != '[' && ch != ']') {
            if (used + 1 >= out_size) return false;
            out[used++] = ' ';
        }
        pending_space = false;
        if (used + 1 >= out_size) return false;
        out[used++] = ch;
    }
    if (in_quotes) return false;
    out[used] = '\0';
    static const char PREFIX[] = "pg_catalog.";
    if (strncmp(out, PREFIX, sizeof PREFIX - 1) == 0) {
        memmove(out, out + sizeof PREFIX - 1, used - (sizeof PREFIX - 1) + 1);
    }
    return out[0] != '\0';
}

uint32_t kern_type_by_name(const char *text)
{
    char name[FMT_NAME_SIZE_MAX];
    if (!normalize_type_text(text, name, sizeof name)) return 0;
    size_t length = strlen(name);
    bool is_array = false;
    if (length > 2 && strcmp(name + length - 2, "[]") == 0) {
        is_array = true;
        name[length - 2] = '\0';
        while (length > 2 && name[strlen(name) - 1] == ' ') name[strlen(name) - 1] = '\0';
    }
    if (name[0] == '_') {   /* PostgreSQL's internal array type names: _int4 */
        is_array = true;
        memmove(name, name + 1, strlen(name));
    }
    uint32_t oid = 0;
    for (size_t idx = 0; idx < sizeof TYPE_ALIASES / sizeof TYPE_ALIASES[0]; idx++) {
        if (strcmp(TYPE_ALIASES[idx].name, name) == 0) {
            oid = TYPE_ALIASES[idx].oid;
            break;
        }
    }
    if (oid == 0 || !is_array) return oid;
    /* the array type whose element is oid */
    static const uint32_t ARRAYS[] = {
        TYPE_BOOL_ARRAY, TYPE_BYTEA_ARRAY, TYPE_CHAR_ARRAY, TYPE_NAME_ARRAY, TYPE_INT2_ARRAY,
        TYPE_INT4_ARRAY, TYPE_TEXT_ARRAY, TYPE_BPCHAR_ARRAY, TYPE_VARCHAR_ARRAY, TYPE_INT8_ARRAY,
        TYPE_FLOAT4_ARRAY, TYPE_FLOAT8_ARRAY, TYPE_OID_ARRAY, TYPE_TIMESTAMP_ARRAY,
        TYPE_DATE_ARRAY, TYPE_TIME_ARRAY, TYPE_TIMESTAMPTZ_ARRAY, TYPE_INTERVAL_ARRAY,
        TYPE_NUMERIC_ARRAY, TYPE_REGTYPE_ARRAY,
    };
    static const uint32_t ELEMS[] = {
        TYPE_BOOL, TYPE_BYTEA, TYPE_CHAR, TYPE_NAME, TYPE_INT2, TYPE_INT4, TYPE_TEXT, TYPE_BPCHAR,
        TYPE_VARCHAR, TYPE_INT8, TYPE_FLOAT4, TYPE_FLOAT8, TYPE_OID, TYPE_TIMESTAMP, TYPE_DATE,
        TYPE_TIME, TYPE_TIMESTAMPTZ, TYPE_INTERVAL, TYPE_NUMERIC, TYPE_REGTYPE,
    };
    for (size_t idx = 0; idx < sizeof ARRAYS / sizeof ARRAYS[0]; idx++) {
        if (ELEMS[idx] == oid) return ARRAYS[idx];
    }
    return 0;
}

/* ------------------------------------------------------------ quoting ---- */

Error *kern_quote_ident(Arena *arena, const char *text, size_t size, const char **out)
{
    bool safe = size > 0 && ((text[0] >= 'a' && text[0] <= 'z') || text[0] == '_');
    size_t quotes = 0;
    for (size_t idx = 0; idx < size; idx++) {
        char ch = text[idx];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) safe = false;
        if (ch == '"') quotes++;
    }
    if (safe && size < FMT_NAME_SIZE_MAX) {
        char word[FMT_NAME_SIZE_MAX];
        memcpy(word, text, size);
        word[size] = '\0';
        ParseKeywordKind kind = parse_keyword_kind(word);
        if (kind != PARSE_KEYWORD_NONE && kind != PARSE_KEYWORD_UNRESERVED) safe = false;
    }
    size_t out_size = safe ? size : size + quotes + 2;
    char *result = arena_alloc(arena, out_size + 1);
    if (result == NULL) return kern_oom();
    if (safe) {
        memcpy(result, text, size);
    } else {
        size_t used = 0;
        result[used++] = '"';
        for (size_t idx = 0; idx < size; idx++) {
            if (text[idx] == '"') result[used++] = '"';
            result[used++] = text[idx];
        }
        result[used++] = '"';
    }
    result[out_size] = '\0';
    *out = result;
    return NULL;
}

KERN_DECLARE(kern_quote_ident_fn)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        const char *quoted = NULL;
        TRY(kern_quote_ident(ctx->arena, str_view_data(view), view->size, &quoted));
        TRY(vec_str_set(out, r, quoted, (uint32_t)strlen(quoted)));
    });
    return NULL;
}

/* quote_literal_row: PostgreSQL's quote_literal_cstr: '' doubled, and backslashes doubled with
 * an E prefix when there are any. */
static Error *quote_literal_row(KernCtx *ctx, const StrView *view, Vector *out, uint32_t row)
{
    const char *data = str_view_data(view);
    size_t extra = 0;
    bool has_backslash = false;
    for (uint32_t idx = 0; idx < view->size; idx++) {
        if (data[idx] == '\'' || data[idx] == '\\') extra++;
        if (data[idx] == '\\') has_backslash = true;
    }
    size_t size = view->size + extra + 3;
    char *buffer = arena_alloc(ctx->arena, size);
    if (buffer == NULL) return kern_oom();
    size_t used = 0;
    if (has_backslash) buffer[used++] = 'E';
    buffer[used++] = '\'';
    for (uint32_t idx = 0; idx < view->size; idx++) {
        if (data[idx] == '\'' || data[idx] == '\\') buffer[used++] = data[idx];
        buffer[used++] = data[idx];
    }
    buffer[used++] = '\'';
    return vec_str_set(out, row, buffer, (uint32_t)used);
}

KERN_DECLARE(kern_quote_literal)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        TRY(quote_literal_row(ctx, str_at(args[0], r), out, r));
    });
    return NULL;
}

KERN_DECLARE(kern_quote_nullable)
{
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        if (vec_is_null(args[0], args[0]->is_constant ? 0 : r)) {
            TRY(vec_str_set(out, r, "NULL", 4));
            continue;
        }
        TRY(quote_literal_row(ctx, str_at(args[0], r), out, r));
    });
    return NULL;
}

/* ---------------------------------------------------------- pg_size_pretty ---- */

typedef struct SizeUnit {
    const char *name;
    int64_t     limit;      /* use this unit below it (before half rounding) */
    bool        round;
    int         unit_bits;
} SizeUnit;

static const SizeUnit SIZE_UNITS[] = {
    { "bytes", 10 * 1024, false, 0 },
    { "kB", 20 * 1024 - 1, true, 10 },
    { "MB", 20 * 1024 - 1, true, 20 },
    { "GB", 20 * 1024 - 1, true, 30 },
    { "TB", 20 * 1024 - 1, true, 40 },
    { "PB", 20 * 1024 - 1, true, 50 },
};
enum { SIZE_UNIT_COUNT = sizeof SIZE_UNITS / sizeof SIZE_UNITS[0] };

static int64_t half_rounded(int64_t value)
{
    return (value + (value < 0 ? -1 : 1)) / 2;
}

static int64_t abs_i64(int64_t value)
{
    return value < 0 ? (value == INT64_MIN ? INT64_MAX : -value) : value;
}

/* size_pretty: PostgreSQL 15's pg_size_pretty(bigint) into buffer. */
static size_t size_pretty(int64_t size, char *buffer, size_t buffer_size)
{
    for (size_t unit_idx = 0; unit_idx < SIZE_UNIT_COUNT; unit_idx++) {
        const SizeUnit *unit = &SIZE_UNITS[unit_idx];
        if (unit_idx + 1 == SIZE_UNIT_COUNT || abs_i64(size) < unit->limit) {
            if (unit->round) size = half_rounded(size);
            return (size_t)snprintf(buffer, buffer_size, "%lld %s", (long long)size, unit->name);
        }
        const SizeUnit *next = &SIZE_UNITS[unit_idx + 1];
        int bits = next->unit_bits - unit->unit_bits - (next->round ? 1 : 0) + (unit->round ? 1 : 0);
        size /= (int64_t)1 << bits;
    }
    return 0;
}

KERN_DECLARE(kern_pg_size_pretty_i64)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    char buffer[64];
    UNARY_LOOP(int64_t, args[0], sel, count, {
        if (!row_valid(out, r)) continue;
        size_t size = size_pretty(x, buffer, sizeof buffer);
        TRY(vec_str_set(out, r, buffer, (uint32_t)size));
    });
    return NULL;
}

KERN_DECLARE(kern_pg_size_pretty_num)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        Numeric num;
        TRY(kern_num_get(args[0], args[0]->is_constant ? 0 : r, ctx->arena, &num));
        size_t text_max = numeric_text_size_max(&num) + 1;
        char *text = arena_alloc(ctx->arena, text_max + 8);
        if (text == NULL) return kern_oom();
        size_t text_size = numeric_format(&num, text);
        text[text_size] = '\0';
        char buffer[FMT_TEXT_BUFFER_SIZE];
        size_t size;
        char *end = NULL;
        errno = 0;
        long long whole = strchr(text, '.') == NULL ? strtoll(text, &end, 10) : 0;
        if (end != NULL && *end == '\0' && errno == 0) {
            size = size_pretty(whole, buffer, sizeof buffer);
        } else {
            /* fractional or beyond bigint: bytes as given below the limit, else scaled */
            double value = strtod(text, NULL);
            if (value > -10 * 1024 && value < 10 * 1024) {
                size = (size_t)snprintf(buffer, sizeof buffer, "%s bytes", text);
            } else {
                size_t unit_idx = 1;
                value /= 1024.0;
                while (unit_idx + 1 < SIZE_UNIT_COUNT && (value >= 20 * 1024 - 1 ||
                                                          value <= -(20 * 1024 - 1))) {
                    value /= 1024.0;
                    unit_idx++;
                }
                size = (size_t)snprintf(buffer, sizeof buffer, "%.0f %s", value,
                                        SIZE_UNITS[unit_idx].name);
            }
        }
        TRY(vec_str_set(out, r, buffer, (uint32_t)size));
    });
    return NULL;
}

/* -------------------------------------------------------------- encodings ---- */

static const char *const ENCODING_NAMES[] = {
    "SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "UTF8",
    "MULE_INTERNAL", "LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5", "LATIN6", "LATIN7",
    "LATIN8", "LATIN9", "LATIN10", "WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R",
    "WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "WIN1250",
    "WIN1253", "WIN1254", "WIN1255", "WIN1257", "KOI8U", "SJIS", "BIG5", "GBK", "UHC",
    "GB18030", "JOHAB", "SHIFT_JIS_2004",
};
enum { ENCODING_COUNT = sizeof ENCODING_NAMES / sizeof ENCODING_NAMES[0] };

KERN_DECLARE(kern_pg_encoding_to_char)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    UNARY_LOOP(int32_t, args[0], sel, count, {
        if (!row_valid(out, r)) continue;
        const char *name = x >= 0 && x < ENCODING_COUNT ? ENCODING_NAMES[x] : "";
        TRY(vec_str_set(out, r, name, (uint32_t)strlen(name)));
    });
    return NULL;
}

/* encoding_key: the name without non-alphanumerics, upper case (PostgreSQL's clean_encoding_name
 * matches "utf-8", "Utf8" and "UTF8" alike). */
static void encoding_key(const char *text, size_t size, char *out, size_t out_size)
{
    size_t used = 0;
    for (size_t idx = 0; idx < size && used + 1 < out_size; idx++) {
        if (isalnum((unsigned char)text[idx])) out[used++] = (char)toupper((unsigned char)text[idx]);
    }
    out[used] = '\0';
}

KERN_DECLARE(kern_pg_char_to_encoding)
{
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        char key[64], candidate[64];
        encoding_key(str_view_data(view), view->size, key, sizeof key);
        int32_t found = -1;
        for (int32_t enc = 0; enc < ENCODING_COUNT && found < 0; enc++) {
            encoding_key(ENCODING_NAMES[enc], strlen(ENCODING_NAMES[enc]), candidate,
                         sizeof candidate);
            if (strcmp(key, candidate) == 0) found = enc;
        }
        if (found < 0 && strcmp(key, "UNICODE") == 0) found = 6;
        vec_i32(out)[r] = found;
    });
    return NULL;
}

/* -------------------------------------------------------------- constants ---- */

KERN_DECLARE(kern_null_text)
{
    (void)ctx; (void)args;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, TRY(vec_set_null(out, r)););
    return NULL;
}

KERN_DECLARE(kern_null_i4)
{
    (void)ctx; (void)args;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, TRY(vec_set_null(out, r)););
    return NULL;
}

KERN_DECLARE(kern_empty_text)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, if (row_valid(out, r)) TRY(vec_str_set(out, r, "", 0)););
    return NULL;
}

KERN_DECLARE(kern_const_false)
{
    (void)ctx; (void)args;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_bool(out)[r] = 0;);
    return NULL;
}

KERN_DECLARE(kern_const_true)
{
    (void)ctx; (void)args;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_bool(out)[r] = 1;);
    return NULL;
}

/* the server's start: the start of the first transaction in this process that asked */
static _Atomic DtTimestamp start_time;

static DtTimestamp txn_now(const KernCtx *ctx);

KERN_DECLARE(kern_pg_postmaster_start_time)
{
    (void)args;
    DtTimestamp expected = 0;
    atomic_compare_exchange_strong(&start_time, &expected, txn_now(ctx));
    DtTimestamp value = atomic_load(&start_time);
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_i64(out)[r] = value;);
    return NULL;
}

/* pg_sleep_interrupted: 57014 when the session's cancel flag is set (cancel, statement_timeout,
 * a server shutdown), as exec_check_interrupt reports it. */
static Error *pg_sleep_interrupted(const atomic_int *interrupt)
{
    int value = interrupt == NULL ? 0 : atomic_load_explicit(interrupt, memory_order_relaxed);
    if (value == 0) return NULL;
    return err_new(SQLSTATE_QUERY_CANCELED, value == 2 ? "canceling statement due to statement timeout"
                                                       : "canceling statement due to user request");
}

/* pg_sleep sleeps in slices of at most 10 ms and checks the session's cancel flag between them,
 * so a cancel, statement_timeout or shutdown interrupts it as it does any statement. */
KERN_DECLARE(kern_pg_sleep)
{
    KernCatEnv env;
    (void)kern_catalog_env(ctx, &env);   /* the flag is there even outside a transaction */
    const atomic_int *interrupt = env.interrupt;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        const Vector *arg = args[0];
        uint32_t slot = arg->is_constant ? 0 : r;
        if (!vec_is_null(arg, slot)) {
            double seconds = vec_f64(arg)[slot];
            if (seconds > 0 && !isnan(seconds)) {
                if (seconds > 3600) seconds = 3600;
                struct timespec end;
                clock_gettime(CLOCK_MONOTONIC, &end);
                double end_ns = (double)end.tv_nsec + seconds * 1e9;
                end.tv_sec += (time_t)(end_ns / 1e9);
                end.tv_nsec = (long)(end_ns - (double)(time_t)(end_ns / 1e9) * 1e9);
                for (;;) {
                    TRY(pg_sleep_interrupted(interrupt));
                    struct timespec now;
                    clock_gettime(CLOCK_MONOTONIC, &now);
                    int64_t left_ns = (int64_t)(end.tv_sec - now.tv_sec) * 1000000000 +
                                      (end.tv_nsec - now.tv_nsec);
                    if (left_ns <= 0) break;
                    if (left_ns > 10000000) left_ns = 10000000;
                    struct timespec wait = { 0, (long)left_ns };
                    nanosleep(&wait, NULL);
                }
            }
        }
        TRY(vec_str_set(out, r, "", 0));
    });
    return NULL;
}

/* ------------------------------------------------------ the transaction's time ---- */

static DtTimestamp clock_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return ((int64_t)now.tv_sec - INT64_C(946684800)) * 1000000 + now.tv_nsec / 1000;
}

/* txn_now: now() is the transaction's start (DtSettings.now), the clock without a session. */
static DtTimestamp txn_now(const KernCtx *ctx)
{
    return ctx->dt != NULL && ctx->dt->now != 0 ? ctx->dt->now : clock_now();
}

static const TzZone *zone_of(const KernCtx *ctx)
{
    return ctx->dt != NULL ? ctx->dt->zone : NULL;
}

KERN_DECLARE(kern_now)
{
    (void)args;
    DtTimestamp now = txn_now(ctx);
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_i64(out)[r] = now;);
    return NULL;
}

KERN_DECLARE(kern_clock_timestamp)
{
    (void)ctx; (void)args;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_i64(out)[r] = clock_now(););
    return NULL;
}

KERN_DECLARE(kern_current_date)
{
    (void)args;
    DtDate date;
    TRY(dt_timestamptz_to_date(txn_now(ctx), zone_of(ctx), &date));
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_i32(out)[r] = date;);
    return NULL;
}

KERN_DECLARE(kern_localtimestamp)
{
    (void)args;
    DtTimestamp local;
    TRY(dt_timestamptz_to_timestamp(txn_now(ctx), zone_of(ctx), &local));
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_i64(out)[r] = local;);
    return NULL;
}

KERN_DECLARE(kern_localtime)
{
    (void)args;
    DtTime time_of_day = 0;
    dt_timestamptz_to_time(txn_now(ctx), zone_of(ctx), &time_of_day);
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, vec_i64(out)[r] = time_of_day;);
    return NULL;
}
