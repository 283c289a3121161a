/* The value object: fit, accessors of its customers and segments (crvm/value.h). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/money.h"
#include "core/parallel.h"
#include "ledger/ledger_internal.h"
#include "math/special.h"
#include "survival/distrib.h"
#include "value/contribution.h"
#include "value/value_internal.h"

void crvm_value_free(crvm_value *v)
{
    if (!v)
        return;
    crvm__vpanel_free(&v->panel);
    crvm__free(v->gm);
    crvm__free(v->cts);
    crvm__rcov_engine_free(v->engine);
    crvm__value_cox_free(v->cox);
    crvm__nc_free(v->nc);
    crvm__free(v->own_params);
    crvm__free(v->own_cov);
    crvm_retention_cov_free(v->model);
    crvm__free(v->pattern_z);
    crvm__free(v->pattern_e);
    crvm__free(v->log_e);
    crvm__free(v->dlog_e);
    crvm__free(v->w);
    crvm__free(v->dw);
    crvm__free(v->active_index);
    crvm__free(v->fig);
    crvm__free(v->seg);
    crvm__free(v->seg_grad);
    crvm__free(v->segment_group);
    crvm__free(v);
}

crvm_status crvm__value_usable(const crvm_value *v, const char *fn)
{
    if (!v)
        return crvm__fail(CRVM_EINVAL, "%s: value is NULL", fn);
    if (v->ledger->modifications != v->ledger_version)
        return crvm__fail(CRVM_ESTATE, "%s: the ledger was modified after crvm_value_fit(); fit again",
                          fn);
    return CRVM_OK;
}

/* as_of must fall within the data: from the first date to one period after the last. */
crvm_status crvm__value_check_as_of(const crvm_ledger *l, crvm_date as_of, int k)
{
    static const char fn[] = "crvm_value_fit";
    if (l->customer_ids.count == 0)
        return crvm__fail(CRVM_EDOMAIN, "%s: the ledger holds no customers", fn);
    /* The span of crvm_ledger_stats_get(), the end dates counted as data. */
    crvm_date limit, first = l->summary.first, last = l->summary.last;
    crvm__latest_note(&last, l->summary.last_end);
    if (!crvm__date_valid(as_of) || as_of < first || !crvm__add_months(last, k, &limit) || as_of > limit) {
        char a[11] = "?", f[11], t[11];
        if (crvm__date_valid(as_of))
            crvm_date_format(as_of, a, sizeof a);
        crvm_date_format(first, f, sizeof f);
        crvm_date_format(last, t, sizeof t);
        return crvm__fail(CRVM_EINVAL, "%s: as_of = %s: must lie between the ledger's first date %s and "
                          "one period after its last date %s", fn, a, f, t);
    }
    return CRVM_OK;
}

crvm_status crvm__value_prepare(const crvm_ledger *l, const crvm_cost_model *costs, crvm_date as_of,
                                const crvm_value_options *options, int allow_idle, crvm_value **out)
{
    static const char fn[] = "crvm_value_fit";
    crvm_cost_model defaults;
    if (!costs) {
        crvm_cost_model_init_defaults(&defaults);
        costs = &defaults;
    }
    crvm_status st = crvm_cost_model_validate(costs);
    if (st)
        return st;
    crvm_value_options opt = CRVM_VALUE_OPTIONS_INIT;
    if (options)
        opt = *options;
    crvm__value_settings set;
    if ((st = crvm__value_check_options(&opt, costs, &set)) || (st = crvm__value_check_as_of(l, as_of, set.months_per_period)))
        return st;
    crvm_value *v = crvm__calloc(1, sizeof *v);
    if (!v)
        return crvm__nomem("value");
    v->ledger = l;
    v->ledger_version = l->modifications;
    v->opt = opt;
    v->costs = *costs;
    v->set = set;
    v->as_of = as_of;
    v->segments = v->model_groups = l->segment_ids.count;
    const size_t n = l->customer_ids.count;
    v->gm = crvm__malloc((n + 1) * sizeof *v->gm);
    v->cts = crvm__malloc((n + 1) * sizeof *v->cts);
    v->active_index = crvm__malloc((n + 1) * sizeof *v->active_index);
    st = v->gm && v->cts && v->active_index ? CRVM_OK : crvm__nomem("value");
    if (!st)
        st = crvm__contribution_threads(l, &v->costs, as_of, set.months_per_period, opt.trailing_months,
                                        opt.shrinkage, opt.threads, v->gm, v->cts);
    if (!st)
        st = crvm__vpanel_build_threads(l, as_of, set.months_per_period, opt.threads, &v->panel);
    if (!st && (opt.model == CRVM_VALUE_BGNBD || opt.model == CRVM_VALUE_PARETO))
        st = crvm__nc_summary(v);
    if (!st) {
        for (size_t i = 0; i < n; i++)
            v->active_index[i] = v->panel.status[i] == CRVM__VP_ACTIVE ? (uint32_t)v->active++ : UINT32_MAX;
        if (!v->active && !allow_idle) {
            char a[11];
            crvm_date_format(as_of, a, sizeof a);
            st = crvm__fail(CRVM_EDOMAIN, "%s: no customer is active on %s", fn, a);
        }
    }
    if (st) {
        crvm_value_free(v);
        return st;
    }
    *out = v;
    return CRVM_OK;
}

crvm_status crvm_value_fit(const crvm_ledger *l, const crvm_cost_model *costs, crvm_date as_of,
                           const crvm_value_options *options, crvm_value **out)
{
    if (!l || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_value_fit: ledger and out are required");
    crvm_value *v;
    crvm_status st = crvm__value_prepare(l, costs, as_of, options, 0, &v);
    if (st)
        return st;
    const int nc = v->opt.model == CRVM_VALUE_BGNBD || v->opt.model == CRVM_VALUE_PARETO;
    st = nc ? crvm__nc_fit(v) : crvm__value_fit_model(v);
    if (!st)
        st = nc ? crvm__nc_evaluate(v) : crvm__value_evaluate(v);
    if (st) {
        crvm_value_free(v);
        return st;
    }
    *out = v;
    return CRVM_OK;
}

crvm_status crvm_value_get_info(const crvm_value *v, crvm_value_info *out)
{
    crvm_status st = crvm__value_usable(v, "crvm_value_get_info");
    if (st)
        return st;
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_value_get_info: out is NULL");
    crvm_value_info info;
    memset(&info, 0, sizeof info);
    info.as_of = v->as_of;
    info.model = v->opt.model;
    info.customers = v->panel.customers;
    info.active = v->active;
    info.segments = v->segments;
    info.contacts = v->ledger->contact_ids.count;
    info.covariates = v->p;
    info.discount_rate = v->set.discount;
    info.report = v->report;
    info.horizon = v->opt.horizon;
    info.confidence = v->opt.confidence;
    *out = info;
    return CRVM_OK;
}

crvm_status crvm_value_retention_model(const crvm_value *v, const crvm_retention_cov **out)
{
    crvm_status st = crvm__value_usable(v, "crvm_value_retention_model");
    if (st)
        return st;
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_value_retention_model: out is NULL");
    if (!v->model)
        return crvm__fail(CRVM_ESTATE, "crvm_value_retention_model: the value has no covariate "
                          "retention model (options.model)");
    *out = v->model;
    return CRVM_OK;
}

const char *crvm_value_covariate_name(const crvm_value *v, size_t j)
{
    return v && j < v->p ? crvm__value_candidate_name(v->candidate[j]) : NULL;
}

static crvm_status check_matrix(const char *fn, const double *out, size_t out_len, size_t rows,
                                size_t cols)
{
    if (!out || out_len != rows * cols)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %zu rows x %zu columns", fn,
                          out_len, rows, cols);
    return CRVM_OK;
}

typedef struct rows_ctx {
    const crvm_value *v;
    double *out;
} rows_ctx;

static void customer_rows(void *ctx, size_t begin, size_t end)
{
    const rows_ctx *c = ctx;
    const crvm_value *v = c->v;
    const double z = v->set.z;
    for (size_t i = begin; i < end; i++) {
        double *r = c->out + i * CRVM_VC_COLUMNS;
        memset(r, 0, CRVM_VC_COLUMNS * sizeof *r);
        r[CRVM_VC_SEGMENT] = v->ledger->cust_segment[i];
        r[CRVM_VC_TENURE] = v->panel.periods[i];
        r[CRVM_VC_GROSS_MARGIN] = (double)v->gm[i] / 100.0;
        r[CRVM_VC_COST_TO_SERVE] = (double)v->cts[i] / 100.0;
        r[CRVM_VC_CONTRIBUTION] = (double)(v->gm[i] - v->cts[i]) / 100.0;
        if (v->panel.status[i] != CRVM__VP_ACTIVE)
            continue;
        const crvm__vfig *f = &v->fig[v->active_index[i]];
        r[CRVM_VC_ACTIVE] = 1;
        r[CRVM_VC_RETENTION] = f->retention;
        r[CRVM_VC_RETENTION_LOWER] = r[CRVM_VC_RETENTION_UPPER] = f->retention;
        if (f->retention > 0 && f->retention < 1) {
            double logit = log(f->retention) - log1p(-f->retention);
            r[CRVM_VC_RETENTION_LOWER] = 1 / (1 + exp(-(logit - z * f->retention_se)));
            r[CRVM_VC_RETENTION_UPPER] = 1 / (1 + exp(-(logit + z * f->retention_se)));
        }
        r[CRVM_VC_CHURN_NEXT] = f->churn_next;
        r[CRVM_VC_RESIDUAL_LIFETIME] = f->lifetime;
        r[CRVM_VC_DERL] = f->derl;
        r[CRVM_VC_RESIDUAL_VALUE] = (double)f->rv / 100.0;
        r[CRVM_VC_RESIDUAL_VALUE_LOWER] = (double)crvm__llround((double)f->rv - z * f->rv_se) / 100.0;
        r[CRVM_VC_RESIDUAL_VALUE_UPPER] = (double)crvm__llround((double)f->rv + z * f->rv_se) / 100.0;
        r[CRVM_VC_VALUE_AT_RISK] = (double)f->var / 100.0;
        r[CRVM_VC_VALUE_AT_RISK_LOWER] = (double)crvm__llround((double)f->var - z * f->var_se) / 100.0;
        r[CRVM_VC_VALUE_AT_RISK_UPPER] = (double)crvm__llround((double)f->var + z * f->var_se) / 100.0;
        r[CRVM_VC_SILENCE] = v->panel.silence[i];
        r[CRVM_VC_RISK_MULTIPLIER] = f->risk;
    }
}

crvm_status crvm_value_customers(const crvm_value *v, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_customers";
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = check_matrix(fn, out, out_len, v->panel.customers, CRVM_VC_COLUMNS)))
        return st;
    /* Each customer's row is its own: on the fit's threads. */
    rows_ctx c = {v, out};
    crvm__parallel_for(v->panel.customers, v->opt.threads, customer_rows, &c);
    return CRVM_OK;
}

crvm_status crvm_value_segments(const crvm_value *v, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_segments";
    crvm_status st = crvm__value_usable(v, fn);
    if (st || (st = check_matrix(fn, out, out_len, v->segments + 1, CRVM_VS_COLUMNS)))
        return st;
    memcpy(out, v->seg, (v->segments + 1) * CRVM_VS_COLUMNS * sizeof *out);
    return CRVM_OK;
}

crvm_status crvm_value_panel_size(const crvm_value *v, size_t *subjects, size_t *rows,
                                  size_t *covariates)
{
    crvm_status st = crvm__value_usable(v, "crvm_value_panel_size");
    if (st)
        return st;
    if (subjects)
        *subjects = v->panel.customers;
    if (rows)
        *rows = v->panel.rows;
    if (covariates)
        *covariates = v->p;
    return CRVM_OK;
}

crvm_status crvm_value_panel(const crvm_value *v, int32_t *subject_group, size_t subject_group_len,
                             int32_t *row_subject, size_t row_subject_len, int32_t *row_period,
                             size_t row_period_len, int32_t *row_event, size_t row_event_len,
                             double *z, size_t z_len)
{
    static const char fn[] = "crvm_value_panel";
    crvm_status st = crvm__value_usable(v, fn);
    if (st)
        return st;
    const size_t S = v->panel.customers, R = v->panel.rows, p = v->p;
#define CHECK(ptr, len, want, what)                                                                 \
    if ((ptr) ? (len) != (want) : (len) != 0)                                                       \
        return crvm__fail(CRVM_EINVAL, "%s: %s_len = %zu, expected %zu (or NULL with 0)", fn, what,  \
                          (size_t)(len), (size_t)(want));
    CHECK(subject_group, subject_group_len, S, "subject_group")
    CHECK(row_subject, row_subject_len, R, "row_subject")
    CHECK(row_period, row_period_len, R, "row_period")
    CHECK(row_event, row_event_len, R, "row_event")
    CHECK(z, z_len, R * p, "z")
#undef CHECK
    for (size_t i = 0; i < S; i++) {
        if (subject_group)
            subject_group[i] = (int32_t)v->ledger->cust_segment[i];
        for (int32_t s = 1; s <= v->panel.periods[i]; s++) {
            size_t r = v->panel.first_row[i] + (size_t)(s - 1);
            if (row_subject)
                row_subject[r] = (int32_t)i;
            if (row_period)
                row_period[r] = s;
            if (row_event)
                row_event[r] = s == v->panel.periods[i] && v->panel.churned[i];
            if (z)
                memcpy(z + r * p, v->pattern_z + (size_t)v->panel.row_pattern[r] * p, p * sizeof *z);
        }
    }
    return CRVM_OK;
}

crvm_status crvm_value_covariate_effects(const crvm_value *v, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_covariate_effects";
    crvm_status st = crvm__value_usable(v, fn);
    if (st)
        return st;
    if ((v->p && !out) || out_len != v->p * CRVM_EFFECT_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %zu covariates x %d columns", fn,
                          out_len, v->p, CRVM_EFFECT_COLUMNS);
    for (size_t j = 0; j < v->p; j++) {
        size_t at = 2 * v->segments + 1 + j;
        double b = v->params[at], se = sqrt(v->cov[at * v->k + at]), *r = out + j * CRVM_EFFECT_COLUMNS;
        r[CRVM_EFFECT_COEFFICIENT] = b;
        r[CRVM_EFFECT_STANDARD_ERROR] = se;
        r[CRVM_EFFECT_HAZARD_RATIO] = exp(b);
        r[CRVM_EFFECT_LOWER] = exp(b - v->set.z * se);
        r[CRVM_EFFECT_UPPER] = exp(b + v->set.z * se);
        r[CRVM_EFFECT_P_VALUE] = se > 0 ? 2 * crvm__norm_sf(fabs(b) / se) : 1.0;
    }
    return CRVM_OK;
}
