/* Private: Gamma-Gamma helpers shared with the CLV code. */
#ifndef CRVM_SPEND_GAMMA_GAMMA_INTERNAL_H
#define CRVM_SPEND_GAMMA_GAMMA_INTERNAL_H

#include "crvm/spend.h"

/* CRVM_EINVAL if params is NULL, CRVM_EDOMAIN unless p, q, v are positive and
 * finite (message set). */
crvm_status crvm__gamma_gamma_check_params(const crvm_gamma_gamma_params *params);

/* E[M | x, zbar] for one customer; params checked and q > 1 by the caller. */
crvm_status crvm__gamma_gamma_expected_spend_one(const crvm_gamma_gamma_params *params, double x,
                                                 double z, double *out);

#endif
