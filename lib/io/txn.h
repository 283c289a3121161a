/* Private: undoing appends to a ledger, so that a failed strict load leaves
 * the ledger as it was. Appends only ever add rows at the end of the tables
 * (and ids at the end of the intern tables), so a mark is the row count of
 * every table, and a rollback truncates back to it.
 *
 * This reaches into the ledger's private storage (lib/ledger/ledger_internal.h)
 * until the ledger offers the same as a private API of its own. */
#ifndef CRVM_IO_TXN_H
#define CRVM_IO_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/ledger.h"

typedef struct crvm__ledger_mark {
    size_t customers, segments, contacts, articles, revenue, links, uses;
    int64_t revenue_cents;
} crvm__ledger_mark;

void crvm__io_ledger_mark(const crvm_ledger *ledger, crvm__ledger_mark *mark);
void crvm__io_ledger_rollback(crvm_ledger *ledger, const crvm__ledger_mark *mark);

#endif
