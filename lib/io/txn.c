#include "io/txn.h"

#include "ledger/ledger_internal.h"

void crvm__io_ledger_mark(const crvm_ledger *l, crvm__ledger_mark *m)
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

void crvm__io_ledger_rollback(crvm_ledger *l, const crvm__ledger_mark *m)
{
    crvm__intern_truncate(&l->customer_ids, m->customers);
    crvm__intern_truncate(&l->segment_ids, m->segments);
    crvm__intern_truncate(&l->contact_ids, m->contacts);
    crvm__intern_truncate(&l->article_ids, m->articles);
    l->n_rev = m->revenue;
    l->n_link = m->links;
    l->n_use = m->uses;
    l->revenue_cents = m->revenue_cents;
}
