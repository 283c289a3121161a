/* Private: differences of log-gamma and digamma at two points, accurate
 * when the first point is large (no cancellation of two large values). */
#ifndef CRVM_MATH_POCHHAMMER_H
#define CRVM_MATH_POCHHAMMER_H

/* ln Gamma(y + x) - ln Gamma(y) for y > 0, x >= 0. */
double crvm__log_pochhammer(double y, double x);

/* psi(y + x) - psi(y) for y > 0, x >= 0. */
double crvm__psi_difference(double y, double x);

/* ln[B(a, x + F) / B(a, x)] = ln Gamma(x + F) - ln Gamma(x) - ln Gamma(x + a + F)
 * + ln Gamma(x + a) for a, x > 0, F >= 0, with relative accuracy also when
 * x is large against a and F (the value is then about -a F / x): for
 * x >= 20 as the second difference of the Stirling series written with
 * log1p; below, as the pairing of log-Pochhammer symbols with the larger
 * increment. */
double crvm__log_beta_ratio(double a, double x, double F);

/* The second difference psi(x + a + F) - psi(x + F) - psi(x + a) + psi(x),
 * accurate in the same way. */
double crvm__psi_second_difference(double x, double a, double F);

#endif
