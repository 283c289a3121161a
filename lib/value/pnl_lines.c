/* The support P&L lines that come from the ledger (ledger_lines.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "economics/cost_sums.h"
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

static const char too_large[] = "support P&L: a line passes 9.0e13 currency units (2^53 cents)";

/* |sum| below 2^53. A sum over some of the revenue events, whose magnitudes
 * total at most 2^53 (the ledger's bound), reaches 2^53 only with every
 * nonzero event in it, all of one sign: then its partial sums, checked one
 * by one, first reach it at the last of them, and the total equals it. So
 * this one check of the total refuses exactly what the checked sum would. */
static int revenue_ok(int64_t sum)
{
    return sum < CRVM__MAX_CENTS_I64 && sum > -CRVM__MAX_CENTS_I64;
}

/* The contacts' cost lines of the days [from, last], checked per contact
 * (the cost model allows a sum past 2^53 cents): 0 if one passes. */
static int contact_lines_checked(const crvm_ledger *l, const crvm_cost_model *m, crvm_date from,
                                 crvm_date last, crvm__pnl_ledger *p)
{
    int ok = 1;
    for (size_t k = 0; k < l->contact_ids.count; k++) {
        if (l->con_opened[k] < from || l->con_opened[k] > last)
            continue;
        crvm__contact_cost c = crvm__cost_ledger_contact(l, m, k);
        ok &= crvm__cents_add(&p->labour, c.labour) & crvm__cents_add(&p->channel, c.channel) &
              crvm__cents_add(&p->escalation, c.escalation) & crvm__cents_add(&p->overhead, c.overhead);
        p->contacts++;
    }
    return ok;
}

/* The revenue, contact and self-service lines of the days [from, last]:
 * 0 if one passes 2^53 cents. Each line is a sum of whole cents, so the
 * order of its terms does not matter; checks are made once where the
 * bounds above show that the checked sums would fail exactly then. */
static int activity_lines(const crvm_ledger *l, const crvm_cost_model *m, crvm_date from,
                          crvm_date last, crvm__pnl_ledger *p)
{
    if (last < from)
        return 1;
    /* d in [from, last] as one unsigned comparison. */
    const uint32_t lo = (uint32_t)from, span = (uint32_t)last - lo;
#define IN(d) ((uint32_t)(d) - lo <= span)
    int64_t plan = 0, sourced = 0;
    const crvm_date *date = l->rev_date;
    const uint8_t *stream = l->rev_stream;
    const int64_t *cents = l->rev_cents;
    for (size_t r = 0; r < l->n_rev; r++) /* masks, not branches: the compiler vectorises it */
        plan += cents[r] & -(int64_t)(IN(date[r]) & (stream[r] == CRVM_STREAM_SUPPORT_PLAN));
    for (size_t j = 0; j < l->sources.n; j++) { /* revenue naming the contact that sourced it */
        uint32_t r = l->sources.row[j];
        if (IN(l->rev_date[r]) && l->rev_stream[r] != CRVM_STREAM_SUPPORT_PLAN)
            sourced += l->rev_cents[r];
    }
    int ok = revenue_ok(plan) & revenue_ok(sourced);
    p->support_plan = plan;
    p->sourced = sourced;
    if (crvm__cost_sums_exact(m, l->contact_ids.count)) {
        crvm__cost_sums c = {0};
        for (size_t k = 0; k < l->contact_ids.count; k++)
            if (IN(l->con_opened[k]))
                crvm__cost_sums_add(&c, m, l->con_minutes[k], l->con_tier[k], l->con_channel[k],
                                    l->con_escalated[k]);
        crvm__contact_cost t = crvm__cost_sums_total(&c, m);
        p->labour = t.labour;
        p->channel = t.channel;
        p->escalation = t.escalation;
        p->overhead = t.overhead;
        p->contacts = c.contacts;
    } else {
        ok &= contact_lines_checked(l, m, from, last, p);
    }
    /* Sessions: n times the same cents, which the checked sum refuses once
     * n * session reaches 2^53 (or a session's cents are beyond it). */
    int64_t sessions = 0;
    for (size_t u = 0; u < l->n_use; u++)
        sessions += IN(l->use_date[u]) & (l->use_kind[u] != CRVM_USE_ASSISTED);
#undef IN
    const int64_t session = crvm__cents_of(m->self_service_cost);
    if (sessions > 0 && session > 0) {
        if (session >= CRVM__MAX_CENTS_I64 || sessions > (CRVM__MAX_CENTS_I64 - 1) / session)
            return 0;
        p->self_service = sessions * session;
    }
    return ok;
}

/* The knowledge lines of the days [from, last], with the estimate as of
 * as_of they need: CRVM_OK, or the estimate's status, CRVM_ENOMEM, or
 * CRVM_EDOMAIN for a line beyond 2^53 cents (the message set). */
static crvm_status knowledge_lines(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                   crvm_date from, crvm_date last, crvm__pnl_ledger *p)
{
    crvm_knowledge_estimate est;
    crvm_status st = crvm__knowledge_estimate(l, m, as_of, &est);
    if (st)
        return st;
    double *saving = crvm__calloc(2 * l->article_ids.count + 1, sizeof *saving);
    if (!saving)
        return crvm__nomem("support P&L knowledge savings");
    crvm__pnl_article_sums(l, m, &est, from, last, saving);
    int ok = crvm__pnl_article_lines(l, m, &est, as_of, from, last, saving, &p->labour_saving,
                                     &p->deflection_saving, &p->knowledge);
    crvm__free(saving);
    return ok ? CRVM_OK : crvm__fail(CRVM_EDOMAIN, "%s", too_large);
}

/* The two halves on the threads: each writes its own lines and status (a
 * failing half's message is its thread's: kept as a copy). */
typedef struct halves {
    const crvm_ledger *l;
    const crvm_cost_model *m;
    crvm_date as_of, from, last;
    crvm__pnl_ledger p[2];
    crvm_status st[2];
    char message[2][256];
} halves;

static void run_half(void *ctx, size_t worker, size_t half)
{
    halves *h = ctx;
    (void)worker;
    memset(&h->p[half], 0, sizeof h->p[half]);
    if (half == 0)
        h->st[0] = knowledge_lines(h->l, h->m, h->as_of, h->from, h->last, &h->p[0]);
    else if (!activity_lines(h->l, h->m, h->from, h->last, &h->p[1]))
        h->st[1] = crvm__fail(CRVM_EDOMAIN, "%s", too_large);
    if (h->st[half])
        snprintf(h->message[half], sizeof h->message[half], "%s", crvm_last_error());
}

crvm_status crvm__pnl_ledger_lines(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                   crvm_date from, crvm_date until, int threads,
                                   crvm__pnl_ledger *out)
{
    halves h = {.l = l, .m = m, .as_of = as_of, .from = from};
    h.last = until - 1 < as_of ? until - 1 : as_of; /* last day counted */
    crvm__run_blocks(run_half, &h, 2, threads);
    for (int half = 0; half < 2; half++) /* the knowledge estimate's error first, as before */
        if (h.st[half])
            return crvm__fail(h.st[half], "%s", h.message[half]);
    crvm__pnl_ledger p = h.p[1];
    p.labour_saving = h.p[0].labour_saving;
    p.deflection_saving = h.p[0].deflection_saving;
    p.knowledge = h.p[0].knowledge;
    *out = p;
    return CRVM_OK;
}
