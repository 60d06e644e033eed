/* parser/ast.c: AST construction helpers (the printer is in ast_print.c). */
#include "parser/ast.h"

#include <stdlib.h>
#include <string.h>

#include "common/asserts.h"
#include "common/failpoint.h"

/* ------------------------------------------------------------ construction */

/* On out-of-memory (or the injected failpoint) the builder still hands out real, zeroed memory
 * from malloc, chained in b->fallback and freed by ast_builder_release, so grammar actions that
 * run before parse.c sees the flag never touch garbage. Only if malloc fails too does it fall
 * back to the shared scratch area. */
typedef struct FallbackBlock {
    struct FallbackBlock *next;
    _Alignas(16) unsigned char data[];
} FallbackBlock;

void *ast_alloc(AstBuilder *b, size_t size)
{
    if (!FAILPOINT("parser.ast_alloc")) {   /* tests: out of memory mid-parse */
        void *ptr = arena_calloc(b->arena, size);
        if (ptr != NULL) return ptr;
    }
    b->oom = true;
    FallbackBlock *block = calloc(1, sizeof(FallbackBlock) + size);
    if (block != NULL) {
        block->next = b->fallback;
        b->fallback = block;
        return block->data;
    }
    VERIFY(size <= AST_SCRATCH_SIZE);
    memset(b->scratch, 0, sizeof b->scratch);
    return b->scratch;
}

void ast_builder_release(AstBuilder *b)
{
    FallbackBlock *block = b->fallback;
    while (block != NULL) {
        FallbackBlock *next = block->next;
        free(block);
        block = next;
    }
    b->fallback = NULL;
}

char *ast_strdup(AstBuilder *b, const char *text, size_t size)
{
    char *copy = ast_alloc(b, size + 1);
    if (size + 1 > AST_SCRATCH_SIZE && copy == (char *)b->scratch) return (char *)"";
    memcpy(copy, text, size);
    copy[size] = '\0';
    return copy;
}

AstList *ast_list_new(AstBuilder *b, void *first)
{
    AstList *list = ast_alloc(b, sizeof(AstList));
    if (first != NULL) list = ast_list_append(b, list, first);
    return list;
}

AstList *ast_list_append(AstBuilder *b, AstList *list, void *item)
{
    if (list == NULL) list = ast_list_new(b, NULL);
    if ((unsigned char *)list == b->scratch) return list;   /* last-resort memory */
    if (list->count == list->capacity) {
        int capacity = list->capacity == 0 ? 4 : list->capacity * 2;
        size_t size = (size_t)capacity * sizeof(void *);
        void **items = ast_alloc(b, size);
        if ((unsigned char *)items == b->scratch) return list;
        if (list->count > 0) memcpy(items, list->items, (size_t)list->count * sizeof(void *));
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->count++] = item;
    return list;
}

AstExpr *ast_expr_new(AstBuilder *b, AstExprKind kind, int position)
{
    AstExpr *expr = ast_alloc(b, sizeof(AstExpr));
    expr->kind = kind;
    expr->position = position;
    return expr;
}

AstExpr *ast_binary_new(AstBuilder *b, const char *op, AstExpr *left, AstExpr *right,
                        int position)
{
    AstExpr *expr = ast_expr_new(b, AST_EXPR_BINARY, position);
    expr->text = ast_strdup(b, op, strlen(op));
    expr->text_size = strlen(op);
    expr->left = left;
    expr->right = right;
    return expr;
}

AstExpr *ast_unary_new(AstBuilder *b, const char *op, AstExpr *arg, int position)
{
    AstExpr *expr = ast_expr_new(b, AST_EXPR_UNARY, position);
    expr->text = ast_strdup(b, op, strlen(op));
    expr->text_size = strlen(op);
    expr->arg = arg;
    return expr;
}

AstExpr *ast_bool_new(AstBuilder *b, AstExprKind kind, AstExpr *left, AstExpr *right,
                      int position)
{
    ASSERT(kind == AST_EXPR_AND || kind == AST_EXPR_OR);
    if (left->kind == kind) {
        left->args = ast_list_append(b, left->args, right);
        return left;
    }
    AstExpr *expr = ast_expr_new(b, kind, position);
    expr->args = ast_list_append(b, ast_list_new(b, left), right);
    return expr;
}

AstExpr *ast_func_new(AstBuilder *b, AstList *names, AstList *args, int position)
{
    AstExpr *expr = ast_expr_new(b, AST_EXPR_FUNC, position);
    expr->func = ast_alloc(b, sizeof(AstFuncCall));
    expr->func->names = names;
    expr->func->args = args;
    return expr;
}

AstExpr *ast_func_named(AstBuilder *b, const char *name, AstList *args, int position)
{
    return ast_func_new(b, ast_list_new(b, ast_strdup(b, name, strlen(name))), args, position);
}

AstExpr *ast_string_new(AstBuilder *b, const char *text, int position)
{
    AstExpr *expr = ast_expr_new(b, AST_EXPR_STRING, position);
    expr->text = ast_strdup(b, text, strlen(text));
    expr->text_size = strlen(text);
    return expr;
}

AstTypeName *ast_type_new(AstBuilder *b, const char *name, int position)
{
    AstTypeName *type = ast_alloc(b, sizeof(AstTypeName));
    type->name = ast_strdup(b, name, strlen(name));
    type->position = position;
    return type;
}
