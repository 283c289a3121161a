/* Private: the fitted retention model. fit.c fills it from a fit;
 * retention_restore.c rebuilds one from saved state (crvm/model_io.h). */
#ifndef CRVM_RETENTION_MODEL_H
#define CRVM_RETENTION_MODEL_H

#include <stddef.h>

#include "crvm/retention.h"

struct crvm_retention_fit {
    crvm_retention_kind kind;
    crvm_retention_params params;
    crvm_retention_params se;
    double cov[9]; /* k * k, row-major */
    crvm_fit_report report;
};

/* A new fitted model holding exactly the given state: the parameters, their
 * standard errors, the k x k covariance (cov_len = k * k with k = 2 for the
 * sBG, 3 for the BdW) and the report. Checks that the state is one a fit
 * can produce (CRVM_EDOMAIN naming the field otherwise); CRVM_ENOMEM. */
crvm_status crvm__retention_fit_restore(crvm_retention_kind kind,
                                        const crvm_retention_params *params,
                                        const crvm_retention_params *se, const double *cov,
                                        size_t cov_len, const crvm_fit_report *report,
                                        crvm_retention_fit **out);

#endif
