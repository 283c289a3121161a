/* Unit tests of the Cox diagnostics: Schoenfeld residuals against a direct
 * computation from their definition, their sum against the score (zero at
 * the estimate), and the proportional-hazards test against lifelines. */
#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N TEST_ROSSI_ROWS
#define P TEST_ROSSI_COLS

static double week[N], x[N * P];
static int32_t arrest[N];

static int setup(void **state)
{
    (void)state;
    test_alloc_install();
    test_load_rossi(week, arrest, x);
    return 0;
}

static crvm_cox *fit(const double *xs, size_t n, size_t p, const double *t, const int32_t *e,
                     const double *w, const int32_t *strata, crvm_ties ties, int robust)
{
    crvm_cox_options o = CRVM_COX_OPTIONS_INIT;
    o.ties = ties;
    o.robust = robust;
    crvm_cox *cox = NULL;
    assert_status(crvm_cox_fit(xs, n * p, n, p, t, n, e, n, w, w ? n : 0, strata, strata ? n : 0,
                               &o, &cox, NULL), CRVM_OK);
    return cox;
}

/* x_i - xbar(t_i) straight from the definition: for each event row, the
 * risk set {k : same stratum, t_k >= t_i} with weights w e^(beta'x); Efron
 * averages over l = 0 .. d-1 with l/d of the tied events' weight removed. */
static void direct_residuals(const crvm_cox *cox, size_t n, size_t p, const double *xs,
                             const double *t, const int32_t *e, const double *w,
                             const int32_t *strata, int efron, double *r)
{
    double beta[8];
    assert_status(crvm_cox_statistic(cox, CRVM_COX_COEF, beta, p), CRVM_OK);
    memset(r, 0, n * p * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        if (!e[i])
            continue;
        double sr = 0, sd = 0, d = 0, zr[8] = {0}, zd[8] = {0};
        for (size_t k = 0; k < n; k++) {
            if ((strata && strata[k] != strata[i]) || t[k] < t[i])
                continue;
            double eta = 0;
            for (size_t j = 0; j < p; j++)
                eta += beta[j] * xs[k * p + j];
            double phi = (w ? w[k] : 1.0) * exp(eta);
            sr += phi;
            for (size_t j = 0; j < p; j++)
                zr[j] += phi * xs[k * p + j];
            if (t[k] == t[i] && e[k]) {
                sd += phi;
                d += 1;
                for (size_t j = 0; j < p; j++)
                    zd[j] += phi * xs[k * p + j];
            }
        }
        for (size_t j = 0; j < p; j++) {
            double mean = 0;
            if (efron)
                for (double l = 0; l < d; l++)
                    mean += (zr[j] - l / d * zd[j]) / (sr - l / d * sd) / d;
            else
                mean = zr[j] / sr;
            r[i * p + j] = xs[i * p + j] - mean;
        }
    }
}

static void residuals_match_their_definition(void **state)
{
    (void)state;
    /* Rossi weeks are heavily tied; weights and strata exercise both paths. */
    double w[N], *r = malloc(sizeof(double) * N * P), *want = malloc(sizeof(double) * N * P);
    int32_t strata[N];
    assert_non_null(r);
    assert_non_null(want);
    for (size_t i = 0; i < N; i++) {
        w[i] = 0.5 + (double)(i % 4);
        strata[i] = (int32_t)(i % 3 == 0) * 5;
    }
    for (int efron = 0; efron <= 1; efron++)
        for (int variant = 0; variant < 3; variant++) {
            const double *wv = variant >= 1 ? w : NULL;
            const int32_t *sv = variant == 2 ? strata : NULL;
            crvm_cox *cox = fit(x, N, P, week, arrest, wv, sv,
                                efron ? CRVM_TIES_EFRON : CRVM_TIES_BRESLOW, 0);
            assert_status(crvm_cox_schoenfeld_residuals(cox, x, N * P, N, P, week, N, arrest, N,
                                                        wv, wv ? N : 0, sv, sv ? N : 0, 0, r,
                                                        N * P), CRVM_OK);
            direct_residuals(cox, N, P, x, week, arrest, wv, sv, efron, want);
            /* Same sums in another order: rounding only (the covariates are
             * at most ~40, the residuals O(1)). */
            for (size_t k = 0; k < N * P; k++)
                assert_close(r[k], want[k], 1e-9, 1e-11);
            crvm_cox_free(cox);
        }
    free(r);
    free(want);
}

/* The sum of the Schoenfeld residuals (weighted by the event weights) is
 * the score of the partial likelihood, zero at the estimate. */
static void residuals_sum_to_the_score(void **state)
{
    (void)state;
    crvm_cox *cox = fit(x, N, P, week, arrest, NULL, NULL, CRVM_TIES_EFRON, 0);
    double *r = malloc(sizeof(double) * N * P);
    assert_non_null(r);
    assert_status(crvm_cox_schoenfeld_residuals(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0,
                                                NULL, 0, 0, r, N * P), CRVM_OK);
    for (size_t j = 0; j < P; j++) {
        double sum = 0, mag = 0;
        for (size_t i = 0; i < N; i++) {
            sum += r[i * P + j];
            mag += fabs(r[i * P + j]);
        }
        /* Newton stops at a relative log-likelihood change of 1e-9: the
         * score is zero to about that relative size. */
        assert_true(fabs(sum) <= 1e-6 * mag);
    }
    free(r);
    crvm_cox_free(cox);
}

/* lifelines 0.30.3, CoxPHFitter().fit(rossi, 'week', 'arrest'), then
 * proportional_hazard_test(cph, rossi, time_transform=...).test_statistic
 * for fin, age, race, wexp, mar, paro, prio. */
static const double lifelines_rank[P] = {0.0150558348798409, 11.45349660048514, 1.4264785835429428,
                                         7.3149336859950109, 0.70947375054979511,
                                         0.13426615274757484, 0.018834218522195204};
static const double lifelines_km[P] = {0.019130026636667626, 11.03029383647919, 1.4374561467404292,
                                       7.4754713505480179, 0.60087417802130849,
                                       0.11572096517726978, 0.022545537329335487};
static const double lifelines_identity[P] = {0.0561707833608346, 12.061382648592348,
                                             1.4860878583583033, 6.9348351144852334,
                                             0.75440141635397262, 0.12204157631712387,
                                             0.010891709613611786};
static const double lifelines_log[P] = {0.49136452605924041, 13.07381115480929, 1.0311240330532983,
                                        5.5397537972409454, 1.0292741857228858,
                                        0.010496111891877987, 0.38401883182705393};

static void ph_test_matches_lifelines(void **state)
{
    (void)state;
    crvm_cox *cox = fit(x, N, P, week, arrest, NULL, NULL, CRVM_TIES_EFRON, 0);
    const double *want[4] = {lifelines_rank, lifelines_km, lifelines_identity, lifelines_log};
    for (int tt = 0; tt < 4; tt++) {
        double stat[P], p[P];
        assert_status(crvm_cox_ph_test(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0, NULL, 0,
                                       (crvm_ph_time)tt, stat, P, p, P), CRVM_OK);
        for (size_t j = 0; j < P; j++) {
            /* Both fits stop at their own tolerance (coefficients agree to
             * ~1e-8 relative); the statistic is smooth in them. */
            assert_close(stat[j], want[tt][j], 1e-6, 1e-9);
            assert_close(p[j], crvm_chisq_sf(want[tt][j], 1.0), 1e-6, 1e-12);
        }
    }
    crvm_cox_free(cox);
}

static void diagnostics_refuse_bad_input(void **state)
{
    (void)state;
    crvm_cox *cox = fit(x, N, P, week, arrest, NULL, NULL, CRVM_TIES_EFRON, 1);
    double r[N * P], stat[P], p[P];
    int32_t strata[N];
    for (size_t i = 0; i < N; i++)
        strata[i] = (int32_t)(i % 2);
    assert_status(crvm_cox_schoenfeld_residuals(NULL, x, N * P, N, P, week, N, arrest, N, NULL, 0,
                                                NULL, 0, 1, r, N * P), CRVM_EINVAL);
    assert_status(crvm_cox_schoenfeld_residuals(cox, x, N * P, N * P / 6, 6, week, N, arrest, N,
                                                NULL, 0, NULL, 0, 1, r, N * P), CRVM_EINVAL);
    assert_status(crvm_cox_schoenfeld_residuals(cox, x, N * P, N, P, week, N - 1, arrest, N - 1,
                                                NULL, 0, NULL, 0, 1, r, N * P), CRVM_EINVAL);
    assert_status(crvm_cox_schoenfeld_residuals(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0,
                                                NULL, 0, 1, r, N), CRVM_EINVAL);
    /* The model is unstratified: its one stratum has code 0. */
    assert_status(crvm_cox_schoenfeld_residuals(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0,
                                                strata, N, 1, r, N * P), CRVM_ENOTFOUND);
    assert_non_null(strstr(crvm_last_error(), "strata[1]"));
    assert_status(crvm_cox_ph_test(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0, NULL, 0,
                                   (crvm_ph_time)9, stat, P, p, P), CRVM_EINVAL);
    assert_status(crvm_cox_ph_test(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0, NULL, 0,
                                   CRVM_PH_TIME_RANK, stat, P - 1, p, P), CRVM_EINVAL);
    assert_status(crvm_cox_ph_test(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0, strata, N,
                                   CRVM_PH_TIME_RANK, stat, P, p, P), CRVM_ENOTFOUND);
    /* The robust covariance scales the robust model's residuals. */
    assert_status(crvm_cox_ph_test(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0, NULL, 0,
                                   CRVM_PH_TIME_RANK, stat, P, p, P), CRVM_OK);
    for (size_t j = 0; j < P; j++)
        assert_true(isfinite(stat[j]) && p[j] >= 0 && p[j] <= 1);
    crvm_cox_free(cox);

    /* A stratified model needs each row's stratum. */
    cox = fit(x, N, P, week, arrest, NULL, strata, CRVM_TIES_EFRON, 0);
    assert_status(crvm_cox_schoenfeld_residuals(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0,
                                                NULL, 0, 0, r, N * P), CRVM_EINVAL);
    assert_status(crvm_cox_ph_test(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0, NULL, 0,
                                   CRVM_PH_TIME_KM, stat, P, p, P), CRVM_EINVAL);
    assert_status(crvm_cox_ph_test(cox, x, N * P, N, P, week, N, arrest, N, NULL, 0, strata, N,
                                   CRVM_PH_TIME_KM, stat, P, p, P), CRVM_OK);
    crvm_cox_free(cox);

    /* Degenerate time scales: one event; every event at one time; t = 0 on the log scale. */
    const double xs[6] = {0, 1, 0, 1, 0, 1}, t1[6] = {1, 2, 3, 4, 5, 6}, t0[6] = {0, 2, 3, 4, 5, 6};
    const int32_t e1[6] = {1, 1, 0, 1, 0, 1}, e2[6] = {1, 0, 0, 0, 0, 0};
    const double tsame[6] = {3, 3, 5, 3, 6, 3};
    const int32_t esame[6] = {1, 1, 0, 1, 0, 1};
    cox = fit(xs, 6, 1, t0, e1, NULL, NULL, CRVM_TIES_EFRON, 0);
    assert_status(crvm_cox_ph_test(cox, xs, 6, 6, 1, t0, 6, e1, 6, NULL, 0, NULL, 0,
                                   CRVM_PH_TIME_LOG, stat, 1, p, 1), CRVM_EDOMAIN);
    assert_status(crvm_cox_ph_test(cox, xs, 6, 6, 1, t1, 6, e2, 6, NULL, 0, NULL, 0,
                                   CRVM_PH_TIME_RANK, stat, 1, p, 1), CRVM_EDOMAIN);
    assert_status(crvm_cox_ph_test(cox, xs, 6, 6, 1, tsame, 6, esame, 6, NULL, 0, NULL, 0,
                                   CRVM_PH_TIME_IDENTITY, stat, 1, p, 1), CRVM_EDOMAIN);
    crvm_cox_free(cox);
}

typedef struct diag_ctx {
    crvm_cox *cox;
    int test;
} diag_ctx;

static crvm_status diag_scenario(void *ctx_)
{
    diag_ctx *ctx = ctx_;
    double *r = malloc(sizeof(double) * N * P), stat[P], p[P];
    assert_non_null(r);
    crvm_status st = ctx->test
                         ? crvm_cox_ph_test(ctx->cox, x, N * P, N, P, week, N, arrest, N, NULL, 0,
                                            NULL, 0, CRVM_PH_TIME_KM, stat, P, p, P)
                         : crvm_cox_schoenfeld_residuals(ctx->cox, x, N * P, N, P, week, N, arrest,
                                                         N, NULL, 0, NULL, 0, 1, r, N * P);
    free(r);
    return st;
}

static void diagnostics_survive_every_allocation_failure(void **state)
{
    (void)state;
    diag_ctx ctx = {fit(x, N, P, week, arrest, NULL, NULL, CRVM_TIES_EFRON, 0), 0};
    assert_true(test_every_allocation_failure(diag_scenario, &ctx) >= 3);
    ctx.test = 1;
    assert_true(test_every_allocation_failure(diag_scenario, &ctx) >= 4);
    crvm_cox_free(ctx.cox);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(residuals_match_their_definition),
        cmocka_unit_test(residuals_sum_to_the_score),
        cmocka_unit_test(ph_test_matches_lifelines),
        cmocka_unit_test(diagnostics_refuse_bad_input),
        cmocka_unit_test(diagnostics_survive_every_allocation_failure),
    };
    return cmocka_run_group_tests_name("cox_diagnostics", tests, setup, NULL);
}
