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
    crvm__pnl_ledger p;
    st = crvm__pnl_ledger_lines(v->ledger, &v->costs, v->as_of, from, until, v->opt.threads, &p);
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
    if (!st) {
        double effect_value, lower, upper;
        crvm__value_sum_interval(v, effect, gradient, &effect_value, &lower, &upper);
        st = crvm__pnl_form(&p, effect, lower, upper, fn, out);
    }
    crvm__free(gradient);
    return st;
}
