/* transactions.h: repeat-business models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB). */
CRVM_IN_ARRAY(double, frequency)
CRVM_IN_ARRAY(double, recency)
CRVM_IN_ARRAY(double, T)
CRVM_IN_ARRAY(double, weights)
CRVM_IN_ARRAY(double, t)
CRVM_IN_ARRAY(double, n)
CRVM_OUT_ARRAY(double, out)
CRVM_HANDLE(crvm_txn_fit, crvm_txn_fit_free)

/* The parameter and start arrays inside the structs are reached through
 * these accessors (SWIG exposes C arrays in structs as bare pointers). */
%extend crvm_txn_params {
    double get(int k) {
        return (k >= 0 && k < CRVM_TXN_N_PARAMS) ? $self->p[k] : 0.0;
    }
    void set(int k, double v) {
        if (k >= 0 && k < CRVM_TXN_N_PARAMS)
            $self->p[k] = v;
    }
}
%extend crvm_txn_options {
    void set_start(int k, double v) {
        if (k >= 0 && k < CRVM_TXN_N_PARAMS)
            $self->start[k] = v;
    }
}

/* A function's params argument takes a crvm_txn_params object or the plain
 * tuple (model, p0, p1, p2, p3): the Python models keep their parameters as
 * that tuple, so that assigning them and a prediction create no SWIG proxy
 * (a proxy cost ~20 us of a 0.2 ms P(alive) call of 10^4 rows after a
 * garbage collection). */
%{
static int crvm_py_txn_params_tuple(PyObject *tuple, crvm_txn_params *out)
{
    if (PyTuple_GET_SIZE(tuple) != 1 + CRVM_TXN_N_PARAMS) {
        PyErr_SetString(PyExc_TypeError, "params: expected (model, p0, p1, p2, p3)");
        return 0;
    }
    long model = PyLong_AsLong(PyTuple_GET_ITEM(tuple, 0));
    if (model == -1 && PyErr_Occurred())
        return 0;
    out->model = (crvm_txn_model)model;
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        out->p[k] = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, 1 + k));
        if (out->p[k] == -1.0 && PyErr_Occurred())
            return 0;
    }
    return 1;
}
%}
%typemap(in) const crvm_txn_params *params (crvm_txn_params from_tuple, void *ptr = 0, int res = 0) {
    if (PyTuple_Check($input)) {
        if (!crvm_py_txn_params_tuple($input, &from_tuple))
            SWIG_fail;
        $1 = &from_tuple;
    } else {
        res = SWIG_ConvertPtr($input, &ptr, $descriptor, 0);
        if (!SWIG_IsOK(res))
            SWIG_exception_fail(SWIG_ArgError(res), "in method '$symname', argument $argnum of type '$type'");
        $1 = ($ltype)ptr;
    }
}

/* crvm_txn_fit_new returns CRVM_ECONVERGE together with a handle whose report
 * says converged = 0; raising would drop that handle, so Python gets the
 * handle and reads the report (the message stays in crvm_last_error()). */
%ignore crvm_txn_fit_new;
%rename(crvm_txn_fit_new) crvm_py_txn_fit_new;
%inline %{
crvm_status crvm_py_txn_fit_new(crvm_txn_model model, const double *frequency,
                                size_t frequency_len, const double *recency, size_t recency_len,
                                const double *T, size_t T_len, const double *weights,
                                size_t weights_len, const crvm_txn_options *options,
                                crvm_txn_fit **out)
{
    crvm_status st = crvm_txn_fit_new(model, frequency, frequency_len, recency, recency_len, T,
                                      T_len, weights, weights_len, options, out);
    return (st == CRVM_ECONVERGE && *out != NULL) ? CRVM_OK : st;
}
%}

/* crvm_txn_p_alive_new and crvm_txn_expected_conditional_new return an
 * array the library allocated: Python receives it as a Values object that
 * owns it (crvm_txn_values_free when the object goes) and exposes it
 * through the buffer protocol, so that np.frombuffer views it without a
 * copy and keeps it alive. The free function is not in the module. */
%ignore crvm_txn_p_alive_new;
%ignore crvm_txn_expected_conditional_new;
%ignore crvm_txn_values_free;
%{
typedef struct crvm_py_values {
    PyObject_HEAD
    double *values;
    Py_ssize_t n;
} crvm_py_values;

static void crvm_py_values_dealloc(PyObject *self)
{
    crvm_txn_values_free(((crvm_py_values *)self)->values);
    Py_TYPE(self)->tp_free(self);
}

static int crvm_py_values_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    crvm_py_values *v = (crvm_py_values *)self;
    return PyBuffer_FillInfo(view, self, v->values, v->n * (Py_ssize_t)sizeof(double), 0, flags);
}

static PyBufferProcs crvm_py_values_buffer = {crvm_py_values_getbuffer, NULL};

static PyTypeObject crvm_py_values_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crvm.lowlevel.Values",
    .tp_basicsize = sizeof(crvm_py_values),
    .tp_dealloc = crvm_py_values_dealloc,
    .tp_as_buffer = &crvm_py_values_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Values computed by crvm, owned by this object (a buffer of doubles)",
};

/* The status of a _new call as a Values object owning values (n of them),
 * or NULL with an exception (values then still the caller's to free) */
static PyObject *crvm_py_values_result(crvm_status st, double *values, size_t n)
{
    if (st != CRVM_OK) {
        crvm_py_raise(st);
        return NULL;
    }
    if (!(crvm_py_values_type.tp_flags & Py_TPFLAGS_READY) &&
        PyType_Ready(&crvm_py_values_type) < 0)
        return NULL;
    crvm_py_values *v = PyObject_New(crvm_py_values, &crvm_py_values_type);
    if (v == NULL)
        return NULL;
    v->values = values;
    v->n = (Py_ssize_t)n;
    return (PyObject *)v;
}
%}
%nothread crvm_py_txn_p_alive_new;
%nothread crvm_py_txn_expected_conditional_new;
%inline %{
PyObject *crvm_py_txn_p_alive_new(const crvm_txn_params *params, const double *frequency,
                                  size_t frequency_len, const double *recency, size_t recency_len,
                                  const double *T, size_t T_len)
{
    double *values = NULL;
    crvm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = crvm_txn_p_alive_new(params, frequency, frequency_len, recency, recency_len, T, T_len,
                              &values);
    Py_END_ALLOW_THREADS
    PyObject *result = crvm_py_values_result(st, values, frequency_len);
    if (result == NULL)
        crvm_txn_values_free(values);
    return result;
}

PyObject *crvm_py_txn_expected_conditional_new(const crvm_txn_params *params, double t,
                                               const double *frequency, size_t frequency_len,
                                               const double *recency, size_t recency_len,
                                               const double *T, size_t T_len)
{
    double *values = NULL;
    crvm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = crvm_txn_expected_conditional_new(params, t, frequency, frequency_len, recency,
                                           recency_len, T, T_len, &values);
    Py_END_ALLOW_THREADS
    PyObject *result = crvm_py_values_result(st, values, frequency_len);
    if (result == NULL)
        crvm_txn_values_free(values);
    return result;
}
%}

/* The pythonic models' P(alive) and conditional expectation in one step
 * for the common input, three 1-D native float64 buffers of one length
 * (what crvm._columns passes on unchanged): the columns' checks and the
 * call without the Python steps between them, which cost several us each
 * on a cold call (~50 us of a 0.2 ms call of 10^4 rows after the
 * benchmark's garbage collection). kind 0: P(alive), 1: the conditional
 * expectation over horizon t. None where a column is anything else (a
 * Series, a list, a scalar, another dtype, 2-D, strided), or the lengths
 * differ, or there are no rows: the caller then takes the general path,
 * whose errors and results are the reference. */
%{
/* 1 with *view held where obj is a 1-D C-contiguous buffer of native
 * doubles; else 0, nothing held and no exception */
static int crvm_py_double_column(PyObject *obj, Py_buffer *view)
{
    if (!PyObject_CheckBuffer(obj))
        return 0;
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
        PyErr_Clear();
        return 0;
    }
    if (view->ndim == 1 && view->itemsize == (Py_ssize_t)sizeof(double) &&
        crvm_py_format_kind(view->format) == 'f' &&
        (uintptr_t)view->buf % (uintptr_t)sizeof(double) == 0)
        return 1;
    PyBuffer_Release(view);
    return 0;
}
%}
%nothread crvm_py_txn_columns_new;
%inline %{
PyObject *crvm_py_txn_columns_new(int kind, const crvm_txn_params *params, double t,
                                  PyObject *frequency, PyObject *recency, PyObject *T)
{
    Py_buffer v[3];
    PyObject *cols[3] = {frequency, recency, T};
    int held = 0;
    while (held < 3 && crvm_py_double_column(cols[held], &v[held]))
        held++;
    PyObject *result = Py_None;
    if (held == 3 && v[0].len > 0 && v[1].len == v[0].len && v[2].len == v[0].len) {
        size_t n = (size_t)(v[0].len / (Py_ssize_t)sizeof(double));
        double *values = NULL;
        crvm_status st;
        Py_BEGIN_ALLOW_THREADS
        st = kind == 0 ? crvm_txn_p_alive_new(params, v[0].buf, n, v[1].buf, n, v[2].buf, n,
                                              &values)
                       : crvm_txn_expected_conditional_new(params, t, v[0].buf, n, v[1].buf, n,
                                                           v[2].buf, n, &values);
        Py_END_ALLOW_THREADS
        if ((result = crvm_py_values_result(st, values, n)) == NULL)
            crvm_txn_values_free(values);
    } else {
        Py_INCREF(result);
    }
    while (held > 0)
        PyBuffer_Release(&v[--held]);
    return result;
}
%}

%include "crvm/transactions.h"
