/* Schoenfeld residuals of a fitted Cox model and the test of proportional
 * hazards built on them.
 *
 * Schoenfeld (1982), "Partial residuals for the proportional hazards
 * regression model", Biometrika 69: at an event time t the residual of the
 * failing subject is x_i - xbar(t), xbar the risk-weighted covariate mean of
 * the risk set (with Efron ties averaged over the d tied events as in the
 * partial likelihood, Therneau & Grambsch 2000, sec. 6.2). Grambsch &
 * Therneau (1994), Biometrika 81: scaled residuals s* = d V r estimate the
 * time-varying part of beta, and regressing them on a function g of time
 * gives, one covariate at a time, the score statistic
 * T_j = (sum g~ s*_j)^2 / (d V_jj sum g~^2) ~ chi-square(1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/survival.h"
#include "survival/cox_model.h"
#include "survival/internal.h"

static int fitted_stratum(const crvm_cox *cox, int32_t code)
{
    for (size_t g = 0; g < cox->n_strata; g++)
        if (cox->strata[g] == code)
            return 1;
    return 0;
}

static crvm_status check_data(const crvm_cox *cox, const double *x, size_t x_len, size_t n_rows,
                              size_t n_cols, const double *durations, size_t durations_len,
                              const int32_t *events, size_t events_len, const double *weights,
                              size_t weights_len, const int32_t *strata, size_t strata_len)
{
    if (cox == NULL || x == NULL)
        return crvm__fail(CRVM_EINVAL, "cox and x must not be NULL");
    if (n_cols != cox->p)
        return crvm__fail(CRVM_EINVAL, "x has %zu columns, the model %zu covariates", n_cols,
                          cox->p);
    if (n_rows != 0 && n_cols > ((size_t)-1) / n_rows)
        return crvm__fail(CRVM_EINVAL, "x: n_rows * n_cols overflows");
    if (x_len != n_rows * n_cols)
        return crvm__fail(CRVM_EINVAL, "x has %zu values, expected n_rows * n_cols = %zu * %zu",
                          x_len, n_rows, n_cols);
    for (size_t i = 0; i < x_len; i++)
        if (!isfinite(x[i]))
            return crvm__fail(CRVM_EINVAL, "x[row %zu, covariate %zu] = %g: must be finite",
                              i / n_cols, i % n_cols, x[i]);
    crvm_status st = crvm__surv_check(durations, durations_len, events, events_len, weights,
                                      weights_len);
    if (st != CRVM_OK)
        return st;
    if (durations_len != n_rows)
        return crvm__fail(CRVM_EINVAL, "durations has %zu values, x %zu rows", durations_len,
                          n_rows);
    if ((strata == NULL) != (strata_len == 0))
        return crvm__fail(CRVM_EINVAL, "strata must be NULL with length 0, or non-NULL");
    if (strata == NULL && cox->n_strata > 1)
        return crvm__fail(CRVM_EINVAL, "the model has %zu strata: give each row's stratum",
                          cox->n_strata);
    if (strata != NULL && strata_len != n_rows)
        return crvm__fail(CRVM_EINVAL, "strata has %zu values, x %zu rows", strata_len, n_rows);
    for (size_t i = 0; strata && i < n_rows; i++)
        if (!fitted_stratum(cox, strata[i]))
            return crvm__fail(CRVM_ENOTFOUND, "strata[%zu] = %d: the model has no such stratum", i,
                              (int)strata[i]);
    return CRVM_OK;
}

/* Raw residuals into r (n x p, 0 at censored rows), from rows sorted by
 * (stratum, time, row) in keys. work: 3 p doubles; phi: n doubles. */
static void raw_residuals(const crvm_cox *cox, size_t n, const double *x, const int32_t *events,
                          const double *weights, const crvm__surv_key *keys, double *phi,
                          double *work, double *r)
{
    const size_t p = cox->p;
    double shift = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double eta = 0.0;
        for (size_t j = 0; j < p; j++)
            eta += cox->beta[j] * (x[i * p + j] - cox->mean[j]);
        phi[i] = eta;
        if (eta > shift)
            shift = eta;
    }
    for (size_t i = 0; i < n; i++)
        phi[i] = (weights ? weights[i] : 1.0) * exp(phi[i] - shift);
    double *zr = work, *zd = work + p, *xbar = work + 2 * p;
    memset(r, 0, n * p * sizeof *r);
    size_t end = n;
    while (end > 0) { /* one stratum, scanned by descending time */
        const int32_t stratum = keys[end - 1].stratum;
        double sr = 0.0;
        memset(zr, 0, p * sizeof *zr);
        while (end > 0 && keys[end - 1].stratum == stratum) {
            size_t begin = end - 1;
            while (begin > 0 && keys[begin - 1].stratum == stratum &&
                   keys[begin - 1].time == keys[end - 1].time)
                begin--;
            double sd = 0.0, d = 0.0;
            memset(zd, 0, p * sizeof *zd);
            for (size_t k = begin; k < end; k++) {
                size_t i = keys[k].row;
                sr += phi[i];
                for (size_t j = 0; j < p; j++)
                    zr[j] += phi[i] * x[i * p + j];
                if (events[i]) {
                    sd += phi[i];
                    d += 1.0;
                    for (size_t j = 0; j < p; j++)
                        zd[j] += phi[i] * x[i * p + j];
                }
            }
            if (d > 0.0) {
                memset(xbar, 0, p * sizeof *xbar);
                const int efron = cox->ties == CRVM_TIES_EFRON;
                const double terms = efron ? d : 1.0;
                for (double l = 0.0; l < terms; l += 1.0) {
                    double f = efron ? l / d : 0.0, s = sr - f * sd;
                    for (size_t j = 0; j < p; j++)
                        xbar[j] += (zr[j] - f * zd[j]) / (s * terms);
                }
                for (size_t k = begin; k < end; k++) {
                    size_t i = keys[k].row;
                    if (events[i])
                        for (size_t j = 0; j < p; j++)
                            r[i * p + j] = x[i * p + j] - xbar[j];
                }
            }
            end = begin;
        }
    }
}

/* r <- d r V on the event rows (d: number of event rows). */
static void scale_residuals(const crvm_cox *cox, size_t n, const int32_t *events, double d,
                            double *work, double *r)
{
    const size_t p = cox->p;
    const double *v = cox->robust ? cox->cov_robust : cox->cov;
    for (size_t i = 0; i < n; i++) {
        if (!events[i])
            continue;
        for (size_t j = 0; j < p; j++) {
            double s = 0.0;
            for (size_t k = 0; k < p; k++)
                s += r[i * p + k] * v[k * p + j];
            work[j] = d * s;
        }
        memcpy(r + i * p, work, p * sizeof *work);
    }
}

/* Sorted keys, residuals (scaled or not) and the number of event rows. */
static crvm_status residuals(const crvm_cox *cox, size_t n, const double *x,
                             const double *durations, const int32_t *events,
                             const double *weights, const int32_t *strata, int scaled,
                             crvm__surv_key *keys, double *r, double *n_events)
{
    const size_t p = cox->p;
    double *phi = crvm__calloc(n + 3 * p, sizeof *phi);
    if (phi == NULL)
        return crvm__nomem("computing Schoenfeld residuals");
    crvm_status st = crvm__surv_sort(n, durations, strata, keys);
    if (st == CRVM_OK) {
        double d = 0.0;
        for (size_t i = 0; i < n; i++)
            d += events[i] ? 1.0 : 0.0;
        raw_residuals(cox, n, x, events, weights, keys, phi, phi + n, r);
        if (scaled)
            scale_residuals(cox, n, events, d, phi + n, r);
        *n_events = d;
    }
    crvm__free(phi);
    return st;
}

crvm_status crvm_cox_schoenfeld_residuals(const crvm_cox *cox, const double *x, size_t x_len,
                                          size_t n_rows, size_t n_cols, const double *durations,
                                          size_t durations_len, const int32_t *events,
                                          size_t events_len, const double *weights,
                                          size_t weights_len, const int32_t *strata,
                                          size_t strata_len, int scaled, double *out,
                                          size_t out_len)
{
    crvm_status st = check_data(cox, x, x_len, n_rows, n_cols, durations, durations_len, events,
                                events_len, weights, weights_len, strata, strata_len);
    if (st != CRVM_OK)
        return st;
    if (out == NULL || out_len != x_len)
        return crvm__fail(CRVM_EINVAL, "out must hold n_rows * n_cols = %zu values", x_len);
    crvm__surv_key *keys = crvm__calloc(n_rows, sizeof *keys);
    double *r = crvm__calloc(x_len, sizeof *r);
    double d = 0.0;
    if (keys == NULL || r == NULL)
        st = crvm__nomem("computing Schoenfeld residuals");
    else
        st = residuals(cox, n_rows, x, durations, events, weights, strata, scaled != 0, keys, r,
                       &d);
    if (st == CRVM_OK)
        memcpy(out, r, x_len * sizeof *out);
    crvm__free(keys);
    crvm__free(r);
    return st;
}

/* g(t) of each event row (others untouched), in g[row]. */
static crvm_status time_scale(crvm_ph_time time, size_t n, const double *durations,
                              const int32_t *events, const double *weights,
                              const crvm__surv_key *keys, double *g)
{
    if (time == CRVM_PH_TIME_RANK) {
        double rank = 0.0;
        for (size_t k = 0; k < n; k++)
            if (events[keys[k].row])
                g[keys[k].row] = (rank += 1.0);
        return CRVM_OK;
    }
    if (time == CRVM_PH_TIME_KM) {
        crvm_km *km = NULL;
        crvm_status st = crvm_km_fit(durations, n, events, n, weights, weights ? n : 0, NULL, 0,
                                     NULL, &km);
        if (st == CRVM_OK)
            st = crvm_km_survival_at(km, durations, n, g, n);
        crvm_km_free(km);
        if (st != CRVM_OK)
            return st;
        for (size_t i = 0; i < n; i++)
            g[i] = 1.0 - g[i];
        return CRVM_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (!events[i])
            continue;
        if (time == CRVM_PH_TIME_LOG && !(durations[i] > 0.0))
            return crvm__fail(CRVM_EDOMAIN, "durations[%zu] = %g: the log time scale needs "
                                            "event times > 0", i, durations[i]);
        g[i] = time == CRVM_PH_TIME_LOG ? log(durations[i]) : durations[i];
    }
    return CRVM_OK;
}

/* The statistics from scaled residuals r and time scale g (event rows). */
static crvm_status statistics(const crvm_cox *cox, size_t n, const int32_t *events, double d,
                              const double *g, const double *r, double *stat, double *pval)
{
    const size_t p = cox->p;
    const double *v = cox->robust ? cox->cov_robust : cox->cov;
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        if (events[i])
            mean += g[i] / d;
    for (size_t i = 0; i < n; i++)
        if (events[i])
            ss += (g[i] - mean) * (g[i] - mean);
    if (!(ss > 0.0))
        return crvm__fail(CRVM_EDOMAIN, "every event is at the same point of the time scale: "
                                        "the test needs events at different times");
    for (size_t j = 0; j < p; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            if (events[i])
                s += (g[i] - mean) * r[i * p + j];
        stat[j] = s * s / (d * v[j * p + j] * ss);
        pval[j] = crvm_chisq_sf(stat[j], 1.0);
    }
    return CRVM_OK;
}

crvm_status crvm_cox_ph_test(const crvm_cox *cox, const double *x, size_t x_len, size_t n_rows,
                             size_t n_cols, const double *durations, size_t durations_len,
                             const int32_t *events, size_t events_len, const double *weights,
                             size_t weights_len, const int32_t *strata, size_t strata_len,
                             crvm_ph_time time, double *statistic, size_t statistic_len,
                             double *p_value, size_t p_value_len)
{
    crvm_status st = check_data(cox, x, x_len, n_rows, n_cols, durations, durations_len, events,
                                events_len, weights, weights_len, strata, strata_len);
    if (st != CRVM_OK)
        return st;
    if ((int)time < CRVM_PH_TIME_RANK || (int)time > CRVM_PH_TIME_LOG)
        return crvm__fail(CRVM_EINVAL, "time = %d: not a crvm_ph_time", (int)time);
    if (statistic == NULL || p_value == NULL || statistic_len != cox->p ||
        p_value_len != cox->p)
        return crvm__fail(CRVM_EINVAL, "statistic and p_value must hold %zu values each", cox->p);
    crvm__surv_key *keys = crvm__calloc(n_rows, sizeof *keys);
    double *r = crvm__calloc(x_len + n_rows + 2 * cox->p, sizeof *r);
    double d = 0.0;
    if (keys == NULL || r == NULL)
        st = crvm__nomem("testing proportional hazards");
    else
        st = residuals(cox, n_rows, x, durations, events, weights, strata, 1, keys, r, &d);
    if (st == CRVM_OK && d < 2.0)
        st = crvm__fail(CRVM_EDOMAIN, "%g events: the test needs at least 2", d);
    double *g = r ? r + x_len : NULL; /* n_rows, then the statistics and p-values */
    double *tstat = g ? g + n_rows : NULL, *tp = tstat ? tstat + cox->p : NULL;
    if (st == CRVM_OK)
        st = time_scale(time, n_rows, durations, events, weights, keys, g);
    if (st == CRVM_OK)
        st = statistics(cox, n_rows, events, d, g, r, tstat, tp);
    if (st == CRVM_OK) {
        memcpy(statistic, tstat, cox->p * sizeof *statistic);
        memcpy(p_value, tp, cox->p * sizeof *p_value);
    }
    crvm__free(keys);
    crvm__free(r);
    return st;
}
