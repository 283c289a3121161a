/* The transaction models at the edges of the double range: the inputs that
 * tests/fuzz/fuzz_predict found giving a probability above 1, NaN with
 * CRVM_OK, or unbounded work, each now a correct value (checked against a
 * closed form of that special case) or a refusal naming the cause; and the
 * documented work bounds (BG/BB opportunities, BG/BB DERT terms). Timings are
 * never asserted: the fuzz target's time limit checks the cost. */
#include "support.h"

#include <float.h>
#include <math.h>
#include <string.h>

static void assert_message_has(const char *needle)
{
    if (strstr(crvm_last_error(), needle) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", crvm_last_error(), needle);
}

/* x = DBL_MAX: b + x - 1 and r + x overflowed, D = -inf + inf = NaN was
 * returned with CRVM_OK (fuzz input 05 00 00 00 fa fd ff ff ff fa ff fc 00
 * 07 ff fe). With t_x < T the second term of D is +inf (P(alive) = 0); with
 * t_x = T it is 0 and P(alive) = 1 / (1 + a / (b + x - 1)) (FHL 2005 eq. 11
 * with (alpha+T)/(alpha+t_x) = 1), here with b = 1 so that b + x - 1 = x. */
static void p_alive_at_the_largest_frequency(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        crvm_txn_model model = m ? CRVM_TXN_MBGNBD : CRVM_TXN_BGNBD;
        crvm_txn_params p = crvm_txn_params_make(model, 1, 1.19e288, 1e300, m ? 1e-300 : 1);
        double x[2] = {DBL_MAX, DBL_MAX}, tx[2] = {0, 5}, T[2] = {9.79e299, 5}, out[2];
        assert_status(crvm_txn_p_alive(&p, x, 2, tx, 2, T, 2, out, 2), CRVM_OK);
        assert_close(out[0], 0, 0, 0);
        /* MBG/NBD: b + x with b = 1e-300 rounds to x */
        assert_close(out[1], 1 / (1 + 1e300 / DBL_MAX), 1e-15, 0);
    }
}

/* P(X(t) = n) at huge a and b, where differences of log-beta functions of
 * size 1e300 gave 2.0 (MBG/NBD, fuzz input e5 01 00 00 f6 f8 f5 0a fa) and
 * 1.11 (BG/NBD). Closed forms of the special cases (FHL 2005 eq. 8 with
 * B(a, b+1)/B(a, b) = b/(a+b), B(a+1, b)/B(a, b) = a/(a+b), the NBD's
 * P(0) = (alpha/(alpha+t))^r and P(1) = r theta P(0), theta = t/(alpha+t)):
 * MBG/NBD n = 0: b/(a+b) P(0) + a/(a+b); BG/NBD n = 1: b/(a+b) P(1) +
 * a/(a+b) (1 - P(0)). A few roundings: 1e-14. */
static void probability_of_n_at_huge_shapes(void **state)
{
    (void)state;
    double t = 1, n0 = 0, n1 = 1, v;
    crvm_txn_params mbg = crvm_txn_params_make(CRVM_TXN_MBGNBD, 1, 3.2e278, 8.2e273, 5.3e285);
    assert_status(crvm_txn_probability_of_n(&mbg, &t, 1, &n0, 1, &v, 1), CRVM_OK);
    double a = 8.2e273, b = 5.3e285;
    double p0 = 1 / (1 + 1 / 3.2e278); /* (alpha/(alpha+t))^r, r = 1 */
    assert_close(v, b / (a + b) * p0 + a / (a + b), 1e-14, 0);

    double r = 6.5e292, alpha = 2.4e292;
    a = 2.2e252;
    b = 1.6e252;
    crvm_txn_params bg = crvm_txn_params_make(CRVM_TXN_BGNBD, r, alpha, a, b);
    assert_status(crvm_txn_probability_of_n(&bg, &t, 1, &n1, 1, &v, 1), CRVM_OK);
    double theta = t / (alpha + t);
    p0 = exp(-r * log1p(t / alpha));
    assert_close(v, b / (a + b) * r * theta * p0 + a / (a + b) * (1 - p0), 1e-13, 0);
}

/* r > 1 takes the tail of the NBD as 1 minus the head summed downwards from
 * n - 1 (n below the mode): the probabilities over n = 0..400 (mean 50,
 * standard deviation 10: the rest is below 1e-100) must sum to 1 and their
 * mean equal E[X(t)], which comes from the death-rate rule, another code
 * path. Sums of 400 terms: 1e-12. */
static void probability_of_n_with_a_peaked_rate(void **state)
{
    (void)state;
    enum { N = 401 };
    static double n[N], out[N];
    for (int i = 0; i < N; i++)
        n[i] = i;
    for (int m = 0; m < 2; m++) {
        crvm_txn_params p = crvm_txn_params_make(m ? CRVM_TXN_MBGNBD : CRVM_TXN_BGNBD, 50, 1, 2, 3);
        double t = 1, e;
        assert_status(crvm_txn_probability_of_n(&p, &t, 1, n, N, out, N), CRVM_OK);
        assert_status(crvm_txn_expected_unconditional(&p, &t, 1, &e, 1), CRVM_OK);
        double s = 0, mean = 0;
        for (int i = 0; i < N; i++) {
            assert_true(out[i] >= 0 && out[i] <= 1);
            s += out[i];
            mean += i * out[i];
        }
        assert_close(s, 1, 1e-12, 0);
        assert_close(mean, e, 1e-10, 0);
    }
}

/* Work bounds. BG/NBD P(X(t) = n) at n = 6.5e295 summed the NBD head term
 * by term (fuzz input ff 00 39 39 39 9d 40 39 39 39 9d fc fe 3d): now a
 * bounded sum or a refusal. DERT at r = 4.2e297 (input bf 28 ff) ran past
 * the time limit: refused by the rule's bounds. */
static void bgnbd_work_is_bounded(void **state)
{
    (void)state;
    crvm_txn_params p = crvm_txn_params_make(CRVM_TXN_BGNBD, 5.28e-174, 4.49e-173, 2.45e-157,
                                             5.28e-174);
    double t = 1, n = 6.5263e295, v = 7;
    assert_status(crvm_txn_probability_of_n(&p, &t, 1, &n, 1, &v, 1), CRVM_EDOMAIN);
    assert_message_has("n = 6.5263e+295");
    assert_close(v, 7, 0, 0);

    crvm_txn_params big_r = crvm_txn_params_make(CRVM_TXN_BGNBD, 4.2e297, 1, 1, 1);
    double x = 0, tx = 0, T = 1, d;
    assert_status(crvm_txn_dert(&big_r, 1, &x, 1, &tx, 1, &T, 1, &d, 1), CRVM_EDOMAIN);
    assert_message_has("row 0");
}

/* BG/BB: the likelihood and P(X(n) = x) sum one term per opportunity, so n
 * is bounded (it never ended for n > 2^53); the DERT series stops after
 * 10^7 terms and refuses a discount rate too small for that. */
static void bgbb_work_is_bounded(void **state)
{
    (void)state;
    const crvm_txn_params bb = crvm_txn_params_make(CRVM_TXN_BGBB, 1.204, 0.750, 0.657, 2.783);
    double big = CRVM_TXN_BGBB_MAX_OPPORTUNITIES + 1.0, one = 1, zero = 0, out = 7;
    assert_status(crvm_txn_p_alive(&bb, &one, 1, &one, 1, &big, 1, &out, 1), CRVM_EINVAL);
    assert_message_has("T[0]");
    assert_status(crvm_txn_check_data(CRVM_TXN_BGBB, &one, 1, &one, 1, &big, 1, NULL, 0),
                  CRVM_EINVAL);
    assert_status(crvm_txn_probability_of_n(&bb, &big, 1, &one, 1, &out, 1), CRVM_EINVAL);
    assert_message_has("at most");
    assert_close(out, 7, 0, 0);
    double most = CRVM_TXN_BGBB_MAX_OPPORTUNITIES;
    assert_status(crvm_txn_p_alive(&bb, &zero, 1, &zero, 1, &most, 1, &out, 1), CRVM_OK);
    assert_true(out >= 0 && out <= 1);

    double n = 6, x = 2, tx = 4, d = 7;
    assert_status(crvm_txn_dert(&bb, 1e-9, &x, 1, &tx, 1, &n, 1, &d, 1), CRVM_EDOMAIN);
    assert_close(d, 7, 0, 0);
    assert_status(crvm_txn_dert(&bb, 1e-4, &x, 1, &tx, 1, &n, 1, &d, 1), CRVM_OK);
    assert_true(d > 0 && isfinite(d));
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(p_alive_at_the_largest_frequency),
        cmocka_unit_test(probability_of_n_at_huge_shapes),
        cmocka_unit_test(probability_of_n_with_a_peaked_rate),
        cmocka_unit_test(bgnbd_work_is_bounded),
        cmocka_unit_test(bgbb_work_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
