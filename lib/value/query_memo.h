/* Private: the repeated DERL-only queries of a walk over contacts (contact
 * impacts, the support P&L). Customers whose histories agree up to a
 * renewal ask the same query there -- at 10^6 customers 46% of the impacts'
 * 1.5 M queries and 38% of the 12-month P&L's 2.8 M repeat an earlier one,
 * most of them one of some 50 000 and 90 000 keys. The walk runs twice:
 * a marking pass finds the keys asked more than once, they are answered
 * once on the threads, and the walk proper reads those answers. An answer
 * is a function of the query alone (segment, n, Lambda, e1, compared bit
 * for bit), so a memo answer is exactly what the engine would return:
 * results depend neither on the memo nor on the threads. A refused query is
 * not kept; each asker asks again, so the error names it.
 *
 * The marking pass counts keys in two bit sets of W cells (W the power of
 * two >= 8 x the bound on distinct queries given), two cells a key: "seen"
 * and "seen twice". A key whose two cells are both seen twice is a
 * candidate: every key asked twice is one, and a key asked once is one only
 * if other keys fill both its cells (a few per cent), which costs an answer
 * kept, never a wrong one. Memory: W / 4 bytes while marking (about 2-4
 * bytes per contact of the walk), then 80 bytes per candidate key. */
#ifndef CRVM_VALUE_QUERY_MEMO_H
#define CRVM_VALUE_QUERY_MEMO_H

#include <stddef.h>

#include "value/value_internal.h"

typedef struct crvm__qmemo crvm__qmemo;

/* A memo for a walk of at most about `bound` distinct queries (a bound, not
 * a limit: more only mark more single keys as candidates), marked from
 * `slots` slots (crvm__value_slots()). NULL when out of memory (crvm__nomem
 * has then set the message). */
crvm__qmemo *crvm__qmemo_new(size_t bound, size_t slots);
void crvm__qmemo_free(crvm__qmemo *m);

/* Marking: note query q, asked from slot `slot`; slots may mark
 * concurrently. CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__qmemo_mark(crvm__qmemo *m, size_t slot, const crvm__vquery *q);
/* Fold slot's candidates into the memo's keys (serial: one slot at a time,
 * no marking meanwhile). CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__qmemo_merge(crvm__qmemo *m, size_t slot);
/* The candidate keys merged so far. */
size_t crvm__qmemo_keys(const crvm__qmemo *m);
/* After marking: answer each candidate key once on v->opt.threads threads
 * (the counting sets are freed first). CRVM_OK or CRVM_ENOMEM; a refused
 * query is not an error here. */
crvm_status crvm__qmemo_answer(crvm__qmemo *m, const crvm_value *v);

/* crvm__value_eval_derl() through the memo (m NULL: straight to the engine);
 * thread-safe once answered. */
crvm_status crvm__qmemo_eval(const crvm__qmemo *m, const crvm_value *v, const crvm__vquery *q,
                             size_t customer, crvm__rcov_partials *derl);

#endif
