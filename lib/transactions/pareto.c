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
 * The closed form of I is a difference of two Gauss hypergeometric functions
 * whose argument switches with the sign of alpha - beta; that difference
 * cancels when t_x is near T and the 2F1 nears its singular point when one of
 * alpha, beta is much smaller than the other. Here I is integrated
 * numerically instead, after the substitution u = ((alpha+t_x)/(alpha+tau))^m,
 * m = r+s+x, which turns it into
 *   I = (alpha+t_x)^-m / m * int_{u_T}^{1} ((beta+tau)/(alpha+tau))^-(s+1) du,
 * a bounded, smooth integrand whatever x, alpha and beta are. The same nodes
 * give the derivatives of I (d/dr, d/dalpha, d/ds, d/dbeta differentiate the
 * integrand), so the gradient is analytic up to the quadrature error
 * (relative tolerance 1e-13).
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
 * NB_n the NBD(r, alpha) probability (the integral form of Fader & Hardie's
 * 2006 note "Deriving an Expression for P(X(t) = x) under the Pareto/NBD
 * Model"), integrated numerically.
 *   DERT(delta) = P(alive) (r+x)/(alpha+T) int_0^inf exp(-delta t)
 *                 ((beta+T)/(beta+T+t))^s dt
 * which is Fader, Hardie & Lee (2005, "RFM and CLV", eq. 2) with the Tricomi
 * function written as its integral: (beta+T)^s delta^(s-1) Psi(s, s; delta (beta+T)).
 */
#include <math.h>

#include "math/special.h"
#include "transactions/txn_private.h"

#define QUAD_TOL 1e-13

/* The likelihood is computed with alpha^r beta^s folded in, so that nothing
 * cancels even for very large parameters:
 *   E0 = log[alpha^r beta^s (alpha+T)^-(r+x) (beta+T)^-s]
 *      = -r log1p(T/alpha) - x log(alpha+T) - s log1p(T/beta)
 *   J  = log[alpha^r beta^s s I]
 *      = log s + log f(t_x) + log(alpha+t_x) - log m + log Q,
 *   log f(t_x) = -r log1p(t_x/alpha) - x log(alpha+t_x) - s log1p(t_x/beta) - log(beta+t_x)
 *   Q = int_{u_T}^1 [ (alpha+tau)(beta+t_x) / ((alpha+t_x)(beta+tau)) ]^(s+1) du,
 * with tau(u) = t_x + (alpha+t_x) expm1(-log(u)/m): the bracket is the
 * integrand relative to its value at t_x, bounded and smooth.
 * The gradient of J needs the averages, with weights bracket du, of
 * log1p(tau/alpha), tau/(alpha(alpha+tau)), 1/(alpha+tau), log1p(tau/beta),
 * tau/(beta(beta+tau)) and 1/(beta+tau): components 1..6 of the integrand. */
typedef struct ll_ctx {
    double alpha, beta, s, tx, m;
} ll_ctx;

static void ll_integrand(double u, double *f, void *vctx)
{
    const ll_ctx *c = vctx;
    double lu = -log(u) / c->m; /* log((alpha+tau)/(alpha+t_x)) */
    double delta = (c->alpha + c->tx) * expm1(lu);
    double tau = c->tx + delta;
    double h = exp((c->s + 1.0) * (lu - log1p(delta / (c->beta + c->tx))));
    double at = c->alpha + tau, bt = c->beta + tau;
    f[0] = h;
    f[1] = h * log1p(tau / c->alpha);
    f[2] = h * (tau / (c->alpha * at));
    f[3] = h / at;
    f[4] = h * log1p(tau / c->beta);
    f[5] = h * (tau / (c->beta * bt));
    f[6] = h / bt;
}

/* J of the comment above (-inf when t_x = T); Q[0..6] receive the integrals
 * when dim = 7, Q[0] only when dim = 1. */
static double pareto_J(const double *p, const crvm__txn_row *row, int dim, double *Q)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double x = row->x, tx = row->tx, T = row->T;
    if (!(tx < T))
        return -INFINITY;
    ll_ctx c = {alpha, beta, s, tx, r + s + x};
    double uT = exp(-c.m * log1p((T - tx) / (alpha + tx)));
    crvm__quad_gk(ll_integrand, &c, dim, uT, 1.0, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS, Q);
    if (!(Q[0] > 0.0))
        return NAN;
    double lf = -r * log1p(tx / alpha) - x * log(alpha + tx) - s * log1p(tx / beta) -
                log(beta + tx);
    return log(s) + lf + log(alpha + tx) - log(c.m) + log(Q[0]);
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
    double Q[7] = {0, 0, 0, 0, 0, 0, 0};
    double E0 = pareto_E0(p, row);
    double J = pareto_J(p, row, grad ? 7 : 1, Q);
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
        if (w1 > 0.0) {
            grad[0] += w1 * (-Q[1] / Q[0]);
            grad[1] += w1 * (r * Q[2] / Q[0] - x * Q[3] / Q[0]);
            grad[2] += w1 * (1.0 / s - Q[4] / Q[0]);
            grad[3] += w1 * (s * Q[5] / Q[0] - Q[6] / Q[0]);
        }
    }
    return ll;
}

/* log of the "dead" term relative to the "alive" term, J - E0 */
static double log_odds_dead(const double *p, const crvm__txn_row *row)
{
    double Q[1];
    double J = pareto_J(p, row, 1, Q);
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
    double ref = -INFINITY;
    for (int i = 1; i <= 32; i++) {
        double v = pn_log_integrand(&c, t * i / 32.0);
        if (v > ref)
            ref = v;
    }
    c.ref = ref;
    double q;
    crvm__quad_gk(pn_integrand, &c, 1, 0.0, t, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS, &q);
    return first + q * exp(ref);
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
