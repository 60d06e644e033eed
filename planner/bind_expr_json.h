/* planner/bind_expr_json.h: binding the variadic json builders and gen_random_uuid
 * (bind_expr_json.c). Internal to the expression binder. */
#ifndef BIRCH_PLANNER_BIND_EXPR_JSON_H
#define BIRCH_PLANNER_BIND_EXPR_JSON_H

#include "planner/bind_expr_int.h"

/* bind_json_is_special: json_build_object, jsonb_build_object, json_build_array,
 * jsonb_build_array or gen_random_uuid. */
bool   bind_json_is_special(const char *name, uint32_t arg_count);
/* bind_json_special: json_build_object(k1, v1, ...) is "json build pair"(... "json build
 * pair"('{}'::json, k1::text, to_json(v1)) ..., kn::text, to_json(vn)) (jsonb_: then cast to
 * jsonb); json_build_array likewise with "json build elem" from '[]'. gen_random_uuid() gets a
 * volatile dummy argument (pg_backend_pid(), a special) so that it is never folded into one
 * value per statement. Errors: INVALID_PARAMETER_VALUE (22023) `argument list must have even
 * number of elements`; INVALID_PARAMETER_VALUE (22023) `argument 1 cannot be null` for a NULL
 * constant key; coercion errors. */
Error *bind_json_special(BindCtx *ctx, const char *name, Expr **args, uint32_t arg_count,
                         int position, Expr **expr_out);

#endif
