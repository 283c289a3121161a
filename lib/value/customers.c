/* Every active customer's figures and their segment roll-ups (crvm/value.h):
 * one engine query per customer (a repeated query answered once:
 * repeats.h), the delta method for its intervals and the gradient of each
 * segment sum for theirs. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "ledger/ledger_internal.h"
#include "core/money.h"
#include "value/repeats.h"
#include "value/value_internal.h"

enum { SUM_RETAINED, SUM_RV, SUM_VAR, SUMS };

/* The gradient of a sum over one segment's customers is zero outside its
 * alpha and beta, c and b: it is kept compact, as those 3 + p values. */
typedef struct eval_ctx {
    crvm_value *v;
    size_t slots, width, stride; /* width = 3 + p; per slot: segments x SUMS x width, then scratch */
    double *slot;                /* slots x stride */
    double *retained;            /* slots x segments: sums of retention probabilities */
    double *grad_total;          /* segments x SUMS x width, in block order */
    double *cov_t;               /* segments x width x width: crvm__value_segment_cov */
    double *retained_total;      /* segments */
    crvm__vrepeats repeats;
} eval_ctx;

static void candidate_z(const crvm__vpattern *q, double *zc)
{
    for (int j = 0; j < CRVM__Z_CANDIDATES; j++)
        zc[j] = q->z[j];
}

void crvm__value_pattern_z(const crvm__vpattern *q, double *zc) { candidate_z(q, zc); }

static crvm_status eval_block(void *ctx, size_t worker, size_t slot, size_t begin, size_t end)
{
    (void)worker;
    eval_ctx *c = ctx;
    crvm_value *v = c->v;
    const size_t k = v->k, G = v->segments, W = c->width;
    double *acc = c->slot + slot * c->stride, *retained = c->retained + slot * G;
    double *grad = acc + G * SUMS * W, *lambda_b = grad + k;
    memset(acc, 0, G * SUMS * W * sizeof *acc);
    memset(retained, 0, G * sizeof *retained);
    for (size_t i = begin; i < end; i++) {
        if (v->panel.status[i] != CRVM__VP_ACTIVE)
            continue;
        crvm__vquery q;
        q.lambda_b = lambda_b;
        crvm__value_customer_query(v, i, &q);
        const crvm__rcov_answer *known = crvm__vrepeats_get(&c->repeats, v->active_index[i], &q);
        crvm__rcov_answer a;
        if (known) {
            a = *known;
        } else {
            crvm_status st = crvm__value_eval(v, &q, i, &a);
            if (st)
                return st;
        }
        crvm__vfig *f = &v->fig[v->active_index[i]];
        const double m = (double)(v->gm[i] - v->cts[i]);
        f->retention = a.survival.value;
        f->churn_next = a.churn_next.value;
        f->lifetime = a.lifetime.value;
        f->derl = a.derl.value;
        f->risk = q.e1 / v->w[q.n + 1];
        if (!crvm__cents_round(m * a.derl.value, &f->rv) || !crvm__cents_round(m * a.at_risk.value, &f->var))
            return crvm__fail(CRVM_EDOMAIN, "customer %s: its residual value passes 9.0e13 currency units",
                              crvm_ledger_id(v->ledger, CRVM_TABLE_CUSTOMERS, i));
        const crvm__rcov_partials *part[SUMS] = {&a.survival, &a.derl, &a.at_risk};
        const double scale[SUMS] = {1.0, m, m};
        double se[SUMS];
        for (int s = 0; s < SUMS; s++) {
            crvm__value_gradient(v, &q, part[s], grad);
            double g[3 + CRVM__Z_CANDIDATES];
            crvm__value_compact_gradient(v, q.segment, grad, g);
            se[s] = fabs(scale[s]) * sqrt(crvm__value_compact_variance(c->cov_t + q.segment * W * W, W, g));
            double *to = acc + (q.segment * SUMS + (size_t)s) * W;
            for (size_t j = 0; j < W; j++)
                to[j] += scale[s] * g[j];
        }
        double p = f->retention;
        f->retention_se = p > 0 && p < 1 ? se[SUM_RETAINED] / (p * (1 - p)) : 0.0;
        f->rv_se = se[SUM_RV];
        f->var_se = se[SUM_VAR];
        retained[q.segment] += p;
    }
    return CRVM_OK;
}

static crvm_status eval_reduce(void *ctx, size_t slot)
{
    eval_ctx *c = ctx;
    const size_t G = c->v->segments, n = G * SUMS * c->width;
    const double *acc = c->slot + slot * c->stride, *retained = c->retained + slot * G;
    for (size_t j = 0; j < n; j++)
        c->grad_total[j] += acc[j];
    for (size_t g = 0; g < G; g++)
        c->retained_total[g] += retained[g];
    return CRVM_OK;
}

/* The full gradient of sum s over segment g (g = segments: the whole base). */
static void expand(const crvm_value *v, const eval_ctx *c, size_t g, int s, double *grad)
{
    const size_t G = v->segments, W = c->width;
    memset(grad, 0, v->k * sizeof *grad);
    for (size_t h = 0; h < G; h++) {
        if (g != G && h != g)
            continue;
        const double *x = c->grad_total + (h * SUMS + (size_t)s) * W;
        grad[2 * h] = x[0];
        grad[2 * h + 1] = x[1];
        for (size_t j = 2; j < W; j++)
            grad[2 * G + j - 2] += x[j];
    }
}

int crvm__value_segment_cents(crvm_value *v, int64_t *cents)
{
    const size_t G = v->segments, C = CRVM_VS_COLUMNS;
    int ok = 1;
    memset(cents, 0, 3 * (G + 1) * sizeof *cents);
    memset(v->seg, 0, (G + 1) * C * sizeof *v->seg);
    for (size_t i = 0; i < v->panel.customers; i++) {
        if (v->panel.status[i] != CRVM__VP_ACTIVE)
            continue;
        const crvm__vfig *f = &v->fig[v->active_index[i]];
        const size_t rows[2] = {v->ledger->cust_segment[i], G};
        for (int r = 0; r < 2; r++) {
            int64_t *x = cents + 3 * rows[r];
            v->seg[rows[r] * C + CRVM_VS_CUSTOMERS] += 1;
            ok &= crvm__cents_add(&x[0], v->gm[i] - v->cts[i]) & crvm__cents_add(&x[1], f->rv) &
                  crvm__cents_add(&x[2], f->var);
        }
    }
    return ok;
}

/* lower and upper of x +- z se, in cents, as currency units. */
static void money_interval(double cents, double se, double z, double *lower, double *upper)
{
    *lower = (double)crvm__llround(cents - z * se) / 100.0;
    *upper = (double)crvm__llround(cents + z * se) / 100.0;
}

void crvm__value_segment_row(crvm_value *v, size_t g, const int64_t *cents, double retained,
                             const double *se)
{
    double *row = v->seg + g * CRVM_VS_COLUMNS, z = v->set.z;
    const int64_t *x = cents + 3 * g;
    row[CRVM_VS_CONTRIBUTION] = (double)x[0] / 100.0;
    row[CRVM_VS_EXPECTED_RETAINED] = retained;
    row[CRVM_VS_EXPECTED_RETAINED_LOWER] = retained - z * se[0];
    row[CRVM_VS_EXPECTED_RETAINED_UPPER] = retained + z * se[0];
    row[CRVM_VS_RESIDUAL_VALUE] = (double)x[1] / 100.0;
    money_interval((double)x[1], se[1], z, &row[CRVM_VS_RESIDUAL_VALUE_LOWER],
                   &row[CRVM_VS_RESIDUAL_VALUE_UPPER]);
    row[CRVM_VS_VALUE_AT_RISK] = (double)x[2] / 100.0;
    money_interval((double)x[2], se[2], z, &row[CRVM_VS_VALUE_AT_RISK_LOWER],
                   &row[CRVM_VS_VALUE_AT_RISK_UPPER]);
}

static crvm_status roll_up(crvm_value *v, const eval_ctx *c)
{
    const size_t G = v->segments;
    int64_t *cents = crvm__malloc(3 * (G + 1) * sizeof *cents); /* contribution, rv, var */
    double *grad = crvm__malloc((v->k + 1) * sizeof *grad);
    if (!cents || !grad) {
        crvm__free(cents);
        crvm__free(grad);
        return crvm__nomem("segment roll-ups");
    }
    int ok = crvm__value_segment_cents(v, cents);
    double retained_all = 0;
    for (size_t g = 0; g < G; g++)
        retained_all += c->retained_total[g];
    for (size_t g = 0; g <= G && ok; g++) {
        double se[SUMS];
        for (int s = 0; s < SUMS; s++) {
            expand(v, c, g, s, grad);
            se[s] = sqrt(crvm__value_variance(v, grad));
        }
        crvm__value_segment_row(v, g, cents, g < G ? c->retained_total[g] : retained_all, se);
    }
    crvm__free(cents);
    crvm__free(grad);
    if (!ok)
        return crvm__fail(CRVM_EDOMAIN, "crvm_value_fit: a segment's residual value passes 9.0e13 "
                          "currency units (2^53 cents)");
    return CRVM_OK;
}

/* The engine's tables and the repeated queries' keys need the model, not
 * each other: with two threads or more the engine is built on the calling
 * thread (its errors are set there) while another finds the keys (on the
 * remaining threads); the tables were a serial stretch of the fit. */
typedef struct ready_ctx {
    crvm_value *v;
    crvm__vrepeats *repeats;
    crvm_status engine, keys;
} ready_ctx;

static void ready_part(void *vctx, size_t begin, size_t end)
{
    (void)end;
    ready_ctx *c = vctx;
    if (begin == 0)
        c->engine = crvm__value_engine_build(c->v);
    else
        c->keys = crvm__vrepeats_keys(c->v, c->v->opt.threads - 1, c->repeats);
}

static crvm_status engine_and_keys(crvm_value *v, crvm__vrepeats *repeats)
{
    if (crvm__value_threads(v->opt.threads) < 2) {
        crvm_status st = crvm__value_engine_build(v);
        return st ? st : crvm__vrepeats_keys(v, 1, repeats);
    }
    ready_ctx c = {v, repeats, CRVM_OK, CRVM_OK};
    crvm__parallel_for(2, 2, ready_part, &c);
    if (c.engine)
        return c.engine; /* the keys, if found, are freed with the rest */
    /* The keys' only failure, named again on this thread. */
    return c.keys ? crvm__nomem("the valuation's repeated queries") : CRVM_OK;
}

crvm_status crvm__value_evaluate(crvm_value *v)
{
    const size_t G = v->segments, k = v->k, n = v->panel.customers;
    eval_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.slots = crvm__value_slots(v->opt.threads);
    c.width = 3 + v->p;
    c.stride = G * SUMS * c.width + k + v->p + 1;
    c.slot = crvm__malloc(c.slots * c.stride * sizeof *c.slot);
    c.retained = crvm__malloc((c.slots * G + 1) * sizeof *c.retained);
    c.grad_total = crvm__calloc(G * SUMS * c.width + 1, sizeof *c.grad_total);
    c.retained_total = crvm__calloc(G + 1, sizeof *c.retained_total);
    c.cov_t = crvm__malloc((G * c.width * c.width + 1) * sizeof *c.cov_t);
    v->fig = crvm__calloc(v->active + 1, sizeof *v->fig);
    v->seg = crvm__calloc((G + 1) * CRVM_VS_COLUMNS, sizeof *v->seg);
    crvm_status st = CRVM_OK;
    if (!c.slot || !c.retained || !c.grad_total || !c.retained_total || !c.cov_t || !v->fig || !v->seg)
        st = crvm__nomem("customer values");
    for (size_t g = 0; !st && g < G; g++)
        crvm__value_segment_cov(v, g, c.cov_t + g * c.width * c.width);
    if (!st && !(st = engine_and_keys(v, &c.repeats)))
        crvm__vrepeats_answer(v, &c.repeats);
    if (!st)
        st = crvm__value_blocks_overlapped(v->opt.threads, n, eval_block, eval_reduce, &c);
    crvm__vrepeats_free(&c.repeats);
    if (!st)
        st = roll_up(v, &c);
    crvm__free(c.slot);
    crvm__free(c.retained);
    v->seg_grad = c.grad_total; /* kept for crvm_value_segment_gradients() */
    crvm__free(c.retained_total);
    crvm__free(c.cov_t);
    return st;
}
