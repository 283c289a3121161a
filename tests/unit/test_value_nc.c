/* The value layer's non-contractual models (crvm/value.h "Non-contractual
 * models", docs/value.md): a retail business simulated here from the BG/NBD
 * and Gamma-Gamma generative stories (known truth), checked against the
 * closed forms of Fader, Hardie & Lee (2005) and Fader & Hardie (2013)
 * written out in this file, exact roll-ups, the documented value-at-risk
 * formula and every new error status. lifetimes and numerical integrals are
 * the Python side's independent references (tests/python/test_value_nc.py). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "value_support.h"

/* Truth of the simulation, time in days. */
static const double R_ = 0.8, ALPHA = 40, A_ = 0.8, B_ = 2.5; /* lambda ~ Gamma(r, alpha), p ~ Beta(a, b) */
static const double S_ = 1.5, BETA = 300;                    /* Pareto/NBD: death rate mu ~ Gamma(s, beta) */
static const double GP = 6, GQ = 4, GV = 15;                 /* amounts Gamma(p, nu), nu ~ Gamma(q, v) */

typedef struct business {
    crvm_ledger *ledger;
    size_t n;
    crvm_date as_of;
    double margin_rate; /* of the services stream, the default cost model's */
    /* the test's own summary of each customer (days; time runs to the end of as_of) */
    double *x, *tx, *T, *zbar;
} business;

static void add(crvm_ledger *l, const char *id, crvm_date day, double amount)
{
    assert_int_equal(crvm_ledger_add_revenue_event(l, id, day, amount, CRVM_STREAM_SERVICES), CRVM_OK);
}

/* n customers who first buy in the 180 days from 2023-01-01, observed to
 * as_of = 2023-12-31 (the ledger holds nothing later); after each repeat
 * purchase a customer dies with probability p (BG/NBD), or (pareto) at an
 * exponential time of rate mu after its first purchase (Pareto/NBD); every
 * tenth customer also has a support contact, so that some have a cost to
 * serve. */
static business simulate(size_t n, uint64_t seed, int pareto)
{
    business b;
    memset(&b, 0, sizeof b);
    b.n = n;
    b.as_of = test_date(2023, 12, 31);
    crvm_cost_model costs;
    crvm_cost_model_init_defaults(&costs);
    b.margin_rate = costs.gross_margin_rate[CRVM_STREAM_SERVICES];
    b.x = calloc(n, sizeof *b.x);
    b.tx = calloc(n, sizeof *b.tx);
    b.T = calloc(n, sizeof *b.T);
    b.zbar = calloc(n, sizeof *b.zbar);
    assert_int_equal(crvm_ledger_new(&b.ledger), CRVM_OK);
    test_rng rng = {seed};
    const crvm_date d0 = test_date(2023, 1, 1);
    const double end = (double)b.as_of + 1;
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "c%05zu", i);
        double t = d0 + 180 * test_rng_uniform(&rng);
        crvm_date first = (crvm_date)floor(t), last = first, day = first;
        assert_int_equal(crvm_ledger_add_customer(b.ledger, id, i % 2 ? "B" : "A", first, CRVM_DATE_NONE),
                         CRVM_OK);
        double lambda = test_rng_gamma(&rng, R_) / ALPHA, p = test_rng_beta(&rng, A_, B_);
        double nu = test_rng_gamma(&rng, GQ) / GV, day_amount = 0, repeat_sum = 0;
        double death = t - log(test_rng_uniform(&rng)) / (test_rng_gamma(&rng, S_) / BETA);
        int repeats = 0;
        for (int k = 0;; k++) {
            double amount = round(100 * test_rng_gamma(&rng, GP) / nu) / 100;
            crvm_date d = (crvm_date)floor(t);
            if (d != day) { /* a new purchase day: close the previous one */
                if (day != first)
                    repeat_sum += day_amount * b.margin_rate;
                repeats++;
                day_amount = 0;
                day = d;
            }
            day_amount += amount;
            add(b.ledger, id, d, amount);
            last = d;
            if (!pareto && k > 0 && test_rng_uniform(&rng) < p)
                break;
            t += -log(test_rng_uniform(&rng)) / lambda;
            if (t >= end || (pareto && t >= death))
                break;
        }
        if (day != first)
            repeat_sum += day_amount * b.margin_rate;
        b.x[i] = repeats;
        b.tx[i] = last - first;
        b.T[i] = end - first;
        b.zbar[i] = repeats ? repeat_sum / repeats : 0;
        if (i % 10 == 0) {
            char cid[32];
            snprintf(cid, sizeof cid, "k%05zu", i);
            assert_int_equal(crvm_ledger_add_contact(b.ledger, cid, id, last, last, CRVM_CHANNEL_EMAIL, 12.0, 1,
                                                     0, CRVM_OUTCOME_RESOLVED, NAN),
                             CRVM_OK);
        }
    }
    return b;
}

static void business_free(business *b)
{
    crvm_ledger_free(b->ledger);
    free(b->x);
    free(b->tx);
    free(b->T);
    free(b->zbar);
}

static size_t sim_size(void) { return vs_under_valgrind() ? 400 : 3000; }

static crvm_value *fit(const business *b, crvm_value_model model, int per_segment)
{
    crvm_value_options o = CRVM_VALUE_OPTIONS_INIT;
    o.model = model;
    o.per_segment = per_segment;
    crvm_value *v = NULL;
    assert_int_equal(crvm_value_fit(b->ledger, NULL, b->as_of, &o, &v), CRVM_OK);
    return v;
}

/* FHL (2005) eq. 13 (BG/NBD) and Fader & Hardie (2005) (Pareto/NBD) P(alive). */
static double p_alive(crvm_value_model model, const double *q, double x, double tx, double T)
{
    if (model == CRVM_VALUE_BGNBD)
        return x == 0 ? 1.0 : 1.0 / (1.0 + q[2] / (q[3] + x - 1) * pow((q[1] + T) / (q[1] + tx), q[0] + x));
    /* Pareto/NBD: the model's likelihood split at death (Fader & Hardie
     * 2005): P(alive) = 1 / (1 + I), I = the integral over tau in (t_x, T] of
     * ((alpha + T) / (alpha + tau))^(r + x) s (beta + T)^s / (beta + tau)^(s + 1),
     * by Simpson's rule on 4000 intervals in log space (smooth integrand:
     * relative error ~1e-12), robust to the huge s of a nearly homogeneous fit. */
    double r = q[0], alpha = q[1], s = q[2], beta = q[3];
    if (T <= tx)
        return 1.0;
    const int m = 4000;
    double sum = 0, step = (T - tx) / m;
    for (int k = 0; k <= m; k++) {
        double tau = tx + k * step, w = k == 0 || k == m ? 1 : k % 2 ? 4 : 2;
        double lf = (r + x) * log1p((T - tau) / (alpha + tau)) + log(s) - log(beta + tau) +
                    s * log1p((T - tau) / (beta + tau));
        sum += w * exp(lf);
    }
    return 1.0 / (1.0 + sum * step / 3);
}

/* FH (2013): E[M | x, zbar] = p (v + x zbar) / (p x + q - 1). */
static double expected_margin(const double *q, double x, double zbar)
{
    return q[4] * (q[6] + x * zbar) / (q[4] * x + q[5] - 1);
}

static void figures_follow_the_closed_forms(crvm_value_model model)
{
    business b = simulate(sim_size(), 7, model == CRVM_VALUE_PARETO);
    crvm_value *v = fit(&b, model, 0);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
    assert_int_equal(info.active, b.n); /* every simulated customer bought */
    assert_int_equal(info.covariates, 0);
    double q[7], cov[49];
    assert_int_equal(crvm_value_nc_model(v, 0, q, 7, cov, 49), CRVM_OK);
    double *nc = malloc(b.n * CRVM_VNC_COLUMNS * sizeof *nc), *vc = malloc(b.n * CRVM_VC_COLUMNS * sizeof *vc);
    assert_int_equal(crvm_value_nc_customers(v, nc, b.n * CRVM_VNC_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_value_customers(v, vc, b.n * CRVM_VC_COLUMNS), CRVM_OK);
    const double h = 366; /* 2023-12-31 + 12 months = 2024-12-31 (a leap year) */
    const double delta = log(1 + info.discount_rate) / (365.25 / 12);
    for (size_t i = 0; i < b.n; i++) {
        const double *r = nc + i * CRVM_VNC_COLUMNS, *c = vc + i * CRVM_VC_COLUMNS;
        /* The summary is the test's own count of purchase days. */
        assert_true(r[CRVM_VNC_FREQUENCY] == b.x[i] && r[CRVM_VNC_RECENCY] == b.tx[i] && r[CRVM_VNC_T] == b.T[i]);
        /* Margins: sums of the same products in another order, ~1e-15. */
        assert_close(r[CRVM_VNC_MEAN_MARGIN], b.zbar[i], 1e-12, 1e-12);
        /* The closed forms, to rounding (the Pareto/NBD integral: Simpson's
         * error ~1e-12). */
        const double tol = 1e-10;
        double P = p_alive(model, q, b.x[i], b.tx[i], b.T[i]);
        assert_close(r[CRVM_VNC_P_ALIVE], P, tol, 0);
        assert_close(c[CRVM_VC_CHURN_NEXT], 1 - P, tol, 1e-12);
        assert_close(r[CRVM_VNC_EXPECTED_MARGIN], expected_margin(q, b.x[i], b.zbar[i]), 1e-13, 0);
        if (model == CRVM_VALUE_PARETO) /* P ((beta + T) / (beta + T + h))^s */
            assert_close(c[CRVM_VC_RETENTION], P * exp(-q[2] * log1p(h / (q[3] + b.T[i]))), tol, 0);
        assert_true(c[CRVM_VC_RETENTION] <= P && c[CRVM_VC_RETENTION] > 0);
        assert_true(c[CRVM_VC_RETENTION_LOWER] <= c[CRVM_VC_RETENTION] &&
                    c[CRVM_VC_RETENTION] <= c[CRVM_VC_RETENTION_UPPER]);
        /* Residual value and value at risk from the columns by the documented
         * formulas (each rounded to a cent once: within a cent). */
        double M = r[CRVM_VNC_EXPECTED_MARGIN], D = c[CRVM_VC_DERL], L = c[CRVM_VC_RESIDUAL_LIFETIME];
        double cts = c[CRVM_VC_COST_TO_SERVE], f = -expm1(-delta * h);
        double El = (q[0] + b.x[i]) / (q[1] + b.T[i]), dpp = 365.25 / 12;
        assert_close(c[CRVM_VC_RESIDUAL_VALUE], M * D - cts * L, 0, 0.01);
        assert_close(c[CRVM_VC_VALUE_AT_RISK], M * f * (P * El / delta - D) - cts * f * (P / delta - L * dpp) / dpp,
                     0, 0.01);
        assert_true(c[CRVM_VC_RESIDUAL_VALUE_LOWER] <= c[CRVM_VC_RESIDUAL_VALUE] &&
                    c[CRVM_VC_RESIDUAL_VALUE] <= c[CRVM_VC_RESIDUAL_VALUE_UPPER]);
        if (model == CRVM_VALUE_PARETO) /* L = D (alpha + T) / (r + x), in periods */
            assert_close(L, D * (q[1] + b.T[i]) / (q[0] + b.x[i]) / dpp, 1e-12, 0);
    }
    /* Known truth: the transaction and Gamma-Gamma parameters within 4
     * standard errors. Margins are rate x amounts: Gamma(p, nu / rate), and
     * nu / rate ~ Gamma(q, v rate). Not under valgrind: at its 400 customers
     * the Wald intervals of the heterogeneity shapes (a, b; s) are far from
     * normal (the plain and sanitizer runs check 3000). */
    const double truth[7] = {R_, ALPHA, model == CRVM_VALUE_BGNBD ? A_ : S_, model == CRVM_VALUE_BGNBD ? B_ : BETA,
                             GP, GQ, GV * b.margin_rate};
    for (int j = 0; j < 7 && !vs_under_valgrind(); j++)
        assert_true(fabs(q[j] - truth[j]) < 4 * sqrt(cov[j * 7 + j]));
    free(nc);
    free(vc);
    crvm_value_free(v);
    business_free(&b);
}

static void bgnbd_figures_follow_the_closed_forms(void **state)
{
    (void)state;
    figures_follow_the_closed_forms(CRVM_VALUE_BGNBD);
}

static void pareto_figures_follow_the_closed_forms(void **state)
{
    (void)state;
    figures_follow_the_closed_forms(CRVM_VALUE_PARETO);
}

/* Segments and the total are exact sums of the customers' cents; per-segment
 * fits give each segment its own parameters. */
static void roll_ups_are_exact_and_per_segment_fits_differ(void **state)
{
    (void)state;
    business b = simulate(sim_size(), 11, 0);
    for (int per = 0; per <= 1; per++) {
        crvm_value *v = fit(&b, CRVM_VALUE_BGNBD, per);
        double *vc = malloc(b.n * CRVM_VC_COLUMNS * sizeof *vc), seg[3 * CRVM_VS_COLUMNS];
        assert_int_equal(crvm_value_customers(v, vc, b.n * CRVM_VC_COLUMNS), CRVM_OK);
        assert_int_equal(crvm_value_segments(v, seg, 3 * CRVM_VS_COLUMNS), CRVM_OK);
        long long rv[3] = {0}, var[3] = {0};
        double count[3] = {0};
        for (size_t i = 0; i < b.n; i++) {
            const double *c = vc + i * CRVM_VC_COLUMNS;
            int s = (int)c[CRVM_VC_SEGMENT];
            rv[s] += llround(100 * c[CRVM_VC_RESIDUAL_VALUE]);
            var[s] += llround(100 * c[CRVM_VC_VALUE_AT_RISK]);
            count[s] += 1;
        }
        rv[2] = rv[0] + rv[1];
        var[2] = var[0] + var[1];
        count[2] = count[0] + count[1];
        for (int s = 0; s < 3; s++) {
            const double *row = seg + s * CRVM_VS_COLUMNS;
            assert_true(llround(100 * row[CRVM_VS_RESIDUAL_VALUE]) == rv[s]);
            assert_true(llround(100 * row[CRVM_VS_VALUE_AT_RISK]) == var[s]);
            assert_true(row[CRVM_VS_CUSTOMERS] == count[s]);
            assert_true(row[CRVM_VS_RESIDUAL_VALUE_LOWER] < row[CRVM_VS_RESIDUAL_VALUE] &&
                        row[CRVM_VS_RESIDUAL_VALUE] < row[CRVM_VS_RESIDUAL_VALUE_UPPER]);
        }
        double q0[7], q1[7], cov[49];
        assert_int_equal(crvm_value_nc_model(v, 0, q0, 7, cov, 49), CRVM_OK);
        if (per) {
            assert_int_equal(crvm_value_nc_model(v, 1, q1, 7, cov, 49), CRVM_OK);
            assert_true(q0[0] != q1[0]);
        } else {
            assert_status(crvm_value_nc_model(v, 1, q1, 7, cov, 49), CRVM_EINVAL);
        }
        /* Outreach and the support P&L work; contacts have no modelled value effect. */
        int32_t top[5];
        size_t got = 0;
        assert_int_equal(crvm_value_outreach(v, CRVM_RANK_VALUE_AT_RISK, 5, top, 5, &got), CRVM_OK);
        assert_int_equal(got, 5);
        for (size_t j = 1; j < got; j++)
            assert_true(vc[(size_t)top[j - 1] * CRVM_VC_COLUMNS + CRVM_VC_VALUE_AT_RISK] >=
                        vc[(size_t)top[j] * CRVM_VC_COLUMNS + CRVM_VC_VALUE_AT_RISK]);
        /* its scores: each active customer's value at risk, NaN for the others */
        double *score = malloc(b.n * sizeof *score);
        assert_non_null(score);
        assert_int_equal(crvm_value_outreach_scores(v, CRVM_RANK_VALUE_AT_RISK, score, b.n),
                         CRVM_OK);
        for (size_t i = 0; i < b.n; i++) {
            const double *r = vc + i * CRVM_VC_COLUMNS;
            if (r[CRVM_VC_ACTIVE] != 0)
                assert_close(score[i], r[CRVM_VC_VALUE_AT_RISK], 1e-12, 1e-12);
            else
                assert_true(isnan(score[i]));
        }
        assert_true(score[top[0]] >= score[top[got - 1]]);
        free(score);
        double pnl[CRVM_PNL_LINES];
        assert_int_equal(crvm_value_support_pnl(v, test_date(2023, 1, 1), b.as_of + 1, pnl, CRVM_PNL_LINES),
                         CRVM_OK);
        assert_true(pnl[CRVM_PNL_CONTACT_VALUE_EFFECT] == 0 && pnl[CRVM_PNL_CONTACTS] == (double)((b.n + 9) / 10));
        free(vc);
        crvm_value_free(v);
    }
    business_free(&b);
}

/* Chunks of customers run on the threads and their sums fold in chunk
 * order: the same bits for any thread count (chunks hold 65536 customers,
 * so this business is cut into several, with two segments' fits). */
static void results_do_not_depend_on_the_threads(void **state)
{
    (void)state;
    if (vs_under_valgrind())
        return; /* 140000 customers: the plain and sanitizer runs check it */
    business b = simulate(140000, 13, 0);
    double *out[2], seg[2][3 * CRVM_VS_COLUMNS];
    for (int t = 0; t < 2; t++) {
        crvm_value_options o = CRVM_VALUE_OPTIONS_INIT;
        o.model = CRVM_VALUE_BGNBD;
        o.per_segment = 1;
        o.threads = t ? 3 : 0;
        crvm_value *v = NULL;
        assert_int_equal(crvm_value_fit(b.ledger, NULL, b.as_of, &o, &v), CRVM_OK);
        out[t] = malloc(b.n * CRVM_VC_COLUMNS * sizeof *out[t]);
        assert_int_equal(crvm_value_customers(v, out[t], b.n * CRVM_VC_COLUMNS), CRVM_OK);
        assert_int_equal(crvm_value_segments(v, seg[t], 3 * CRVM_VS_COLUMNS), CRVM_OK);
        crvm_value_free(v);
    }
    assert_memory_equal(out[0], out[1], b.n * CRVM_VC_COLUMNS * sizeof *out[0]);
    assert_memory_equal(seg[0], seg[1], sizeof seg[0]);
    free(out[0]);
    free(out[1]);
    business_free(&b);
}

static void errors_are_named(void **state)
{
    (void)state;
    crvm_value_options o = CRVM_VALUE_OPTIONS_INIT;
    o.model = CRVM_VALUE_BGNBD;
    crvm_value *v = NULL;
    /* an end date: a contract */
    crvm_ledger *l;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "a", "s", test_date(2023, 1, 1), test_date(2023, 6, 1)), CRVM_OK);
    add(l, "a", test_date(2023, 1, 1), 10);
    assert_status(crvm_value_fit(l, NULL, test_date(2023, 6, 15), &o, &v), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "customer a"));
    crvm_ledger_free(l);
    /* a refund */
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "a", "s", test_date(2023, 1, 1), CRVM_DATE_NONE), CRVM_OK);
    add(l, "a", test_date(2023, 1, 1), 10);
    add(l, "a", test_date(2023, 2, 1), -5);
    assert_status(crvm_value_fit(l, NULL, test_date(2023, 2, 15), &o, &v), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "2023-02-01"));
    crvm_ledger_free(l);
    /* no purchase at all; then purchases but no repeat customer */
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "a", "s", test_date(2023, 1, 1), CRVM_DATE_NONE), CRVM_OK);
    assert_status(crvm_value_fit(l, NULL, test_date(2023, 1, 15), &o, &v), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "no customer has a purchase"));
    add(l, "a", test_date(2023, 1, 1), 10);
    assert_status(crvm_value_fit(l, NULL, test_date(2023, 1, 15), &o, &v), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "no repeat customer"));
    crvm_ledger_free(l);
    /* options */
    business b = simulate(200, 3, 0);
    o.per_segment = 2;
    assert_status(crvm_value_fit(b.ledger, NULL, b.as_of, &o, &v), CRVM_EINVAL);
    assert_null(v);
    /* calls that need support covariates, or a transaction model */
    v = fit(&b, CRVM_VALUE_BGNBD, 0);
    double impact[64], out[CRVM_SCEN_COLUMNS], q[7], cov[49];
    size_t contacts = (b.n + 9) / 10;
    assert_status(crvm_value_contact_impacts(v, CRVM_OUTCOME_RESOLVED, impact, contacts), CRVM_ESTATE);
    assert_non_null(strstr(crvm_last_error(), "BG/NBD"));
    crvm_scenario sc = CRVM_SCENARIO_INIT;
    assert_status(crvm_value_scenario(v, &sc, out, CRVM_SCEN_COLUMNS), CRVM_ESTATE);
    assert_status(crvm_value_nc_model(NULL, 0, q, 7, cov, 49), CRVM_EINVAL);
    assert_status(crvm_value_nc_model(v, 0, q, 6, cov, 49), CRVM_EINVAL);
    assert_status(crvm_value_nc_model(v, 0, q, 7, cov, 48), CRVM_EINVAL);
    assert_status(crvm_value_nc_customers(v, out, 3), CRVM_EINVAL);
    assert_status(crvm_value_nc_customers(NULL, out, 3), CRVM_EINVAL);
    const crvm_retention_cov *rc;
    assert_status(crvm_value_retention_model(v, &rc), CRVM_ESTATE);
    assert_string_equal(crvm_value_nc_column_name(CRVM_VNC_P_ALIVE), "p_alive");
    assert_null(crvm_value_nc_column_name(CRVM_VNC_COLUMNS));
    assert_null(crvm_value_nc_column_name(-1));
    /* a modified ledger */
    add(b.ledger, "c00000", b.as_of, 1);
    assert_status(crvm_value_nc_customers(v, out, b.n * CRVM_VNC_COLUMNS), CRVM_ESTATE);
    assert_status(crvm_value_nc_model(v, 0, q, 7, cov, 49), CRVM_ESTATE);
    crvm_value_free(v);
    business_free(&b);
    /* a contractual value has no transaction model */
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    const char *ids[] = {"a", "b", "c", "d", "e", "f"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(crvm_ledger_add_customer(l, ids[i], "s", test_date(2022, 1, 1),
                                                  i < 3 ? test_date(2022, 2 + i, 1) : CRVM_DATE_NONE),
                         CRVM_OK);
        add(l, ids[i], test_date(2022, 1, 1), 10);
    }
    o = (crvm_value_options)CRVM_VALUE_OPTIONS_INIT;
    o.model = CRVM_VALUE_SBG;
    o.covariates = 0;
    assert_int_equal(crvm_value_fit(l, NULL, test_date(2022, 5, 1), &o, &v), CRVM_OK);
    assert_status(crvm_value_nc_customers(v, out, 6 * CRVM_VNC_COLUMNS), CRVM_ESTATE);
    assert_status(crvm_value_nc_model(v, 0, q, 7, cov, 49), CRVM_ESTATE);
    crvm_value_free(v);
    crvm_ledger_free(l);
}

typedef struct alloc_ctx {
    const business *b;
} alloc_ctx;

static crvm_status alloc_scenario(void *ctx)
{
    const alloc_ctx *c = ctx;
    crvm_value_options o = CRVM_VALUE_OPTIONS_INIT;
    o.model = CRVM_VALUE_BGNBD;
    crvm_value *v = NULL;
    crvm_status st = crvm_value_fit(c->b->ledger, NULL, c->b->as_of, &o, &v);
    if (st)
        return st;
    double out[7], cov[49];
    st = crvm_value_nc_model(v, 0, out, 7, cov, 49);
    crvm_value_free(v);
    return st;
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    business b = simulate(120, 5, 0);
    alloc_ctx c = {&b};
    /* Not under valgrind (one fit per allocation site is slow there); the
     * plain and sanitizer runs inject every one. */
    if (!vs_under_valgrind())
        assert_true(test_every_allocation_failure(alloc_scenario, &c) > 10);
    business_free(&b);
}

static int setup(void **state)
{
    (void)state;
    test_alloc_install();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bgnbd_figures_follow_the_closed_forms),
        cmocka_unit_test(pareto_figures_follow_the_closed_forms),
        cmocka_unit_test(roll_ups_are_exact_and_per_segment_fits_differ),
        cmocka_unit_test(results_do_not_depend_on_the_threads),
        cmocka_unit_test(errors_are_named),
        cmocka_unit_test(allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
