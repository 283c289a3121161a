/* Private: what every append keeps up to date in the ledger, so that
 * readers need no pass over the rows: the span of its dates, and whether
 * each table's rows come in customer order. A mark (mark.h) holds a copy
 * that a rollback restores: the rows kept are exactly those the copy
 * describes. */
#ifndef CRVM_LEDGER_SUMMARY_H
#define CRVM_LEDGER_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/ledger.h"

typedef struct crvm__ledger_summary {
    /* Earliest and latest of the customers' starts, the revenue dates, the
     * contacts' opened dates, the articles' created dates and the knowledge
     * uses' dates (crvm_ledger_stats' first_date and last_date);
     * CRVM_DATE_NONE while there is none. */
    crvm_date first, last;
    crvm_date last_end;    /* latest customer end date, CRVM_DATE_NONE if none */
    crvm_date last_closed; /* latest contact closed date, CRVM_DATE_NONE if none */
    /* 1 while the customer index never decreases from one row to the next
     * of the revenue events, the contacts and the knowledge uses (a use
     * without a customer counting as CRVM__NOT_FOUND, above every index). */
    uint8_t revenue_ordered, contacts_ordered, uses_ordered;
} crvm__ledger_summary;

/* The summary of an empty ledger. */
void crvm__ledger_summary_init(crvm__ledger_summary *s);
/* Takes date d into the span [*lo, *hi] (CRVM_DATE_NONE: empty). */
static inline void crvm__span_note(crvm_date *lo, crvm_date *hi, crvm_date d)
{
    if (*lo == CRVM_DATE_NONE || d < *lo)
        *lo = d;
    if (*hi == CRVM_DATE_NONE || d > *hi)
        *hi = d;
}
/* Takes d (CRVM_DATE_NONE: none) into the latest date *hi. */
static inline void crvm__latest_note(crvm_date *hi, crvm_date d)
{
    if (d != CRVM_DATE_NONE && (*hi == CRVM_DATE_NONE || d > *hi))
        *hi = d;
}

/* The rows of a table (CRVM_TABLE_REVENUE, CRVM_TABLE_CONTACTS or
 * CRVM_TABLE_KNOWLEDGE_USES) that can belong to customers [begin, end):
 * [*row_begin, *row_end). When the table is in customer order these are
 * exactly their rows (two binary searches), else every row: a reader still
 * tests each row's customer, and reads the same rows in the same order
 * either way. */
void crvm__ledger_customer_rows(const crvm_ledger *l, int table, size_t begin, size_t end,
                                size_t *row_begin, size_t *row_end);

#endif
