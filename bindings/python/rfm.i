/* rfm.h: RFM summaries from a transaction log.
 * crvm_rfm_summary() takes a struct of output column pointers, which SWIG
 * cannot fill from Python buffers; crvm_py_rfm_summary() below takes each
 * column as a buffer instead (a zero-length buffer for a column not wanted)
 * and forwards. */
%ignore crvm_rfm_summary;
%ignore crvm_rfm_columns;
CRVM_IN_ARRAY(int64_t, customer)
CRVM_IN_ARRAY(double, time)
CRVM_IN_ARRAY(double, amount)
CRVM_OUT_ARRAY(double, frequency)
CRVM_OUT_ARRAY(double, recency)
CRVM_OUT_ARRAY(double, T)
CRVM_OUT_ARRAY(double, monetary_value)
CRVM_OUT_ARRAY(double, frequency_holdout)
CRVM_OUT_ARRAY(double, monetary_value_holdout)
CRVM_OUT_ARRAY(int64_t, n_transactions)
CRVM_IN_ARRAY(int64_t, id)
CRVM_OUT_ARRAY(int64_t, index)
CRVM_OUT_ARRAY(int64_t, unique_ids)
%apply size_t *OUTPUT { size_t *n_unique };
%include "crvm/rfm.h"

%{
/* The library's private error recorder (linked in statically), so that a
 * length mismatch reads like every other crvm error. */
crvm_status crvm__fail(crvm_status status, const char *fmt, ...);
%}

%inline %{
/* One customer per element of frequency; every other column is either empty
 * (not computed) or as long as frequency. */
crvm_status crvm_py_rfm_summary(const int64_t *customer, size_t customer_len,
                                const double *time, size_t time_len,
                                const double *amount, size_t amount_len,
                                const crvm_rfm_options *options,
                                double *frequency, size_t frequency_len,
                                double *recency, size_t recency_len,
                                double *T, size_t T_len,
                                double *monetary_value, size_t monetary_value_len,
                                double *frequency_holdout, size_t frequency_holdout_len,
                                double *monetary_value_holdout, size_t monetary_value_holdout_len,
                                int64_t *n_transactions, size_t n_transactions_len,
                                crvm_rfm_info *info)
{
    size_t n = frequency_len;
    size_t lens[6] = {recency_len, T_len, monetary_value_len, frequency_holdout_len,
                      monetary_value_holdout_len, n_transactions_len};
    static const char *names[6] = {"recency", "T", "monetary_value", "frequency_holdout",
                                   "monetary_value_holdout", "n_transactions"};
    for (int k = 0; k < 6; k++) {
        if (lens[k] != 0 && lens[k] != n)
            return crvm__fail(CRVM_EINVAL, "%s_len = %zu: expected 0 or frequency_len = %zu",
                              names[k], lens[k], n);
    }
    crvm_rfm_columns cols;
    cols.length = n;
    cols.frequency = frequency;
    cols.recency = recency_len ? recency : NULL;
    cols.T = T_len ? T : NULL;
    cols.monetary_value = monetary_value_len ? monetary_value : NULL;
    cols.frequency_holdout = frequency_holdout_len ? frequency_holdout : NULL;
    cols.monetary_value_holdout = monetary_value_holdout_len ? monetary_value_holdout : NULL;
    cols.n_transactions = n_transactions_len ? n_transactions : NULL;
    return crvm_rfm_summary(customer, customer_len, time, time_len, amount, amount_len, options,
                            &cols, info);
}
%}
