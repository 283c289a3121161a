/* The value model's retention panel without the fit, for a base valued in
 * parts (crvm/value.h crvm_value_rows_build()). */
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "value/value_internal.h"

struct crvm_value_rows {
    crvm__vpanel panel;
    int32_t *group;   /* per customer: its segment */
    int64_t *recent;  /* per customer: its first row whose renewal falls in the trailing window */
};

_Static_assert(CRVM_VALUE_CANDIDATES == CRVM__Z_CANDIDATES, "candidate covariates");

void crvm_value_rows_free(crvm_value_rows *r)
{
    if (!r)
        return;
    crvm__vpanel_free(&r->panel);
    crvm__free(r->group);
    crvm__free(r->recent);
    crvm__free(r);
}

crvm_status crvm_value_rows_build(const crvm_ledger *l, crvm_date as_of,
                                  const crvm_value_options *options, crvm_value_rows **out)
{
    static const char fn[] = "crvm_value_rows_build";
    if (!l || !out)
        return crvm__fail(CRVM_EINVAL, "%s: ledger and out are required", fn);
    crvm_cost_model costs;
    crvm_cost_model_init_defaults(&costs);
    crvm_value_options opt = CRVM_VALUE_OPTIONS_INIT;
    if (options)
        opt = *options;
    crvm__value_settings set;
    crvm_status st = crvm__value_check_options(&opt, &costs, &set);
    if (st || (st = crvm__value_check_as_of(l, as_of, set.months_per_period)))
        return st;
    const size_t n = l->customer_ids.count;
    crvm_value_rows *r = crvm__calloc(1, sizeof *r);
    if (!r)
        return crvm__nomem("value rows");
    r->group = crvm__malloc((n + 1) * sizeof *r->group);
    r->recent = crvm__malloc((n + 1) * sizeof *r->recent);
    st = r->group && r->recent
             ? crvm__vpanel_build_threads(l, as_of, set.months_per_period, opt.threads, &r->panel)
             : crvm__nomem("value rows");
    if (st) {
        crvm_value_rows_free(r);
        return st;
    }
    /* As the segments' future multipliers count them (model.c). */
    const crvm_date w0 = crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(as_of + 1), -(long)opt.trailing_months));
    for (size_t i = 0; i < n; i++) {
        crvm_date s = l->cust_start[i];
        r->group[i] = (int32_t)l->cust_segment[i];
        r->recent[i] = crvm__starts_before(crvm__ymd_of(s), s, w0, set.months_per_period);
    }
    *out = r;
    return CRVM_OK;
}

crvm_status crvm_value_rows_size(const crvm_value_rows *r, size_t *subjects, size_t *row_count)
{
    if (!r)
        return crvm__fail(CRVM_EINVAL, "crvm_value_rows_size: rows is NULL");
    if (subjects)
        *subjects = r->panel.customers;
    if (row_count)
        *row_count = r->panel.rows;
    return CRVM_OK;
}

static crvm_status check_len(const void *ptr, size_t len, size_t want, const char *what)
{
    if (ptr ? len != want : len != 0)
        return crvm__fail(CRVM_EINVAL, "crvm_value_rows_get: %s_len = %zu, expected %zu (or NULL with 0)",
                          what, len, want);
    return CRVM_OK;
}

crvm_status crvm_value_rows_get(const crvm_value_rows *r, int32_t *subject_group,
                                size_t subject_group_len, int32_t *row_subject, size_t row_subject_len,
                                int32_t *row_period, size_t row_period_len, int32_t *row_event,
                                size_t row_event_len, double *z, size_t z_len, int32_t *row_recent,
                                size_t row_recent_len)
{
    if (!r)
        return crvm__fail(CRVM_EINVAL, "crvm_value_rows_get: rows is NULL");
    const crvm__vpanel *pn = &r->panel;
    const size_t S = pn->customers, R = pn->rows, C = CRVM__Z_CANDIDATES;
    crvm_status st;
    if ((st = check_len(subject_group, subject_group_len, S, "subject_group")) ||
        (st = check_len(row_subject, row_subject_len, R, "row_subject")) ||
        (st = check_len(row_period, row_period_len, R, "row_period")) ||
        (st = check_len(row_event, row_event_len, R, "row_event")) ||
        (st = check_len(z, z_len, R * C, "z")) ||
        (st = check_len(row_recent, row_recent_len, R, "row_recent")))
        return st;
    for (size_t i = 0; i < S; i++) {
        if (subject_group)
            subject_group[i] = r->group[i];
        for (int32_t s = 1; s <= pn->periods[i]; s++) {
            size_t at = pn->first_row[i] + (size_t)(s - 1);
            if (row_subject)
                row_subject[at] = (int32_t)i;
            if (row_period)
                row_period[at] = s;
            if (row_event)
                row_event[at] = s == pn->periods[i] && pn->churned[i];
            if (z)
                crvm__value_pattern_z(&pn->pattern[pn->row_pattern[at]], z + at * C);
            if (row_recent)
                row_recent[at] = s >= r->recent[i];
        }
    }
    return CRVM_OK;
}
