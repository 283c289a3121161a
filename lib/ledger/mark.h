/* Private: undoing appends to a ledger (used by lib/io so that a failed
 * strict load leaves the ledger exactly as it was).
 *
 * Appends only ever add rows at the end of the tables and ids at the end of
 * the intern tables, so a mark records the row count of every table, the
 * size of every id space and the running revenue total; a rollback truncates
 * back to it: ids added since the mark are forgotten (a lookup fails and the
 * same id can be added again), rows added since are dropped, and the revenue
 * total is restored. Contact attribute values are the exception (a value
 * may be given to an older contact): they are undone from a journal (see
 * crvm__attributes in ledger_internal.h). Capacity is kept (like
 * crvm_ledger_reserve()).
 *
 * Marks nest: rolling back to an older mark also undoes everything after a
 * newer one. A mark is only meaningful for the ledger it was taken from and
 * while no rollback to an older mark has happened. */
#ifndef CRVM_LEDGER_MARK_H
#define CRVM_LEDGER_MARK_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/ledger.h"
#include "ledger/summary.h"

typedef struct crvm__ledger_mark {
    size_t customers, segments, contacts, articles; /* ids, i.e. rows of those tables */
    size_t revenue, links, uses;                    /* rows of the other tables */
    int64_t revenue_cents;                          /* crvm_ledger_stats.revenue_cents */
    size_t attributes, attribute_journal, sources;  /* contact attributes, revenue sources */
    int64_t revenue_abs_cents;                      /* its sum of magnitudes */
    crvm__ledger_summary summary;                   /* of the rows then */
} crvm__ledger_mark;

/* Record the current size of every table of @p ledger in @p mark (and start
 * journaling attribute values given to the contacts it holds). */
void crvm__ledger_mark_take(crvm_ledger *ledger, crvm__ledger_mark *mark);
/* Remove everything appended to @p ledger since @p mark was taken. Cannot fail. */
void crvm__ledger_rollback(crvm_ledger *ledger, const crvm__ledger_mark *mark);

#endif
