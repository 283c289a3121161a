/* value.h: the relationship value model. The pythonic class is
 * crvm/value.py (crvm.ValueModel). */
CRVM_HANDLE(crvm_value, crvm_value_free)
CRVM_HANDLE(crvm_value_rows, crvm_value_rows_free)
CRVM_OUT_STRUCT(crvm_value_info, out)

/* crvm_value_retention_model() lends the model owned by the value: the proxy
 * does not own it, and crvm.ValueModel keeps the value alive beside it. */
%typemap(in, numinputs=0) const crvm_retention_cov **out (const crvm_retention_cov *borrowed = NULL) {
    $1 = ($1_ltype)&borrowed;
}
%typemap(argout) const crvm_retention_cov **out {
    $result = SWIG_Python_AppendOutput($result,
        SWIG_NewPointerObj(SWIG_as_voidptr((crvm_retention_cov *)*$1), $descriptor(crvm_retention_cov *), 0));
}

/* Text written into a caller buffer becomes a returned str (labels are ids,
 * drivers a line of text). */
%typemap(in, numinputs=0) (char *buf, size_t buf_len) (char text[1024]) {
    text[0] = '\0';
    $1 = text;
    $2 = sizeof text;
}
%typemap(argout) (char *buf, size_t buf_len) {
    $result = SWIG_Python_AppendOutput($result, PyUnicode_FromString($1));
}

/* The P&L knowledge calls read an estimate (ledger.i makes the one
 * crvm_knowledge_estimate_from_stats() writes a returned proxy). */
%typemap(in) const crvm_knowledge_estimate *estimate (void *argp = 0, int res = 0) {
    res = SWIG_ConvertPtr($input, &argp, $descriptor(crvm_knowledge_estimate *), 0);
    if (!SWIG_IsOK(res))
        SWIG_exception_fail(SWIG_ArgError(res), "estimate must be a crvm_knowledge_estimate");
    $1 = ($1_ltype)argp;
}
%typemap(argout) const crvm_knowledge_estimate *estimate ""
%typemap(freearg) const crvm_knowledge_estimate *estimate ""
CRVM_IN_ARRAY(double, sums)

CRVM_IN_ARRAY(int32_t, group)
CRVM_IN_ARRAY(int32_t, group_count)
CRVM_OUT_ARRAY(double, impact)
CRVM_OUT_ARRAY(double, score)
CRVM_OUT_ARRAY(int32_t, subject_group)
CRVM_OUT_ARRAY(int32_t, row_subject)
CRVM_OUT_ARRAY(int32_t, row_period)
CRVM_OUT_ARRAY(int32_t, row_event)
CRVM_OUT_ARRAY(double, z)
CRVM_OUT_ARRAY(double, params)
CRVM_OUT_ARRAY(double, cov)
CRVM_OUT_ARRAY(int32_t, row_recent)
CRVM_IN_ARRAY(int32_t, segment_group)
CRVM_IN_ARRAY(int32_t, covariates)
CRVM_IN_ARRAY(int32_t, future_group)
CRVM_IN_ARRAY(double, future_z)
CRVM_IN_ARRAY(double, future_count)
CRVM_IN_ARRAY(double, gradient)
CRVM_IN_ARRAY(double, lines)
%apply (int32_t *OUT_ARRAY, size_t OUT_LEN) { (int32_t *group, size_t group_len) }
%apply size_t *OUTPUT { size_t *subjects, size_t *covariates, size_t *groups, size_t *count, size_t *row_count };

/* "from" is a Python keyword: the scenario's window is from_date, until_date. */
%rename(from_date) crvm_scenario::from;
%rename(until_date) crvm_scenario::until;

/* Drivers come back as a list of (covariate, amount, periods_ago, multiplier). */
%ignore crvm_value_drivers;

%include "crvm/value.h"

/* It builds Python objects: it must hold the GIL (the module releases it
 * around C calls, -threads). */
%nothread crvm_py_value_drivers;
%inline %{
PyObject *crvm_py_value_drivers(const crvm_value *value, size_t customer)
{
    crvm_value_driver d[16];
    size_t count = 0;
    crvm_status st = crvm_value_drivers(value, customer, d, 16, &count);
    if (st != CRVM_OK) {
        crvm_py_raise(st);
        return NULL;
    }
    PyObject *list = PyList_New((Py_ssize_t)count);
    for (size_t i = 0; list != NULL && i < count; i++) {
        PyObject *t = Py_BuildValue("(idid)", d[i].covariate, d[i].amount, d[i].periods_ago,
                                    d[i].multiplier);
        if (t == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return list;
}
%}
