/* The Cox option of the value layer (cox.h; docs/value.md "Cox option").
 *
 * The Breslow baseline of segment g gives the hazard increment h_g(s) of
 * each renewal s for a customer at the covariate means; for covariates z the
 * probability of making renewal s is exp(-h_g(s) exp(b'(z - zbar))), so with
 * h_g(s) rescaled by exp(-b'zbar) it is exp(-h_g(s) e_s), e_s = exp(b'z_s)
 * the value's exposure with c = 1. Past the last renewal observed in the
 * segment, h_g is the mean of its last 12 observed increments. Future
 * periods have e = E_g (the future assumption), so every quantity follows
 * from backward recurrences over s per segment:
 *
 *   T_m = sum_{i>=0} d^i exp(-E sum_{k=1}^{i+1} h(m+k)) = u_{m+1} (1 + d T_{m+1}),
 *   W_m = sum_{j<K} exp(-E (Hc(m+j) - Hc(m)))        (the capped lifetime, K = cap)
 *
 * with u_s = exp(-E h(s)), d the discount factor and Hc the cumulative h. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/survival.h"
#include "ledger/ledger_internal.h"
#include "value/cox.h"
#include "value/value_internal.h"

/* Per segment: h over renewals 1..rows (the tail constant beyond), and the tables. */
typedef struct cox_segment {
    double *h;        /* [rows + 1] h[s], s = 1..rows; h[0] unused */
    double tail;      /* h beyond the observed renewals */
    double *T, *dT;   /* [rows + 2]: T_m and d T_m / d ln E, m = 0..rows + 1 */
    double *W;        /* [rows + 2]: W_m for the lifetime cap */
    double *Hc;       /* [rows + 2]: cumulative h */
    double E;
} cox_segment;

struct crvm__value_cox {
    size_t segments, rows, M; /* rows: renewals of h given; M: renewals of the tables */
    double discount;       /* factor 1 / (1 + rate) */
    int horizon, cap;
    cox_segment *seg;
    double *block;
};

void crvm__value_cox_free(crvm__value_cox *c)
{
    if (!c)
        return;
    for (size_t g = 0; c->seg && g < c->segments; g++)
        crvm__free(c->seg[g].T);
    crvm__free(c->block);
    crvm__free(c->seg);
    crvm__free(c);
}

static double h_at(const cox_segment *s, size_t rows, size_t t)
{
    return t <= rows ? s->h[t] : s->tail;
}

crvm_status crvm__value_cox_fit(crvm_value *v, double **params_out, double **cov_out,
                                crvm__value_cox **out)
{
    static const char fn[] = "crvm_value_fit";
    const crvm__vpanel *pn = &v->panel;
    const size_t R = pn->rows, p = v->p, G = v->segments, k = v->k;
    if (p == 0)
        return crvm__fail(CRVM_EDOMAIN, "%s: the Cox option needs support covariates (options.covariates "
                          "= 1, and covariates that vary)", fn);
    double *x = crvm__malloc((R * p + 1) * sizeof *x), *start = crvm__malloc((2 * R + 1) * sizeof *start);
    int32_t *event = crvm__malloc((2 * R + 1) * sizeof *event);
    double *params = crvm__calloc(k, sizeof *params), *cov = crvm__calloc(k * k, sizeof *cov);
    crvm__value_cox *c = crvm__calloc(1, sizeof *c);
    crvm_cox *cox = NULL;
    crvm_status st = x && start && event && params && cov && c ? CRVM_OK : crvm__nomem("Cox option");
    double *stop = start + R;
    int32_t *strata = event + R;
    for (size_t i = 0; i < pn->customers && !st; i++)
        for (int32_t s = 1; s <= pn->periods[i]; s++) {
            size_t r = pn->first_row[i] + (size_t)(s - 1);
            memcpy(x + r * p, v->pattern_z + (size_t)pn->row_pattern[r] * p, p * sizeof *x);
            start[r] = s - 1;
            stop[r] = s;
            event[r] = s == pn->periods[i] && pn->churned[i];
            strata[r] = (int32_t)v->ledger->cust_segment[i];
        }
    crvm_cox_options co = CRVM_COX_OPTIONS_INIT;
    co.ties = CRVM_TIES_BRESLOW;
    if (!st)
        st = crvm_cox_fit_intervals(x, R * p, R, p, start, R, stop, R, event, R, NULL, 0, strata, R, &co,
                                    &cox, &v->report);
    crvm__free(x);
    crvm__free(start);
    crvm__free(event);
    /* Coefficients, their covariance and means; the baselines. */
    double *b = params + 2 * G + 1, mean[CRVM__Z_CANDIDATES], bcov[CRVM__Z_CANDIDATES * CRVM__Z_CANDIDATES];
    if (!st && (st = crvm_cox_statistic(cox, CRVM_COX_COEF, b, p)) == CRVM_OK &&
        (st = crvm_cox_statistic(cox, CRVM_COX_MEAN, mean, p)) == CRVM_OK)
        st = crvm_cox_covariance(cox, 0, bcov, p * p);
    size_t max_t = (size_t)v->max_n;
    if (!st) {
        for (size_t g = 0; g < G; g++)
            params[2 * g] = params[2 * g + 1] = 1;
        params[2 * G] = 1;
        for (size_t a = 0; a < p; a++)
            for (size_t bb = 0; bb < p; bb++)
                cov[(2 * G + 1 + a) * k + 2 * G + 1 + bb] = bcov[a * p + bb];
        c->segments = G;
        c->seg = crvm__calloc(G, sizeof *c->seg);
        c->block = crvm__calloc(G * (max_t + 1) + 1, sizeof *c->block);
        if (!c->seg || !c->block)
            st = crvm__nomem("Cox option");
    }
    double shift = 0; /* b'zbar: the baseline is for the covariate means */
    for (size_t j = 0; j < p && !st; j++)
        shift += b[j] * mean[j];
    for (size_t g = 0; g < G && !st; g++) {
        cox_segment *s = &c->seg[g];
        s->h = c->block + g * (max_t + 1);
        size_t m;
        if (crvm_cox_baseline_size(cox, (int32_t)g, &m) != CRVM_OK || m == 0) {
            st = crvm__fail(CRVM_EDOMAIN, "%s: Cox option: segment %s has no churn in the data", fn,
                            crvm_ledger_id(v->ledger, CRVM_SEGMENTS, g));
            break;
        }
        double *t = crvm__malloc(2 * m * sizeof *t);
        if (!t) {
            st = crvm__nomem("Cox baseline");
            break;
        }
        st = crvm_cox_baseline(cox, (int32_t)g, t, m, t + m, m);
        double last = 0;
        size_t observed = 0;
        for (size_t e = 0; e < m && !st; e++) {
            size_t at = (size_t)llround(t[e]);
            if (at >= 1 && at <= max_t) {
                s->h[at] = (t[m + e] - last) * exp(-shift);
                observed = at > observed ? at : observed;
            }
            last = t[m + e];
        }
        crvm__free(t);
        /* The tail: the mean increment over the last 12 observed renewals. */
        size_t from = observed > 12 ? observed - 11 : 1;
        double sum = 0;
        for (size_t a = from; a <= observed; a++)
            sum += s->h[a];
        s->tail = sum / (double)(observed - from + 1);
        for (size_t a = observed + 1; a <= max_t; a++)
            s->h[a] = s->tail;
    }
    crvm_cox_free(cox);
    if (st) {
        crvm__free(params);
        crvm__free(cov);
        crvm__value_cox_free(c);
        return st;
    }
    c->rows = max_t;
    *params_out = params;
    *cov_out = cov;
    *out = c;
    return CRVM_OK;
}

crvm_status crvm__value_cox_tables(crvm__value_cox *c, int max_n, int horizon, double discount,
                                   int lifetime_cap, const double *log_e)
{
    const size_t observed = c->rows, M = (size_t)max_n + (size_t)horizon + 2, K = (size_t)lifetime_cap;
    c->horizon = horizon;
    c->cap = lifetime_cap;
    c->discount = 1.0 / (1.0 + discount);
    const double d = c->discount;
    for (size_t g = 0; g < c->segments; g++) {
        cox_segment *s = &c->seg[g];
        s->T = crvm__malloc(4 * (M + 1) * sizeof *s->T);
        if (!s->T)
            return crvm__nomem("Cox tables");
        s->dT = s->T + (M + 1);
        s->W = s->dT + (M + 1);
        s->Hc = s->W + (M + 1);
        s->E = log_e ? exp(log_e[g]) : 1.0;
        const double E = s->E;
        s->Hc[0] = 0;
        for (size_t m = 1; m <= M; m++)
            s->Hc[m] = s->Hc[m - 1] + h_at(s, observed, m);
        /* Beyond M the hazard is the tail: T and its derivative in closed form. */
        double u = exp(-E * s->tail), du = -E * s->tail * u;
        double Tn = u / (1 - d * u), dTn = du / ((1 - d * u) * (1 - d * u));
        for (size_t m = M + 1; m-- > 0;) {
            if (m < M) {
                double um = exp(-E * h_at(s, observed, m + 1)), dum = -E * h_at(s, observed, m + 1) * um;
                double nT = um * (1 + d * Tn), ndT = dum * (1 + d * Tn) + um * d * dTn;
                Tn = nT;
                dTn = ndT;
            }
            s->T[m] = Tn;
            s->dT[m] = dTn;
        }
        /* W_m = sum_{j<K} exp(-E (Hc(m+j) - Hc(m))), summed directly (no derivative needed). */
        for (size_t m = 0; m <= M; m++) {
            double w = 0, acc = 0;
            for (size_t j = 0; j < K; j++) {
                w += exp(-E * acc);
                acc += h_at(s, observed, m + j + 1);
            }
            s->W[m] = w;
        }
    }
    c->M = M;
    return CRVM_OK;
}

void crvm__value_cox_eval(const crvm__value_cox *c, const crvm__rcov_query *q, crvm__rcov_answer *a)
{
    const cox_segment *s = &c->seg[q->group];
    const size_t n = (size_t)q->n, H = (size_t)c->horizon;
    const double d = c->discount, E = s->E, h1 = h_at(s, c->rows, n + 1);
    const int future = isnan(q->e1);
    const double e1 = future ? E : q->e1, u1 = exp(-h1 * e1), dH = pow(d, (double)H);
    memset(a, 0, sizeof *a);
    /* d/d ln E of the first period's survival, when it takes the future exposure. */
    const double lnE1 = future ? -h1 * E : 0.0;
    double derl = u1 * (1 + d * s->T[n + 1]);
    a->derl.value = derl;
    a->derl.d_e1 = future ? 0 : -h1 * derl;
    a->derl.d_log_e = u1 * d * s->dT[n + 1] + lnE1 * derl;
    double span = s->Hc[n + H] - s->Hc[n + 1], surv = u1 * exp(-E * span);
    a->survival.value = surv;
    a->survival.d_e1 = future ? 0 : -h1 * surv;
    a->survival.d_log_e = (-E * span + lnE1) * surv;
    a->churn_next.value = -expm1(-h1 * e1);
    a->churn_next.d_e1 = future ? 0 : h1 * u1;
    a->churn_next.d_log_e = -lnE1 * u1;
    a->lifetime.value = u1 * s->W[n + 1];
    double sum = 0, f = 1;
    for (size_t j = 0; j < H; j++, f *= d)
        sum += f * u1 * exp(-E * (s->Hc[n + 1 + j] - s->Hc[n + 1]));
    a->derl_horizon.value = sum;
    double held = (1 - dH) / (1 - d) + dH * s->T[n + H];
    a->at_risk.value = held - derl;
    a->at_risk.d_e1 = -a->derl.d_e1;
    a->at_risk.d_log_e = dH * s->dT[n + H] - a->derl.d_log_e;
}
