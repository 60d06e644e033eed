/* parser/tok.h: the hand-written SQL tokenizer (PostgreSQL's lexical rules).
 *
 * The tokenizer is purely lexical: it knows nothing of keywords (an unquoted word is a
 * TOK_IDENT folded to lower case; parse.c looks it up in the keyword table) and nothing of
 * the grammar. Every token carries its 1-based byte position and its raw size in the query
 * text, so error messages can quote the token as written. Token text lives in the arena. */
#ifndef BIRCH_PARSER_TOK_H
#define BIRCH_PARSER_TOK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/error.h"

typedef enum TokKind {
    TOK_EOF = 0,
    TOK_IDENT,       /* word: text folded to lower case; quoted: text as written, "" -> " */
    TOK_INTEGER,     /* digits only: text is the digits */
    TOK_NUMERIC,     /* 1.5, .5, 1e10, 1.5E-3: text as written */
    TOK_STRING,      /* 'x', E'x', $$x$$, $tag$x$tag$: text is the value after escapes */
    TOK_BIT_STRING,  /* B'0101': text is the digits */
    TOK_HEX_STRING,  /* X'1F': text is the hex digits */
    TOK_PARAM,       /* $1: text is the digits */
    TOK_OP,          /* operator: text is the operator (!= is reported as <>) */
    TOK_TYPECAST,    /* :: */
    TOK_PUNCT,       /* one of ( ) [ ] , ; . : text is that character */
} TokKind;

typedef struct Token {
    TokKind     kind;
    bool        quoted;     /* TOK_IDENT written as "..." (never a keyword) */
    const char *text;       /* NUL-terminated, in the arena (or a static string) */
    size_t      text_size;  /* bytes of text (strings may contain no NUL: E'\0' is refused) */
    int         position;   /* 1-based byte offset of the token's first byte */
    int         raw_size;   /* bytes of the token in the query text */
} Token;

typedef struct Tokenizer {
    Arena      *arena;
    const char *sql;
    size_t      sql_size;
    size_t      offset;     /* 0-based offset of the next unread byte */
} Tokenizer;

enum { TOK_IDENT_SIZE_MAX = 63 };   /* PostgreSQL's NAMEDATALEN - 1: longer names are truncated */

/* tok_init: start tokenizing sql (NUL-terminated). sql must outlive the tokenizer. */
void tok_init(Tokenizer *tok, Arena *arena, const char *sql);

/* tok_next: the next token, skipping white space and comments.
 * Post:   at end of input *token_out is TOK_EOF with position = strlen(sql) + 1.
 * Errors: SYNTAX_ERROR for an unterminated quoted string, quoted identifier, dollar-quoted
 *         string or comment, a zero-length quoted identifier, a bad escape; OUT_OF_MEMORY.
 *         The error's position points at the start of the offending token. */
Error *tok_next(Tokenizer *tok, Token *token_out);

#endif
