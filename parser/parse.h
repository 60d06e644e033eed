/* parser/parse.h: SQL text -> AST (the parser layer's entry point).
 *
 * parse_sql tokenizes (tok.h), classifies words against the keyword table, and runs the lemon
 * grammar (grammar.y) once per ';'-separated statement. The AST (ast.h) lives in the caller's
 * arena; errors are heap-owned Error values with SQLSTATE 42601 (syntax) and a 1-based
 * position, worded like PostgreSQL's: `syntax error at or near "x"`, `syntax error at end of
 * input`, `unterminated quoted string at or near "'abc"`. */
#ifndef BIRCH_PARSER_PARSE_H
#define BIRCH_PARSER_PARSE_H

#include "common/arena.h"
#include "common/error.h"
#include "parser/ast.h"

enum {
    PARSE_NESTING_MAX = 1000,       /* open ( and [ at once: deeper is 54001 */
    PARSE_STACK_ENTRY_COUNT_MAX = 10000,   /* grammar stack: deeper is 54001 */
};

/* parse_sql: parse one or more ';'-separated statements of sql (NUL-terminated).
 * Pre:    arena is the statement arena; sql outlives nothing (names and literals are copied).
 * Post:   on success *stmts_out holds the non-empty statements in order (empty statements,
 *         e.g. ";;" or only a comment, are skipped, so count may be 0), each with its 1-based
 *         position and its text span [text_start, text_end) in sql. Everything is in arena.
 * Errors: SYNTAX_ERROR with position; FEATURE_NOT_SUPPORTED (LIMIT #,#);
 *         STATEMENT_TOO_COMPLEX (nesting deeper than PARSE_NESTING_MAX); OUT_OF_MEMORY.
 *         On error *stmts_out is untouched; arena allocations are left for the caller's reset. */
Error *parse_sql(Arena *arena, const char *sql, AstStmtList **stmts_out);

typedef enum ParseKeywordKind {
    PARSE_KEYWORD_NONE,        /* not a keyword */
    PARSE_KEYWORD_UNRESERVED,  /* usable as any name (falls back to an identifier) */
    PARSE_KEYWORD_FUNC,        /* coalesce, substring, ...: special syntax before '(' only */
    PARSE_KEYWORD_RESERVED,    /* a name only when quoted (or as a label after AS / '.') */
} ParseKeywordKind;

/* parse_keyword_kind: the class of a lower-case word (for quoting identifiers on output). */
ParseKeywordKind parse_keyword_kind(const char *word);

/* parse_keywords_check: the first keyword whose class disagrees with the grammar's %fallback
 * list (an unreserved keyword that does not fall back to an identifier or the reverse), or
 * NULL if the table and the grammar agree. For tests. */
const char *parse_keywords_check(void);

#endif
