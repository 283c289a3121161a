/* Private: the valuation's repeated queries. Active customers whose
 * histories agree (segment, renewals, exposure and the period in progress)
 * ask the engine the same query -- at 10^6 customers 19% of the valuation's
 * queries repeat an earlier one. Each repeated query is answered once, before
 * the customers are valued, and every customer asking it reads that answer:
 * the engine's own answer to the same bits, so no figure changes. Only
 * queries asked at least twice are kept, so the memory is bounded by the
 * repeats, not by the distinct queries (an answer is ~300 bytes; at 10^6,
 * 11 502 queries asked by 70 480 customers: ~3.5 bytes per customer). */
#ifndef CRVM_VALUE_REPEATS_H
#define CRVM_VALUE_REPEATS_H

#include <stddef.h>
#include <stdint.h>

#include "value/value_internal.h"

#define CRVM__NO_REPEAT UINT32_MAX

typedef struct crvm__vrepeats {
    uint32_t *slot_of;          /* per active customer: its repeated query's slot, or CRVM__NO_REPEAT */
    size_t slots;
    uint32_t *asker;            /* [slots]: each slot's first asker (customer index), until answered */
    crvm__rcov_answer *answer;  /* [slots] */
    double *query;              /* [2 slots]: the lambda and e1 each answer is for */
    crvm_status *status;        /* [slots]: CRVM_OK, or the engine refused (the asker asks again
                                   itself, so that its error names it) */
} crvm__vrepeats;

/* The repeated queries of v's active customers, found on `threads` threads
 * (the slots numbered by first asker, so nothing depends on the thread
 * count), and room for their answers. Needs v's exposures (the model's
 * parameters, pattern exposures and weights), not its engine: the value fit
 * finds them while the engine is built. Time O(active customers x (rows +
 * p)); memory 20 bytes per active customer while the repeats are found,
 * then 4 per active customer (6 until answered) and one answer per
 * repeated query. CRVM_OK or
 * CRVM_ENOMEM (nothing held). */
crvm_status crvm__vrepeats_keys(const crvm_value *v, int threads, crvm__vrepeats *out);
/* The answers of r's repeated queries, from v's engine on v->opt.threads
 * threads: one engine query per repeated query. A refused query is not an
 * error here (see status). */
void crvm__vrepeats_answer(const crvm_value *v, crvm__vrepeats *r);
void crvm__vrepeats_free(crvm__vrepeats *r);

/* The answer to query q of active customer a if it is a repeated one
 * (compared bit for bit), else NULL. */
const crvm__rcov_answer *crvm__vrepeats_get(const crvm__vrepeats *r, size_t a, const crvm__vquery *q);

#endif
