/* Private: each customer's gross margin and cost to serve per period over
 * its trailing window (crvm/value.h, docs/value.md "contribution"). */
#ifndef CRVM_VALUE_CONTRIBUTION_H
#define CRVM_VALUE_CONTRIBUTION_H

#include <stdint.h>

#include "crvm/economics.h"

/* For each ledger customer started by as_of: its window ends on as_of + 1
 * (active) or on its end date (churned) and spans trailing_months months, cut
 * at its start; gross margin (per stream, rounded as crvm_customer_economics()
 * does) and cost to serve (contacts opened and self-service views in the
 * window, costed per contact) are divided by the customer's period starts in
 * the window, after adding shrinkage pseudo-periods at the segment's mean
 * over its active customers; each result is rounded to whole cents. Not yet
 * started customers get 0. gm and cts receive cents per period. Time
 * O(customers + revenue + contacts + uses); temporary memory 64 bytes per
 * customer. CRVM_OK, CRVM_EDOMAIN (a sum beyond 2^53 cents, naming the first
 * such customer) or CRVM_ENOMEM. */
crvm_status crvm__contribution(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                               int months_per_period, int trailing_months, double shrinkage,
                               int64_t *gm, int64_t *cts);
/* The same on `threads` threads (<= 1: the calling thread alone), each
 * summing a range of customers over the rows that can be theirs (its own
 * rows of a table the ledger keeps in customer order, else all: each row
 * read once per thread): the results do not depend on the thread count. */
crvm_status crvm__contribution_threads(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                       int months_per_period, int trailing_months, double shrinkage,
                                       int threads, int64_t *gm, int64_t *cts);

#endif
