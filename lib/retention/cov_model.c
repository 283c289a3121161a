/* The covariate retention model handle: construction from parameters,
 * accessors, the period weights w_s(c) and the exposure of a subject. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "retention/cov_internal.h"
#include "retention/cov_model.h"

void crvm_retention_cov_options_init(crvm_retention_cov_options *options)
{
    if (options) {
        crvm_retention_cov_options defaults = CRVM_RETENTION_COV_OPTIONS_INIT;
        *options = defaults;
    }
}

crvm_status crvm__rcov_model_alloc(crvm_retention_kind kind, size_t groups, size_t covariates,
                                   int with_covariance, crvm_retention_cov **out)
{
    size_t k = 2 * groups + 1 + covariates;
    size_t doubles = k + (with_covariance ? k * k : 0);
    crvm_retention_cov *m = crvm__malloc(sizeof *m + doubles * sizeof(double));
    if (m == NULL)
        return crvm__nomem("allocating the covariate retention model");
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->groups = groups;
    m->covariates = covariates;
    m->k = k;
    m->params = (double *)(m + 1);
    memset(m->params, 0, doubles * sizeof(double));
    m->cov = with_covariance ? m->params + k : NULL;
    m->report.log_likelihood = NAN;
    m->report.aic = NAN;
    m->report.bic = NAN;
    m->report.gradient_norm = NAN;
    m->report.n_parameters = (int)(2 * groups + (kind == CRVM_RETENTION_BDW) + covariates);
    *out = m;
    return CRVM_OK;
}

crvm_status crvm__rcov_check_params(crvm_retention_kind kind, size_t groups, size_t covariates,
                                    const double *params, const char *who)
{
    for (size_t g = 0; g < groups; g++)
        for (int j = 0; j < 2; j++) {
            double v = params[2 * g + (size_t)j];
            if (!(v > 0 && isfinite(v)))
                return crvm__fail(CRVM_EDOMAIN, "%s: params[%zu] = %g (%s of group %zu): must be "
                                  "positive and finite", who, 2 * g + (size_t)j, v,
                                  j ? "beta" : "alpha", g);
        }
    double c = params[2 * groups];
    if (!(c > 0 && isfinite(c)))
        return crvm__fail(CRVM_EDOMAIN, "%s: params[%zu] = %g (c): must be positive and finite",
                          who, 2 * groups, c);
    if (kind == CRVM_RETENTION_SBG && c != 1.0)
        return crvm__fail(CRVM_EDOMAIN, "%s: params[%zu] = %g (c): the sBG has c = 1", who,
                          2 * groups, c);
    for (size_t j = 0; j < covariates; j++) {
        double b = params[2 * groups + 1 + j];
        if (!isfinite(b))
            return crvm__fail(CRVM_EDOMAIN, "%s: params[%zu] = %g (b of covariate %zu): must be "
                              "finite", who, 2 * groups + 1 + j, b, j);
    }
    return CRVM_OK;
}

/* w_s = s^c - (s-1)^c and its first two derivatives in c. With r = 1 - 1/s:
 * w = s^c (1 - r^c), w_c = ln(s) w - s^c r^c ln r, w_cc = ln(s) w_c -
 * (s-1)^c ln(r) ln(s-1); every term is >= 0, so nothing cancels. */
static void period_weight(double c, int s, double *w, double *w_c, double *w_cc)
{
    if (s == 1) {
        *w = 1.0;
        *w_c = *w_cc = 0.0;
        return;
    }
    double ls = log((double)s), lr = log1p(-1.0 / s);
    double sc = exp(c * ls), prev = exp(c * (ls + lr));
    *w = -sc * expm1(c * lr);
    *w_c = ls * *w - prev * lr;
    *w_cc = ls * *w_c - prev * lr * (ls + lr);
}

void crvm__rcov_period_weights(double c, int max_n, double *w, double *w_c, double *w_cc)
{
    w[0] = w_c[0] = w_cc[0] = 0.0;
    for (int s = 1; s <= max_n; s++)
        period_weight(c, s, &w[s], &w_c[s], &w_cc[s]);
}

void crvm__rcov_exposure(const crvm_retention_cov *model, const crvm__rcov_data *data,
                         size_t subject, size_t n_rows, double *lambda, double *d_c, double *d_b)
{
    size_t G = model->groups, p = model->covariates;
    double c = model->params[2 * G];
    const double *b = model->params + 2 * G + 1;
    const uint32_t *pat = data->row_pattern + data->first_row[subject];
    double L = 0, Lc = 0;
    if (d_b)
        memset(d_b, 0, p * sizeof *d_b);
    for (size_t s = 1; s <= n_rows; s++) {
        const double *z = data->pattern_z + (size_t)pat[s - 1] * p;
        double eta = 0, w, wc, wcc;
        for (size_t j = 0; j < p; j++)
            eta += b[j] * z[j];
        double E = exp(eta);
        period_weight(c, (int)s, &w, &wc, &wcc);
        L += w * E;
        Lc += wc * E;
        if (d_b)
            for (size_t j = 0; j < p; j++)
                d_b[j] += w * E * z[j];
    }
    *lambda = L;
    if (d_c)
        *d_c = Lc;
}

/* ---- construction and accessors ------------------------------------------------ */

crvm_status crvm__rcov_check_kind(crvm_retention_kind kind, const char *who)
{
    if (kind != CRVM_RETENTION_SBG && kind != CRVM_RETENTION_BDW)
        return crvm__fail(CRVM_EINVAL, "%s: kind = %d: must be CRVM_RETENTION_SBG or "
                          "CRVM_RETENTION_BDW", who, (int)kind);
    return CRVM_OK;
}

crvm_status crvm_retention_cov_new(crvm_retention_kind kind, size_t groups, size_t covariates,
                                   const double *params, size_t params_len,
                                   const double *covariance, size_t covariance_len,
                                   crvm_retention_cov **out)
{
    const char *who = "crvm_retention_cov_new";
    crvm_status st = crvm__rcov_check_kind(kind, who);
    if (st != CRVM_OK)
        return st;
    if (out == NULL || params == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL", who, out == NULL ? "out" : "params");
    if (groups < 1)
        return crvm__fail(CRVM_EINVAL, "%s: groups = 0: need at least one", who);
    size_t k = 2 * groups + 1 + covariates;
    if (params_len != k)
        return crvm__fail(CRVM_EINVAL, "%s: params_len = %zu: must be 2 groups + 1 + covariates "
                          "= %zu", who, params_len, k);
    if (covariance == NULL && covariance_len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: covariance is NULL but covariance_len = %zu", who,
                          covariance_len);
    if (covariance != NULL && covariance_len != k * k)
        return crvm__fail(CRVM_EINVAL, "%s: covariance_len = %zu: must be k x k = %zu", who,
                          covariance_len, k * k);
    if ((st = crvm__rcov_check_params(kind, groups, covariates, params, who)) != CRVM_OK)
        return st;
    if (covariance)
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++) {
                double v = covariance[i * k + j];
                if (!isfinite(v) || (i == j && v < 0) || v != covariance[j * k + i])
                    return crvm__fail(CRVM_EDOMAIN, "%s: covariance[%zu][%zu] = %g: the "
                                      "covariance must be finite and symmetric with a "
                                      "non-negative diagonal", who, i, j, v);
            }
    crvm_retention_cov *m;
    if ((st = crvm__rcov_model_alloc(kind, groups, covariates, covariance != NULL, &m)) != CRVM_OK)
        return st;
    memcpy(m->params, params, k * sizeof *params);
    if (covariance)
        memcpy(m->cov, covariance, k * k * sizeof *covariance);
    *out = m;
    return CRVM_OK;
}

void crvm_retention_cov_free(crvm_retention_cov *model) { crvm__free(model); }

const double *crvm__rcov_params(const crvm_retention_cov *model) { return model->params; }

const double *crvm__rcov_covariance(const crvm_retention_cov *model) { return model->cov; }

crvm_status crvm_retention_cov_shape(const crvm_retention_cov *model, crvm_retention_kind *kind,
                                     size_t *groups, size_t *covariates)
{
    if (model == NULL)
        return crvm__fail(CRVM_EINVAL, "crvm_retention_cov_shape: model is NULL");
    if (kind)
        *kind = model->kind;
    if (groups)
        *groups = model->groups;
    if (covariates)
        *covariates = model->covariates;
    return CRVM_OK;
}

static crvm_status check_out(const crvm_retention_cov *model, const double *out, size_t out_len,
                             size_t want, const char *who)
{
    if (model == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL", who, model == NULL ? "model" : "out");
    if (out_len != want)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu: must be %zu", who, out_len, want);
    return CRVM_OK;
}

crvm_status crvm_retention_cov_params(const crvm_retention_cov *model, double *out,
                                      size_t out_len)
{
    crvm_status st = check_out(model, out, out_len, model ? model->k : 0,
                               "crvm_retention_cov_params");
    if (st != CRVM_OK)
        return st;
    memcpy(out, model->params, model->k * sizeof *out);
    return CRVM_OK;
}

static crvm_status need_covariance(const crvm_retention_cov *model, const char *who)
{
    if (model->cov == NULL)
        return crvm__fail(CRVM_ESTATE, "%s: the model was built without a covariance", who);
    return CRVM_OK;
}

crvm_status crvm_retention_cov_standard_errors(const crvm_retention_cov *model, double *out,
                                               size_t out_len)
{
    const char *who = "crvm_retention_cov_standard_errors";
    crvm_status st = check_out(model, out, out_len, model ? model->k : 0, who);
    if (st == CRVM_OK)
        st = need_covariance(model, who);
    if (st != CRVM_OK)
        return st;
    for (size_t i = 0; i < model->k; i++)
        out[i] = sqrt(model->cov[i * model->k + i]);
    return CRVM_OK;
}

crvm_status crvm_retention_cov_covariance(const crvm_retention_cov *model, double *out,
                                          size_t out_len)
{
    const char *who = "crvm_retention_cov_covariance";
    crvm_status st = check_out(model, out, out_len, model ? model->k * model->k : 0, who);
    if (st == CRVM_OK)
        st = need_covariance(model, who);
    if (st != CRVM_OK)
        return st;
    memcpy(out, model->cov, model->k * model->k * sizeof *out);
    return CRVM_OK;
}

crvm_status crvm_retention_cov_report(const crvm_retention_cov *model, crvm_fit_report *out)
{
    if (model == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "crvm_retention_cov_report: %s is NULL",
                          model == NULL ? "model" : "out");
    *out = model->report;
    return CRVM_OK;
}
