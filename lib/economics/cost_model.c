/* The cost model: defaults, their sources, validation. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "crvm/economics.h"
#include "economics/cost_model.h"

/* Defaults. Wages: BLS Occupational Employment and Wage Statistics, May 2023
 * national medians, loaded by 1/0.70 because wages and salaries are about 70%
 * of employer compensation cost (BLS Employer Costs for Employee
 * Compensation, private industry, 2015-2023 releases: 68-70%). */
void crvm_cost_model_init_defaults(crvm_cost_model *m)
{
    if (!m)
        return;
    memset(m, 0, sizeof *m);
    m->hourly_rate[0] = 27.0;
    m->hourly_rate[1] = 40.0;
    m->hourly_rate[2] = 90.0;
    m->channel_cost[CRVM_CHANNEL_PHONE] = 1.00;
    m->channel_cost[CRVM_CHANNEL_EMAIL] = 0.30;
    m->channel_cost[CRVM_CHANNEL_CHAT] = 0.50;
    m->channel_cost[CRVM_CHANNEL_WEB] = 0.30;
    m->channel_cost[CRVM_CHANNEL_SOCIAL] = 0.50;
    m->escalation_cost = 10.0;
    m->overhead_per_contact = 0.50;
    m->overhead_per_minute = 0.15;
    m->self_service_cost = 0.10;
    m->gross_margin_rate[CRVM_STREAM_SUBSCRIPTION] = 0.80;
    m->gross_margin_rate[CRVM_STREAM_MAINTENANCE] = 0.85;
    m->gross_margin_rate[CRVM_STREAM_SUPPORT_PLAN] = 0.70;
    m->gross_margin_rate[CRVM_STREAM_SERVICES] = 0.30;
    m->gross_margin_rate[CRVM_STREAM_EXPANSION] = 0.80;
    m->discount_rate = 0.10;
    m->deflection_probability = 0.5;
    m->knowledge_hourly_rate = 40.0;
    m->minutes_saved = NAN;
    m->avoided_contact_cost = NAN;
    m->outreach_cost = 25.0;
    m->outreach_save_rate = 0.2;
}

typedef struct info {
    const char *name, *unit, *source;
} info;

static const char SRC_WAGE1[] =
    "BLS OEWS May 2023 median wage of customer service representatives (SOC 43-4051), about "
    "$19/h, / 0.70 (BLS ECEC: wages are ~70% of employer compensation cost); rounded";
static const char SRC_WAGE2[] =
    "BLS OEWS May 2023 median wage of computer user support specialists (SOC 15-1232), about "
    "$28/h, / 0.70 (BLS ECEC loading); rounded";
static const char SRC_WAGE3[] =
    "BLS OEWS May 2023 median wage of software developers (SOC 15-1252), about $63/h, / 0.70 "
    "(BLS ECEC loading); tier 3 assumed to be engineering; rounded";
static const char SRC_CHANNEL[] =
    "crvm assumption (no single published source): non-labour cost per contact (telephony "
    "minutes, licences per contact); small next to Gartner's 2019 average of $8.01 per live "
    "contact, most of which is labour";
static const char SRC_MARGIN_SUB[] =
    "crvm assumption: typical subscription gross margin of public SaaS companies (~75-80%)";
static const char SRC_MARGIN_SVC[] =
    "crvm assumption: professional services are typically low-margin (~20-35%, TSIA-style "
    "services benchmarks)";

static const info table[] = {
    {"hourly_rate[tier1]", "currency per hour", SRC_WAGE1},
    {"hourly_rate[tier2]", "currency per hour", SRC_WAGE2},
    {"hourly_rate[tier3]", "currency per hour", SRC_WAGE3},
    {"channel_cost[phone]", "currency per contact", SRC_CHANNEL},
    {"channel_cost[email]", "currency per contact", SRC_CHANNEL},
    {"channel_cost[chat]", "currency per contact", SRC_CHANNEL},
    {"channel_cost[web]", "currency per contact", SRC_CHANNEL},
    {"channel_cost[social]", "currency per contact", SRC_CHANNEL},
    {"escalation_cost", "currency per escalated contact",
     "crvm assumption: a hand-off costs about 15 minutes of tier-2 time (0.25 h x $40)"},
    {"overhead_per_contact", "currency per contact",
     "crvm assumption: supervision, QA and tooling allocated per contact"},
    {"overhead_per_minute", "currency per handle minute",
     "crvm assumption: facilities and management allocated by time, $9/h (~1/3 of the tier-1 "
     "loaded rate)"},
    {"self_service_cost", "currency per session",
     "Gartner 2019 Customer Service and Support Leader poll: self-service channels cost about "
     "$0.10 per contact (live channels $8.01)"},
    {"gross_margin_rate[subscription]", "share of revenue", SRC_MARGIN_SUB},
    {"gross_margin_rate[maintenance]", "share of revenue",
     "crvm assumption: maintenance fees carry high margins (~85%)"},
    {"gross_margin_rate[support_plan]", "share of revenue",
     "crvm assumption: paid support plans net of the staff they fund (~70%)"},
    {"gross_margin_rate[services]", "share of revenue", SRC_MARGIN_SVC},
    {"gross_margin_rate[expansion]", "share of revenue", SRC_MARGIN_SUB},
    {"discount_rate", "per year",
     "crvm assumption: 10% a year, a common cost-of-capital hurdle rate"},
    {"deflection_probability", "probability",
     "crvm assumption: half of resolved self-service sessions would otherwise have become a "
     "contact (Gartner 2019: only 9% of customers resolve fully in self-service; measure yours "
     "with a 'would you have contacted us?' survey)"},
    {"knowledge_hourly_rate", "currency per hour",
     "crvm assumption: articles are written by tier-2 staff (the tier-2 loaded rate)"},
    {"minutes_saved", "handle minutes per assisted reuse",
     "NaN = estimated from the data: handle time of contacts without vs with a linked article, "
     "matched on channel and tier"},
    {"avoided_contact_cost", "currency per avoided contact",
     "NaN = estimated from the data: mean costed contact (labour, channel, escalation, "
     "overhead)"},
    {"outreach_cost", "currency per outreach",
     "crvm assumption: a proactive call of about 30 minutes by tier-2 staff (0.5 h x $40) plus "
     "channel and overhead, rounded up"},
    {"outreach_save_rate", "probability",
     "crvm assumption (no single published source): industry accounts of retention-save "
     "programmes report that 15-35% of contacted at-risk customers stay; the low end is "
     "taken because some would have stayed anyway. Measure yours against a holdout"},
};

#define N_ASSUMPTIONS (sizeof table / sizeof table[0])
_Static_assert(N_ASSUMPTIONS <= CRVM__MAX_ASSUMPTIONS, "raise CRVM__MAX_ASSUMPTIONS");

size_t crvm_cost_model_assumption_count(void) { return N_ASSUMPTIONS; }

static double *field_of(crvm_cost_model *m, size_t i)
{
    if (i < 3)
        return &m->hourly_rate[i];
    if (i < 8)
        return &m->channel_cost[i - 3];
    switch (i) {
    case 8: return &m->escalation_cost;
    case 9: return &m->overhead_per_contact;
    case 10: return &m->overhead_per_minute;
    case 11: return &m->self_service_cost;
    default: break;
    }
    if (i < 17)
        return &m->gross_margin_rate[i - 12];
    switch (i) {
    case 17: return &m->discount_rate;
    case 18: return &m->deflection_probability;
    case 19: return &m->knowledge_hourly_rate;
    case 20: return &m->minutes_saved;
    case 21: return &m->avoided_contact_cost;
    case 22: return &m->outreach_cost;
    default: return &m->outreach_save_rate;
    }
}

static double value_of(const crvm_cost_model *m, size_t i)
{
    return *field_of((crvm_cost_model *)m, i);
}

/* The domain of assumption i (see crvm_cost_model_validate()). */
static crvm_status check_assumption(size_t i, double v)
{
    const char *name = table[i].name;
    if (i == 20) { /* minutes_saved: any finite value, or NaN */
        if (isinf(v))
            return crvm__fail(CRVM_EINVAL, "cost model %s = %g: must be finite or NaN", name, v);
        return CRVM_OK;
    }
    if (i == 21 && isnan(v))
        return CRVM_OK;
    if (!isfinite(v))
        return crvm__fail(CRVM_EINVAL, "cost model %s = %g: must be finite", name, v);
    if (i >= 12 && i < 17) {
        if (v < -1 || v > 1)
            return crvm__fail(CRVM_EINVAL, "cost model %s = %g: must be in [-1, 1]", name, v);
    } else if (i == 17) {
        if (v < 0 || v >= 1)
            return crvm__fail(CRVM_EINVAL, "cost model %s = %g: must be in [0, 1)", name, v);
    } else if (i == 18 || i == 23) { /* deflection_probability, outreach_save_rate */
        if (v < 0 || v > 1)
            return crvm__fail(CRVM_EINVAL, "cost model %s = %g: must be in [0, 1]", name, v);
    } else if (v < 0) {
        return crvm__fail(CRVM_EINVAL, "cost model %s = %g: must be >= 0", name, v);
    }
    return CRVM_OK;
}

crvm_status crvm_cost_model_set(crvm_cost_model *m, const char *name, double value)
{
    if (!m || !name)
        return crvm__fail(CRVM_EINVAL, "crvm_cost_model_set: model and name are required");
    for (size_t i = 0; i < N_ASSUMPTIONS; i++)
        if (!strcmp(table[i].name, name)) {
            crvm_status st = check_assumption(i, value);
            if (st == CRVM_OK)
                *field_of(m, i) = value;
            return st;
        }
    return crvm__fail(CRVM_ENOTFOUND, "cost model has no assumption \"%.60s\"", name);
}

crvm_status crvm_cost_model_assumption(const crvm_cost_model *m, size_t i, crvm_assumption *out)
{
    if (!m || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_cost_model_assumption: model and out are required");
    if (i >= N_ASSUMPTIONS)
        return crvm__fail(CRVM_EINVAL, "crvm_cost_model_assumption: index %zu >= %zu", i,
                          (size_t)N_ASSUMPTIONS);
    out->name = table[i].name;
    out->unit = table[i].unit;
    out->source = table[i].source;
    out->value = value_of(m, i);
    return CRVM_OK;
}

crvm_status crvm_cost_model_validate(const crvm_cost_model *m)
{
    if (!m)
        return crvm__fail(CRVM_EINVAL, "cost model is NULL");
    for (size_t i = 0; i < N_ASSUMPTIONS; i++) {
        crvm_status st = check_assumption(i, value_of(m, i));
        if (st != CRVM_OK)
            return st;
    }
    return CRVM_OK;
}

static const char *const econ_names[CRVM_ECON_COLUMNS] = {
    "revenue_subscription", "revenue_maintenance", "revenue_support_plan", "revenue_services",
    "revenue_expansion", "revenue", "gross_margin", "contacts", "handle_minutes", "labour_cost",
    "channel_cost", "escalation_cost", "overhead_cost", "self_service_sessions",
    "self_service_cost", "cost_to_serve", "contribution_margin", "cost_per_contact"};
static const char *const kv_names[CRVM_KV_COLUMNS] = {
    "assisted_uses", "minutes_saved", "labour_saving", "views", "resolved_views", "deflected",
    "deflection_saving", "saving", "authoring_cost", "upkeep_cost", "cost", "value", "roi",
    "payback_days", "age_days", "linked_contacts"};

const char *crvm_econ_column_name(int c)
{
    return c >= 0 && c < CRVM_ECON_COLUMNS ? econ_names[c] : NULL;
}

const char *crvm_kv_column_name(int c)
{
    return c >= 0 && c < CRVM_KV_COLUMNS ? kv_names[c] : NULL;
}
