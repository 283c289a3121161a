/* Private: the activity-based costing of one support contact (crvm/economics.h),
 * shared by the economics of a ledger and the simulator's known future. */
#ifndef CRVM_ECONOMICS_COSTING_H
#define CRVM_ECONOMICS_COSTING_H

#include <math.h>
#include <stdint.h>

#include "crvm/economics.h"

static inline int64_t crvm__cents_of(double amount) { return llround(amount * 100.0); }

/* Costed components of a contact, in cents, each rounded half away from zero. */
typedef struct crvm__contact_cost {
    int64_t labour, channel, escalation, overhead;
} crvm__contact_cost;

static inline crvm__contact_cost crvm__cost_contact(const crvm_cost_model *m, double minutes,
                                                    int tier, int channel, int escalated)
{
    crvm__contact_cost c;
    c.labour = crvm__cents_of(minutes / 60.0 * m->hourly_rate[tier - 1]);
    c.channel = crvm__cents_of(m->channel_cost[channel]);
    c.escalation = escalated ? crvm__cents_of(m->escalation_cost) : 0;
    c.overhead = crvm__cents_of(m->overhead_per_contact + m->overhead_per_minute * minutes);
    return c;
}

#endif
