/* The support P&L's totals from its component lines: one formula for
 * crvm_value_support_pnl() and for a P&L summed over the parts of a base
 * (crvm_pnl_assemble(), crvm.spark). */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/money.h"
#include "value/ledger_lines.h"
#include "value/value_internal.h"

crvm_status crvm__pnl_form(const crvm__pnl_ledger *p, int64_t effect, double effect_lower,
                           double effect_upper, const char *fn, double *out)
{
    int64_t value = 0, cost = 0;
    const int64_t gains[] = {p->support_plan, p->sourced, p->labour_saving, p->deflection_saving,
                             effect};
    const int64_t costs[] = {p->labour, p->channel, p->escalation, p->overhead, p->self_service,
                             p->knowledge};
    int ok = 1;
    for (size_t j = 0; j < sizeof gains / sizeof *gains; j++)
        ok &= crvm__cents_add(&value, gains[j]);
    for (size_t j = 0; j < sizeof costs / sizeof *costs; j++)
        ok &= crvm__cents_add(&cost, costs[j]);
    if (!ok)
        return crvm__fail(CRVM_EDOMAIN, "%s: a total passes 9.0e13 currency units (2^53 cents)", fn);
    /* The interval of the effect carried into the totals: the same distances. */
    const double lo = effect_lower - (double)effect / 100.0;
    const double hi = effect_upper - (double)effect / 100.0;
    double r[CRVM_PNL_LINES] = {0};
    r[CRVM_PNL_SUPPORT_PLAN_REVENUE] = (double)p->support_plan / 100.0;
    r[CRVM_PNL_SOURCED_REVENUE] = (double)p->sourced / 100.0;
    r[CRVM_PNL_KNOWLEDGE_LABOUR_SAVING] = (double)p->labour_saving / 100.0;
    r[CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING] = (double)p->deflection_saving / 100.0;
    r[CRVM_PNL_CONTACT_VALUE_EFFECT] = (double)effect / 100.0;
    r[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER] = effect_lower;
    r[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER] = effect_upper;
    r[CRVM_PNL_VALUE] = (double)value / 100.0;
    r[CRVM_PNL_LABOUR_COST] = (double)p->labour / 100.0;
    r[CRVM_PNL_CHANNEL_COST] = (double)p->channel / 100.0;
    r[CRVM_PNL_ESCALATION_COST] = (double)p->escalation / 100.0;
    r[CRVM_PNL_OVERHEAD_COST] = (double)p->overhead / 100.0;
    r[CRVM_PNL_SELF_SERVICE_COST] = (double)p->self_service / 100.0;
    r[CRVM_PNL_KNOWLEDGE_COST] = (double)p->knowledge / 100.0;
    r[CRVM_PNL_COST] = (double)cost / 100.0;
    r[CRVM_PNL_NET_CONTRIBUTION] = (double)(value - cost) / 100.0;
    r[CRVM_PNL_NET_CONTRIBUTION_LOWER] = (double)llround((double)(value - cost) + 100 * lo) / 100.0;
    r[CRVM_PNL_NET_CONTRIBUTION_UPPER] = (double)llround((double)(value - cost) + 100 * hi) / 100.0;
    if (cost > 0) {
        r[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR] = (double)value / (double)cost;
        r[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER] = ((double)value + 100 * lo) / (double)cost;
        r[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER] = ((double)value + 100 * hi) / (double)cost;
    }
    r[CRVM_PNL_CONTACTS] = (double)p->contacts;
    memcpy(out, r, sizeof r);
    return CRVM_OK;
}

/* Line j of lines as whole cents into *cents: CRVM_OK, or EINVAL / EDOMAIN naming it. */
static crvm_status read_cents(const double *lines, int j, int nonnegative, const char *fn,
                              int64_t *cents)
{
    const double x = lines[j], c = x * 100.0;
    if (!isfinite(x))
        return crvm__fail(CRVM_EINVAL, "%s: line '%s' is not finite", fn, crvm_pnl_line_name(j));
    if (!crvm__cents_round(c, cents))
        return crvm__fail(CRVM_EDOMAIN, "%s: line '%s' = %.17g passes 2^53 cents", fn,
                          crvm_pnl_line_name(j), x);
    /* x * 100 of an amount in whole cents is within a few ulps of an integer. */
    if (fabs(c - (double)*cents) > 1e-6 + 1e-12 * fabs(c))
        return crvm__fail(CRVM_EINVAL, "%s: line '%s' = %.17g is not a whole number of cents", fn,
                          crvm_pnl_line_name(j), x);
    if (nonnegative && *cents < 0)
        return crvm__fail(CRVM_EINVAL, "%s: line '%s' = %.17g is negative", fn,
                          crvm_pnl_line_name(j), x);
    return CRVM_OK;
}

crvm_status crvm_pnl_assemble(const double *lines, size_t lines_len, double *out, size_t out_len)
{
    static const char fn[] = "crvm_pnl_assemble";
    if (!lines || !out || lines_len != CRVM_PNL_LINES || out_len != CRVM_PNL_LINES)
        return crvm__fail(CRVM_EINVAL, "%s: lines and out of %d values are required (lines_len = %zu, "
                          "out_len = %zu)", fn, CRVM_PNL_LINES, lines_len, out_len);
    crvm__pnl_ledger p;
    int64_t effect;
    const struct {
        int line, nonnegative;
        int64_t *cents;
    } read[] = {
        {CRVM_PNL_SUPPORT_PLAN_REVENUE, 0, &p.support_plan},
        {CRVM_PNL_SOURCED_REVENUE, 0, &p.sourced},
        {CRVM_PNL_KNOWLEDGE_LABOUR_SAVING, 0, &p.labour_saving},
        {CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING, 0, &p.deflection_saving},
        {CRVM_PNL_CONTACT_VALUE_EFFECT, 0, &effect},
        {CRVM_PNL_LABOUR_COST, 1, &p.labour},
        {CRVM_PNL_CHANNEL_COST, 1, &p.channel},
        {CRVM_PNL_ESCALATION_COST, 1, &p.escalation},
        {CRVM_PNL_OVERHEAD_COST, 1, &p.overhead},
        {CRVM_PNL_SELF_SERVICE_COST, 1, &p.self_service},
        {CRVM_PNL_KNOWLEDGE_COST, 1, &p.knowledge},
    };
    for (size_t j = 0; j < sizeof read / sizeof *read; j++) {
        crvm_status st = read_cents(lines, read[j].line, read[j].nonnegative, fn, read[j].cents);
        if (st)
            return st;
    }
    const double lower = lines[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER];
    const double upper = lines[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER];
    const double e = (double)effect / 100.0;
    if (!(lower <= e && e <= upper) || !isfinite(lower) || !isfinite(upper))
        return crvm__fail(CRVM_EINVAL, "%s: the contact value effect's interval [%.17g, %.17g] is not "
                          "finite around the effect %.17g", fn, lower, upper, e);
    const double contacts = lines[CRVM_PNL_CONTACTS];
    if (!(contacts >= 0 && contacts < CRVM__MAX_CENTS) || contacts != floor(contacts))
        return crvm__fail(CRVM_EINVAL, "%s: line 'contacts' = %.17g is not a whole count", fn, contacts);
    p.contacts = (int64_t)contacts;
    return crvm__pnl_form(&p, effect, lower, upper, fn, out);
}
