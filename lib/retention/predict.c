/* Predictions of the sBG and BdW retention models.
 *
 * Survival of both models, S(t) = B(alpha, beta + t^c) / B(alpha, beta):
 * Fader & Hardie (2007), "How to Project Customer Retention", J. Interactive
 * Marketing 21(1), eq. (6) (c = 1); Fader, Hardie, Liu, Davin & Steenburgh
 * (2018), J. Interactive Marketing 43, the BdW survivor function.
 * Discounted expected residual lifetime: Fader & Hardie (2010), "Customer-Base
 * Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity",
 * Marketing Science 29(1). Everything is computed in log space. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "math/special.h"
#include "retention/retention_internal.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

crvm_status crvm__retention_check_params(const crvm_retention_params *p, const char *who)
{
    if (!(p->alpha > 0 && isfinite(p->alpha)))
        return crvm__fail(CRVM_EDOMAIN, "%s: alpha = %g: must be positive and finite", who, p->alpha);
    if (!(p->beta > 0 && isfinite(p->beta)))
        return crvm__fail(CRVM_EDOMAIN, "%s: beta = %g: must be positive and finite", who, p->beta);
    if (!(p->c > 0 && isfinite(p->c)))
        return crvm__fail(CRVM_EDOMAIN, "%s: c = %g: must be positive and finite", who, p->c);
    return CRVM_OK;
}

/* ln Gamma(y + x) - ln Gamma(y) for y > 0, x >= 0, without the cancellation
 * of two large lgammas when y is large: there the difference of Stirling
 * series, (y - 1/2) ln(1 + x/y) + x ln(y + x) - x + [s(y + x) - s(y)], with
 * s(z) = 1/(12 z) - 1/(360 z^3) + 1/(1260 z^5) - 1/(1680 z^7) (truncation
 * below 1/(1188 z^9) < 1e-15 for z >= 20). This keeps the likelihood exact
 * as alpha and beta grow large together (the geometric limit). */
static double stirling_tail(double z)
{
    double r = 1 / z, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
}

static double log_pochhammer(double y, double x)
{
    if (x == 0)
        return 0.0;
    if (y < 20)
        return crvm__lgamma(y + x) - crvm__lgamma(y);
    double z = y + x;
    return (y - 0.5) * log1p(x / y) + x * log(z) - x + (stirling_tail(z) - stirling_tail(y));
}

/* psi(y + x) - psi(y), y > 0, x >= 0, likewise from the asymptotic series
 * psi(z) = ln z - 1/(2z) - 1/(12 z^2) + 1/(120 z^4) - 1/(252 z^6) + 1/(240 z^8)
 * for y >= 20 (next term 1/(132 z^10) < 1e-15). */
static double psi_asym_tail(double z)
{
    double r = 1 / z, r2 = r * r;
    return -0.5 * r - r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 / 240)));
}

static double psi_difference(double y, double x)
{
    if (x == 0)
        return 0.0;
    if (y < 20)
        return crvm__digamma(y + x) - crvm__digamma(y);
    return log1p(x / y) + psi_asym_tail(y + x) - psi_asym_tail(y);
}

/* s^c and (s + dt)^c - s^c, the difference without cancellation: as
 * s^c expm1(c log1p(dt / s)), exact in dt also where s + dt rounds to s (a
 * period beyond 2^53, where the periods after it are not representable). */
static void period_powers(double c, double s, double dt, double *xs, double *dx)
{
    *xs = s <= 0 ? 0.0 : (c == 1.0 ? s : pow(s, c));
    if (!(dt > 0))
        *dx = 0.0;
    else if (c == 1.0)
        *dx = dt;
    else if (s <= 0)
        *dx = pow(dt, c);
    else
        *dx = *xs * expm1(c * log1p(dt / s));
}

/* ln S(s + dt) - ln S(s) for s >= 0, dt >= 0, with xs = s^c, xt = (s + dt)^c, dx = xt - xs:
 *   ln[Gamma(b + xt) / Gamma(b + xs)] - ln[Gamma(a + b + xt) / Gamma(a + b + xs)]
 * = ln[Gamma(b + xs + a) / Gamma(b + xs)] - ln[Gamma(b + xt + a) / Gamma(b + xt)].
 * Both pairings are differences of two log-Pochhammer symbols; each loses
 * about y ln(y) / increment in relative accuracy (y = b + xs), so the one
 * with the larger increment is used (the first when dx < a). With a huge
 * period t the second keeps every term of order a ln t instead of t ln t.
 * grad (if not NULL) gets d/d(alpha, beta, c). */
/* log_survival_step() where y_t = beta + (s + dt)^c overflows a double.
 * With y = beta + x^c, ln Gamma(y + a) - ln Gamma(y) = a ln y - a (a - 1) / (2 y)
 * + O(a^3 / y^2), and the step is ln Gamma(y_s + a) - ln Gamma(y_s) minus the
 * same at y_t, taken from logs: ln x_t = ln x_s + c log1p(dt / s). When y_s is
 * large too, the two a ln y nearly cancel, so their difference is formed
 * directly: ln(y_t / y_s) = log1p(w expm1(inc)) with w = x_s / y_s and
 * inc = ln x_t - ln x_s. */
static double log_survival_overflow(const crvm_retention_params *p, double s, double dt, double xs)
{
    double a = p->alpha, b = p->beta, c = p->c, lb = log(b);
    double lxs = s > 0 ? c * log(s) : -INFINITY;
    double inc = s > 0 ? c * log1p(dt / s) : INFINITY;
    double lys = crvm__log_add_exp(lb, lxs);
    double lyt = s > 0 ? crvm__log_add_exp(lb, lxs + inc) : crvm__log_add_exp(lb, c * log(dt));
    double half_a2 = a * (a - 1) / 2;
    if (s > 0 && lys > 36 + 2 * log1p(a)) { /* y_s > 4e15 (1 + a)^2: both asymptotic */
        double lw = lxs - lys; /* ln w, w = x_s / y_s */
        double ratio = inc < 700 ? log1p(exp(lw) * expm1(inc))
                                 : lw + inc + log1p(exp(lb - lxs - inc));
        return -a * ratio - half_a2 * (exp(-lyt) - exp(-lys));
    }
    double first = isfinite(b + xs) ? log_pochhammer(b + xs, a) : a * lys - half_a2 * exp(-lys);
    return first - (a * lyt - half_a2 * exp(-lyt));
}

static double log_survival_step(const crvm_retention_params *p, double s, double dt, double grad[3])
{
    double a = p->alpha, b = p->beta, c = p->c, t = s + dt, xs, dx;
    period_powers(c, s, dt, &xs, &dx);
    double xt = xs + dx;
    if (grad)
        grad[0] = grad[1] = grad[2] = 0.0;
    if (dx <= 0)
        return 0.0;
    if (!isfinite(b + xt)) {
        if (grad)
            return -INFINITY; /* fits: S underflows long before; no gradient */
        return log_survival_overflow(p, s, dt, xs);
    }
    int by_dx = dx < a;
    double l = by_dx ? log_pochhammer(b + xs, dx) - log_pochhammer(a + b + xs, dx)
                     : log_pochhammer(b + xs, a) - log_pochhammer(b + xt, a);
    if (grad) {
        /* d/da = psi(a + b + xs) - psi(a + b + xt);
         * d/db = [psi(b + xt) - psi(b + xs)] - [psi(a + b + xt) - psi(a + b + xs)]
         *      = [psi(b + xs + a) - psi(b + xs)] - [psi(b + xt + a) - psi(b + xt)];
         * d/dc = g(xt) xt ln t - g(xs) xs ln s with g(x) = psi(b + x) - psi(a + b + x). */
        double at = psi_difference(b + xt, a), as = psi_difference(b + xs, a);
        grad[0] = -psi_difference(a + b + xs, dx);
        grad[1] = by_dx ? psi_difference(b + xs, dx) - psi_difference(a + b + xs, dx) : as - at;
        double gt = t > 0 ? -at * xt * log(t) : 0.0;
        double gs = s > 0 ? -as * xs * log(s) : 0.0;
        grad[2] = gt - gs;
    }
    return l;
}

double crvm__retention_log_survival(const crvm_retention_params *p, double t, double grad[3])
{
    return log_survival_step(p, 0.0, t, grad);
}

double crvm__retention_log_churn_generic(const crvm_retention_params *p, double t, double grad[3])
{
    /* P(T = t) = S(t - 1) (1 - r(t)) with ln r(t) = ln S(t) - ln S(t - 1)
     * computed directly (no difference of two large logs). */
    double g0[3], gr[3];
    double ls0 = log_survival_step(p, 0.0, t - 1, grad ? g0 : NULL);
    double delta = log_survival_step(p, t - 1, 1.0, grad ? gr : NULL);
    double one_minus_r = -expm1(delta);
    if (!(one_minus_r > 0) || ls0 == -INFINITY) {
        if (grad)
            grad[0] = grad[1] = grad[2] = 0.0;
        return -INFINITY;
    }
    if (grad) {
        /* d ln(1 - r) = -r d ln r / (1 - r) */
        double k = -exp(delta) / one_minus_r;
        for (int i = 0; i < 3; i++)
            grad[i] = g0[i] + k * gr[i];
    }
    return ls0 + log(one_minus_r);
}

double crvm__retention_log_churn_sbg(const crvm_retention_params *p, double t, double grad[3])
{
    /* Fader & Hardie (2007), eq. (5) written as S(t - 1) alpha / (alpha + beta + t - 1),
     * equal to B(alpha + 1, beta + t - 1) / B(alpha, beta). */
    double a = p->alpha, b = p->beta;
    double ls0 = log_survival_step(p, 0.0, t - 1, grad);
    /* t - 1 first (exact for tiny alpha + beta); the log of the ratio where it
     * is a normal number (log a - log(...) cancels for tiny a and b). */
    double denominator = a + b + (t - 1), ratio = a / denominator;
    double lp = ls0 + (ratio >= DBL_MIN ? log(ratio) : log(a) - log(denominator));
    if (grad) {
        grad[0] += 1.0 / a - 1.0 / (a + b + (t - 1));
        grad[1] -= 1.0 / (a + b + (t - 1));
        grad[2] = 0.0;
    }
    return lp;
}

/* ---- residual lifetime series --------------------------------------------- */

/* The series is written in the offset j = t - m >= 1 from the renewals made
 * (never in t itself): beyond m = 2^53 the periods m + j are not
 * representable, and working in t made the terms constant in steps of the
 * rounding and the sum pass its bound (1 + d) / d (issue 10: 1e20 renewals
 * at d = 0.1 gave 10082.6). */
typedef struct series {
    const crvm_retention_params *p;
    double m, ln_z;
} series;

/* ln of the term at offset j: ln S(m + j) - ln S(m) + (j - 1) ln z. */
static double series_log_term(const series *s, double j)
{
    return log_survival_step(s->p, s->m, j, NULL) + (j - 1) * s->ln_z;
}

/* d/dj of the log term (for the Euler-Maclaurin derivative correction). */
static double series_log_term_slope(const series *s, double j)
{
    const crvm_retention_params *p = s->p;
    double t = s->m + j;
    double tc = pow(t, p->c);
    double u = p->beta + tc;
    if (!isfinite(u))
        return s->ln_z;
    return -p->c * tc / t * psi_difference(u, p->alpha) + s->ln_z;
}

/* One node of the exp-sinh rule for the integral of the term over j in
 * (j0, inf): j = j0 + x, x = L exp(pi/2 sinh(tau)), dj = x pi/2 cosh(tau) dtau.
 * *beyond is set when x passes 1e300 (the node is then dropped). */
static double tail_node(const series *s, double j0, double tau, int *beyond)
{
    /* Scale of the map: the term varies on the scale m + j0 (its power law)
     * and 1 / |ln z| (the discounting); the nodes must resolve the smaller. */
    double scale = fmin(s->m + j0, 1.0 / -s->ln_z);
    double x = scale * exp(M_PI / 2 * sinh(tau));
    *beyond = !(x <= 1e300);
    if (*beyond)
        return 0.0;
    if (x == 0.0)
        return 0.0;
    return exp(series_log_term(s, j0 + x)) * x * (M_PI / 2) * cosh(tau);
}

/* Sum of the nodes tau = j h for j = 0 (when with_center), +-first, +-(first +
 * step), ... in each direction until the nodes are negligible against scale
 * and past their peak, or leave the range: since the map's scale is at least
 * 1 / ln(1 + DBL_MAX) > 1e-3, x passes 1e300 before |tau| = 7, so at most 8 / h
 * nodes per direction. NaN as soon as a node is NaN (the caller's bound
 * check then reports it). */
static double tail_sweep(const series *s, double j0, double h, int with_center, int first,
                         int step, double scale)
{
    int beyond = 0;
    double sum = with_center ? tail_node(s, j0, 0.0, &beyond) : 0.0;
    for (int dir = -1; dir <= 1; dir += 2) {
        double last = INFINITY;
        for (long j = first; (double)j * h <= 8.0; j += step) {
            double f = tail_node(s, j0, dir * (double)j * h, &beyond);
            if (beyond)
                break;
            if (isnan(f))
                return NAN;
            sum += f;
            if (f <= 1e-18 * (scale + h * sum) && f <= last)
                break;
            last = f;
        }
    }
    return sum;
}

/* Integral over y in [ya, yb] of g(e^y) e^y (the term's integral over
 * j in [e^ya, e^yb]) by the tanh-sinh rule, halving the step until two
 * estimates agree to 1e-13. In y the power-law decay j^-p of the term is
 * the slow exponential e^-(p-1)y, smooth however close p is to 1. */
static double tanh_sinh_node(const series *s, double mid, double half, double tau)
{
    double u = M_PI / 2 * sinh(tau);
    double ch = cosh(u);
    double w = half * (M_PI / 2) * cosh(tau) / (ch * ch);
    if (!(w > 0))
        return 0.0;
    double y = mid + half * tanh(u);
    return w * exp(series_log_term(s, exp(y)) + y);
}

static double tanh_sinh_log(const series *s, double ya, double yb)
{
    double mid = (ya + yb) / 2, half = (yb - ya) / 2;
    const double tau_max = 4.0; /* weights beyond are below 1e-37 of the centre's */
    double h = 0.5;
    double sum = tanh_sinh_node(s, mid, half, 0.0);
    for (int j = 1; j * h <= tau_max; j++)
        sum += tanh_sinh_node(s, mid, half, j * h) + tanh_sinh_node(s, mid, half, -j * h);
    double total = h * sum;
    for (int level = 1; level < 12; level++) {
        h /= 2;
        double added = 0.0;
        for (int j = 1; j * h <= tau_max; j += 2)
            added += tanh_sinh_node(s, mid, half, j * h) + tanh_sinh_node(s, mid, half, -j * h);
        double refined = total / 2 + h * added;
        int settled = level >= 3 && fabs(refined - total) <= 1e-13 * fabs(refined);
        total = refined;
        if (settled)
            break;
    }
    return total;
}

/* Integral of the term over j in (j0, inf).
 * - z < 1: exp-sinh rule (j = j0 + L e^w, w = pi/2 sinh(tau), L = min(m + j0, 1/|ln z|)),
 *   halving the step until two estimates agree to 1e-12; z^j makes the term
 *   vanish long before j = 1e300, where nodes are dropped.
 * - z = 1 (alpha c > 1): tanh-sinh in ln j over [j0, X = 1e300], plus the
 *   rest in closed form: beyond X, S(t) is the pure power K t^-(alpha c) to
 *   relative O(beta / X^c, alpha^2 / X^c), so the rest is
 *   g(X) (m + X) / (alpha c - 1). This keeps 1e-10 accuracy even when
 *   alpha c is within 1e-3 of 1 and most of the sum lies beyond 1e300 periods. */
static double series_tail_integral(const series *s, double j0)
{
    if (s->ln_z == 0.0) {
        const double big = 1e300;
        double p_exp = s->p->alpha * s->p->c;
        double rest = exp(series_log_term(s, big) + log(s->m + big) - log(p_exp - 1));
        return tanh_sinh_log(s, log(j0), log(big)) + rest;
    }
    double h = 0.5;
    double total = h * tail_sweep(s, j0, h, 1, 1, 1, 0.0);
    for (int level = 1; level < 10; level++) {
        h /= 2;
        double refined = total / 2 + h * tail_sweep(s, j0, h, 0, 1, 2, total);
        int settled = level >= 3 && fabs(refined - total) <= 1e-12 * fabs(refined);
        total = refined;
        if (settled)
            break;
    }
    return total;
}

double crvm__retention_residual_series(const crvm_retention_params *p, double m, double z)
{
    if (z >= 1.0 && p->alpha * p->c <= 1.0)
        return INFINITY;
    series s = {p, m, log(z)};
    /* Direct summation. The terms never increase (S is non-increasing and
     * z <= 1), so after term g_k the rest is at most g_k z / (1 - z). */
    enum { DIRECT_TERMS = 1000 };
    double sum = 0.0, comp = 0.0;
    for (int k = 0; k < DIRECT_TERMS; k++) {
        double g = exp(series_log_term(&s, 1.0 + k));
        if (isnan(g))
            return NAN; /* the bound check of the caller reports it */
        /* Kahan summation: many small terms after a few large ones. */
        double y = g - comp;
        double tmp = sum + y;
        comp = (tmp - sum) - y;
        sum = tmp;
        if (g == 0.0)
            return sum;
        if (z < 1.0 && g * z / (1.0 - z) <= 1e-17 * sum)
            return sum;
    }
    /* Euler-Maclaurin for the rest: sum_{j >= N} g(j) = integral_N^inf g
     * + g(N) / 2 - g'(N) / 12 + O(g'''(N)); beyond j = 1000 the relative
     * derivatives of g are below (alpha c / t + |ln z|) < 0.04, so the
     * neglected term is below 1e-7 g(N). */
    const double j0 = 1.0 + DIRECT_TERMS;
    double gn = exp(series_log_term(&s, j0));
    double tail = series_tail_integral(&s, j0) + gn / 2 - gn * series_log_term_slope(&s, j0) / 12;
    return sum + tail;
}

crvm_status crvm__retention_residual_sbg(const crvm_retention_params *p, double m, double z,
                                         double *out)
{
    double a = p->alpha, b = p->beta;
    if (z >= 1.0) {
        /* sum_k B(a, b+m+1+k) / B(a, b+m) = (b + m) / (a - 1) for a > 1. */
        *out = a > 1 ? (b + m) / (a - 1) : INFINITY;
        return CRVM_OK;
    }
    /* Fader & Hardie (2010): DERL = B(a, b+n) / B(a, b+n-1) 2F1(1, b+n; a+b+n; z)
     * with n = m + 1, since B(a, b+n+k) = B(a, b+n) (b+n)_k / (a+b+n)_k. */
    double log_f;
    int sign;
    crvm_status st = crvm__hyp2f1_log(1.0, b + m + 1, a + b + m + 1, z, &log_f, &sign);
    if (st != CRVM_OK)
        return st;
    if (sign <= 0)
        return crvm__fail(CRVM_EDOMAIN, "2F1 of the sBG residual lifetime is not positive");
    *out = exp(log(b + m) - log(a + b + m) + log_f);
    return CRVM_OK;
}

/* ---- public predictions --------------------------------------------------- */

static crvm_status check_times(const char *who, const char *name, const double *t, size_t t_len,
                               const double *out, size_t out_len, double min)
{
    if (t_len > 0 && t == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL", who, name);
    if (out_len > 0 && out == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: out is NULL", who);
    if (t_len != out_len)
        return crvm__fail(CRVM_EINVAL, "%s: %s_len = %zu but out_len = %zu: they must be equal", who,
                          name, t_len, out_len);
    for (size_t i = 0; i < t_len; i++) {
        if (!(isfinite(t[i]) && t[i] >= min && t[i] == floor(t[i])))
            return crvm__fail(CRVM_EINVAL, "%s: %s[%zu] = %g: must be a whole number >= %g", who,
                              name, i, t[i], min);
    }
    return CRVM_OK;
}

static crvm_status check_prediction(const char *who, const char *name,
                                    const crvm_retention_params *params, const double *t,
                                    size_t t_len, const double *out, size_t out_len, double min)
{
    if (params == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: params is NULL", who);
    crvm_status st = check_times(who, name, t, t_len, out, out_len, min);
    if (st != CRVM_OK)
        return st;
    return crvm__retention_check_params(params, who);
}

/* A prediction of one row (the period or renewals t) and the interval its
 * value must lie in: a value outside it (or NaN, or +inf where the quantity
 * is finite) means the arithmetic lost it, and the call fails with
 * CRVM_EDOMAIN instead of returning it. */
typedef struct prediction {
    const char *who, *name, *what;
    double (*value)(const crvm_retention_params *p, double t, void *ctx);
    void *ctx;
    double lo, hi; /* closed bounds; hi may be +inf */
} prediction;

static crvm_status out_of_bounds(const prediction *pr, const crvm_retention_params *p, size_t i,
                                 double t, double v)
{
    return crvm__fail(CRVM_EDOMAIN,
                      "%s: %s[%zu] = %.15g: the %s came out as %g, outside its bounds [%g, %g]: "
                      "accuracy cannot be guaranteed at alpha = %g, beta = %g, c = %g",
                      pr->who, pr->name, i, t, pr->what, v, pr->lo, pr->hi, p->alpha, p->beta, p->c);
}

/* Every row computed and checked, out written only if all pass, without
 * allocating (predictions never allocate): up to ROWS_AT_ONCE rows go
 * through a buffer on the stack; beyond, a first pass checks every row and
 * a second computes them again into out (the same arithmetic, so the same
 * values). */
enum { ROWS_AT_ONCE = 256 };

static crvm_status predict_rows(const prediction *pr, const crvm_retention_params *p,
                                const double *t, size_t n, double *out)
{
    double buf[ROWS_AT_ONCE];
    for (int pass = n <= ROWS_AT_ONCE; pass < 2; pass++) {
        double *dst = pass == 0 ? NULL : n <= ROWS_AT_ONCE ? buf : out;
        for (size_t i = 0; i < n; i++) {
            double v = pr->value(p, t[i], pr->ctx);
            if (!(v >= pr->lo && v <= pr->hi))
                return out_of_bounds(pr, p, i, t[i], v);
            if (dst)
                dst[i] = v;
        }
    }
    if (n <= ROWS_AT_ONCE && n > 0)
        memcpy(out, buf, n * sizeof *out);
    return CRVM_OK;
}

static double survival_row(const crvm_retention_params *p, double t, void *ctx)
{
    (void)ctx;
    return exp(crvm__retention_log_survival(p, t, NULL));
}

crvm_status crvm_retention_survival(const crvm_retention_params *params, const double *t,
                                    size_t t_len, double *out, size_t out_len)
{
    static const char who[] = "crvm_retention_survival";
    crvm_status st = check_prediction(who, "t", params, t, t_len, out, out_len, 0);
    if (st != CRVM_OK)
        return st;
    const prediction pr = {who, "t", "survival probability", survival_row, NULL, 0.0, 1.0};
    return predict_rows(&pr, params, t, t_len, out);
}

static double rate_row(const crvm_retention_params *p, double t, void *ctx)
{
    (void)ctx;
    if (p->c == 1.0) {
        /* Fader & Hardie (2007), eq. (8). */
        double b = p->beta + t - 1;
        return b / (p->alpha + b);
    }
    return exp(fmin(log_survival_step(p, t - 1, 1.0, NULL), 0.0));
}

crvm_status crvm_retention_rate(const crvm_retention_params *params, const double *t,
                                size_t t_len, double *out, size_t out_len)
{
    static const char who[] = "crvm_retention_rate";
    crvm_status st = check_prediction(who, "t", params, t, t_len, out, out_len, 1);
    if (st != CRVM_OK)
        return st;
    const prediction pr = {who, "t", "retention rate", rate_row, NULL, 0.0, 1.0};
    return predict_rows(&pr, params, t, t_len, out);
}

static double churn_row(const crvm_retention_params *p, double t, void *ctx)
{
    (void)ctx;
    return exp(p->c == 1.0 ? crvm__retention_log_churn_sbg(p, t, NULL)
                           : crvm__retention_log_churn_generic(p, t, NULL));
}

crvm_status crvm_retention_churn_probability(const crvm_retention_params *params, const double *t,
                                             size_t t_len, double *out, size_t out_len)
{
    static const char who[] = "crvm_retention_churn_probability";
    crvm_status st = check_prediction(who, "t", params, t, t_len, out, out_len, 1);
    if (st != CRVM_OK)
        return st;
    const prediction pr = {who, "t", "churn probability", churn_row, NULL, 0.0, 1.0};
    return predict_rows(&pr, params, t, t_len, out);
}

crvm_status crvm_retention_expected_lifetime(const crvm_retention_params *params, double *lifetime)
{
    static const char who[] = "crvm_retention_expected_lifetime";
    if (params == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: params is NULL", who);
    if (lifetime == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: lifetime is NULL", who);
    crvm_status st = crvm__retention_check_params(params, who);
    if (st != CRVM_OK)
        return st;
    /* E[T] = sum_{t >= 0} S(t) = 1 + the residual series at m = 0, z = 1;
     * for the sBG (alpha + beta - 1) / (alpha - 1). At least S(0) = 1;
     * finite exactly when alpha c > 1. */
    int finite = params->alpha * params->c > 1;
    double value;
    if (params->c == 1.0)
        value = finite ? (params->alpha + params->beta - 1) / (params->alpha - 1) : INFINITY;
    else
        value = 1.0 + crvm__retention_residual_series(params, 0.0, 1.0);
    if (!(value >= 1.0) || isinf(value) == finite)
        return crvm__fail(CRVM_EDOMAIN,
                          "%s: the expected lifetime came out as %g, outside its bounds [1, %s): "
                          "accuracy cannot be guaranteed at alpha = %g, beta = %g, c = %g",
                          who, value, finite ? "inf" : "inf]", params->alpha, params->beta,
                          params->c);
    *lifetime = value;
    return CRVM_OK;
}

typedef struct derl_ctx {
    double z;
    int fell_back; /* the sBG closed form failed on some row and the series was used */
} derl_ctx;

static double derl_row(const crvm_retention_params *p, double renewals, void *ctx)
{
    derl_ctx *c = ctx;
    double value = NAN; /* written by the closed form on success */
    /* The sBG closed form, except where 2F1's parameters pass 1e4
     * (10^4 renewals, or alpha or beta that large): there the hypergeometric
     * routine slows down (ms per call, up to its work limit of ~0.1 s) and
     * beyond 1e6 declines, while the series stays at ~0.3 ms and 1e-10. */
    int closed = p->c == 1.0 && (c->z >= 1.0 || p->alpha + p->beta + renewals + 1 <= 1e4);
    if (closed && crvm__retention_residual_sbg(p, renewals, c->z, &value) == CRVM_OK)
        return value;
    c->fell_back |= closed;
    return crvm__retention_residual_series(p, renewals, c->z);
}

crvm_status crvm_retention_derl(const crvm_retention_params *params, double discount_rate,
                                const double *renewals, size_t renewals_len, double *out,
                                size_t out_len)
{
    static const char who[] = "crvm_retention_derl";
    crvm_status st = check_prediction(who, "renewals", params, renewals, renewals_len, out,
                                      out_len, 0);
    if (st != CRVM_OK)
        return st;
    if (!(discount_rate >= 0 && isfinite(discount_rate)))
        return crvm__fail(CRVM_EINVAL, "%s: discount_rate = %g: must be >= 0 and finite", who,
                          discount_rate);
    /* Every term is at most z^(t - n) (S never increases), so DERL <= 1 / (1 - z)
     * = (1 + d) / d; with d = 0 it is finite exactly when alpha c > 1. */
    derl_ctx ctx = {1.0 / (1.0 + discount_rate), 0};
    double hi = discount_rate > 0 ? (1.0 + discount_rate) / discount_rate * (1.0 + 1e-12)
                : params->alpha * params->c > 1 ? DBL_MAX
                                                : INFINITY;
    const prediction pr = {who, "renewals", "discounted expected residual lifetime", derl_row,
                           &ctx, 0.0, hi};
    /* A 2F1 failure falls back to the series and is not an error of this
     * call: keep the thread's previous message. */
    char saved[512];
    snprintf(saved, sizeof saved, "%s", crvm_last_error());
    st = predict_rows(&pr, params, renewals, renewals_len, out);
    if (st == CRVM_OK && ctx.fell_back)
        crvm__fail(CRVM_OK, "%s", saved);
    return st;
}
