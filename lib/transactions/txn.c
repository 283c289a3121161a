/* Public API of the repeat-business models: argument checking, merging of
 * identical rows, maximum-likelihood fitting and vectorised predictions. The
 * model mathematics lives in bgnbd.c, pareto.c and bgbb.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/linalg.h"
#include "math/optim.h"
#include "transactions/increments.h"
#include "transactions/txn_private.h"
#include "transactions/txn_model.h"

static const char *const param_names[CRVM_TXN_MODEL_COUNT][CRVM_TXN_N_PARAMS] = {
    {"r", "alpha", "a", "b"},
    {"r", "alpha", "a", "b"},
    {"r", "alpha", "s", "beta"},
    {"alpha", "beta", "gamma", "delta"},
};

static const char *const model_names[CRVM_TXN_MODEL_COUNT] = {"BG/NBD", "MBG/NBD", "Pareto/NBD",
                                                              "BG/BB"};

static int model_known(crvm_txn_model m)
{
    return (int)m >= 0 && (int)m < CRVM_TXN_MODEL_COUNT;
}

crvm_txn_params crvm_txn_params_make(crvm_txn_model model, double p0, double p1, double p2,
                                     double p3)
{
    crvm_txn_params p;
    p.model = model;
    p.p[0] = p0;
    p.p[1] = p1;
    p.p[2] = p2;
    p.p[3] = p3;
    return p;
}

const char *crvm_txn_param_name(crvm_txn_model model, int index)
{
    if (!model_known(model) || index < 0 || index >= CRVM_TXN_N_PARAMS)
        return NULL;
    return param_names[model][index];
}

const char *crvm_txn_model_name(crvm_txn_model model)
{
    return model_known(model) ? model_names[model] : NULL;
}

void crvm_txn_options_init(crvm_txn_options *options)
{
    if (options) {
        crvm_txn_options d = CRVM_TXN_OPTIONS_INIT;
        *options = d;
    }
}

crvm_status crvm_txn_params_check(const crvm_txn_params *params)
{
    if (params == NULL)
        return crvm__fail(CRVM_EINVAL, "params is NULL");
    if (!model_known(params->model))
        return crvm__fail(CRVM_EINVAL, "params: unknown model %d", (int)params->model);
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        double v = params->p[k];
        if (!(v > 0.0) || !isfinite(v))
            return crvm__fail(CRVM_EDOMAIN, "%s parameter %s = %g: must be finite and > 0",
                              model_names[params->model], param_names[params->model][k], v);
    }
    return CRVM_OK;
}

/* ---- data checks -------------------------------------------------------- */

static int is_int(double v)
{
    return v == floor(v);
}

static crvm_status check_value(const char *name, size_t i, double v, int integer)
{
    if (isnan(v))
        return crvm__fail(CRVM_EINVAL, "%s[%zu] is NaN", name, i);
    if (!isfinite(v))
        return crvm__fail(CRVM_EINVAL, "%s[%zu] = %g: must be finite", name, i, v);
    if (v < 0.0)
        return crvm__fail(CRVM_EINVAL, "%s[%zu] = %g: must be >= 0", name, i, v);
    if (integer && !is_int(v))
        return crvm__fail(CRVM_EINVAL, "%s[%zu] = %g: must be an integer", name, i, v);
    return CRVM_OK;
}

/* Check one row (x, t_x, T) of the summary columns. */
static crvm_status check_row(crvm_txn_model model, size_t i, double x, double tx, double T)
{
    int discrete = model == CRVM_TXN_BGBB;
    crvm_status st;
    if ((st = check_value("frequency", i, x, 1)) != CRVM_OK)
        return st;
    if ((st = check_value("recency", i, tx, discrete)) != CRVM_OK)
        return st;
    if ((st = check_value("T", i, T, discrete)) != CRVM_OK)
        return st;
    if (x == 0.0 && tx != 0.0)
        return crvm__fail(CRVM_EINVAL,
                          "recency[%zu] = %g with frequency[%zu] = 0: recency must be 0 when "
                          "there are no repeat transactions",
                          i, tx, i);
    if (tx > T)
        return crvm__fail(CRVM_EINVAL, "recency[%zu] = %g exceeds T[%zu] = %g", i, tx, i, T);
    if (discrete) {
        if (T > CRVM_TXN_BGBB_MAX_OPPORTUNITIES)
            return crvm__fail(CRVM_EINVAL,
                              "T[%zu] = %g: BG/BB rows have at most %d opportunities (the "
                              "likelihood sums one term per opportunity)",
                              i, T, CRVM_TXN_BGBB_MAX_OPPORTUNITIES);
        if (x > T)
            return crvm__fail(CRVM_EINVAL,
                              "frequency[%zu] = %g exceeds the number of opportunities T[%zu] = %g",
                              i, x, i, T);
        if (x > 0.0 && tx < x)
            return crvm__fail(CRVM_EINVAL,
                              "recency[%zu] = %g is less than frequency[%zu] = %g: the last "
                              "transaction cannot come before the x-th opportunity",
                              i, tx, i, x);
    }
    return CRVM_OK;
}

static void T_range_of(const double *T, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        *lo = T[i] < *lo ? T[i] : *lo;
        *hi = T[i] > *hi ? T[i] : *hi;
    }
}

/* 1 when every row passes check_row (and every weight is finite and >= 0):
 * the same conditions as comparisons that NaN fails, accumulated without
 * branches or messages. On success T_range (if not NULL) receives the least
 * and the largest T, taken in the same pass. */
static int columns_ok(crvm_txn_model model, const double *x, const double *tx, const double *T,
                      const double *w, size_t n, double *T_range)
{
    int ok = 1;
    double lo = INFINITY, hi = -INFINITY;
    if (model == CRVM_TXN_BGBB) {
        for (size_t i = 0; i < n; i++) {
            double xi = x[i], ti = tx[i], Ti = T[i];
            ok &= (xi >= 0.0) & crvm__txn_whole(xi) & (ti >= 0.0) & crvm__txn_whole(ti) &
                  (Ti <= CRVM_TXN_BGBB_MAX_OPPORTUNITIES) & crvm__txn_whole(Ti) & (ti <= Ti) &
                  (xi <= Ti) & ((xi == 0.0) ? (ti == 0.0) : (ti >= xi));
        }
    } else {
        ok = crvm__txn_columns_ok(x, tx, T, n, &lo, &hi); /* columns_ok.c */
    }
    if (T_range) {
        if (model == CRVM_TXN_BGBB)
            T_range_of(T, n, &lo, &hi);
        T_range[0] = lo;
        T_range[1] = hi;
    }
    if (w)
        for (size_t i = 0; i < n; i++)
            ok &= (w[i] >= 0.0) & (w[i] <= DBL_MAX);
    return ok;
}

/* The columns' pointers and lengths (and the weights', if any) */
static crvm_status check_shape(const double *x, size_t x_len, const double *tx, size_t tx_len,
                               const double *T, size_t T_len, const double *w, size_t w_len)
{
    if ((x == NULL && x_len) || (tx == NULL && tx_len) || (T == NULL && T_len))
        return crvm__fail(CRVM_EINVAL, "frequency, recency and T must not be NULL");
    if (tx_len != x_len)
        return crvm__fail(CRVM_EINVAL, "recency has %zu rows but frequency has %zu", tx_len, x_len);
    if (T_len != x_len)
        return crvm__fail(CRVM_EINVAL, "T has %zu rows but frequency has %zu", T_len, x_len);
    if (w == NULL && w_len)
        return crvm__fail(CRVM_EINVAL, "weights is NULL but weights_len = %zu", w_len);
    if (w != NULL && w_len != x_len)
        return crvm__fail(CRVM_EINVAL, "weights has %zu rows but frequency has %zu", w_len, x_len);
    return CRVM_OK;
}

/* The columns' checks (check_row), the first failure named; on success
 * T_range (if not NULL) receives the least and the largest T. */
static crvm_status check_columns(crvm_txn_model model, const double *x, size_t x_len,
                                 const double *tx, size_t tx_len, const double *T, size_t T_len,
                                 const double *w, size_t w_len, double *T_range)
{
    crvm_status st = check_shape(x, x_len, tx, tx_len, T, T_len, w, w_len);
    if (st != CRVM_OK)
        return st;
    /* One cheap branch-free pass first: a row is accepted when 0 <= t_x <=
     * T < inf, x is a finite whole number >= 0, t_x = 0 when x = 0 (and the
     * BG/BB bounds hold); only when some row fails does the per-row check
     * below run, to find the first bad row and build its message. NaN fails
     * every comparison, so it lands in the slow path too. */
    if (columns_ok(model, x, tx, T, w, x_len, T_range))
        return CRVM_OK;
    for (size_t i = 0; i < x_len; i++) {
        st = check_row(model, i, x[i], tx[i], T[i]);
        if (st != CRVM_OK)
            return st;
        if (w) {
            if (isnan(w[i]))
                return crvm__fail(CRVM_EINVAL, "weights[%zu] is NaN", i);
            if (!isfinite(w[i]) || w[i] < 0.0)
                return crvm__fail(CRVM_EINVAL, "weights[%zu] = %g: must be finite and >= 0", i,
                                  w[i]);
        }
    }
    if (T_range)
        T_range_of(T, x_len, &T_range[0], &T_range[1]);
    return CRVM_OK;
}

crvm_status crvm_txn_check_data(crvm_txn_model model, const double *frequency,
                                size_t frequency_len, const double *recency, size_t recency_len,
                                const double *T, size_t T_len, const double *weights,
                                size_t weights_len)
{
    if (!model_known(model))
        return crvm__fail(CRVM_EINVAL, "unknown transaction model %d", (int)model);
    return check_columns(model, frequency, frequency_len, recency, recency_len, T, T_len, weights,
                         weights_len, NULL);
}

/* ---- likelihood dispatch ------------------------------------------------ */

typedef double (*ll_fn)(const double *p, const crvm__txn_row *row, double *grad);

static ll_fn model_ll(crvm_txn_model m)
{
    switch (m) {
    case CRVM_TXN_BGNBD:
        return crvm__bgnbd_ll;
    case CRVM_TXN_MBGNBD:
        return crvm__mbgnbd_ll;
    case CRVM_TXN_PARETO_NBD:
        return crvm__pareto_ll;
    case CRVM_TXN_BGBB:
        return crvm__bgbb_ll;
    }
    return NULL;
}

#define NEWTON_ITERATIONS 50
#define NEWTON_POLISH_TOL 1e-11
/* Pareto/NBD's s / beta ridge is ill-conditioned: a gradient of 1e-13 can
 * leave s and beta 1e-11 from the optimum, 2e-12 leaves them 3e-10 from it
 * (1e4 and 1e5 rows of bench/run's data), so its polishing step is taken
 * down to 1e-14; it is kept only when it lowers the gradient, so on
 * rounding noise it costs one evaluation and changes nothing. */
#define PARETO_POLISH_TOL 1e-14

typedef struct objective_ctx {
    const crvm__txn_row *rows; /* merged rows, times divided by the time scale */
    size_t n_rows;
    double total_weight;
    double l2;
    ll_fn ll;
    double scale[CRVM_TXN_N_PARAMS]; /* natural parameter = exp(theta) * scale */
} objective_ctx;

/* Average negative log-likelihood (plus penalty) over log-parameters. */
static double objective(const double *theta, double *grad, void *vctx)
{
    const objective_ctx *c = vctx;
    double p[CRVM_TXN_N_PARAMS], g[CRVM_TXN_N_PARAMS], acc[CRVM_TXN_N_PARAMS] = {0, 0, 0, 0};
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        if (!(fabs(theta[k]) < 700.0))
            return INFINITY;
        p[k] = exp(theta[k]);
    }
    double sum = 0.0;
    for (size_t i = 0; i < c->n_rows; i++) {
        double w = c->rows[i].w;
        double v = c->ll(p, &c->rows[i], grad ? g : NULL);
        if (!isfinite(v))
            return INFINITY;
        sum += w * v;
        if (grad)
            for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
                acc[k] += w * g[k];
    }
    /* the penalty applies to the parameters on their natural scale */
    double f = -sum / c->total_weight;
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        double pn = p[k] * c->scale[k];
        f += c->l2 * pn * pn;
    }
    if (grad)
        for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
            double pn = p[k] * c->scale[k];
            grad[k] = -acc[k] * p[k] / c->total_weight + 2.0 * c->l2 * pn * pn;
        }
    return f;
}

static void default_start(crvm_txn_model model, const crvm__txn_row *rows, size_t n, double W,
                          double *start)
{
    double swx = 0.0, swT = 0.0;
    for (size_t i = 0; i < n; i++) {
        swx += rows[i].w * rows[i].x;
        swT += rows[i].w * rows[i].T;
    }
    double alpha = swT > 0.0 ? swT / fmax(swx, 1e-3 * swT) : 1.0;
    if (!(alpha > 0.0) || !isfinite(alpha))
        alpha = 1.0;
    start[0] = 1.0;
    start[1] = alpha;
    start[2] = 1.0;
    start[3] = 1.0;
    if (model == CRVM_TXN_PARETO_NBD)
        start[3] = (swT > 0.0 && W > 0.0) ? swT / W : 1.0;
    if (model == CRVM_TXN_BGBB)
        start[1] = 1.0;
}

crvm_status crvm_txn_fit_new(crvm_txn_model model, const double *frequency, size_t frequency_len,
                             const double *recency, size_t recency_len, const double *T,
                             size_t T_len, const double *weights, size_t weights_len,
                             const crvm_txn_options *options, crvm_txn_fit **out)
{
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if (!model_known(model))
        return crvm__fail(CRVM_EINVAL, "unknown transaction model %d", (int)model);
    crvm_txn_options opt = CRVM_TXN_OPTIONS_INIT;
    if (options)
        opt = *options;
    if (opt.max_iterations <= 0)
        return crvm__fail(CRVM_EINVAL, "options.max_iterations = %d: must be > 0",
                          opt.max_iterations);
    if (!(opt.tolerance > 0.0) || !isfinite(opt.tolerance))
        return crvm__fail(CRVM_EINVAL, "options.tolerance = %g: must be finite and > 0",
                          opt.tolerance);
    if (!(opt.l2_penalty >= 0.0) || !isfinite(opt.l2_penalty))
        return crvm__fail(CRVM_EINVAL, "options.l2_penalty = %g: must be finite and >= 0",
                          opt.l2_penalty);
    if (opt.use_start)
        for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
            if (!(opt.start[k] > 0.0) || !isfinite(opt.start[k]))
                return crvm__fail(CRVM_EINVAL, "options.start[%d] (%s) = %g: must be finite and > 0",
                                  k, param_names[model][k], opt.start[k]);
    crvm_status st = check_columns(model, frequency, frequency_len, recency, recency_len, T, T_len,
                                   weights, weights_len, NULL);
    if (st != CRVM_OK)
        return st;
    if (frequency_len == 0)
        return crvm__fail(CRVM_EDOMAIN, "no rows to fit");

    crvm__txn_row *rows = NULL;
    size_t n = 0;
    double W = 0.0;
    st = crvm__txn_merge(frequency, recency, T, weights, frequency_len, &rows, &n, &W);
    if (st != CRVM_OK)
        return st;
    if (!(W > 0.0)) {
        crvm__free(rows);
        return crvm__fail(CRVM_EDOMAIN, "total weight is 0: nothing to fit");
    }

    /* Time is rescaled so that the mean age is 1: the scale parameters
     * (alpha; beta of Pareto/NBD) then have the same size whatever the time
     * unit, which keeps the optimiser and the boundary test below
     * unit-free. The log-likelihood changes by a constant and the Hessian
     * over log-parameters not at all. */
    double tscale = 1.0;
    if (model != CRVM_TXN_BGBB) {
        double swT = 0.0;
        for (size_t i = 0; i < n; i++)
            swT += rows[i].w * rows[i].T;
        if (swT > 0.0 && isfinite(swT / W))
            tscale = swT / W;
    }
    double swx = 0.0;
    for (size_t i = 0; i < n; i++) {
        rows[i].tx /= tscale;
        rows[i].T /= tscale;
        swx += rows[i].w * rows[i].x;
    }
    objective_ctx ctx = {rows, n, W, opt.l2_penalty, model_ll(model), {1.0, 1.0, 1.0, 1.0}};
    if (model != CRVM_TXN_BGBB) {
        ctx.scale[1] = tscale;
        if (model == CRVM_TXN_PARETO_NBD)
            ctx.scale[3] = tscale;
    }
    /* BG/NBD, MBG/NBD and Pareto/NBD: rows grouped by x, analytic
     * Hessian, Newton */
    crvm__bg_data *bg = NULL;
    crvm_txn_fit *fit = crvm__calloc(1, sizeof *fit);
    if (fit == NULL) {
        st = crvm__nomem("transaction fit");
        goto done;
    }
    if (model != CRVM_TXN_BGBB) {
        st = crvm__bg_data_new(rows, n, model, opt.l2_penalty, ctx.scale, &bg);
        if (st != CRVM_OK)
            goto done;
    }
    double start[CRVM_TXN_N_PARAMS], theta[CRVM_TXN_N_PARAMS];
    if (opt.use_start)
        for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
            start[k] = opt.start[k] / ctx.scale[k];
    else
        default_start(model, rows, n, W, start);
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
        theta[k] = log(start[k]);

    crvm__optim_options oo = CRVM__OPTIM_OPTIONS_INIT;
    oo.max_iterations = opt.max_iterations;
    oo.gradient_tol = opt.tolerance;
    crvm__optim_result res;
    memset(&res, 0, sizeof res);
    double H[CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS], Hinv[CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS];
    double newton_f = NAN; /* objective at theta when Newton ended there (H too) */
    if (bg) {
        /* Newton converges in well under NEWTON_ITERATIONS steps where the
         * likelihood has a maximum; where it has none (degenerate data,
         * parameters running off) it can crawl, and then the quasi-Newton
         * route of the other models runs from the starting point, so that
         * such data get the answer they got before */
        oo.max_iterations = opt.max_iterations < NEWTON_ITERATIONS ? opt.max_iterations
                                                                   : NEWTON_ITERATIONS;
        /* Pareto/NBD: from the default start a long first step can run far
         * along the ridge s / beta = const (less heterogeneity in the death
         * rates), where the series needs thousands of terms a row and
         * Newton crawls back; steps of at most e in each parameter keep to
         * the region where the Hessian is positive definite */
        if (model == CRVM_TXN_PARETO_NBD)
            oo.max_step = 1.0;
        /* the gradient test (1e-8) alone can pass a point ~1e-6 from the
         * optimum (max|g| 3e-9 of the mean objective at 10^6 customers);
         * one more Newton step from there lands within ~1e-12 */
        oo.polish_tol = model == CRVM_TXN_PARETO_NBD ? PARETO_POLISH_TOL : NEWTON_POLISH_TOL;
        st = crvm__bg_warm_start(bg, theta, &oo);
        if (st == CRVM_ENOMEM)
            goto done;
        st = crvm__minimize_newton(crvm__bg_objective, bg, CRVM_TXN_N_PARAMS, theta, &oo, H, &res);
        if (st == CRVM_OK)
            newton_f = res.f;
        if (st == CRVM_ECONVERGE) {
            for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
                theta[k] = log(start[k]);
            oo.max_iterations = opt.max_iterations;
            st = crvm__minimize(objective, &ctx, CRVM_TXN_N_PARAMS, theta, &oo, &res);
        }
    } else {
        st = crvm__minimize(objective, &ctx, CRVM_TXN_N_PARAMS, theta, &oo, &res);
    }
    if (st != CRVM_OK && st != CRVM_ECONVERGE) {
        if (st == CRVM_EDOMAIN)
            st = crvm__fail(CRVM_EDOMAIN,
                            "%s: log-likelihood not finite at the starting point "
                            "(%s=%g, %s=%g, %s=%g, %s=%g)",
                            model_names[model], param_names[model][0], start[0] * ctx.scale[0],
                            param_names[model][1], start[1] * ctx.scale[1],
                            param_names[model][2], start[2] * ctx.scale[2],
                            param_names[model][3], start[3] * ctx.scale[3]);
        goto done;
    }
    crvm_status fit_status = st;
    char fit_message[512] = "";
    if (fit_status != CRVM_OK) /* keep the optimiser's message */
        snprintf(fit_message, sizeof fit_message, "%s", crvm_last_error());

    fit->params.model = model;
    double ps[CRVM_TXN_N_PARAMS]; /* on the rescaled time */
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        ps[k] = exp(theta[k]);
        fit->params.p[k] = ps[k] * ctx.scale[k];
    }

    /* A parameter that ran to 1e-8 or 1e8 (time-rescaled) means the
     * likelihood has no maximum at finite values: typically the data show no
     * heterogeneity (e.g. every customer alike), so the mixing distribution
     * degenerates. That is reported as non-convergence, not as an estimate. */
    int at_edge = 0;
    if (fit_status == CRVM_OK)
        for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
            if (fabs(theta[k]) > 18.420680743952367) { /* log(1e8) */
                fit_status = CRVM_ECONVERGE;
                at_edge = 1;
                snprintf(fit_message, sizeof fit_message,
                         "parameter %s = %g ran to the edge of the parameter space: the "
                         "likelihood has no maximum at finite values (do the data lack "
                         "heterogeneity?)",
                         param_names[model][k], fit->params.p[k]);
                break;
            }

    /* Unpenalised log-likelihood at the optimum. Each transaction time
     * contributes a density in 1/time, so on the rescaled times it is
     * higher by sum(w x) log(tscale). */
    double ll = 0.0;
    if (bg) {
        ll = crvm__bg_loglik(bg, ps, newton_f);
    } else {
        for (size_t i = 0; i < n; i++)
            ll += rows[i].w * ctx.ll(ps, &rows[i], NULL);
    }
    ll -= swx * log(tscale);
    fit->report.log_likelihood = ll;
    fit->report.n_parameters = CRVM_TXN_N_PARAMS;
    fit->report.n_observations = W;
    fit->report.aic = 2.0 * CRVM_TXN_N_PARAMS - 2.0 * ll;
    fit->report.bic = CRVM_TXN_N_PARAMS * log(W) - 2.0 * ll;
    fit->report.gradient_norm = res.gradient_norm;
    fit->report.iterations = res.iterations;
    fit->report.converged = res.converged && fit_status == CRVM_OK;

    /* Covariance: inverse Hessian of the total negative log-likelihood over
     * log-parameters (analytic for BG/NBD and MBG/NBD, central differences
     * of the gradient otherwise), mapped to the natural scale (delta method). */
    if (bg) {
        /* Newton's last evaluation is at theta; after BFGS evaluate it */
        double g[CRVM_TXN_N_PARAMS];
        st = !isnan(newton_f) || isfinite(crvm__bg_objective(theta, g, H, bg)) ? CRVM_OK
                                                                               : CRVM_EDOMAIN;
    } else {
        st = crvm__hessian(objective, &ctx, CRVM_TXN_N_PARAMS, theta, H);
    }
    if (st == CRVM_ENOMEM)
        goto done;
    /* at the edge the likelihood has no maximum: its Hessian tends to a
     * singular one, and whether the computed one is positive definite is
     * rounding, so no covariance either */
    if (st == CRVM_OK && at_edge)
        st = CRVM_EDOMAIN;
    if (st == CRVM_OK) {
        for (int k = 0; k < CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS; k++)
            H[k] *= W;
        st = crvm__spd_inverse(CRVM_TXN_N_PARAMS, H, Hinv);
        if (st == CRVM_ENOMEM)
            goto done;
    }
    if (st == CRVM_OK) {
        fit->cov_ok = 1;
        for (int i = 0; i < CRVM_TXN_N_PARAMS; i++)
            for (int j = 0; j < CRVM_TXN_N_PARAMS; j++)
                fit->cov[i * CRVM_TXN_N_PARAMS + j] =
                    fit->params.p[i] * fit->params.p[j] * Hinv[i * CRVM_TXN_N_PARAMS + j];
        for (int i = 0; i < CRVM_TXN_N_PARAMS; i++)
            fit->se[i] = sqrt(fit->cov[i * CRVM_TXN_N_PARAMS + i]);
    } else {
        fit->cov_ok = 0;
        for (int k = 0; k < CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS; k++)
            fit->cov[k] = NAN;
        for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
            fit->se[k] = NAN;
    }
    crvm__bg_data_free(bg);
    crvm__free(rows);
    *out = fit;
    if (fit_status != CRVM_OK)
        return crvm__fail(fit_status, "%s fit did not converge: %s", model_names[model],
                          fit_message);
    crvm_clear_error();
    return CRVM_OK;
done:
    crvm__bg_data_free(bg);
    crvm__free(fit);
    crvm__free(rows);
    return st;
}

void crvm_txn_fit_free(crvm_txn_fit *fit)
{
    crvm__free(fit);
}

crvm_status crvm_txn_fit_params(const crvm_txn_fit *fit, crvm_txn_params *out)
{
    if (fit == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "fit and out must not be NULL");
    *out = fit->params;
    return CRVM_OK;
}

crvm_status crvm_txn_fit_covariance(const crvm_txn_fit *fit, double *out, size_t out_len)
{
    if (fit == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "fit and out must not be NULL");
    if (out_len != CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS)
        return crvm__fail(CRVM_EINVAL, "out_len = %zu: the covariance has 16 entries", out_len);
    if (!fit->cov_ok)
        return crvm__fail(CRVM_EDOMAIN,
                          "the Hessian at the estimate is not positive definite (or the "
                          "estimate is at the edge of the parameter space): no covariance");
    memcpy(out, fit->cov, sizeof fit->cov);
    return CRVM_OK;
}

crvm_status crvm_txn_fit_standard_errors(const crvm_txn_fit *fit, double *out, size_t out_len)
{
    if (fit == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "fit and out must not be NULL");
    if (out_len != CRVM_TXN_N_PARAMS)
        return crvm__fail(CRVM_EINVAL, "out_len = %zu: there are 4 standard errors", out_len);
    if (!fit->cov_ok)
        return crvm__fail(CRVM_EDOMAIN,
                          "the Hessian at the estimate is not positive definite (or the "
                          "estimate is at the edge of the parameter space): no standard errors");
    memcpy(out, fit->se, sizeof fit->se);
    return CRVM_OK;
}

crvm_status crvm_txn_fit_report(const crvm_txn_fit *fit, crvm_fit_report *out)
{
    if (fit == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "fit and out must not be NULL");
    *out = fit->report;
    return CRVM_OK;
}

/* ---- predictions ------------------------------------------------------- */

enum pred_kind { PRED_LL, PRED_ALIVE, PRED_COND, PRED_DERT };

static double predict_row(const crvm_txn_params *prm, enum pred_kind kind, double t,
                          const crvm__txn_row *row)
{
    const double *p = prm->p;
    switch (kind) {
    case PRED_LL:
        return model_ll(prm->model)(p, row, NULL);
    case PRED_ALIVE:
        switch (prm->model) {
        case CRVM_TXN_BGNBD:
            return crvm__bgnbd_p_alive(p, row, 0);
        case CRVM_TXN_MBGNBD:
            return crvm__bgnbd_p_alive(p, row, 1);
        case CRVM_TXN_PARETO_NBD:
            return crvm__pareto_p_alive(p, row);
        case CRVM_TXN_BGBB:
            return crvm__bgbb_p_alive(p, row);
        }
        break;
    case PRED_COND:
        switch (prm->model) {
        case CRVM_TXN_BGNBD:
            return crvm__bgnbd_expected_conditional(p, t, row, 0);
        case CRVM_TXN_MBGNBD:
            return crvm__bgnbd_expected_conditional(p, t, row, 1);
        case CRVM_TXN_PARETO_NBD:
            return crvm__pareto_expected_conditional(p, t, row);
        case CRVM_TXN_BGBB:
            return crvm__bgbb_expected_conditional(p, t, row);
        }
        break;
    case PRED_DERT:
        switch (prm->model) {
        case CRVM_TXN_PARETO_NBD:
            return crvm__pareto_dert(p, t, row);
        case CRVM_TXN_BGBB:
            return crvm__bgbb_dert(p, t, row);
        case CRVM_TXN_BGNBD: /* bgnbd_rows */
        case CRVM_TXN_MBGNBD:
            break;
        }
        break;
    }
    return NAN;
}

/* DERT for models without a closed form, from the conditional expectation:
 * integrating by parts, int_0^inf e^(-delta t) dE[Y(t)] = delta int_0^inf
 * e^(-delta t) E[Y(t)] dt (E[Y(0)] = 0 and E[Y(t)] grows at most linearly).
 * With w = delta t and w = y / (1 - y) the integral is over y in [0, 1):
 * int_0^1 e^(-w) E[Y(w / delta)] / (1 - y)^2 dy, a smooth integrand. */
typedef struct dert_ctx {
    const crvm_txn_params *prm;
    const crvm__txn_row *row;
    double delta;
} dert_ctx;

static double predict_row(const crvm_txn_params *prm, enum pred_kind kind, double t,
                          const crvm__txn_row *row);

static void dert_integrand(double y, double *f, void *vctx)
{
    const dert_ctx *c = vctx;
    if (y >= 1.0) {
        f[0] = 0.0;
        return;
    }
    double w = y / (1.0 - y);
    double ew = exp(-w);
    f[0] = ew > 0.0 ? ew * predict_row(c->prm, PRED_COND, w / c->delta, c->row) /
                          ((1.0 - y) * (1.0 - y))
                    : 0.0;
}

double crvm__dert_by_integration(const crvm_txn_params *prm, double delta,
                                 const crvm__txn_row *row)
{
    dert_ctx c = {prm, row, delta};
    double q1, q2;
    /* split at w = 1 (y = 1/2) where e^-w starts to dominate; the Kronrod
     * error estimate is pessimistic here: 1e-9 gives ~1e-13 in practice */
    if (!crvm__quad_gk(dert_integrand, &c, 1, 0.0, 0.5, 1e-9, CRVM__QUAD_MAX_INTERVALS, &q1) ||
        !crvm__quad_gk(dert_integrand, &c, 1, 0.5, 1.0, 1e-9, CRVM__QUAD_MAX_INTERVALS, &q2))
        return NAN;
    return q1 + q2;
}

static const char *kind_name(enum pred_kind kind)
{
    switch (kind) {
    case PRED_LL:
        return "log-likelihood";
    case PRED_ALIVE:
        return "P(alive)";
    case PRED_COND:
        return "conditional expected transactions";
    case PRED_DERT:
        return "DERT";
    }
    return "prediction";
}

/* Memo of per-row predictions keyed by the row (x, t_x, T), for data made
 * of few distinct rows: open addressing over memo_slots() entries of
 * MEMO_STRIDE doubles (used flag, x, t_x, T, value), a power of two about
 * twice the rows, at most MEMO_MAX_SLOTS; the table starts zeroed (all
 * free). A row whose 8 probes find neither itself nor a free entry is
 * evaluated directly. Either way the value is exactly predict_row's. */
#define MEMO_MAX_SLOTS 16384
#define MEMO_STRIDE 5

static size_t memo_slots(size_t rows)
{
    size_t m = 16;
    while (m < 2 * rows && m < MEMO_MAX_SLOTS)
        m *= 2;
    return m;
}

static double memo_predict(double *memo, size_t slots, const crvm_txn_params *prm,
                           enum pred_kind kind, double t, const crvm__txn_row *row)
{
    uint64_t h = crvm__txn_row_hash(row->x, row->tx, row->T);
    for (size_t probe = 0; probe < 8; probe++) {
        double *e = memo + MEMO_STRIDE * ((h + probe) & (slots - 1));
        if (e[0] == 0.0) {
            double v = predict_row(prm, kind, t, row);
            e[0] = 1.0;
            e[1] = row->x;
            e[2] = row->tx;
            e[3] = row->T;
            e[4] = v;
            return v;
        }
        if (e[1] == row->x && e[2] == row->tx && e[3] == row->T)
            return e[4];
    }
    return predict_row(prm, kind, t, row);
}

/* st, with the model and the prediction put in front of an EDOMAIN's
 * message (the rules name the row and the cause) */
static crvm_status named_failure(const crvm_txn_params *params, enum pred_kind kind,
                                 crvm_status st)
{
    if (st != CRVM_EDOMAIN)
        return st;
    char why[400]; /* crvm__fail writes the buffer crvm_last_error reads */
    snprintf(why, sizeof why, "%s", crvm_last_error());
    return crvm__fail(CRVM_EDOMAIN, "%s %s: %s", model_names[params->model], kind_name(kind),
                      why);
}

/* BG/NBD and MBG/NBD conditional expectations and DERT of n validated
 * rows (T_range: their least and largest T). PRED_COND: out[i] =
 * P(alive)_i sum_h wt[h] (G_h,i - G_h-1,i) over the H horizons t[h] (G =
 * E[Y(t)] / P(alive), G_-1 = 0), so that one horizon with weight 1 gives
 * the expectation itself; P(alive) is computed once for all horizons. G
 * comes from the tabulated closed form where it is certified and from the
 * death-rate rules (grouped by x) for every other row. One horizon takes a
 * single pass over the rows (crvm__bgnbd_conditional_rows) into one
 * temporary, copied to out once the rules have succeeded. PRED_DERT: t[0]
 * is the discount rate, every row through the rules. */
static crvm_status bgnbd_rows(const crvm_txn_params *params, enum pred_kind kind, const double *t,
                              const double *wt, size_t H, const double *x, const double *tx,
                              const double *T, const double *T_range, size_t n, double *out)
{
    int modified = params->model == CRVM_TXN_MBGNBD;
    int one = kind == PRED_COND && H == 1, several = kind == PRED_COND && H != 1;
    size_t pool_len = kind == PRED_COND ? crvm__bgnbd_cond_pool_len() : 0;
    /* not zeroed (crvm__calloc): every entry is written before it is read,
     * and the pages of the pool and of rows that are not used are never
     * touched */
    double *pa = crvm__txn_values_new((one ? 1 : several ? 4 : 2) * n + pool_len);
    size_t *rows = crvm__realloc_array(NULL, n, sizeof *rows);
    if (pa == NULL || rows == NULL) {
        crvm_txn_values_free(pa);
        crvm__free(rows);
        return crvm__nomem("prediction buffer");
    }
    double *g = one ? pa : pa + n, *prev = several ? g + n : NULL;
    double *acc = several ? g + 2 * n : g;
    double *pool = pa + (one ? 1 : several ? 4 : 2) * n;
    crvm__cond_ctx ctx;
    crvm_status st = CRVM_OK;
    if (one) {
        crvm__bgnbd_cond_init(&ctx, params->p, t[0], modified, T_range[0], T_range[1], pool);
        size_t m = crvm__bgnbd_conditional_rows(&ctx, modified, x, tx, T, n, g, rows);
        crvm__rule_job job = {params->p, modified, 0, t[0], NULL, x, T};
        st = crvm__bgnbd_rule_rows(&job, rows, m, g);
    } else {
        if (several)
            memset(prev, 0, 2 * n * sizeof *prev); /* prev and acc */
        if (!crvm__bgnbd_p_alive_rows(params->p, x, tx, T, n, modified, pa))
            for (size_t i = 0; i < n; i++) {
                crvm__txn_row row = {x[i], tx[i], T[i], 1.0};
                pa[i] = crvm__bgnbd_p_alive(params->p, &row, modified);
            }
    }
    for (size_t h = 0; !one && h < (kind == PRED_COND ? H : 1) && st == CRVM_OK; h++) {
        size_t m = 0;
        if (kind == PRED_COND) {
            crvm__bgnbd_cond_init(&ctx, params->p, t[h], modified, T_range[0], T_range[1], pool);
            crvm__bgnbd_expected_rows(&ctx, x, T, n, g);
            for (size_t i = 0; i < n; i++)
                if (isnan(g[i])) {
                    g[i] = 1.0;
                    rows[m++] = i;
                }
        } else {
            for (size_t i = 0; i < n; i++) {
                g[i] = 1.0;
                rows[m++] = i;
            }
        }
        crvm__rule_job job = {params->p, modified, kind == PRED_DERT, t[h], NULL, x, T};
        st = crvm__bgnbd_rule_rows(&job, rows, m, g);
        if (several && st == CRVM_OK) {
            for (size_t i = 0; i < n; i++) {
                acc[i] += wt[h] * (g[i] - prev[i]);
                prev[i] = g[i];
            }
        }
    }
    if (st == CRVM_OK && one)
        memcpy(out, g, n * sizeof *out);
    else if (st == CRVM_OK)
        for (size_t i = 0; i < n; i++)
            out[i] = pa[i] * acc[i];
    else
        st = named_failure(params, kind, st);
    crvm__free(rows);
    crvm_txn_values_free(pa);
    return st;
}

/* The parameters, the summary columns and the output of a prediction. */
static crvm_status check_prediction(const crvm_txn_params *params, const double *x, size_t x_len,
                                    const double *tx, size_t tx_len, const double *T,
                                    size_t T_len, const double *out, size_t out_len,
                                    double *T_range)
{
    crvm_status st = crvm_txn_params_check(params);
    if (st != CRVM_OK)
        return st;
    st = check_columns(params->model, x, x_len, tx, tx_len, T, T_len, NULL, 0, T_range);
    if (st != CRVM_OK)
        return st;
    if (out == NULL && out_len)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if (out_len != x_len)
        return crvm__fail(CRVM_EINVAL, "out has %zu rows but frequency has %zu", out_len, x_len);
    return CRVM_OK;
}

static crvm_status predict_rows(const crvm_txn_params *params, enum pred_kind kind, double t,
                                const double *x, size_t x_len, const double *tx, size_t tx_len,
                                const double *T, size_t T_len, double *out, size_t out_len)
{
    /* the range of T serves the BG/NBD conditional expectation's tables
     * (params is checked, NULL included, by check_prediction) */
    int bg = params && (params->model == CRVM_TXN_BGNBD || params->model == CRVM_TXN_MBGNBD);
    double T_range[2];
    crvm_status st = check_prediction(params, x, x_len, tx, tx_len, T, T_len, out, out_len,
                                      bg && kind == PRED_COND ? T_range : NULL);
    if (st != CRVM_OK || x_len == 0)
        return st;
    /* BG/NBD and MBG/NBD P(alive) cannot fail on validated rows: no
     * temporary needed (see crvm__bgnbd_p_alive_rows) */
    if (kind == PRED_ALIVE &&
        (params->model == CRVM_TXN_BGNBD || params->model == CRVM_TXN_MBGNBD) &&
        crvm__bgnbd_p_alive_rows(params->p, x, tx, T, x_len, params->model == CRVM_TXN_MBGNBD,
                                 out))
        return CRVM_OK;
    const double one = 1.0;
    if (bg && (kind == PRED_COND || kind == PRED_DERT))
        return bgnbd_rows(params, kind, &t, &one, 1, x, tx, T, T_range, x_len, out);
    /* BG/BB rows are whole numbers (x <= t_x <= n): real data repeat the
     * same few triples, so each distinct row is evaluated once */
    size_t memo_len = params->model == CRVM_TXN_BGBB ? memo_slots(x_len) : 0;
    double *tmp = crvm__calloc(x_len + MEMO_STRIDE * memo_len, sizeof *tmp);
    if (tmp == NULL)
        return crvm__nomem("prediction buffer");
    double *memo = tmp + x_len;
    for (size_t i = 0; i < x_len; i++) {
        crvm__txn_row row = {x[i], tx[i], T[i], 1.0};
        double v = memo_len ? memo_predict(memo, memo_len, params, kind, t, &row)
                            : predict_row(params, kind, t, &row);
        if (!isfinite(v)) {
            crvm__free(tmp);
            return crvm__fail(CRVM_EDOMAIN,
                              "%s %s could not be evaluated for row %zu (x=%g, t_x=%g, T=%g)",
                              model_names[params->model], kind_name(kind), i, x[i], tx[i], T[i]);
        }
        tmp[i] = v;
    }
    memcpy(out, tmp, x_len * sizeof *out);
    crvm__free(tmp);
    return CRVM_OK;
}

crvm_status crvm_txn_log_likelihood(const crvm_txn_params *params, const double *frequency,
                                    size_t frequency_len, const double *recency,
                                    size_t recency_len, const double *T, size_t T_len,
                                    double *out, size_t out_len)
{
    return predict_rows(params, PRED_LL, 0.0, frequency, frequency_len, recency, recency_len, T,
                        T_len, out, out_len);
}

crvm_status crvm_txn_p_alive(const crvm_txn_params *params, const double *frequency,
                             size_t frequency_len, const double *recency, size_t recency_len,
                             const double *T, size_t T_len, double *out, size_t out_len)
{
    return predict_rows(params, PRED_ALIVE, 0.0, frequency, frequency_len, recency, recency_len, T,
                        T_len, out, out_len);
}

static crvm_status check_horizon(const crvm_txn_params *params, const char *name, double t)
{
    if (isnan(t))
        return crvm__fail(CRVM_EINVAL, "%s is NaN", name);
    if (!isfinite(t) || t < 0.0)
        return crvm__fail(CRVM_EINVAL, "%s = %g: must be finite and >= 0", name, t);
    if (params->model == CRVM_TXN_BGBB && !is_int(t))
        return crvm__fail(CRVM_EINVAL, "%s = %g: BG/BB counts whole opportunities", name, t);
    return CRVM_OK;
}

/* P(X(t) = n) of the BG/BB sums one term per opportunity up to t */
static crvm_status check_bgbb_count_horizon(const crvm_txn_params *params, const char *name,
                                            double t)
{
    if (params->model == CRVM_TXN_BGBB && t > CRVM_TXN_BGBB_MAX_OPPORTUNITIES)
        return crvm__fail(CRVM_EINVAL, "%s = %g: BG/BB P(X(t) = n) takes at most %d opportunities",
                          name, t, CRVM_TXN_BGBB_MAX_OPPORTUNITIES);
    return CRVM_OK;
}

crvm_status crvm_txn_expected_conditional(const crvm_txn_params *params, double t,
                                          const double *frequency, size_t frequency_len,
                                          const double *recency, size_t recency_len,
                                          const double *T, size_t T_len, double *out,
                                          size_t out_len)
{
    crvm_status st = crvm_txn_params_check(params);
    if (st != CRVM_OK)
        return st;
    if ((st = check_horizon(params, "t", t)) != CRVM_OK)
        return st;
    return predict_rows(params, PRED_COND, t, frequency, frequency_len, recency, recency_len, T,
                        T_len, out, out_len);
}

/* ---- predictions into arrays the library allocates --------------------
 *
 * Nothing of the caller's is written before success, so BG/NBD and MBG/NBD
 * check each block of rows just before computing it, while it is in the
 * cache: one pass over the columns. The first bad row is in the first
 * block that fails, since the blocks before it passed. */

/* Rows i0 .. i0 + len: CRVM_OK, or check_row's error for the first bad one */
static crvm_status check_block(crvm_txn_model model, const double *x, const double *tx,
                               const double *T, size_t i0, size_t len)
{
    if (crvm__txn_columns_ok(x + i0, tx + i0, T + i0, len, NULL, NULL))
        return CRVM_OK;
    for (size_t i = i0; i < i0 + len; i++) {
        crvm_status st = check_row(model, i, x[i], tx[i], T[i]);
        if (st != CRVM_OK)
            return st;
    }
    return CRVM_OK;
}

/* BG/NBD and MBG/NBD P(alive) into v, checking as it goes; 0 (v untouched)
 * where the vector path does not apply (crvm__bgnbd_p_alive_rows) */
static int p_alive_checked(const crvm_txn_params *params, const double *x, const double *tx,
                           const double *T, size_t n, double *v, crvm_status *st)
{
    crvm__p_alive_ctx pc;
    if (!crvm__bgnbd_p_alive_init(&pc, params->p, params->model == CRVM_TXN_MBGNBD))
        return 0;
    *st = CRVM_OK;
    for (size_t i0 = 0; i0 < n && *st == CRVM_OK; i0 += CRVM__VBLOCK) {
        size_t len = n - i0 < CRVM__VBLOCK ? n - i0 : CRVM__VBLOCK;
        /* the columns come from memory at 10^5 rows as at 10^6 (a Python
         * caller's collection has evicted them): prefetched wherever the
         * rows ahead exist */
        int stream = n - i0 - len >= CRVM__ALIVE_AHEAD;
        if (crvm__bgnbd_p_alive_block_checked(&pc, x + i0, tx + i0, T + i0, len, v + i0, stream))
            continue;
        /* a row failed: name it (check_block finds every row the block's
         * check refused; were it to pass them all, the block is computed) */
        *st = check_block(params->model, x, tx, T, i0, len);
        if (*st == CRVM_OK)
            crvm__bgnbd_p_alive_block(&pc, x + i0, tx + i0, T + i0, len, v + i0);
    }
    return 1;
}

/* BG/NBD and MBG/NBD conditional expectation of n rows (n > 0) into v,
 * checking as it goes: the single pass of bgnbd_rows (one horizon), its
 * tables built for the range of T taken first. A cold call of 10^4 rows
 * (after a collection and malloc_trim in Python) paid a fresh page for
 * each array it allocated: the tables' pool is on the stack until it is
 * full, and the list of rows for the death-rate rule is allocated when a
 * first row needs it (on real data none does). */
static crvm_status conditional_checked(const crvm_txn_params *params, double t, const double *x,
                                       const double *tx, const double *T, size_t n, double *v)
{
    double lo, hi;
    crvm__txn_T_range(T, n, &lo, &hi);
    if (!(lo >= 0.0 && hi <= DBL_MAX)) /* a bad T: the error of the first bad row */
        return check_columns(params->model, x, n, tx, n, T, n, NULL, 0, NULL);
    int modified = params->model == CRVM_TXN_MBGNBD;
    double pool[CRVM__COND_SMALL_POOL];
    size_t *rows = NULL, block_rows[CRVM__VBLOCK], m = 0;
    crvm__cond_ctx ctx;
    crvm__cond_pass cp;
    crvm__bgnbd_cond_init(&ctx, params->p, t, modified, lo, hi, NULL);
    crvm__bgnbd_cond_small_pool(&ctx, pool, CRVM__COND_SMALL_POOL);
    crvm__bgnbd_conditional_begin(&cp, &ctx, modified);
    crvm_status st = CRVM_OK;
    for (size_t i0 = 0; i0 < n && st == CRVM_OK; i0 += CRVM__VBLOCK) {
        size_t len = n - i0 < CRVM__VBLOCK ? n - i0 : CRVM__VBLOCK;
        st = check_block(params->model, x, tx, T, i0, len);
        size_t k = 0;
        if (st == CRVM_OK)
            k = crvm__bgnbd_conditional_block(&cp, x, tx, T, i0, len, v, block_rows);
        if (k != 0 && rows == NULL && (rows = crvm__realloc_array(NULL, n, sizeof *rows)) == NULL)
            st = crvm__nomem("prediction buffer");
        if (st == CRVM_OK && k != 0) {
            memcpy(rows + m, block_rows, k * sizeof *rows);
            m += k;
        }
    }
    if (!crvm__bgnbd_cond_end(&ctx) && st == CRVM_OK)
        st = crvm__nomem("prediction tables");
    if (st == CRVM_OK) {
        crvm__rule_job job = {params->p, modified, 0, t, NULL, x, T};
        st = named_failure(params, PRED_COND, crvm__bgnbd_rule_rows(&job, rows, m, v));
    }
    crvm__free(rows);
    return st;
}

/* P(alive) or the conditional expectation (horizon t) into a new array */
static crvm_status predict_new(const crvm_txn_params *params, enum pred_kind kind, double t,
                               const double *x, size_t x_len, const double *tx, size_t tx_len,
                               const double *T, size_t T_len, double **out)
{
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    crvm_status st = crvm_txn_params_check(params);
    if (st == CRVM_OK && kind == PRED_COND)
        st = check_horizon(params, "t", t);
    if (st == CRVM_OK)
        st = check_shape(x, x_len, tx, tx_len, T, T_len, NULL, 0);
    if (st != CRVM_OK)
        return st;
    size_t n = x_len;
    double *v = n ? crvm__txn_output_new(n) : NULL;
    if (n && v == NULL)
        return crvm__nomem("prediction values");
    int bg = params->model == CRVM_TXN_BGNBD || params->model == CRVM_TXN_MBGNBD;
    if (n && bg && kind == PRED_COND)
        st = conditional_checked(params, t, x, tx, T, n, v);
    else if (n && !(bg && p_alive_checked(params, x, tx, T, n, v, &st)))
        st = predict_rows(params, kind, t, x, n, tx, n, T, n, v, n);
    if (st != CRVM_OK) {
        crvm_txn_values_free(v);
        return st;
    }
    *out = v;
    return CRVM_OK;
}

crvm_status crvm_txn_p_alive_new(const crvm_txn_params *params, const double *frequency,
                                 size_t frequency_len, const double *recency, size_t recency_len,
                                 const double *T, size_t T_len, double **out)
{
    return predict_new(params, PRED_ALIVE, 0.0, frequency, frequency_len, recency, recency_len, T,
                       T_len, out);
}

crvm_status crvm_txn_expected_conditional_new(const crvm_txn_params *params, double t,
                                              const double *frequency, size_t frequency_len,
                                              const double *recency, size_t recency_len,
                                              const double *T, size_t T_len, double **out)
{
    return predict_new(params, PRED_COND, t, frequency, frequency_len, recency, recency_len, T,
                       T_len, out);
}

crvm_status crvm__txn_expected_increments(const crvm_txn_params *params, const double *t,
                                          const double *weight, size_t H, const double *x,
                                          size_t x_len, const double *tx, size_t tx_len,
                                          const double *T, size_t T_len, double *out,
                                          size_t out_len)
{
    crvm_status st = crvm_txn_params_check(params);
    if (st != CRVM_OK)
        return st;
    for (size_t h = 0; h < H; h++) {
        char name[48];
        snprintf(name, sizeof name, "t[%zu]", h);
        if ((st = check_horizon(params, name, t[h])) != CRVM_OK)
            return st;
    }
    double T_range[2];
    st = check_prediction(params, x, x_len, tx, tx_len, T, T_len, out, out_len, T_range);
    if (st != CRVM_OK || x_len == 0)
        return st;
    if (H > 0 && (params->model == CRVM_TXN_BGNBD || params->model == CRVM_TXN_MBGNBD))
        return bgnbd_rows(params, PRED_COND, t, weight, H, x, tx, T, T_range, x_len, out);
    /* the other models: one validated call per horizon */
    double *acc = crvm__calloc(3 * x_len, sizeof *acc);
    if (acc == NULL)
        return crvm__nomem("prediction buffer");
    double *prev = acc + x_len, *cur = acc + 2 * x_len;
    for (size_t h = 0; h < H && st == CRVM_OK; h++) {
        st = predict_rows(params, PRED_COND, t[h], x, x_len, tx, tx_len, T, T_len, cur, x_len);
        for (size_t i = 0; st == CRVM_OK && i < x_len; i++) {
            acc[i] += weight[h] * (cur[i] - prev[i]);
            prev[i] = cur[i];
        }
    }
    if (st == CRVM_OK)
        memcpy(out, acc, x_len * sizeof *out);
    crvm__free(acc);
    return st;
}

crvm_status crvm_txn_dert(const crvm_txn_params *params, double discount_rate,
                          const double *frequency, size_t frequency_len, const double *recency,
                          size_t recency_len, const double *T, size_t T_len, double *out,
                          size_t out_len)
{
    crvm_status st = crvm_txn_params_check(params);
    if (st != CRVM_OK)
        return st;
    if (!(discount_rate > 0.0) || !isfinite(discount_rate))
        return crvm__fail(CRVM_EINVAL, "discount_rate = %g: must be finite and > 0",
                          discount_rate);
    return predict_rows(params, PRED_DERT, discount_rate, frequency, frequency_len, recency,
                        recency_len, T, T_len, out, out_len);
}

/* E[X(t)] of BG/NBD and MBG/NBD: the conditional expectation of a
 * customer with x = 0 at T = 0, i.e. one death-rate rule for every t. */
static crvm_status bgnbd_unconditional(const crvm_txn_params *params, const double *t,
                                       size_t t_len, double *out)
{
    int modified = params->model == CRVM_TXN_MBGNBD;
    double *tmp = crvm__calloc(t_len, sizeof *tmp);
    size_t *rows = crvm__calloc(t_len, sizeof *rows);
    if (tmp == NULL || rows == NULL) {
        crvm__free(tmp);
        crvm__free(rows);
        return crvm__nomem("prediction buffer");
    }
    crvm__txn_row zero = {0.0, 0.0, 0.0, 1.0};
    double pa = crvm__bgnbd_p_alive(params->p, &zero, modified);
    for (size_t i = 0; i < t_len; i++) {
        tmp[i] = pa;
        rows[i] = i;
    }
    crvm__rule_job job = {params->p, modified, 0, 0.0, t, NULL, NULL};
    crvm_status st = crvm__bgnbd_rule_rows(&job, rows, t_len, tmp);
    if (st == CRVM_OK)
        memcpy(out, tmp, t_len * sizeof *out);
    crvm__free(rows);
    crvm__free(tmp);
    return st;
}

crvm_status crvm_txn_expected_unconditional(const crvm_txn_params *params, const double *t,
                                            size_t t_len, double *out, size_t out_len)
{
    crvm_status st = crvm_txn_params_check(params);
    if (st != CRVM_OK)
        return st;
    if (t == NULL && t_len)
        return crvm__fail(CRVM_EINVAL, "t is NULL");
    if (out == NULL && out_len)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if (out_len != t_len)
        return crvm__fail(CRVM_EINVAL, "out has %zu entries but t has %zu", out_len, t_len);
    for (size_t i = 0; i < t_len; i++) {
        char name[48];
        snprintf(name, sizeof name, "t[%zu]", i);
        if ((st = check_horizon(params, name, t[i])) != CRVM_OK)
            return st;
    }
    if (t_len == 0)
        return CRVM_OK;
    if (params->model == CRVM_TXN_BGNBD || params->model == CRVM_TXN_MBGNBD)
        return bgnbd_unconditional(params, t, t_len, out);
    double *tmp = crvm__calloc(t_len, sizeof *tmp);
    if (tmp == NULL)
        return crvm__nomem("prediction buffer");
    for (size_t i = 0; i < t_len; i++) {
        double v = NAN;
        switch (params->model) {
        case CRVM_TXN_BGNBD:
        case CRVM_TXN_MBGNBD:
            break;
        case CRVM_TXN_PARETO_NBD:
            v = crvm__pareto_expected_unconditional(params->p, t[i]);
            break;
        case CRVM_TXN_BGBB:
            v = crvm__bgbb_expected_unconditional(params->p, t[i]);
            break;
        }
        if (!isfinite(v)) {
            crvm__free(tmp);
            return crvm__fail(CRVM_EDOMAIN, "%s E[X(t)] could not be evaluated at t[%zu] = %g",
                              model_names[params->model], i, t[i]);
        }
        tmp[i] = v;
    }
    memcpy(out, tmp, t_len * sizeof *out);
    crvm__free(tmp);
    return CRVM_OK;
}

crvm_status crvm_txn_probability_of_n(const crvm_txn_params *params, const double *t,
                                      size_t t_len, const double *n, size_t n_len, double *out,
                                      size_t out_len)
{
    crvm_status st = crvm_txn_params_check(params);
    if (st != CRVM_OK)
        return st;
    if ((t == NULL && t_len) || (n == NULL && n_len) || (out == NULL && out_len))
        return crvm__fail(CRVM_EINVAL, "t, n and out must not be NULL");
    size_t len = t_len > n_len ? t_len : n_len;
    if (!(t_len == n_len || (t_len == 1 && n_len > 0) || (n_len == 1 && t_len > 0)))
        return crvm__fail(CRVM_EINVAL,
                          "t has %zu entries and n has %zu: lengths must agree or one be 1", t_len,
                          n_len);
    if (out_len != len)
        return crvm__fail(CRVM_EINVAL, "out has %zu entries but should have %zu", out_len, len);
    for (size_t i = 0; i < len; i++) {
        double ti = t[t_len == 1 ? 0 : i], ni = n[n_len == 1 ? 0 : i];
        char name[48];
        snprintf(name, sizeof name, "t[%zu]", t_len == 1 ? (size_t)0 : i);
        if ((st = check_horizon(params, name, ti)) != CRVM_OK ||
            (st = check_bgbb_count_horizon(params, name, ti)) != CRVM_OK)
            return st;
        if ((st = check_value("n", n_len == 1 ? 0 : i, ni, 1)) != CRVM_OK)
            return st;
    }
    if (len == 0)
        return CRVM_OK;
    double *tmp = crvm__calloc(len, sizeof *tmp);
    if (tmp == NULL)
        return crvm__nomem("prediction buffer");
    for (size_t i = 0; i < len; i++) {
        double ti = t[t_len == 1 ? 0 : i], ni = n[n_len == 1 ? 0 : i];
        double v = NAN;
        switch (params->model) {
        case CRVM_TXN_BGNBD:
            v = crvm__bgnbd_probability_of_n(params->p, ti, ni, 0);
            break;
        case CRVM_TXN_MBGNBD:
            v = crvm__bgnbd_probability_of_n(params->p, ti, ni, 1);
            break;
        case CRVM_TXN_PARETO_NBD:
            v = crvm__pareto_probability_of_n(params->p, ti, ni);
            break;
        case CRVM_TXN_BGBB:
            v = ni > ti ? 0.0 : crvm__bgbb_probability_of_n(params->p, ti, ni);
            break;
        }
        if (!isfinite(v)) {
            crvm__free(tmp);
            return crvm__fail(CRVM_EDOMAIN, "%s P(X(t) = n) could not be evaluated at t = %g, n = %g",
                              model_names[params->model], ti, ni);
        }
        tmp[i] = v;
    }
    memcpy(out, tmp, len * sizeof *out);
    crvm__free(tmp);
    return CRVM_OK;
}
