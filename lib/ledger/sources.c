/* Revenue events sourced by a support contact: the sparse (row, contact)
 * list of ledger_internal.h. The validated append itself is add_revenue in
 * ledger.c, shared with crvm_ledger_add_revenue. */
#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"

void crvm__sources_free(crvm__sources *s)
{
    crvm__free(s->row);
    crvm__free(s->contact);
    s->row = s->contact = NULL;
    s->n = s->cap = 0;
}

/* Both columns to `cap` entries; a failure keeps the smaller capacity valid. */
static crvm_status resize(crvm__sources *s, size_t cap)
{
    uint32_t *row = crvm__realloc_array(s->row, cap, sizeof *row);
    if (!row)
        return crvm__nomem("revenue source rows");
    s->row = row;
    uint32_t *contact = crvm__realloc_array(s->contact, cap, sizeof *contact);
    if (!contact) {
        if (cap < s->cap)
            s->cap = cap;
        return crvm__nomem("revenue source contacts");
    }
    s->contact = contact;
    s->cap = cap;
    return CRVM_OK;
}

crvm_status crvm__sources_reserve(crvm__sources *s, size_t extra)
{
    if (extra > SIZE_MAX / 8 - s->n)
        return crvm__fail(CRVM_ENOMEM, "revenue sources: too many rows");
    if (s->n + extra <= s->cap)
        return CRVM_OK;
    size_t cap = s->cap < 8 ? 16 : 2 * s->cap;
    return resize(s, cap < s->n + extra ? s->n + extra : cap);
}

crvm_status crvm__sources_shrink(crvm__sources *s)
{
    if (s->n == 0) {
        crvm__sources_free(s);
        return CRVM_OK;
    }
    return s->n < s->cap ? resize(s, s->n) : CRVM_OK;
}

crvm_status crvm_ledger_add_sourced_revenue_event(crvm_ledger *l, const char *customer_id,
                                                  crvm_date date, double amount, crvm_stream stream,
                                                  const char *source_contact_id)
{
    int32_t s = (int32_t)stream;
    return crvm_ledger_add_sourced_revenue(l, &customer_id, 1, &date, 1, &amount, 1, &s, 1,
                                           &source_contact_id, 1, NULL);
}
