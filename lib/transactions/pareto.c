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
 * (pareto_series.c: each term carries (1 - rho^(m+n)), so nothing cancels
 * at t_x close to T, and alpha = beta is the case where only the first term
 * is left), and differentiates it term by term for the gradient and the
 * Hessian. Where the series would converge slowly (ratio above 0.99: one of
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
#include "transactions/pareto_private.h"

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
    if (!crvm__quad_gk(ll_integrand, &c, dJ ? 7 : 1, 0.0, lT, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS,
                       Q) ||
        !(Q[0] > 0.0))
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

double crvm__pareto_J(const double *p, const crvm__txn_row *row, double *dJ, int method)
{
    if (!(row->tx < row->T))
        return -INFINITY;
    if (method == 2)
        return pareto_J_quad(p, row, dJ);
    crvm__pareto_tab tab;
    CRVM__PARETO_TAB_INIT(&tab);
    double J = crvm__pareto_J_series(p, row->x, row->tx, row->T, &tab, NULL, dJ, NULL);
    if (method == 1 || isfinite(J))
        return J;
    return pareto_J_quad(p, row, dJ);
}

/* Hessian of J where the series does not apply: central differences of the
 * quadrature's analytic gradient, steps 1e-5 of each parameter (truncation
 * ~1e-10, the quadrature's 1e-13 over the step ~1e-8, relative) */
static int quad_hessian(const double *p, const crvm__txn_row *row, double *hJ)
{
    for (int k = 0; k < 4; k++) {
        double pp[4] = {p[0], p[1], p[2], p[3]}, pm[4] = {p[0], p[1], p[2], p[3]};
        double h = 1e-5 * p[k], gp[4], gm[4];
        pp[k] += h;
        pm[k] -= h;
        if (!isfinite(pareto_J_quad(pp, row, gp)) || !isfinite(pareto_J_quad(pm, row, gm)))
            return 0;
        for (int l = 0; l < 4; l++)
            hJ[4 * k + l] = (gp[l] - gm[l]) / (2.0 * h);
    }
    for (int k = 0; k < 4; k++)
        for (int l = 0; l < k; l++)
            hJ[4 * k + l] = hJ[4 * l + k] = 0.5 * (hJ[4 * k + l] + hJ[4 * l + k]);
    return 1;
}

/* E0 = log[alpha^r beta^s (alpha+T)^-(r+x) (beta+T)^-s] with its gradient
 * and the four distinct non-zero entries of its Hessian in (r, alpha, s,
 * beta): h = {(r, alpha), (alpha, alpha), (s, beta), (beta, beta)}; pc: the
 * constants of p */
static double pareto_E0_hess(const double *p, const crvm__pareto_pc *pc,
                             const crvm__txn_row *row, const crvm__pareto_logs *lg, double *g,
                             double *h)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3], x = row->x, T = row->T;
    double la = lg ? lg->la : log1p(T * pc->ialpha), lb = lg ? lg->lb : log1p(T * pc->ibeta);
    if (g) {
        double iaT = 1.0 / (alpha + T), ibT = 1.0 / (beta + T);
        double ra = T * pc->ialpha * iaT, sb = T * pc->ibeta * ibT; /* T / (alpha (alpha+T)) */
        g[0] = -la;
        g[1] = r * ra - x * iaT;
        g[2] = -lb;
        g[3] = s * sb;
        if (h) {
            h[0] = ra;
            h[1] = -r * ra * (2.0 * alpha + T) * pc->ialpha * iaT + x * iaT * iaT;
            h[2] = sb;
            h[3] = -s * sb * (2.0 * beta + T) * pc->ibeta * ibT;
        }
    }
    /* log(alpha + T) = log alpha + log1p(T / alpha) */
    return -r * la - x * (pc->lalpha + la) - s * lb;
}

int crvm__pareto_ll_terms(const double *p, const crvm__txn_row *row, crvm__pareto_tab *tab,
                          const double *head, const crvm__pareto_logs *lg, int order,
                          crvm__pareto_terms *t)
{
    double *g0 = order ? t->g0 : NULL, *h0 = order == 2 ? t->h0 : NULL;
    double *gJ = order ? t->gJ : NULL, *hJ = order == 2 ? t->hJ : NULL;
    for (int k = 0; k < 4; k++)
        t->gJ[k] = 0.0;
    t->E0 = pareto_E0_hess(p, crvm__pareto_pc_of(tab, p), row, lg, g0, h0);
    double J = -INFINITY;
    if (row->tx < row->T) {
        J = NAN;
        if (head && row->tx == 0.0)
            J = crvm__pareto_J_series_split(p, row->x, row->T, tab, head, lg, gJ, hJ);
        if (isnan(J))
            J = crvm__pareto_J_series(p, row->x, row->tx, row->T, tab, lg, gJ, hJ);
        if (isnan(J)) {
            J = pareto_J_quad(p, row, gJ);
            if (hJ && isfinite(J) && !quad_hessian(p, row, hJ))
                J = NAN;
        }
    }
    t->J = J;
    return !isnan(J);
}

double crvm__pareto_ll_combine(const crvm__pareto_terms *t, double ex, double l1p,
                               const double *shift, double *grad, double *hess)
{
    /* log(e^E0 + e^J) = max + log1p(ex), ex = e^-|E0 - J|, and the weights
     * e^E0 and e^J of the sum: 1 / (1 + ex) and ex / (1 + ex) */
    double E0 = t->E0, J = t->J, inv = 1.0 / (1.0 + ex);
    double lse = fmax(E0, J) + l1p;
    if (grad || hess) {
        const double *g0 = t->g0, *gJ = t->gJ, *h0 = t->h0, *hJ = t->hJ;
        double w0 = E0 >= J ? inv : ex * inv, w1 = E0 >= J ? ex * inv : inv;
        double dd[4];
        for (int k = 0; k < 4; k++)
            dd[k] = g0[k] - gJ[k];
        if (grad)
            for (int k = 0; k < 4; k++)
                grad[k] = w0 * g0[k] + w1 * gJ[k] + (k == 0 ? shift[1] : 0.0);
        /* Hessian of log(e^E0 + e^J): w0 H0 + w1 HJ + w0 w1 (g0 - gJ)(g0 - gJ)'
         * (HJ absent when J = -inf) */
        if (hess) {
            double w01 = w0 * w1;
            for (int k = 0; k < 4; k++)
                for (int l = k; l < 4; l++)
                    hess[4 * k + l] = hess[4 * l + k] =
                        (w1 > 0.0 ? w1 * hJ[4 * k + l] : 0.0) + w01 * dd[k] * dd[l];
            hess[0] += shift[2];
            hess[1] += w0 * h0[0];
            hess[4] += w0 * h0[0];
            hess[5] += w0 * h0[1];
            hess[11] += w0 * h0[2];
            hess[14] += w0 * h0[2];
            hess[15] += w0 * h0[3];
        }
    }
    return shift[0] + lse;
}

double crvm__pareto_ll_hess(const double *p, const crvm__txn_row *row, crvm__pareto_tab *tab,
                            const double *shift, const double *head,
                            const crvm__pareto_logs *lg, double *grad, double *hess)
{
    crvm__pareto_terms t;
    if (!crvm__pareto_ll_terms(p, row, tab, head, lg, hess ? 2 : grad ? 1 : 0, &t))
        return NAN;
    double ex = t.J == -INFINITY ? 0.0 : exp(-fabs(t.E0 - t.J));
    return crvm__pareto_ll_combine(&t, ex, log1p(ex), shift, grad, hess);
}

double crvm__pareto_ll(const double *p, const crvm__txn_row *row, double *grad)
{
    crvm__pareto_tab tab;
    CRVM__PARETO_TAB_INIT(&tab);
    double shift[3] = {crvm__lgamma_shift(p[0], row->x),
                       grad ? crvm__digamma_shift(p[0], row->x) : 0.0, 0.0};
    return crvm__pareto_ll_hess(p, row, &tab, shift, NULL, NULL, grad, NULL);
}

/* log of the "dead" term relative to the "alive" term, J - E0 */
static double log_odds_dead(const double *p, const crvm__txn_row *row)
{
    double J = crvm__pareto_J(p, row, NULL, 0);
    if (J == -INFINITY || isnan(J))
        return J;
    crvm__pareto_pc pc;
    crvm__pareto_pc_set(p, &pc);
    return J - pareto_E0_hess(p, &pc, row, NULL, NULL, NULL);
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
        if (!crvm__quad_gk(pn_integrand, &c, 1, pts[i], pts[i + 1], QUAD_TOL, 50, &qi))
            return NAN;
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
    if (!crvm__quad_gk(dert_integrand, &c, 1, 0.0, yz, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS, &q1) ||
        !crvm__quad_gk(dert_integrand, &c, 1, yz, 1.0, QUAD_TOL, CRVM__QUAD_MAX_INTERVALS, &q2))
        return NAN;
    /* int_0^inf e^(-delta t) (bT/(bT+t))^s dt = (1/delta) int_0^inf e^-w (1+w/z)^-s dw */
    double k = (q1 + q2) / delta;
    return pa * (r + row->x) / (alpha + row->T) * k;
}
