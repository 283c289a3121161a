/* The support P&L's knowledge lines of a base split into parts (crvm/value.h,
 * "the P&L's knowledge lines by parts"): the per-article sums are additive,
 * the rounding and the article costs are applied once to their total. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "crvm/value.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"
#include "value/ledger_lines.h"

/* Arguments shared by both calls (the last day counted is then until - 1). */
static crvm_status check(const char *fn, const crvm_ledger *l, const crvm_cost_model **m,
                         crvm_cost_model *defaults, const crvm_knowledge_estimate *e,
                         crvm_date as_of, crvm_date from, crvm_date until)
{
    if (!l || !e)
        return crvm__fail(CRVM_EINVAL, "%s: ledger and estimate must not be NULL", fn);
    crvm_status st = crvm__cost_model_resolve(m, defaults);
    if (st)
        return st;
    if (from > until || from < CRVM_DATE_MIN || as_of < CRVM_DATE_MIN || as_of > CRVM_DATE_MAX ||
        until > as_of + 1)
        return crvm__fail(CRVM_EINVAL, "%s: window [%ld, %ld) with as_of = %ld: from must not follow "
                          "until, and until must not pass as_of + 1", fn, (long)from, (long)until,
                          (long)as_of);
    return CRVM_OK;
}

crvm_status crvm_pnl_knowledge_sums(const crvm_ledger *l, const crvm_cost_model *m,
                                    const crvm_knowledge_estimate *e, crvm_date as_of,
                                    crvm_date from, crvm_date until, double *out, size_t out_len)
{
    static const char fn[] = "crvm_pnl_knowledge_sums";
    crvm_cost_model defaults;
    crvm_status st = check(fn, l, &m, &defaults, e, as_of, from, until);
    if (st)
        return st;
    if (!out || out_len != 2 * l->article_ids.count)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected 2 x %zu articles", fn, out_len,
                          l->article_ids.count);
    memset(out, 0, out_len * sizeof *out);
    crvm__pnl_article_sums(l, m, e, from, until - 1, out);
    return CRVM_OK;
}

crvm_status crvm_pnl_knowledge_lines(const crvm_ledger *l, const crvm_cost_model *m,
                                     const crvm_knowledge_estimate *e, crvm_date as_of,
                                     crvm_date from, crvm_date until, const double *sums,
                                     size_t sums_len, double *out, size_t out_len)
{
    static const char fn[] = "crvm_pnl_knowledge_lines";
    crvm_cost_model defaults;
    crvm_status st = check(fn, l, &m, &defaults, e, as_of, from, until);
    if (st)
        return st;
    const size_t na = l->article_ids.count;
    if (!sums || sums_len != 2 * na || !out || out_len != 3)
        return crvm__fail(CRVM_EINVAL, "%s: sums_len = %zu (expected 2 x %zu articles), out_len = "
                          "%zu (expected 3)", fn, sums_len, na, out_len);
    for (size_t j = 0; j < sums_len; j++)
        if (!isfinite(sums[j]))
            return crvm__fail(CRVM_EINVAL, "%s: sums row %zu (article '%.60s') is not finite", fn,
                              j / 2, crvm_ledger_id(l, CRVM_TABLE_ARTICLES, j / 2));
    int64_t labour = 0, deflection = 0, knowledge = 0;
    if (!crvm__pnl_article_lines(l, m, e, as_of, from, until - 1, sums, &labour, &deflection, &knowledge))
        return crvm__fail(CRVM_EDOMAIN, "%s: a line passes 9.0e13 currency units (2^53 cents)", fn);
    out[0] = (double)labour / 100.0;
    out[1] = (double)deflection / 100.0;
    out[2] = (double)knowledge / 100.0;
    return CRVM_OK;
}
