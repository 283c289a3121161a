/* retention.h: sBG and BdW retention models. The pythonic classes live in
 * crvm/retention.py. */
CRVM_HANDLE(crvm_retention_fit, crvm_retention_fit_free)
CRVM_IN_ARRAY(double, t)
CRVM_IN_ARRAY(double, renewals)
CRVM_IN_ARRAY(double, counts)
CRVM_IN_ARRAY(double, weights)
CRVM_IN_ARRAY(int32_t, cohort_lengths)
CRVM_IN_ARRAY(int32_t, periods)
CRVM_IN_ARRAY(int32_t, churned)
CRVM_OUT_ARRAY(double, out)
/* The single-value outputs: expected lifetime and the fitted model's kind. */
%apply double *OUTPUT { double *lifetime };
%apply int *OUTPUT { crvm_retention_kind *kind };
%include "crvm/retention.h"
