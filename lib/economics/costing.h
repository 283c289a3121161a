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

/* The labour and overhead of a contact in currency units, before rounding:
 * one expression for every costing path, so all round the same bits. */
static inline double crvm__labour_amount(const crvm_cost_model *m, double minutes, int tier)
{
    return minutes / 60.0 * m->hourly_rate[tier - 1];
}
static inline double crvm__overhead_amount(const crvm_cost_model *m, double minutes)
{
    return m->overhead_per_contact + m->overhead_per_minute * minutes;
}

/* A contact's costed components, each saturated by crvm__cents_of (a
 * component beyond 2^53 cents is refused by any later crvm__cents_add). */
static inline crvm__contact_cost crvm__contact_cost_of(const crvm_cost_model *m, double minutes,
                                                       int tier, int channel, int escalated)
{
    crvm__contact_cost c;
    c.labour = crvm__cents_of(crvm__labour_amount(m, minutes, tier));
    c.channel = crvm__cents_of(m->channel_cost[channel]);
    c.escalation = escalated ? crvm__cents_of(m->escalation_cost) : 0;
    c.overhead = crvm__cents_of(crvm__overhead_amount(m, minutes));
    return c;
}

/* Cost a contact into *c. The cost model's rates are finite and >= 0
 * (cost_model.c) but unbounded, so each component and their sum are
 * checked: 0 if one passes 2^53 cents (the caller fails naming the contact),
 * 1 otherwise. */
static inline int crvm__cost_contact(const crvm_cost_model *m, double minutes, int tier,
                                     int channel, int escalated, crvm__contact_cost *c)
{
    *c = crvm__contact_cost_of(m, minutes, tier, channel, escalated);
    int64_t total = 0;
    return crvm__cents_add(&total, c->labour) && crvm__cents_add(&total, c->channel) &&
           crvm__cents_add(&total, c->escalation) && crvm__cents_add(&total, c->overhead);
}

#endif
