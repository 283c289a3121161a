/* The rejection list filled by lenient bulk appends. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "ledger/rejections.h"

typedef struct entry {
    crvm_table table;
    crvm_status status;
    size_t row;
    const char *field;
    size_t reason; /* offset in text */
} entry;

struct crvm_rejections {
    entry *e;
    size_t n, cap;
    char *text;
    size_t text_len, text_cap;
};

crvm_status crvm_rejections_new(crvm_rejections **out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_rejections_new: out is NULL");
    crvm_rejections *r = crvm__calloc(1, sizeof *r);
    if (!r)
        return crvm__nomem("rejection list");
    *out = r;
    return CRVM_OK;
}

void crvm_rejections_free(crvm_rejections *r)
{
    if (!r)
        return;
    crvm__free(r->e);
    crvm__free(r->text);
    crvm__free(r);
}

size_t crvm_rejections_count(const crvm_rejections *r) { return r ? r->n : 0; }

crvm_status crvm_rejections_get(const crvm_rejections *r, size_t i, crvm_rejection *out)
{
    if (!r || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_rejections_get: rejections and out are required");
    if (i >= r->n)
        return crvm__fail(CRVM_EINVAL, "crvm_rejections_get: index %zu >= count %zu", i, r->n);
    out->table = r->e[i].table;
    out->row = r->e[i].row;
    out->field = r->e[i].field;
    out->status = r->e[i].status;
    out->reason = r->text + r->e[i].reason;
    return CRVM_OK;
}

void crvm_rejections_clear(crvm_rejections *r)
{
    if (r) {
        r->n = 0;
        r->text_len = 0;
    }
}

void crvm__rejections_mark(const crvm_rejections *r, size_t *n, size_t *text_len)
{
    *n = r ? r->n : 0;
    *text_len = r ? r->text_len : 0;
}

void crvm__rejections_rollback(crvm_rejections *r, size_t n, size_t text_len)
{
    if (r) {
        r->n = n;
        r->text_len = text_len;
    }
}

crvm_status crvm__rejections_add(crvm_rejections *r, crvm_table table, size_t row,
                                 const char *field, crvm_status status, const char *reason)
{
    size_t len = strlen(reason) + 1;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        entry *e = crvm__realloc_array(r->e, cap, sizeof *e);
        if (!e)
            return crvm__nomem("rejection list");
        r->e = e;
        r->cap = cap;
    }
    if (r->text_len + len > r->text_cap) {
        size_t cap = r->text_cap ? r->text_cap * 2 : 1024;
        while (cap < r->text_len + len)
            cap *= 2;
        char *t = crvm__realloc_array(r->text, cap, 1);
        if (!t)
            return crvm__nomem("rejection list text");
        r->text = t;
        r->text_cap = cap;
    }
    memcpy(r->text + r->text_len, reason, len);
    r->e[r->n] = (entry){table, status, row, field, r->text_len};
    r->text_len += len;
    r->n++;
    return CRVM_OK;
}

crvm_status crvm__reject(crvm__batch *b, size_t row, const char *field, crvm_status status,
                         const char *fmt, ...)
{
    char msg[512];
    int k = snprintf(msg, sizeof msg, "%s[%zu].%s ", crvm_table_name(b->table), row, field);
    if (k < 0)
        k = 0;
    if ((size_t)k >= sizeof msg)
        k = (int)sizeof msg - 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
    va_end(ap);
    if (!b->rejections)
        return crvm__fail(status, "%s", msg);
    b->rejected++;
    return crvm__rejections_add(b->rejections, b->table, row, field, status, msg);
}
