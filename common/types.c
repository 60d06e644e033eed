/* common/types.c: the table of logical types (OIDs, typlen, names, physical forms). */
#include "common/types.h"

#include "common/datetime.h"
#include "common/numeric.h"

typedef struct TypeInfo {
    uint32_t    id;
    int16_t     typlen;
    VecPhys     phys;
    uint32_t    elem_id;
    const char *name;
} TypeInfo;

static const TypeInfo TYPE_INFOS[] = {
    { TYPE_BOOL, 1, VEC_PHYS_BOOL, 0, "boolean" },
    { TYPE_BYTEA, -1, VEC_PHYS_STR, 0, "bytea" },
    { TYPE_CHAR, 1, VEC_PHYS_STR, 0, "\"char\"" },
    { TYPE_NAME, 64, VEC_PHYS_STR, 0, "name" },
    { TYPE_INT8, 8, VEC_PHYS_I64, 0, "bigint" },
    { TYPE_INT2, 2, VEC_PHYS_I16, 0, "smallint" },
    { TYPE_INT4, 4, VEC_PHYS_I32, 0, "integer" },
    { TYPE_TEXT, -1, VEC_PHYS_STR, 0, "text" },
    { TYPE_OID, 4, VEC_PHYS_I64, 0, "oid" },
    { TYPE_FLOAT4, 4, VEC_PHYS_F32, 0, "real" },
    { TYPE_FLOAT8, 8, VEC_PHYS_F64, 0, "double precision" },
    { TYPE_UNKNOWN, -2, VEC_PHYS_STR, 0, "unknown" },
    { TYPE_BPCHAR, -1, VEC_PHYS_STR, 0, "character" },
    { TYPE_VARCHAR, -1, VEC_PHYS_STR, 0, "character varying" },
    { TYPE_DATE, 4, VEC_PHYS_I32, 0, "date" },
    { TYPE_TIME, 8, VEC_PHYS_I64, 0, "time without time zone" },
    { TYPE_TIMESTAMP, 8, VEC_PHYS_I64, 0, "timestamp without time zone" },
    { TYPE_TIMESTAMPTZ, 8, VEC_PHYS_I64, 0, "timestamp with time zone" },
    { TYPE_INTERVAL, 16, VEC_PHYS_INTERVAL, 0, "interval" },
    { TYPE_NUMERIC, -1, VEC_PHYS_NUMERIC, 0, "numeric" },
    /* catfuncs: the object identifier aliases (int64 like oid) */
    { TYPE_REGPROC, 4, VEC_PHYS_I64, 0, "regproc" },
    { TYPE_REGCLASS, 4, VEC_PHYS_I64, 0, "regclass" },
    { TYPE_REGTYPE, 4, VEC_PHYS_I64, 0, "regtype" },
    { TYPE_REGNAMESPACE, 4, VEC_PHYS_I64, 0, "regnamespace" },
    { TYPE_REGROLE, 4, VEC_PHYS_I64, 0, "regrole" },
    { TYPE_BOOL_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_BOOL, "boolean[]" },
    { TYPE_INT2_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_INT2, "smallint[]" },
    { TYPE_INT4_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_INT4, "integer[]" },
    { TYPE_TEXT_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_TEXT, "text[]" },
    { TYPE_INT8_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_INT8, "bigint[]" },
    { TYPE_FLOAT8_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_FLOAT8, "double precision[]" },
    { TYPE_NUMERIC_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_NUMERIC, "numeric[]" },
    /* arrays: the other array OIDs of types.h and the catalog vector types */
    { TYPE_BYTEA_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_BYTEA, "bytea[]" },
    { TYPE_CHAR_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_CHAR, "\"char\"[]" },
    { TYPE_NAME_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_NAME, "name[]" },
    { TYPE_BPCHAR_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_BPCHAR, "character[]" },
    { TYPE_VARCHAR_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_VARCHAR, "character varying[]" },
    { TYPE_FLOAT4_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_FLOAT4, "real[]" },
    { TYPE_OID_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_OID, "oid[]" },
    { TYPE_TIMESTAMP_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_TIMESTAMP, "timestamp without time zone[]" },
    { TYPE_DATE_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_DATE, "date[]" },
    { TYPE_TIME_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_TIME, "time without time zone[]" },
    { TYPE_TIMESTAMPTZ_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_TIMESTAMPTZ, "timestamp with time zone[]" },
    { TYPE_INTERVAL_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_INTERVAL, "interval[]" },
    { TYPE_REGTYPE_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_REGTYPE, "regtype[]" },
    { TYPE_INT2VECTOR, -1, VEC_PHYS_ARRAY, TYPE_INT2, "int2vector" },
    { TYPE_OIDVECTOR, -1, VEC_PHYS_ARRAY, TYPE_OID, "oidvector" },
    /* types: uuid, json, jsonb and their arrays */
    { TYPE_UUID, 16, VEC_PHYS_STR, 0, "uuid" },
    { TYPE_JSON, -1, VEC_PHYS_STR, 0, "json" },
    { TYPE_JSONB, -1, VEC_PHYS_STR, 0, "jsonb" },
    { TYPE_UUID_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_UUID, "uuid[]" },
    { TYPE_JSON_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_JSON, "json[]" },
    { TYPE_JSONB_ARRAY, -1, VEC_PHYS_ARRAY, TYPE_JSONB, "jsonb[]" },
};
enum { TYPE_INFO_COUNT = sizeof TYPE_INFOS / sizeof TYPE_INFOS[0] };

static const TypeInfo *find_info(uint32_t id)
{
    for (uint32_t info_idx = 0; info_idx < TYPE_INFO_COUNT; info_idx++) {
        if (TYPE_INFOS[info_idx].id == id) return &TYPE_INFOS[info_idx];
    }
    return NULL;
}

bool type_is_known(uint32_t id) { return find_info(id) != NULL; }

VecPhys type_phys(Type type)
{
    if (type.id == TYPE_NUMERIC) {
        if (type.typmod >= 0 && numeric_typmod_precision(type.typmod) <= TYPE_NUM64_PRECISION_MAX &&
            numeric_typmod_scale(type.typmod) >= 0) {
            return VEC_PHYS_NUM64;
        }
        return VEC_PHYS_NUMERIC;
    }
    const TypeInfo *info = find_info(type.id);
    return info != NULL ? info->phys : VEC_PHYS_STR;
}

int32_t type_num64_scale(Type type)
{
    if (type_phys(type) != VEC_PHYS_NUM64) return 0;
    return numeric_typmod_scale(type.typmod);
}

size_t type_phys_size(VecPhys phys)
{
    switch (phys) {
    case VEC_PHYS_BOOL: return 1;
    case VEC_PHYS_I16: return 2;
    case VEC_PHYS_I32: return 4;
    case VEC_PHYS_F32: return 4;
    case VEC_PHYS_I64:
    case VEC_PHYS_F64:
    case VEC_PHYS_NUM64: return 8;
    case VEC_PHYS_NUMERIC: return sizeof(Numeric);
    case VEC_PHYS_STR: return TYPE_STR_VIEW_SIZE;
    case VEC_PHYS_INTERVAL: return sizeof(DtInterval);
    case VEC_PHYS_ARRAY: return TYPE_STR_VIEW_SIZE;   /* arrays: a StrView, types.h says */
    case VEC_PHYS_COUNT: break;
    }
    return 0;
}

int16_t type_typlen(uint32_t id)
{
    const TypeInfo *info = find_info(id);
    return info != NULL ? info->typlen : -1;
}

const char *type_name(uint32_t id)
{
    const TypeInfo *info = find_info(id);
    return info != NULL ? info->name : "???";
}

bool type_is_string(uint32_t id)
{
    return id == TYPE_TEXT || id == TYPE_VARCHAR || id == TYPE_BPCHAR || id == TYPE_NAME ||
           id == TYPE_CHAR || id == TYPE_UNKNOWN;
}

bool type_is_numeric_family(uint32_t id)
{
    return id == TYPE_INT2 || id == TYPE_INT4 || id == TYPE_INT8 || id == TYPE_NUMERIC ||
           id == TYPE_FLOAT4 || id == TYPE_FLOAT8;
}

uint32_t type_array_elem(uint32_t id)
{
    const TypeInfo *info = find_info(id);
    return info != NULL ? info->elem_id : TYPE_INVALID;
}
