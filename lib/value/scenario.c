/* What-if: a policy applied to the contacts of a window, valued as the
 * change in support cost and in customer value (crvm/value.h,
 * docs/value.md "scenarios"). Each period's affected contacts change
 * independently with the scenario's probability; the expected value at its
 * renewal is the exact mixture over how many of them change. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"
#include "math/special.h"
#include "survival/distrib.h"
#include "core/money.h"
#include "value/query_memo.h"
#include "value/value_internal.h"

/* Largest number of outcomes of one period that a scenario weighs. */
#define MAX_COMBINATIONS 4096

typedef struct scenario_ctx {
    const crvm_value *v;
    const crvm_scenario *s;
    double q;                 /* probability that an affected contact changes */
    size_t stride;            /* per slot: k gradient sum, k scratch x 2, 2 p */
    double *slot;             /* slots x stride */
    int64_t *slot_cents;      /* slots */
    double *gradient;         /* k */
    int64_t cents;
    crvm__qmemo *memo;        /* the walk's repeated queries (exact answers: no result depends on it) */
    crvm_status folded;       /* the memo's folds (on the calling thread) */
} scenario_ctx;

static int eligible(const crvm_scenario *s, const crvm_ledger *l, size_t k)
{
    return s->kind == CRVM_SCENARIO_REMAP_OUTCOME ? l->con_outcome[k] == s->from_outcome
                                                  : l->con_channel[k] == s->channel;
}

static int keep(const void *ctx, size_t k)
{
    const scenario_ctx *c = ctx;
    return eligible(c->s, c->v->ledger, k);
}

/* ln of the binomial probability of j changes out of m, each with probability q. */
static double log_binomial(int m, int j, double q)
{
    if (q <= 0)
        return j == 0 ? 0 : -INFINITY;
    if (q >= 1)
        return j == m ? 0 : -INFINITY;
    return crvm__lgamma(m + 1.0) - crvm__lgamma(j + 1.0) - crvm__lgamma(m - j + 1.0) + j * log(q) +
           (m - j) * log1p(-q);
}

/* The candidate-covariate change of one contact of type t (outcome + 4 escalated). */
static void change_of(const crvm_scenario *s, int t, double *delta)
{
    memset(delta, 0, CRVM__Z_CANDIDATES * sizeof *delta);
    int outcome = t & 3;
    if (s->kind == CRVM_SCENARIO_REMAP_OUTCOME) {
        if (outcome != CRVM_OUTCOME_RESOLVED)
            delta[CRVM__Z_WORKAROUND + outcome - 1] -= 1;
        if (s->to_outcome != CRVM_OUTCOME_RESOLVED)
            delta[CRVM__Z_WORKAROUND + s->to_outcome - 1] += 1;
        return;
    }
    /* Resolved by self-service instead: one contact fewer, but still a touch. */
    delta[CRVM__Z_CONTACTS] = -1;
    if (outcome != CRVM_OUTCOME_RESOLVED)
        delta[CRVM__Z_WORKAROUND + outcome - 1] = -1;
    if (t >= 4)
        delta[CRVM__Z_ESCALATED] = -1;
}

static crvm_status visit(void *vctx, size_t slot, size_t i, const crvm__vquery *actual,
                         const crvm__vpattern *pattern, const uint64_t *keys, size_t count)
{
    scenario_ctx *c = vctx;
    const crvm_value *v = c->v;
    const crvm_ledger *l = v->ledger;
    const size_t k = v->k;
    double *acc = c->slot + slot * c->stride, *grad_a = acc + k, *grad_b = grad_a + k;
    int m[8] = {0};
    for (size_t t = 0; t < count; t++) {
        uint32_t contact = crvm__vc_contact(keys[t]);
        m[l->con_outcome[contact] + 4 * (l->con_escalated[contact] != 0)]++;
    }
    /* A remap to the same outcome changes nothing; so does a zero probability. */
    if (c->q <= 0 || (c->s->kind == CRVM_SCENARIO_REMAP_OUTCOME && c->s->from_outcome == c->s->to_outcome))
        return CRVM_OK;
    double combos = 1;
    for (int t = 0; t < 8; t++)
        combos *= m[t] + 1;
    if (combos > MAX_COMBINATIONS)
        return crvm__fail(CRVM_EDOMAIN, "crvm_value_scenario: customer %s has too many affected "
                          "contacts in period %d (%.0f outcomes to weigh, at most %d)",
                          crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, i), actual->n + 1, combos,
                          MAX_COMBINATIONS);
    crvm__rcov_partials actual_derl;
    crvm_status st = crvm__qmemo_eval(c->memo, slot, v, actual, i, &actual_derl);
    if (st)
        return st;
    crvm__value_gradient(v, actual, &actual_derl, grad_a);
    double base[CRVM__Z_CANDIDATES], delta[8][CRVM__Z_CANDIDATES];
    crvm__value_pattern_z(pattern, base);
    for (int t = 0; t < 8; t++)
        change_of(c->s, t, delta[t]);
    const double value = (double)(v->gm[i] - v->cts[i]);
    double expected = 0; /* E[DERL(changed) - DERL(actual)] */
    int j[8] = {0};
    crvm__vquery cf = *actual;
    for (;;) {
        /* next combination (mixed radix); the all-zero one is the actual period */
        int t = 0;
        while (t < 8 && j[t] == m[t])
            j[t++] = 0;
        if (t == 8)
            break;
        j[t]++;
        double logw = 0, zc[CRVM__Z_CANDIDATES];
        memcpy(zc, base, sizeof zc);
        for (int u = 0; u < 8; u++) {
            logw += log_binomial(m[u], j[u], c->q);
            for (int x = 0; x < CRVM__Z_CANDIDATES; x++)
                zc[x] += j[u] * delta[u][x];
        }
        double w = exp(logw);
        if (w == 0)
            continue;
        crvm__value_set_period(v, &cf, zc);
        crvm__rcov_partials b;
        st = crvm__qmemo_eval(c->memo, slot, v, &cf, i, &b);
        if (st)
            return st;
        expected += w * (b.value - actual_derl.value);
        crvm__value_gradient(v, &cf, &b, grad_b);
        for (size_t x = 0; x < k; x++)
            acc[x] += value * w * (grad_b[x] - grad_a[x]);
    }
    int64_t cents;
    if (!crvm__cents_round(value * expected, &cents) || !crvm__cents_add(&c->slot_cents[slot], cents))
        return crvm__fail(CRVM_EDOMAIN, "crvm_value_scenario: customer %s: a value change passes "
                          "9.0e13 currency units", crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, i));
    return CRVM_OK;
}

typedef struct walk {
    scenario_ctx *c;
    const crvm__vcontacts *contacts;
} walk;

static crvm_status walk_block(void *ctx, size_t worker, size_t slot, size_t begin, size_t end)
{
    (void)worker;
    walk *w = ctx;
    scenario_ctx *c = w->c;
    double *acc = c->slot + slot * c->stride;
    memset(acc, 0, c->v->k * sizeof *acc);
    c->slot_cents[slot] = 0;
    return crvm__value_walk_periods(c->v, w->contacts, begin, end, visit, c, slot, c->memo,
                                    acc + 3 * c->v->k);
}

static void walk_reduce(void *ctx, size_t slot)
{
    walk *w = ctx;
    scenario_ctx *c = w->c;
    if (!c->folded)
        c->folded = crvm__qmemo_fold(c->memo, slot);
    const double *acc = c->slot + slot * c->stride;
    for (size_t x = 0; x < c->v->k; x++)
        c->gradient[x] += acc[x];
    c->cents += c->slot_cents[slot]; /* each within 2^53, at most 2^62 in all: checked after */
}

crvm_status crvm__value_scenario_check(const crvm_value *v, const crvm_scenario *s, const char *fn)
{
    if (!s)
        return crvm__fail(CRVM_EINVAL, "%s: scenario is NULL", fn);
    if ((unsigned)s->kind > CRVM_SCENARIO_SHIFT_TO_SELF_SERVICE)
        return crvm__fail(CRVM_EINVAL, "%s: scenario.kind = %d: not a crvm_scenario_kind", fn, (int)s->kind);
    if (s->from_outcome < 0 || s->from_outcome >= CRVM_OUTCOME_COUNT || s->to_outcome < 0 ||
        s->to_outcome >= CRVM_OUTCOME_COUNT)
        return crvm__fail(CRVM_EINVAL, "%s: scenario.from_outcome = %d, to_outcome = %d: must be "
                          "crvm_outcome values", fn, s->from_outcome, s->to_outcome);
    if (!(s->share >= 0 && s->share <= 1))
        return crvm__fail(CRVM_EINVAL, "%s: scenario.share = %g: must be in [0, 1]", fn, s->share);
    if (!(s->extra_cost_per_contact >= 0 && s->extra_cost_per_contact <= 1e9))
        return crvm__fail(CRVM_EINVAL, "%s: scenario.extra_cost_per_contact = %g: must be in [0, 1e9]",
                          fn, s->extra_cost_per_contact);
    if (s->channel < 0 || s->channel >= CRVM_CHANNEL_COUNT)
        return crvm__fail(CRVM_EINVAL, "%s: scenario.channel = %d: not a crvm_channel", fn, s->channel);
    if (!(s->self_service_success >= 0 && s->self_service_success <= 1))
        return crvm__fail(CRVM_EINVAL, "%s: scenario.self_service_success = %g: must be in [0, 1]",
                          fn, s->self_service_success);
    if (s->from > s->until || s->from < CRVM_DATE_MIN || s->until > CRVM_DATE_MAX + 1)
        return crvm__fail(CRVM_EINVAL, "%s: scenario window [%ld, %ld): from must not follow until",
                          fn, (long)s->from, (long)s->until);
    if (v->nc)
        return crvm__fail(CRVM_ESTATE, "%s: the %s model has no support covariates, so contacts "
                          "do not move its values", fn, v->opt.model == CRVM_VALUE_BGNBD ? "BG/NBD" : "Pareto/NBD");
    if (v->p == 0)
        return crvm__fail(CRVM_ESTATE, "%s: the value's retention model has no covariates, so "
                          "contacts do not move its values", fn);
    return CRVM_OK;
}

crvm_status crvm__value_scenario_walk(const crvm_value *v, const crvm_scenario *s, const char *fn,
                                      double *out)
{
    const crvm_ledger *l = v->ledger;
    const crvm_date until = s->until < v->as_of + 1 ? s->until : v->as_of + 1;
    scenario_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.s = s;
    c.q = s->kind == CRVM_SCENARIO_REMAP_OUTCOME ? s->share : s->share * s->self_service_success;
    /* Support cost: every affected contact of the window, as an expected change. */
    double affected = 0, cost_cents = 0;
    const double session = (double)crvm__cents_of(v->costs.self_service_cost);
    for (size_t k = 0; k < l->contact_ids.count; k++) {
        crvm_date o = l->con_opened[k];
        if (o < s->from || o >= until || !eligible(s, l, k))
            continue;
        affected += 1;
        if (s->kind == CRVM_SCENARIO_REMAP_OUTCOME) {
            cost_cents += s->share * 100.0 * s->extra_cost_per_contact;
        } else {
            crvm__contact_cost x = crvm__cost_ledger_contact(l, &v->costs, k);
            cost_cents += s->share * session - c.q * (double)(x.labour + x.channel + x.escalation + x.overhead);
        }
    }
    const size_t slots = crvm__value_slots(v->opt.threads), k = v->k;
    c.stride = 3 * k + 2 * v->p + 1;
    c.slot = crvm__malloc(slots * c.stride * sizeof *c.slot);
    c.slot_cents = crvm__malloc(slots * sizeof *c.slot_cents);
    c.gradient = out + 3;
    memset(c.gradient, 0, k * sizeof *c.gradient);
    crvm__vcontacts contacts;
    memset(&contacts, 0, sizeof contacts);
    crvm_status st = c.slot && c.slot_cents ? crvm__value_contacts(v, s->from, until, keep, &c, slots, &contacts)
                                            : crvm__nomem("scenario");
    if (!st && !(c.memo = crvm__qmemo_new(2 * contacts.selected, slots)))
        st = CRVM_ENOMEM;
    if (!st) {
        walk w = {&c, &contacts};
        st = crvm__value_blocks(v->opt.threads, v->panel.customers, walk_block, walk_reduce, &w);
    }
    if (!st)
        st = c.folded;
    if (!st && llabs(c.cents) >= CRVM__MAX_CENTS_I64)
        st = crvm__fail(CRVM_EDOMAIN, "%s: a change passes 9.0e13 currency units (2^53 cents)", fn);
    out[0] = s->share * affected;
    out[1] = cost_cents;
    out[2] = (double)c.cents;
    crvm__value_contacts_free(&contacts);
    crvm__qmemo_free(c.memo);
    crvm__free(c.slot);
    crvm__free(c.slot_cents);
    return st;
}

/* The columns from a base's sums (3 + k; the value change whole cents
 * within 2^53, as both callers have checked): the cost rounded once, value
 * and net change with their intervals (se from cov, z of the confidence). */
static crvm_status assemble(const double *cov, size_t k, double z, const double *sums, double *out,
                            const char *fn)
{
    int64_t cost = 0, cents = (int64_t)sums[2];
    if (!crvm__cents_round(sums[1], &cost))
        return crvm__fail(CRVM_EDOMAIN, "%s: a change passes 9.0e13 currency units (2^53 cents)", fn);
    const double se = sqrt(crvm__delta_variance(cov, k, sums + 3));
    double r[CRVM_SCEN_COLUMNS];
    r[CRVM_SCEN_CONTACTS] = sums[0];
    r[CRVM_SCEN_COST_CHANGE] = (double)cost / 100.0;
    crvm__money_interval(cents, se, z, &r[CRVM_SCEN_VALUE_CHANGE], &r[CRVM_SCEN_VALUE_CHANGE_LOWER],
                         &r[CRVM_SCEN_VALUE_CHANGE_UPPER]);
    crvm__money_interval(cents - cost, se, z, &r[CRVM_SCEN_NET_CHANGE], &r[CRVM_SCEN_NET_CHANGE_LOWER],
                         &r[CRVM_SCEN_NET_CHANGE_UPPER]);
    memcpy(out, r, sizeof r);
    return CRVM_OK;
}

crvm_status crvm_value_scenario(const crvm_value *v, const crvm_scenario *s, double *out,
                                size_t out_len)
{
    static const char fn[] = "crvm_value_scenario";
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = crvm__value_scenario_check(v, s, fn)))
        return st;
    if (!out || out_len != CRVM_SCEN_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %d", fn, out_len, CRVM_SCEN_COLUMNS);
    double *sums = crvm__malloc((3 + v->k) * sizeof *sums);
    if (!sums)
        return crvm__nomem("scenario");
    st = crvm__value_scenario_walk(v, s, fn, sums);
    if (!st)
        st = assemble(v->cov, v->k, v->set.z, sums, out, fn);
    crvm__free(sums);
    return st;
}

crvm_status crvm_value_scenario_assemble(const crvm_retention_cov *model, double confidence,
                                         const double *sums, size_t sums_len, double *out,
                                         size_t out_len)
{
    static const char fn[] = "crvm_value_scenario_assemble";
    size_t k = 0;
    crvm_status st = crvm__value_model_params(model, &k);
    if (st)
        return st;
    if (!sums || sums_len != 3 + k || !out || out_len != CRVM_SCEN_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "%s: sums_len = %zu (expected 3 + %zu parameters), out_len = %zu "
                          "(expected %d)", fn, sums_len, k, out_len, CRVM_SCEN_COLUMNS);
    if (!(confidence > 0 && confidence < 1))
        return crvm__fail(CRVM_EINVAL, "%s: confidence = %g: must be in (0, 1)", fn, confidence);
    for (size_t a = 0; a < sums_len; a++)
        if (!isfinite(sums[a]))
            return crvm__fail(CRVM_EINVAL, "%s: sums[%zu] is not finite", fn, a);
    if (sums[2] != nearbyint(sums[2]))
        return crvm__fail(CRVM_EINVAL, "%s: sums[2] = %.17g: the value change must be whole cents", fn,
                          sums[2]);
    if (!(fabs(sums[2]) < 0x1p53))
        return crvm__fail(CRVM_EDOMAIN, "%s: a change passes 9.0e13 currency units (2^53 cents)", fn);
    const double *cov = crvm__rcov_covariance(model);
    if (!cov)
        return crvm__fail(CRVM_ESTATE, "%s: the model has no covariance", fn);
    return assemble(cov, k, crvm__norm_ppf(0.5 + confidence / 2), sums, out, fn);
}
