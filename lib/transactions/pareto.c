/* Pareto/NBD (Schmittlein, Morrison & Colombo 1987): likelihood with analytic
 * gradient and predictions. While alive, transactions are Poisson(lambda),
 * lambda ~ Gamma(r, alpha); the lifetime is exponential(mu), mu ~ Gamma(s, beta).
 *
 * Likelihood (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD Model
 * and Related Expressions", eqs. 1-3, written before the integral over the
 * death time is done in closed form):
 *   L = Gamma(r+x) alpha^r beta^s / Gamma(r)
 *       * [ (alpha+T)^-(r+x) (beta+T)^-s + s I ],
 *   I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) d tau.
 * The closed form of I (Fader & Hardie's A_0) is a difference of two Gauss
 * hypergeometric functions whose argument switches with the sign of
 * alpha - beta; the difference cancels when t_x is near T and the 2F1 nears
 * its singular point when one of alpha, beta is much smaller than the other.
 * crvm sums the series behind it instead, once, as a sum of positive terms
 * (pareto_J_series: each term carries (1 - rho^(m+n)), computed with expm1,
 * so nothing cancels at t_x close to T, and alpha = beta is the case where
 * only the first term is left), and differentiates it term by term for the
 * gradient. Where the series would converge slowly (ratio above 0.99: one of
 * alpha, beta far below the other) I is integrated numerically over
 * l = log(alpha + tau), where the integrand is smooth and at most exponential
 * whatever x, alpha and beta are; the same nodes give the derivatives
 * (relative tolerance 1e-13). Unit tests check that both paths agree.
 *
 * P(alive) = (alpha+T)^-(r+x) (beta+T)^-s / [ (alpha+T)^-(r+x) (beta+T)^-s + s I ]
 * (Schmittlein et al. 1987 eq. 11). Given alive, lambda ~ Gamma(r+x, alpha+T)
 * and mu ~ Gamma(s, beta+T), so
 *   E[Y(t) | x, t_x, T] = P(alive) (r+x)/(alpha+T) (beta+T)/(s-1)
 *                         [1 - ((beta+T)/(beta+T+t))^(s-1)]      (SMC 1987 eq. 22)
 *   E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]  (SMC eq. 17)
 * (the limit s -> 1 is taken with expm1/log1p).
 *   P(X(t) = n) = NB_n(t) (beta/(beta+t))^s
 *                 + int_0^t s beta^s (beta+tau)^-(s+1) NB_n(tau) d tau,
 * NB_n the NBD(r, alpha) probability: the model integrated over the death
 * time directly (cf. Fader & Hardie, "Deriving an Expression for
 * P(X(t, t+tau) = x) Under the Pareto/NBD Model", brucehardie.com/notes/013),
 * integrated numerically.
 *   DERT(delta) = P(alive) (r+x)/(alpha+T) int_0^inf exp(-delta t)
 *                 ((beta+T)/(beta+T+t))^s dt
 * which is Fader, Hardie & Lee (2005, "RFM and CLV", eq. 2) with the Tricomi
 * function written as its integral: (beta+T)^s delta^(s-1) Psi(s, s; delta (beta+T)).
 */
#include <math.h>
#include <stdlib.h>

#include "math/special.h"
#include "transactions/txn_private.h"

#define QUAD_TOL 1e-13

/* The likelihood is computed with alpha^r beta^s folded in, so that nothing
 * cancels even for very large parameters:
 *   E0 = log[alpha^r beta^s (alpha+T)^-(r+x) (beta+T)^-s]
 *      = -r log1p(T/alpha) - x log(alpha+T) - s log1p(T/beta)
 *   J  = log[alpha^r beta^s s I]
 *      = log s + log f(t_x) + log(alpha+t_x) + log Q,
 *   log f(t_x) = -r log1p(t_x/alpha) - x log(alpha+t_x) - s log1p(t_x/beta) - log(beta+t_x)
 *   Q = int_0^{l_T} (f(tau) / f(t_x)) (alpha+tau)/(alpha+t_x) dl,  l = log((alpha+tau)/(alpha+t_x)),
 * where f(tau) = (alpha+tau)^-(r+x) (beta+tau)^-(s+1) is the integrand of I.
 * The gradient of J needs the averages over the same weights of
 * log1p(tau/alpha), tau/(alpha(alpha+tau)), 1/(alpha+tau), log1p(tau/beta),
 * tau/(beta(beta+tau)) and 1/(beta+tau): components 1..6 of the integrand. */
typedef struct ll_ctx {
    double alpha, beta, s, tx, rx; /* rx = r + x */
} ll_ctx;

/* Integrand over l = log((alpha+tau)/(alpha+t_x)) in [0, l_T]: the
 * integrand of I relative to its value at t_x, times d tau / d l,
 *   exp(-(r+x-1) l - (s+1) log1p((tau - t_x)/(beta + t_x))),
 * and the same times the six functions whose averages give the gradient.
 * In l the integrand is smooth and at most exponential whatever the
 * parameters (power laws in tau become exponentials in l). */
static void ll_integrand(double l, double *f, void *vctx)
{
    const ll_ctx *c = vctx;
    double delta = (c->alpha + c->tx) * expm1(l);
    double tau = c->tx + delta;
    double h = exp(-(c->rx - 1.0) * l - (c->s + 1.0) * log1p(delta / (c->beta + c->tx)));
    double at = c->alpha + tau, bt = c->beta + tau;
    f[0] = h;
    f[1] = h * log1p(tau / c->alpha);
    f[2] = h * (tau / (c->alpha * at));
    f[3] = h / at;
    f[4] = h * log1p(tau / c->beta);
    f[5] = h * (tau / (c->beta * bt));
    f[6] = h / bt;
}

/* J by quadrature; dJ (may be NULL) receives dJ/d(r, alpha, s, beta). */
static double pareto_J_quad(const double *p, const crvm__txn_row *row, double *dJ)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double x = row->x, tx = row->tx, T = row->T;
    double Q[7] = {0, 0, 0, 0, 0, 0, 0};
    ll_ctx c = {alpha, beta, s, tx, r + x};
    double lT = log1p((T - tx) / (alpha + tx));
    crvm__quad_gk(ll_integrand, &c, dJ ? 7 : 1, 0.0, lT, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS, Q);
    if (!(Q[0] > 0.0))
        return NAN;
    double lf = -r * log1p(tx / alpha) - x * log(alpha + tx) - s * log1p(tx / beta) -
                log(beta + tx);
    if (dJ) {
        dJ[0] = -Q[1] / Q[0];
        dJ[1] = r * Q[2] / Q[0] - x * Q[3] / Q[0];
        dJ[2] = 1.0 / s - Q[4] / Q[0];
        dJ[3] = s * Q[5] / Q[0] - Q[6] / Q[0];
    }
    /* I = f(t_x) (alpha + t_x) int_0^{l_T} h dl */
    return log(s) + lf + log(alpha + tx) + log(Q[0]);
}

/* J by the hypergeometric series behind Fader & Hardie's A_0, summed term by
 * term with its gradient. With c = max(alpha, beta), d = |alpha - beta|,
 * m = r + s + x, rho = (c + t_x)/(c + T) and e = s + 1 if alpha >= beta,
 * e = r + x otherwise (expanding the factor of the smaller scale):
 *   I = (c+t_x)^-m sum_n (e)_n/n! (d/(c+t_x))^n (1 - rho^(m+n)) / (m+n),
 * all terms positive, ratio -> d/(c+t_x) < 1. Returns NaN (caller falls back
 * to quadrature) when that ratio exceeds 0.99 or 20000 terms do not suffice. */
static double pareto_J_series(const double *p, const crvm__txn_row *row, double *dJ)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double x = row->x, tx = row->tx, T = row->T;
    int case_a = alpha >= beta;
    double c = case_a ? alpha : beta;
    double d = case_a ? alpha - beta : beta - alpha;
    double e = case_a ? s + 1.0 : r + x;
    double m = r + s + x;
    double ct = c + tx;
    double z = d / ct;
    /* terms grow until n ~ e z / (1 - z): too many for huge e */
    if (!(z <= 0.99) || e * z > 5000.0 * (1.0 - z))
        return NAN;
    double lrho = -log1p((T - tx) / ct); /* log rho < 0 */
    double rho = exp(lrho);
    double dlrho_dc = (T - tx) / (ct * (c + T));

    /* Terms in linear scale, t_n = a_n (1 - rho^(m+n)) / (m+n) with
     * a_n = (e)_n/n! z^n = ap_n z (n >= 1), ap_n = (e)_n/n! z^(n-1); all
     * sums are kept relative to a scale factor exp(loff) against overflow.
     * The derivative sums are weighted by t_n: psi(e+n) - psi(e) (for e),
     * d log t_n / dm, d log t_n / dc; sd accumulates n t_n / d, written as
     * n ap_n (1 - rho^M)/M / (c+t_x) so that it is finite at d = 0. */
    double loff = 0.0;
    double S = 0.0, se = 0.0, sm = 0.0, sc = 0.0, sd = 0.0;
    double ap = 1.0;    /* ap_n for n >= 1; a_0 = 1 */
    double psi_e = 0.0; /* psi(e + n) - psi(e) */
    double lq = m * lrho, q = exp(lq);
    int done = 0;
    for (int n = 0; n < 20000; n++) {
        double M = m + n;
        double omq = (q < 0.5) ? 1.0 - q : -expm1(lq);
        double an = (n == 0) ? 1.0 : ap * z;
        double base_t = omq / M;
        double t = an * base_t;
        double dM = -q * lrho / omq - 1.0 / M;
        double dc = -n / ct - q * M * dlrho_dc / omq;
        S += t;
        se += t * psi_e;
        sm += t * dM;
        sc += t * dc;
        if (n >= 1)
            sd += n * ap * base_t / ct;
        if (d == 0.0) {
            if (n >= 1) { /* only n = 0 contributes to the value, n = 1 to sd */
                done = 1;
                break;
            }
        } else {
            double ratio = (e + n) / (n + 1.0) * z;
            double qb = ratio > z ? ratio : z;
            if (qb < 1.0 && t * qb / (1.0 - qb) <= 1e-17 * S) {
                done = 1;
                break;
            }
        }
        /* advance to n + 1 */
        if (n >= 1)
            ap *= (e + n) / (n + 1.0) * z;
        else
            ap = e; /* ap_1 = (e)_1 / 1! */
        psi_e += 1.0 / (e + n);
        lq += lrho;
        q *= rho;
        if (ap > 1e250) { /* rescale everything by 1e-250 */
            ap *= 1e-250;
            S *= 1e-250;
            se *= 1e-250;
            sm *= 1e-250;
            sc *= 1e-250;
            sd *= 1e-250;
            loff += 575.6462732485114; /* 250 log 10 */
        }
    }
    if (!done || !(S > 0.0))
        return NAN;
    double lsum = log(S) + loff;
    se /= S;
    sm /= S;
    sc /= S;
    sd /= S;
    double base, db[4];
    if (case_a) {
        base = -r * log1p(tx / alpha) - x * log(ct) + s * (log(beta) - log(ct));
        db[0] = -log1p(tx / alpha);
        db[1] = r * tx / (alpha * ct) - x / ct - s / ct;
        db[2] = log(beta) - log(ct);
        db[3] = s / beta;
    } else {
        base = r * (log(alpha) - log(ct)) - s * log1p(tx / beta) - x * log(ct);
        db[0] = log(alpha) - log(ct);
        db[1] = r / alpha;
        db[2] = -log1p(tx / beta);
        db[3] = -r / ct + s * tx / (beta * ct) - x / ct;
    }
    if (dJ) {
        if (case_a) {
            dJ[0] = db[0] + sm;
            dJ[1] = db[1] + sc + sd;
            dJ[2] = 1.0 / s + db[2] + se + sm;
            dJ[3] = db[3] - sd;
        } else {
            dJ[0] = db[0] + se + sm;
            dJ[1] = db[1] - sd;
            dJ[2] = 1.0 / s + db[2] + sm;
            dJ[3] = db[3] + sc + sd;
        }
    }
    return log(s) + base + lsum;
}

double crvm__pareto_J(const double *p, const crvm__txn_row *row, double *dJ, int method)
{
    if (!(row->tx < row->T))
        return -INFINITY;
    if (method == 1)
        return pareto_J_series(p, row, dJ);
    if (method == 2)
        return pareto_J_quad(p, row, dJ);
    double J = pareto_J_series(p, row, dJ);
    if (isfinite(J))
        return J;
    return pareto_J_quad(p, row, dJ);
}

static double pareto_E0(const double *p, const crvm__txn_row *row)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    return -r * log1p(row->T / alpha) - row->x * log(alpha + row->T) - s * log1p(row->T / beta);
}

double crvm__pareto_ll(const double *p, const crvm__txn_row *row, double *grad)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double x = row->x, T = row->T;
    double dJ[4] = {0, 0, 0, 0};
    double E0 = pareto_E0(p, row);
    double J = crvm__pareto_J(p, row, grad ? dJ : NULL, 0);
    if (isnan(J))
        return NAN;
    double lse = crvm__log_add_exp(E0, J);
    double ll = crvm__lgamma_shift(r, x) + lse;
    if (grad) {
        double w0 = exp(E0 - lse), w1 = (J == -INFINITY) ? 0.0 : exp(J - lse);
        grad[0] = crvm__digamma_shift(r, x) - w0 * log1p(T / alpha);
        grad[1] = w0 * (r * T / (alpha * (alpha + T)) - x / (alpha + T));
        grad[2] = -w0 * log1p(T / beta);
        grad[3] = w0 * s * T / (beta * (beta + T));
        if (w1 > 0.0)
            for (int k = 0; k < 4; k++)
                grad[k] += w1 * dJ[k];
    }
    return ll;
}

/* log of the "dead" term relative to the "alive" term, J - E0 */
static double log_odds_dead(const double *p, const crvm__txn_row *row)
{
    double J = crvm__pareto_J(p, row, NULL, 0);
    if (J == -INFINITY || isnan(J))
        return J;
    return J - pareto_E0(p, row);
}

double crvm__pareto_p_alive(const double *p, const crvm__txn_row *row)
{
    double z = log_odds_dead(p, row);
    if (isnan(z))
        return NAN;
    if (z == -INFINITY)
        return 1.0;
    if (z > 0) {
        double e = exp(-z);
        return e / (1.0 + e);
    }
    return 1.0 / (1.0 + exp(z));
}

/* [1 - (1+y)^-sigma] / sigma, continuous at sigma = 0 (value log1p(y)) */
static double one_minus_pow_over(double sigma, double y)
{
    double l = log1p(y);
    if (fabs(sigma * l) < 1e-10)
        return l * (1.0 - 0.5 * sigma * l);
    return -expm1(-sigma * l) / sigma;
}

double crvm__pareto_expected_conditional(const double *p, double t, const crvm__txn_row *row)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    if (t == 0.0)
        return 0.0;
    double pa = crvm__pareto_p_alive(p, row);
    double bT = beta + row->T;
    return pa * (r + row->x) / (alpha + row->T) * bT * one_minus_pow_over(s - 1.0, t / bT);
}

double crvm__pareto_expected_unconditional(const double *p, double t)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    if (t == 0.0)
        return 0.0;
    return r / alpha * beta * one_minus_pow_over(s - 1.0, t / beta);
}

/* ---- P(X(t) = n) ------------------------------------------------------ */

typedef struct pn_ctx {
    double r, alpha, s, beta, n;
    double lconst; /* lgamma(r+n) - lgamma(r) - lgamma(n+1) + log(s) - log(beta) */
    double ref;    /* log scale factor */
} pn_ctx;

static double pn_log_integrand(const pn_ctx *c, double tau)
{
    /* s beta^s (beta+tau)^-(s+1) NB_n(tau) */
    double v = c->lconst - (c->s + 1.0) * log1p(tau / c->beta) - c->r * log1p(tau / c->alpha);
    if (c->n > 0.0)
        v += c->n * (log(tau) - log(c->alpha + tau));
    return v;
}

static void pn_integrand(double tau, double *f, void *vctx)
{
    const pn_ctx *c = vctx;
    f[0] = (tau > 0.0 || c->n == 0.0) ? exp(pn_log_integrand(c, tau) - c->ref) : 0.0;
}

/* d/dtau of the log integrand: n alpha/(tau(alpha+tau)) - (s+1)/(beta+tau) - r/(alpha+tau) */
static double pn_slope(const pn_ctx *c, double tau)
{
    return c->n * c->alpha / (tau * (c->alpha + tau)) - (c->s + 1.0) / (c->beta + tau) -
           c->r / (c->alpha + tau);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double crvm__pareto_probability_of_n(const double *p, double t, double n)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    if (t == 0.0)
        return n == 0.0 ? 1.0 : 0.0;
    double lnb = crvm__lgamma_shift(r, n) - crvm__lgamma(n + 1.0) - r * log1p(t / alpha) +
                 (n > 0.0 ? n * (log(t) - log(alpha + t)) : 0.0);
    double first = exp(lnb - s * log1p(t / beta));
    pn_ctx c = {r, alpha, s, beta, n, 0.0, 0.0};
    c.lconst = crvm__lgamma_shift(r, n) - crvm__lgamma(n + 1.0) + log(s) - log(beta);

    /* The integrand is unimodal: decreasing from tau = 0 when n = 0, else
     * rising like tau^n to a mode. Locate the mode (bisection on the slope
     * in log tau) to scale the integrand by its maximum, and cut [0, t] at
     * breakpoints that resolve every feature whatever its width: geometric
     * towards 0 (down to a small fraction of the natural decay scale),
     * towards t, and around an interior mode. */
    double mode = 0.0;
    if (n > 0.0) {
        if (pn_slope(&c, t) >= 0.0) {
            mode = t;
        } else {
            double lo = t, hi = t;
            for (int i = 0; i < 2100 && pn_slope(&c, lo) <= 0.0; i++)
                lo *= 0.5;
            for (int i = 0; i < 200 && hi > lo * (1.0 + 1e-15); i++) {
                double mid = sqrt(lo * hi);
                if (pn_slope(&c, mid) > 0.0)
                    lo = mid;
                else
                    hi = mid;
            }
            mode = sqrt(lo * hi);
        }
    }
    c.ref = (n > 0.0 && mode > 0.0) ? pn_log_integrand(&c, mode) : pn_log_integrand(&c, 0.0);
    double scale = 1.0 / ((s + 1.0) / beta + r / alpha); /* decay scale at 0 */
    double low = 1e-4 * fmin(t, fmin(scale, mode > 0.0 ? mode : t));
    double pts[160];
    int np = 0;
    pts[np++] = 0.0;
    pts[np++] = t;
    for (int k = 1; k < 60 && t * ldexp(1.0, -k) > low; k++)
        pts[np++] = t * ldexp(1.0, -k);
    for (int k = 1; k <= 12; k++)
        pts[np++] = t * (1.0 - ldexp(1.0, -k));
    if (mode > 0.0 && mode < t) {
        pts[np++] = mode;
        for (int k = 1; k <= 10; k++) {
            double dm = mode * ldexp(1.0, -k);
            if (mode + dm < t)
                pts[np++] = mode + dm;
            pts[np++] = mode - dm;
        }
    }
    qsort(pts, (size_t)np, sizeof pts[0], cmp_double);
    double q = 0.0;
    for (int i = 0; i + 1 < np; i++) {
        if (!(pts[i + 1] > pts[i]))
            continue;
        double qi;
        crvm__quad_gk(pn_integrand, &c, 1, pts[i], pts[i + 1], QUAD_TOL, 50, &qi);
        q += qi;
    }
    return first + q * exp(c.ref);
}

/* ---- DERT -------------------------------------------------------------- */

typedef struct dert_ctx {
    double s, z;
} dert_ctx;

/* integrand of int_0^inf e^-w (1 + w/z)^-s dw after w = y/(1-y) */
static void dert_integrand(double y, double *f, void *vctx)
{
    const dert_ctx *c = vctx;
    if (y >= 1.0) {
        f[0] = 0.0;
        return;
    }
    double w = y / (1.0 - y);
    f[0] = exp(-w - c->s * log1p(w / c->z) - 2.0 * log1p(-y));
}

double crvm__pareto_dert(const double *p, double delta, const crvm__txn_row *row)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double pa = crvm__pareto_p_alive(p, row);
    double bT = beta + row->T;
    double z = delta * bT;
    dert_ctx c = {s, z};
    double yz = z / (1.0 + z), q1, q2;
    crvm__quad_gk(dert_integrand, &c, 1, 0.0, yz, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS, &q1);
    crvm__quad_gk(dert_integrand, &c, 1, yz, 1.0, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS, &q2);
    /* int_0^inf e^(-delta t) (bT/(bT+t))^s dt = (1/delta) int_0^inf e^-w (1+w/z)^-s dw */
    double k = (q1 + q2) / delta;
    return pa * (r + row->x) / (alpha + row->T) * k;
}
