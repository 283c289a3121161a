/* Cox fits on data with few distinct times, which sum the rows per
 * (stratum, time) instead of sorting them (lib/survival/cox_tied.c), and
 * the concordance index a fit computes only when asked for. The reference
 * for the per-time sums is the sorted pass, which test_survival.c checks
 * against lifelines, published results and brute-force likelihoods: a fit
 * with robust standard errors always takes the sorted pass, and robust
 * errors change nothing else of the fit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "support.h"
#include "survival/cox_rows.h"

enum { N = 3000, P = 3 };

typedef struct data {
    double x[N * P], t[N], w[N];
    int32_t e[N], s[N];
} data;

/* Proportional hazards with a few distinct times (ceil of exponential
 * times, at most `times`), censoring, weights 1-3 and three strata. */
static void simulate(data *d, int times, unsigned seed)
{
    test_rng rng = {seed};
    for (int i = 0; i < N; i++) {
        double lp = 0.0;
        for (int j = 0; j < P; j++) {
            d->x[i * P + j] = j == 2 ? (test_rng_uniform(&rng) < 0.4) : test_rng_normal(&rng);
            lp += (0.3 - 0.25 * j) * d->x[i * P + j];
        }
        double te = -log(test_rng_uniform(&rng)) / (0.2 * exp(lp));
        double tc = times * test_rng_uniform(&rng);
        double t = ceil(te < tc ? te : tc);
        d->t[i] = t > times ? times : t;
        d->e[i] = te <= tc;
        d->w[i] = 1 + i % 3;
        d->s[i] = (int32_t)(i % 3) - 1;
    }
}

static crvm_cox *fit_tol(const data *d, int weighted, int stratified, crvm_ties ties, int robust,
                         double tolerance)
{
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    opt.ties = ties;
    opt.robust = robust;
    opt.tolerance = tolerance;
    crvm_cox *cox = NULL;
    assert_int_equal(crvm_cox_fit(d->x, N * P, N, P, d->t, N, d->e, N, weighted ? d->w : NULL,
                                  weighted ? N : 0, stratified ? d->s : NULL,
                                  stratified ? N : 0, &opt, &cox, NULL),
                     CRVM_OK);
    return cox;
}

static crvm_cox *fit(const data *d, int weighted, int stratified, crvm_ties ties, int robust)
{
    const crvm_cox_options defaults = CRVM_COX_OPTIONS_INIT;
    return fit_tol(d, weighted, stratified, ties, robust, defaults.tolerance);
}

/* One statistic of two fits of P covariates. */
static void statistic_of_both(const crvm_cox *a, const crvm_cox *b, crvm_cox_stat stat, double *va,
                              double *vb)
{
    assert_int_equal(crvm_cox_statistic(a, stat, va, P), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(b, stat, vb, P), CRVM_OK);
}

static void per_time_sums_equal_the_sorted_pass(void **state)
{
    (void)state;
    static data d;
    for (int k = 0; k < 16; k++) {
        simulate(&d, 12, 5);
        if (k >= 8) {
            /* Outliers in different rows, with outcomes that fit them
             * (failing first, surviving to the end): the bound on the
             * largest linear predictor, sum_j |beta_j| max |z_j|,
             * overshoots it by about 50 in the first Newton steps, so the
             * one-pass shift is redone with the maximum itself. */
            d.x[0 * P + 0] = 200.0;
            d.t[0] = 1;
            d.e[0] = 1;
            d.x[1 * P + 1] = -1000.0;
            d.t[1] = 12;
            d.e[1] = 0;
        }
        const int weighted = k & 1, stratified = (k >> 1) & 1;
        const crvm_ties ties = (k >> 2) & 1 ? CRVM_TIES_BRESLOW : CRVM_TIES_EFRON;
        crvm_cox *a = fit(&d, weighted, stratified, ties, 0); /* per-time sums */
        crvm_cox *b = fit(&d, weighted, stratified, ties, 1); /* sorted pass */
        double ca[P], cb[P], sa[P], sb[P];
        statistic_of_both(a, b, CRVM_COX_COEF, ca, cb);
        statistic_of_both(a, b, CRVM_COX_SE_MODEL, sa, sb);
        /* The same sums added in another order (rounding ~1e-16 relative
         * per sum) and the same Newton steps: estimates agree far inside
         * the fit's own convergence tolerance (1e-9 on the step). */
        for (int j = 0; j < P; j++) {
            assert_close(ca[j], cb[j], 1e-10, 1e-12);
            assert_close(sa[j], sb[j], 1e-10, 0.0);
        }
        crvm_cox_summary_stats ta, tb;
        assert_int_equal(crvm_cox_summary(a, &ta), CRVM_OK);
        assert_int_equal(crvm_cox_summary(b, &tb), CRVM_OK);
        assert_close(ta.log_likelihood, tb.log_likelihood, 1e-12, 0.0);
        assert_close(ta.log_likelihood_null, tb.log_likelihood_null, 1e-12, 0.0);
        /* Pair counts are integers and the scores rank alike. */
        assert_close(ta.concordance, tb.concordance, 1e-14, 0.0);
        assert_int_equal(ta.n_strata, stratified ? 3 : 1);
        assert_int_equal(ta.n_strata, tb.n_strata);
        assert_int_equal(ta.iterations, tb.iterations);
        for (int32_t s = stratified ? -1 : 0; s <= (stratified ? 1 : 0); s++) {
            size_t ma = 0, mb = 0;
            assert_int_equal(crvm_cox_baseline_size(a, s, &ma), CRVM_OK);
            assert_int_equal(crvm_cox_baseline_size(b, s, &mb), CRVM_OK);
            assert_int_equal(ma, mb);
            assert_true(ma >= 10 && ma <= 12);
            double time_a[12], time_b[12], ha[12], hb[12];
            assert_int_equal(crvm_cox_baseline(a, s, time_a, ma, ha, ma), CRVM_OK);
            assert_int_equal(crvm_cox_baseline(b, s, time_b, mb, hb, mb), CRVM_OK);
            for (size_t i = 0; i < ma; i++) {
                assert_true(time_a[i] == time_b[i]);
                assert_close(ha[i], hb[i], 1e-10, 0.0);
            }
        }
        crvm_cox_free(a);
        crvm_cox_free(b);
    }
}

/* The per-time sums take the fit's last Newton step without a pass over
 * the rows when it moves no eta by more than 1e-6 (Taylor's formula for
 * the log-likelihood and the baseline's risk sums, cox_fit.h), and
 * evaluate at the new point otherwise: at the default tolerance (last step
 * ~1e-10) and at tolerance 0.5, where the first step (~0.3) is the last,
 * both agree with the sorted pass, which always evaluates there. */
static void last_step_follows_by_taylor_or_a_pass(void **state)
{
    (void)state;
    static data d;
    simulate(&d, 12, 7);
    const double tolerances[2] = {1e-9, 0.5};
    for (int k = 0; k < 4; k++) {
        const crvm_ties ties = k & 1 ? CRVM_TIES_BRESLOW : CRVM_TIES_EFRON;
        crvm_cox *a = fit_tol(&d, 1, 0, ties, 0, tolerances[k >> 1]);
        crvm_cox *b = fit_tol(&d, 1, 0, ties, 1, tolerances[k >> 1]);
        crvm_cox_summary_stats ta, tb;
        assert_int_equal(crvm_cox_summary(a, &ta), CRVM_OK);
        assert_int_equal(crvm_cox_summary(b, &tb), CRVM_OK);
        assert_int_equal(ta.iterations, k >> 1 ? 1 : tb.iterations);
        /* Taylor's remainder is below 1e-18 relative here; the rest is
         * the order of the sums, as in the test above. */
        assert_close(ta.log_likelihood, tb.log_likelihood, 1e-12, 0.0);
        assert_true(ta.log_likelihood > ta.log_likelihood_null);
        size_t ma = 0, mb = 0;
        assert_int_equal(crvm_cox_baseline_size(a, 0, &ma), CRVM_OK);
        assert_int_equal(crvm_cox_baseline_size(b, 0, &mb), CRVM_OK);
        assert_int_equal(ma, mb);
        double time_a[12], time_b[12], ha[12], hb[12];
        assert_int_equal(crvm_cox_baseline(a, 0, time_a, ma, ha, ma), CRVM_OK);
        assert_int_equal(crvm_cox_baseline(b, 0, time_b, mb, hb, mb), CRVM_OK);
        for (size_t i = 0; i < ma; i++)
            assert_close(ha[i], hb[i], 1e-10, 0.0);
        assert_close(ta.concordance, tb.concordance, 1e-14, 0.0);
        crvm_cox_free(a);
        crvm_cox_free(b);
    }
}

/* Harrell's C from crvm_concordance_index on the model's own partial
 * hazards: the independent route to the lazily computed index. */
static double concordance_of_predictions(const crvm_cox *cox, const data *d)
{
    static double ph[N];
    assert_int_equal(crvm_cox_predict_partial_hazard(cox, d->x, N * P, N, P, ph, N), CRVM_OK);
    for (int i = 0; i < N; i++)
        ph[i] = -ph[i];
    double c = 0.0;
    assert_int_equal(crvm_concordance_index(d->t, N, ph, N, d->e, N, &c), CRVM_OK);
    return c;
}

typedef struct reader {
    const crvm_cox *cox;
    double value;
    crvm_status status;
} reader;

static int read_concordance(void *arg)
{
    reader *r = arg;
    r->status = crvm_cox_concordance(r->cox, &r->value);
    return 0;
}

static void concordance_is_computed_on_request(void **state)
{
    (void)state;
    static data d;
    for (int times = 12; times <= N; times += N - 12) { /* per-time sums, then the sort */
        simulate(&d, times, 11);
        if (times == N)
            for (int i = 0; i < N; i++)
                d.t[i] += 1e-6 * i; /* distinct times */
        crvm_cox *cox = fit(&d, 0, 0, CRVM_TIES_EFRON, 0);
        /* First request from several threads at once: one value. */
        reader r[4];
        thrd_t th[4];
        for (int k = 0; k < 4; k++) {
            r[k] = (reader){cox, -1.0, CRVM_EINVAL};
            assert_int_equal(thrd_create(&th[k], read_concordance, &r[k]), thrd_success);
        }
        for (int k = 0; k < 4; k++)
            assert_int_equal(thrd_join(th[k], NULL), thrd_success);
        /* The partial hazards are exp of the same linear predictor up to
         * rounding, so every pair ranks alike. */
        const double expected = concordance_of_predictions(cox, &d);
        assert_true(expected > 0.55 && expected < 0.75);
        for (int k = 0; k < 4; k++) {
            assert_int_equal(r[k].status, CRVM_OK);
            assert_close(r[k].value, expected, 1e-14, 0.0);
            assert_true(r[k].value == r[0].value);
        }
        double again = 0.0;
        crvm_cox_summary_stats s;
        assert_int_equal(crvm_cox_concordance(cox, &again), CRVM_OK);
        assert_int_equal(crvm_cox_summary(cox, &s), CRVM_OK);
        assert_true(again == r[0].value && s.concordance == r[0].value);
        double untouched = 7.0;
        assert_status(crvm_cox_concordance(NULL, &untouched), CRVM_EINVAL);
        assert_true(untouched == 7.0);
        assert_status(crvm_cox_concordance(cox, NULL), CRVM_EINVAL);
        crvm_cox_free(cox);
    }
}

static crvm_status tied_scenario(void *ctx)
{
    const int stratified = *(const int *)ctx;
    static data d;
    simulate(&d, 6, 3);
    crvm_cox *cox = NULL;
    crvm_status st = crvm_cox_fit(d.x, N * P, N, P, d.t, N, d.e, N, d.w, N,
                                  stratified ? d.s : NULL, stratified ? N : 0, NULL, &cox, NULL);
    if (st != CRVM_OK)
        return st;
    double c = 0.0;
    crvm_cox_summary_stats s;
    st = crvm_cox_concordance(cox, &c);
    if (st == CRVM_OK)
        st = crvm_cox_summary(cox, &s);
    crvm_cox_free(cox);
    return st;
}

static void survives_every_allocation_failure(void **state)
{
    (void)state;
    int plain = 0, stratified = 1;
    assert_true(test_every_allocation_failure(tied_scenario, &plain) >= 6);
    assert_true(test_every_allocation_failure(tied_scenario, &stratified) >= 8);
}

/* The row kernel this processor runs (AVX2 with FMA on x86-64 where
 * present, 1 to 4 vectors a row) against the scalar reference, for every
 * p it covers and beyond: the same sums in another order of roundings, so
 * each entry agrees to rounding relative to the size of its terms: M_ab is
 * a sum of r z_a z_b, whose magnitudes sum to at most sqrt(M_aa M_bb)
 * (Cauchy-Schwarz), over a few hundred rows, hence 1e-13 of that. */
static void row_kernels_agree(void **state)
{
    (void)state;
    enum { NR = 1000, MB = 5, PMAX = 17 }; /* NR: three blocks and a part */
    static double x[NR * PMAX], w[NR], eta[2][NR], sums[2][2 * MB * (PMAX + 1) * 20];
    static uint16_t code[NR]; /* bucket and event flag (cox_rows.h) */
    const unsigned char tied[MB] = {1, 0, 1, 1, 0};
    test_rng rng = {17};
    for (size_t p = 1; p <= PMAX; p++) {
        double mean[PMAX], inv_sd[PMAX], beta[PMAX], z[PMAX + 1];
        for (size_t j = 0; j < p; j++) {
            mean[j] = 3.0 * test_rng_normal(&rng);
            inv_sd[j] = 0.5 + test_rng_uniform(&rng);
            beta[j] = 0.3 * test_rng_normal(&rng);
        }
        for (size_t i = 0; i < NR; i++) {
            for (size_t j = 0; j < p; j++)
                x[i * p + j] = mean[j] + test_rng_normal(&rng) / inv_sd[j];
            w[i] = 0.5 + test_rng_uniform(&rng);
            code[i] = (uint16_t)(i * 7 % MB | (test_rng_uniform(&rng) < 0.6) << 15);
        }
        const size_t qp = crvm__cox_rows_width(p), stride = crvm__cox_rows_stride(p);
        assert_true(qp % 4 == 0 && qp >= p + 1 && qp < p + 5);
        /* the triangle's rows one after another, each from its first
         * vector holding an entry: less than a vector of scratch lanes
         * after a row's last entry and before the next row's first */
        for (size_t a = 0; a <= p; a++) {
            assert_true(crvm__cox_rows_at(p, a, a) % 4 == a % 4);
            assert_true(crvm__cox_rows_at(p, a, a) >= (a ? crvm__cox_rows_at(p, a - 1, p) + 1 : 0));
            assert_true(crvm__cox_rows_at(p, a, a) <= (a ? crvm__cox_rows_at(p, a - 1, p) + 7 : 0));
        }
        assert_true(stride == crvm__cox_rows_at(p, p, p) + 4 - p % 4 && stride % 4 == 0);
        for (int variant = 0; variant < 4; variant++) {
            const int full = variant & 1, weighted = variant >> 1;
            crvm__cox_rows rows = {NR, p, MB, x, mean, inv_sd, weighted ? w : NULL, code, tied, z};
            double top[2], ll[2] = {0.0, 0.0}, grad[2][PMAX] = {{0.0}};
            for (int k = 0; k < 2; k++) {
                memset(sums[k], 0, 2 * MB * stride * sizeof(double));
                top[k] = crvm__cox_rows_add(&rows, k ? CRVM__COX_ROWS_SCALAR
                                                     : CRVM__COX_ROWS_FASTEST,
                                            beta, 0.5, full, eta[k], sums[k], &ll[k],
                                            full ? grad[k] : NULL);
            }
            assert_close(top[0], top[1], 1e-14, 1e-14);
            assert_close(ll[0], ll[1], 1e-13, 0.0);
            /* eta alone: the same operations as the sums' pass, so the
             * same bits, kernel by kernel */
            for (int k = 0; k < 2; k++) {
                static double alone[NR];
                crvm__cox_rows_eta(&rows, k ? CRVM__COX_ROWS_SCALAR : CRVM__COX_ROWS_FASTEST,
                                   beta, alone);
                assert_memory_equal(alone, eta[k], NR * sizeof(double));
            }
            for (size_t i = 0; i < NR; i++)
                assert_close(eta[0][i], eta[1][i], 1e-13, 1e-13);
            for (size_t j = 0; j < p && full; j++)
                assert_close(grad[0][j], grad[1][j], 1e-13, 1e-11);
            for (size_t b = 0; b < 2 * MB; b++) {
                const double *m0 = sums[0] + b * stride, *m1 = sums[1] + b * stride;
                for (size_t a = full ? 0 : p; a <= p; a++)
                    for (size_t c = a; c <= p; c++) {
                        const double size = sqrt(m1[crvm__cox_rows_at(p, a, a)] * m1[crvm__cox_rows_at(p, c, c)]);
                        assert_true(fabs(m0[crvm__cox_rows_at(p, a, c)] - m1[crvm__cox_rows_at(p, a, c)]) <= 1e-13 * size);
                    }
                /* the events of untied buckets go with its other rows */
                if (b >= MB && !tied[b - MB])
                    assert_true(m1[crvm__cox_rows_at(p, p, p)] == 0.0);
                else
                    assert_true(m1[crvm__cox_rows_at(p, p, p)] > 0.0);
            }
        }
        /* The same per bucket, without weights, for the first evaluation;
         * their total is the moments below, their events' sums the
         * direct ones. */
        double ev[2][PMAX + 1], bs[2][PMAX], blo[2][PMAX], bhi[2][PMAX];
        crvm__cox_rows plain = {NR, p, MB, x, mean, inv_sd, NULL, code, tied, z};
        for (int k = 0; k < 2; k++) {
            memset(sums[k], 0, 2 * MB * stride * sizeof(double));
            crvm__cox_rows_bucket_moments(&plain, k ? CRVM__COX_ROWS_SCALAR
                                                    : CRVM__COX_ROWS_FASTEST,
                                          mean, sums[k], ev[k], bs[k], blo[k], bhi[k]);
        }
        for (size_t b = 0; b < 2 * MB; b++) {
            const double *m0 = sums[0] + b * stride, *m1 = sums[1] + b * stride;
            for (size_t a = 0; a <= p; a++)
                for (size_t c = a; c <= p; c++) {
                    const double size = sqrt(m1[crvm__cox_rows_at(p, a, a)] * m1[crvm__cox_rows_at(p, c, c)]);
                    assert_true(fabs(m0[crvm__cox_rows_at(p, a, c)] - m1[crvm__cox_rows_at(p, a, c)]) <= 1e-13 * size);
                }
        }
        for (size_t a = 0; a <= p; a++) {
            double direct = 0.0, scale = 0.0;
            for (size_t i = 0; i < NR; i++) {
                const double za = a < p ? x[i * p + a] - mean[a] : 1.0;
                direct += (code[i] >> 15) * za;
                scale += fabs(za);
            }
            assert_true(fabs(ev[0][a] - direct) <= 1e-13 * scale);
            assert_true(fabs(ev[1][a] - direct) <= 1e-13 * scale);
        }
        /* The moments of x about a point, and its range. */
        double mat[2][(PMAX + 1) * 20], sum[2][PMAX], lo[2][PMAX], hi[2][PMAX];
        for (int k = 0; k < 2; k++)
            crvm__cox_rows_moments(NR, p, x, mean, k ? CRVM__COX_ROWS_SCALAR
                                                     : CRVM__COX_ROWS_FASTEST,
                                   mat[k], sum[k], lo[k], hi[k], z);
        assert_true(mat[1][crvm__cox_rows_at(p, p, p)] == (double)NR && mat[0][crvm__cox_rows_at(p, p, p)] == (double)NR);
        for (size_t a = 0; a <= p; a++) {
            if (a < p) {
                assert_true(lo[0][a] == lo[1][a] && hi[0][a] == hi[1][a]);
                double direct = 0.0; /* the sums in row order, as both add them */
                for (size_t i = 0; i < NR; i++)
                    direct += x[i * p + a];
                assert_true(sum[0][a] == direct && sum[1][a] == direct);
                assert_true(bs[0][a] == direct && bs[1][a] == direct);
                assert_true(blo[0][a] == lo[1][a] && bhi[0][a] == hi[1][a]);
                assert_true(blo[1][a] == lo[1][a] && bhi[1][a] == hi[1][a]);
                assert_true(lo[1][a] < mean[a] && hi[1][a] > mean[a]);
            }
            for (size_t c = a; c <= p; c++) {
                const double size = sqrt(mat[1][crvm__cox_rows_at(p, a, a)] * mat[1][crvm__cox_rows_at(p, c, c)]);
                assert_true(fabs(mat[0][crvm__cox_rows_at(p, a, c)] - mat[1][crvm__cox_rows_at(p, a, c)]) <= 1e-13 * size);
            }
        }
    }
}

/* The means and cross products come from one pass about the mean of the
 * first rows, shifted to the mean; when those rows lie far from the rest
 * the pass is redone about the mean. Either way the fit cannot depend on
 * the order of the rows beyond rounding: the same data with the far rows
 * first and last. */
static void fit_does_not_depend_on_the_first_rows(void **state)
{
    (void)state;
    static data d, r;
    simulate(&d, 12, 23);
    for (int i = 0; i < 100; i++) /* the first 100 rows far out on covariate 0 */
        d.x[i * P + 0] += 1e5;
    for (int i = 0; i < N; i++) { /* r: the rows in reverse */
        for (int j = 0; j < P; j++)
            r.x[i * P + j] = d.x[(N - 1 - i) * P + j];
        r.t[i] = d.t[N - 1 - i];
        r.e[i] = d.e[N - 1 - i];
    }
    for (int sorted = 0; sorted < 2; sorted++) {
        crvm_cox *a = fit(&d, 0, 0, CRVM_TIES_EFRON, sorted);
        crvm_cox *b = fit(&r, 0, 0, CRVM_TIES_EFRON, sorted);
        double ca[P], cb[P], ma[P], mb[P];
        statistic_of_both(a, b, CRVM_COX_COEF, ca, cb);
        statistic_of_both(a, b, CRVM_COX_MEAN, ma, mb);
        for (int j = 0; j < P; j++) {
            /* Rounding: the fits differ only in the order of their
             * sums, 1e-16 relative each over 3000 rows. */
            assert_close(ca[j], cb[j], 1e-10, 1e-13);
            assert_close(ma[j], mb[j], 1e-13, 1e-13);
        }
        assert_true(fabs(ca[0]) > 1e-7); /* the far rows carry information */
        crvm_cox_free(a);
        crvm_cox_free(b);
    }
    /* That pass also finds values that are not finite, down to the last. */
    r.x[(N - 1) * P + 2] = -INFINITY;
    crvm_cox *c = NULL;
    assert_status(crvm_cox_fit(r.x, N * P, N, P, r.t, N, r.e, N, NULL, 0, NULL, 0, NULL, &c, NULL),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "x[row 2999, covariate 2] = -inf"));
    assert_null(c);
}

/* The first rows' mean more than 100 standard deviations from the mean,
 * which takes more than 640000 rows when they are 64 (the distance is at
 * most sd sqrt(n / 64)): the cross products are made again about the
 * mean; the fit equals the one on the rows in reverse order, where the
 * first pass suffices. Skipped under valgrind (seconds there); the plain
 * and sanitizer runs check it. */
static void far_first_rows_are_summed_again(void **state)
{
    (void)state;
    if (test_under_valgrind())
        skip();
    enum { NF = 700000 };
    double *x = malloc(2 * NF * sizeof *x), *t = malloc(2 * NF * sizeof *t);
    int32_t *e = malloc(2 * NF * sizeof *e);
    assert_non_null(x);
    assert_non_null(t);
    assert_non_null(e);
    test_rng rng = {29};
    for (int i = 0; i < NF; i++) {
        x[i] = i < 64 ? 1e5 : test_rng_normal(&rng);
        t[i] = ceil(-log(test_rng_uniform(&rng)) / (0.2 * exp(0.3 * (i < 64 ? 0.0 : x[i]))));
        t[i] = t[i] > 10 ? 10 : t[i];
        e[i] = test_rng_uniform(&rng) < 0.7;
        x[2 * NF - 1 - i] = x[i];
        t[2 * NF - 1 - i] = t[i];
        e[2 * NF - 1 - i] = e[i];
    }
    double c[2], m[2];
    for (int k = 0; k < 2; k++) {
        crvm_cox *cox = NULL;
        const size_t o = k ? NF : 0;
        assert_int_equal(crvm_cox_fit(x + o, NF, NF, 1, t + o, NF, e + o, NF, NULL, 0, NULL, 0,
                                      NULL, &cox, NULL),
                         CRVM_OK);
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, &c[k], 1), CRVM_OK);
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_MEAN, &m[k], 1), CRVM_OK);
        crvm_cox_free(cox);
    }
    assert_close(c[0], c[1], 1e-10, 0.0); /* order of the sums: rounding */
    assert_close(m[0], m[1], 1e-12, 0.0);
    assert_close(m[0], 64e5 / NF, 1e-2, 0.0); /* the far rows dominate the mean */
    free(x);
    free(t);
    free(e);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(per_time_sums_equal_the_sorted_pass),
        cmocka_unit_test(last_step_follows_by_taylor_or_a_pass),
        cmocka_unit_test(concordance_is_computed_on_request),
        cmocka_unit_test(survives_every_allocation_failure),
        cmocka_unit_test(row_kernels_agree),
        cmocka_unit_test(fit_does_not_depend_on_the_first_rows),
        cmocka_unit_test(far_first_rows_are_summed_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
