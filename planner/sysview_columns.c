/* planner/sysview_columns.c: the column lists of the system relations, as PostgreSQL 15 has
 * them (names, order, declared types; information_schema domains as their base types), and the
 * table of every SysView. Generated from a PostgreSQL 15.20 catalog (pg_attribute), then kept
 * by hand; see sysview.h. */
#include "planner/sysview_int.h"

static const SysColumn COLS_pg_default_acl[] = {
    { "oid", 26 }, { "defaclrole", 26 }, { "defaclnamespace", 26 }, { "defaclobjtype", 18 },
    { "defaclacl", 1034 },
};
static const SysColumn COLS_pg_tablespace[] = {
    { "oid", 26 }, { "spcname", 19 }, { "spcowner", 26 }, { "spcacl", 1034 },
    { "spcoptions", 1009 },
};
static const SysColumn COLS_pg_type[] = {
    { "oid", 26 }, { "typname", 19 }, { "typnamespace", 26 }, { "typowner", 26 },
    { "typlen", 21 }, { "typbyval", 16 }, { "typtype", 18 }, { "typcategory", 18 },
    { "typispreferred", 16 }, { "typisdefined", 16 }, { "typdelim", 18 }, { "typrelid", 26 },
    { "typsubscript", 24 }, { "typelem", 26 }, { "typarray", 26 }, { "typinput", 24 },
    { "typoutput", 24 }, { "typreceive", 24 }, { "typsend", 24 }, { "typmodin", 24 },
    { "typmodout", 24 }, { "typanalyze", 24 }, { "typalign", 18 }, { "typstorage", 18 },
    { "typnotnull", 16 }, { "typbasetype", 26 }, { "typtypmod", 23 }, { "typndims", 23 },
    { "typcollation", 26 }, { "typdefaultbin", 194 }, { "typdefault", 25 }, { "typacl", 1034 },
};
static const SysColumn COLS_pg_attribute[] = {
    { "attrelid", 26 }, { "attname", 19 }, { "atttypid", 26 }, { "attstattarget", 23 },
    { "attlen", 21 }, { "attnum", 21 }, { "attndims", 23 }, { "attcacheoff", 23 },
    { "atttypmod", 23 }, { "attbyval", 16 }, { "attalign", 18 }, { "attstorage", 18 },
    { "attcompression", 18 }, { "attnotnull", 16 }, { "atthasdef", 16 }, { "atthasmissing", 16 },
    { "attidentity", 18 }, { "attgenerated", 18 }, { "attisdropped", 16 }, { "attislocal", 16 },
    { "attinhcount", 23 }, { "attcollation", 26 }, { "attacl", 1034 }, { "attoptions", 1009 },
    { "attfdwoptions", 1009 }, { "attmissingval", 2277 },
};
static const SysColumn COLS_pg_proc[] = {
    { "oid", 26 }, { "proname", 19 }, { "pronamespace", 26 }, { "proowner", 26 },
    { "prolang", 26 }, { "procost", 700 }, { "prorows", 700 }, { "provariadic", 26 },
    { "prosupport", 24 }, { "prokind", 18 }, { "prosecdef", 16 }, { "proleakproof", 16 },
    { "proisstrict", 16 }, { "proretset", 16 }, { "provolatile", 18 }, { "proparallel", 18 },
    { "pronargs", 21 }, { "pronargdefaults", 21 }, { "prorettype", 26 }, { "proargtypes", 30 },
    { "proallargtypes", 1028 }, { "proargmodes", 1002 }, { "proargnames", 1009 },
    { "proargdefaults", 194 }, { "protrftypes", 1028 }, { "prosrc", 25 }, { "probin", 25 },
    { "prosqlbody", 194 }, { "proconfig", 1009 }, { "proacl", 1034 },
};
static const SysColumn COLS_pg_class[] = {
    { "oid", 26 }, { "relname", 19 }, { "relnamespace", 26 }, { "reltype", 26 },
    { "reloftype", 26 }, { "relowner", 26 }, { "relam", 26 }, { "relfilenode", 26 },
    { "reltablespace", 26 }, { "relpages", 23 }, { "reltuples", 700 }, { "relallvisible", 23 },
    { "reltoastrelid", 26 }, { "relhasindex", 16 }, { "relisshared", 16 },
    { "relpersistence", 18 }, { "relkind", 18 }, { "relnatts", 21 }, { "relchecks", 21 },
    { "relhasrules", 16 }, { "relhastriggers", 16 }, { "relhassubclass", 16 },
    { "relrowsecurity", 16 }, { "relforcerowsecurity", 16 }, { "relispopulated", 16 },
    { "relreplident", 18 }, { "relispartition", 16 }, { "relrewrite", 26 },
    { "relfrozenxid", 28 }, { "relminmxid", 28 }, { "relacl", 1034 }, { "reloptions", 1009 },
    { "relpartbound", 194 },
};
static const SysColumn COLS_pg_authid[] = {
    { "oid", 26 }, { "rolname", 19 }, { "rolsuper", 16 }, { "rolinherit", 16 },
    { "rolcreaterole", 16 }, { "rolcreatedb", 16 }, { "rolcanlogin", 16 },
    { "rolreplication", 16 }, { "rolbypassrls", 16 }, { "rolconnlimit", 23 },
    { "rolpassword", 25 }, { "rolvaliduntil", 1184 },
};
static const SysColumn COLS_pg_auth_members[] = {
    { "roleid", 26 }, { "member", 26 }, { "grantor", 26 }, { "admin_option", 16 },
};
static const SysColumn COLS_pg_database[] = {
    { "oid", 26 }, { "datname", 19 }, { "datdba", 26 }, { "encoding", 23 },
    { "datlocprovider", 18 }, { "datistemplate", 16 }, { "datallowconn", 16 },
    { "datconnlimit", 23 }, { "datfrozenxid", 28 }, { "datminmxid", 28 }, { "dattablespace", 26 },
    { "datcollate", 25 }, { "datctype", 25 }, { "daticulocale", 25 }, { "datcollversion", 25 },
    { "datacl", 1034 },
};
static const SysColumn COLS_pg_foreign_server[] = {
    { "oid", 26 }, { "srvname", 19 }, { "srvowner", 26 }, { "srvfdw", 26 }, { "srvtype", 25 },
    { "srvversion", 25 }, { "srvacl", 1034 }, { "srvoptions", 1009 },
};
static const SysColumn COLS_pg_sequence[] = {
    { "seqrelid", 26 }, { "seqtypid", 26 }, { "seqstart", 20 }, { "seqincrement", 20 },
    { "seqmax", 20 }, { "seqmin", 20 }, { "seqcache", 20 }, { "seqcycle", 16 },
};
static const SysColumn COLS_pg_foreign_data_wrapper[] = {
    { "oid", 26 }, { "fdwname", 19 }, { "fdwowner", 26 }, { "fdwhandler", 26 },
    { "fdwvalidator", 26 }, { "fdwacl", 1034 }, { "fdwoptions", 1009 },
};
static const SysColumn COLS_pg_shdescription[] = {
    { "objoid", 26 }, { "classoid", 26 }, { "description", 25 },
};
static const SysColumn COLS_pg_am[] = {
    { "oid", 26 }, { "amname", 19 }, { "amhandler", 24 }, { "amtype", 18 },
};
static const SysColumn COLS_pg_amop[] = {
    { "oid", 26 }, { "amopfamily", 26 }, { "amoplefttype", 26 }, { "amoprighttype", 26 },
    { "amopstrategy", 21 }, { "amoppurpose", 18 }, { "amopopr", 26 }, { "amopmethod", 26 },
    { "amopsortfamily", 26 },
};
static const SysColumn COLS_pg_amproc[] = {
    { "oid", 26 }, { "amprocfamily", 26 }, { "amproclefttype", 26 }, { "amprocrighttype", 26 },
    { "amprocnum", 21 }, { "amproc", 24 },
};
static const SysColumn COLS_pg_attrdef[] = {
    { "oid", 26 }, { "adrelid", 26 }, { "adnum", 21 }, { "adbin", 194 },
};
static const SysColumn COLS_pg_cast[] = {
    { "oid", 26 }, { "castsource", 26 }, { "casttarget", 26 }, { "castfunc", 26 },
    { "castcontext", 18 }, { "castmethod", 18 },
};
static const SysColumn COLS_pg_constraint[] = {
    { "oid", 26 }, { "conname", 19 }, { "connamespace", 26 }, { "contype", 18 },
    { "condeferrable", 16 }, { "condeferred", 16 }, { "convalidated", 16 }, { "conrelid", 26 },
    { "contypid", 26 }, { "conindid", 26 }, { "conparentid", 26 }, { "confrelid", 26 },
    { "confupdtype", 18 }, { "confdeltype", 18 }, { "confmatchtype", 18 }, { "conislocal", 16 },
    { "coninhcount", 23 }, { "connoinherit", 16 }, { "conkey", 1005 }, { "confkey", 1005 },
    { "conpfeqop", 1028 }, { "conppeqop", 1028 }, { "conffeqop", 1028 },
    { "confdelsetcols", 1005 }, { "conexclop", 1028 }, { "conbin", 194 },
};
static const SysColumn COLS_pg_conversion[] = {
    { "oid", 26 }, { "conname", 19 }, { "connamespace", 26 }, { "conowner", 26 },
    { "conforencoding", 23 }, { "contoencoding", 23 }, { "conproc", 24 }, { "condefault", 16 },
};
static const SysColumn COLS_pg_depend[] = {
    { "classid", 26 }, { "objid", 26 }, { "objsubid", 23 }, { "refclassid", 26 },
    { "refobjid", 26 }, { "refobjsubid", 23 }, { "deptype", 18 },
};
static const SysColumn COLS_pg_description[] = {
    { "objoid", 26 }, { "classoid", 26 }, { "objsubid", 23 }, { "description", 25 },
};
static const SysColumn COLS_pg_index[] = {
    { "indexrelid", 26 }, { "indrelid", 26 }, { "indnatts", 21 }, { "indnkeyatts", 21 },
    { "indisunique", 16 }, { "indnullsnotdistinct", 16 }, { "indisprimary", 16 },
    { "indisexclusion", 16 }, { "indimmediate", 16 }, { "indisclustered", 16 },
    { "indisvalid", 16 }, { "indcheckxmin", 16 }, { "indisready", 16 }, { "indislive", 16 },
    { "indisreplident", 16 }, { "indkey", 22 }, { "indcollation", 30 }, { "indclass", 30 },
    { "indoption", 22 }, { "indexprs", 194 }, { "indpred", 194 },
};
static const SysColumn COLS_pg_inherits[] = {
    { "inhrelid", 26 }, { "inhparent", 26 }, { "inhseqno", 23 }, { "inhdetachpending", 16 },
};
static const SysColumn COLS_pg_language[] = {
    { "oid", 26 }, { "lanname", 19 }, { "lanowner", 26 }, { "lanispl", 16 },
    { "lanpltrusted", 16 }, { "lanplcallfoid", 26 }, { "laninline", 26 }, { "lanvalidator", 26 },
    { "lanacl", 1034 },
};
static const SysColumn COLS_pg_namespace[] = {
    { "oid", 26 }, { "nspname", 19 }, { "nspowner", 26 }, { "nspacl", 1034 },
};
static const SysColumn COLS_pg_opclass[] = {
    { "oid", 26 }, { "opcmethod", 26 }, { "opcname", 19 }, { "opcnamespace", 26 },
    { "opcowner", 26 }, { "opcfamily", 26 }, { "opcintype", 26 }, { "opcdefault", 16 },
    { "opckeytype", 26 },
};
static const SysColumn COLS_pg_operator[] = {
    { "oid", 26 }, { "oprname", 19 }, { "oprnamespace", 26 }, { "oprowner", 26 },
    { "oprkind", 18 }, { "oprcanmerge", 16 }, { "oprcanhash", 16 }, { "oprleft", 26 },
    { "oprright", 26 }, { "oprresult", 26 }, { "oprcom", 26 }, { "oprnegate", 26 },
    { "oprcode", 24 }, { "oprrest", 24 }, { "oprjoin", 24 },
};
static const SysColumn COLS_pg_rewrite[] = {
    { "oid", 26 }, { "rulename", 19 }, { "ev_class", 26 }, { "ev_type", 18 },
    { "ev_enabled", 18 }, { "is_instead", 16 }, { "ev_qual", 194 }, { "ev_action", 194 },
};
static const SysColumn COLS_pg_trigger[] = {
    { "oid", 26 }, { "tgrelid", 26 }, { "tgparentid", 26 }, { "tgname", 19 }, { "tgfoid", 26 },
    { "tgtype", 21 }, { "tgenabled", 18 }, { "tgisinternal", 16 }, { "tgconstrrelid", 26 },
    { "tgconstrindid", 26 }, { "tgconstraint", 26 }, { "tgdeferrable", 16 },
    { "tginitdeferred", 16 }, { "tgnargs", 21 }, { "tgattr", 22 }, { "tgargs", 17 },
    { "tgqual", 194 }, { "tgoldtable", 19 }, { "tgnewtable", 19 },
};
static const SysColumn COLS_pg_opfamily[] = {
    { "oid", 26 }, { "opfmethod", 26 }, { "opfname", 19 }, { "opfnamespace", 26 },
    { "opfowner", 26 },
};
static const SysColumn COLS_pg_largeobject_metadata[] = {
    { "oid", 26 }, { "lomowner", 26 }, { "lomacl", 1034 },
};
static const SysColumn COLS_pg_extension[] = {
    { "oid", 26 }, { "extname", 19 }, { "extowner", 26 }, { "extnamespace", 26 },
    { "extrelocatable", 16 }, { "extversion", 25 }, { "extconfig", 1028 },
    { "extcondition", 1009 },
};
static const SysColumn COLS_pg_foreign_table[] = {
    { "ftrelid", 26 }, { "ftserver", 26 }, { "ftoptions", 1009 },
};
static const SysColumn COLS_pg_policy[] = {
    { "oid", 26 }, { "polname", 19 }, { "polrelid", 26 }, { "polcmd", 18 },
    { "polpermissive", 16 }, { "polroles", 1028 }, { "polqual", 194 }, { "polwithcheck", 194 },
};
static const SysColumn COLS_pg_partitioned_table[] = {
    { "partrelid", 26 }, { "partstrat", 18 }, { "partnatts", 21 }, { "partdefid", 26 },
    { "partattrs", 22 }, { "partclass", 30 }, { "partcollation", 30 }, { "partexprs", 194 },
};
static const SysColumn COLS_pg_statistic_ext[] = {
    { "oid", 26 }, { "stxrelid", 26 }, { "stxname", 19 }, { "stxnamespace", 26 },
    { "stxowner", 26 }, { "stxstattarget", 23 }, { "stxkeys", 22 }, { "stxkind", 1002 },
    { "stxexprs", 194 },
};
/* ---- stats: pg_statistic and pg_stats (generators in sysview_pg.c) ---- */
static const SysColumn COLS_pg_statistic[] = {
    { "starelid", 26 }, { "staattnum", 21 }, { "stainherit", 16 }, { "stanullfrac", 700 },
    { "stawidth", 23 }, { "stadistinct", 700 }, { "stakind1", 21 }, { "stakind2", 21 },
    { "stakind3", 21 }, { "stakind4", 21 }, { "stakind5", 21 }, { "staop1", 26 },
    { "staop2", 26 }, { "staop3", 26 }, { "staop4", 26 }, { "staop5", 26 }, { "stacoll1", 26 },
    { "stacoll2", 26 }, { "stacoll3", 26 }, { "stacoll4", 26 }, { "stacoll5", 26 },
    { "stanumbers1", 1021 }, { "stanumbers2", 1021 }, { "stanumbers3", 1021 },
    { "stanumbers4", 1021 }, { "stanumbers5", 1021 }, { "stavalues1", 2277 },
    { "stavalues2", 2277 }, { "stavalues3", 2277 }, { "stavalues4", 2277 }, { "stavalues5", 2277 },
};
static const SysColumn COLS_pg_stats[] = {
    { "schemaname", 19 }, { "tablename", 19 }, { "attname", 19 }, { "inherited", 16 },
    { "null_frac", 700 }, { "avg_width", 23 }, { "n_distinct", 700 },
    { "most_common_vals", 2277 }, { "most_common_freqs", 1021 }, { "histogram_bounds", 2277 },
    { "correlation", 700 }, { "most_common_elems", 2277 }, { "most_common_elem_freqs", 1021 },
    { "elem_count_histogram", 1021 },
};
/* ---- end of stats' block ---- */
static const SysColumn COLS_pg_init_privs[] = {
    { "objoid", 26 }, { "classoid", 26 }, { "objsubid", 23 }, { "privtype", 18 },
    { "initprivs", 1034 },
};
static const SysColumn COLS_pg_collation[] = {
    { "oid", 26 }, { "collname", 19 }, { "collnamespace", 26 }, { "collowner", 26 },
    { "collprovider", 18 }, { "collisdeterministic", 16 }, { "collencoding", 23 },
    { "collcollate", 25 }, { "collctype", 25 }, { "colliculocale", 25 }, { "collversion", 25 },
};
static const SysColumn COLS_pg_event_trigger[] = {
    { "oid", 26 }, { "evtname", 19 }, { "evtevent", 19 }, { "evtowner", 26 }, { "evtfoid", 26 },
    { "evtenabled", 18 }, { "evttags", 1009 },
};
static const SysColumn COLS_pg_range[] = {
    { "rngtypid", 26 }, { "rngsubtype", 26 }, { "rngmultitypid", 26 }, { "rngcollation", 26 },
    { "rngsubopc", 26 }, { "rngcanonical", 24 }, { "rngsubdiff", 24 },
};
static const SysColumn COLS_pg_transform[] = {
    { "oid", 26 }, { "trftype", 26 }, { "trflang", 26 }, { "trffromsql", 24 }, { "trftosql", 24 },
};
static const SysColumn COLS_pg_ts_dict[] = {
    { "oid", 26 }, { "dictname", 19 }, { "dictnamespace", 26 }, { "dictowner", 26 },
    { "dicttemplate", 26 }, { "dictinitoption", 25 },
};
static const SysColumn COLS_pg_ts_parser[] = {
    { "oid", 26 }, { "prsname", 19 }, { "prsnamespace", 26 }, { "prsstart", 24 },
    { "prstoken", 24 }, { "prsend", 24 }, { "prsheadline", 24 }, { "prslextype", 24 },
};
static const SysColumn COLS_pg_ts_config[] = {
    { "oid", 26 }, { "cfgname", 19 }, { "cfgnamespace", 26 }, { "cfgowner", 26 },
    { "cfgparser", 26 },
};
static const SysColumn COLS_pg_ts_template[] = {
    { "oid", 26 }, { "tmplname", 19 }, { "tmplnamespace", 26 }, { "tmplinit", 24 },
    { "tmpllexize", 24 },
};
static const SysColumn COLS_pg_subscription[] = {
    { "oid", 26 }, { "subdbid", 26 }, { "subskiplsn", 3220 }, { "subname", 19 },
    { "subowner", 26 }, { "subenabled", 16 }, { "subbinary", 16 }, { "substream", 16 },
    { "subtwophasestate", 18 }, { "subdisableonerr", 16 }, { "subconninfo", 25 },
    { "subslotname", 19 }, { "subsynccommit", 25 }, { "subpublications", 1009 },
};
static const SysColumn COLS_pg_publication[] = {
    { "oid", 26 }, { "pubname", 19 }, { "pubowner", 26 }, { "puballtables", 16 },
    { "pubinsert", 16 }, { "pubupdate", 16 }, { "pubdelete", 16 }, { "pubtruncate", 16 },
    { "pubviaroot", 16 },
};
static const SysColumn COLS_pg_publication_rel[] = {
    { "oid", 26 }, { "prpubid", 26 }, { "prrelid", 26 }, { "prqual", 194 }, { "prattrs", 22 },
};
static const SysColumn COLS_pg_publication_namespace[] = {
    { "oid", 26 }, { "pnpubid", 26 }, { "pnnspid", 26 },
};
static const SysColumn COLS_pg_roles[] = {
    { "rolname", 19 }, { "rolsuper", 16 }, { "rolinherit", 16 }, { "rolcreaterole", 16 },
    { "rolcreatedb", 16 }, { "rolcanlogin", 16 }, { "rolreplication", 16 },
    { "rolconnlimit", 23 }, { "rolpassword", 25 }, { "rolvaliduntil", 1184 },
    { "rolbypassrls", 16 }, { "rolconfig", 1009 }, { "oid", 26 },
};
static const SysColumn COLS_pg_user[] = {
    { "usename", 19 }, { "usesysid", 26 }, { "usecreatedb", 16 }, { "usesuper", 16 },
    { "userepl", 16 }, { "usebypassrls", 16 }, { "passwd", 25 }, { "valuntil", 1184 },
    { "useconfig", 1009 },
};
static const SysColumn COLS_pg_views[] = {
    { "schemaname", 19 }, { "viewname", 19 }, { "viewowner", 19 }, { "definition", 25 },
};
static const SysColumn COLS_pg_tables[] = {
    { "schemaname", 19 }, { "tablename", 19 }, { "tableowner", 19 }, { "tablespace", 19 },
    { "hasindexes", 16 }, { "hasrules", 16 }, { "hastriggers", 16 }, { "rowsecurity", 16 },
};
static const SysColumn COLS_pg_matviews[] = {
    { "schemaname", 19 }, { "matviewname", 19 }, { "matviewowner", 19 }, { "tablespace", 19 },
    { "hasindexes", 16 }, { "ispopulated", 16 }, { "definition", 25 },
};
static const SysColumn COLS_pg_indexes[] = {
    { "schemaname", 19 }, { "tablename", 19 }, { "indexname", 19 }, { "tablespace", 19 },
    { "indexdef", 25 },
};
static const SysColumn COLS_pg_sequences[] = {
    { "schemaname", 19 }, { "sequencename", 19 }, { "sequenceowner", 19 }, { "data_type", 2206 },
    { "start_value", 20 }, { "min_value", 20 }, { "max_value", 20 }, { "increment_by", 20 },
    { "cycle", 16 }, { "cache_size", 20 }, { "last_value", 20 },
};
static const SysColumn COLS_pg_seclabels[] = {
    { "objoid", 26 }, { "classoid", 26 }, { "objsubid", 23 }, { "objtype", 25 },
    { "objnamespace", 26 }, { "objname", 25 }, { "provider", 25 }, { "label", 25 },
};
static const SysColumn COLS_pg_settings[] = {
    { "name", 25 }, { "setting", 25 }, { "unit", 25 }, { "category", 25 }, { "short_desc", 25 },
    { "extra_desc", 25 }, { "context", 25 }, { "vartype", 25 }, { "source", 25 },
    { "min_val", 25 }, { "max_val", 25 }, { "enumvals", 1009 }, { "boot_val", 25 },
    { "reset_val", 25 }, { "sourcefile", 25 }, { "sourceline", 23 }, { "pending_restart", 16 },
};
static const SysColumn COLS_pg_stat_user_tables[] = {
    { "relid", 26 }, { "schemaname", 19 }, { "relname", 19 }, { "seq_scan", 20 },
    { "seq_tup_read", 20 }, { "idx_scan", 20 }, { "idx_tup_fetch", 20 }, { "n_tup_ins", 20 },
    { "n_tup_upd", 20 }, { "n_tup_del", 20 }, { "n_tup_hot_upd", 20 }, { "n_live_tup", 20 },
    { "n_dead_tup", 20 }, { "n_mod_since_analyze", 20 }, { "n_ins_since_vacuum", 20 },
    { "last_vacuum", 1184 }, { "last_autovacuum", 1184 }, { "last_analyze", 1184 },
    { "last_autoanalyze", 1184 }, { "vacuum_count", 20 }, { "autovacuum_count", 20 },
    { "analyze_count", 20 }, { "autoanalyze_count", 20 },
};
static const SysColumn COLS_pg_statio_user_tables[] = {
    { "relid", 26 }, { "schemaname", 19 }, { "relname", 19 }, { "heap_blks_read", 20 },
    { "heap_blks_hit", 20 }, { "idx_blks_read", 20 }, { "idx_blks_hit", 20 },
    { "toast_blks_read", 20 }, { "toast_blks_hit", 20 }, { "tidx_blks_read", 20 },
    { "tidx_blks_hit", 20 },
};
static const SysColumn COLS_pg_stat_user_indexes[] = {
    { "relid", 26 }, { "indexrelid", 26 }, { "schemaname", 19 }, { "relname", 19 },
    { "indexrelname", 19 }, { "idx_scan", 20 }, { "idx_tup_read", 20 }, { "idx_tup_fetch", 20 },
};
static const SysColumn COLS_pg_stat_activity[] = {
    { "datid", 26 }, { "datname", 19 }, { "pid", 23 }, { "leader_pid", 23 }, { "usesysid", 26 },
    { "usename", 19 }, { "application_name", 25 }, { "client_addr", 869 },
    { "client_hostname", 25 }, { "client_port", 23 }, { "backend_start", 1184 },
    { "xact_start", 1184 }, { "query_start", 1184 }, { "state_change", 1184 },
    { "wait_event_type", 25 }, { "wait_event", 25 }, { "state", 25 }, { "backend_xid", 28 },
    { "backend_xmin", 28 }, { "query_id", 20 }, { "query", 25 }, { "backend_type", 25 },
};
static const SysColumn COLS_info_check_constraints[] = {
    { "constraint_catalog", 19 }, { "constraint_schema", 19 }, { "constraint_name", 19 },
    { "check_clause", 1043 },
};
static const SysColumn COLS_info_columns[] = {
    { "table_catalog", 19 }, { "table_schema", 19 }, { "table_name", 19 }, { "column_name", 19 },
    { "ordinal_position", 23 }, { "column_default", 1043 }, { "is_nullable", 1043 },
    { "data_type", 1043 }, { "character_maximum_length", 23 }, { "character_octet_length", 23 },
    { "numeric_precision", 23 }, { "numeric_precision_radix", 23 }, { "numeric_scale", 23 },
    { "datetime_precision", 23 }, { "interval_type", 1043 }, { "interval_precision", 23 },
    { "character_set_catalog", 19 }, { "character_set_schema", 19 }, { "character_set_name", 19 },
    { "collation_catalog", 19 }, { "collation_schema", 19 }, { "collation_name", 19 },
    { "domain_catalog", 19 }, { "domain_schema", 19 }, { "domain_name", 19 },
    { "udt_catalog", 19 }, { "udt_schema", 19 }, { "udt_name", 19 }, { "scope_catalog", 19 },
    { "scope_schema", 19 }, { "scope_name", 19 }, { "maximum_cardinality", 23 },
    { "dtd_identifier", 19 }, { "is_self_referencing", 1043 }, { "is_identity", 1043 },
    { "identity_generation", 1043 }, { "identity_start", 1043 }, { "identity_increment", 1043 },
    { "identity_maximum", 1043 }, { "identity_minimum", 1043 }, { "identity_cycle", 1043 },
    { "is_generated", 1043 }, { "generation_expression", 1043 }, { "is_updatable", 1043 },
};
static const SysColumn COLS_info_constraint_column_usage[] = {
    { "table_catalog", 19 }, { "table_schema", 19 }, { "table_name", 19 }, { "column_name", 19 },
    { "constraint_catalog", 19 }, { "constraint_schema", 19 }, { "constraint_name", 19 },
};
static const SysColumn COLS_info_key_column_usage[] = {
    { "constraint_catalog", 19 }, { "constraint_schema", 19 }, { "constraint_name", 19 },
    { "table_catalog", 19 }, { "table_schema", 19 }, { "table_name", 19 }, { "column_name", 19 },
    { "ordinal_position", 23 }, { "position_in_unique_constraint", 23 },
};
static const SysColumn COLS_info_parameters[] = {
    { "specific_catalog", 19 }, { "specific_schema", 19 }, { "specific_name", 19 },
    { "ordinal_position", 23 }, { "parameter_mode", 1043 }, { "is_result", 1043 },
    { "as_locator", 1043 }, { "parameter_name", 19 }, { "data_type", 1043 },
    { "character_maximum_length", 23 }, { "character_octet_length", 23 },
    { "character_set_catalog", 19 }, { "character_set_schema", 19 }, { "character_set_name", 19 },
    { "collation_catalog", 19 }, { "collation_schema", 19 }, { "collation_name", 19 },
    { "numeric_precision", 23 }, { "numeric_precision_radix", 23 }, { "numeric_scale", 23 },
    { "datetime_precision", 23 }, { "interval_type", 1043 }, { "interval_precision", 23 },
    { "udt_catalog", 19 }, { "udt_schema", 19 }, { "udt_name", 19 }, { "scope_catalog", 19 },
    { "scope_schema", 19 }, { "scope_name", 19 }, { "maximum_cardinality", 23 },
    { "dtd_identifier", 19 }, { "parameter_default", 1043 },
};
static const SysColumn COLS_info_referential_constraints[] = {
    { "constraint_catalog", 19 }, { "constraint_schema", 19 }, { "constraint_name", 19 },
    { "unique_constraint_catalog", 19 }, { "unique_constraint_schema", 19 },
    { "unique_constraint_name", 19 }, { "match_option", 1043 }, { "update_rule", 1043 },
    { "delete_rule", 1043 },
};
static const SysColumn COLS_info_routines[] = {
    { "specific_catalog", 19 }, { "specific_schema", 19 }, { "specific_name", 19 },
    { "routine_catalog", 19 }, { "routine_schema", 19 }, { "routine_name", 19 },
    { "routine_type", 1043 }, { "module_catalog", 19 }, { "module_schema", 19 },
    { "module_name", 19 }, { "udt_catalog", 19 }, { "udt_schema", 19 }, { "udt_name", 19 },
    { "data_type", 1043 }, { "character_maximum_length", 23 }, { "character_octet_length", 23 },
    { "character_set_catalog", 19 }, { "character_set_schema", 19 }, { "character_set_name", 19 },
    { "collation_catalog", 19 }, { "collation_schema", 19 }, { "collation_name", 19 },
    { "numeric_precision", 23 }, { "numeric_precision_radix", 23 }, { "numeric_scale", 23 },
    { "datetime_precision", 23 }, { "interval_type", 1043 }, { "interval_precision", 23 },
    { "type_udt_catalog", 19 }, { "type_udt_schema", 19 }, { "type_udt_name", 19 },
    { "scope_catalog", 19 }, { "scope_schema", 19 }, { "scope_name", 19 },
    { "maximum_cardinality", 23 }, { "dtd_identifier", 19 }, { "routine_body", 1043 },
    { "routine_definition", 1043 }, { "external_name", 1043 }, { "external_language", 1043 },
    { "parameter_style", 1043 }, { "is_deterministic", 1043 }, { "sql_data_access", 1043 },
    { "is_null_call", 1043 }, { "sql_path", 1043 }, { "schema_level_routine", 1043 },
    { "max_dynamic_result_sets", 23 }, { "is_user_defined_cast", 1043 },
    { "is_implicitly_invocable", 1043 }, { "security_type", 1043 },
    { "to_sql_specific_catalog", 19 }, { "to_sql_specific_schema", 19 },
    { "to_sql_specific_name", 19 }, { "as_locator", 1043 }, { "created", 1184 },
    { "last_altered", 1184 }, { "new_savepoint_level", 1043 }, { "is_udt_dependent", 1043 },
    { "result_cast_from_data_type", 1043 }, { "result_cast_as_locator", 1043 },
    { "result_cast_char_max_length", 23 }, { "result_cast_char_octet_length", 23 },
    { "result_cast_char_set_catalog", 19 }, { "result_cast_char_set_schema", 19 },
    { "result_cast_char_set_name", 19 }, { "result_cast_collation_catalog", 19 },
    { "result_cast_collation_schema", 19 }, { "result_cast_collation_name", 19 },
    { "result_cast_numeric_precision", 23 }, { "result_cast_numeric_precision_radix", 23 },
    { "result_cast_numeric_scale", 23 }, { "result_cast_datetime_precision", 23 },
    { "result_cast_interval_type", 1043 }, { "result_cast_interval_precision", 23 },
    { "result_cast_type_udt_catalog", 19 }, { "result_cast_type_udt_schema", 19 },
    { "result_cast_type_udt_name", 19 }, { "result_cast_scope_catalog", 19 },
    { "result_cast_scope_schema", 19 }, { "result_cast_scope_name", 19 },
    { "result_cast_maximum_cardinality", 23 }, { "result_cast_dtd_identifier", 19 },
};
static const SysColumn COLS_info_schemata[] = {
    { "catalog_name", 19 }, { "schema_name", 19 }, { "schema_owner", 19 },
    { "default_character_set_catalog", 19 }, { "default_character_set_schema", 19 },
    { "default_character_set_name", 19 }, { "sql_path", 1043 },
};
static const SysColumn COLS_info_sequences[] = {
    { "sequence_catalog", 19 }, { "sequence_schema", 19 }, { "sequence_name", 19 },
    { "data_type", 1043 }, { "numeric_precision", 23 }, { "numeric_precision_radix", 23 },
    { "numeric_scale", 23 }, { "start_value", 1043 }, { "minimum_value", 1043 },
    { "maximum_value", 1043 }, { "increment", 1043 }, { "cycle_option", 1043 },
};
static const SysColumn COLS_info_table_constraints[] = {
    { "constraint_catalog", 19 }, { "constraint_schema", 19 }, { "constraint_name", 19 },
    { "table_catalog", 19 }, { "table_schema", 19 }, { "table_name", 19 },
    { "constraint_type", 1043 }, { "is_deferrable", 1043 }, { "initially_deferred", 1043 },
    { "enforced", 1043 }, { "nulls_distinct", 1043 },
};
static const SysColumn COLS_info_tables[] = {
    { "table_catalog", 19 }, { "table_schema", 19 }, { "table_name", 19 }, { "table_type", 1043 },
    { "self_referencing_column_name", 19 }, { "reference_generation", 1043 },
    { "user_defined_type_catalog", 19 }, { "user_defined_type_schema", 19 },
    { "user_defined_type_name", 19 }, { "is_insertable_into", 1043 }, { "is_typed", 1043 },
    { "commit_action", 1043 },
};
static const SysColumn COLS_info_views[] = {
    { "table_catalog", 19 }, { "table_schema", 19 }, { "table_name", 19 },
    { "view_definition", 1043 }, { "check_option", 1043 }, { "is_updatable", 1043 },
    { "is_insertable_into", 1043 }, { "is_trigger_updatable", 1043 },
    { "is_trigger_deletable", 1043 }, { "is_trigger_insertable_into", 1043 },
};

#define SYSVIEW(oid, schema, name, kind, cols, gen) \
    { oid, schema, name, kind, (uint16_t)(sizeof cols / sizeof cols[0]), cols, gen }

static const SysView SYSVIEWS[] = {
    SYSVIEW(826, "pg_catalog", "pg_default_acl", 'r', COLS_pg_default_acl, sysgen_empty),
    SYSVIEW(1213, "pg_catalog", "pg_tablespace", 'r', COLS_pg_tablespace, sysgen_pg_tablespace),
    SYSVIEW(1247, "pg_catalog", "pg_type", 'r', COLS_pg_type, sysgen_pg_type),
    SYSVIEW(1249, "pg_catalog", "pg_attribute", 'r', COLS_pg_attribute, sysgen_pg_attribute),
    SYSVIEW(1255, "pg_catalog", "pg_proc", 'r', COLS_pg_proc, sysgen_pg_proc),
    SYSVIEW(1259, "pg_catalog", "pg_class", 'r', COLS_pg_class, sysgen_pg_class),
    SYSVIEW(1260, "pg_catalog", "pg_authid", 'r', COLS_pg_authid, sysgen_pg_authid),
    SYSVIEW(1261, "pg_catalog", "pg_auth_members",
            'r', COLS_pg_auth_members, sysgen_pg_auth_members),
    SYSVIEW(1262, "pg_catalog", "pg_database", 'r', COLS_pg_database, sysgen_pg_database),
    SYSVIEW(1417, "pg_catalog", "pg_foreign_server", 'r', COLS_pg_foreign_server, sysgen_empty),
    SYSVIEW(2224, "pg_catalog", "pg_sequence", 'r', COLS_pg_sequence, sysgen_pg_sequence),
    SYSVIEW(2328, "pg_catalog", "pg_foreign_data_wrapper",
            'r', COLS_pg_foreign_data_wrapper, sysgen_empty),
    SYSVIEW(2396, "pg_catalog", "pg_shdescription", 'r', COLS_pg_shdescription, sysgen_empty),
    SYSVIEW(2601, "pg_catalog", "pg_am", 'r', COLS_pg_am, sysgen_pg_am),
    SYSVIEW(2602, "pg_catalog", "pg_amop", 'r', COLS_pg_amop, sysgen_empty),
    SYSVIEW(2603, "pg_catalog", "pg_amproc", 'r', COLS_pg_amproc, sysgen_empty),
    SYSVIEW(2604, "pg_catalog", "pg_attrdef", 'r', COLS_pg_attrdef, sysgen_pg_attrdef),
    SYSVIEW(2605, "pg_catalog", "pg_cast", 'r', COLS_pg_cast, sysgen_empty),
    SYSVIEW(2606, "pg_catalog", "pg_constraint", 'r', COLS_pg_constraint, sysgen_pg_constraint),
    SYSVIEW(2607, "pg_catalog", "pg_conversion", 'r', COLS_pg_conversion, sysgen_empty),
    SYSVIEW(2608, "pg_catalog", "pg_depend", 'r', COLS_pg_depend, sysgen_pg_depend),
    SYSVIEW(2609, "pg_catalog", "pg_description", 'r', COLS_pg_description, sysgen_empty),
    SYSVIEW(2610, "pg_catalog", "pg_index", 'r', COLS_pg_index, sysgen_pg_index),
    SYSVIEW(2611, "pg_catalog", "pg_inherits", 'r', COLS_pg_inherits, sysgen_empty),
    SYSVIEW(2612, "pg_catalog", "pg_language", 'r', COLS_pg_language, sysgen_empty),
    SYSVIEW(2615, "pg_catalog", "pg_namespace", 'r', COLS_pg_namespace, sysgen_pg_namespace),
    SYSVIEW(2616, "pg_catalog", "pg_opclass", 'r', COLS_pg_opclass, sysgen_empty),
    SYSVIEW(2617, "pg_catalog", "pg_operator", 'r', COLS_pg_operator, sysgen_empty),
    SYSVIEW(2618, "pg_catalog", "pg_rewrite", 'r', COLS_pg_rewrite, sysgen_empty),
    SYSVIEW(2619, "pg_catalog", "pg_statistic", 'r', COLS_pg_statistic, sysgen_pg_statistic),
    SYSVIEW(2620, "pg_catalog", "pg_trigger", 'r', COLS_pg_trigger, sysgen_empty),
    SYSVIEW(2753, "pg_catalog", "pg_opfamily", 'r', COLS_pg_opfamily, sysgen_empty),
    SYSVIEW(2995, "pg_catalog", "pg_largeobject_metadata",
            'r', COLS_pg_largeobject_metadata, sysgen_empty),
    SYSVIEW(3079, "pg_catalog", "pg_extension", 'r', COLS_pg_extension, sysgen_empty),
    SYSVIEW(3118, "pg_catalog", "pg_foreign_table", 'r', COLS_pg_foreign_table, sysgen_empty),
    SYSVIEW(3256, "pg_catalog", "pg_policy", 'r', COLS_pg_policy, sysgen_empty),
    SYSVIEW(3350, "pg_catalog", "pg_partitioned_table",
            'r', COLS_pg_partitioned_table, sysgen_empty),
    SYSVIEW(3381, "pg_catalog", "pg_statistic_ext", 'r', COLS_pg_statistic_ext, sysgen_empty),
    SYSVIEW(3394, "pg_catalog", "pg_init_privs", 'r', COLS_pg_init_privs, sysgen_empty),
    SYSVIEW(3456, "pg_catalog", "pg_collation", 'r', COLS_pg_collation, sysgen_pg_collation),
    SYSVIEW(3466, "pg_catalog", "pg_event_trigger", 'r', COLS_pg_event_trigger, sysgen_empty),
    SYSVIEW(3541, "pg_catalog", "pg_range", 'r', COLS_pg_range, sysgen_empty),
    SYSVIEW(3576, "pg_catalog", "pg_transform", 'r', COLS_pg_transform, sysgen_empty),
    SYSVIEW(3600, "pg_catalog", "pg_ts_dict", 'r', COLS_pg_ts_dict, sysgen_empty),
    SYSVIEW(3601, "pg_catalog", "pg_ts_parser", 'r', COLS_pg_ts_parser, sysgen_empty),
    SYSVIEW(3602, "pg_catalog", "pg_ts_config", 'r', COLS_pg_ts_config, sysgen_empty),
    SYSVIEW(3764, "pg_catalog", "pg_ts_template", 'r', COLS_pg_ts_template, sysgen_empty),
    SYSVIEW(6100, "pg_catalog", "pg_subscription", 'r', COLS_pg_subscription, sysgen_empty),
    SYSVIEW(6104, "pg_catalog", "pg_publication", 'r', COLS_pg_publication, sysgen_empty),
    SYSVIEW(6106, "pg_catalog", "pg_publication_rel", 'r', COLS_pg_publication_rel, sysgen_empty),
    SYSVIEW(6237, "pg_catalog", "pg_publication_namespace",
            'r', COLS_pg_publication_namespace, sysgen_empty),
    SYSVIEW(12000, "pg_catalog", "pg_roles", 'v', COLS_pg_roles, sysgen_pg_roles),
    SYSVIEW(12014, "pg_catalog", "pg_user", 'v', COLS_pg_user, sysgen_pg_user),
    SYSVIEW(12028, "pg_catalog", "pg_views", 'v', COLS_pg_views, sysgen_pg_views),
    SYSVIEW(12033, "pg_catalog", "pg_tables", 'v', COLS_pg_tables, sysgen_pg_tables),
    SYSVIEW(12038, "pg_catalog", "pg_matviews", 'v', COLS_pg_matviews, sysgen_empty),
    SYSVIEW(12043, "pg_catalog", "pg_indexes", 'v', COLS_pg_indexes, sysgen_pg_indexes),
    SYSVIEW(12048, "pg_catalog", "pg_sequences", 'v', COLS_pg_sequences, sysgen_pg_sequences),
    SYSVIEW(12053, "pg_catalog", "pg_stats", 'v', COLS_pg_stats, sysgen_pg_stats),   /* stats */
    SYSVIEW(12099, "pg_catalog", "pg_seclabels", 'v', COLS_pg_seclabels, sysgen_empty),
    SYSVIEW(12104, "pg_catalog", "pg_settings", 'v', COLS_pg_settings, sysgen_pg_settings),
    SYSVIEW(12161, "pg_catalog", "pg_stat_user_tables",
            'v', COLS_pg_stat_user_tables, sysgen_pg_stat_user_tables),
    SYSVIEW(12179, "pg_catalog", "pg_statio_user_tables",
            'v', COLS_pg_statio_user_tables, sysgen_pg_statio_user_tables),
    SYSVIEW(12192, "pg_catalog", "pg_stat_user_indexes",
            'v', COLS_pg_stat_user_indexes, sysgen_pg_stat_user_indexes),
    SYSVIEW(12222, "pg_catalog", "pg_stat_activity",
            'v', COLS_pg_stat_activity, sysgen_pg_stat_activity),
    SYSVIEW(13260, "information_schema", "check_constraints",
            'v', COLS_info_check_constraints, sysgen_info_check_constraints),
    SYSVIEW(13295, "information_schema", "columns", 'v', COLS_info_columns, sysgen_info_columns),
    SYSVIEW(13300, "information_schema", "constraint_column_usage",
            'v', COLS_info_constraint_column_usage, sysgen_info_constraint_column_usage),
    SYSVIEW(13329, "information_schema", "key_column_usage",
            'v', COLS_info_key_column_usage, sysgen_info_key_column_usage),
    SYSVIEW(13334, "information_schema", "parameters", 'v', COLS_info_parameters, sysgen_empty),
    SYSVIEW(13339, "information_schema", "referential_constraints",
            'v', COLS_info_referential_constraints, sysgen_info_referential_constraints),
    SYSVIEW(13377, "information_schema", "routines", 'v', COLS_info_routines, sysgen_empty),
    SYSVIEW(13382, "information_schema", "schemata", 'v', COLS_info_schemata, sysgen_info_schemata),
    SYSVIEW(13386, "information_schema", "sequences",
            'v', COLS_info_sequences, sysgen_info_sequences),
    SYSVIEW(13411, "information_schema", "table_constraints",
            'v', COLS_info_table_constraints, sysgen_info_table_constraints),
    SYSVIEW(13425, "information_schema", "tables", 'v', COLS_info_tables, sysgen_info_tables),
    SYSVIEW(13483, "information_schema", "views", 'v', COLS_info_views, sysgen_info_views),
};

size_t sysview_count(void) { return sizeof SYSVIEWS / sizeof SYSVIEWS[0]; }

const SysView *sysview_at(size_t idx) { return idx < sysview_count() ? &SYSVIEWS[idx] : NULL; }
