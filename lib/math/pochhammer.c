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
