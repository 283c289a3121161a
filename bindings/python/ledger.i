/* ledger.h and economics.h: the customer ledger, the cost model and the
 * economics computed from them. The pythonic layer is crvm/ledger.py. */

%{
#include <math.h>
%}

CRVM_HANDLE(crvm_ledger, crvm_ledger_free)
CRVM_HANDLE(crvm_rejections, crvm_rejections_free)

/* A struct filled through an out-pointer becomes a returned proxy object. */
%define CRVM_OUT_STRUCT(TYPE, NAME)
%typemap(in, numinputs=0) TYPE *NAME (TYPE *tmp = NULL) {
    tmp = (TYPE *)calloc(1, sizeof(TYPE));
    if (tmp == NULL) {
        PyErr_NoMemory();
        SWIG_fail;
    }
    $1 = tmp;
}
%typemap(argout) TYPE *NAME {
    $result = SWIG_Python_AppendOutput($result,
        SWIG_NewPointerObj(SWIG_as_voidptr($1), $1_descriptor, SWIG_POINTER_OWN));
    tmp$argnum = NULL;
}
%typemap(freearg) TYPE *NAME {
    free(tmp$argnum);
}
%enddef

CRVM_OUT_STRUCT(crvm_ledger_stats, out)
CRVM_OUT_STRUCT_COPY(crvm_rejection, out, {offsetof(crvm_rejection, reason)})
CRVM_OUT_STRUCT(crvm_assumption, out)
CRVM_OUT_STRUCT(crvm_knowledge_estimate, estimate)

/* Scalar out-parameters become return values. */
%apply int32_t *OUTPUT { crvm_date *out };
%apply int *OUTPUT { int *year, int *month, int *day };
%apply int *OUTPUT { int *out };
%apply size_t *OUTPUT { size_t *index };
%apply size_t *OUTPUT { size_t *attribute };
%apply size_t *OUTPUT { size_t *value };

/* String columns. */
CRVM_IN_STRINGS(ids)
CRVM_IN_STRINGS(segments)
CRVM_IN_STRINGS(customer_ids)
CRVM_IN_STRINGS(contact_ids)
CRVM_IN_STRINGS(article_ids)
CRVM_IN_STRINGS(source_contact_ids)
CRVM_IN_STRINGS(values)

/* Date and integer columns (crvm_date is int32_t). */
%apply (const int32_t *IN_ARRAY, size_t IN_LEN) {
    (const crvm_date *start, size_t start_len), (const crvm_date *end, size_t end_len),
    (const crvm_date *dates, size_t dates_len), (const crvm_date *opened, size_t opened_len),
    (const crvm_date *closed, size_t closed_len), (const crvm_date *created, size_t created_len)
}
CRVM_IN_ARRAY(int32_t, streams)
CRVM_IN_ARRAY(int32_t, channels)
CRVM_IN_ARRAY(int32_t, tiers)
CRVM_IN_ARRAY(int32_t, escalated)
CRVM_IN_ARRAY(int32_t, outcomes)
CRVM_IN_ARRAY(int32_t, kinds)
CRVM_IN_ARRAY(int32_t, resolved)
CRVM_IN_ARRAY(double, amounts)
CRVM_IN_ARRAY(double, handle_minutes)
CRVM_IN_ARRAY(double, satisfaction)
CRVM_IN_ARRAY(double, authoring_hours)
CRVM_IN_ARRAY(double, maintenance_hours)
CRVM_IN_ARRAY(double, stats)

/* Output columns and matrices. */
CRVM_OUT_ARRAY(double, out)
CRVM_OUT_ARRAY(int32_t, periods)
CRVM_OUT_ARRAY(int32_t, churned)
CRVM_OUT_ARRAY(int32_t, segment)
CRVM_OUT_ARRAY(int32_t, customer)
%apply size_t *OUTPUT { size_t *rows };
%apply (int32_t *OUT_ARRAY, size_t OUT_LEN) {
    (crvm_date *start, size_t start_len), (crvm_date *end, size_t end_len),
    (crvm_date *opened, size_t opened_len), (crvm_date *closed, size_t closed_len),
    (crvm_date *date, size_t date_len)
}
/* Contact and revenue columns, attribute value indices. */
CRVM_OUT_ARRAY(int32_t, channel)
CRVM_OUT_ARRAY(double, handle_minutes)
CRVM_OUT_ARRAY(int32_t, tier)
CRVM_OUT_ARRAY(int32_t, escalated)
CRVM_OUT_ARRAY(int32_t, outcome)
CRVM_OUT_ARRAY(double, satisfaction)
CRVM_OUT_ARRAY(double, amount)
CRVM_OUT_ARRAY(int32_t, stream)
CRVM_OUT_ARRAY(int32_t, source_contact)
CRVM_OUT_ARRAY(int32_t, value)

/* Text parsing and formatting are done in Python (pandas / numpy). */
%ignore crvm_date_parse;
%ignore crvm_date_format;
%ignore crvm_stream_parse;
%ignore crvm_channel_parse;
%ignore crvm_outcome_parse;
%ignore crvm_use_kind_parse;

/* A rejection's status is data, not a failure of the getter. */
%typemap(out) crvm_status status {
    $result = PyLong_FromLong((long)$1);
}

/* Results are read-only in Python. */
%immutable crvm_rejection::field;
%immutable crvm_rejection::reason;
%immutable crvm_assumption::name;
%immutable crvm_assumption::unit;
%immutable crvm_assumption::source;

%include "crvm/ledger.h"
%include "crvm/economics.h"

/* The cost model's arrays are reached through crvm_cost_model_set and
 * crvm_cost_model_assumption; give Python a constructor that starts from
 * the defaults. */
%newobject crvm_py_cost_model_defaults;
%inline %{
crvm_cost_model *crvm_py_cost_model_defaults(void)
{
    crvm_cost_model *m = (crvm_cost_model *)calloc(1, sizeof *m);
    if (m)
        crvm_cost_model_init_defaults(m);
    return m;
}
%}
