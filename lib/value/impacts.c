/* Contact impacts: the change in a customer's value at a renewal when one of
 * the contacts of the period before it had the reference outcome, or did not
 * happen; per contact and summed by group with the interval of each sum
 * (crvm/value.h, docs/value.md "contact impact"). */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "ledger/ledger_internal.h"
#include "core/money.h"
#include "value/query_memo.h"
#include "value/value_internal.h"

int crvm__value_counterfactual(const crvm_value *v, const crvm__vpattern *q, size_t contact,
                               int reference, double *zc)
{
    const crvm_ledger *l = v->ledger;
    const int outcome = l->con_outcome[contact];
    crvm__value_pattern_z(q, zc);
    if (reference == outcome)
        return 0;
    if (outcome != CRVM_OUTCOME_RESOLVED)
        zc[CRVM__Z_WORKAROUND + outcome - 1] -= 1;
    if (reference != CRVM_VALUE_NO_CONTACT) {
        if (reference != CRVM_OUTCOME_RESOLVED)
            zc[CRVM__Z_WORKAROUND + reference - 1] += 1;
        return 1;
    }
    zc[CRVM__Z_CONTACTS] -= 1;
    if (l->con_escalated[contact])
        zc[CRVM__Z_ESCALATED] -= 1;
    if (q->touches == 1) { /* it was the period's only touch: the renewal sees the silence before */
        zc[CRVM__Z_SILENT_3_5] = q->quiet == CRVM__QUIET_3_5;
        zc[CRVM__Z_SILENT_6_PLUS] = q->quiet == CRVM__QUIET_6_PLUS;
    }
    return 1;
}

/* What the impact consumers share: the reference, and per slot scratch. */
typedef struct impact_ctx {
    const crvm_value *v;
    int reference;
    double *impact;         /* per contact output, or NULL */
    const int32_t *group;   /* groupings x contacts: each contact's group (-1: none) in each
                               grouping, or NULL: one group */
    size_t groupings, nk;
    const size_t *first_group; /* groupings + 1: where each grouping's groups start among all */
    size_t groups, slots;   /* all groupings' groups; per slot: groups x k gradient sums, then
                               scratch 10 k */
    double *slot, *total;   /* slots x stride; groups x k */
    int64_t *slot_cents, *cents; /* slots x groups; groups */
    size_t stride;
    crvm__qmemo *memo;  /* the walk's repeated queries (exact answers: no result depends on it) */
    crvm_status folded; /* the memo's folds (on the calling thread) */
    int overflow;       /* set by the reduction, on the calling thread */
} impact_ctx;

/* Group of contact k in grouping j, among all groupings' groups; -1: none. */
static int64_t group_of(const impact_ctx *c, size_t j, size_t k)
{
    if (!c->group)
        return 0;
    int32_t g = c->group[j * c->nk + k];
    return g < 0 ? -1 : (int64_t)(c->first_group[j] + (size_t)g);
}

/* Whether contact k counts in some grouping and would change: the walk
 * visits these alone (the others' impacts are 0, and a period without any
 * asks nothing), so that every period it visits asks the engine. */
static int changes(const void *ctx, size_t k)
{
    const impact_ctx *c = ctx;
    if (c->v->ledger->con_outcome[k] == c->reference)
        return 0;
    for (size_t j = 0; j < c->groupings; j++)
        if (group_of(c, j, k) >= 0)
            return 1;
    return 0;
}

static crvm_status too_large(const crvm_value *v, size_t i)
{
    return crvm__fail(CRVM_EDOMAIN, "customer %s: a contact impact passes 9.0e13 currency units",
                      crvm_ledger_id(v->ledger, CRVM_TABLE_CUSTOMERS, i));
}

/* The kind of counterfactual a contact has: its outcome, and its escalation
 * only when it is removed (otherwise the covariates do not depend on it). */
static int contact_type(const impact_ctx *c, uint32_t contact)
{
    const crvm_ledger *l = c->v->ledger;
    int escalated = c->reference == CRVM_VALUE_NO_CONTACT && l->con_escalated[contact];
    return l->con_outcome[contact] + 4 * escalated;
}

/* Impact of each contact of one period: m (DERL(actual) - DERL(reference)),
 * the counterfactual evaluated once per distinct counterfactual (per outcome,
 * and escalation when the contact is removed). */
static crvm_status visit_period(void *vctx, size_t slot, size_t i, const crvm__vquery *actual,
                                const crvm__vpattern *pattern, const uint64_t *keys, size_t count)
{
    impact_ctx *c = vctx;
    const crvm_value *v = c->v;
    const size_t k = v->k;
    /* The period's counterfactual queries first, so that the memo's memory
     * for them loads while the actual query is answered. */
    enum { UNSEEN, ASKED, UNCHANGED };
    int kind[8] = {UNSEEN};
    crvm__vquery cf[8];
    for (size_t t = 0; t < count; t++) {
        uint32_t contact = crvm__vc_contact(keys[t]);
        int type = contact_type(c, contact);
        if (kind[type] != UNSEEN)
            continue;
        double zc[CRVM__Z_CANDIDATES];
        kind[type] = UNCHANGED;
        if (crvm__value_counterfactual(v, pattern, contact, c->reference, zc)) {
            cf[type] = *actual;
            crvm__value_set_period(v, &cf[type], zc);
            crvm__qmemo_prefetch(c->memo, &cf[type]);
            kind[type] = ASKED;
        }
    }
    crvm__rcov_partials actual_derl;
    crvm_status st = crvm__qmemo_eval(c->memo, slot, v, actual, i, &actual_derl);
    if (st)
        return st;
    double *acc = c->slot ? c->slot + slot * c->stride : NULL;
    int64_t *cents_acc = c->slot ? c->slot_cents + slot * c->groups : NULL;
    double *grad_a = acc ? acc + c->groups * k : NULL, *grad_b = grad_a ? grad_a + k : NULL;
    double *diff = grad_b ? grad_b + k : NULL; /* 8 types x k */
    const double m = (double)(v->gm[i] - v->cts[i]);
    int64_t cents[8];
    int done[8] = {0};
    if (acc)
        crvm__value_gradient(v, actual, &actual_derl, grad_a);
    for (size_t t = 0; t < count; t++) {
        uint32_t contact = crvm__vc_contact(keys[t]);
        int type = contact_type(c, contact);
        if (!done[type]) {
            cents[type] = 0;
            if (diff)
                memset(diff + (size_t)type * k, 0, k * sizeof *diff);
            if (kind[type] == ASKED) {
                crvm__rcov_partials b;
                crvm_status st = crvm__qmemo_eval(c->memo, slot, v, &cf[type], i, &b);
                if (st)
                    return st;
                if (!crvm__cents_round(m * (actual_derl.value - b.value), &cents[type]))
                    return too_large(v, i);
                if (diff) {
                    crvm__value_gradient(v, &cf[type], &b, grad_b);
                    for (size_t j = 0; j < k; j++)
                        diff[(size_t)type * k + j] = m * (grad_a[j] - grad_b[j]);
                }
            }
            done[type] = 1;
        }
        if (c->impact)
            c->impact[contact] = (double)cents[type] / 100.0;
        for (size_t j = 0; acc && j < c->groupings; j++) {
            int64_t group = group_of(c, j, contact);
            if (group < 0)
                continue;
            if (!crvm__cents_add(&cents_acc[group], cents[type]))
                return too_large(v, i);
            double *g = acc + (size_t)group * k;
            for (size_t q = 0; q < k; q++)
                g[q] += diff[(size_t)type * k + q];
        }
    }
    return CRVM_OK;
}

typedef struct walk_ctx {
    impact_ctx *ic;
    const crvm__vcontacts *contacts;
    double *lambda_b; /* slots x (2 p + 1) */
} walk_ctx;

static crvm_status walk_block(void *ctx, size_t worker, size_t slot, size_t begin, size_t end)
{
    walk_ctx *w = ctx;
    impact_ctx *c = w->ic;
    (void)worker;
    if (c->slot) {
        memset(c->slot + slot * c->stride, 0, c->groups * c->v->k * sizeof *c->slot);
        memset(c->slot_cents + slot * c->groups, 0, c->groups * sizeof *c->slot_cents);
    }
    return crvm__value_walk_periods(c->v, w->contacts, begin, end, visit_period, c, slot, c->memo,
                                    w->lambda_b + slot * (2 * c->v->p + 1));
}

static void walk_reduce(void *ctx, size_t slot)
{
    walk_ctx *w = ctx;
    impact_ctx *c = w->ic;
    if (!c->folded)
        c->folded = crvm__qmemo_fold(c->memo, slot);
    if (!c->slot)
        return;
    const double *acc = c->slot + slot * c->stride;
    const int64_t *cents = c->slot_cents + slot * c->groups;
    for (size_t j = 0; j < c->groups * c->v->k; j++)
        c->total[j] += acc[j];
    for (size_t g = 0; g < c->groups; g++)
        if (!crvm__cents_add(&c->cents[g], cents[g]))
            c->overflow = 1;
}

/* The memo of the walk's queries, sized by the queries it can ask: a
 * period asks at most one more than it has contacts (all of which change). */
static crvm_status new_memo(impact_ctx *c, const crvm__vcontacts *contacts)
{
    c->memo = crvm__qmemo_new(2 * contacts->selected, c->slots);
    return c->memo ? CRVM_OK : CRVM_ENOMEM;
}

static void free_impact(impact_ctx *c)
{
    crvm__qmemo_free(c->memo);
    crvm__free(c->slot);
    crvm__free(c->total);
    crvm__free(c->slot_cents);
    crvm__free(c->cents);
}

/* Walk the contacts opened in [from, until) with c set up; grouped sums are
 * allocated here when grouped. */
crvm_status crvm__value_impacts(const crvm_value *v, int reference, crvm_date from, crvm_date until,
                                double *impact, const int32_t *group, size_t groupings,
                                const size_t *first_group, int64_t *cents, double *gradient)
{
    impact_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.reference = reference;
    c.impact = impact;
    c.group = group;
    c.groupings = first_group ? groupings : 1;
    c.nk = v->ledger->contact_ids.count;
    c.first_group = first_group;
    c.groups = first_group ? first_group[groupings] : 1;
    const size_t groups = c.groups;
    c.slots = crvm__value_slots(v->opt.threads);
    const size_t k = v->k;
    crvm__vcontacts contacts;
    memset(&contacts, 0, sizeof contacts);
    double *lambda_b = crvm__malloc(c.slots * (2 * v->p + 1) * sizeof *lambda_b);
    crvm_status st = lambda_b ? CRVM_OK : crvm__nomem("contact impacts");
    if (!st && cents) {
        c.stride = groups * k + 10 * k;
        c.slot = crvm__malloc((c.slots * c.stride + 1) * sizeof *c.slot);
        c.total = crvm__calloc(groups * k + 1, sizeof *c.total);
        c.slot_cents = crvm__malloc((c.slots * groups + 1) * sizeof *c.slot_cents);
        c.cents = crvm__calloc(groups + 1, sizeof *c.cents);
        if (!c.slot || !c.total || !c.slot_cents || !c.cents)
            st = crvm__nomem("contact impacts by group");
    }
    if (!st)
        /* Removed, every contact changes; with one group, every one counts:
         * no test per contact then. */
        st = crvm__value_contacts(v, from, until,
                                  reference == CRVM_VALUE_NO_CONTACT && !group ? NULL : changes, &c,
                                  c.slots, &contacts);
    if (!st)
        st = new_memo(&c, &contacts);
    if (!st) {
        walk_ctx w = {&c, &contacts, lambda_b};
        st = crvm__value_blocks(v->opt.threads, v->panel.customers, walk_block, walk_reduce, &w);
    }
    if (!st)
        st = c.folded;
    if (!st && c.overflow)
        st = crvm__fail(CRVM_EDOMAIN, "contact impacts: a sum passes 9.0e13 currency units (2^53 cents)");
    if (!st && cents) {
        memcpy(cents, c.cents, groups * sizeof *cents);
        memcpy(gradient, c.total, groups * k * sizeof *gradient);
    }
    crvm__value_contacts_free(&contacts);
    crvm__free(lambda_b);
    free_impact(&c);
    return st;
}

static crvm_status check_reference(const crvm_value *v, int reference, const char *fn)
{
    if (reference != CRVM_VALUE_NO_CONTACT && (reference < 0 || reference >= CRVM_OUTCOME_COUNT))
        return crvm__fail(CRVM_EINVAL, "%s: reference = %d: must be a crvm_outcome or "
                          "CRVM_VALUE_NO_CONTACT", fn, reference);
    if (v->nc)
        return crvm__fail(CRVM_ESTATE, "%s: the %s model has no support covariates, so contacts "
                          "do not move its values", fn, v->opt.model == CRVM_VALUE_BGNBD ? "BG/NBD" : "Pareto/NBD");
    if (v->p == 0)
        return crvm__fail(CRVM_ESTATE, "%s: the value's retention model has no covariates, so "
                          "contacts do not move its values", fn);
    return CRVM_OK;
}

crvm_status crvm__value_check_reference(const crvm_value *v, int reference, const char *fn)
{
    return check_reference(v, reference, fn);
}

crvm_status crvm_value_contact_impacts(const crvm_value *v, int reference, double *impact,
                                       size_t impact_len)
{
    static const char fn[] = "crvm_value_contact_impacts";
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = check_reference(v, reference, fn)))
        return st;
    const size_t nk = v->ledger->contact_ids.count;
    if (impact_len != nk || (nk && !impact))
        return crvm__fail(CRVM_EINVAL, "%s: impact_len = %zu, expected %zu (one per ledger contact)",
                          fn, impact_len, nk);
    double *tmp = crvm__calloc(nk + 1, sizeof *tmp);
    if (!tmp)
        return crvm__nomem("contact impacts");
    st = crvm__value_impacts(v, reference, CRVM_DATE_MIN, v->as_of + 1, tmp, NULL, 0, NULL, NULL, NULL);
    if (!st)
        memcpy(impact, tmp, nk * sizeof *impact);
    crvm__free(tmp);
    return st;
}

void crvm__money_interval(int64_t cents, double se, double z, double *value, double *lower,
                          double *upper)
{
    *value = (double)cents / 100.0;
    *lower = (double)llround((double)cents - z * se) / 100.0;
    *upper = (double)llround((double)cents + z * se) / 100.0;
}

void crvm__value_sum_interval(const crvm_value *v, int64_t cents, const double *gradient,
                              double *value, double *lower, double *upper)
{
    crvm__money_interval(cents, sqrt(crvm__value_variance(v, gradient)), v->set.z, value, lower, upper);
}

/* The first contact whose group is out of range, found on the threads. */
typedef struct check_ctx {
    const int32_t *group;
    int32_t groups;
    atomic_size_t bad; /* SIZE_MAX: none */
} check_ctx;

static void check_range(void *ctx, size_t begin, size_t end)
{
    check_ctx *c = ctx;
    for (size_t k = begin; k < end; k++)
        if (c->group[k] < -1 || c->group[k] >= c->groups) {
            size_t bad = atomic_load(&c->bad);
            while (k < bad && !atomic_compare_exchange_weak(&c->bad, &bad, k))
                ;
            return;
        }
}

/* Group out of range in grouping j (of groups), naming the contact; CRVM_OK if none. */
static crvm_status check_groups(const crvm_value *v, const int32_t *group, size_t nk, size_t groups,
                                const char *fn, const char *what)
{
    check_ctx c = {group, (int32_t)groups, SIZE_MAX};
    atomic_init(&c.bad, SIZE_MAX);
    crvm__parallel_for(nk, v->opt.threads, check_range, &c);
    const size_t k = atomic_load(&c.bad);
    if (k == SIZE_MAX)
        return CRVM_OK;
    return crvm__fail(CRVM_EINVAL, "%s: %sgroup[%zu] = %ld: must be -1 or in 0..%zu", fn, what, k,
                      (long)group[k], groups - 1);
}

/* The contacts counted in each group (opened by as_of), on the threads:
 * chunk t counts into its own row of count (chunks x groups), so that
 * each chunk writes only its own entries. */
typedef struct count_ctx {
    const crvm_value *v;
    const int32_t *group;
    size_t groupings, nk, chunks, groups;
    const size_t *first_group;
    size_t *count;
} count_ctx;

static void count_chunk(void *ctx, size_t worker, size_t chunk)
{
    const count_ctx *c = ctx;
    const crvm_ledger *l = c->v->ledger;
    (void)worker;
    size_t *count = c->count + chunk * c->groups;
    const size_t begin = c->nk * chunk / c->chunks, end = c->nk * (chunk + 1) / c->chunks;
    for (size_t j = 0; j < c->groupings; j++) {
        const int32_t *group = c->group + j * c->nk;
        size_t *cj = count + c->first_group[j];
        for (size_t k = begin; k < end; k++)
            if (group[k] >= 0 && l->con_opened[k] <= c->v->as_of)
                cj[group[k]]++;
    }
}

/* The rows of every grouping (checked): the impact sums with their intervals
 * and the contacts counted. */
static crvm_status impact_rows(const crvm_value *v, int reference, const int32_t *group,
                               size_t groupings, const size_t *first_group, double *out)
{
    const size_t nk = v->ledger->contact_ids.count, groups = first_group[groupings];
    /* One chunk per thread, or one when the chunks' counts would pass the
     * contacts in memory. */
    size_t chunks = crvm__value_threads(v->opt.threads);
    if (chunks > 1 && groups > nk / chunks)
        chunks = 1;
    int64_t *cents = crvm__calloc(groups + 1, sizeof *cents);
    double *gradient = crvm__calloc(groups * v->k + 1, sizeof *gradient);
    size_t *count = crvm__calloc(chunks * groups + 1, sizeof *count);
    crvm_status st = cents && gradient && count
                         ? crvm__value_impacts(v, reference, CRVM_DATE_MIN, v->as_of + 1, NULL, group,
                                               groupings, first_group, cents, gradient)
                         : crvm__nomem("contact impacts by group");
    if (!st) {
        count_ctx c = {v, group, groupings, nk, chunks, groups, first_group, count};
        crvm__run_blocks(count_chunk, &c, chunks, v->opt.threads);
        for (size_t g = 0; g < groups; g++) {
            size_t n = 0;
            for (size_t t = 0; t < chunks; t++)
                n += count[t * groups + g];
            out[g * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_CONTACTS] = (double)n;
        }
        for (size_t g = 0; g < groups; g++) {
            double *row = out + g * CRVM_IMPACT_COLUMNS;
            crvm__value_sum_interval(v, cents[g], gradient + g * v->k, &row[CRVM_IMPACT_VALUE],
                                     &row[CRVM_IMPACT_LOWER], &row[CRVM_IMPACT_UPPER]);
        }
    }
    crvm__free(cents);
    crvm__free(gradient);
    crvm__free(count);
    return st;
}

crvm_status crvm_value_impact_by(const crvm_value *v, int reference, const int32_t *group,
                                 size_t group_len, size_t groups, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_impact_by";
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = check_reference(v, reference, fn)))
        return st;
    const size_t nk = v->ledger->contact_ids.count;
    if (group_len != nk || (nk && !group))
        return crvm__fail(CRVM_EINVAL, "%s: group_len = %zu, expected %zu (one per ledger contact)",
                          fn, group_len, nk);
    if (!out || groups == 0 || groups > (size_t)INT32_MAX || out_len != groups * CRVM_IMPACT_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected groups (%zu, >= 1) x %d", fn,
                          out_len, groups, CRVM_IMPACT_COLUMNS);
    if ((st = check_groups(v, group, nk, groups, fn, "")))
        return st;
    const size_t first_group[2] = {0, groups};
    return impact_rows(v, reference, group, 1, first_group, out);
}

crvm_status crvm_value_impact_by_many(const crvm_value *v, int reference, const int32_t *group,
                                      size_t group_len, const int32_t *group_count,
                                      size_t group_count_len, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_impact_by_many";
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = check_reference(v, reference, fn)))
        return st;
    const size_t nk = v->ledger->contact_ids.count, m = group_count_len;
    if (!group_count || m == 0)
        return crvm__fail(CRVM_EINVAL, "%s: group_count_len = %zu: at least one grouping", fn, m);
    if (group_len / m != nk || group_len % m || (nk && !group))
        return crvm__fail(CRVM_EINVAL, "%s: group_len = %zu, expected %zu groupings x %zu contacts", fn,
                          group_len, m, nk);
    size_t total = 0;
    for (size_t j = 0; j < m; j++) {
        if (group_count[j] < 1)
            return crvm__fail(CRVM_EINVAL, "%s: group_count[%zu] = %ld: must be >= 1", fn, j,
                              (long)group_count[j]);
        total += (size_t)group_count[j];
    }
    if (!out || out_len / CRVM_IMPACT_COLUMNS != total || out_len % CRVM_IMPACT_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected the groups of all groupings (%zu) x %d",
                          fn, out_len, total, CRVM_IMPACT_COLUMNS);
    size_t *first_group = crvm__malloc((m + 1) * sizeof *first_group);
    if (!first_group)
        return crvm__nomem("contact impacts by groupings");
    first_group[0] = 0;
    for (size_t j = 0; j < m && !st; j++) {
        char what[48];
        snprintf(what, sizeof what, "grouping %zu: ", j);
        first_group[j + 1] = first_group[j] + (size_t)group_count[j];
        st = check_groups(v, group + j * nk, nk, (size_t)group_count[j], fn, what);
    }
    if (!st)
        st = impact_rows(v, reference, group, m, first_group, out);
    crvm__free(first_group);
    return st;
}
