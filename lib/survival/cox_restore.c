/* Rebuild a fitted Cox model from saved state (crvm/model_io.h), and the
 * view of a model's state that the serialiser writes. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fit_state.h"
#include "survival/cox_model.h"

crvm_status crvm__cox_state_of(const crvm_cox *cox, crvm__cox_state *out)
{
    crvm_cox_summary_stats stats = cox->stats;
    crvm_status st = crvm__cox_concordance_of(cox, &stats.concordance);
    if (st != CRVM_OK)
        return st;
    out->p = cox->p;
    out->beta = cox->beta;
    out->mean = cox->mean;
    out->cov = cox->cov;
    out->cov_robust = cox->robust ? cox->cov_robust : NULL;
    out->robust = cox->robust;
    out->z_crit = cox->z_crit;
    out->ties = cox->ties;
    out->stats = stats;
    out->n_strata = cox->n_strata;
    out->strata = cox->strata;
    out->base_start = cox->base_start;
    out->base_time = cox->base_time;
    out->base_cumhaz = cox->base_cumhaz;
    return CRVM_OK;
}

static crvm_status check_finite(const double *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return crvm__fail(CRVM_EDOMAIN, "Cox %s[%zu] = %g: must be finite", name, i, v[i]);
    return CRVM_OK;
}

static crvm_status check_stats(const crvm__cox_state *s)
{
    const crvm_cox_summary_stats *t = &s->stats;
    if (!isfinite(t->log_likelihood) || !isfinite(t->log_likelihood_null) ||
        !(t->lr_statistic >= 0.0) || !isfinite(t->lr_statistic) || !(t->lr_p_value >= 0.0) ||
        !(t->lr_p_value <= 1.0))
        return crvm__fail(CRVM_EDOMAIN, "Cox summary: log-likelihoods must be finite, the "
                                        "likelihood-ratio statistic >= 0 and its p-value in "
                                        "[0, 1]");
    if (!(t->concordance >= 0.0 && t->concordance <= 1.0))
        return crvm__fail(CRVM_EDOMAIN, "Cox summary: concordance = %g: must be in [0, 1]",
                          t->concordance);
    if (!(t->n_events > 0.0) || !isfinite(t->n_events) || !(t->n_observations >= t->n_events) ||
        !isfinite(t->n_observations))
        return crvm__fail(CRVM_EDOMAIN, "Cox summary: n_events = %g, n_observations = %g: need "
                                        "0 < n_events <= n_observations, finite",
                          t->n_events, t->n_observations);
    if (t->lr_dof != (int)s->p || t->iterations < 0 || t->n_strata != (int)s->n_strata)
        return crvm__fail(CRVM_EDOMAIN, "Cox summary: lr_dof = %d, iterations = %d, n_strata = %d "
                                        "disagree with %zu covariates and %zu strata",
                          t->lr_dof, t->iterations, t->n_strata, s->p, s->n_strata);
    return CRVM_OK;
}

/* Strata ascending, baseline offsets from 0 and non-decreasing, times
 * strictly increasing and cumulative hazard non-decreasing within each. */
static crvm_status check_baseline(const crvm__cox_state *s)
{
    if (s->base_start[0] != 0)
        return crvm__fail(CRVM_EDOMAIN, "Cox baseline: the first stratum must start at 0");
    for (size_t g = 0; g < s->n_strata; g++) {
        if (g > 0 && !(s->strata[g] > s->strata[g - 1]))
            return crvm__fail(CRVM_EDOMAIN, "Cox strata[%zu] = %d: codes must increase", g,
                              (int)s->strata[g]);
        if (s->base_start[g + 1] < s->base_start[g])
            return crvm__fail(CRVM_EDOMAIN, "Cox baseline of stratum %d: negative size",
                              (int)s->strata[g]);
        for (size_t k = s->base_start[g]; k < s->base_start[g + 1]; k++) {
            double t = s->base_time[k], h = s->base_cumhaz[k];
            int first = k == s->base_start[g];
            if (!isfinite(t) || t < 0.0 || !isfinite(h) || h < 0.0 ||
                (!first && !(t > s->base_time[k - 1] && h >= s->base_cumhaz[k - 1])))
                return crvm__fail(CRVM_EDOMAIN,
                                  "Cox baseline of stratum %d, point %zu (t = %g, H = %g): times "
                                  "must increase and the cumulative hazard be >= 0 and "
                                  "non-decreasing",
                                  (int)s->strata[g], k - s->base_start[g], t, h);
        }
    }
    return CRVM_OK;
}

static crvm_status check_state(const crvm__cox_state *s)
{
    crvm_status st;
    if (s->p == 0 || s->n_strata == 0)
        return crvm__fail(CRVM_EDOMAIN, "Cox model: %zu covariates, %zu strata: need at least 1",
                          s->p, s->n_strata);
    if (s->ties != CRVM_TIES_EFRON && s->ties != CRVM_TIES_BRESLOW)
        return crvm__fail(CRVM_EDOMAIN, "Cox ties = %d: expected Efron or Breslow", (int)s->ties);
    if (!(s->z_crit > 0.0) || !isfinite(s->z_crit))
        return crvm__fail(CRVM_EDOMAIN, "Cox z_critical = %g: must be finite and > 0", s->z_crit);
    if ((s->robust != 0) != (s->cov_robust != NULL))
        return crvm__fail(CRVM_EDOMAIN, "Cox: a robust covariance goes with robust = 1");
    if ((st = check_finite(s->beta, s->p, "coef")) != CRVM_OK ||
        (st = check_finite(s->mean, s->p, "mean")) != CRVM_OK ||
        (st = crvm__check_covariance(s->cov, s->p, "Cox")) != CRVM_OK ||
        (s->cov_robust &&
         (st = crvm__check_covariance(s->cov_robust, s->p, "Cox robust")) != CRVM_OK))
        return st;
    if ((st = check_stats(s)) != CRVM_OK)
        return st;
    return check_baseline(s);
}

static void *copy_of(const void *src, size_t n, size_t size)
{
    void *dst = crvm__calloc(n ? n : 1, size);
    if (dst != NULL && n > 0)
        memcpy(dst, src, n * size);
    return dst;
}

crvm_status crvm__cox_restore(const crvm__cox_state *s, crvm_cox **out)
{
    crvm_status st = check_state(s);
    if (st != CRVM_OK)
        return st;
    const size_t p = s->p, m = s->base_start[s->n_strata];
    crvm_cox *cox = crvm__calloc(1, sizeof *cox);
    if (cox == NULL)
        return crvm__nomem("restoring a Cox model");
    cox->beta = copy_of(s->beta, p, sizeof *cox->beta);
    cox->mean = copy_of(s->mean, p, sizeof *cox->mean);
    cox->cov = p <= SIZE_MAX / p ? copy_of(s->cov, p * p, sizeof *cox->cov) : NULL;
    cox->cov_robust = s->cov_robust ? copy_of(s->cov_robust, p * p, sizeof *cox->cov) : NULL;
    cox->strata = copy_of(s->strata, s->n_strata, sizeof *cox->strata);
    cox->base_start = copy_of(s->base_start, s->n_strata + 1, sizeof *cox->base_start);
    cox->base_time = copy_of(s->base_time, m, sizeof *cox->base_time);
    cox->base_cumhaz = copy_of(s->base_cumhaz, m, sizeof *cox->base_cumhaz);
    if (cox->beta == NULL || cox->mean == NULL || cox->cov == NULL ||
        (s->cov_robust && cox->cov_robust == NULL) || cox->strata == NULL ||
        cox->base_start == NULL || cox->base_time == NULL || cox->base_cumhaz == NULL) {
        crvm_cox_free(cox);
        return crvm__nomem("restoring a Cox model");
    }
    cox->p = p;
    cox->robust = s->robust != 0;
    cox->z_crit = s->z_crit;
    cox->ties = s->ties;
    cox->stats = s->stats;
    cox->concordance = s->stats.concordance;
    atomic_init(&cox->concordance_state, CRVM__COX_C_READY);
    cox->n_strata = s->n_strata;
    *out = cox;
    return CRVM_OK;
}
