/* BG/NBD and MBG/NBD: a quadrature rule for the posterior law of the death
 * rate, shared by DERT and the robust conditional expectation.
 *
 * Given alive at T after x repeat transactions, lambda = mu / (alpha + T)
 * with mu ~ Gamma(k = r + x, 1), and p ~ Beta(a, B), B = b + x (MBG/NBD
 * b + x + 1). With lambda and p fixed, the j-th future transaction happens
 * with probability (1 - p)^(j-1) at a Gamma(j, lambda) time, so
 *   DERT(lambda, p) = sum_j (1-p)^(j-1) (lambda / (lambda + delta))^j
 *                   = lambda / (delta + p lambda) = mu / (s + nu),
 *   E[Y(t)](lambda, p) = (1 - exp(-p lambda t)) / p = c mu phi(nu c),
 * with nu = p mu, s = delta (alpha + T), c = t / (alpha + T) and
 * phi(z) = (1 - exp(-z)) / z. Both are mu times a function of nu, and
 * E[mu F(p mu)] = k E[F(p mu')] with mu' ~ Gamma(k + 1, 1) (mu f_k(mu) =
 * k f_(k+1)(mu)). So one rule for the law of nu' = p mu', nodes nu_i and
 * weights w_i, gives both as short sums:
 *   DERT = P(alive) k sum_i w_i / (s + nu_i),
 *   E[Y(t)] = P(alive) k c sum_i w_i phi(nu_i c).
 *
 * The rule: log nu' = u - L with u = log mu' (density G(u) = exp((k+1) u -
 * e^u) / Gamma(k+1)) and L = -log p = log(1 + e^tau), where tau = log((1-p)
 * / p) has density beta(tau) = exp(B tau - (a+B) L) / B(a, B). The density
 * of l = log nu' is omega(l) = int beta(tau) G(l + L(tau)) dtau. Both
 * integrands are analytic and decay at least exponentially in strips about
 * the real axis, so the trapezoidal rule on uniform grids converges
 * geometrically (error ~ exp(-2 pi d / h), d ~ 1.2 the usable half-width of
 * the strip): h = 0.2, or half the standard deviation of u = log mu' (and,
 * for tau, of tau) when that is smaller (then the integrand is Gaussian-like
 * and the error ~ exp(-8 pi^2)). Grids stop where the log-density has dropped by thr below
 * its maximum; thr grows with how strongly the caller's function can weight
 * the small-nu tail (amp). Cost: one exp per (l, tau) pair inside both
 * windows, at most DEATH_RULE_WORK; the caller then pays one division
 * (DERT) or one expm1 (expectation) per node and row.
 *
 * Checks instead of trust: the built rule must reproduce the mass 1 and the
 * mean E[nu'] = (k+1) a / (a+B) to 1e-12; otherwise the build fails with
 * CRVM_EDOMAIN, as it does when a grid would exceed its bounds (very small a
 * with a tiny discount rate, for example). */
#include <math.h>

#include "core/error.h"
#include "math/special.h"
#include "transactions/txn_private.h"

#define DEATH_RULE_WORK (1L << 22) /* exps per rule: ~50 ms at most */
#define TAU_MAX CRVM__DEATH_RULE_TAU

static double softplus_pos(double tau) /* log(1 + e^tau) for any tau */
{
    return tau > 0.0 ? tau + log1p(exp(-tau)) : log1p(exp(tau));
}

/* e^d - 1 - d with full relative accuracy (Taylor series below 1/2) */
static double expm1mx(double d)
{
    if (fabs(d) >= 0.5)
        return expm1(d) - d;
    static const double inv[18] = {0, 0, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6,
                                   1.0 / 7, 1.0 / 8, 1.0 / 9, 1.0 / 10, 1.0 / 11, 1.0 / 12,
                                   1.0 / 13, 1.0 / 14, 1.0 / 15, 1.0 / 16, 1.0 / 17};
    double s = 0.0;
    for (int n = 17; n >= 2; n--)
        s = (s + 1.0) * d * inv[n];
    return s * d;
}

/* log(1 + y) - y with full relative accuracy: with w = y / (2 + y),
 * log1p(y) = 2 atanh(w) and y = 2w / (1 - w), so
 * log1p(y) - y = -2w^2 / (1 - w) + 2 (w^3/3 + w^5/5 + ...) */
static double log1pmx(double y)
{
    if (fabs(y) >= 0.5)
        return log1p(y) - y;
    double w = y / (2.0 + y), w2 = w * w, s = 0.0;
    for (int n = 31; n >= 3; n -= 2)
        s = s * w2 + 1.0 / n;
    return -2.0 * w2 / (1.0 - w) + 2.0 * w * w2 * s;
}

/* log of the density of tau = log((1-p)/p), p ~ Beta(a, B), up to a
 * constant. Two forms: "direct", B tau - (a+B) L(tau) - log B(a, B) with
 * the two large terms kept apart (error ~ eps min(a, B) |tau|, good when
 * either shape is small); and relative to the mode tau*, with
 * d = tau - tau*, q = B/(a+B):
 *   -B (e^d - 1 - d) - (a+B) (log1p(q (e^d - 1)) - q (e^d - 1)),
 * whose terms cancel only by the factor (a+B)/a (good when a is not much
 * smaller than B, however large both are). */
typedef struct beta_form {
    double a, B, mode, lnorm;
    int relative;
} beta_form;

static double log_beta_tau(double tau, const beta_form *f)
{
    double a = f->a, B = f->B;
    if (f->relative) {
        double d = tau - f->mode, e1 = expm1(d);
        return -B * expm1mx(d) - (a + B) * log1pmx(B / (a + B) * e1);
    }
    if (tau > 0.0)
        return -a * tau - (a + B) * log1p(exp(-tau)) - f->lnorm;
    return B * tau - (a + B) * log1p(exp(tau)) - f->lnorm;
}

/* Index range [lo, hi] of the grid mode + j h of the (log-concave) tau
 * density where it stays within thr of its mode value; 0 when one side
 * would need more than max_half steps. */
static int tau_window(const beta_form *f, double h, double thr, long max_half, long *lo, long *hi)
{
    double floor = log_beta_tau(f->mode, f) - thr;
    long j = 0;
    while (log_beta_tau(f->mode - (double)j * h, f) >= floor)
        if (++j > max_half)
            return 0;
    *lo = -j;
    j = 0;
    while (log_beta_tau(f->mode + (double)j * h, f) >= floor)
        if (++j > max_half)
            return 0;
    *hi = j;
    return 1;
}

/* log density of u = log mu', mu' ~ Gamma(k1, 1), relative to its mode
 * u* = log k1: -k1 (e^d - 1 - d), d = u - u*, accurate for any k1 */
static double log_gamma_rel(double d, double k1)
{
    return -k1 * expm1mx(d);
}

crvm_status crvm__death_rule_build(double k, double a, double B, double amp,
                                   crvm__death_rule *rule)
{
    double k1 = k + 1.0;
    if (!(k > 0.0 && a > 0.0 && B > 0.0 && isfinite(k1) && isfinite(a) && isfinite(B)))
        return crvm__fail(CRVM_EDOMAIN, "DERT rule: shape parameters k=%g a=%g B=%g out of range",
                          k, a, B);
    double thr = 40.0 + log(amp > 1.0 ? amp : 1.0) + log(1.0 * CRVM__DEATH_RULE_NODES);
    /* standard deviations of tau and u (trigamma sums) */
    double sd_tau = sqrt(crvm__trigamma(a) + crvm__trigamma(B));
    double sd_u = sqrt(crvm__trigamma(k1));
    double h_tau = fmin(0.2, 0.5 * fmin(sd_tau, sd_u));
    /* omega(l) is G convolved with the law of L, whose density is not
     * analytic at L = 0 (p = 1) unless B is whole: only the Gaussian-like
     * decay of G's Fourier transform can be relied on, so the l step follows
     * the width of u alone (sd_l >= sd_u) */
    double h_l = fmin(0.2, 0.5 * sd_u);

    beta_form bf = {a, B, log(B) - log(a), crvm__lbeta(a, B), 0};
    double err_direct = fmin(a, B) * (fabs(bf.mode) + 10.0 * sd_tau + 1.0);
    bf.relative = 50.0 * (a + B) / a < err_direct;
    double u_mode = log(k1);
    long tlo, thi, ulo = 0, uhi = 0;
    int ok = tau_window(&bf, h_tau, thr, TAU_MAX / 2 - 1, &tlo, &thi);
    while (ok && log_gamma_rel((double)(ulo - 1) * h_l, k1) >= -thr)
        ok = --ulo > -(1L << 16);
    while (ok && log_gamma_rel((double)(uhi + 1) * h_l, k1) >= -thr)
        ok = ++uhi < (1L << 16);
    if (!ok)
        return crvm__fail(CRVM_EDOMAIN,
                          "DERT rule: the Beta(a=%g, B=%g) posterior of the dropout "
                          "probability is too wide to integrate to full accuracy",
                          a, B);
    double d_lo = (double)ulo * h_l, d_hi = (double)uhi * h_l; /* u - u* window */
    long n_tau = thi - tlo + 1;
    /* tau grid: log-density, L = -log p (increasing in tau) and 1/p */
    double *lb = rule->scratch, *Lt = lb + TAU_MAX, *ip = Lt + TAU_MAX;
    for (long j = 0; j < n_tau; j++) {
        double tau = bf.mode + (double)(tlo + j) * h_tau;
        Lt[j] = softplus_pos(tau);
        lb[j] = log_beta_tau(tau, &bf);
        ip[j] = exp(Lt[j]);
    }
    /* l grid around E[l]; l = u - L, so l - u* spans [d_lo - L_max, d_hi - L_min] */
    double l_mid = crvm__digamma(k1) - (crvm__digamma(a + B) - crvm__digamma(a)) - u_mode;
    double flo = floor((d_lo - Lt[n_tau - 1] - l_mid) / h_l);
    double fhi = ceil((d_hi - Lt[0] - l_mid) / h_l);
    /* compared as doubles: at extreme shapes the ends are beyond a long
     * (and so far out that their difference rounds to nothing) */
    if (!(fhi - flo + 1.0 <= (double)CRVM__DEATH_RULE_NODES && fabs(flo) < 0x1p52 &&
          fabs(fhi) < 0x1p52))
        return crvm__fail(CRVM_EDOMAIN,
                          "DERT rule: the posterior death rate spans too many orders of "
                          "magnitude (k=%g, a=%g, B=%g) to integrate to full accuracy",
                          k, a, B);
    long ilo = (long)flo, ihi = (long)fhi;
    long work = 0;
    size_t n = 0;
    long jlo = n_tau - 1, jhi = n_tau - 1; /* tau window of the current l */
    double mass = 0.0;
    for (long i = ilo; i <= ihi; i++) {
        double lr = l_mid + (double)i * h_l; /* l - u* */
        /* terms need d = lr + L in [d_lo, d_hi]; as l grows the window
         * moves to smaller L, i.e. smaller j */
        while (jlo > 0 && lr + Lt[jlo - 1] >= d_lo)
            jlo--;
        while (jhi >= 0 && lr + Lt[jhi] > d_hi)
            jhi--;
        double om = 0.0;
        if (k1 <= 32.0) {
            /* e^d = e^lr / p: one exp per term; the error of e^d - 1 - d
             * is a few ulp of e^d, times k1 <= 32 */
            double elr = exp(lr);
            for (long j = jlo; j <= jhi; j++) {
                double d = lr + Lt[j];
                om += exp(lb[j] - k1 * (elr * ip[j] - 1.0 - d));
            }
        } else {
            for (long j = jlo; j <= jhi; j++)
                om += exp(lb[j] + log_gamma_rel(lr + Lt[j], k1));
        }
        work += jhi >= jlo ? jhi - jlo + 1 : 0;
        if (work > DEATH_RULE_WORK)
            return crvm__fail(CRVM_EDOMAIN,
                              "DERT rule: work bound reached (k=%g, a=%g, B=%g)", k, a, B);
        if (om > 0.0) {
            rule->nu[n] = k1 * exp(lr);
            rule->w[n] = om;
            mass += om;
            n++;
        }
    }
    /* The constants of both densities are left out (at large shapes they
     * are the difference of huge terms); the weights are normalised here
     * and the rule must then reproduce the exact first two moments,
     * E[nu'] = (k+1) a/(a+B) and E[nu'^2] = (k+1)(k+2) a(a+1)/((a+B)(a+B+1)). */
    double m1 = 0.0, m2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        rule->w[i] /= mass;
        m1 += rule->w[i] * rule->nu[i];
        m2 += rule->w[i] * rule->nu[i] * rule->nu[i];
    }
    double e1 = k1 * (a / (a + B));
    double e2 = e1 * (k1 + 1.0) * ((a + 1.0) / (a + B + 1.0));
    if (!(fabs(m1 - e1) <= 1e-12 * e1 && fabs(m2 - e2) <= 1e-12 * e2))
        return crvm__fail(CRVM_EDOMAIN,
                          "DERT rule: quadrature check failed (moments %.17g, %.17g vs "
                          "%.17g, %.17g; k=%g, a=%g, B=%g)",
                          m1, m2, e1, e2, k, a, B);
    rule->n = n;
    rule->k = k;
    rule->mean = e1;
    return CRVM_OK;
}

double crvm__death_rule_dert(const crvm__death_rule *rule, double s)
{
    double acc = 0.0;
    for (size_t i = 0; i < rule->n; i++)
        acc += rule->w[i] / (s + rule->nu[i]);
    double q = rule->k * acc;
    /* Jensen (1/(s+nu) is convex) and 1/(s+nu) <= 1/s bound the exact value */
    double lo = rule->k / (s + rule->mean), hi = rule->k / s;
    if (!(q >= lo * (1.0 - 1e-12) && q <= hi * (1.0 + 1e-12)))
        return NAN;
    return q;
}

double crvm__death_rule_expected(const crvm__death_rule *rule, double c)
{
    double acc = 0.0;
    for (size_t i = 0; i < rule->n; i++) {
        double z = rule->nu[i] * c;
        acc += rule->w[i] * (z > 1e-300 ? -expm1(-z) / z : 1.0);
    }
    double e = rule->k * c * acc;
    /* phi is convex and at most 1: k c phi(E[nu'] c) <= E <= k c */
    double zm = rule->mean * c;
    double lo = rule->k * c * (zm > 1e-300 ? -expm1(-zm) / zm : 1.0), hi = rule->k * c;
    if (!(e >= lo * (1.0 - 1e-12) && e <= hi * (1.0 + 1e-12)))
        return NAN;
    return e;
}
