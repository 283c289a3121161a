/* The report as JSON, schema "crvm-report" (docs/report-schema.md and
 * docs/report-schema.json describe every member). */
#include <stdio.h>

#include "io/report_data.h"

#define MONEY "%.2f"
#define REAL "%.10g"

static void key(crvm__rbuf *b, const char *k)
{
    crvm__rbuf_json_string(b, k);
    crvm__rbuf_puts(b, ":");
}

static void num(crvm__rbuf *b, const char *k, const char *fmt, double x)
{
    key(b, k);
    crvm__rbuf_json_number(b, fmt, x);
}

static void str(crvm__rbuf *b, const char *k, const char *s)
{
    key(b, k);
    crvm__rbuf_json_string(b, s);
}

/* {"estimate": x[0], "lower": x[1], "upper": x[2]} */
static void interval(crvm__rbuf *b, const char *k, const char *fmt, double est, double lo, double hi)
{
    key(b, k);
    crvm__rbuf_puts(b, "{");
    num(b, "estimate", fmt, est);
    crvm__rbuf_puts(b, ",");
    num(b, "lower", fmt, lo);
    crvm__rbuf_puts(b, ",");
    num(b, "upper", fmt, hi);
    crvm__rbuf_puts(b, "}");
}

static void date(crvm__rbuf *b, const char *k, crvm_date d)
{
    char text[16];
    crvm__report_date(d, text);
    str(b, k, text);
}

static void headline(const crvm__report *r, crvm__rbuf *b)
{
    const double *all = r->segments + r->info.segments * CRVM_VS_COLUMNS, *p = r->pnl;
    key(b, "headline");
    crvm__rbuf_puts(b, "{");
    interval(b, "value_per_support_dollar", REAL, p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR],
             p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER], p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER]);
    crvm__rbuf_puts(b, ",");
    interval(b, "residual_value", MONEY, all[CRVM_VS_RESIDUAL_VALUE], all[CRVM_VS_RESIDUAL_VALUE_LOWER],
             all[CRVM_VS_RESIDUAL_VALUE_UPPER]);
    crvm__rbuf_puts(b, ",");
    interval(b, "value_at_risk", MONEY, all[CRVM_VS_VALUE_AT_RISK], all[CRVM_VS_VALUE_AT_RISK_LOWER],
             all[CRVM_VS_VALUE_AT_RISK_UPPER]);
    crvm__rbuf_puts(b, ",");
    interval(b, "net_value_effect_of_support", MONEY, p[CRVM_PNL_CONTACT_VALUE_EFFECT],
             p[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER], p[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER]);
    crvm__rbuf_puts(b, ",");
    interval(b, "expected_retained", REAL, all[CRVM_VS_EXPECTED_RETAINED],
             all[CRVM_VS_EXPECTED_RETAINED_LOWER], all[CRVM_VS_EXPECTED_RETAINED_UPPER]);
    crvm__rbuf_puts(b, ",");
    num(b, "active_customers", "%.0f", all[CRVM_VS_CUSTOMERS]);
    crvm__rbuf_puts(b, "}");
}

static void pnl(const crvm__report *r, crvm__rbuf *b)
{
    key(b, "support_pnl");
    crvm__rbuf_puts(b, "{");
    date(b, "from", r->pnl_from);
    crvm__rbuf_puts(b, ",");
    date(b, "to", r->info.as_of);
    crvm__rbuf_puts(b, ",");
    num(b, "contacts", "%.0f", r->pnl[CRVM_PNL_CONTACTS]);
    crvm__rbuf_puts(b, ",\"lines\":[");
    for (size_t i = 0; i < crvm__pnl_row_count; i++) {
        int l = crvm__pnl_rows[i].line;
        const char *fmt = l == CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR ? REAL : MONEY;
        crvm__rbuf_puts(b, i ? ",{" : "{");
        str(b, "line", crvm_pnl_line_name(l));
        crvm__rbuf_puts(b, ",");
        str(b, "label", crvm__pnl_rows[i].words);
        crvm__rbuf_puts(b, ",");
        num(b, "amount", fmt, r->pnl[l]);
        if (crvm__pnl_rows[i].has_interval) {
            crvm__rbuf_puts(b, ",");
            num(b, "lower", fmt, r->pnl[l + 1]);
            crvm__rbuf_puts(b, ",");
            num(b, "upper", fmt, r->pnl[l + 2]);
        }
        crvm__rbuf_puts(b, "}");
    }
    crvm__rbuf_puts(b, "]}");
}

static void segments(const crvm__report *r, crvm__rbuf *b)
{
    key(b, "segments");
    crvm__rbuf_puts(b, "[");
    for (size_t s = 0; s <= r->info.segments; s++) {
        const double *v = r->segments + s * CRVM_VS_COLUMNS;
        crvm__rbuf_puts(b, s ? ",{" : "{");
        str(b, "segment", crvm__report_segment(r, s));
        crvm__rbuf_puts(b, ",");
        key(b, "total");
        crvm__rbuf_puts(b, s == r->info.segments ? "true," : "false,");
        num(b, "active_customers", "%.0f", v[CRVM_VS_CUSTOMERS]);
        crvm__rbuf_puts(b, ",");
        num(b, "contribution_per_period", MONEY, v[CRVM_VS_CONTRIBUTION]);
        crvm__rbuf_puts(b, ",");
        interval(b, "expected_retained", REAL, v[CRVM_VS_EXPECTED_RETAINED],
                 v[CRVM_VS_EXPECTED_RETAINED_LOWER], v[CRVM_VS_EXPECTED_RETAINED_UPPER]);
        crvm__rbuf_puts(b, ",");
        interval(b, "residual_value", MONEY, v[CRVM_VS_RESIDUAL_VALUE], v[CRVM_VS_RESIDUAL_VALUE_LOWER],
                 v[CRVM_VS_RESIDUAL_VALUE_UPPER]);
        crvm__rbuf_puts(b, ",");
        interval(b, "value_at_risk", MONEY, v[CRVM_VS_VALUE_AT_RISK], v[CRVM_VS_VALUE_AT_RISK_LOWER],
                 v[CRVM_VS_VALUE_AT_RISK_UPPER]);
        if (s < r->info.segments) {
            const double *e = r->economics + s * CRVM_ECON_COLUMNS;
            crvm__rbuf_puts(b, ",\"economics\":{");
            num(b, "revenue", MONEY, e[CRVM_ECON_REVENUE]);
            crvm__rbuf_puts(b, ",");
            num(b, "gross_margin", MONEY, e[CRVM_ECON_GROSS_MARGIN]);
            crvm__rbuf_puts(b, ",");
            num(b, "cost_to_serve", MONEY, e[CRVM_ECON_COST_TO_SERVE]);
            crvm__rbuf_puts(b, ",");
            num(b, "contribution", MONEY, e[CRVM_ECON_CONTRIBUTION]);
            crvm__rbuf_puts(b, ",");
            num(b, "contacts", "%.0f", e[CRVM_ECON_CONTACTS]);
            crvm__rbuf_puts(b, ",");
            num(b, "cost_per_contact", MONEY, e[CRVM_ECON_COST_PER_CONTACT]);
            crvm__rbuf_puts(b, "}");
        }
        crvm__rbuf_puts(b, "}");
    }
    crvm__rbuf_puts(b, "]");
}

static void estimate(crvm__rbuf *b, const char *k, double est, double se)
{
    key(b, k);
    crvm__rbuf_puts(b, "{");
    num(b, "estimate", REAL, est);
    crvm__rbuf_puts(b, ",");
    num(b, "standard_error", REAL, se);
    crvm__rbuf_puts(b, "}");
}

static void curve(crvm__rbuf *b, const char *k, const double *y, size_t n)
{
    key(b, k);
    crvm__rbuf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            crvm__rbuf_puts(b, ",");
        crvm__rbuf_json_number(b, REAL, y[i]);
    }
    crvm__rbuf_puts(b, "]");
}

static void retention(const crvm__report *r, crvm__rbuf *b)
{
    size_t S = r->info.segments, P = r->info.covariates;
    key(b, "retention");
    crvm__rbuf_puts(b, "{");
    str(b, "model", r->model_name);
    crvm__rbuf_puts(b, ",");
    num(b, "iterations", "%.0f", (double)r->info.report.iterations);
    crvm__rbuf_puts(b, ",");
    num(b, "log_likelihood", REAL, r->info.report.log_likelihood);
    crvm__rbuf_puts(b, ",\"segments\":[");
    for (size_t s = 0; s < S; s++) {
        crvm__rbuf_puts(b, s ? ",{" : "{");
        str(b, "segment", crvm__report_segment(r, s));
        if (r->params) {
            crvm__rbuf_puts(b, ",");
            estimate(b, "alpha", r->params[2 * s], r->se[2 * s]);
            crvm__rbuf_puts(b, ",");
            estimate(b, "beta", r->params[2 * s + 1], r->se[2 * s + 1]);
        }
        crvm__rbuf_puts(b, ",");
        curve(b, "observed", r->observed + s * r->curve_len, r->curve_len);
        crvm__rbuf_puts(b, ",");
        curve(b, "projected", r->projected + s * r->curve_len, r->curve_len);
        crvm__rbuf_puts(b, "}");
    }
    crvm__rbuf_puts(b, "]");
    if (r->params) {
        crvm__rbuf_puts(b, ",");
        estimate(b, "c", r->params[2 * S], r->se[2 * S]);
    }
    crvm__rbuf_puts(b, ",\"covariates\":[");
    for (size_t j = 0; j < P; j++) {
        const double *e = r->effects + j * CRVM_EFFECT_COLUMNS;
        crvm__rbuf_puts(b, j ? ",{" : "{");
        str(b, "name", crvm_value_covariate_name(r->value, j));
        crvm__rbuf_puts(b, ",");
        num(b, "coefficient", REAL, e[CRVM_EFFECT_COEFFICIENT]);
        crvm__rbuf_puts(b, ",");
        num(b, "standard_error", REAL, e[CRVM_EFFECT_STANDARD_ERROR]);
        crvm__rbuf_puts(b, ",");
        interval(b, "hazard_ratio", REAL, e[CRVM_EFFECT_HAZARD_RATIO], e[CRVM_EFFECT_LOWER],
                 e[CRVM_EFFECT_UPPER]);
        crvm__rbuf_puts(b, ",");
        num(b, "p_value", REAL, e[CRVM_EFFECT_P_VALUE]);
        crvm__rbuf_puts(b, "}");
    }
    crvm__rbuf_puts(b, "]}");
}

static void impacts(const crvm__report *r, crvm__rbuf *b)
{
    key(b, "contact_impact");
    crvm__rbuf_puts(b, "{\"reference\":\"resolved\",\"groupings\":[");
    for (size_t i = 0; i < r->impacts; i++) {
        const crvm__report_impact *im = &r->impact[i];
        crvm__rbuf_puts(b, i ? ",{" : "{");
        str(b, "by", im->by);
        crvm__rbuf_puts(b, im->refused_only ? ",\"outcomes\":\"refused\"" : ",\"outcomes\":\"all\"");
        crvm__rbuf_puts(b, ",\"groups\":[");
        for (size_t g = 0; g < im->groups; g++) {
            const double *row = im->rows + g * CRVM_IMPACT_COLUMNS;
            crvm__rbuf_puts(b, g ? ",{" : "{");
            str(b, "label", crvm__report_label(r, im, g));
            crvm__rbuf_puts(b, ",");
            num(b, "contacts", "%.0f", row[CRVM_IMPACT_CONTACTS]);
            crvm__rbuf_puts(b, ",");
            interval(b, "impact", MONEY, row[CRVM_IMPACT_VALUE], row[CRVM_IMPACT_LOWER], row[CRVM_IMPACT_UPPER]);
            crvm__rbuf_puts(b, "}");
        }
        crvm__rbuf_puts(b, "]}");
    }
    crvm__rbuf_puts(b, "]}");
}

static void article(const crvm__report *r, crvm__rbuf *b, size_t a)
{
    const double *row = r->knowledge + a * CRVM_VK_COLUMNS;
    crvm__rbuf_puts(b, "{");
    str(b, "article", crvm_ledger_id(r->ledger, CRVM_TABLE_ARTICLES, a));
    for (int c = 0; c < CRVM_VK_COLUMNS; c++) {
        crvm__rbuf_puts(b, ",");
        if (c == CRVM_VK_PAYBACK_DAYS && row[c] < 0) {
            key(b, "payback_days");
            crvm__rbuf_puts(b, "null");
            continue;
        }
        int money = c != CRVM_VK_ROI && c != CRVM_VK_PAYBACK_DAYS && c != CRVM_VK_USES_PER_PERIOD;
        num(b, crvm_value_knowledge_column_name(c), money ? MONEY : REAL, row[c]);
    }
    crvm__rbuf_puts(b, "}");
}

static void knowledge(const crvm__report *r, crvm__rbuf *b)
{
    size_t A = r->stats.articles, top = (size_t)r->opt.top < A ? (size_t)r->opt.top : A;
    size_t bottom = (size_t)r->opt.top < A - top ? (size_t)r->opt.top : A - top;
    key(b, "knowledge");
    crvm__rbuf_puts(b, "{");
    num(b, "articles", "%.0f", (double)A);
    static const struct {
        int column;
        const char *name;
    } totals[] = {{CRVM_KV_SAVING, "saving"}, {CRVM_KV_LABOUR_SAVING, "labour_saving"},
                  {CRVM_KV_DEFLECTION_SAVING, "deflection_saving"}, {CRVM_KV_COST, "cost"},
                  {CRVM_KV_AUTHORING_COST, "authoring_cost"}, {CRVM_KV_UPKEEP_COST, "upkeep_cost"},
                  {CRVM_KV_VALUE, "value"}};
    for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++) {
        crvm__rbuf_puts(b, ",");
        num(b, totals[i].name, MONEY, A ? r->kb[totals[i].column] : 0.0);
    }
    crvm__rbuf_puts(b, ",");
    num(b, "roi", REAL, A ? r->kb[CRVM_KV_ROI] : 0.0);
    crvm__rbuf_puts(b, ",\"top\":[");
    for (size_t k = 0; k < top; k++) {
        if (k)
            crvm__rbuf_puts(b, ",");
        article(r, b, r->by_value[k]);
    }
    crvm__rbuf_puts(b, "],\"bottom\":[");
    for (size_t k = 0; k < bottom; k++) {
        if (k)
            crvm__rbuf_puts(b, ",");
        article(r, b, r->by_value[A - 1 - k]);
    }
    crvm__rbuf_puts(b, "]}");
}

static void outreach(const crvm__report *r, crvm__rbuf *b)
{
    key(b, "outreach");
    crvm__rbuf_puts(b, "[");
    for (size_t j = 0; j < r->outreach; j++) {
        const double *c = r->outreach_rows + j * CRVM_VC_COLUMNS;
        crvm__rbuf_puts(b, j ? ",{" : "{");
        str(b, "customer", crvm_ledger_id(r->ledger, CRVM_TABLE_CUSTOMERS, (size_t)r->outreach_customer[j]));
        crvm__rbuf_puts(b, ",");
        str(b, "segment", crvm__report_segment(r, (size_t)c[CRVM_VC_SEGMENT]));
        crvm__rbuf_puts(b, ",");
        interval(b, "value_at_risk", MONEY, c[CRVM_VC_VALUE_AT_RISK], c[CRVM_VC_VALUE_AT_RISK_LOWER],
                 c[CRVM_VC_VALUE_AT_RISK_UPPER]);
        crvm__rbuf_puts(b, ",");
        interval(b, "residual_value", MONEY, c[CRVM_VC_RESIDUAL_VALUE], c[CRVM_VC_RESIDUAL_VALUE_LOWER],
                 c[CRVM_VC_RESIDUAL_VALUE_UPPER]);
        crvm__rbuf_puts(b, ",");
        interval(b, "retention_probability", REAL, c[CRVM_VC_RETENTION], c[CRVM_VC_RETENTION_LOWER],
                 c[CRVM_VC_RETENTION_UPPER]);
        crvm__rbuf_puts(b, ",");
        str(b, "drivers", crvm__report_drivers(r, j));
        crvm__rbuf_puts(b, "}");
    }
    crvm__rbuf_puts(b, "]");
}

void crvm__report_json(const crvm__report *r, crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "{\"schema\":\"crvm-report\",");
    num(b, "schema_version", "%.0f", (double)CRVM_REPORT_SCHEMA_VERSION);
    crvm__rbuf_puts(b, ",");
    str(b, "crvm_version", crvm_version());
    crvm__rbuf_puts(b, ",");
    key(b, "title");
    if (r->opt.title)
        crvm__rbuf_json_string(b, r->opt.title);
    else
        crvm__rbuf_puts(b, "null");
    crvm__rbuf_puts(b, ",");
    date(b, "as_of", r->info.as_of);
    crvm__rbuf_puts(b, ",");
    key(b, "horizon_months");
    crvm__rbuf_printf(b, "%d", r->info.horizon);
    crvm__rbuf_puts(b, ",");
    num(b, "confidence_level", REAL, r->info.confidence);
    crvm__rbuf_puts(b, ",\"data\":{");
    num(b, "customers", "%.0f", (double)r->stats.customers);
    crvm__rbuf_puts(b, ",");
    num(b, "active_customers", "%.0f", (double)r->info.active);
    crvm__rbuf_puts(b, ",");
    num(b, "revenue_events", "%.0f", (double)r->stats.revenue_events);
    crvm__rbuf_puts(b, ",");
    num(b, "contacts", "%.0f", (double)r->stats.contacts);
    crvm__rbuf_puts(b, ",");
    num(b, "articles", "%.0f", (double)r->stats.articles);
    crvm__rbuf_puts(b, ",");
    num(b, "knowledge_uses", "%.0f", (double)r->stats.knowledge_uses);
    crvm__rbuf_puts(b, "},");
    headline(r, b);
    crvm__rbuf_puts(b, ",");
    pnl(r, b);
    crvm__rbuf_puts(b, ",");
    segments(r, b);
    crvm__rbuf_puts(b, ",");
    retention(r, b);
    crvm__rbuf_puts(b, ",");
    impacts(r, b);
    crvm__rbuf_puts(b, ",");
    knowledge(r, b);
    crvm__rbuf_puts(b, ",");
    outreach(r, b);
    crvm__rbuf_puts(b, "}\n");
}
