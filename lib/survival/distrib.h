/* Private: distribution tails for survival tests (chi-square, normal). */
#ifndef CRVM_SURVIVAL_DISTRIB_H
#define CRVM_SURVIVAL_DISTRIB_H

/* Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x),
 * a > 0, x >= 0 (NaN otherwise). Series for x < a + 1, Legendre's continued
 * fraction (modified Lentz evaluation) otherwise; each is computed directly,
 * never as 1 minus the other, so small tails keep their relative accuracy.
 * Abramowitz & Stegun 6.5.29 (series) and 6.5.31 (continued fraction). */
double crvm__gamma_p(double a, double x);
double crvm__gamma_q(double a, double x);

/* Upper tail of the standard normal, P(Z > z) = erfc(z / sqrt 2) / 2. */
double crvm__norm_sf(double z);
/* Quantile of the standard normal for p in (0, 1) (NaN otherwise): a starting
 * value from the logistic-type approximation of A&S 26.2.23, refined by
 * Newton steps on crvm__norm_sf to full double precision. */
double crvm__norm_ppf(double p);

#endif
