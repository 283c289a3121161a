/* BG/NBD and MBG/NBD predictions through the death-rate rule
 * (lib/transactions/death_rule.c, bgnbd_rows.c): DERT, the conditional
 * expectations the closed form cannot certify, and the unconditional
 * expectation. Each result is checked against an independent source: mpmath
 * double integrals of the definition (tests/reference/transactions_mpmath.py),
 * the nested adaptive quadrature kept as the scalar reference path, or
 * Taylor expansions of the model in the limit where the dropout probability
 * vanishes (b -> infinity). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "transactions/txn_private.h"

static const crvm_txn_params BG_PUB = {CRVM_TXN_BGNBD, {0.243, 4.414, 0.793, 2.426}};

typedef struct mp_case {
    crvm_txn_model model;
    double r, alpha, a, b, x, tx, T, delta, dert;
} mp_case;

static void dert_matches_mpmath_double_integrals(void **state)
{
    (void)state;
    /* transactions_mpmath.py, bgnbd_dert and dert_substituted (30 digits):
     * P(alive) E[mu / (delta (alpha + T) + p mu)] over the posterior
     * Gamma x Beta. Tolerance 1e-12: the rule is accepted only when it
     * reproduces two exact moments to 1e-12, and its trapezoidal error is
     * below 1e-15 (death_rule.c); observed agreement is a few ulp. */
    static const mp_case cases[] = {
        {CRVM_TXN_BGNBD, 0.243, 4.414, 0.793, 2.426, 2, 30.43, 38.86, 0.0027, 5.1563798261540373},
        {CRVM_TXN_BGNBD, 0.243, 4.414, 0.793, 2.426, 0, 0, 38.86, 0.05, 0.10062015014275709},
        {CRVM_TXN_MBGNBD, 0.525, 6.183, 0.891, 1.614, 5, 20, 38.86, 0.01, 1.7559730021633147},
        /* small a: p^(a-1) nearly non-integrable at 0, a long tail of
         * nearly immortal customers */
        {CRVM_TXN_BGNBD, 0.243, 4.414, 0.1, 2.4, 2, 30.43, 38.86, 0.0027, 15.638332989434042982},
        /* b = 1e7: the posterior Beta lives near p = 1e-7, where the old
         * quadrature found nothing and returned 0 */
        {CRVM_TXN_BGNBD, 0.243, 4.414, 0.793, 1e7, 2, 30.43, 38.86, 0.0027, 19.19718087421187282},
        /* x = 40: a narrow posterior Gamma */
        {CRVM_TXN_BGNBD, 0.243, 4.414, 0.793, 2.426, 40, 35.0, 38.86, 0.0027,
         55.073348123554700286},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const mp_case *m = &cases[c];
        crvm_txn_params p = crvm_txn_params_make(m->model, m->r, m->alpha, m->a, m->b);
        double d;
        assert_status(crvm_txn_dert(&p, m->delta, &m->x, 1, &m->tx, 1, &m->T, 1, &d, 1), CRVM_OK);
        assert_close(d, m->dert, 1e-12, 0.0);
    }
}

/* log-uniform on [lo, hi] */
static double log_uniform(test_rng *rng, double lo, double hi)
{
    return exp(log(lo) + (log(hi) - log(lo)) * test_rng_uniform(rng));
}

static void dert_matches_nested_quadrature_reference(void **state)
{
    (void)state;
    /* Random parameters, rows and discount rates over the ranges fitted
     * models reach: the rule against crvm__dert_by_integration (nested
     * adaptive Gauss-Kronrod over the conditional expectation, an
     * independent formulation). Tolerance 1e-9: the reference's own
     * accuracy (its inner tolerance is 1e-9; mpmath agreement 1e-10). */
    test_rng rng = {2026};
    enum { N = 12 };
    double x[N], tx[N], T[N], out[N];
    for (int rep = 0; rep < 10; rep++) {
        crvm_txn_params p = crvm_txn_params_make(
            rep % 2 ? CRVM_TXN_MBGNBD : CRVM_TXN_BGNBD, log_uniform(&rng, 0.05, 20.0),
            log_uniform(&rng, 0.1, 100.0), log_uniform(&rng, 0.3, 20.0),
            log_uniform(&rng, 0.3, 50.0));
        double delta = log_uniform(&rng, 1e-4, 0.5);
        for (int i = 0; i < N; i++) {
            x[i] = test_rng_uniform(&rng) < 0.3 ? 0.0 : floor(log_uniform(&rng, 1.0, 120.0));
            T[i] = log_uniform(&rng, 0.5, 500.0);
            tx[i] = x[i] == 0.0 ? 0.0 : T[i] * test_rng_uniform(&rng);
        }
        assert_status(crvm_txn_dert(&p, delta, x, N, tx, N, T, N, out, N), CRVM_OK);
        for (int i = 0; i < N; i++) {
            crvm__txn_row row = {x[i], tx[i], T[i], 1.0};
            double ref = crvm__dert_by_integration(&p, delta, &row);
            if (!(fabs(out[i] - ref) <= 1e-9 * ref))
                fail_msg("%s r=%g alpha=%g a=%g b=%g delta=%g row %d (x=%g, t_x=%g, T=%g): "
                         "rule %.17g, reference %.17g",
                         crvm_txn_model_name(p.model), p.p[0], p.p[1], p.p[2], p.p[3], delta, i,
                         x[i], tx[i], T[i], out[i], ref);
        }
    }
}

/* Moments of nu' = p mu', p ~ Beta(a, B), mu' ~ Gamma(k + 1, 1). */
static void nu_moments(double k, double a, double B, double *m1, double *m2)
{
    *m1 = (k + 1.0) * a / (a + B);
    *m2 = *m1 * (k + 2.0) * (a + 1.0) / (a + B + 1.0);
}

static double p_alive_closed(const crvm_txn_params *p, double x, double tx, double T)
{
    double r = p->p[0], alpha = p->p[1], a = p->p[2], b = p->p[3];
    if (p->model == CRVM_TXN_BGNBD && x == 0.0)
        return 1.0;
    double bb = p->model == CRVM_TXN_BGNBD ? b + x - 1.0 : b + x;
    return 1.0 / (1.0 + a / bb * pow((alpha + T) / (alpha + tx), r + x));
}

static void huge_b_gives_the_immortal_limit(void **state)
{
    (void)state;
    /* Issue 10, item 4: for b >= 1e8 the conditional and unconditional
     * expectations and DERT came back as exactly 0 with status OK. As
     * b -> infinity the dropout probability p vanishes, and the exact
     * values follow from the definitions (death_rule.c) by Taylor
     * expansion in nu' = p mu' (k = r + x, c = t / (alpha + T),
     * s = delta (alpha + T)):
     *   E[Y(t)] = P(alive) k c E[phi(nu' c)], phi(z) = 1 - z/2 + z^2/6 - ...
     *   DERT = P(alive) (k/s) E[1 / (1 + nu'/s)] = P(alive) (k/s) (1 - nu'/s + ...)
     * Both series alternate with decreasing terms for small arguments, so
     * the first two terms are within the third, E[nu'^2] c^2/6 and
     * E[nu'^2]/s^2, of the exact value: that bound (plus 1e-13 for
     * rounding) is the tolerance. */
    const double bs[] = {1e7, 1e8, 1e10, 1e12};
    const crvm_txn_model models[] = {CRVM_TXN_BGNBD, CRVM_TXN_MBGNBD};
    double x[3] = {0, 2, 7}, tx[3] = {0, 30.43, 20}, T[3] = {38.86, 38.86, 38.86};
    double t = 39.0, delta = 0.0027;
    for (size_t mi = 0; mi < 2; mi++)
        for (size_t bi = 0; bi < sizeof bs / sizeof bs[0]; bi++) {
            crvm_txn_params p = crvm_txn_params_make(models[mi], 0.243, 4.414, 0.793, bs[bi]);
            double extra = models[mi] == CRVM_TXN_MBGNBD ? 1.0 : 0.0;
            double cond[3], dert[3], uncond;
            assert_status(crvm_txn_expected_conditional(&p, t, x, 3, tx, 3, T, 3, cond, 3),
                          CRVM_OK);
            assert_status(crvm_txn_dert(&p, delta, x, 3, tx, 3, T, 3, dert, 3), CRVM_OK);
            assert_status(crvm_txn_expected_unconditional(&p, &t, 1, &uncond, 1), CRVM_OK);
            for (int i = 0; i < 3; i++) {
                double k = p.p[0] + x[i], B = p.p[3] + x[i] + extra, m1, m2;
                nu_moments(k, p.p[2], B, &m1, &m2);
                double pa = p_alive_closed(&p, x[i], tx[i], T[i]);
                double c = t / (p.p[1] + T[i]), s = delta * (p.p[1] + T[i]);
                double e = pa * k * c * (1.0 - m1 * c / 2.0);
                assert_close(cond[i], e, 1e-13, pa * k * c * m2 * c * c / 6.0);
                double d = pa * k / s * (1.0 - m1 / s);
                assert_close(dert[i], d, 1e-13, pa * k / s * m2 / (s * s));
            }
            /* E[X(t)]: x = 0 at T = 0 (MBG/NBD: P(alive) = b / (a + b)) */
            double k = p.p[0], B = p.p[3] + extra, m1, m2, c = t / p.p[1];
            nu_moments(k, p.p[2], B, &m1, &m2);
            double pa = models[mi] == CRVM_TXN_MBGNBD ? p.p[3] / (p.p[2] + p.p[3]) : 1.0;
            assert_close(uncond, pa * k * c * (1.0 - m1 * c / 2.0), 1e-13,
                         pa * k * c * m2 * c * c / 6.0);
        }
}

static void rows_get_the_same_value_in_any_batch(void **state)
{
    (void)state;
    /* A row's rule depends on its own x and amplification band only
     * (bgnbd_rows.c), so its DERT is bit-identical alone and inside a batch
     * with very different rows. */
    double x[4] = {3, 3, 0, 3}, tx[4] = {20, 0.5, 0, 38}, T[4] = {38.86, 1.0, 500, 39};
    double batch[4];
    assert_status(crvm_txn_dert(&BG_PUB, 0.01, x, 4, tx, 4, T, 4, batch, 4), CRVM_OK);
    for (int i = 0; i < 4; i++) {
        double one;
        assert_status(crvm_txn_dert(&BG_PUB, 0.01, &x[i], 1, &tx[i], 1, &T[i], 1, &one, 1),
                      CRVM_OK);
        assert_true(one == batch[i]);
    }
}

static void rule_out_of_reach_is_an_edomain_naming_the_row(void **state)
{
    (void)state;
    /* a = 1e-6: the posterior dropout probability has a tail of nearly
     * immortal customers spanning millions of e-folds in log p, which no
     * bounded rule covers: DERT must refuse (EDOMAIN naming the row), not
     * return a plausible number. */
    crvm_txn_params p = crvm_txn_params_make(CRVM_TXN_BGNBD, 0.243, 4.414, 1e-6, 2.4);
    double x[2] = {1, 2}, tx[2] = {10, 30}, T[2] = {38, 38}, out[2] = {-1, -1};
    assert_status(crvm_txn_dert(&p, 0.0027, x, 2, tx, 2, T, 2, out, 2), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "BG/NBD DERT: row 0 (x=1)"));
    assert_non_null(strstr(crvm_last_error(), "a=1e-06"));
    assert_true(out[0] == -1 && out[1] == -1); /* outputs untouched */
}

static void rule_checks_reject_a_wrong_rule(void **state)
{
    (void)state;
    /* The rule's own guards: a rule whose nodes are shifted (a stand-in for
     * any defect) breaks the Jensen bounds, and the sums report NaN. */
    crvm__death_rule *rule = malloc(sizeof *rule);
    assert_non_null(rule);
    assert_int_equal(crvm__death_rule_build(2.0, 0.8, 3.0, 10.0, rule), CRVM_OK);
    double q = crvm__death_rule_dert(rule, 0.1), e = crvm__death_rule_expected(rule, 2.0);
    assert_true(isfinite(q) && isfinite(e));
    for (size_t i = 0; i < rule->n; i++)
        rule->nu[i] *= 1e3;
    assert_true(isnan(crvm__death_rule_dert(rule, 0.1)));
    assert_true(isnan(crvm__death_rule_expected(rule, 2.0)));
    assert_int_equal(crvm__death_rule_build(2.0, 0.8, -1.0, 10.0, rule), CRVM_EDOMAIN);
    free(rule);
}

static crvm_status rule_predictions(void *ctx)
{
    (void)ctx;
    /* every allocating path: DERT, a conditional row the closed form cannot
     * certify (b = 1e8), the unconditional expectation */
    crvm_txn_params p = crvm_txn_params_make(CRVM_TXN_MBGNBD, 0.525, 6.183, 0.891, 1e8);
    double x[2] = {0, 4}, tx[2] = {0, 20}, T[2] = {30, 38}, out[2];
    crvm_status st = crvm_txn_dert(&BG_PUB, 0.01, x, 2, tx, 2, T, 2, out, 2);
    if (st == CRVM_OK)
        st = crvm_txn_expected_conditional(&p, 52.0, x, 2, tx, 2, T, 2, out, 2);
    if (st == CRVM_OK)
        st = crvm_txn_expected_unconditional(&p, T, 2, out, 2);
    return st;
}

static void every_allocation_failure_is_reported(void **state)
{
    (void)state;
    assert_true(test_every_allocation_failure(rule_predictions, NULL) >= 4);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dert_matches_mpmath_double_integrals),
        cmocka_unit_test(dert_matches_nested_quadrature_reference),
        cmocka_unit_test(huge_b_gives_the_immortal_limit),
        cmocka_unit_test(rows_get_the_same_value_in_any_batch),
        cmocka_unit_test(rule_out_of_reach_is_an_edomain_naming_the_row),
        cmocka_unit_test(rule_checks_reject_a_wrong_rule),
        cmocka_unit_test(every_allocation_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
