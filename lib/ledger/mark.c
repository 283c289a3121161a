/* Marks and rollback of appends (see mark.h). */
#include "ledger/mark.h"

#include "ledger/ledger_internal.h"

void crvm__ledger_mark_take(const crvm_ledger *l, crvm__ledger_mark *m)
{
    m->customers = l->customer_ids.count;
    m->segments = l->segment_ids.count;
    m->contacts = l->contact_ids.count;
    m->articles = l->article_ids.count;
    m->revenue = l->n_rev;
    m->links = l->n_link;
    m->uses = l->n_use;
    m->revenue_cents = l->revenue_cents;
}

static size_t smaller(size_t a, size_t b) { return a < b ? a : b; }

void crvm__ledger_rollback(crvm_ledger *l, const crvm__ledger_mark *m)
{
    /* Every piece of state an append changes: the intern tables (ids and
     * their hash slots; a customer's or contact's columns are indexed by its
     * id), the row counts of the tables without ids, and the revenue total.
     * Column contents past a row count are never read. */
    crvm__intern_truncate(&l->customer_ids, m->customers);
    crvm__intern_truncate(&l->segment_ids, m->segments);
    crvm__intern_truncate(&l->contact_ids, m->contacts);
    crvm__intern_truncate(&l->article_ids, m->articles);
    l->n_rev = smaller(l->n_rev, m->revenue);
    l->n_link = smaller(l->n_link, m->links);
    l->n_use = smaller(l->n_use, m->uses);
    l->revenue_cents = m->revenue_cents;
}
