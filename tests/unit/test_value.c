/* Unit tests of the value layer (crvm/value.h) on a simulated business.
 *
 * The figures are checked against an independent implementation in the test
 * (tests/unit/value_support.c): the retention quantities by direct series in
 * long double at the fitted parameters, with the exposures recomputed from
 * the exported panel and the period in progress recounted from the
 * simulator's rows; the delta-method intervals against finite differences of
 * that implementation; money against exact sums of cents; b = 0 against the
 * plain sBG/BdW predictions (crvm_retention_derl / crvm_retention_survival). */
#include "value_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D test_date

/* One business and one fit shared by the tests (fitting is the slow part). */
static vs_business B;
static crvm_value *V;
static crvm_date AS_OF;
static size_t N, G, K, P; /* customers, segments, parameters, covariates */
static double *PARAMS, *COV, *CUST;
static int CAND[7];        /* candidate column (value_support order) of model covariate j */

static const char *const CANDIDATES[7] = {"contacts", "workaround", "refused", "abandoned",
                                          "escalated", "silent_3_5", "silent_6_plus"};

static int64_t cents(double x) { return llround(x * 100.0); }

static int setup(void **state)
{
    (void)state;
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    o.customers = 2500;
    o.seed = 42;
    B = vs_simulated(&o);
    AS_OF = D(2024, 6, 14);
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    assert_int_equal(crvm_value_fit(B.ledger, NULL, AS_OF, &opt, &V), CRVM_OK);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(V, &info), CRVM_OK);
    N = info.customers;
    G = info.segments;
    P = info.covariates;
    K = 2 * G + 1 + P;
    const crvm_retention_cov *model;
    assert_int_equal(crvm_value_retention_model(V, &model), CRVM_OK);
    PARAMS = calloc(K, sizeof *PARAMS);
    COV = calloc(K * K, sizeof *COV);
    assert_int_equal(crvm_retention_cov_params(model, PARAMS, K), CRVM_OK);
    assert_int_equal(crvm_retention_cov_covariance(model, COV, K * K), CRVM_OK);
    for (size_t j = 0; j < P; j++) {
        CAND[j] = -1;
        for (int c = 0; c < 7; c++)
            if (!strcmp(crvm_value_covariate_name(V, j), CANDIDATES[c]))
                CAND[j] = c;
        assert_true(CAND[j] >= 0);
    }
    CUST = calloc(N * CRVM_VC_COLUMNS, sizeof *CUST);
    assert_int_equal(crvm_value_customers(V, CUST, N * CRVM_VC_COLUMNS), CRVM_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    crvm_value_free(V);
    vs_free(&B);
    free(PARAMS);
    free(COV);
    free(CUST);
    return 0;
}

/* ------------------------------------------------ the independent computation */

/* The panel as exported, and per customer its first row. */
typedef struct panel {
    size_t rows;
    int32_t *row_subject, *row_period;
    double *z;
    size_t *first;
} panel;

static panel get_panel(const crvm_value *v)
{
    panel p;
    size_t subjects, covariates;
    assert_int_equal(crvm_value_panel_size(v, &subjects, &p.rows, &covariates), CRVM_OK);
    p.row_subject = calloc(p.rows + 1, sizeof(int32_t));
    p.row_period = calloc(p.rows + 1, sizeof(int32_t));
    p.z = calloc(p.rows * covariates + 1, sizeof(double));
    p.first = calloc(subjects + 1, sizeof(size_t));
    assert_int_equal(crvm_value_panel(v, NULL, 0, p.row_subject, p.rows, p.row_period, p.rows, NULL, 0,
                                      p.z, p.rows * covariates),
                     CRVM_OK);
    for (size_t r = 0; r < p.rows; r++)
        p.first[p.row_subject[r] + 1] = r + 1;
    for (size_t i = 0; i < subjects; i++)
        if (p.first[i + 1] < p.first[i])
            p.first[i + 1] = p.first[i];
    return p;
}

static void free_panel(panel *p)
{
    free(p->row_subject);
    free(p->row_period);
    free(p->z);
    free(p->first);
}

static double w_of(double c, int s) { return pow(s, c) - pow(s - 1, c); }

/* exp(b'z) of a model covariate row, or of candidate covariates. */
static double mult_model(const double *params, const double *z)
{
    double eta = 0;
    for (size_t j = 0; j < P; j++)
        eta += params[2 * G + 1 + j] * z[j];
    return exp(eta);
}

static double mult_candidates(const double *params, const double *zc)
{
    double eta = 0;
    for (size_t j = 0; j < P; j++)
        eta += params[2 * G + 1 + j] * zc[CAND[j]];
    return exp(eta);
}

/* Lambda over customer i's first n rows. */
static double exposure(const panel *pn, const double *params, size_t i, int n)
{
    double c = params[2 * G], L = 0;
    for (int s = 1; s <= n; s++)
        L += w_of(c, s) * mult_model(params, pn->z + (pn->first[i] + (size_t)(s - 1)) * P);
    return L;
}

/* ln E_g: mean exp(b'z) over segment g's rows renewing in the 12 months to as_of. */
static void future_log_e(const panel *pn, const double *params, double *log_e)
{
    crvm_date w0;
    assert_int_equal(crvm_date_add_periods(AS_OF + 1, CRVM_PERIOD_MONTH, -12, &w0), CRVM_OK);
    double sum[16] = {0}, count[16] = {0};
    for (size_t r = 0; r < pn->rows; r++) {
        size_t i = (size_t)pn->row_subject[r];
        crvm_date renewal;
        assert_int_equal(crvm_date_add_periods(B.start[i], CRVM_PERIOD_MONTH, pn->row_period[r], &renewal), CRVM_OK);
        if (renewal >= w0) {
            sum[B.segment[i]] += mult_model(params, pn->z + r * P);
            count[B.segment[i]] += 1;
        }
    }
    for (size_t g = 0; g < G; g++) {
        assert_true(count[g] > 0);
        log_e[g] = log(sum[g] / count[g]);
    }
}

static double monthly_discount(void) { return pow(1.1, 1.0 / 12.0) - 1.0; } /* the cost model's 10% a year */

/* Reference figures of active customer i at the given parameters. */
static void reference_customer(const panel *pn, const double *params, const double *log_e, size_t i,
                               vs_figures *f)
{
    int n = (int)CUST[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE], touches, quiet;
    double zc[7], c = params[2 * G];
    vs_period_covariates(&B, i, n + 1, AS_OF, CRVM_PERIOD_MONTH, zc, &touches, &quiet);
    double e1 = w_of(c, n + 1) * mult_candidates(params, zc);
    size_t g = (size_t)B.segment[i];
    vs_reference(params[2 * g], params[2 * g + 1] + exposure(pn, params, i, n), c, n, e1,
                 exp(log_e[g]), 12, monthly_discount(), 1200, f);
}

/* ---------------------------------------------------------------- tests */

static void customer_figures_match_a_direct_series(void **state)
{
    (void)state;
    panel pn = get_panel(V);
    double log_e[16];
    future_log_e(&pn, PARAMS, log_e);
    size_t checked = 0;
    for (size_t i = 0; i < N; i += 7) {
        const double *r = CUST + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0)
            continue;
        vs_figures f;
        reference_customer(&pn, PARAMS, log_e, i, &f);
        /* The engine guarantees 1e-10 relative; the reference is long double. */
        assert_close(r[CRVM_VC_RETENTION], f.survival, 1e-9, 0);
        assert_close(r[CRVM_VC_CHURN_NEXT], f.churn_next, 1e-9, 1e-15);
        assert_close(r[CRVM_VC_DERL], f.derl, 1e-9, 0);
        assert_close(r[CRVM_VC_RESIDUAL_LIFETIME], f.lifetime, 1e-9, 0);
        /* Money: m x DERL rounded to the cent (a 1e-9 error moves a cent only at a tie). */
        double m = r[CRVM_VC_CONTRIBUTION] * 100;
        assert_true(llabs(cents(r[CRVM_VC_RESIDUAL_VALUE]) - llround(m * f.derl)) <= 1);
        assert_true(llabs(cents(r[CRVM_VC_VALUE_AT_RISK]) - llround(m * f.at_risk)) <= 1);
        assert_int_equal((int)r[CRVM_VC_SILENCE], vs_silence(&B, i, AS_OF, CRVM_PERIOD_MONTH));
        checked++;
    }
    assert_true(checked > 100);
    free_panel(&pn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(customer_figures_match_a_direct_series),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
