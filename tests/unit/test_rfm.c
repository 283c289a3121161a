/* Unit tests for lib/rfm: RFM summaries from transaction logs. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CRVM_SOURCE_ROOT
#error "CRVM_SOURCE_ROOT must be defined by the build"
#endif

/* A small log, times in days. Expected values below are worked out by hand
 * from the definitions in crvm/rfm.h (lifetimes' definitions; the same log,
 * as dates from 2020-01-01, gives the same numbers in lifetimes 0.11.3).
 *   customer 0: t = 0 (1), 0.54 (2), 4 (4), 19 (8), 19.2 (128)
 *   customer 1: t = 2 (16), 3 (32)
 *   customer 2: t = 24 (64)
 *   customer 3: no transactions */
enum { N_TX = 8, N_CUST = 4 };
static const int64_t log_customer[N_TX] = {0, 0, 1, 1, 0, 0, 2, 0};
static const double log_time[N_TX] = {0, 0.54, 2, 3, 4, 19, 24, 19.2};
static const double log_amount[N_TX] = {1, 2, 16, 32, 4, 8, 64, 128};

typedef struct rfm_out {
    double f[N_CUST], r[N_CUST], T[N_CUST], m[N_CUST], fh[N_CUST], mh[N_CUST];
    int64_t n[N_CUST];
    crvm_rfm_columns cols;
} rfm_out;

static void out_init(rfm_out *o, int holdout)
{
    memset(o, 0, sizeof *o);
    o->cols.length = N_CUST;
    o->cols.frequency = o->f;
    o->cols.recency = o->r;
    o->cols.T = o->T;
    o->cols.monetary_value = o->m;
    o->cols.n_transactions = o->n;
    if (holdout) {
        o->cols.frequency_holdout = o->fh;
        o->cols.monetary_value_holdout = o->mh;
    }
}

static void expect_row(const rfm_out *o, int c, double f, double r, double T, double m)
{
    /* Counts are exact; durations are differences of whole periods divided
     * by a unit, and means are short sums: 1e-14 relative. */
    assert_close(o->f[c], f, 0, 0);
    assert_close(o->r[c], r, 1e-14, 0);
    assert_close(o->T[c], T, 1e-14, 0);
    assert_close(o->m[c], m, 1e-14, 0);
}

/* Run on the log as given and on a permuted copy (not in time order per
 * customer, so the sorting fallback runs): both must give the same. */
static void run_both_orders(const crvm_rfm_options *opt, rfm_out *o, rfm_out *o2, int holdout,
                            crvm_rfm_info *info)
{
    out_init(o, holdout);
    out_init(o2, holdout);
    assert_status(crvm_rfm_summary(log_customer, N_TX, log_time, N_TX, log_amount, N_TX, opt,
                                   &o->cols, info),
                  CRVM_OK);
    assert_int_equal(info->sorted, 1);
    static const size_t perm[N_TX] = {7, 3, 5, 0, 6, 2, 4, 1};
    int64_t c2[N_TX];
    double t2[N_TX], a2[N_TX];
    for (int i = 0; i < N_TX; i++) {
        c2[i] = log_customer[perm[i]];
        t2[i] = log_time[perm[i]];
        a2[i] = log_amount[perm[i]];
    }
    crvm_rfm_info info2;
    assert_status(crvm_rfm_summary(c2, N_TX, t2, N_TX, a2, N_TX, opt, &o2->cols, &info2), CRVM_OK);
    assert_int_equal(info2.sorted, 0);
    for (int c = 0; c < N_CUST; c++) {
        assert_close(o2->f[c], o->f[c], 0, 0);
        assert_close(o2->r[c], o->r[c], 0, 0);
        assert_close(o2->T[c], o->T[c], 0, 0);
        assert_close(o2->m[c], o->m[c], 1e-14, 0); /* summation order differs */
        assert_close(o2->fh[c], o->fh[c], 0, 0);
        assert_close(o2->mh[c], o->mh[c], 1e-14, 0);
        assert_int_equal(o2->n[c], o->n[c]);
    }
    assert_int_equal(info2.n_calibration, info->n_calibration);
    assert_int_equal(info2.n_holdout, info->n_holdout);
}

static void daily_periods_by_hand(void **state)
{
    (void)state;
    rfm_out o, o2;
    crvm_rfm_info info;
    /* Days 0 and 0.54 are one purchase (3); 19 and 19.2 are one (136). */
    run_both_orders(NULL, &o, &o2, 0, &info);
    expect_row(&o, 0, 2, 19, 24, (4 + 136) / 2.0);
    expect_row(&o, 1, 1, 1, 22, 32);
    expect_row(&o, 2, 0, 0, 0, 0);
    expect_row(&o, 3, 0, 0, 0, 0);
    assert_int_equal(o.n[0], 5);
    assert_int_equal(o.n[1], 2);
    assert_int_equal(o.n[2], 1);
    assert_int_equal(o.n[3], 0);
    assert_int_equal(info.n_calibration, 8);
    assert_int_equal(info.n_holdout, 0);
    assert_int_equal(info.n_excluded, 0);
    assert_int_equal(info.n_customers_present, 3);
    assert_close(info.observation_end, 24, 0, 0);
    assert_close(info.duration_holdout, 0, 0, 0);
}

static void include_first_by_hand(void **state)
{
    (void)state;
    crvm_rfm_options opt;
    crvm_rfm_options_init(&opt);
    crvm_rfm_options_init(NULL);
    opt.include_first = 1;
    rfm_out o, o2;
    crvm_rfm_info info;
    run_both_orders(&opt, &o, &o2, 0, &info);
    expect_row(&o, 0, 3, 19, 24, (3 + 4 + 136) / 3.0);
    expect_row(&o, 1, 2, 1, 22, 24);
    expect_row(&o, 2, 1, 0, 0, 64);
}

static void weekly_periods_and_units_by_hand(void **state)
{
    (void)state;
    crvm_rfm_options opt = CRVM_RFM_OPTIONS_INIT;
    /* Weeks [0, 7), [7, 14), ...: customer 0 buys in weeks 0, 0, 0, 2, 2. */
    opt.period = 7;
    rfm_out o, o2;
    crvm_rfm_info info;
    run_both_orders(&opt, &o, &o2, 0, &info);
    expect_row(&o, 0, 1, 2, 3, 136);
    expect_row(&o, 1, 0, 0, 3, 0);
    expect_row(&o, 2, 0, 0, 0, 0);

    /* Weeks starting on day 3 ([-4, 3), [3, 10), [10, 17), [17, 24), [24, 31)). */
    opt.origin = 3;
    run_both_orders(&opt, &o, &o2, 0, &info);
    expect_row(&o, 0, 2, 3, 4, (4 + 136) / 2.0); /* weeks -1, -1, 0, 2, 2; end in week 3 */
    expect_row(&o, 1, 1, 1, 4, 32);              /* weeks -1 and 0 */

    /* Daily periods reported in weeks (lifetimes' freq='D', freq_multiplier=7). */
    opt = (crvm_rfm_options)CRVM_RFM_OPTIONS_INIT;
    opt.unit = 7;
    run_both_orders(&opt, &o, &o2, 0, &info);
    expect_row(&o, 0, 2, 19 / 7.0, 24 / 7.0, 70);
    expect_row(&o, 1, 1, 1 / 7.0, 22 / 7.0, 32);

    /* Hourly periods reported in days (freq='h', freq_multiplier=24): 0.54
     * days is hour 12, a purchase of its own; 19.2 days is hour 460. */
    opt.period = 1.0 / 24;
    opt.unit = 1;
    run_both_orders(&opt, &o, &o2, 0, &info);
    expect_row(&o, 0, 4, 460 / 24.0, 24, (2 + 4 + 8 + 128) / 4.0);
}

static void continuous_time_by_hand(void **state)
{
    (void)state;
    crvm_rfm_options opt = CRVM_RFM_OPTIONS_INIT;
    opt.time_mode = CRVM_RFM_CONTINUOUS;
    opt.unit = 7;
    rfm_out o, o2;
    crvm_rfm_info info;
    run_both_orders(&opt, &o, &o2, 0, &info);
    /* Every distinct instant is a purchase; durations are exact. */
    expect_row(&o, 0, 4, 19.2 / 7, 24.0 / 7, (2 + 4 + 8 + 128) / 4.0);
    expect_row(&o, 1, 1, 1 / 7.0, 22 / 7.0, 32);
    /* Two transactions at the same instant merge. */
    const int64_t c[] = {0, 0, 0};
    const double t[] = {1.5, 1.5, 3.25}, a[] = {1, 2, 5};
    double f, r, T, m;
    crvm_rfm_columns cols = {1, &f, &r, &T, &m, NULL, NULL, NULL};
    opt.unit = 0;
    opt.has_observation_end = 1;
    opt.observation_end = 10;
    assert_status(crvm_rfm_summary(c, 3, t, 3, a, 3, &opt, &cols, NULL), CRVM_OK);
    assert_close(f, 1, 0, 0);
    assert_close(r, 1.75, 0, 0);
    assert_close(T, 8.5, 0, 0);
    assert_close(m, 5, 0, 0);
}

/* Calibration up to day 3.5, observation up to day 30. */
static crvm_rfm_options holdout_options(void)
{
    crvm_rfm_options opt = CRVM_RFM_OPTIONS_INIT;
    opt.has_calibration_end = 1;
    opt.calibration_end = 3.5;
    opt.has_observation_end = 1;
    opt.observation_end = 30;
    return opt;
}

static void calibration_holdout_by_hand(void **state)
{
    (void)state;
    crvm_rfm_options opt = holdout_options();
    rfm_out o, o2;
    crvm_rfm_info info;
    run_both_orders(&opt, &o, &o2, 1, &info);
    /* Calibration: customer 0 has days 0 and 0.54 (one purchase), T = 3 - 0;
     * customer 1 days 2, 3; customer 2 only buys in the holdout. */
    expect_row(&o, 0, 0, 0, 3, 0);
    expect_row(&o, 1, 1, 1, 1, 32);
    expect_row(&o, 2, 0, 0, 0, 0);
    assert_int_equal(o.n[0], 2);
    assert_int_equal(o.n[2], 0);
    /* Holdout: distinct days; mean over the individual transactions. */
    assert_close(o.fh[0], 2, 0, 0);
    assert_close(o.mh[0], (4 + 8 + 128) / 3.0, 1e-14, 0);
    assert_close(o.fh[1], 0, 0, 0);
    assert_close(o.mh[1], 0, 0, 0);
    assert_close(o.fh[2], 1, 0, 0);
    assert_close(o.mh[2], 64, 0, 0);
    assert_int_equal(info.n_calibration, 4);
    assert_int_equal(info.n_holdout, 4);
    assert_int_equal(info.n_customers_present, 2);
    assert_close(info.duration_holdout, 27, 0, 0);
    assert_close(info.observation_end, 30, 0, 0);

    /* Without an explicit observation end it is the latest time (24). */
    opt.has_observation_end = 0;
    run_both_orders(&opt, &o, &o2, 1, &info);
    assert_close(info.observation_end, 24, 0, 0);
    assert_close(info.duration_holdout, 21, 0, 0);

    /* ... or the calibration end if that is later: an empty holdout. */
    opt.calibration_end = 40;
    run_both_orders(&opt, &o, &o2, 1, &info);
    assert_close(info.observation_end, 40, 0, 0);
    assert_close(info.duration_holdout, 0, 0, 0);
    expect_row(&o, 0, 2, 19, 40, 70);
    expect_row(&o, 2, 0, 0, 16, 0);
    assert_close(o.fh[0], 0, 0, 0);
}

static void late_transactions_error_or_excluded(void **state)
{
    (void)state;
    crvm_rfm_options opt = CRVM_RFM_OPTIONS_INIT;
    opt.has_observation_end = 1;
    opt.observation_end = 19.1;
    rfm_out o;
    out_init(&o, 0);
    o.f[0] = -99;
    /* Rows 6 (t = 24) and 7 (t = 19.2) are after the end. */
    assert_status(crvm_rfm_summary(log_customer, N_TX, log_time, N_TX, log_amount, N_TX, &opt,
                                   &o.cols, NULL),
                  CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "time[6] = 24") != NULL);
    assert_true(strstr(crvm_last_error(), "2 such") != NULL);
    assert_close(o.f[0], -99, 0, 0); /* untouched */
    opt.late = CRVM_RFM_LATE_EXCLUDE;
    crvm_rfm_info info;
    rfm_out o2;
    run_both_orders(&opt, &o, &o2, 0, &info);
    assert_int_equal(info.n_excluded, 2);
    assert_int_equal(info.n_calibration, 6);
    /* Customer 0: days 0, 0.54, 4, 19 -> purchases on days 0, 4, 19; T = 19 - 0. */
    expect_row(&o, 0, 2, 19, 19, (4 + 8) / 2.0);
    expect_row(&o, 2, 0, 0, 0, 0);
    assert_int_equal(o.n[2], 0);
}

static void bad_input_is_refused(void **state)
{
    (void)state;
    rfm_out o;
    out_init(&o, 1);
    o.f[1] = 42;
    const crvm_rfm_columns *cols = &o.cols;
    crvm_rfm_options opt = CRVM_RFM_OPTIONS_INIT;
    opt.has_calibration_end = 1;
    opt.calibration_end = 3;

    int64_t c[N_TX];
    double t[N_TX], a[N_TX];
    memcpy(c, log_customer, sizeof c);
    memcpy(t, log_time, sizeof t);
    memcpy(a, log_amount, sizeof a);

    t[3] = NAN;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "time[3]") != NULL);
    t[3] = INFINITY;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    t[3] = log_time[3];
    a[5] = -8;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "amount[5] = -8") != NULL);
    a[5] = NAN;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "amount[5]") != NULL);
    a[5] = log_amount[5];
    c[2] = 4;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "customer[2] = 4") != NULL);
    c[2] = -1;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "customer[2] = -1") != NULL);
    c[2] = log_customer[2];

    /* lengths and pointers */
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX - 1, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX - 1, &opt, cols, NULL), CRVM_EINVAL);
    assert_status(crvm_rfm_summary(NULL, N_TX, t, N_TX, a, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &opt, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, NULL, N_TX, &opt, cols, NULL), CRVM_EINVAL);
    /* a monetary column needs amounts */
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, NULL, 0, &opt, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "monetary") != NULL);
    /* holdout columns need a calibration end */
    crvm_rfm_options nocal = CRVM_RFM_OPTIONS_INIT;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &nocal, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "holdout") != NULL);

    /* options */
    crvm_rfm_options bad = opt;
    bad.has_observation_end = 1;
    bad.observation_end = 2; /* before calibration_end = 3 */
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    assert_true(strstr(crvm_last_error(), "calibration_end") != NULL);
    bad = opt;
    bad.period = 0;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    bad = opt;
    bad.period = NAN;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    bad = opt;
    bad.unit = -1;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    bad = opt;
    bad.origin = INFINITY;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    bad = opt;
    bad.calibration_end = NAN;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    bad = opt;
    bad.has_observation_end = 1;
    bad.observation_end = NAN;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    bad = opt;
    bad.time_mode = (crvm_rfm_time_mode)7;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    bad = opt;
    bad.late = (crvm_rfm_late_policy)7;
    assert_status(crvm_rfm_summary(c, N_TX, t, N_TX, a, N_TX, &bad, cols, NULL), CRVM_EINVAL);
    assert_close(o.f[1], 42, 0, 0); /* nothing was written */

    /* No transactions at all: every customer absent, all zeros. */
    crvm_rfm_info info;
    assert_status(crvm_rfm_summary(NULL, 0, NULL, 0, NULL, 0, NULL,
                                   &(crvm_rfm_columns){N_CUST, o.f, o.r, o.T, NULL, NULL, NULL,
                                                       o.n},
                                   &info),
                  CRVM_OK);
    assert_close(o.f[1], 0, 0, 0);
    assert_int_equal(o.n[1], 0);
    assert_int_equal(info.n_customers_present, 0);
}

/* ------------------------------------------------- randomised vs naive */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A brute-force reference: for each customer, collect and sort its
 * calibration periods, then read the definitions off the sorted list. */
static void naive_summary(size_t n, const int64_t *c, const double *t, const double *a,
                          size_t n_cust, double period, double end, double *f, double *r,
                          double *T, double *m)
{
    double *k = malloc(n * sizeof *k), *amt = malloc(n * sizeof *amt);
    for (size_t j = 0; j < n_cust; j++) {
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)c[i] == j) {
                k[cnt] = floor(t[i] / period);
                amt[cnt] = a[i];
                cnt++;
            }
        f[j] = r[j] = T[j] = m[j] = 0;
        if (!cnt)
            continue;
        double kmin = INFINITY, kmax = -INFINITY, first_sum = 0, all = 0;
        for (size_t i = 0; i < cnt; i++) {
            kmin = fmin(kmin, k[i]);
            kmax = fmax(kmax, k[i]);
            all += amt[i];
        }
        for (size_t i = 0; i < cnt; i++)
            if (k[i] == kmin)
                first_sum += amt[i];
        qsort(k, cnt, sizeof *k, cmp_d);
        size_t distinct = 1;
        for (size_t i = 1; i < cnt; i++)
            distinct += k[i] != k[i - 1];
        f[j] = (double)(distinct - 1);
        r[j] = kmax - kmin;
        T[j] = floor(end / period) - kmin;
        m[j] = distinct > 1 ? (all - first_sum) / (double)(distinct - 1) : 0;
    }
    free(k);
    free(amt);
}

static void random_logs_match_naive_definition(void **state)
{
    (void)state;
    enum { N = 3000, C = 250 };
    test_rng rng = {7};
    int64_t *c = malloc(N * sizeof *c);
    double *t = malloc(N * sizeof *t), *a = malloc(N * sizeof *a);
    /* Time-ordered log (sorted path), integer-ish and fractional times. */
    double now = 0;
    for (int i = 0; i < N; i++) {
        now += test_rng_uniform(&rng) * 0.4;
        c[i] = (int64_t)(test_rng_uniform(&rng) * C);
        t[i] = test_rng_uniform(&rng) < 0.3 ? floor(now) : now;
        a[i] = floor(test_rng_uniform(&rng) * 10000) / 100;
    }
    double end = now;
    double f[C], r[C], T[C], m[C], nf[C], nr[C], nT[C], nm[C];
    crvm_rfm_columns cols = {C, f, r, T, m, NULL, NULL, NULL};
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) /* shuffle: the unsorted path */
            for (int i = N - 1; i > 0; i--) {
                int j = (int)(test_rng_uniform(&rng) * (i + 1));
                int64_t tc = c[i];
                c[i] = c[j];
                c[j] = tc;
                double tt = t[i];
                t[i] = t[j];
                t[j] = tt;
                double ta = a[i];
                a[i] = a[j];
                a[j] = ta;
            }
        for (int w = 0; w < 2; w++) {
            double period = w ? 7 : 1;
            crvm_rfm_options opt = CRVM_RFM_OPTIONS_INIT;
            opt.period = period;
            crvm_rfm_info info;
            assert_status(crvm_rfm_summary(c, N, t, N, a, N, &opt, &cols, &info), CRVM_OK);
            assert_int_equal(info.sorted, pass == 0);
            naive_summary(N, c, t, a, C, period, end, nf, nr, nT, nm);
            for (int j = 0; j < C; j++) {
                assert_close(f[j], nf[j], 0, 0);
                assert_close(r[j], nr[j], 0, 0);
                assert_close(T[j], nT[j], 0, 0);
                /* sums of up to ~30 cents-valued amounts in another order */
                assert_close(m[j], nm[j], 1e-12, 1e-12);
            }
        }
    }
    free(c);
    free(t);
    free(a);
}

/* ------------------------------------------------------------ CDNOW */

static void data_path(char *buf, size_t len, const char *file)
{
    const char *dir = getenv("CRVM_DATA_DIR");
    if (dir && dir[0])
        snprintf(buf, len, "%s/%s", dir, file);
    else
        snprintf(buf, len, "%s/../shared/data/%s", CRVM_SOURCE_ROOT, file);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual
 * civil-from-days inversion, by era of 400 years). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long yyyymmdd_days(long v) { return days_from_civil(v / 10000, v / 100 % 100, v % 100); }

/* CDNOW_sample.txt (2,357 customers, 1/10 of the cohort), calibration end
 * 1997-09-30, daily periods reported in weeks, reproduces the published
 * summary cdnow_customers_summary_with_transactions.csv (x, t_x, T, zbar),
 * whose durations and amounts are printed to 2 decimals. */
static void cdnow_sample_reproduces_published_summary(void **state)
{
    (void)state;
    assert_int_equal(days_from_civil(1970, 1, 1), 0);
    assert_int_equal(days_from_civil(2000, 3, 1), 11017);
    char path[4096];
    data_path(path, sizeof path, "CDNOW_sample.txt");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (set CRVM_DATA_DIR)", path);
    size_t cap = 8000, n = 0;
    int64_t *cust = malloc(cap * sizeof *cust);
    double *t = malloc(cap * sizeof *t), *amt = malloc(cap * sizeof *amt);
    long master, sample, date;
    int cds;
    double spent;
    while (fscanf(f, "%ld %ld %ld %d %lf", &master, &sample, &date, &cds, &spent) == 5) {
        assert_true(n < cap);
        cust[n] = sample - 1;
        t[n] = (double)yyyymmdd_days(date);
        amt[n] = spent;
        n++;
    }
    fclose(f);
    assert_int_equal(n, 6919);

    enum { C = 2357 };
    static double x[C], rec[C], T[C], m[C], fh[C], mh[C];
    static int64_t nt[C];
    crvm_rfm_columns cols = {C, x, rec, T, m, fh, mh, nt};
    crvm_rfm_options opt = CRVM_RFM_OPTIONS_INIT;
    opt.unit = 7;
    opt.has_calibration_end = 1;
    opt.calibration_end = (double)yyyymmdd_days(19970930);
    opt.has_observation_end = 1;
    opt.observation_end = (double)yyyymmdd_days(19980630);
    crvm_rfm_info info;
    assert_status(crvm_rfm_summary(cust, n, t, n, amt, n, &opt, &cols, &info), CRVM_OK);
    assert_int_equal(info.n_customers_present, C);
    assert_int_equal(info.n_calibration + info.n_holdout, n);
    assert_close(info.duration_holdout, 273 / 7.0, 1e-14, 0);

    data_path(path, sizeof path, "cdnow_customers_summary_with_transactions.csv");
    f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    int id, rows = 0;
    double px, ptx, pT, pz;
    while (fscanf(f, "%d,%lf,%lf,%lf,%lf", &id, &px, &ptx, &pT, &pz) == 5) {
        int j = id - 1;
        assert_close(x[j], px, 0, 0);
        assert_close(rec[j], ptx, 0, 0.005 + 1e-9); /* printed to 2 decimals */
        assert_close(T[j], pT, 0, 0.005 + 1e-9);
        assert_close(m[j], pz, 0, 0.005 + 1e-9);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, C);
    free(cust);
    free(t);
    free(amt);
}

/* ----------------------------------------------------- customer index */

static void index_customers_dense_in_first_appearance_order(void **state)
{
    (void)state;
    const int64_t id[] = {900, -5, 900, 42, INT64_MIN, 42, -5, INT64_MAX};
    int64_t idx[8], uniq[8];
    size_t k = 0;
    assert_status(crvm_rfm_index_customers(id, 8, idx, 8, uniq, 8, &k), CRVM_OK);
    assert_int_equal(k, 5);
    const int64_t expect_idx[] = {0, 1, 0, 2, 3, 2, 1, 4};
    const int64_t expect_uniq[] = {900, -5, 42, INT64_MIN, INT64_MAX};
    assert_memory_equal(idx, expect_idx, sizeof idx);
    assert_memory_equal(uniq, expect_uniq, 5 * sizeof *uniq);
    /* unique buffer too small: refused, nothing written */
    int64_t small[4] = {7, 7, 7, 7};
    idx[0] = 99;
    assert_status(crvm_rfm_index_customers(id, 8, idx, 8, small, 4, &k), CRVM_EINVAL);
    assert_int_equal(idx[0], 99);
    assert_int_equal(small[0], 7);
    assert_status(crvm_rfm_index_customers(id, 8, idx, 7, uniq, 8, &k), CRVM_EINVAL);
    assert_status(crvm_rfm_index_customers(id, 8, idx, 8, uniq, 8, NULL), CRVM_EINVAL);
    assert_status(crvm_rfm_index_customers(NULL, 0, NULL, 0, NULL, 0, &k), CRVM_OK);
    assert_int_equal(k, 0);

    /* Many ids (forces the table to grow): brute-force check. */
    enum { N = 20000 };
    int64_t *big = malloc(N * sizeof *big), *bi = malloc(N * sizeof *bi),
            *bu = malloc(N * sizeof *bu);
    test_rng rng = {99};
    for (int i = 0; i < N; i++)
        big[i] = (int64_t)(test_rng_uniform(&rng) * 5000) * 1000003;
    assert_status(crvm_rfm_index_customers(big, N, bi, N, bu, N, &k), CRVM_OK);
    assert_true(k > 4000 && k <= 5000);
    for (int i = 0; i < N; i++) {
        assert_true(bi[i] >= 0 && (size_t)bi[i] < k);
        assert_true(bu[bi[i]] == big[i]);
    }
    for (size_t i = 1; i < k; i++)
        assert_true(bu[i] != bu[i - 1]);
    free(big);
    free(bi);
    free(bu);
}

/* crvm_rfm_summary_arrays: the same summary with one array per column. */
static void arrays_form_by_hand(void **state)
{
    (void)state;
    const crvm_rfm_options opt = holdout_options();
    double f[N_CUST], r[N_CUST], T[N_CUST], m[N_CUST], fh[N_CUST], mh[N_CUST];
    int64_t n[N_CUST];
    crvm_rfm_info info;
    assert_status(crvm_rfm_summary_arrays(log_customer, N_TX, log_time, N_TX, log_amount, N_TX,
                                          &opt, f, N_CUST, r, N_CUST, T, N_CUST, m, N_CUST, fh,
                                          N_CUST, mh, N_CUST, n, N_CUST, &info),
                  CRVM_OK);
    /* The hand-worked values of calibration_holdout_by_hand. */
    const double ef[] = {0, 1, 0, 0}, er[] = {0, 1, 0, 0}, eT[] = {3, 1, 0, 0}, em[] = {0, 32, 0, 0};
    const double efh[] = {2, 0, 1, 0}, emh[] = {(4 + 8 + 128) / 3.0, 0, 64, 0};
    const int64_t en[] = {2, 2, 0, 0};
    for (int c = 0; c < N_CUST; c++) {
        assert_close(f[c], ef[c], 0, 0);
        assert_close(r[c], er[c], 1e-14, 0);
        assert_close(T[c], eT[c], 1e-14, 0);
        assert_close(m[c], em[c], 1e-14, 0);
        assert_close(fh[c], efh[c], 0, 0);
        assert_close(mh[c], emh[c], 1e-14, 0); /* a mean of three: 1e-14 relative */
        assert_int_equal(n[c], en[c]);
    }
    assert_int_equal(info.n_calibration, 4);
    assert_int_equal(info.n_holdout, 4);
    assert_close(info.duration_holdout, 27, 0, 0);

    /* Columns of length 0 are not computed: their pointers are not touched
     * (here deliberately invalid-looking sentinels that must stay put). */
    double sentinel[N_CUST] = {-7, -7, -7, -7};
    assert_status(crvm_rfm_summary_arrays(log_customer, N_TX, log_time, N_TX, NULL, 0, NULL, f,
                                          N_CUST, sentinel, 0, T, N_CUST, sentinel, 0, NULL, 0,
                                          NULL, 0, NULL, 0, NULL),
                  CRVM_OK);
    /* Daily periods, whole log (daily_periods_by_hand): x = 2, 1, 0, 0; T = 24, 22, 0, 0. */
    assert_close(f[0], 2, 0, 0);
    assert_close(f[1], 1, 0, 0);
    assert_close(T[0], 24, 0, 0);
    assert_close(T[1], 22, 0, 0);
    for (int c = 0; c < N_CUST; c++)
        assert_close(sentinel[c], -7, 0, 0);
}

static void arrays_form_refuses_bad_lengths(void **state)
{
    (void)state;
    double f[N_CUST] = {-1, -1, -1, -1}, r[N_CUST], T[N_CUST];
    /* A column neither empty nor one per customer: refused, nothing written. */
    assert_status(crvm_rfm_summary_arrays(log_customer, N_TX, log_time, N_TX, NULL, 0, NULL, f,
                                          N_CUST, r, N_CUST - 1, T, N_CUST, NULL, 0, NULL, 0,
                                          NULL, 0, NULL, 0, NULL),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "recency_len = 3"));
    assert_status(crvm_rfm_summary_arrays(log_customer, N_TX, log_time, N_TX, NULL, 0, NULL, f,
                                          N_CUST, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                          (int64_t *)T, N_CUST + 1, NULL),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "n_transactions_len"));
    assert_status(crvm_rfm_summary_arrays(log_customer, N_TX, log_time, N_TX, NULL, 0, NULL, NULL,
                                          N_CUST, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                          NULL, 0, NULL),
                  CRVM_EINVAL);
    /* Errors of crvm_rfm_summary pass through: a customer index out of range
     * (3 customers, index 3 in the log). */
    assert_status(crvm_rfm_summary_arrays(log_customer, N_TX, log_time, N_TX, NULL, 0, NULL, f, 2,
                                          NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                          NULL),
                  CRVM_EINVAL);
    for (int c = 0; c < N_CUST; c++)
        assert_close(f[c], -1, 0, 0);
}

/* --------------------------------------------------- allocation failure */

static crvm_status summary_scenario(void *ctx)
{
    int shuffled = *(int *)ctx;
    static const int64_t c_sorted[] = {0, 1, 0, 2, 1}, c_unsorted[] = {0, 1, 0, 2, 1};
    static const double t_sorted[] = {1, 2, 3, 4, 5}, t_unsorted[] = {3, 5, 1, 4, 2};
    static const double a[] = {1, 2, 3, 4, 5};
    double f[3], r[3], T[3], m[3];
    crvm_rfm_columns cols = {3, f, r, T, m, NULL, NULL, NULL};
    return crvm_rfm_summary(shuffled ? c_unsorted : c_sorted, 5, shuffled ? t_unsorted : t_sorted,
                            5, a, 5, NULL, &cols, NULL);
}

static crvm_status arrays_scenario(void *ctx)
{
    (void)ctx;
    static const int64_t c[] = {0, 1, 0, 2, 1};
    static const double t[] = {3, 5, 1, 4, 2}, a[] = {1, 2, 3, 4, 5};
    double f[3], T[3], m[3];
    return crvm_rfm_summary_arrays(c, 5, t, 5, a, 5, NULL, f, 3, NULL, 0, T, 3, m, 3, NULL, 0,
                                   NULL, 0, NULL, 0, NULL);
}

static crvm_status index_scenario(void *ctx)
{
    (void)ctx;
    int64_t id[200], idx[200], uniq[200];
    for (int i = 0; i < 200; i++)
        id[i] = (i * 7919) % 150;
    size_t k;
    return crvm_rfm_index_customers(id, 200, idx, 200, uniq, 200, &k);
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    int shuffled = 0;
    assert_true(test_every_allocation_failure(summary_scenario, &shuffled) >= 1);
    shuffled = 1;
    assert_true(test_every_allocation_failure(summary_scenario, &shuffled) >= 3);
    assert_true(test_every_allocation_failure(index_scenario, NULL) >= 4);
    assert_true(test_every_allocation_failure(arrays_scenario, NULL) >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(daily_periods_by_hand),
        cmocka_unit_test(include_first_by_hand),
        cmocka_unit_test(weekly_periods_and_units_by_hand),
        cmocka_unit_test(continuous_time_by_hand),
        cmocka_unit_test(calibration_holdout_by_hand),
        cmocka_unit_test(late_transactions_error_or_excluded),
        cmocka_unit_test(bad_input_is_refused),
        cmocka_unit_test(random_logs_match_naive_definition),
        cmocka_unit_test(cdnow_sample_reproduces_published_summary),
        cmocka_unit_test(index_customers_dense_in_first_appearance_order),
        cmocka_unit_test(arrays_form_by_hand),
        cmocka_unit_test(arrays_form_refuses_bad_lengths),
        cmocka_unit_test(allocation_failures_are_reported),
    };
    return cmocka_run_group_tests_name("rfm", tests, NULL, NULL);
}
