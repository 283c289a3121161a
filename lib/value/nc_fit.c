/* Fitting the non-contractual models of the value layer (noncontractual.h):
 * per group, the transaction model on the buyers' summaries and Gamma-Gamma
 * on the repeat buyers' mean margins; their covariances form the diagonal
 * blocks of the parameters' covariance (the two likelihoods share no
 * parameter, so the information matrix is block-diagonal). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/spend.h"
#include "ledger/ledger_internal.h"
#include "value/noncontractual.h"
#include "value/value_internal.h"

static const char fn[] = "crvm_value_fit";

size_t crvm__nc_group(const crvm_value *v, size_t i)
{
    return v->nc->groups > 1 ? v->ledger->cust_segment[i] : 0;
}

/* "" or " (segment S)" for messages. */
static void group_name(const crvm_value *v, size_t g, char *buf, size_t len)
{
    buf[0] = '\0';
    if (v->nc->groups > 1)
        snprintf(buf, len, " (segment %s)", crvm_ledger_id(v->ledger, CRVM_SEGMENTS, g));
}

/* Re-raise the callee's failure with what was being fitted. */
static crvm_status wrap(crvm_status st, const char *what, const char *group)
{
    char why[256];
    snprintf(why, sizeof why, "%s", crvm_last_error());
    return crvm__fail(st, "%s: %s fit%s: %s", fn, what, group, why);
}

typedef struct columns {
    double *x, *tx, *T, *gx, *gz; /* buyers; repeat buyers with a positive mean margin */
} columns;

static crvm_status fit_group(crvm_value *v, size_t g, columns *c, double *params, double *cov)
{
    const crvm__value_nc *nc = v->nc;
    const size_t n = v->ledger->customer_ids.count;
    size_t m = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        if (!nc->buyer[i] || crvm__nc_group(v, i) != g)
            continue;
        c->x[m] = nc->x[i];
        c->tx[m] = nc->tx[i];
        c->T[m++] = nc->T[i];
        if (nc->x[i] > 0 && nc->zbar[i] > 0) {
            c->gx[r] = nc->x[i];
            c->gz[r++] = nc->zbar[i];
        }
    }
    char group[160];
    group_name(v, g, group, sizeof group);
    if (!m)
        return crvm__fail(CRVM_EDOMAIN, "%s: no customer with a purchase%s", fn, group);
    if (!r)
        return crvm__fail(CRVM_EDOMAIN, "%s: no repeat customer with a positive mean margin%s: the "
                          "Gamma-Gamma spend model cannot be fitted", fn, group);
    const char *what = crvm_txn_model_name(nc->model);
    crvm_txn_fit *tf = NULL;
    crvm_status st = crvm_txn_fit_new(nc->model, c->x, m, c->tx, m, c->T, m, NULL, 0, NULL, &tf);
    crvm_txn_params tp;
    double tcov[16];
    if (!st && !(st = crvm_txn_fit_params(tf, &tp)))
        st = crvm_txn_fit_covariance(tf, tcov, 16);
    if (!st && g == 0)
        st = crvm_txn_fit_report(tf, &v->report);
    crvm_txn_fit_free(tf);
    if (st)
        return wrap(st, what, group);
    crvm_gamma_gamma_fit *gf = NULL;
    crvm_gamma_gamma_params gp;
    double gcov[9];
    what = "Gamma-Gamma";
    st = crvm_gamma_gamma_fit_columns(c->gx, r, c->gz, r, NULL, 0, NULL, &gf, NULL);
    if (!st && !(st = crvm_gamma_gamma_fit_params(gf, &gp)))
        st = crvm_gamma_gamma_fit_covariance(gf, gcov, 9);
    crvm_gamma_gamma_fit_free(gf);
    if (st)
        return wrap(st, what, group);
    if (!(gp.q > 1))
        return crvm__fail(CRVM_EDOMAIN, "%s: Gamma-Gamma fit%s: q = %g <= 1: the expected margin per "
                          "transaction is infinite", fn, group, gp.q);
    const size_t k = v->k, at = g * CRVM__NC_PARAMS;
    for (int j = 0; j < CRVM__NC_TXN; j++) {
        params[j] = tp.p[j];
        for (int h = 0; h < CRVM__NC_TXN; h++)
            cov[(at + (size_t)j) * k + at + (size_t)h] = tcov[j * 4 + h];
    }
    params[4] = gp.p;
    params[5] = gp.q;
    params[6] = gp.v;
    for (int j = 0; j < 3; j++)
        for (int h = 0; h < 3; h++)
            cov[(at + 4 + (size_t)j) * k + at + 4 + (size_t)h] = gcov[j * 3 + h];
    return CRVM_OK;
}

crvm_status crvm__nc_fit(crvm_value *v)
{
    const size_t n = v->ledger->customer_ids.count, G = v->nc->groups;
    v->p = 0;
    v->k = G * CRVM__NC_PARAMS;
    v->own_params = crvm__calloc(v->k, sizeof *v->own_params);
    v->own_cov = crvm__calloc(v->k * v->k, sizeof *v->own_cov);
    columns c;
    double *block = crvm__malloc((5 * n + 1) * sizeof *block);
    if (!v->own_params || !v->own_cov || !block) {
        crvm__free(block);
        return crvm__nomem("non-contractual fit");
    }
    c.x = block;
    c.tx = c.x + n;
    c.T = c.tx + n;
    c.gx = c.T + n;
    c.gz = c.gx + n;
    crvm_status st = CRVM_OK;
    for (size_t g = 0; g < G && !st; g++)
        st = fit_group(v, g, &c, v->own_params + g * CRVM__NC_PARAMS, v->own_cov);
    crvm__free(block);
    v->params = v->own_params;
    v->cov = v->own_cov;
    return st;
}

void crvm__nc_free(crvm__value_nc *nc)
{
    if (!nc)
        return;
    crvm__free(nc->x);
    crvm__free(nc->tx);
    crvm__free(nc->T);
    crvm__free(nc->zbar);
    crvm__free(nc->expected_margin);
    crvm__free(nc->p_alive);
    crvm__free(nc->expected_txn);
    crvm__free(nc->buyer);
    crvm__free(nc);
}
