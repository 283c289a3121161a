/* Customer lifetime value (crvm/clv.h): lifetimes' monthly-step definition,
 * written from its documentation and checked against its output. */
#include "crvm/clv.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "spend/gamma_gamma_internal.h"
#include "transactions/increments.h"

void crvm_clv_options_init(crvm_clv_options *options)
{
    if (options) {
        crvm_clv_options d = CRVM_CLV_OPTIONS_INIT;
        *options = d;
    }
}

/* *o = *options, or the defaults for NULL, checked. */
static crvm_status read_options(const crvm_clv_options *options, crvm_clv_options *o)
{
    crvm_clv_options_init(o);
    if (options)
        *o = *options;
    if (o->horizon_months < 0 || o->horizon_months > CRVM_CLV_MAX_HORIZON_MONTHS)
        return crvm__fail(CRVM_EINVAL, "options->horizon_months = %d: must be in [0, %d]",
                          o->horizon_months, CRVM_CLV_MAX_HORIZON_MONTHS);
    if (!isfinite(o->discount_rate) || o->discount_rate <= -1)
        return crvm__fail(CRVM_EINVAL, "options->discount_rate = %g: must be finite and > -1",
                          o->discount_rate);
    if (!isfinite(o->units_per_month) || o->units_per_month <= 0)
        return crvm__fail(CRVM_EINVAL, "options->units_per_month = %g: must be finite and > 0",
                          o->units_per_month);
    if (!isfinite(o->margin))
        return crvm__fail(CRVM_EINVAL, "options->margin = %g: must be finite", o->margin);
    return CRVM_OK;
}

/* Sum of discounted monthly increments of expected purchases, times spend:
 * the twelve (or H) horizons in one call of the transaction model, which
 * checks the columns and computes P(alive) once. spend may alias nothing
 * the caller sees; out written only on success. */
static crvm_status clv_core(const crvm_txn_params *txn, const double *frequency, size_t n,
                            const double *recency, size_t recency_len, const double *T,
                            size_t T_len, const double *spend, const crvm_clv_options *o,
                            double *out, size_t out_len)
{
    if (!out && out_len)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if (out_len != n)
        return crvm__fail(CRVM_EINVAL, "out_len = %zu but frequency_len = %zu", out_len, n);
    crvm_status st = crvm_txn_params_check(txn);
    if (st != CRVM_OK)
        return st;
    size_t H = (size_t)o->horizon_months;
    double *buf = crvm__calloc(n + 2 * H + 1, sizeof *buf);
    if (!buf)
        return crvm__nomem("CLV buffers");
    double *acc = buf, *t = buf + n, *disc = t + H;
    for (size_t i = 0; i < H; i++) {
        t[i] = (double)(i + 1) * o->units_per_month;
        disc[i] = pow(1.0 + o->discount_rate, -(double)(i + 1));
    }
    /* the columns are checked even for a zero horizon */
    st = crvm__txn_expected_increments(txn, t, disc, H, frequency, n, recency, recency_len, T,
                                       T_len, acc, n);
    if (st == CRVM_OK) {
        for (size_t j = 0; j < n; j++) {
            double v = acc[j] * spend[j] * o->margin;
            if (!isfinite(v)) {
                st = crvm__fail(CRVM_EDOMAIN,
                                "customer %zu: CLV is not finite (expected purchases %g, spend %g)",
                                j, acc[j], spend[j]);
                break;
            }
        }
    }
    if (st == CRVM_OK)
        for (size_t j = 0; j < n; j++)
            out[j] = acc[j] * spend[j] * o->margin;
    crvm__free(buf);
    return st;
}

crvm_status crvm_clv_with_spend(const crvm_txn_params *transactions, const double *frequency,
                                size_t frequency_len, const double *recency, size_t recency_len,
                                const double *T, size_t T_len,
                                const double *spend_per_transaction,
                                size_t spend_per_transaction_len,
                                const crvm_clv_options *options, double *out, size_t out_len)
{
    crvm_clv_options o;
    crvm_status st = read_options(options, &o);
    if (st != CRVM_OK)
        return st;
    if (!spend_per_transaction && spend_per_transaction_len)
        return crvm__fail(CRVM_EINVAL, "spend_per_transaction is NULL");
    if (spend_per_transaction_len != frequency_len)
        return crvm__fail(CRVM_EINVAL,
                          "spend_per_transaction_len = %zu but frequency_len = %zu",
                          spend_per_transaction_len, frequency_len);
    for (size_t i = 0; i < spend_per_transaction_len; i++)
        if (!isfinite(spend_per_transaction[i]))
            return crvm__fail(CRVM_EINVAL, "spend_per_transaction[%zu] = %g: must be finite", i,
                              spend_per_transaction[i]);
    return clv_core(transactions, frequency, frequency_len, recency, recency_len, T, T_len,
                    spend_per_transaction, &o, out, out_len);
}

crvm_status crvm_clv(const crvm_txn_params *transactions, const crvm_gamma_gamma_params *spend,
                     const double *frequency, size_t frequency_len, const double *recency,
                     size_t recency_len, const double *T, size_t T_len,
                     const double *monetary_value, size_t monetary_value_len,
                     const crvm_clv_options *options, double *out, size_t out_len)
{
    crvm_clv_options o;
    crvm_status st = read_options(options, &o);
    if (st != CRVM_OK)
        return st;
    if (!out && out_len)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if (out_len != frequency_len)
        return crvm__fail(CRVM_EINVAL, "out_len = %zu but frequency_len = %zu", out_len,
                          frequency_len);
    double *s = crvm__malloc((frequency_len ? frequency_len : 1) * sizeof *s);
    if (!s)
        return crvm__nomem("CLV spend buffer");
    st = crvm_gamma_gamma_expected_spend(spend, frequency, frequency_len, monetary_value,
                                         monetary_value_len, s, frequency_len);
    if (st == CRVM_OK)
        st = clv_core(transactions, frequency, frequency_len, recency, recency_len, T, T_len, s,
                      &o, out, out_len);
    crvm__free(s);
    return st;
}
