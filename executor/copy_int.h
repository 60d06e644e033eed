/* executor/copy_int.h: what copy.c, copy_in.c and copy_out.c share (COPY's files only). */
#ifndef BIRCH_EXECUTOR_COPY_INT_H
#define BIRCH_EXECUTOR_COPY_INT_H

#include "executor/copy.h"

typedef enum CopyFormat { COPY_FORMAT_TEXT, COPY_FORMAT_CSV, COPY_FORMAT_BINARY } CopyFormat;

typedef struct CopyOptions {
    CopyFormat  format;
    char        delim;
    const char *null_str;
    size_t      null_size;
    bool        header;
    bool        header_match;
    char        quote;
    char        escape;
    bool        freeze;
    bool        force_quote_all;
    bool       *force_quote;      /* per copied column, NULL if none */
    bool       *force_not_null;
    bool       *force_null;
} CopyOptions;

typedef struct CopySource CopySource;   /* copy_in.c: the operator replacing VALUES */

typedef struct CopyState {
    struct CopyState *next;       /* the registry */
    birch_stmt  *stmt;
    birch_db    *db;
    /* birch_exec */
    bool         exec_mode;
    birch_row_fn exec_callback;
    void        *exec_ctx;
    /* the COPY */
    int          pending;         /* 0, BIRCH_COPY_IN or BIRCH_COPY_OUT */
    bool         held;            /* took sess_exec_begin */
    bool         is_from;
    Txn         *txn;
    Arena       *arena;           /* the COPY's lifetime */
    CopyOptions  opt;
    const CatTable *table;        /* NULL for a query */
    const char  *rel_name;        /* for error context */
    uint32_t     column_count;    /* copied columns */
    const char **column_names;
    int16_t     *attnums;         /* table columns (0 for a query) */
    uint64_t     rows;            /* rows written / sent */
    ExecCtx      ctx;
    /* FROM */
    Op          *insert;
    CopySource  *source;
    Type        *source_types;    /* the VALUES types (the columns' types without typmod) */
    uint8_t     *in;              /* unparsed input (malloc'd) */
    size_t       in_size, in_cap, in_pos;
    uint64_t     line_no;
    bool         got_end_marker;
    bool         header_done;
    bool         binary_header_done;
    bool         binary_trailer;
    Arena       *batch_arena;     /* the rows of the current batch (reset per flush) */
    Vector      *batch;           /* column_count vectors: text (text/CSV) or typed (binary) */
    uint32_t     batch_rows;
    uint64_t    *batch_lines;     /* line number of each batch row */
    char        *field_buf;       /* de-escaped field (malloc'd) */
    size_t       field_cap;
    /* TO */
    Op          *query;
    DataChunk   *out_chunk;
    uint32_t     out_live;        /* next live row of out_chunk */
    Vector      *out_text;        /* text form of out_chunk's columns (text/CSV) */
    Arena       *out_arena;       /* per chunk */
    char        *out_buf;         /* the row being handed out (malloc'd) */
    size_t       out_size, out_cap;
    bool         out_started;     /* header / binary signature sent */
    bool         out_finished;    /* the query ended (trailer sent for binary) */
    FILE        *file;            /* COPY TO 'file' */
} CopyState;

/* copy_in.c */
Error *copy_in_begin(CopyState *state, const char *sql);
Error *copy_in_feed(CopyState *state, const void *data, size_t size);
Error *copy_in_finish(CopyState *state);
void   copy_in_close(CopyState *state);

/* copy_out.c */
Error *copy_out_begin(CopyState *state, const AstCopy *copy, const char *sql);
/* copy_out_next: the next row (or header, or binary trailer) in state->out_buf/out_size;
 * *have_out false at the end. */
Error *copy_out_next(CopyState *state, bool *have_out);
void   copy_out_close(CopyState *state);

/* copy.c helpers */
Error *copy_oom(void);
Error *copy_buf_room(char **buf, size_t *cap, size_t need);
/* copy_context: attach PostgreSQL's CONTEXT line (`COPY t, line 3, column a: "x"`) to err:
 * as its context field (err_set_context; an existing context is kept). */
Error *copy_context(Error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ExecSessionHooks *copy_hooks(CopyState *state);

#endif
