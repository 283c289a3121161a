/* The BG/NBD, MBG/NBD and Pareto/NBD fitting path (lib/transactions/
 * bgnbd_fit.c, pareto_fit.c, merge.c, crvm__minimize_newton): the grouped
 * objective against the per-row likelihood of bgnbd.c and pareto.c (the
 * scalar references), its analytic Hessian against central differences of
 * its gradient, and whole fits against the quasi-Newton route on the
 * per-row likelihood. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "math/linalg.h"
#include "math/optim.h"
#include "support.h"
#include "transactions/txn_private.h"

/* n customers simulated from the BG/NBD or MBG/NBD process with parameters
 * p (time unit: days, ages 180-360); times continuous, or whole days when
 * whole != 0. */
static double exp_draw(test_rng *rng)
{
    return -log(1.0 - test_rng_uniform(rng));
}

/* Gamma(shape, 1) for shape < 1 (Johnk) and shape = integer part + that */
static double gamma_draw(test_rng *rng, double shape)
{
    double g = 0.0, k = floor(shape), f = shape - k;
    for (double j = 0; j < k; j += 1.0)
        g += exp_draw(rng);
    if (f > 0.0)
        for (;;) {
            double u = pow(test_rng_uniform(rng), 1.0 / f);
            double v = pow(test_rng_uniform(rng), 1.0 / (1.0 - f));
            if (u + v <= 1.0 && u + v > 0.0) {
                g += exp_draw(rng) * u / (u + v);
                break;
            }
        }
    return g;
}

static void simulate(const double *p, int modified, size_t n, int whole, test_rng *rng, double *x,
                     double *tx, double *T)
{
    for (size_t i = 0; i < n; i++) {
        double lam = gamma_draw(rng, p[0]) / p[1];
        double g1 = gamma_draw(rng, p[2]), drop = g1 / (g1 + gamma_draw(rng, p[3]));
        double age = 180.0 + 180.0 * test_rng_uniform(rng);
        if (whole)
            age = floor(age);
        double t = 0.0, last = 0.0;
        int k = 0, alive = !(modified && test_rng_uniform(rng) < drop);
        while (alive) {
            t += exp_draw(rng) / lam;
            if (t > age)
                break;
            k++;
            last = whole ? floor(t) : t;
            alive = test_rng_uniform(rng) >= drop;
        }
        x[i] = k;
        tx[i] = k ? last : 0.0;
        T[i] = age;
    }
}

/* n customers from the Pareto/NBD process with parameters p = (r, alpha,
 * s, beta) (days, ages 180-360), continuous times */
static void simulate_pareto(const double *p, size_t n, test_rng *rng, double *x, double *tx,
                            double *T)
{
    for (size_t i = 0; i < n; i++) {
        double lam = gamma_draw(rng, p[0]) / p[1], mu = gamma_draw(rng, p[2]) / p[3];
        double age = 180.0 + 180.0 * test_rng_uniform(rng);
        double end = fmin(age, exp_draw(rng) / mu), t = 0.0, last = 0.0;
        int k = 0;
        for (;;) {
            t += exp_draw(rng) / lam;
            if (t > end)
                break;
            k++;
            last = t;
        }
        x[i] = k;
        tx[i] = last;
        T[i] = age;
    }
}

/* The objective's Hessian h at theta against central differences (step
 * 1e-5) of its own gradient, to 1e-6 of the largest entry (the callers say
 * why that suffices) */
static void check_hessian(crvm__bg_data *d, const double *theta, const double *h)
{
    double hscale = 0.0;
    for (int k = 0; k < 16; k++)
        hscale = fmax(hscale, fabs(h[k]));
    for (int k = 0; k < 4; k++) {
        double tp[4], tm[4], gp[4], gm[4], hh[16];
        memcpy(tp, theta, sizeof tp);
        memcpy(tm, theta, sizeof tm);
        tp[k] += 1e-5;
        tm[k] -= 1e-5;
        crvm__bg_objective(tp, gp, hh, d);
        crvm__bg_objective(tm, gm, hh, d);
        for (int l = 0; l < 4; l++)
            assert_close(h[l * 4 + k], (gp[l] - gm[l]) / 2e-5, 0.0, 1e-6 * hscale);
    }
}

static void pareto_grouped_objective_and_hessian(void **state)
{
    (void)state;
    /* The Pareto/NBD objective (pareto_fit.c: rows grouped by x, the
     * division-free series with its analytic Hessian) against the sum of
     * the per-row crvm__pareto_ll (the scalar reference, whose gradient
     * test_transactions.c checks against differences of its value), and its
     * Hessian against central differences (step 1e-5) of its gradient, at
     * points where alpha > beta, alpha < beta, alpha = beta, and beta/alpha
     * = 1000, where rows with t_x = 0 need the quadrature (series ratio
     * 0.999) and their Hessian is itself differenced (pareto.c).
     * Tolerances: value and gradient 1e-12 (the same terms in another
     * order); Hessian 1e-6 of the largest entry (truncation ~1e-10 and
     * rounding ~1e-11 of the differences; 1e-8 where the quadrature's
     * differences enter). */
    test_rng rng = {23};
    enum { N = 300 };
    double x[N], tx[N], T[N];
    crvm__txn_row rows[N];
    const double truth[4] = {0.55, 10.0, 0.6, 12.0};
    simulate_pareto(truth, N, &rng, x, tx, T);
    for (int i = 0; i < N; i++)
        rows[i] = (crvm__txn_row){x[i], tx[i] / 100.0, T[i] / 100.0, 1.0 + (i % 3)};
    const double pts[][4] = {{0.5, 0.2, 0.8, 0.1},
                             {0.5, 0.1, 0.8, 0.3},
                             {1.2, 0.25, 0.4, 0.25},
                             {0.3, 0.001, 1.5, 1.0}};
    double scale[4] = {1, 100, 1, 100};
    crvm__bg_data *d = NULL;
    assert_int_equal(crvm__bg_data_new(rows, N, CRVM_TXN_PARETO_NBD, 0.0, scale, &d), CRVM_OK);
    int quad_rows = 0;
    for (size_t j = 0; j < sizeof pts / sizeof pts[0]; j++) {
        double theta[4], g[4], h[16];
        for (int k = 0; k < 4; k++)
            theta[k] = log(pts[j][k]);
        double f = crvm__bg_objective(theta, g, h, d);
        double W = 0.0, ll = 0.0, gr[4] = {0, 0, 0, 0};
        for (int i = 0; i < N; i++) {
            double gi[4];
            ll += rows[i].w * crvm__pareto_ll(pts[j], &rows[i], gi);
            for (int k = 0; k < 4; k++)
                gr[k] += rows[i].w * gi[k];
            W += rows[i].w;
            if (rows[i].tx < rows[i].T && isnan(crvm__pareto_J(pts[j], &rows[i], NULL, 1)))
                quad_rows++;
        }
        assert_close(f, -ll / W, 1e-12, 0.0);
        double gscale = 0.0;
        for (int k = 0; k < 4; k++)
            gscale = fmax(gscale, fabs(gr[k] * pts[j][k] / W));
        for (int k = 0; k < 4; k++)
            assert_close(g[k], -gr[k] * pts[j][k] / W, 0.0, 1e-12 * gscale);
        check_hessian(d, theta, h);
    }
    assert_true(quad_rows > 0); /* the quadrature path was exercised */
    crvm__bg_data_free(d);
}

static void grouped_objective_matches_per_row_reference(void **state)
{
    (void)state;
    /* crvm__bg_objective at random log-parameters against the sum of the
     * per-row crvm__bgnbd_ll / crvm__mbgnbd_ll (with their analytic
     * gradients) over the same rows; its Hessian against central
     * differences (step 1e-5) of its own gradient. Tolerances: value and
     * gradient 1e-12 relative to the gradient's scale (the same terms summed
     * in another order, Lambda as a difference of logs: a few ulp of
     * log(alpha + T)); Hessian 1e-6 (the O(h^2) truncation of the
     * differences, ~1e-10, plus their rounding, ~eps / h ~ 1e-11, relative
     * to the largest entry). */
    test_rng rng = {11};
    enum { N = 400 };
    double x[N], tx[N], T[N];
    crvm__txn_row rows[N];
    for (int rep = 0; rep < 12; rep++) {
        int modified = rep % 2;
        double truth[4] = {0.3 + test_rng_uniform(&rng), 5.0 + 20 * test_rng_uniform(&rng),
                           0.5 + test_rng_uniform(&rng), 1.0 + 3 * test_rng_uniform(&rng)};
        simulate(truth, modified, N, rep % 3 == 0, &rng, x, tx, T);
        for (int i = 0; i < N; i++)
            rows[i] = (crvm__txn_row){x[i], tx[i] / 100.0, T[i] / 100.0, 1.0 + (i % 3)};
        double scale[4] = {1, 100, 1, 1}, l2 = rep % 4 == 1 ? 0.01 : 0.0;
        crvm__bg_data *d = NULL;
        assert_int_equal(crvm__bg_data_new(rows, N, modified ? CRVM_TXN_MBGNBD : CRVM_TXN_BGNBD, l2,
                                            scale, &d),
                         CRVM_OK);
        double theta[4] = {log(0.2 + test_rng_uniform(&rng)), log(0.05 + test_rng_uniform(&rng)),
                           log(0.3 + 2 * test_rng_uniform(&rng)),
                           log(0.5 + 3 * test_rng_uniform(&rng))};
        double g[4], h[16];
        double f = crvm__bg_objective(theta, g, h, d);
        /* reference: per-row likelihood and gradient */
        double p[4], W = 0.0, ll = 0.0, gr[4] = {0, 0, 0, 0}, pen = 0.0;
        for (int k = 0; k < 4; k++)
            p[k] = exp(theta[k]);
        for (int i = 0; i < N; i++) {
            double gi[4];
            ll += rows[i].w * (modified ? crvm__mbgnbd_ll(p, &rows[i], gi)
                                        : crvm__bgnbd_ll(p, &rows[i], gi));
            for (int k = 0; k < 4; k++)
                gr[k] += rows[i].w * gi[k];
            W += rows[i].w;
        }
        for (int k = 0; k < 4; k++)
            pen += l2 * (p[k] * scale[k]) * (p[k] * scale[k]);
        assert_close(f, -ll / W + pen, 1e-12, 0.0);
        double gscale = 0.0;
        for (int k = 0; k < 4; k++)
            gscale = fmax(gscale, fabs(gr[k] * p[k] / W));
        for (int k = 0; k < 4; k++) {
            double pn = p[k] * scale[k];
            assert_close(g[k], -gr[k] * p[k] / W + 2 * l2 * pn * pn, 0.0, 1e-12 * gscale);
        }
        check_hessian(d, theta, h);
        crvm__bg_data_free(d);
    }
}

/* The reference route: -sum w ll / W over the rows with the per-row
 * likelihood and gradient of bgnbd.c, over log-parameters. */
typedef struct per_row {
    const crvm__txn_row *rows;
    size_t n;
    int modified;
} per_row;

static double per_row_objective(const double *theta, double *grad, void *vctx)
{
    const per_row *c = vctx;
    double p[4], acc[4] = {0, 0, 0, 0}, ll = 0.0, W = 0.0;
    for (int k = 0; k < 4; k++)
        p[k] = exp(theta[k]);
    for (size_t i = 0; i < c->n; i++) {
        double g[4];
        ll += c->rows[i].w * (c->modified ? crvm__mbgnbd_ll(p, &c->rows[i], g)
                                          : crvm__bgnbd_ll(p, &c->rows[i], g));
        for (int k = 0; k < 4; k++)
            acc[k] += c->rows[i].w * g[k];
        W += c->rows[i].w;
    }
    if (grad)
        for (int k = 0; k < 4; k++)
            grad[k] = -acc[k] * p[k] / W;
    return isfinite(ll) ? -ll / W : INFINITY;
}

static void newton_fit_matches_quasi_newton_on_per_row_likelihood(void **state)
{
    (void)state;
    /* Whole fits (continuous and whole-day times, both models, 100000
     * customers so that the subsample warm start and the sampled merge
     * decision both run) against BFGS on the per-row likelihood of the same
     * rows, run to gradient 1e-12. Tolerance 1e-6 relative on the
     * parameters (the bar for agreement with lifetimes): Newton's last step
     * lands far below the gradient test (quadratic convergence: max|g|
     * ~1e-14 at 10^6 rows), within ~1e-10 of the optimum. */
    test_rng rng = {77};
    enum { N = 100000 };
    double *x = malloc(3 * N * sizeof *x), *tx = x + N, *T = tx + N;
    assert_non_null(x);
    const double truth[4] = {0.25, 4.0, 0.8, 2.4};
    for (int rep = 0; rep < 4; rep++) {
        int modified = rep % 2, whole = rep / 2;
        simulate(truth, modified, N, whole, &rng, x, tx, T);
        crvm_txn_model model = modified ? CRVM_TXN_MBGNBD : CRVM_TXN_BGNBD;
        crvm_txn_fit *fit = NULL;
        assert_status(crvm_txn_fit_new(model, x, N, tx, N, T, N, NULL, 0, NULL, &fit), CRVM_OK);
        crvm_txn_params got;
        crvm_txn_fit_params(fit, &got);
        crvm_fit_report rep_;
        crvm_txn_fit_report(fit, &rep_);
        double se[4];
        assert_status(crvm_txn_fit_standard_errors(fit, se, 4), CRVM_OK);
        crvm_txn_fit_free(fit);
        assert_true(rep_.iterations <= 20);
        /* Under valgrind the fits above cover the code paths; the reference
         * optimisation below is the statistics, checked by the plain and
         * sanitizer runs (support.h, test_under_valgrind). */
        if (test_under_valgrind())
            continue;
        /* reference: every row as it is (the merge is itself under test),
         * times rescaled to mean age 1 as crvm_txn_fit_new does */
        crvm__txn_row *rows = malloc(N * sizeof *rows);
        assert_non_null(rows);
        double swT = 0.0;
        for (int i = 0; i < N; i++)
            swT += T[i];
        double ts = swT / N;
        for (int i = 0; i < N; i++)
            rows[i] = (crvm__txn_row){x[i], tx[i] / ts, T[i] / ts, 1.0};
        double scale[4] = {1, ts, 1, 1};
        per_row ref = {rows, N, modified};
        double theta[4] = {log(0.243), log(4.414 / ts), log(0.793), log(2.426)};
        crvm__optim_options o = CRVM__OPTIM_OPTIONS_INIT;
        o.max_iterations = 1000;
        o.gradient_tol = 1e-12; /* the reference must be the tighter one */
        crvm__optim_result res;
        assert_int_equal(crvm__minimize(per_row_objective, &ref, 4, theta, &o, &res), CRVM_OK);
        for (int k = 0; k < 4; k++)
            assert_close(got.p[k], exp(theta[k]) * scale[k], 1e-6, 0.0);
        /* exact standard errors from the analytic Hessian: close to the
         * central-difference Hessian of the reference objective (1e-4: the
         * differences' truncation error) */
        double H[16], Hinv[16];
        assert_int_equal(crvm__hessian(per_row_objective, &ref, 4, theta, H), CRVM_OK);
        for (int k = 0; k < 16; k++)
            H[k] *= N;
        assert_int_equal(crvm__spd_inverse(4, H, Hinv), CRVM_OK);
        for (int k = 0; k < 4; k++)
            assert_close(se[k], got.p[k] * sqrt(Hinv[k * 5]), 1e-4, 0.0);
        free(rows);
    }
    free(x);
}

/* The reference route for Pareto/NBD: BFGS on the per-row crvm__pareto_ll */
static double per_row_pareto(const double *theta, double *grad, void *vctx)
{
    const per_row *c = vctx;
    double p[4], acc[4] = {0, 0, 0, 0}, ll = 0.0;
    for (int k = 0; k < 4; k++)
        p[k] = exp(theta[k]);
    for (size_t i = 0; i < c->n; i++) {
        double g[4];
        ll += crvm__pareto_ll(p, &c->rows[i], g);
        for (int k = 0; k < 4; k++)
            acc[k] += g[k];
    }
    if (grad)
        for (int k = 0; k < 4; k++)
            grad[k] = -acc[k] * p[k] / (double)c->n;
    return isfinite(ll) ? -ll / (double)c->n : INFINITY;
}

/* A whole Pareto/NBD fit of N customers against BFGS on the per-row
 * likelihood (whole series) run to gradient 1e-12: parameters to rel
 * relative, standard errors to 1e-4 (the central differences of the
 * reference Hessian). Under valgrind only the fit of n_valgrind customers
 * (the plain and sanitizer runs check the reference). */
static void pareto_fit_vs_bfgs(size_t N, size_t n_valgrind, uint64_t seed, double rel)
{
    test_rng rng = {seed};
    if (test_under_valgrind())
        N = n_valgrind;
    double *x = malloc(3 * N * sizeof *x), *tx = x + N, *T = tx + N;
    assert_non_null(x);
    const double truth[4] = {0.55, 10.0, 0.6, 12.0};
    simulate_pareto(truth, N, &rng, x, tx, T);
    crvm_txn_fit *fit = NULL;
    assert_status(crvm_txn_fit_new(CRVM_TXN_PARETO_NBD, x, N, tx, N, T, N, NULL, 0, NULL, &fit),
                  CRVM_OK);
    crvm_txn_params got;
    crvm_txn_fit_params(fit, &got);
    double se[4];
    assert_status(crvm_txn_fit_standard_errors(fit, se, 4), CRVM_OK);
    crvm_fit_report rep;
    crvm_txn_fit_report(fit, &rep);
    assert_true(rep.iterations <= 20);
    crvm_txn_fit_free(fit);
    if (!test_under_valgrind()) {
        crvm__txn_row *rows = malloc(N * sizeof *rows);
        assert_non_null(rows);
        double swT = 0.0;
        for (size_t i = 0; i < N; i++)
            swT += T[i];
        double ts = swT / (double)N;
        for (size_t i = 0; i < N; i++)
            rows[i] = (crvm__txn_row){x[i], tx[i] / ts, T[i] / ts, 1.0};
        double scale[4] = {1, ts, 1, ts};
        per_row ref = {rows, N, 0};
        double theta[4] = {log(0.5), log(10.0 / ts), log(0.5), log(10.0 / ts)};
        crvm__optim_options o = CRVM__OPTIM_OPTIONS_INIT;
        o.max_iterations = 1000;
        o.gradient_tol = 1e-12;
        crvm__optim_result res;
        assert_int_equal(crvm__minimize(per_row_pareto, &ref, 4, theta, &o, &res), CRVM_OK);
        for (int k = 0; k < 4; k++)
            assert_close(got.p[k], exp(theta[k]) * scale[k], rel, 0.0);
        double H[16], Hinv[16];
        assert_int_equal(crvm__hessian(per_row_pareto, &ref, 4, theta, H), CRVM_OK);
        for (int k = 0; k < 16; k++)
            H[k] *= (double)N;
        assert_int_equal(crvm__spd_inverse(4, H, Hinv), CRVM_OK);
        for (int k = 0; k < 4; k++)
            assert_close(se[k], got.p[k] * sqrt(Hinv[k * 5]), 1e-4, 0.0);
        free(rows);
    }
    free(x);
}

static void pareto_newton_fit_matches_quasi_newton(void **state)
{
    (void)state;
    /* 100000 customers: the subsample warm start of 20000 rows runs; the
     * t_x = 0 rows take the series' head and tail. 1e-6: the bar for
     * agreement with lifetimes (Newton ends within ~1e-9). Under valgrind
     * 5000 customers (no warm start). */
    pareto_fit_vs_bfgs(100000, 5000, 31, 1e-6);
}

static void pareto_small_warm_start_matches_quasi_newton(void **state)
{
    (void)state;
    /* 10000 customers: the Pareto/NBD warm start on a ~1500-row subsample
     * runs (from 6000 distinct rows), which lands 20-40% off along the
     * s / beta ridge; the full data's Newton steps and the polishing step
     * (down to gradient 1e-14) must still reach the optimum. 1e-8: both
     * ends have gradients <= 1e-12 and the ridge's condition number (~1e4
     * on the log scale) turns that into <= 1e-8 in s and beta. Under
     * valgrind 6500 customers, so that the warm start's path runs there too. */
    pareto_fit_vs_bfgs(10000, 6500, 53, 1e-8);
}

static void duplicated_rows_merge_like_weights(void **state)
{
    (void)state;
    /* 90000 rows made of 3000 distinct ones repeated 30 times, and 6000
     * rows of 3000 repeated twice (below 65536 rows the merge decision
     * samples n/8 rows), against the 3000 rows with weight 30 or 2: the same
     * merged data, so the same estimates to 1e-9 (summation order only). */
    test_rng rng = {5};
    enum { D = 3000 };
    const int copies[2] = {30, 2};
    double *x = malloc(3 * D * 30 * sizeof *x), *tx = x + D * 30, *T = tx + D * 30;
    double dx[D], dtx[D], dT[D], w[D];
    assert_non_null(x);
    const double truth[4] = {0.25, 4.0, 0.8, 2.4};
    simulate(truth, 0, D, 0, &rng, dx, dtx, dT);
    for (int c = 0; c < 2; c++) {
        int C = copies[c], n = D * C;
        for (int i = 0; i < n; i++) {
            x[i] = dx[i % D];
            tx[i] = dtx[i % D];
            T[i] = dT[i % D];
        }
        for (int i = 0; i < D; i++)
            w[i] = C;
        crvm_txn_fit *a = NULL, *b = NULL;
        assert_status(crvm_txn_fit_new(CRVM_TXN_BGNBD, x, n, tx, n, T, n, NULL, 0, NULL, &a),
                      CRVM_OK);
        assert_status(crvm_txn_fit_new(CRVM_TXN_BGNBD, dx, D, dtx, D, dT, D, w, D, NULL, &b),
                      CRVM_OK);
        crvm_txn_params pa, pb;
        crvm_txn_fit_params(a, &pa);
        crvm_txn_fit_params(b, &pb);
        for (int k = 0; k < 4; k++)
            assert_close(pa.p[k], pb.p[k], 1e-9, 0.0);
        crvm_txn_fit_free(a);
        crvm_txn_fit_free(b);
    }
    free(x);
}

static crvm_status big_fit(void *ctx)
{
    const double *x = ctx, *tx = x + 100000, *T = tx + 100000;
    crvm_txn_fit *fit = NULL;
    crvm_status st = crvm_txn_fit_new(CRVM_TXN_BGNBD, x, 100000, tx, 100000, T, 100000, NULL, 0,
                                      NULL, &fit);
    crvm_txn_fit_free(fit);
    return st;
}

static void every_allocation_failure_is_reported(void **state)
{
    (void)state;
    /* large enough for the warm start's own allocations */
    test_rng rng = {9};
    double *x = malloc(3 * 100000 * sizeof *x);
    assert_non_null(x);
    const double truth[4] = {0.25, 4.0, 0.8, 2.4};
    simulate(truth, 0, 100000, 0, &rng, x, x + 100000, x + 200000);
    assert_true(test_every_allocation_failure(big_fit, x) >= 6);
    free(x);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grouped_objective_matches_per_row_reference),
        cmocka_unit_test(pareto_grouped_objective_and_hessian),
        cmocka_unit_test(newton_fit_matches_quasi_newton_on_per_row_likelihood),
        cmocka_unit_test(pareto_newton_fit_matches_quasi_newton),
        cmocka_unit_test(pareto_small_warm_start_matches_quasi_newton),
        cmocka_unit_test(duplicated_rows_merge_like_weights),
        cmocka_unit_test(every_allocation_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
