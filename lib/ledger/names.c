/* Names of enumerated values, their parsing, and column names. */
#include <string.h>

#include "core/error.h"
#include "ledger/ledger_internal.h"

static const char *const stream_names[CRVM_STREAM_COUNT] = {
    "subscription", "maintenance", "support_plan", "services", "expansion"};
static const char *const channel_names[CRVM_CHANNEL_COUNT] = {"phone", "email", "chat", "web",
                                                              "social"};
static const char *const outcome_names[CRVM_OUTCOME_COUNT] = {"resolved", "workaround", "refused",
                                                              "abandoned"};
static const char *const use_kind_names[CRVM_USE_KIND_COUNT] = {"assisted", "self_service"};
static const char *const period_names[3] = {"month", "quarter", "year"};
static const char *const table_names[CRVM_TABLE_COUNT] = {
    "customers", "revenue", "contacts", "contact_articles", "articles", "knowledge_uses"};
static const char *const activity_names[CRVM_ACTIVITY_COLUMNS] = {
    "revenue_subscription", "revenue_maintenance", "revenue_support_plan", "revenue_services",
    "revenue_expansion", "revenue", "contacts", "contacts_phone", "contacts_email", "contacts_chat",
    "contacts_web", "contacts_social", "contacts_resolved", "contacts_workaround",
    "contacts_refused", "contacts_abandoned", "contacts_tier1", "contacts_tier2", "contacts_tier3",
    "escalated", "handle_minutes", "handle_minutes_tier1", "handle_minutes_tier2",
    "handle_minutes_tier3", "closed", "resolution_days", "rated", "satisfaction", "assisted_uses",
    "self_service_views", "self_service_resolved"};
static const char *const covariate_names[CRVM_COVARIATE_COLUMNS] = {
    "contacts", "tenure_months", "contacts_per_month", "refusal_share", "escalation_share",
    "mean_resolution_days", "mean_satisfaction", "rated"};
static const char *const rfm_names[CRVM_RFM_COLUMNS] = {"frequency", "recency", "T",
                                                       "monetary_value", "observed"};

#define NAME_OF(table, v) \
    ((v) >= 0 && (size_t)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : NULL)

const char *crvm_stream_name(int v) { return NAME_OF(stream_names, v); }
const char *crvm_channel_name(int v) { return NAME_OF(channel_names, v); }
const char *crvm_outcome_name(int v) { return NAME_OF(outcome_names, v); }
const char *crvm_use_kind_name(int v) { return NAME_OF(use_kind_names, v); }
const char *crvm_period_name(int v) { return NAME_OF(period_names, v); }
const char *crvm_table_name(int v)
{
    return v == CRVM_TABLE_CONTACT_ATTRIBUTES ? "contact_attributes" : NAME_OF(table_names, v);
}
const char *crvm_activity_column_name(int v) { return NAME_OF(activity_names, v); }
const char *crvm_covariate_column_name(int v) { return NAME_OF(covariate_names, v); }
const char *crvm_rfm_column_name(int v) { return NAME_OF(rfm_names, v); }

/* ASCII case-insensitive equality of text[0..len) with a NUL-terminated name,
 * treating ' ' and '-' in text as '_'. */
static int same_name(const char *text, size_t len, const char *name)
{
    size_t i = 0;
    for (; i < len; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == ' ' || c == '-')
            c = '_';
        if (name[i] == '\0' || c != name[i])
            return 0;
    }
    return name[i] == '\0';
}

typedef struct alias {
    const char *name;
    int value;
} alias;

static crvm_status parse(const char *what, const char *const *names, int n, const alias *aliases,
                         const char *text, size_t len, int *out)
{
    if (!text || !out)
        return crvm__fail(CRVM_EINVAL, "%s: text and out are required", what);
    for (int i = 0; i < n; i++)
        if (same_name(text, len, names[i])) {
            *out = i;
            return CRVM_OK;
        }
    for (; aliases && aliases->name; aliases++)
        if (same_name(text, len, aliases->name)) {
            *out = aliases->value;
            return CRVM_OK;
        }
    return crvm__fail(CRVM_EPARSE, "%s \"%.*s\": not a known value", what,
                      (int)(len > 40 ? 40 : len), text);
}

crvm_status crvm_stream_parse(const char *text, size_t len, int *out)
{
    return parse("stream", stream_names, CRVM_STREAM_COUNT, NULL, text, len, out);
}

crvm_status crvm_channel_parse(const char *text, size_t len, int *out)
{
    static const alias a[] = {{"portal", CRVM_CHANNEL_WEB}, {NULL, 0}};
    return parse("channel", channel_names, CRVM_CHANNEL_COUNT, a, text, len, out);
}

crvm_status crvm_outcome_parse(const char *text, size_t len, int *out)
{
    return parse("outcome", outcome_names, CRVM_OUTCOME_COUNT, NULL, text, len, out);
}

crvm_status crvm_use_kind_parse(const char *text, size_t len, int *out)
{
    static const alias a[] = {
        {"view", CRVM_USE_SELF_SERVICE}, {"reuse", CRVM_USE_ASSISTED}, {NULL, 0}};
    return parse("knowledge use kind", use_kind_names, CRVM_USE_KIND_COUNT, a, text, len, out);
}
