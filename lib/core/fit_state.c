#include "core/fit_state.h"

#include <math.h>

#include "core/error.h"

crvm_status crvm__check_fit_report(const crvm_fit_report *r, int n_parameters, const char *who)
{
    if (!isfinite(r->log_likelihood) || !isfinite(r->aic) || !isfinite(r->bic))
        return crvm__fail(CRVM_EDOMAIN,
                          "%s: report log_likelihood = %g, aic = %g, bic = %g: must be finite", who,
                          r->log_likelihood, r->aic, r->bic);
    if (!(r->gradient_norm >= 0.0) || !isfinite(r->gradient_norm))
        return crvm__fail(CRVM_EDOMAIN, "%s: report gradient_norm = %g: must be finite and >= 0",
                          who, r->gradient_norm);
    if (!(r->n_observations > 0.0) || !isfinite(r->n_observations))
        return crvm__fail(CRVM_EDOMAIN, "%s: report n_observations = %g: must be finite and > 0",
                          who, r->n_observations);
    if (r->iterations < 0)
        return crvm__fail(CRVM_EDOMAIN, "%s: report iterations = %d: must be >= 0", who,
                          r->iterations);
    if (r->converged != 0 && r->converged != 1)
        return crvm__fail(CRVM_EDOMAIN, "%s: report converged = %d: must be 0 or 1", who,
                          r->converged);
    if (r->n_parameters != n_parameters)
        return crvm__fail(CRVM_EDOMAIN, "%s: report n_parameters = %d: the model has %d", who,
                          r->n_parameters, n_parameters);
    return CRVM_OK;
}

crvm_status crvm__check_covariance(const double *cov, size_t k, const char *who)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double c = cov[i * k + j];
            if (!isfinite(c) || (i == j && c < 0.0))
                return crvm__fail(CRVM_EDOMAIN, "%s: covariance[%zu][%zu] = %g: must be finite%s",
                                  who, i, j, c, i == j ? " and >= 0" : "");
        }
    return CRVM_OK;
}
