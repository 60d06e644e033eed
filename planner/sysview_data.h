/* planner/sysview_data.h: fixed catalog rows the generators use (sysview_data.c). Internal to
 * sysview*.c. */
#ifndef BIRCH_PLANNER_SYSVIEW_DATA_H
#define BIRCH_PLANNER_SYSVIEW_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SysTypeRow {
    uint32_t    oid;
    const char *name;
    int16_t     typlen;
    bool        byval;
    char        typtype;
    char        category;
    bool        preferred;
    const char *subscript;
    uint32_t    elem;
    uint32_t    array;
    const char *input, *output, *receive, *send, *modin, *modout, *analyze;
    char        align;
    char        storage;
    uint32_t    collation;
} SysTypeRow;

typedef struct SysSettingRow {
    const char *name, *unit, *category, *short_desc, *context, *vartype, *min_val, *max_val,
               *enumvals, *boot_val;
} SysSettingRow;

typedef struct SysAmRow {
    uint32_t    oid;
    const char *name;
    const char *handler;
    char        type;
} SysAmRow;

typedef struct SysCollationRow {
    uint32_t    oid;
    const char *name;
    char        provider;
    int32_t     encoding;
    const char *collate;
    const char *ctype;
} SysCollationRow;

typedef struct SysRoleRow {
    uint32_t    oid;
    const char *name;
} SysRoleRow;

typedef struct SysOpclassRow {
    uint32_t type_oid;
    uint32_t opclass;
} SysOpclassRow;

extern const SysTypeRow      SYS_TYPES[];
extern const size_t          SYS_TYPE_COUNT;
extern const SysSettingRow   SYS_SETTINGS[];
extern const size_t          SYS_SETTING_COUNT;
extern const SysAmRow        SYS_AMS[];
extern const size_t          SYS_AM_COUNT;
extern const SysCollationRow SYS_COLLATIONS[];
extern const size_t          SYS_COLLATION_COUNT;
extern const SysRoleRow      SYS_PREDEFINED_ROLES[];
extern const size_t          SYS_PREDEFINED_ROLE_COUNT;

/* sys_type_row: PostgreSQL's pg_type row of oid, NULL if not in the table. */
const SysTypeRow    *sys_type_row(uint32_t oid);
/* sys_setting_row: pg_settings metadata of name (case-insensitive), NULL if unknown. */
const SysSettingRow *sys_setting_row(const char *name);
/* sys_btree_opclass: the default btree operator class of type_oid, 0 if none. */
uint32_t             sys_btree_opclass(uint32_t type_oid);

#endif
