/* io.i: the simulator (crvm/simulate.h) and the CSV loaders (crvm/io.h).
 * The pythonic layer is crvm/io.py. */

/* ---- simulate.h */
CRVM_HANDLE(crvm_sim_data, crvm_sim_data_free)
CRVM_OUT_ARRAY(int32_t, segment)
CRVM_OUT_ARRAY(double, theta)
CRVM_OUT_ARRAY(int32_t, lifetime)
CRVM_OUT_ARRAY(int32_t, churned)
/* The table columns of crvm_sim_data_customers() ... crvm_sim_data_knowledge_uses(). */
CRVM_OUT_ARRAY(int32_t, start)
CRVM_OUT_ARRAY(int32_t, end)
CRVM_OUT_ARRAY(int32_t, customer)
CRVM_OUT_ARRAY(int32_t, date)
CRVM_OUT_ARRAY(double, amount)
CRVM_OUT_ARRAY(int32_t, stream)
CRVM_OUT_ARRAY(int32_t, opened)
CRVM_OUT_ARRAY(int32_t, closed)
CRVM_OUT_ARRAY(int32_t, channel)
CRVM_OUT_ARRAY(double, handle_minutes)
CRVM_OUT_ARRAY(int32_t, tier)
CRVM_OUT_ARRAY(int32_t, escalated)
CRVM_OUT_ARRAY(int32_t, outcome)
CRVM_OUT_ARRAY(double, satisfaction)
CRVM_OUT_ARRAY(int64_t, contact)
CRVM_OUT_ARRAY(int32_t, article)
CRVM_OUT_ARRAY(int32_t, created)
CRVM_OUT_ARRAY(double, authoring_hours)
CRVM_OUT_ARRAY(double, maintenance_hours)
CRVM_OUT_ARRAY(int32_t, kind)
CRVM_OUT_ARRAY(int32_t, resolved)
/* Attributes and sources, the state at a date, the continuation. */
CRVM_OUT_ARRAY(int32_t, agent)
CRVM_OUT_ARRAY(int32_t, queue)
CRVM_OUT_ARRAY(int32_t, product)
CRVM_OUT_ARRAY(int32_t, reason)
CRVM_OUT_ARRAY(int64_t, source_contact)
CRVM_OUT_ARRAY(int32_t, active)
CRVM_OUT_ARRAY(int32_t, renewals)
CRVM_OUT_ARRAY(double, price)
CRVM_OUT_ARRAY(int32_t, support_plan)
CRVM_OUT_ARRAY(int32_t, last_touch)
CRVM_OUT_ARRAY(double, mean)
CRVM_OUT_ARRAY(double, se)
CRVM_OUT_STRUCT(crvm_sim_truth, out)
/* Ids: a writable bytes buffer (bytearray) of crvm_sim_data_ids_size() bytes. */
%apply (uint8_t *OUT_ARRAY, size_t OUT_LEN) { (char *text, size_t text_len) }
%apply size_t *OUTPUT { size_t *size };

/* Fixed-size array members are set and read through these methods. */
%ignore crvm_sim_options::segment_share;
%ignore crvm_sim_options::alpha;
%ignore crvm_sim_options::beta;
%ignore crvm_sim_options::price_median;
%ignore crvm_sim_options::contact_rate;
%ignore crvm_sim_options::outcome_factor;
%ignore crvm_sim_summary::outcome_count;
%ignore crvm_sim_options::b;
%ignore crvm_sim_options::queue_refusal;
%ignore crvm_sim_truth::params;
%ignore crvm_sim_truth::agent_refusal;
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
    crvm_status set_effect(int j, double b) {
        if (j < 0 || j >= CRVM_SIM_COVARIATES) {
            crvm_clear_error();
            return CRVM_EINVAL;
        }
        $self->b[j] = b;
        return CRVM_OK;
    }
    double get_effect(int j) { return (j >= 0 && j < CRVM_SIM_COVARIATES) ? $self->b[j] : 0.0 / 0.0; }
    crvm_status set_queue_refusal(int q, double p) {
        if (q < 0 || q >= CRVM_SIM_QUEUES) {
            crvm_clear_error();
            return CRVM_EINVAL;
        }
        $self->queue_refusal[q] = p;
        return CRVM_OK;
    }
    double get_queue_refusal(int q) { return (q >= 0 && q < CRVM_SIM_QUEUES) ? $self->queue_refusal[q] : 0.0 / 0.0; }
}
%extend crvm_sim_truth {
    double get_param(int k) { return (k >= 0 && k < CRVM_SIM_PARAMS) ? $self->params[k] : 0.0 / 0.0; }
    double get_agent_refusal(int a) { return (a >= 0 && a < CRVM_SIM_AGENTS) ? $self->agent_refusal[a] : 0.0 / 0.0; }
}
%extend crvm_sim_summary {
    size_t get_outcome_count(int k) { return (k >= 0 && k < 4) ? $self->outcome_count[k] : 0; }
}
%include "crvm/simulate.h"

/* ---- io.h */
CRVM_HANDLE(crvm_load_report, crvm_load_report_free)
/* A rejection row is returned with its own copies of the report's strings. */
CRVM_OUT_STRUCT_COPY(crvm_load_rejection, out,
                     %arg({offsetof(crvm_load_rejection, file), offsetof(crvm_load_rejection, reason)}))
%immutable crvm_load_rejection::file;
%immutable crvm_load_rejection::column;
%immutable crvm_load_rejection::reason;
/* A crvm_status member would go through the raising out-typemap: read it as int. */
%ignore crvm_load_rejection::status;
%extend crvm_load_rejection {
    int status_code() { return (int)$self->status; }
}
CRVM_HANDLE(crvm_numeric_table, crvm_numeric_table_free)
/* The cost-model text: str or bytes. */
CRVM_IN_TEXT(text, len)
CRVM_IN_STRINGS(columns)
CRVM_IN_STRINGS(labels)
CRVM_IN_STRINGS(dates)
CRVM_OUT_ARRAY(double, out)
%include "crvm/io.h"
