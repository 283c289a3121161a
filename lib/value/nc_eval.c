/* Every active customer's figures under a non-contractual model
 * (noncontractual.h; docs/value.md "Non-contractual models"), their delta-
 * method intervals and the segment roll-ups.
 *
 * Given alive at T, the posterior of a customer is lambda ~ Gamma(r + x,
 * alpha + T) and, independently, p ~ Beta(a, b + x) (BG/NBD) or mu ~ Gamma(s,
 * beta + T) (Pareto/NBD); nu = p lambda or mu is its death rate. With P =
 * P(alive), continuous discounting at delta per day and h the horizon:
 *   D = DERT = P E[lambda / (delta + nu)]                 (crvm_txn_dert)
 *   L = P E[1 / (delta + nu)], discounted days alive:
 *       Pareto/NBD: D (alpha + T) / (r + x)  (lambda and mu independent);
 *       BG/NBD: (P / delta) (1 - E[p] E'[lambda / (delta + p lambda)]), the
 *       expectation E' under p ~ Beta(a + 1, b + x) (p Beta(a, B) =
 *       a / (a + B) Beta(a + 1, B)): the DERT of (r, alpha, a + 1, b) over
 *       its P(alive);
 *   R = P(alive at T + h) = P E[exp(-nu h)]:
 *       Pareto/NBD: P ((beta + T) / (beta + T + h))^s;
 *       BG/NBD: P 2F1(r + x, a; a + b + x; -h / (alpha + T)) (Euler's integral
 *       of E_p[(1 + p h / (alpha + T))^-(r + x)]);
 *   value at risk: with death ruled out in (T, T + h] and the posterior as it
 *   is now, transactions and days alive grow by
 *       dD = (1 - e^(-delta h)) (P E[lambda] / delta - D),
 *       dL = (1 - e^(-delta h)) (P / delta - L),
 *   for both models (the death process is memoryless given its rate).
 * Derivatives in the transaction parameters are forward differences (step
 * 1e-6 relative: truncation ~1e-6 of the derivative, rounding ~1e-7 where
 * the values are good to 1e-13; ample for an interval, at 5 evaluations a
 * customer rather than 9); those in the Gamma-Gamma parameters and in
 * E[lambda] are exact. Customers
 * are sorted by x so that each chunk's DERT rules (built per distinct x) are
 * few. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/money.h"
#include "ledger/ledger_internal.h"
#include "math/special.h"
#include "core/parallel.h"
#include "value/noncontractual.h"
#include "value/value_internal.h"

static const char fn[] = "crvm_value_fit";

enum { Q_P, Q_D, Q_L, Q_R, QN };          /* quantities of the transaction model */
enum { SUM_RETAINED, SUM_RV, SUM_VAR, SUMS };
enum { CHUNK = 65536 };
#define STEP 1e-6
/* 1 - E[p lambda / (delta + p lambda)] below this leaves fewer than 8 digits. */
#define MIN_SHARE 1e-5

typedef struct chunk {
    size_t m;
    uint32_t *who;             /* ledger customers */
    double *x, *tx, *T;        /* their summaries */
    double *q[QN];             /* at the fitted parameters */
    double *dq[QN][CRVM__NC_TXN]; /* derivatives */
    double *plus[QN], *aux[2]; /* scratch */
} chunk;

static crvm_status wrap(crvm_status st)
{
    char why[256];
    snprintf(why, sizeof why, "%s", crvm_last_error());
    return crvm__fail(st, "%s: %s", fn, why);
}

/* The four quantities of the chunk's customers at transaction parameters tp. */
static crvm_status quantities(const crvm_value *v, const crvm_txn_params *tp, const chunk *c, double **q)
{
    const crvm__value_nc *nc = v->nc;
    const size_t m = c->m;
    const double delta = nc->delta, h = nc->horizon_days;
    crvm_status st = crvm_txn_p_alive(tp, c->x, m, c->tx, m, c->T, m, q[Q_P], m);
    if (!st)
        st = crvm_txn_dert(tp, delta, c->x, m, c->tx, m, c->T, m, q[Q_D], m);
    if (st)
        return wrap(st);
    const double r = tp->p[0], alpha = tp->p[1];
    if (nc->model == CRVM_TXN_PARETO_NBD) {
        const double s = tp->p[2], beta = tp->p[3];
        for (size_t i = 0; i < m; i++) {
            q[Q_L][i] = q[Q_D][i] * (alpha + c->T[i]) / (r + c->x[i]);
            q[Q_R][i] = q[Q_P][i] * exp(-s * log1p(h / (beta + c->T[i])));
        }
        return CRVM_OK;
    }
    crvm_txn_params shifted = *tp;
    shifted.p[2] += 1;
    st = crvm_txn_p_alive(&shifted, c->x, m, c->tx, m, c->T, m, c->aux[0], m);
    if (!st)
        st = crvm_txn_dert(&shifted, delta, c->x, m, c->tx, m, c->T, m, c->aux[1], m);
    if (st)
        return wrap(st);
    const double a = tp->p[2], b = tp->p[3];
    for (size_t i = 0; i < m; i++) {
        const char *id = crvm_ledger_id(v->ledger, CRVM_TABLE_CUSTOMERS, c->who[i]);
        double x = c->x[i], share = 1 - a / (a + b + x) * c->aux[1][i] / c->aux[0][i];
        if (!(share >= MIN_SHARE))
            return crvm__fail(CRVM_EDOMAIN, "%s: customer %s: its discounted time alive cannot be "
                              "evaluated to 8 digits (death rate far above the discount rate)", fn, id);
        q[Q_L][i] = q[Q_P][i] * share / delta;
        double f;
        if (crvm__hyp2f1(r + x, a, a + b + x, -h / (alpha + c->T[i]), &f) || !(f >= 0 && f <= 1))
            return crvm__fail(CRVM_EDOMAIN, "%s: customer %s: P(alive at as_of + horizon) cannot be "
                              "evaluated to full accuracy", fn, id);
        q[Q_R][i] = q[Q_P][i] * f;
    }
    return CRVM_OK;
}

/* Values and forward-difference derivatives in the transaction parameters. */
static crvm_status differentiate(const crvm_value *v, const crvm_txn_params *tp, chunk *c)
{
    crvm_status st = quantities(v, tp, c, c->q);
    for (int j = 0; j < CRVM__NC_TXN && !st; j++) {
        crvm_txn_params up = *tp;
        up.p[j] += STEP * tp->p[j];
        if ((st = quantities(v, &up, c, c->plus)))
            break;
        const double step = up.p[j] - tp->p[j];
        for (int k = 0; k < QN; k++)
            for (size_t i = 0; i < c->m; i++)
                c->dq[k][j][i] = (c->plus[k][i] - c->q[k][i]) / step;
    }
    return st;
}

typedef struct sums {
    double *grad;     /* (segments + 1) x SUMS x k */
    double *retained; /* segments + 1 */
    double *g;        /* k scratch */
} sums;

/* One customer's figures from its chunk position. */
static crvm_status customer_figures(crvm_value *v, const chunk *c, size_t pos, sums *s)
{
    crvm__value_nc *nc = v->nc;
    const size_t i = c->who[pos], k = v->k, G = v->segments, at = crvm__nc_group(v, i) * CRVM__NC_PARAMS;
    const double *par = v->params + at;
    const double x = c->x[pos], zbar = nc->zbar[i], delta = nc->delta, dpp = nc->days_per_period;
    /* Gamma-Gamma E[M | x, zbar] and its gradient in (p, q, v). */
    const double gp = par[4], gq = par[5], gv = par[6], den = gp * x + gq - 1, num = gp * (gv + x * zbar);
    const double M = num / den, dM[3] = {(gv + x * zbar) / den - num * x / (den * den), -num / (den * den),
                                         gp / den};
    const double P = c->q[Q_P][pos], D = c->q[Q_D][pos], L = c->q[Q_L][pos], R = c->q[Q_R][pos];
    const double cost = (double)v->cts[i], f = -expm1(-delta * nc->horizon_days);
    const double A = par[1] + c->T[pos], El = (par[0] + x) / A, dEl[CRVM__NC_TXN] = {1 / A, -El / A, 0, 0};
    const double dD = f * (P * El / delta - D), dL = f * (P / delta - L);
    nc->expected_margin[i] = M;
    nc->p_alive[i] = P;
    crvm__vfig *fig = &v->fig[v->active_index[i]];
    fig->retention = R;
    fig->churn_next = 1 - P;
    fig->lifetime = L / dpp;
    fig->derl = D;
    fig->risk = 1;
    if (!crvm__cents_round(100 * M * D - cost * L / dpp, &fig->rv) ||
        !crvm__cents_round(100 * M * dD - cost * dL / dpp, &fig->var))
        return crvm__fail(CRVM_EDOMAIN, "%s: customer %s: its residual value passes 9.0e13 currency units",
                          fn, crvm_ledger_id(v->ledger, CRVM_TABLE_CUSTOMERS, i));
    double grad[SUMS][CRVM__NC_PARAMS];
    for (int j = 0; j < CRVM__NC_TXN; j++) {
        double dP = c->dq[Q_P][j][pos], dDj = c->dq[Q_D][j][pos], dLj = c->dq[Q_L][j][pos];
        grad[SUM_RETAINED][j] = c->dq[Q_R][j][pos];
        grad[SUM_RV][j] = 100 * M * dDj - cost * dLj / dpp;
        double ddD = f * ((dP * El + P * dEl[j]) / delta - dDj), ddL = f * (dP / delta - dLj);
        grad[SUM_VAR][j] = 100 * M * ddD - cost * ddL / dpp;
    }
    for (int j = 0; j < 3; j++) {
        grad[SUM_RETAINED][4 + j] = 0;
        grad[SUM_RV][4 + j] = 100 * D * dM[j];
        grad[SUM_VAR][4 + j] = 100 * dD * dM[j];
    }
    double se[SUMS];
    const size_t rows[2] = {v->ledger->cust_segment[i], G};
    for (int q = 0; q < SUMS; q++) {
        memset(s->g, 0, k * sizeof *s->g);
        memcpy(s->g + at, grad[q], sizeof grad[q]);
        se[q] = sqrt(crvm__value_variance(v, s->g));
        for (int r = 0; r < 2; r++) {
            double *to = s->grad + (rows[r] * SUMS + (size_t)q) * k + at;
            for (int j = 0; j < CRVM__NC_PARAMS; j++)
                to[j] += grad[q][j];
        }
    }
    fig->retention_se = R > 0 && R < 1 ? se[SUM_RETAINED] / (R * (1 - R)) : 0.0;
    fig->rv_se = se[SUM_RV];
    fig->var_se = se[SUM_VAR];
    s->retained[rows[0]] += R;
    s->retained[G] += R;
    return CRVM_OK;
}

static crvm_status run_chunk(crvm_value *v, chunk *c, sums *s)
{
    crvm__value_nc *nc = v->nc;
    for (size_t pos = 0; pos < c->m; pos++) {
        size_t i = c->who[pos];
        c->x[pos] = nc->x[i];
        c->tx[pos] = nc->tx[i];
        c->T[pos] = nc->T[i];
    }
    /* Customers of one group share parameters: the chunk is cut at groups. */
    const size_t g = crvm__nc_group(v, c->who[0]);
    crvm_txn_params tp = crvm_txn_params_make(nc->model, v->params[g * CRVM__NC_PARAMS],
                                              v->params[g * CRVM__NC_PARAMS + 1],
                                              v->params[g * CRVM__NC_PARAMS + 2],
                                              v->params[g * CRVM__NC_PARAMS + 3]);
    crvm_status st = differentiate(v, &tp, c);
    if (!st && (st = crvm_txn_expected_conditional(&tp, nc->horizon_days, c->x, c->m, c->tx, c->m, c->T,
                                                    c->m, c->plus[0], c->m)))
        st = wrap(st);
    if (st)
        return st;
    for (size_t pos = 0; pos < c->m; pos++)
        nc->expected_txn[c->who[pos]] = c->plus[0][pos];
    for (size_t pos = 0; pos < c->m && !st; pos++)
        st = customer_figures(v, c, pos, s);
    return st;
}

/* Active customers ordered by group, then x, then index. */
typedef struct order {
    uint32_t group, customer;
    double x;
} order;

static int by_group_x(const void *pa, const void *pb)
{
    const order *a = pa, *b = pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return a->customer < b->customer ? -1 : a->customer > b->customer;
}

static crvm_status roll_up(crvm_value *v, const sums *s)
{
    const size_t G = v->segments, k = v->k;
    int64_t *sum = crvm__malloc(3 * (G + 1) * sizeof *sum); /* contribution, rv, var */
    if (!sum)
        return crvm__nomem("segment roll-ups");
    int ok = crvm__value_segment_cents(v, sum);
    for (size_t g = 0; g <= G && ok; g++) {
        double se[SUMS];
        for (int q = 0; q < SUMS; q++)
            se[q] = sqrt(crvm__value_variance(v, s->grad + (g * SUMS + (size_t)q) * k));
        crvm__value_segment_row(v, g, sum, s->retained[g], se);
    }
    crvm__free(sum);
    if (!ok)
        return crvm__fail(CRVM_EDOMAIN, "%s: a segment's residual value passes 9.0e13 currency units "
                          "(2^53 cents)", fn);
    return CRVM_OK;
}

/* The chunks run on options.threads workers, each with its own scratch;
 * each chunk sums into its own slot, folded in chunk order afterwards, so
 * the results do not depend on the number of threads. */
typedef struct work {
    crvm_value *v;
    const order *ord;
    const size_t *bound;  /* chunk b holds ord[bound[b] .. bound[b + 1]) */
    size_t per, stride;   /* scratch doubles per chunk position; doubles per chunk's sums */
    double *scratch;      /* workers x (per x CHUNK + k) */
    uint32_t *who;        /* workers x CHUNK */
    double *partial;      /* chunks x stride */
    crvm_status *status;  /* chunks */
    char (*message)[256]; /* chunks */
} work;

static void run_block(void *ctx, size_t worker, size_t b)
{
    work *w = ctx;
    crvm_value *v = w->v;
    const size_t G = v->segments, k = v->k;
    chunk c;
    double *at = w->scratch + worker * (w->per * CHUNK + k);
    c.who = w->who + worker * CHUNK;
    c.m = w->bound[b + 1] - w->bound[b];
    for (size_t pos = 0; pos < c.m; pos++)
        c.who[pos] = w->ord[w->bound[b] + pos].customer;
    c.x = at, at += CHUNK;
    c.tx = at, at += CHUNK;
    c.T = at, at += CHUNK;
    for (int q = 0; q < QN; q++) {
        c.q[q] = at, at += CHUNK;
        c.plus[q] = at, at += CHUNK;
        for (int j = 0; j < CRVM__NC_TXN; j++)
            c.dq[q][j] = at, at += CHUNK;
    }
    c.aux[0] = at, at += CHUNK;
    c.aux[1] = at, at += CHUNK;
    sums s = {w->partial + b * w->stride, w->partial + b * w->stride + (G + 1) * SUMS * k, at};
    w->status[b] = run_chunk(v, &c, &s);
    if (w->status[b]) /* the message is the worker thread's: keep a copy */
        snprintf(w->message[b], sizeof w->message[b], "%s", crvm_last_error());
}

enum { MAX_WORKERS = 64 };

crvm_status crvm__nc_evaluate(crvm_value *v)
{
    const size_t n = v->panel.customers, G = v->segments, k = v->k, m = v->active;
    const size_t workers = v->opt.threads <= 1 ? 1 : v->opt.threads < MAX_WORKERS ? (size_t)v->opt.threads
                                                                                   : MAX_WORKERS;
    work w;
    memset(&w, 0, sizeof w);
    w.v = v;
    w.per = 3 + QN * (1 + CRVM__NC_TXN + 1) + 2;
    w.stride = (G + 1) * SUMS * k + G + 2;
    order *ord = crvm__malloc((m + 1) * sizeof *ord);
    size_t *bound = crvm__malloc((m / CHUNK + G + 2) * sizeof *bound), chunks = 0;
    w.scratch = crvm__malloc((workers * (w.per * CHUNK + k) + 1) * sizeof *w.scratch);
    w.who = crvm__malloc((workers * CHUNK + 1) * sizeof *w.who);
    sums s;
    s.grad = crvm__calloc(w.stride + 1, sizeof *s.grad);
    s.retained = s.grad + (G + 1) * SUMS * k;
    v->fig = crvm__calloc(m + 1, sizeof *v->fig);
    v->seg = crvm__calloc((G + 1) * CRVM_VS_COLUMNS, sizeof *v->seg);
    crvm_status st = CRVM_OK;
    if (!ord || !bound || !w.scratch || !w.who || !s.grad || !v->fig || !v->seg)
        st = crvm__nomem("customer values");
    size_t a = 0;
    for (size_t i = 0; i < n && !st; i++)
        if (v->panel.status[i] == CRVM__VP_ACTIVE)
            ord[a++] = (order){(uint32_t)crvm__nc_group(v, i), (uint32_t)i, v->nc->x[i]};
    if (!st) {
        qsort(ord, m, sizeof *ord, by_group_x);
        bound[0] = 0;
        for (size_t begin = 0; begin < m;) { /* chunks of one group, at most CHUNK long */
            size_t end = begin;
            while (end < m && end - begin < CHUNK && ord[end].group == ord[begin].group)
                end++;
            bound[++chunks] = begin = end;
        }
        w.ord = ord;
        w.bound = bound;
        w.partial = crvm__calloc(chunks * w.stride + 1, sizeof *w.partial);
        w.status = crvm__malloc((chunks + 1) * sizeof *w.status);
        w.message = crvm__malloc((chunks + 1) * sizeof *w.message);
        if (!w.partial || !w.status || !w.message)
            st = crvm__nomem("customer values");
    }
    if (!st)
        crvm__run_blocks(run_block, &w, chunks, (int)workers);
    for (size_t b = 0; b < chunks && !st; b++) {
        if (w.status[b]) {
            st = crvm__fail(w.status[b], "%s", w.message[b]);
            break;
        }
        for (size_t j = 0; j < w.stride; j++)
            s.grad[j] += w.partial[b * w.stride + j];
    }
    if (!st)
        st = roll_up(v, &s);
    crvm__free(ord);
    crvm__free(bound);
    crvm__free(w.scratch);
    crvm__free(w.who);
    crvm__free(w.partial);
    crvm__free(w.status);
    crvm__free(w.message);
    crvm__free(s.grad);
    return st;
}
