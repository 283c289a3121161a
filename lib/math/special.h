/* Private: special functions shared by the models. All are pure, thread-safe
 * (no use of the global signgam), and accurate over the parameter ranges that
 * fitted customer models reach (shape parameters from 1e-8 to 1e8). */
#ifndef CRVM_MATH_SPECIAL_H
#define CRVM_MATH_SPECIAL_H

#include "crvm/common.h"

/* log Gamma(x) for x > 0 (NaN otherwise). */
double crvm__lgamma(double x);
/* log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), a, b > 0, computed
 * without cancellation when one argument is much larger than the other. */
double crvm__lbeta(double a, double b);
/* Digamma psi(x) and trigamma psi'(x) for x > 0. */
double crvm__digamma(double x);
double crvm__trigamma(double x);

/* log(exp(a) + exp(b)) and log(exp(a) - exp(b)) (a >= b; -inf when equal),
 * both exact for -inf arguments. */
double crvm__log_add_exp(double a, double b);
double crvm__log_sub_exp(double a, double b);
/* log(1 - exp(x)) for x <= 0, accurate near 0 and for very negative x. */
double crvm__log1mexp(double x);

/* Gauss hypergeometric 2F1(a, b; c; z) for real a, b, c (c not a
 * non-positive integer) and z < 1, returned as log|value| and its sign
 * (+1 / -1), so that values beyond the double range stay usable.
 * Uses the series for |z| <= 1/2, the Pfaff transformation for z < 0, and
 * towards z = 1 an analytic continuation of the hypergeometric equation
 * (doing the work of the 1 - z and 1/z transformations); handles c - a - b
 * near an integer. Relative accuracy ~1e-12 in the value (see hyp2f1.c).
 * Returns CRVM_OK, CRVM_EDOMAIN (z >= 1, c a non-positive integer, NaN or
 * infinite argument), or CRVM_ECONVERGE (series did not converge, or the
 * estimated error exceeds 1e-10, e.g. badly conditioned cases and non-integer
 * c < 0), setting the thread message. */
crvm_status crvm__hyp2f1_log(double a, double b, double c, double z,
                             double *log_abs, int *sign);
/* Convenience: the value itself (may overflow to +-inf for huge values). */
crvm_status crvm__hyp2f1(double a, double b, double c, double z, double *value);

#endif
