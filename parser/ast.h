/* parser/ast.h: the abstract syntax tree the grammar builds and the binder consumes.
 *
 * Every node is a tagged struct (an enum kind plus fields) allocated in the query arena; there
 * is nothing to free. Names are already case-folded by the tokenizer (quoted names keep their
 * case). Every expression and statement carries the 1-based byte position of its first token
 * (the operator's position for binary operators, as PostgreSQL reports it).
 *
 * ast_print writes a deterministic S-expression for tests (no positions, no addresses):
 *   - a node prints as "(tag child ...)"; absent optional parts are omitted; flags print as
 *     bare words ("distinct", "all", "cascade", "if_exists", ...); an absent expression inside
 *     a fixed slot prints "_" (e.g. (slice a _ 2) for a[:2]).
 *   - names print bare and dotted (t.a, s.t); a name that is not lower-case [a-z0-9_$] prints
 *     in double quotes ("Mixed Case").
 *   - constants: 1, -5, 1.5e3 as written; 'text' with '' doubled; B'01', X'1f'; null, true,
 *     false; $1 for parameters; default for DEFAULT; * and t.* for stars; a column is its name.
 *   - operators: (+ a b), (- a) for prefix ones, (and a b c) (or a b) (not a), (is_null a)
 *     (is_not_true a) ..., (distinct_from a b) (not_distinct_from a b), (between a lo hi) with
 *     not_between / between_symmetric, (in a (list 1 2)) (not_in ...), (like a p (escape e))
 *     with not_like / ilike / similar, (collate a "C"), (at_time_zone a z).
 *   - subqueries: (subquery SELECT), (exists SELECT), (in a SELECT), (any = a SELECT|expr),
 *     (all <> a SELECT|expr), (array_sub SELECT).
 *   - (case [arg] (when c r)... [(else e)]), (cast a TYPE), (func name [distinct] [*] args...
 *     [(order ...)] [(filter e)] [(over WINDOW)]), (coalesce ...) (nullif a b) (greatest ...)
 *     (least ...), (array e...), (row e...), (subscript a i), (slice a lo hi).
 *   - TYPE: (type name [mods...] [(fields f)] [[]...]), e.g. (type numeric 10 2),
 *     (type int4 []), (type interval (fields day to second)).
 *   - WINDOW: (window [name] [(ref w)] [(partition ...)] [(order ...)] [(rows|range|groups
 *     START [END] [exclude_...])]), bounds unbounded_preceding, (preceding e), current_row, ...
 *   - sort items: e, or (sort e [(collate c)] [(opclass o)] [asc|desc] [nulls_first|nulls_last]).
 *   - SELECT: (select [(with ...)] [distinct|(distinct_on ...)] [(targets ...)] [(from ...)]
 *     [(where e)] [(group ...)] [(having e)] [(windows ...)] [(order ...)] [(limit e)]
 *     [(offset e)] [(for_update ...)]), (values (1 2) (3 4) ...), (union [all] L R ...);
 *     targets are e or (as e alias); FROM items are (table t [only] [(alias a c...)]),
 *     (subquery [lateral] SELECT [(alias ...)]), (function [lateral] FUNC [ordinality] ...),
 *     (join inner|left|right|full|cross [natural] L R [(on e)|(using c...)] [(alias ...)]).
 *   - statements start with their verb: (insert ...), (update ...), (delete ...),
 *     (create_table ...), (create_index ...), (alter_table t (add_column ...) ...),
 *     (drop_table [if_exists] a b [cascade]), (begin (modes ...)), (set name values...),
 *     (copy t from stdin (options ...)), (explain (options ...) STMT), ... (see ast_print.c).
 *   - a named function argument prints (named name e); (e).f prints (field e f).
 *   - ast_print_stmts joins statements with "; ".
 */
#ifndef BIRCH_PARSER_AST_H
#define BIRCH_PARSER_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"

/* A growable array of node pointers in the arena. */
typedef struct AstList {
    int    count;
    int    capacity;
    void **items;
} AstList;

/* ------------------------------------------------------------------ types */

typedef struct AstTypeName {
    char    *name;         /* last name part, canonical for multi-word types (see ast_type_new) */
    AstList *qualifiers;   /* char * schema parts before the name, NULL if unqualified */
    AstList *mods;         /* AstExpr * typmods ((10,2) -> 10, 2), NULL if none */
    int      array_dims;   /* number of [] (or ARRAY) suffixes */
    char    *interval_fields;   /* interval only: "day", "hour to second", ...; NULL if none */
    int      position;
} AstTypeName;

/* ------------------------------------------------------------ expressions */

typedef enum AstExprKind {
    AST_EXPR_NULL,          /* NULL */
    AST_EXPR_BOOL,          /* TRUE/FALSE: bool_value */
    AST_EXPR_INTEGER,       /* text; int_value if int_fits */
    AST_EXPR_NUMERIC,       /* text as written: 1.5, 1e10 */
    AST_EXPR_STRING,        /* text (size text_size) */
    AST_EXPR_BIT_STRING,    /* text: digits; hex = X'..' */
    AST_EXPR_PARAM,         /* $n: param_idx (1-based) */
    AST_EXPR_DEFAULT,       /* DEFAULT in VALUES or SET */
    AST_EXPR_COLUMN,        /* names: char * parts (a, t.a, s.t.a) */
    AST_EXPR_STAR,          /* * or t.*: names = qualifier parts (NULL for bare *) */
    AST_EXPR_UNARY,         /* op arg: op is "-", "+", "~", ... */
    AST_EXPR_BINARY,        /* left op right: op is "+", "=", "||", "~~*" ... as written */
    AST_EXPR_AND,           /* args: two or more */
    AST_EXPR_OR,            /* args: two or more */
    AST_EXPR_NOT,           /* arg */
    AST_EXPR_IS,            /* arg IS [NOT] test: is_test, negated */
    AST_EXPR_DISTINCT_FROM, /* left IS [NOT] DISTINCT FROM right: negated = NOT DISTINCT */
    AST_EXPR_BETWEEN,       /* arg BETWEEN left AND right: negated, symmetric */
    AST_EXPR_IN_LIST,       /* arg [NOT] IN (args): negated */
    AST_EXPR_LIKE,          /* left [NOT] LIKE/ILIKE/SIMILAR TO right [ESCAPE escape] */
    AST_EXPR_SUBLINK,       /* sublink_kind: EXISTS, scalar, IN, ANY/ALL (op), ARRAY(...) */
    AST_EXPR_CASE,          /* case_arg (NULL if searched), whens: AstWhen *, else_expr */
    AST_EXPR_CAST,          /* arg :: type (typed literal: arg is a string constant) */
    AST_EXPR_FUNC,          /* a call: see AstFuncCall */
    AST_EXPR_COALESCE,      /* args */
    AST_EXPR_NULLIF,        /* left, right */
    AST_EXPR_GREATEST,      /* args */
    AST_EXPR_LEAST,         /* args */
    AST_EXPR_ARRAY,         /* ARRAY[args] */
    AST_EXPR_SUBSCRIPT,     /* arg[left] or arg[left:right] (slice; either bound may be NULL) */
    AST_EXPR_ROW,           /* (a, b) or ROW(a, b): args */
    AST_EXPR_COLLATE,       /* arg COLLATE names */
    AST_EXPR_AT_TIME_ZONE,  /* left AT TIME ZONE right */
    AST_EXPR_NAMED_ARG,     /* a function argument name => arg: text is the name */
    AST_EXPR_FIELD,         /* (arg).name or (arg).*: text is the field name or "*" */
} AstExprKind;

typedef enum AstIsTest {
    AST_IS_NULL,
    AST_IS_TRUE,
    AST_IS_FALSE,
    AST_IS_UNKNOWN,
} AstIsTest;

typedef enum AstLikeKind { AST_LIKE, AST_ILIKE, AST_SIMILAR } AstLikeKind;

typedef enum AstSublinkKind {
    AST_SUBLINK_EXISTS,   /* EXISTS (select) */
    AST_SUBLINK_SCALAR,   /* (select) */
    AST_SUBLINK_IN,       /* left [NOT] IN (select): negated */
    AST_SUBLINK_ANY,      /* left op ANY/SOME (select) */
    AST_SUBLINK_ALL,      /* left op ALL (select) */
    AST_SUBLINK_ARRAY,    /* ARRAY(select) */
} AstSublinkKind;

typedef struct AstExpr   AstExpr;
typedef struct AstSelect AstSelect;
typedef struct AstWindow AstWindow;

typedef struct AstWhen {
    AstExpr *condition;
    AstExpr *result;
} AstWhen;

typedef struct AstFuncCall {
    AstList   *names;       /* char *: the (qualified) name, lower case */
    AstList   *args;        /* AstExpr *, NULL for f() and f(*) */
    bool       star;        /* count(*) */
    bool       distinct;    /* f(DISTINCT x) */
    bool       variadic;    /* reserved */
    AstList   *order_by;    /* AstSortBy *: string_agg(x, ',' ORDER BY y), NULL if none */
    AstExpr   *filter;      /* FILTER (WHERE ...) */
    AstWindow *over;        /* OVER (...) or OVER name */
} AstFuncCall;

struct AstExpr {
    AstExprKind kind;
    int         position;
    /* constants */
    bool        bool_value;
    bool        int_fits;      /* AST_EXPR_INTEGER: the digits fit int64_t */
    bool        hex;           /* AST_EXPR_BIT_STRING: X'..' rather than B'..' */
    int64_t     int_value;
    const char *text;          /* INTEGER, NUMERIC, STRING, BIT_STRING; op for UNARY/BINARY */
    size_t      text_size;
    int         param_idx;
    /* names */
    AstList    *names;         /* COLUMN, STAR, COLLATE: char * */
    /* operands */
    AstExpr    *arg;
    AstExpr    *left;
    AstExpr    *right;
    AstExpr    *escape;        /* LIKE ... ESCAPE */
    AstList    *args;          /* AstExpr * */
    bool        negated;
    bool        symmetric;     /* BETWEEN SYMMETRIC */
    bool        slice;         /* SUBSCRIPT: a[lo:hi] */
    bool        explicit_row;  /* ROW(...) rather than (a, b) */
    AstIsTest   is_test;
    AstLikeKind like_kind;
    /* subqueries */
    AstSublinkKind sublink_kind;
    AstSelect  *subquery;
    /* CASE */
    AstExpr    *case_arg;
    AstList    *whens;         /* AstWhen * */
    AstExpr    *else_expr;
    /* CAST */
    AstTypeName *type;
    /* FUNC */
    AstFuncCall *func;
};

/* ---------------------------------------------------- select and friends */

typedef enum AstSortDir { AST_SORT_DEFAULT, AST_SORT_ASC, AST_SORT_DESC } AstSortDir;
typedef enum AstNulls { AST_NULLS_DEFAULT, AST_NULLS_FIRST, AST_NULLS_LAST } AstNulls;

typedef struct AstSortBy {
    AstExpr   *expr;
    AstSortDir dir;
    AstNulls   nulls;
    char      *opclass;     /* CREATE INDEX column operator class, NULL if none */
    char      *collation;   /* CREATE INDEX column collation, NULL if none */
} AstSortBy;

typedef enum AstFrameUnit { AST_FRAME_NONE, AST_FRAME_ROWS, AST_FRAME_RANGE, AST_FRAME_GROUPS }
    AstFrameUnit;
typedef enum AstBoundKind {
    AST_BOUND_UNBOUNDED_PRECEDING,
    AST_BOUND_PRECEDING,       /* offset PRECEDING */
    AST_BOUND_CURRENT_ROW,
    AST_BOUND_FOLLOWING,       /* offset FOLLOWING */
    AST_BOUND_UNBOUNDED_FOLLOWING,
} AstBoundKind;
typedef enum AstExclude {
    AST_EXCLUDE_NONE,          /* also EXCLUDE NO OTHERS */
    AST_EXCLUDE_CURRENT_ROW,
    AST_EXCLUDE_GROUP,
    AST_EXCLUDE_TIES,
} AstExclude;

typedef struct AstFrameBound {
    AstBoundKind kind;
    AstExpr     *offset;   /* for PRECEDING/FOLLOWING with an offset */
} AstFrameBound;

struct AstWindow {
    char         *name;          /* WINDOW name AS (...): the name; OVER name: the name */
    char         *ref_name;      /* OVER (w ORDER BY ...): the base window */
    AstList      *partition_by;  /* AstExpr * */
    AstList      *order_by;      /* AstSortBy * */
    AstFrameUnit  frame_unit;    /* NONE when there is no frame clause */
    AstFrameBound start;
    AstFrameBound end;           /* CURRENT ROW when only a start was given */
    bool          has_end;       /* BETWEEN ... AND ... */
    AstExclude    exclude;
    int           position;
};

typedef struct AstTarget {
    AstExpr *expr;
    char    *alias;          /* AS name, NULL if none */
    int      position;
} AstTarget;

typedef struct AstAlias {
    char    *name;
    AstList *columns;        /* char *, NULL if none */
} AstAlias;

typedef enum AstFromKind {
    AST_FROM_TABLE,          /* names, only */
    AST_FROM_SUBQUERY,       /* subquery (a VALUES list is a subquery too) */
    AST_FROM_FUNCTION,       /* func (an AST_EXPR_FUNC), ordinality */
    AST_FROM_JOIN,           /* left, right, join_kind, natural, on / using */
} AstFromKind;

typedef enum AstJoinKind {
    AST_JOIN_INNER,
    AST_JOIN_LEFT,
    AST_JOIN_RIGHT,
    AST_JOIN_FULL,
    AST_JOIN_CROSS,
} AstJoinKind;

typedef struct AstFrom AstFrom;
struct AstFrom {
    AstFromKind kind;
    int         position;
    AstList    *names;       /* TABLE: char * parts */
    bool        only;        /* TABLE: ONLY t */
    AstSelect  *subquery;    /* SUBQUERY */
    AstExpr    *func;        /* FUNCTION */
    bool        ordinality;  /* FUNCTION: WITH ORDINALITY */
    bool        lateral;     /* SUBQUERY, FUNCTION */
    AstAlias   *alias;       /* NULL if none (a JOIN may have one too) */
    AstFrom    *left;        /* JOIN */
    AstFrom    *right;
    AstJoinKind join_kind;
    bool        natural;
    AstExpr    *on;          /* JOIN ... ON */
    AstList    *using_cols;  /* JOIN ... USING (char *) */
};

typedef struct AstStmt AstStmt;

typedef struct AstCte {
    char      *name;
    AstList   *columns;      /* char *, NULL if none */
    AstSelect *query;        /* a SELECT; NULL when dml is set */
    AstStmt   *dml;          /* a data-modifying CTE: AST_STMT_INSERT/UPDATE/DELETE, else NULL */
    int        materialized; /* 0 default, 1 MATERIALIZED, -1 NOT MATERIALIZED */
    int        position;
} AstCte;

typedef struct AstWith {
    bool     recursive;
    AstList *ctes;           /* AstCte * */
} AstWith;

typedef enum AstLockStrength {
    AST_LOCK_UPDATE,
    AST_LOCK_NO_KEY_UPDATE,
    AST_LOCK_SHARE,
    AST_LOCK_KEY_SHARE,
} AstLockStrength;

typedef struct AstLocking {
    AstLockStrength strength;
    AstList        *tables;        /* AstList of char * names (each a qualified name), or NULL */
    int             wait_policy;   /* 0 wait, 1 NOWAIT, 2 SKIP LOCKED */
} AstLocking;

typedef enum AstSelectKind {
    AST_SELECT_CORE,         /* SELECT ... FROM ... */
    AST_SELECT_VALUES,       /* VALUES (...), (...) */
    AST_SELECT_SETOP,        /* left UNION/INTERSECT/EXCEPT [ALL] right */
} AstSelectKind;

typedef enum AstSetOp { AST_SETOP_UNION, AST_SETOP_INTERSECT, AST_SETOP_EXCEPT } AstSetOp;

struct AstSelect {
    AstSelectKind kind;
    int           position;
    /* CORE */
    bool          distinct;       /* DISTINCT (distinct_on NULL) or DISTINCT ON (...) */
    AstList      *distinct_on;    /* AstExpr * */
    AstList      *targets;        /* AstTarget * */
    AstList      *from;           /* AstFrom * (comma-separated items), NULL if none */
    AstExpr      *where;
    AstList      *group_by;       /* AstExpr * */
    AstExpr      *having;
    AstList      *windows;        /* AstWindow * with names */
    /* VALUES */
    AstList      *values;         /* AstList * of AstExpr * (one per row) */
    /* SETOP */
    AstSetOp      setop;
    bool          setop_all;
    AstSelect    *left;
    AstSelect    *right;
    /* on any kind */
    AstWith      *with;
    AstList      *order_by;       /* AstSortBy * */
    AstExpr      *limit;          /* LIMIT n, FETCH FIRST n ROWS ONLY; NULL: none or ALL */
    AstExpr      *offset;
    AstList      *locking;        /* AstLocking * */
};

/* ---------------------------------------------------------------- options */

/* A generic name = value option: WITH (fillfactor = 90), COPY (FORMAT csv), EXPLAIN (ANALYZE),
 * sequence, role and transaction options. value is NULL for a bare option. */
typedef struct AstOption {
    char    *name;
    AstExpr *value;
} AstOption;

/* ------------------------------------------------------------ DDL pieces */

typedef enum AstConstraintKind {
    AST_CONSTR_NOT_NULL,
    AST_CONSTR_NULL,
    AST_CONSTR_DEFAULT,       /* expr */
    AST_CONSTR_PRIMARY_KEY,   /* columns (table constraint) */
    AST_CONSTR_UNIQUE,        /* columns (table constraint) */
    AST_CONSTR_CHECK,         /* expr */
    AST_CONSTR_FOREIGN_KEY,   /* columns, ref_table, ref_columns, actions */
    AST_CONSTR_IDENTITY,      /* identity_always, options (sequence options) */
    AST_CONSTR_GENERATED,     /* GENERATED ALWAYS AS (expr) STORED */
} AstConstraintKind;

typedef enum AstFkAction {
    AST_FK_NO_ACTION,
    AST_FK_RESTRICT,
    AST_FK_CASCADE,
    AST_FK_SET_NULL,
    AST_FK_SET_DEFAULT,
} AstFkAction;

typedef struct AstConstraint {
    AstConstraintKind kind;
    char        *name;           /* CONSTRAINT name, NULL if none */
    AstExpr     *expr;
    AstList     *columns;        /* char * */
    AstList     *ref_table;      /* char * parts */
    AstList     *ref_columns;    /* char *, NULL if none */
    AstFkAction  on_delete;
    AstFkAction  on_update;
    bool         identity_always;
    AstList     *options;        /* AstOption * (identity sequence options, index WITH) */
    bool         deferrable;
    int          position;
} AstConstraint;

typedef struct AstColumnDef {
    char        *name;
    AstTypeName *type;
    AstList     *constraints;    /* AstConstraint * */
    char        *collation;      /* NULL if none */
    int          position;
} AstColumnDef;

/* ------------------------------------------------------------- statements */

typedef enum AstStmtKind {
    AST_STMT_SELECT,
    AST_STMT_INSERT,
    AST_STMT_UPDATE,
    AST_STMT_DELETE,
    AST_STMT_CREATE_TABLE,
    AST_STMT_CREATE_INDEX,
    AST_STMT_CREATE_VIEW,
    AST_STMT_CREATE_SCHEMA,
    AST_STMT_CREATE_SEQUENCE,
    AST_STMT_ALTER_SEQUENCE,
    AST_STMT_ALTER_TABLE,
    AST_STMT_DROP,
    AST_STMT_TRUNCATE,
    AST_STMT_TRANSACTION,
    AST_STMT_SET,
    AST_STMT_SHOW,
    AST_STMT_RESET,
    AST_STMT_EXPLAIN,
    AST_STMT_VACUUM,
    AST_STMT_ANALYZE,
    AST_STMT_COPY,
    AST_STMT_PREPARE,
    AST_STMT_EXECUTE,
    AST_STMT_DEALLOCATE,
    AST_STMT_CREATE_ROLE,
    AST_STMT_ALTER_ROLE,
    AST_STMT_DECLARE_CURSOR,
    AST_STMT_FETCH,              /* FETCH and MOVE */
    AST_STMT_CLOSE,
    AST_STMT_LOCK,
    AST_STMT_DISCARD,
    AST_STMT_COMMENT,
    AST_STMT_LISTEN,             /* sessions: LISTEN / UNLISTEN / NOTIFY (u.set) */
    AST_STMT_UNLISTEN,
    AST_STMT_NOTIFY,
} AstStmtKind;

typedef struct AstSetClause {
    AstList *columns;            /* char *: one name, or (a, b) = (...) several */
    AstExpr *value;              /* a ROW or a sublink for several columns */
    int      position;
} AstSetClause;

typedef struct AstOnConflict {
    AstList *columns;            /* conflict target columns (AstSortBy *), NULL if none */
    char    *constraint;         /* ON CONSTRAINT name, NULL if none */
    AstExpr *target_where;       /* ON CONFLICT (a) WHERE ... */
    bool     do_update;          /* DO UPDATE rather than DO NOTHING */
    AstList *set;                /* AstSetClause * */
    AstExpr *where;
} AstOnConflict;

typedef struct AstInsert {
    AstWith       *with;
    AstList       *table;        /* char * parts */
    char          *alias;
    AstList       *columns;      /* char *, NULL if none */
    AstList       *column_positions;  /* int *: 1-based position of each of columns (errors) */
    AstSelect     *query;        /* VALUES or SELECT; NULL for DEFAULT VALUES */
    int            overriding;   /* 0, 1 OVERRIDING SYSTEM VALUE, 2 OVERRIDING USER VALUE */
    AstOnConflict *on_conflict;
    AstList       *returning;    /* AstTarget * */
} AstInsert;

typedef struct AstUpdate {
    AstWith  *with;
    AstFrom  *table;             /* AST_FROM_TABLE with optional alias */
    AstList  *set;               /* AstSetClause * */
    AstList  *from;              /* AstFrom * */
    AstExpr  *where;
    AstList  *returning;
} AstUpdate;

typedef struct AstDelete {
    AstWith  *with;
    AstFrom  *table;
    AstList  *using_list;        /* AstFrom * */
    AstExpr  *where;
    AstList  *returning;
} AstDelete;

typedef struct AstCreateTable {
    AstList *table;              /* char * parts */
    bool     if_not_exists;
    bool     temporary;
    bool     unlogged;
    AstList *columns;            /* AstColumnDef * */
    AstList *constraints;        /* AstConstraint * (table constraints) */
    AstList *options;            /* WITH (...): AstOption * */
    AstSelect *as_query;         /* CREATE TABLE ... AS SELECT, NULL otherwise */
    bool     with_no_data;
} AstCreateTable;

typedef struct AstCreateIndex {
    char    *name;               /* NULL if omitted */
    AstList *table;
    bool     unique;
    bool     if_not_exists;
    bool     concurrently;
    char    *method;             /* USING btree/hash, NULL if omitted */
    AstList *columns;            /* AstSortBy * (expr is a column or an expression) */
    AstList *include;            /* char * */
    AstList *options;            /* WITH (...) */
    AstExpr *where;              /* partial index */
} AstCreateIndex;

typedef struct AstCreateView {
    AstList   *name;
    bool       or_replace;
    bool       temporary;
    bool       if_not_exists;    /* reserved */
    AstList   *columns;          /* char *, NULL if none */
    AstSelect *query;
} AstCreateView;

typedef struct AstCreateSchema {
    char *name;
    bool  if_not_exists;
    char *authorization;         /* AUTHORIZATION role, NULL if none */
} AstCreateSchema;

typedef struct AstSequence {     /* CREATE / ALTER SEQUENCE */
    AstList *name;
    bool     if_not_exists;      /* CREATE ... IF NOT EXISTS / ALTER ... IF EXISTS */
    bool     temporary;
    AstList *options;            /* AstOption *: increment, start, minvalue ("no" if NO),
                                  * maxvalue, cache, cycle, owned_by, as, restart */
} AstSequence;

typedef enum AstAlterKind {
    AST_ALTER_ADD_COLUMN,        /* column, if_not_exists */
    AST_ALTER_DROP_COLUMN,       /* name, if_exists, cascade */
    AST_ALTER_RENAME_COLUMN,     /* name -> new_name */
    AST_ALTER_RENAME_TABLE,      /* new_name */
    AST_ALTER_RENAME_CONSTRAINT, /* name -> new_name */
    AST_ALTER_ADD_CONSTRAINT,    /* constraint */
    AST_ALTER_DROP_CONSTRAINT,   /* name, if_exists, cascade */
    AST_ALTER_SET_DEFAULT,       /* name, expr (NULL: DROP DEFAULT) */
    AST_ALTER_SET_NOT_NULL,      /* name */
    AST_ALTER_DROP_NOT_NULL,     /* name */
    AST_ALTER_TYPE,              /* name, type, expr (USING) */
    AST_ALTER_SET_SCHEMA,        /* new_name */
    AST_ALTER_SET_OPTIONS,       /* options: ALTER TABLE t SET (fillfactor = 90) */
    AST_ALTER_OWNER,             /* new_name: OWNER TO role */
} AstAlterKind;

typedef struct AstAlterCmd {
    AstAlterKind   kind;
    char          *name;
    char          *new_name;
    AstColumnDef  *column;
    AstConstraint *constraint;
    AstTypeName   *type;
    AstExpr       *expr;
    AstList       *options;
    bool           if_exists;
    bool           if_not_exists;
    bool           cascade;
    int            position;
} AstAlterCmd;

typedef struct AstAlterTable {
    AstList *table;
    bool     if_exists;
    bool     only;
    bool     view;               /* ALTER VIEW: the relation must be a view */
    AstList *cmds;               /* AstAlterCmd * */
} AstAlterTable;

typedef enum AstObjectKind {
    AST_OBJECT_TABLE,
    AST_OBJECT_INDEX,
    AST_OBJECT_VIEW,
    AST_OBJECT_SCHEMA,
    AST_OBJECT_SEQUENCE,
    AST_OBJECT_ROLE,
} AstObjectKind;

typedef struct AstDrop {
    AstObjectKind object;
    AstList      *names;         /* AstList * of char * parts, one per object */
    bool          if_exists;
    bool          cascade;
    bool          concurrently;
} AstDrop;

typedef struct AstTruncate {
    AstList *tables;             /* AstList * of char * parts */
    bool     restart_identity;
    bool     cascade;
} AstTruncate;

typedef enum AstTxnKind {
    AST_TXN_BEGIN,               /* BEGIN / START TRANSACTION: options */
    AST_TXN_COMMIT,              /* COMMIT / END */
    AST_TXN_ROLLBACK,            /* ROLLBACK / ABORT */
    AST_TXN_SAVEPOINT,           /* name */
    AST_TXN_RELEASE,             /* name */
    AST_TXN_ROLLBACK_TO,         /* name */
    AST_TXN_SET,                 /* SET TRANSACTION options */
    AST_TXN_SET_SESSION,         /* SET SESSION CHARACTERISTICS AS TRANSACTION options */
} AstTxnKind;

typedef struct AstTransaction {
    AstTxnKind kind;
    char      *name;             /* savepoint */
    AstList   *options;          /* AstOption *: isolation = 'read committed', read_only = t/f,
                                  * deferrable = t/f */
    bool       chain;            /* COMMIT AND CHAIN */
    bool       start;            /* START TRANSACTION (tag START TRANSACTION, not BEGIN) */
} AstTransaction;

typedef struct AstSet {          /* SET / RESET / SHOW */
    char    *name;               /* dotted names joined with '.'; "all" for RESET ALL, SHOW ALL */
    AstList *values;             /* AstExpr *: strings, numbers, names (as strings); NULL for
                                  * SET x TO DEFAULT and for RESET/SHOW */
    bool     local;              /* SET LOCAL */
    bool     is_default;         /* SET x TO DEFAULT */
} AstSet;

typedef struct AstExplain {
    AstList *options;            /* AstOption *: analyze, verbose, costs, format, ... */
    AstStmt *stmt;
} AstExplain;

typedef struct AstVacuum {       /* VACUUM and ANALYZE */
    AstList *options;            /* AstOption *: full, freeze, verbose, analyze */
    AstList *tables;             /* AstList * of char * parts; NULL for all tables */
    AstList *columns;            /* parallel to tables: the column list of each (ANALYZE t (a, b))
                                  * as an AstList * of char *, a NULL item for none */
} AstVacuum;

typedef struct AstCopy {
    AstList   *table;            /* NULL when copying a query */
    AstList   *columns;          /* char *, NULL if none */
    AstSelect *query;            /* COPY (select) TO ... */
    bool       is_from;          /* FROM rather than TO */
    char      *filename;         /* NULL for STDIN/STDOUT */
    bool       program;          /* reserved: COPY ... PROGRAM is refused */
    AstList   *options;          /* AstOption *: format, header, delimiter, null, quote,
                                  * escape, freeze, encoding, force_quote, force_not_null */
    AstExpr   *where;            /* COPY FROM ... WHERE */
} AstCopy;

typedef struct AstPrepare {
    char    *name;
    AstList *types;              /* AstTypeName *, NULL if none */
    AstStmt *stmt;
} AstPrepare;

typedef struct AstExecute {
    char    *name;
    AstList *args;               /* AstExpr *, NULL if none */
} AstExecute;

typedef struct AstRole {         /* CREATE/ALTER ROLE|USER */
    char    *name;
    bool     is_user;            /* CREATE USER: LOGIN by default */
    AstList *options;            /* AstOption *: login, superuser, password, ... */
    char    *new_name;           /* ALTER ROLE ... RENAME TO */
    AstSet  *set;                /* ALTER ROLE ... SET x = y / RESET x */
} AstRole;

typedef struct AstDeclareCursor {  /* DECLARE name [BINARY] [[NO] SCROLL] CURSOR [WITH HOLD] FOR */
    char      *name;
    bool       binary;
    int        scroll;           /* 0 default, 1 SCROLL, -1 NO SCROLL */
    bool       hold;             /* WITH HOLD */
    AstSelect *query;
} AstDeclareCursor;

typedef enum AstFetchDirection {
    AST_FETCH_FORWARD,           /* NEXT, FORWARD [n|ALL], n, ALL */
    AST_FETCH_BACKWARD,          /* PRIOR, BACKWARD [n|ALL] */
    AST_FETCH_ABSOLUTE,          /* FIRST (1), LAST (-1), ABSOLUTE n */
    AST_FETCH_RELATIVE,          /* RELATIVE n */
} AstFetchDirection;

typedef struct AstFetch {        /* FETCH / MOVE; CLOSE uses name only (NULL: CLOSE ALL) */
    char             *name;
    bool              move;
    AstFetchDirection direction;
    int64_t           count;     /* rows (or the position for ABSOLUTE/RELATIVE) */
    bool              all;       /* ALL rows in the direction */
} AstFetch;

typedef struct AstLock {         /* LOCK [TABLE] [ONLY] t, ... [IN mode MODE] [NOWAIT] */
    AstList *tables;             /* AstList * of char * parts */
    char    *mode;               /* "access exclusive" (the default) ... "access share" */
    bool     nowait;
} AstLock;

typedef enum AstCommentObject {
    AST_COMMENT_TABLE,
    AST_COMMENT_COLUMN,          /* name is table.column (or schema.table.column) */
    AST_COMMENT_INDEX,
    AST_COMMENT_VIEW,
    AST_COMMENT_SCHEMA,
    AST_COMMENT_SEQUENCE,
} AstCommentObject;

typedef struct AstComment {      /* COMMENT ON object name IS 'text' | NULL */
    AstCommentObject object;
    AstList         *name;       /* char * parts */
    char            *text;       /* NULL: remove the comment */
} AstComment;

struct AstStmt {
    AstStmtKind kind;
    int         position;        /* 1-based position of the first token */
    size_t      text_start;      /* 0-based offset of the first byte of the statement text */
    size_t      text_end;        /* 0-based offset one past its last byte (before the ';') */
    union {
        AstSelect       *select;
        AstInsert       *insert;
        AstUpdate       *update;
        AstDelete       *delete_;
        AstCreateTable  *create_table;
        AstCreateIndex  *create_index;
        AstCreateView   *create_view;
        AstCreateSchema *create_schema;
        AstSequence     *sequence;
        AstAlterTable   *alter_table;
        AstDrop         *drop;
        AstTruncate     *truncate;
        AstTransaction  *transaction;
        AstSet          *set;
        AstExplain      *explain;
        AstVacuum       *vacuum;
        AstCopy         *copy;
        AstPrepare      *prepare;
        AstExecute      *execute;
        AstDrop         *deallocate;  /* names: one name (char *), or NULL for ALL */
        AstRole         *role;
        AstDeclareCursor *declare_cursor;
        AstFetch        *fetch;      /* FETCH, MOVE, CLOSE */
        AstLock         *lock;
        AstSet          *discard;    /* name: all, plans, sequences, temp */
        AstComment      *comment;
    } u;
};

typedef struct AstStmtList {
    int       count;
    AstStmt **stmts;
} AstStmtList;

/* ------------------------------------------------------------ construction */

/* The grammar builds nodes through an AstBuilder. The allocators never return NULL: when the
 * arena fails they set oom and hand out malloc'd memory (freed by ast_builder_release) or, as
 * a last resort, a scratch area, so grammar actions never check; parse_sql turns oom into an
 * OUT_OF_MEMORY error and never returns such a tree. */
enum { AST_SCRATCH_SIZE = 1024 };
typedef struct AstBuilder {
    Arena *arena;
    bool   oom;
    void  *fallback;       /* malloc'd blocks handed out after oom */
    _Alignas(16) unsigned char scratch[AST_SCRATCH_SIZE];
} AstBuilder;

void    *ast_alloc(AstBuilder *b, size_t size);   /* zeroed */
void     ast_builder_release(AstBuilder *b);      /* frees the blocks handed out after oom */
char    *ast_strdup(AstBuilder *b, const char *text, size_t size);
AstList *ast_list_new(AstBuilder *b, void *first);   /* first may be NULL: an empty list */
AstList *ast_list_append(AstBuilder *b, AstList *list, void *item);   /* list may be NULL */
static inline int ast_list_count(const AstList *list) { return list == NULL ? 0 : list->count; }

AstExpr *ast_expr_new(AstBuilder *b, AstExprKind kind, int position);
AstExpr *ast_binary_new(AstBuilder *b, const char *op, AstExpr *left, AstExpr *right,
                        int position);
AstExpr *ast_unary_new(AstBuilder *b, const char *op, AstExpr *arg, int position);
/* ast_bool_new: AND/OR flattening: (a AND b) AND c is one AND with three args. */
AstExpr *ast_bool_new(AstBuilder *b, AstExprKind kind, AstExpr *left, AstExpr *right,
                      int position);
AstExpr *ast_func_new(AstBuilder *b, AstList *names, AstList *args, int position);
/* ast_func_name: a one-part function name (e.g. "substring" for SUBSTRING(x FROM a)). */
AstExpr *ast_func_named(AstBuilder *b, const char *name, AstList *args, int position);
AstExpr *ast_string_new(AstBuilder *b, const char *text, int position);
/* ast_type_new: a type name. Multi-word SQL types take PostgreSQL's internal names:
 * double precision -> float8, character varying -> varchar, timestamp with time zone ->
 * timestamptz, time with time zone -> timetz, bit varying -> varbit; other names are kept. */
AstTypeName *ast_type_new(AstBuilder *b, const char *name, int position);

/* ------------------------------------------------------------------ print */

/* ast_print_*: the S-expression of a node (format above), in arena (NULL on OOM). */
char *ast_print_stmt(Arena *arena, const AstStmt *stmt);
char *ast_print_stmts(Arena *arena, const AstStmtList *stmts);
char *ast_print_expr(Arena *arena, const AstExpr *expr);

#endif
