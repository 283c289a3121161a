/* The summed cost of many contacts (cost_sums.h). */
#include "economics/cost_sums.h"

#include <math.h>

#include "ledger/ledger_internal.h"

int crvm__cost_sums_exact(const crvm_cost_model *m, size_t contacts)
{
    double rate = 0, channel = 0;
    for (int t = 0; t < CRVM_TIER_COUNT; t++)
        rate = fmax(rate, m->hourly_rate[t]);
    for (int c = 0; c < CRVM_CHANNEL_COUNT; c++)
        channel = fmax(channel, m->channel_cost[c]);
    /* A contact's components at the most minutes, each rounded up by at most one cent. */
    const double per_contact = 100.0 * (CRVM__MAX_MINUTES / 60.0 * rate + channel + m->escalation_cost +
                                         m->overhead_per_contact +
                                         m->overhead_per_minute * CRVM__MAX_MINUTES) + 4.0;
    return per_contact * (double)contacts < CRVM__MAX_CENTS / 2;
}

crvm__contact_cost crvm__cost_sums_total(const crvm__cost_sums *s, const crvm_cost_model *m)
{
    crvm__contact_cost c = {.labour = s->labour, .overhead = s->overhead};
    for (int k = 0; k < CRVM_CHANNEL_COUNT; k++)
        c.channel += s->channel[k] * crvm__cents_of(m->channel_cost[k]);
    c.escalation = s->escalated * crvm__cents_of(m->escalation_cost);
    return c;
}
