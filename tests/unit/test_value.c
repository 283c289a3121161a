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
#include "ledger/ledger_internal.h"
#include "value/query_memo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D test_date

/* A business, a fit of it, and what the checks need of the fit. */
typedef struct fitted {
    vs_business b;
    crvm_value *v;
    crvm_date as_of;
    double discount; /* per month */
    int cap;
    size_t n, g, k, p; /* customers, segments, parameters, covariates */
    double *params, *cov, *cust;
    int cand[7]; /* candidate column (value_support order) of model covariate j */
} fitted;

static const char *const CANDIDATES[7] = {"contacts", "workaround", "refused", "abandoned",
                                          "escalated", "silent_3_5", "silent_6_plus"};

static int64_t cents(double x) { return llround(x * 100.0); }

/* Fit f->b (already set) as of as_of. */
static void fit(fitted *f, crvm_date as_of, const crvm_value_options *opt)
{
    f->as_of = as_of;
    crvm_status st = crvm_value_fit(f->b.ledger, NULL, as_of, opt, &f->v);
    if (st)
        fail_msg("crvm_value_fit: %s", crvm_last_error());
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(f->v, &info), CRVM_OK);
    f->discount = info.discount_rate;
    f->cap = opt->lifetime_cap;
    f->n = info.customers;
    f->g = info.segments;
    f->p = info.covariates;
    f->k = 2 * f->g + 1 + f->p;
    const crvm_retention_cov *model;
    assert_int_equal(crvm_value_retention_model(f->v, &model), CRVM_OK);
    f->params = calloc(f->k, sizeof *f->params);
    f->cov = calloc(f->k * f->k, sizeof *f->cov);
    assert_int_equal(crvm_retention_cov_params(model, f->params, f->k), CRVM_OK);
    assert_int_equal(crvm_retention_cov_covariance(model, f->cov, f->k * f->k), CRVM_OK);
    for (size_t j = 0; j < f->p; j++) {
        f->cand[j] = -1;
        for (int c = 0; c < 7; c++)
            if (!strcmp(crvm_value_covariate_name(f->v, j), CANDIDATES[c]))
                f->cand[j] = c;
        assert_true(f->cand[j] >= 0);
    }
    f->cust = calloc(f->n * CRVM_VC_COLUMNS, sizeof *f->cust);
    assert_int_equal(crvm_value_customers(f->v, f->cust, f->n * CRVM_VC_COLUMNS), CRVM_OK);
}

static void fit_business(fitted *f, const crvm_sim_options *o, crvm_date as_of,
                         const crvm_value_options *opt)
{
    memset(f, 0, sizeof *f);
    f->b = vs_simulated(o);
    fit(f, as_of, opt);
}

/* Another fit of the business of `of`, which keeps owning it. */
static void refit(fitted *f, const fitted *of, const crvm_value_options *opt)
{
    memset(f, 0, sizeof *f);
    f->b = of->b;
    fit(f, of->as_of, opt);
}

static void free_fit(fitted *f)
{
    crvm_value_free(f->v);
    free(f->params);
    free(f->cov);
    free(f->cust);
}

static void free_fitted(fitted *f)
{
    free_fit(f);
    vs_free(&f->b);
}

/* The shared business: the simulator's defaults (churn from the value model's
 * retention model, every support effect), 2500 customers, valued by the
 * default BdW with covariates. */
static fitted F;

static int setup(void **state)
{
    (void)state;
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    o.customers = 2500;
    o.seed = 42;
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    fit_business(&F, &o, D(2024, 6, 14), &opt);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_fitted(&F);
    return 0;
}

/* ------------------------------------------------ the independent computation */

/* The panel as exported, and per customer its first row. */
typedef struct panel {
    const fitted *f;
    size_t rows;
    int32_t *row_subject, *row_period;
    double *z;
    size_t *first;
    uint8_t *recent; /* the row's renewal falls in the 12 months to as_of */
} panel;

static panel get_panel(const fitted *f)
{
    panel p;
    p.f = f;
    size_t subjects, covariates;
    assert_int_equal(crvm_value_panel_size(f->v, &subjects, &p.rows, &covariates), CRVM_OK);
    assert_int_equal(covariates, f->p);
    p.row_subject = calloc(p.rows + 1, sizeof(int32_t));
    p.row_period = calloc(p.rows + 1, sizeof(int32_t));
    p.z = calloc(p.rows * covariates + 1, sizeof(double));
    p.first = calloc(subjects + 1, sizeof(size_t));
    assert_int_equal(crvm_value_panel(f->v, NULL, 0, p.row_subject, p.rows, p.row_period, p.rows, NULL, 0,
                                      p.z, p.rows * covariates),
                     CRVM_OK);
    for (size_t r = 0; r < p.rows; r++)
        p.first[p.row_subject[r] + 1] = r + 1;
    for (size_t i = 0; i < subjects; i++)
        if (p.first[i + 1] < p.first[i])
            p.first[i + 1] = p.first[i];
    crvm_date w0;
    assert_int_equal(crvm_date_add_periods(f->as_of + 1, CRVM_PERIOD_MONTH, -12, &w0), CRVM_OK);
    p.recent = calloc(p.rows + 1, 1);
    for (size_t r = 0; r < p.rows; r++) {
        crvm_date renewal;
        assert_int_equal(crvm_date_add_periods(f->b.start[p.row_subject[r]], CRVM_PERIOD_MONTH,
                                               p.row_period[r], &renewal),
                         CRVM_OK);
        p.recent[r] = renewal >= w0;
    }
    return p;
}

static void free_panel(panel *p)
{
    free(p->row_subject);
    free(p->row_period);
    free(p->z);
    free(p->first);
    free(p->recent);
}

static double w_of(double c, int s) { return pow(s, c) - pow(s - 1, c); }

/* exp(b'z) of a model covariate row, or of candidate covariates. */
static double mult_model(const fitted *f, const double *params, const double *z)
{
    double eta = 0;
    for (size_t j = 0; j < f->p; j++)
        eta += params[2 * f->g + 1 + j] * z[j];
    return exp(eta);
}

static double mult_candidates(const fitted *f, const double *params, const double *zc)
{
    double eta = 0;
    for (size_t j = 0; j < f->p; j++)
        eta += params[2 * f->g + 1 + j] * zc[f->cand[j]];
    return exp(eta);
}

/* Lambda over customer i's first n rows. */
static double exposure(const panel *pn, const double *params, size_t i, int n)
{
    const fitted *f = pn->f;
    double c = params[2 * f->g], L = 0;
    for (int s = 1; s <= n; s++)
        L += w_of(c, s) * mult_model(f, params, pn->z + (pn->first[i] + (size_t)(s - 1)) * f->p);
    return L;
}

/* ln E_g: mean exp(b'z) over segment g's rows renewing in the 12 months to as_of. */
static void future_log_e(const panel *pn, const double *params, double *log_e)
{
    const fitted *f = pn->f;
    double sum[16] = {0}, count[16] = {0};
    for (size_t r = 0; r < pn->rows; r++) {
        size_t g = (size_t)f->b.segment[pn->row_subject[r]];
        if (pn->recent[r]) {
            sum[g] += mult_model(f, params, pn->z + r * f->p);
            count[g] += 1;
        }
    }
    for (size_t g = 0; g < f->g; g++) {
        assert_true(count[g] > 0);
        log_e[g] = log(sum[g] / count[g]);
    }
}

/* Reference figures of active customer i at the given parameters, the period
 * in progress having candidate covariates zc. */
static void reference_customer(const panel *pn, const double *params, const double *log_e, size_t i,
                               const double *zc, vs_figures *out)
{
    const fitted *f = pn->f;
    int n = (int)f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE];
    double c = params[2 * f->g];
    size_t g = (size_t)f->b.segment[i];
    vs_reference(params[2 * g], params[2 * g + 1] + exposure(pn, params, i, n), c, n,
                 w_of(c, n + 1) * mult_candidates(f, params, zc), exp(log_e[g]), 12, f->discount,
                 f->cap, out);
}

/* The candidate covariates of customer i's period in progress, recounted. */
static void current_period(const fitted *f, size_t i, double *zc)
{
    int touches, quiet;
    vs_period_covariates(&f->b, i, (int)f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE] + 1, f->as_of,
                         CRVM_PERIOD_MONTH, zc, &touches, &quiet);
}

/* ---------------------------------------------------------------- tests */

static void customer_figures_match_a_direct_series(void **state)
{
    (void)state;
    const fitted *f = &F;
    panel pn = get_panel(f);
    double log_e[16];
    future_log_e(&pn, f->params, log_e);
    size_t checked = 0;
    const size_t step = vs_step(7, 10);
    for (size_t i = 0; i < f->n; i += step) {
        const double *r = f->cust + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0)
            continue;
        double zc[7];
        current_period(f, i, zc);
        vs_figures x;
        reference_customer(&pn, f->params, log_e, i, zc, &x);
        /* The engine guarantees 1e-10 relative; the reference is long double. */
        assert_close(r[CRVM_VC_RETENTION], x.survival, 1e-9, 0);
        assert_close(r[CRVM_VC_CHURN_NEXT], x.churn_next, 1e-9, 1e-15);
        assert_close(r[CRVM_VC_DERL], x.derl, 1e-9, 0);
        assert_close(r[CRVM_VC_RESIDUAL_LIFETIME], x.lifetime, 1e-9, 0);
        /* Money: m x DERL rounded to the cent (a 1e-9 error moves a cent only at a tie). */
        double m = r[CRVM_VC_CONTRIBUTION] * 100;
        assert_true(llabs(cents(r[CRVM_VC_RESIDUAL_VALUE]) - llround(m * x.derl)) <= 1);
        assert_true(llabs(cents(r[CRVM_VC_VALUE_AT_RISK]) - llround(m * x.at_risk)) <= 1);
        assert_int_equal((int)r[CRVM_VC_SILENCE], vs_silence(&f->b, i, f->as_of, CRVM_PERIOD_MONTH));
        assert_close(r[CRVM_VC_RISK_MULTIPLIER], mult_candidates(f, f->params, zc), 1e-12, 0);
        checked++;
    }
    assert_true(checked > 50 / (step / 7));
    free_panel(&pn);
}

static void roll_ups_are_exact_sums_of_cents(void **state)
{
    (void)state;
    const fitted *f = &F;
    const size_t G = f->g;
    double *seg = calloc((G + 1) * CRVM_VS_COLUMNS, sizeof *seg);
    assert_int_equal(crvm_value_segments(f->v, seg, (G + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    int64_t sum[17][4] = {{0}};
    double retained[17] = {0};
    for (size_t i = 0; i < f->n; i++) {
        const double *r = f->cust + i * CRVM_VC_COLUMNS;
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
    for (size_t i = 0; i < f->n; i++) {
        const double *r = f->cust + i * CRVM_VC_COLUMNS;
        double h = (r[CRVM_VC_RESIDUAL_VALUE_UPPER] - r[CRVM_VC_RESIDUAL_VALUE_LOWER]) / 2;
        half_sum += h;
        rss += h * h;
    }
    double half = (all[CRVM_VS_RESIDUAL_VALUE_UPPER] - all[CRVM_VS_RESIDUAL_VALUE_LOWER]) / 2;
    assert_true(half <= half_sum + 0.01 && half > sqrt(rss));
    free(seg);
}

/* The interval machinery on its own business and fit (a small segment, a
 * steep discount and a short lifetime cap keep the reference short): each
 * interval is z sqrt(g' Sigma g) with g the gradient of the figure -- or of
 * the sum -- in the parameters, here by central differences of the reference. */
typedef struct fd_case {
    const panel *pn;
    int segment;  /* sum over this segment's active customers; -1: customer `one` */
    size_t one;
    int quantity; /* 0 residual value (cents), 1 retention probability */
    double *zcur; /* customers x 7: candidate covariates of the period in progress */
} fd_case;

static double fd_figure(const fd_case *c, const double *params)
{
    const fitted *f = c->pn->f;
    double log_e[16], total = 0;
    future_log_e(c->pn, params, log_e);
    for (size_t i = 0; i < f->n; i++) {
        const double *r = f->cust + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0 || (c->segment >= 0 ? (int)r[CRVM_VC_SEGMENT] != c->segment : i != c->one))
            continue;
        vs_figures x;
        reference_customer(c->pn, params, log_e, i, c->zcur + 7 * i, &x);
        total += c->quantity == 0 ? r[CRVM_VC_CONTRIBUTION] * 100 * x.derl : x.survival;
    }
    return total;
}

static double fd_se(const fd_case *c)
{
    const fitted *f = c->pn->f;
    const size_t K = f->k;
    double grad[32], x[32];
    memcpy(x, f->params, K * sizeof *x);
    for (size_t j = 0; j < K; j++) {
        grad[j] = 0;
        if (f->cov[j * K + j] == 0)
            continue; /* a fixed parameter (the sBG's c) */
        double h = 1e-5 * fmax(fabs(f->params[j]), 1e-2);
        x[j] = f->params[j] + h;
        double up = fd_figure(c, x);
        x[j] = f->params[j] - h;
        double down = fd_figure(c, x);
        x[j] = f->params[j];
        grad[j] = (up - down) / (2 * h);
    }
    double var = 0;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++)
            var += grad[a] * f->cov[a * K + b] * grad[b];
    return sqrt(var);
}

static void intervals_follow_the_delta_method(void **state)
{
    (void)state;
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    o.customers = 1200;
    o.seed = 5;
    o.segment_share[0] = 0.62;
    o.segment_share[1] = 0.34;
    o.segment_share[2] = 0.04;
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    opt.discount_rate = 0.6;
    opt.lifetime_cap = 60;
    fitted f;
    fit_business(&f, &o, D(2024, 6, 14), &opt);
    const size_t G = f.g;
    double *seg = calloc((G + 1) * CRVM_VS_COLUMNS, sizeof *seg), *zcur = calloc(7 * f.n, sizeof *zcur);
    assert_int_equal(crvm_value_segments(f.v, seg, (G + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    panel pn = get_panel(&f);
    const double z = 1.959963984540054;
    const int smallest = 2; /* enterprise, 4% of the customers */
    for (size_t i = 0; i < f.n; i++)
        if (f.cust[i * CRVM_VC_COLUMNS + CRVM_VC_ACTIVE] != 0 && f.b.segment[i] == smallest)
            current_period(&f, i, zcur + 7 * i);
    fd_case c = {&pn, smallest, 0, 0, zcur};
    const double *row = seg + (size_t)smallest * CRVM_VS_COLUMNS;
    assert_true(row[CRVM_VS_CUSTOMERS] >= 10 && row[CRVM_VS_CUSTOMERS] < 60);
    /* Finite differences of the long-double reference are good to ~1e-7
     * relative here; the bounds are rounded to whole cents. (Valgrind emulates
     * long double as double; the tolerance holds, but the sums are too slow.) */
    if (!vs_under_valgrind()) {
        double half = (row[CRVM_VS_RESIDUAL_VALUE_UPPER] - row[CRVM_VS_RESIDUAL_VALUE_LOWER]) / 2 * 100;
        assert_close(half, z * fd_se(&c), 1e-4, 1.0);
        c.quantity = 1;
        half = (row[CRVM_VS_EXPECTED_RETAINED_UPPER] - row[CRVM_VS_EXPECTED_RETAINED_LOWER]) / 2;
        assert_close(half, z * fd_se(&c), 1e-4, 1e-9);
    }
    c.segment = -1;
    int shown = 0, want = vs_under_valgrind() ? 1 : 3;
    for (size_t i = 0; i < f.n && shown < want; i++) {
        const double *r = f.cust + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0 || (int)r[CRVM_VC_SEGMENT] != smallest || r[CRVM_VC_CONTRIBUTION] < 10)
            continue;
        c.one = i;
        c.quantity = 0;
        double rv_half = (r[CRVM_VC_RESIDUAL_VALUE_UPPER] - r[CRVM_VC_RESIDUAL_VALUE_LOWER]) / 2 * 100;
        assert_close(rv_half, z * fd_se(&c), 1e-4, 1.0);
        /* Retention: symmetric on the logit scale, se(logit) = se(p) / (p (1 - p)). */
        c.quantity = 1;
        double p = r[CRVM_VC_RETENTION], lo = r[CRVM_VC_RETENTION_LOWER], hi = r[CRVM_VC_RETENTION_UPPER];
        double logit_half = (log(hi / (1 - hi)) - log(lo / (1 - lo))) / 2;
        assert_close(logit_half, z * fd_se(&c) / (p * (1 - p)), 1e-4, 0);
        assert_close((log(hi / (1 - hi)) + log(lo / (1 - lo))) / 2, log(p / (1 - p)), 1e-9, 1e-12);
        shown++;
    }
    assert_int_equal(shown, want);
    free(zcur);
    free(seg);
    free_panel(&pn);
    free_fitted(&f);
}

static void without_covariates_the_figures_are_the_plain_model(void **state)
{
    (void)state;
    const fitted *f = &F;
    const size_t G = f->g;
    for (int kind = 0; kind < 2; kind++) {
        crvm_value_options opt;
        crvm_value_options_init(&opt);
        opt.model = kind ? CRVM_VALUE_BDW : CRVM_VALUE_SBG;
        opt.covariates = 0;
        crvm_value *v;
        assert_int_equal(crvm_value_fit(f->b.ledger, NULL, f->as_of, &opt, &v), CRVM_OK);
        double *cust = calloc(f->n * CRVM_VC_COLUMNS, sizeof *cust);
        assert_int_equal(crvm_value_customers(v, cust, f->n * CRVM_VC_COLUMNS), CRVM_OK);
        const crvm_retention_cov *model;
        assert_int_equal(crvm_value_retention_model(v, &model), CRVM_OK);
        double params[7];
        assert_int_equal(crvm_retention_cov_params(model, params, 2 * G + 1), CRVM_OK);
        assert_status(crvm_value_contact_impacts(v, CRVM_OUTCOME_RESOLVED, NULL, 0), CRVM_ESTATE);
        size_t checked = 0;
        for (size_t i = 0; i < f->n; i += 3) {
            const double *r = cust + i * CRVM_VC_COLUMNS;
            if (r[CRVM_VC_ACTIVE] == 0)
                continue;
            size_t g = (size_t)r[CRVM_VC_SEGMENT];
            crvm_retention_params rp = {params[2 * g], params[2 * g + 1], params[2 * G]};
            double n = r[CRVM_VC_TENURE], t[2] = {n, n + 12}, surv[2], derl;
            assert_int_equal(crvm_retention_survival(&rp, t, 2, surv, 2), CRVM_OK);
            assert_int_equal(crvm_retention_derl(&rp, f->discount, &n, 1, &derl, 1), CRVM_OK);
            /* The engine with b = 0 equals the plain model to 1e-12 (its contract). */
            assert_close(r[CRVM_VC_DERL], derl, 1e-12, 0);
            assert_close(r[CRVM_VC_RETENTION], surv[1] / surv[0], 1e-12, 0);
            assert_true(r[CRVM_VC_RISK_MULTIPLIER] == 1);
            checked++;
        }
        assert_true(checked > 100);
        free(cust);
        crvm_value_free(v);
    }
}

/* Reference impact of contact k against `reference`, in cents. */
static double reference_impact(const panel *pn, const double *log_e, size_t k, int reference)
{
    const fitted *f = pn->f;
    const vs_business *b = &f->b;
    size_t i = (size_t)b->k_customer[k];
    int months;
    assert_int_equal(crvm_date_whole_periods(b->start[i], b->k_opened[k], CRVM_PERIOD_MONTH, &months), CRVM_OK);
    int s = months + 1, touches, quiet, outcome = b->k_outcome[k];
    double za[7], zb[7], c = f->params[2 * f->g];
    vs_period_covariates(b, i, s, f->as_of, CRVM_PERIOD_MONTH, za, &touches, &quiet);
    memcpy(zb, za, sizeof zb);
    if (outcome != CRVM_OUTCOME_RESOLVED)
        zb[outcome] -= 1;
    if (reference == CRVM_VALUE_NO_CONTACT) {
        zb[0] -= 1;
        zb[4] -= b->k_escalated[k];
        if (touches == 1) { /* its removal leaves the period silent */
            zb[5] = quiet == 1;
            zb[6] = quiet == 2;
        }
    } else if (reference != CRVM_OUTCOME_RESOLVED) {
        zb[reference] += 1;
    }
    size_t g = (size_t)b->segment[i];
    double x = f->params[2 * g + 1] + exposure(pn, f->params, i, s - 1);
    vs_figures a, z;
    vs_reference(f->params[2 * g], x, c, s - 1, w_of(c, s) * mult_candidates(f, f->params, za),
                 exp(log_e[g]), 12, f->discount, f->cap, &a);
    vs_reference(f->params[2 * g], x, c, s - 1, w_of(c, s) * mult_candidates(f, f->params, zb),
                 exp(log_e[g]), 12, f->discount, f->cap, &z);
    return f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_CONTRIBUTION] * 100 * (a.derl - z.derl);
}

static void contact_impacts_match_a_direct_series(void **state)
{
    (void)state;
    const fitted *f = &F;
    const vs_business *b = &f->b;
    panel pn = get_panel(f);
    double log_e[16];
    future_log_e(&pn, f->params, log_e);
    size_t nk = b->nk, checked[2] = {0}, samples = vs_under_valgrind() ? 3 : 25;
    double *impact = calloc(nk, sizeof *impact), *none = calloc(nk, sizeof *none);
    assert_int_equal(crvm_value_contact_impacts(f->v, CRVM_OUTCOME_RESOLVED, impact, nk), CRVM_OK);
    assert_int_equal(crvm_value_contact_impacts(f->v, CRVM_VALUE_NO_CONTACT, none, nk), CRVM_OK);
    for (size_t k = 0; k < nk; k++) {
        if (b->k_opened[k] > f->as_of) {
            assert_true(impact[k] == 0 && none[k] == 0);
            continue;
        }
        if (b->k_outcome[k] == CRVM_OUTCOME_RESOLVED)
            assert_true(impact[k] == 0);
        /* A sample of both kinds, churned customers' contacts included. */
        if (k % 37 == 0 && checked[0] < samples && b->k_outcome[k] != CRVM_OUTCOME_RESOLVED) {
            assert_true(llabs(cents(impact[k]) - llround(reference_impact(&pn, log_e, k, CRVM_OUTCOME_RESOLVED))) <= 1);
            checked[0]++;
        }
        if (k % 41 == 0 && checked[1] < samples) {
            assert_true(llabs(cents(none[k]) - llround(reference_impact(&pn, log_e, k, CRVM_VALUE_NO_CONTACT))) <= 1);
            checked[1]++;
        }
    }
    assert_true(checked[0] == samples && checked[1] == samples);
    /* Grouped by outcome: the exact sums of the contacts' cents, and counts by outcome. */
    int32_t *group = calloc(nk, sizeof *group);
    size_t groups;
    assert_int_equal(crvm_value_contact_groups(f->v, CRVM_FIELD_OUTCOME, NULL, group, nk, &groups), CRVM_OK);
    assert_int_equal(groups, 4);
    double by[4 * CRVM_IMPACT_COLUMNS];
    assert_int_equal(crvm_value_impact_by(f->v, CRVM_OUTCOME_RESOLVED, group, nk, 4, by, 4 * CRVM_IMPACT_COLUMNS), CRVM_OK);
    int64_t sum[4] = {0}, count[4] = {0};
    for (size_t k = 0; k < nk; k++)
        if (b->k_opened[k] <= f->as_of) {
            assert_int_equal(group[k], b->k_outcome[k]);
            sum[b->k_outcome[k]] += cents(impact[k]);
            count[b->k_outcome[k]]++;
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
    assert_int_equal(crvm_value_group_label(f->v, CRVM_FIELD_OUTCOME, NULL, 2, label, sizeof label), CRVM_OK);
    assert_string_equal(label, "refused");
    /* The refusals lose value: the simulator makes them triple the churn hazard. */
    assert_true(by[2 * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_UPPER] < 0);
    free(impact);
    free(none);
    free(group);
    free_panel(&pn);
}

static void groupings_and_their_labels(void **state)
{
    (void)state;
    const fitted *f = &F;
    const vs_business *b = &f->b;
    const size_t nk = b->nk;
    int32_t *group = calloc(nk, sizeof *group), *queue = calloc(nk, sizeof *queue);
    size_t groups;
    char label[64], want[64];
    const crvm_contact_field fields[] = {CRVM_FIELD_CHANNEL, CRVM_FIELD_TIER, CRVM_FIELD_ESCALATED,
                                         CRVM_FIELD_MONTH, CRVM_FIELD_QUARTER, CRVM_FIELD_SEGMENT};
    for (size_t fi = 0; fi < sizeof fields / sizeof fields[0]; fi++) {
        assert_int_equal(crvm_value_contact_groups(f->v, fields[fi], NULL, group, nk, &groups), CRVM_OK);
        for (size_t k = 0; k < nk; k += 13) {
            if (b->k_opened[k] > f->as_of) {
                assert_int_equal(group[k], -1);
                continue;
            }
            assert_true(group[k] >= 0 && (size_t)group[k] < groups);
            assert_int_equal(crvm_value_group_label(f->v, fields[fi], NULL, (size_t)group[k], label, sizeof label), CRVM_OK);
            int y, m, d;
            assert_int_equal(crvm_date_to_ymd(b->k_opened[k], &y, &m, &d), CRVM_OK);
            switch (fields[fi]) {
            case CRVM_FIELD_CHANNEL: snprintf(want, sizeof want, "%s", crvm_channel_name(b->k_channel[k])); break;
            case CRVM_FIELD_TIER: snprintf(want, sizeof want, "%d", b->k_tier[k]); break;
            case CRVM_FIELD_ESCALATED: snprintf(want, sizeof want, "%s", b->k_escalated[k] ? "yes" : "no"); break;
            case CRVM_FIELD_MONTH: snprintf(want, sizeof want, "%04d-%02d", y, m); break;
            case CRVM_FIELD_QUARTER: snprintf(want, sizeof want, "%04d-Q%d", y, (m - 1) / 3 + 1); break;
            default:
                snprintf(want, sizeof want, "%s", crvm_ledger_id(b->ledger, CRVM_SEGMENTS, (size_t)b->segment[b->k_customer[k]]));
                break;
            }
            assert_string_equal(label, want);
        }
    }
    /* An attribute: its values as the simulator wrote them. */
    assert_int_equal(crvm_sim_data_contact_attributes(b->sim, NULL, 0, queue, nk, NULL, 0, NULL, 0), CRVM_OK);
    assert_int_equal(crvm_value_contact_groups(f->v, CRVM_FIELD_ATTRIBUTE, "queue", group, nk, &groups), CRVM_OK);
    assert_int_equal(groups, CRVM_SIM_QUEUES);
    for (size_t k = 0; k < nk; k += 11)
        if (b->k_opened[k] <= f->as_of) {
            assert_int_equal(crvm_value_group_label(f->v, CRVM_FIELD_ATTRIBUTE, "queue", (size_t)group[k], label, sizeof label), CRVM_OK);
            assert_string_equal(label, crvm_sim_attribute_value(CRVM_SIM_QUEUE, queue[k]));
        }
    /* The refusals' loss is concentrated where the simulator refuses most: integrations. */
    for (size_t k = 0; k < nk; k++)
        if (b->k_outcome[k] != CRVM_OUTCOME_REFUSED)
            group[k] = -1;
    double by[CRVM_SIM_QUEUES * CRVM_IMPACT_COLUMNS];
    assert_int_equal(crvm_value_impact_by(f->v, CRVM_OUTCOME_RESOLVED, group, nk, groups, by, sizeof by / sizeof *by), CRVM_OK);
    size_t worst = 0;
    for (size_t g = 1; g < groups; g++)
        if (by[g * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_VALUE] < by[worst * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_VALUE])
            worst = g;
    assert_int_equal(crvm_value_group_label(f->v, CRVM_FIELD_ATTRIBUTE, "queue", worst, label, sizeof label), CRVM_OK);
    assert_string_equal(label, "integrations");
    /* Errors. */
    assert_status(crvm_value_contact_groups(f->v, CRVM_FIELD_ATTRIBUTE, "colour", group, nk, &groups), CRVM_ENOTFOUND);
    assert_status(crvm_value_contact_groups(f->v, CRVM_FIELD_ATTRIBUTE, NULL, group, nk, &groups), CRVM_EINVAL);
    assert_status(crvm_value_contact_groups(f->v, (crvm_contact_field)9, NULL, group, nk, &groups), CRVM_EINVAL);
    assert_status(crvm_value_contact_groups(f->v, CRVM_FIELD_OUTCOME, NULL, group, nk - 1, &groups), CRVM_EINVAL);
    assert_status(crvm_value_contact_groups(f->v, CRVM_FIELD_OUTCOME, NULL, group, nk, NULL), CRVM_EINVAL);
    assert_status(crvm_value_contact_groups(NULL, CRVM_FIELD_OUTCOME, NULL, group, nk, &groups), CRVM_EINVAL);
    assert_status(crvm_value_group_label(f->v, CRVM_FIELD_OUTCOME, NULL, 4, label, sizeof label), CRVM_EINVAL);
    assert_status(crvm_value_group_label(f->v, CRVM_FIELD_OUTCOME, NULL, 2, label, 3), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "8 bytes"));
    assert_status(crvm_value_group_label(f->v, CRVM_FIELD_OUTCOME, NULL, 2, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_value_group_label(f->v, CRVM_FIELD_ATTRIBUTE, "colour", 0, label, sizeof label), CRVM_ENOTFOUND);
    assert_status(crvm_value_group_label(f->v, (crvm_contact_field)-1, NULL, 0, label, sizeof label), CRVM_EINVAL);
    free(group);
    free(queue);
}

/* Several groupings in one call: each grouping's rows are those of its own
 * crvm_value_impact_by() call, to the bit (one pass sums the same cents and
 * the same gradients in the same order), against both references. */
static void impact_by_many_equals_each_single_call(void **state)
{
    (void)state;
    const fitted *f = &F;
    const vs_business *b = &f->b;
    const size_t nk = b->nk;
    const crvm_contact_field fields[] = {CRVM_FIELD_OUTCOME, CRVM_FIELD_CHANNEL, CRVM_FIELD_MONTH,
                                         CRVM_FIELD_ATTRIBUTE, CRVM_FIELD_ATTRIBUTE};
    enum { M = sizeof fields / sizeof fields[0] + 1 };
    int32_t *group = calloc(M * nk, sizeof *group), count[M];
    size_t total = 0;
    for (size_t j = 0; j + 1 < M; j++) {
        size_t groups;
        const char *attr = fields[j] == CRVM_FIELD_ATTRIBUTE ? "queue" : NULL;
        assert_int_equal(crvm_value_contact_groups(f->v, fields[j], attr, group + j * nk, nk, &groups), CRVM_OK);
        count[j] = (int32_t)groups;
        total += groups;
    }
    /* The second queue grouping keeps the refused contacts only, as a report does. */
    for (size_t k = 0; k < nk; k++)
        if (b->k_outcome[k] != CRVM_OUTCOME_REFUSED)
            group[4 * nk + k] = -1;
    /* The last: one group of every third contact (most periods partly in it). */
    for (size_t k = 0; k < nk; k++)
        group[(M - 1) * nk + k] = k % 3 ? -1 : 0;
    count[M - 1] = 1;
    total += 1;
    double *many = calloc(total * CRVM_IMPACT_COLUMNS, sizeof *many), *one = calloc(total * CRVM_IMPACT_COLUMNS, sizeof *one);
    const int references[] = {CRVM_OUTCOME_RESOLVED, CRVM_VALUE_NO_CONTACT};
    for (size_t r = 0; r < 2; r++) {
        assert_int_equal(crvm_value_impact_by_many(f->v, references[r], group, M * nk, count, M, many,
                                                   total * CRVM_IMPACT_COLUMNS),
                         CRVM_OK);
        size_t at = 0;
        for (size_t j = 0; j < M; j++) {
            size_t len = (size_t)count[j] * CRVM_IMPACT_COLUMNS;
            assert_int_equal(crvm_value_impact_by(f->v, references[r], group + j * nk, nk, (size_t)count[j],
                                                  one + at, len),
                             CRVM_OK);
            at += len;
        }
        assert_int_equal(at, total * CRVM_IMPACT_COLUMNS);
        assert_memory_equal(many, one, at * sizeof *many);
    }
    /* Not a check that cannot fail: the refused contacts lose value in some queue. */
    double refused = 0;
    for (size_t g = 0, at = (size_t)(count[0] + count[1] + count[2] + count[3]); g < (size_t)count[4]; g++)
        refused += many[(at + g) * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_VALUE];
    assert_true(refused != 0);
    /* Errors, each named. */
    size_t len = total * CRVM_IMPACT_COLUMNS;
    assert_status(crvm_value_impact_by_many(NULL, CRVM_OUTCOME_RESOLVED, group, M * nk, count, M, many, len), CRVM_EINVAL);
    assert_status(crvm_value_impact_by_many(f->v, -7, group, M * nk, count, M, many, len), CRVM_EINVAL);
    assert_status(crvm_value_impact_by_many(f->v, CRVM_OUTCOME_RESOLVED, group, M * nk, count, 0, many, len), CRVM_EINVAL);
    assert_status(crvm_value_impact_by_many(f->v, CRVM_OUTCOME_RESOLVED, group, M * nk - 1, count, M, many, len), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "groupings x"));
    assert_status(crvm_value_impact_by_many(f->v, CRVM_OUTCOME_RESOLVED, group, M * nk, count, M, many, len - 4), CRVM_EINVAL);
    assert_status(crvm_value_impact_by_many(f->v, CRVM_OUTCOME_RESOLVED, group, M * nk, count, M, NULL, len), CRVM_EINVAL);
    count[1] = 0;
    assert_status(crvm_value_impact_by_many(f->v, CRVM_OUTCOME_RESOLVED, group, M * nk, count, M, many, len), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "group_count[1]"));
    count[1] = 1; /* now the channel grouping's groups pass its count */
    size_t shrunk = len - (size_t)(CRVM_CHANNEL_COUNT - 1) * CRVM_IMPACT_COLUMNS;
    assert_status(crvm_value_impact_by_many(f->v, CRVM_OUTCOME_RESOLVED, group, M * nk, count, M, many, shrunk), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "grouping 1: group["));
    free(group);
    free(many);
    free(one);
}

/* The options a value was fitted with that its labels need. */
static void info_carries_the_horizon_and_confidence(void **state)
{
    (void)state;
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    opt.horizon = 24;
    opt.confidence = 0.8;
    crvm_value *v;
    assert_int_equal(crvm_value_fit(F.b.ledger, NULL, F.as_of, &opt, &v), CRVM_OK);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
    assert_int_equal(info.horizon, 24);
    assert_true(info.confidence == 0.8);
    crvm_value_free(v);
    assert_int_equal(crvm_value_get_info(F.v, &info), CRVM_OK);
    assert_int_equal(info.horizon, 12);
    assert_true(info.confidence == 0.95);
}

static void support_pnl_adds_up_and_reconciles(void **state)
{
    (void)state;
    const fitted *f = &F;
    const vs_business *b = &f->b;
    crvm_date from;
    assert_int_equal(crvm_date_add_periods(f->as_of + 1, CRVM_PERIOD_MONTH, -12, &from), CRVM_OK);
    double p[CRVM_PNL_LINES];
    assert_int_equal(crvm_value_support_pnl(f->v, from, f->as_of + 1, p, CRVM_PNL_LINES), CRVM_OK);
    int64_t value = 0, cost = 0;
    for (int l = CRVM_PNL_SUPPORT_PLAN_REVENUE; l <= CRVM_PNL_CONTACT_VALUE_EFFECT; l++)
        value += cents(p[l]);
    for (int l = CRVM_PNL_LABOUR_COST; l <= CRVM_PNL_KNOWLEDGE_COST; l++)
        cost += cents(p[l]);
    assert_int_equal(cents(p[CRVM_PNL_VALUE]), value);
    assert_int_equal(cents(p[CRVM_PNL_COST]), cost);
    assert_int_equal(cents(p[CRVM_PNL_NET_CONTRIBUTION]), value - cost);
    assert_close(p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR], (double)value / (double)cost, 1e-15, 0);
    assert_true(p[CRVM_PNL_NET_CONTRIBUTION_LOWER] < p[CRVM_PNL_NET_CONTRIBUTION] &&
                p[CRVM_PNL_NET_CONTRIBUTION] < p[CRVM_PNL_NET_CONTRIBUTION_UPPER]);
    /* The interval comes from the effect alone (the rest is not model-derived). */
    assert_int_equal(cents(p[CRVM_PNL_NET_CONTRIBUTION_UPPER] - p[CRVM_PNL_NET_CONTRIBUTION]),
                     cents(p[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER] - p[CRVM_PNL_CONTACT_VALUE_EFFECT]));
    /* The effect is the sum of the window's contacts' impacts against no contact. */
    double *none = calloc(b->nk, sizeof *none);
    assert_int_equal(crvm_value_contact_impacts(f->v, CRVM_VALUE_NO_CONTACT, none, b->nk), CRVM_OK);
    int64_t effect = 0, contacts = 0;
    for (size_t k = 0; k < b->nk; k++)
        if (b->k_opened[k] >= from && b->k_opened[k] <= f->as_of) {
            effect += cents(none[k]);
            contacts++;
        }
    assert_int_equal(cents(p[CRVM_PNL_CONTACT_VALUE_EFFECT]), effect);
    assert_int_equal((int64_t)p[CRVM_PNL_CONTACTS], contacts);
    /* Revenue lines against the ledger's events. */
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(b->ledger, &st), CRVM_OK);
    size_t ne = st.revenue_events;
    crvm_date *date = calloc(ne, sizeof *date);
    double *amount = calloc(ne, sizeof *amount);
    int32_t *stream = calloc(ne, sizeof *stream), *source = calloc(ne, sizeof *source);
    assert_int_equal(crvm_ledger_revenue_events(b->ledger, NULL, 0, date, ne, amount, ne, stream, ne, source, ne), CRVM_OK);
    int64_t plan = 0, sourced = 0;
    for (size_t e = 0; e < ne; e++) {
        if (date[e] < from || date[e] > f->as_of)
            continue;
        if (stream[e] == CRVM_STREAM_SUPPORT_PLAN)
            plan += cents(amount[e]);
        else if (source[e] >= 0)
            sourced += cents(amount[e]);
    }
    assert_int_equal(cents(p[CRVM_PNL_SUPPORT_PLAN_REVENUE]), plan);
    assert_int_equal(cents(p[CRVM_PNL_SOURCED_REVENUE]), sourced);
    assert_true(plan > 0 && sourced > 0);
    /* Cost lines against the customers' economics of the same window (every
     * simulated view names its customer). */
    double *econ = calloc(f->n * CRVM_ECON_COLUMNS, sizeof *econ);
    assert_int_equal(crvm_customer_economics(b->ledger, NULL, from, f->as_of + 1, econ, f->n * CRVM_ECON_COLUMNS), CRVM_OK);
    int64_t sums[5] = {0};
    const int cols[5] = {CRVM_ECON_LABOUR_COST, CRVM_ECON_CHANNEL_COST, CRVM_ECON_ESCALATION_COST,
                         CRVM_ECON_OVERHEAD_COST, CRVM_ECON_SELF_SERVICE_COST};
    for (size_t i = 0; i < f->n; i++)
        for (int c = 0; c < 5; c++)
            sums[c] += cents(econ[i * CRVM_ECON_COLUMNS + cols[c]]);
    for (int c = 0; c < 5; c++)
        assert_int_equal(cents(p[CRVM_PNL_LABOUR_COST + c]), sums[c]);
    /* The whole history: knowledge lines are the knowledge base's value. */
    double kb[CRVM_KV_COLUMNS];
    assert_int_equal(crvm_value_support_pnl(f->v, CRVM_DATE_MIN, f->as_of + 1, p, CRVM_PNL_LINES), CRVM_OK);
    assert_int_equal(crvm_knowledge_base_value(b->ledger, NULL, f->as_of, kb, CRVM_KV_COLUMNS), CRVM_OK);
    assert_int_equal(cents(p[CRVM_PNL_KNOWLEDGE_LABOUR_SAVING]), cents(kb[CRVM_KV_LABOUR_SAVING]));
    assert_int_equal(cents(p[CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING]), cents(kb[CRVM_KV_DEFLECTION_SAVING]));
    assert_int_equal(cents(p[CRVM_PNL_KNOWLEDGE_COST]), cents(kb[CRVM_KV_COST]));
    /* An empty window: nothing but zeros. */
    assert_int_equal(crvm_value_support_pnl(f->v, from, from, p, CRVM_PNL_LINES), CRVM_OK);
    for (int l = 0; l < CRVM_PNL_LINES; l++)
        if (l != CRVM_PNL_KNOWLEDGE_COST)
            assert_true(p[l] == 0);
    /* Errors. */
    assert_status(crvm_value_support_pnl(f->v, from + 1, from, p, CRVM_PNL_LINES), CRVM_EINVAL);
    assert_status(crvm_value_support_pnl(f->v, from, f->as_of + 2, p, CRVM_PNL_LINES), CRVM_EINVAL);
    assert_status(crvm_value_support_pnl(f->v, from, f->as_of, p, CRVM_PNL_LINES - 1), CRVM_EINVAL);
    assert_status(crvm_value_support_pnl(NULL, from, f->as_of, p, CRVM_PNL_LINES), CRVM_EINVAL);
    free(none);
    free(date);
    free(amount);
    free(stream);
    free(source);
    free(econ);
}

/* by score, then customer index: the order crvm_value_outreach documents */
static const double *score_order_of;
static int by_score_then_index(const void *a, const void *b)
{
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    double si = score_order_of[i], sj = score_order_of[j];
    if (si != sj)
        return si > sj ? -1 : 1;
    return (i > j) - (i < j);
}

static void outreach_scores_are_the_ranking(void **state)
{
    (void)state;
    const fitted *f = &F;
    double *score = malloc(f->n * sizeof *score);
    int32_t *listed = malloc(f->n * sizeof *listed), *sorted = malloc(f->n * sizeof *sorted);
    assert_true(score && listed && sorted);
    for (int rank = CRVM_RANK_VALUE_AT_RISK; rank <= CRVM_RANK_EXPECTED_SAVING; rank++) {
        assert_int_equal(crvm_value_outreach_scores(f->v, (crvm_outreach_rank)rank, score, f->n),
                         CRVM_OK);
        /* The value at risk, or with the default cost model 0.2 x it - 25
         * where positive (docs/value-model.md); NaN for the others. */
        size_t eligible = 0;
        for (size_t i = 0; i < f->n; i++) {
            const double *r = f->cust + i * CRVM_VC_COLUMNS;
            double want = r[CRVM_VC_VALUE_AT_RISK];
            if (rank == CRVM_RANK_EXPECTED_SAVING)
                want = 0.2 * want - 25.0;
            if (r[CRVM_VC_ACTIVE] == 0 || !(want > 0 || rank == CRVM_RANK_VALUE_AT_RISK)) {
                assert_true(isnan(score[i]));
                continue;
            }
            /* the list's score in cents / 100: within a rounding of the column */
            assert_close(score[i], want, 1e-12, 1e-12);
            sorted[eligible++] = (int32_t)i;
        }
        assert_true(eligible > 40);
        /* Sorting the scored customers by score gives the list. */
        score_order_of = score;
        qsort(sorted, eligible, sizeof *sorted, by_score_then_index);
        size_t count;
        assert_int_equal(crvm_value_outreach(f->v, (crvm_outreach_rank)rank, f->n, listed, f->n,
                                             &count), CRVM_OK);
        assert_int_equal(count, eligible);
        assert_memory_equal(listed, sorted, count * sizeof *listed);
    }
    assert_status(crvm_value_outreach_scores(NULL, CRVM_RANK_VALUE_AT_RISK, score, f->n), CRVM_EINVAL);
    assert_status(crvm_value_outreach_scores(f->v, (crvm_outreach_rank)2, score, f->n), CRVM_EINVAL);
    assert_status(crvm_value_outreach_scores(f->v, CRVM_RANK_VALUE_AT_RISK, score, f->n - 1), CRVM_EINVAL);
    assert_status(crvm_value_outreach_scores(f->v, CRVM_RANK_VALUE_AT_RISK, NULL, f->n), CRVM_EINVAL);
    free(score);
    free(listed);
    free(sorted);
}

static void outreach_ranks_and_names_drivers(void **state)
{
    (void)state;
    const fitted *f = &F;
    int32_t chosen[40];
    size_t count;
    assert_int_equal(crvm_value_outreach(f->v, CRVM_RANK_VALUE_AT_RISK, 40, chosen, 40, &count), CRVM_OK);
    assert_int_equal(count, 40);
    double last = INFINITY;
    for (size_t j = 0; j < count; j++) {
        const double *r = f->cust + (size_t)chosen[j] * CRVM_VC_COLUMNS;
        assert_true(r[CRVM_VC_ACTIVE] != 0 && r[CRVM_VC_VALUE_AT_RISK] <= last);
        last = r[CRVM_VC_VALUE_AT_RISK];
    }
    size_t better = 0; /* no customer left out ranks above the last one listed */
    for (size_t i = 0; i < f->n; i++)
        better += f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_ACTIVE] != 0 &&
                  f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_VALUE_AT_RISK] > last;
    assert_true(better < count);
    /* By expected saving (0.2 x value at risk - 25): the same order, only those worth a call. */
    size_t worth = 0, active = 0; /* with the default cost model */
    for (size_t i = 0; i < f->n; i++) {
        active += f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_ACTIVE] != 0;
        worth += f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_ACTIVE] != 0 &&
                 0.2 * f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_VALUE_AT_RISK] > 25;
    }
    int32_t *all = calloc(f->n, sizeof *all);
    assert_int_equal(crvm_value_outreach(f->v, CRVM_RANK_EXPECTED_SAVING, f->n, all, f->n, &count), CRVM_OK);
    assert_int_equal(count, worth);
    assert_memory_equal(all, chosen, 40 * sizeof *all);
    /* An outreach cost that only the 40th customer's value at risk pays for. */
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    m.outreach_cost = 0.2 * last - 0.01;
    crvm_value *dear;
    assert_int_equal(crvm_value_fit(f->b.ledger, &m, f->as_of, NULL, &dear), CRVM_OK);
    assert_int_equal(crvm_value_outreach(dear, CRVM_RANK_EXPECTED_SAVING, f->n, all, f->n, &count), CRVM_OK);
    assert_true(count >= 40 && count <= 40 + better);
    assert_memory_equal(all, chosen, 40 * sizeof *all);
    crvm_value_free(dear);
    assert_int_equal(crvm_value_outreach(f->v, CRVM_RANK_VALUE_AT_RISK, f->n, all, f->n, &count), CRVM_OK);
    assert_int_equal(count, active);
    free(all);
    /* Drivers: the covariates of the period in progress and the last one that raise the hazard. */
    size_t with_drivers = 0;
    for (size_t j = 0; j < 40; j++) {
        size_t i = (size_t)chosen[j];
        crvm_value_driver d[16];
        size_t nd;
        assert_int_equal(crvm_value_drivers(f->v, i, d, 16, &nd), CRVM_OK);
        double zc[7], zl[7];
        int touches, quiet, n = (int)f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE];
        current_period(f, i, zc);
        if (n > 0)
            vs_period_covariates(&f->b, i, n, f->as_of, CRVM_PERIOD_MONTH, zl, &touches, &quiet);
        for (size_t x = 0; x < nd; x++) {
            int c = f->cand[d[x].covariate];
            double bj = f->params[2 * f->g + 1 + (size_t)d[x].covariate];
            double zj = d[x].periods_ago ? zl[c] : zc[c];
            assert_true(d[x].multiplier > 1 && (x == 0 || d[x].multiplier <= d[x - 1].multiplier));
            assert_close(d[x].multiplier, exp(bj * zj), 1e-12, 0);
            if (c >= 5)
                assert_true(d[x].periods_ago == 0 && d[x].amount == f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_SILENCE]);
            else
                assert_true(d[x].amount == zj);
        }
        char text[256];
        assert_int_equal(crvm_value_drivers_text(f->v, i, text, sizeof text), CRVM_OK);
        assert_true(strlen(text) > 0);
        if (nd) {
            with_drivers++;
            assert_null(strstr(text, "no support driver"));
        } else {
            assert_string_equal(text, "no support driver");
        }
        char tiny[5];
        assert_int_equal(crvm_value_drivers_text(f->v, i, tiny, sizeof tiny), CRVM_OK);
        assert_int_equal(strlen(tiny), 4);
        assert_int_equal(crvm_value_drivers(f->v, i, d, 1, &nd), CRVM_OK);
        assert_true(nd <= 1);
    }
    assert_true(with_drivers > 0);
    /* An inactive customer has none. */
    for (size_t i = 0; i < f->n; i++)
        if (f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_ACTIVE] == 0) {
            crvm_value_driver d[4];
            size_t nd = 9;
            char text[64];
            assert_int_equal(crvm_value_drivers(f->v, i, d, 4, &nd), CRVM_OK);
            assert_int_equal(nd, 0);
            assert_int_equal(crvm_value_drivers_text(f->v, i, text, sizeof text), CRVM_OK);
            assert_string_equal(text, "not an active customer");
            break;
        }
    /* Errors. */
    crvm_value_driver d[4];
    char text[8];
    assert_status(crvm_value_outreach(f->v, (crvm_outreach_rank)5, 3, chosen, 40, &count), CRVM_EINVAL);
    assert_status(crvm_value_outreach(f->v, CRVM_RANK_VALUE_AT_RISK, 41, chosen, 40, &count), CRVM_EINVAL);
    assert_status(crvm_value_outreach(f->v, CRVM_RANK_VALUE_AT_RISK, 3, chosen, 40, NULL), CRVM_EINVAL);
    assert_status(crvm_value_outreach(NULL, CRVM_RANK_VALUE_AT_RISK, 3, chosen, 40, &count), CRVM_EINVAL);
    assert_status(crvm_value_drivers(f->v, f->n, d, 4, &count), CRVM_EINVAL);
    assert_status(crvm_value_drivers(f->v, 0, NULL, 4, &count), CRVM_EINVAL);
    assert_status(crvm_value_drivers(f->v, 0, d, 4, NULL), CRVM_EINVAL);
    assert_status(crvm_value_drivers_text(f->v, f->n, text, sizeof text), CRVM_EINVAL);
    assert_status(crvm_value_drivers_text(f->v, 0, text, 0), CRVM_EINVAL);
}

/* ln of the binomial probability of j of m, each with probability q. */
static double log_binomial(int m, int j, double q)
{
    if (q >= 1)
        return j == m ? 0 : -INFINITY;
    return lgamma(m + 1.0) - lgamma(j + 1.0) - lgamma(m - j + 1.0) + j * log(q) + (m - j) * log1p(-q);
}

/* Expected change of the value of customer i at renewal s when each contact k
 * of keys (all in its period s) changes with probability q, contact k
 * changing its period's covariates by delta(k). Exact mixture. */
static double reference_policy(const panel *pn, const double *log_e, size_t i, int s, const size_t *ks,
                               size_t m, double q, void (*delta)(const vs_business *, size_t, double *))
{
    const fitted *f = pn->f;
    const vs_business *b = &f->b;
    int touches, quiet;
    double z0[7], c = f->params[2 * f->g];
    vs_period_covariates(b, i, s, f->as_of, CRVM_PERIOD_MONTH, z0, &touches, &quiet);
    size_t g = (size_t)b->segment[i];
    double x = f->params[2 * g + 1] + exposure(pn, f->params, i, s - 1), expected = 0;
    vs_figures base;
    vs_reference(f->params[2 * g], x, c, s - 1, w_of(c, s) * mult_candidates(f, f->params, z0),
                 exp(log_e[g]), 12, f->discount, f->cap, &base);
    assert_true(m <= 12);
    for (unsigned mask = 1; mask < (1u << m); mask++) { /* which of the m contacts change */
        double zc[7], logw = 0, dz[7];
        memcpy(zc, z0, sizeof zc);
        for (size_t t = 0; t < m; t++) {
            int on = (mask >> t) & 1;
            logw += on ? log(q) : log1p(-q);
            if (on) {
                delta(b, ks[t], dz);
                for (int u = 0; u < 7; u++)
                    zc[u] += dz[u];
            }
        }
        vs_figures y;
        vs_reference(f->params[2 * g], x, c, s - 1, w_of(c, s) * mult_candidates(f, f->params, zc),
                     exp(log_e[g]), 12, f->discount, f->cap, &y);
        expected += exp(logw) * (y.derl - base.derl);
    }
    (void)log_binomial;
    return f->cust[i * CRVM_VC_COLUMNS + CRVM_VC_CONTRIBUTION] * 100 * expected;
}

static void refused_to_workaround(const vs_business *b, size_t k, double *dz)
{
    (void)b;
    (void)k;
    memset(dz, 0, 7 * sizeof *dz);
    dz[CRVM_OUTCOME_REFUSED] = -1;
    dz[CRVM_OUTCOME_WORKAROUND] = 1;
}

static void to_self_service(const vs_business *b, size_t k, double *dz)
{
    memset(dz, 0, 7 * sizeof *dz);
    dz[0] = -1;
    if (b->k_outcome[k] != CRVM_OUTCOME_RESOLVED)
        dz[b->k_outcome[k]] = -1;
    dz[4] = -b->k_escalated[k];
}

/* Sum of the reference policy over the periods holding eligible contacts of the window. */
static double reference_scenario(const panel *pn, const double *log_e, crvm_date from, int (*eligible)(const vs_business *, size_t),
                                 double q, void (*delta)(const vs_business *, size_t, double *), size_t *periods)
{
    const fitted *f = pn->f;
    const vs_business *b = &f->b;
    /* The eligible contacts as (customer, period, contact), sorted. */
    size_t n = 0;
    int64_t *key = calloc(b->nk + 1, sizeof *key);
    for (size_t k = 0; k < b->nk; k++) {
        size_t i = (size_t)b->k_customer[k];
        if (b->k_opened[k] < from || b->k_opened[k] > f->as_of || b->k_opened[k] < b->start[i] || !eligible(b, k))
            continue;
        int months;
        assert_int_equal(crvm_date_whole_periods(b->start[i], b->k_opened[k], CRVM_PERIOD_MONTH, &months), CRVM_OK);
        if (b->end[i] != CRVM_DATE_NONE && b->end[i] <= f->as_of) {
            int last;
            assert_int_equal(crvm_date_whole_periods(b->start[i], b->end[i] - 1, CRVM_PERIOD_MONTH, &last), CRVM_OK);
            if (months > last)
                continue; /* after the churned customer's last period */
        }
        key[n++] = ((int64_t)i << 40) | ((int64_t)(months + 1) << 24) | (int64_t)k;
    }
    for (size_t a = 1; a < n; a++) /* insertion sort: a few hundred keys */
        for (size_t c = a; c > 0 && key[c - 1] > key[c]; c--) {
            int64_t t = key[c];
            key[c] = key[c - 1];
            key[c - 1] = t;
        }
    double total = 0;
    *periods = 0;
    for (size_t a = 0; a < n;) {
        size_t e = a, same[16], m = 0;
        while (e < n && key[e] >> 24 == key[a] >> 24) {
            assert_true(m < 16);
            same[m++] = (size_t)(key[e] & 0xffffff);
            e++;
        }
        total += llround(reference_policy(pn, log_e, (size_t)(key[a] >> 40), (int)((key[a] >> 24) & 0xffff),
                                          same, m, q, delta));
        (*periods)++;
        a = e;
    }
    free(key);
    return total;
}

static int is_refused(const vs_business *b, size_t k) { return b->k_outcome[k] == CRVM_OUTCOME_REFUSED; }
static int is_phone(const vs_business *b, size_t k) { return b->k_channel[k] == CRVM_CHANNEL_PHONE; }

static void scenarios_match_a_direct_mixture(void **state)
{
    (void)state;
    /* A steep discount and a short cap keep the reference series short. */
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    opt.discount_rate = 0.6;
    opt.lifetime_cap = 60;
    fitted steep;
    refit(&steep, &F, &opt);
    const fitted *f = &steep;
    const vs_business *b = &f->b;
    panel pn = get_panel(f);
    double log_e[16];
    future_log_e(&pn, f->params, log_e);
    /* The windows: the last quarter for refusals, the last month for phone
     * contacts (the last fortnight and week under valgrind). */
    crvm_date from, month;
    assert_int_equal(crvm_date_add_periods(f->as_of + 1, CRVM_PERIOD_MONTH, -3, &from), CRVM_OK);
    assert_int_equal(crvm_date_add_periods(f->as_of + 1, CRVM_PERIOD_MONTH, -1, &month), CRVM_OK);
    if (vs_under_valgrind()) {
        from = f->as_of - 13;
        month = f->as_of - 6;
    }
    double out[CRVM_SCEN_COLUMNS];
    /* Share 0 changes nothing. */
    crvm_scenario sc = CRVM_SCENARIO_INIT;
    assert_int_equal(crvm_value_scenario(f->v, &sc, out, CRVM_SCEN_COLUMNS), CRVM_OK);
    for (int c = 0; c < CRVM_SCEN_COLUMNS; c++)
        assert_true(out[c] == 0);
    /* Refusals of the last 3 months become workarounds with probability 0.7, at $40 each. */
    sc.share = 0.7;
    sc.extra_cost_per_contact = 40;
    sc.from = from;
    sc.until = f->as_of + 1;
    assert_int_equal(crvm_value_scenario(f->v, &sc, out, CRVM_SCEN_COLUMNS), CRVM_OK);
    size_t refused = 0;
    for (size_t k = 0; k < b->nk; k++)
        refused += b->k_opened[k] >= from && b->k_opened[k] <= f->as_of && b->k_outcome[k] == CRVM_OUTCOME_REFUSED;
    assert_close(out[CRVM_SCEN_CONTACTS], 0.7 * (double)refused, 1e-12, 0);
    assert_int_equal(cents(out[CRVM_SCEN_COST_CHANGE]), llround(0.7 * 4000.0 * (double)refused));
    size_t periods;
    double want = reference_scenario(&pn, log_e, from, is_refused, 0.7, refused_to_workaround, &periods);
    /* Each period's change is rounded to the cent in both: at most a cent apart each. */
    assert_true(fabs((double)cents(out[CRVM_SCEN_VALUE_CHANGE]) - want) <= (double)periods);
    assert_true(periods >= 1 && out[CRVM_SCEN_VALUE_CHANGE] > 0); /* a workaround keeps more customers */
    assert_int_equal(cents(out[CRVM_SCEN_NET_CHANGE]), cents(out[CRVM_SCEN_VALUE_CHANGE]) - cents(out[CRVM_SCEN_COST_CHANGE]));
    assert_true(out[CRVM_SCEN_VALUE_CHANGE_LOWER] < out[CRVM_SCEN_VALUE_CHANGE] &&
                out[CRVM_SCEN_VALUE_CHANGE] < out[CRVM_SCEN_VALUE_CHANGE_UPPER]);
    /* Half of the phone contacts go to self-service, 60% of them resolved there. */
    crvm_scenario sh = CRVM_SCENARIO_INIT;
    sh.kind = CRVM_SCENARIO_SHIFT_TO_SELF_SERVICE;
    sh.channel = CRVM_CHANNEL_PHONE;
    sh.share = 0.5;
    sh.self_service_success = 0.6;
    sh.from = month;
    sh.until = f->as_of + 1;
    assert_int_equal(crvm_value_scenario(f->v, &sh, out, CRVM_SCEN_COLUMNS), CRVM_OK);
    size_t nk = b->nk, phone = 0;
    double *minutes = calloc(nk, sizeof *minutes), cost = 0;
    assert_int_equal(crvm_sim_data_contacts(b->sim, NULL, 0, NULL, 0, NULL, 0, NULL, 0, minutes, nk, NULL, 0,
                                            NULL, 0, NULL, 0, NULL, 0),
                     CRVM_OK);
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    for (size_t k = 0; k < nk; k++) {
        if (b->k_opened[k] < month || b->k_opened[k] > f->as_of || !is_phone(b, k))
            continue;
        phone++;
        /* crvm/economics.h: each component rounded to the cent per contact. */
        double c = llround(minutes[k] / 60 * m.hourly_rate[b->k_tier[k] - 1] * 100) +
                   llround(m.channel_cost[CRVM_CHANNEL_PHONE] * 100) +
                   (b->k_escalated[k] ? llround(m.escalation_cost * 100) : 0) +
                   llround((m.overhead_per_contact + m.overhead_per_minute * minutes[k]) * 100);
        cost += 0.5 * llround(m.self_service_cost * 100) - 0.3 * c;
    }
    assert_close(out[CRVM_SCEN_CONTACTS], 0.5 * (double)phone, 1e-12, 0);
    assert_true(llabs(cents(out[CRVM_SCEN_COST_CHANGE]) - llround(cost)) <= 1);
    want = reference_scenario(&pn, log_e, month, is_phone, 0.3, to_self_service, &periods);
    assert_true(fabs((double)cents(out[CRVM_SCEN_VALUE_CHANGE]) - want) <= (double)periods);
    assert_true(out[CRVM_SCEN_COST_CHANGE] < 0 && periods >= 1);
    /* Errors. */
    crvm_scenario bad = sc;
    bad.share = 1.5;
    assert_status(crvm_value_scenario(f->v, &bad, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "share"));
    bad = sc;
    bad.to_outcome = 7;
    assert_status(crvm_value_scenario(f->v, &bad, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    bad = sh;
    bad.channel = 9;
    assert_status(crvm_value_scenario(f->v, &bad, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    bad = sh;
    bad.self_service_success = -0.1;
    assert_status(crvm_value_scenario(f->v, &bad, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    bad = sc;
    bad.extra_cost_per_contact = -1;
    assert_status(crvm_value_scenario(f->v, &bad, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    bad = sc;
    bad.kind = (crvm_scenario_kind)4;
    assert_status(crvm_value_scenario(f->v, &bad, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    bad = sc;
    bad.from = bad.until + 1;
    assert_status(crvm_value_scenario(f->v, &bad, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    assert_status(crvm_value_scenario(f->v, NULL, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    assert_status(crvm_value_scenario(f->v, &sc, out, 3), CRVM_EINVAL);
    assert_status(crvm_value_scenario(NULL, &sc, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    free(minutes);
    free_panel(&pn);
    free_fit(&steep);
}

static void knowledge_rows_project_the_recent_rate(void **state)
{
    (void)state;
    const fitted *f = &F;
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(f->b.ledger, &st), CRVM_OK);
    size_t na = st.articles;
    double *vk = calloc(na * CRVM_VK_COLUMNS, sizeof *vk), *kv = calloc(na * CRVM_KV_COLUMNS, sizeof *kv);
    assert_int_equal(crvm_value_knowledge(f->v, vk, na * CRVM_VK_COLUMNS), CRVM_OK);
    crvm_knowledge_estimate est;
    assert_int_equal(crvm_knowledge_value(f->b.ledger, NULL, f->as_of, kv, na * CRVM_KV_COLUMNS, &est), CRVM_OK);
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    double annuity = 0;
    for (int j = 0; j < 12; j++)
        annuity += pow(1 + f->discount, -j);
    int32_t *created = calloc(na, sizeof *created);
    double *maintenance = calloc(na, sizeof *maintenance);
    assert_int_equal(crvm_sim_data_articles(f->b.sim, created, na, NULL, 0, maintenance, na), CRVM_OK);
    size_t projected = 0;
    for (size_t a = 0; a < na; a++) {
        const double *r = vk + a * CRVM_VK_COLUMNS, *k = kv + a * CRVM_KV_COLUMNS;
        assert_true(r[CRVM_VK_SAVING] == k[CRVM_KV_SAVING] && r[CRVM_VK_COST] == k[CRVM_KV_COST] &&
                    r[CRVM_VK_VALUE] == k[CRVM_KV_VALUE] && r[CRVM_VK_ROI] == k[CRVM_KV_ROI] &&
                    r[CRVM_VK_PAYBACK_DAYS] == k[CRVM_KV_PAYBACK_DAYS]);
        if (created[a] > f->as_of) {
            assert_true(r[CRVM_VK_PROJECTED_VALUE] == 0 && r[CRVM_VK_USES_PER_PERIOD] == 0);
            continue;
        }
        assert_int_equal(cents(r[CRVM_VK_PROJECTED_UPKEEP]),
                         llround(maintenance[a] * m.knowledge_hourly_rate * annuity * 100));
        assert_int_equal(cents(r[CRVM_VK_PROJECTED_VALUE]),
                         cents(r[CRVM_VK_PROJECTED_SAVING]) - cents(r[CRVM_VK_PROJECTED_UPKEEP]));
        projected += r[CRVM_VK_PROJECTED_SAVING] > 0;
    }
    assert_true(projected > na / 2);
    assert_status(crvm_value_knowledge(f->v, vk, na * CRVM_VK_COLUMNS - 1), CRVM_EINVAL);
    assert_status(crvm_value_knowledge(NULL, vk, na * CRVM_VK_COLUMNS), CRVM_EINVAL);
    free(vk);
    free(kv);
    free(created);
    free(maintenance);
}

/* The Cox option: a Cox model fitted here to the exported panel with the
 * public survival API, and the value figures summed directly from its
 * Breslow baseline (the hazard beyond the last churn observed in a segment
 * being the mean of its last 12 increments). */
static void cox_option_matches_a_direct_series(void **state)
{
    (void)state;
    const fitted *f = &F;
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    opt.model = CRVM_VALUE_COX;
    opt.discount_rate = 0.6; /* short reference series */
    crvm_value *v;
    assert_int_equal(crvm_value_fit(f->b.ledger, NULL, f->as_of, &opt, &v), CRVM_OK);
    const crvm_retention_cov *model;
    assert_status(crvm_value_retention_model(v, &model), CRVM_ESTATE);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
    const size_t p = info.covariates, G = f->g;
    size_t subjects, rows;
    assert_int_equal(crvm_value_panel_size(v, &subjects, &rows, NULL), CRVM_OK);
    int32_t *group = calloc(subjects, sizeof *group), *subject = calloc(rows, sizeof *subject);
    int32_t *period = calloc(rows, sizeof *period), *event = calloc(rows, sizeof *event), *strata = calloc(rows, sizeof *strata);
    double *z = calloc(rows * p, sizeof *z), *start = calloc(rows, sizeof *start), *stop = calloc(rows, sizeof *stop);
    assert_int_equal(crvm_value_panel(v, group, subjects, subject, rows, period, rows, event, rows, z, rows * p), CRVM_OK);
    for (size_t r = 0; r < rows; r++) {
        start[r] = period[r] - 1;
        stop[r] = period[r];
        strata[r] = group[subject[r]];
    }
    crvm_cox_options co;
    crvm_cox_options_init(&co);
    co.ties = CRVM_TIES_BRESLOW;
    crvm_cox *cox;
    assert_int_equal(crvm_cox_fit_intervals(z, rows * p, rows, p, start, rows, stop, rows, event, rows, NULL, 0,
                                            strata, rows, &co, &cox, NULL), CRVM_OK);
    double b[7], mean[7], fx[7 * CRVM_EFFECT_COLUMNS], shift = 0;
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, b, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_MEAN, mean, p), CRVM_OK);
    assert_int_equal(crvm_value_covariate_effects(v, fx, p * CRVM_EFFECT_COLUMNS), CRVM_OK);
    for (size_t j = 0; j < p; j++) {
        assert_true(fx[j * CRVM_EFFECT_COLUMNS + CRVM_EFFECT_COEFFICIENT] == b[j]);
        shift += b[j] * mean[j];
    }
    /* Each segment's hazard increments by renewal, and the tail. */
    enum { T = 64 };
    double h[8][T + 1] = {{0}}, tail[8];
    for (size_t g = 0; g < G; g++) {
        size_t m;
        assert_int_equal(crvm_cox_baseline_size(cox, (int32_t)g, &m), CRVM_OK);
        double *t = calloc(2 * m, sizeof *t), last = 0;
        assert_int_equal(crvm_cox_baseline(cox, (int32_t)g, t, m, t + m, m), CRVM_OK);
        int top = 0;
        for (size_t e = 0; e < m; e++) {
            int at = (int)llround(t[e]);
            assert_true(at >= 1 && at <= T);
            h[g][at] = (t[m + e] - last) * exp(-shift);
            last = t[m + e];
            top = at > top ? at : top;
        }
        double sum = 0;
        int from = top > 12 ? top - 11 : 1;
        for (int a = from; a <= top; a++)
            sum += h[g][a];
        tail[g] = sum / (top - from + 1);
        for (int a = top + 1; a <= T; a++)
            h[g][a] = tail[g];
        free(t);
    }
    /* ln E_g: the mean multiplier of the segment's rows renewing in the window. */
    crvm_date w0;
    assert_int_equal(crvm_date_add_periods(f->as_of + 1, CRVM_PERIOD_MONTH, -12, &w0), CRVM_OK);
    double sum[8] = {0}, count[8] = {0};
    for (size_t r = 0; r < rows; r++) {
        crvm_date renewal;
        assert_int_equal(crvm_date_add_periods(f->b.start[subject[r]], CRVM_PERIOD_MONTH, period[r], &renewal), CRVM_OK);
        if (renewal >= w0) {
            double eta = 0;
            for (size_t j = 0; j < p; j++)
                eta += b[j] * z[r * p + j];
            sum[strata[r]] += exp(eta);
            count[strata[r]] += 1;
        }
    }
    double *cust = calloc(f->n * CRVM_VC_COLUMNS, sizeof *cust), disc = pow(1.6, 1.0 / 12) - 1;
    assert_int_equal(crvm_value_customers(v, cust, f->n * CRVM_VC_COLUMNS), CRVM_OK);
    size_t checked = 0;
    for (size_t i = 0; i < f->n; i += vs_step(5, 10)) {
        const double *r = cust + i * CRVM_VC_COLUMNS;
        if (r[CRVM_VC_ACTIVE] == 0)
            continue;
        size_t g = (size_t)r[CRVM_VC_SEGMENT];
        int n = (int)r[CRVM_VC_TENURE];
        double zc[7], eta = 0, E = sum[g] / count[g];
        current_period(f, i, zc);
        for (size_t j = 0; j < p; j++) {
            for (int c = 0; c < 7; c++)
                if (!strcmp(crvm_value_covariate_name(v, j), CANDIDATES[c]))
                    eta += b[j] * zc[c];
        }
        /* Direct series in long double: S_j = exp(-h(n+1) e1 - E sum_{k=2..j+1} h(n+k)). */
        long double cum = h[g][n + 1] * expl(eta), derl = 0, surv12 = 0, life = 0, factor = 1;
        for (int j = 0; j < 4000; j++) {
            long double S = expl(-cum);
            derl += factor * S;
            if (j < 1200)
                life += S;
            if (j == 11)
                surv12 = S;
            factor /= 1 + disc;
            int next = n + 2 + j;
            cum += E * (next <= T ? h[g][next] : tail[g]);
        }
        assert_close(r[CRVM_VC_DERL], (double)derl, 1e-10, 0);
        assert_close(r[CRVM_VC_RETENTION], (double)surv12, 1e-10, 1e-15);
        assert_close(r[CRVM_VC_RESIDUAL_LIFETIME], (double)life, 1e-10, 0);
        assert_close(r[CRVM_VC_CHURN_NEXT], -expm1(-h[g][n + 1] * exp(eta)), 1e-12, 1e-15);
        checked++;
    }
    assert_true(checked > (vs_under_valgrind() ? 2u : 20u));
    /* The Cox effects agree with the BdW's on the same panel: the same sign,
     * and sizes within their standard errors and a discreteness allowance
     * (a continuous-time log hazard ratio against a discrete-time one; monthly
     * churn is a few percent, so they differ by about that share). */
    double bdw[7 * CRVM_EFFECT_COLUMNS];
    assert_int_equal(crvm_value_covariate_effects(f->v, bdw, f->p * CRVM_EFFECT_COLUMNS), CRVM_OK);
    for (size_t j = 0; j < p; j++) {
        const double *x = fx + j * CRVM_EFFECT_COLUMNS, *y = bdw + j * CRVM_EFFECT_COLUMNS;
        double tol = 3 * hypot(x[CRVM_EFFECT_STANDARD_ERROR], y[CRVM_EFFECT_STANDARD_ERROR]) + 0.1;
        assert_true(fabs(x[CRVM_EFFECT_COEFFICIENT] - y[CRVM_EFFECT_COEFFICIENT]) <= tol);
    }
    /* Contact impacts work on it too: refusals lose value. */
    double *impact = calloc(f->b.nk, sizeof *impact);
    assert_int_equal(crvm_value_contact_impacts(v, CRVM_OUTCOME_RESOLVED, impact, f->b.nk), CRVM_OK);
    double refused = 0;
    for (size_t k = 0; k < f->b.nk; k++)
        if (f->b.k_outcome[k] == CRVM_OUTCOME_REFUSED)
            refused += impact[k];
    assert_true(refused < 0);
    free(impact);
    free(cust);
    free(group);
    free(subject);
    free(period);
    free(event);
    free(strata);
    free(z);
    free(start);
    free(stop);
    crvm_cox_free(cox);
    crvm_value_free(v);
}

/* Every output of a value, for comparing two of them bit for bit. */
typedef struct outputs {
    double *cust, *seg, *impact, *by, pnl[CRVM_PNL_LINES], scenario[CRVM_SCEN_COLUMNS], *knowledge;
    int32_t outreach[30];
} outputs;

static outputs all_outputs(const fitted *f, crvm_value *v)
{
    outputs o;
    size_t nk = f->b.nk, groups;
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(f->b.ledger, &st), CRVM_OK);
    o.cust = calloc(f->n * CRVM_VC_COLUMNS, sizeof(double));
    o.seg = calloc((f->g + 1) * CRVM_VS_COLUMNS, sizeof(double));
    o.impact = calloc(nk, sizeof(double));
    o.by = calloc(64 * CRVM_IMPACT_COLUMNS, sizeof(double));
    o.knowledge = calloc(st.articles * CRVM_VK_COLUMNS, sizeof(double));
    int32_t *group = calloc(nk, sizeof *group);
    size_t count;
    crvm_scenario sc = CRVM_SCENARIO_INIT;
    sc.share = 0.5;
    assert_int_equal(crvm_value_customers(v, o.cust, f->n * CRVM_VC_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_value_segments(v, o.seg, (f->g + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_value_contact_impacts(v, CRVM_VALUE_NO_CONTACT, o.impact, nk), CRVM_OK);
    assert_int_equal(crvm_value_contact_groups(v, CRVM_FIELD_MONTH, NULL, group, nk, &groups), CRVM_OK);
    assert_true(groups <= 64);
    assert_int_equal(crvm_value_impact_by(v, CRVM_OUTCOME_RESOLVED, group, nk, groups, o.by, groups * CRVM_IMPACT_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_value_support_pnl(v, CRVM_DATE_MIN, f->as_of + 1, o.pnl, CRVM_PNL_LINES), CRVM_OK);
    assert_int_equal(crvm_value_scenario(v, &sc, o.scenario, CRVM_SCEN_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_value_knowledge(v, o.knowledge, st.articles * CRVM_VK_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_value_outreach(v, CRVM_RANK_VALUE_AT_RISK, 30, o.outreach, 30, &count), CRVM_OK);
    free(group);
    return o;
}

static void free_outputs(outputs *o)
{
    free(o->cust);
    free(o->seg);
    free(o->impact);
    free(o->by);
    free(o->knowledge);
}

/* A period's own pattern gives the query crvm__value_set_period() gives
 * from its covariates, bit for bit (the walks' keys depend on it): every
 * pattern of the fixture at the first and the last renewal. */
static void own_period_is_set_period(void **state)
{
    (void)state;
    const crvm_value *v = F.v;
    double lambda_b[16];
    assert_true(v->panel.patterns > 10);
    const int32_t renewal[2] = {0, v->max_n};
    for (size_t r = 0; r < v->panel.patterns; r++)
        for (int t = 0; t < 2; t++) {
            crvm__vquery a, b;
            memset(&a, 0, sizeof a);
            a.n = renewal[t];
            a.lambda_b = lambda_b;
            b = a;
            double zc[CRVM__Z_CANDIDATES];
            crvm__value_pattern_z(&v->panel.pattern[r], zc);
            crvm__value_set_period(v, &a, zc);
            crvm__value_set_own_period(v, &b, &v->panel.pattern[r]);
            assert_memory_equal(&a, &b, sizeof a);
        }
}

/* Query i of the memo tests: customer i's history and its period in
 * progress with `extra` refusals more (queries that differ in e1 alone). */
static void memo_query(const crvm_value *v, size_t i, int extra, double *lambda_b, crvm__vquery *q)
{
    q->segment = (size_t)F.cust[i * CRVM_VC_COLUMNS + CRVM_VC_SEGMENT];
    q->n = v->panel.periods[i];
    q->lambda_b = lambda_b;
    crvm__value_exposure(v, i, q->n, &q->lambda, &q->lambda_c, q->lambda_b);
    double zc[CRVM__Z_CANDIDATES];
    crvm__value_pattern_z(&v->panel.pattern[v->panel.current[i]], zc);
    zc[CRVM__Z_REFUSED] += extra;
    crvm__value_set_period(v, q, zc);
}

/* The walks' memo (value/query_memo.h) returns the engine's own answers,
 * bit for bit, and keeps every query asked twice: queries of many customers
 * (and counterfactual exposures of theirs), those with extra = 0 and 1 asked
 * in two rounds from two slots, those with extra = 2 once, then all of them
 * again, each against the engine asked afresh. A bound of 64 keeps the
 * counting sets small (1024 cells), so that single queries share cells, and
 * the memo's index grows (from 256 places) as keys are folded in. */
static void query_memo_returns_the_engines_answers(void **state)
{
    (void)state;
    const crvm_value *v = F.v;
    crvm__qmemo *memo = crvm__qmemo_new(64, 2);
    assert_non_null(memo);
    double lambda_b[16];
    /* The distinct queries, and whether each was asked twice. */
    enum { MAX_KEYS = 900 };
    static double key[MAX_KEYS][4];
    static int twice[MAX_KEYS];
    size_t keys = 0;
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0, asked = 0; i < F.n && asked < 300; i += 3) {
            if (v->panel.status[i] != CRVM__VP_ACTIVE)
                continue;
            for (int extra = 0; extra < 3; extra++) {
                if (extra == 2 && round == 1)
                    continue;
                crvm__vquery q;
                memo_query(v, i, extra, lambda_b, &q);
                crvm__rcov_partials memo_answer, fresh;
                memset(&memo_answer, 0, sizeof memo_answer);
                assert_int_equal(crvm__value_eval_derl(v, &q, i, &fresh), CRVM_OK);
                assert_int_equal(crvm__qmemo_eval(memo, (size_t)round % 2, v, &q, i, &memo_answer), CRVM_OK);
                assert_memory_equal(&memo_answer, &fresh, sizeof fresh);
                if (round == 2)
                    continue;
                const double k[4] = {(double)q.segment, (double)q.n, q.lambda, q.e1};
                size_t j = 0;
                while (j < keys && memcmp(key[j], k, sizeof k))
                    j++;
                if (j == keys) {
                    assert_true(keys < MAX_KEYS);
                    memcpy(key[keys++], k, sizeof k);
                } else {
                    twice[j] = 1;
                }
            }
            asked++;
        }
        assert_int_equal(crvm__qmemo_fold(memo, (size_t)round % 2), CRVM_OK);
        if (round == 1) {
            /* Every query asked twice is kept, once; single ones only where
             * others filled their cells. */
            size_t repeated = 0;
            for (size_t j = 0; j < keys; j++)
                repeated += twice[j];
            assert_true(repeated > 300 && repeated < keys);
            assert_true(crvm__qmemo_keys(memo) >= repeated && crvm__qmemo_keys(memo) <= keys);
        }
    }
    crvm__qmemo_free(memo);
}

/* A query the engine refuses is never kept: each asker asks and the error
 * names it, as without the memo. */
static void query_memo_refusals_name_the_asker(void **state)
{
    (void)state;
    const crvm_value *v = F.v;
    crvm__qmemo *memo = crvm__qmemo_new(16, 1);
    assert_non_null(memo);
    double lambda_b[16];
    size_t i = 0;
    while (v->panel.status[i] != CRVM__VP_ACTIVE)
        i++;
    crvm__vquery q;
    memo_query(v, i, 0, lambda_b, &q);
    q.lambda = -1; /* the engine refuses a negative exposure */
    crvm__rcov_partials derl;
    for (int round = 0; round < 3; round++) {
        assert_status(crvm__qmemo_eval(memo, 0, v, &q, i, &derl), CRVM_EINVAL);
        assert_non_null(strstr(crvm_last_error(), crvm_ledger_id(v->ledger, CRVM_TABLE_CUSTOMERS, i)));
        assert_int_equal(crvm__qmemo_fold(memo, 0), CRVM_OK);
    }
    assert_int_equal(crvm__qmemo_keys(memo), 0);
    crvm__qmemo_free(memo);
}

static void results_do_not_depend_on_the_threads(void **state)
{
    (void)state;
    const fitted *f = &F;
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(f->b.ledger, &st), CRVM_OK);
    outputs one = all_outputs(f, f->v); /* threads 0: the calling thread */
    for (int threads = 2; threads <= 3; threads++) {
        crvm_value_options opt;
        crvm_value_options_init(&opt);
        opt.threads = threads;
        crvm_value *v;
        assert_int_equal(crvm_value_fit(f->b.ledger, NULL, f->as_of, &opt, &v), CRVM_OK);
        outputs many = all_outputs(f, v);
        assert_memory_equal(one.cust, many.cust, f->n * CRVM_VC_COLUMNS * sizeof(double));
        assert_memory_equal(one.seg, many.seg, (f->g + 1) * CRVM_VS_COLUMNS * sizeof(double));
        assert_memory_equal(one.impact, many.impact, f->b.nk * sizeof(double));
        assert_memory_equal(one.by, many.by, 64 * CRVM_IMPACT_COLUMNS * sizeof(double));
        assert_memory_equal(one.pnl, many.pnl, sizeof one.pnl);
        assert_memory_equal(one.scenario, many.scenario, sizeof one.scenario);
        assert_memory_equal(one.knowledge, many.knowledge, st.articles * CRVM_VK_COLUMNS * sizeof(double));
        assert_memory_equal(one.outreach, many.outreach, sizeof one.outreach);
        free_outputs(&many);
        crvm_value_free(v);
    }
    free_outputs(&one);
}

/* The ledger of f with its revenue events, contacts and knowledge uses
 * appended in reverse order (customers and articles as they are): the same
 * rows, out of customer order. */
static crvm_ledger *reversed_rows(const crvm_ledger *l)
{
    crvm_ledger *r;
    assert_int_equal(crvm_ledger_new(&r), CRVM_OK);
    const size_t n = l->customer_ids.count, nr = l->n_rev, nk = l->contact_ids.count,
                 na = l->article_ids.count, nu = l->n_use;
#define ID(table, i) crvm_ledger_id(l, table, i)
    for (size_t i = 0; i < n; i++) {
        const char *seg = crvm_ledger_id(l, CRVM_SEGMENTS, l->cust_segment[i]);
        assert_int_equal(crvm_ledger_add_customer(r, ID(CRVM_TABLE_CUSTOMERS, i), seg, l->cust_start[i],
                                                  l->cust_end[i]), CRVM_OK);
    }
    for (size_t a = 0; a < na; a++)
        assert_int_equal(crvm_ledger_add_article(r, ID(CRVM_TABLE_ARTICLES, a), l->art_created[a],
                                                 l->art_authoring[a], l->art_maintenance[a]), CRVM_OK);
    for (size_t j = nr; j-- > 0;)
        assert_int_equal(crvm_ledger_add_revenue_event(r, ID(CRVM_TABLE_CUSTOMERS, l->rev_customer[j]),
                                                       l->rev_date[j], (double)l->rev_cents[j] / 100.0,
                                                       (crvm_stream)l->rev_stream[j]), CRVM_OK);
    for (size_t k = nk; k-- > 0;)
        assert_int_equal(crvm_ledger_add_contact(r, ID(CRVM_TABLE_CONTACTS, k),
                                                 ID(CRVM_TABLE_CUSTOMERS, l->con_customer[k]),
                                                 l->con_opened[k], l->con_closed[k],
                                                 (crvm_channel)l->con_channel[k], l->con_minutes[k],
                                                 l->con_tier[k], l->con_escalated[k],
                                                 (crvm_outcome)l->con_outcome[k], l->con_satisfaction[k]),
                         CRVM_OK);
    for (size_t u = nu; u-- > 0;) {
        uint32_t k = l->use_contact[u], c = l->use_customer[u];
        assert_int_equal(crvm_ledger_add_knowledge_use(
                             r, ID(CRVM_TABLE_ARTICLES, l->use_article[u]), l->use_date[u],
                             (crvm_use_kind)l->use_kind[u], l->use_resolved[u],
                             k == CRVM__NOT_FOUND ? NULL : ID(CRVM_TABLE_CONTACTS, k),
                             c == CRVM__NOT_FOUND ? NULL : ID(CRVM_TABLE_CUSTOMERS, c)),
                         CRVM_OK);
    }
#undef ID
    assert_int_equal(r->n_rev, nr);
    assert_int_equal(r->n_use, nu);
    return r;
}

/* The panel and the contributions read the rows of a customer-ordered
 * ledger by ranges of customers, and group them first otherwise: the same
 * values either way, for any thread count. */
static void results_do_not_depend_on_the_rows_order(void **state)
{
    (void)state;
    const fitted *f = &F;
    const crvm_ledger *l = f->b.ledger;
    /* The shared business is loaded in customer order, its copy is not. */
    assert_true(l->summary.revenue_ordered && l->summary.contacts_ordered && l->summary.uses_ordered);
    crvm_ledger *r = reversed_rows(l);
    assert_false(r->summary.revenue_ordered || r->summary.contacts_ordered || r->summary.uses_ordered);
    double *cust = calloc(f->n * CRVM_VC_COLUMNS, sizeof *cust);
    double *seg = calloc((f->g + 1) * CRVM_VS_COLUMNS, sizeof *seg);
    double *seg_f = calloc((f->g + 1) * CRVM_VS_COLUMNS, sizeof *seg_f);
    assert_int_equal(crvm_value_segments(f->v, seg_f, (f->g + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    crvm_value_info info_f;
    assert_int_equal(crvm_value_get_info(f->v, &info_f), CRVM_OK);
    /* Under valgrind only the ranges of 3 threads (each reading every row). */
    for (int threads = vs_under_valgrind() ? 3 : 1; threads <= 3; threads += 2) {
        crvm_value_options opt;
        crvm_value_options_init(&opt);
        opt.threads = threads;
        crvm_value *v;
        assert_int_equal(crvm_value_fit(r, NULL, f->as_of, &opt, &v), CRVM_OK);
        assert_int_equal(crvm_value_customers(v, cust, f->n * CRVM_VC_COLUMNS), CRVM_OK);
        assert_int_equal(crvm_value_segments(v, seg, (f->g + 1) * CRVM_VS_COLUMNS), CRVM_OK);
        assert_memory_equal(cust, f->cust, f->n * CRVM_VC_COLUMNS * sizeof *cust);
        assert_memory_equal(seg, seg_f, (f->g + 1) * CRVM_VS_COLUMNS * sizeof *seg);
        crvm_value_info info;
        assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
        assert_true(info.report.log_likelihood == info_f.report.log_likelihood);
        crvm_value_free(v);
    }
    free(cust);
    free(seg);
    free(seg_f);
    crvm_ledger_free(r);
}

/* The contact walks (impacts, the P&L's value effect, scenarios) read a
 * customer-ordered ledger's contacts by blocks of customers, and build one
 * index of every customer's contacts otherwise: the same keys in the same
 * order, so the same bits, for any thread count. The fixture's ledger is
 * in customer order; clearing its flag (which only says that the order is
 * known) takes the index on the same rows. */
static void the_walks_read_contacts_by_blocks_as_by_the_index(void **state)
{
    (void)state;
    const fitted *f = &F;
    crvm_ledger *l = f->b.ledger;
    assert_true(l->summary.contacts_ordered);
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    opt.threads = 3;
    crvm_value *v3;
    assert_int_equal(crvm_value_fit(l, NULL, f->as_of, &opt, &v3), CRVM_OK);
    crvm_value *values[2] = {f->v, v3};
    for (int j = 0; j < 2; j++) {
        outputs blocks = all_outputs(f, values[j]);
        l->summary.contacts_ordered = 0;
        outputs index = all_outputs(f, values[j]);
        l->summary.contacts_ordered = 1;
        size_t nonzero = 0;
        for (size_t k = 0; k < f->b.nk; k++)
            nonzero += blocks.impact[k] != 0;
        assert_true(nonzero > f->b.nk / 2);
        assert_memory_equal(blocks.impact, index.impact, f->b.nk * sizeof(double));
        assert_memory_equal(blocks.by, index.by, 64 * CRVM_IMPACT_COLUMNS * sizeof(double));
        assert_memory_equal(blocks.pnl, index.pnl, sizeof blocks.pnl);
        assert_memory_equal(blocks.scenario, index.scenario, sizeof blocks.scenario);
        free_outputs(&blocks);
        free_outputs(&index);
    }
    /* The groups are checked on the threads too: the first bad one named. */
    const size_t nk = f->b.nk;
    int32_t *g = calloc(nk, sizeof *g);
    double out[2 * CRVM_IMPACT_COLUMNS];
    g[nk - 2] = -5;
    g[nk / 5] = 2;
    char want[64];
    snprintf(want, sizeof want, "group[%zu] = 2:", nk / 5);
    for (int j = 0; j < 2; j++) {
        assert_status(crvm_value_impact_by(values[j], CRVM_OUTCOME_RESOLVED, g, nk, 2, out,
                                           2 * CRVM_IMPACT_COLUMNS), CRVM_EINVAL);
        assert_non_null(strstr(crvm_last_error(), want));
    }
    free(g);
    crvm_value_free(v3);
}

/* A small business of our own, for the calls that modify or break a ledger. */
static vs_business small_business(uint64_t seed)
{
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    o.customers = 300;
    o.seed = seed;
    return vs_simulated(&o);
}

static void a_modified_ledger_is_refused(void **state)
{
    (void)state;
    vs_business b = small_business(3);
    crvm_value *v;
    const crvm_date as_of = D(2024, 6, 14);
    assert_int_equal(crvm_value_fit(b.ledger, NULL, as_of, NULL, &v), CRVM_OK);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
    const char *id[] = {"newcomer"}, *seg[] = {"smb"};
    crvm_date start[] = {as_of};
    assert_int_equal(crvm_ledger_add_customers(b.ledger, id, 1, seg, 1, start, 1, NULL, 0, NULL), CRVM_OK);
    double out[CRVM_PNL_LINES * 4];
    int32_t group[4];
    size_t count;
    char text[16];
    crvm_value_driver d[2];
    const crvm_retention_cov *model;
    crvm_scenario sc = CRVM_SCENARIO_INIT;
    crvm_value_info again;
    assert_status(crvm_value_get_info(v, &again), CRVM_ESTATE);
    assert_status(crvm_value_retention_model(v, &model), CRVM_ESTATE);
    assert_status(crvm_value_customers(v, out, 0), CRVM_ESTATE);
    assert_status(crvm_value_segments(v, out, 0), CRVM_ESTATE);
    assert_status(crvm_value_contact_impacts(v, 0, out, 0), CRVM_ESTATE);
    assert_status(crvm_value_impact_by(v, 0, group, 0, 1, out, 4), CRVM_ESTATE);
    assert_status(crvm_value_impact_by_many(v, 0, group, 0, group, 1, out, 4), CRVM_ESTATE);
    assert_status(crvm_value_contact_groups(v, CRVM_FIELD_OUTCOME, NULL, group, 0, &count), CRVM_ESTATE);
    assert_status(crvm_value_group_label(v, CRVM_FIELD_OUTCOME, NULL, 0, text, sizeof text), CRVM_ESTATE);
    assert_status(crvm_value_support_pnl(v, as_of, as_of, out, CRVM_PNL_LINES), CRVM_ESTATE);
    assert_status(crvm_value_outreach(v, CRVM_RANK_VALUE_AT_RISK, 1, group, 4, &count), CRVM_ESTATE);
    assert_status(crvm_value_outreach_scores(v, CRVM_RANK_VALUE_AT_RISK, out, 0), CRVM_ESTATE);
    assert_status(crvm_value_drivers(v, 0, d, 2, &count), CRVM_ESTATE);
    assert_status(crvm_value_drivers_text(v, 0, text, sizeof text), CRVM_ESTATE);
    assert_status(crvm_value_scenario(v, &sc, out, CRVM_SCEN_COLUMNS), CRVM_ESTATE);
    assert_status(crvm_value_knowledge(v, out, 0), CRVM_ESTATE);
    assert_status(crvm_value_covariate_effects(v, out, 0), CRVM_ESTATE);
    assert_status(crvm_value_panel_size(v, NULL, NULL, NULL), CRVM_ESTATE);
    assert_status(crvm_value_panel(v, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_ESTATE);
    assert_non_null(strstr(crvm_last_error(), "modified"));
    /* A rolled-back batch is a modification too: the value stays stale. */
    crvm_value_free(v);
    vs_free(&b);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    const fitted *f = &F;
    const crvm_ledger *l = f->b.ledger;
    const crvm_date as_of = f->as_of;
    crvm_value *v = NULL;
    crvm_value_options o;
#define BAD_OPTION(field, value, needle)                                              \
    do {                                                                              \
        crvm_value_options_init(&o);                                                  \
        o.field = (value);                                                            \
        assert_status(crvm_value_fit(l, NULL, as_of, &o, &v), CRVM_EINVAL);          \
        assert_non_null(strstr(crvm_last_error(), needle));                          \
    } while (0)
    BAD_OPTION(model, (crvm_value_model)9, "options.model");
    BAD_OPTION(covariates, 2, "options.covariates");
    BAD_OPTION(period, (crvm_period)5, "options.period");
    BAD_OPTION(horizon, 0, "options.horizon");
    BAD_OPTION(trailing_months, 0, "options.trailing_months");
    BAD_OPTION(shrinkage, -1, "options.shrinkage");
    BAD_OPTION(shrinkage, NAN, "options.shrinkage");
    BAD_OPTION(future, (crvm_value_future)7, "options.future");
    BAD_OPTION(lifetime_cap, 0, "options.lifetime_cap");
    BAD_OPTION(confidence, 1.0, "options.confidence");
    BAD_OPTION(reference_outcome, 9, "options.reference_outcome");
    BAD_OPTION(discount_rate, 1.0, "options.discount_rate");
    BAD_OPTION(discount_rate, 0.0, "discount rate of 0");
    BAD_OPTION(threads, -1, "options.threads");
    BAD_OPTION(model, CRVM_VALUE_BGNBD, "end date"); /* non-contractual: no end dates */
    crvm_value_options_init(&o);
    o.period = CRVM_PERIOD_QUARTER;
    o.horizon = 13; /* not a whole number of quarters */
    assert_status(crvm_value_fit(l, NULL, as_of, &o, &v), CRVM_EINVAL);
#undef BAD_OPTION
    crvm_value_options_init(NULL); /* ignored */
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    m.hourly_rate[0] = -1;
    assert_status(crvm_value_fit(l, &m, as_of, NULL, &v), CRVM_EINVAL);
    assert_status(crvm_value_fit(NULL, NULL, as_of, NULL, &v), CRVM_EINVAL);
    assert_status(crvm_value_fit(l, NULL, as_of, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_value_fit(l, NULL, D(2021, 1, 1), NULL, &v), CRVM_EINVAL);  /* before the data */
    assert_status(crvm_value_fit(l, NULL, D(2025, 6, 1), NULL, &v), CRVM_EINVAL);  /* months after it */
    assert_non_null(strstr(crvm_last_error(), "as_of"));
    assert_null(v);
    /* Accessors of the shared value. */
    double out[64];
    int32_t group[2] = {0, 0};
    const crvm_retention_cov *model;
    assert_status(crvm_value_get_info(NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_value_get_info(f->v, NULL), CRVM_EINVAL);
    assert_status(crvm_value_retention_model(NULL, &model), CRVM_EINVAL);
    assert_status(crvm_value_retention_model(f->v, NULL), CRVM_EINVAL);
    assert_null(crvm_value_covariate_name(f->v, f->p));
    assert_null(crvm_value_covariate_name(NULL, 0));
    assert_status(crvm_value_customers(f->v, out, 64), CRVM_EINVAL);
    assert_status(crvm_value_customers(NULL, out, 64), CRVM_EINVAL);
    assert_status(crvm_value_segments(f->v, out, 5), CRVM_EINVAL);
    assert_status(crvm_value_covariate_effects(f->v, out, 5), CRVM_EINVAL);
    assert_status(crvm_value_covariate_effects(NULL, out, 5), CRVM_EINVAL);
    assert_status(crvm_value_panel_size(NULL, NULL, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_value_panel(f->v, group, 2, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_value_panel(f->v, NULL, 0, NULL, 0, NULL, 0, NULL, 0, out, 2), CRVM_EINVAL);
    assert_status(crvm_value_panel(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_value_contact_impacts(f->v, 7, out, 0), CRVM_EINVAL);
    assert_status(crvm_value_contact_impacts(f->v, CRVM_OUTCOME_REFUSED, out, 3), CRVM_EINVAL);
    assert_status(crvm_value_contact_impacts(NULL, CRVM_OUTCOME_REFUSED, out, 3), CRVM_EINVAL);
    size_t nk = f->b.nk;
    int32_t *g = calloc(nk, sizeof *g);
    assert_status(crvm_value_impact_by(f->v, CRVM_OUTCOME_RESOLVED, g, nk, 0, out, 0), CRVM_EINVAL);
    assert_status(crvm_value_impact_by(f->v, CRVM_OUTCOME_RESOLVED, g, nk, 2, out, 7), CRVM_EINVAL);
    assert_status(crvm_value_impact_by(f->v, CRVM_OUTCOME_RESOLVED, g, nk - 1, 2, out, 8), CRVM_EINVAL);
    assert_status(crvm_value_impact_by(f->v, -7, g, nk, 2, out, 8), CRVM_EINVAL);
    g[nk / 2] = 2;
    assert_status(crvm_value_impact_by(f->v, CRVM_OUTCOME_RESOLVED, g, nk, 2, out, 8), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "group["));
    assert_status(crvm_value_impact_by(NULL, CRVM_OUTCOME_RESOLVED, g, nk, 2, out, 8), CRVM_EINVAL);
    /* A covariate model only: the effects have a row per covariate. */
    assert_int_equal(crvm_value_covariate_effects(f->v, out, f->p * CRVM_EFFECT_COLUMNS), CRVM_OK);
    for (size_t j = 0; j < f->p; j++) {
        const double *e = out + j * CRVM_EFFECT_COLUMNS;
        size_t at = 2 * f->g + 1 + j;
        assert_true(e[CRVM_EFFECT_COEFFICIENT] == f->params[at]);
        assert_close(e[CRVM_EFFECT_STANDARD_ERROR], sqrt(f->cov[at * f->k + at]), 1e-15, 0);
        assert_close(e[CRVM_EFFECT_HAZARD_RATIO], exp(f->params[at]), 1e-15, 0);
        assert_true(e[CRVM_EFFECT_LOWER] < e[CRVM_EFFECT_HAZARD_RATIO] && e[CRVM_EFFECT_HAZARD_RATIO] < e[CRVM_EFFECT_UPPER]);
        assert_true(e[CRVM_EFFECT_P_VALUE] >= 0 && e[CRVM_EFFECT_P_VALUE] <= 1);
    }
    free(g);
    crvm_value_free(NULL);
    /* Column names. */
    assert_string_equal(crvm_value_column_name(CRVM_VC_RESIDUAL_VALUE), "residual_value");
    assert_null(crvm_value_column_name(CRVM_VC_COLUMNS));
    assert_string_equal(crvm_value_segment_column_name(CRVM_VS_VALUE_AT_RISK), "value_at_risk");
    assert_null(crvm_value_segment_column_name(-1));
    assert_string_equal(crvm_pnl_line_name(CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR), "value_per_support_dollar");
    assert_null(crvm_pnl_line_name(CRVM_PNL_LINES));
    assert_string_equal(crvm_value_knowledge_column_name(CRVM_VK_PROJECTED_VALUE), "projected_value");
    assert_null(crvm_value_knowledge_column_name(CRVM_VK_COLUMNS));
}

static void degenerate_data_is_refused(void **state)
{
    (void)state;
    /* Nobody active on the as-of date: every customer has left. */
    crvm_ledger *l;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    const char *ids[] = {"a", "b"}, *seg[] = {"s", "s"};
    crvm_date start[] = {D(2023, 1, 1), D(2023, 2, 1)}, end[] = {D(2023, 6, 1), D(2023, 7, 1)};
    assert_int_equal(crvm_ledger_add_customers(l, ids, 2, seg, 2, start, 2, end, 2, NULL), CRVM_OK);
    crvm_value *v;
    assert_status(crvm_value_fit(l, NULL, D(2023, 7, 15), NULL, &v), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "active"));
    /* A segment where nobody has churned: no finite retention estimate. */
    const char *ids2[] = {"c", "d"}, *seg2[] = {"t", "t"};
    crvm_date start2[] = {D(2023, 1, 5), D(2023, 2, 5)};
    assert_int_equal(crvm_ledger_add_customers(l, ids2, 2, seg2, 2, start2, 2, NULL, 0, NULL), CRVM_OK);
    assert_status(crvm_value_fit(l, NULL, D(2023, 7, 15), NULL, &v), CRVM_EDOMAIN);
    /* No customers at all. */
    crvm_ledger *empty;
    assert_int_equal(crvm_ledger_new(&empty), CRVM_OK);
    assert_status(crvm_value_fit(empty, NULL, D(2023, 7, 15), NULL, &v), CRVM_EDOMAIN);
    crvm_ledger_free(empty);
    crvm_ledger_free(l);
}

/* Sums beyond 2^53 cents, and periods with too many ways to change, are
 * refused naming the customer rather than returned inexact. */
static void overflowing_sums_are_refused(void **state)
{
    (void)state;
    vs_business b = small_business(3);
    const crvm_date as_of = D(2024, 6, 14);
    /* A customer of one month and enormous contribution (not valued by the
     * fit: it has left) with a refused contact in that month: its
     * contribution fits in 2^53 cents, its value at the renewal does not. */
    vs_add_whale(&b);
    int32_t channel[] = {CRVM_CHANNEL_PHONE}, tier[] = {1};
    double minutes[] = {10}, sat[] = {NAN};
    /* An active customer with contacts of every kind in its period in
     * progress: 3 of each of 8 types, 4^8 ways a self-service shift can go. */
    size_t who = 0;
    while (b.end[who] != CRVM_DATE_NONE || b.start[who] > as_of - 40)
        who++;
    const char *cust = crvm_ledger_id(b.ledger, CRVM_TABLE_CUSTOMERS, who);
    for (int t = 0; t < 24; t++) {
        char cid[32];
        snprintf(cid, sizeof cid, "busy-%d", t);
        const char *k2[] = {cid}, *c2[] = {cust};
        crvm_date o2[] = {as_of}, cl2[] = {as_of};
        int32_t out2[] = {t % 4}, esc2[] = {(t / 4) % 2};
        assert_int_equal(crvm_ledger_add_contacts(b.ledger, k2, 1, c2, 1, o2, 1, cl2, 1, channel, 1, minutes, 1,
                                                  tier, 1, esc2, 1, out2, 1, sat, 1, NULL),
                         CRVM_OK);
    }
    crvm_value *v;
    crvm_status fit = crvm_value_fit(b.ledger, NULL, as_of, NULL, &v);
    if (fit)
        fail_msg("%s", crvm_last_error());
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(b.ledger, &st), CRVM_OK);
    double *impact = calloc(st.contacts, sizeof *impact), out[CRVM_PNL_LINES], by[CRVM_IMPACT_COLUMNS];
    int32_t *group = calloc(st.contacts, sizeof *group);
    /* Against no contact, its refused and escalated contact moves more than 2^53 cents. */
    assert_status(crvm_value_contact_impacts(v, CRVM_VALUE_NO_CONTACT, impact, st.contacts), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "whale"));
    assert_status(crvm_value_impact_by(v, CRVM_VALUE_NO_CONTACT, group, st.contacts, 1, by, CRVM_IMPACT_COLUMNS), CRVM_EDOMAIN);
    const int32_t one_group = 1;
    assert_status(crvm_value_impact_by_many(v, CRVM_VALUE_NO_CONTACT, group, st.contacts, &one_group, 1, by, CRVM_IMPACT_COLUMNS), CRVM_EDOMAIN);
    assert_status(crvm_value_support_pnl(v, CRVM_DATE_MIN, as_of + 1, out, CRVM_PNL_LINES), CRVM_EDOMAIN);
    crvm_scenario sc = CRVM_SCENARIO_INIT;
    sc.kind = CRVM_SCENARIO_SHIFT_TO_SELF_SERVICE;
    sc.share = 0.5;
    sc.from = as_of;
    assert_status(crvm_value_scenario(v, &sc, out, CRVM_SCEN_COLUMNS), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), cust));
    free(impact);
    free(group);
    crvm_value_free(v);
    vs_free(&b);
}

/* Allocation failures: every allocating call, on a small business of one
 * segment valued with a steep discount and a one-period horizon and cap, so
 * that each of the fit's hundred or so allocation sites costs little. */
typedef struct alloc_ctx {
    const crvm_ledger *l;
    const crvm_value *v; /* NULL: the fit itself */
    crvm_value_model model;
    crvm_date as_of;
    size_t nk, articles;
    int call;
    int threads; /* of the fit */
} alloc_ctx;

static crvm_status alloc_scenario(void *vctx)
{
    alloc_ctx *c = vctx;
    if (!c->v) {
        crvm_value_options opt;
        crvm_value_options_init(&opt);
        opt.discount_rate = 0.99;
        opt.horizon = 1;
        opt.lifetime_cap = 1;
        opt.model = c->model;
        opt.threads = c->threads;
        crvm_value *v = NULL; /* written only on success */
        crvm_status st = crvm_value_fit(c->l, NULL, c->as_of, &opt, &v);
        crvm_value_free(v);
        return st;
    }
    double *out = calloc(c->nk * 4 + c->articles * CRVM_VK_COLUMNS + 64, sizeof *out);
    int32_t *group = calloc(c->nk + 1, sizeof *group);
    size_t count;
    crvm_scenario sc = CRVM_SCENARIO_INIT;
    sc.share = 1;
    crvm_status st;
    switch (c->call) {
    case 1: st = crvm_value_contact_impacts(c->v, CRVM_OUTCOME_RESOLVED, out, c->nk); break;
    case 2: st = crvm_value_impact_by(c->v, CRVM_OUTCOME_RESOLVED, group, c->nk, 1, out, CRVM_IMPACT_COLUMNS); break;
    case 7: {
        const int32_t one = 1;
        st = crvm_value_impact_by_many(c->v, CRVM_OUTCOME_RESOLVED, group, c->nk, &one, 1, out, CRVM_IMPACT_COLUMNS);
        break;
    }
    case 3: st = crvm_value_support_pnl(c->v, CRVM_DATE_MIN, c->as_of + 1, out, CRVM_PNL_LINES); break;
    case 4: st = crvm_value_outreach(c->v, CRVM_RANK_VALUE_AT_RISK, 10, group, 10, &count); break;
    case 5: st = crvm_value_scenario(c->v, &sc, out, CRVM_SCEN_COLUMNS); break;
    case 8: {
        const crvm_retention_cov *model;
        size_t groups, p;
        assert_int_equal(crvm_value_retention_model(c->v, &model), CRVM_OK);
        assert_int_equal(crvm_retention_cov_shape(model, NULL, &groups, &p), CRVM_OK);
        st = crvm_value_scenario_sums(c->v, &sc, out, 3 + 2 * groups + 1 + p);
        break;
    }
    default: st = crvm_value_knowledge(c->v, out, c->articles * CRVM_VK_COLUMNS); break;
    }
    free(out);
    free(group);
    return st;
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    o.customers = 400;
    o.seed = 3;
    o.segment_share[0] = 1;
    o.segment_share[1] = o.segment_share[2] = 0;
    vs_business b = vs_simulated(&o);
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(b.ledger, &st), CRVM_OK);
    alloc_ctx c = {b.ledger, NULL, CRVM_VALUE_BDW, D(2024, 6, 14), b.nk, st.articles, 0, 0};
    /* The fit's hundred-odd sites each cost a fit: under valgrind only the
     * calls and the Cox option's fit are injected (the plain and sanitizer
     * runs inject the default fit too). */
    if (!vs_under_valgrind())
        assert_true(test_every_allocation_failure(alloc_scenario, &c) > 20);
    c.model = CRVM_VALUE_COX;
    assert_true(test_every_allocation_failure(alloc_scenario, &c) > 10);
    /* With two threads the engine is built while another thread finds the
     * repeated queries: a failure on either side is reported, with its
     * message, on the calling thread (the sites are met in either order). */
    c.threads = 2;
    for (int m = 0; m < 2 && !vs_under_valgrind(); m++) {
        c.model = m ? CRVM_VALUE_COX : CRVM_VALUE_BDW;
        assert_true(test_every_allocation_failure(alloc_scenario, &c) > 10);
    }
    c.threads = 0;
    c.model = CRVM_VALUE_BDW;
    crvm_value *v;
    assert_int_equal(crvm_value_fit(b.ledger, NULL, c.as_of, NULL, &v), CRVM_OK);
    c.v = v;
    for (c.call = 1; c.call <= 8; c.call++)
        assert_true(test_every_allocation_failure(alloc_scenario, &c) >= 1);
    crvm_value_free(v);
    vs_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(customer_figures_match_a_direct_series),
        cmocka_unit_test(roll_ups_are_exact_sums_of_cents),
        cmocka_unit_test(intervals_follow_the_delta_method),
        cmocka_unit_test(without_covariates_the_figures_are_the_plain_model),
        cmocka_unit_test(contact_impacts_match_a_direct_series),
        cmocka_unit_test(groupings_and_their_labels),
        cmocka_unit_test(impact_by_many_equals_each_single_call),
        cmocka_unit_test(info_carries_the_horizon_and_confidence),
        cmocka_unit_test(support_pnl_adds_up_and_reconciles),
        cmocka_unit_test(outreach_scores_are_the_ranking),
        cmocka_unit_test(outreach_ranks_and_names_drivers),
        cmocka_unit_test(scenarios_match_a_direct_mixture),
        cmocka_unit_test(knowledge_rows_project_the_recent_rate),
        cmocka_unit_test(cox_option_matches_a_direct_series),
        cmocka_unit_test(own_period_is_set_period),
        cmocka_unit_test(query_memo_returns_the_engines_answers),
        cmocka_unit_test(query_memo_refusals_name_the_asker),
        cmocka_unit_test(results_do_not_depend_on_the_threads),
        cmocka_unit_test(results_do_not_depend_on_the_rows_order),
        cmocka_unit_test(the_walks_read_contacts_by_blocks_as_by_the_index),
        cmocka_unit_test(a_modified_ledger_is_refused),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(degenerate_data_is_refused),
        cmocka_unit_test(overflowing_sums_are_refused),
        cmocka_unit_test(allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
