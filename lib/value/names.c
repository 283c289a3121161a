/* Snake-case names of the value layer's columns (crvm/value.h). */
#include "crvm/value.h"
#include "value/panel.h"

static const char *const customer_columns[CRVM_VC_COLUMNS] = {
    "active", "segment", "tenure", "gross_margin", "cost_to_serve", "contribution_per_period",
    "retention_probability", "retention_probability_lower", "retention_probability_upper",
    "churn_next", "expected_residual_lifetime", "derl", "residual_value", "residual_value_lower",
    "residual_value_upper", "value_at_risk", "value_at_risk_lower", "value_at_risk_upper",
    "silence", "risk_multiplier"};

static const char *const segment_columns[CRVM_VS_COLUMNS] = {
    "customers", "contribution_per_period", "expected_retained", "expected_retained_lower",
    "expected_retained_upper", "residual_value", "residual_value_lower", "residual_value_upper",
    "value_at_risk", "value_at_risk_lower", "value_at_risk_upper"};

static const char *const pnl_lines[CRVM_PNL_LINES] = {
    "support_plan_revenue", "sourced_revenue", "knowledge_labour_saving",
    "knowledge_deflection_saving", "contact_value_effect", "contact_value_effect_lower",
    "contact_value_effect_upper", "value", "labour_cost", "channel_cost", "escalation_cost",
    "overhead_cost", "self_service_cost", "knowledge_cost", "cost", "net_contribution",
    "net_contribution_lower", "net_contribution_upper", "value_per_support_dollar",
    "value_per_support_dollar_lower", "value_per_support_dollar_upper", "contacts"};

static const char *const knowledge_columns[CRVM_VK_COLUMNS] = {
    "saving", "cost", "value", "roi", "payback_days", "uses_per_period", "projected_saving",
    "projected_upkeep", "projected_value"};

const char *crvm__value_candidate_name(int j)
{
    static const char *const names[CRVM__Z_CANDIDATES] = {
        "contacts", "workaround", "refused", "abandoned", "escalated", "silent_3_5", "silent_6_plus"};
    return j >= 0 && j < CRVM__Z_CANDIDATES ? names[j] : NULL;
}

const char *crvm_value_column_name(int c)
{
    return c >= 0 && c < CRVM_VC_COLUMNS ? customer_columns[c] : NULL;
}

const char *crvm_value_segment_column_name(int c)
{
    return c >= 0 && c < CRVM_VS_COLUMNS ? segment_columns[c] : NULL;
}

const char *crvm_pnl_line_name(int line)
{
    return line >= 0 && line < CRVM_PNL_LINES ? pnl_lines[line] : NULL;
}

const char *crvm_value_knowledge_column_name(int c)
{
    return c >= 0 && c < CRVM_VK_COLUMNS ? knowledge_columns[c] : NULL;
}

const char *crvm_value_candidate_name(int j) { return crvm__value_candidate_name(j); }
