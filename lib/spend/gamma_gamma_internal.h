/* Private: Gamma-Gamma helpers shared with the CLV code. */
#ifndef CRVM_SPEND_GAMMA_GAMMA_INTERNAL_H
#define CRVM_SPEND_GAMMA_GAMMA_INTERNAL_H

#include "crvm/spend.h"

/* CRVM_EINVAL if params is NULL, CRVM_EDOMAIN unless p, q, v are positive and
 * finite (message set). */
crvm_status crvm__gamma_gamma_check_params(const crvm_gamma_gamma_params *params);

/* E[M | x, zbar] for one customer; params checked and q > 1 by the caller.
 * CRVM_EDOMAIN (no message) if the value overflows a double. */
crvm_status crvm__gamma_gamma_expected_spend_one(const crvm_gamma_gamma_params *params, double x,
                                                 double z, double *out);

/* The fitting objective on customers grouped by x, with its analytic
 * gradient and Hessian over theta = (ln p, ln q, ln v)
 * (gamma_gamma_grouped.c): -(1/W) sum w ln f + penalty (p^2 + q^2 + v^2),
 * the objective of gamma_gamma.c, for crvm__minimize_newton. Columns must
 * have been checked (x, zbar > 0, weights >= 0). */
typedef struct crvm__gg_grouped crvm__gg_grouped;
crvm_status crvm__gg_grouped_new(const double *x, const double *z, const double *w, size_t n,
                                 double penalty, crvm__gg_grouped **out);
void crvm__gg_grouped_free(crvm__gg_grouped *g);
double crvm__gg_objective(const double *theta, double *grad, double *hess, void *ctx);
/* Unpenalised log-likelihood from the objective's value at theta. */
double crvm__gg_grouped_loglik(const crvm__gg_grouped *d, const double *theta, double objective);

#endif
