/* Rebuild a fitted retention model from saved state (crvm/model_io.h). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fit_state.h"
#include "retention/retention_internal.h"
#include "retention/retention_model.h"

crvm_status crvm__retention_fit_restore(crvm_retention_kind kind,
                                        const crvm_retention_params *params,
                                        const crvm_retention_params *se, const double *cov,
                                        size_t cov_len, const crvm_fit_report *report,
                                        crvm_retention_fit **out)
{
    const char *who = kind == CRVM_RETENTION_SBG ? "sBG" : "BdW";
    if (kind != CRVM_RETENTION_SBG && kind != CRVM_RETENTION_BDW)
        return crvm__fail(CRVM_EDOMAIN, "retention model kind %d: expected sBG or BdW", (int)kind);
    const size_t k = kind == CRVM_RETENTION_SBG ? 2 : 3;
    crvm_status st = crvm__retention_check_params(params, who);
    if (st != CRVM_OK)
        return st;
    if (kind == CRVM_RETENTION_SBG && params->c != 1.0)
        return crvm__fail(CRVM_EDOMAIN, "sBG: c = %g: the sBG has c = 1", params->c);
    const double s[3] = {se->alpha, se->beta, se->c};
    for (size_t j = 0; j < 3; j++)
        if (!(s[j] >= 0.0) || !isfinite(s[j]) || (j == 2 && k == 2 && s[j] != 0.0))
            return crvm__fail(CRVM_EDOMAIN,
                              "%s: standard error %zu = %g: must be finite and >= 0%s", who, j,
                              s[j], k == 2 ? " (0 for the fixed c)" : "");
    if (cov_len != k * k)
        return crvm__fail(CRVM_EDOMAIN, "%s: covariance has %zu entries, expected %zu", who,
                          cov_len, k * k);
    if ((st = crvm__check_covariance(cov, k, who)) != CRVM_OK ||
        (st = crvm__check_fit_report(report, (int)k, who)) != CRVM_OK)
        return st;
    crvm_retention_fit *fit = crvm__calloc(1, sizeof *fit);
    if (fit == NULL)
        return crvm__nomem("restoring a retention fit");
    fit->kind = kind;
    fit->params = *params;
    fit->se = *se;
    memcpy(fit->cov, cov, cov_len * sizeof *cov);
    fit->report = *report;
    *out = fit;
    return CRVM_OK;
}
