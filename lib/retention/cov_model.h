/* Private: the covariate retention model handle, shared by the files of
 * lib/retention/cov_*.c. */
#ifndef CRVM_RETENTION_COV_MODEL_H
#define CRVM_RETENTION_COV_MODEL_H

#include <stddef.h>

#include "crvm/retention_cov.h"

struct crvm_retention_cov {
    crvm_retention_kind kind;
    size_t groups, covariates, k; /* k = 2 groups + 1 + covariates */
    double *params;               /* k natural values */
    double *cov;                  /* k x k natural covariance, or NULL */
    crvm_fit_report report;
};

/* A model with its arrays allocated (params zero, covariance zero or NULL),
 * report of a model not fitted (NaN log-likelihood). CRVM_ENOMEM. */
crvm_status crvm__rcov_model_alloc(crvm_retention_kind kind, size_t groups, size_t covariates,
                                   int with_covariance, crvm_retention_cov **out);

/* kind is the sBG or the BdW; CRVM_EINVAL naming `who` otherwise. */
crvm_status crvm__rcov_check_kind(crvm_retention_kind kind, const char *who);

/* Natural parameters in range: alpha, beta, c positive and finite (c = 1 for
 * the sBG), b finite; CRVM_EDOMAIN naming the parameter. */
crvm_status crvm__rcov_check_params(crvm_retention_kind kind, size_t groups, size_t covariates,
                                    const double *params, const char *who);

/* Row increments of the exposure: w_s = s^c - (s-1)^c, and its first and
 * second derivatives in c, for s = 1..max_n (index s; index 0 unused), each
 * computed as a sum of positive terms (no cancellation for large s). */
void crvm__rcov_period_weights(double c, int max_n, double *w, double *w_c, double *w_cc);

#endif
