/* Private: the scalar sums of Efron's approximation over the d terms of a
 * block of tied event times (cox.c's block terms). */
#ifndef CRVM_SURVIVAL_COX_EFRON_H
#define CRVM_SURVIVAL_COX_EFRON_H

#include <stddef.h>

/* With f_l = l / d and r_l = 1 - f_l q for l = 0 .. d-1 (q = S_D / S_R in
 * [0, 1], so r_l >= 1/d): into c the sums of 1/r, f/r, 1/r^2, f/r^2 and
 * f^2/r^2; returns the sum of log r_l, taken as logs of products of 8
 * factors (no underflow for any d < 2^64). Two terms at a time in vector
 * lanes where the compiler has GCC's vector extensions, one at a time
 * otherwise: the same sums in another order of roundings. O(d). */
double crvm__cox_efron_sums(size_t d, double q, double *c);

#endif
