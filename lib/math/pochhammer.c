/* Log-Pochhammer symbols, digamma and trigamma differences, and the second
 * differences of ln Gamma and psi, without cancellation.
 *
 * Large arguments (z >= 12) use the asymptotic series of ln Gamma, psi and
 * psi' (Abramowitz & Stegun 6.1.41, 6.3.18, 6.4.12) with terms to z^-13,
 * whose truncation is below 3e-15 relative there, written so that only the
 * small corrections are differenced, e.g.
 *   ln Gamma(z + a) - ln Gamma(z) = (z - 1/2) ln(1 + a/z) + a ln(z + a) - a + s(z + a) - s(z).
 * Smaller arguments are first shifted by the recurrences Gamma(y + 1) =
 * y Gamma(y), psi(y + 1) = psi(y) + 1/y, accumulating the shift's terms as
 * products or sums of same-signed terms. */
#include "math/pochhammer.h"

#include <math.h>

#include "math/special.h"

#define ASYMPTOTIC_FROM 12.0

/* ln Gamma(z) - [(z - 1/2) ln z - z + ln sqrt(2 pi)], z >= 12. */
static double stirling_tail(double z)
{
    double r = 1 / z, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 -
                r2 * (1.0 / 1188 - r2 * (691.0 / 360360))))));
}

/* psi(z) - ln z, z >= 12. */
static double psi_tail(double z)
{
    double r = 1 / z, r2 = r * r;
    return -0.5 * r - r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240 -
                      r2 * (1.0 / 132 - r2 * (691.0 / 32760))))));
}

/* psi'(z), z >= 12. */
static double trigamma_asym(double z)
{
    double r = 1 / z, r2 = r * r;
    return r + 0.5 * r2 + r * r2 * (1.0 / 6 - r2 * (1.0 / 30 - r2 * (1.0 / 42 - r2 * (1.0 / 30 -
                         r2 * (5.0 / 66 - r2 * (691.0 / 2730))))));
}

/* Shift count bringing y to >= ASYMPTOTIC_FROM. */
static int shift_of(double y)
{
    return y < ASYMPTOTIC_FROM ? (int)ceil(ASYMPTOTIC_FROM - y) : 0;
}

double crvm__log_pochhammer(double y, double x)
{
    crvm__poch_family f;
    if (x == 0)
        return 0.0;
    crvm__poch_family_at(y, x, 0, &f);
    return f.lp;
}

double crvm__psi_difference(double y, double x)
{
    crvm__poch_family f;
    if (x == 0)
        return 0.0;
    crvm__poch_family_at(y, x, 0, &f);
    return f.dpsi;
}

void crvm__poch_family_at(double y, double a, int second, crvm__poch_family *out)
{
    int n = shift_of(y);
    double s_dpsi = 0, s_psia = 0, s_tri = 0, s_tria = 0, num = 1, den = 1;
    for (int k = 0; k < n; k++) {
        double yk = y + k, yak = yk + a, inv = 1 / yk, inva = 1 / yak;
        s_dpsi += a * inv * inva; /* 1/(y+k) - 1/(y+a+k) */
        s_psia += inva;
        if (second) {
            s_tri += inv * inv;
            s_tria += inva * inva;
        }
        num *= yak;
        den *= yk;
    }
    double z = y + n, za = z + a;
    double lp = (z - 0.5) * log1p(a / z) + a * log(za) - a + (stirling_tail(za) - stirling_tail(z));
    out->lp = n ? lp - log(num / den) : lp;
    out->dpsi = log1p(a / z) + (psi_tail(za) - psi_tail(z)) + s_dpsi;
    out->psi_a = log(za) + psi_tail(za) - s_psia;
    if (second) {
        double ta = trigamma_asym(za);
        out->tri_a = ta + s_tria;
        out->dtri = (ta - trigamma_asym(z)) + (s_tria - s_tri);
    } else {
        out->tri_a = out->dtri = 0.0;
    }
}

/* Second difference f(z + a + F) - f(z + F) - f(z + a) + f(z) of a small
 * correction (below 1e-4 for z >= 12, so its rounding stays far below the
 * leading terms). */
static double second_difference(double (*f)(double), double z, double a, double F)
{
    return (f(z + a + F) - f(z + F)) - (f(z + a) - f(z));
}

static double stirling_rest(double z) { return stirling_tail(z) - 1 / (12 * z); }
static double psi_rest(double z) { return psi_tail(z) + 0.5 / z; }

/* 1/(y+a+F) - 1/(y+F) - 1/(y+a) + 1/y in closed form (>= 0). */
static double reciprocal_second_difference(double y, double a, double F)
{
    return a * F * (2 * y + a + F) / (y * (y + a) * (y + F) * (y + a + F));
}

double crvm__log_beta_ratio(double a, double x, double F)
{
    if (F == 0)
        return 0.0;
    if (isinf(F))
        return -INFINITY;
    /* The shift: the second difference of ln(y) is ln(1 - e_k) with
     * e_k = aF/((y+a)(y+F)); the product of the factors 1 - e_k is kept both
     * as it is (accurate when small) and as its distance from 1, q (accurate
     * when near 1). */
    int n = shift_of(x);
    double prod = 1, q = 0;
    for (int k = 0; k < n; k++) {
        double y = x + k, ya = y + a, yf = y + F;
        double e = a / ya * (F / yf);
        prod *= (y / ya) * ((ya + F) / yf);
        q -= e * (1 + q);
    }
    double shift = n == 0 ? 0.0 : prod < 0.5 ? log(prod) : log1p(q);
    double z = x + n;
    /* With g(y) = (y - 1/2) ln y - y, the second difference of g is
     * (z - 1/2) ln(1 - aF/((z+a)(z+F))) + a ln(1 + F/(z+a)) + F ln(1 + a/(z+F)). */
    double g2 = (z - 0.5) * log1p(-a * F / ((z + a) * (z + F))) + a * log1p(F / (z + a)) +
                F * log1p(a / (z + F));
    double s2 = reciprocal_second_difference(z, a, F) / 12 +
                second_difference(stirling_rest, z, a, F);
    return shift - (g2 + s2);
}

double crvm__psi_second_difference(double x, double a, double F)
{
    if (F == 0 || a == 0)
        return 0.0;
    int n = shift_of(x);
    double shift = 0;
    for (int k = 0; k < n; k++)
        shift += reciprocal_second_difference(x + k, a, F);
    double z = x + n;
    return log1p(-a * F / ((z + a) * (z + F))) - 0.5 * reciprocal_second_difference(z, a, F) +
           second_difference(psi_rest, z, a, F) - shift;
}
