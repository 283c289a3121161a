/* spend.h: the Gamma-Gamma spend model. */
CRVM_IN_ARRAY(double, frequency)
CRVM_IN_ARRAY(double, monetary_value)
CRVM_IN_ARRAY(double, weights)
CRVM_OUT_ARRAY(double, out)
CRVM_HANDLE(crvm_gamma_gamma_fit, crvm_gamma_gamma_fit_free)
%include "crvm/spend.h"
