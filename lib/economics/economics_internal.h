/* Private: the costing rules of crvm/economics.h, shared with lib/value so
 * that its per-customer windows and the support P&L cost exactly as the
 * economics calls do (and so reconcile to the cent). */
#ifndef CRVM_ECONOMICS_INTERNAL_H
#define CRVM_ECONOMICS_INTERNAL_H

#include <stdint.h>

#include "crvm/economics.h"

/* Whole cents of an amount, half away from zero. */
int64_t crvm__cents_of(double amount);

/* Costed components of contact i, in cents. */
typedef struct crvm__contact_cost {
    int64_t labour, channel, escalation, overhead;
} crvm__contact_cost;
crvm__contact_cost crvm__cost_contact(const crvm_ledger *l, const crvm_cost_model *m, size_t i);

/* Saving of knowledge use i (currency units, unrounded) given the inputs of
 * crvm_knowledge_value(): minutes saved costed at the contact's tier for an
 * assisted reuse, deflection for a resolved self-service view, else 0. */
double crvm__knowledge_use_saving(const crvm_ledger *l, const crvm_cost_model *m,
                                  const crvm_knowledge_estimate *e, size_t i);

#endif
