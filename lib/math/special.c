/* Special functions: log-gamma, log-beta, digamma, trigamma and log-space
 * arithmetic. Everything here is pure and thread-safe: the C library's
 * lgamma() is avoided because it writes the global signgam.
 *
 * log Gamma:
 *   x < 0.5         lgamma(x) = lgamma(x + 1) - log(x)
 *   0.5 <= x < 1.5  Taylor series about 1 written with zeta(k) - 1, which
 *                   converges like (e/2)^k (A&S 6.1.33):
 *                   lgamma(1+e) = -log1p(e) + e(1 - gamma) + sum_k>=2 (-1)^k (zeta(k)-1) e^k / k
 *   1.5 <= x < 2.5  same series about 2 (the log1p terms cancel exactly):
 *                   lgamma(2+e) = e(1 - gamma) + sum_k>=2 (-1)^k (zeta(k)-1) e^k / k
 *   2.5 <= x < 12   recurrence down into [1.5, 2.5): adds the log of a product of
 *                   positive factors, so there is no cancellation
 *   x >= 12         Stirling: (x - 1/2) log x - x + log sqrt(2 pi) + stirling_corr(x)
 * This keeps the relative error at a few ulps, including near the zeros at 1, 2.
 */
#include "math/special.h"

#include <float.h>
#include <math.h>

#define LN_SQRT_2PI 0.91893853320467274178032973640562 /* log(sqrt(2 pi)) */
#define EULER_GAMMA 0.57721566490153286060651209008240

/* zeta(k) - 1 for k = 2, 3, ..., 41 (values from scipy.special.zetac). */
static const double zeta_minus_1[] = {
    6.44934066848226406e-01,
    2.02056903159594292e-01,
    8.23232337111381857e-02,
    3.69277551433699266e-02,
    1.73430619844491402e-02,
    8.34927738192282713e-03,
    4.07735619794433960e-03,
    2.00839282608221426e-03,
    9.94575127818085256e-04,
    4.94188604119464529e-04,
    2.46086553308048320e-04,
    1.22713347578489145e-04,
    6.12481350587048277e-05,
    3.05882363070204933e-05,
    1.52822594086518710e-05,
    7.63719763789976257e-06,
    3.81729326499984022e-06,
    1.90821271655393897e-06,
    9.53962033872796212e-07,
    4.76932986787806447e-07,
    2.38450502727733004e-07,
    1.19219925965311064e-07,
    5.96081890512594801e-08,
    2.98035035146522793e-08,
    1.49015548283650427e-08,
    7.45071178983543006e-09,
    3.72533402478845728e-09,
    1.86265972351304914e-09,
    9.31327432419668166e-10,
    4.65662906503378366e-10,
    2.32831183367650534e-10,
    1.16415501727005193e-10,
    5.82077208790270145e-11,
    2.91038504449710001e-11,
    1.45519218910419849e-11,
    7.27595983505748180e-12,
    3.63797954737865086e-12,
    1.81898965030706607e-12,
    9.09494784026388841e-13,
    4.54747378304215422e-13
};
#define N_ZETA ((int)(sizeof zeta_minus_1 / sizeof zeta_minus_1[0]))

/* sum_{k>=2} (-1)^k (zeta(k) - 1) e^k / k for |e| <= 0.5. */
static double zeta_tail_series(double e)
{
    double sum = 0.0;
    double p = e; /* e^(k-1) */
    for (int i = 0; i < N_ZETA; i++) {
        int k = i + 2;
        p *= e;
        double term = zeta_minus_1[i] * p / k;
        sum += (k % 2 == 0) ? term : -term;
        if (fabs(term) <= 1e-18 * fabs(sum))
            break;
    }
    return sum;
}

/* Stirling correction lgamma(x) - [(x - 1/2) log x - x + log sqrt(2 pi)] for
 * x >= 10: sum_k B_2k / (2k (2k - 1) x^(2k - 1)). Ten terms leave an error
 * below 1e-19 at x = 10. */
static double stirling_corr(double x)
{
    static const double c[] = {
        1.0 / 12.0,         -1.0 / 360.0,     1.0 / 1260.0,        -1.0 / 1680.0,
        1.0 / 1188.0,       -691.0 / 360360.0, 1.0 / 156.0,        -3617.0 / 122400.0,
        43867.0 / 244188.0, -174611.0 / 125400.0,
    };
    double r = 1.0 / x;
    if (r < 1e-9) /* later terms vanish below rounding; also avoids underflow */
        return c[0] * r;
    double r2 = r * r;
    double s = 0.0;
    for (int k = (int)(sizeof c / sizeof c[0]) - 1; k >= 0; k--)
        s = s * r2 + c[k];
    return s * r;
}

double crvm__lgamma(double x)
{
    if (isnan(x) || x <= 0.0)
        return NAN;
    if (isinf(x))
        return INFINITY;
    if (x < 0.5)
        return crvm__lgamma(x + 1.0) - log(x);
    if (x < 1.5) {
        double e = x - 1.0;
        return -log1p(e) + e * (1.0 - EULER_GAMMA) + zeta_tail_series(e);
    }
    if (x < 2.5) {
        double e = x - 2.0;
        return e * (1.0 - EULER_GAMMA) + zeta_tail_series(e);
    }
    if (x < 12.0) {
        double prod = 1.0;
        while (x >= 2.5) {
            x -= 1.0;
            prod *= x;
        }
        return crvm__lgamma(x) + log(prod);
    }
    return (x - 0.5) * log(x) - x + LN_SQRT_2PI + stirling_corr(x);
}

double crvm__lbeta(double a, double b)
{
    if (isnan(a) || isnan(b) || a <= 0.0 || b <= 0.0)
        return NAN;
    double p = fmin(a, b), q = fmax(a, b); /* p <= q */
    if (isinf(q))
        return -INFINITY;
    if (p >= 12.0) {
        /* Both large: collect the Stirling terms analytically so that only
         * the small corrections are differenced. */
        double corr = stirling_corr(p) + stirling_corr(q) - stirling_corr(p + q);
        double w = p / (p + q);
        return -0.5 * log(q) + LN_SQRT_2PI + corr + (p - 0.5) * log(w) + q * log1p(-w);
    }
    if (q >= 12.0) {
        /* p small, q large: lgamma(q) - lgamma(p + q) in closed form. */
        double corr = stirling_corr(q) - stirling_corr(p + q);
        return crvm__lgamma(p) + corr + p - p * log(p + q) + (q - 0.5) * log1p(-p / (p + q));
    }
    /* Both moderate: the three terms are of moderate size, no cancellation
     * beyond a few ulps of max(|lgamma|) <= ~20 (plus -log p for tiny p). */
    return crvm__lgamma(p) + (crvm__lgamma(q) - crvm__lgamma(p + q));
}

/* Taylor series of psi about its positive zero x0 = 1.46163214496836...:
 * coefficients psi^(k)(x0) / k! (mpmath, 50 digits). Keeps the relative
 * accuracy near the zero, where the recurrence leaves only absolute accuracy. */
#define PSI_ROOT_HI 1.4616321449683622
#define PSI_ROOT_LO 9.5499954299656974e-17
static const double psi_root_coef[] = {
        9.67672245447621204e-01,
        -4.42763168983592081e-01,
        2.58499760955651026e-01,
        -1.63942705442406522e-01,
        1.07824050691262371e-01,
        -7.21995612564547140e-02,
        4.88042881641431101e-02,
        -3.31611264748473619e-02,
        2.25976482322181038e-02,
        -1.54247659049489595e-02,
        1.05387916166121750e-02,
        -7.20453438635686866e-03,
        4.92678139572985327e-03,
        -3.36980165543932821e-03,
        2.30512632673492797e-03,
        -1.57693677143019720e-03,
        1.07882520191629667e-03,
        -7.38070938996005150e-04,
        5.04953265834601987e-04,
        -3.45468025106307692e-04,
        2.36356015640270530e-04
};

double crvm__digamma(double x)
{
    if (isnan(x) || x <= 0.0)
        return NAN;
    if (isinf(x))
        return INFINITY;
    if (fabs(x - PSI_ROOT_HI) < 0.2) {
        double d = (x - PSI_ROOT_HI) - PSI_ROOT_LO;
        double s = 0.0;
        for (int k = (int)(sizeof psi_root_coef / sizeof psi_root_coef[0]) - 1; k >= 0; k--)
            s = s * d + psi_root_coef[k];
        return s * d;
    }
    double shift = 0.0;
    if (x < 1e-8) /* psi(x) = -1/x - gamma + O(x) */
        return -1.0 / x - EULER_GAMMA + 1.6449340668482264 * x;
    while (x < 10.0) {
        shift -= 1.0 / x;
        x += 1.0;
    }
    /* psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k); 8 terms at x >= 10
     * leave < 1e-17. */
    static const double c[] = {
        1.0 / 12.0,   -1.0 / 120.0,        1.0 / 252.0, -1.0 / 240.0,
        1.0 / 132.0,  -691.0 / 32760.0,    1.0 / 12.0,  -3617.0 / 8160.0,
    };
    double r = 1.0 / x;
    double r2 = r * r;
    double s = 0.0;
    for (int k = (int)(sizeof c / sizeof c[0]) - 1; k >= 0; k--)
        s = s * r2 + c[k];
    return shift + log(x) - 0.5 * r - s * r2;
}

double crvm__trigamma(double x)
{
    if (isnan(x) || x <= 0.0)
        return NAN;
    if (isinf(x))
        return 0.0;
    double shift = 0.0;
    if (x < 1e-8) /* psi'(x) = 1/x^2 + pi^2/6 + O(x) */
        return 1.0 / (x * x) + 1.6449340668482264;
    while (x < 10.0) {
        shift += 1.0 / (x * x);
        x += 1.0;
    }
    /* psi'(x) ~ 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1). */
    static const double c[] = {
        1.0 / 6.0,   -1.0 / 30.0,       1.0 / 42.0, -1.0 / 30.0,
        5.0 / 66.0,  -691.0 / 2730.0,   7.0 / 6.0,  -3617.0 / 510.0,
    };
    double r = 1.0 / x;
    if (r < 1e-150) /* r^2 would underflow; the leading term is exact enough */
        return shift + r;
    double r2 = r * r;
    double s = 0.0;
    for (int k = (int)(sizeof c / sizeof c[0]) - 1; k >= 0; k--)
        s = s * r2 + c[k];
    return shift + r + 0.5 * r2 + s * r2 * r;
}

double crvm__log_add_exp(double a, double b)
{
    if (isnan(a) || isnan(b))
        return NAN;
    double hi = fmax(a, b), lo = fmin(a, b);
    if (hi == -INFINITY || hi == INFINITY)
        return hi;
    return hi + log1p(exp(lo - hi));
}

double crvm__log1mexp(double x)
{
    if (isnan(x) || x > 0.0)
        return NAN;
    if (x == 0.0)
        return -INFINITY;
    /* Maechler (2012): log(-expm1(x)) near 0, log1p(-exp(x)) further out. */
    if (x > -0.69314718055994530942)
        return log(-expm1(x));
    return log1p(-exp(x));
}

double crvm__log_sub_exp(double a, double b)
{
    if (isnan(a) || isnan(b) || b > a)
        return NAN;
    if (b == -INFINITY)
        return a;
    if (a == b)
        return -INFINITY;
    if (a == INFINITY) /* b finite: inf - finite */
        return INFINITY;
    return a + crvm__log1mexp(b - a);
}
