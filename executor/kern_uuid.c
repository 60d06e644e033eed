/* executor/kern_uuid.c: the uuid type's kernels: text input and output, gen_random_uuid().
 *
 * A uuid vector is VEC_PHYS_STR whose every valid row holds exactly the 16 bytes of the value
 * (common/uuid.h), so comparison, hashing, grouping, sort and index keys are those of bytea
 * (memcmp order is PostgreSQL's uuid order) and the binary wire form is the bytes as they are. */
#include "common/uuid.h"
#include "executor/kern_int.h"
#include "executor/kern_json.h"

KERN_DECLARE(kern_cast_text_uuid)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        uint8_t value[UUID_SIZE];
        TRY(uuid_parse(str_view_data(view), view->size, value));
        TRY(vec_str_set(out, r, (const char *)value, UUID_SIZE));
    });
    return NULL;
}

KERN_DECLARE(kern_cast_uuid_text)
{
    (void)ctx;
    TRY(kern_out_begin(out, args, 1, sel, count));
    FOR_ROWS(sel, count, {
        if (!row_valid(out, r)) continue;
        const StrView *view = str_at(args[0], r);
        if (view->size != UUID_SIZE) {
            return err_new(SQLSTATE_DATA_CORRUPTED, "uuid value of %u bytes", view->size);
        }
        char text[UUID_TEXT_SIZE + 1];
        uuid_format((const uint8_t *)str_view_data(view), text);
        TRY(vec_str_set(out, r, text, UUID_TEXT_SIZE));
    });
    return NULL;
}

/* kern_gen_random_uuid: one new version 4 uuid per row (its argument, if any, is ignored: the
 * binder passes a volatile dummy so the call is never folded into one value). */
KERN_DECLARE(kern_gen_random_uuid)
{
    (void)ctx;
    (void)args;
    TRY(kern_out_reserve(out, sel, count));
    FOR_ROWS(sel, count, {
        uint8_t value[UUID_SIZE];
        TRY(uuid_random(value));
        TRY(vec_str_set(out, r, (const char *)value, UUID_SIZE));
    });
    return NULL;
}
