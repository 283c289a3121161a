/* Unit tests for lib/survival: distribution tails, Kaplan–Meier, log-rank,
 * concordance and Cox proportional hazards. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survival/distrib.h"

#ifndef CRVM_SOURCE_ROOT
#define CRVM_SOURCE_ROOT "."
#endif

/* ---- helpers ------------------------------------------------------------ */

#define N_ROSSI 432
typedef struct rossi_data {
    double week[N_ROSSI];
    int32_t arrest[N_ROSSI];
    double x[N_ROSSI * 7]; /* fin age race wexp mar paro prio */
    size_t n;
} rossi_data;

static rossi_data rossi;

static void load_rossi(void)
{
    if (rossi.n == N_ROSSI)
        return;
    test_load_rossi(rossi.week, rossi.arrest, rossi.x);
    rossi.n = N_ROSSI;
}

static double rng_normal(test_rng *rng)
{
    double u1 = test_rng_uniform(rng), u2 = test_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* ---- distribution tails ------------------------------------------------- */

static void chisq_tail_matches_closed_forms(void **state)
{
    (void)state;
    const double xs[] = {1e-6, 0.1, 0.5, 1.0, 2.0, 3.7, 10.0, 40.0, 200.0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = xs[i];
        /* dof 2: Q(1, x/2) = exp(-x/2); dof 4: exp(-x/2)(1 + x/2);
         * dof 1: erfc(sqrt(x/2)). Relative 1e-12: the algorithms converge to ~1e-15. */
        assert_close(crvm_chisq_sf(x, 2.0), exp(-x / 2), 1e-12, 0);
        assert_close(crvm_chisq_sf(x, 4.0), exp(-x / 2) * (1 + x / 2), 1e-12, 0);
        assert_close(crvm_chisq_sf(x, 1.0), erfc(sqrt(x / 2)), 1e-11, 1e-300);
        assert_close(crvm__gamma_p(1.0, x / 2) + crvm__gamma_q(1.0, x / 2), 1.0, 1e-14, 0);
    }
    /* Textbook critical values (Abramowitz & Stegun table 26.8): 5% points. */
    assert_close(crvm_chisq_sf(3.841458820694124, 1), 0.05, 1e-10, 0);
    assert_close(crvm_chisq_sf(5.991464547107979, 2), 0.05, 1e-10, 0);
    assert_close(crvm_chisq_sf(18.307038053275146, 10), 0.05, 1e-10, 0);
    assert_close(crvm_chisq_sf(0.0, 3), 1.0, 0, 0);
    assert_true(isnan(crvm_chisq_sf(1.0, 0.0)));
    assert_true(isnan(crvm_chisq_sf(NAN, 1.0)));
    /* Normal quantiles (A&S table 26.1). */
    assert_close(crvm__norm_ppf(0.975), 1.959963984540054, 1e-14, 0);
    assert_close(crvm__norm_ppf(0.5), 0.0, 0, 1e-15);
    assert_close(crvm__norm_ppf(0.95), 1.6448536269514722, 1e-14, 0);
    assert_close(crvm__norm_ppf(1e-10), -6.361340902404056, 1e-12, 0);
    assert_true(isnan(crvm__norm_ppf(1.0)));
    assert_close(crvm__norm_sf(1.959963984540054), 0.025, 1e-13, 0);
}

/* ---- Kaplan–Meier ------------------------------------------------------- */

typedef struct km_table {
    size_t n;
    double col[8][64];
} km_table;

static void km_read(const crvm_km *km, km_table *t)
{
    t->n = crvm_km_size(km);
    assert_true(t->n <= 64);
    for (int c = 0; c < 8; c++)
        assert_int_equal(crvm_km_column(km, (crvm_km_column_id)c, t->col[c], t->n), CRVM_OK);
}

/* Log-log limits written out from Kalbfleisch & Prentice (2002) eq. 1.10. */
static void loglog_ci(double s, double greenwood_sum, double *lo, double *hi)
{
    double z = 1.959963984540054;
    double se = sqrt(greenwood_sum) / fabs(log(s));
    *lo = pow(s, exp(z * se));
    *hi = pow(s, exp(-z * se));
}

static void km_hand_computed_with_ties_and_censoring(void **state)
{
    (void)state;
    const double t[] = {1, 2, 2, 3, 4, 5};
    const int32_t e[] = {1, 1, 0, 1, 0, 1};
    crvm_km *km = NULL;
    assert_int_equal(crvm_km_fit(t, 6, e, 6, NULL, 0, NULL, 0, NULL, &km), CRVM_OK);
    km_table tb;
    km_read(km, &tb);
    assert_int_equal(tb.n, 5);
    const double times[] = {1, 2, 3, 4, 5}, risk[] = {6, 5, 3, 2, 1}, ev[] = {1, 1, 1, 0, 1},
                 cens[] = {0, 1, 0, 1, 0};
    /* S: 5/6, 5/6 * 4/5, * 2/3, unchanged, * 0; Greenwood sums 1/30, +1/20, +1/6. */
    const double surv[] = {5.0 / 6, 2.0 / 3, 4.0 / 9, 4.0 / 9, 0.0};
    const double gw[] = {1.0 / 30, 1.0 / 30 + 1.0 / 20, 0.25, 0.25, 0.0};
    for (size_t k = 0; k < 5; k++) {
        /* Exact arithmetic up to a few roundings: 1e-14. */
        assert_close(tb.col[CRVM_KM_TIME][k], times[k], 0, 0);
        assert_close(tb.col[CRVM_KM_AT_RISK][k], risk[k], 0, 0);
        assert_close(tb.col[CRVM_KM_EVENTS][k], ev[k], 0, 0);
        assert_close(tb.col[CRVM_KM_CENSORED][k], cens[k], 0, 0);
        assert_close(tb.col[CRVM_KM_SURVIVAL][k], surv[k], 1e-14, 0);
        if (k < 4) {
            assert_close(tb.col[CRVM_KM_VARIANCE][k], surv[k] * surv[k] * gw[k], 1e-14, 0);
            double lo, hi;
            loglog_ci(surv[k], gw[k], &lo, &hi);
            assert_close(tb.col[CRVM_KM_CI_LOWER][k], lo, 1e-13, 0);
            assert_close(tb.col[CRVM_KM_CI_UPPER][k], hi, 1e-13, 0);
            assert_true(lo < surv[k] && surv[k] < hi);
        }
    }
    /* S reaches 0 at t = 5: interval [0, 0], variance 0. */
    assert_close(tb.col[CRVM_KM_CI_LOWER][4], 0, 0, 0);
    assert_close(tb.col[CRVM_KM_CI_UPPER][4], 0, 0, 0);
    assert_close(tb.col[CRVM_KM_VARIANCE][4], 0, 0, 0);

    const double at[] = {0.5, 1.0, 2.5, 4.99, 10.0, -1.0};
    const double expect_at[] = {1.0, 5.0 / 6, 2.0 / 3, 4.0 / 9, 0.0, 1.0};
    double got[6];
    assert_int_equal(crvm_km_survival_at(km, at, 6, got, 6), CRVM_OK);
    for (int i = 0; i < 6; i++)
        assert_close(got[i], expect_at[i], 1e-14, 0);
    double q;
    assert_int_equal(crvm_km_quantile(km, 0.5, &q), CRVM_OK);
    assert_close(q, 3.0, 0, 0); /* first time with S <= 0.5 */
    assert_int_equal(crvm_km_quantile(km, 0.25, &q), CRVM_OK);
    assert_close(q, 2.0, 0, 0); /* S(2) = 2/3 <= 0.75 */
    assert_int_equal(crvm_km_quantile(km, 0.99, &q), CRVM_OK);
    assert_close(q, 5.0, 0, 0);
    crvm_km_free(km);
}

static void km_heavy_ties_and_all_censored(void **state)
{
    (void)state;
    /* Every duration tied: one row, S = 1 - 2/4. */
    const double t[] = {2, 2, 2, 2};
    const int32_t e[] = {1, 1, 0, 0};
    crvm_km *km = NULL;
    assert_int_equal(crvm_km_fit(t, 4, e, 4, NULL, 0, NULL, 0, NULL, &km), CRVM_OK);
    km_table tb;
    km_read(km, &tb);
    assert_int_equal(tb.n, 1);
    assert_close(tb.col[CRVM_KM_SURVIVAL][0], 0.5, 0, 0);
    assert_close(tb.col[CRVM_KM_AT_RISK][0], 4, 0, 0);
    /* Greenwood: 0.25 * 2 / (4 * 2) */
    assert_close(tb.col[CRVM_KM_VARIANCE][0], 0.0625, 1e-15, 0);
    double q;
    assert_int_equal(crvm_km_quantile(km, 0.5, &q), CRVM_OK);
    assert_close(q, 2.0, 0, 0);
    crvm_km_free(km);

    /* All censored: S = 1 throughout, interval [1, 1], no median. */
    const int32_t none[] = {0, 0, 0, 0};
    const double t2[] = {3, 1, 2, 2};
    assert_int_equal(crvm_km_fit(t2, 4, none, 4, NULL, 0, NULL, 0, NULL, &km), CRVM_OK);
    km_read(km, &tb);
    assert_int_equal(tb.n, 3);
    for (size_t k = 0; k < tb.n; k++) {
        assert_close(tb.col[CRVM_KM_SURVIVAL][k], 1.0, 0, 0);
        assert_close(tb.col[CRVM_KM_CI_LOWER][k], 1.0, 0, 0);
        assert_close(tb.col[CRVM_KM_CI_UPPER][k], 1.0, 0, 0);
    }
    assert_close(tb.col[CRVM_KM_AT_RISK][1], 3, 0, 0);
    assert_int_equal(crvm_km_quantile(km, 0.5, &q), CRVM_OK);
    assert_true(isinf(q) && q > 0);
    crvm_km_free(km);
}

static void km_weights_equal_replicated_rows(void **state)
{
    (void)state;
    /* Frequency weights must give exactly the table of the expanded data. */
    const double t[] = {5, 1, 3, 3, 8, 2, 6};
    const int32_t e[] = {1, 0, 1, 1, 0, 1, 1};
    const double w[] = {2, 1, 3, 1, 2, 1, 4};
    double tx[14];
    int32_t ex[14];
    size_t m = 0;
    for (int i = 0; i < 7; i++)
        for (int r = 0; r < (int)w[i]; r++) {
            tx[m] = t[i];
            ex[m] = e[i];
            m++;
        }
    crvm_km *a = NULL, *b = NULL;
    assert_int_equal(crvm_km_fit(t, 7, e, 7, w, 7, NULL, 0, NULL, &a), CRVM_OK);
    assert_int_equal(crvm_km_fit(tx, m, ex, m, NULL, 0, NULL, 0, NULL, &b), CRVM_OK);
    km_table ta, tb;
    km_read(a, &ta);
    km_read(b, &tb);
    assert_int_equal(ta.n, tb.n);
    for (int c = 0; c < 8; c++)
        for (size_t k = 0; k < ta.n; k++)
            assert_close(ta.col[c][k], tb.col[c][k], 1e-14, 0);
    crvm_km_free(a);
    crvm_km_free(b);
}

static void km_left_truncation_hand_computed(void **state)
{
    (void)state;
    /* At risk at t: entry <= t <= duration. t=3: rows 0,2,3; t=5: 1,2,3;
     * t=6: 2,3; t=8: 3. */
    const double t[] = {3, 5, 6, 8};
    const double entry[] = {0, 4, 2, 0};
    const int32_t e[] = {1, 1, 1, 1};
    crvm_km *km = NULL;
    assert_int_equal(crvm_km_fit(t, 4, e, 4, NULL, 0, entry, 4, NULL, &km), CRVM_OK);
    km_table tb;
    km_read(km, &tb);
    assert_int_equal(tb.n, 4);
    const double risk[] = {3, 3, 2, 1};
    const double surv[] = {2.0 / 3, 4.0 / 9, 2.0 / 9, 0};
    for (size_t k = 0; k < 4; k++) {
        assert_close(tb.col[CRVM_KM_AT_RISK][k], risk[k], 0, 0);
        assert_close(tb.col[CRVM_KM_SURVIVAL][k], surv[k], 1e-14, 0);
    }
    crvm_km_free(km);
    /* A subject entering at t is not at risk for events at t (entry < t). */
    const double t2[] = {2, 4, 5};
    const double entry2[] = {0, 2, 0};
    assert_int_equal(crvm_km_fit(t2, 3, e, 3, NULL, 0, entry2, 3, NULL, &km), CRVM_OK);
    km_read(km, &tb);
    assert_close(tb.col[CRVM_KM_AT_RISK][0], 2, 0, 0);
    assert_close(tb.col[CRVM_KM_SURVIVAL][0], 0.5, 0, 0);
    assert_close(tb.col[CRVM_KM_AT_RISK][1], 2, 0, 0);
    crvm_km_free(km);
    /* ... so an event at its own entry time is refused. */
    const double entry3[] = {0, 4, 0};
    assert_status(crvm_km_fit(t2, 3, e, 3, NULL, 0, entry3, 3, NULL, &km), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "entry[1]"));
}

static void km_is_monotone_and_inside_its_interval(void **state)
{
    (void)state;
    test_rng rng = {42};
    enum { N = 2000 };
    static double t[N], w[N];
    static int32_t e[N];
    for (int i = 0; i < N; i++) {
        t[i] = floor(20 * test_rng_uniform(&rng)); /* heavy ties */
        e[i] = test_rng_uniform(&rng) < 0.6;
        w[i] = 0.5 + test_rng_uniform(&rng);
    }
    crvm_km_options opt;
    crvm_km_options_init(&opt);
    opt.confidence_level = 0.9;
    crvm_km *km = NULL;
    assert_int_equal(crvm_km_fit(t, N, e, N, w, N, NULL, 0, &opt, &km), CRVM_OK);
    size_t n = crvm_km_size(km);
    double *s = malloc(n * sizeof *s), *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi);
    assert_int_equal(crvm_km_column(km, CRVM_KM_SURVIVAL, s, n), CRVM_OK);
    assert_int_equal(crvm_km_column(km, CRVM_KM_CI_LOWER, lo, n), CRVM_OK);
    assert_int_equal(crvm_km_column(km, CRVM_KM_CI_UPPER, hi, n), CRVM_OK);
    for (size_t k = 0; k < n; k++) {
        assert_true(0 <= lo[k] && lo[k] <= s[k] && s[k] <= hi[k] && hi[k] <= 1);
        if (k > 0)
            assert_true(s[k] <= s[k - 1]);
    }
    free(s);
    free(lo);
    free(hi);
    crvm_km_free(km);
}

static void km_rejects_bad_input(void **state)
{
    (void)state;
    const double t[] = {1, 2, 3};
    const int32_t e[] = {1, 0, 1};
    crvm_km *km = NULL;
    assert_status(crvm_km_fit(NULL, 3, e, 3, NULL, 0, NULL, 0, NULL, &km), CRVM_EINVAL);
    assert_status(crvm_km_fit(t, 3, e, 3, NULL, 0, NULL, 0, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_km_fit(t, 0, e, 0, NULL, 0, NULL, 0, NULL, &km), CRVM_EINVAL);
    assert_status(crvm_km_fit(t, 3, e, 2, NULL, 0, NULL, 0, NULL, &km), CRVM_EINVAL);
    const double neg[] = {1, -2, 3};
    assert_status(crvm_km_fit(neg, 3, e, 3, NULL, 0, NULL, 0, NULL, &km), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "durations[1]"));
    const double nan_t[] = {1, NAN, 3};
    assert_status(crvm_km_fit(nan_t, 3, e, 3, NULL, 0, NULL, 0, NULL, &km), CRVM_EINVAL);
    const int32_t bad_e[] = {1, 2, 0};
    assert_status(crvm_km_fit(t, 3, bad_e, 3, NULL, 0, NULL, 0, NULL, &km), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "events[1]"));
    const double negw[] = {1, -1, 1}, zerow[] = {0, 0, 0};
    assert_status(crvm_km_fit(t, 3, e, 3, negw, 3, NULL, 0, NULL, &km), CRVM_EINVAL);
    assert_status(crvm_km_fit(t, 3, e, 3, zerow, 3, NULL, 0, NULL, &km), CRVM_EINVAL);
    assert_status(crvm_km_fit(t, 3, e, 3, negw, 2, NULL, 0, NULL, &km), CRVM_EINVAL);
    const double late[] = {0, 2.5, 0};
    assert_status(crvm_km_fit(t, 3, e, 3, NULL, 0, late, 3, NULL, &km), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "entry[1]"));
    crvm_km_options opt = CRVM_KM_OPTIONS_INIT;
    opt.confidence_level = 1.0;
    assert_status(crvm_km_fit(t, 3, e, 3, NULL, 0, NULL, 0, &opt, &km), CRVM_EINVAL);
    assert_null(km);

    assert_int_equal(crvm_km_fit(t, 3, e, 3, NULL, 0, NULL, 0, NULL, &km), CRVM_OK);
    double out[3], q;
    assert_status(crvm_km_column(km, CRVM_KM_TIME, out, 2), CRVM_EINVAL);
    assert_status(crvm_km_column(km, (crvm_km_column_id)99, out, 3), CRVM_EINVAL);
    assert_status(crvm_km_column(NULL, CRVM_KM_TIME, out, 3), CRVM_EINVAL);
    assert_status(crvm_km_survival_at(km, t, 3, out, 2), CRVM_EINVAL);
    assert_status(crvm_km_survival_at(km, nan_t, 3, out, 3), CRVM_EINVAL);
    assert_status(crvm_km_quantile(km, 1.0, &q), CRVM_EINVAL);
    assert_status(crvm_km_quantile(km, 0.5, NULL), CRVM_EINVAL);
    assert_int_equal(crvm_km_size(NULL), 0);
    crvm_km_free(km);
    crvm_km_free(NULL);
}

static crvm_status km_scenario(void *ctx)
{
    (void)ctx;
    const double t[] = {4, 1, 2, 2, 7, 3};
    const double entry[] = {0, 0, 1, 0, 2, 0};
    const double w[] = {1, 2, 1, 1, 3, 1};
    const int32_t e[] = {1, 1, 0, 1, 0, 1};
    crvm_km *km = NULL;
    crvm_status st = crvm_km_fit(t, 6, e, 6, w, 6, entry, 6, NULL, &km);
    if (st != CRVM_OK)
        return st;
    double s[6];
    st = crvm_km_survival_at(km, t, 6, s, 6);
    crvm_km_free(km);
    return st;
}

static void km_survives_every_allocation_failure(void **state)
{
    (void)state;
    assert_true(test_every_allocation_failure(km_scenario, NULL) >= 3);
}

/* Continuous durations (more distinct times than the tally route takes),
 * some shared by events and censorings, zeros of both signs. */
enum { KM_MANY = 3000 };
static void km_many_times(double *t, int32_t *e)
{
    unsigned long long seed = 3;
    for (int i = 0; i < KM_MANY; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        t[i] = (double)(seed >> 11) * 0x1p-53 * 40.0;
        e[i] = (int32_t)((seed >> 7) & 1);
        if (i % 10 == 3)
            t[i] = t[i - 3]; /* a repeated time, event or not */
    }
    t[5] = 0.0;
    t[6] = -0.0;
    e[5] = 1;
    e[6] = 0;
}

/* Without weights the events and censorings are sorted apart as bare keys
 * and merged; with unit weights the rows go through the stable sort with
 * their indices. The tables must be identical, with ties (the unweighted
 * table moves its columns down to the distinct times), without, and with
 * few distinct times (tallied without sorting: counts without weights, sums
 * of weights with). */
enum { ROUTE_TIED, ROUTE_DISTINCT, ROUTE_FEW };

static void km_routes_agree(int distinct)
{
    static double t[KM_MANY], w[KM_MANY];
    static int32_t e[KM_MANY];
    km_many_times(t, e);
    for (int i = 0; i < KM_MANY; i++) {
        w[i] = 1.0;
        if (distinct == ROUTE_DISTINCT) /* i -> i * 2654435761 mod the prime 1000003: one-to-one */
            t[i] = (double)(((uint64_t)i * 2654435761u) % 1000003u) / 64.0;
        if (distinct == ROUTE_FEW)
            t[i] = floor(t[i]);
    }
    crvm_km *a = NULL, *b = NULL;
    assert_int_equal(crvm_km_fit(t, KM_MANY, e, KM_MANY, NULL, 0, NULL, 0, NULL, &a), CRVM_OK);
    assert_int_equal(crvm_km_fit(t, KM_MANY, e, KM_MANY, w, KM_MANY, NULL, 0, NULL, &b), CRVM_OK);
    size_t n = crvm_km_size(a);
    assert_int_equal(n, crvm_km_size(b));
    if (distinct == ROUTE_FEW)
        assert_true(n > 5 && n < 1024);
    else
        assert_true(distinct ? n == KM_MANY : n > 2000 && n < KM_MANY);
    static double ca[KM_MANY], cb[KM_MANY];
    for (int c = 0; c < 8; c++) {
        assert_int_equal(crvm_km_column(a, (crvm_km_column_id)c, ca, n), CRVM_OK);
        assert_int_equal(crvm_km_column(b, (crvm_km_column_id)c, cb, n), CRVM_OK);
        for (size_t k = 0; k < n; k++)
            assert_true(ca[k] == cb[k]);
    }
    assert_int_equal(crvm_km_column(a, CRVM_KM_TIME, ca, n), CRVM_OK);
    assert_true(ca[0] == 0.0 && ca[1] > 0.0); /* both zeros make one row */
    crvm_km_free(a);
    crvm_km_free(b);
}

static void km_unweighted_route_equals_weighted_route(void **state)
{
    (void)state;
    km_routes_agree(ROUTE_TIED);
    km_routes_agree(ROUTE_DISTINCT);
    km_routes_agree(ROUTE_FEW);
}

static crvm_status km_many_scenario(void *ctx)
{
    (void)ctx;
    static double t[KM_MANY];
    static int32_t e[KM_MANY];
    km_many_times(t, e);
    crvm_km *km = NULL;
    crvm_status st = crvm_km_fit(t, KM_MANY, e, KM_MANY, NULL, 0, NULL, 0, NULL, &km);
    crvm_km_free(km);
    return st;
}

static void km_unweighted_survives_every_allocation_failure(void **state)
{
    (void)state;
    assert_true(test_every_allocation_failure(km_many_scenario, NULL) >= 4);
}

/* ---- Kaplan–Meier by group ---------------------------------------------- */

static const crvm_km *km_group(const crvm_km_groups *groups, int32_t g)
{
    const crvm_km *km = NULL;
    assert_int_equal(crvm_km_groups_curve(groups, g, &km), CRVM_OK);
    assert_non_null(km);
    return km;
}

static void km_groups_hand_computed(void **state)
{
    (void)state;
    /* Three groups, rows interleaved:
     *   group 0: t = 1, 2, 2+, 3      at risk 4, 3, 1  S = 3/4, 1/2, 0   median 2
     *            Greenwood sums 1/12, 1/12 + 1/6
     *   group 1: t = 2+, 4, 5         at risk 3, 2, 1  S = 1, 1/2, 0     median 4
     *   group 2: t = 3+               at risk 1        S = 1             median inf */
    const double t[] = {2, 1, 3, 2, 4, 2, 3, 5};
    const int32_t e[] = {0, 1, 0, 1, 1, 0, 1, 1};
    const int32_t g[] = {1, 0, 2, 0, 1, 0, 0, 1};
    crvm_km_groups *groups = NULL;
    assert_int_equal(crvm_km_fit_groups(t, 8, e, 8, NULL, 0, NULL, 0, g, 8, NULL, &groups),
                     CRVM_OK);
    assert_int_equal(crvm_km_groups_count(groups), 3);

    const size_t sizes[] = {3, 3, 1};
    const double times[3][3] = {{1, 2, 3}, {2, 4, 5}, {3}};
    const double risk[3][3] = {{4, 3, 1}, {3, 2, 1}, {1}};
    const double ev[3][3] = {{1, 1, 1}, {0, 1, 1}, {0}};
    const double cens[3][3] = {{0, 1, 0}, {1, 0, 0}, {1}};
    const double surv[3][3] = {{0.75, 0.5, 0}, {1, 0.5, 0}, {1}};
    const double medians[] = {2, 4, INFINITY}, q25[] = {1, 4, INFINITY};
    for (int32_t k = 0; k < 3; k++) {
        const crvm_km *km = km_group(groups, k);
        km_table tb;
        km_read(km, &tb);
        assert_int_equal(tb.n, sizes[k]);
        for (size_t r = 0; r < tb.n; r++) {
            assert_close(tb.col[CRVM_KM_TIME][r], times[k][r], 0, 0);
            assert_close(tb.col[CRVM_KM_AT_RISK][r], risk[k][r], 0, 0);
            assert_close(tb.col[CRVM_KM_EVENTS][r], ev[k][r], 0, 0);
            assert_close(tb.col[CRVM_KM_CENSORED][r], cens[k][r], 0, 0);
            /* Products of a few simple fractions: 1e-15. */
            assert_close(tb.col[CRVM_KM_SURVIVAL][r], surv[k][r], 1e-15, 0);
        }
        double q;
        assert_int_equal(crvm_km_quantile(km, 0.5, &q), CRVM_OK);
        assert_true(q == medians[k]);
        assert_int_equal(crvm_km_quantile(km, 0.25, &q), CRVM_OK);
        assert_true(q == q25[k]);
    }
    /* Greenwood and the log-log interval of group 0 (K&P eq. 1.10). */
    km_table tb;
    km_read(km_group(groups, 0), &tb);
    const double gw[] = {1.0 / 12, 1.0 / 12 + 1.0 / 6};
    for (size_t r = 0; r < 2; r++) {
        double s = surv[0][r], lo, hi;
        assert_close(tb.col[CRVM_KM_VARIANCE][r], s * s * gw[r], 1e-14, 0);
        loglog_ci(s, gw[r], &lo, &hi);
        assert_close(tb.col[CRVM_KM_CI_LOWER][r], lo, 1e-13, 0);
        assert_close(tb.col[CRVM_KM_CI_UPPER][r], hi, 1e-13, 0);
    }
    /* Survival between and beyond the event times of group 1. */
    const double at[] = {0, 3.9, 4, 100};
    const double expect_at[] = {1, 1, 0.5, 0};
    double got[4];
    assert_int_equal(crvm_km_survival_at(km_group(groups, 1), at, 4, got, 4), CRVM_OK);
    for (int i = 0; i < 4; i++)
        assert_close(got[i], expect_at[i], 0, 0);
    crvm_km_groups_free(groups);
}

static void km_groups_left_truncation_hand_computed(void **state)
{
    (void)state;
    /* The two left-truncated samples of km_left_truncation_hand_computed as
     * groups 1 and 0 of one fit, rows interleaved, so that entries of one
     * group would change the other's risk sets if they were mixed:
     *   group 1: t = 3, 5, 6, 8, entry 0, 4, 2, 0: at risk 3, 3, 2, 1,
     *            S = 2/3, 4/9, 2/9, 0
     *   group 0: t = 2, 4, 5, entry 0, 2, 0: at risk 2, 2, 1, S = 1/2, 1/4, 0 */
    const double t[] = {3, 2, 5, 4, 6, 5, 8};
    const double entry[] = {0, 0, 4, 2, 2, 0, 0};
    const int32_t e[] = {1, 1, 1, 1, 1, 1, 1};
    const int32_t g[] = {1, 0, 1, 0, 1, 0, 1};
    crvm_km_groups *groups = NULL;
    assert_int_equal(crvm_km_fit_groups(t, 7, e, 7, NULL, 0, entry, 7, g, 7, NULL, &groups),
                     CRVM_OK);
    const size_t rows[2] = {3, 4};
    const double risk[2][4] = {{2, 2, 1}, {3, 3, 2, 1}};
    const double surv[2][4] = {{0.5, 0.25, 0}, {2.0 / 3, 4.0 / 9, 2.0 / 9, 0}};
    for (int32_t k = 0; k < 2; k++) {
        km_table tb;
        km_read(km_group(groups, k), &tb);
        assert_int_equal(tb.n, rows[k]);
        for (size_t r = 0; r < tb.n; r++) {
            assert_close(tb.col[CRVM_KM_AT_RISK][r], risk[k][r], 0, 0);
            /* Products of a few simple fractions: 1e-15. */
            assert_close(tb.col[CRVM_KM_SURVIVAL][r], surv[k][r], 1e-15, 0);
        }
    }
    crvm_km_groups_free(groups);
}

static void km_groups_equal_separate_fits(void **state)
{
    (void)state;
    /* Weighted, left-truncated, heavily tied data in 5 groups of unequal
     * size, one of them a single row, at a 90% level: each group's curve must
     * be the one crvm_km_fit() gives for that group's rows alone. Same
     * arithmetic in the same order, so the tables agree exactly. */
    enum { N = 600, K = 5 };
    static double t[N], w[N], entry[N], ts[N], ws[N], es[N];
    static int32_t e[N], g[N], evs[N];
    test_rng rng = {7};
    for (int i = 0; i < N; i++) {
        double u = test_rng_uniform(&rng);
        g[i] = i == N / 2 ? 4 : (u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 3);
        t[i] = 1 + floor(25 * test_rng_uniform(&rng));
        e[i] = test_rng_uniform(&rng) < 0.6;
        w[i] = 0.25 + 2 * test_rng_uniform(&rng);
        entry[i] = floor(t[i] * 0.7 * test_rng_uniform(&rng));
    }
    crvm_km_options opt = CRVM_KM_OPTIONS_INIT;
    opt.confidence_level = 0.9;
    for (int variant = 0; variant < 2; variant++) {
        const double *wv = variant ? w : NULL, *en = variant ? entry : NULL;
        size_t wl = variant ? N : 0;
        crvm_km_groups *groups = NULL;
        assert_int_equal(crvm_km_fit_groups(t, N, e, N, wv, wl, en, wl, g, N, &opt, &groups),
                         CRVM_OK);
        assert_int_equal(crvm_km_groups_count(groups), K);
        for (int32_t k = 0; k < K; k++) {
            size_t m = 0;
            for (int i = 0; i < N; i++)
                if (g[i] == k) {
                    ts[m] = t[i];
                    evs[m] = e[i];
                    ws[m] = w[i];
                    es[m] = entry[i];
                    m++;
                }
            crvm_km *alone = NULL;
            assert_int_equal(crvm_km_fit(ts, m, evs, m, variant ? ws : NULL, variant ? m : 0,
                                         variant ? es : NULL, variant ? m : 0, &opt, &alone),
                             CRVM_OK);
            const crvm_km *mine = km_group(groups, k);
            size_t rows = crvm_km_size(alone);
            assert_int_equal(crvm_km_size(mine), rows);
            double *a = malloc(rows * sizeof *a), *b = malloc(rows * sizeof *b);
            for (int c = 0; c < 8; c++) {
                assert_int_equal(crvm_km_column(alone, (crvm_km_column_id)c, a, rows), CRVM_OK);
                assert_int_equal(crvm_km_column(mine, (crvm_km_column_id)c, b, rows), CRVM_OK);
                assert_memory_equal(a, b, rows * sizeof *a);
            }
            double qa, qb;
            assert_int_equal(crvm_km_quantile(alone, 0.5, &qa), CRVM_OK);
            assert_int_equal(crvm_km_quantile(mine, 0.5, &qb), CRVM_OK);
            assert_true(qa == qb || (isinf(qa) && isinf(qb)));
            free(a);
            free(b);
            crvm_km_free(alone);
        }
        crvm_km_groups_free(groups);
    }
}

static void km_groups_rejects_bad_input(void **state)
{
    (void)state;
    const double t[] = {1, 2, 3, 4};
    const int32_t e[] = {1, 0, 1, 1}, g[] = {0, 1, 0, 1};
    crvm_km_groups *groups = NULL;
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, NULL, 0, NULL, &groups),
                  CRVM_EINVAL);
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, g, 4, NULL, NULL),
                  CRVM_EINVAL);
    /* Length mismatches. */
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, g, 3, NULL, &groups),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "groups has 3 values"));
    assert_status(crvm_km_fit_groups(t, 4, e, 3, NULL, 0, NULL, 0, g, 4, NULL, &groups),
                  CRVM_EINVAL);
    /* Bad codes, naming the row. */
    const int32_t negative[] = {0, 1, -1, 1}, too_big[] = {0, 1, 4, 1};
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, negative, 4, NULL, &groups),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "groups[2] = -1"));
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, too_big, 4, NULL, &groups),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "groups[2] = 4"));
    /* An unused code below the largest: an empty group, named. */
    const int32_t gap[] = {0, 2, 0, 2}, no_zero[] = {1, 1, 2, 2};
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, gap, 4, NULL, &groups),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "group 1 has no rows"));
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, no_zero, 4, NULL, &groups),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "group 0 has no rows"));
    /* The checks of crvm_km_fit() apply: values, weights, entry, options. */
    const double neg[] = {1, 2, -3, 4};
    assert_status(crvm_km_fit_groups(neg, 4, e, 4, NULL, 0, NULL, 0, g, 4, NULL, &groups),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "durations[2]"));
    const double zerow[] = {0, 0, 0, 0}, late[] = {0, 0, 3, 0};
    assert_status(crvm_km_fit_groups(t, 4, e, 4, zerow, 4, NULL, 0, g, 4, NULL, &groups),
                  CRVM_EINVAL);
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, late, 4, g, 4, NULL, &groups),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "entry[2]"));
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, late, 3, g, 4, NULL, &groups),
                  CRVM_EINVAL);
    crvm_km_options opt = CRVM_KM_OPTIONS_INIT;
    opt.confidence_level = 0.0;
    assert_status(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, g, 4, &opt, &groups),
                  CRVM_EINVAL);
    assert_null(groups); /* never written on failure */

    /* One group is allowed; the accessors check their arguments. */
    const int32_t one[] = {0, 0, 0, 0};
    assert_int_equal(crvm_km_fit_groups(t, 4, e, 4, NULL, 0, NULL, 0, one, 4, NULL, &groups),
                     CRVM_OK);
    assert_int_equal(crvm_km_groups_count(groups), 1);
    const crvm_km *km = NULL;
    assert_status(crvm_km_groups_curve(groups, 1, &km), CRVM_EINVAL);
    assert_status(crvm_km_groups_curve(groups, -1, &km), CRVM_EINVAL);
    assert_status(crvm_km_groups_curve(groups, 0, NULL), CRVM_EINVAL);
    assert_status(crvm_km_groups_curve(NULL, 0, &km), CRVM_EINVAL);
    assert_null(km);
    assert_int_equal(crvm_km_groups_count(NULL), 0);
    crvm_km_groups_free(groups);
    crvm_km_groups_free(NULL);
}

static crvm_status km_groups_scenario(void *ctx)
{
    (void)ctx;
    const double t[] = {4, 1, 2, 2, 7, 3, 5};
    const double entry[] = {0, 0, 1, 0, 2, 0, 1};
    const double w[] = {1, 2, 1, 1, 3, 1, 2};
    const int32_t e[] = {1, 1, 0, 1, 0, 1, 1}, g[] = {1, 0, 2, 1, 0, 2, 1};
    crvm_km_groups *groups = NULL;
    crvm_status st = crvm_km_fit_groups(t, 7, e, 7, w, 7, entry, 7, g, 7, NULL, &groups);
    if (st != CRVM_OK)
        return st;
    const crvm_km *km = NULL;
    double q = 0.0;
    st = crvm_km_groups_curve(groups, 2, &km);
    if (st == CRVM_OK)
        st = crvm_km_quantile(km, 0.5, &q);
    crvm_km_groups_free(groups);
    return st;
}

static void km_groups_survive_every_allocation_failure(void **state)
{
    (void)state;
    assert_true(test_every_allocation_failure(km_groups_scenario, NULL) >= 4);
}

/* ---- log-rank ----------------------------------------------------------- */

static void logrank_two_groups_by_hand(void **state)
{
    (void)state;
    /* A: events at 1, 3; B: events at 2, 4. O_A - E_A = 2 - (1/2 + 1/3 + 1/2) = 2/3,
     * V = 1/4 + 2/9 + 1/4 = 13/18, statistic (4/9) / (13/18) = 8/13. */
    const double t[] = {1, 3, 2, 4};
    const int32_t e[] = {1, 1, 1, 1}, g[] = {0, 0, 1, 1};
    crvm_logrank_result r;
    assert_int_equal(crvm_logrank(t, 4, e, 4, g, 4, NULL, 0, &r), CRVM_OK);
    assert_close(r.statistic, 8.0 / 13.0, 1e-14, 0);
    assert_int_equal(r.dof, 1);
    assert_int_equal(r.n_groups, 2);
    assert_close(r.p_value, erfc(sqrt(4.0 / 13.0)), 1e-12, 0);
}

static void logrank_three_groups_match_lifelines(void **state)
{
    (void)state;
    /* Reference: lifelines 0.30.3 multivariate_logrank_test on these data:
     * statistic 2.3447766756957455, p 0.3096265646396261, dof 2. */
    const double t[] = {2, 3, 3, 5, 6, 7, 8, 9, 1, 2, 4, 4, 5, 6, 10, 3, 3, 5, 7, 8, 12, 12};
    const int32_t e[] = {1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0};
    const int32_t g[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2};
    crvm_logrank_result r;
    assert_int_equal(crvm_logrank(t, 22, e, 22, g, 22, NULL, 0, &r), CRVM_OK);
    assert_close(r.statistic, 2.3447766756957455, 1e-12, 0);
    assert_close(r.p_value, 0.3096265646396261, 1e-12, 0);
    assert_int_equal(r.dof, 2);
    /* Unit weights change nothing; weight 2 equals duplicating the row. */
    double w[22], t2[23];
    int32_t e2[23], g2[23];
    for (int i = 0; i < 22; i++) {
        w[i] = i == 4 ? 2.0 : 1.0;
        t2[i] = t[i];
        e2[i] = e[i];
        g2[i] = g[i];
    }
    t2[22] = t[4];
    e2[22] = e[4];
    g2[22] = g[4];
    crvm_logrank_result rw, rd;
    assert_int_equal(crvm_logrank(t, 22, e, 22, g, 22, w, 22, &rw), CRVM_OK);
    assert_int_equal(crvm_logrank(t2, 23, e2, 23, g2, 23, NULL, 0, &rd), CRVM_OK);
    assert_close(rw.statistic, rd.statistic, 1e-13, 0);
}

static void logrank_rejects_degenerate_input(void **state)
{
    (void)state;
    const double t[] = {1, 2, 3, 4};
    const int32_t e[] = {1, 1, 1, 1}, none[] = {0, 0, 0, 0};
    const int32_t one_group[] = {0, 0, 0, 0}, bad[] = {0, -1, 1, 1}, g[] = {0, 1, 0, 1};
    crvm_logrank_result r;
    assert_status(crvm_logrank(t, 4, e, 4, one_group, 4, NULL, 0, &r), CRVM_EINVAL);
    assert_status(crvm_logrank(t, 4, e, 4, bad, 4, NULL, 0, &r), CRVM_EINVAL);
    assert_status(crvm_logrank(t, 4, none, 4, g, 4, NULL, 0, &r), CRVM_EDOMAIN);
    assert_status(crvm_logrank(t, 4, e, 4, g, 3, NULL, 0, &r), CRVM_EINVAL);
    assert_status(crvm_logrank(t, 4, e, 4, g, 4, NULL, 0, NULL), CRVM_EINVAL);
    /* Group 1 leaves before the first event: no information, EDOMAIN. */
    const double t2[] = {5, 6, 1, 2};
    const int32_t e2[] = {1, 1, 0, 0}, g2[] = {0, 0, 1, 1};
    assert_status(crvm_logrank(t2, 4, e2, 4, g2, 4, NULL, 0, &r), CRVM_EDOMAIN);
}

static crvm_status logrank_scenario(void *ctx)
{
    (void)ctx;
    const double t[] = {1, 3, 2, 4, 5, 2};
    const int32_t e[] = {1, 1, 1, 1, 0, 1}, g[] = {0, 0, 1, 1, 2, 2};
    crvm_logrank_result r;
    return crvm_logrank(t, 6, e, 6, g, 6, NULL, 0, &r);
}

static void logrank_survives_every_allocation_failure(void **state)
{
    (void)state;
    assert_true(test_every_allocation_failure(logrank_scenario, NULL) >= 2);
}

/* ---- concordance -------------------------------------------------------- */

/* O(n^2) Harrell's C with the documented conventions. */
static double brute_concordance(size_t n, const double *t, const double *s, const int32_t *e)
{
    double num = 0, pairs = 0;
    for (size_t i = 0; i < n; i++) {
        if (!e[i])
            continue;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            int comparable = t[i] < t[j] || (t[i] == t[j] && !e[j]);
            if (!comparable)
                continue;
            pairs += 1;
            num += s[i] < s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
        }
    }
    return num / pairs;
}

static void concordance_matches_pairwise_definition(void **state)
{
    (void)state;
    /* lifelines semantics checked by hand: a death and a censoring at the
     * same time are comparable; two deaths at the same time are not. */
    double c;
    const double t1[] = {1, 1}, s1[] = {1, 2};
    const int32_t e1[] = {1, 0};
    assert_int_equal(crvm_concordance_index(t1, 2, s1, 2, e1, 2, &c), CRVM_OK);
    assert_close(c, 1.0, 0, 0);
    const double t2[] = {1, 1, 2}, s2[] = {2, 1, 3};
    const int32_t e2[] = {1, 1, 1};
    assert_int_equal(crvm_concordance_index(t2, 3, s2, 3, e2, 3, &c), CRVM_OK);
    assert_close(c, 1.0, 0, 0);
    const double s3[] = {1, 1};
    const double t3[] = {1, 2};
    const int32_t e3[] = {1, 1};
    assert_int_equal(crvm_concordance_index(t3, 2, s3, 2, e3, 2, &c), CRVM_OK);
    assert_close(c, 0.5, 0, 0);

    test_rng rng = {7};
    enum { N = 700 };
    static double t[N], s[N];
    static int32_t e[N];
    for (int i = 0; i < N; i++) {
        t[i] = floor(30 * test_rng_uniform(&rng));
        s[i] = floor(10 * test_rng_uniform(&rng)) + 0.1 * t[i];
        e[i] = test_rng_uniform(&rng) < 0.5;
    }
    assert_int_equal(crvm_concordance_index(t, N, s, N, e, N, &c), CRVM_OK);
    /* Both count the same integers (halves): equal to rounding. */
    assert_close(c, brute_concordance(N, t, s, e), 1e-13, 0);
    assert_status(crvm_concordance_index(t, N, s, N - 1, e, N, &c), CRVM_EINVAL);
    assert_status(crvm_concordance_index(t, N, NULL, N, e, N, &c), CRVM_EINVAL);
}

/* ---- Cox ---------------------------------------------------------------- */

typedef struct cox_view {
    double coef[16], se[16], se_model[16], se_robust[16], p[16], z[16], lo[16], hi[16], hr[16];
    crvm_cox_summary_stats stats;
} cox_view;

static void cox_read(const crvm_cox *cox, cox_view *v)
{
    size_t p = crvm_cox_n_covariates(cox);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, v->coef, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_SE, v->se, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_SE_MODEL, v->se_model, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_P_VALUE, v->p, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_Z, v->z, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_CI_LOWER, v->lo, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_CI_UPPER, v->hi, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_HAZARD_RATIO, v->hr, p), CRVM_OK);
    assert_int_equal(crvm_cox_summary(cox, &v->stats), CRVM_OK);
}

static void cox_rossi_efron_matches_published(void **state)
{
    (void)state;
    load_rossi();
    crvm_cox *cox = NULL;
    crvm_fit_report rep;
    assert_int_equal(crvm_cox_fit(rossi.x, N_ROSSI * 7, N_ROSSI, 7, rossi.week, N_ROSSI,
                                  rossi.arrest, N_ROSSI, NULL, 0, NULL, 0, NULL, &cox, &rep),
                     CRVM_OK);
    cox_view v;
    cox_read(cox, &v);
    /* Fox (2002/2011), "Cox Proportional-Hazards Regression for Survival Data
     * in R", appendix to An R Companion to Applied Regression, coxph(...) on
     * Rossi (Efron ties): coef and se(coef) printed to 5 decimals; LR test
     * 33.27 on 7 df. Tolerances: half a unit in the last printed digit. */
    const double coef[] = {-0.37942, -0.05744, 0.31390, -0.14980, -0.43370, -0.08487, 0.09150};
    const double se[] = {0.19138, 0.02200, 0.30799, 0.21222, 0.38187, 0.19576, 0.02865};
    const double p[] = {0.04742, 0.00903, 0.30812, 0.48029, 0.25606, 0.66461, 0.00140};
    for (int j = 0; j < 7; j++) {
        assert_close(v.coef[j], coef[j], 0, 5e-6);
        assert_close(v.se[j], se[j], 0, 5e-6);
        assert_close(v.p[j], p[j], 0, 5e-6);
        assert_close(v.hr[j], exp(v.coef[j]), 1e-15, 0);
        assert_close(v.z[j], v.coef[j] / v.se[j], 1e-15, 0);
        assert_close(v.lo[j], v.coef[j] - 1.959963984540054 * v.se[j], 1e-12, 1e-15);
        assert_close(v.hi[j], v.coef[j] + 1.959963984540054 * v.se[j], 1e-12, 1e-15);
    }
    /* Allison (1995) / Fox: -2 LL = 1317.495 (LL -658.75); LR 33.27. */
    assert_close(v.stats.log_likelihood, -658.7477, 0, 5e-5);
    assert_close(v.stats.lr_statistic, 33.27, 0, 5e-3);
    assert_close(v.stats.lr_p_value, crvm_chisq_sf(v.stats.lr_statistic, 7), 1e-15, 0);
    assert_int_equal(v.stats.lr_dof, 7);
    /* lifelines 0.30.3 CoxPHFitter on rossi: concordance_index_ and
     * log_likelihood_ (full digits), checked to 1e-9 relative. */
    assert_close(v.stats.concordance, 0.6403292470997135, 1e-9, 0);
    assert_close(v.stats.log_likelihood, -658.7476594460858, 1e-9, 0);
    assert_close(v.stats.n_events, 114, 0, 0);
    assert_close(rep.log_likelihood, v.stats.log_likelihood, 0, 0);
    assert_int_equal(rep.converged, 1);
    assert_true(rep.iterations >= 3 && rep.iterations <= 10);
    crvm_cox_free(cox);
}

/* Brute-force O(n^2) weighted, stratified log partial likelihood, written
 * from the definitions (Breslow 1974; Efron 1977): for each distinct event
 * time of each stratum, the tied events D and risk set R = {t_j >= t}. */
typedef struct brute_data {
    size_t n, p;
    const double *x, *t, *w;
    const int32_t *e, *s;
    int efron;
} brute_data;

static double brute_loglik(const brute_data *b, const double *beta)
{
    double ll = 0.0;
    for (size_t i = 0; i < b->n; i++) {
        if (!b->e[i])
            continue;
        /* Handle each tie block once, at its first event row. */
        int first = 1;
        for (size_t k = 0; k < i; k++)
            if (b->e[k] && b->t[k] == b->t[i] && (!b->s || b->s[k] == b->s[i]))
                first = 0;
        if (!first)
            continue;
        double sr = 0, sd = 0, wd = 0;
        int d = 0;
        for (size_t j = 0; j < b->n; j++) {
            if (b->s && b->s[j] != b->s[i])
                continue;
            if (b->t[j] < b->t[i])
                continue;
            double eta = 0;
            for (size_t a = 0; a < b->p; a++)
                eta += b->x[j * b->p + a] * beta[a];
            double w = b->w ? b->w[j] : 1.0;
            sr += w * exp(eta);
            if (b->e[j] && b->t[j] == b->t[i]) {
                sd += w * exp(eta);
                wd += w;
                d++;
                ll += w * eta;
            }
        }
        if (b->efron) {
            for (int l = 0; l < d; l++)
                ll -= wd / d * log(sr - (double)l / d * sd);
        } else {
            ll -= wd * log(sr);
        }
    }
    return ll;
}

/* Checks that beta maximises the brute-force likelihood (central-difference
 * gradient ~ 0), that the LL agrees, and that the SEs match the inverse of
 * the finite-difference Hessian. */
static void check_against_brute(const brute_data *b, const crvm_cox *cox)
{
    size_t p = b->p;
    double beta[8], se[8];
    assert_true(p <= 8);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, beta, p), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_SE_MODEL, se, p), CRVM_OK);
    crvm_cox_summary_stats st;
    assert_int_equal(crvm_cox_summary(cox, &st), CRVM_OK);
    double ll = brute_loglik(b, beta);
    /* Same sums in another order: 1e-11 relative. */
    assert_close(st.log_likelihood, ll, 1e-11, 0);
    double zero[8] = {0};
    assert_close(st.log_likelihood_null, brute_loglik(b, zero), 1e-11, 0);
    /* Hessian by second differences with step h (error O(h^2) ~ 1e-6 relative). */
    double h[8], hess[64];
    for (size_t a = 0; a < p; a++)
        h[a] = 1e-3 * se[a];
    for (size_t a = 0; a < p; a++) {
        double bp[8], bm[8];
        memcpy(bp, beta, sizeof bp);
        memcpy(bm, beta, sizeof bm);
        bp[a] += h[a];
        bm[a] -= h[a];
        double g = (brute_loglik(b, bp) - brute_loglik(b, bm)) / (2 * h[a]);
        /* Gradient at the maximum ~ 0, relative to the score scale 1/se. */
        assert_close(g * se[a], 0.0, 0, 1e-5);
        for (size_t c = 0; c < p; c++) {
            double pp[8], pm[8], mp[8], mm[8];
            memcpy(pp, beta, sizeof pp);
            memcpy(pm, beta, sizeof pm);
            memcpy(mp, beta, sizeof mp);
            memcpy(mm, beta, sizeof mm);
            pp[a] += h[a]; pp[c] += h[c];
            pm[a] += h[a]; pm[c] -= h[c];
            mp[a] -= h[a]; mp[c] += h[c];
            mm[a] -= h[a]; mm[c] -= h[c];
            hess[a * p + c] = -(brute_loglik(b, pp) - brute_loglik(b, pm) - brute_loglik(b, mp) +
                                brute_loglik(b, mm)) /
                              (4 * h[a] * h[c]);
        }
    }
    /* Invert the information by Gauss-Jordan (small, well conditioned). */
    double inv[64] = {0};
    for (size_t a = 0; a < p; a++)
        inv[a * p + a] = 1.0;
    for (size_t c = 0; c < p; c++) {
        double piv = hess[c * p + c];
        for (size_t k = 0; k < p; k++) {
            hess[c * p + k] /= piv;
            inv[c * p + k] /= piv;
        }
        for (size_t r = 0; r < p; r++) {
            if (r == c)
                continue;
            double f = hess[r * p + c];
            for (size_t k = 0; k < p; k++) {
                hess[r * p + k] -= f * hess[c * p + k];
                inv[r * p + k] -= f * inv[c * p + k];
            }
        }
    }
    for (size_t a = 0; a < p; a++)
        assert_close(se[a], sqrt(inv[a * p + a]), 1e-4, 0);
}

static void cox_rossi_breslow_matches_brute_force(void **state)
{
    (void)state;
    load_rossi();
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    opt.ties = CRVM_TIES_BRESLOW;
    crvm_cox *cox = NULL;
    assert_int_equal(crvm_cox_fit(rossi.x, N_ROSSI * 7, N_ROSSI, 7, rossi.week, N_ROSSI,
                                  rossi.arrest, N_ROSSI, NULL, 0, NULL, 0, &opt, &cox, NULL),
                     CRVM_OK);
    brute_data b = {N_ROSSI, 7, rossi.x, rossi.week, NULL, rossi.arrest, NULL, 0};
    check_against_brute(&b, cox);
    /* Breslow and Efron differ on these heavily tied data. */
    double coef[7];
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, coef, 7), CRVM_OK);
    assert_true(fabs(coef[0] - (-0.37942)) > 1e-4);
    crvm_cox_free(cox);
}

static void cox_weighted_stratified_efron_matches_brute_force(void **state)
{
    (void)state;
    test_rng rng = {11};
    enum { N = 300, P = 3 };
    static double x[N * P], t[N], w[N];
    static int32_t e[N], s[N];
    for (int i = 0; i < N; i++) {
        x[i * P] = rng_normal(&rng);
        x[i * P + 1] = test_rng_uniform(&rng) < 0.4;
        x[i * P + 2] = 10 + 3 * rng_normal(&rng);
        s[i] = (int32_t)(3 * test_rng_uniform(&rng)) * 7 - 5; /* codes -5, 2, 9 */
        double rate = exp(0.5 * x[i * P] - 0.8 * x[i * P + 1] + 0.05 * x[i * P + 2]);
        t[i] = ceil(-log(test_rng_uniform(&rng)) / rate * 5); /* discretised: many ties */
        e[i] = test_rng_uniform(&rng) < 0.8;
        w[i] = 0.5 + 2 * test_rng_uniform(&rng);
    }
    for (int efron = 0; efron <= 1; efron++) {
        crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
        opt.ties = efron ? CRVM_TIES_EFRON : CRVM_TIES_BRESLOW;
        crvm_cox *cox = NULL;
        assert_int_equal(crvm_cox_fit(x, N * P, N, P, t, N, e, N, w, N, s, N, &opt, &cox, NULL),
                         CRVM_OK);
        brute_data b = {N, P, x, t, w, e, s, efron};
        check_against_brute(&b, cox);
        crvm_cox_summary_stats st;
        assert_int_equal(crvm_cox_summary(cox, &st), CRVM_OK);
        assert_int_equal(st.n_strata, 3);
        int32_t codes[3];
        assert_int_equal(crvm_cox_strata(cox, codes, 3), CRVM_OK);
        assert_int_equal(codes[0], -5);
        assert_int_equal(codes[1], 2);
        assert_int_equal(codes[2], 9);
        crvm_cox_free(cox);
    }
}

/* Robust variance from an independent route: the score residual of row i is
 * the derivative of the total score with respect to its weight w_i (every
 * term of the weighted score is linear in w_i apart from the risk-set
 * averages), so U_i can be obtained by differentiating a brute-force score
 * numerically; then V = I^-1 (sum w_i^2 U_i U_i') I^-1 (Lin & Wei 1989). */
static void brute_score(const brute_data *b, const double *beta, double *g)
{
    /* Score written from the definition: for each tie block,
     * sum_D w x - wbar sum_l (Z_R - (l/d) Z_D) / (S_R - (l/d) S_D). */
    size_t p = b->p;
    memset(g, 0, p * sizeof *g);
    for (size_t i = 0; i < b->n; i++) {
        if (!b->e[i])
            continue;
        int first = 1;
        for (size_t k = 0; k < i; k++)
            if (b->e[k] && b->t[k] == b->t[i] && (!b->s || b->s[k] == b->s[i]))
                first = 0;
        if (!first)
            continue;
        double sr = 0, sd = 0, wd = 0, zr[8] = {0}, zd[8] = {0};
        int d = 0;
        for (size_t j = 0; j < b->n; j++) {
            if (b->t[j] < b->t[i] || (b->s && b->s[j] != b->s[i]))
                continue;
            double eta = 0;
            for (size_t a = 0; a < p; a++)
                eta += b->x[j * p + a] * beta[a];
            double r = b->w[j] * exp(eta);
            sr += r;
            for (size_t a = 0; a < p; a++)
                zr[a] += r * b->x[j * p + a];
            if (b->e[j] && b->t[j] == b->t[i]) {
                sd += r;
                wd += b->w[j];
                d++;
                for (size_t a = 0; a < p; a++) {
                    zd[a] += r * b->x[j * p + a];
                    g[a] += b->w[j] * b->x[j * p + a];
                }
            }
        }
        int terms = b->efron ? d : 1;
        double wbar = b->efron ? wd / d : wd;
        for (int l = 0; l < terms; l++) {
            double f = b->efron ? (double)l / d : 0.0;
            for (size_t a = 0; a < p; a++)
                g[a] -= wbar * (zr[a] - f * zd[a]) / (sr - f * sd);
        }
    }
}

static void cox_robust_matches_weight_derivative_of_score(void **state)
{
    (void)state;
    test_rng rng = {3};
    enum { N = 60, P = 2 };
    double x[N * P], t[N], w[N], wp[N];
    int32_t e[N], strata[N];
    for (int i = 0; i < N; i++) {
        strata[i] = i % 2;
        x[i * P] = rng_normal(&rng);
        x[i * P + 1] = test_rng_uniform(&rng) < 0.5;
        t[i] = ceil(4 * test_rng_uniform(&rng) / exp(0.7 * x[i * P])); /* ties */
        e[i] = test_rng_uniform(&rng) < 0.75;
        w[i] = 1.0 + (i % 3);
    }
    for (int run = 0; run < 4; run++) {
        int efron = run % 2;
        const int32_t *s = run >= 2 ? strata : NULL;
        crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
        opt.ties = efron ? CRVM_TIES_EFRON : CRVM_TIES_BRESLOW;
        opt.robust = 1;
        crvm_cox *cox = NULL;
        assert_int_equal(crvm_cox_fit(x, N * P, N, P, t, N, e, N, w, N, s, s ? N : 0, &opt, &cox,
                                      NULL),
                         CRVM_OK);
        double beta[P], cov[P * P], rob[P * P];
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, beta, P), CRVM_OK);
        assert_int_equal(crvm_cox_covariance(cox, 0, cov, P * P), CRVM_OK);
        assert_int_equal(crvm_cox_covariance(cox, 1, rob, P * P), CRVM_OK);
        double meat[P * P] = {0};
        for (int i = 0; i < N; i++) {
            double gp[P], gm[P], u[P];
            double dw = 1e-5;
            memcpy(wp, w, sizeof wp);
            wp[i] = w[i] + dw;
            brute_data bp = {N, P, x, t, wp, e, s, efron};
            brute_score(&bp, beta, gp);
            wp[i] = w[i] - dw;
            brute_data bm = {N, P, x, t, wp, e, s, efron};
            brute_score(&bm, beta, gm);
            for (int a = 0; a < P; a++)
                u[a] = (gp[a] - gm[a]) / (2 * dw);
            for (int a = 0; a < P; a++)
                for (int c = 0; c < P; c++)
                    meat[a * P + c] += w[i] * w[i] * u[a] * u[c];
        }
        double tmp[P * P] = {0}, expect[P * P] = {0};
        for (int a = 0; a < P; a++)
            for (int c = 0; c < P; c++)
                for (int k = 0; k < P; k++)
                    tmp[a * P + c] += cov[a * P + k] * meat[k * P + c];
        for (int a = 0; a < P; a++)
            for (int c = 0; c < P; c++)
                for (int k = 0; k < P; k++)
                    expect[a * P + c] += tmp[a * P + k] * cov[k * P + c];
        /* Central difference in w_i with step 1e-5: error ~1e-9 relative. */
        for (int k = 0; k < P * P; k++)
            assert_close(rob[k], expect[k], 1e-7, 1e-12);
        double se[P], ser[P];
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_SE, se, P), CRVM_OK);
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_SE_ROBUST, ser, P), CRVM_OK);
        for (int a = 0; a < P; a++) {
            assert_close(se[a], sqrt(rob[a * P + a]), 1e-15, 0);
            assert_close(ser[a], se[a], 0, 0);
        }
        crvm_cox_free(cox);
    }
}

static void simulate_cox(test_rng *rng, size_t n, const double *beta, double *x, double *t,
                         int32_t *e)
{
    for (size_t i = 0; i < n; i++) {
        x[i * 3] = rng_normal(rng);
        x[i * 3 + 1] = test_rng_uniform(rng) < 0.3;
        x[i * 3 + 2] = 2.0 * test_rng_uniform(rng);
        double eta = beta[0] * x[i * 3] + beta[1] * x[i * 3 + 1] + beta[2] * x[i * 3 + 2];
        double event_time = -log(test_rng_uniform(rng)) / (0.1 * exp(eta));
        double censor_time = 30.0 * test_rng_uniform(rng);
        t[i] = event_time < censor_time ? event_time : censor_time;
        e[i] = event_time < censor_time;
    }
}

static void cox_recovers_simulated_hazard_ratios(void **state)
{
    (void)state;
    /* Exponential event times with hazard 0.1 exp(beta'x), uniform censoring:
     * the true beta must lie within 3.5 standard errors at every size (a
     * 3.5-SE band fails with probability ~5e-4 per coefficient). */
    const double beta[] = {0.5, -0.7, 0.3};
    const size_t sizes[] = {300, 3000, 30000};
    test_rng rng = {2024};
    for (size_t k = 0; k < 3; k++) {
        size_t n = sizes[k];
        double *x = malloc(n * 3 * sizeof *x), *t = malloc(n * sizeof *t);
        int32_t *e = malloc(n * sizeof *e);
        simulate_cox(&rng, n, beta, x, t, e);
        crvm_cox *cox = NULL;
        assert_int_equal(crvm_cox_fit(x, n * 3, n, 3, t, n, e, n, NULL, 0, NULL, 0, NULL, &cox,
                                      NULL),
                         CRVM_OK);
        cox_view v;
        cox_read(cox, &v);
        for (int j = 0; j < 3; j++)
            assert_true(fabs(v.coef[j] - beta[j]) < 3.5 * v.se[j]);
        if (n == 30000)
            for (int j = 0; j < 3; j++)
                assert_true(v.se[j] < 0.05);
        assert_true(v.stats.concordance > 0.55 && v.stats.concordance < 0.8);
        assert_true(v.stats.lr_p_value < 1e-6);
        crvm_cox_free(cox);
        free(x);
        free(t);
        free(e);
    }
}

static void cox_baseline_and_predictions(void **state)
{
    (void)state;
    /* Two rows without ties and covariate x in {0, 1}: with beta fitted, the
     * Breslow increments are 1/(e^{b(0-m)} + e^{b(1-m)}) at t=1 and
     * 1/e^{b(x_2-m)} at t=2 (closed form from the definition). */
    const double x[] = {0, 1, 0, 1};
    const double t[] = {1, 2, 3, 4};
    const int32_t e[] = {1, 1, 0, 1};
    crvm_cox *cox = NULL;
    assert_int_equal(crvm_cox_fit(x, 4, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox, NULL),
                     CRVM_OK);
    double b, m;
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, &b, 1), CRVM_OK);
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_MEAN, &m, 1), CRVM_OK);
    assert_close(m, 0.5, 0, 0);
    size_t nb;
    assert_int_equal(crvm_cox_baseline_size(cox, 0, &nb), CRVM_OK);
    assert_int_equal(nb, 3);
    double bt[3], bh[3];
    assert_int_equal(crvm_cox_baseline(cox, 0, bt, 3, bh, 3), CRVM_OK);
    double r0 = exp(-b * m), r1 = exp(b * (1 - m));
    double h1 = 1 / (2 * r0 + 2 * r1), h2 = h1 + 1 / (r0 + 2 * r1), h4 = h2 + 1 / r1;
    assert_close(bt[0], 1, 0, 0);
    assert_close(bt[1], 2, 0, 0);
    assert_close(bt[2], 4, 0, 0);
    assert_close(bh[0], h1, 1e-13, 0);
    assert_close(bh[1], h2, 1e-13, 0);
    assert_close(bh[2], h4, 1e-13, 0);
    const double nx[] = {0, 1};
    const double times[] = {0.5, 1, 2.5, 3, 10};
    double ph[2], sv[10];
    assert_int_equal(crvm_cox_predict_partial_hazard(cox, nx, 2, 2, 1, ph, 2), CRVM_OK);
    assert_close(ph[0], r0, 1e-15, 0);
    assert_close(ph[1], r1, 1e-15, 0);
    assert_int_equal(crvm_cox_predict_survival(cox, nx, 2, 2, 1, NULL, 0, times, 5, sv, 10),
                     CRVM_OK);
    const double H[] = {0, h1, h2, h2, h4};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 5; j++)
            assert_close(sv[i * 5 + j], exp(-H[j] * ph[i]), 1e-14, 0);
    /* Errors. */
    assert_status(crvm_cox_baseline_size(cox, 3, &nb), CRVM_ENOTFOUND);
    assert_status(crvm_cox_baseline(cox, 0, bt, 2, bh, 3), CRVM_EINVAL);
    assert_status(crvm_cox_predict_partial_hazard(cox, nx, 2, 1, 2, ph, 1), CRVM_EINVAL);
    assert_status(crvm_cox_predict_partial_hazard(cox, nx, 2, 2, 1, ph, 1), CRVM_EINVAL);
    const int32_t bad_stratum[] = {0, 1};
    assert_status(crvm_cox_predict_survival(cox, nx, 2, 2, 1, bad_stratum, 2, times, 5, sv, 10),
                  CRVM_ENOTFOUND);
    assert_status(crvm_cox_predict_survival(cox, nx, 2, 2, 1, NULL, 0, times, 5, sv, 9),
                  CRVM_EINVAL);
    double cov;
    assert_status(crvm_cox_covariance(cox, 1, &cov, 1), CRVM_ESTATE);
    assert_status(crvm_cox_statistic(cox, CRVM_COX_SE_ROBUST, &cov, 1), CRVM_ESTATE);
    assert_status(crvm_cox_statistic(cox, (crvm_cox_stat)77, &cov, 1), CRVM_EINVAL);
    assert_int_equal(crvm_cox_covariance(cox, 0, &cov, 1), CRVM_OK);
    double se;
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_SE, &se, 1), CRVM_OK);
    assert_close(se * se, cov, 1e-14, 0);
    /* Accessor argument errors: NULL model or output, wrong lengths, a
     * stratum the (unstratified) model does not have. Outputs stay put. */
    crvm_cox_summary_stats sum;
    assert_status(crvm_cox_summary(NULL, &sum), CRVM_EINVAL);
    assert_status(crvm_cox_summary(cox, NULL), CRVM_EINVAL);
    double cov2[2] = {7, 7};
    assert_status(crvm_cox_covariance(cox, 0, cov2, 2), CRVM_EINVAL);
    assert_status(crvm_cox_covariance(NULL, 0, cov2, 1), CRVM_EINVAL);
    assert_close(cov2[0], 7, 0, 0);
    int32_t codes[2] = {7, 7};
    assert_status(crvm_cox_strata(cox, codes, 2), CRVM_EINVAL);
    assert_status(crvm_cox_strata(NULL, codes, 1), CRVM_EINVAL);
    assert_int_equal(codes[0], 7);
    assert_status(crvm_cox_strata(cox, codes, 1), CRVM_OK);
    assert_int_equal(codes[0], 0); /* a single 0 when unstratified */
    assert_status(crvm_cox_baseline_size(NULL, 0, &nb), CRVM_EINVAL);
    assert_status(crvm_cox_baseline_size(cox, 0, NULL), CRVM_EINVAL);
    assert_status(crvm_cox_baseline(cox, 1, bt, 3, bh, 3), CRVM_ENOTFOUND);
    assert_status(crvm_cox_baseline(NULL, 0, bt, 3, bh, 3), CRVM_EINVAL);
    crvm_cox_free(cox);
}

static void cox_stratified_predictions_use_their_baseline(void **state)
{
    (void)state;
    load_rossi();
    /* Stratify Rossi by wexp (column 3), covariates without it. */
    static double x6[N_ROSSI * 6];
    static int32_t s[N_ROSSI];
    for (size_t i = 0; i < N_ROSSI; i++) {
        size_t c = 0;
        for (size_t j = 0; j < 7; j++)
            if (j != 3)
                x6[i * 6 + c++] = rossi.x[i * 7 + j];
        s[i] = (int32_t)rossi.x[i * 7 + 3];
    }
    crvm_cox *cox = NULL;
    assert_int_equal(crvm_cox_fit(x6, N_ROSSI * 6, N_ROSSI, 6, rossi.week, N_ROSSI, rossi.arrest,
                                  N_ROSSI, NULL, 0, s, N_ROSSI, NULL, &cox, NULL),
                     CRVM_OK);
    brute_data b = {N_ROSSI, 6, x6, rossi.week, NULL, rossi.arrest, s, 1};
    check_against_brute(&b, cox);
    size_t n0, n1;
    assert_int_equal(crvm_cox_baseline_size(cox, 0, &n0), CRVM_OK);
    assert_int_equal(crvm_cox_baseline_size(cox, 1, &n1), CRVM_OK);
    double *t0 = malloc(n0 * sizeof *t0), *h0 = malloc(n0 * sizeof *h0);
    double *t1 = malloc(n1 * sizeof *t1), *h1 = malloc(n1 * sizeof *h1);
    assert_int_equal(crvm_cox_baseline(cox, 0, t0, n0, h0, n0), CRVM_OK);
    assert_int_equal(crvm_cox_baseline(cox, 1, t1, n1, h1, n1), CRVM_OK);
    double mean[6];
    assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_MEAN, mean, 6), CRVM_OK);
    double xx[12];
    memcpy(xx, mean, sizeof mean);
    memcpy(xx + 6, mean, sizeof mean);
    const int32_t ss[] = {0, 1};
    double sv[4], tt[2] = {t0[n0 - 1], t1[n1 - 1]};
    assert_int_equal(crvm_cox_predict_survival(cox, xx, 12, 2, 6, ss, 2, tt, 2, sv, 4), CRVM_OK);
    /* At the means the partial hazard is 1: S = exp(-H0_s). */
    assert_close(sv[0], exp(-h0[n0 - 1]), 1e-14, 0);
    assert_close(sv[3], exp(-h1[n1 - 1]), 1e-14, 0);
    for (size_t k = 1; k < n0; k++)
        assert_true(h0[k] > h0[k - 1] && t0[k] > t0[k - 1]);
    assert_status(crvm_cox_predict_survival(cox, xx, 12, 2, 6, NULL, 0, tt, 2, sv, 4),
                  CRVM_EINVAL);
    free(t0);
    free(h0);
    free(t1);
    free(h1);
    crvm_cox_free(cox);
}

static void cox_degenerate_data_give_clear_statuses(void **state)
{
    (void)state;
    crvm_cox *cox = NULL;
    crvm_fit_report rep;
    const double x[] = {1, 2, 3, 4, 5, 6};
    const double t[] = {1, 2, 3, 4, 5, 6};
    const int32_t none[] = {0, 0, 0, 0, 0, 0}, e[] = {1, 0, 1, 1, 0, 1};
    assert_status(crvm_cox_fit(x, 6, 6, 1, t, 6, none, 6, NULL, 0, NULL, 0, NULL, &cox, &rep),
                  CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "no events"));
    assert_status(crvm_cox_fit(x, 1, 1, 1, t, 1, e, 1, NULL, 0, NULL, 0, NULL, &cox, &rep),
                  CRVM_EDOMAIN);
    /* Constant covariate: column 1 named. */
    const double xc[] = {1, 7, 2, 7, 3, 7, 4, 7, 5, 7, 6, 7};
    assert_status(crvm_cox_fit(xc, 12, 6, 2, t, 6, e, 6, NULL, 0, NULL, 0, NULL, &cox, &rep),
                  CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "covariate 1"));
    /* Collinear: column 2 = column 0 + 2 column 1. */
    const double xl[] = {1, 0, 1, 2, 1, 4, 3, 0, 3, 4, 1, 6, 5, 1, 7, 6, 0, 6};
    assert_status(crvm_cox_fit(xl, 18, 6, 3, t, 6, e, 6, NULL, 0, NULL, 0, NULL, &cox, &rep),
                  CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "covariate 2"));
    /* Perfect separation: every x=1 row has its event before every x=0 row. */
    const double xs[] = {1, 1, 1, 0, 0, 0, 0, 0};
    const double ts[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int32_t es[] = {1, 1, 1, 1, 0, 1, 0, 1};
    const double xs2[] = {0.3, 1, -0.2, 1, 0.5, 1, 0.1, 0, -0.4, 0, 0.2, 0, 0.9, 0, -0.6, 0};
    memset(&rep, 0, sizeof rep);
    assert_status(crvm_cox_fit(xs, 8, 8, 1, ts, 8, es, 8, NULL, 0, NULL, 0, NULL, &cox, &rep),
                  CRVM_ECONVERGE);
    assert_non_null(strstr(crvm_last_error(), "covariate 0"));
    assert_int_equal(rep.converged, 0);
    assert_true(rep.iterations > 0);
    assert_true(isfinite(rep.log_likelihood));
    assert_status(crvm_cox_fit(xs2, 16, 8, 2, ts, 8, es, 8, NULL, 0, NULL, 0, NULL, &cox, &rep),
                  CRVM_ECONVERGE);
    assert_non_null(strstr(crvm_last_error(), "covariate 1"));
    /* Monotone likelihood from a rare flag whose rows never have the event
     * (1% of 5000 rows): its hazard ratio heads to 0; named, not returned. */
    {
        enum { N = 5000 };
        static double xr[N * 2], tr[N];
        static int32_t er[N];
        test_rng rng = {77};
        for (int i = 0; i < N; i++) {
            xr[2 * i] = rng_normal(&rng);
            xr[2 * i + 1] = test_rng_uniform(&rng) < 0.01;
            double ev = -log(test_rng_uniform(&rng)) / exp(0.5 * xr[2 * i]);
            double ce = 2 * test_rng_uniform(&rng);
            tr[i] = ev < ce ? ev : ce;
            er[i] = ev < ce && xr[2 * i + 1] == 0;
        }
        assert_status(crvm_cox_fit(xr, 2 * N, N, 2, tr, N, er, N, NULL, 0, NULL, 0, NULL, &cox,
                                   &rep),
                      CRVM_ECONVERGE);
        assert_non_null(strstr(crvm_last_error(), "covariate 1 diverges"));
        assert_true(rep.iterations < 50);
    }
    /* A covariate that varies only among rows censored before the first
     * event carries no information: singular information, named. */
    const double xi[] = {0.5, 0, -0.1, 0, 0.7, 0, 0.2, 0, 1.1, 1, 0.4, 2};
    const double ti[] = {1, 2, 3, 4, 0.5, 0.7};
    const int32_t ei[] = {1, 1, 0, 1, 0, 0};
    assert_status(crvm_cox_fit(xi, 12, 6, 2, ti, 6, ei, 6, NULL, 0, NULL, 0, NULL, &cox, &rep),
                  CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "covariate 1"));
    assert_null(cox);
}

static void cox_rejects_bad_arguments(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4};
    const double t[] = {1, 2, 3, 4};
    const int32_t e[] = {1, 0, 1, 1};
    crvm_cox *cox = NULL;
    assert_status(crvm_cox_fit(x, 4, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, NULL, NULL, NULL),
                  CRVM_EINVAL);
    assert_status(crvm_cox_fit(x, 3, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox, NULL),
                  CRVM_EINVAL);
    assert_status(crvm_cox_fit(x, 4, 4, 0, t, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox, NULL),
                  CRVM_EINVAL);
    assert_status(crvm_cox_fit(x, 4, 4, 1, t, 3, e, 3, NULL, 0, NULL, 0, NULL, &cox, NULL),
                  CRVM_EINVAL);
    const double xn[] = {1, NAN, 3, 4};
    assert_status(crvm_cox_fit(xn, 4, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, NULL, &cox, NULL),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "row 1"));
    const int32_t s[] = {0, 0, 1};
    assert_status(crvm_cox_fit(x, 4, 4, 1, t, 4, e, 4, NULL, 0, s, 3, NULL, &cox, NULL),
                  CRVM_EINVAL);
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    opt.ties = (crvm_ties)5;
    assert_status(crvm_cox_fit(x, 4, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, &opt, &cox, NULL),
                  CRVM_EINVAL);
    crvm_cox_options_init(&opt);
    opt.max_iterations = 0;
    assert_status(crvm_cox_fit(x, 4, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, &opt, &cox, NULL),
                  CRVM_EINVAL);
    crvm_cox_options_init(&opt);
    opt.penalizer = -1;
    assert_status(crvm_cox_fit(x, 4, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, &opt, &cox, NULL),
                  CRVM_EINVAL);
    crvm_cox_options_init(&opt);
    opt.max_iterations = 1; /* too few to converge */
    crvm_fit_report rep;
    assert_status(crvm_cox_fit(x, 4, 4, 1, t, 4, e, 4, NULL, 0, NULL, 0, &opt, &cox, &rep),
                  CRVM_ECONVERGE);
    assert_int_equal(rep.converged, 0);
    assert_int_equal(rep.iterations, 1);
    assert_null(cox);
    assert_int_equal(crvm_cox_n_covariates(NULL), 0);
    crvm_cox_free(NULL);
}

static void cox_penalizer_shrinks_towards_zero(void **state)
{
    (void)state;
    load_rossi();
    double prev_norm = INFINITY;
    const double pens[] = {0.0, 0.5, 5.0, 50.0};
    for (int k = 0; k < 4; k++) {
        crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
        opt.penalizer = pens[k];
        crvm_cox *cox = NULL;
        assert_int_equal(crvm_cox_fit(rossi.x, N_ROSSI * 7, N_ROSSI, 7, rossi.week, N_ROSSI,
                                      rossi.arrest, N_ROSSI, NULL, 0, NULL, 0, &opt, &cox, NULL),
                         CRVM_OK);
        double c[7], sd = 0;
        assert_int_equal(crvm_cox_statistic(cox, CRVM_COX_COEF, c, 7), CRVM_OK);
        for (int j = 0; j < 7; j++)
            sd += c[j] * c[j];
        assert_true(sd < prev_norm);
        prev_norm = sd;
        crvm_cox_free(cox);
    }
}

typedef struct cox_scenario_ctx {
    int robust;
    int stratified;
} cox_scenario_ctx;

static crvm_status cox_scenario(void *vctx)
{
    const cox_scenario_ctx *ctx = vctx;
    enum { N = 40 };
    double x[N * 2], t[N], w[N];
    int32_t e[N], s[N];
    test_rng rng = {99};
    for (int i = 0; i < N; i++) {
        x[2 * i] = rng_normal(&rng);
        x[2 * i + 1] = test_rng_uniform(&rng) < 0.5;
        t[i] = ceil(10 * test_rng_uniform(&rng));
        e[i] = test_rng_uniform(&rng) < 0.7;
        w[i] = 1 + (i % 2);
        s[i] = i % 3;
    }
    crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
    opt.robust = ctx->robust;
    crvm_cox *cox = NULL;
    crvm_status st = crvm_cox_fit(x, 2 * N, N, 2, t, N, e, N, w, N, ctx->stratified ? s : NULL,
                                  ctx->stratified ? N : 0, &opt, &cox, NULL);
    if (st != CRVM_OK)
        return st;
    double out[4];
    const double times[] = {1, 5};
    st = crvm_cox_predict_survival(cox, x, 4, 2, 2, ctx->stratified ? s : NULL,
                                   ctx->stratified ? 2 : 0, times, 2, out, 4);
    crvm_cox_free(cox);
    return st;
}

static crvm_status concordance_scenario(void *ctx)
{
    (void)ctx;
    const double t[] = {1, 2, 2, 3}, s[] = {0.5, 0.1, 0.7, 0.2};
    const int32_t e[] = {1, 0, 1, 1};
    double c;
    return crvm_concordance_index(t, 4, s, 4, e, 4, &c);
}

static void cox_survives_every_allocation_failure(void **state)
{
    (void)state;
    cox_scenario_ctx plain = {0, 0}, full = {1, 1};
    assert_true(test_every_allocation_failure(cox_scenario, &plain) >= 5);
    assert_true(test_every_allocation_failure(cox_scenario, &full) >= 8);
    assert_true(test_every_allocation_failure(concordance_scenario, NULL) >= 3);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chisq_tail_matches_closed_forms),
        cmocka_unit_test(km_hand_computed_with_ties_and_censoring),
        cmocka_unit_test(km_heavy_ties_and_all_censored),
        cmocka_unit_test(km_weights_equal_replicated_rows),
        cmocka_unit_test(km_left_truncation_hand_computed),
        cmocka_unit_test(km_is_monotone_and_inside_its_interval),
        cmocka_unit_test(km_rejects_bad_input),
        cmocka_unit_test(km_survives_every_allocation_failure),
        cmocka_unit_test(km_unweighted_route_equals_weighted_route),
        cmocka_unit_test(km_unweighted_survives_every_allocation_failure),
        cmocka_unit_test(km_groups_hand_computed),
        cmocka_unit_test(km_groups_left_truncation_hand_computed),
        cmocka_unit_test(km_groups_equal_separate_fits),
        cmocka_unit_test(km_groups_rejects_bad_input),
        cmocka_unit_test(km_groups_survive_every_allocation_failure),
        cmocka_unit_test(logrank_two_groups_by_hand),
        cmocka_unit_test(logrank_three_groups_match_lifelines),
        cmocka_unit_test(logrank_rejects_degenerate_input),
        cmocka_unit_test(logrank_survives_every_allocation_failure),
        cmocka_unit_test(concordance_matches_pairwise_definition),
        cmocka_unit_test(cox_rossi_efron_matches_published),
        cmocka_unit_test(cox_rossi_breslow_matches_brute_force),
        cmocka_unit_test(cox_weighted_stratified_efron_matches_brute_force),
        cmocka_unit_test(cox_robust_matches_weight_derivative_of_score),
        cmocka_unit_test(cox_recovers_simulated_hazard_ratios),
        cmocka_unit_test(cox_baseline_and_predictions),
        cmocka_unit_test(cox_stratified_predictions_use_their_baseline),
        cmocka_unit_test(cox_degenerate_data_give_clear_statuses),
        cmocka_unit_test(cox_rejects_bad_arguments),
        cmocka_unit_test(cox_penalizer_shrinks_towards_zero),
        cmocka_unit_test(cox_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests_name("survival", tests, NULL, NULL);
}
