/* Tests of the simulator's generating truth: the churn model renewal by
 * renewal (with each customer's true theta), the contact attributes and
 * refusal propensities, sourced revenue, the knowledge saving recovered by
 * crvm/economics.h's estimator, the state at a date, and the continuation
 * (closed forms, agreement with the futures realised inside the window,
 * determinism for any thread count). Expected values come from the model as
 * documented in crvm/simulate.h, recomputed here from the data with the
 * public date functions. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

/* ------------------------------------------------------------ helpers */

/* Every column of a simulated data set, in plain arrays. */
typedef struct tables {
    crvm_sim_data *d;
    crvm_sim_options o;
    size_t nc, nr, nk, nu;
    int32_t *seg, *start, *end, *lifetime, *churned;
    double *theta;
    int32_t *rc, *rd, *rs;
    double *ra;
    int64_t *rsrc;
    int32_t *kc, *ko, *kcl, *kch, *ktier, *kesc, *kout, *agent, *queue, *product, *reason;
    double *km;
    int32_t *ud, *uk, *ucu;
    int64_t *uco;
    crvm_date window_end;
} tables;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

static void load_tables(tables *t, const crvm_sim_options *o)
{
    memset(t, 0, sizeof *t);
    t->o = *o;
    assert_int_equal(crvm_simulate(o, &t->d), CRVM_OK);
    crvm_sim_summary s;
    assert_int_equal(crvm_sim_data_summary(t->d, &s), CRVM_OK);
    t->nc = s.customers;
    t->nr = s.revenue_events;
    t->nk = s.contacts;
    t->nu = s.knowledge_uses;
    size_t nc = t->nc, nr = t->nr, nk = t->nk, nu = t->nu;
    t->seg = xmalloc(nc * 4);
    t->start = xmalloc(nc * 4);
    t->end = xmalloc(nc * 4);
    t->lifetime = xmalloc(nc * 4);
    t->churned = xmalloc(nc * 4);
    t->theta = xmalloc(nc * 8);
    assert_int_equal(crvm_sim_data_customers(t->d, t->seg, nc, t->start, nc, t->end, nc), CRVM_OK);
    assert_int_equal(crvm_sim_customer_truth(t->d, NULL, 0, t->theta, nc, t->lifetime, nc, t->churned, nc),
                     CRVM_OK);
    t->rc = xmalloc(nr * 4);
    t->rd = xmalloc(nr * 4);
    t->rs = xmalloc(nr * 4);
    t->ra = xmalloc(nr * 8);
    t->rsrc = xmalloc(nr * 8);
    assert_int_equal(crvm_sim_data_revenue(t->d, t->rc, nr, t->rd, nr, t->ra, nr, t->rs, nr), CRVM_OK);
    assert_int_equal(crvm_sim_data_revenue_sources(t->d, t->rsrc, nr), CRVM_OK);
    int32_t **k32[] = {&t->kc, &t->ko, &t->kcl, &t->kch, &t->ktier, &t->kesc, &t->kout,
                       &t->agent, &t->queue, &t->product, &t->reason};
    for (size_t j = 0; j < sizeof k32 / sizeof k32[0]; j++)
        *k32[j] = xmalloc(nk * 4);
    t->km = xmalloc(nk * 8);
    assert_int_equal(crvm_sim_data_contacts(t->d, t->kc, nk, t->ko, nk, t->kcl, nk, t->kch, nk, t->km, nk,
                                            t->ktier, nk, t->kesc, nk, t->kout, nk, NULL, 0),
                     CRVM_OK);
    assert_int_equal(crvm_sim_data_contact_attributes(t->d, t->agent, nk, t->queue, nk, t->product, nk,
                                                      t->reason, nk),
                     CRVM_OK);
    t->ud = xmalloc(nu * 4);
    t->uk = xmalloc(nu * 4);
    t->ucu = xmalloc(nu * 4);
    t->uco = xmalloc(nu * 8);
    assert_int_equal(crvm_sim_data_knowledge_uses(t->d, NULL, 0, t->ud, nu, t->uk, nu, NULL, 0, t->uco, nu,
                                                  t->ucu, nu),
                     CRVM_OK);
    assert_int_equal(crvm_date_add_periods(o->window_start, CRVM_PERIOD_MONTH, o->months, &t->window_end),
                     CRVM_OK);
}

/* The default model with `customers` customers and `seed`, and its truth. */
static void load_default(tables *t, size_t customers, uint64_t seed, crvm_sim_truth *truth)
{
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = customers;
    o.seed = seed;
    load_tables(t, &o);
    assert_int_equal(crvm_sim_truth_get(&o, truth), CRVM_OK);
}

static void free_tables(tables *t)
{
    void *p[] = {t->seg, t->start, t->end, t->lifetime, t->churned, t->theta, t->rc, t->rd, t->rs,
                 t->ra, t->rsrc, t->kc, t->ko, t->kcl, t->kch, t->ktier, t->kesc, t->kout, t->agent,
                 t->queue, t->product, t->reason, t->km, t->ud, t->uk, t->ucu, t->uco};
    for (size_t j = 0; j < sizeof p / sizeof p[0]; j++)
        free(p[j]);
    crvm_sim_data_free(t->d);
}

static crvm_date months_after(crvm_date d, int n)
{
    crvm_date out;
    assert_int_equal(crvm_date_add_periods(d, CRVM_PERIOD_MONTH, n, &out), CRVM_OK);
    return out;
}

static int whole_months(crvm_date from, crvm_date to)
{
    int n;
    assert_int_equal(crvm_date_whole_periods(from, to, CRVM_PERIOD_MONTH, &n), CRVM_OK);
    return n;
}

/* First row of each customer's run in a table sorted by customer (n + 1 offsets). */
static size_t *runs(const int32_t *customer, size_t rows, size_t n)
{
    size_t *first = xmalloc((n + 1) * sizeof *first);
    size_t r = 0;
    for (size_t i = 0; i <= n; i++) {
        while (r < rows && (size_t)customer[r] < i)
            r++;
        first[i] = r;
    }
    return first;
}

/* ------------------------------------------------------------ truth */

static void truth_is_the_options_closed_form(void **state)
{
    (void)state;
    crvm_sim_truth t;
    assert_int_equal(crvm_sim_truth_get(NULL, &t), CRVM_OK);
    static const double want[CRVM_SIM_PARAMS] = {0.9, 5.0, 1.2, 12.0, 1.5, 30.0, 1.0, 0.0};
    for (int k = 0; k < 7; k++)
        assert_true(t.params[k] == want[k]);
    /* ln 1.25, ln 3, ln 2, ln 1.2, ln 1.3, ln 1.8 (the documented hazard ratios) */
    static const double ratio[6] = {1.25, 3.0, 2.0, 1.2, 1.3, 1.8};
    for (int j = 0; j < 6; j++)
        assert_close(t.params[8 + j], log(ratio[j]), 1e-15, 0); /* literals to 17 digits */
    assert_true(t.params[7] == 0.0);
    /* minutes: 0.25 x (0.35 x 12 + 0.35 x 8 + 0.25 x 15 + 0.05 x 6) x e^(0.6^2 / 2) x 1.1 */
    assert_close(t.minutes_saved, 0.25 * 11.05 * exp(0.18) * 1.1, 1e-14, 0);
    assert_close(t.agent_refusal[0], 0.04 * 0.5, 1e-15, 0);   /* billing, first agent */
    assert_close(t.agent_refusal[29], 0.25 * 1.5, 1e-15, 0);  /* integrations, last agent */
    assert_close(t.agent_refusal[14], 0.05 * (0.5 + 4.0 / 9.0), 1e-15, 0);
    assert_close(t.refusal_share, 0.2 * 0.04 + 0.45 * 0.05 + 0.15 * 0.25 + 0.2 * 0.04, 1e-15, 0);

    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.outcome_effects = 0;
    o.c = 0.7;
    assert_int_equal(crvm_sim_truth_get(&o, &t), CRVM_OK);
    assert_true(t.params[6] == 0.7);
    for (int j = 0; j < CRVM_SIM_COVARIATES; j++)
        assert_true(t.params[7 + j] == 0.0);
    o.churn = CRVM_SIM_CHURN_MULTIPLIER;
    assert_int_equal(crvm_sim_truth_get(&o, &t), CRVM_OK);
    assert_true(isnan(t.params[6]) && isnan(t.params[7]) && t.params[0] == 0.9);

    /* Bad options, each named. */
    assert_status(crvm_sim_truth_get(NULL, NULL), CRVM_EINVAL);
    static const char *const field[] = {"churn", "c =", "b[2] (refused)", "agent_spread",
                                        "queue_refusal[2]", "article_saving", "source_probability"};
    for (int k = 0; k < 7; k++) {
        crvm_sim_options_init(&o);
        switch (k) {
        case 0: o.churn = (crvm_sim_churn)2; break;
        case 1: o.c = 0.0; break;
        case 2: o.b[2] = NAN; break;
        case 3: o.agent_spread = 1.0; break;
        case 4: o.queue_refusal[2] = 0.7; break; /* x 1.5 > 1 */
        case 5: o.article_saving = 1.0; break;
        default: o.source_probability = 1.5;
        }
        assert_status(crvm_sim_truth_get(&o, &t), CRVM_EINVAL);
        if (!strstr(crvm_last_error(), field[k]))
            fail_msg("message '%s' lacks '%s'", crvm_last_error(), field[k]);
    }

    /* Names. */
    assert_string_equal(crvm_sim_covariate_name(0), "contacts");
    assert_string_equal(crvm_sim_covariate_name(6), "silent_6_plus");
    assert_null(crvm_sim_covariate_name(7));
    assert_string_equal(crvm_sim_attribute_name(CRVM_SIM_QUEUE), "queue");
    assert_null(crvm_sim_attribute_name(4));
    assert_string_equal(crvm_sim_attribute_value(CRVM_SIM_AGENT, 39), "agent_40");
    assert_string_equal(crvm_sim_attribute_value(CRVM_SIM_QUEUE, 2), "integrations");
    assert_string_equal(crvm_sim_attribute_value(CRVM_SIM_REASON, 6), "plan_change");
    assert_null(crvm_sim_attribute_value(CRVM_SIM_PRODUCT, 4));
    assert_null(crvm_sim_attribute_value(-1, 0));
    assert_string_equal(crvm_sim_future_column_name(CRVM_SIM_FUT_CONTRIBUTION_HELD), "contribution_held");
    assert_null(crvm_sim_future_column_name(CRVM_SIM_FUT_COLUMNS));
}

/* Covariates of renewal s of a customer recomputed from the data, as the
 * value layer defines them (crvm/simulate.h). */
typedef struct renewal {
    double z[CRVM_SIM_COVARIATES];
} renewal;

static void covariates(const tables *t, const size_t *kfirst, const size_t *ufirst, size_t i, int s,
                       renewal *out)
{
    memset(out, 0, sizeof *out);
    crvm_date start = t->start[i], anniversary = months_after(start, s);
    crvm_date last = start;
    for (size_t k = kfirst[i]; k < kfirst[i + 1]; k++) {
        if (t->ko[k] < anniversary && t->ko[k] > last)
            last = t->ko[k];
        if (whole_months(start, t->ko[k]) != s - 1)
            continue;
        out->z[0] += 1;
        out->z[1] += t->kout[k] == CRVM_OUTCOME_WORKAROUND;
        out->z[2] += t->kout[k] == CRVM_OUTCOME_REFUSED;
        out->z[3] += t->kout[k] == CRVM_OUTCOME_ABANDONED;
        out->z[4] += t->kesc[k];
    }
    for (size_t u = ufirst[i]; u < ufirst[i + 1]; u++)
        if (t->uk[u] == CRVM_USE_SELF_SERVICE && t->ud[u] < anniversary && t->ud[u] > last)
            last = t->ud[u];
    int silence = whole_months(last, anniversary);
    out->z[5] = silence >= 3 && silence <= 5;
    out->z[6] = silence >= 6;
}

/* Observed minus expected churns, and the variance, over renewals of a group. */
typedef struct oe {
    double observed, expected, variance;
} oe;

static void add(oe *g, double p, int event)
{
    g->observed += event;
    g->expected += p;
    g->variance += p * (1 - p);
}

static double z_of(const oe *g) { return (g->observed - g->expected) / sqrt(g->variance); }

/* Every renewal inside the window follows (1 - theta)^(e_s) with the
 * customer's true theta and the covariates recomputed from the data. */
static void churn_follows_the_hazard_model_at_every_renewal(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 20000;
    o.seed = 5;
    o.c = 0.8;
    tables t;
    load_tables(&t, &o);
    crvm_sim_truth truth;
    assert_int_equal(crvm_sim_truth_get(&o, &truth), CRVM_OK);
    const double *b = truth.params + 7;
    size_t *kfirst = runs(t.kc, t.nk, t.nc), *ufirst = runs(t.ucu, t.nu, t.nc);
    enum { ALL, REFUSED, ABANDONED, WORKAROUND, ESCALATED, SILENT_3_5, SILENT_6, QUIET, WRONG, GROUPS };
    static const char *const names[GROUPS] = {"all", "refused", "abandoned", "workaround", "escalated",
                                              "silent 3-5", "silent 6+", "no covariate",
                                              "refused, b_refused = 0"};
    oe g[GROUPS];
    memset(g, 0, sizeof g);
    for (size_t i = 0; i < t.nc; i++) {
        for (int s = 1;; s++) {
            crvm_date anniversary = months_after(t.start[i], s);
            if (anniversary >= t.window_end || (t.end[i] != INT32_MIN && anniversary > t.end[i]))
                break;
            renewal r;
            covariates(&t, kfirst, ufirst, i, s, &r);
            double eta = 0.0;
            for (int j = 0; j < CRVM_SIM_COVARIATES; j++)
                eta += b[j] * r.z[j];
            double shape = pow(s, o.c) - pow(s - 1, o.c);
            double p = -expm1(shape * exp(eta) * log1p(-t.theta[i]));
            int event = anniversary == t.end[i];
            add(&g[ALL], p, event);
            if (r.z[2] > 0) {
                add(&g[REFUSED], p, event);
                add(&g[WRONG], -expm1(shape * exp(eta - b[2] * r.z[2]) * log1p(-t.theta[i])), event);
            }
            if (r.z[3] > 0)
                add(&g[ABANDONED], p, event);
            if (r.z[1] > 0)
                add(&g[WORKAROUND], p, event);
            if (r.z[4] > 0)
                add(&g[ESCALATED], p, event);
            if (r.z[5] > 0)
                add(&g[SILENT_3_5], p, event);
            if (r.z[6] > 0)
                add(&g[SILENT_6], p, event);
            if (eta == 0.0)
                add(&g[QUIET], p, event);
        }
    }
    for (int k = 0; k < GROUPS; k++) {
        if (getenv("CRVM_TEST_VERBOSE"))
            print_message("%-22s observed %6.0f expected %8.1f z %6.2f\n", names[k], g[k].observed,
                          g[k].expected, z_of(&g[k]));
        assert_true(g[k].observed > 100); /* enough renewals in every group to matter */
        /* Independent Bernoulli renewals: |z| > 4 has probability 6e-5. */
        if (k != WRONG && fabs(z_of(&g[k])) > 4)
            fail_msg("%s: observed %.0f churns, model %.1f (z = %.2f)", names[k], g[k].observed,
                     g[k].expected, z_of(&g[k]));
    }
    /* The test has power: leaving out the refusal effect is rejected. */
    if (!(z_of(&g[WRONG]) > 8))
        fail_msg("without the refusal effect z = %.2f, expected far above 0", z_of(&g[WRONG]));
    free(kfirst);
    free(ufirst);
    free_tables(&t);
}

/* Refusals by queue and agent, the attribute tables, the other outcomes. */
static void attributes_and_refusals_follow_their_rules(void **state)
{
    (void)state;
    tables t;
    crvm_sim_truth truth;
    load_default(&t, 20000, 8, &truth);
    const crvm_sim_options o = t.o;
    double n_agent[CRVM_SIM_AGENTS] = {0}, ref_agent[CRVM_SIM_AGENTS] = {0};
    double n_queue[CRVM_SIM_QUEUES] = {0}, ref_queue[CRVM_SIM_QUEUES] = {0}, kept[4] = {0};
    static const int reasons[CRVM_SIM_QUEUES][2] = {{0, 1}, {2, 3}, {4, 2}, {5, 6}};
    for (size_t k = 0; k < t.nk; k++) {
        int a = t.agent[k], q = t.queue[k], refused = t.kout[k] == CRVM_OUTCOME_REFUSED;
        assert_int_equal(a / 10, q); /* agent_01..10 billing, ... */
        assert_true(t.reason[k] == reasons[q][0] || t.reason[k] == reasons[q][1]);
        assert_true(t.product[k] >= 0 && t.product[k] < 4);
        n_agent[a]++;
        ref_agent[a] += refused;
        n_queue[q]++;
        ref_queue[q] += refused;
        if (!refused)
            kept[t.kout[k]]++;
    }
    /* Binomial proportions within 4 standard errors. */
    for (int a = 0; a < CRVM_SIM_AGENTS; a++) {
        double p = truth.agent_refusal[a];
        assert_true(n_agent[a] > 1000);
        assert_close(ref_agent[a] / n_agent[a], p, 0, 4 * sqrt(p * (1 - p) / n_agent[a]));
    }
    static const double queue_share[CRVM_SIM_QUEUES] = {0.20, 0.45, 0.15, 0.20};
    double refused = 0;
    for (int q = 0; q < CRVM_SIM_QUEUES; q++)
        refused += ref_queue[q];
    for (int q = 0; q < CRVM_SIM_QUEUES; q++) {
        double p = queue_share[q];
        assert_close(n_queue[q] / t.nk, p, 0, 4 * sqrt(p * (1 - p) / t.nk));
        /* The queue's share of all refusals: P(q) x refusal(q) / refusal share. */
        double r = p * o.queue_refusal[q] / truth.refusal_share;
        assert_close(ref_queue[q] / refused, r, 0, 4 * sqrt(r * (1 - r) / refused));
    }
    assert_true(ref_queue[2] / refused > 0.4); /* integrations: 15% of contacts, ~49% of refusals */
    double n_kept = kept[0] + kept[1] + kept[3];
    assert_close(kept[0] / n_kept, 0.75 / 0.92, 0, 4 * sqrt(0.815 * 0.185 / n_kept));
    assert_close(kept[1] / n_kept, 0.12 / 0.92, 0, 4 * sqrt(0.13 * 0.87 / n_kept));
    free_tables(&t);
}

/* Sourced events: resolved contacts closed within their month, same
 * customer, dated on the close, expansion (12 x 20% of the price) or
 * services (half the price), at the documented rate. */
static void sourced_revenue_follows_its_rules(void **state)
{
    (void)state;
    tables t;
    crvm_sim_truth truth;
    load_default(&t, 20000, 9, &truth);
    unsigned char *sourced = calloc(t.nk, 1);
    assert_non_null(sourced);
    double expansions = 0, events = 0;
    for (size_t r = 0; r < t.nr; r++) {
        if (t.rsrc[r] < 0)
            continue;
        size_t k = (size_t)t.rsrc[r];
        events++;
        assert_false(sourced[k]); /* at most one event per contact */
        sourced[k] = 1;
        assert_int_equal(t.kout[k], CRVM_OUTCOME_RESOLVED);
        assert_int_equal(t.kc[k], t.rc[r]);
        assert_int_equal(t.rd[r], t.kcl[k]);
        int m = whole_months(t.start[t.kc[k]], t.ko[k]);
        assert_true(t.kcl[k] < months_after(t.start[t.kc[k]], m + 1));
        assert_true(t.rs[r] == CRVM_STREAM_EXPANSION || t.rs[r] == CRVM_STREAM_SERVICES);
        expansions += t.rs[r] == CRVM_STREAM_EXPANSION;
    }
    /* The eligible contacts: resolved, closed before the month's end and the window's. */
    double eligible = 0;
    for (size_t k = 0; k < t.nk; k++) {
        int m = whole_months(t.start[t.kc[k]], t.ko[k]);
        eligible += t.kout[k] == CRVM_OUTCOME_RESOLVED && t.kcl[k] < months_after(t.start[t.kc[k]], m + 1) &&
                    t.kcl[k] < t.window_end;
    }
    double p = t.o.source_probability;
    assert_close(events / eligible, p, 0, 4 * sqrt(p * (1 - p) / eligible));
    assert_close(expansions / events, 0.5, 0, 4 * sqrt(0.25 / events));
    free(sourced);
    free_tables(&t);
}

/* crvm/economics.h's minutes_saved estimate from the loaded data recovers
 * the simulator's article saving. */
static void knowledge_saving_is_recovered(void **state)
{
    (void)state;
    tables t;
    crvm_sim_truth truth;
    load_default(&t, 20000, 10, &truth);
    /* The estimator by hand: linked flags from the assisted uses. */
    unsigned char *linked = calloc(t.nk, 1);
    assert_non_null(linked);
    for (size_t u = 0; u < t.nu; u++)
        if (t.uk[u] == CRVM_USE_ASSISTED)
            linked[t.uco[u]] = 1;
    double n[2][15] = {{0}}, sum[2][15] = {{0}}, sum2[2][15] = {{0}};
    for (size_t k = 0; k < t.nk; k++) {
        int cell = t.kch[k] * 3 + t.ktier[k] - 1, w = linked[k];
        n[w][cell]++;
        sum[w][cell] += t.km[k];
        sum2[w][cell] += t.km[k] * t.km[k];
    }
    double est = 0, weight = 0, var = 0;
    for (int c = 0; c < 15; c++) {
        if (n[0][c] < 2 || n[1][c] < 2)
            continue;
        double m0 = sum[0][c] / n[0][c], m1 = sum[1][c] / n[1][c];
        double v0 = (sum2[0][c] - n[0][c] * m0 * m0) / (n[0][c] - 1);
        double v1 = (sum2[1][c] - n[1][c] * m1 * m1) / (n[1][c] - 1);
        est += n[1][c] * (m0 - m1);
        weight += n[1][c];
        var += n[1][c] * n[1][c] * (v0 / n[0][c] + v1 / n[1][c]);
    }
    est /= weight;
    double se = sqrt(var) / weight;

    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    char dir[] = "/tmp/crvm_test_truth_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(crvm_sim_write_csv(t.d, dir), CRVM_OK);
    if (crvm_load_directory(l, dir, NULL, NULL) != CRVM_OK)
        fail_msg("%s", crvm_last_error());
    static const char *const files[] = {"customers.csv", "articles.csv", "revenue.csv", "contacts.csv",
                                        "knowledge_uses.csv"};
    char path[128];
    for (int f = 0; f < 5; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        remove(path);
    }
    rmdir(dir);
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    double *kv = malloc(s.articles * CRVM_KV_COLUMNS * sizeof *kv);
    assert_non_null(kv);
    crvm_knowledge_estimate e;
    assert_int_equal(crvm_knowledge_value(l, NULL, t.window_end - 1, kv, s.articles * CRVM_KV_COLUMNS, &e),
                     CRVM_OK);
    if (getenv("CRVM_TEST_VERBOSE"))
        print_message("minutes saved: crvm %.4f, by hand %.4f (se %.4f), truth %.4f\n", e.minutes_saved,
                      est, se, truth.minutes_saved);
    assert_close(e.minutes_saved, est, 1e-9, 0); /* the same estimator, summed in another order */
    /* Within 4 standard errors, plus 0.01 for rounding minutes to 0.1. */
    assert_close(e.minutes_saved, truth.minutes_saved, 0, 4 * se + 0.01);
    free(kv);
    free(linked);
    crvm_ledger_free(l);
    free_tables(&t);
}

/* ------------------------------------------------- the state at a date */

static void customer_state_agrees_with_the_data(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 3000;
    o.seed = 12;
    tables t;
    load_tables(&t, &o);
    const crvm_date date = months_after(o.window_start, 14) + 9;
    size_t n = t.nc;
    int32_t *active = xmalloc(n * 4), *renewals = xmalloc(n * 4), *plan = xmalloc(n * 4),
            *touch = xmalloc(n * 4);
    double *price = xmalloc(n * 8);
    assert_int_equal(crvm_sim_customer_state(t.d, date, active, n, renewals, n, price, n, plan, n, touch, n),
                     CRVM_OK);
    size_t *kfirst = runs(t.kc, t.nk, n), *ufirst = runs(t.ucu, t.nu, n), *rfirst = runs(t.rc, t.nr, n);
    size_t checked_price = 0;
    for (size_t i = 0; i < n; i++) {
        int started = t.start[i] <= date, churned = t.end[i] != INT32_MIN && t.end[i] <= date;
        assert_int_equal(active[i], started && !churned);
        if (!started) {
            assert_int_equal(renewals[i], -1);
            assert_int_equal(touch[i], INT32_MIN);
            continue;
        }
        assert_int_equal(renewals[i], churned ? t.lifetime[i] - 1 : whole_months(t.start[i], date));
        crvm_date last = t.start[i];
        for (size_t k = kfirst[i]; k < kfirst[i + 1]; k++)
            if (t.ko[k] <= date && t.ko[k] > last)
                last = t.ko[k];
        for (size_t u = ufirst[i]; u < ufirst[i + 1]; u++)
            if (t.uk[u] == CRVM_USE_SELF_SERVICE && t.ud[u] <= date && t.ud[u] > last)
                last = t.ud[u];
        assert_int_equal(touch[i], last);
        int has_plan = 0;
        for (size_t r = rfirst[i]; r < rfirst[i + 1]; r++)
            has_plan |= t.rs[r] == CRVM_STREAM_SUPPORT_PLAN;
        if (t.lifetime[i] > 0)
            assert_int_equal(plan[i], has_plan);
        /* The price is what the next anniversary charges, when no expansion
         * happens between the date and it. */
        crvm_date next = months_after(t.start[i], renewals[i] + 1);
        if (!active[i] || next >= t.window_end || (t.end[i] != INT32_MIN && t.end[i] <= next))
            continue;
        int expansion = 0;
        double charged = -1;
        for (size_t r = rfirst[i]; r < rfirst[i + 1]; r++) {
            if (t.rs[r] == CRVM_STREAM_EXPANSION && t.rd[r] > months_after(t.start[i], renewals[i]) &&
                t.rd[r] < next)
                expansion = 1;
            if (t.rs[r] == CRVM_STREAM_SUBSCRIPTION && t.rd[r] == next)
                charged = t.ra[r];
        }
        if (expansion)
            continue;
        assert_true(charged > 0);
        assert_close(price[i], charged, 0, 0.005); /* the file holds whole cents */
        checked_price++;
    }
    assert_true(checked_price > 500);
    /* Errors. */
    assert_status(crvm_sim_customer_state(NULL, date, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_customer_state(t.d, t.window_end, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "outside the window"));
    assert_status(crvm_sim_customer_state(t.d, o.window_start - 1, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0),
                  CRVM_EINVAL);
    assert_status(crvm_sim_customer_state(t.d, date, active, n - 1, NULL, 0, NULL, 0, NULL, 0, NULL, 0),
                  CRVM_EINVAL);
    assert_status(crvm_sim_customer_state(t.d, date, NULL, 0, NULL, 0, NULL, n, NULL, 0, NULL, 0), CRVM_EINVAL);
    free(kfirst);
    free(ufirst);
    free(rfirst);
    free(active);
    free(renewals);
    free(plan);
    free(touch);
    free(price);
    free_tables(&t);
}

/* ------------------------------------------------------- continuation */

static void continuation_refuses_bad_arguments(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 30;
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    enum { N = 30 * CRVM_SIM_FUT_COLUMNS };
    double mean[N], se[N];
    for (int k = 0; k < N; k++)
        mean[k] = se[k] = -7;
    crvm_date as_of = months_after(o.window_start, 6);
    crvm_sim_continuation_options c;
    crvm_sim_continuation_options_init(&c);
    assert_int_equal(c.replications, 100);
    crvm_sim_continuation_options_init(NULL);
    assert_status(crvm_sim_continuation(NULL, as_of, &c, NULL, mean, N, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_continuation(d, as_of, &c, NULL, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_continuation(d, o.window_start - 1, &c, NULL, mean, N, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_continuation(d, as_of, &c, NULL, mean, N - 1, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_continuation(d, as_of, &c, NULL, mean, N, se, 1), CRVM_EINVAL);
    assert_status(crvm_sim_continuation(d, as_of, &c, NULL, mean, N, NULL, N), CRVM_EINVAL);
    static const char *const what[] = {"replications", "cap", "horizon", "discount_rate", "threads"};
    for (int k = 0; k < 5; k++) {
        crvm_sim_continuation_options_init(&c);
        switch (k) {
        case 0: c.replications = 0; break;
        case 1: c.cap = 0; break;
        case 2: c.horizon = c.cap + 1; break;
        case 3: c.discount_rate = 1.0; break;
        default: c.threads = 65;
        }
        assert_status(crvm_sim_continuation(d, as_of, &c, NULL, mean, N, NULL, 0), CRVM_EINVAL);
        assert_non_null(strstr(crvm_last_error(), what[k]));
    }
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    m.hourly_rate[1] = -1;
    assert_status(crvm_sim_continuation(d, as_of, NULL, &m, mean, N, NULL, 0), CRVM_EINVAL);
    for (int k = 0; k < N; k++)
        assert_true(mean[k] == -7 && se[k] == -7); /* untouched */
    crvm_sim_data_free(d);
}

/* Without support effects and without contacts or views, a future holds
 * nothing random that bears on churn: the Rao-Blackwellised columns are the
 * closed forms of the BdW given theta, with zero Monte Carlo error. */
static void continuation_has_the_closed_form_without_covariates(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 400;
    o.seed = 21;
    o.outcome_effects = 0;
    o.c = 0.7;
    o.contact_rate[0] = o.contact_rate[1] = o.contact_rate[2] = 0;
    o.self_service_rate = 0;
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    size_t n = o.customers;
    double *mean = xmalloc(n * CRVM_SIM_FUT_COLUMNS * 8), *se = xmalloc(n * CRVM_SIM_FUT_COLUMNS * 8);
    int32_t *active = xmalloc(n * 4), *renewals = xmalloc(n * 4);
    double *theta = xmalloc(n * 8);
    crvm_date as_of = months_after(o.window_start, 20) + 3;
    crvm_sim_continuation_options c = CRVM_SIM_CONTINUATION_OPTIONS_INIT;
    c.replications = 3;
    c.horizon = 9;
    c.cap = 300;
    c.discount_rate = 0.01;
    assert_int_equal(crvm_sim_continuation(d, as_of, &c, NULL, mean, n * CRVM_SIM_FUT_COLUMNS, se,
                                           n * CRVM_SIM_FUT_COLUMNS),
                     CRVM_OK);
    assert_int_equal(crvm_sim_customer_state(d, as_of, active, n, renewals, n, NULL, 0, NULL, 0, NULL, 0),
                     CRVM_OK);
    assert_int_equal(crvm_sim_customer_truth(d, NULL, 0, theta, n, NULL, 0, NULL, 0), CRVM_OK);
    size_t n_active = 0;
    for (size_t i = 0; i < n; i++) {
        const double *v = mean + i * CRVM_SIM_FUT_COLUMNS, *e = se + i * CRVM_SIM_FUT_COLUMNS;
        assert_true(v[CRVM_SIM_FUT_ACTIVE] == active[i]);
        if (!active[i]) {
            for (int col = 0; col < CRVM_SIM_FUT_COLUMNS; col++)
                assert_true(v[col] == 0);
            continue;
        }
        n_active++;
        /* S_k = (1 - theta)^((t + k)^c - t^c) by a direct series. */
        double t0 = renewals[i], lq = log1p(-theta[i]);
        double months = 0, dm = 0, dmh = 0, disc = 1;
        for (int k = 1; k <= c.cap; k++) {
            double s = exp((pow(t0 + k, o.c) - pow(t0, o.c)) * lq);
            double h = k <= c.horizon ? 1.0 : exp((pow(t0 + k, o.c) - pow(t0 + c.horizon, o.c)) * lq);
            months += s;
            dm += s * disc;
            dmh += h * disc;
            disc /= 1.01;
        }
        double retained = exp((pow(t0 + c.horizon, o.c) - pow(t0, o.c)) * lq);
        /* Sums of a few hundred terms formed in another order: 1e-10. */
        assert_close(v[CRVM_SIM_FUT_RETAINED], retained, 1e-10, 1e-15);
        assert_close(v[CRVM_SIM_FUT_MONTHS], months, 1e-10, 1e-13);
        assert_close(v[CRVM_SIM_FUT_DISCOUNTED_MONTHS], dm, 1e-10, 1e-13);
        assert_close(v[CRVM_SIM_FUT_DISCOUNTED_MONTHS_HELD], dmh, 1e-10, 1e-13);
        /* No randomness left in these columns: the three futures agree. */
        assert_close(e[CRVM_SIM_FUT_RETAINED], 0, 0, 1e-12);
        assert_close(e[CRVM_SIM_FUT_DISCOUNTED_MONTHS], 0, 0, 1e-9);
        /* Cash: no contacts or views, so no support cost; revenue at least the price. */
        assert_true(v[CRVM_SIM_FUT_SUPPORT_COST] == 0);
        assert_true(v[CRVM_SIM_FUT_REVENUE] > 0 && v[CRVM_SIM_FUT_GROSS_MARGIN] < v[CRVM_SIM_FUT_REVENUE]);
    }
    assert_true(n_active > 100);
    free(mean);
    free(se);
    free(active);
    free(renewals);
    free(theta);
    crvm_sim_data_free(d);
}

/* The same bits for any thread count; another seed, other futures. */
static void continuation_is_deterministic_for_any_thread_count(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 300;
    o.seed = 4;
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    size_t cells = o.customers * CRVM_SIM_FUT_COLUMNS;
    double *a = xmalloc(cells * 8), *b = xmalloc(cells * 8), *s = xmalloc(cells * 8);
    crvm_sim_continuation_options c = CRVM_SIM_CONTINUATION_OPTIONS_INIT;
    c.replications = 8;
    c.cap = 240;
    c.discount_rate = 0.008;
    crvm_date as_of = months_after(o.window_start, 18);
    assert_int_equal(crvm_sim_continuation(d, as_of, &c, NULL, a, cells, NULL, 0), CRVM_OK);
    c.threads = 3;
    assert_int_equal(crvm_sim_continuation(d, as_of, &c, NULL, b, cells, s, cells), CRVM_OK);
    assert_memory_equal(a, b, cells * sizeof *a);
    c.seed = 2;
    assert_int_equal(crvm_sim_continuation(d, as_of, &c, NULL, b, cells, NULL, 0), CRVM_OK);
    assert_true(memcmp(a, b, cells * sizeof *a) != 0);
    free(a);
    free(b);
    free(s);
    crvm_sim_data_free(d);
}

/* One customer's realised minus expected, summed; the variance of the sum
 * estimated by the sum of squares (the terms are independent, mean 0). */
typedef struct agreement {
    double diff, sq;
} agreement;

static void agree(agreement *a, double realised, double expected)
{
    a->diff += realised - expected;
    a->sq += (realised - expected) * (realised - expected);
}

/* A year of futures from month 12 of the window, against what the window
 * itself realised over the same year: renewals made, the year survived,
 * revenue and support cost (cost computed here from the contacts and views
 * with the cost model's formulas). */
static void continuation_agrees_with_the_realised_window(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 6000;
    o.seed = 31;
    tables t;
    load_tables(&t, &o);
    const crvm_date as_of = months_after(o.window_start, 12);
    crvm_sim_continuation_options c = CRVM_SIM_CONTINUATION_OPTIONS_INIT;
    c.replications = 20;
    c.horizon = 12;
    c.cap = 12;
    size_t n = t.nc, cells = n * CRVM_SIM_FUT_COLUMNS;
    double *mean = xmalloc(cells * 8);
    int32_t *renewals = xmalloc(n * 4), *active = xmalloc(n * 4);
    assert_int_equal(crvm_sim_continuation(t.d, as_of, &c, NULL, mean, cells, NULL, 0), CRVM_OK);
    assert_int_equal(crvm_sim_customer_state(t.d, as_of, active, n, renewals, n, NULL, 0, NULL, 0, NULL, 0),
                     CRVM_OK);
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    size_t *kfirst = runs(t.kc, t.nk, n), *ufirst = runs(t.ucu, t.nu, n), *rfirst = runs(t.rc, t.nr, n);
    agreement retained = {0}, months = {0}, revenue = {0}, cost = {0};
    size_t n_active = 0;
    for (size_t i = 0; i < n; i++) {
        const double *v = mean + i * CRVM_SIM_FUT_COLUMNS;
        if (!active[i])
            continue;
        n_active++;
        crvm_date from = months_after(t.start[i], renewals[i] + 1), until = months_after(t.start[i], renewals[i] + 13);
        assert_true(until < t.window_end);
        int made = 0;
        for (int k = 1; k <= 12; k++)
            made += t.end[i] == INT32_MIN || months_after(t.start[i], renewals[i] + k) < t.end[i];
        agree(&months, made, v[CRVM_SIM_FUT_MONTHS]);
        agree(&retained, made == 12, v[CRVM_SIM_FUT_RETAINED]);
        double rev = 0, cents = 0;
        for (size_t r = rfirst[i]; r < rfirst[i + 1]; r++)
            if (t.rd[r] >= from && t.rd[r] < until)
                rev += t.ra[r];
        for (size_t k = kfirst[i]; k < kfirst[i + 1]; k++) {
            if (t.ko[k] < from || t.ko[k] >= until)
                continue;
            double minutes = t.km[k];
            cents += llround(minutes / 60.0 * m.hourly_rate[t.ktier[k] - 1] * 100.0) +
                     llround(m.channel_cost[t.kch[k]] * 100.0) +
                     (t.kesc[k] ? llround(m.escalation_cost * 100.0) : 0) +
                     llround((m.overhead_per_contact + m.overhead_per_minute * minutes) * 100.0);
        }
        for (size_t u = ufirst[i]; u < ufirst[i + 1]; u++)
            if (t.uk[u] == CRVM_USE_SELF_SERVICE && t.ud[u] >= from && t.ud[u] < until)
                cents += llround(m.self_service_cost * 100.0);
        agree(&revenue, rev, v[CRVM_SIM_FUT_REVENUE]);
        agree(&cost, cents / 100.0, v[CRVM_SIM_FUT_SUPPORT_COST]);
    }
    if (getenv("CRVM_TEST_VERBOSE"))
        print_message("%zu customers active on the as-of date\n", n_active);
    assert_true(n_active > 1000);
    const agreement *all[4] = {&retained, &months, &revenue, &cost};
    static const char *const names[4] = {"retained a year", "renewals", "revenue", "support cost"};
    for (int k = 0; k < 4; k++) {
        double z = all[k]->diff / sqrt(all[k]->sq);
        if (getenv("CRVM_TEST_VERBOSE"))
            print_message("%-16s realised - expected %12.2f (z %.2f)\n", names[k], all[k]->diff, z);
        /* A sum of independent mean-zero terms: |z| > 4 has probability 6e-5. */
        if (fabs(z) > 4)
            fail_msg("%s: realised minus expected %.3f, z = %.2f", names[k], all[k]->diff, z);
    }
    free(kfirst);
    free(ufirst);
    free(rfirst);
    free(mean);
    free(renewals);
    free(active);
    free_tables(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truth_is_the_options_closed_form),
        cmocka_unit_test(churn_follows_the_hazard_model_at_every_renewal),
        cmocka_unit_test(attributes_and_refusals_follow_their_rules),
        cmocka_unit_test(sourced_revenue_follows_its_rules),
        cmocka_unit_test(knowledge_saving_is_recovered),
        cmocka_unit_test(customer_state_agrees_with_the_data),
        cmocka_unit_test(continuation_refuses_bad_arguments),
        cmocka_unit_test(continuation_has_the_closed_form_without_covariates),
        cmocka_unit_test(continuation_is_deterministic_for_any_thread_count),
        cmocka_unit_test(continuation_agrees_with_the_realised_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
