/* Gamma-Gamma spend model (crvm/spend.h).
 *
 * Fader, P. S. & Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary
 * Value", http://brucehardie.com/notes/025/ : transaction amounts
 * z ~ Gamma(p, nu), nu ~ Gamma(q, v); the mean zbar of x amounts has density
 *
 *   f(zbar | x) = v^q zbar^(px-1) x^(px) / (B(px, q) (v + x zbar)^(px+q)),
 *
 * which with r = x zbar / v is computed as
 *
 *   ln f = -ln B(px, q) - px log1p(1/r) - q log1p(r) - ln zbar,
 *
 * free of cancellation for any size of r. Its gradient:
 *
 *   d/dp = x [psi(px+q) - psi(px) - log1p(1/r)]
 *   d/dq = psi(px+q) - psi(q) - log1p(r)
 *   d/dv = q/v - (px+q)/(v + x zbar) = (q r - px) / (v (1 + r)).
 *
 * E[M | x, zbar] = p (v + x zbar) / (px + q - 1) (the note's equation 5).
 */
#include "crvm/spend.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/linalg.h"
#include "math/optim.h"
#include "math/special.h"
#include "spend/gamma_gamma_internal.h"
#include "spend/gamma_gamma_model.h"

void crvm_gamma_gamma_options_init(crvm_gamma_gamma_options *options)
{
    if (options) {
        crvm_gamma_gamma_options d = CRVM_GAMMA_GAMMA_OPTIONS_INIT;
        *options = d;
    }
}

static int positive_finite(double x) { return isfinite(x) && x > 0; }

crvm_status crvm__gamma_gamma_check_params(const crvm_gamma_gamma_params *params)
{
    if (!params)
        return crvm__fail(CRVM_EINVAL, "params is NULL");
    if (!positive_finite(params->p))
        return crvm__fail(CRVM_EDOMAIN, "p = %g: must be positive and finite", params->p);
    if (!positive_finite(params->q))
        return crvm__fail(CRVM_EDOMAIN, "q = %g: must be positive and finite", params->q);
    if (!positive_finite(params->v))
        return crvm__fail(CRVM_EDOMAIN, "v = %g: must be positive and finite", params->v);
    return CRVM_OK;
}

/* l1r = log1p(1/r) and lr = log1p(r) for r = x z / v. Where r overflows or
 * underflows, from ln r: the larger of the two is ln r plus the smaller
 * (softplus), so both stay finite for any positive x, z, v. */
static void log_ratios(double x, double z, double v, double *l1r, double *lr)
{
    double r = x * z / v;
    if (r >= DBL_MIN && r <= DBL_MAX) {
        *l1r = log1p(1.0 / r);
        *lr = log1p(r);
        return;
    }
    double lnr = log(x) + log(z) - log(v);
    if (lnr > 0) {
        *l1r = log1p(exp(-lnr));
        *lr = lnr + *l1r;
    } else {
        *lr = log1p(exp(lnr));
        *l1r = *lr - lnr;
    }
}

/* ln f(zbar | x) and, if grad is not NULL, its gradient in (p, q, v); if
 * size is not NULL it receives the sum of the magnitudes of the terms, whose
 * rounding bounds the error of ln f. */
static double log_density(double p, double q, double v, double x, double z, double *grad,
                          double *size)
{
    double px = p * x;
    double r = x * z / v;
    double l1r, lr; /* ln((v + xz) / (xz)), ln((v + xz) / v) */
    log_ratios(x, z, v, &l1r, &lr);
    double lb = crvm__lbeta(px, q), lz = log(z);
    double ll = -lb - px * l1r - q * lr - lz;
    if (size)
        *size = fabs(lb) + px * l1r + q * lr + fabs(lz);
    if (grad) {
        double dpq = crvm__digamma(px + q);
        grad[0] = x * (dpq - crvm__digamma(px) - l1r);
        grad[1] = dpq - crvm__digamma(q) - lr;
        grad[2] = (q * r - px) / (v * (1.0 + r));
    }
    return ll;
}

/* The log-density's error bound: a few roundings of each term (the terms of
 * crvm__lbeta for large arguments are of the size of the result). */
#define LOG_DENSITY_ROUNDINGS 16.0
/* Largest error bound accepted, relative to max(1, |ln f|): an absolute
 * error of 1e-6 in ln f is a relative error of 1e-6 in the density. */
#define LOG_DENSITY_TOLERANCE 1e-6

crvm_status crvm__gamma_gamma_expected_spend_one(const crvm_gamma_gamma_params *params, double x,
                                                 double z, double *out)
{
    /* p (v + x z) / (p x + q - 1) as a sum of positive terms that cannot
     * overflow unless the value does: v / (x + (q-1)/p) + z / (1 + (q-1)/(p x))
     * for x > 0, p v / (q - 1) for x = 0. */
    double p = params->p, q1 = params->q - 1.0, v = params->v, e;
    if (x > 0) {
        e = v / (x + q1 / p) + z / (1.0 + q1 / p / x);
    } else {
        e = p / q1 * v;
        if (!isfinite(e))
            e = p * (v / q1);
    }
    if (!isfinite(e))
        return CRVM_EDOMAIN;
    *out = e;
    return CRVM_OK;
}

static crvm_status check_columns(const double *frequency, size_t frequency_len,
                                 const double *monetary_value, size_t monetary_value_len,
                                 int strict)
{
    if ((!frequency && frequency_len) || (!monetary_value && monetary_value_len))
        return crvm__fail(CRVM_EINVAL, "frequency or monetary_value is NULL");
    if (monetary_value_len != frequency_len)
        return crvm__fail(CRVM_EINVAL, "monetary_value_len = %zu but frequency_len = %zu",
                          monetary_value_len, frequency_len);
    for (size_t i = 0; i < frequency_len; i++) {
        double x = frequency[i], z = monetary_value[i];
        if (!isfinite(x) || x < 0 || (strict && x == 0))
            return crvm__fail(CRVM_EINVAL, "frequency[%zu] = %g: must be finite and %s", i, x,
                              strict ? "> 0" : ">= 0");
        if (strict && z == 0)
            return crvm__fail(CRVM_EINVAL,
                              "monetary_value[%zu] = 0: must be > 0 (a Gamma-Gamma spend is "
                              "positive; leave out customers whose mean spend is 0)",
                              i);
        if (!isfinite(z) || z < 0)
            return crvm__fail(CRVM_EINVAL, "monetary_value[%zu] = %g: must be finite and %s", i,
                              z, strict ? "> 0" : ">= 0");
    }
    return CRVM_OK;
}

/* The output-length check then the column checks, shared by the per-customer functions. */
static crvm_status check_out_and_columns(const double *frequency, size_t frequency_len,
                                         const double *monetary_value, size_t monetary_value_len,
                                         const double *out, size_t out_len, int strict)
{
    if (!out && out_len)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if (out_len != frequency_len)
        return crvm__fail(CRVM_EINVAL, "out_len = %zu but frequency_len = %zu", out_len,
                          frequency_len);
    return check_columns(frequency, frequency_len, monetary_value, monetary_value_len, strict);
}

crvm_status crvm_gamma_gamma_log_likelihood(const crvm_gamma_gamma_params *params,
                                            const double *frequency, size_t frequency_len,
                                            const double *monetary_value,
                                            size_t monetary_value_len, double *out,
                                            size_t out_len)
{
    crvm_status st = crvm__gamma_gamma_check_params(params);
    if (st != CRVM_OK)
        return st;
    st = check_out_and_columns(frequency, frequency_len, monetary_value, monetary_value_len, out,
                               out_len, 1);
    if (st != CRVM_OK)
        return st;
    /* all rows are checked before out is written */
    for (size_t i = 0; i < frequency_len; i++) {
        double size, ll = log_density(params->p, params->q, params->v, frequency[i],
                                      monetary_value[i], NULL, &size);
        if (!isfinite(ll) ||
            LOG_DENSITY_ROUNDINGS * DBL_EPSILON * size > LOG_DENSITY_TOLERANCE * fmax(1.0, fabs(ll)))
            return crvm__fail(CRVM_EDOMAIN,
                              "row %zu: ln f(zbar | x) at p = %g, q = %g, v = %g, x = %g, "
                              "zbar = %g is %s",
                              i, params->p, params->q, params->v, frequency[i], monetary_value[i],
                              isfinite(ll) ? "a difference of terms too large for double "
                                             "precision"
                                           : "beyond the range of a double");
    }
    for (size_t i = 0; i < frequency_len; i++)
        out[i] = log_density(params->p, params->q, params->v, frequency[i], monetary_value[i],
                             NULL, NULL);
    return CRVM_OK;
}

crvm_status crvm_gamma_gamma_expected_spend(const crvm_gamma_gamma_params *params,
                                            const double *frequency, size_t frequency_len,
                                            const double *monetary_value,
                                            size_t monetary_value_len, double *out,
                                            size_t out_len)
{
    crvm_status st = crvm__gamma_gamma_check_params(params);
    if (st != CRVM_OK)
        return st;
    if (!(params->q > 1))
        return crvm__fail(CRVM_EDOMAIN,
                          "q = %g <= 1: the mean spend p v / (q - 1) is infinite", params->q);
    st = check_out_and_columns(frequency, frequency_len, monetary_value, monetary_value_len, out,
                               out_len, 0);
    if (st != CRVM_OK)
        return st;
    for (size_t i = 0; i < frequency_len; i++) {
        double e;
        if (crvm__gamma_gamma_expected_spend_one(params, frequency[i], monetary_value[i], &e) !=
            CRVM_OK)
            return crvm__fail(CRVM_EDOMAIN,
                              "row %zu: E[M] at p = %g, q = %g, v = %g, x = %g, zbar = %g is "
                              "beyond the range of a double",
                              i, params->p, params->q, params->v, frequency[i], monetary_value[i]);
    }
    for (size_t i = 0; i < frequency_len; i++)
        crvm__gamma_gamma_expected_spend_one(params, frequency[i], monetary_value[i], &out[i]);
    return CRVM_OK;
}

/* ------------------------------------------------------------------ fit */

#define NEWTON_ITERATIONS 50

typedef struct fit_data {
    const double *x, *z, *w;
    size_t n;
    double total_weight;
    double penalty;
} fit_data;

/* Objective in theta = (ln p, ln q, ln v):
 * -(1/W) sum w_i ln f_i + penalty * (p^2 + q^2 + v^2), lifetimes' penalised
 * objective, so that penalised fits can be compared. */
static double objective(const double *theta, double *grad, void *ctx)
{
    const fit_data *d = ctx;
    for (int k = 0; k < 3; k++)
        if (!isfinite(theta[k]) || fabs(theta[k]) > 700)
            return INFINITY;
    double p = exp(theta[0]), q = exp(theta[1]), v = exp(theta[2]);
    double ll = 0, g[3] = {0, 0, 0};
    for (size_t i = 0; i < d->n; i++) {
        double w = d->w ? d->w[i] : 1.0;
        if (w == 0)
            continue;
        double gi[3];
        ll += w * log_density(p, q, v, d->x[i], d->z[i], grad ? gi : NULL, NULL);
        if (grad)
            for (int k = 0; k < 3; k++)
                g[k] += w * gi[k];
    }
    double nat[3] = {p, q, v};
    double f = -ll / d->total_weight;
    for (int k = 0; k < 3; k++)
        f += d->penalty * nat[k] * nat[k];
    if (grad)
        for (int k = 0; k < 3; k++)
            grad[k] = -g[k] * nat[k] / d->total_weight + 2.0 * d->penalty * nat[k] * nat[k];
    return isfinite(f) ? f : INFINITY;
}

/* Documented data-driven start (crvm/spend.h, crvm_gamma_gamma_options). */
static void starting_values(const fit_data *d, const crvm_gamma_gamma_params *given,
                            double theta[3])
{
    double sw = 0, m = 0, h = 0;
    for (size_t i = 0; i < d->n; i++) {
        double w = d->w ? d->w[i] : 1.0;
        sw += w;
        m += w * d->z[i];
        h += w / d->x[i];
    }
    m /= sw;
    h /= sw;
    double s2 = 0;
    for (size_t i = 0; i < d->n; i++) {
        double w = d->w ? d->w[i] : 1.0;
        s2 += w * (d->z[i] - m) * (d->z[i] - m);
    }
    s2 /= sw;
    double c2 = s2 / (m * m);
    if (!(c2 > 1e-6))
        c2 = 1e-6;
    double q0 = given->q > 0 ? given->q : fmax(4.0, 2.0 + 2.0 / c2);
    double p0 = given->p;
    if (!(p0 > 0)) {
        double den = c2 * (q0 - 2.0) - 1.0;
        p0 = (q0 > 2.0 && den > 0.1) ? h * (q0 - 1.0) / den : 1.0;
    }
    double v0 = given->v > 0 ? given->v : m * fmax(q0 - 1.0, 0.5) / p0;
    theta[0] = log(p0);
    theta[1] = log(q0);
    theta[2] = log(v0);
}

crvm_status crvm_gamma_gamma_fit_columns(const double *frequency, size_t frequency_len,
                                         const double *monetary_value, size_t monetary_value_len,
                                         const double *weights, size_t weights_len,
                                         const crvm_gamma_gamma_options *options,
                                         crvm_gamma_gamma_fit **out, crvm_fit_report *report)
{
    crvm_gamma_gamma_options o = CRVM_GAMMA_GAMMA_OPTIONS_INIT;
    if (options)
        o = *options;
    if (!out)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if (o.max_iterations < 1)
        return crvm__fail(CRVM_EINVAL, "options->max_iterations = %d: must be >= 1",
                          o.max_iterations);
    if (!positive_finite(o.tolerance))
        return crvm__fail(CRVM_EINVAL, "options->tolerance = %g: must be positive and finite",
                          o.tolerance);
    if (!isfinite(o.penalty) || o.penalty < 0)
        return crvm__fail(CRVM_EINVAL, "options->penalty = %g: must be finite and >= 0",
                          o.penalty);
    const double init[3] = {o.initial.p, o.initial.q, o.initial.v};
    const char *names[3] = {"p", "q", "v"};
    for (int k = 0; k < 3; k++)
        if (isnan(init[k]) || isinf(init[k]))
            return crvm__fail(CRVM_EINVAL, "options->initial.%s = %g: must be finite", names[k],
                              init[k]);
    crvm_status st =
        check_columns(frequency, frequency_len, monetary_value, monetary_value_len, 1);
    if (st != CRVM_OK) {
        if (frequency && monetary_value && monetary_value_len == frequency_len) {
            for (size_t i = 0; i < frequency_len; i++)
                if (frequency[i] == 0)
                    return crvm__fail(CRVM_EINVAL,
                                      "frequency[%zu] = 0: the Gamma-Gamma model is fitted to "
                                      "repeat customers only (frequency > 0); leave out the "
                                      "others",
                                      i);
        }
        return st;
    }
    if (!weights && weights_len)
        return crvm__fail(CRVM_EINVAL, "weights is NULL but weights_len = %zu", weights_len);
    if (weights && weights_len != frequency_len)
        return crvm__fail(CRVM_EINVAL, "weights_len = %zu but frequency_len = %zu", weights_len,
                          frequency_len);
    double total = 0;
    for (size_t i = 0; i < frequency_len; i++) {
        double w = weights ? weights[i] : 1.0;
        if (!isfinite(w) || w < 0)
            return crvm__fail(CRVM_EINVAL, "weights[%zu] = %g: must be finite and >= 0", i, w);
        total += w;
    }
    if (frequency_len == 0)
        return crvm__fail(CRVM_EINVAL, "no customers to fit");
    if (!(total > 0))
        return crvm__fail(CRVM_EINVAL, "all weights are 0");

    fit_data d = {frequency, monetary_value, weights, frequency_len, total, o.penalty};
    double theta[3];
    starting_values(&d, &o.initial, theta);
    crvm__gg_grouped *gg = NULL;
    if ((st = crvm__gg_grouped_new(frequency, monetary_value, weights, frequency_len, o.penalty,
                                   &gg)) != CRVM_OK)
        return st;

    /* Newton with the analytic Hessian on the grouped customers; should it
     * stall, BFGS on the per-customer objective goes on from there */
    crvm__optim_options oo = CRVM__OPTIM_OPTIONS_INIT;
    oo.max_iterations = o.max_iterations;
    oo.gradient_tol = o.tolerance;
    crvm__optim_result res;
    memset(&res, 0, sizeof res);
    double hess[9], cov_log[9];
    /* Newton converges in well under NEWTON_ITERATIONS steps where the
     * likelihood has a maximum; on a flat or degenerate likelihood (a ridge
     * towards q, v -> infinity) it can crawl along the ridge, and then the
     * quasi-Newton route of before runs from the starting values, so that
     * such data get the same answer as before */
    double start[3] = {theta[0], theta[1], theta[2]};
    oo.max_iterations = o.max_iterations < NEWTON_ITERATIONS ? o.max_iterations
                                                             : NEWTON_ITERATIONS;
    st = crvm__minimize_newton(crvm__gg_objective, gg, 3, theta, &oo, hess, &res);
    int newton = st == CRVM_OK; /* hess and res.f belong to theta */
    if (st == CRVM_ECONVERGE) {
        for (int k = 0; k < 3; k++)
            theta[k] = start[k];
        oo.max_iterations = o.max_iterations;
        st = crvm__minimize(objective, &d, 3, theta, &oo, &res);
    }
    if (st == CRVM_ENOMEM || st == CRVM_EDOMAIN) {
        crvm__gg_grouped_free(gg);
        return st == CRVM_ENOMEM ? st : crvm__fail(CRVM_EDOMAIN,
                                                   "Gamma-Gamma: the log-likelihood is not "
                                                   "finite at the starting values");
    }

    crvm_fit_report rep;
    memset(&rep, 0, sizeof rep);
    double ll_sum = 0;
    if (newton) {
        ll_sum = crvm__gg_grouped_loglik(gg, theta, res.f);
    } else {
        double p = exp(theta[0]), q = exp(theta[1]), v = exp(theta[2]);
        for (size_t i = 0; i < d.n; i++) {
            double w = weights ? weights[i] : 1.0;
            if (w > 0)
                ll_sum += w * log_density(p, q, v, frequency[i], monetary_value[i], NULL, NULL);
        }
    }
    crvm__gg_grouped_free(gg);
    rep.log_likelihood = ll_sum;
    rep.n_parameters = 3;
    rep.n_observations = total;
    rep.aic = 2.0 * 3 - 2.0 * ll_sum;
    rep.bic = 3.0 * log(total) - 2.0 * ll_sum;
    rep.gradient_norm = res.gradient_norm;
    rep.iterations = res.iterations;
    rep.converged = res.converged && st == CRVM_OK;

    if (st != CRVM_OK) {
        if (report)
            *report = rep;
        return st; /* the optimiser set the message */
    }
    for (int k = 0; k < 3; k++) {
        if (fabs(theta[k]) > log(1e12)) {
            rep.converged = 0;
            if (report)
                *report = rep;
            return crvm__fail(CRVM_ECONVERGE,
                              "Gamma-Gamma: %s = %g ran off to %s; the data do not identify "
                              "the model (e.g. spend shows no heterogeneity)",
                              names[k], exp(theta[k]), theta[k] > 0 ? "infinity" : "0");
        }
    }

    /* the analytic Hessian of Newton's last step, else central differences */
    if (!newton)
        st = crvm__hessian(objective, &d, 3, theta, hess);
    if (st == CRVM_OK) {
        for (int k = 0; k < 9; k++)
            hess[k] *= total;
        st = crvm__spd_inverse(3, hess, cov_log);
    }
    if (st != CRVM_OK) {
        if (st == CRVM_ENOMEM)
            return st;
        rep.converged = 0;
        if (report)
            *report = rep;
        return crvm__fail(CRVM_ECONVERGE,
                          "Gamma-Gamma: the information matrix at the estimate is singular; "
                          "standard errors do not exist");
    }
    crvm_gamma_gamma_fit *fit = crvm__malloc(sizeof *fit);
    if (!fit)
        return crvm__nomem("Gamma-Gamma fit");
    double nat[3] = {exp(theta[0]), exp(theta[1]), exp(theta[2])};
    fit->params.p = nat[0];
    fit->params.q = nat[1];
    fit->params.v = nat[2];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            fit->covariance[3 * i + j] = nat[i] * nat[j] * cov_log[3 * i + j];
    fit->std_errors.p = sqrt(fit->covariance[0]);
    fit->std_errors.q = sqrt(fit->covariance[4]);
    fit->std_errors.v = sqrt(fit->covariance[8]);
    fit->report = rep;
    if (report)
        *report = rep;
    *out = fit;
    return CRVM_OK;
}

void crvm_gamma_gamma_fit_free(crvm_gamma_gamma_fit *fit) { crvm__free(fit); }

crvm_status crvm_gamma_gamma_fit_params(const crvm_gamma_gamma_fit *fit,
                                        crvm_gamma_gamma_params *out)
{
    if (!fit || !out)
        return crvm__fail(CRVM_EINVAL, "fit or out is NULL");
    *out = fit->params;
    return CRVM_OK;
}

crvm_status crvm_gamma_gamma_fit_standard_errors(const crvm_gamma_gamma_fit *fit,
                                                 crvm_gamma_gamma_params *out)
{
    if (!fit || !out)
        return crvm__fail(CRVM_EINVAL, "fit or out is NULL");
    *out = fit->std_errors;
    return CRVM_OK;
}

crvm_status crvm_gamma_gamma_fit_covariance(const crvm_gamma_gamma_fit *fit, double *out,
                                            size_t out_len)
{
    if (!fit || !out)
        return crvm__fail(CRVM_EINVAL, "fit or out is NULL");
    if (out_len != 9)
        return crvm__fail(CRVM_EINVAL, "out_len = %zu: the covariance of (p, q, v) has 9 entries",
                          out_len);
    memcpy(out, fit->covariance, sizeof fit->covariance);
    return CRVM_OK;
}

crvm_status crvm_gamma_gamma_fit_report(const crvm_gamma_gamma_fit *fit, crvm_fit_report *out)
{
    if (!fit || !out)
        return crvm__fail(CRVM_EINVAL, "fit or out is NULL");
    *out = fit->report;
    return CRVM_OK;
}
