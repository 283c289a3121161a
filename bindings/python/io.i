/* io.i: the simulator (crvm/simulate.h) and the CSV loaders (crvm/io.h).
 * The pythonic layer is crvm/io.py. */

/* ---- simulate.h */
CRVM_HANDLE(crvm_sim_data, crvm_sim_data_free)
CRVM_OUT_ARRAY(int32_t, segment)
CRVM_OUT_ARRAY(double, theta)
CRVM_OUT_ARRAY(int32_t, lifetime)
CRVM_OUT_ARRAY(int32_t, churned)

/* Fixed-size array members are set and read through these methods. */
%ignore crvm_sim_options::segment_share;
%ignore crvm_sim_options::alpha;
%ignore crvm_sim_options::beta;
%ignore crvm_sim_options::price_median;
%ignore crvm_sim_options::contact_rate;
%ignore crvm_sim_options::outcome_factor;
%ignore crvm_sim_summary::outcome_count;
%extend crvm_sim_options {
    crvm_status set_segment(int g, double share, double alpha, double beta, double price_median,
                            double contact_rate) {
        if (g < 0 || g >= CRVM_SIM_SEGMENTS) {
            crvm_clear_error();
            return CRVM_EINVAL;
        }
        $self->segment_share[g] = share;
        $self->alpha[g] = alpha;
        $self->beta[g] = beta;
        $self->price_median[g] = price_median;
        $self->contact_rate[g] = contact_rate;
        return CRVM_OK;
    }
    double get_segment_value(int what, int g) {
        if (g < 0 || g >= CRVM_SIM_SEGMENTS)
            return 0.0 / 0.0;
        switch (what) {
        case 0: return $self->segment_share[g];
        case 1: return $self->alpha[g];
        case 2: return $self->beta[g];
        case 3: return $self->price_median[g];
        default: return $self->contact_rate[g];
        }
    }
    crvm_status set_outcome_factor(int k, double factor) {
        if (k < 0 || k >= 4) {
            crvm_clear_error();
            return CRVM_EINVAL;
        }
        $self->outcome_factor[k] = factor;
        return CRVM_OK;
    }
    double get_outcome_factor(int k) { return (k >= 0 && k < 4) ? $self->outcome_factor[k] : 0.0 / 0.0; }
}
%extend crvm_sim_summary {
    size_t get_outcome_count(int k) { return (k >= 0 && k < 4) ? $self->outcome_count[k] : 0; }
}
%include "crvm/simulate.h"

/* ---- io.h */
CRVM_HANDLE(crvm_load_report, crvm_load_report_free)
/* A crvm_status member would go through the raising out-typemap: read it as int. */
%ignore crvm_load_rejection::status;
%extend crvm_load_rejection {
    int status_code() { return (int)$self->status; }
}
/* Takes a crvm_table, an enum of crvm/ledger.h; the per-table functions cover it. */
%ignore crvm_load_csv;
%include "crvm/io.h"

/* A bare ledger for loading when the ledger's own bindings are absent
 * (crvm/io.py uses the crvm.Ledger class when there is one). The pointer is
 * owned by the caller and freed with crvm_py_io_ledger_free. The counts
 * helper builds Python objects, so it keeps the GIL (-threads releases it). */
%nothread crvm_py_io_ledger_counts;
%inline %{
static crvm_ledger *crvm_py_io_ledger_new(void)
{
    crvm_ledger *ledger = NULL;
    return crvm_ledger_new(&ledger) == CRVM_OK ? ledger : NULL;
}
static void crvm_py_io_ledger_free(crvm_ledger *ledger) { crvm_ledger_free(ledger); }
static PyObject *crvm_py_io_ledger_counts(const crvm_ledger *ledger)
{
    crvm_ledger_stats s;
    if (ledger == NULL || crvm_ledger_stats_get(ledger, &s) != CRVM_OK)
        Py_RETURN_NONE;
    return Py_BuildValue("{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:L,s:d,s:n}", "customers", (Py_ssize_t)s.customers,
                         "segments", (Py_ssize_t)s.segments, "revenue_events",
                         (Py_ssize_t)s.revenue_events, "contacts", (Py_ssize_t)s.contacts,
                         "contact_articles", (Py_ssize_t)s.contact_articles, "articles",
                         (Py_ssize_t)s.articles, "knowledge_uses", (Py_ssize_t)s.knowledge_uses,
                         "revenue_cents", (long long)s.revenue_cents, "handle_minutes",
                         s.handle_minutes, "bytes_used", (Py_ssize_t)s.bytes_used);
}
%}
