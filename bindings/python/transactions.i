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

%include "crvm/transactions.h"
