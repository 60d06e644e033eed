/* planner/bind_rename.c: rewriting a view's stored query when something it names is renamed.
 *
 * A view is stored as its SELECT text (catalog.h view_sql) and bound again where it is used,
 * so renaming a table, a view or a column under it
 * would leave the text naming what no longer exists (ALTER ... SET SCHEMA is not supported). plan_view_rename binds the view's query
 * under the current (old) names with a PlanRename in the BindCtx; the binder reports every
 * place where a name in the text resolved to the renamed object (bind_rename_note_*), and the
 * text is rewritten there:
 *   - a relation in FROM: its name part (and for SET SCHEMA its schema part) replaced, and,
 *     when the item had no alias, ` AS old_name` appended so every `old_name.col` in the query
 *     still resolves (PostgreSQL's stored views read `FROM t2 t` the same way);
 *   - a column reference: its last name part replaced; a select-list item that is only that
 *     reference, without an alias, gets ` AS old_name` so the output column keeps its name;
 *   - a `*` or `t.*` that expands to the renamed column: replaced by the explicit list it
 *     expands to, the renamed column `AS old_name` (what PostgreSQL stores at CREATE VIEW).
 * A reference through a USING or NATURAL join column cannot be rewritten this way: the rename
 * is refused (0A000) rather than leave a view that means something else. The caller binds the
 * rewritten text again after the rename (plan_view_rename with no PlanRename) as a check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parse.h"
#include "parser/tok.h"
#include "planner/plan_int.h"

struct BindRenameEdit {
    int         start, end;      /* 0-based byte range of view_sql replaced */
    const char *text;            /* replacement */
};

/* quote: name as an identifier in SQL text: double-quoted unless a plain lower-case word
 * that is not a keyword. */
static const char *quote(BindCtx *ctx, const char *name)
{
    bool plain = name[0] != '\0' && ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
    for (const char *pos = name; plain && *pos != '\0'; pos++) {
        plain = (*pos >= 'a' && *pos <= 'z') || (*pos >= '0' && *pos <= '9') || *pos == '_';
    }
    if (plain && parse_keyword_kind(name) == PARSE_KEYWORD_NONE) return name;
    size_t size = strlen(name);
    char  *text = bind_alloc(ctx, size * 2 + 3);
    if (text == NULL) return NULL;
    char *out = text;
    *out++ = '"';
    for (const char *pos = name; *pos != '\0'; pos++) {
        if (*pos == '"') *out++ = '"';
        *out++ = *pos;
    }
    *out++ = '"';
    *out = '\0';
    return text;
}

static const char *concat(BindCtx *ctx, const char *first, const char *second)
{
    if (first == NULL || second == NULL) return NULL;
    size_t size = strlen(first) + strlen(second) + 1;
    char  *text = bind_alloc(ctx, size);
    if (text != NULL) snprintf(text, size, "%s%s", first, second);
    return text;
}

static bool recording(const BindCtx *ctx)
{
    return ctx->rename != NULL && ctx->view_depth == 0 && ctx->rename_refusal == NULL;
}

static void refuse(BindCtx *ctx, const char *why)
{
    if (ctx->rename_refusal == NULL) ctx->rename_refusal = why;
}

/* name_parts: the byte ranges of the part_count dot-separated name tokens at 1-based position
 * of the view text, checked against names (the AST's folded parts). false if the text there
 * is not that name (then nothing is rewritten: the rename is refused). */
static bool name_parts(BindCtx *ctx, int position, const AstList *names, bool skip_only,
                       int *starts, int *ends)
{
    Tokenizer tok;
    tok_init(&tok, ctx->plan->arena, ctx->plan->sql);
    if (position < 1 || (size_t)position > strlen(ctx->plan->sql)) return false;
    tok.offset = (size_t)position - 1;
    Token token;
    int   part_count = ast_list_count(names);
    for (int part_idx = 0; part_idx < part_count; part_idx++) {
        Error *err = tok_next(&tok, &token);
        if (err != NULL) {
            err_free(err);
            return false;
        }
        if (part_idx == 0 && skip_only && token.kind == TOK_IDENT && !token.quoted &&
            strcmp(token.text, "only") == 0) {
            part_idx--;
            skip_only = false;
            continue;
        }
        if (token.kind != TOK_IDENT || strcmp(token.text, names->items[part_idx]) != 0) {
            return false;
        }
        starts[part_idx] = token.position - 1;
        ends[part_idx] = token.position - 1 + token.raw_size;
        if (part_idx + 1 < part_count) {
            err = tok_next(&tok, &token);
            if (err != NULL) err_free(err);
            if (err != NULL || token.kind != TOK_PUNCT || strcmp(token.text, ".") != 0) {
                return false;
            }
        }
    }
    return true;
}

/* add_edit: one replacement; the same range noted twice (an expression bound twice) keeps
 * the longer text (the select-list binding's, with its AS). */
static void add_edit(BindCtx *ctx, int start, int end, const char *text)
{
    if (text == NULL) {
        refuse(ctx, "out of memory");
        return;
    }
    for (uint32_t edit_idx = 0; edit_idx < ctx->rename_edit_count; edit_idx++) {
        BindRenameEdit *edit = &ctx->rename_edits[edit_idx];
        if (edit->start == start && edit->end == end) {
            if (strlen(text) > strlen(edit->text)) edit->text = text;
            return;
        }
        if (start < edit->end && edit->start < end) {
            refuse(ctx, "overlapping references");
            return;
        }
    }
    if (ctx->rename_edit_count == ctx->rename_edit_capacity) {
        uint32_t capacity = ctx->rename_edit_capacity * 2 + 8;
        BindRenameEdit *edits = bind_alloc(ctx, capacity * sizeof *edits);
        if (edits == NULL) {
            refuse(ctx, "out of memory");
            return;
        }
        if (ctx->rename_edit_count > 0) {
            memcpy(edits, ctx->rename_edits, ctx->rename_edit_count * sizeof *edits);
        }
        ctx->rename_edits = edits;
        ctx->rename_edit_capacity = capacity;
    }
    ctx->rename_edits[ctx->rename_edit_count++] = (BindRenameEdit){start, end, text};
}

static bool column_renamed(const BindCtx *ctx, const BindColumn *column)
{
    return ctx->rename->attnum > 0 && column->table_oid == ctx->rename->rel_oid &&
           column->attnum == ctx->rename->attnum;
}

void bind_rename_note_relation(BindCtx *ctx, const AstFrom *item, const CatTable *table)
{
    if (!recording(ctx) || ctx->rename->attnum != 0 || table->oid != ctx->rename->rel_oid) return;
    int part_count = ast_list_count(item->names);
    int starts[3], ends[3];
    if (part_count > 3 || !name_parts(ctx, item->position, item->names, item->only, starts, ends)) {
        refuse(ctx, "a reference it could not find in the view's text");
        return;
    }
    const char *text = quote(ctx, ctx->rename->new_name);
    if (item->alias == NULL) text = concat(ctx, concat(ctx, text, " AS "), quote(ctx, table->name));
    add_edit(ctx, starts[part_count - 1], ends[part_count - 1], text);
}

void bind_rename_note_column(BindCtx *ctx, const AstExpr *ast, const BindColumn *column)
{
    if (!recording(ctx) || !column_renamed(ctx, column)) return;
    int part_count = ast_list_count(ast->names);
    /* a name given by an alias column list (FROM t AS x(c)) is not the column's own */
    if (part_count < 1 || strcmp(ast->names->items[part_count - 1], ctx->rename->old_name) != 0) {
        return;
    }
    int starts[4], ends[4];
    if (part_count > 4 || !name_parts(ctx, ast->position, ast->names, false, starts, ends)) {
        refuse(ctx, "a reference it could not find in the view's text");
        return;
    }
    const char *text = quote(ctx, ctx->rename->new_name);
    if (ast == ctx->rename_bare_target) {
        text = concat(ctx, concat(ctx, text, " AS "), quote(ctx, ctx->rename->old_name));
    }
    add_edit(ctx, starts[part_count - 1], ends[part_count - 1], text);
}

void bind_rename_note_star(BindCtx *ctx, const AstExpr *star, const BindScope *scope,
                           const uint32_t *cols, uint32_t count)
{
    if (!recording(ctx) || ctx->rename->attnum == 0) return;
    bool hit = false;
    for (uint32_t out_idx = 0; out_idx < count && !hit; out_idx++) {
        hit = column_renamed(ctx, &scope->columns[cols[out_idx]]);
    }
    if (!hit) return;
    /* the star's range: its qualifier parts, then '.' and '*' (or just '*') */
    Tokenizer tok;
    tok_init(&tok, ctx->plan->arena, ctx->plan->sql);
    tok.offset = (size_t)star->position - 1;
    int start = star->position - 1, end = -1;
    for (int token_idx = 0; token_idx < 2 * ast_list_count(star->names) + 1; token_idx++) {
        Token token;
        Error *err = tok_next(&tok, &token);
        if (err != NULL) {
            err_free(err);
            break;
        }
        end = token.position - 1 + token.raw_size;
        if (token.kind == TOK_OP && strcmp(token.text, "*") == 0) break;
        end = -1;
    }
    if (end < 0) {
        refuse(ctx, "a * it could not find in the view's text");
        return;
    }
    const char *text = "";
    for (uint32_t out_idx = 0; out_idx < count && text != NULL; out_idx++) {
        const BindColumn *column = &scope->columns[cols[out_idx]];
        if (out_idx > 0) text = concat(ctx, text, ", ");
        if (column->range_name != NULL && !column->ambiguous_ok) {
            text = concat(ctx, concat(ctx, text, quote(ctx, column->range_name)), ".");
        }
        if (column_renamed(ctx, column)) {
            text = concat(ctx, concat(ctx, concat(ctx, text, quote(ctx, ctx->rename->new_name)),
                                      " AS "), quote(ctx, column->name));
        } else {
            text = concat(ctx, text, quote(ctx, column->name));
        }
    }
    add_edit(ctx, start, end, text);
}

void bind_rename_refuse_using(BindCtx *ctx, const BindColumn *column)
{
    if (recording(ctx) && column_renamed(ctx, column)) {
        refuse(ctx, "a USING or NATURAL join on the column");
    }
}

static int edit_order(const void *left, const void *right)
{
    const BindRenameEdit *a = left, *b = right;
    return (a->start > b->start) - (a->start < b->start);
}

/* apply_edits: sql with ctx's edits made, in the arena. */
static const char *apply_edits(BindCtx *ctx, const char *sql)
{
    qsort(ctx->rename_edits, ctx->rename_edit_count, sizeof *ctx->rename_edits, edit_order);
    size_t size = strlen(sql) + 1;
    for (uint32_t edit_idx = 0; edit_idx < ctx->rename_edit_count; edit_idx++) {
        size += strlen(ctx->rename_edits[edit_idx].text);
    }
    char *text = bind_alloc(ctx, size);
    if (text == NULL) return NULL;
    size_t at = 0;
    int    from = 0;
    for (uint32_t edit_idx = 0; edit_idx < ctx->rename_edit_count; edit_idx++) {
        const BindRenameEdit *edit = &ctx->rename_edits[edit_idx];
        memcpy(text + at, sql + from, (size_t)(edit->start - from));
        at += (size_t)(edit->start - from);
        size_t piece = strlen(edit->text);
        memcpy(text + at, edit->text, piece);
        at += piece;
        from = edit->end;
    }
    strcpy(text + at, sql + from);
    return text;
}

Error *plan_view_rename(PlanCtx *plan_ctx, const CatTable *view, const PlanRename *rename,
                        const char **sql_out)
{
    AstStmtList *stmts = NULL;
    TRY(parse_sql(plan_ctx->arena, view->view_sql, &stmts));
    if (stmts->count != 1 || stmts->stmts[0]->kind != AST_STMT_SELECT) {
        return err_new(SQLSTATE_DATA_CORRUPTED, "view \"%s\" is not a query", view->name);
    }
    const char *saved_sql = plan_ctx->sql;
    plan_ctx->sql = view->view_sql;
    BindCtx *ctx = NULL;
    Error   *err = bind_ctx_init(plan_ctx, &ctx);
    BindScope *holder = NULL;
    if (err == NULL) {
        ctx->rename = rename;
        holder = scope_new(ctx, NULL, NULL);
        if (holder == NULL) err = oom_error();
    }
    Plan *plan = NULL;
    if (err == NULL) err = plan_query(ctx, holder, NULL, stmts->stmts[0]->u.select, true, &plan);
    plan_ctx->sql = saved_sql;
    if (err != NULL) {
        return err_prefix(err, "view \"%s\" no longer binds", view->name);
    }
    if (ctx->rename_refusal != NULL) {
        return err_new(SQLSTATE_FEATURE_NOT_SUPPORTED,
                       "cannot rewrite view \"%s\" for the rename: %s", view->name,
                       ctx->rename_refusal);
    }
    *sql_out = view->view_sql;
    if (ctx->rename_edit_count == 0) return NULL;
    const char *text = apply_edits(ctx, view->view_sql);
    if (text == NULL) return oom_error();
    *sql_out = text;
    return NULL;
}
