/* Private: the covariate retention log-likelihood, its gradient and its
 * analytic Hessian in the transformed parameters
 *     x = (ln alpha_0, ln beta_0, ..., ln alpha_{G-1}, ln beta_{G-1}, [ln c,] b_0..b_{p-1})
 * (ln c for the BdW only), evaluated over fixed blocks of subjects, on worker
 * threads if asked, with the block results summed in block order (so the
 * result is bit-identical for any thread count). */
#ifndef CRVM_RETENTION_COV_LOGLIK_H
#define CRVM_RETENTION_COV_LOGLIK_H

#include <stddef.h>

#include "retention/cov_internal.h"

typedef enum crvm__rcov_mode {
    CRVM__RCOV_VALUE = 0,    /* log-likelihood only: O(rows + subjects) */
    CRVM__RCOV_GRADIENT = 1, /* and its gradient: + O(rows x covariates) */
    CRVM__RCOV_HESSIAN = 2   /* and its Hessian: + O(subjects x covariates^2 + patterns touched
                                per block x covariates^2) */
} crvm__rcov_mode;

typedef struct crvm__rcov_eval crvm__rcov_eval;

/* Workspace for evaluations on one data set (kept by reference: the data
 * must outlive it). CRVM_ENOMEM. */
crvm_status crvm__rcov_eval_new(crvm_retention_kind kind, const crvm__rcov_data *data,
                                int threads, crvm__rcov_eval **out);
void crvm__rcov_eval_free(crvm__rcov_eval *ev);

/* Where the processor has AVX2 the blocks run a clone of the same code
 * compiled for it, with the same bits (cov_loglik.c); scalar = 1 keeps
 * this workspace on the default clone (the tests compare the two). */
void crvm__rcov_eval_scalar(crvm__rcov_eval *ev, int scalar);

/* Number of transformed parameters: 2 G + (1 for the BdW) + p. */
size_t crvm__rcov_eval_dim(const crvm__rcov_eval *ev);

/* Log-likelihood at the natural parameters (k values, already checked);
 * grad (kx values) and hess (kx x kx, row-major) in x when the mode asks
 * for them. Returns -inf (outputs then unspecified) where a probability
 * underflows or an exposure overflows. */
double crvm__rcov_eval_run(crvm__rcov_eval *ev, const double *params, crvm__rcov_mode mode,
                           double *grad, double *hess);

#endif
