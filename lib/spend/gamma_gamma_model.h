/* Private: the fitted Gamma-Gamma model. gamma_gamma.c fills it from a fit;
 * gamma_gamma_restore.c rebuilds one from saved state (crvm/model_io.h). */
#ifndef CRVM_SPEND_GAMMA_GAMMA_MODEL_H
#define CRVM_SPEND_GAMMA_GAMMA_MODEL_H

#include "crvm/spend.h"

struct crvm_gamma_gamma_fit {
    crvm_gamma_gamma_params params;
    crvm_gamma_gamma_params std_errors;
    double covariance[9];
    crvm_fit_report report;
};

/* A new fit holding the given parameters, 3 x 3 covariance (finite,
 * non-negative diagonal; the standard errors are its diagonal's square
 * roots, as a fit computes them) and report. CRVM_EDOMAIN naming the field
 * for a state no fit produces; CRVM_ENOMEM. */
crvm_status crvm__gamma_gamma_fit_restore(const crvm_gamma_gamma_params *params,
                                          const double *cov, const crvm_fit_report *report,
                                          crvm_gamma_gamma_fit **out);

#endif
