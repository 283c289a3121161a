/* The support P&L of a window (crvm/value.h, docs/value.md "support P&L"). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"
#include "value/ledger_lines.h"
#include "core/money.h"
#include "value/value_internal.h"

/* A window [from, until) of the data up to as_of: CRVM_OK or CRVM_EINVAL naming fn. */
crvm_status crvm__value_check_window(const crvm_value *v, crvm_date from, crvm_date until,
                                     const char *fn)
{
    if (from > until || from < CRVM_DATE_MIN || until > v->as_of + 1) {
        char a[11];
        crvm_date_format(v->as_of, a, sizeof a);
        return crvm__fail(CRVM_EINVAL, "%s: window [%ld, %ld): from must not follow until, and until "
                          "must not pass as_of + 1 (as_of = %s)", fn, (long)from, (long)until, a);
    }
    return CRVM_OK;
}

crvm_status crvm_value_support_pnl(const crvm_value *v, crvm_date from, crvm_date until, double *out,
                                   size_t out_len)
{
    static const char fn[] = "crvm_value_support_pnl";
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = crvm__value_check_window(v, from, until, fn)))
        return st;
    if (!out || out_len != CRVM_PNL_LINES)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %d lines", fn, out_len, CRVM_PNL_LINES);
    /* The knowledge inputs (minutes saved, avoided contact cost) as of as_of. */
    crvm_knowledge_estimate est;
    st = crvm__knowledge_estimate(v->ledger, &v->costs, v->as_of, &est);
    crvm__pnl_ledger p;
    if (!st)
        st = crvm__pnl_ledger_lines(v->ledger, &v->costs, &est, v->as_of, from, until, &p);
    if (st)
        return st;
    /* The net value effect of the window's contacts: each against its absence. */
    int64_t effect = 0;
    double *gradient = crvm__calloc(v->k + 1, sizeof *gradient);
    if (!gradient)
        return crvm__nomem("support P&L");
    if (v->p > 0)
        st = crvm__value_impacts(v, CRVM_VALUE_NO_CONTACT, from, until, NULL, NULL, 0, NULL, &effect,
                                 gradient);
    double r[CRVM_PNL_LINES] = {0};
    if (!st) {
        crvm__value_sum_interval(v, effect, gradient, &r[CRVM_PNL_CONTACT_VALUE_EFFECT],
                                 &r[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER],
                                 &r[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER]);
        int64_t value = 0, cost = 0;
        const int64_t gains[] = {p.support_plan, p.sourced, p.labour_saving, p.deflection_saving, effect};
        const int64_t costs[] = {p.labour, p.channel, p.escalation, p.overhead, p.self_service, p.knowledge};
        int ok = 1;
        for (size_t j = 0; j < 5; j++)
            ok &= crvm__cents_add(&value, gains[j]);
        for (size_t j = 0; j < 6; j++)
            ok &= crvm__cents_add(&cost, costs[j]);
        if (!ok) {
            st = crvm__fail(CRVM_EDOMAIN, "%s: a total passes 9.0e13 currency units (2^53 cents)", fn);
        } else {
            double lo = r[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER] - (double)effect / 100.0;
            double hi = r[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER] - (double)effect / 100.0;
            r[CRVM_PNL_SUPPORT_PLAN_REVENUE] = (double)p.support_plan / 100.0;
            r[CRVM_PNL_SOURCED_REVENUE] = (double)p.sourced / 100.0;
            r[CRVM_PNL_KNOWLEDGE_LABOUR_SAVING] = (double)p.labour_saving / 100.0;
            r[CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING] = (double)p.deflection_saving / 100.0;
            r[CRVM_PNL_VALUE] = (double)value / 100.0;
            r[CRVM_PNL_LABOUR_COST] = (double)p.labour / 100.0;
            r[CRVM_PNL_CHANNEL_COST] = (double)p.channel / 100.0;
            r[CRVM_PNL_ESCALATION_COST] = (double)p.escalation / 100.0;
            r[CRVM_PNL_OVERHEAD_COST] = (double)p.overhead / 100.0;
            r[CRVM_PNL_SELF_SERVICE_COST] = (double)p.self_service / 100.0;
            r[CRVM_PNL_KNOWLEDGE_COST] = (double)p.knowledge / 100.0;
            r[CRVM_PNL_COST] = (double)cost / 100.0;
            r[CRVM_PNL_NET_CONTRIBUTION] = (double)(value - cost) / 100.0;
            r[CRVM_PNL_NET_CONTRIBUTION_LOWER] = (double)llround((double)(value - cost) + 100 * lo) / 100.0;
            r[CRVM_PNL_NET_CONTRIBUTION_UPPER] = (double)llround((double)(value - cost) + 100 * hi) / 100.0;
            if (cost > 0) {
                r[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR] = (double)value / (double)cost;
                r[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER] = ((double)value + 100 * lo) / (double)cost;
                r[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER] = ((double)value + 100 * hi) / (double)cost;
            }
            r[CRVM_PNL_CONTACTS] = (double)p.contacts;
            memcpy(out, r, sizeof r);
        }
    }
    crvm__free(gradient);
    return st;
}
