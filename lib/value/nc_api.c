/* The non-contractual models' own accessors (crvm/value.h "Non-contractual
 * models"). */
#include <string.h>

#include "core/error.h"
#include "value/noncontractual.h"
#include "value/value_internal.h"

static const char *const nc_columns[CRVM_VNC_COLUMNS] = {
    "frequency", "recency", "T", "mean_margin", "expected_margin", "p_alive", "expected_transactions"};

const char *crvm_value_nc_column_name(int c)
{
    return c >= 0 && c < CRVM_VNC_COLUMNS ? nc_columns[c] : NULL;
}

static crvm_status usable_nc(const crvm_value *v, const char *fn)
{
    crvm_status st = crvm__value_usable(v, fn);
    if (!st && !v->nc)
        st = crvm__fail(CRVM_ESTATE, "%s: the value's model is contractual (options.model): it has "
                        "no transaction model", fn);
    return st;
}

crvm_status crvm_value_nc_customers(const crvm_value *v, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_nc_customers";
    crvm_status st = usable_nc(v, fn);
    if (st)
        return st;
    const size_t n = v->panel.customers;
    if (!out || out_len != n * CRVM_VNC_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %zu rows x %d columns", fn, out_len,
                          n, CRVM_VNC_COLUMNS);
    const crvm__value_nc *nc = v->nc;
    for (size_t i = 0; i < n; i++) {
        double *r = out + i * CRVM_VNC_COLUMNS;
        memset(r, 0, CRVM_VNC_COLUMNS * sizeof *r);
        if (v->panel.status[i] != CRVM__VP_ACTIVE)
            continue;
        r[CRVM_VNC_FREQUENCY] = nc->x[i];
        r[CRVM_VNC_RECENCY] = nc->tx[i];
        r[CRVM_VNC_T] = nc->T[i];
        r[CRVM_VNC_MEAN_MARGIN] = nc->zbar[i];
        r[CRVM_VNC_EXPECTED_MARGIN] = nc->expected_margin[i];
        r[CRVM_VNC_P_ALIVE] = nc->p_alive[i];
        r[CRVM_VNC_EXPECTED_TRANSACTIONS] = nc->expected_txn[i];
    }
    return CRVM_OK;
}

crvm_status crvm_value_nc_model(const crvm_value *v, size_t group, double *params, size_t params_len,
                                double *cov, size_t cov_len)
{
    static const char fn[] = "crvm_value_nc_model";
    crvm_status st = usable_nc(v, fn);
    if (st)
        return st;
    if (!params || params_len != CRVM__NC_PARAMS || !cov ||
        cov_len != CRVM__NC_PARAMS * CRVM__NC_PARAMS)
        return crvm__fail(CRVM_EINVAL, "%s: params_len = %zu and cov_len = %zu: expected %d and %d", fn,
                          params_len, cov_len, CRVM__NC_PARAMS, CRVM__NC_PARAMS * CRVM__NC_PARAMS);
    if (group >= v->nc->groups)
        return crvm__fail(CRVM_EINVAL, "%s: group = %zu: the value has %zu (options.per_segment)", fn,
                          group, v->nc->groups);
    const size_t k = v->k, at = group * CRVM__NC_PARAMS;
    memcpy(params, v->params + at, CRVM__NC_PARAMS * sizeof *params);
    for (size_t j = 0; j < CRVM__NC_PARAMS; j++)
        memcpy(cov + j * CRVM__NC_PARAMS, v->cov + (at + j) * k + at, CRVM__NC_PARAMS * sizeof *cov);
    return CRVM_OK;
}
