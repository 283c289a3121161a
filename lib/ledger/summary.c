/* The ledger's summary, kept up to date by its appends (summary.h). */
#include "ledger/summary.h"

#include "ledger/ledger_internal.h"

void crvm__ledger_summary_init(crvm__ledger_summary *s)
{
    s->first = s->last = s->last_end = s->last_closed = CRVM_DATE_NONE;
    s->revenue_ordered = s->contacts_ordered = s->uses_ordered = 1;
}

/* First row in [0, n) whose customer is >= c, in a column in customer order. */
static size_t lower_bound(const uint32_t *customer, size_t n, size_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (customer[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void crvm__ledger_customer_rows(const crvm_ledger *l, int table, size_t begin, size_t end,
                                size_t *row_begin, size_t *row_end)
{
    const uint32_t *customer = NULL;
    size_t n = 0;
    int ordered = 0;
    switch (table) {
    case CRVM_TABLE_REVENUE:
        customer = l->rev_customer;
        n = l->n_rev;
        ordered = l->summary.revenue_ordered;
        break;
    case CRVM_TABLE_CONTACTS:
        customer = l->con_customer;
        n = l->contact_ids.count;
        ordered = l->summary.contacts_ordered;
        break;
    case CRVM_TABLE_KNOWLEDGE_USES:
        customer = l->use_customer;
        n = l->n_use;
        ordered = l->summary.uses_ordered;
        break;
    default:
        break;
    }
    *row_begin = ordered ? lower_bound(customer, n, begin) : 0;
    *row_end = ordered ? lower_bound(customer, n, end) : n;
}
