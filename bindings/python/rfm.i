/* rfm.h: RFM summaries from a transaction log.
 * crvm_rfm_summary() takes a struct of output column pointers, which SWIG
 * cannot fill from Python buffers; Python calls crvm_rfm_summary_arrays(),
 * which takes each column as its own buffer (a zero-length buffer for a
 * column not wanted). */
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
