/* Error paths and small closed-form checks of the transaction-model API
 * (crvm/transactions.h) that tests/unit/test_transactions.c does not reach:
 * parameter and data checks, the per-row log-likelihood, and the EDOMAIN
 * status of every prediction. Kept apart from test_transactions.c, which
 * holds the model-accuracy tests. */
#include "support.h"

#include <math.h>
#include <string.h>

static void assert_message_has(const char *needle)
{
    if (strstr(crvm_last_error(), needle) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", crvm_last_error(), needle);
}

/* Fader, Hardie & Lee (2005) BG/NBD estimates for CDNOW: r, alpha, a, b. */
static crvm_txn_params bg_published(void)
{
    return crvm_txn_params_make(CRVM_TXN_BGNBD, 0.243, 4.414, 0.793, 2.426);
}

static void params_check_accepts_and_names_bad_parameters(void **state)
{
    (void)state;
    for (int m = 0; m < 4; m++) {
        crvm_txn_params p = crvm_txn_params_make((crvm_txn_model)m, 1, 2, 3, 4);
        assert_status(crvm_txn_params_check(&p), CRVM_OK);
    }
    assert_status(crvm_txn_params_check(NULL), CRVM_EINVAL);
    crvm_txn_params p = bg_published();
    p.model = (crvm_txn_model)7;
    assert_status(crvm_txn_params_check(&p), CRVM_EINVAL);
    assert_message_has("unknown model 7");
    const double bad[] = {0.0, -1.0, NAN, INFINITY};
    for (int k = 0; k < 4; k++) {
        p = bg_published();
        p.p[k] = bad[k];
        assert_status(crvm_txn_params_check(&p), CRVM_EDOMAIN);
        assert_message_has(crvm_txn_param_name(CRVM_TXN_BGNBD, k));
    }
}

static void check_data_names_the_first_bad_row(void **state)
{
    (void)state;
    double x[3] = {1, 0, 2}, tx[3] = {5, 0, 8}, T[3] = {10, 10, 10}, w[3] = {1, 2, 1};
    assert_status(crvm_txn_check_data(CRVM_TXN_PARETO_NBD, x, 3, tx, 3, T, 3, w, 3), CRVM_OK);
    assert_status(crvm_txn_check_data(CRVM_TXN_BGBB, x, 3, tx, 3, T, 3, NULL, 0), CRVM_OK);
    assert_status(crvm_txn_check_data((crvm_txn_model)9, x, 3, tx, 3, T, 3, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_txn_check_data(CRVM_TXN_BGNBD, x, 3, tx, 2, T, 3, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_txn_check_data(CRVM_TXN_BGNBD, x, 3, tx, 3, T, 3, w, 2), CRVM_EINVAL);
    assert_status(crvm_txn_check_data(CRVM_TXN_BGNBD, x, 3, tx, 3, T, 3, NULL, 3), CRVM_EINVAL);
    assert_status(crvm_txn_check_data(CRVM_TXN_BGNBD, NULL, 3, tx, 3, T, 3, NULL, 0), CRVM_EINVAL);
    T[1] = NAN;
    assert_status(crvm_txn_check_data(CRVM_TXN_BGNBD, x, 3, tx, 3, T, 3, NULL, 0), CRVM_EINVAL);
    assert_message_has("T[1] is NaN");
    T[1] = 10;
    tx[2] = 12;
    assert_status(crvm_txn_check_data(CRVM_TXN_MBGNBD, x, 3, tx, 3, T, 3, NULL, 0), CRVM_EINVAL);
    assert_message_has("recency[2] = 12 exceeds T[2] = 10");
    tx[2] = 8;
    w[0] = INFINITY;
    assert_status(crvm_txn_check_data(CRVM_TXN_BGNBD, x, 3, tx, 3, T, 3, w, 3), CRVM_EINVAL);
    assert_message_has("weights[0]");
    /* BG/BB needs integer recency and x <= t_x <= n. */
    tx[0] = 5.5;
    assert_status(crvm_txn_check_data(CRVM_TXN_BGBB, x, 3, tx, 3, T, 3, NULL, 0), CRVM_EINVAL);
    assert_message_has("recency[0] = 5.5");
}

/* BG/NBD individual likelihood, Fader, Hardie & Lee (2005) eq. 3:
 * L = B(a, b+x)/B(a, b) G + [x > 0] B(a+1, b+x-1)/B(a, b) G',
 * G = Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x)), G' the same at t_x. */
static double lbeta(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

static double bgnbd_ll(double r, double alpha, double a, double b, double x, double tx, double T)
{
    double lg = lgamma(r + x) - lgamma(r) + r * log(alpha);
    double t1 = lbeta(a, b + x) - lbeta(a, b) + lg - (r + x) * log(alpha + T);
    if (x == 0)
        return t1;
    double t2 = lbeta(a + 1, b + x - 1) - lbeta(a, b) + lg - (r + x) * log(alpha + tx);
    return log(exp(t1) + exp(t2));
}

static void log_likelihood_matches_the_closed_form(void **state)
{
    (void)state;
    const double x[] = {0, 1, 4, 12}, tx[] = {0, 3.5, 20, 36.9}, T[] = {38, 30, 39, 37};
    double out[4];
    crvm_txn_params p = bg_published();
    assert_status(crvm_txn_log_likelihood(&p, x, 4, tx, 4, T, 4, out, 4), CRVM_OK);
    for (int i = 0; i < 4; i++) /* a short sum of lgammas and logs: 1e-12 relative */
        assert_close(out[i], bgnbd_ll(0.243, 4.414, 0.793, 2.426, x[i], tx[i], T[i]), 1e-12, 0);

    double keep[4] = {7, 7, 7, 7};
    assert_status(crvm_txn_log_likelihood(&p, x, 4, tx, 4, T, 4, keep, 3), CRVM_EINVAL);
    assert_status(crvm_txn_log_likelihood(&p, x, 4, tx, 3, T, 4, keep, 4), CRVM_EINVAL);
    p.p[1] = -4.414;
    assert_status(crvm_txn_log_likelihood(&p, x, 4, tx, 4, T, 4, keep, 4), CRVM_EDOMAIN);
    assert_message_has("alpha");
    for (int i = 0; i < 4; i++)
        assert_close(keep[i], 7, 0, 0); /* untouched on failure */
}

static void predictions_refuse_bad_parameters(void **state)
{
    (void)state;
    const double x[] = {1, 0}, tx[] = {5, 0}, T[] = {10, 10}, t[] = {1, 2}, n[] = {0, 1};
    double out[2] = {7, 7};
    crvm_txn_params p = bg_published();
    p.p[3] = 0; /* b */
    assert_status(crvm_txn_expected_unconditional(&p, t, 2, out, 2), CRVM_EDOMAIN);
    assert_status(crvm_txn_probability_of_n(&p, t, 2, n, 2, out, 2), CRVM_EDOMAIN);
    assert_status(crvm_txn_dert(&p, 0.01, x, 2, tx, 2, T, 2, out, 2), CRVM_EDOMAIN);
    assert_status(crvm_txn_expected_conditional(&p, 5, x, 2, tx, 2, T, 2, out, 2), CRVM_EDOMAIN);
    assert_close(out[0], 7, 0, 0);
    assert_close(out[1], 7, 0, 0);
    p = bg_published();
    assert_status(crvm_txn_expected_unconditional(&p, t, 2, out, 1), CRVM_EINVAL);
    assert_status(crvm_txn_probability_of_n(&p, t, 2, n, 2, out, 1), CRVM_EINVAL);
    assert_status(crvm_txn_dert(&p, 0, x, 2, tx, 2, T, 2, out, 2), CRVM_EINVAL);
    /* Success at t = 0: nothing can have happened yet. */
    const double zero[] = {0, 0};
    assert_status(crvm_txn_expected_unconditional(&p, zero, 2, out, 2), CRVM_OK);
    assert_close(out[0], 0, 0, 0);
    assert_status(crvm_txn_probability_of_n(&p, zero, 2, n, 2, out, 2), CRVM_OK);
    assert_close(out[0], 1, 0, 1e-15); /* P(X(0) = 0) = 1 */
    assert_close(out[1], 0, 0, 1e-15);
}

static void covariance_errors(void **state)
{
    (void)state;
    /* Every customer alike: no heterogeneity, so the Pareto/NBD fit runs to
     * the edge of the parameter space (as in test_transactions.c), where the
     * Hessian is singular: no covariance, no standard errors. */
    enum { N = 50 };
    double x[N], tx[N], T[N], cov[16], se[4];
    for (int i = 0; i < N; i++)
        x[i] = 2, tx[i] = 10, T[i] = 30;
    crvm_txn_fit *fit = NULL;
    assert_status(crvm_txn_fit_new(CRVM_TXN_PARETO_NBD, x, N, tx, N, T, N, NULL, 0, NULL, &fit),
                  CRVM_ECONVERGE);
    assert_non_null(fit);
    assert_status(crvm_txn_fit_covariance(fit, cov, 15), CRVM_EINVAL);
    assert_status(crvm_txn_fit_covariance(NULL, cov, 16), CRVM_EINVAL);
    assert_status(crvm_txn_fit_covariance(fit, NULL, 16), CRVM_EINVAL);
    assert_status(crvm_txn_fit_covariance(fit, cov, 16), CRVM_EDOMAIN);
    assert_message_has("not positive definite");
    assert_status(crvm_txn_fit_standard_errors(fit, se, 4), CRVM_EDOMAIN);
    assert_status(crvm_txn_fit_standard_errors(fit, se, 3), CRVM_EINVAL);
    assert_status(crvm_txn_fit_standard_errors(NULL, se, 4), CRVM_EINVAL);
    /* The report is there, and says so, although the fit did not converge. */
    crvm_fit_report rep;
    assert_status(crvm_txn_fit_report(fit, &rep), CRVM_OK);
    assert_int_equal(rep.converged, 0);
    assert_int_equal(rep.n_parameters, 4);
    assert_status(crvm_txn_fit_report(fit, NULL), CRVM_EINVAL);
    assert_status(crvm_txn_fit_report(NULL, &rep), CRVM_EINVAL);
    crvm_txn_fit_free(fit);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_check_accepts_and_names_bad_parameters),
        cmocka_unit_test(check_data_names_the_first_bad_row),
        cmocka_unit_test(log_likelihood_matches_the_closed_form),
        cmocka_unit_test(predictions_refuse_bad_parameters),
        cmocka_unit_test(covariance_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
