/* The report as CSV, one table at a time (docs/report-schema.md lists the
 * columns of each). Money has two decimals; empty fields are figures that do
 * not exist (no interval, no observation). */
#include <math.h>
#include <stdio.h>

#include "io/report_data.h"

#define MONEY "%.2f"
#define REAL "%.10g"

static void field(crvm__rbuf *b, const char *s)
{
    crvm__rbuf_csv_field(b, s);
    crvm__rbuf_puts(b, ",");
}

static void number(crvm__rbuf *b, const char *fmt, double x, int last)
{
    crvm__rbuf_csv_number(b, fmt, x);
    crvm__rbuf_puts(b, last ? "\n" : ",");
}

static void interval3(crvm__rbuf *b, const char *fmt, double est, double lo, double hi, int last)
{
    number(b, fmt, est, 0);
    number(b, fmt, lo, 0);
    number(b, fmt, hi, last);
}

static void headline(const crvm__report *r, crvm__rbuf *b)
{
    const double *all = r->segments + r->info.segments * CRVM_VS_COLUMNS, *p = r->pnl;
    crvm__rbuf_puts(b, "figure,estimate,lower,upper\n");
    field(b, "value_per_support_dollar");
    interval3(b, REAL, p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR], p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER],
              p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER], 1);
    field(b, "residual_value");
    interval3(b, MONEY, all[CRVM_VS_RESIDUAL_VALUE], all[CRVM_VS_RESIDUAL_VALUE_LOWER],
              all[CRVM_VS_RESIDUAL_VALUE_UPPER], 1);
    field(b, "value_at_risk");
    interval3(b, MONEY, all[CRVM_VS_VALUE_AT_RISK], all[CRVM_VS_VALUE_AT_RISK_LOWER],
              all[CRVM_VS_VALUE_AT_RISK_UPPER], 1);
    field(b, "net_value_effect_of_support");
    interval3(b, MONEY, p[CRVM_PNL_CONTACT_VALUE_EFFECT], p[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER],
              p[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER], 1);
    field(b, "expected_retained");
    interval3(b, REAL, all[CRVM_VS_EXPECTED_RETAINED], all[CRVM_VS_EXPECTED_RETAINED_LOWER],
              all[CRVM_VS_EXPECTED_RETAINED_UPPER], 1);
}

static void pnl(const crvm__report *r, crvm__rbuf *b)
{
    char from[16], to[16];
    crvm__report_date(r->pnl_from, from);
    crvm__report_date(r->info.as_of, to);
    crvm__rbuf_puts(b, "from,to,line,amount,lower,upper\n");
    for (size_t i = 0; i < crvm__pnl_row_count; i++) {
        int l = crvm__pnl_rows[i].line, iv = crvm__pnl_rows[i].has_interval;
        const char *fmt = l == CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR ? REAL : MONEY;
        field(b, from);
        field(b, to);
        field(b, crvm_pnl_line_name(l));
        interval3(b, fmt, r->pnl[l], iv ? r->pnl[l + 1] : NAN, iv ? r->pnl[l + 2] : NAN, 1);
    }
}

static void segments(const crvm__report *r, crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "segment,active_customers,contribution_per_period,expected_retained,"
                       "expected_retained_lower,expected_retained_upper,residual_value,residual_value_lower,"
                       "residual_value_upper,value_at_risk,value_at_risk_lower,value_at_risk_upper,revenue,"
                       "gross_margin,cost_to_serve,contribution,contacts,cost_per_contact\n");
    for (size_t s = 0; s <= r->info.segments; s++) {
        const double *v = r->segments + s * CRVM_VS_COLUMNS;
        field(b, crvm__report_segment(r, s));
        number(b, "%.0f", v[CRVM_VS_CUSTOMERS], 0);
        number(b, MONEY, v[CRVM_VS_CONTRIBUTION], 0);
        interval3(b, REAL, v[CRVM_VS_EXPECTED_RETAINED], v[CRVM_VS_EXPECTED_RETAINED_LOWER],
                  v[CRVM_VS_EXPECTED_RETAINED_UPPER], 0);
        interval3(b, MONEY, v[CRVM_VS_RESIDUAL_VALUE], v[CRVM_VS_RESIDUAL_VALUE_LOWER],
                  v[CRVM_VS_RESIDUAL_VALUE_UPPER], 0);
        interval3(b, MONEY, v[CRVM_VS_VALUE_AT_RISK], v[CRVM_VS_VALUE_AT_RISK_LOWER],
                  v[CRVM_VS_VALUE_AT_RISK_UPPER], 0);
        /* The total row has no economics of its own: the table is by segment. */
        const double *e = s < r->info.segments ? r->economics + s * CRVM_ECON_COLUMNS : NULL;
        static const int cols[] = {CRVM_ECON_REVENUE, CRVM_ECON_GROSS_MARGIN, CRVM_ECON_COST_TO_SERVE,
                                   CRVM_ECON_CONTRIBUTION, CRVM_ECON_CONTACTS, CRVM_ECON_COST_PER_CONTACT};
        for (size_t c = 0; c < 6; c++)
            number(b, cols[c] == CRVM_ECON_CONTACTS ? "%.0f" : MONEY, e ? e[cols[c]] : NAN, c == 5);
    }
}

static void retention(const crvm__report *r, crvm__rbuf *b)
{
    size_t S = r->info.segments;
    crvm__rbuf_puts(b, "parameter,segment,estimate,standard_error\n");
    for (size_t s = 0; r->params && s < S; s++) {
        field(b, "alpha");
        field(b, crvm__report_segment(r, s));
        number(b, REAL, r->params[2 * s], 0);
        number(b, REAL, r->se[2 * s], 1);
        field(b, "beta");
        field(b, crvm__report_segment(r, s));
        number(b, REAL, r->params[2 * s + 1], 0);
        number(b, REAL, r->se[2 * s + 1], 1);
    }
    if (r->params) {
        field(b, "c");
        field(b, "");
        number(b, REAL, r->params[2 * S], 0);
        number(b, REAL, r->se[2 * S], 1);
    }
}

static void covariates(const crvm__report *r, crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "covariate,coefficient,standard_error,hazard_ratio,hazard_ratio_lower,"
                       "hazard_ratio_upper,p_value\n");
    for (size_t j = 0; j < r->info.covariates; j++) {
        const double *e = r->effects + j * CRVM_EFFECT_COLUMNS;
        field(b, crvm_value_covariate_name(r->value, j));
        for (int c = 0; c < CRVM_EFFECT_COLUMNS; c++)
            number(b, REAL, e[c], c == CRVM_EFFECT_COLUMNS - 1);
    }
}

static void curves(const crvm__report *r, crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "segment,period,observed,projected\n");
    for (size_t s = 0; s < r->info.segments; s++)
        for (size_t i = 0; i < r->curve_len; i++) {
            field(b, crvm__report_segment(r, s));
            number(b, "%.0f", (double)i, 0);
            number(b, REAL, r->observed[s * r->curve_len + i], 0);
            number(b, REAL, r->projected[s * r->curve_len + i], 1);
        }
}

static void impacts(const crvm__report *r, crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "by,outcomes,group,contacts,impact,impact_lower,impact_upper\n");
    for (size_t i = 0; i < r->impacts; i++)
        for (size_t g = 0; g < r->impact[i].groups; g++) {
            const double *row = r->impact[i].rows + g * CRVM_IMPACT_COLUMNS;
            field(b, r->impact[i].by);
            field(b, r->impact[i].refused_only ? "refused" : "all");
            field(b, crvm__report_label(r, &r->impact[i], g));
            number(b, "%.0f", row[CRVM_IMPACT_CONTACTS], 0);
            interval3(b, MONEY, row[CRVM_IMPACT_VALUE], row[CRVM_IMPACT_LOWER], row[CRVM_IMPACT_UPPER], 1);
        }
}

static void knowledge(const crvm__report *r, crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "article,rank");
    for (int c = 0; c < CRVM_VK_COLUMNS; c++)
        crvm__rbuf_printf(b, ",%s", crvm_value_knowledge_column_name(c));
    crvm__rbuf_puts(b, "\n");
    for (size_t k = 0; k < r->stats.articles; k++) {
        size_t a = r->by_value[k];
        const double *row = r->knowledge + a * CRVM_VK_COLUMNS;
        field(b, crvm_ledger_id(r->ledger, CRVM_TABLE_ARTICLES, a));
        number(b, "%.0f", (double)(k + 1), 0);
        for (int c = 0; c < CRVM_VK_COLUMNS; c++) {
            int money = c != CRVM_VK_ROI && c != CRVM_VK_PAYBACK_DAYS && c != CRVM_VK_USES_PER_PERIOD;
            double x = c == CRVM_VK_PAYBACK_DAYS && row[c] < 0 ? NAN : row[c];
            number(b, money ? MONEY : REAL, x, c == CRVM_VK_COLUMNS - 1);
        }
    }
}

static void outreach(const crvm__report *r, crvm__rbuf *b)
{
    crvm__rbuf_puts(b, "rank,customer,segment,value_at_risk,value_at_risk_lower,value_at_risk_upper,"
                       "residual_value,residual_value_lower,residual_value_upper,retention_probability,"
                       "retention_probability_lower,retention_probability_upper,drivers\n");
    for (size_t j = 0; j < r->outreach; j++) {
        const double *c = r->outreach_rows + j * CRVM_VC_COLUMNS;
        number(b, "%.0f", (double)(j + 1), 0);
        field(b, crvm_ledger_id(r->ledger, CRVM_TABLE_CUSTOMERS, (size_t)r->outreach_customer[j]));
        field(b, crvm__report_segment(r, (size_t)c[CRVM_VC_SEGMENT]));
        interval3(b, MONEY, c[CRVM_VC_VALUE_AT_RISK], c[CRVM_VC_VALUE_AT_RISK_LOWER],
                  c[CRVM_VC_VALUE_AT_RISK_UPPER], 0);
        interval3(b, MONEY, c[CRVM_VC_RESIDUAL_VALUE], c[CRVM_VC_RESIDUAL_VALUE_LOWER],
                  c[CRVM_VC_RESIDUAL_VALUE_UPPER], 0);
        interval3(b, REAL, c[CRVM_VC_RETENTION], c[CRVM_VC_RETENTION_LOWER], c[CRVM_VC_RETENTION_UPPER], 0);
        crvm__rbuf_csv_field(b, crvm__report_drivers(r, j));
        crvm__rbuf_puts(b, "\n");
    }
}

void crvm__report_csv(const crvm__report *r, crvm_report_table table, crvm__rbuf *b)
{
    switch (table) {
    case CRVM_REPORT_TABLE_PNL: pnl(r, b); break;
    case CRVM_REPORT_TABLE_SEGMENTS: segments(r, b); break;
    case CRVM_REPORT_TABLE_RETENTION: retention(r, b); break;
    case CRVM_REPORT_TABLE_COVARIATES: covariates(r, b); break;
    case CRVM_REPORT_TABLE_CURVES: curves(r, b); break;
    case CRVM_REPORT_TABLE_IMPACT: impacts(r, b); break;
    case CRVM_REPORT_TABLE_KNOWLEDGE: knowledge(r, b); break;
    case CRVM_REPORT_TABLE_OUTREACH: outreach(r, b); break;
    default: headline(r, b);
    }
}
