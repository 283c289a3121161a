/* Private: unconstrained quasi-Newton minimisation (BFGS with a line search
 * satisfying the strong Wolfe conditions) and Hessian-based covariance.
 * Models minimise the negative log-likelihood of parameters transformed to be
 * unconstrained (log of positive parameters). */
#ifndef CRVM_MATH_OPTIM_H
#define CRVM_MATH_OPTIM_H

#include <stddef.h>

#include "crvm/common.h"

/* Objective: returns f(x) and, when grad is not NULL, writes the gradient.
 * Returns a non-finite value (NaN or +inf) where x is infeasible; the line
 * search then backtracks. */
typedef double (*crvm__objective)(const double *x, double *grad, void *ctx);

typedef struct crvm__optim_options {
    int max_iterations;     /* default 500 */
    double gradient_tol;    /* converged when max|g_i| <= gradient_tol * max(1, |f|); default 1e-8 */
    double relative_f_tol;  /* or when the relative decrease of f stalls below this for 2 steps; default 1e-14 */
    double max_step;        /* Newton: largest change of any x_i in one step; default 5 */
    double polish_tol;      /* Newton: once the gradient test passes, one more step while
                               max|g_i| > polish_tol * max(1, |f|); default 0: off */
} crvm__optim_options;

#define CRVM__OPTIM_OPTIONS_INIT {500, 1e-8, 1e-14, 5.0, 0.0}

typedef struct crvm__optim_result {
    double f;             /* objective at the returned x */
    double gradient_norm; /* max-norm of the gradient at x */
    int iterations;
    int converged;        /* 1 if the gradient test passed */
} crvm__optim_result;

/* Minimise f from x (n parameters, overwritten with the best point found).
 * Always fills *result. Returns CRVM_OK when converged, CRVM_ECONVERGE when
 * the iteration limit is hit or the line search fails away from a stationary
 * point, CRVM_EDOMAIN if f is not finite at the start, CRVM_ENOMEM. */
crvm_status crvm__minimize(crvm__objective f, void *ctx, size_t n, double *x,
                           const crvm__optim_options *options,
                           crvm__optim_result *result);

/* Objective with its Hessian: f(x), and when grad is not NULL the gradient
 * and the n*n row-major Hessian (hess, not NULL then). Non-finite where x is
 * infeasible. */
typedef double (*crvm__objective2)(const double *x, double *grad, double *hess, void *ctx);

/* Minimise f from x by damped Newton steps (see optim.c). hess (n*n)
 * receives the Hessian at the returned x. Returns and fills *result as
 * crvm__minimize. */
crvm_status crvm__minimize_newton(crvm__objective2 f, void *ctx, size_t n, double *x,
                                  const crvm__optim_options *options, double *hess,
                                  crvm__optim_result *result);

/* Hessian of f at x by central differences of the analytic gradient,
 * symmetrised; hessian is n*n row-major. CRVM_EDOMAIN if f is not finite
 * nearby, CRVM_ENOMEM. */
crvm_status crvm__hessian(crvm__objective f, void *ctx, size_t n, const double *x,
                          double *hessian);

#endif
