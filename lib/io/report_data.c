/* Gathering a report's figures from the value layer (see report_data.h). */
#include "io/report_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/survival.h"

/* Observed curves stop at this many periods (ten years of months): the chart
 * and the table stay readable, and the projection continues past them. */
#define CURVE_MAX_OBSERVED 120

const crvm__pnl_row crvm__pnl_rows[] = {
    {CRVM_PNL_SUPPORT_PLAN_REVENUE, "support-plan revenue", 0},
    {CRVM_PNL_SOURCED_REVENUE, "revenue sourced by contacts", 0},
    {CRVM_PNL_KNOWLEDGE_LABOUR_SAVING, "knowledge: handle time saved", 0},
    {CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING, "knowledge: contacts deflected", 0},
    {CRVM_PNL_CONTACT_VALUE_EFFECT, "value effect of the contacts", 1},
    {CRVM_PNL_VALUE, "value", 0},
    {CRVM_PNL_LABOUR_COST, "labour", 0},
    {CRVM_PNL_CHANNEL_COST, "channels", 0},
    {CRVM_PNL_ESCALATION_COST, "escalations", 0},
    {CRVM_PNL_OVERHEAD_COST, "overhead", 0},
    {CRVM_PNL_SELF_SERVICE_COST, "self-service", 0},
    {CRVM_PNL_KNOWLEDGE_COST, "knowledge authoring and upkeep", 0},
    {CRVM_PNL_COST, "cost", 0},
    {CRVM_PNL_NET_CONTRIBUTION, "net contribution", 1},
    {CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR, "value per support dollar", 1},
};
const size_t crvm__pnl_row_count = sizeof crvm__pnl_rows / sizeof crvm__pnl_rows[0];

const char *crvm__report_segment(const crvm__report *r, size_t s)
{
    return s < r->info.segments ? crvm_ledger_id(r->ledger, CRVM_TABLE_COUNT, s) : "All";
}

const char *crvm__report_model_title(const crvm__report *r)
{
    switch (r->info.model) {
    case CRVM_VALUE_SBG: return "shifted-beta-geometric retention with support covariates";
    case CRVM_VALUE_COX: return "Cox retention model with support covariates";
    default: return "beta-discrete-Weibull retention with support covariates";
    }
}

void crvm__report_horizon(const crvm__report *r, char *buf, size_t n)
{
    snprintf(buf, n, "%d months", r->info.horizon);
}

void crvm__report_date(crvm_date d, char *buf)
{
    if (crvm_date_format(d, buf, 16) != CRVM_OK)
        snprintf(buf, 16, "?");
}

void crvm__report_release(crvm__report *r)
{
    crvm__free(r->segments);
    crvm__free(r->economics);
    crvm__free(r->params);
    crvm__free(r->se);
    crvm__free(r->effects);
    crvm__free(r->observed);
    crvm__free(r->projected);
    for (size_t i = 0; i < r->impacts; i++) {
        crvm__free(r->impact[i].label_at);
        crvm__free(r->impact[i].rows);
    }
    crvm__free(r->impact);
    crvm__free(r->knowledge);
    crvm__free(r->by_value);
    crvm__free(r->outreach_customer);
    crvm__free(r->outreach_rows);
    crvm__free(r->drivers_at);
    crvm__rbuf_free(&r->text);
    memset(r, 0, sizeof *r);
}

static crvm_status check_options(const crvm_report_options *o)
{
    if (o->format < CRVM_REPORT_TEXT || o->format > CRVM_REPORT_HTML)
        return crvm__fail(CRVM_EINVAL, "options.format = %d: not a crvm_report_format", (int)o->format);
    if (o->top < 0 || o->top > 1000000)
        return crvm__fail(CRVM_EINVAL, "options.top = %d: must be 0 to 1000000", o->top);
    if (o->pnl_months < 1 || o->pnl_months > 1200)
        return crvm__fail(CRVM_EINVAL, "options.pnl_months = %d: must be 1 to 1200", o->pnl_months);
    if (o->table < 0 || o->table >= CRVM_REPORT_TABLES)
        return crvm__fail(CRVM_EINVAL, "options.table = %d: not a crvm_report_table", (int)o->table);
    if (o->horizon < 0 || o->horizon > 1200)
        return crvm__fail(CRVM_EINVAL, "options.horizon = %d: must be 0 to 1200", o->horizon);
    return CRVM_OK;
}

static crvm_status gather_segments(crvm__report *r, const crvm_cost_model *costs)
{
    size_t S = r->info.segments;
    r->segments = crvm__calloc((S + 1) * CRVM_VS_COLUMNS, sizeof *r->segments);
    r->economics = crvm__calloc(S ? S * CRVM_ECON_COLUMNS : 1, sizeof *r->economics);
    if (!r->segments || !r->economics)
        return crvm__nomem("report segments");
    crvm_status st = crvm_value_segments(r->value, r->segments, (S + 1) * CRVM_VS_COLUMNS);
    if (st == CRVM_OK)
        st = crvm_segment_economics(r->ledger, costs, CRVM_DATE_MIN, r->info.as_of + 1, r->economics,
                                    S * CRVM_ECON_COLUMNS);
    if (st == CRVM_OK)
        st = crvm_date_add_periods(r->info.as_of + 1, CRVM_PERIOD_MONTH, -r->opt.pnl_months,
                                   &r->pnl_from);
    if (st == CRVM_OK)
        st = crvm_value_support_pnl(r->value, r->pnl_from, r->info.as_of + 1, r->pnl, CRVM_PNL_LINES);
    return st;
}

static crvm_status gather_retention(crvm__report *r)
{
    size_t S = r->info.segments, P = r->info.covariates, k = 2 * S + 1 + P;
    r->effects = crvm__calloc(P ? P * CRVM_EFFECT_COLUMNS : 1, sizeof *r->effects);
    if (!r->effects)
        return crvm__nomem("report covariate effects");
    crvm_status st = crvm_value_covariate_effects(r->value, r->effects, P * CRVM_EFFECT_COLUMNS);
    if (st != CRVM_OK || r->info.model == CRVM_VALUE_COX)
        return st;
    const crvm_retention_cov *model;
    r->params = crvm__calloc(k, sizeof *r->params);
    r->se = crvm__calloc(k, sizeof *r->se);
    if (!r->params || !r->se)
        return crvm__nomem("report retention parameters");
    st = crvm_value_retention_model(r->value, &model);
    if (st == CRVM_OK)
        st = crvm_retention_cov_params(model, r->params, k);
    if (st == CRVM_OK)
        st = crvm_retention_cov_standard_errors(model, r->se, k);
    return st;
}

/* Observed curve of segment s: Kaplan-Meier of the renewals made, a churned
 * customer's event at its last renewal not made, an active one censored at
 * the renewals made (crvm_value_customers()'s tenure). */
static crvm_status observed_curve(crvm__report *r, const double *cust, size_t s, double *dur,
                                  int32_t *ev, const double *t, double *out)
{
    size_t N = r->info.customers, n = 0;
    double longest = 0;
    for (size_t i = 0; i < N; i++) {
        const double *c = cust + i * CRVM_VC_COLUMNS;
        double tenure = c[CRVM_VC_TENURE];
        if ((size_t)c[CRVM_VC_SEGMENT] != s || tenure <= 0)
            continue;
        dur[n] = tenure;
        ev[n] = c[CRVM_VC_ACTIVE] == 0;
        longest = tenure > longest ? tenure : longest;
        n++;
    }
    for (size_t i = 0; i < r->curve_len; i++)
        out[i] = NAN;
    if (n == 0)
        return CRVM_OK;
    crvm_km *km = NULL;
    crvm_status st = crvm_km_fit(dur, n, ev, n, NULL, 0, NULL, 0, NULL, &km);
    size_t upto = longest < (double)r->curve_len ? (size_t)longest + 1 : r->curve_len;
    if (st == CRVM_OK)
        st = crvm_km_survival_at(km, t, upto, out, upto);
    crvm_km_free(km);
    return st;
}

static crvm_status gather_curves(crvm__report *r, const double *cust)
{
    size_t S = r->info.segments, N = r->info.customers;
    double longest = 0;
    for (size_t i = 0; i < N; i++)
        if (cust[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE] > longest)
            longest = cust[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE];
    size_t observed = longest < CURVE_MAX_OBSERVED ? (size_t)longest : CURVE_MAX_OBSERVED;
    r->curve_len = observed + (size_t)r->info.horizon + 1;
    double *t = crvm__calloc(r->curve_len, sizeof *t), *dur = crvm__calloc(N ? N : 1, sizeof *dur);
    int32_t *ev = crvm__calloc(N ? N : 1, sizeof *ev);
    r->observed = crvm__calloc(S * r->curve_len + 1, sizeof *r->observed);
    r->projected = crvm__calloc(S * r->curve_len + 1, sizeof *r->projected);
    crvm_status st = t && dur && ev && r->observed && r->projected ? CRVM_OK
                                                                    : crvm__nomem("report curves");
    for (size_t i = 0; st == CRVM_OK && i < r->curve_len; i++)
        t[i] = (double)i;
    const crvm_retention_cov *model = NULL;
    if (st == CRVM_OK && r->params)
        st = crvm_value_retention_model(r->value, &model);
    for (size_t s = 0; st == CRVM_OK && s < S; s++) {
        double *proj = r->projected + s * r->curve_len;
        st = observed_curve(r, cust, s, dur, ev, t, r->observed + s * r->curve_len);
        if (st == CRVM_OK && model)
            st = crvm_retention_cov_survival(model, s, NULL, 0, t, r->curve_len, proj, r->curve_len);
        else
            for (size_t i = 0; i < r->curve_len; i++)
                proj[i] = NAN;
    }
    crvm__free(t);
    crvm__free(dur);
    crvm__free(ev);
    return st;
}

/* Append s with its NUL to the report's text; *at receives its offset. */
static crvm_status keep_text(crvm__report *r, const char *s, size_t *at)
{
    *at = r->text.len;
    crvm__rbuf_puts(&r->text, s);
    crvm__rbuf_puts(&r->text, "\x01");
    if (r->text.failed)
        return crvm__nomem("report text");
    r->text.data[r->text.len - 1] = '\0';
    return CRVM_OK;
}

const char *crvm__report_label(const crvm__report *r, const crvm__report_impact *im, size_t g)
{
    return r->text.data + im->label_at[g];
}

const char *crvm__report_drivers(const crvm__report *r, size_t j)
{
    return r->text.data + r->drivers_at[j];
}

/* Grouping m of the report (r->impact[m]): its groups in group, the
 * contacts' groups, with the refused contacts alone when refused is given. */
static crvm_status make_grouping(crvm__report *r, crvm_contact_field field, const char *attribute,
                                 const char *by, int32_t *group, const int32_t *refused)
{
    crvm__report_impact *im = &r->impact[r->impacts];
    size_t nk = r->info.contacts, groups = 0;
    crvm_status st = crvm_value_contact_groups(r->value, field, attribute, group, nk, &groups);
    if (st != CRVM_OK)
        return st;
    for (size_t k = 0; refused && k < nk; k++)
        if (refused[k] != CRVM_OUTCOME_REFUSED)
            group[k] = -1;
    snprintf(im->by, sizeof im->by, "%s", by);
    im->refused_only = refused != NULL;
    im->label_at = crvm__calloc(groups ? groups : 1, sizeof *im->label_at);
    im->rows = crvm__calloc(groups ? groups * CRVM_IMPACT_COLUMNS : 1, sizeof *im->rows);
    r->impacts++;
    if (!im->label_at || !im->rows)
        return crvm__nomem("report contact impact");
    im->groups = groups;
    for (size_t g = 0; st == CRVM_OK && g < groups; g++) {
        char label[256];
        st = crvm_value_group_label(r->value, field, attribute, g, label, sizeof label);
        if (st == CRVM_OK)
            st = keep_text(r, label, &im->label_at[g]);
    }
    return st;
}

/* Every grouping's sums from one crvm_value_impact_by_many() call (one walk
 * of the contacts), the groupings without groups left out of it. */
static crvm_status sum_groupings(crvm__report *r, int32_t *group)
{
    size_t nk = r->info.contacts, used = 0, total = 0;
    int32_t *count = crvm__calloc(r->impacts + 1, sizeof *count);
    if (!count)
        return crvm__nomem("report contact impact");
    for (size_t m = 0; m < r->impacts; m++) {
        if (r->impact[m].groups == 0)
            continue;
        if (used != m) /* close the gap a grouping without groups left */
            memmove(group + used * nk, group + m * nk, nk * sizeof *group);
        count[used++] = (int32_t)r->impact[m].groups;
        total += r->impact[m].groups;
    }
    double *rows = used ? crvm__calloc(total * CRVM_IMPACT_COLUMNS, sizeof *rows) : NULL;
    crvm_status st = !used || rows ? CRVM_OK : crvm__nomem("report contact impact");
    if (st == CRVM_OK && used)
        st = crvm_value_impact_by_many(r->value, CRVM_OUTCOME_RESOLVED, group, used * nk, count, used, rows,
                                       total * CRVM_IMPACT_COLUMNS);
    for (size_t m = 0, at = 0; st == CRVM_OK && m < r->impacts; m++) {
        size_t len = r->impact[m].groups * CRVM_IMPACT_COLUMNS;
        memcpy(r->impact[m].rows, rows + at, len * sizeof *rows);
        at += len;
    }
    crvm__free(rows);
    crvm__free(count);
    return st;
}

/* Contact impact against a resolved outcome, by each contact field and each
 * attribute, then the refused contacts alone by each attribute; none when the
 * retention model has no support covariates. */
static crvm_status gather_impacts(crvm__report *r)
{
    if (r->info.covariates == 0)
        return CRVM_OK;
    static const struct {
        crvm_contact_field field;
        const char *by;
    } fields[] = {{CRVM_FIELD_OUTCOME, "outcome"},     {CRVM_FIELD_CHANNEL, "channel"},
                  {CRVM_FIELD_TIER, "tier"},           {CRVM_FIELD_ESCALATED, "escalated"},
                  {CRVM_FIELD_SEGMENT, "segment"}};
    size_t nf = sizeof fields / sizeof fields[0], na = crvm_ledger_attribute_count(r->ledger);
    size_t nk = r->info.contacts, m = nf + 2 * na;
    r->impact = crvm__calloc(m, sizeof *r->impact);
    int32_t *group = crvm__calloc(nk ? m * nk : 1, sizeof *group), *outcome = crvm__calloc(nk ? nk : 1, sizeof *outcome);
    crvm_status st = r->impact && group && outcome ? CRVM_OK : crvm__nomem("report contact impact");
    if (st == CRVM_OK && na > 0)
        st = crvm_ledger_contacts(r->ledger, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                  outcome, nk, NULL, 0);
    for (size_t i = 0; st == CRVM_OK && i < nf; i++)
        st = make_grouping(r, fields[i].field, NULL, fields[i].by, group + r->impacts * nk, NULL);
    for (size_t a = 0; st == CRVM_OK && a < 2 * na; a++) {
        const char *name = crvm_ledger_attribute_name(r->ledger, a % na);
        st = make_grouping(r, CRVM_FIELD_ATTRIBUTE, name, name, group + r->impacts * nk, a < na ? NULL : outcome);
    }
    crvm__free(outcome);
    if (st == CRVM_OK)
        st = sum_groupings(r, group);
    crvm__free(group);
    return st;
}

typedef struct ranked {
    double value;
    size_t index;
} ranked;

/* Highest value first; ties by ledger order, so the order is reproducible. */
static int by_value_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static crvm_status gather_knowledge(crvm__report *r, const crvm_cost_model *costs)
{
    size_t A = r->stats.articles;
    r->knowledge = crvm__calloc(A ? A * CRVM_VK_COLUMNS : 1, sizeof *r->knowledge);
    r->by_value = crvm__calloc(A ? A : 1, sizeof *r->by_value);
    double *kv = crvm__calloc(A ? A * CRVM_KV_COLUMNS : 1, sizeof *kv);
    ranked *order = crvm__calloc(A ? A : 1, sizeof *order);
    crvm_status st = r->knowledge && r->by_value && kv && order ? CRVM_OK
                                                                : crvm__nomem("report knowledge");
    if (st == CRVM_OK && A > 0) {
        st = crvm_value_knowledge(r->value, r->knowledge, A * CRVM_VK_COLUMNS);
        if (st == CRVM_OK)
            st = crvm_knowledge_value(r->ledger, costs, r->info.as_of, kv, A * CRVM_KV_COLUMNS,
                                      &r->estimate);
        if (st == CRVM_OK)
            st = crvm_knowledge_base_value(r->ledger, costs, r->info.as_of, r->kb, CRVM_KV_COLUMNS);
        for (size_t i = 0; st == CRVM_OK && i < A; i++)
            order[i] = (ranked){r->knowledge[i * CRVM_VK_COLUMNS + CRVM_VK_VALUE], i};
        if (st == CRVM_OK)
            qsort(order, A, sizeof *order, by_value_desc);
        for (size_t i = 0; st == CRVM_OK && i < A; i++)
            r->by_value[i] = order[i].index;
    }
    crvm__free(kv);
    crvm__free(order);
    return st;
}

static crvm_status gather_outreach(crvm__report *r, const double *cust)
{
    size_t n = (size_t)r->opt.top, count = 0;
    r->outreach_customer = crvm__calloc(n ? n : 1, sizeof *r->outreach_customer);
    if (!r->outreach_customer)
        return crvm__nomem("report outreach");
    crvm_status st = crvm_value_outreach(r->value, CRVM_RANK_VALUE_AT_RISK, n, r->outreach_customer,
                                         n, &count);
    if (st != CRVM_OK)
        return st;
    r->outreach_rows = crvm__calloc(count ? count * CRVM_VC_COLUMNS : 1, sizeof *r->outreach_rows);
    r->drivers_at = crvm__calloc(count ? count : 1, sizeof *r->drivers_at);
    if (!r->outreach_rows || !r->drivers_at)
        return crvm__nomem("report outreach");
    r->outreach = count;
    for (size_t j = 0; st == CRVM_OK && j < count; j++) {
        size_t i = (size_t)r->outreach_customer[j];
        char text[512];
        memcpy(r->outreach_rows + j * CRVM_VC_COLUMNS, cust + i * CRVM_VC_COLUMNS,
               CRVM_VC_COLUMNS * sizeof *cust);
        st = crvm_value_drivers_text(r->value, i, text, sizeof text);
        if (st == CRVM_OK)
            st = keep_text(r, text, &r->drivers_at[j]);
    }
    return st;
}

static const char *model_name(crvm_value_model m)
{
    return m == CRVM_VALUE_SBG ? "sbg" : m == CRVM_VALUE_COX ? "cox" : "bdw";
}

crvm_status crvm__report_gather(const crvm_value *value, const crvm_ledger *ledger,
                                const crvm_cost_model *costs, const crvm_report_options *options,
                                crvm__report *out)
{
    crvm__report r;
    memset(&r, 0, sizeof r);
    if (!value || !ledger)
        return crvm__fail(CRVM_EINVAL, "%s is NULL", value ? "ledger" : "value");
    crvm_report_options_init(&r.opt);
    if (options)
        r.opt = *options;
    crvm_status st = check_options(&r.opt);
    if (st == CRVM_OK)
        st = crvm_value_get_info(value, &r.info);
    if (st == CRVM_OK && r.opt.horizon != 0 && r.opt.horizon != r.info.horizon)
        st = crvm__fail(CRVM_EINVAL, "options.horizon = %d months: the value was fitted with %d (0: the value's)",
                        r.opt.horizon, r.info.horizon);
    if (st == CRVM_OK)
        r.opt.horizon = r.info.horizon;
    if (st == CRVM_OK)
        st = crvm_ledger_stats_get(ledger, &r.stats);
    if (st == CRVM_OK && (r.stats.customers != r.info.customers || r.stats.contacts != r.info.contacts))
        st = crvm__fail(CRVM_EINVAL,
                        "ledger: %zu customers and %zu contacts, the value was fitted on %zu and %zu: "
                        "not the value's ledger",
                        r.stats.customers, r.stats.contacts, r.info.customers, r.info.contacts);
    r.ledger = ledger;
    r.value = value;
    r.model_name = model_name(r.info.model);
    /* The groupings first: their contacts x groupings array is freed before
     * the customer matrix is made, so the two never add up in the peak. */
    if (st == CRVM_OK)
        st = gather_impacts(&r);
    size_t N = r.info.customers;
    double *cust = NULL;
    if (st == CRVM_OK && !(cust = crvm__calloc(N ? N * CRVM_VC_COLUMNS : 1, sizeof *cust)))
        st = crvm__nomem("report customers");
    if (st == CRVM_OK)
        st = crvm_value_customers(value, cust, N * CRVM_VC_COLUMNS);
    if (st == CRVM_OK)
        st = gather_segments(&r, costs);
    if (st == CRVM_OK)
        st = gather_retention(&r);
    if (st == CRVM_OK)
        st = gather_curves(&r, cust);
    if (st == CRVM_OK)
        st = gather_knowledge(&r, costs);
    if (st == CRVM_OK)
        st = gather_outreach(&r, cust);
    crvm__free(cust);
    if (st != CRVM_OK) {
        crvm__report_release(&r);
        return st;
    }
    *out = r;
    return CRVM_OK;
}
