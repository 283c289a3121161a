/* The report as fixed-width text for a terminal. */
#include <stdio.h>

#include "io/report_data.h"

static void headline(const crvm__report *r, crvm__rbuf *b)
{
    const double *all = r->segments + r->info.segments * CRVM_VS_COLUMNS, *p = r->pnl;
    char h[32], from[16], to[16];
    crvm__report_horizon(r, h, sizeof h);
    crvm__report_date(r->pnl_from, from);
    crvm__report_date(r->info.as_of, to);
    crvm__rbuf_printf(b, "Headline (%s; %.4g%% intervals)\n", crvm__report_model_title(r),
                      100 * r->info.confidence);
    crvm__rbuf_printf(b, "  value per support dollar     %14.2f   (%.2f - %.2f), %s to %s\n",
                      p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR], p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER],
                      p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER], from, to);
    crvm__rbuf_printf(b, "  residual value               %14.0f   (%.0f - %.0f)\n",
                      all[CRVM_VS_RESIDUAL_VALUE], all[CRVM_VS_RESIDUAL_VALUE_LOWER],
                      all[CRVM_VS_RESIDUAL_VALUE_UPPER]);
    crvm__rbuf_printf(b, "  value at risk, %-13s %14.0f   (%.0f - %.0f)\n", h, all[CRVM_VS_VALUE_AT_RISK],
                      all[CRVM_VS_VALUE_AT_RISK_LOWER], all[CRVM_VS_VALUE_AT_RISK_UPPER]);
    crvm__rbuf_printf(b, "  net value effect of support  %14.0f   (%.0f - %.0f)\n",
                      p[CRVM_PNL_CONTACT_VALUE_EFFECT], p[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER],
                      p[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER]);
    crvm__rbuf_printf(b, "  expected retained, %-9s %14.1f   (%.1f - %.1f) of %.0f active customers\n", h,
                      all[CRVM_VS_EXPECTED_RETAINED], all[CRVM_VS_EXPECTED_RETAINED_LOWER],
                      all[CRVM_VS_EXPECTED_RETAINED_UPPER], all[CRVM_VS_CUSTOMERS]);
}

static void segments(const crvm__report *r, crvm__rbuf *b)
{
    char h[32];
    crvm__report_horizon(r, h, sizeof h);
    crvm__rbuf_printf(b, "\nSegment value (active customers; contribution per month; retention and value at "
                         "risk over %s)\n", h);
    crvm__rbuf_printf(b, "  %-14s %9s %13s %12s %14s %25s %12s %25s\n", "segment", "customers",
                      "contribution", "retained", "residual value", "(interval)", "value at risk",
                      "(interval)");
    for (size_t s = 0; s <= r->info.segments; s++) {
        const double *row = r->segments + s * CRVM_VS_COLUMNS;
        crvm__rbuf_printf(b, "  %-14s %9.0f %13.0f %12.1f %14.0f %12.0f - %-12.0f %12.0f %12.0f - %-12.0f\n",
                          crvm__report_segment(r, s), row[CRVM_VS_CUSTOMERS], row[CRVM_VS_CONTRIBUTION],
                          row[CRVM_VS_EXPECTED_RETAINED], row[CRVM_VS_RESIDUAL_VALUE],
                          row[CRVM_VS_RESIDUAL_VALUE_LOWER], row[CRVM_VS_RESIDUAL_VALUE_UPPER],
                          row[CRVM_VS_VALUE_AT_RISK], row[CRVM_VS_VALUE_AT_RISK_LOWER],
                          row[CRVM_VS_VALUE_AT_RISK_UPPER]);
    }
    crvm__rbuf_puts(b, "\nCustomer economics by segment (all activity up to the as-of date)\n");
    crvm__rbuf_printf(b, "  %-14s %14s %14s %13s %14s %9s %9s\n", "segment", "revenue", "gross margin",
                      "cost to serve", "contribution", "contacts", "$/contact");
    for (size_t s = 0; s < r->info.segments; s++) {
        const double *row = r->economics + s * CRVM_ECON_COLUMNS;
        crvm__rbuf_printf(b, "  %-14s %14.0f %14.0f %13.0f %14.0f %9.0f %9.2f\n", crvm__report_segment(r, s),
                          row[CRVM_ECON_REVENUE], row[CRVM_ECON_GROSS_MARGIN], row[CRVM_ECON_COST_TO_SERVE],
                          row[CRVM_ECON_CONTRIBUTION], row[CRVM_ECON_CONTACTS],
                          row[CRVM_ECON_COST_PER_CONTACT]);
    }
}

static void retention(const crvm__report *r, crvm__rbuf *b)
{
    size_t S = r->info.segments, P = r->info.covariates;
    if (r->params) {
        crvm__rbuf_puts(b, "\nRetention by segment (renewals, fitted jointly; standard errors)\n");
        crvm__rbuf_printf(b, "  %-14s %19s %19s\n", "segment", "alpha", "beta");
        for (size_t s = 0; s < S; s++)
            crvm__rbuf_printf(b, "  %-14s %9.3f (%7.3f) %9.3f (%7.3f)\n", crvm__report_segment(r, s),
                              r->params[2 * s], r->se[2 * s], r->params[2 * s + 1], r->se[2 * s + 1]);
        crvm__rbuf_printf(b, "  c = %.3f (%.3f); %d iterations, log-likelihood %.1f\n", r->params[2 * S],
                          r->se[2 * S], r->info.report.iterations, r->info.report.log_likelihood);
    }
    if (P == 0) {
        crvm__rbuf_puts(b, "\nSupport experience and churn: the retention model has no support covariates\n");
        return;
    }
    crvm__rbuf_puts(b, "\nSupport experience and churn (covariates of the period before each renewal)\n");
    crvm__rbuf_printf(b, "  %-14s %12s %19s %10s\n", "covariate", "hazard ratio", "interval", "p");
    for (size_t j = 0; j < P; j++) {
        const double *e = r->effects + j * CRVM_EFFECT_COLUMNS;
        crvm__rbuf_printf(b, "  %-14s %12.2f %8.2f - %-8.2f %10.2g\n", crvm_value_covariate_name(r->value, j),
                          e[CRVM_EFFECT_HAZARD_RATIO], e[CRVM_EFFECT_LOWER], e[CRVM_EFFECT_UPPER],
                          e[CRVM_EFFECT_P_VALUE]);
    }
    crvm__rbuf_puts(b, "  hazard ratio: how many times more likely a customer is to leave at a renewal per\n"
                       "  unit in the period before it (per contact; silent_*: silent that long), other\n"
                       "  things equal; 1 = no effect\n");
}

static void impacts(const crvm__report *r, crvm__rbuf *b)
{
    for (size_t i = 0; i < r->impacts; i++) {
        const crvm__report_impact *im = &r->impact[i];
        if (im->refused_only)
            crvm__rbuf_printf(b, "\nRefused contacts by %s (value lost against resolving them)\n", im->by);
        else
            crvm__rbuf_printf(b, "\nContact impact by %s (change in customer value against a resolved outcome; "
                                 "negative = value lost)\n", im->by);
        crvm__rbuf_printf(b, "  %-14s %9s %14s %25s\n", im->by, "contacts", "impact", "(interval)");
        for (size_t g = 0; g < im->groups; g++) {
            const double *row = im->rows + g * CRVM_IMPACT_COLUMNS;
            if (row[CRVM_IMPACT_CONTACTS] > 0)
                crvm__rbuf_printf(b, "  %-14s %9.0f %14.0f %12.0f - %-12.0f\n", crvm__report_label(r, im, g),
                                  row[CRVM_IMPACT_CONTACTS], row[CRVM_IMPACT_VALUE], row[CRVM_IMPACT_LOWER],
                                  row[CRVM_IMPACT_UPPER]);
        }
    }
}

static void pnl(const crvm__report *r, crvm__rbuf *b)
{
    char from[16], to[16];
    crvm__report_date(r->pnl_from, from);
    crvm__report_date(r->info.as_of, to);
    crvm__rbuf_printf(b, "\nSupport P&L, %s to %s (%.0f contacts)\n", from, to, r->pnl[CRVM_PNL_CONTACTS]);
    for (size_t i = 0; i < crvm__pnl_row_count; i++) {
        int l = crvm__pnl_rows[i].line;
        int ratio = l == CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR;
        crvm__rbuf_printf(b, ratio ? "  %-32s %14.2f" : "  %-32s %14.0f", crvm__pnl_rows[i].words, r->pnl[l]);
        if (crvm__pnl_rows[i].has_interval)
            crvm__rbuf_printf(b, ratio ? "   (%.2f - %.2f)" : "   (%.0f - %.0f)", r->pnl[l + 1], r->pnl[l + 2]);
        crvm__rbuf_puts(b, "\n");
    }
}

static void article_rows(const crvm__report *r, crvm__rbuf *b, const char *title, size_t from, size_t n,
                         int step)
{
    crvm__rbuf_printf(b, "  %-16s %10s %10s %10s %8s %13s %15s\n", title, "value", "saving", "cost", "ROI",
                      "payback days", "projected");
    for (size_t k = 0; k < n; k++) {
        size_t a = r->by_value[(size_t)((long)from + step * (long)k)];
        const double *row = r->knowledge + a * CRVM_VK_COLUMNS;
        char payback[32] = "not yet";
        if (row[CRVM_VK_PAYBACK_DAYS] >= 0)
            snprintf(payback, sizeof payback, "%.0f", row[CRVM_VK_PAYBACK_DAYS]);
        crvm__rbuf_printf(b, "  %-16s %10.0f %10.0f %10.0f %8.2f %13s %15.0f\n",
                          crvm_ledger_id(r->ledger, CRVM_TABLE_ARTICLES, a), row[CRVM_VK_VALUE],
                          row[CRVM_VK_SAVING], row[CRVM_VK_COST], row[CRVM_VK_ROI], payback,
                          row[CRVM_VK_PROJECTED_VALUE]);
    }
}

static void knowledge(const crvm__report *r, crvm__rbuf *b)
{
    size_t A = r->stats.articles;
    if (A == 0) {
        crvm__rbuf_puts(b, "\nKnowledge base: no articles\n");
        return;
    }
    const double *t = r->kb;
    crvm__rbuf_printf(b, "\nKnowledge base (%zu articles)\n", A);
    crvm__rbuf_printf(b, "  saving %.0f (labour %.0f from %.0f assisted reuses, deflection %.0f from %.0f "
                         "resolved self-service views)\n", t[CRVM_KV_SAVING], t[CRVM_KV_LABOUR_SAVING],
                      t[CRVM_KV_ASSISTED_USES], t[CRVM_KV_DEFLECTION_SAVING], t[CRVM_KV_RESOLVED_VIEWS]);
    crvm__rbuf_printf(b, "  cost %.0f (authoring %.0f, upkeep %.0f); value %.0f; ROI %.2f\n", t[CRVM_KV_COST],
                      t[CRVM_KV_AUTHORING_COST], t[CRVM_KV_UPKEEP_COST], t[CRVM_KV_VALUE], t[CRVM_KV_ROI]);
    crvm__rbuf_printf(b, "  minutes saved per reuse %.2f (%s), avoided contact cost %.2f (%s)\n",
                      r->estimate.minutes_saved, r->estimate.minutes_saved_estimated ? "estimated from the data" : "set",
                      r->estimate.avoided_contact_cost,
                      r->estimate.avoided_cost_estimated ? "estimated from the data" : "set");
    size_t top = (size_t)r->opt.top < A ? (size_t)r->opt.top : A;
    article_rows(r, b, "top articles", 0, top, 1);
    size_t bottom = (size_t)r->opt.top < A - top ? (size_t)r->opt.top : A - top;
    if (bottom > 0)
        article_rows(r, b, "bottom articles", A - 1, bottom, -1);
}

static void outreach(const crvm__report *r, crvm__rbuf *b)
{
    if (r->outreach == 0)
        return;
    char h[32];
    crvm__report_horizon(r, h, sizeof h);
    crvm__rbuf_printf(b, "\nOutreach: the %zu customers with the most value at risk over %s\n", r->outreach, h);
    crvm__rbuf_printf(b, "  %-12s %-14s %14s %14s %10s  %s\n", "customer", "segment", "value at risk",
                      "residual value", "retained", "drivers");
    for (size_t j = 0; j < r->outreach; j++) {
        const double *c = r->outreach_rows + j * CRVM_VC_COLUMNS;
        crvm__rbuf_printf(b, "  %-12s %-14s %14.0f %14.0f %9.1f%%  %s\n",
                          crvm_ledger_id(r->ledger, CRVM_TABLE_CUSTOMERS, (size_t)r->outreach_customer[j]),
                          crvm__report_segment(r, (size_t)c[CRVM_VC_SEGMENT]), c[CRVM_VC_VALUE_AT_RISK],
                          c[CRVM_VC_RESIDUAL_VALUE], 100 * c[CRVM_VC_RETENTION], crvm__report_drivers(r, j));
    }
}

void crvm__report_text(const crvm__report *r, crvm__rbuf *b)
{
    char date[16];
    crvm__report_date(r->info.as_of, date);
    crvm__rbuf_printf(b, "crvm report%s%s as of %s: %zu customers (%zu active), %zu revenue events, %zu contacts, "
                         "%zu articles, %zu knowledge uses\n\n",
                      r->opt.title ? " for " : "", r->opt.title ? r->opt.title : "", date, r->stats.customers,
                      r->info.active, r->stats.revenue_events, r->stats.contacts, r->stats.articles,
                      r->stats.knowledge_uses);
    headline(r, b);
    segments(r, b);
    retention(r, b);
    impacts(r, b);
    pnl(r, b);
    knowledge(r, b);
    outreach(r, b);
}
