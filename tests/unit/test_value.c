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
    opt.model = CRVM_VALUE_SBG;
    crvm_status st = crvm_value_fit(B.ledger, NULL, AS_OF, &opt, &V);
    if (st)
        fail_msg("crvm_value_fit: %s", crvm_last_error());
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

static void roll_ups_are_exact_sums_of_cents(void **state)
{
    (void)state;
    double *seg = calloc((G + 1) * CRVM_VS_COLUMNS, sizeof *seg);
    assert_int_equal(crvm_value_segments(V, seg, (G + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    int64_t sum[17][4] = {{0}};
    double retained[17] = {0};
    for (size_t i = 0; i < N; i++) {
        const double *r = CUST + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0) {
            assert_true(r[CRVM_VC_RESIDUAL_VALUE] == 0 && r[CRVM_VC_RETENTION] == 0);
            continue;
        }
        size_t g = (size_t)r[CRVM_VC_SEGMENT];
        /* Each money figure is the double nearest a whole number of cents; GM - CTS = contribution. */
        assert_true(r[CRVM_VC_RESIDUAL_VALUE] == (double)cents(r[CRVM_VC_RESIDUAL_VALUE]) / 100.0);
        assert_int_equal(cents(r[CRVM_VC_GROSS_MARGIN]) - cents(r[CRVM_VC_COST_TO_SERVE]),
                         cents(r[CRVM_VC_CONTRIBUTION]));
        assert_true(r[CRVM_VC_RESIDUAL_VALUE_LOWER] <= r[CRVM_VC_RESIDUAL_VALUE] &&
                    r[CRVM_VC_RESIDUAL_VALUE] <= r[CRVM_VC_RESIDUAL_VALUE_UPPER]);
        assert_true(r[CRVM_VC_RETENTION_LOWER] <= r[CRVM_VC_RETENTION] &&
                    r[CRVM_VC_RETENTION] <= r[CRVM_VC_RETENTION_UPPER] && r[CRVM_VC_RETENTION_UPPER] < 1);
        for (size_t row = 0; row < 2; row++) {
            size_t at = row ? G : g;
            sum[at][0] += 1;
            sum[at][1] += cents(r[CRVM_VC_CONTRIBUTION]);
            sum[at][2] += cents(r[CRVM_VC_RESIDUAL_VALUE]);
            sum[at][3] += cents(r[CRVM_VC_VALUE_AT_RISK]);
            retained[at] += r[CRVM_VC_RETENTION];
        }
    }
    int64_t across[3] = {0};
    for (size_t g = 0; g <= G; g++) {
        const double *row = seg + g * CRVM_VS_COLUMNS;
        assert_int_equal((int64_t)row[CRVM_VS_CUSTOMERS], sum[g][0]);
        assert_int_equal(cents(row[CRVM_VS_CONTRIBUTION]), sum[g][1]);
        assert_int_equal(cents(row[CRVM_VS_RESIDUAL_VALUE]), sum[g][2]);
        assert_int_equal(cents(row[CRVM_VS_VALUE_AT_RISK]), sum[g][3]);
        /* A sum of doubles in another order: within rounding. */
        assert_close(row[CRVM_VS_EXPECTED_RETAINED], retained[g], 1e-12, 0);
        assert_true(row[CRVM_VS_RESIDUAL_VALUE_LOWER] < row[CRVM_VS_RESIDUAL_VALUE] &&
                    row[CRVM_VS_RESIDUAL_VALUE] < row[CRVM_VS_RESIDUAL_VALUE_UPPER]);
        if (g < G) {
            across[0] += cents(row[CRVM_VS_RESIDUAL_VALUE]);
            across[1] += cents(row[CRVM_VS_VALUE_AT_RISK]);
            across[2] += cents(row[CRVM_VS_CONTRIBUTION]);
        }
    }
    const double *all = seg + G * CRVM_VS_COLUMNS;
    assert_int_equal(across[0], cents(all[CRVM_VS_RESIDUAL_VALUE]));
    assert_int_equal(across[1], cents(all[CRVM_VS_VALUE_AT_RISK]));
    assert_int_equal(across[2], cents(all[CRVM_VS_CONTRIBUTION]));
    /* The interval of a sum is that of the gradient of the sum: narrower than
     * the sum of the customers' half-widths (their errors share parameters but
     * are not all of one sign), wider than their root sum of squares. */
    double half_sum = 0, rss = 0;
    for (size_t i = 0; i < N; i++) {
        const double *r = CUST + i * CRVM_VC_COLUMNS;
        double h = (r[CRVM_VC_RESIDUAL_VALUE_UPPER] - r[CRVM_VC_RESIDUAL_VALUE_LOWER]) / 2;
        half_sum += h;
        rss += h * h;
    }
    double half = (all[CRVM_VS_RESIDUAL_VALUE_UPPER] - all[CRVM_VS_RESIDUAL_VALUE_LOWER]) / 2;
    assert_true(half <= half_sum + 0.01 && half > sqrt(rss));
    free(seg);
}

/* The interval machinery on its own fit (a steep discount and a short
 * lifetime cap keep the reference series short): each interval is
 * z sqrt(g' Sigma g) with g the gradient of the figure -- or of the sum --
 * in the parameters, here by central differences of the reference. */
typedef struct fd_case {
    const panel *pn;
    const double *cust; /* customers x columns of that fit */
    size_t n;
    int segment;        /* sum over this segment's active customers; -1: customer `one` */
    size_t one;
    int quantity;       /* 0 residual value, 1 retention probability */
} fd_case;

static double fd_figure(const fd_case *c, const double *params, double d)
{
    double log_e[16], total = 0;
    future_log_e(c->pn, params, log_e);
    for (size_t i = 0; i < c->n; i++) {
        const double *r = c->cust + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0 || (c->segment >= 0 ? (int)r[CRVM_VC_SEGMENT] != c->segment : i != c->one))
            continue;
        int n = (int)r[CRVM_VC_TENURE], touches, quiet;
        double zc[7], cc = params[2 * G];
        vs_period_covariates(&B, i, n + 1, AS_OF, CRVM_PERIOD_MONTH, zc, &touches, &quiet);
        size_t g = (size_t)B.segment[i];
        vs_figures f;
        vs_reference(params[2 * g], params[2 * g + 1] + exposure(c->pn, params, i, n), cc, n,
                     w_of(cc, n + 1) * mult_candidates(params, zc), exp(log_e[g]), 12, d, 60, &f);
        total += c->quantity == 0 ? r[CRVM_VC_CONTRIBUTION] * 100 * f.derl : f.survival;
    }
    return total;
}

static double fd_se(const fd_case *c, const double *params, const double *cov, double d)
{
    double grad[32], x[32];
    memcpy(x, params, K * sizeof *x);
    for (size_t j = 0; j < K; j++) {
        grad[j] = 0;
        if (cov[j * K + j] == 0)
            continue; /* a fixed parameter (the sBG's c) */
        double h = 1e-5 * fmax(fabs(params[j]), 1e-2);
        x[j] = params[j] + h;
        double up = fd_figure(c, x, d);
        x[j] = params[j] - h;
        double down = fd_figure(c, x, d);
        x[j] = params[j];
        grad[j] = (up - down) / (2 * h);
    }
    double var = 0;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++)
            var += grad[a] * cov[a * K + b] * grad[b];
    return sqrt(var);
}

static void intervals_follow_the_delta_method(void **state)
{
    (void)state;
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    opt.model = CRVM_VALUE_SBG;
    opt.discount_rate = 0.6;
    opt.lifetime_cap = 60;
    crvm_value *v;
    assert_int_equal(crvm_value_fit(B.ledger, NULL, AS_OF, &opt, &v), CRVM_OK);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
    assert_int_equal(info.covariates, P); /* same panel, same covariates as the shared fit */
    const crvm_retention_cov *model;
    assert_int_equal(crvm_value_retention_model(v, &model), CRVM_OK);
    double *params = calloc(K, sizeof *params), *cov = calloc(K * K, sizeof *cov);
    double *cust = calloc(N * CRVM_VC_COLUMNS, sizeof *cust), *seg = calloc((G + 1) * CRVM_VS_COLUMNS, sizeof *seg);
    assert_int_equal(crvm_retention_cov_params(model, params, K), CRVM_OK);
    assert_int_equal(crvm_retention_cov_covariance(model, cov, K * K), CRVM_OK);
    assert_int_equal(crvm_value_customers(v, cust, N * CRVM_VC_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_value_segments(v, seg, (G + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    panel pn = get_panel(v);
    const double d = pow(1.6, 1.0 / 12) - 1, z = 1.959963984540054;
    /* The smallest segment's sum, and three of its customers. */
    int smallest = 0;
    for (size_t g = 1; g < G; g++)
        if (seg[g * CRVM_VS_COLUMNS + CRVM_VS_CUSTOMERS] < seg[(size_t)smallest * CRVM_VS_COLUMNS + CRVM_VS_CUSTOMERS])
            smallest = (int)g;
    fd_case c = {&pn, cust, N, smallest, 0, 0};
    const double *row = seg + (size_t)smallest * CRVM_VS_COLUMNS;
    double half = (row[CRVM_VS_RESIDUAL_VALUE_UPPER] - row[CRVM_VS_RESIDUAL_VALUE_LOWER]) / 2 * 100;
    /* Finite differences in long double are good to ~1e-7 here; the bounds are rounded to cents. */
    assert_close(half, z * fd_se(&c, params, cov, d), 1e-4, 1.0);
    c.quantity = 1;
    half = (row[CRVM_VS_EXPECTED_RETAINED_UPPER] - row[CRVM_VS_EXPECTED_RETAINED_LOWER]) / 2;
    assert_close(half, z * fd_se(&c, params, cov, d), 1e-4, 1e-9);
    c.segment = -1;
    int shown = 0;
    for (size_t i = 0; i < N && shown < 3; i++) {
        const double *r = cust + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0 || (int)r[CRVM_VC_SEGMENT] != smallest || r[CRVM_VC_CONTRIBUTION] < 10)
            continue;
        c.one = i;
        c.quantity = 0;
        double rv_half = (r[CRVM_VC_RESIDUAL_VALUE_UPPER] - r[CRVM_VC_RESIDUAL_VALUE_LOWER]) / 2 * 100;
        assert_close(rv_half, z * fd_se(&c, params, cov, d), 1e-4, 1.0);
        /* Retention: symmetric on the logit scale, se(logit) = se(p) / (p (1 - p)). */
        c.quantity = 1;
        double p = r[CRVM_VC_RETENTION], lo = r[CRVM_VC_RETENTION_LOWER], hi = r[CRVM_VC_RETENTION_UPPER];
        double logit_half = (log(hi / (1 - hi)) - log(lo / (1 - lo))) / 2;
        assert_close(logit_half, z * fd_se(&c, params, cov, d) / (p * (1 - p)), 1e-4, 0);
        assert_close((log(hi / (1 - hi)) + log(lo / (1 - lo))) / 2, log(p / (1 - p)), 1e-9, 1e-12);
        shown++;
    }
    assert_int_equal(shown, 3);
    free_panel(&pn);
    free(params);
    free(cov);
    free(cust);
    free(seg);
    crvm_value_free(v);
}

static void without_covariates_the_figures_are_the_plain_model(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        crvm_value_options opt;
        crvm_value_options_init(&opt);
        opt.model = kind ? CRVM_VALUE_BDW : CRVM_VALUE_SBG;
        opt.covariates = 0;
        crvm_value *v;
        crvm_status st = crvm_value_fit(B.ledger, NULL, AS_OF, &opt, &v);
        if (kind && st == CRVM_EDOMAIN) /* the BdW may have no finite maximum on these data */
            continue;
        assert_int_equal(st, CRVM_OK);
        double *cust = calloc(N * CRVM_VC_COLUMNS, sizeof *cust);
        assert_int_equal(crvm_value_customers(v, cust, N * CRVM_VC_COLUMNS), CRVM_OK);
        const crvm_retention_cov *model;
        assert_int_equal(crvm_value_retention_model(v, &model), CRVM_OK);
        double params[7];
        assert_int_equal(crvm_retention_cov_params(model, params, 2 * G + 1), CRVM_OK);
        assert_status(crvm_value_contact_impacts(v, CRVM_OUTCOME_RESOLVED, NULL, 0), CRVM_ESTATE);
        size_t checked = 0;
        for (size_t i = 0; i < N; i += 3) {
            const double *r = cust + i * CRVM_VC_COLUMNS;
            if (r[CRVM_VC_ACTIVE] == 0)
                continue;
            size_t g = (size_t)r[CRVM_VC_SEGMENT];
            crvm_retention_params rp = {params[2 * g], params[2 * g + 1], params[2 * G]};
            double n = r[CRVM_VC_TENURE], t[2] = {n, n + 12}, surv[2], derl;
            assert_int_equal(crvm_retention_survival(&rp, t, 2, surv, 2), CRVM_OK);
            assert_int_equal(crvm_retention_derl(&rp, monthly_discount(), &n, 1, &derl, 1), CRVM_OK);
            /* The engine with b = 0 equals the plain model to 1e-12 (its contract). */
            assert_close(r[CRVM_VC_DERL], derl, 1e-12, 0);
            assert_close(r[CRVM_VC_RETENTION], surv[1] / surv[0], 1e-12, 0);
            assert_true(r[CRVM_VC_RISK_MULTIPLIER] == 1);
            checked++;
        }
        assert_true(checked > 200);
        free(cust);
        crvm_value_free(v);
    }
}

/* Reference impact of contact k against `reference`, in cents. */
static double reference_impact(const panel *pn, const double *log_e, size_t k, int reference)
{
    size_t i = (size_t)B.k_customer[k];
    const double *r = CUST + i * CRVM_VC_COLUMNS;
    int months;
    assert_int_equal(crvm_date_whole_periods(B.start[i], B.k_opened[k], CRVM_PERIOD_MONTH, &months), CRVM_OK);
    int s = months + 1, touches, quiet, outcome = B.k_outcome[k];
    double za[7], zb[7], c = PARAMS[2 * G];
    vs_period_covariates(&B, i, s, AS_OF, CRVM_PERIOD_MONTH, za, &touches, &quiet);
    memcpy(zb, za, sizeof zb);
    if (outcome != CRVM_OUTCOME_RESOLVED)
        zb[outcome] -= 1;
    if (reference == CRVM_VALUE_NO_CONTACT) {
        zb[0] -= 1;
        zb[4] -= B.k_escalated[k];
        if (touches == 1) {
            zb[5] = quiet == 1;
            zb[6] = quiet == 2;
        }
    } else if (reference != CRVM_OUTCOME_RESOLVED) {
        zb[reference] += 1;
    }
    size_t g = (size_t)B.segment[i];
    double x = PARAMS[2 * g + 1] + exposure(pn, PARAMS, i, s - 1);
    vs_figures a, b;
    vs_reference(PARAMS[2 * g], x, c, s - 1, w_of(c, s) * mult_candidates(PARAMS, za), exp(log_e[g]), 12,
                 monthly_discount(), 1200, &a);
    vs_reference(PARAMS[2 * g], x, c, s - 1, w_of(c, s) * mult_candidates(PARAMS, zb), exp(log_e[g]), 12,
                 monthly_discount(), 1200, &b);
    return r[CRVM_VC_CONTRIBUTION] * 100 * (a.derl - b.derl);
}

static void contact_impacts_match_a_direct_series(void **state)
{
    (void)state;
    panel pn = get_panel(V);
    double log_e[16];
    future_log_e(&pn, PARAMS, log_e);
    size_t nk = B.nk, checked[2] = {0};
    double *impact = calloc(nk, sizeof *impact), *none = calloc(nk, sizeof *none);
    assert_int_equal(crvm_value_contact_impacts(V, CRVM_OUTCOME_RESOLVED, impact, nk), CRVM_OK);
    assert_int_equal(crvm_value_contact_impacts(V, CRVM_VALUE_NO_CONTACT, none, nk), CRVM_OK);
    for (size_t k = 0; k < nk; k++) {
        size_t i = (size_t)B.k_customer[k];
        if (B.k_opened[k] > AS_OF) {
            assert_true(impact[k] == 0 && none[k] == 0);
            continue;
        }
        if (B.k_outcome[k] == CRVM_OUTCOME_RESOLVED)
            assert_true(impact[k] == 0);
        /* A sample of both kinds, churned customers' contacts included. */
        if (k % 37 == 0 && checked[0] < 25 && B.k_outcome[k] != CRVM_OUTCOME_RESOLVED) {
            assert_true(llabs(cents(impact[k]) - llround(reference_impact(&pn, log_e, k, CRVM_OUTCOME_RESOLVED))) <= 1);
            checked[0]++;
        }
        if (k % 41 == 0 && checked[1] < 25) {
            assert_true(llabs(cents(none[k]) - llround(reference_impact(&pn, log_e, k, CRVM_VALUE_NO_CONTACT))) <= 1);
            checked[1]++;
        }
        (void)i;
    }
    assert_true(checked[0] >= 10 && checked[1] >= 20);
    /* Grouped by outcome: the exact sums of the contacts' cents, and counts by outcome. */
    int32_t *group = calloc(nk, sizeof *group);
    size_t groups;
    assert_int_equal(crvm_value_contact_groups(V, CRVM_FIELD_OUTCOME, NULL, group, nk, &groups), CRVM_OK);
    assert_int_equal(groups, 4);
    double by[4 * CRVM_IMPACT_COLUMNS];
    assert_int_equal(crvm_value_impact_by(V, CRVM_OUTCOME_RESOLVED, group, nk, 4, by, 4 * CRVM_IMPACT_COLUMNS), CRVM_OK);
    int64_t sum[4] = {0}, count[4] = {0};
    for (size_t k = 0; k < nk; k++)
        if (B.k_opened[k] <= AS_OF) {
            assert_int_equal(group[k], B.k_outcome[k]);
            sum[B.k_outcome[k]] += cents(impact[k]);
            count[B.k_outcome[k]]++;
        } else {
            assert_int_equal(group[k], -1);
        }
    for (int g = 0; g < 4; g++) {
        const double *row = by + g * CRVM_IMPACT_COLUMNS;
        assert_int_equal((int64_t)row[CRVM_IMPACT_CONTACTS], count[g]);
        assert_int_equal(cents(row[CRVM_IMPACT_VALUE]), sum[g]);
        assert_true(row[CRVM_IMPACT_LOWER] <= row[CRVM_IMPACT_VALUE] && row[CRVM_IMPACT_VALUE] <= row[CRVM_IMPACT_UPPER]);
    }
    char label[32];
    assert_int_equal(crvm_value_group_label(V, CRVM_FIELD_OUTCOME, NULL, 2, label, sizeof label), CRVM_OK);
    assert_string_equal(label, "refused");
    /* The refusals lose value: the simulator makes them triple the churn hazard. */
    assert_true(by[2 * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_UPPER] < 0);
    free(impact);
    free(none);
    free(group);
    free_panel(&pn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(customer_figures_match_a_direct_series),
        cmocka_unit_test(roll_ups_are_exact_sums_of_cents),
        cmocka_unit_test(intervals_follow_the_delta_method),
        cmocka_unit_test(without_covariates_the_figures_are_the_plain_model),
        cmocka_unit_test(contact_impacts_match_a_direct_series),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
