/* The prediction engine of the covariate retention model.
 *
 * A subject alive after n renewals with exposure Lambda_n has theta ~
 * Beta(alpha, x), x = beta + Lambda_n. With u = 1 - theta and the future
 * exposures F_k = e1 + E ((n+k)^c - (n+1)^c), every prediction is a
 * posterior expectation of a function of u:
 *     DERL          = E[u^e1 (1 + d G_{n+1}(u))],  G_m(u) = sum_{j>=0} d^j u^(E((m+1+j)^c - m^c))
 *     DERL over H   = E[u^e1 (1 + d W_{n+1}(u))],  W_m: the same sum over j < H - 1
 *     lifetime      = E[u^e1 (1 + L_{n+1}(u))],    L_m: j < cap - 1, undiscounted
 *     at risk       = E[sum_{j<H} d^j (1 - u^F_{j+1}) + d^H (1 - u^F_H) G_{n+H}(u)]
 * (at risk: the DERL with churn ruled out in the next H renewals, their
 * exposure not counted, minus the DERL; a sum of positive terms). The tables
 * hold the complements C = G0 - G (G0 = 1 / (1 - d), the theta -> 0 limit),
 * and likewise for W and L, because they obey recurrences of positive terms,
 *     C_m = G0 (1 - u^a_m) + u^a_m d C_{m+1},   a_m = E ((m+1)^c - m^c),
 *     CW_m = (1 - u^a_m) W0 + u^a_m d CW_{m+1} - u^a_m d^K (1 - u^(E((m+1+K)^c - (m+1)^c)))
 * (window K; the last term is the oldest of CW_{m+1}'s own terms), so that
 * small complements (theta near 0, loyal subjects) keep their relative
 * accuracy. They are differentiated in c and ln E alongside and tabulated
 * per group at fixed nodes for every m needed; the top rows are summed
 * directly. Survival over H and churn next are closed form:
 * B(alpha, x + F) / B(alpha, x).
 *
 * Quadrature: in t = ln kappa, kappa = -ln(1 - theta), the posterior is
 *     p dt = exp((alpha - 1) ln theta + t - x kappa - ln B(alpha, x)) dt,
 * analytic in the strip |Im t| < pi/2, so the trapezoid rule on a uniform
 * grid converges exponentially; for theta -> 0 the peak is a log-gamma
 * density of width 1/sqrt(alpha) in t; the step is min(0.22,
 * 0.5/sqrt(alpha)). For alpha < 5 the weights are normalised analytically
 * and E[Q] = Q0 - E[Q0 - Q] integrates the complements, whose left tail
 * decays like theta^(alpha+1) however small alpha is; for alpha >= 5 the
 * left tail of the posterior itself is short, and E[Q] = sum w Q / sum w
 * over the same nodes (the normalising constant's rounding, ~alpha ulps,
 * then cancels). A query sums the nodes outward from the posterior's mode
 * until they are negligible and also forms the sum over every other node
 * (step 2h): the error falls like exp(-c/h), so the full-step error is about
 * the square of the difference relative to the integral. A query whose
 * estimated error (that, plus rounding and normalisation) exceeds 1e-10 of
 * the value is refused (CRVM_EDOMAIN), never returned.
 *
 * Partials: d/d alpha and d/dx weight the same nodes with ln theta -
 * E[ln theta] and ln(1 - theta) - E[ln(1 - theta)]; d/dc and d/d ln E come
 * from the derivative tables; d/de1 from the weight ln u = -kappa. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/pochhammer.h"
#include "math/special.h"
#include "retention/cov_internal.h"
#include "retention/cov_model.h"

/* Terms of a top-row sum are dropped once below e^-TOP_CUT. */
#define TOP_CUT 50.0
/* Longest discounted top sum accepted (discount rate >~ 2.5e-5 per period). */
#define MAX_TOP_TERMS 2000000
/* Relative accuracy promised for every value. */
#define ACCURACY 1e-10
/* alpha from which the weights are normalised numerically. */
#define NUMERIC_ALPHA 5.0

enum { NODE_KAPPA, NODE_LNTHETA, NODE_C, NODE_FIELDS };
/* C, dC/dc, dC/dlnE; CW (3), CL (3), and V = u^(E (P(m + H - 1) - P(m))) with 1 - V. */
enum { G_FIELDS = 3, WL_FIELDS = 8 };

typedef struct group_tab {
    double alpha, beta, E, lga, t_lo, h;
    size_t K;
    int numeric;  /* normalise the weights numerically (alpha >= NUMERIC_ALPHA) */
    double *node; /* K x NODE_FIELDS */
    double *g;    /* rows m = 1 .. max_n + H: K x (C, C_c, C_e) */
    double *wl;   /* rows m = 1 .. max_n + 1: K x (CW, CW_c, CW_e, CL, CL_c, CL_e, V, 1 - V) */
} group_tab;

struct crvm__rcov_engine {
    size_t groups;
    int max_n, H, cap;
    double d, c, G0, W0h, W0w; /* G0 = 1/(1-d); W0 over H and over the window H - 1 */
    double *P, *Pc;            /* t^c and t^c ln t, t = 0 .. t_max */
    double *w, *w_c, *w_cc;
    size_t t_max, top_terms;
    group_tab *tab;
};

void crvm__rcov_engine_free(crvm__rcov_engine *e)
{
    if (e == NULL)
        return;
    if (e->tab)
        for (size_t g = 0; g < e->groups; g++) {
            crvm__free(e->tab[g].node);
            crvm__free(e->tab[g].g);
            crvm__free(e->tab[g].wl);
        }
    crvm__free(e->tab);
    crvm__free(e->P);
    crvm__free(e->w);
    crvm__free(e);
}

/* ---- tables -------------------------------------------------------------------- */

/* A top row: the complement sum over j < terms of f^j (1 - u^(E dP_j)),
 * dP_j = P(base+1+j) - P(base), with its derivatives in c and ln E. Its
 * moments M_r = sum f^j dP_j^r (and the mixed ones with dPc_j) do not depend
 * on the node or the group, so they are computed once. */
#define MOMENTS 16
typedef struct top_spec {
    size_t base, terms;
    double f, total;               /* total = sum_{j<terms} f^j */
    int moments_ok;                /* every moment finite */
    double m[MOMENTS + 1], mc[MOMENTS + 1];
} top_spec;

static void top_spec_init(const crvm__rcov_engine *e, top_spec *ts, size_t base, size_t terms,
                          double f)
{
    memset(ts, 0, sizeof *ts);
    ts->base = base;
    ts->terms = terms;
    ts->f = f;
    double fj = 1;
    for (size_t j = 0; j < terms; j++) {
        double dp = e->P[base + 1 + j] - e->P[base], dpc = e->Pc[base + 1 + j] - e->Pc[base];
        double pw = fj;
        for (int r = 1; r <= MOMENTS; r++) {
            ts->mc[r] += pw * dpc; /* f^j dP^(r-1) dPc */
            pw *= dp;
            ts->m[r] += pw;        /* f^j dP^r */
        }
        ts->total += fj;
        fj *= f;
    }
    ts->moments_ok = 1;
    for (int r = 1; r <= MOMENTS; r++)
        ts->moments_ok &= isfinite(ts->m[r]) && isfinite(ts->mc[r]);
}

/* Three ways, each without cancellation where it is used:
 * - kappa E dP_max <= 0.05: the moment series sum_r (-1)^(r+1) (kappa E)^r M_r / r!
 *   (16 terms: the rest is below 0.05^17 / 17!);
 * - when u^(E dP) decays fast: G = sum f^j u^(E dP_j) until negligible, and
 *   the complement total - G, used when G <= total / 2;
 * - otherwise the complement terms summed directly. */
static void top_sum(const crvm__rcov_engine *e, const group_tab *gt, const top_spec *ts,
                    double kappa, double out[3])
{
    double kE = kappa * gt->E;
    size_t base = ts->base, terms = ts->terms;
    if (terms == 0) {
        out[0] = out[1] = out[2] = 0.0;
        return;
    }
    double dp_max = e->P[base + terms] - e->P[base];
    if (ts->moments_ok && kE * dp_max <= 0.05) {
        double s = 0, sc = 0, se = 0, pw = 1; /* pw = (-1)^(r+1) (kE)^r / (r - 1)! */
        for (int r = 1; r <= MOMENTS; r++) {
            pw *= (r == 1 ? kE : -kE / (r - 1));
            s += pw * ts->m[r] / r;
            sc += pw * ts->mc[r];
            se += pw * ts->m[r];
        }
        out[0] = s;
        out[1] = sc;
        out[2] = se;
        return;
    }
    double g = 0, gc = 0, ge = 0, fj = 1;
    for (size_t j = 0; j < terms; j++) {
        double dp = e->P[base + 1 + j] - e->P[base];
        double term = fj * exp(-kE * dp);
        g += term;
        gc -= term * kE * (e->Pc[base + 1 + j] - e->Pc[base]);
        ge -= term * kE * dp;
        if (term * (1 + kE * dp) < 1e-18 * ts->total)
            break;
        fj *= ts->f;
    }
    if (g <= 0.5 * ts->total) {
        out[0] = ts->total - g;
        out[1] = -gc;
        out[2] = -ge;
        return;
    }
    double c = 0, cc = 0, ce = 0;
    fj = 1;
    for (size_t j = 0; j < terms; j++) {
        double dp = e->P[base + 1 + j] - e->P[base];
        double up = exp(-kE * dp);
        c += fj * -expm1(-kE * dp);
        cc += fj * up * kE * (e->Pc[base + 1 + j] - e->Pc[base]);
        ce += fj * up * kE * dp;
        fj *= ts->f;
        if (fj < 1e-18 * (1 - ts->f) * c) /* the rest is below sum f^i */
            break;
    }
    out[0] = c;
    out[1] = cc;
    out[2] = ce;
}

/* One step of a complement recurrence at node kappa, row m, from next = row
 * m + 1: Q_m = (1 - u^a) Q0 + u^a f Q_{m+1} - [window K] u^a f^K (1 - u^far). */
static void recur(const crvm__rcov_engine *e, const group_tab *gt, double kappa, size_t m,
                  double f, double q0, long window, const double next[3], double out[3])
{
    double E = gt->E;
    double a = E * e->w[m + 1], a_c = E * e->w_c[m + 1];
    double ua = exp(-kappa * a), one_ua = -expm1(-kappa * a);
    double base = q0 - f * next[0]; /* d/da of the first two terms is kappa u^a base */
    out[0] = one_ua * q0 + ua * f * next[0];
    out[1] = ua * (kappa * a_c * base + f * next[1]);
    out[2] = ua * (kappa * a * base + f * next[2]);
    if (window >= 0) {
        size_t far = m + 1 + (size_t)window;
        double dp = e->P[far] - e->P[m + 1], dpc = e->Pc[far] - e->Pc[m + 1];
        double ufar = exp(-kappa * E * dp), one_ufar = -expm1(-kappa * E * dp);
        double fk = exp((double)window * log(f));
        double t = ua * fk * one_ufar;
        out[0] -= t;
        out[1] -= -kappa * a_c * t + ua * fk * kappa * E * dpc * ufar;
        out[2] -= -kappa * a * t + ua * fk * kappa * E * dp * ufar;
    }
}

static crvm_status build_group(const crvm__rcov_engine *e, group_tab *gt, const top_spec *tops)
{
    double a = gt->alpha, b = gt->beta;
    gt->h = fmin(0.22, 0.5 / sqrt(a));
    gt->numeric = a >= NUMERIC_ALPHA;
    double t_hi = log((a + 50.0) / b) + 1.0;
    gt->t_lo = log(a / b) - 30.0 - 40.0 / (1.0 + a) - 10.0 / sqrt(fmax(a, 1.0));
    gt->K = (size_t)ceil((t_hi - gt->t_lo) / gt->h) + 1;
    gt->lga = crvm__lgamma(a);
    size_t K = gt->K, rows_g = (size_t)(e->max_n + e->H), rows_wl = (size_t)e->max_n + 1;
    gt->node = crvm__calloc(K * NODE_FIELDS, sizeof *gt->node);
    gt->g = crvm__calloc(rows_g * K * G_FIELDS, sizeof *gt->g);
    gt->wl = crvm__calloc(rows_wl * K * WL_FIELDS, sizeof *gt->wl);
    if (!gt->node || !gt->g || !gt->wl)
        return crvm__nomem("the prediction tables");
    const long windows[2] = {e->H - 1, e->cap - 1};
    const double factors[2] = {e->d, 1.0}, q0s[2] = {e->W0w, (double)(e->cap - 1)};
    for (size_t k = 0; k < K; k++) {
        double t = gt->t_lo + (double)k * gt->h, kappa = exp(t);
        double lth = crvm__log1mexp(-kappa);
        double *nd = gt->node + k * NODE_FIELDS;
        nd[NODE_KAPPA] = kappa;
        nd[NODE_LNTHETA] = lth;
        nd[NODE_C] = (a - 1.0) * lth + t;
        /* C from its top row down. */
        double q[3], next[3];
        top_sum(e, gt, &tops[0], kappa, next);
        memcpy(gt->g + ((rows_g - 1) * K + k) * G_FIELDS, next, sizeof next);
        for (size_t m = rows_g - 1; m >= 1; m--) {
            recur(e, gt, kappa, m, e->d, e->G0, -1, next, q);
            memcpy(gt->g + ((m - 1) * K + k) * G_FIELDS, q, sizeof q);
            memcpy(next, q, sizeof q);
        }
        /* The windows: CW (H - 1 terms, discounted) and CL (cap - 1, not). */
        for (int which = 0; which < 2; which++) {
            long win = windows[which];
            top_sum(e, gt, &tops[1 + which], kappa, next);
            memcpy(gt->wl + ((rows_wl - 1) * K + k) * WL_FIELDS + 3 * which, next, sizeof next);
            for (size_t m = rows_wl - 1; m >= 1; m--) {
                if (win > 0)
                    recur(e, gt, kappa, m, factors[which], q0s[which], win, next, q);
                else
                    q[0] = q[1] = q[2] = 0.0;
                memcpy(gt->wl + ((m - 1) * K + k) * WL_FIELDS + 3 * which, q, sizeof q);
                memcpy(next, q, sizeof q);
            }
        }
        /* u to the exposure of the H - 1 periods after m (the query at n = m - 1). */
        for (size_t m = 1; m <= rows_wl; m++) {
            double span = e->P[m + (size_t)e->H - 1] - e->P[m];
            double *v = gt->wl + ((m - 1) * K + k) * WL_FIELDS + 6;
            v[0] = exp(-kappa * gt->E * span);
            v[1] = -expm1(-kappa * gt->E * span);
        }
    }
    return CRVM_OK;
}

crvm_status crvm__rcov_engine_new(const crvm_retention_cov *model, int max_n, int horizon,
                                  double discount_per_period, int lifetime_cap,
                                  const double *log_multiplier, crvm__rcov_engine **out)
{
    const char *who = "the retention prediction engine";
    if (model == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: model or out is NULL", who);
    if (max_n < 0 || horizon < 1 || lifetime_cap < 1 || lifetime_cap > 100000 ||
        max_n > 10000000 || horizon > 100000)
        return crvm__fail(CRVM_EINVAL, "%s: max_n = %d, horizon = %d, lifetime_cap = %d: need "
                          "max_n >= 0, 1 <= horizon <= 100000, 1 <= lifetime_cap <= 100000", who,
                          max_n, horizon, lifetime_cap);
    if (!(discount_per_period > 0 && isfinite(discount_per_period)))
        return crvm__fail(discount_per_period == 0 ? CRVM_EDOMAIN : CRVM_EINVAL,
                          "%s: discount rate %g per period: must be positive and finite (the "
                          "undiscounted residual lifetime has no bounded-cost evaluation; the "
                          "capped lifetime is its undiscounted counterpart)", who,
                          discount_per_period);
    double d = 1.0 / (1.0 + discount_per_period);
    /* Enough terms that d^j (1 + (M + j)^c) falls below e^-TOP_CUT. */
    double top_terms = ceil((TOP_CUT + 3 * log(100.0 + max_n + horizon)) / -log(d)) + 1;
    if (!(top_terms <= MAX_TOP_TERMS))
        return crvm__fail(CRVM_EDOMAIN, "%s: discount rate %g per period is too small: its "
                          "discounted sums need %.0f terms (at most %d)", who,
                          discount_per_period, top_terms, MAX_TOP_TERMS);
    size_t G = model->groups;
    crvm__rcov_engine *e = crvm__calloc(1, sizeof *e);
    if (e == NULL)
        return crvm__nomem("the prediction engine");
    e->groups = G;
    e->max_n = max_n;
    e->H = horizon;
    e->cap = lifetime_cap;
    e->d = d;
    e->G0 = 1.0 / (1.0 - d);
    e->W0h = -expm1((double)horizon * log(d)) * e->G0;
    e->W0w = -expm1((double)(horizon - 1) * log(d)) * e->G0;
    e->c = model->params[2 * G];
    e->top_terms = (size_t)top_terms;
    size_t top_g = (size_t)(max_n + horizon);
    e->t_max = top_g + 2 + e->top_terms;
    size_t t_wl = (size_t)max_n + 3 + (size_t)(lifetime_cap > horizon ? lifetime_cap : horizon);
    if (t_wl > e->t_max)
        e->t_max = t_wl;
    e->P = crvm__calloc(2 * (e->t_max + 1), sizeof *e->P);
    e->w = crvm__calloc(3 * (top_g + 2), sizeof *e->w);
    e->tab = crvm__calloc(G, sizeof *e->tab);
    crvm_status st = CRVM_OK;
    if (!e->P || !e->w || !e->tab) {
        st = crvm__nomem("the prediction engine");
        goto fail;
    }
    e->Pc = e->P + e->t_max + 1;
    for (size_t t = 1; t <= e->t_max; t++) {
        double lt = log((double)t);
        e->P[t] = exp(e->c * lt);
        e->Pc[t] = e->P[t] * lt;
    }
    e->w_c = e->w + top_g + 2;
    e->w_cc = e->w_c + top_g + 2;
    crvm__rcov_period_weights(e->c, (int)top_g + 1, e->w, e->w_c, e->w_cc);
    top_spec tops[3];
    top_spec_init(e, &tops[0], top_g, e->top_terms, d);
    top_spec_init(e, &tops[1], (size_t)max_n + 1, (size_t)(horizon - 1), d);
    top_spec_init(e, &tops[2], (size_t)max_n + 1, (size_t)(lifetime_cap - 1), 1.0);
    for (size_t g = 0; g < G; g++) {
        group_tab *gt = &e->tab[g];
        gt->alpha = model->params[2 * g];
        gt->beta = model->params[2 * g + 1];
        double lm = log_multiplier ? log_multiplier[g] : 0.0;
        gt->E = exp(lm);
        if (!(isfinite(lm) && gt->E > 0 && isfinite(gt->E))) {
            st = crvm__fail(CRVM_EDOMAIN, "%s: log_multiplier[%zu] = %g: exp of it must be "
                            "positive and finite", who, g, lm);
            goto fail;
        }
        if ((st = build_group(e, gt, tops)) != CRVM_OK)
            goto fail;
    }
    *out = e;
    return CRVM_OK;
fail:
    crvm__rcov_engine_free(e);
    return st;
}

/* ---- queries -------------------------------------------------------------------- */

/* ln[B(alpha, x + F) / B(alpha, x)] (returned) and the ratio with its
 * partials in alpha, x and F (out[0..3]). */
static double beta_ratio(double a, double x, double F, double out[4])
{
    double lr = crvm__log_beta_ratio(a, x, F);
    double r = exp(lr);
    out[0] = r;
    out[1] = -r * crvm__psi_difference(x + a, F);
    out[2] = -r * crvm__psi_second_difference(x, a, F);
    out[3] = -r * crvm__psi_difference(x + F, a);
    return lr;
}

/* One integrated quantity: sums over the nodes of w q (q = Q, or Q0 - Q in
 * the analytic mode) and of its weighted forms. */
typedef struct acc {
    double v, v_even, va, vx, vc, ve, ve1;
} acc;

typedef struct query_ctx {
    const crvm__rcov_engine *e;
    const group_tab *gt;
    const double *g1, *gh, *wl1; /* table rows n+1 (C, CW/CL) and n+H (C) */
    double x, lnB, e1, F_c, F_e, d_h;
    int numeric;
    acc s[4];                    /* DERL, DERL over H, lifetime, at risk */
    double z, z_even, za, zx;    /* numeric mode: sums of w, w ln theta, -w kappa */
} query_ctx;

static void acc_add(acc *s, double w, int even, double lth, double kappa, double q, double qc,
                    double qe, double qe1)
{
    double wq = w * q;
    s->v += wq;
    if (even)
        s->v_even += wq;
    s->va += wq * lth;
    s->vx -= wq * kappa;
    s->vc += w * qc;
    s->ve += w * qe;
    s->ve1 += w * qe1;
}

/* Adds node k; returns the magnitude of its contributions. In the analytic
 * mode DERL, DERL over H and lifetime enter as their complements
 * Q0 - Q (>= 0) and their derivatives with the sign of Q0 - Q. */
static double add_node(query_ctx *qc, size_t k, int even)
{
    const crvm__rcov_engine *e = qc->e;
    const double *nd = qc->gt->node + k * NODE_FIELDS;
    double kappa = nd[NODE_KAPPA], lth = nd[NODE_LNTHETA];
    double w = exp(nd[NODE_C] - qc->x * kappa - qc->lnB);
    /* u^e1 and 1 - u^e1 from one call, each without cancellation. */
    double k1 = kappa * qc->e1, ue, ce;
    if (k1 > 0.5) {
        ue = exp(-k1);
        ce = 1.0 - ue;
    } else {
        ce = -expm1(-k1);
        ue = 1.0 - ce;
    }
    double d = e->d, G0 = e->G0, W0h = e->W0h, cap = (double)e->cap;
    const double *c1 = qc->g1 + k * G_FIELDS, *ch = qc->gh + k * G_FIELDS;
    const double *wl = qc->wl1 + k * WL_FIELDS;
    /* Complements of the query's functions: Q0 - Q >= 0. */
    double cD = ce * G0 + ue * d * c1[0];
    double cW = ce * W0h + ue * d * wl[0];
    double cL = ce * cap + ue * wl[3];
    /* The functions themselves, from the complements of the next row (G_{n+1}
     * = G0 - C_{n+1}, ...): small values keep their relative accuracy, since
     * the complement's rounding is relative to G0 and enters times u^e1. */
    double D = ue * (1.0 + d * (G0 - c1[0]));
    double W = ue * (1.0 + d * (e->W0w - wl[0]));
    double L = ue * (1.0 + ((double)(e->cap - 1) - wl[3]));
    /* At risk: (W0 - W^q) + d^H (1 - u^F_H) G_{n+H}. */
    double uF = ue * wl[6], cF = ce + ue * wl[7], GH = G0 - ch[0];
    double A = cW + qc->d_h * cF * GH;
    double A_c = ue * d * wl[1] + qc->d_h * (kappa * qc->F_c * uF * GH - cF * ch[1]);
    double A_e = ue * d * wl[2] + qc->d_h * (kappa * qc->F_e * uF * GH - cF * ch[2]);
    double A_e1 = kappa * W + qc->d_h * kappa * uF * GH;
    int num = qc->numeric;
    if (num) {
        /* Q itself; derivatives of Q. */
        acc_add(&qc->s[0], w, even, lth, kappa, D, -ue * d * c1[1], -ue * d * c1[2], -kappa * D);
        acc_add(&qc->s[1], w, even, lth, kappa, W, -ue * d * wl[1], -ue * d * wl[2], -kappa * W);
        acc_add(&qc->s[2], w, even, lth, kappa, L, -ue * wl[4], -ue * wl[5], -kappa * L);
        qc->z += w;
        if (even)
            qc->z_even += w;
        qc->za += w * lth;
        qc->zx -= w * kappa;
    } else {
        /* Q0 - Q; derivatives of Q0 - Q. */
        acc_add(&qc->s[0], w, even, lth, kappa, cD, ue * d * c1[1], ue * d * c1[2], kappa * D);
        acc_add(&qc->s[1], w, even, lth, kappa, cW, ue * d * wl[1], ue * d * wl[2], kappa * W);
        acc_add(&qc->s[2], w, even, lth, kappa, cL, ue * wl[4], ue * wl[5], kappa * L);
    }
    acc_add(&qc->s[3], w, even, lth, kappa, A, A_c, A_e, A_e1);
    double q = num ? D + W + L : cD + cW + cL;
    return w * (q + A + kappa * (D + L));
}

static const char *const quantity_names[4] = {"DERL", "DERL over the horizon", "lifetime",
                                              "value at risk"};

/* The value and partials of quantity i from its sums, after the error test. */
static crvm_status finish_quantity(const query_ctx *qc, int i, double q0, double eln_t,
                                   double eln_u, double rel_w, const crvm__rcov_query *q,
                                   crvm__rcov_partials *out)
{
    const acc *s = &qc->s[i];
    double h = qc->gt->h, value, coarse, mass, sign = 1;
    int num = qc->numeric || i == 3;
    double z = qc->numeric ? qc->z : 1.0 / h, z_even = qc->numeric ? qc->z_even : 0.5 / h;
    if (num) {
        /* E[Q] = sum w Q / sum w (or, for the analytic weights, h sum w Q). */
        value = s->v / z;
        coarse = s->v_even / z_even;
        mass = fabs(value);
    } else {
        /* E[Q] = Q0 - h sum w (Q0 - Q). */
        sign = -1;
        mass = h * s->v;
        value = q0 - mass;
        coarse = q0 - 2 * h * s->v_even;
    }
    double est = fabs(value - coarse);
    /* Exponential convergence: the error at h is about est^2 / mass. */
    double err = (mass > 0 ? est * est / mass : est) + (rel_w + 8 * DBL_EPSILON) * mass;
    if (!(err <= ACCURACY * fabs(value)) && !(value == 0 && mass == 0))
        return crvm__fail(CRVM_EDOMAIN, "retention prediction: %s of a subject of group %d "
                          "after n = %d renewals (Lambda = %g): its accuracy cannot be "
                          "guaranteed (estimated error %.3g of %.6g)", quantity_names[i],
                          q->group, q->n, q->lambda, err, value);
    out->value = value;
    if (qc->numeric) {
        double et = qc->za / z, eu = qc->zx / z;
        out->d_alpha = (s->va / z - et * value);
        out->d_x = (s->vx / z - eu * value);
        out->d_c = s->vc / z;
        out->d_log_e = s->ve / z;
        out->d_e1 = s->ve1 / z;
    } else {
        double v = s->v;
        out->d_alpha = sign * h * (s->va - eln_t * v);
        out->d_x = sign * h * (s->vx - eln_u * v);
        out->d_c = sign * h * s->vc;
        out->d_log_e = sign * h * s->ve;
        out->d_e1 = sign * h * s->ve1;
    }
    return CRVM_OK;
}

/* The posterior's mode in t: phi(t) = (alpha - 1) ln theta + t - x kappa is
 * concave; a few safeguarded Newton steps from ln(alpha / x). */
static double posterior_peak(double a, double x, double t_lo, double t_hi)
{
    double t = log(a / x);
    for (int it = 0; it < 8; it++) {
        if (!(t >= t_lo))
            t = t_lo;
        if (!(t <= t_hi))
            t = t_hi;
        double k = exp(t), em1 = expm1(k);
        double r = k / em1; /* kappa / (e^kappa - 1) */
        double d1 = (a - 1) * r + 1 - x * k;
        double d2 = (a - 1) * (r - r * r * (em1 + 1)) - x * k;
        if (!(d2 < 0))
            break;
        double step = -d1 / d2;
        t += fmax(-2.0, fmin(2.0, step));
        if (fabs(step) < 1e-3)
            break;
    }
    return fmax(t_lo, fmin(t_hi, t));
}

/* The four integrated quantities of a query (value and partials each), in
 * the analytic or the numeric mode. CRVM_EDOMAIN when the posterior leaves
 * the tables or the accuracy cannot be guaranteed. */
static crvm_status integrate(const crvm__rcov_engine *e, const group_tab *gt,
                             const crvm__rcov_query *q, double x, double e1, double F_c,
                             double F_e, int numeric, double out[4][6])
{
    size_t n = (size_t)q->n, H = (size_t)e->H, K = gt->K;
    double a = gt->alpha;
    query_ctx qc;
    memset(&qc, 0, sizeof qc);
    qc.e = e;
    qc.gt = gt;
    qc.g1 = gt->g + n * K * G_FIELDS;
    qc.gh = gt->g + (n + H - 1) * K * G_FIELDS;
    qc.wl1 = gt->wl + n * K * WL_FIELDS;
    qc.x = x;
    qc.lnB = gt->lga - crvm__log_pochhammer(x, a);
    qc.e1 = e1;
    qc.F_c = F_c;
    qc.F_e = F_e;
    qc.d_h = exp((double)H * log(e->d));
    qc.numeric = numeric;
    double t_hi = gt->t_lo + (double)(K - 1) * gt->h;
    double peak = posterior_peak(a, x, gt->t_lo, t_hi);
    size_t k0 = (size_t)floor((peak - gt->t_lo) / gt->h + 0.5);
    if (k0 >= K)
        k0 = K - 1;
    double total = 0, edge = 0;
    int edge_hit = 0;
    for (int dir = 1; dir >= -1; dir -= 2) {
        if (dir < 0 && k0 == 0) {
            edge_hit = 1;
            break;
        }
        /* Stop once the tail, decaying at least geometrically with the
         * ratio of the last two nodes, is bounded by 1e-16 of the total. */
        double prev = INFINITY;
        size_t k = dir > 0 ? k0 : k0 - 1;
        for (;;) {
            double m = add_node(&qc, k, (k & 1) == 0);
            total += m;
            double ratio = m / prev;
            prev = m;
            if (total > 0 && m <= 1e-14 * total && ratio < 0.95 &&
                m * ratio / (1 - ratio) <= 1e-16 * total)
                break;
            if ((dir > 0 && k == K - 1) || (dir < 0 && k == 0)) {
                edge_hit = 1;
                edge = fmax(edge, m);
                break;
            }
            k = dir > 0 ? k + 1 : k - 1;
        }
    }
    if ((edge_hit && !(edge <= 1e-16 * total)) || !(total > 0))
        return crvm__fail(CRVM_EDOMAIN, "retention prediction: a subject of group %d after n = %d "
                          "renewals (Lambda = %g): the posterior lies outside the tabulated range "
                          "of theta (x = beta + Lambda = %g)", q->group, q->n, q->lambda, x);
    /* E[ln theta] and E[ln(1 - theta)]; the relative rounding of the
     * analytically normalised weights (their exponent is a sum of terms of
     * size |ln B| + alpha |t|). */
    double eln_t = -crvm__psi_difference(a, x), eln_u = -crvm__psi_difference(x, a);
    double rel_w = numeric ? 0.0 : 16 * DBL_EPSILON * (1 + fabs(qc.lnB) + a * (1 + fabs(peak)));
    double q0[4] = {e->G0, e->W0h, (double)e->cap, 0.0};
    for (int i = 0; i < 4; i++) {
        crvm__rcov_partials p = {0, 0, 0, 0, 0, 0};
        crvm_status st = finish_quantity(&qc, i, q0[i], eln_t, eln_u, rel_w, q, &p);
        if (st != CRVM_OK)
            return st;
        double v[6] = {p.value, p.d_alpha, p.d_x, p.d_c, p.d_log_e, p.d_e1};
        memcpy(out[i], v, sizeof v);
    }
    return CRVM_OK;
}

crvm_status crvm__rcov_engine_eval(const crvm__rcov_engine *e, const crvm__rcov_query *q,
                                   crvm__rcov_answer *answer)
{
    if (e == NULL || q == NULL || answer == NULL)
        return crvm__fail(CRVM_EINVAL, "retention prediction: engine, query or answer is NULL");
    if (q->group < 0 || (size_t)q->group >= e->groups || q->n < 0 || q->n > e->max_n ||
        !(q->lambda >= 0 && isfinite(q->lambda)) || !(isnan(q->e1) || (q->e1 >= 0 &&
        isfinite(q->e1))))
        return crvm__fail(CRVM_EINVAL, "retention prediction: query (group %d, n %d, Lambda %g, "
                          "e1 %g) out of range: group < %zu, 0 <= n <= %d, Lambda >= 0 and "
                          "finite, e1 NaN or >= 0 and finite", q->group, q->n, q->lambda, q->e1,
                          e->groups, e->max_n);
    const group_tab *gt = &e->tab[q->group];
    double a = gt->alpha, x = gt->beta + q->lambda, E = gt->E;
    size_t n = (size_t)q->n, H = (size_t)e->H;
    int future = isnan(q->e1);
    double e1 = future ? E * e->w[n + 1] : q->e1;
    double e1_c = future ? E * e->w_c[n + 1] : 0.0, e1_e = future ? e1 : 0.0;
    crvm__rcov_answer ans;

    /* Closed forms: survival over H and churn at the next renewal. F_c and
     * F_e hold e1 fixed; its own dependence is added through d_e1 below. */
    double r[4];
    double span = e->P[n + H] - e->P[n + 1], span_c = e->Pc[n + H] - e->Pc[n + 1];
    double F = e1 + E * span;
    beta_ratio(a, x, F, r);
    ans.survival = (crvm__rcov_partials){r[0], r[1], r[2], r[3] * E * span_c, r[3] * E * span,
                                         r[3]};
    double lr = beta_ratio(a, x, e1, r);
    ans.churn_next = (crvm__rcov_partials){-expm1(lr), -r[1], -r[2], 0.0, 0.0, -r[3]};

    /* Quadrature: first in the group's mode; a value far below its theta -> 0
     * limit (a subject all but sure to churn) loses the analytic mode's
     * accuracy to cancellation, and is then summed again with numerically
     * normalised weights, over the posterior's whole left tail. */
    double integ[4][6];
    crvm_status st = integrate(e, gt, q, x, e1, E * span_c, E * span, gt->numeric, integ);
    if (st == CRVM_EDOMAIN && !gt->numeric)
        st = integrate(e, gt, q, x, e1, E * span_c, E * span, 1, integ);
    if (st != CRVM_OK)
        return st;
    crvm__rcov_partials *outs[4] = {&ans.derl, &ans.derl_horizon, &ans.lifetime, &ans.at_risk};
    for (int i = 0; i < 4; i++)
        *outs[i] = (crvm__rcov_partials){integ[i][0], integ[i][1], integ[i][2], integ[i][3],
                                         integ[i][4], integ[i][5]};
    /* With e1 from the future assumption, e1 moves with c and ln E. */
    if (future) {
        crvm__rcov_partials *all[6] = {&ans.survival, &ans.churn_next, &ans.derl,
                                       &ans.derl_horizon, &ans.lifetime, &ans.at_risk};
        for (int i = 0; i < 6; i++) {
            all[i]->d_c += all[i]->d_e1 * e1_c;
            all[i]->d_log_e += all[i]->d_e1 * e1_e;
        }
    }
    *answer = ans;
    return CRVM_OK;
}
