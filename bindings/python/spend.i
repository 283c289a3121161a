/* spend.h: the Gamma-Gamma spend model; clv.h: customer lifetime value.
 * crvm_txn_params comes from transactions.i. */
CRVM_IN_ARRAY(double, frequency)
CRVM_IN_ARRAY(double, recency)
CRVM_IN_ARRAY(double, T)
CRVM_IN_ARRAY(double, monetary_value)
CRVM_IN_ARRAY(double, weights)
CRVM_IN_ARRAY(double, spend_per_transaction)
CRVM_OUT_ARRAY(double, out)
CRVM_HANDLE(crvm_gamma_gamma_fit, crvm_gamma_gamma_fit_free)
%include "crvm/spend.h"
%include "crvm/clv.h"
