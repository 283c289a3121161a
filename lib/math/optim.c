/* Unconstrained minimisation: BFGS on the inverse Hessian (Nocedal & Wright,
 * Numerical Optimization, 2nd ed., Algorithm 6.1) with a line search that
 * enforces the strong Wolfe conditions (Algorithms 3.5 and 3.6), and a
 * central-difference Hessian of an analytic gradient.
 *
 * Infeasible points: where the objective (or its gradient) is not finite the
 * line search treats the trial step as "too long", shrinks it and never again
 * extrapolates beyond it in that search.
 *
 * Scaling: the first step is a gradient step of length at most 1 in the
 * max-norm; before the first BFGS update the identity is rescaled by
 * s'y / y'y (N&W eq. 6.20) so that badly scaled problems start with a
 * sensible curvature estimate. A non-descent direction or a failed search
 * restarts from the scaled identity once before giving up. */
#include "math/optim.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/linalg.h"

#define WOLFE_C1 1e-4
#define WOLFE_C2 0.9
#define MAX_LS_EVALS 80

static double max_abs(size_t n, const double *v)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(v[i]);
        if (!(a <= m)) /* propagates NaN */
            m = a;
    }
    return m;
}

static int all_finite(size_t n, const double *v)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static double dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* The options (defaults for NULL) and an empty result, shared by both
 * minimisers; CRVM_EINVAL without parameters. */
static crvm_status begin(const crvm__optim_options *options, size_t n, crvm__optim_options *opt,
                         crvm__optim_result *result)
{
    crvm__optim_options d = CRVM__OPTIM_OPTIONS_INIT;
    *opt = options != NULL ? *options : d;
    result->f = NAN;
    result->gradient_norm = NAN;
    result->iterations = 0;
    result->converged = 0;
    if (n == 0)
        return crvm__fail(CRVM_EINVAL, "minimize: no parameters");
    return CRVM_OK;
}

/* The stopping test of both minimisers: 1 when the gradient test passes
 * (*converged = 1) or the iteration limit is reached (*st = ECONVERGE). */
static int stop_test(const crvm__optim_options *opt, double fx, double gmax, int it,
                     int *converged, crvm_status *st)
{
    if (gmax <= opt->gradient_tol * fmax(1.0, fabs(fx))) {
        *converged = 1;
        return 1;
    }
    if (it >= opt->max_iterations) {
        *st = crvm__fail(CRVM_ECONVERGE,
                         "minimize: no convergence after %d iterations (max|gradient| = %g)", it,
                         gmax);
        return 1;
    }
    return 0;
}

/* Line-search state: the objective along x0 + alpha p. */
typedef struct line {
    crvm__objective f;
    void *ctx;
    size_t n;
    const double *x0, *p;
    double phi0, dphi0;
    double eps_f;        /* width of the band of f values that rounding cannot resolve */
    double *xt, *gt;     /* trial point and gradient */
    double *xlo, *glo;   /* best acceptable point so far (alpha_lo) */
    double flo, alpha_lo;
    int evals;
} line;

/* Evaluate at alpha into xt/gt; returns phi (inf when infeasible) and the
 * directional derivative in *dphi. */
static double line_eval(line *ls, double alpha, double *dphi)
{
    for (size_t i = 0; i < ls->n; i++)
        ls->xt[i] = ls->x0[i] + alpha * ls->p[i];
    ls->evals++;
    double phi = ls->f(ls->xt, ls->gt, ls->ctx);
    if (!isfinite(phi) || !all_finite(ls->n, ls->gt)) {
        *dphi = NAN;
        return INFINITY;
    }
    *dphi = dot(ls->n, ls->gt, ls->p);
    return phi;
}

/* Sufficient decrease: Armijo, or within the rounding band of f, the
 * "approximate Wolfe" test of Hager & Zhang (2005), which reads the decrease
 * off the derivative: phi'(a) <= (2 c1 - 1) phi'(0). Near an optimum of a
 * likelihood summed over many observations, differences in f drown in
 * rounding long before the gradient test is met; the derivatives still
 * carry the information. */
static int in_band(const line *ls, double phi)
{
    return phi <= ls->phi0 + ls->eps_f;
}

static int sufficient(const line *ls, double alpha, double phi, double dphi)
{
    if (phi <= ls->phi0 + WOLFE_C1 * alpha * ls->dphi0)
        return 1;
    return in_band(ls, phi) && dphi <= (2.0 * WOLFE_C1 - 1.0) * ls->dphi0;
}

static void line_keep(line *ls, double alpha, double phi)
{
    memcpy(ls->xlo, ls->xt, ls->n * sizeof *ls->xlo);
    memcpy(ls->glo, ls->gt, ls->n * sizeof *ls->glo);
    ls->flo = phi;
    ls->alpha_lo = alpha;
}

/* Minimiser of the cubic through (a, fa, da), (b, fb, db); NaN if none. */
static double cubic_min(double a, double fa, double da, double b, double fb, double db)
{
    double d1 = da + db - 3.0 * (fa - fb) / (a - b);
    double disc = d1 * d1 - da * db;
    if (!(disc >= 0.0))
        return NAN;
    double d2 = copysign(sqrt(disc), b - a);
    return b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
}

/* Minimiser of the quadratic through (a, fa, da) and (b, fb); NaN if none. */
static double quad_min(double a, double fa, double da, double b, double fb)
{
    double h = b - a;
    double curv = (fb - fa - da * h) / (h * h);
    if (!(curv > 0.0))
        return NAN;
    return a - da / (2.0 * curv);
}

/* Algorithm 3.6. lo satisfies sufficient decrease with phi(lo) < phi(hi)
 * (or hi is infeasible) and dphi(lo) (hi - lo) < 0. Returns 1 if a strong
 * Wolfe point was found (left in xlo/glo), 0 otherwise (xlo holds the best
 * point seen, possibly alpha_lo == 0). */
static int zoom(line *ls, double lo, double flo, double dlo, double hi, double fhi, double dhi)
{
    while (ls->evals < MAX_LS_EVALS) {
        double width = hi - lo;
        if (fabs(width) <= 4.0 * DBL_EPSILON * fmax(fabs(lo), fabs(hi)))
            return 0;
        double a = NAN;
        if (isfinite(fhi))
            a = isfinite(dhi) ? cubic_min(lo, flo, dlo, hi, fhi, dhi)
                              : quad_min(lo, flo, dlo, hi, fhi);
        /* Safeguard: stay in the middle 80% of the interval, else bisect. */
        double t = (a - lo) / width;
        if (!(t >= 0.1 && t <= 0.9))
            a = lo + 0.5 * width;
        double da;
        double fa = line_eval(ls, a, &da);
        if (!isfinite(fa) || !sufficient(ls, a, fa, da) || (fa >= flo && !in_band(ls, fa))) {
            hi = a;
            fhi = fa;
            dhi = da;
        } else {
            line_keep(ls, a, fa);
            if (fabs(da) <= -WOLFE_C2 * ls->dphi0)
                return 1;
            if (da * (hi - lo) >= 0.0) {
                hi = lo;
                fhi = flo;
                dhi = dlo;
            }
            lo = a;
            flo = fa;
            dlo = da;
        }
    }
    return 0;
}

/* Algorithm 3.5. Returns 1 on a strong Wolfe point, 0 if only a point with
 * sufficient decrease was found, -1 if no decrease at all. The accepted point
 * is in xlo/glo/flo. */
static int line_search(line *ls, double alpha)
{
    double prev = 0.0, fprev = ls->phi0, dprev = ls->dphi0;
    double alpha_max = INFINITY; /* smallest infeasible step seen */
    ls->evals = 0;
    ls->alpha_lo = 0.0;
    ls->flo = ls->phi0;
    int first = 1;
    while (ls->evals < MAX_LS_EVALS) {
        double d;
        double phi = line_eval(ls, alpha, &d);
        if (!isfinite(phi)) {
            /* Infeasible: shrink towards the last feasible step. */
            alpha_max = alpha;
            alpha = prev + 0.2 * (alpha - prev);
            if (alpha - prev <= 4.0 * DBL_EPSILON * fmax(prev, DBL_MIN))
                break;
            continue;
        }
        int found;
        if (!sufficient(ls, alpha, phi, d) || (!first && phi >= fprev && !in_band(ls, phi))) {
            found = zoom(ls, prev, fprev, dprev, alpha, phi, d);
            goto done;
        }
        line_keep(ls, alpha, phi);
        if (fabs(d) <= -WOLFE_C2 * ls->dphi0)
            return 1;
        if (d >= 0.0) {
            found = zoom(ls, alpha, phi, d, prev, fprev, dprev);
            goto done;
        }
        first = 0;
        prev = alpha;
        fprev = phi;
        dprev = d;
        alpha = isfinite(alpha_max) ? 0.5 * (alpha + alpha_max) : 4.0 * alpha;
        continue;
    done:
        if (found)
            return 1;
        break;
    }
    return ls->alpha_lo > 0.0 && in_band(ls, ls->flo) ? 0 : -1;
}

static void set_identity(size_t n, double *h, double scale)
{
    memset(h, 0, n * n * sizeof *h);
    for (size_t i = 0; i < n; i++)
        h[i * n + i] = scale;
}

crvm_status crvm__minimize(crvm__objective f, void *ctx, size_t n, double *x,
                           const crvm__optim_options *options, crvm__optim_result *result)
{
    crvm__optim_options opt;
    crvm_status st0 = begin(options, n, &opt, result);
    if (st0 != CRVM_OK)
        return st0;

    double *work = crvm__calloc(n * n + 9 * n, sizeof *work);
    if (work == NULL)
        return crvm__nomem("optimiser workspace");
    double *h = work, *g = h + n * n, *p = g + n, *s = p + n, *y = s + n, *hy = y + n;
    double *xt = hy + n, *gt = xt + n, *xlo = gt + n, *glo = xlo + n;

    crvm_status st = CRVM_OK;
    double fx = f(x, g, ctx);
    if (!isfinite(fx) || !all_finite(n, g)) {
        result->f = fx;
        crvm__free(work);
        return crvm__fail(CRVM_EDOMAIN,
                          "minimize: objective or gradient not finite at the starting point");
    }
    double gmax = max_abs(n, g);
    set_identity(n, h, 1.0);
    int h_is_initial = 1; /* H is a (scaled) identity: restarting would not help */
    int scaled = 0;       /* the N&W 6.20 scaling has been applied */
    int stalls = 0;
    int it = 0;
    int converged = 0;

    for (;;) {
        if (stop_test(&opt, fx, gmax, it, &converged, &st))
            break;
        /* p = -H g, restarting from the identity if it is not a descent direction. */
        double gp;
        for (int attempt = 0;; attempt++) {
            for (size_t i = 0; i < n; i++) {
                double sum = 0.0;
                for (size_t j = 0; j < n; j++)
                    sum += h[i * n + j] * g[j];
                p[i] = -sum;
            }
            gp = dot(n, g, p);
            if ((gp < 0.0 && isfinite(gp)) || attempt > 0)
                break;
            set_identity(n, h, 1.0);
            h_is_initial = 1;
            scaled = 0;
        }
        /* Before any curvature information, limit the first step to unit max-norm. */
        double alpha0 = 1.0;
        if (!scaled) {
            double pmax = max_abs(n, p);
            if (pmax > 1.0)
                alpha0 = 1.0 / pmax;
        }
        line ls = {f, ctx, n, x, p, fx, gp, 1e-11 * fabs(fx), xt, gt, xlo, glo, fx, 0.0, 0};
        int found = (gp < 0.0) ? line_search(&ls, alpha0) : -1;
        if (found < 0) {
            if (!h_is_initial) {
                set_identity(n, h, 1.0);
                h_is_initial = 1;
                scaled = 0;
                continue; /* retry this iteration with steepest descent */
            }
            /* No decrease along steepest descent either: numerically stationary
             * when the predicted decrease is at rounding level of f. */
            if (-gp <= 1e-12 * fmax(1.0, fabs(fx))) {
                converged = 1;
                break;
            }
            st = crvm__fail(CRVM_ECONVERGE,
                            "minimize: line search failed after %d iterations (max|gradient| = %g)",
                            it, gmax);
            break;
        }
        it++;
        for (size_t i = 0; i < n; i++) {
            s[i] = xlo[i] - x[i];
            y[i] = glo[i] - g[i];
        }
        double fold = fx;
        memcpy(x, xlo, n * sizeof *x);
        memcpy(g, glo, n * sizeof *g);
        fx = ls.flo;
        gmax = max_abs(n, g);

        double sy = dot(n, s, y);
        double yy = dot(n, y, y);
        if (sy > 1e-12 * sqrt(dot(n, s, s) * yy) && isfinite(sy) && isfinite(yy) && yy > 0.0) {
            if (!scaled) {
                set_identity(n, h, sy / yy);
                scaled = 1;
            }
            /* H+ = H - rho (Hy s' + s (Hy)') + (rho^2 y'Hy + rho) s s' */
            double rho = 1.0 / sy;
            for (size_t i = 0; i < n; i++) {
                double sum = 0.0;
                for (size_t j = 0; j < n; j++)
                    sum += h[i * n + j] * y[j];
                hy[i] = sum;
            }
            double yhy = dot(n, y, hy);
            double c = rho * rho * yhy + rho;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    h[i * n + j] += c * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
            h_is_initial = 0;
        }

        if (fold - fx <= opt.relative_f_tol * fabs(fold)) {
            if (++stalls >= 2) {
                converged = 1;
                break;
            }
        } else {
            stalls = 0;
        }
    }
    result->f = fx;
    result->gradient_norm = gmax;
    result->iterations = it;
    result->converged = converged;
    crvm__free(work);
    return st;
}

crvm_status crvm__hessian(crvm__objective f, void *ctx, size_t n, const double *x,
                          double *hessian)
{
    if (n == 0)
        return CRVM_OK;
    double *work = crvm__calloc(n * n + 3 * n, sizeof *work);
    if (work == NULL)
        return crvm__nomem("Hessian workspace");
    double *hs = work, *xp = hs + n * n, *gp = xp + n, *gm = gp + n;
    crvm_status st = CRVM_OK;
    memcpy(xp, x, n * sizeof *xp);
    /* Step ~ eps^(1/3) relative: balances truncation O(h^2) against rounding
     * O(eps / h) for a central difference of the gradient. */
    const double rel = 6.0554544523933395e-06; /* cbrt(DBL_EPSILON) */
    for (size_t i = 0; i < n && st == CRVM_OK; i++) {
        double h = rel * fmax(fabs(x[i]), 1.0);
        int ok = 0;
        for (int attempt = 0; attempt < 6 && !ok; attempt++, h *= 0.125) {
            volatile double up = x[i] + h; /* make the step exactly representable */
            double hh = up - x[i];
            xp[i] = x[i] + hh;
            double fp = f(xp, gp, ctx);
            xp[i] = x[i] - hh;
            double fm = f(xp, gm, ctx);
            xp[i] = x[i];
            if (!isfinite(fp) || !isfinite(fm) || !all_finite(n, gp) || !all_finite(n, gm))
                continue;
            for (size_t j = 0; j < n; j++)
                hs[i * n + j] = (gp[j] - gm[j]) / (2.0 * hh);
            ok = 1;
        }
        if (!ok)
            st = crvm__fail(CRVM_EDOMAIN,
                            "Hessian: objective or gradient not finite near x[%zu] = %g", i, x[i]);
    }
    if (st == CRVM_OK) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                double a = 0.5 * (hs[i * n + j] + hs[j * n + i]);
                hs[i * n + j] = hs[j * n + i] = a;
            }
        memcpy(hessian, hs, n * n * sizeof *hessian);
    }
    crvm__free(work);
    return st;
}

/* Damped Newton with an analytic Hessian (Levenberg-Marquardt shift and
 * Armijo backtracking, Nocedal & Wright sections 3.1 and 3.4): the step
 * solves (H + lambda I) p = -g, with lambda = 0 while H is positive
 * definite and otherwise the smallest of 1e-8 max|H_ii| * 10^j that makes it
 * so; steps are capped at max-norm options.max_step (5 unless the caller
 * sets it). With options.polish_tol, a point that passes the gradient test
 * but whose gradient is still above polish_tol gets one more step, the
 * full Newton step, kept when it lowers the gradient (quadratic convergence
 * makes it the last one that counts; below polish_tol the gradient is
 * rounding noise, and a step on noise would move x by noise over the
 * Hessian's smallest eigenvalue). Every trial point is evaluated with
 * its derivatives: near the optimum the full step is taken, so each
 * iteration costs one evaluation. */
#define NEWTON_MAX_BACKTRACK 60

/* (H + lambda I) p = -g by Cholesky; 0 when not positive definite */
static int shifted_solve(size_t n, const double *hess, double lambda, const double *g,
                         double *fac, double *p)
{
    memcpy(fac, hess, n * n * sizeof *fac);
    for (size_t i = 0; i < n; i++)
        fac[i * n + i] += lambda;
    crvm_status st = crvm__cholesky(n, fac);
    if (st != CRVM_OK) {
        crvm_clear_error();
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = -g[i];
    crvm__cholesky_solve(n, fac, p);
    return all_finite(n, p);
}

crvm_status crvm__minimize_newton(crvm__objective2 f, void *ctx, size_t n, double *x,
                                  const crvm__optim_options *options, double *hess,
                                  crvm__optim_result *result)
{
    crvm__optim_options opt;
    crvm_status st0 = begin(options, n, &opt, result);
    if (st0 != CRVM_OK)
        return st0;
    double *work = crvm__calloc(2 * n * n + 4 * n, sizeof *work);
    if (work == NULL)
        return crvm__nomem("optimiser workspace");
    double *fac = work, *ht = fac + n * n, *g = ht + n * n, *gt = g + n, *p = gt + n,
           *xt = p + n;
    double fx = f(x, g, hess, ctx);
    if (!isfinite(fx) || !all_finite(n, g) || !all_finite(n * n, hess)) {
        result->f = fx;
        crvm__free(work);
        return crvm__fail(CRVM_EDOMAIN,
                          "minimize: objective or derivatives not finite at the starting point");
    }
    crvm_status st = CRVM_OK;
    double gmax = max_abs(n, g);
    int it = 0, converged = 0;
    /* the gradient test passed at x and one more step for polish_tol is
     * under way (polishing), or was taken (polished: quadratic convergence makes
     * it the last; beyond it the steps are rounding noise) */
    int polishing = 0, polished = 0;
    for (;;) {
        int stop = stop_test(&opt, fx, gmax, it, &converged, &st);
        if (stop && !(converged && opt.polish_tol > 0.0 &&
                       gmax > opt.polish_tol * fmax(1.0, fabs(fx)) && !polished))
            break;
        double dmax = 0.0;
        for (size_t i = 0; i < n; i++)
            dmax = fmax(dmax, fabs(hess[i * n + i]));
        double lambda = 0.0;
        int solved = shifted_solve(n, hess, 0.0, g, fac, p);
        for (lambda = 1e-8 * fmax(dmax, 1e-300); !solved && lambda < 1e300; lambda *= 10.0)
            solved = shifted_solve(n, hess, lambda, g, fac, p);
        double pmax = max_abs(n, p), gp = dot(n, g, p);
        if (stop) {
            /* the gradient test passed but the gradient is above
             * polish_tol: one more step, unless none can improve x */
            if (!solved || !(gp < 0.0) || it >= opt.max_iterations)
                break;
            polished = 1;
            converged = 0;
            polishing = 1;
        }
        if (!solved || !(gp < 0.0)) {
            st = crvm__fail(CRVM_ECONVERGE, "minimize: no descent direction (max|gradient| = %g)",
                            gmax);
            break;
        }
        double step = pmax > opt.max_step ? opt.max_step / pmax : 1.0, ft = NAN;
        int accepted = 0;
        for (int k = 0; k < NEWTON_MAX_BACKTRACK; k++, step *= 0.5) {
            for (size_t i = 0; i < n; i++)
                xt[i] = x[i] + step * p[i];
            ft = f(xt, gt, ht, ctx);
            int finite = isfinite(ft) && all_finite(n, gt) && all_finite(n * n, ht);
            /* the polishing step is the full Newton step, judged by the
             * gradient: so close to the optimum the decrease of f it makes
             * (~ g p / 2) is below the rounding of f, so the Armijo test
             * would pass or fail on noise */
            if (polishing) {
                accepted = finite && max_abs(n, gt) < gmax;
                break;
            }
            if (finite && ft <= fx + WOLFE_C1 * step * gp) {
                accepted = 1;
                break;
            }
        }
        if (!accepted && polishing) {
            /* x passed the gradient test and the Newton step does not
             * lower the gradient: x is the optimum to rounding */
            converged = 1;
            break;
        }
        polishing = 0;
        if (!accepted) {
            /* no decrease along a descent direction: at the optimum to
             * rounding, or a failure; the gradient test decides */
            st = crvm__fail(CRVM_ECONVERGE,
                            "minimize: line search failed (max|gradient| = %g)", gmax);
            break;
        }
        memcpy(x, xt, n * sizeof *x);
        memcpy(g, gt, n * sizeof *g);
        memcpy(hess, ht, n * n * sizeof *hess);
        fx = ft;
        gmax = max_abs(n, g);
        it++;
    }
    result->f = fx;
    result->gradient_norm = gmax;
    result->iterations = it;
    result->converged = converged;
    crvm__free(work);
    return converged ? CRVM_OK : st;
}
