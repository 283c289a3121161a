/* Rebuild a fitted Gamma-Gamma model from saved state (crvm/model_io.h). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fit_state.h"
#include "spend/gamma_gamma_internal.h"
#include "spend/gamma_gamma_model.h"

crvm_status crvm__gamma_gamma_fit_restore(const crvm_gamma_gamma_params *params,
                                          const double *cov, const crvm_fit_report *report,
                                          crvm_gamma_gamma_fit **out)
{
    crvm_status st = crvm__gamma_gamma_check_params(params);
    if (st != CRVM_OK || (st = crvm__check_covariance(cov, 3, "Gamma-Gamma")) != CRVM_OK ||
        (st = crvm__check_fit_report(report, 3, "Gamma-Gamma")) != CRVM_OK)
        return st;
    crvm_gamma_gamma_fit *fit = crvm__malloc(sizeof *fit);
    if (fit == NULL)
        return crvm__nomem("restoring a Gamma-Gamma fit");
    fit->params = *params;
    memcpy(fit->covariance, cov, sizeof fit->covariance);
    fit->std_errors.p = sqrt(cov[0]);
    fit->std_errors.q = sqrt(cov[4]);
    fit->std_errors.v = sqrt(cov[8]);
    fit->report = *report;
    *out = fit;
    return CRVM_OK;
}
