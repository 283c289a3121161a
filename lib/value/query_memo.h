/* Private: the repeated DERL-only queries of a walk over contacts (contact
 * impacts, the support P&L). Customers whose histories agree up to a
 * renewal ask the same query there -- at 10^6 customers 46% of the impacts'
 * 1.5 M queries and 38% of the 12-month P&L's 2.8 M repeat an earlier one,
 * most of them one of some 50 000 and 90 000 keys. An answer is a function
 * of the query alone (segment, n, Lambda, e1, compared bit for bit), so an
 * answer kept is exactly what the engine would return: results depend
 * neither on the memo nor on the threads. A refused query is never kept
 * (each asker asks, so the error names it).
 *
 * The walk runs in rounds of blocks (crvm__value_blocks()). During a round
 * the memo's answers are only read; a query not among them is counted in two
 * bit sets ("seen", "seen twice"; two cells a key, in one 64-byte line), and
 * if both its cells had been seen twice -- a key asked before, or a single
 * one whose cells others filled (a few per cent) -- the asker's answer is
 * kept in its slot, to join the memo when the round is folded. So every
 * repeated query is answered by the engine about twice (its first asking,
 * and its second in the round that finds it), later askings read the memo,
 * and only queries asked twice take memory. Memory: the bit sets, W / 4
 * bytes for W cells (the power of two >= 8 x the bound given; from 4 MB on
 * on transparent huge pages, with up to 2 MB of alignment), then about 100
 * bytes per key kept. */
#ifndef CRVM_VALUE_QUERY_MEMO_H
#define CRVM_VALUE_QUERY_MEMO_H

#include <stddef.h>

#include "value/value_internal.h"

typedef struct crvm__qmemo crvm__qmemo;

/* A memo for a walk of at most about `bound` distinct queries (a bound, not
 * a limit: more only keep more single keys), asked from `slots` slots
 * (crvm__value_slots()). NULL when out of memory (crvm__nomem has then set
 * the message). */
crvm__qmemo *crvm__qmemo_new(size_t bound, size_t slots);
void crvm__qmemo_free(crvm__qmemo *m);

/* crvm__value_eval_derl() through the memo, asked from slot `slot` (slots
 * may ask concurrently, while no fold runs; m NULL: straight to the
 * engine). Its statuses, and CRVM_ENOMEM when an answer cannot be kept. */
crvm_status crvm__qmemo_eval(crvm__qmemo *m, size_t slot, const crvm_value *v,
                             const crvm__vquery *q, size_t customer, crvm__rcov_partials *derl);
/* A hint: starts loading the memory crvm__qmemo_eval() will first read for
 * q (its line of the bit sets, and the index slot of a repeated key), so
 * that a walk can overlap it with the query it asks before (no effect on any
 * answer; m may be NULL). */
void crvm__qmemo_prefetch(const crvm__qmemo *m, const crvm__vquery *q);
/* Fold slot's kept answers into the memo (serial: between rounds, one slot
 * at a time). CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__qmemo_fold(crvm__qmemo *m, size_t slot);
/* The keys in the memo. */
size_t crvm__qmemo_keys(const crvm__qmemo *m);

#endif
