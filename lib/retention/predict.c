/* Predictions of the sBG and BdW retention models.
 *
 * Survival of both models, S(t) = B(alpha, beta + t^c) / B(alpha, beta):
 * Fader & Hardie (2007), "How to Project Customer Retention", J. Interactive
 * Marketing 21(1), eq. (6) (c = 1); Fader, Hardie, Liu, Davin & Steenburgh
 * (2018), J. Interactive Marketing 43, the BdW survivor function.
 * Discounted expected residual lifetime: Fader & Hardie (2010), "Customer-Base
 * Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity",
 * Marketing Science 29(1). Everything is computed in log space. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

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

/* ln S(t) - ln S(s) for 0 <= s <= t, with xs = s^c, xt = t^c, dx = xt - xs:
 *   ln[Gamma(b + xt) / Gamma(b + xs)] - ln[Gamma(a + b + xt) / Gamma(a + b + xs)]
 * = ln[Gamma(b + xs + a) / Gamma(b + xs)] - ln[Gamma(b + xt + a) / Gamma(b + xt)].
 * Both pairings are differences of two log-Pochhammer symbols; each loses
 * about y ln(y) / increment in relative accuracy (y = b + xs), so the one
 * with the larger increment is used (the first when dx < a). With a huge
 * period t the second keeps every term of order a ln t instead of t ln t.
 * grad (if not NULL) gets d/d(alpha, beta, c). */
static double log_survival_ratio(const crvm_retention_params *p, double s, double t, double grad[3])
{
    double a = p->alpha, b = p->beta, c = p->c;
    double xs = s <= 0 ? 0.0 : (c == 1.0 ? s : pow(s, c));
    double xt = t <= 0 ? 0.0 : (c == 1.0 ? t : pow(t, c));
    double dx = xt - xs;
    if (grad)
        grad[0] = grad[1] = grad[2] = 0.0;
    if (dx <= 0)
        return 0.0;
    if (!isfinite(xt))
        return -INFINITY;
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
    return log_survival_ratio(p, 0.0, t, grad);
}

double crvm__retention_log_churn_generic(const crvm_retention_params *p, double t, double grad[3])
{
    /* P(T = t) = S(t - 1) (1 - r(t)) with ln r(t) = ln S(t) - ln S(t - 1)
     * computed directly (no difference of two large logs). */
    double g0[3], gr[3];
    double ls0 = log_survival_ratio(p, 0.0, t - 1, grad ? g0 : NULL);
    double delta = log_survival_ratio(p, t - 1, t, grad ? gr : NULL);
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
    double ls0 = log_survival_ratio(p, 0.0, t - 1, grad);
    double lp = ls0 + log(a) - log(a + b + t - 1);
    if (grad) {
        grad[0] += 1.0 / a - 1.0 / (a + b + t - 1);
        grad[1] -= 1.0 / (a + b + t - 1);
        grad[2] = 0.0;
    }
    return lp;
}

/* ---- residual lifetime series --------------------------------------------- */

/* ln of the series term at real period t: ln S(t) - ln S(m) + (t - m - 1) ln z. */
typedef struct series {
    const crvm_retention_params *p;
    double m, ln_z;
} series;

static double series_log_term(const series *s, double t)
{
    return log_survival_ratio(s->p, s->m, t, NULL) + (t - s->m - 1) * s->ln_z;
}

/* d/dt of the log term (for the Euler-Maclaurin derivative correction). */
static double series_log_term_slope(const series *s, double t)
{
    const crvm_retention_params *p = s->p;
    double tc = pow(t, p->c);
    double u = p->beta + tc;
    if (!isfinite(u))
        return s->ln_z;
    return -p->c * tc / t * psi_difference(u, p->alpha) + s->ln_z;
}

/* One node of the exp-sinh rule for the integral of the term over (n, inf):
 * t = n + x, x = L exp(pi/2 sinh(tau)), dt = x pi/2 cosh(tau) dtau.
 * *beyond is set when x passes 1e300 (the node is then dropped). */
static double tail_node(const series *s, double n, double tau, int *beyond)
{
    /* Scale of the map: the term varies on the scale n (its power law) and
     * 1 / |ln z| (the discounting); the nodes must resolve the smaller. */
    double scale = fmin(n, 1.0 / -s->ln_z);
    double x = scale * exp(M_PI / 2 * sinh(tau));
    *beyond = !(x <= 1e300);
    if (*beyond)
        return 0.0;
    if (x == 0.0)
        return 0.0;
    return exp(series_log_term(s, n + x)) * x * (M_PI / 2) * cosh(tau);
}

/* Sum of the nodes tau = j h for j = 0 (when with_center), +-first, +-(first +
 * step), ... in each direction until the nodes are negligible against scale
 * and past their peak, or leave the range. */
static double tail_sweep(const series *s, double n, double h, int with_center, int first,
                         int step, double scale)
{
    int beyond = 0;
    double sum = with_center ? tail_node(s, n, 0.0, &beyond) : 0.0;
    for (int dir = -1; dir <= 1; dir += 2) {
        double last = INFINITY;
        for (long j = first; j < 1000000; j += step) {
            double f = tail_node(s, n, dir * (double)j * h, &beyond);
            if (beyond)
                break;
            sum += f;
            if (f <= 1e-18 * (scale + h * sum) && f <= last)
                break;
            last = f;
        }
    }
    return sum;
}

/* Integral over y in [ya, yb] of g(e^y) e^y (the term's integral over
 * t in [e^ya, e^yb]) by the tanh-sinh rule, halving the step until two
 * estimates agree to 1e-13. In y the power-law decay t^-p of the term is
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

/* Integral of the term over (n, inf).
 * - z < 1: exp-sinh rule (t = n + L e^w, w = pi/2 sinh(tau), L = min(n, 1/|ln z|)), halving the step
 *   until two estimates agree to 1e-12; z^t makes the term vanish long before
 *   t = 1e300, where nodes are dropped.
 * - z = 1 (alpha c > 1): tanh-sinh in ln t over [n, X = 1e300], plus the
 *   rest in closed form: beyond X, S(t) is the pure power K t^-(alpha c) to
 *   relative O(beta / X^c, alpha^2 / X^c), so the rest is g(X) X / (alpha c - 1).
 *   This keeps 1e-10 accuracy even when alpha c is within 1e-3 of 1 and most
 *   of the sum lies beyond 1e300 periods. */
static double series_tail_integral(const series *s, double n)
{
    if (s->ln_z == 0.0) {
        const double big = 1e300;
        double p_exp = s->p->alpha * s->p->c;
        double rest = exp(series_log_term(s, big) + log(big) - log(p_exp - 1));
        return tanh_sinh_log(s, log(n), log(big)) + rest;
    }
    double h = 0.5;
    double total = h * tail_sweep(s, n, h, 1, 1, 1, 0.0);
    for (int level = 1; level < 10; level++) {
        h /= 2;
        double refined = total / 2 + h * tail_sweep(s, n, h, 0, 1, 2, total);
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
        double g = exp(series_log_term(&s, m + 1 + k));
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
    /* Euler-Maclaurin for the rest: sum_{t >= N} g(t) = integral_N^inf g
     * + g(N) / 2 - g'(N) / 12 + O(g'''(N)); beyond t = 1000 the relative
     * derivatives of g are below (alpha c / t + |ln z|) < 0.04, so the
     * neglected term is below 1e-7 g(N). */
    double n = m + 1 + DIRECT_TERMS;
    double gn = exp(series_log_term(&s, n));
    double tail = series_tail_integral(&s, n) + gn / 2 - gn * series_log_term_slope(&s, n) / 12;
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

crvm_status crvm_retention_survival(const crvm_retention_params *params, const double *t,
                                    size_t t_len, double *out, size_t out_len)
{
    crvm_status st = check_prediction("crvm_retention_survival", "t", params, t, t_len, out,
                                      out_len, 0);
    if (st != CRVM_OK)
        return st;
    for (size_t i = 0; i < t_len; i++)
        out[i] = exp(crvm__retention_log_survival(params, t[i], NULL));
    return CRVM_OK;
}

crvm_status crvm_retention_rate(const crvm_retention_params *params, const double *t,
                                size_t t_len, double *out, size_t out_len)
{
    crvm_status st = check_prediction("crvm_retention_rate", "t", params, t, t_len, out,
                                      out_len, 1);
    if (st != CRVM_OK)
        return st;
    for (size_t i = 0; i < t_len; i++) {
        if (params->c == 1.0) {
            /* Fader & Hardie (2007), eq. (8). */
            double b = params->beta + t[i] - 1;
            out[i] = b / (params->alpha + b);
        } else {
            double d = log_survival_ratio(params, t[i] - 1, t[i], NULL);
            out[i] = isnan(d) ? 0.0 : exp(d < 0 ? d : 0);
        }
    }
    return CRVM_OK;
}

crvm_status crvm_retention_churn_probability(const crvm_retention_params *params, const double *t,
                                             size_t t_len, double *out, size_t out_len)
{
    crvm_status st = check_prediction("crvm_retention_churn_probability", "t", params, t, t_len,
                                      out, out_len, 1);
    if (st != CRVM_OK)
        return st;
    for (size_t i = 0; i < t_len; i++) {
        double lp = params->c == 1.0 ? crvm__retention_log_churn_sbg(params, t[i], NULL)
                                     : crvm__retention_log_churn_generic(params, t[i], NULL);
        out[i] = isnan(lp) ? 0.0 : exp(lp);
    }
    return CRVM_OK;
}

crvm_status crvm_retention_expected_lifetime(const crvm_retention_params *params, double *lifetime)
{
    const char *who = "crvm_retention_expected_lifetime";
    if (params == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: params is NULL", who);
    if (lifetime == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: lifetime is NULL", who);
    crvm_status st = crvm__retention_check_params(params, who);
    if (st != CRVM_OK)
        return st;
    /* E[T] = sum_{t >= 0} S(t) = 1 + the residual series at m = 0, z = 1;
     * for the sBG (alpha + beta - 1) / (alpha - 1). */
    double value;
    if (params->c == 1.0)
        value = params->alpha > 1 ? (params->alpha + params->beta - 1) / (params->alpha - 1)
                                  : INFINITY;
    else
        value = 1.0 + crvm__retention_residual_series(params, 0.0, 1.0);
    *lifetime = isnan(value) ? INFINITY : value;
    return CRVM_OK;
}

crvm_status crvm_retention_derl(const crvm_retention_params *params, double discount_rate,
                                const double *renewals, size_t renewals_len, double *out,
                                size_t out_len)
{
    const char *who = "crvm_retention_derl";
    crvm_status st = check_prediction(who, "renewals", params, renewals, renewals_len, out,
                                      out_len, 0);
    if (st != CRVM_OK)
        return st;
    if (!(discount_rate >= 0 && isfinite(discount_rate)))
        return crvm__fail(CRVM_EINVAL, "%s: discount_rate = %g: must be >= 0 and finite", who,
                          discount_rate);
    double z = 1.0 / (1.0 + discount_rate);
    /* A 2F1 failure falls back to the series and is not an error of this
     * call: keep the thread's previous message. */
    char saved[512];
    snprintf(saved, sizeof saved, "%s", crvm_last_error());
    int restore = 0;
    for (size_t i = 0; i < renewals_len; i++) {
        double value = NAN;
        /* The sBG closed form, except where 2F1's parameters pass 1e4
         * (10^4 renewals, or beta that large): there the hypergeometric
         * routine slows down (ms per call) and beyond 1e6 declines, while the
         * series stays at ~0.3 ms and 1e-10. */
        int closed = params->c == 1.0 && params->beta + renewals[i] + 1 <= 1e4;
        if (!closed || crvm__retention_residual_sbg(params, renewals[i], z, &value) != CRVM_OK) {
            restore |= closed;
            value = crvm__retention_residual_series(params, renewals[i], z);
        }
        out[i] = isnan(value) ? INFINITY : value;
    }
    if (restore)
        crvm__fail(CRVM_OK, "%s", saved);
    return CRVM_OK;
}
