/* Private: checks shared by the model areas' restore constructors, which
 * rebuild a fitted model from saved state (crvm/model_io.h): a state that
 * no fit can produce is refused with CRVM_EDOMAIN naming the field, so a
 * damaged file never becomes a model that predicts plausible wrong numbers. */
#ifndef CRVM_CORE_FIT_STATE_H
#define CRVM_CORE_FIT_STATE_H

#include <stddef.h>

#include "crvm/common.h"

/* A fit report as a fit fills it: finite log-likelihood, AIC and BIC,
 * gradient norm >= 0, observations > 0, iterations >= 0, converged 0 or 1,
 * and n_parameters equal to the model's. who names the model in messages. */
crvm_status crvm__check_fit_report(const crvm_fit_report *report, int n_parameters,
                                   const char *who);

/* A k x k covariance matrix (row-major): finite entries, diagonal >= 0. */
crvm_status crvm__check_covariance(const double *cov, size_t k, const char *who);

#endif
