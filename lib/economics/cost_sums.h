/* Private: the summed cost of many contacts in whole cents, each contact
 * rounded as costing.h rounds it, without a check or a library call per
 * contact. Valid only where crvm__cost_sums_exact() holds: then no
 * component and no partial sum can reach 2^53 cents, so the checked
 * per-contact sums (costing.h with crvm__cents_add) would succeed and give
 * these same integers, in any order. */
#ifndef CRVM_ECONOMICS_COST_SUMS_H
#define CRVM_ECONOMICS_COST_SUMS_H

#include <stddef.h>
#include <stdint.h>

#include "economics/costing.h"

/* Labour and overhead rounded per contact and summed; channel and
 * escalation, the same for every contact of a channel, counted. */
typedef struct crvm__cost_sums {
    int64_t labour, overhead;
    int64_t channel[CRVM_CHANNEL_COUNT];
    int64_t escalated, contacts;
} crvm__cost_sums;

/* Whether the costs of `contacts` contacts of at most CRVM__MAX_MINUTES
 * each (the ledger's bound), with m's rates (all >= 0 by validation), stay
 * below 2^53 cents in total: with a margin of 2 for the bound's own rounding. */
int crvm__cost_sums_exact(const crvm_cost_model *m, size_t contacts);

/* One contact into s (crvm__cost_sums_exact() must hold). */
static inline void crvm__cost_sums_add(crvm__cost_sums *s, const crvm_cost_model *m, double minutes,
                                       int tier, int channel, int escalated)
{
    s->labour += crvm__llround(crvm__labour_amount(m, minutes, tier) * 100.0);
    s->overhead += crvm__llround(crvm__overhead_amount(m, minutes) * 100.0);
    s->channel[channel]++;
    s->escalated += escalated != 0;
    s->contacts++;
}

/* The components summed over the contacts of s, in cents. */
crvm__contact_cost crvm__cost_sums_total(const crvm__cost_sums *s, const crvm_cost_model *m);

#endif
