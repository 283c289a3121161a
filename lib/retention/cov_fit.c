/* Maximum-likelihood fit of the sBG/BdW with proportional-hazards
 * covariates: degenerate-data checks (cov_checks.c), start values from the
 * per-group fits without covariates (crvm_retention_fit_records on each
 * group's (n_i, churned_i)) with b = 0 -- or, on a large panel, from the fit to a sample
 * of its subjects (cov_subpanel.c) --, then Newton's method on the
 * transformed parameters with the analytic Hessian (Levenberg damping when
 * it is not definite, and a backtracking line search), evaluated on the
 * panel with identical subjects merged into one of their summed weight.
 * Standard errors: the inverse of the observed information at the
 * estimate, mapped to the natural scale by the delta method. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/linalg.h"
#include "retention/cov_checks.h"
#include "retention/cov_internal.h"
#include "retention/cov_loglik.h"
#include "retention/cov_model.h"

/* Beyond e^+-50 a parameter is infeasible (as in fit.c). */
#define LOG_PARAM_LIMIT 50.0
/* A step never moves a transformed parameter by more than this. */
#define MAX_STEP 4.0

static const char *kind_name(crvm_retention_kind kind)
{
    return kind == CRVM_RETENTION_SBG ? "sBG" : "BdW";
}

/* ---- start values ---------------------------------------------------------- */

/* Each group's fit without covariates, on its (n, churned) counts; the BdW
 * falls back to the sBG (c = 1) and that to alpha = beta = 1 when a fit
 * fails, since these are only start values. c starts at the weighted
 * geometric mean of the groups' BdW estimates. */
static crvm_status start_values(crvm_retention_kind kind, const crvm__rcov_data *d,
                                const crvm__rcov_group_stats *gs, double *x)
{
    int max_n = 0;
    for (size_t i = 0; i < d->subjects; i++)
        if (d->periods[i] > max_n)
            max_n = d->periods[i];
    size_t len = 2 * ((size_t)max_n + 1);
    double *wsum = crvm__calloc(d->groups * len, sizeof *wsum);
    int32_t *periods = crvm__calloc(len, sizeof *periods);
    int32_t *churned = crvm__calloc(len, sizeof *churned);
    double *weights = crvm__calloc(len, sizeof *weights);
    crvm_status st = CRVM_OK;
    if (!wsum || !periods || !churned || !weights) {
        st = crvm__nomem("start values of the covariate retention fit");
        goto done;
    }
    for (size_t i = 0; i < d->subjects; i++)
        if (d->periods[i] > 0)
            wsum[(size_t)d->group[i] * len + 2 * (size_t)d->periods[i] + d->churned[i]] +=
                d->weight ? d->weight[i] : 1.0;
    double lc_sum = 0, lc_weight = 0;
    for (size_t g = 0; g < d->groups; g++) {
        size_t m = 0;
        for (size_t j = 0; j < len; j++)
            if (wsum[g * len + j] > 0) {
                periods[m] = (int32_t)(j / 2);
                churned[m] = (int32_t)(j % 2);
                weights[m++] = wsum[g * len + j];
            }
        double a = 1, b = 1;
        for (int k = (int)kind; k >= 0; k--) {
            crvm_retention_fit *fit = NULL;
            st = crvm_retention_fit_records((crvm_retention_kind)k, periods, m, churned, m,
                                            weights, m, NULL, &fit, NULL);
            if (st == CRVM_ENOMEM)
                goto done;
            if (st == CRVM_OK) {
                crvm_retention_params pr;
                crvm_retention_fit_params(fit, &pr);
                crvm_retention_fit_free(fit);
                a = pr.alpha;
                b = pr.beta;
                if (k == CRVM_RETENTION_BDW) {
                    lc_sum += gs[g].weight * log(pr.c);
                    lc_weight += gs[g].weight;
                }
                break;
            }
        }
        st = CRVM_OK;
        x[2 * g] = log(a);
        x[2 * g + 1] = log(b);
    }
    if (kind == CRVM_RETENTION_BDW)
        x[2 * d->groups] = lc_weight > 0 ? lc_sum / lc_weight : 0.0;
    for (size_t j = 0; j < d->covariates; j++)
        x[2 * d->groups + (kind == CRVM_RETENTION_BDW) + j] = 0.0;
done:
    crvm__free(wsum);
    crvm__free(periods);
    crvm__free(churned);
    crvm__free(weights);
    return st;
}

/* ---- Newton's method ----------------------------------------------------------- */

/* Natural parameters (k) from x (kx); 0 if x is outside the feasible box. */
static int natural_from_x(crvm_retention_kind kind, size_t G, size_t p, const double *x,
                          double *params)
{
    int has_c = kind == CRVM_RETENTION_BDW;
    for (size_t j = 0; j < 2 * G + (size_t)has_c; j++)
        if (!(fabs(x[j]) <= LOG_PARAM_LIMIT))
            return 0;
    for (size_t j = 0; j < 2 * G; j++)
        params[j] = exp(x[j]);
    params[2 * G] = has_c ? exp(x[2 * G]) : 1.0;
    for (size_t j = 0; j < p; j++) {
        params[2 * G + 1 + j] = x[2 * G + (size_t)has_c + j];
        if (!isfinite(params[2 * G + 1 + j]))
            return 0;
    }
    return 1;
}

typedef struct newton {
    const crvm__rcov_data *d;
    crvm__rcov_eval *ev;
    crvm_retention_kind kind;
    size_t G, p, kx;
    /* > 0: a fit for start values only, which ends on an undamped Newton
     * step at most this long, taken without evaluating where it lands. */
    double start_step;
    double *params, *g, *H, *step, *work, *xt, *gt, *Ht;
} newton;

/* Negative log-likelihood F, its gradient and Hessian at x; +inf if infeasible. */
static double objective(newton *nw, const double *x, double *g, double *H)
{
    if (!natural_from_x(nw->kind, nw->G, nw->p, x, nw->params))
        return INFINITY;
    double ll = crvm__rcov_eval_run(nw->ev, nw->params, CRVM__RCOV_HESSIAN, g, H);
    if (!isfinite(ll))
        return INFINITY;
    for (size_t i = 0; i < nw->kx; i++) {
        g[i] = -g[i];
        if (!isfinite(g[i]))
            return INFINITY;
    }
    for (size_t i = 0; i < nw->kx * nw->kx; i++) {
        H[i] = -H[i];
        if (!isfinite(H[i]))
            return INFINITY;
    }
    return -ll;
}

static double max_abs(size_t n, const double *v)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(v[i]));
    return m;
}

/* Solve (H + lambda diag(H)) s = -g with the smallest lambda in 0, 1e-8,
 * 1e-7, ... that makes the matrix positive definite (*undamped: lambda = 0
 * and the step not shortened to MAX_STEP). */
static int damped_step(newton *nw, const double *g, const double *H, double *s, int *undamped)
{
    size_t k = nw->kx;
    for (double lambda = 0; lambda <= 1e8; lambda = lambda == 0 ? 1e-8 : lambda * 10) {
        for (size_t i = 0; i < k * k; i++)
            nw->work[i] = H[i];
        for (size_t i = 0; i < k; i++)
            nw->work[i * k + i] += lambda * fmax(fabs(H[i * k + i]), 1e-12);
        if (crvm__cholesky(k, nw->work) != CRVM_OK)
            continue;
        for (size_t i = 0; i < k; i++)
            s[i] = -g[i];
        crvm__cholesky_solve(k, nw->work, s);
        double big = max_abs(k, s);
        if (big > MAX_STEP)
            for (size_t i = 0; i < k; i++)
                s[i] *= MAX_STEP / big;
        *undamped = lambda == 0 && big <= MAX_STEP;
        return 1;
    }
    return 0;
}

/* Newton steps from x, where F = *f and nw->g, nw->H are already
 * evaluated, until the gradient test passes (at most max_iterations); on
 * return x, *f, nw->g, nw->H hold the last accepted point. CRVM_OK when the
 * gradient test passed, CRVM_ECONVERGE otherwise. */
/* Newton steps below this (on the fit's parameter scale) count as settled. */
#define NEWTON_STEP_TOL 1e-9

static crvm_status newton_steps(newton *nw, double *x, double tolerance, int max_iterations,
                                double *f_io, int *iterations)
{
    size_t k = nw->kx;
    double f = *f_io;
    int polished = 0;
    for (int it = 0; it < max_iterations; it++) {
        /* Once the gradient test passes, one more Newton step unless it is
         * already below NEWTON_STEP_TOL (the rule of lib/math/optim.c's
         * Newton): the test alone stops ~1e-6 relative from the optimum at
         * 10^5 subjects; quadratic convergence makes the extra step reach
         * ~1e-10, and further steps would be rounding noise. */
        int passed = max_abs(k, nw->g) <= tolerance * fmax(1.0, fabs(f));
        if (passed && polished)
            return CRVM_OK;
        int undamped;
        if (!damped_step(nw, nw->g, nw->H, nw->step, &undamped))
            return passed ? CRVM_OK : CRVM_ECONVERGE;
        if (nw->start_step > 0 && undamped && max_abs(k, nw->step) <= nw->start_step) {
            /* Start values: the step lands within ~step^2 of the optimum
             * (x + 1 * step, the point the line search would try first). */
            for (size_t i = 0; i < k; i++)
                x[i] = x[i] + 1.0 * nw->step[i];
            *iterations += 1;
            return CRVM_OK;
        }
        if (passed) {
            if (max_abs(k, nw->step) <= NEWTON_STEP_TOL)
                return CRVM_OK;
            polished = 1;
        }
        double slope = 0;
        for (size_t i = 0; i < k; i++)
            slope += nw->g[i] * nw->step[i];
        /* Within the rounding band of a sum over many subjects the value
         * cannot judge a step; a smaller gradient then does. */
        double band = 1e-12 * (1.0 + fabs(f));
        int accepted = 0;
        for (double t = 1.0; t > 1e-10 && !accepted; t *= 0.25) {
            for (size_t i = 0; i < k; i++)
                nw->xt[i] = x[i] + t * nw->step[i];
            double ft = objective(nw, nw->xt, nw->gt, nw->Ht);
            if (!isfinite(ft))
                continue;
            if (ft <= f + 1e-4 * t * slope ||
                (ft <= f + band && max_abs(k, nw->gt) < max_abs(k, nw->g))) {
                memcpy(x, nw->xt, k * sizeof *x);
                memcpy(nw->g, nw->gt, k * sizeof *nw->g);
                memcpy(nw->H, nw->Ht, k * k * sizeof *nw->H);
                f = ft;
                accepted = 1;
            }
        }
        *iterations += 1;
        *f_io = f;
        if (!accepted)
            return max_abs(k, nw->g) <= tolerance * fmax(1.0, fabs(f)) ? CRVM_OK : CRVM_ECONVERGE;
    }
    return max_abs(k, nw->g) <= tolerance * fmax(1.0, fabs(f)) ? CRVM_OK : CRVM_ECONVERGE;
}

/* Iterates from x (newton_steps after evaluating it). */
static crvm_status newton_run(newton *nw, double *x, const crvm_retention_cov_options *o,
                              double *f_out, int *iterations)
{
    *iterations = 0;
    *f_out = objective(nw, x, nw->g, nw->H);
    if (!isfinite(*f_out))
        return CRVM_ECONVERGE;
    return newton_steps(nw, x, o->tolerance, o->max_iterations, f_out, iterations);
}

/* ---- the fit ----------------------------------------------------------------------- */

static crvm_status check_options(const char *who, crvm_retention_kind kind,
                                 const crvm_retention_cov_options *o, crvm_retention_cov **out)
{
    crvm_status st = crvm__rcov_check_kind(kind, who);
    if (st != CRVM_OK)
        return st;
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: out is NULL", who);
    if (o->max_iterations < 1)
        return crvm__fail(CRVM_EINVAL, "%s: options.max_iterations = %d: must be >= 1", who,
                          o->max_iterations);
    if (!(o->tolerance > 0 && isfinite(o->tolerance)))
        return crvm__fail(CRVM_EINVAL, "%s: options.tolerance = %g: must be positive and finite",
                          who, o->tolerance);
    if (o->threads < 0)
        return crvm__fail(CRVM_EINVAL, "%s: options.threads = %d: must be >= 0", who, o->threads);
    return CRVM_OK;
}

/* After the optimiser: parameters running off, the covariance. */
static crvm_status finish(const char *who, newton *nw, crvm_retention_cov *m)
{
    size_t G = nw->G, p = nw->p, kx = nw->kx, k = m->k;
    int has_c = nw->kind == CRVM_RETENTION_BDW;
    const double *prm = m->params;
    for (size_t g = 0; g < G; g++)
        for (int j = 0; j < 2; j++) {
            double v = prm[2 * g + (size_t)j];
            if (v < 1e-6 || v > 1e6)
                return crvm__fail(CRVM_ECONVERGE, "%s: %s fit has no finite maximum: %s of group "
                                  "%zu runs off to %s (%g)", who, kind_name(nw->kind),
                                  j ? "beta" : "alpha", g, v < 1e-6 ? "0" : "infinity", v);
        }
    if (has_c && (prm[2 * G] < 1e-3 || prm[2 * G] > 1e3))
        return crvm__fail(CRVM_ECONVERGE, "%s: BdW fit has no finite maximum: c runs off to %s "
                          "(%g)", who, prm[2 * G] < 1e-3 ? "0" : "infinity", prm[2 * G]);
    for (size_t j = 0; j < p; j++) {
        double bz = 0;
        for (size_t q = 0; q < nw->d->patterns; q++)
            bz = fmax(bz, fabs(prm[2 * G + 1 + j] * nw->d->pattern_z[q * p + j]));
        if (bz > 30)
            return crvm__fail(CRVM_EDOMAIN, "%s: the effect of covariate %zu runs off (b = %g "
                              "multiplies the exposure by up to e^%.0f): churn is (nearly) "
                              "separated by it", who, j, prm[2 * G + 1 + j], bz);
    }
    double *cov_x = nw->work;
    crvm_status st = crvm__spd_inverse(kx, nw->H, cov_x);
    if (st == CRVM_ENOMEM)
        return st;
    if (st != CRVM_OK)
        return crvm__fail(CRVM_ECONVERGE, "%s: %s fit: the information matrix is not positive "
                          "definite at the estimate, so the parameters are not identified by "
                          "these data", who, kind_name(nw->kind));
    /* x index of each natural parameter (-1: the sBG's fixed c) and d natural / d x. */
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            long xi = i < 2 * G ? (long)i : i == 2 * G ? (has_c ? (long)i : -1) : (long)i - !has_c;
            long xj = j < 2 * G ? (long)j : j == 2 * G ? (has_c ? (long)j : -1) : (long)j - !has_c;
            double si = i <= 2 * G ? prm[i] : 1.0, sj = j <= 2 * G ? prm[j] : 1.0;
            m->cov[i * k + j] = xi < 0 || xj < 0 ? 0.0 : si * sj * cov_x[xi * (long)kx + xj];
        }
    return CRVM_OK;
}

static crvm_status fit_sampled(crvm_retention_kind kind, const crvm__rcov_data *d,
                               const crvm_retention_cov_options *options, size_t stride,
                               int start_only, crvm_retention_cov **out, crvm_fit_report *report_out);

/* A sample's fit ends on a Newton step below this (on the fit's parameter
 * scale) without evaluating where it lands: its estimate is a start only,
 * about sqrt(stride) standard errors from the optimum of all the data, and
 * after such a step it is within ~1e-8 of its own optimum. */
#define START_STEP 1e-4

/* x from the natural parameters of a fit to the sample, when it succeeds;
 * a large sample's own fit starts from a sample of it (the ladder of
 * cov_subpanel.c). */
static crvm_status start_from_sample(crvm_retention_kind kind, const crvm__rcov_data *d,
                                     const crvm_retention_cov_options *o, size_t stride,
                                     double *x, int *found)
{
    crvm__rcov_subpanel smp;
    crvm_status st = crvm__rcov_sample_new_threads(d, stride, o->threads, &smp);
    if (st != CRVM_OK)
        return st;
    crvm_retention_cov *m = NULL;
    st = fit_sampled(kind, &smp.data, o, crvm__rcov_sample_stride(smp.data.subjects), 1, &m, NULL);
    *found = st == CRVM_OK;
    if (*found) {
        size_t G = d->groups, has_c = kind == CRVM_RETENTION_BDW;
        for (size_t j = 0; j < 2 * G + has_c; j++)
            x[j] = log(m->params[j]);
        for (size_t j = 0; j < d->covariates; j++)
            x[2 * G + has_c + j] = m->params[2 * G + 1 + j];
    }
    crvm_retention_cov_free(m);
    crvm__rcov_subpanel_free(&smp);
    return st == CRVM_ENOMEM ? st : CRVM_OK;
}

crvm_status crvm__rcov_fit(crvm_retention_kind kind, const crvm__rcov_data *d,
                           const crvm_retention_cov_options *options, crvm_retention_cov **out,
                           crvm_fit_report *report_out)
{
    size_t subjects = d ? d->subjects : 0;
    return crvm__rcov_fit_sampled(kind, d, options, crvm__rcov_sample_stride(subjects), out,
                                  report_out);
}

crvm_status crvm__rcov_fit_sampled(crvm_retention_kind kind, const crvm__rcov_data *d,
                                   const crvm_retention_cov_options *options, size_t stride,
                                   crvm_retention_cov **out, crvm_fit_report *report_out)
{
    return fit_sampled(kind, d, options, stride, 0, out, report_out);
}

/* start_only: the fit of a sample for start values (START_STEP). */
static crvm_status fit_sampled(crvm_retention_kind kind, const crvm__rcov_data *d,
                               const crvm_retention_cov_options *options, size_t stride,
                               int start_only, crvm_retention_cov **out, crvm_fit_report *report_out)
{
    const char *who = "crvm_retention_cov_fit";
    crvm_retention_cov_options defaults = CRVM_RETENTION_COV_OPTIONS_INIT;
    const crvm_retention_cov_options *o = options ? options : &defaults;
    crvm_status st = check_options(who, kind, o, out);
    if (st == CRVM_OK && (d == NULL || d->groups < 1))
        st = crvm__rcov_data_check(d, who);
    if (st != CRVM_OK)
        return st;
    size_t G = d->groups, p = d->covariates;
    crvm__rcov_group_stats *gs = crvm__calloc(G, sizeof *gs);
    if (gs == NULL)
        return crvm__nomem("checking the groups");
    double total;
    st = crvm__rcov_check_fit_data(who, kind, d, o->threads, gs, &total);
    newton nw;
    memset(&nw, 0, sizeof nw);
    crvm_retention_cov *m = NULL;
    double *x = NULL;
    /* The evaluations run on the panel with identical subjects merged. */
    crvm__rcov_subpanel merged;
    int is_merged = 0;
    memset(&merged, 0, sizeof merged);
    if (st == CRVM_OK)
        st = crvm__rcov_merge_identical_threads(d, o->threads, &merged, &is_merged);
    if (st != CRVM_OK)
        goto done;
    const crvm__rcov_data *fd = is_merged ? &merged.data : d;
    nw.d = fd;
    nw.kind = kind;
    nw.start_step = start_only ? START_STEP : 0.0;
    nw.G = G;
    nw.p = p;
    if ((st = crvm__rcov_eval_new(kind, fd, o->threads, &nw.ev)) != CRVM_OK)
        goto done;
    size_t kx = nw.kx = crvm__rcov_eval_dim(nw.ev);
    x = crvm__calloc(6 * kx + 3 * kx * kx + 2 * G + 1 + p, sizeof *x);
    if (x == NULL) {
        st = crvm__nomem("the Newton workspace");
        goto done;
    }
    nw.g = x + kx;
    nw.step = nw.g + kx;
    nw.xt = nw.step + kx;
    nw.gt = nw.xt + kx;
    nw.H = nw.gt + kx;
    nw.Ht = nw.H + kx * kx;
    nw.work = nw.Ht + kx * kx;
    nw.params = nw.work + kx * kx;
    int sampled = 0;
    if (stride > 1 && (st = start_from_sample(kind, d, o, stride, x, &sampled)) != CRVM_OK)
        goto done;
    if (!sampled && (st = start_values(kind, fd, gs, x)) != CRVM_OK)
        goto done;
    double f;
    int iterations;
    crvm_status conv = newton_run(&nw, x, o, &f, &iterations);
    if (conv == CRVM_OK && sampled && !start_only) {
        /* From the sample's estimate the few iterations may stop just inside
         * the gradient test, where a start far away ends orders of magnitude
         * inside it (its last step converging quadratically): one more step
         * makes the estimate as precise whichever start it came from. */
        (void)newton_steps(&nw, x, 1e-3 * o->tolerance, 1, &f, &iterations);
    }

    crvm_fit_report report;
    memset(&report, 0, sizeof report);
    report.log_likelihood = -f;
    report.n_parameters = (int)kx;
    report.n_observations = total;
    report.aic = 2.0 * (double)kx + 2.0 * f;
    report.bic = (double)kx * log(total) + 2.0 * f;
    report.gradient_norm = max_abs(kx, nw.g);
    report.iterations = iterations;
    report.converged = 0;
    if (report_out)
        *report_out = report;
    if (!isfinite(f) || !natural_from_x(kind, G, p, x, nw.params)) {
        st = crvm__fail(CRVM_ECONVERGE, "%s: %s fit failed: no finite log-likelihood at the "
                        "start values or along the way", who, kind_name(kind));
        goto done;
    }
    if ((st = crvm__rcov_model_alloc(kind, G, p, 1, &m)) != CRVM_OK)
        goto done;
    memcpy(m->params, nw.params, m->k * sizeof *m->params);
    if ((st = finish(who, &nw, m)) != CRVM_OK)
        goto done;
    if (conv != CRVM_OK) {
        st = crvm__fail(CRVM_ECONVERGE, "%s: %s fit did not converge in %d iterations (gradient "
                        "norm %g, log-likelihood %.10g)", who, kind_name(kind), iterations,
                        report.gradient_norm, report.log_likelihood);
        goto done;
    }
    report.converged = 1;
    m->report = report;
    if (report_out)
        *report_out = report;
    *out = m;
    m = NULL;
done:
    crvm_retention_cov_free(m);
    crvm__free(x);
    crvm__rcov_eval_free(nw.ev);
    crvm__rcov_subpanel_free(&merged);
    crvm__free(gs);
    return st;
}

crvm_status crvm_retention_cov_fit(crvm_retention_kind kind, const int32_t *subject_group,
                                   size_t subject_group_len, size_t groups,
                                   const int32_t *row_subject, size_t row_subject_len,
                                   const int32_t *row_period, size_t row_period_len,
                                   const int32_t *row_event, size_t row_event_len, const double *z,
                                   size_t z_len, size_t covariates, const double *subject_weight,
                                   size_t subject_weight_len,
                                   const crvm_retention_cov_options *options,
                                   crvm_retention_cov **out, crvm_fit_report *report)
{
    const char *who = "crvm_retention_cov_fit";
    crvm_retention_cov_options defaults = CRVM_RETENTION_COV_OPTIONS_INIT;
    crvm_status st = check_options(who, kind, options ? options : &defaults, out);
    if (st != CRVM_OK)
        return st;
    crvm__rcov_panel panel;
    st = crvm__rcov_panel_build(who, groups, covariates, subject_group, subject_group_len,
                                row_subject, row_subject_len, row_period, row_period_len,
                                row_event, row_event_len, z, z_len, subject_weight,
                                subject_weight_len, &panel);
    if (st != CRVM_OK)
        return st;
    st = crvm__rcov_fit(kind, &panel.data, options, out, report);
    crvm__rcov_panel_free(&panel);
    return st;
}

/* ---- the log-likelihood at given parameters ------------------------------------------- */

crvm_status crvm__rcov_log_likelihood(crvm_retention_kind kind, const crvm__rcov_data *d,
                                      const double *params, int threads, double *log_likelihood,
                                      double *gradient)
{
    crvm__rcov_eval *ev;
    crvm_status st = crvm__rcov_eval_new(kind, d, threads, &ev);
    if (st != CRVM_OK)
        return st;
    size_t G = d->groups, p = d->covariates, kx = crvm__rcov_eval_dim(ev);
    double *gx = crvm__calloc(kx ? kx : 1, sizeof *gx);
    if (gx == NULL) {
        crvm__rcov_eval_free(ev);
        return crvm__nomem("the log-likelihood gradient");
    }
    double ll = crvm__rcov_eval_run(ev, params, gradient ? CRVM__RCOV_GRADIENT : CRVM__RCOV_VALUE,
                                    gx, NULL);
    if (gradient) {
        /* d/d theta = (d/d ln theta) / theta; -inf leaves no gradient: 0. */
        int has_c = kind == CRVM_RETENTION_BDW, ok = isfinite(ll);
        for (size_t j = 0; j < 2 * G; j++)
            gradient[j] = ok ? gx[j] / params[j] : 0.0;
        gradient[2 * G] = ok && has_c ? gx[2 * G] / params[2 * G] : 0.0;
        for (size_t j = 0; j < p; j++)
            gradient[2 * G + 1 + j] = ok ? gx[2 * G + (size_t)has_c + j] : 0.0;
    }
    *log_likelihood = ll;
    crvm__free(gx);
    crvm__rcov_eval_free(ev);
    return CRVM_OK;
}

crvm_status crvm_retention_cov_log_likelihood(
    crvm_retention_kind kind, size_t groups, size_t covariates, const double *params,
    size_t params_len, const int32_t *subject_group, size_t subject_group_len,
    const int32_t *row_subject, size_t row_subject_len, const int32_t *row_period,
    size_t row_period_len, const int32_t *row_event, size_t row_event_len, const double *z,
    size_t z_len, const double *subject_weight, size_t subject_weight_len,
    double *log_likelihood, double *gradient, size_t gradient_len)
{
    const char *who = "crvm_retention_cov_log_likelihood";
    crvm_status st = crvm__rcov_check_kind(kind, who);
    if (st != CRVM_OK)
        return st;
    size_t k = 2 * groups + 1 + covariates;
    if (params == NULL || log_likelihood == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL", who,
                          params == NULL ? "params" : "log_likelihood");
    if (groups < 1)
        return crvm__fail(CRVM_EINVAL, "%s: groups = 0: need at least one", who);
    if (params_len != k)
        return crvm__fail(CRVM_EINVAL, "%s: params_len = %zu: must be %zu", who, params_len, k);
    if ((gradient == NULL) != (gradient_len == 0) || (gradient && gradient_len != k))
        return crvm__fail(CRVM_EINVAL, "%s: gradient_len = %zu: must be %zu (or 0 with NULL)",
                          who, gradient_len, k);
    st = crvm__rcov_check_params(kind, groups, covariates, params, who);
    if (st != CRVM_OK)
        return st;
    crvm__rcov_panel panel;
    st = crvm__rcov_panel_build(who, groups, covariates, subject_group, subject_group_len,
                                row_subject, row_subject_len, row_period, row_period_len,
                                row_event, row_event_len, z, z_len, subject_weight,
                                subject_weight_len, &panel);
    if (st != CRVM_OK)
        return st;
    double ll;
    double *g = gradient ? crvm__calloc(k, sizeof *g) : NULL;
    if (gradient && g == NULL)
        st = crvm__nomem("the log-likelihood gradient");
    if (st == CRVM_OK)
        st = crvm__rcov_log_likelihood(kind, &panel.data, params, 0, &ll, g);
    if (st == CRVM_OK) {
        *log_likelihood = ll;
        if (gradient)
            memcpy(gradient, g, k * sizeof *g);
    }
    crvm__free(g);
    crvm__rcov_panel_free(&panel);
    return st;
}
