/* retention_cov.h: the sBG/BdW with proportional-hazards covariates. The
 * pythonic class lives in crvm/retention_cov.py. */
CRVM_HANDLE(crvm_retention_cov, crvm_retention_cov_free)
CRVM_IN_ARRAY(int32_t, subject_group)
CRVM_IN_ARRAY(int32_t, row_subject)
CRVM_IN_ARRAY(int32_t, row_period)
CRVM_IN_ARRAY(int32_t, row_event)
CRVM_IN_ARRAY(double, z)
CRVM_IN_ARRAY(double, subject_weight)
CRVM_IN_ARRAY(double, params)
CRVM_IN_ARRAY(double, covariance)
CRVM_IN_ARRAY(double, future_z)
CRVM_OUT_ARRAY(double, gradient)
%apply double *OUTPUT { double *log_likelihood };
%apply size_t *OUTPUT { size_t *groups, size_t *covariates };
%include "crvm/retention_cov.h"
