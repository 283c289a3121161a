/* survival.h: Kaplan–Meier, log-rank, concordance, Cox proportional hazards.
 * Result structs (crvm_logrank_result, crvm_cox_summary_stats,
 * crvm_fit_report) are passed in as proxy objects and filled by the call. */
CRVM_HANDLE(crvm_km, crvm_km_free)
CRVM_HANDLE(crvm_cox, crvm_cox_free)
CRVM_HANDLE(crvm_km_groups, crvm_km_groups_free)

/* crvm_km_groups_curve() lends a curve owned by the crvm_km_groups object:
 * the returned proxy does not own it (never freed through it; its thisown is
 * read-only), and keeps the groups object alive in its `_owner` attribute
 * for as long as the curve lives. */
%pythonappend crvm_km_groups_curve %{
    val._owner = groups
%}
%typemap(in, numinputs=0) const crvm_km **curve (const crvm_km *borrowed = NULL) {
    $1 = ($1_ltype)&borrowed; /* SWIG drops the const of the pointee */
}
%typemap(argout) const crvm_km **curve {
    $result = SWIG_Python_AppendOutput($result,
        SWIG_NewPointerObj(SWIG_as_voidptr((crvm_km *)*$1), $descriptor(crvm_km *), 0));
}

CRVM_IN_ARRAY(double, durations)
CRVM_IN_ARRAY(int32_t, events)
CRVM_IN_ARRAY(double, weights)
CRVM_IN_ARRAY(double, entry)
CRVM_IN_ARRAY(int32_t, groups)
CRVM_IN_ARRAY(int32_t, strata)
CRVM_IN_ARRAY(double, x)
CRVM_IN_ARRAY(double, t)
CRVM_IN_ARRAY(double, scores)
CRVM_IN_ARRAY(double, start)
CRVM_IN_ARRAY(double, stop)
%apply (const double *IN_ARRAY, size_t IN_LEN) { (const double *times, size_t times_len) }
CRVM_OUT_ARRAY(double, out)
CRVM_OUT_ARRAY(int32_t, out)
CRVM_OUT_ARRAY(double, times)
CRVM_OUT_ARRAY(double, cumulative_hazard)
CRVM_OUT_ARRAY(double, statistic)
CRVM_OUT_ARRAY(double, p_value)
%apply double *OUTPUT { double *quantile };
%apply double *OUTPUT { double *concordance };
%apply size_t *OUTPUT { size_t *size };

%include "crvm/survival.h"
