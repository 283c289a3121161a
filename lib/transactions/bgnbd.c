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
 * tables, crvm__bgnbd_expected_rows) and every other row, DERT and the
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

#include "math/special.h"
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

/* D of the file comment; -inf where the second term is absent */
static double bg_D(const double *p, const crvm__txn_row *row, int modified)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3], x = row->x;
    if (!modified && x == 0.0)
        return -INFINITY;
    double bb = modified ? b + x : b + x - 1.0;
    return log(a) - log(bb) + (r + x) * log_age_ratio(alpha, row->tx, row->T);
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

int crvm__bgnbd_p_alive_rows(const double *p, const double *x, const double *tx, const double *T,
                             size_t n, int modified, double *out)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3];
    /* With r + DBL_MAX finite (r below ~1e292), r + x is finite for every
     * valid x, so D is never NaN (+-inf gives 0 or 1) */
    if (!isfinite(r + DBL_MAX))
        return 0;
    /* log(a) - log(b + x - 1) (MBG/NBD: b + x) for whole x < 64, filled on
     * first use with the same expression as bg_D, so D is bit-identical */
    double c0[64];
    unsigned char have[64] = {0};
    double la = log(a), shift = modified ? 0.0 : -1.0;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i];
        if (!modified && xi == 0.0) {
            out[i] = 1.0;
            continue;
        }
        double c;
        if (xi < 64.0) {
            int j = (int)xi;
            if (!have[j]) {
                c0[j] = la - log(b + xi + shift);
                have[j] = 1;
            }
            c = c0[j];
        } else {
            c = la - log(b + xi + shift);
        }
        double D = c + (r + xi) * log_age_ratio(alpha, tx[i], T[i]);
        /* 1 / (1 + exp(D)) as in crvm__bgnbd_p_alive, with selects instead
         * of a branch on the sign of D (which real data make unpredictable) */
        double e = exp(D > 0 ? -D : D);
        out[i] = (D > 0 ? e : 1.0) / (1.0 + e);
    }
    return 1;
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
    crvm__quad_gk(beta_integrand, &ctx, 1, 0.0, ymax_lo, 1e-13, CRVM__QUAD_MAX_INTERVALS, &lo);
    ctx.upper = 1;
    double ymax_hi = exp(-B * LN2); /* (1/2)^B */
    if (ymax_hi > 0.0)
        crvm__quad_gk(beta_integrand, &ctx, 1, 0.0, ymax_hi, 1e-13, CRVM__QUAD_MAX_INTERVALS,
                      &hi);
    else
        hi = 0.0;
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

/* ---- batched conditional expectation --------------------------------- */

/* For whole x < SERIES_X the 2F1(k, B; C; z) of the closed form has the same
 * coefficients for every row with that x (k = r + x, B = b + x [+ 1],
 * C = a + B - 1); only z = c / (1 + c), c = t / (alpha + T), changes. So
 * crvm__bgnbd_expected_rows builds, on first use of each x, the table of
 * the Maclaurin coefficients c_n = prod_{j<n} (k+j)(B+j) / ((C+j)(j+1)),
 * long enough for the largest z <= 1/2 among the rows (zcap), and each row
 * is then a polynomial evaluation without divisions.
 *
 * Truncation: all coefficients are positive, so for z <= zcap the tail after
 * N terms is at most the tail at zcap, and the sum is at least 1. The table
 * stops at the first n where the tail bound of log_hyp2f1_positive at zcap
 * (term_n R / (1 - R), R < 0.9) is below 1e-17: at most 1e-17 relative
 * truncation for every row. Rows the tables do not cover (x >= SERIES_X,
 * z > 1/2, more than SERIES_TERMS terms) take the general closed form where
 * its cost is bounded (z <= 1/2 and k z <= 4000, or k and B below
 * CLOSED_MAX); where
 * that is unusable (a near 1, C < 0.5, the bracket below 1e-3) or its value
 * breaks the bounds of the exact value, the row is left NaN for the
 * death-rate rule. */
#define SERIES_X 64
#define CLOSED_MAX 10000.0
#define SERIES_TERMS 160 /* a multiple of 4 */
#define SERIES_STRIDE (SERIES_TERMS + 1) /* [0]: number of terms, 0 unbuilt, -1 unusable */

size_t crvm__bgnbd_expected_work_len(void)
{
    return (size_t)SERIES_X * SERIES_STRIDE;
}

/* Fill one table (see above); tab[0] = number of terms or -1. */
static void build_series(double k, double B, double C, double zcap, double *tab)
{
    double *c = tab + 1, cn = 1.0, zn = 1.0;
    tab[0] = -1.0;
    for (int n = 0; n < SERIES_TERMS; n++) {
        double nn = (double)n;
        c[n] = cn;
        double term = cn * zn; /* term n at zcap */
        double fk = (k + nn) / (C + nn), fb = (B + nn) / (nn + 1.0);
        double R = zcap * (fk > 1.0 ? fk : 1.0) * (fb > 1.0 ? fb : 1.0);
        if (R < 0.9 && term * R / (1.0 - R) <= 1e-17) {
            tab[0] = (double)(n + 1);
            for (int m = n + 1; m % 4 != 0; m++)
                c[m] = 0.0; /* padding for eval_series */
            return;
        }
        cn *= (k + nn) * (B + nn) / ((C + nn) * (nn + 1.0));
        zn *= zcap;
        if (!(cn * zn < 1e300))
            return;
    }
}

/* sum_{n<N} c[n] z^n in four interleaved Horner chains (in z^4), so that
 * the additions do not wait for each other; c is zero-padded to a multiple
 * of 4 terms (build_series) */
static double eval_series(const double *c, int N, double z)
{
    double z2 = z * z, z4 = z2 * z2;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (int j = ((N + 3) / 4 - 1) * 4; j >= 0; j -= 4) {
        s0 = s0 * z4 + c[j];
        s1 = s1 * z4 + c[j + 1];
        s2 = s2 * z4 + c[j + 2];
        s3 = s3 * z4 + c[j + 3];
    }
    return s0 + z * (s1 + z * (s2 + z * s3));
}

void crvm__bgnbd_expected_rows(const double *p, double t, const double *x, const double *tx,
                               const double *T, size_t n, int modified, double *work,
                               double *out)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3];
    if (t == 0.0) {
        for (size_t i = 0; i < n; i++)
            out[i] = 0.0;
        return;
    }
    if (!crvm__bgnbd_p_alive_rows(p, x, tx, T, n, modified, out))
        for (size_t i = 0; i < n; i++) {
            crvm__txn_row row = {x[i], tx[i], T[i], 1.0};
            out[i] = crvm__bgnbd_p_alive(p, &row, modified);
        }
    double zcap = 0.0;
    for (size_t i = 0; i < n; i++) {
        double c = t / (alpha + T[i]), z = c / (1.0 + c);
        if (z <= 0.5 && z > zcap)
            zcap = z;
    }
    for (int j = 0; j < SERIES_X; j++)
        work[(size_t)j * SERIES_STRIDE] = 0.0;
    double extra = modified ? 1.0 : 0.0;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i], pa = out[i];
        double c = t / (alpha + T[i]), z = c / (1.0 + c);
        double k = r + xi, B = b + xi + extra, C = a + B - 1.0;
        double e = NAN;
        if (xi < SERIES_X && z <= 0.5 && c > 0.0) {
            double *tab = work + (size_t)xi * SERIES_STRIDE;
            if (tab[0] == 0.0) {
                if (fabs(a - 1.0) < 0.05 || C < 0.5)
                    tab[0] = -1.0;
                else
                    build_series(k, B, C, zcap, tab);
            }
            if (tab[0] > 0.0) {
                double one_minus = -expm1(log(eval_series(tab + 1, (int)tab[0], z)) -
                                          k * log1p(c));
                if (fabs(one_minus) >= 1e-3)
                    e = C / (a - 1.0) * one_minus;
            }
        }
        /* The closed form costs a series of about k z terms for z <= 1/2
         * (at most 5000, then the general routine); beyond 1/2 the general
         * 2F1 continues analytically, up to ~0.2 ms for shapes below
         * CLOSED_MAX and milliseconds above, where the rule is cheaper. */
        if (isnan(e) && ((z <= 0.5 && k * z <= 4000.0) || (k <= CLOSED_MAX && B <= CLOSED_MAX)))
            e = crvm__beta_expect_g(a, B, k, c, 1);
        /* E[Y(t)] / P(alive) = k c E[phi(nu' c)] (death_rule.c) lies in
         * [k c / (1 + E[nu'] c), k c]: a closed form that cancelled (b in
         * the millions, say) lands outside and the row goes to the rule */
        double kc = k * c, mean = (k + 1.0) * (a / (a + B));
        if (!(e <= kc * (1.0 + 1e-12) && e >= kc / (1.0 + mean * c) * (1.0 - 1e-12)))
            e = NAN;
        out[i] = pa * e;
    }
}

/* log NB_j(t) = log P(N(t) = j) for the NBD with shape r and rate alpha */
static double log_nb(double r, double alpha, double t, double j)
{
    double lp0 = -r * log1p(t / alpha);       /* log (alpha/(alpha+t))^r */
    double lth = log(t) - log(alpha + t);     /* log theta */
    return crvm__lgamma_shift(r, j) - crvm__lgamma(j + 1.0) + lp0 + (j > 0 ? j * lth : 0.0);
}

/* P(NBD(r, alpha; t) >= n), accurate in relative terms in both tails */
static double nb_tail(double r, double alpha, double t, double n)
{
    if (n <= 0.0)
        return 1.0;
    double theta = t / (alpha + t);
    double term = exp(-r * log1p(t / alpha)); /* P(N = 0) */
    double head = 0.0;
    for (double j = 0.0; j < n; j += 1.0) {
        head += term;
        term *= (r + j) / (j + 1.0) * theta;
    }
    if (head <= 0.5)
        return 1.0 - head;
    /* sum the tail directly: starts at P(N = n) (computed in log space) */
    double tj = exp(log_nb(r, alpha, t, n));
    double tail = 0.0;
    for (double j = n; j < n + 1e7; j += 1.0) {
        tail += tj;
        double ratio = (r + j) / (j + 1.0) * theta;
        tj *= ratio;
        if (ratio < 1.0 && tj * ratio / (1.0 - ratio) <= 1e-17 * tail)
            break;
        if (tj == 0.0)
            break;
    }
    return tail;
}

double crvm__bgnbd_probability_of_n(const double *p, double t, double n, int modified)
{
    double r = p[0], alpha = p[1], a = p[2], b = p[3];
    if (t == 0.0)
        return n == 0.0 ? 1.0 : 0.0;
    double lbab = crvm__lbeta(a, b);
    double first, second;
    if (!modified) {
        first = exp(crvm__lbeta(a, b + n) - lbab + log_nb(r, alpha, t, n));
        second = n > 0.0 ? exp(crvm__lbeta(a + 1.0, b + n - 1.0) - lbab) * nb_tail(r, alpha, t, n)
                         : 0.0;
    } else {
        first = exp(crvm__lbeta(a, b + n + 1.0) - lbab + log_nb(r, alpha, t, n));
        second = exp(crvm__lbeta(a + 1.0, b + n) - lbab) * nb_tail(r, alpha, t, n);
    }
    return first + second;
}
