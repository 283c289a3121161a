/* Maximum-likelihood fitting of the sBG and BdW retention models.
 *
 * Likelihood: Fader & Hardie (2007), "How to Project Customer Retention",
 * J. Interactive Marketing 21(1), appendix B (eq. B3): a churned customer
 * contributes ln P(T = t), one still active after t periods ln S(t). The BdW
 * (Fader, Hardie, Liu, Davin & Steenburgh 2018) uses the same likelihood with
 * S(t) = B(alpha, beta + t^c) / B(alpha, beta).
 *
 * Both data forms are reduced to per-period weights of churned and surviving
 * customers, then the negative log-likelihood of (ln alpha, ln beta[, ln c])
 * is minimised by BFGS with its analytic gradient; standard errors come from
 * the inverse Hessian, mapped to the natural scale by the delta method. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/linalg.h"
#include "math/optim.h"
#include "math/special.h"
#include "retention/retention_internal.h"
#include "retention/retention_model.h"

/* ---- data ----------------------------------------------------------------- */

static crvm_status data_alloc(size_t n, crvm__retention_data *d, const char *what)
{
    if (n > SIZE_MAX / 3)
        return crvm__nomem(what);
    double *block = crvm__calloc(n ? 3 * n : 1, sizeof *block);
    if (block == NULL)
        return crvm__nomem(what);
    d->n = n;
    d->t = block;
    d->dead = block + n;
    d->alive = block + 2 * n;
    d->total = 0.0;
    return CRVM_OK;
}

void crvm__retention_data_free(crvm__retention_data *d)
{
    if (d) {
        crvm__free(d->t);
        d->t = d->dead = d->alive = NULL;
        d->n = 0;
    }
}

crvm_status crvm__retention_data_from_cohorts(const double *counts, size_t counts_len,
                                              const int32_t *cohort_lengths,
                                              size_t cohort_lengths_len,
                                              crvm__retention_data *out)
{
    const char *who = "crvm_retention_fit_cohorts";
    if (counts == NULL && counts_len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: counts is NULL", who);
    if (cohort_lengths == NULL && cohort_lengths_len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: cohort_lengths is NULL", who);
    if (counts_len == 0)
        return crvm__fail(CRVM_EINVAL, "%s: counts is empty: need at least one cohort", who);
    int32_t single = counts_len > INT32_MAX ? INT32_MAX : (int32_t)counts_len;
    const int32_t *lengths = cohort_lengths_len > 0 ? cohort_lengths : &single;
    size_t n_cohorts = cohort_lengths_len > 0 ? cohort_lengths_len : 1;

    /* Validate everything before allocating; the longest cohort sets the
     * number of distinct periods. */
    size_t sum = 0, longest = 0;
    for (size_t j = 0; j < n_cohorts; j++) {
        if (lengths[j] < 1)
            return crvm__fail(CRVM_EINVAL, "%s: cohort_lengths[%zu] = %ld: must be >= 1", who, j,
                              (long)lengths[j]);
        size_t len = (size_t)lengths[j];
        if (len > counts_len - sum)
            return crvm__fail(CRVM_EINVAL,
                              "%s: cohort lengths add up to more than counts_len = %zu (at cohort %zu)",
                              who, counts_len, j);
        const double *c = counts + sum;
        for (size_t t = 0; t < len; t++) {
            if (!(isfinite(c[t]) && c[t] >= 0))
                return crvm__fail(CRVM_EINVAL,
                                  "%s: cohort %zu, period %zu: count %g must be finite and >= 0",
                                  who, j, t, c[t]);
            if (t == 0 && c[t] == 0)
                return crvm__fail(CRVM_EINVAL,
                                  "%s: cohort %zu, period 0: count is 0; a cohort needs customers",
                                  who, j);
            if (t > 0 && c[t] > c[t - 1])
                return crvm__fail(CRVM_EINVAL,
                                  "%s: cohort %zu, period %zu: count %g exceeds %g at period %zu; "
                                  "survivor counts cannot increase",
                                  who, j, t, c[t], c[t - 1], t - 1);
        }
        sum += len;
        if (len > longest)
            longest = len;
    }
    if (sum != counts_len)
        return crvm__fail(CRVM_EINVAL, "%s: cohort lengths add up to %zu but counts_len = %zu", who,
                          sum, counts_len);

    crvm__retention_data d;
    crvm_status st = data_alloc(longest, &d, "reducing the cohort counts");
    if (st != CRVM_OK)
        return st;
    for (size_t t = 0; t < longest; t++)
        d.t[t] = (double)t;
    sum = 0;
    for (size_t j = 0; j < n_cohorts; j++) {
        size_t len = (size_t)lengths[j];
        const double *c = counts + sum;
        for (size_t t = 1; t < len; t++)
            d.dead[t] += c[t - 1] - c[t];
        d.alive[len - 1] += c[len - 1];
        d.total += c[0];
        sum += len;
    }
    *out = d;
    return CRVM_OK;
}

static int compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

crvm_status crvm__retention_data_from_records(const int32_t *periods, size_t periods_len,
                                              const int32_t *churned, size_t churned_len,
                                              const double *weights, size_t weights_len,
                                              crvm__retention_data *out)
{
    const char *who = "crvm_retention_fit_records";
    if ((periods == NULL && periods_len > 0) || (churned == NULL && churned_len > 0))
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL", who, periods == NULL ? "periods" : "churned");
    if (weights == NULL && weights_len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: weights is NULL but weights_len = %zu", who, weights_len);
    if (churned_len != periods_len)
        return crvm__fail(CRVM_EINVAL, "%s: churned_len = %zu but periods_len = %zu: must be equal",
                          who, churned_len, periods_len);
    if (weights != NULL && weights_len != periods_len)
        return crvm__fail(CRVM_EINVAL, "%s: weights_len = %zu but periods_len = %zu: must be equal",
                          who, weights_len, periods_len);
    if (periods_len == 0)
        return crvm__fail(CRVM_EINVAL, "%s: no records", who);
    double total = 0.0;
    for (size_t i = 0; i < periods_len; i++) {
        if (churned[i] != 0 && churned[i] != 1)
            return crvm__fail(CRVM_EINVAL, "%s: churned[%zu] = %ld: must be 0 or 1", who, i,
                              (long)churned[i]);
        if (periods[i] < churned[i])
            return crvm__fail(CRVM_EINVAL, "%s: periods[%zu] = %ld: must be >= %d for a %s customer",
                              who, i, (long)periods[i], (int)churned[i],
                              churned[i] ? "churned" : "active");
        double w = weights ? weights[i] : 1.0;
        if (!(isfinite(w) && w >= 0))
            return crvm__fail(CRVM_EINVAL, "%s: weights[%zu] = %g: must be finite and >= 0", who, i, w);
        total += w;
    }
    if (!(total > 0))
        return crvm__fail(CRVM_EINVAL, "%s: all weights are 0", who);

    /* Distinct periods by sorting a copy. */
    int32_t *sorted = crvm__calloc(periods_len, sizeof *sorted);
    if (sorted == NULL)
        return crvm__nomem("sorting the record periods");
    memcpy(sorted, periods, periods_len * sizeof *sorted);
    qsort(sorted, periods_len, sizeof *sorted, compare_int32);
    size_t distinct = 0;
    for (size_t i = 0; i < periods_len; i++)
        if (i == 0 || sorted[i] != sorted[i - 1])
            sorted[distinct++] = sorted[i];

    crvm__retention_data d;
    crvm_status st = data_alloc(distinct, &d, "reducing the records");
    if (st != CRVM_OK) {
        crvm__free(sorted);
        return st;
    }
    for (size_t k = 0; k < distinct; k++)
        d.t[k] = (double)sorted[k];
    for (size_t i = 0; i < periods_len; i++) {
        int32_t *hit = bsearch(&periods[i], sorted, distinct, sizeof *sorted, compare_int32);
        size_t k = (size_t)(hit - sorted);
        double w = weights ? weights[i] : 1.0;
        if (churned[i])
            d.dead[k] += w;
        else
            d.alive[k] += w;
    }
    crvm__free(sorted);
    d.total = total;
    *out = d;
    return CRVM_OK;
}

/* ---- likelihood ----------------------------------------------------------- */

double crvm__retention_loglik(crvm_retention_kind kind, const crvm__retention_data *d,
                              const crvm_retention_params *p, double grad[3])
{
    double ll = 0.0, g[3] = {0, 0, 0}, gi[3];
    for (size_t i = 0; i < d->n; i++) {
        double t = d->t[i];
        if (d->alive[i] > 0 && t > 0) {
            ll += d->alive[i] * crvm__retention_log_survival(p, t, grad ? gi : NULL);
            if (grad)
                for (int k = 0; k < 3; k++)
                    g[k] += d->alive[i] * gi[k];
        }
        if (d->dead[i] > 0) {
            double lp = kind == CRVM_RETENTION_SBG
                            ? crvm__retention_log_churn_sbg(p, t, grad ? gi : NULL)
                            : crvm__retention_log_churn_generic(p, t, grad ? gi : NULL);
            ll += d->dead[i] * lp;
            if (grad)
                for (int k = 0; k < 3; k++)
                    g[k] += d->dead[i] * gi[k];
        }
    }
    if (grad)
        for (int k = 0; k < 3; k++)
            grad[k] = g[k];
    return ll;
}

/* The objective: negative log-likelihood of x = ln(alpha, beta[, c]). */
typedef struct objective_ctx {
    crvm_retention_kind kind;
    const crvm__retention_data *data;
} objective_ctx;

/* Beyond e^+-50 a parameter is treated as infeasible: the line search backs
 * off, and a fit that keeps pushing there is reported as running away. */
#define LOG_PARAM_LIMIT 50.0

static int params_from_x(crvm_retention_kind kind, const double *x, crvm_retention_params *p)
{
    size_t k = kind == CRVM_RETENTION_BDW ? 3 : 2;
    for (size_t i = 0; i < k; i++)
        if (!(fabs(x[i]) <= LOG_PARAM_LIMIT))
            return 0;
    p->alpha = exp(x[0]);
    p->beta = exp(x[1]);
    p->c = k == 3 ? exp(x[2]) : 1.0;
    return 1;
}

static double objective(const double *x, double *grad, void *vctx)
{
    const objective_ctx *ctx = vctx;
    crvm_retention_params p;
    if (!params_from_x(ctx->kind, x, &p))
        return INFINITY;
    double g[3];
    double ll = crvm__retention_loglik(ctx->kind, ctx->data, &p, grad ? g : NULL);
    if (!isfinite(ll))
        return INFINITY;
    if (grad) {
        /* d/d ln(theta) = theta d/d theta */
        grad[0] = -g[0] * p.alpha;
        grad[1] = -g[1] * p.beta;
        if (ctx->kind == CRVM_RETENTION_BDW)
            grad[2] = -g[2] * p.c;
    }
    return -ll;
}

/* ---- fitting -------------------------------------------------------------- */

void crvm_retention_options_init(crvm_retention_options *options)
{
    if (options) {
        crvm_retention_options defaults = CRVM_RETENTION_OPTIONS_INIT;
        *options = defaults;
    }
}

static const char *kind_name(crvm_retention_kind kind)
{
    return kind == CRVM_RETENTION_SBG ? "sBG" : "BdW";
}

static crvm_status check_common(const char *who, crvm_retention_kind kind,
                                const crvm_retention_options *o, crvm_retention_fit **out)
{
    if (kind != CRVM_RETENTION_SBG && kind != CRVM_RETENTION_BDW)
        return crvm__fail(CRVM_EINVAL, "%s: kind = %d: must be CRVM_RETENTION_SBG or CRVM_RETENTION_BDW",
                          who, (int)kind);
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: out is NULL", who);
    if (o->max_iterations < 1)
        return crvm__fail(CRVM_EINVAL, "%s: options.max_iterations = %d: must be >= 1", who,
                          o->max_iterations);
    if (!(o->tolerance > 0 && isfinite(o->tolerance)))
        return crvm__fail(CRVM_EINVAL, "%s: options.tolerance = %g: must be positive and finite", who,
                          o->tolerance);
    const double starts[3] = {o->alpha0, o->beta0, o->c0};
    const char *names[3] = {"alpha0", "beta0", "c0"};
    for (int i = 0; i < 3; i++)
        if (!(starts[i] >= 0 && starts[i] <= 1e20))
            return crvm__fail(CRVM_EINVAL, "%s: options.%s = %g: must be 0 (automatic) or positive",
                              who, names[i], starts[i]);
    return CRVM_OK;
}

/* Data without a finite maximum-likelihood estimate, detected up front. */
static crvm_status check_degenerate(const char *who, crvm_retention_kind kind,
                                    const crvm__retention_data *d)
{
    double dead = 0.0, beyond_first = 0.0;
    double last_informative = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        dead += d->dead[i];
        if (d->t[i] >= 1 && (d->alive[i] > 0 || (d->t[i] >= 2 && d->dead[i] > 0)))
            beyond_first += d->alive[i] + (d->t[i] >= 2 ? d->dead[i] : 0.0);
        if (d->t[i] >= 1 && (d->alive[i] > 0 || d->dead[i] > 0))
            last_informative = d->t[i];
    }
    if (dead > 0 && beyond_first == 0)
        return crvm__fail(CRVM_EDOMAIN,
                          "%s: every customer churned in period 1 (nobody was seen to renew): the "
                          "churn probability is 1 for all, at the boundary of the model (beta -> 0)",
                          who);
    if (dead == 0)
        return crvm__fail(CRVM_EDOMAIN,
                          "%s: no customer churned: the churn probability is estimated as 0, at the "
                          "boundary of the model (beta -> infinity); nothing to fit",
                          who);
    double needed = kind == CRVM_RETENTION_BDW ? 3 : 2;
    if (last_informative < needed)
        return crvm__fail(CRVM_EDOMAIN,
                          "%s: only %.0f renewal period(s) observed: the %s model needs at least "
                          "%.0f to identify its %.0f parameters",
                          who, last_informative, kind_name(kind), needed, needed);
    return CRVM_OK;
}

/* Starting point for the sBG: a grid over ln alpha, ln beta (or the
 * caller's values). */
static void sbg_start(const objective_ctx *ctx, const crvm_retention_options *o, double x[2])
{
    double best = INFINITY;
    x[0] = o->alpha0 > 0 ? log(o->alpha0) : 0.0;
    x[1] = o->beta0 > 0 ? log(o->beta0) : 0.0;
    if (o->alpha0 > 0 && o->beta0 > 0)
        return;
    double fixed[2] = {x[0], x[1]};
    for (int i = -4; i <= 4; i++) {
        for (int j = -4; j <= 6; j++) {
            double y[2] = {o->alpha0 > 0 ? fixed[0] : 0.75 * i, o->beta0 > 0 ? fixed[1] : 0.75 * j};
            objective_ctx sbg = {CRVM_RETENTION_SBG, ctx->data};
            double f = objective(y, NULL, &sbg);
            if (f < best) {
                best = f;
                x[0] = y[0];
                x[1] = y[1];
            }
        }
    }
}

static crvm_status fit_data(const char *who, crvm_retention_kind kind,
                            const crvm__retention_data *data, const crvm_retention_options *o,
                            crvm_retention_fit **out, crvm_fit_report *report_out)
{
    crvm_status st = check_degenerate(who, kind, data);
    if (st != CRVM_OK)
        return st;
    size_t k = kind == CRVM_RETENTION_BDW ? 3 : 2;
    objective_ctx ctx = {kind, data};
    crvm__optim_options oo = CRVM__OPTIM_OPTIONS_INIT;
    oo.max_iterations = o->max_iterations;
    oo.gradient_tol = o->tolerance;
    crvm__optim_result res;

    double x[3];
    sbg_start(&ctx, o, x);
    if (kind == CRVM_RETENTION_BDW) {
        if (o->c0 > 0) {
            x[2] = log(o->c0);
        } else {
            /* Start the BdW from the fitted sBG (its c = 1 special case); if
             * that fit fails its best point is still a fair start. */
            objective_ctx sbg = {CRVM_RETENTION_SBG, data};
            double y[2] = {x[0], x[1]};
            st = crvm__minimize(objective, &sbg, 2, y, &oo, &res);
            if (st == CRVM_ENOMEM)
                return st;
            /* An sBG running off to its boundary (e.g. retention falling
             * over time, which only c > 1 explains) is a poor start. */
            if (fabs(y[0]) < 15 && fabs(y[1]) < 15) {
                x[0] = y[0];
                x[1] = y[1];
            }
            x[2] = 0.0;
        }
    }
    st = crvm__minimize(objective, &ctx, k, x, &oo, &res);
    if (st == CRVM_ENOMEM)
        return st;

    crvm_fit_report report;
    memset(&report, 0, sizeof report);
    report.log_likelihood = -res.f;
    report.n_parameters = (int)k;
    report.n_observations = data->total;
    report.aic = 2.0 * (double)k + 2.0 * res.f;
    report.bic = (double)k * log(data->total) + 2.0 * res.f;
    report.gradient_norm = res.gradient_norm;
    report.iterations = res.iterations;
    report.converged = res.converged;

    /* Any CRVM_ECONVERGE below reports converged = 0, even if the
     * optimiser's gradient test passed on the way to a boundary. */
    crvm_fit_report failed = report;
    failed.converged = 0;
    if (report_out)
        *report_out = failed;
    crvm_retention_params p;
    if (!isfinite(res.f) || !params_from_x(kind, x, &p))
        return crvm__fail(CRVM_ECONVERGE, "%s: %s fit failed: no finite log-likelihood was found", who,
                          kind_name(kind));

    /* A parameter running off to 0 or infinity means the supremum of the
     * likelihood is on the boundary of the model. */
    const double natural[3] = {p.alpha, p.beta, p.c};
    const char *names[3] = {"alpha", "beta", "c"};
    const double lo[3] = {1e-6, 1e-6, 1e-3}, hi[3] = {1e6, 1e6, 1e3};
    for (size_t i = 0; i < k; i++) {
        if (natural[i] < lo[i] || natural[i] > hi[i]) {
            const char *why = "";
            if (i < 2 && p.alpha > hi[0] / 10 && p.beta > hi[1] / 10)
                why = "; the data show no heterogeneity (retention constant or falling over "
                      "time), which the model reaches only as alpha and beta grow without bound";
            return crvm__fail(CRVM_ECONVERGE,
                              "%s: %s fit has no finite maximum: %s runs off to %s (%s = %g after %d "
                              "iterations)%s",
                              who, kind_name(kind), names[i], natural[i] < lo[i] ? "0" : "infinity",
                              names[i], natural[i], res.iterations, why);
        }
    }
    if (st != CRVM_OK)
        return crvm__fail(CRVM_ECONVERGE,
                          "%s: %s fit did not converge in %d iterations (gradient norm %g, "
                          "log-likelihood %.6g)",
                          who, kind_name(kind), res.iterations, res.gradient_norm, report.log_likelihood);

    /* Covariance: inverse Hessian of the negative log-likelihood in x, then
     * cov(theta_i, theta_j) = theta_i theta_j cov(x_i, x_j). */
    double hess[9], cov_x[9];
    st = crvm__hessian(objective, &ctx, k, x, hess);
    if (st == CRVM_ENOMEM)
        return st;
    if (st == CRVM_OK)
        st = crvm__spd_inverse(k, hess, cov_x);
    if (st == CRVM_ENOMEM)
        return st;
    if (st != CRVM_OK)
        return crvm__fail(CRVM_ECONVERGE,
                          "%s: %s fit: the information matrix is not positive definite at the "
                          "estimate, so the parameters are not identified by these data",
                          who, kind_name(kind));
    crvm_retention_fit fit;
    memset(&fit, 0, sizeof fit);
    if (report_out)
        *report_out = report;
    fit.kind = kind;
    fit.params = p;
    fit.report = report;
    double se[3] = {0, 0, 0};
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++)
            fit.cov[i * k + j] = natural[i] * natural[j] * cov_x[i * k + j];
        se[i] = sqrt(fit.cov[i * k + i]);
        if (!isfinite(se[i]))
            return crvm__fail(CRVM_ECONVERGE, "%s: %s fit: the standard error of %s is not finite",
                              who, kind_name(kind), names[i]);
    }
    fit.se = (crvm_retention_params){se[0], se[1], se[2]};

    crvm_retention_fit *handle = crvm__malloc(sizeof *handle);
    if (handle == NULL)
        return crvm__nomem("allocating the fitted retention model");
    *handle = fit;
    *out = handle;
    return CRVM_OK;
}

crvm_status crvm_retention_fit_cohorts(crvm_retention_kind kind, const double *counts,
                                       size_t counts_len, const int32_t *cohort_lengths,
                                       size_t cohort_lengths_len,
                                       const crvm_retention_options *options,
                                       crvm_retention_fit **out, crvm_fit_report *report)
{
    const char *who = "crvm_retention_fit_cohorts";
    crvm_retention_options defaults = CRVM_RETENTION_OPTIONS_INIT;
    const crvm_retention_options *o = options ? options : &defaults;
    crvm_status st = check_common(who, kind, o, out);
    if (st != CRVM_OK)
        return st;
    crvm__retention_data data;
    st = crvm__retention_data_from_cohorts(counts, counts_len, cohort_lengths, cohort_lengths_len,
                                           &data);
    if (st != CRVM_OK)
        return st;
    st = fit_data(who, kind, &data, o, out, report);
    crvm__retention_data_free(&data);
    return st;
}

crvm_status crvm_retention_fit_records(crvm_retention_kind kind, const int32_t *periods,
                                       size_t periods_len, const int32_t *churned,
                                       size_t churned_len, const double *weights,
                                       size_t weights_len, const crvm_retention_options *options,
                                       crvm_retention_fit **out, crvm_fit_report *report)
{
    const char *who = "crvm_retention_fit_records";
    crvm_retention_options defaults = CRVM_RETENTION_OPTIONS_INIT;
    const crvm_retention_options *o = options ? options : &defaults;
    crvm_status st = check_common(who, kind, o, out);
    if (st != CRVM_OK)
        return st;
    crvm__retention_data data;
    st = crvm__retention_data_from_records(periods, periods_len, churned, churned_len, weights,
                                           weights_len, &data);
    if (st != CRVM_OK)
        return st;
    st = fit_data(who, kind, &data, o, out, report);
    crvm__retention_data_free(&data);
    return st;
}

/* ---- accessors ------------------------------------------------------------ */

void crvm_retention_fit_free(crvm_retention_fit *fit) { crvm__free(fit); }

#define CHECK_ACCESSOR(who)                                                   \
    do {                                                                      \
        if (fit == NULL)                                                      \
            return crvm__fail(CRVM_EINVAL, "%s: fit is NULL", who);           \
        if (out == NULL)                                                      \
            return crvm__fail(CRVM_EINVAL, "%s: out is NULL", who);           \
    } while (0)

crvm_status crvm_retention_fit_kind(const crvm_retention_fit *fit, crvm_retention_kind *kind)
{
    crvm_retention_kind *out = kind;
    CHECK_ACCESSOR("crvm_retention_fit_kind");
    *out = fit->kind;
    return CRVM_OK;
}

crvm_status crvm_retention_fit_params(const crvm_retention_fit *fit, crvm_retention_params *out)
{
    CHECK_ACCESSOR("crvm_retention_fit_params");
    *out = fit->params;
    return CRVM_OK;
}

crvm_status crvm_retention_fit_standard_errors(const crvm_retention_fit *fit,
                                               crvm_retention_params *out)
{
    CHECK_ACCESSOR("crvm_retention_fit_standard_errors");
    *out = fit->se;
    return CRVM_OK;
}

crvm_status crvm_retention_fit_covariance(const crvm_retention_fit *fit, double *out,
                                          size_t out_len)
{
    CHECK_ACCESSOR("crvm_retention_fit_covariance");
    size_t k = (size_t)fit->report.n_parameters;
    if (out_len != k * k)
        return crvm__fail(CRVM_EINVAL,
                          "crvm_retention_fit_covariance: out_len = %zu: must be %zu (%zu x %zu)",
                          out_len, k * k, k, k);
    memcpy(out, fit->cov, k * k * sizeof *out);
    return CRVM_OK;
}

crvm_status crvm_retention_fit_report(const crvm_retention_fit *fit, crvm_fit_report *out)
{
    CHECK_ACCESSOR("crvm_retention_fit_report");
    *out = fit->report;
    return CRVM_OK;
}
