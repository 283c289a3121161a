/* Private: the costing rules of crvm/economics.h applied to a ledger, shared
 * with lib/value so that its per-customer windows and the support P&L cost
 * exactly as the economics calls do (and so reconcile to the cent). */
#ifndef CRVM_ECONOMICS_INTERNAL_H
#define CRVM_ECONOMICS_INTERNAL_H

#include "economics/costing.h"
#include "ledger/ledger_internal.h"

/* Contact i of a ledger, costed with saturated components (costing.h): the
 * caller adds them with crvm__cents_add, which refuses a saturated one. */
static inline crvm__contact_cost crvm__cost_ledger_contact(const crvm_ledger *l,
                                                           const crvm_cost_model *m, size_t i)
{
    return crvm__contact_cost_of(m, l->con_minutes[i], l->con_tier[i], l->con_channel[i],
                                 l->con_escalated[i]);
}

/* *m, or the defaults (into *defaults) when it is NULL, validated:
 * crvm_cost_model_validate()'s status. */
static inline crvm_status crvm__cost_model_resolve(const crvm_cost_model **m,
                                                   crvm_cost_model *defaults)
{
    if (!*m) {
        crvm_cost_model_init_defaults(defaults);
        *m = defaults;
    }
    return crvm_cost_model_validate(*m);
}

/* The minutes saved and avoided contact cost crvm_knowledge_value() uses as of
 * as_of (from the model, or estimated from the contacts opened by then),
 * without valuing the articles: temporary memory 1 byte per contact. */
crvm_status crvm__knowledge_estimate(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                     crvm_knowledge_estimate *out);

/* Saving of knowledge use i (currency units, unrounded) given the inputs of
 * crvm_knowledge_value(): minutes saved costed at the contact's tier for an
 * assisted reuse, deflection for a resolved self-service view, else 0. */
static inline double crvm__knowledge_use_saving(const crvm_ledger *l, const crvm_cost_model *m,
                                                 const crvm_knowledge_estimate *e, size_t i)
{
    if (l->use_kind[i] == CRVM_USE_ASSISTED) {
        uint32_t k = l->use_contact[i];
        int tier = k != CRVM__NOT_FOUND ? l->con_tier[k] : 1;
        return e->minutes_saved / 60.0 * m->hourly_rate[tier - 1];
    }
    return l->use_resolved[i] ? m->deflection_probability * e->avoided_contact_cost : 0.0;
}

#endif
