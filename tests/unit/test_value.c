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

static void fit_business(fitted *f, const crvm_sim_options *o, crvm_date as_of,
                         const crvm_value_options *opt)
{
    memset(f, 0, sizeof *f);
    f->b = vs_simulated(o);
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

static void free_fitted(fitted *f)
{
    crvm_value_free(f->v);
    vs_free(&f->b);
    free(f->params);
    free(f->cov);
    free(f->cust);
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
    for (size_t i = 0; i < f->n; i += 7) {
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
    assert_true(checked > 50);
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
     * relative here; the bounds are rounded to whole cents. */
    double half = (row[CRVM_VS_RESIDUAL_VALUE_UPPER] - row[CRVM_VS_RESIDUAL_VALUE_LOWER]) / 2 * 100;
    assert_close(half, z * fd_se(&c), 1e-4, 1.0);
    c.quantity = 1;
    half = (row[CRVM_VS_EXPECTED_RETAINED_UPPER] - row[CRVM_VS_EXPECTED_RETAINED_LOWER]) / 2;
    assert_close(half, z * fd_se(&c), 1e-4, 1e-9);
    c.segment = -1;
    int shown = 0;
    for (size_t i = 0; i < f.n && shown < 3; i++) {
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
    assert_int_equal(shown, 3);
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
    size_t nk = b->nk, checked[2] = {0};
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
        if (k % 37 == 0 && checked[0] < 25 && b->k_outcome[k] != CRVM_OUTCOME_RESOLVED) {
            assert_true(llabs(cents(impact[k]) - llround(reference_impact(&pn, log_e, k, CRVM_OUTCOME_RESOLVED))) <= 1);
            checked[0]++;
        }
        if (k % 41 == 0 && checked[1] < 25) {
            assert_true(llabs(cents(none[k]) - llround(reference_impact(&pn, log_e, k, CRVM_VALUE_NO_CONTACT))) <= 1);
            checked[1]++;
        }
    }
    assert_true(checked[0] >= 10 && checked[1] >= 20);
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
