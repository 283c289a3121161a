/* The retention model seen from one customer: exposures, engine queries and
 * the delta method (value_internal.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "value/value_internal.h"

void crvm__value_exposure(const crvm_value *v, size_t i, int32_t n, double *lambda, double *d_c,
                          double *d_b)
{
    const size_t p = v->p;
    const uint32_t *row = v->panel.row_pattern + v->panel.first_row[i];
    double L = 0, Lc = 0;
    for (size_t j = 0; j < p; j++)
        d_b[j] = 0;
    for (int32_t s = 1; s <= n; s++) {
        uint32_t q = row[s - 1];
        double e = v->pattern_e[q], we = v->w[s] * e;
        L += we;
        Lc += v->dw[s] * e;
        const double *z = v->pattern_z + (size_t)q * p;
        for (size_t j = 0; j < p; j++)
            d_b[j] += we * z[j];
    }
    *lambda = L;
    *d_c = Lc;
}

void crvm__value_set_period(const crvm_value *v, crvm__vquery *q, const double *zc)
{
    const double *b = v->params + 2 * v->segments + 1;
    double eta = 0;
    for (size_t j = 0; j < v->p; j++)
        eta += b[j] * zc[v->candidate[j]];
    double e = exp(eta);
    memcpy(q->z1, zc, sizeof q->z1);
    q->e1 = v->w[q->n + 1] * e;
    q->e1_c = v->dw[q->n + 1] * e;
}

void crvm__value_customer_key(const crvm_value *v, size_t i, double *lambda, double *e1)
{
    /* The operations of crvm__value_customer_query() without the
     * derivatives, in the same order: the same bits. */
    const int32_t n = v->panel.periods[i];
    const uint32_t *row = v->panel.row_pattern + v->panel.first_row[i];
    double L = 0;
    for (int32_t s = 1; s <= n; s++)
        L += v->w[s] * v->pattern_e[row[s - 1]];
    const crvm__vpattern *q = &v->panel.pattern[v->panel.current[i]];
    const double *b = v->params + 2 * v->segments + 1;
    double eta = 0;
    for (size_t j = 0; j < v->p; j++)
        eta += b[j] * (double)q->z[v->candidate[j]];
    *lambda = L;
    *e1 = v->w[n + 1] * exp(eta);
}

void crvm__value_customer_query(const crvm_value *v, size_t i, crvm__vquery *q)
{
    q->segment = v->ledger->cust_segment[i];
    q->n = v->panel.periods[i];
    crvm__value_exposure(v, i, q->n, &q->lambda, &q->lambda_c, q->lambda_b);
    double zc[CRVM__Z_CANDIDATES];
    crvm__value_pattern_z(&v->panel.pattern[v->panel.current[i]], zc);
    crvm__value_set_period(v, q, zc);
}

/* The engine's failure, with the customer named. */
static crvm_status name_customer(const crvm_value *v, crvm_status st, size_t customer)
{
    char why[256];
    snprintf(why, sizeof why, "%s", crvm_last_error());
    return crvm__fail(st, "customer %s: %s", crvm_ledger_id(v->ledger, CRVM_TABLE_CUSTOMERS, customer), why);
}

crvm_status crvm__value_eval(const crvm_value *v, const crvm__vquery *q, size_t customer,
                             crvm__rcov_answer *a)
{
    crvm__rcov_query rq = {(int)q->segment, (int)q->n, q->lambda, q->e1};
    if (v->cox) {
        crvm__value_cox_eval(v->cox, &rq, a);
        return CRVM_OK;
    }
    crvm_status st = crvm__rcov_engine_eval(v->engine, &rq, a);
    return st ? name_customer(v, st, customer) : CRVM_OK;
}

crvm_status crvm__value_eval_derl(const crvm_value *v, const crvm__vquery *q, size_t customer,
                                  crvm__rcov_partials *derl)
{
    crvm__rcov_query rq = {(int)q->segment, (int)q->n, q->lambda, q->e1};
    if (v->cox) {
        crvm__rcov_answer a;
        crvm__value_cox_eval(v->cox, &rq, &a);
        *derl = a.derl;
        return CRVM_OK;
    }
    crvm_status st = crvm__rcov_engine_derl(v->engine, &rq, derl);
    return st ? name_customer(v, st, customer) : CRVM_OK;
}

void crvm__value_gradient(const crvm_value *v, const crvm__vquery *q, const crvm__rcov_partials *f,
                          double *grad)
{
    const size_t G = v->segments, c = 2 * G;
    memset(grad, 0, v->k * sizeof *grad);
    grad[2 * q->segment] = f->d_alpha;
    grad[2 * q->segment + 1] = f->d_x;
    grad[c] = f->d_c + f->d_x * q->lambda_c + f->d_e1 * q->e1_c;
    const double *dlog_e = v->dlog_e + q->segment * v->p;
    for (size_t j = 0; j < v->p; j++)
        grad[c + 1 + j] = f->d_x * q->lambda_b[j] + f->d_e1 * q->e1 * q->z1[v->candidate[j]] +
                          f->d_log_e * dlog_e[j];
}

double crvm__value_variance(const crvm_value *v, const double *grad)
{
    /* The gradient of one customer's figure is zero outside its segment's
     * alpha and beta, c and b; sums over segments are not, so use all. */
    return crvm__delta_variance(v->cov, v->k, grad);
}

void crvm__value_segment_cov(const crvm_value *v, size_t segment, double *t)
{
    const size_t k = v->k, w = 3 + v->p, c = 2 * v->segments, a0 = 2 * segment;
    for (size_t a = 0; a < w; a++)
        for (size_t b = 0; b < w; b++)
            t[b * w + a] = v->cov[(a < 2 ? a0 + a : c + a - 2) * k + (b < 2 ? a0 + b : c + b - 2)];
}

void crvm__value_compact_gradient(const crvm_value *v, size_t segment, const double *grad, double *g)
{
    g[0] = grad[2 * segment];
    g[1] = grad[2 * segment + 1];
    for (size_t j = 0; j < 1 + v->p; j++)
        g[2 + j] = grad[2 * v->segments + j];
}

double crvm__value_compact_variance(const double *t, size_t w, const double *g)
{
    /* The w inner sums side by side (vectorised across a), each in the order
     * b = 0, 1, ...: the same operations as one sum at a time. */
    double s[3 + CRVM__Z_CANDIDATES];
    for (size_t a = 0; a < w; a++)
        s[a] = t[a] * g[0];
    for (size_t b = 1; b < w; b++)
        for (size_t a = 0; a < w; a++)
            s[a] += t[b * w + a] * g[b];
    double var = 0;
    for (size_t a = 0; a < w; a++)
        if (g[a] != 0)
            var += g[a] * s[a];
    return var > 0 ? var : 0;
}

double crvm__delta_variance(const double *cov, size_t k, const double *grad)
{
    double var = 0;
    for (size_t a = 0; a < k; a++) {
        if (grad[a] == 0)
            continue;
        const double *row = cov + a * k;
        double s = 0;
        for (size_t b = 0; b < k; b++)
            s += row[b] * grad[b];
        var += grad[a] * s;
    }
    return var > 0 ? var : 0;
}
