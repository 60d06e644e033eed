/* parser/parse.c: parse_sql: tokens -> keyword classification -> lemon grammar, per statement.
 *
 * Between the tokenizer and the grammar sits a one-token lookahead that does what PostgreSQL's
 * base_yylex does: NOT before BETWEEN/IN/LIKE/ILIKE/SIMILAR becomes NOT_LA (so "a NOT IN b"
 * binds like IN, not like NOT), WITH before TIME/ORDINALITY becomes WITH_LA (so "timestamp
 * WITH TIME ZONE" does not clash with "AS SELECT ... WITH DATA"), and a function-like keyword
 * (coalesce, position, substring, ...) not followed by '(' is an ordinary identifier, so
 * columns may be named "position". Each ';'-separated statement is a fresh lemon parse, which
 * gives every statement its text span for free.
 */
#include "parser/parse.h"

#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "grammar.h"
#include "parser/parse_int.h"
#include "parser/tok.h"

/* lemon's generated interface (grammar.c). */
void *ParseLemonAlloc(void *(*malloc_fn)(size_t));
void  ParseLemonFree(void *parser, void (*free_fn)(void *));
void  ParseLemon(void *parser, int token_code, Token token, ParseState *ps);
int   ParseLemonFallback(int token_code);

typedef struct Keyword {
    const char      *word;
    int              code;
    ParseKeywordKind kind;
} Keyword;

/* Sorted by word (bsearch). The UNRESERVED ones are exactly grammar.y's %fallback ID list;
 * parse_keywords_check verifies it. */
static const Keyword keywords[] = {
    {"abort", TK_ABORT, PARSE_KEYWORD_UNRESERVED},
    {"absolute", TK_ABSOLUTE, PARSE_KEYWORD_UNRESERVED},
    {"access", TK_ACCESS, PARSE_KEYWORD_UNRESERVED},
    {"action", TK_ACTION, PARSE_KEYWORD_UNRESERVED},
    {"add", TK_ADD, PARSE_KEYWORD_UNRESERVED},
    {"admin", TK_ADMIN, PARSE_KEYWORD_UNRESERVED},
    {"all", TK_ALL, PARSE_KEYWORD_RESERVED},
    {"alter", TK_ALTER, PARSE_KEYWORD_UNRESERVED},
    {"always", TK_ALWAYS, PARSE_KEYWORD_UNRESERVED},
    {"analyze", TK_ANALYZE, PARSE_KEYWORD_RESERVED},
    {"and", TK_AND, PARSE_KEYWORD_RESERVED},
    {"any", TK_ANY, PARSE_KEYWORD_RESERVED},
    {"array", TK_ARRAY, PARSE_KEYWORD_RESERVED},
    {"as", TK_AS, PARSE_KEYWORD_RESERVED},
    {"asc", TK_ASC, PARSE_KEYWORD_RESERVED},
    {"asymmetric", TK_ASYMMETRIC, PARSE_KEYWORD_RESERVED},
    {"at", TK_AT, PARSE_KEYWORD_UNRESERVED},
    {"authorization", TK_AUTHORIZATION, PARSE_KEYWORD_RESERVED},
    {"backward", TK_BACKWARD, PARSE_KEYWORD_UNRESERVED},
    {"begin", TK_BEGIN, PARSE_KEYWORD_UNRESERVED},
    {"between", TK_BETWEEN, PARSE_KEYWORD_RESERVED},
    {"binary", TK_BINARY, PARSE_KEYWORD_RESERVED},
    {"both", TK_BOTH, PARSE_KEYWORD_RESERVED},
    {"by", TK_BY, PARSE_KEYWORD_UNRESERVED},
    {"cache", TK_CACHE, PARSE_KEYWORD_UNRESERVED},
    {"cascade", TK_CASCADE, PARSE_KEYWORD_UNRESERVED},
    {"case", TK_CASE, PARSE_KEYWORD_RESERVED},
    {"cast", TK_CAST, PARSE_KEYWORD_RESERVED},
    {"chain", TK_CHAIN, PARSE_KEYWORD_UNRESERVED},
    {"characteristics", TK_CHARACTERISTICS, PARSE_KEYWORD_UNRESERVED},
    {"check", TK_CHECK, PARSE_KEYWORD_RESERVED},
    {"close", TK_CLOSE, PARSE_KEYWORD_UNRESERVED},
    {"coalesce", TK_COALESCE, PARSE_KEYWORD_FUNC},
    {"collate", TK_COLLATE, PARSE_KEYWORD_RESERVED},
    {"column", TK_COLUMN, PARSE_KEYWORD_RESERVED},
    {"columns", TK_COLUMNS, PARSE_KEYWORD_UNRESERVED},
    {"comment", TK_COMMENT, PARSE_KEYWORD_UNRESERVED},
    {"comments", TK_COMMENTS, PARSE_KEYWORD_UNRESERVED},
    {"commit", TK_COMMIT, PARSE_KEYWORD_UNRESERVED},
    {"committed", TK_COMMITTED, PARSE_KEYWORD_UNRESERVED},
    {"concurrently", TK_CONCURRENTLY, PARSE_KEYWORD_RESERVED},
    {"conflict", TK_CONFLICT, PARSE_KEYWORD_UNRESERVED},
    {"connection", TK_CONNECTION, PARSE_KEYWORD_UNRESERVED},
    {"constraint", TK_CONSTRAINT, PARSE_KEYWORD_RESERVED},
    {"constraints", TK_CONSTRAINTS, PARSE_KEYWORD_UNRESERVED},
    {"continue", TK_CONTINUE, PARSE_KEYWORD_UNRESERVED},
    {"copy", TK_COPY, PARSE_KEYWORD_UNRESERVED},
    {"cost", TK_COST, PARSE_KEYWORD_UNRESERVED},
    {"costs", TK_COSTS, PARSE_KEYWORD_UNRESERVED},
    {"create", TK_CREATE, PARSE_KEYWORD_RESERVED},
    {"cross", TK_CROSS, PARSE_KEYWORD_RESERVED},
    {"csv", TK_CSV, PARSE_KEYWORD_UNRESERVED},
    {"current", TK_CURRENT, PARSE_KEYWORD_UNRESERVED},
    {"current_catalog", TK_CURRENT_CATALOG, PARSE_KEYWORD_RESERVED},
    {"current_date", TK_CURRENT_DATE, PARSE_KEYWORD_RESERVED},
    {"current_role", TK_CURRENT_ROLE, PARSE_KEYWORD_RESERVED},
    {"current_schema", TK_CURRENT_SCHEMA, PARSE_KEYWORD_RESERVED},
    {"current_time", TK_CURRENT_TIME, PARSE_KEYWORD_RESERVED},
    {"current_timestamp", TK_CURRENT_TIMESTAMP, PARSE_KEYWORD_RESERVED},
    {"current_user", TK_CURRENT_USER, PARSE_KEYWORD_RESERVED},
    {"cursor", TK_CURSOR, PARSE_KEYWORD_UNRESERVED},
    {"cycle", TK_CYCLE, PARSE_KEYWORD_UNRESERVED},
    {"data", TK_DATA, PARSE_KEYWORD_UNRESERVED},
    {"day", TK_DAY, PARSE_KEYWORD_UNRESERVED},
    {"deallocate", TK_DEALLOCATE, PARSE_KEYWORD_UNRESERVED},
    {"declare", TK_DECLARE, PARSE_KEYWORD_UNRESERVED},
    {"default", TK_DEFAULT, PARSE_KEYWORD_RESERVED},
    {"defaults", TK_DEFAULTS, PARSE_KEYWORD_UNRESERVED},
    {"deferrable", TK_DEFERRABLE, PARSE_KEYWORD_RESERVED},
    {"deferred", TK_DEFERRED, PARSE_KEYWORD_UNRESERVED},
    {"delete", TK_DELETE, PARSE_KEYWORD_UNRESERVED},
    {"delimiter", TK_DELIMITER, PARSE_KEYWORD_UNRESERVED},
    {"desc", TK_DESC, PARSE_KEYWORD_RESERVED},
    {"discard", TK_DISCARD, PARSE_KEYWORD_UNRESERVED},
    {"distinct", TK_DISTINCT, PARSE_KEYWORD_RESERVED},
    {"do", TK_DO, PARSE_KEYWORD_RESERVED},
    {"double", TK_DOUBLE, PARSE_KEYWORD_UNRESERVED},
    {"drop", TK_DROP, PARSE_KEYWORD_UNRESERVED},
    {"else", TK_ELSE, PARSE_KEYWORD_RESERVED},
    {"encoding", TK_ENCODING, PARSE_KEYWORD_UNRESERVED},
    {"encrypted", TK_ENCRYPTED, PARSE_KEYWORD_UNRESERVED},
    {"end", TK_END, PARSE_KEYWORD_RESERVED},
    {"escape", TK_ESCAPE, PARSE_KEYWORD_UNRESERVED},
    {"except", TK_EXCEPT, PARSE_KEYWORD_RESERVED},
    {"exclude", TK_EXCLUDE, PARSE_KEYWORD_UNRESERVED},
    {"excluding", TK_EXCLUDING, PARSE_KEYWORD_UNRESERVED},
    {"exclusive", TK_EXCLUSIVE, PARSE_KEYWORD_UNRESERVED},
    {"execute", TK_EXECUTE, PARSE_KEYWORD_UNRESERVED},
    {"exists", TK_EXISTS, PARSE_KEYWORD_RESERVED},
    {"explain", TK_EXPLAIN, PARSE_KEYWORD_UNRESERVED},
    {"extract", TK_EXTRACT, PARSE_KEYWORD_FUNC},
    {"false", TK_FALSE, PARSE_KEYWORD_RESERVED},
    {"fetch", TK_FETCH, PARSE_KEYWORD_RESERVED},
    {"filter", TK_FILTER, PARSE_KEYWORD_UNRESERVED},
    {"first", TK_FIRST, PARSE_KEYWORD_UNRESERVED},
    {"following", TK_FOLLOWING, PARSE_KEYWORD_UNRESERVED},
    {"for", TK_FOR, PARSE_KEYWORD_RESERVED},
    {"force", TK_FORCE, PARSE_KEYWORD_UNRESERVED},
    {"foreign", TK_FOREIGN, PARSE_KEYWORD_RESERVED},
    {"format", TK_FORMAT, PARSE_KEYWORD_UNRESERVED},
    {"forward", TK_FORWARD, PARSE_KEYWORD_UNRESERVED},
    {"freeze", TK_FREEZE, PARSE_KEYWORD_RESERVED},
    {"from", TK_FROM, PARSE_KEYWORD_RESERVED},
    {"full", TK_FULL, PARSE_KEYWORD_RESERVED},
    {"function", TK_FUNCTION, PARSE_KEYWORD_UNRESERVED},
    {"generated", TK_GENERATED, PARSE_KEYWORD_UNRESERVED},
    {"grant", TK_GRANT, PARSE_KEYWORD_RESERVED},
    {"greatest", TK_GREATEST, PARSE_KEYWORD_FUNC},
    {"group", TK_GROUP, PARSE_KEYWORD_RESERVED},
    {"grouping", TK_GROUPING, PARSE_KEYWORD_FUNC},
    {"groups", TK_GROUPS, PARSE_KEYWORD_UNRESERVED},
    {"having", TK_HAVING, PARSE_KEYWORD_RESERVED},
    {"header", TK_HEADER, PARSE_KEYWORD_UNRESERVED},
    {"hold", TK_HOLD, PARSE_KEYWORD_UNRESERVED},
    {"hour", TK_HOUR, PARSE_KEYWORD_UNRESERVED},
    {"identity", TK_IDENTITY, PARSE_KEYWORD_UNRESERVED},
    {"if", TK_IF, PARSE_KEYWORD_UNRESERVED},
    {"ilike", TK_ILIKE, PARSE_KEYWORD_RESERVED},
    {"immediate", TK_IMMEDIATE, PARSE_KEYWORD_UNRESERVED},
    {"in", TK_IN, PARSE_KEYWORD_RESERVED},
    {"include", TK_INCLUDE, PARSE_KEYWORD_UNRESERVED},
    {"increment", TK_INCREMENT, PARSE_KEYWORD_UNRESERVED},
    {"index", TK_INDEX, PARSE_KEYWORD_UNRESERVED},
    {"inherit", TK_INHERIT, PARSE_KEYWORD_UNRESERVED},
    {"initially", TK_INITIALLY, PARSE_KEYWORD_RESERVED},
    {"inner", TK_INNER, PARSE_KEYWORD_RESERVED},
    {"insensitive", TK_INSENSITIVE, PARSE_KEYWORD_UNRESERVED},
    {"insert", TK_INSERT, PARSE_KEYWORD_UNRESERVED},
    {"intersect", TK_INTERSECT, PARSE_KEYWORD_RESERVED},
    {"into", TK_INTO, PARSE_KEYWORD_RESERVED},
    {"is", TK_IS, PARSE_KEYWORD_RESERVED},
    {"isnull", TK_ISNULL, PARSE_KEYWORD_RESERVED},
    {"isolation", TK_ISOLATION, PARSE_KEYWORD_UNRESERVED},
    {"join", TK_JOIN, PARSE_KEYWORD_RESERVED},
    {"key", TK_KEY, PARSE_KEYWORD_UNRESERVED},
    {"last", TK_LAST, PARSE_KEYWORD_UNRESERVED},
    {"lateral", TK_LATERAL, PARSE_KEYWORD_RESERVED},
    {"leading", TK_LEADING, PARSE_KEYWORD_RESERVED},
    {"least", TK_LEAST, PARSE_KEYWORD_FUNC},
    {"left", TK_LEFT, PARSE_KEYWORD_RESERVED},
    {"level", TK_LEVEL, PARSE_KEYWORD_UNRESERVED},
    {"like", TK_LIKE, PARSE_KEYWORD_RESERVED},
    {"limit", TK_LIMIT, PARSE_KEYWORD_RESERVED},
    {"listen", TK_LISTEN, PARSE_KEYWORD_UNRESERVED},
    {"local", TK_LOCAL, PARSE_KEYWORD_UNRESERVED},
    {"localtime", TK_LOCALTIME, PARSE_KEYWORD_RESERVED},
    {"localtimestamp", TK_LOCALTIMESTAMP, PARSE_KEYWORD_RESERVED},
    {"lock", TK_LOCK, PARSE_KEYWORD_UNRESERVED},
    {"locked", TK_LOCKED, PARSE_KEYWORD_UNRESERVED},
    {"logged", TK_LOGGED, PARSE_KEYWORD_UNRESERVED},
    {"match", TK_MATCH, PARSE_KEYWORD_UNRESERVED},
    {"materialized", TK_MATERIALIZED, PARSE_KEYWORD_UNRESERVED},
    {"maxvalue", TK_MAXVALUE, PARSE_KEYWORD_UNRESERVED},
    {"minute", TK_MINUTE, PARSE_KEYWORD_UNRESERVED},
    {"minvalue", TK_MINVALUE, PARSE_KEYWORD_UNRESERVED},
    {"mode", TK_MODE, PARSE_KEYWORD_UNRESERVED},
    {"month", TK_MONTH, PARSE_KEYWORD_UNRESERVED},
    {"move", TK_MOVE, PARSE_KEYWORD_UNRESERVED},
    {"name", TK_NAME, PARSE_KEYWORD_UNRESERVED},
    {"names", TK_NAMES, PARSE_KEYWORD_UNRESERVED},
    {"natural", TK_NATURAL, PARSE_KEYWORD_RESERVED},
    {"next", TK_NEXT, PARSE_KEYWORD_UNRESERVED},
    {"no", TK_NO, PARSE_KEYWORD_UNRESERVED},
    {"not", TK_NOT, PARSE_KEYWORD_RESERVED},
    {"nothing", TK_NOTHING, PARSE_KEYWORD_UNRESERVED},
    {"notify", TK_NOTIFY, PARSE_KEYWORD_UNRESERVED},
    {"notnull", TK_NOTNULL, PARSE_KEYWORD_RESERVED},
    {"nowait", TK_NOWAIT, PARSE_KEYWORD_UNRESERVED},
    {"null", TK_NULL, PARSE_KEYWORD_RESERVED},
    {"nullif", TK_NULLIF, PARSE_KEYWORD_FUNC},
    {"nulls", TK_NULLS, PARSE_KEYWORD_UNRESERVED},
    {"of", TK_OF, PARSE_KEYWORD_UNRESERVED},
    {"offset", TK_OFFSET, PARSE_KEYWORD_RESERVED},
    {"oids", TK_OIDS, PARSE_KEYWORD_UNRESERVED},
    {"on", TK_ON, PARSE_KEYWORD_RESERVED},
    {"only", TK_ONLY, PARSE_KEYWORD_RESERVED},
    {"operator", TK_OPERATOR, PARSE_KEYWORD_UNRESERVED},
    {"option", TK_OPTION, PARSE_KEYWORD_UNRESERVED},
    {"or", TK_OR, PARSE_KEYWORD_RESERVED},
    {"order", TK_ORDER, PARSE_KEYWORD_RESERVED},
    {"ordinality", TK_ORDINALITY, PARSE_KEYWORD_UNRESERVED},
    {"others", TK_OTHERS, PARSE_KEYWORD_UNRESERVED},
    {"outer", TK_OUTER, PARSE_KEYWORD_RESERVED},
    {"over", TK_OVER, PARSE_KEYWORD_UNRESERVED},
    {"overlay", TK_OVERLAY, PARSE_KEYWORD_FUNC},
    {"overriding", TK_OVERRIDING, PARSE_KEYWORD_UNRESERVED},
    {"owned", TK_OWNED, PARSE_KEYWORD_UNRESERVED},
    {"owner", TK_OWNER, PARSE_KEYWORD_UNRESERVED},
    {"partial", TK_PARTIAL, PARSE_KEYWORD_UNRESERVED},
    {"partition", TK_PARTITION, PARSE_KEYWORD_UNRESERVED},
    {"password", TK_PASSWORD, PARSE_KEYWORD_UNRESERVED},
    {"placing", TK_PLACING, PARSE_KEYWORD_RESERVED},
    {"plans", TK_PLANS, PARSE_KEYWORD_UNRESERVED},
    {"position", TK_POSITION, PARSE_KEYWORD_FUNC},
    {"preceding", TK_PRECEDING, PARSE_KEYWORD_UNRESERVED},
    {"precision", TK_PRECISION, PARSE_KEYWORD_UNRESERVED},
    {"prepare", TK_PREPARE, PARSE_KEYWORD_UNRESERVED},
    {"preserve", TK_PRESERVE, PARSE_KEYWORD_UNRESERVED},
    {"primary", TK_PRIMARY, PARSE_KEYWORD_RESERVED},
    {"prior", TK_PRIOR, PARSE_KEYWORD_UNRESERVED},
    {"privileges", TK_PRIVILEGES, PARSE_KEYWORD_UNRESERVED},
    {"program", TK_PROGRAM, PARSE_KEYWORD_UNRESERVED},
    {"quote", TK_QUOTE, PARSE_KEYWORD_UNRESERVED},
    {"range", TK_RANGE, PARSE_KEYWORD_UNRESERVED},
    {"read", TK_READ, PARSE_KEYWORD_UNRESERVED},
    {"recursive", TK_RECURSIVE, PARSE_KEYWORD_UNRESERVED},
    {"ref", TK_REF, PARSE_KEYWORD_UNRESERVED},
    {"references", TK_REFERENCES, PARSE_KEYWORD_RESERVED},
    {"relative", TK_RELATIVE, PARSE_KEYWORD_UNRESERVED},
    {"release", TK_RELEASE, PARSE_KEYWORD_UNRESERVED},
    {"rename", TK_RENAME, PARSE_KEYWORD_UNRESERVED},
    {"repeatable", TK_REPEATABLE, PARSE_KEYWORD_UNRESERVED},
    {"replace", TK_REPLACE, PARSE_KEYWORD_UNRESERVED},
    {"reset", TK_RESET, PARSE_KEYWORD_UNRESERVED},
    {"restart", TK_RESTART, PARSE_KEYWORD_UNRESERVED},
    {"restrict", TK_RESTRICT, PARSE_KEYWORD_UNRESERVED},
    {"returning", TK_RETURNING, PARSE_KEYWORD_RESERVED},
    {"right", TK_RIGHT, PARSE_KEYWORD_RESERVED},
    {"role", TK_ROLE, PARSE_KEYWORD_UNRESERVED},
    {"rollback", TK_ROLLBACK, PARSE_KEYWORD_UNRESERVED},
    {"row", TK_ROW, PARSE_KEYWORD_UNRESERVED},
    {"rows", TK_ROWS, PARSE_KEYWORD_UNRESERVED},
    {"savepoint", TK_SAVEPOINT, PARSE_KEYWORD_UNRESERVED},
    {"schema", TK_SCHEMA, PARSE_KEYWORD_UNRESERVED},
    {"scroll", TK_SCROLL, PARSE_KEYWORD_UNRESERVED},
    {"search", TK_SEARCH, PARSE_KEYWORD_UNRESERVED},
    {"second", TK_SECOND, PARSE_KEYWORD_UNRESERVED},
    {"select", TK_SELECT, PARSE_KEYWORD_RESERVED},
    {"sequence", TK_SEQUENCE, PARSE_KEYWORD_UNRESERVED},
    {"sequences", TK_SEQUENCES, PARSE_KEYWORD_UNRESERVED},
    {"serializable", TK_SERIALIZABLE, PARSE_KEYWORD_UNRESERVED},
    {"session", TK_SESSION, PARSE_KEYWORD_UNRESERVED},
    {"session_user", TK_SESSION_USER, PARSE_KEYWORD_RESERVED},
    {"set", TK_SET, PARSE_KEYWORD_UNRESERVED},
    {"share", TK_SHARE, PARSE_KEYWORD_UNRESERVED},
    {"show", TK_SHOW, PARSE_KEYWORD_UNRESERVED},
    {"similar", TK_SIMILAR, PARSE_KEYWORD_RESERVED},
    {"simple", TK_SIMPLE, PARSE_KEYWORD_UNRESERVED},
    {"skip", TK_SKIP, PARSE_KEYWORD_UNRESERVED},
    {"some", TK_SOME, PARSE_KEYWORD_RESERVED},
    {"start", TK_START, PARSE_KEYWORD_UNRESERVED},
    {"statement", TK_STATEMENT, PARSE_KEYWORD_UNRESERVED},
    {"stdin", TK_STDIN, PARSE_KEYWORD_UNRESERVED},
    {"stdout", TK_STDOUT, PARSE_KEYWORD_UNRESERVED},
    {"stored", TK_STORED, PARSE_KEYWORD_UNRESERVED},
    {"substring", TK_SUBSTRING, PARSE_KEYWORD_FUNC},
    {"symmetric", TK_SYMMETRIC, PARSE_KEYWORD_RESERVED},
    {"system", TK_SYSTEM, PARSE_KEYWORD_UNRESERVED},
    {"table", TK_TABLE, PARSE_KEYWORD_RESERVED},
    {"temp", TK_TEMP, PARSE_KEYWORD_UNRESERVED},
    {"temporary", TK_TEMPORARY, PARSE_KEYWORD_UNRESERVED},
    {"text", TK_TEXT, PARSE_KEYWORD_UNRESERVED},
    {"then", TK_THEN, PARSE_KEYWORD_RESERVED},
    {"ties", TK_TIES, PARSE_KEYWORD_UNRESERVED},
    {"time", TK_TIME, PARSE_KEYWORD_UNRESERVED},
    {"to", TK_TO, PARSE_KEYWORD_RESERVED},
    {"trailing", TK_TRAILING, PARSE_KEYWORD_RESERVED},
    {"transaction", TK_TRANSACTION, PARSE_KEYWORD_UNRESERVED},
    {"trim", TK_TRIM, PARSE_KEYWORD_FUNC},
    {"true", TK_TRUE, PARSE_KEYWORD_RESERVED},
    {"truncate", TK_TRUNCATE, PARSE_KEYWORD_UNRESERVED},
    {"type", TK_TYPE, PARSE_KEYWORD_UNRESERVED},
    {"unbounded", TK_UNBOUNDED, PARSE_KEYWORD_UNRESERVED},
    {"uncommitted", TK_UNCOMMITTED, PARSE_KEYWORD_UNRESERVED},
    {"union", TK_UNION, PARSE_KEYWORD_RESERVED},
    {"unique", TK_UNIQUE, PARSE_KEYWORD_RESERVED},
    {"unknown", TK_UNKNOWN, PARSE_KEYWORD_UNRESERVED},
    {"unlisten", TK_UNLISTEN, PARSE_KEYWORD_UNRESERVED},
    {"unlogged", TK_UNLOGGED, PARSE_KEYWORD_UNRESERVED},
    {"until", TK_UNTIL, PARSE_KEYWORD_UNRESERVED},
    {"update", TK_UPDATE, PARSE_KEYWORD_UNRESERVED},
    {"user", TK_USER, PARSE_KEYWORD_RESERVED},
    {"using", TK_USING, PARSE_KEYWORD_RESERVED},
    {"vacuum", TK_VACUUM, PARSE_KEYWORD_UNRESERVED},
    {"valid", TK_VALID, PARSE_KEYWORD_UNRESERVED},
    {"value", TK_VALUE, PARSE_KEYWORD_UNRESERVED},
    {"values", TK_VALUES, PARSE_KEYWORD_UNRESERVED},
    {"variadic", TK_VARIADIC, PARSE_KEYWORD_RESERVED},
    {"varying", TK_VARYING, PARSE_KEYWORD_UNRESERVED},
    {"verbose", TK_VERBOSE, PARSE_KEYWORD_RESERVED},
    {"version", TK_VERSION, PARSE_KEYWORD_UNRESERVED},
    {"view", TK_VIEW, PARSE_KEYWORD_UNRESERVED},
    {"when", TK_WHEN, PARSE_KEYWORD_RESERVED},
    {"where", TK_WHERE, PARSE_KEYWORD_RESERVED},
    {"window", TK_WINDOW, PARSE_KEYWORD_RESERVED},
    {"with", TK_WITH, PARSE_KEYWORD_RESERVED},
    {"without", TK_WITHOUT, PARSE_KEYWORD_UNRESERVED},
    {"work", TK_WORK, PARSE_KEYWORD_UNRESERVED},
    {"write", TK_WRITE, PARSE_KEYWORD_UNRESERVED},
    {"year", TK_YEAR, PARSE_KEYWORD_UNRESERVED},
    {"zone", TK_ZONE, PARSE_KEYWORD_UNRESERVED},
};

static int keyword_compare(const void *key, const void *element)
{
    return strcmp(key, ((const Keyword *)element)->word);
}

static const Keyword *keyword_find(const char *word)
{
    return bsearch(word, keywords, sizeof keywords / sizeof keywords[0], sizeof keywords[0],
                   keyword_compare);
}

ParseKeywordKind parse_keyword_kind(const char *word)
{
    const Keyword *keyword = keyword_find(word);
    return keyword == NULL ? PARSE_KEYWORD_NONE : keyword->kind;
}

const char *parse_keywords_check(void)
{
    size_t count = sizeof keywords / sizeof keywords[0];
    for (size_t idx = 0; idx < count; idx++) {
        const Keyword *keyword = &keywords[idx];
        if (idx > 0 && strcmp(keywords[idx - 1].word, keyword->word) >= 0) return keyword->word;
        bool falls_back = ParseLemonFallback(keyword->code) == TK_ID;
        if (falls_back != (keyword->kind == PARSE_KEYWORD_UNRESERVED)) return keyword->word;
    }
    return NULL;
}

/* ------------------------------------------------------------------ errors */

void parse_fail(ParseState *ps, SqlState state, int position, const char *message)
{
    if (ps->error != NULL) return;
    ps->error = err_at(state, position, "%s", message);
}

void parse_syntax_error(ParseState *ps, const Token *token)
{
    if (ps->error != NULL) return;
    if (token->kind == TOK_EOF) {
        ps->error = err_at(SQLSTATE_SYNTAX_ERROR, token->position, "syntax error at end of input");
        return;
    }
    ps->error = err_at(SQLSTATE_SYNTAX_ERROR, token->position, "syntax error at or near \"%.*s\"",
                       token->raw_size, ps->sql + token->position - 1);
}

/* ------------------------------------------------------------ classification */

static int op_code(const Token *token)
{
    static const struct { const char *text; int code; } ops[] = {
        {"+", TK_PLUS}, {"-", TK_MINUS}, {"*", TK_STAR}, {"/", TK_SLASH},
        {"%", TK_PERCENT}, {"^", TK_CARET}, {"<", TK_LT}, {">", TK_GT},
        {"=", TK_EQ}, {"<=", TK_LE}, {">=", TK_GE}, {"<>", TK_NE}, {"=>", TK_EQUALS_GREATER},
    };
    for (size_t idx = 0; idx < sizeof ops / sizeof ops[0]; idx++) {
        if (strcmp(token->text, ops[idx].text) == 0) return ops[idx].code;
    }
    return TK_OP;
}

static int punct_code(char ch)
{
    switch (ch) {
    case '(': return TK_LP;
    case ')': return TK_RP;
    case '[': return TK_LB;
    case ']': return TK_RB;
    case ',': return TK_COMMA;
    case ';': return TK_SEMI;
    case '.': return TK_DOT;
    case ':': return TK_COLON;
    default: return TK_ILLEGAL;
    }
}

/* token_code: the grammar's code for a token, before lookahead rules (0 at end of input). */
static int token_code(const Token *token, ParseKeywordKind *kind_out)
{
    *kind_out = PARSE_KEYWORD_NONE;
    switch (token->kind) {
    case TOK_EOF: return 0;
    case TOK_IDENT: {
        if (token->quoted) return TK_ID;
        const Keyword *keyword = keyword_find(token->text);
        if (keyword == NULL) return TK_ID;
        *kind_out = keyword->kind;
        return keyword->code;
    }
    case TOK_INTEGER: return TK_INTEGER;
    case TOK_NUMERIC: return TK_NUMERIC;
    case TOK_STRING: return TK_STRING;
    case TOK_BIT_STRING: return TK_BITSTR;
    case TOK_HEX_STRING: return TK_HEXSTR;
    case TOK_PARAM: return TK_PARAM;
    case TOK_OP: return op_code(token);
    case TOK_TYPECAST: return TK_TYPECAST;
    case TOK_PUNCT: return punct_code(token->text[0]);
    }
    UNREACHABLE();
}

/* A token stream with one token of lookahead. */
typedef struct Lexer {
    Tokenizer        tok;
    Token            next;
    int              next_code;
    ParseKeywordKind next_kind;
} Lexer;

static Error *lexer_advance(Lexer *lexer)
{
    TRY(tok_next(&lexer->tok, &lexer->next));
    lexer->next_code = token_code(&lexer->next, &lexer->next_kind);
    return NULL;
}

/* lexer_take: the next token and its code after the lookahead rules. */
static Error *lexer_take(Lexer *lexer, Token *token_out, int *code_out)
{
    Token token = lexer->next;
    int code = lexer->next_code;
    ParseKeywordKind kind = lexer->next_kind;
    if (code != 0) TRY(lexer_advance(lexer));
    int next = lexer->next_code;
    if (code == TK_NOT && (next == TK_BETWEEN || next == TK_IN || next == TK_LIKE ||
                           next == TK_ILIKE || next == TK_SIMILAR)) {
        code = TK_NOT_LA;
    } else if (code == TK_WITH && (next == TK_TIME || next == TK_ORDINALITY)) {
        code = TK_WITH_LA;
    } else if (kind == PARSE_KEYWORD_FUNC && next != TK_LP) {
        code = TK_ID;
    }
    *token_out = token;
    *code_out = code;
    return NULL;
}

/* ------------------------------------------------------------------ statements */

typedef struct StmtBuild {
    AstStmt **stmts;
    int       count;
    int       capacity;
} StmtBuild;

static Error *stmts_append(Arena *arena, StmtBuild *build, AstStmt *stmt)
{
    if (build->count == build->capacity) {
        int capacity = build->capacity == 0 ? 4 : build->capacity * 2;
        AstStmt **stmts = arena_alloc(arena, (size_t)capacity * sizeof(AstStmt *));
        if (stmts == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
        if (build->count > 0) memcpy(stmts, build->stmts, (size_t)build->count * sizeof *stmts);
        build->stmts = stmts;
        build->capacity = capacity;
    }
    build->stmts[build->count++] = stmt;
    return NULL;
}

static Error *state_error(ParseState *ps)
{
    if (ps->error != NULL) {
        Error *err = ps->error;
        ps->error = NULL;
        return err;
    }
    if (ps->b.oom) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    return NULL;
}

/* parse_one: feed the tokens of one statement (the first is already taken) to a fresh parse.
 * Stops after the statement's ';' or at end of input. *stmt_out is NULL for an empty one. */
static Error *parse_one(ParseState *ps, Lexer *lexer, Token first, int first_code,
                        AstStmt **stmt_out)
{
    void *parser = ParseLemonAlloc(malloc);
    if (parser == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    ps->stmt = NULL;
    ps->accepted = false;
    Token token = first;
    int code = first_code;
    size_t text_start = (size_t)first.position - 1;
    size_t text_end = text_start;
    int nesting = 0;
    Error *err = NULL;
    for (;;) {
        if (code == TK_LP || code == TK_LB) nesting++;
        if (code == TK_RP || code == TK_RB) nesting--;
        if (nesting > PARSE_NESTING_MAX) {
            parse_fail(ps, SQLSTATE_STATEMENT_TOO_COMPLEX, token.position,
                       "stack depth limit exceeded");
            break;
        }
        if (code != 0 && code != TK_SEMI) text_end = (size_t)(token.position - 1 + token.raw_size);
        ParseLemon(parser, code, token, ps);
        if (ps->error != NULL || ps->b.oom || code == 0) break;
        if (code == TK_SEMI) {
            Token end = {.kind = TOK_EOF, .text = "", .position = token.position + 1};
            ParseLemon(parser, 0, end, ps);
            break;
        }
        err = lexer_take(lexer, &token, &code);
        if (err != NULL) break;
    }
    ParseLemonFree(parser, free);
    if (err != NULL) return err;
    TRY(state_error(ps));
    VERIFY(ps->accepted);
    if (ps->stmt != NULL) {
        ps->stmt->text_start = text_start;
        ps->stmt->text_end = text_end;
    }
    *stmt_out = ps->stmt;
    return NULL;
}

static Error *parse_all(ParseState *ps, Lexer *lexer, AstStmtList *list)
{
    TRY(lexer_advance(lexer));
    StmtBuild build = {0};
    for (;;) {
        Token token;
        int code;
        TRY(lexer_take(lexer, &token, &code));
        if (code == 0) break;
        if (code == TK_SEMI) continue;   /* an empty statement */
        AstStmt *stmt = NULL;
        TRY(parse_one(ps, lexer, token, code, &stmt));
        if (stmt != NULL) TRY(stmts_append(ps->b.arena, &build, stmt));
    }
    list->count = build.count;
    list->stmts = build.stmts;
    return NULL;
}

Error *parse_sql(Arena *arena, const char *sql, AstStmtList **stmts_out)
{
    ParseState *ps = arena_calloc(arena, sizeof(ParseState));
    AstStmtList *list = arena_calloc(arena, sizeof(AstStmtList));
    if (ps == NULL || list == NULL) return err_new(SQLSTATE_OUT_OF_MEMORY, "out of memory");
    ps->b.arena = arena;
    ps->sql = sql;
    Lexer lexer;
    tok_init(&lexer.tok, arena, sql);
    Error *err = parse_all(ps, &lexer, list);
    ast_builder_release(&ps->b);
    if (err != NULL) return err;
    *stmts_out = list;
    return NULL;
}
