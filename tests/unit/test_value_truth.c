/* Validation of the value layer against the simulator's known truth
 * (crvm/simulate.h), on a simulated business of 6000 customers.
 *
 * "Truth" here is the value model's own definitions evaluated at the true
 * parameters (crvm_sim_truth_get) by the independent implementation of
 * tests/unit/value_support.c (direct series in long double), on the same
 * data: what a perfectly estimated model would say. The fitted figures' 95%
 * intervals reflect parameter uncertainty, so they must cover it. The
 * realised future (the simulator's Monte Carlo continuation) is compared in
 * tests/python/test_value_truth.py, where a larger sample fits the time of a
 * Python test rather than of a test run under valgrind. Under valgrind the
 * comparisons are skipped (the fit in the setup and the calls still run):
 * its x87 emulation makes the long-double reference too slow for them. */
#include "value_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D test_date

static vs_business B;
static crvm_value *V;
static crvm_date AS_OF;
static double DISCOUNT;
static crvm_sim_options O;
static crvm_sim_truth TRUTH;
static size_t N, G, P;
static double *CUST, *TP; /* customers x columns; the true parameters in the value's layout */
static int CAND[7];

static const char *const CANDIDATES[7] = {"contacts", "workaround", "refused", "abandoned",
                                          "escalated", "silent_3_5", "silent_6_plus"};


static int setup(void **state)
{
    (void)state;
    crvm_sim_options_init(&O);
    O.customers = 6000;
    O.seed = 2024;
    B = vs_simulated(&O);
    assert_int_equal(crvm_sim_truth_get(&O, &TRUTH), CRVM_OK);
    AS_OF = D(2024, 6, 14);
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    /* A steep discount keeps the reference series short (the definitions do not change). */
    opt.discount_rate = 0.6;
    opt.lifetime_cap = 120;
    crvm_status st = crvm_value_fit(B.ledger, NULL, AS_OF, &opt, &V);
    if (st)
        fail_msg("crvm_value_fit: %s", crvm_last_error());
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(V, &info), CRVM_OK);
    N = info.customers;
    G = info.segments;
    P = info.covariates;
    DISCOUNT = info.discount_rate;
    CUST = calloc(N * CRVM_VC_COLUMNS, sizeof *CUST);
    assert_int_equal(crvm_value_customers(V, CUST, N * CRVM_VC_COLUMNS), CRVM_OK);
    /* The ledger interns segments in order of first appearance; the simulator
     * numbers them SMB, mid-market, enterprise. Map the truth to the ledger's. */
    static const char *const sim_names[3] = {"smb", "mid_market", "enterprise"};
    TP = calloc(2 * G + 1 + P, sizeof *TP);
    for (size_t g = 0; g < G; g++) {
        int s = -1;
        for (int k = 0; k < 3; k++)
            if (!strcmp(crvm_ledger_id(B.ledger, CRVM_SEGMENTS, g), sim_names[k]))
                s = k;
        assert_true(s >= 0);
        TP[2 * g] = TRUTH.params[2 * s];
        TP[2 * g + 1] = TRUTH.params[2 * s + 1];
    }
    TP[2 * G] = TRUTH.params[2 * CRVM_SIM_SEGMENTS];
    for (size_t j = 0; j < P; j++) {
        CAND[j] = -1;
        for (int c = 0; c < 7; c++)
            if (!strcmp(crvm_value_covariate_name(V, j), CANDIDATES[c])) {
                CAND[j] = c;
                TP[2 * G + 1 + j] = TRUTH.params[2 * CRVM_SIM_SEGMENTS + 1 + c];
            }
        assert_true(CAND[j] >= 0);
    }
    assert_int_equal(P, 7); /* every support covariate varies in this business */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    crvm_value_free(V);
    vs_free(&B);
    free(CUST);
    free(TP);
    return 0;
}

/* ---------------------------------------- the figures at the true parameters */

static double w_of(double c, int s) { return pow(s, c) - pow(s - 1, c); }

static double mult(const double *zc)
{
    double eta = 0;
    for (size_t j = 0; j < P; j++)
        eta += TP[2 * G + 1 + j] * zc[CAND[j]];
    return exp(eta);
}

/* Per customer, the candidate covariates of each of its periods (recounted
 * from the simulator's rows), and per segment ln E_g at the truth. */
typedef struct truth_panel {
    size_t *first; /* customers + 1 */
    double *z;     /* rows x 7 */
    double log_e[8];
} truth_panel;

static truth_panel recount(void)
{
    truth_panel t;
    t.first = calloc(N + 1, sizeof *t.first);
    for (size_t i = 0; i < N; i++)
        t.first[i + 1] = t.first[i] + (size_t)CUST[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE] +
                         (CUST[i * CRVM_VC_COLUMNS + CRVM_VC_ACTIVE] != 0);
    t.z = calloc(7 * t.first[N] + 1, sizeof *t.z);
    crvm_date w0;
    assert_int_equal(crvm_date_add_periods(AS_OF + 1, CRVM_PERIOD_MONTH, -12, &w0), CRVM_OK);
    double sum[8] = {0}, count[8] = {0};
    for (size_t i = 0; i < N; i++) {
        int periods = (int)(t.first[i + 1] - t.first[i]), active = CUST[i * CRVM_VC_COLUMNS + CRVM_VC_ACTIVE] != 0;
        for (int s = 1; s <= periods; s++) {
            int touches, quiet;
            double *z = t.z + 7 * (t.first[i] + (size_t)(s - 1));
            vs_period_covariates(&B, i, s, AS_OF, CRVM_PERIOD_MONTH, z, &touches, &quiet);
            crvm_date renewal;
            assert_int_equal(crvm_date_add_periods(B.start[i], CRVM_PERIOD_MONTH, s, &renewal), CRVM_OK);
            if ((s < periods || !active) && renewal >= w0) { /* a completed period renewing in the window */
                sum[B.segment[i]] += mult(z);
                count[B.segment[i]] += 1;
            }
        }
    }
    for (size_t g = 0; g < G; g++)
        t.log_e[g] = log(sum[g] / count[g]);
    return t;
}

static void free_recount(truth_panel *t)
{
    free(t->first);
    free(t->z);
}

/* The figures of customer i at renewal s (history of periods 1..s-1, period
 * s with candidate covariates zs) at the true parameters. */
static void at_truth(const truth_panel *t, size_t i, int s, const double *zs, vs_figures *out)
{
    double c = TP[2 * G], L = 0;
    for (int r = 1; r < s; r++)
        L += w_of(c, r) * mult(t->z + 7 * (t->first[i] + (size_t)(r - 1)));
    size_t g = (size_t)B.segment[i];
    vs_reference(TP[2 * g], TP[2 * g + 1] + L, c, s - 1, w_of(c, s) * mult(zs), exp(t->log_e[g]), 12,
                 DISCOUNT, 120, out);
}

/* ------------------------------------------------------------------ tests */

static void segment_values_cover_the_truth(void **state)
{
    (void)state;
    if (vs_under_valgrind())
        skip();
    truth_panel t = recount();
    double seg[8 * CRVM_VS_COLUMNS], truth_rv[8] = {0}, truth_var[8] = {0}, truth_kept[8] = {0};
    assert_int_equal(crvm_value_segments(V, seg, (G + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    for (size_t i = 0; i < N; i++) {
        const double *r = CUST + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0)
            continue;
        int n = (int)r[CRVM_VC_TENURE];
        vs_figures f;
        at_truth(&t, i, n + 1, t.z + 7 * (t.first[i] + (size_t)n), &f);
        double m = r[CRVM_VC_CONTRIBUTION] * 100;
        size_t g = (size_t)r[CRVM_VC_SEGMENT];
        for (size_t at = 0; at < 2; at++) {
            size_t row = at ? G : g;
            truth_rv[row] += (double)llround(m * f.derl);
            truth_var[row] += (double)llround(m * f.at_risk);
            truth_kept[row] += f.survival;
        }
    }
    for (size_t g = 0; g <= G; g++) {
        const double *row = seg + g * CRVM_VS_COLUMNS;
        print_message("%-12s residual value %14.2f [%14.2f, %14.2f] truth %14.2f; at risk %12.2f "
                      "[%12.2f, %12.2f] truth %12.2f; retained %8.1f [%8.1f, %8.1f] truth %8.1f\n",
                      g < G ? crvm_ledger_id(B.ledger, CRVM_SEGMENTS, g) : "all",
                      row[CRVM_VS_RESIDUAL_VALUE], row[CRVM_VS_RESIDUAL_VALUE_LOWER],
                      row[CRVM_VS_RESIDUAL_VALUE_UPPER], truth_rv[g] / 100, row[CRVM_VS_VALUE_AT_RISK],
                      row[CRVM_VS_VALUE_AT_RISK_LOWER], row[CRVM_VS_VALUE_AT_RISK_UPPER], truth_var[g] / 100,
                      row[CRVM_VS_EXPECTED_RETAINED], row[CRVM_VS_EXPECTED_RETAINED_LOWER],
                      row[CRVM_VS_EXPECTED_RETAINED_UPPER], truth_kept[g]);
        assert_true(row[CRVM_VS_RESIDUAL_VALUE_LOWER] <= truth_rv[g] / 100 &&
                    truth_rv[g] / 100 <= row[CRVM_VS_RESIDUAL_VALUE_UPPER]);
        assert_true(row[CRVM_VS_VALUE_AT_RISK_LOWER] <= truth_var[g] / 100 &&
                    truth_var[g] / 100 <= row[CRVM_VS_VALUE_AT_RISK_UPPER]);
        assert_true(row[CRVM_VS_EXPECTED_RETAINED_LOWER] <= truth_kept[g] &&
                    truth_kept[g] <= row[CRVM_VS_EXPECTED_RETAINED_UPPER]);
    }
    /* Segment profitability: the ranking by residual value per active customer is the truth's. */
    for (size_t a = 0; a < G; a++)
        for (size_t b = 0; b < G; b++) {
            double fa = seg[a * CRVM_VS_COLUMNS + CRVM_VS_RESIDUAL_VALUE] / seg[a * CRVM_VS_COLUMNS + CRVM_VS_CUSTOMERS];
            double fb = seg[b * CRVM_VS_COLUMNS + CRVM_VS_RESIDUAL_VALUE] / seg[b * CRVM_VS_COLUMNS + CRVM_VS_CUSTOMERS];
            double ta = truth_rv[a] / seg[a * CRVM_VS_COLUMNS + CRVM_VS_CUSTOMERS];
            double tb = truth_rv[b] / seg[b * CRVM_VS_COLUMNS + CRVM_VS_CUSTOMERS];
            assert_int_equal(fa < fb, ta < tb);
        }
    free_recount(&t);
}

static void support_effects_cover_the_truth(void **state)
{
    (void)state;
    double fx[7 * CRVM_EFFECT_COLUMNS];
    assert_int_equal(crvm_value_covariate_effects(V, fx, P * CRVM_EFFECT_COLUMNS), CRVM_OK);
    for (size_t j = 0; j < P; j++) {
        const double *e = fx + j * CRVM_EFFECT_COLUMNS;
        double hr = exp(TP[2 * G + 1 + j]);
        print_message("%-14s hazard ratio %.3f [%.3f, %.3f], truth %.3f\n", CANDIDATES[CAND[j]],
                      e[CRVM_EFFECT_HAZARD_RATIO], e[CRVM_EFFECT_LOWER], e[CRVM_EFFECT_UPPER], hr);
        /* 95% intervals: with seven of them, one miss in twenty fits is expected;
         * the silence effects are the point of this check. */
        if (CAND[j] >= 5)
            assert_true(e[CRVM_EFFECT_LOWER] <= hr && hr <= e[CRVM_EFFECT_UPPER]);
        /* Every effect within 3 standard errors. */
        assert_true(fabs(e[CRVM_EFFECT_COEFFICIENT] - TP[2 * G + 1 + j]) <= 3 * e[CRVM_EFFECT_STANDARD_ERROR]);
    }
}

/* The value the refusals of the last quarter cost, at the fitted and the true
 * parameters, and where it is concentrated. */
static void refusal_loss_covers_the_truth(void **state)
{
    (void)state;
    if (vs_under_valgrind())
        skip();
    truth_panel t = recount();
    crvm_date from;
    assert_int_equal(crvm_date_add_periods(AS_OF + 1, CRVM_PERIOD_MONTH, -3, &from), CRVM_OK);
    size_t nk = B.nk;
    int32_t *group = calloc(nk, sizeof *group), *queue = calloc(nk, sizeof *queue);
    assert_int_equal(crvm_sim_data_contact_attributes(B.sim, NULL, 0, queue, nk, NULL, 0, NULL, 0), CRVM_OK);
    /* Groups: the quarter's refusals by queue (the simulator's codes are the groups). */
    for (size_t k = 0; k < nk; k++)
        group[k] = B.k_outcome[k] == CRVM_OUTCOME_REFUSED && B.k_opened[k] >= from && B.k_opened[k] <= AS_OF
                       ? queue[k] : -1;
    double by[CRVM_SIM_QUEUES * CRVM_IMPACT_COLUMNS];
    assert_int_equal(crvm_value_impact_by(V, CRVM_OUTCOME_RESOLVED, group, nk, CRVM_SIM_QUEUES, by,
                                          CRVM_SIM_QUEUES * CRVM_IMPACT_COLUMNS),
                     CRVM_OK);
    /* The truth of each refusal: m (DERL_s(z_s) - DERL_s(z_s with it resolved)) at the truth. */
    double truth[CRVM_SIM_QUEUES] = {0};
    for (size_t k = 0; k < nk; k++) {
        if (group[k] < 0)
            continue;
        size_t i = (size_t)B.k_customer[k];
        int months;
        assert_int_equal(crvm_date_whole_periods(B.start[i], B.k_opened[k], CRVM_PERIOD_MONTH, &months), CRVM_OK);
        int s = months + 1;
        if ((size_t)s > t.first[i + 1] - t.first[i])
            continue; /* after a churned customer's last period */
        const double *za = t.z + 7 * (t.first[i] + (size_t)(s - 1));
        double zb[7];
        memcpy(zb, za, sizeof zb);
        zb[CRVM_OUTCOME_REFUSED] -= 1;
        vs_figures a, b;
        at_truth(&t, i, s, za, &a);
        at_truth(&t, i, s, zb, &b);
        truth[group[k]] += (double)llround(CUST[i * CRVM_VC_COLUMNS + CRVM_VC_CONTRIBUTION] * 100 * (a.derl - b.derl));
    }
    double total = 0, total_truth = 0;
    int worst = 0;
    for (int q = 0; q < CRVM_SIM_QUEUES; q++) {
        const double *row = by + q * CRVM_IMPACT_COLUMNS;
        print_message("refusals in %-13s %4.0f contacts: %12.2f [%12.2f, %12.2f], truth %12.2f\n",
                      crvm_sim_attribute_value(CRVM_SIM_QUEUE, q), row[CRVM_IMPACT_CONTACTS],
                      row[CRVM_IMPACT_VALUE], row[CRVM_IMPACT_LOWER], row[CRVM_IMPACT_UPPER], truth[q] / 100);
        assert_true(row[CRVM_IMPACT_LOWER] <= truth[q] / 100 && truth[q] / 100 <= row[CRVM_IMPACT_UPPER]);
        total += row[CRVM_IMPACT_VALUE];
        total_truth += truth[q] / 100;
        if (row[CRVM_IMPACT_VALUE] < by[worst * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_VALUE])
            worst = q;
    }
    /* Concentrated where the simulator refuses most: the integrations queue (code 2). */
    assert_int_equal(worst, 2);
    assert_true(total < 0 && total_truth < 0);
    free(group);
    free(queue);
    free_recount(&t);
}

/* The knowledge saving per reuse that the economics estimate from the data,
 * against the simulator's truth, and the ROI it implies. */
static void knowledge_roi_recovers_the_true_saving(void **state)
{
    (void)state;
    crvm_knowledge_estimate est;
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(B.ledger, &st), CRVM_OK);
    double *kv = calloc(st.articles * CRVM_KV_COLUMNS, sizeof *kv), base_est[CRVM_KV_COLUMNS], base_true[CRVM_KV_COLUMNS];
    assert_int_equal(crvm_knowledge_value(B.ledger, NULL, AS_OF, kv, st.articles * CRVM_KV_COLUMNS, &est), CRVM_OK);
    /* The estimator's standard error: a weighted mean of cell differences of
     * lognormal handle times (log-sd 0.6, so sd ~ 0.66 x mean); its variance is
     * at most sd^2 (1/linked + 1/unlinked) per cell, weights summing to 1. */
    double mean = TRUTH.minutes_saved / O.article_saving, sd = 0.66 * mean * 1.3; /* 1.3: escalations double some */
    double se = sd * sqrt(1.0 / (double)est.linked_contacts + 1.0 / (double)est.unlinked_contacts) *
                sqrt((double)est.cells_used);
    print_message("minutes saved per reuse: estimated %.3f (se <= %.3f), truth %.3f\n", est.minutes_saved,
                  se, TRUTH.minutes_saved);
    assert_true(fabs(est.minutes_saved - TRUTH.minutes_saved) <= 3 * se);
    /* ROI with the estimate and with the true saving: the labour saving is
     * linear in minutes saved, so they differ by that share only. */
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    assert_int_equal(crvm_knowledge_base_value(B.ledger, &m, AS_OF, base_est, CRVM_KV_COLUMNS), CRVM_OK);
    m.minutes_saved = TRUTH.minutes_saved;
    assert_int_equal(crvm_knowledge_base_value(B.ledger, &m, AS_OF, base_true, CRVM_KV_COLUMNS), CRVM_OK);
    double dlabour = base_true[CRVM_KV_LABOUR_SAVING] * (3 * se / TRUTH.minutes_saved);
    print_message("knowledge ROI: estimated %.4f, with the true saving %.4f (bound %.4f)\n",
                  base_est[CRVM_KV_ROI], base_true[CRVM_KV_ROI], dlabour / base_true[CRVM_KV_COST]);
    assert_true(fabs(base_est[CRVM_KV_ROI] - base_true[CRVM_KV_ROI]) <= dlabour / base_true[CRVM_KV_COST] + 1e-9);
    assert_true(base_true[CRVM_KV_LABOUR_SAVING] > 0); /* a true saving, no longer a slightly negative one */
    free(kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(segment_values_cover_the_truth),
        cmocka_unit_test(support_effects_cover_the_truth),
        cmocka_unit_test(refusal_loss_covers_the_truth),
        cmocka_unit_test(knowledge_roi_recovers_the_true_saving),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
