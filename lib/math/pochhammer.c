/* Log-Pochhammer symbols and digamma differences. For y >= 20 both are the
 * differences of their Stirling / asymptotic series written so that only the
 * small corrections are differenced:
 *   ln Gamma(y + x) - ln Gamma(y) = (y - 1/2) ln(1 + x/y) + x ln(y + x) - x + s(y + x) - s(y),
 *   s(z) = 1/(12 z) - 1/(360 z^3) + 1/(1260 z^5) - 1/(1680 z^7)
 * (truncation below 1/(1188 z^9) < 1e-15 for z >= 20), and
 *   psi(y + x) - psi(y) = ln(1 + x/y) + r(y + x) - r(y),
 *   r(z) = -1/(2z) - 1/(12 z^2) + 1/(120 z^4) - 1/(252 z^6) + 1/(240 z^8)
 * (next term 1/(132 z^10) < 1e-15). The same scheme as the static helpers
 * of lib/retention/predict.c, shared here for the covariate model. */
#include "math/pochhammer.h"

#include <math.h>

#include "math/special.h"

static double stirling_tail(double z)
{
    double r = 1 / z, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
}

double crvm__log_pochhammer(double y, double x)
{
    if (x == 0)
        return 0.0;
    if (y < 20)
        return crvm__lgamma(y + x) - crvm__lgamma(y);
    double z = y + x;
    return (y - 0.5) * log1p(x / y) + x * log(z) - x + (stirling_tail(z) - stirling_tail(y));
}

static double psi_asym_tail(double z)
{
    double r = 1 / z, r2 = r * r;
    return -0.5 * r - r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 / 240)));
}

double crvm__psi_difference(double y, double x)
{
    if (x == 0)
        return 0.0;
    if (y < 20)
        return crvm__digamma(y + x) - crvm__digamma(y);
    return log1p(x / y) + psi_asym_tail(y + x) - psi_asym_tail(y);
}

/* Second difference f(x + a + F) - f(x + F) - f(x + a) + f(x) of a smooth
 * correction term, evaluated directly (its size is below 1e-5 for x >= 20,
 * so its rounding stays far below the leading terms). */
static double second_difference(double (*f)(double), double x, double a, double F)
{
    return (f(x + a + F) - f(x + F)) - (f(x + a) - f(x));
}

/* The Stirling corrections beyond 1/(12 z), and the digamma ones beyond -1/(2 z). */
static double stirling_rest(double z)
{
    double r = 1 / z, r2 = r * r;
    return -r * r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680));
}

static double psi_rest(double z)
{
    double r2 = 1 / (z * z);
    return -r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 / 240)));
}

/* 1/(x+a+F) - 1/(x+F) - 1/(x+a) + 1/x in closed form. */
static double reciprocal_second_difference(double x, double a, double F)
{
    return a * F * (2 * x + a + F) / (x * (x + a) * (x + F) * (x + a + F));
}

double crvm__log_beta_ratio(double a, double x, double F)
{
    if (F == 0)
        return 0.0;
    if (x < 20)
        return F < a ? crvm__log_pochhammer(x, F) - crvm__log_pochhammer(x + a, F)
                     : crvm__log_pochhammer(x, a) - crvm__log_pochhammer(x + F, a);
    /* With g(y) = (y - 1/2) ln y - y, the second difference of g is
     * (x - 1/2) ln(1 - aF/((x+a)(x+F))) + a ln(1 + F/(x+a)) + F ln(1 + a/(x+F)). */
    double g2 = (x - 0.5) * log1p(-a * F / ((x + a) * (x + F))) + a * log1p(F / (x + a)) +
                F * log1p(a / (x + F));
    double s2 = reciprocal_second_difference(x, a, F) / 12 +
                second_difference(stirling_rest, x, a, F);
    return -(g2 + s2);
}

double crvm__psi_second_difference(double x, double a, double F)
{
    if (F == 0 || a == 0)
        return 0.0;
    if (x < 20)
        return crvm__psi_difference(x + F, a) - crvm__psi_difference(x, a);
    return log1p(-a * F / ((x + a) * (x + F))) - 0.5 * reciprocal_second_difference(x, a, F) +
           second_difference(psi_rest, x, a, F);
}
