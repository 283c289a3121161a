/* Private: differences of log-gamma and digamma at two points, accurate
 * when the first point is large (no cancellation of two large values). */
#ifndef CRVM_MATH_POCHHAMMER_H
#define CRVM_MATH_POCHHAMMER_H

/* ln Gamma(y + x) - ln Gamma(y) for y > 0, x >= 0. */
double crvm__log_pochhammer(double y, double x);

/* psi(y + x) - psi(y) for y > 0, x >= 0. */
double crvm__psi_difference(double y, double x);

#endif
