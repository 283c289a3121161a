/* Marks and rollback of appends (see mark.h), and the public batches built on them. */
#include "ledger/mark.h"

#include "core/error.h"
#include "ledger/ledger_internal.h"

void crvm__ledger_mark_take(crvm_ledger *l, crvm__ledger_mark *m)
{
    m->customers = l->customer_ids.count;
    m->segments = l->segment_ids.count;
    m->contacts = l->contact_ids.count;
    m->articles = l->article_ids.count;
    m->revenue = l->n_rev;
    m->links = l->n_link;
    m->uses = l->n_use;
    m->revenue_cents = l->revenue_cents;
    crvm__attributes_mark(&l->attributes, m->contacts, &m->attributes, &m->attribute_journal);
    m->sources = l->sources.n;
    m->revenue_abs_cents = l->revenue_abs_cents;
    m->summary = l->summary;
}

static size_t smaller(size_t a, size_t b) { return a < b ? a : b; }

void crvm__ledger_rollback(crvm_ledger *l, const crvm__ledger_mark *m)
{
    /* Every piece of state an append changes: the intern tables (ids and
     * their hash slots; a customer's or contact's columns are indexed by its
     * id), the row counts of the tables without ids, and the revenue total.
     * Column contents past a row count are never read. */
    crvm__attributes_rollback(&l->attributes, m->attributes, m->attribute_journal, m->contacts);
    crvm__intern_truncate(&l->customer_ids, m->customers);
    crvm__intern_truncate(&l->segment_ids, m->segments);
    crvm__intern_truncate(&l->contact_ids, m->contacts);
    crvm__intern_truncate(&l->article_ids, m->articles);
    l->n_rev = smaller(l->n_rev, m->revenue);
    l->n_link = smaller(l->n_link, m->links);
    l->n_use = smaller(l->n_use, m->uses);
    l->sources.n = smaller(l->sources.n, m->sources);
    l->revenue_cents = m->revenue_cents;
    l->modifications++;
    l->revenue_abs_cents = m->revenue_abs_cents;
    l->summary = m->summary;
}

/* ---- public batches (crvm/ledger.h): one mark kept in the ledger */

crvm_status crvm_ledger_begin(crvm_ledger *l)
{
    if (!l)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_begin: ledger is NULL");
    if (l->in_batch)
        return crvm__fail(CRVM_ESTATE, "crvm_ledger_begin: a batch is already open "
                                       "(crvm_ledger_commit or crvm_ledger_rollback it first)");
    crvm__attributes_forget(&l->attributes); /* no mark is outstanding between calls */
    crvm__ledger_mark_take(l, &l->batch);
    l->in_batch = 1;
    return CRVM_OK;
}

/* Close the open batch, undoing it if `undo`. */
static crvm_status end_batch(crvm_ledger *l, const char *fn, int undo)
{
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    if (!l->in_batch)
        return crvm__fail(CRVM_ESTATE, "%s: no batch is open (crvm_ledger_begin)", fn);
    if (undo)
        crvm__ledger_rollback(l, &l->batch);
    crvm__attributes_forget(&l->attributes);
    l->in_batch = 0;
    return CRVM_OK;
}

crvm_status crvm_ledger_commit(crvm_ledger *l) { return end_batch(l, "crvm_ledger_commit", 0); }

crvm_status crvm_ledger_rollback(crvm_ledger *l) { return end_batch(l, "crvm_ledger_rollback", 1); }
