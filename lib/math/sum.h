/* Private: compensated summation for the long likelihood sums of the
 * fitting objectives. At 10^6 rows a plain sum rounds at ~1e-13 of the
 * objective, more than the decrease of a Newton step near the optimum, so a
 * line search would see only noise. */
#ifndef CRVM_MATH_SUM_H
#define CRVM_MATH_SUM_H

#include <math.h>

/* *s + v with the rounding error accumulated in *c (Neumaier's variant of
 * Kahan summation): the sum is *s + *c. */
static inline void crvm__sum_add(double *s, double *c, double v)
{
    double t = *s + v;
    *c += fabs(*s) >= fabs(v) ? (*s - t) + v : (v - t) + *s;
    *s = t;
}

#endif
