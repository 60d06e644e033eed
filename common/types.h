/* common/types.h: SQL logical types with PostgreSQL's type OIDs, and how vectors store them.
 *
 * A Type is {id, typmod}: id is PostgreSQL's pg_type OID (so the wire and catalogs can use it
 * as is), typmod PostgreSQL's atttypmod (-1 for none): NUMERIC(p,s) uses numeric_typmod_make's
 * encoding, VARCHAR(n)/BPCHAR(n) n + 4, TIME/TIMESTAMP(p) p, INTERVAL (range << 16) | p.
 * One-dimensional arrays get PostgreSQL's array OIDs (TYPE_INT4_ARRAY = 1007 ...) and the
 * physical kind VEC_PHYS_ARRAY: a StrView (like text) whose bytes are one array value encoded
 * as common/array.h says. The reg* aliases are physically int64 like OID.
 *
 * The physical representation (VecPhys) belongs to a vector, not to the type: a NUMERIC vector
 * is either scaled int64 (VEC_PHYS_NUM64, with the vector's numeric_scale) or general
 * (VEC_PHYS_NUMERIC, an array of common/numeric.h Numeric structs whose digits live in the
 * vector's arena). type_phys() gives the default: scaled when the typmod's precision <= 18. */
#ifndef BIRCH_EXECUTOR_TYPES_H
#define BIRCH_EXECUTOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum TypeId {
    TYPE_INVALID = 0,
    TYPE_BOOL = 16,
    TYPE_BYTEA = 17,
    TYPE_CHAR = 18,          /* "char": one byte */
    TYPE_NAME = 19,
    TYPE_INT8 = 20,
    TYPE_INT2 = 21,
    TYPE_INT4 = 23,
    TYPE_TEXT = 25,
    TYPE_OID = 26,
    TYPE_FLOAT4 = 700,
    TYPE_FLOAT8 = 701,
    TYPE_UNKNOWN = 705,      /* an untyped literal: 'abc' before the binder resolves it */
    TYPE_BPCHAR = 1042,
    TYPE_VARCHAR = 1043,
    TYPE_DATE = 1082,
    TYPE_TIME = 1083,
    TYPE_TIMESTAMP = 1114,
    TYPE_TIMESTAMPTZ = 1184,
    TYPE_INTERVAL = 1186,
    TYPE_NUMERIC = 1700,
    /* object identifier aliases (int64 physically, like OID; text I/O looks names up) */
    TYPE_REGPROC = 24,
    TYPE_REGCLASS = 2205,
    TYPE_REGTYPE = 2206,
    TYPE_REGNAMESPACE = 4089,
    TYPE_REGROLE = 4096,
    /* catalog vector types: physically one-dimensional arrays of int2 / oid, 0-based */
    TYPE_INT2VECTOR = 22,
    TYPE_OIDVECTOR = 30,
    /* one-dimensional arrays (VEC_PHYS_ARRAY; values encoded as common/array.h says) */
    TYPE_BOOL_ARRAY = 1000,
    TYPE_BYTEA_ARRAY = 1001,
    TYPE_CHAR_ARRAY = 1002,
    TYPE_NAME_ARRAY = 1003,
    TYPE_INT2_ARRAY = 1005,
    TYPE_INT4_ARRAY = 1007,
    TYPE_TEXT_ARRAY = 1009,
    TYPE_BPCHAR_ARRAY = 1014,
    TYPE_VARCHAR_ARRAY = 1015,
    TYPE_INT8_ARRAY = 1016,
    TYPE_FLOAT4_ARRAY = 1021,
    TYPE_FLOAT8_ARRAY = 1022,
    TYPE_OID_ARRAY = 1028,
    TYPE_TIMESTAMP_ARRAY = 1115,
    TYPE_DATE_ARRAY = 1182,
    TYPE_TIME_ARRAY = 1183,
    TYPE_TIMESTAMPTZ_ARRAY = 1185,
    TYPE_INTERVAL_ARRAY = 1187,
    TYPE_NUMERIC_ARRAY = 1231,
    TYPE_REGTYPE_ARRAY = 2211,
    /* types: uuid, json, jsonb (VEC_PHYS_STR: uuid its 16 bytes, json the text as written,
     * jsonb its normal text form; common/uuid.h, common/json.h) */
    TYPE_JSON = 114,
    TYPE_JSON_ARRAY = 199,
    TYPE_UUID = 2950,
    TYPE_UUID_ARRAY = 2951,
    TYPE_JSONB = 3802,
    TYPE_JSONB_ARRAY = 3807,
} TypeId;

typedef struct Type {
    uint32_t id;     /* TypeId */
    int32_t  typmod; /* -1: none */
} Type;

typedef enum VecPhys {
    VEC_PHYS_BOOL = 0,  /* uint8_t 0/1 */
    VEC_PHYS_I16,       /* int16_t: INT2 */
    VEC_PHYS_I32,       /* int32_t: INT4, DATE */
    VEC_PHYS_I64,       /* int64_t: INT8, OID (0..2^32-1), TIME, TIMESTAMP, TIMESTAMPTZ */
    VEC_PHYS_F32,       /* float */
    VEC_PHYS_F64,       /* double */
    VEC_PHYS_NUM64,     /* int64_t NUMERIC scaled by 10^numeric_scale */
    VEC_PHYS_NUMERIC,   /* Numeric (general form; digits in the vector's arena) */
    VEC_PHYS_STR,       /* StrView: TEXT, VARCHAR, BPCHAR, BYTEA, NAME, "char", UNKNOWN */
    VEC_PHYS_INTERVAL,  /* DtInterval */
    VEC_PHYS_ARRAY,     /* StrView holding one encoded array value (common/array.h) */
    VEC_PHYS_COUNT
} VecPhys;

enum {
    TYPE_TYPMOD_NONE = -1,
    TYPE_NUM64_PRECISION_MAX = 18, /* NUMERIC(p,s) with p <= this is scaled int64 */
    TYPE_STR_VIEW_SIZE = 16,       /* sizeof(StrView) (executor/vec.h checks it) */
};

static inline Type type_make(TypeId id, int32_t typmod) { return (Type){ (uint32_t)id, typmod }; }
static inline Type type_plain(TypeId id) { return (Type){ (uint32_t)id, TYPE_TYPMOD_NONE }; }
static inline bool type_equal(Type a, Type b) { return a.id == b.id && a.typmod == b.typmod; }

/* type_is_known: id is one of the TypeId values above. */
bool        type_is_known(uint32_t id);
/* type_phys: the default physical form of type's vectors (see the file comment). */
VecPhys     type_phys(Type type);
/* type_num64_scale: the scale of NUMERIC(p,s) when type_phys is VEC_PHYS_NUM64, else 0. */
int32_t     type_num64_scale(Type type);
/* type_phys_size: bytes of one value of that physical form. */
size_t      type_phys_size(VecPhys phys);
/* type_typlen: PostgreSQL's pg_type.typlen (-1 varlena, -2 cstring, else bytes). */
int16_t     type_typlen(uint32_t id);
/* type_name: the name PostgreSQL's format_type prints for the id, without typmod ("integer",
 * "character varying", "timestamp with time zone"); "???" for an unknown id. */
const char *type_name(uint32_t id);
/* type_is_string: TEXT, VARCHAR, BPCHAR, NAME, "char" or UNKNOWN (not BYTEA). */
bool        type_is_string(uint32_t id);
/* type_is_numeric_family: INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8. */
bool        type_is_numeric_family(uint32_t id);
/* type_array_elem: the element OID of an array OID, TYPE_INVALID if id is not an array. */
uint32_t    type_array_elem(uint32_t id);

#endif
