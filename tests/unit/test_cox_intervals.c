/* Unit tests for crvm_cox_fit_intervals(): Cox regression on counting-process
 * (start, stop] data. Expected values come from an exact invariant (splitting
 * rows into episodes does not change the partial likelihood), a hand-worked
 * left-truncated example, and the error contract. */
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NR = TEST_ROSSI_ROWS, P = TEST_ROSSI_COLS };

static double week[NR], xr[NR * P];
static int32_t arrest[NR];

/* Rossi split into episodes: row i is cut at weeks c, c + 9, c + 18, ...
 * with c = 1 + (i mod 11) * 3, so cut points fall on other rows' event
 * weeks (ties between an episode end and an event) and on none. */
typedef struct split {
    size_t n;
    double *x, *start, *stop, *w;
    int32_t *e, *s;
} split;

static void split_free(split *sp)
{
    free(sp->x);
    free(sp->start);
    free(sp->stop);
    free(sp->w);
    free(sp->e);
    free(sp->s);
}

static split split_rossi(const double *wt, const int32_t *strata)
{
    split sp = {0};
    size_t cap = NR * 12;
    sp.x = malloc(cap * P * sizeof *sp.x);
    sp.start = malloc(cap * sizeof *sp.start);
    sp.stop = malloc(cap * sizeof *sp.stop);
    sp.w = malloc(cap * sizeof *sp.w);
    sp.e = malloc(cap * sizeof *sp.e);
    sp.s = malloc(cap * sizeof *sp.s);
    assert_true(sp.x && sp.start && sp.stop && sp.w && sp.e && sp.s);
    for (size_t i = 0; i < NR; i++) {
        double from = 0.0, cut = 1.0 + (double)(i % 11) * 3.0;
        for (;;) {
            double to = cut < week[i] ? cut : week[i];
            assert_true(sp.n < cap);
            memcpy(sp.x + sp.n * P, xr + i * P, P * sizeof *sp.x);
            sp.start[sp.n] = from;
            sp.stop[sp.n] = to;
            sp.e[sp.n] = to == week[i] ? arrest[i] : 0;
            sp.w[sp.n] = wt ? wt[i] : 1.0;
            sp.s[sp.n] = strata ? strata[i] : 0;
            sp.n++;
            if (to == week[i])
                break;
            from = to;
            cut += 9.0;
        }
    }
    return sp;
}

/* Two fits agree in everything that does not depend on the row count. The
 * tolerance 1e-9 allows for the different summation order of the risk-set
 * sums (rows leave them by subtraction), a few ulps amplified by Newton. */
static void assert_same_fit(const crvm_cox *a, const crvm_cox *b, const int32_t *codes,
                            size_t n_codes)
{
    double va[P], vb[P];
    const crvm_cox_stat stats[] = {CRVM_COX_COEF, CRVM_COX_SE, CRVM_COX_P_VALUE,
                                   CRVM_COX_CI_LOWER, CRVM_COX_CI_UPPER};
    for (size_t k = 0; k < sizeof stats / sizeof *stats; k++) {
        assert_int_equal(crvm_cox_statistic(a, stats[k], va, P), CRVM_OK);
        assert_int_equal(crvm_cox_statistic(b, stats[k], vb, P), CRVM_OK);
        for (size_t j = 0; j < P; j++)
            assert_close(vb[j], va[j], 1e-9, 1e-12);
    }
    crvm_cox_summary_stats sa, sb;
    assert_int_equal(crvm_cox_summary(a, &sa), CRVM_OK);
    assert_int_equal(crvm_cox_summary(b, &sb), CRVM_OK);
    assert_close(sb.log_likelihood, sa.log_likelihood, 1e-11, 0);
    assert_close(sb.log_likelihood_null, sa.log_likelihood_null, 1e-11, 0);
    assert_close(sb.lr_statistic, sa.lr_statistic, 1e-8, 1e-10);
    assert_close(sb.n_events, sa.n_events, 0, 0);
    assert_int_equal(sb.n_strata, sa.n_strata);
    /* The Breslow baseline too, once the centring means are accounted for:
     * H0 refers to a subject at xbar, which differs between the data sets
     * (the split has more rows of long-lived subjects), so compare the
     * cumulative hazard of the subject with x = 0, H0(t) exp(-beta'xbar). */
    double ma[P], mb[P], beta[P];
    assert_int_equal(crvm_cox_statistic(a, CRVM_COX_MEAN, ma, P), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(b, CRVM_COX_MEAN, mb, P), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(a, CRVM_COX_COEF, beta, P), CRVM_OK);
    double la = 0, lb = 0;
    for (size_t j = 0; j < P; j++) {
        la += beta[j] * ma[j];
        lb += beta[j] * mb[j];
    }
    for (size_t k = 0; k < n_codes; k++) {
        size_t m1, m2;
        assert_int_equal(crvm_cox_baseline_size(a, codes[k], &m1), CRVM_OK);
        assert_int_equal(crvm_cox_baseline_size(b, codes[k], &m2), CRVM_OK);
        assert_int_equal(m1, m2);
        double *buf = malloc(4 * m1 * sizeof *buf);
        assert_non_null(buf);
        assert_int_equal(crvm_cox_baseline(a, codes[k], buf, m1, buf + m1, m1), CRVM_OK);
        assert_int_equal(crvm_cox_baseline(b, codes[k], buf + 2 * m1, m1, buf + 3 * m1, m1),
                         CRVM_OK);
        for (size_t i = 0; i < m1; i++) {
            assert_close(buf[2 * m1 + i], buf[i], 0, 0);
            assert_close(buf[3 * m1 + i] * exp(-lb), buf[m1 + i] * exp(-la), 1e-9, 0);
        }
        free(buf);
    }
}

static void check_split_invariance(crvm_ties ties, int weighted, int stratified)
{
    test_load_rossi(week, arrest, xr);
    double wt[NR];
    int32_t strata[NR];
    for (size_t i = 0; i < NR; i++) {
        wt[i] = 1.0 + (double)(i % 3);
        strata[i] = (int32_t)(i % 2) * 7 - 3; /* codes -3 and 4 */
    }
    split sp = split_rossi(weighted ? wt : NULL, stratified ? strata : NULL);
    assert_true(sp.n > 3 * NR);
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    opt.ties = ties;
    crvm_cox *whole = NULL, *parts = NULL;
    assert_int_equal(crvm_cox_fit(xr, NR * P, NR, P, week, NR, arrest, NR, weighted ? wt : NULL,
                                  weighted ? NR : 0, stratified ? strata : NULL,
                                  stratified ? NR : 0, &opt, &whole, NULL),
                     CRVM_OK);
    crvm_fit_report rep;
    assert_int_equal(crvm_cox_fit_intervals(sp.x, sp.n * P, sp.n, P, sp.start, sp.n, sp.stop,
                                            sp.n, sp.e, sp.n, weighted ? sp.w : NULL,
                                            weighted ? sp.n : 0, stratified ? sp.s : NULL,
                                            stratified ? sp.n : 0, &opt, &parts, &rep),
                     CRVM_OK);
    assert_int_equal(rep.converged, 1);
    const int32_t plain[] = {0}, two[] = {-3, 4};
    assert_same_fit(whole, parts, stratified ? two : plain, stratified ? 2 : 1);
    /* A model with start = 0 everywhere is crvm_cox_fit itself. */
    double zeros[NR] = {0};
    crvm_cox *same = NULL;
    assert_int_equal(crvm_cox_fit_intervals(xr, NR * P, NR, P, zeros, NR, week, NR, arrest, NR,
                                            weighted ? wt : NULL, weighted ? NR : 0,
                                            stratified ? strata : NULL, stratified ? NR : 0,
                                            &opt, &same, NULL),
                     CRVM_OK);
    assert_same_fit(whole, same, stratified ? two : plain, stratified ? 2 : 1);
    crvm_cox_free(same);
    crvm_cox_free(whole);
    crvm_cox_free(parts);
    split_free(&sp);
}

static void split_rossi_efron_equals_unsplit(void **state)
{
    (void)state;
    check_split_invariance(CRVM_TIES_EFRON, 0, 0);
}

static void split_rossi_breslow_equals_unsplit(void **state)
{
    (void)state;
    check_split_invariance(CRVM_TIES_BRESLOW, 0, 0);
}

static void split_rossi_weighted_stratified_equals_unsplit(void **state)
{
    (void)state;
    check_split_invariance(CRVM_TIES_EFRON, 1, 1);
    check_split_invariance(CRVM_TIES_BRESLOW, 1, 1);
}

/* Left truncation, worked by hand. Rows (start, stop, event, x):
 *   A (0, 2, 1, 1)   B (0, 3, 1, 0)   C (1, 4, 0, 1)   D (2.5, 5, 1, 1)
 * Risk sets: t = 2: {A, B, C} (D enters after 2.5); t = 3: {B, C, D};
 * t = 5: {D}. With u = e^b, the partial likelihood is
 *   l(b) = b - log(2u + 1) + 0 - log(1 + 2u) + 0,
 * score 1 - 4u / (2u + 1) = 0 gives u = 1/2, b = -log 2; the information is
 * 2 * (mean - mean^2) with mean 2u/(2u + 1) = 1/2, i.e. 1/2, so SE = sqrt 2;
 * l(b) = -3 log 2 and l(0) = -2 log 3. Breslow baseline at xbar = 3/4:
 * dH(2) = 1 / (e^{-3b/4} (2u + 1)) = 2^{-7/4} = dH(3), dH(5) = 1 / e^{b/4} = 2^{1/4}. */
static void left_truncation_by_hand(void **state)
{
    (void)state;
    const double x[] = {1, 0, 1, 1}, start[] = {0, 0, 1, 2.5}, stop[] = {2, 3, 4, 5};
    const int32_t e[] = {1, 1, 0, 1};
    crvm_cox *cox = NULL;
    crvm_fit_report rep;
    for (int ties = 0; ties < 2; ties++) { /* no tied events: Efron = Breslow */
        crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
        opt.ties = ties ? CRVM_TIES_BRESLOW : CRVM_TIES_EFRON;
        assert_int_equal(crvm_cox_fit_intervals(x, 4, 4, 1, start, 4, stop, 4, e, 4, NULL, 0, NULL,
                                                0, &opt, &cox, &rep),
                         CRVM_OK);
        double b, se, hr;
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, &b, 1), CRVM_OK);
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_SE, &se, 1), CRVM_OK);
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_HAZARD_RATIO, &hr, 1), CRVM_OK);
        /* Newton converges quadratically to 1e-9 steps: the estimate is
         * exact to rounding. */
        assert_close(b, -log(2.0), 1e-10, 0);
        assert_close(hr, 0.5, 1e-10, 0);
        assert_close(se, sqrt(2.0), 1e-8, 0);
        crvm_cox_summary_stats s;
        assert_int_equal(crvm_cox_summary(cox, &s), CRVM_OK);
        assert_close(s.log_likelihood, -3.0 * log(2.0), 1e-12, 0);
        assert_close(s.log_likelihood_null, -2.0 * log(3.0), 1e-12, 0);
        assert_close(rep.log_likelihood, -3.0 * log(2.0), 1e-12, 0);
        assert_close(s.n_events, 3, 0, 0);
        assert_close(s.n_observations, 4, 0, 0);
        double t[3], h[3];
        size_t m;
        assert_int_equal(crvm_cox_baseline_size(cox, 0, &m), CRVM_OK);
        assert_int_equal(m, 3);
        assert_int_equal(crvm_cox_baseline(cox, 0, t, 3, h, 3), CRVM_OK);
        assert_close(t[0], 2, 0, 0);
        assert_close(t[1], 3, 0, 0);
        assert_close(t[2], 5, 0, 0);
        assert_close(h[0], pow(2.0, -1.75), 1e-9, 0);
        assert_close(h[1], 2.0 * pow(2.0, -1.75), 1e-9, 0);
        assert_close(h[2], 2.0 * pow(2.0, -1.75) + pow(2.0, 0.25), 1e-9, 0);
        crvm_cox_free(cox);
        cox = NULL;
    }
    /* Ignoring the delayed entry puts D at risk at t = 2 and changes the fit:
     * l(b) = b - log(3u + 1) - log(1 + 2u), whose score 1 - 3u/(3u+1) - 2u/(2u+1) = 0
     * reduces to 1 - 6u^2 = 0, u = 1/sqrt(6). */
    const double zeros[] = {0, 0, 0, 0};
    assert_int_equal(crvm_cox_fit_intervals(x, 4, 4, 1, zeros, 4, stop, 4, e, 4, NULL, 0, NULL, 0,
                                            NULL, &cox, NULL),
                     CRVM_OK);
    double hr;
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_HAZARD_RATIO, &hr, 1), CRVM_OK);
    assert_close(hr, 1.0 / sqrt(6.0), 1e-10, 0);
    crvm_cox_free(cox);
}

/* Tied events with a time-varying covariate, Efron, by hand. Subject 1 has
 * x = 0 on (0, 1] and x = 1 on (1, 2] (event at 2); subject 2 x = 0 on
 * (0, 2] (event at 2); subject 3 x = 1 on (0, 3] (censored). At t = 2 two
 * tied events; risk set {1 (x=1), 2 (x=0), 3 (x=1)}, S = 2u + 1, event-set
 * sum S_D = u + 1. Efron: l(b) = b - log(2u + 1) - log(2u + 1 - (u + 1)/2)
 * = b - log(2u + 1) - log((3u + 1)/2). The score
 * 1 - 2u/(2u+1) - 3u/(3u+1) = 0, i.e. 3u + 1 = 3u(2u + 1), gives u = 1/sqrt(6).
 * Breslow: l(b) = b - 2 log(2u + 1), score 1 - 4u/(2u+1) = 0: u = 1/2. */
static void tied_events_time_varying_by_hand(void **state)
{
    (void)state;
    const double x[] = {0, 1, 0, 1}, start[] = {0, 1, 0, 0}, stop[] = {1, 2, 2, 3};
    const int32_t e[] = {0, 1, 1, 0};
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    crvm_cox *cox = NULL;
    double hr;
    assert_int_equal(crvm_cox_fit_intervals(x, 4, 4, 1, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0,
                                            &opt, &cox, NULL),
                     CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_HAZARD_RATIO, &hr, 1), CRVM_OK);
    assert_close(hr, 1.0 / sqrt(6.0), 1e-10, 0);
    crvm_cox_free(cox);
    opt.ties = CRVM_TIES_BRESLOW;
    assert_int_equal(crvm_cox_fit_intervals(x, 4, 4, 1, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0,
                                            &opt, &cox, NULL),
                     CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_HAZARD_RATIO, &hr, 1), CRVM_OK);
    assert_close(hr, 0.5, 1e-10, 0);
    crvm_cox_free(cox);
}

static void rejects_bad_input(void **state)
{
    (void)state;
    const double x[] = {1, 0, 1, 1}, start[] = {0, 0, 1, 2.5}, stop[] = {2, 3, 4, 5};
    const int32_t e[] = {1, 1, 0, 1}, none[] = {0, 0, 0, 0};
    const double w[] = {1, 1, 1, 1};
    const int32_t s[] = {0, 0, 1, 1};
    crvm_cox *cox = NULL;
#define FIT(X, XL, NROW, ST, STL, SP, SPL, EV, EVL, W, WL, S, SL, OPT, OUT)                      \
    crvm_cox_fit_intervals(X, XL, NROW, 1, ST, STL, SP, SPL, EV, EVL, W, WL, S, SL, OPT, OUT, NULL)
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 4, w, 4, s, 4, NULL, NULL), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, NULL, 0, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, NULL, 0, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(NULL, 4, 4, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox),
                  CRVM_EINVAL);
    /* length mismatches */
    assert_status(FIT(x, 3, 4, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 3, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, stop, 3, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 3, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 4, w, 3, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 4, NULL, 0, s, 3, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 4, NULL, 0, NULL, 2, NULL, &cox), CRVM_EINVAL);
    /* bad values */
    const double neg[] = {0, -1, 1, 2.5}, nan_start[] = {0, NAN, 1, 2.5};
    const double equal[] = {0, 3, 1, 2.5}, after[] = {0, 4, 1, 2.5};
    assert_status(FIT(x, 4, 4, neg, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "start[1]") != NULL);
    assert_status(FIT(x, 4, 4, nan_start, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox),
                  CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, equal, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "row 1") != NULL);
    assert_status(FIT(x, 4, 4, after, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    const double inf_stop[] = {2, 3, INFINITY, 5}, xnan[] = {1, NAN, 1, 1};
    const int32_t e2[] = {1, 2, 0, 1};
    const double wneg[] = {1, -1, 1, 1};
    assert_status(FIT(x, 4, 4, start, 4, inf_stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox),
                  CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "stop[2]") != NULL);
    assert_status(FIT(xnan, 4, 4, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox),
                  CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e2, 4, NULL, 0, NULL, 0, NULL, &cox), CRVM_EINVAL);
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 4, wneg, 4, NULL, 0, NULL, &cox), CRVM_EINVAL);
    /* options */
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    opt.robust = 1;
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0, &opt, &cox), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "robust") != NULL);
    crvm_cox_options_init(&opt);
    opt.ties = (crvm_ties)7;
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0, &opt, &cox), CRVM_EINVAL);
    /* degenerate data */
    assert_status(FIT(x, 4, 4, start, 4, stop, 4, none, 4, NULL, 0, NULL, 0, NULL, &cox),
                  CRVM_EDOMAIN);
    assert_status(FIT(x, 1, 1, start, 1, stop, 1, e, 1, NULL, 0, NULL, 0, NULL, &cox), CRVM_EDOMAIN);
    const double constant[] = {2, 2, 2, 2};
    assert_status(FIT(constant, 4, 4, start, 4, stop, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox),
                  CRVM_EDOMAIN);
#undef FIT
    /* Perfect separation (every x=1 interval ends in an event before any
     * x=0 one does): the coefficient runs off to infinity; the report is
     * filled and the covariate named. */
    const double xs[] = {1, 1, 1, 0, 0, 0, 0, 0}, z8[8] = {0};
    const double ts[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int32_t es[] = {1, 1, 1, 1, 0, 1, 0, 1};
    crvm_fit_report rep;
    memset(&rep, 0, sizeof rep);
    assert_status(crvm_cox_fit_intervals(xs, 8, 8, 1, z8, 8, ts, 8, es, 8, NULL, 0, NULL, 0, NULL,
                                         &cox, &rep),
                  CRVM_ECONVERGE);
    assert_non_null(strstr(crvm_last_error(), "covariate 0"));
    assert_int_equal(rep.converged, 0);
    assert_true(rep.iterations > 0);
    assert_null(cox);
}

static crvm_status intervals_scenario(void *ctx)
{
    const int stratified = ctx != NULL;
    enum { N = 30 };
    double x[N * 2], start[N], stop[N], w[N];
    int32_t e[N], s[N];
    test_rng rng = {7};
    for (int i = 0; i < N; i++) {
        x[2 * i] = test_rng_uniform(&rng);
        x[2 * i + 1] = (i / 2) % 2;
        start[i] = floor(4 * test_rng_uniform(&rng));
        stop[i] = start[i] + 1 + floor(6 * test_rng_uniform(&rng));
        e[i] = test_rng_uniform(&rng) < 0.6;
        w[i] = 1 + (i % 3);
        s[i] = i % 2;
    }
    crvm_cox *cox = NULL;
    crvm_status st = crvm_cox_fit_intervals(x, 2 * N, N, 2, start, N, stop, N, e, N, w, N,
                                            stratified ? s : NULL, stratified ? N : 0, NULL, &cox,
                                            NULL);
    crvm_cox_free(cox);
    return st;
}

static void survives_every_allocation_failure(void **state)
{
    (void)state;
    int flag = 1;
    assert_true(test_every_allocation_failure(intervals_scenario, NULL) >= 8);
    assert_true(test_every_allocation_failure(intervals_scenario, &flag) >= 9);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_rossi_efron_equals_unsplit),
        cmocka_unit_test(split_rossi_breslow_equals_unsplit),
        cmocka_unit_test(split_rossi_weighted_stratified_equals_unsplit),
        cmocka_unit_test(left_truncation_by_hand),
        cmocka_unit_test(tied_events_time_varying_by_hand),
        cmocka_unit_test(rejects_bad_input),
        cmocka_unit_test(survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
