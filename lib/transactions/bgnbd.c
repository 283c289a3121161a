/* BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way")
 * and MBG/NBD (Batislam, Denizel & Filiztekin 2007): likelihood with analytic
 * gradient and predictions.
 *
 * Both models: while alive, transactions arrive as Poisson(lambda),
 * lambda ~ Gamma(r, alpha); after each transaction the customer drops out
 * with probability p ~ Beta(a, b). MBG/NBD also lets the customer drop out at
 * time 0, right after the (uncounted) first purchase.
 *
 * Likelihood, written as L = A * (1 + exp(D)) so that P(alive) = 1/(1+exp(D)):
 *   BG/NBD:  A = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x)/B(a, b) / (alpha+T)^(r+x)
 *            D = log(a / (b+x-1)) + (r+x) log((alpha+T)/(alpha+t_x)) for x > 0,
 *            D = -inf for x = 0 (FHL 2005 eq. 6; P(alive) their eq. 11 / the
 *            2008 note "Computing P(alive) Using the BG/NBD Model").
 *   MBG/NBD: A = ... B(a, b+x+1)/B(a, b) / (alpha+T)^(r+x)
 *            D = log(a / (b+x)) + (r+x) log((alpha+T)/(alpha+t_x)) for all x.
 *
 * Conditional expectations. Given alive at T, lambda ~ Gamma(r+x, alpha+T)
 * and p ~ Beta(a, b+x) (MBG/NBD: Beta(a, b+x+1)); with p and lambda fixed the
 * expected number of transactions in the next t is (1 - exp(-lambda p t))/p,
 * whose expectation over lambda is g(p) = (1 - (1 + p t/(alpha+T))^-(r+x))/p.
 * So E[Y(t) | x, t_x, T] = P(alive) * E_p[g(p)], which equals the 2F1 closed
 * form of FHL 2005 eq. 10 (and its MBG/NBD analogue) but stays finite and
 * accurate at a = 1, for tiny t and for x in the hundreds. The public
 * functions take the closed form where it is certified (per-x series
 * tables, bgnbd_cond.c) and every other row, DERT and the
 * unconditional E[X(t)] (x = 0, t_x = 0, T = 0) through the death-rate rule
 * of death_rule.c. The per-row crvm__bgnbd_expected_conditional (closed form,
 * else adaptive Gauss-Kronrod quadrature of the Beta expectation after
 * substitutions that remove its endpoint singularities) is kept as the
 * scalar reference the tests compare them with.
 *
 * P(X(t) = n) (FHL 2005 eq. 8; MBG/NBD by the same argument with one more
 * dropout opportunity): with NB_j the NBD(r, alpha) probability of j events in
 * t and tail_n = P(NBD >= n),
 *   BG/NBD:  B(a,b+n)/B(a,b) NB_n + [n > 0] B(a+1,b+n-1)/B(a,b) tail_n
 *   MBG/NBD: B(a,b+n+1)/B(a,b) NB_n + B(a+1,b+n)/B(a,b) tail_n
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "math/special.h"
#include "math/vmath.h"
#include "transactions/txn_private.h"

#define LN2 0.69314718055994530941723212145818

/* Both shifts below take an integer k >= 0. For k <= 64 they sum exactly;
 * for large z they use the asymptotic (Stirling) expansion of the
 * difference, which keeps full relative accuracy where lgamma(z + k) and
 * lgamma(z) (or psi) would cancel to nothing. */
double crvm__digamma_shift(double z, double k)
{
    if (k == 0.0)
        return 0.0;
    if (k <= 64.0) {
        double s = 0.0;
        for (double j = 0.0; j < k; j += 1.0)
            s += 1.0 / (z + j);
        return s;
    }
    if (z >= 1e5) {
        /* psi(w) = log w - 1/(2w) - 1/(12 w^2) + O(w^-4) */
        double zk = z + k;
        return log1p(k / z) + k / (2.0 * z * zk) + k * (2.0 * z + k) / (12.0 * z * z * zk * zk);
    }
    return crvm__digamma(z + k) - crvm__digamma(z);
}

double crvm__trigamma_shift(double z, double k)
{
    if (k == 0.0)
        return 0.0;
    if (k <= 64.0) {
        double s = 0.0;
        for (double j = 0.0; j < k; j += 1.0)
            s -= 1.0 / ((z + j) * (z + j));
        return s;
    }
    if (z >= 1e5) {
        /* psi'(w) = 1/w + 1/(2 w^2) + 1/(6 w^3) + O(w^-5) */
        double zk = z + k;
        return -k / (z * zk) + 0.5 * (1.0 / (zk * zk) - 1.0 / (z * z)) +
               (1.0 / (zk * zk * zk) - 1.0 / (z * z * z)) / 6.0;
    }
    return crvm__trigamma(z + k) - crvm__trigamma(z);
}

double crvm__lgamma_shift(double z, double k)
{
    if (k == 0.0)
        return 0.0;
    if (k <= 64.0) {
        double s = 0.0;
        for (double j = 0.0; j < k; j += 1.0)
            s += log(z + j);
        return s;
    }
    if (z >= 1e5) {
        /* lgamma(w) = (w - 1/2) log w - w + log sqrt(2 pi) + 1/(12 w) + O(w^-3) */
        double zk = z + k;
        return (z - 0.5) * log1p(k / z) + k * log(zk) - k - k / (12.0 * z * zk);
    }
    return crvm__lgamma(z + k) - crvm__lgamma(z);
}

/* log((alpha+T)/(alpha+t_x)) without cancellation when t_x is close to T */
static double log_age_ratio(double alpha, double tx, double T)
{
    return log1p((T - tx) / (alpha + tx));
}

/* D of the file comment; -inf where the second term is absent. Where r + x
 * overflows, D is +inf unless t_x = T (then the second term is 0). */
static double bg_D(const double *p, const crvm__txn_row *row, int modified)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3], x = row->x;
    if (!modified && x == 0.0)
        return -INFINITY;
    double age = log_age_ratio(alpha, row->tx, row->T);
    return log(a) - crvm__bgnbd_log_bx(b, x, modified ? 0.0 : -1.0) +
           (age > 0.0 ? (r + x) * age : 0.0);
}

/* log(1 + exp(D)) and the logistic weight q = exp(D)/(1+exp(D)) */
static double softplus(double D, double *q)
{
    if (D == -INFINITY) {
        *q = 0.0;
        return 0.0;
    }
    if (D > 0) {
        double e = exp(-D);
        *q = 1.0 / (1.0 + e);
        return D + log1p(e);
    }
    double e = exp(D);
    *q = e / (1.0 + e);
    return log1p(e);
}

static double ll_common(const double *p, const crvm__txn_row *row, double *grad, int modified)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3];
    double x = row->x, tx = row->tx, T = row->T;
    double extra = modified ? 1.0 : 0.0; /* B(a, b + x + extra) / B(a, b) */
    double q;
    double D = bg_D(p, row, modified);
    double sp = softplus(D, &q);
    /* r log alpha - (r+x) log(alpha+T) = -r log1p(T/alpha) - x log(alpha+T);
     * log B(a, b+n)/B(a, b) = lgamma_shift(b, n) - lgamma_shift(a+b, n) */
    double ll = crvm__lgamma_shift(r, x) - r * log1p(T / alpha) - x * log(alpha + T) +
                crvm__lgamma_shift(b, x + extra) - crvm__lgamma_shift(a + b, x + extra) + sp;
    if (grad) {
        double L = (q > 0.0) ? log_age_ratio(alpha, tx, T) : 0.0;
        double bb = b + x + extra - 1.0; /* denominator inside D */
        grad[0] = crvm__digamma_shift(r, x) - log1p(T / alpha) + q * L;
        grad[1] = r * T / (alpha * (alpha + T)) - x / (alpha + T) +
                  (q > 0.0 ? q * (r + x) * (tx - T) / ((alpha + T) * (alpha + tx)) : 0.0);
        double dab = -crvm__digamma_shift(a + b, x + extra);
        grad[2] = dab + q / a;
        grad[3] = crvm__digamma_shift(b, x + extra) + dab - (q > 0.0 ? q / bb : 0.0);
    }
    return ll;
}

double crvm__bgnbd_ll(const double *p, const crvm__txn_row *row, double *grad)
{
    return ll_common(p, row, grad, 0);
}

double crvm__mbgnbd_ll(const double *p, const crvm__txn_row *row, double *grad)
{
    return ll_common(p, row, grad, 1);
}

double crvm__bgnbd_p_alive(const double *p, const crvm__txn_row *row, int modified)
{
    double D = bg_D(p, row, modified);
    if (D == -INFINITY)
        return 1.0;
    /* 1 / (1 + exp(D)), stable for both signs of D */
    if (D > 0) {
        double e = exp(-D);
        return e / (1.0 + e);
    }
    return 1.0 / (1.0 + exp(D));
}

/* ---- E_p[g(p)] for p ~ Beta(a, B) by quadrature ---------------------- */

typedef struct beta_ctx {
    double a, B;  /* Beta parameters */
    double k, c;  /* g(p) = (1 - (1 + p c)^-k) / p */
    int upper;    /* 0: p = y^(1/a) on (0, 1/2]; 1: 1 - p = y^(1/B) on (0, 1/2] */
} beta_ctx;

static double g_of_p(double pp, double k, double c)
{
    if (pp <= 0.0)
        return k * c;
    return -expm1(-k * log1p(pp * c)) / pp;
}

static void beta_integrand(double y, double *f, void *vctx)
{
    const beta_ctx *ctx = vctx;
    if (y <= 0.0) {
        f[0] = 0.0;
        return;
    }
    if (!ctx->upper) {
        double pp = exp(log(y) / ctx->a);
        /* p^(a-1) dp = dy / a */
        f[0] = exp((ctx->B - 1.0) * log1p(-pp)) * g_of_p(pp, ctx->k, ctx->c) / ctx->a;
    } else {
        double qq = exp(log(y) / ctx->B);
        double pp = 1.0 - qq;
        /* (1-p)^(B-1) dp = dy / B */
        f[0] = exp((ctx->a - 1.0) * log(pp)) * g_of_p(pp, ctx->k, ctx->c) / ctx->B;
    }
}

/* log 2F1(k, B; C; z) for k, B, C > 0 and 0 < z <= 1/2 by the Maclaurin
 * series, the same series and the same stopping rule as crvm__hyp2f1_log
 * (lib/math/hyp2f1.c) without its bookkeeping, which this case does not
 * need: every term is positive, so there is no cancellation to track (the
 * rounding error stays a few ulp) and, as long as the sum stays below
 * 1e300, no rescaling. The tail bound (two divisions) is only evaluated once
 * the current term is below 1e-16 of the sum. Returns NaN when the sum grows
 * past 1e300 or the series is too long (the caller then uses the general
 * routine). */
static double log_hyp2f1_positive(double k, double B, double C, double z)
{
    if (k == C)
        return -B * log1p(-z);
    if (B == C)
        return -k * log1p(-z);
    double t = 1.0, s = 1.0;
    for (int n = 0; n < 5000; n++) {
        double nn = (double)n;
        t *= (k + nn) * (B + nn) / ((C + nn) * (nn + 1.0)) * z;
        s += t;
        if (t <= 1e-16 * s) {
            /* every later term ratio is at most R (the factors (k+j)/(C+j)
             * and (B+j)/(j+1) are monotone in j and tend to 1), so the tail
             * is at most t R / (1 - R) */
            double k1 = nn + 1.0;
            double fk = (k + k1) / (C + k1), fb = (B + k1) / (k1 + 1.0);
            double R = z * (fk > 1.0 ? fk : 1.0) * (fb > 1.0 ? fb : 1.0);
            if (R < 0.9 && t * (nn + 2.0) * R / (1.0 - R) <= 1e-17 * s)
                return log(s);
        }
        if (!(s < 1e300))
            return NAN;
    }
    return NAN;
}

/* The same expectation in closed form (FHL 2005 eq. 10):
 * C/(a-1) [1 - (1-z)^k 2F1(k, B; C; z)], C = a + B - 1, z = c/(1+c).
 * Returns NaN where that form is inaccurate (a near 1, where it is 0/0;
 * C small; the bracket cancelling below 1e-3; 2F1 not converged) so that
 * the caller integrates instead. */
static double beta_expect_g_closed(double a, double B, double k, double c)
{
    double C = a + B - 1.0;
    if (fabs(a - 1.0) < 0.05 || C < 0.5)
        return NAN;
    double z = c / (1.0 + c);
    double lf = z <= 0.5 ? log_hyp2f1_positive(k, B, C, z) : NAN;
    if (isnan(lf)) {
        int sign;
        if (crvm__hyp2f1_log(k, B, C, z, &lf, &sign) != CRVM_OK || sign < 0)
            return NAN;
    }
    double one_minus = -expm1(lf - k * log1p(c));
    if (!(fabs(one_minus) >= 1e-3))
        return NAN;
    return C / (a - 1.0) * one_minus;
}

/* E[(1 - (1 + p c)^-k) / p] for p ~ Beta(a, B) by quadrature */
static double beta_expect_g_quad(double a, double B, double k, double c)
{
    beta_ctx ctx = {a, B, k, c, 0};
    double lo, hi;
    double ymax_lo = exp(-a * LN2); /* (1/2)^a */
    if (!crvm__quad_gk(beta_integrand, &ctx, 1, 0.0, ymax_lo, 1e-13, CRVM__QUAD_MAX_INTERVALS,
                       &lo))
        return NAN;
    ctx.upper = 1;
    double ymax_hi = exp(-B * LN2); /* (1/2)^B */
    hi = 0.0;
    if (ymax_hi > 0.0 && !crvm__quad_gk(beta_integrand, &ctx, 1, 0.0, ymax_hi, 1e-13,
                                        CRVM__QUAD_MAX_INTERVALS, &hi))
        return NAN;
    double s = lo + hi;
    if (!(s > 0.0))
        return s == 0.0 ? 0.0 : NAN;
    return exp(log(s) - crvm__lbeta(a, B));
}

double crvm__beta_expect_g(double a, double B, double k, double c, int method)
{
    if (c == 0.0)
        return 0.0;
    if (method == 1)
        return beta_expect_g_closed(a, B, k, c);
    if (method == 2)
        return beta_expect_g_quad(a, B, k, c);
    double closed = beta_expect_g_closed(a, B, k, c);
    if (closed > 0.0 && isfinite(closed))
        return closed;
    return beta_expect_g_quad(a, B, k, c);
}

double crvm__bgnbd_expected_conditional(const double *p, double t, const crvm__txn_row *row,
                                        int modified)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3];
    if (t == 0.0)
        return 0.0;
    double pa = crvm__bgnbd_p_alive(p, row, modified);
    double B = b + row->x + (modified ? 1.0 : 0.0);
    double e = crvm__beta_expect_g(a, B, r + row->x, t / (alpha + row->T), 0);
    return pa * e;
}

/* P(X(t) = n) is assembled from ratios of gamma functions; each form
 * below adds to *mag the magnitude of the log-space terms it differenced
 * (or its number of roundings), so that the relative rounding error of
 * the result is at most a few ulp of *mag. A value whose error bound exceeds PROB_TOLERANCE
 * (relative) is refused, as is a tail needing more than PROB_MAX_TERMS
 * terms: that bounds the work per row. */
#define PROB_TOLERANCE 1e-9
#define PROB_ROUNDINGS 16.0
#define PROB_MAX_TERMS 1e6

/* B(a + da, b + n) / B(a, b), da in {0, 1}: for n <= 64 the product
 * (a/(a+b))^da prod_{j<n} (b+j)/(a+da+b+j) (a few ulp, however large a and
 * b); beyond, the difference of log-beta functions or of the shifted
 * log-gammas of that product, whichever differences less. */
static double beta_ratio(double a, double b, double da, double n, double *mag)
{
    if (n <= 64.0) {
        double v = da > 0.0 ? a / (a + b) : 1.0;
        for (double j = 0.0; j < n; j += 1.0)
            v *= (b + j) / (a + da + b + j);
        *mag += n + 1.0; /* one rounding per factor, in units of the result */
        return v;
    }
    double l1 = crvm__lbeta(a + da, b + n), l0 = crvm__lbeta(a, b);
    double lead = da > 0.0 ? -log1p(b / a) : 0.0; /* log B(a+1, b)/B(a, b) */
    double s1 = crvm__lgamma_shift(b, n), s0 = crvm__lgamma_shift(a + b + da, n);
    double m1 = fabs(l1) + fabs(l0), m2 = fabs(lead) + fabs(s1) + fabs(s0);
    *mag += m1 <= m2 ? m1 : m2;
    return exp(m1 <= m2 ? l1 - l0 : lead + s1 - s0);
}

/* log NB_n = log P(N(t) = n) for the NBD with shape r and rate alpha:
 * log C(r+n-1, n) = -log n - log B(r, n) for n > 0, whose terms stay of the
 * size of the result where lgamma(r+n) - lgamma(n+1) would cancel */
static double log_nb(double r, double alpha, double t, double n, double *mag)
{
    double lp0 = -r * log1p(t / alpha);      /* log (alpha/(alpha+t))^r */
    if (n == 0.0) {
        *mag += fabs(lp0);
        return lp0;
    }
    double lth = -log1p(alpha / t);          /* log theta */
    double lc = -log(n) - crvm__lbeta(r, n);
    *mag += fabs(lp0) + fabs(n * lth) + fabs(log(n)) + fabs(lc + log(n));
    return lc + lp0 + n * lth;
}

/* P(NBD(r, alpha; t) >= n), n >= 1, from the pmf at the boundary in log
 * space: past the mode (ratio of successive terms (r+j) theta/(j+1) < 1 at
 * n) the tail summed upwards; otherwise 1 minus the head summed downwards
 * from n - 1, whose terms then fall as j decreases. Each sum stops when its
 * remainder, bounded geometrically, is below 1e-17 of it; NaN after
 * PROB_MAX_TERMS terms. */
static double nb_tail(double r, double alpha, double t, double n, double *mag)
{
    double theta = t / (alpha + t);
    if ((r + n) * theta < n + 1.0) {
        double tj = exp(log_nb(r, alpha, t, n, mag)), tail = 0.0;
        for (double j = n, k = 0; k < PROB_MAX_TERMS; j += 1.0, k += 1.0) {
            tail += tj;
            double ratio = (r + j) / (j + 1.0) * theta;
            /* later ratios: below this one for r >= 1, below theta else */
            double R = r >= 1.0 ? ratio : theta;
            tj *= ratio;
            if (tj == 0.0 || (R < 1.0 && tj * R / (1.0 - R) <= 1e-17 * tail))
                return tail;
        }
        return NAN;
    }
    /* r > 1 here (else every ratio is below theta < 1); going down, the
     * factor j / ((r+j-1) theta) grows with j, so R, its value at j = n - 1,
     * bounds all of them (R < 1 for r > 1) */
    double tj = exp(log_nb(r, alpha, t, n - 1.0, mag)), head = 0.0;
    double R = (n - 1.0) / ((r + n - 2.0) * theta);
    for (double j = n - 1.0, k = 0; k < PROB_MAX_TERMS; j -= 1.0, k += 1.0) {
        head += tj;
        if (j == 0.0)
            return 1.0 - head;
        tj *= j / ((r + j - 1.0) * theta);
        if (tj == 0.0 || (R < 1.0 && tj * R / (1.0 - R) <= 1e-17 * head))
            return 1.0 - head;
    }
    return NAN;
}

double crvm__bgnbd_probability_of_n(const double *p, double t, double n, int modified)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3];
    if (t == 0.0)
        return n == 0.0 ? 1.0 : 0.0;
    /* BG/NBD:  B(a,b+n)/B(a,b) NB_n + [n > 0] B(a+1,b+n-1)/B(a,b) tail_n
     * MBG/NBD: B(a,b+n+1)/B(a,b) NB_n + B(a+1,b+n)/B(a,b) tail_n */
    double m = modified ? 1.0 : 0.0, mag = 0.0;
    double first = beta_ratio(a, b, 0.0, n + m, &mag) * exp(log_nb(r, alpha, t, n, &mag));
    double second = 0.0;
    if (modified || n > 0.0) {
        double tail = n > 0.0 ? nb_tail(r, alpha, t, n, &mag) : 1.0;
        second = beta_ratio(a, b, 1.0, n + m - 1.0, &mag) * tail;
    }
    if (!(PROB_ROUNDINGS * DBL_EPSILON * mag <= PROB_TOLERANCE))
        return NAN;
    return first + second;
}
