/* Private: the activity-based costing of one support contact (crvm/economics.h),
 * shared by the economics of a ledger and the simulator's known future. */
#ifndef CRVM_ECONOMICS_COSTING_H
#define CRVM_ECONOMICS_COSTING_H

#include <stdint.h>

#include "core/money.h"
#include "crvm/economics.h"

/* Costed components of a contact, in cents, each rounded half away from zero. */
typedef struct crvm__contact_cost {
    int64_t labour, channel, escalation, overhead;
} crvm__contact_cost;

/* Cost a contact into *c. The cost model's rates are only required to be
 * finite, so each component and their sum are checked: 0 if one passes 2^53
 * cents (the caller fails naming the contact), 1 otherwise. */
static inline int crvm__cost_contact(const crvm_cost_model *m, double minutes, int tier,
                                     int channel, int escalated, crvm__contact_cost *c)
{
    c->escalation = 0;
    return crvm__to_cents(minutes / 60.0 * m->hourly_rate[tier - 1], &c->labour) &&
           crvm__to_cents(m->channel_cost[channel], &c->channel) &&
           (!escalated || crvm__to_cents(m->escalation_cost, &c->escalation)) &&
           crvm__to_cents(m->overhead_per_contact + m->overhead_per_minute * minutes,
                          &c->overhead) &&
           crvm__cents_ok((double)c->labour + (double)c->channel + (double)c->escalation +
                          (double)c->overhead);
}

#endif
