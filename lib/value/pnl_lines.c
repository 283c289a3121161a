/* The support P&L lines that come from the ledger (ledger_lines.h). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"
#include "value/ledger_lines.h"
#include "core/money.h"

/* Upkeep accrues per day from creation; as of a date t it is
 * per_day * (t - created) (crvm_knowledge_value()), so the window's share is
 * the accrual at its last day minus that at the day before it begins. */
static int64_t upkeep_in_window(double per_day, crvm_date created, crvm_date first, crvm_date last)
{
    crvm_date hi = last - created, lo = first - 1 - created;
    if (lo < 0)
        lo = 0;
    if (hi <= lo)
        return 0;
    return crvm__cents_of(per_day * (double)(hi - lo));
}

void crvm__pnl_article_sums(const crvm_ledger *l, const crvm_cost_model *m,
                            const crvm_knowledge_estimate *est, crvm_date from, crvm_date last,
                            double *saving)
{
    for (size_t u = 0; u < l->n_use; u++) {
        if (l->use_date[u] < from || l->use_date[u] > last)
            continue;
        double *a = saving + 2 * (size_t)l->use_article[u];
        if (l->use_kind[u] == CRVM_USE_ASSISTED)
            a[0] += crvm__knowledge_use_saving(l, m, est, u);
        else
            a[1] += l->use_resolved[u];
    }
}

int crvm__pnl_article_lines(const crvm_ledger *l, const crvm_cost_model *m,
                            const crvm_knowledge_estimate *est, crvm_date as_of, crvm_date from,
                            crvm_date last, const double *saving, int64_t *labour_saving,
                            int64_t *deflection_saving, int64_t *knowledge)
{
    const double rate = m->knowledge_hourly_rate;
    int ok = 1;
    for (size_t a = 0; a < l->article_ids.count; a++) {
        crvm_date created = l->art_created[a];
        if (created > as_of)
            continue;
        double deflected = saving[2 * a + 1] * m->deflection_probability;
        ok &= crvm__cents_add(labour_saving, crvm__cents_of(saving[2 * a])) &
              crvm__cents_add(deflection_saving, crvm__cents_of(deflected * est->avoided_contact_cost));
        if (created >= from && created <= last)
            ok &= crvm__cents_add(knowledge, crvm__cents_of(l->art_authoring[a] * rate));
        double per_day = l->art_maintenance[a] * rate / CRVM__DAYS_PER_MONTH;
        ok &= crvm__cents_add(knowledge, upkeep_in_window(per_day, created, from, last));
    }
    return ok;
}

crvm_status crvm__pnl_ledger_lines(const crvm_ledger *l, const crvm_cost_model *m,
                                   const crvm_knowledge_estimate *est, crvm_date as_of,
                                   crvm_date from, crvm_date until, crvm__pnl_ledger *out)
{
    crvm__pnl_ledger p;
    memset(&p, 0, sizeof p);
    const crvm_date last = until - 1 < as_of ? until - 1 : as_of; /* last day counted */
    int ok = 1;
#define IN(d) ((d) >= from && (d) <= last)
    for (size_t r = 0; r < l->n_rev; r++)
        if (IN(l->rev_date[r]) && l->rev_stream[r] == CRVM_STREAM_SUPPORT_PLAN)
            ok &= crvm__cents_add(&p.support_plan, l->rev_cents[r]);
    for (size_t j = 0; j < l->sources.n; j++) { /* revenue naming the contact that sourced it */
        uint32_t r = l->sources.row[j];
        if (IN(l->rev_date[r]) && l->rev_stream[r] != CRVM_STREAM_SUPPORT_PLAN)
            ok &= crvm__cents_add(&p.sourced, l->rev_cents[r]);
    }
    for (size_t k = 0; k < l->contact_ids.count; k++) {
        if (!IN(l->con_opened[k]))
            continue;
        crvm__contact_cost c = crvm__cost_ledger_contact(l, m, k);
        ok &= crvm__cents_add(&p.labour, c.labour) & crvm__cents_add(&p.channel, c.channel) &
              crvm__cents_add(&p.escalation, c.escalation) & crvm__cents_add(&p.overhead, c.overhead);
        p.contacts++;
    }
    const int64_t session = crvm__cents_of(m->self_service_cost);
    for (size_t u = 0; u < l->n_use; u++)
        if (IN(l->use_date[u]) && l->use_kind[u] != CRVM_USE_ASSISTED)
            ok &= crvm__cents_add(&p.self_service, session);
    double *saving = crvm__calloc(2 * l->article_ids.count + 1, sizeof *saving);
    if (!saving)
        return crvm__nomem("support P&L knowledge savings");
    crvm__pnl_article_sums(l, m, est, from, last, saving);
    ok &= crvm__pnl_article_lines(l, m, est, as_of, from, last, saving, &p.labour_saving,
                                  &p.deflection_saving, &p.knowledge);
    crvm__free(saving);
#undef IN
    if (!ok)
        return crvm__fail(CRVM_EDOMAIN, "support P&L: a line passes 9.0e13 currency units (2^53 cents)");
    *out = p;
    return CRVM_OK;
}
