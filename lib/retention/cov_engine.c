/* The prediction engine of the covariate retention model: its tables.
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
 * accuracy; G itself, small where churn is likely, obeys G_m = u^a_m (1 + d
 * G_{m+1}), also of positive terms, and is tabulated where the at-risk sum
 * needs it. They are differentiated in c and ln E alongside and tabulated
 * per group at fixed nodes in t = ln kappa, kappa = -ln(1 - theta), for
 * every n a query may have, the fields of one n side by side
 * (cov_engine.h); the top rows are summed directly. Each row also gets the
 * Taylor series of its fields in kappa (cov_series.c) and the moments of
 * the DERL's fields, and of every field a full query sums, below cuts near
 * its queries' posteriors (cov_left.c).
 * Survival over H and churn next are closed form (cov_query.c). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/special.h"
#include "retention/cov_engine.h"
#include "retention/cov_model.h"

/* Terms of a top-row sum are dropped once below e^-TOP_CUT. */
#define TOP_CUT 50.0
/* Longest discounted top sum accepted (discount rate >~ 2.5e-5 per period). */
#define MAX_TOP_TERMS 2000000
/* alpha from which the weights are normalised numerically. */
#define NUMERIC_ALPHA 5.0

void crvm__rcov_engine_free(crvm__rcov_engine *e)
{
    if (e == NULL)
        return;
    if (e->tab)
        for (size_t g = 0; g < e->groups; g++) {
            crvm__free(e->tab[g].mem);
            crvm__free(e->tab[g].field);
            crvm__free(e->tab[g].series);
            crvm__free(e->tab[g].tail);
            crvm__free(e->tab[g].left);
            crvm__free(e->tab[g].left_full);
        }
    crvm__free(e->tab);
    crvm__free(e->P);
    crvm__free(e->w);
    crvm__free(e);
}

/* ---- top rows -------------------------------------------------------------------- */

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

/* The complement, its derivatives in c and ln E, and the function itself
 * (out[3], total minus the complement or summed directly when small), three
 * ways, each without cancellation where it is used:
 * - kappa E dP_max <= 0.05: the moment series sum_r (-1)^(r+1) (kappa E)^r M_r / r!
 *   (16 terms: the rest is below 0.05^17 / 17!);
 * - when u^(E dP) decays fast: G = sum f^j u^(E dP_j) until negligible, and
 *   the complement total - G, used when G <= total / 2 (G only grows: the
 *   sum is abandoned as soon as it passes total / 2);
 * - otherwise the complement terms summed directly. */
static void top_sum(const crvm__rcov_engine *e, const crvm__rcov_gtab *gt, const top_spec *ts,
                    double kappa, double out[4])
{
    double kE = kappa * gt->E;
    size_t base = ts->base, terms = ts->terms;
    if (terms == 0) {
        out[0] = out[1] = out[2] = out[3] = 0.0;
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
        out[3] = ts->total - s;
        return;
    }
    double g = 0, gc = 0, ge = 0, fj = 1;
    for (size_t j = 0; j < terms; j++) {
        double dp = e->P[base + 1 + j] - e->P[base];
        double term = fj * exp(-kE * dp);
        g += term;
        gc -= term * kE * (e->Pc[base + 1 + j] - e->Pc[base]);
        ge -= term * kE * dp;
        if (term * (1 + kE * dp) < 1e-18 * ts->total || g > 0.5 * ts->total)
            break; /* negligible rest; or G too large to take the complement from */
        fj *= ts->f;
    }
    if (g <= 0.5 * ts->total) {
        out[0] = ts->total - g;
        out[1] = -gc;
        out[2] = -ge;
        out[3] = g;
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
    out[3] = ts->total - c;
}

/* One step of a complement recurrence at node kappa, row m, from next = row
 * m + 1: Q_m = (1 - u^a) Q0 + u^a f Q_{m+1} - [window K] u^a f^K (1 - u^far)
 * (fk = f^K, the same at every step),
 * and of the function itself, out[3] = u^a (1 + f next[3]) - [window K]
 * u^a f^K u^far (the oldest and smallest term of next[3] leaves the window,
 * so this loses at most a factor K / (K - 1)). */
static void recur(const crvm__rcov_engine *e, const crvm__rcov_gtab *gt, double kappa, size_t m,
                  double f, double q0, long window, double fk, const double next[4],
                  double out[4])
{
    double E = gt->E;
    double a = E * e->w[m + 1], a_c = E * e->w_c[m + 1];
    double ua = exp(-kappa * a), one_ua = -expm1(-kappa * a);
    double base = q0 - f * next[0]; /* d/da of the first two terms is kappa u^a base */
    out[0] = one_ua * q0 + ua * f * next[0];
    out[1] = ua * (kappa * a_c * base + f * next[1]);
    out[2] = ua * (kappa * a * base + f * next[2]);
    out[3] = ua * (1.0 + f * next[3]);
    if (window >= 0) {
        size_t far = m + 1 + (size_t)window;
        double dp = e->P[far] - e->P[m + 1], dpc = e->Pc[far] - e->Pc[m + 1];
        double ufar = exp(-kappa * E * dp), one_ufar = -expm1(-kappa * E * dp);
        double t = ua * fk * one_ufar;
        out[0] -= t;
        out[3] -= ua * fk * ufar;
        out[1] -= -kappa * a_c * t + ua * fk * kappa * E * dpc * ufar;
        out[2] -= -kappa * a * t + ua * fk * kappa * E * dp * ufar;
    }
}

/* ---- one group's tables ---------------------------------------------------------- */

static void put(crvm__rcov_gtab *gt, size_t n, int field, size_t k, double v)
{
    gt->field[(n * CRVM__FIELDS + (size_t)field) * gt->stride + CRVM__PAD + k] = v;
}

/* Every field of every row at node k. */
static void build_node(const crvm__rcov_engine *e, crvm__rcov_gtab *gt, const top_spec *tops,
                       size_t k)
{
    double kappa = gt->kappa[k];
    size_t H = (size_t)e->H, max_n = (size_t)e->max_n, rows_g = max_n + H;
    /* C and G from the top row down: row m is C_{n+1} of the query at n = m - 1
     * and G_{n+H} of the query at n = m - H. */
    double q[4], next[4];
    top_sum(e, gt, &tops[0], kappa, next);
    for (size_t m = rows_g;; m--) {
        if (m < rows_g) {
            recur(e, gt, kappa, m, e->d, e->G0, -1, 0.0, next, q);
            memcpy(next, q, sizeof q);
        }
        if (m <= max_n + 1) {
            put(gt, m - 1, CRVM__F_C, k, next[0]);
            put(gt, m - 1, CRVM__F_CC, k, next[1]);
            put(gt, m - 1, CRVM__F_CE, k, next[2]);
            put(gt, m - 1, CRVM__F_G1, k, next[3]);
        }
        if (m >= H && m - H <= max_n) {
            put(gt, m - H, CRVM__F_G, k, next[3]);
            put(gt, m - H, CRVM__F_GC, k, next[1]);
            put(gt, m - H, CRVM__F_GE, k, next[2]);
        }
        if (m == 1)
            break;
    }
    /* The windows: CW (H - 1 terms, discounted) and CL (cap - 1, not). */
    const long windows[2] = {e->H - 1, e->cap - 1};
    const double factors[2] = {e->d, 1.0}, q0s[2] = {e->W0w, (double)(e->cap - 1)};
    const int slot[2] = {CRVM__F_W, CRVM__F_L}, direct[2] = {CRVM__F_W1, CRVM__F_L1};
    for (int which = 0; which < 2; which++) {
        long win = windows[which];
        double fk = exp((double)win * log(factors[which]));
        top_sum(e, gt, &tops[1 + which], kappa, next);
        for (size_t m = max_n + 1;; m--) {
            if (m < max_n + 1) {
                if (win > 0)
                    recur(e, gt, kappa, m, factors[which], q0s[which], win, fk, next, q);
                else
                    q[0] = q[1] = q[2] = q[3] = 0.0;
                memcpy(next, q, sizeof q);
            }
            for (int j = 0; j < 3; j++)
                put(gt, m - 1, slot[which] + j, k, next[j]);
            put(gt, m - 1, direct[which], k, next[3]);
            if (m == 1)
                break;
        }
    }
    /* u to the exposure of the H - 1 periods after n + 1. */
    for (size_t n = 0; n <= max_n; n++) {
        double span = e->P[n + H] - e->P[n + 1];
        put(gt, n, CRVM__F_V, k, exp(-kappa * gt->E * span));
        put(gt, n, CRVM__F_V1, k, -expm1(-kappa * gt->E * span));
    }
}

static crvm_status build_group(const crvm__rcov_engine *e, crvm__rcov_gtab *gt,
                               const top_spec *tops, const crvm__rcov_moments *mo)
{
    double a = gt->alpha, b = gt->beta;
    gt->h = fmax(0.33 / sqrt(1.5 + 0.5 * a), fmin(0.22, 0.5 / sqrt(a)));
    gt->numeric = a >= NUMERIC_ALPHA;
    double t_hi = log((a + 50.0) / b) + 1.0;
    gt->t_lo = log(a / b) - 30.0 - 40.0 / (1.0 + a) - 10.0 / sqrt(fmax(a, 1.0));
    gt->K = (size_t)ceil((t_hi - gt->t_lo) / gt->h) + 1;
    gt->lga = crvm__lgamma(a);
    gt->psi_alpha = crvm__digamma(a);
    size_t K = gt->K, rows = (size_t)e->max_n + 1, S = gt->stride = K + 2 * CRVM__PAD;
    gt->mem = crvm__calloc(3 * S + 4 * rows, sizeof *gt->mem);
    gt->field = crvm__calloc(rows * CRVM__FIELDS * S, sizeof *gt->field);
    gt->series = crvm__calloc(rows * CRVM__FIELDS * CRVM__SERIES_LEN, sizeof *gt->series);
    gt->tail = crvm__calloc(K * CRVM__TAIL_STRIDE, sizeof *gt->tail);
    /* The left tables serve the queries whose weights are normalised
     * analytically. */
    if (!gt->numeric) {
        gt->left = crvm__calloc(rows * CRVM__LEFT_STRIDE, sizeof *gt->left);
        gt->left_full = crvm__calloc(rows * CRVM__FULL_STRIDE, sizeof *gt->left_full);
    }
    if (!gt->mem || !gt->field || !gt->series || !gt->tail ||
        (!gt->numeric && (!gt->left || !gt->left_full)))
        return crvm__nomem("the prediction tables");
    gt->kappa = gt->mem + CRVM__PAD;
    gt->lth = gt->kappa + S;
    gt->phi = gt->lth + S;
    gt->rho = gt->phi + S - CRVM__PAD;
    gt->rho_derl = gt->rho + rows;
    gt->left_k = gt->rho_derl + rows;
    gt->full_k = gt->left_k + rows;
    for (long k = -CRVM__PAD; k < (long)(K + CRVM__PAD); k++) {
        double t = gt->t_lo + (double)k * gt->h;
        gt->kappa[k] = exp(t);
        gt->lth[k] = crvm__log1mexp(-gt->kappa[k]);
        gt->phi[k] = (a - 1.0) * gt->lth[k] + t;
        if (k >= 0 && k < (long)K)
            build_node(e, gt, tops, (size_t)k);
    }
    crvm__rcov_group_series(e, mo, gt);
    crvm__rcov_left_tables(e, gt);
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
    e->d_h = exp((double)horizon * log(d));
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
    crvm__rcov_moments *mo = NULL;
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
    /* The top row's moments for the series: M_0 = the number of terms'
     * weight, M_r, and MC_s = mc[s + 1]. */
    double top_m[CRVM__TAIL_ORDER + 2], top_mc[CRVM__TAIL_ORDER + 2];
    top_m[0] = tops[0].total;
    for (int r = 0; r < CRVM__TAIL_ORDER + 2; r++) {
        if (r > 0)
            top_m[r] = tops[0].m[r];
        top_mc[r] = tops[0].mc[r + 1];
    }
    if ((st = crvm__rcov_moments_new(e, top_m, top_mc, &mo)) != CRVM_OK)
        goto fail;
    for (size_t g = 0; g < G; g++) {
        crvm__rcov_gtab *gt = &e->tab[g];
        gt->alpha = model->params[2 * g];
        gt->beta = model->params[2 * g + 1];
        double lm = log_multiplier ? log_multiplier[g] : 0.0;
        gt->E = exp(lm);
        if (!(isfinite(lm) && gt->E > 0 && isfinite(gt->E))) {
            st = crvm__fail(CRVM_EDOMAIN, "%s: log_multiplier[%zu] = %g: exp of it must be "
                            "positive and finite", who, g, lm);
            goto fail;
        }
        if ((st = build_group(e, gt, tops, mo)) != CRVM_OK)
            goto fail;
    }
    crvm__rcov_moments_free(mo);
    *out = e;
    return CRVM_OK;
fail:
    crvm__rcov_moments_free(mo);
    crvm__rcov_engine_free(e);
    return st;
}
