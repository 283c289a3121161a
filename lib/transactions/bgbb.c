/* BG/BB (Fader, Hardie & Shang 2010, "Customer-Base Analysis in a
 * Discrete-Time Noncontractual Setting"): likelihood with analytic gradient
 * and predictions. At each of n transaction opportunities an alive customer
 * transacts with probability p ~ Beta(alpha, beta); before each opportunity
 * after the first he may drop out with probability theta ~ Beta(gamma, delta).
 *
 * Likelihood (FHS 2010 eq. 5):
 *   L = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
 *     + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha,beta)
 *                           B(gamma+1, delta+t_x+i)/B(gamma,delta)
 * P(alive at n+1) = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n+1)/B(gamma,delta) / L  (eq. 11)
 * E[X(n)] = alpha/(alpha+beta) sum_{t=1}^{n} B(gamma, delta+t)/B(gamma,delta)                    (eq. 7)
 * E[X(n, n+n*) | x, t_x, n] = B(alpha+x+1, beta+n-x)/B(alpha,beta) / L
 *                             * sum_{t=n+1}^{n+n*} B(gamma, delta+t)/B(gamma,delta)             (eq. 13)
 * P(X(n) = x) = C(n,x) B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma,delta+n)/B(gamma,delta)
 *             + sum_{i=x}^{n-1} C(i,x) B(alpha+x, beta+i-x)/B(alpha,beta) B(gamma+1,delta+i)/B(gamma,delta)  (eq. 8)
 * DERT(d) = B(alpha+x+1, beta+n-x)/B(alpha,beta) / L
 *           * sum_{k>=1} (1+d)^-k B(gamma, delta+n+k)/B(gamma,delta)                          (eq. 14)
 * The sums over t are the telescoped forms of the papers' gamma-function
 * ratios with the factor 1/(gamma-1); summing them keeps gamma = 1 exact.
 * The DERT series is the 2F1(1, delta+n+1; gamma+delta+n+1; 1/(1+d)) of
 * eq. 14, summed term by term (all terms positive).
 */
#include <math.h>

#include "math/special.h"
#include "transactions/txn_private.h"

/* log of one likelihood term and its gradient: the term is
 * B(al+x, be+kb)/B(al,be) * B(ga+g, de+kd)/B(ga,de), written with shifted
 * log-gammas so that it stays accurate for very large parameters */
static double term(const double *p, double x, double kb, double g, double kd, double *grad)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double v = crvm__lgamma_shift(al, x) + crvm__lgamma_shift(be, kb) -
               crvm__lgamma_shift(al + be, x + kb) + crvm__lgamma_shift(ga, g) +
               crvm__lgamma_shift(de, kd) - crvm__lgamma_shift(ga + de, g + kd);
    if (grad) {
        double dab = crvm__digamma_shift(al + be, x + kb);
        double dgd = crvm__digamma_shift(ga + de, g + kd);
        grad[0] = crvm__digamma_shift(al, x) - dab;
        grad[1] = crvm__digamma_shift(be, kb) - dab;
        grad[2] = crvm__digamma_shift(ga, g) - dgd;
        grad[3] = crvm__digamma_shift(de, kd) - dgd;
    }
    return v;
}

/* Fold log-term v (gradient gv) into the running log-sum-exp ll (gradient acc). */
static void accumulate(double *ll, double *acc, double v, const double *gv)
{
    double m = *ll > v ? *ll : v;
    double e1 = exp(*ll - m), e2 = exp(v - m);
    if (acc) {
        double w2 = e2 / (e1 + e2);
        for (int k = 0; k < 4; k++)
            acc[k] = (1.0 - w2) * acc[k] + w2 * gv[k];
    }
    *ll = m + log(e1 + e2);
}

double crvm__bgbb_ll(const double *p, const crvm__txn_row *row, double *grad)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double x = row->x, tx = row->tx, n = row->T;
    double acc[4], gi[4];
    double ll = term(p, x, n - x, 0.0, n, grad ? acc : NULL);
    if (tx < n) {
        /* the terms for i = 0 .. n - t_x - 1 by recursion in i:
         * B(al+x, be+tx-x+i+1)/B(al+x, be+tx-x+i) = (be+tx-x+i)/(al+be+tx+i),
         * B(ga+1, de+tx+i+1)/B(ga+1, de+tx+i) = (de+tx+i)/(ga+de+tx+i+1) */
        double v = term(p, x, tx - x, 1.0, tx, grad ? gi : NULL);
        accumulate(&ll, grad ? acc : NULL, v, gi);
        for (double i = 0.0; i < n - tx - 1.0; i += 1.0) {
            double b1 = be + tx - x + i, ab = al + be + tx + i;
            double d1 = de + tx + i, gd = ga + de + tx + i + 1.0;
            v += log(b1 / ab) + log(d1 / gd);
            if (grad) {
                gi[0] -= 1.0 / ab;
                gi[1] += 1.0 / b1 - 1.0 / ab;
                gi[2] -= 1.0 / gd;
                gi[3] += 1.0 / d1 - 1.0 / gd;
            }
            accumulate(&ll, grad ? acc : NULL, v, gi);
        }
    }
    if (grad)
        for (int k = 0; k < 4; k++)
            grad[k] = acc[k];
    return ll;
}

double crvm__bgbb_p_alive(const double *p, const crvm__txn_row *row)
{
    double x = row->x, n = row->T;
    double ll = crvm__bgbb_ll(p, row, NULL);
    double v = term(p, x, n - x, 0.0, n + 1.0, NULL);
    double pa = exp(v - ll);
    return pa > 1.0 ? 1.0 : pa;
}

/* sum_{t=from}^{to} B(gamma, delta+t)/B(gamma, delta), from >= 0 */
static double alive_sum(double ga, double de, double from, double to)
{
    if (to < from)
        return 0.0;
    if (to - from <= 1e6) {
        double term_ = exp(crvm__lbeta(ga, de + from) - crvm__lbeta(ga, de));
        double s = 0.0;
        for (double t = from; t <= to; t += 1.0) {
            s += term_;
            term_ *= (de + t) / (ga + de + t);
        }
        return s;
    }
    /* telescoped closed form (FHS 2010 eqs. 7, 13):
     * sum = Gamma(ga+de)/Gamma(de) [f(from-1) - f(to)] / (ga-1),
     * f(t) = Gamma(de+t+1)/Gamma(ga+de+t) */
    double lf1 = crvm__lgamma(de + from) - crvm__lgamma(ga + de + from - 1.0);
    double lf2 = crvm__lgamma(de + to + 1.0) - crvm__lgamma(ga + de + to);
    double lc = crvm__lgamma(ga + de) - crvm__lgamma(de);
    if (ga == 1.0) /* sum of de/(de+t) over t: log ratio of gammas */
        return exp(lc) * (crvm__digamma(de + to + 1.0) - crvm__digamma(de + from));
    return exp(lc + lf1) * (-expm1(lf2 - lf1)) / (ga - 1.0);
}

double crvm__bgbb_expected_conditional(const double *p, double nstar, const crvm__txn_row *row)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double x = row->x, n = row->T;
    if (nstar == 0.0)
        return 0.0;
    double ll = crvm__bgbb_ll(p, row, NULL);
    double lead = crvm__lbeta(al + x + 1.0, be + n - x) - crvm__lbeta(al, be) - ll;
    return exp(lead) * alive_sum(ga, de, n + 1.0, n + nstar);
}

double crvm__bgbb_expected_unconditional(const double *p, double n)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    return al / (al + be) * alive_sum(ga, de, 1.0, n);
}

double crvm__bgbb_probability_of_n(const double *p, double n, double x)
{
    double lchoose = crvm__lgamma(n + 1.0) - crvm__lgamma(x + 1.0) - crvm__lgamma(n - x + 1.0);
    double v = exp(lchoose + term(p, x, n - x, 0.0, n, NULL));
    for (double i = x; i <= n - 1.0; i += 1.0) {
        double lc = crvm__lgamma(i + 1.0) - crvm__lgamma(x + 1.0) - crvm__lgamma(i - x + 1.0);
        v += exp(lc + term(p, x, i - x, 1.0, i, NULL));
    }
    return v;
}

/* The terms fall at least as fast as (1 + d)^-k: about 39 / d of them for
 * d << 1; the bound stops the series for d below ~4e-6 per opportunity. */
#define DERT_MAX_TERMS 1e7

double crvm__bgbb_dert(const double *p, double d, const crvm__txn_row *row)
{
    double al = p[0], be = p[1], ga = p[2], de = p[3];
    double x = row->x, n = row->T;
    double ll = crvm__bgbb_ll(p, row, NULL);
    double lead = crvm__lbeta(al + x + 1.0, be + n - x) - crvm__lbeta(al, be) - ll;
    double q = 1.0 / (1.0 + d);
    /* k = 1 term: (1+d)^-1 B(gamma, delta+n+1)/B(gamma, delta) */
    double tk = q * exp(crvm__lbeta(ga, de + n + 1.0) - crvm__lbeta(ga, de));
    double s = 0.0;
    for (double k = 1.0; k <= DERT_MAX_TERMS; k += 1.0) {
        s += tk;
        double ratio = q * (de + n + k) / (ga + de + n + k);
        tk *= ratio;
        /* remaining terms are bounded by tk / (1 - q) */
        if (tk <= 1e-17 * s * (1.0 - q) || tk == 0.0)
            return exp(lead) * s;
    }
    return NAN; /* not converged: d too small for the bounded series */
}
