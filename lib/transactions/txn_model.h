/* Private: the fitted transaction model. txn.c fills it from a fit;
 * txn_restore.c rebuilds one from saved state (crvm/model_io.h). */
#ifndef CRVM_TRANSACTIONS_TXN_MODEL_H
#define CRVM_TRANSACTIONS_TXN_MODEL_H

#include "crvm/transactions.h"

struct crvm_txn_fit {
    crvm_txn_params params;
    double cov[CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS];
    double se[CRVM_TXN_N_PARAMS];
    int cov_ok;
    crvm_fit_report report;
};

/* A new fit holding the given state. cov (16 values, row-major) is NULL when
 * the fit had no covariance (Hessian not positive definite); otherwise its
 * entries must be finite with a non-negative diagonal, and the standard
 * errors are its diagonal's square roots, as a fit computes them.
 * CRVM_EDOMAIN naming the field for a state no fit produces; CRVM_ENOMEM. */
crvm_status crvm__txn_fit_restore(const crvm_txn_params *params, const double *cov,
                                  const crvm_fit_report *report, crvm_txn_fit **out);

#endif
