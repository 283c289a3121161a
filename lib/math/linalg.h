/* Private: small dense linear algebra on row-major n*n matrices. */
#ifndef CRVM_MATH_LINALG_H
#define CRVM_MATH_LINALG_H

#include <stddef.h>

#include "crvm/common.h"

/* In-place Cholesky factorisation A = L L^T of a symmetric positive-definite
 * matrix; the lower triangle receives L (upper triangle zeroed).
 * CRVM_EDOMAIN (with the failing pivot index in the message) if A is not
 * positive definite. */
crvm_status crvm__cholesky(size_t n, double *a);
/* Solve L L^T x = b in place given the factor from crvm__cholesky. */
void crvm__cholesky_solve(size_t n, const double *l, double *b);
/* Inverse of a symmetric positive-definite matrix into inv (may alias a).
 * CRVM_EDOMAIN if not positive definite, CRVM_ENOMEM. */
crvm_status crvm__spd_inverse(size_t n, const double *a, double *inv);

#endif
