/* Rebuild a fitted transaction model from saved state (crvm/model_io.h). */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fit_state.h"
#include "transactions/txn_model.h"

crvm_status crvm__txn_fit_restore(const crvm_txn_params *params, const double *cov,
                                  const crvm_fit_report *report, crvm_txn_fit **out)
{
    crvm_status st = crvm_txn_params_check(params);
    if (st != CRVM_OK)
        return st == CRVM_EINVAL ? crvm__fail(CRVM_EDOMAIN, "%s", crvm_last_error()) : st;
    const char *who = crvm_txn_model_name(params->model);
    if (cov != NULL && (st = crvm__check_covariance(cov, CRVM_TXN_N_PARAMS, who)) != CRVM_OK)
        return st;
    if ((st = crvm__check_fit_report(report, CRVM_TXN_N_PARAMS, who)) != CRVM_OK)
        return st;
    crvm_txn_fit *fit = crvm__calloc(1, sizeof *fit);
    if (fit == NULL)
        return crvm__nomem("restoring a transaction fit");
    fit->params = *params;
    fit->cov_ok = cov != NULL;
    for (int k = 0; k < CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS; k++)
        fit->cov[k] = cov ? cov[k] : NAN;
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
        fit->se[k] = cov ? sqrt(cov[k * CRVM_TXN_N_PARAMS + k]) : NAN;
    fit->report = *report;
    *out = fit;
    return CRVM_OK;
}
