/* The report as one self-contained HTML page: no network, no scripts, no
 * fonts beyond the reader's own; charts are inline SVG (report_svg.c). The
 * stylesheet lays it out in two columns on a laptop screen and in one on A4. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "io/report_data.h"
#include "io/report_svg.h"

static const char style[] =
    "<style>\n"
    ":root{--ink:#1d2733;--muted:#5b6776;--line:#d5dbe3;--pos:#1f5f99;--neg:#c0504d;--tot:#4f8a3a}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
    "color:var(--ink);background:#f4f6f9}\n"
    "main{max-width:1280px;margin:0 auto;padding:20px 28px 40px}\n"
    "h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);"
    "padding-bottom:4px}\n"
    ".sub{color:var(--muted);margin:0 0 16px}\n"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px}\n"
    ".card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}\n"
    ".card .v{font-size:24px;font-weight:600;margin:2px 0}.card .i{color:var(--muted);font-size:12px}\n"
    ".charts{display:grid;grid-template-columns:1fr 1fr;gap:14px}\n"
    "figure.chart{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 10px}\n"
    "figcaption{font-weight:600;margin-bottom:4px}\n"
    "svg{width:100%;height:auto;display:block}\n"
    "svg text{font-size:11px;fill:var(--ink)}svg .axis-label{font-size:12px;font-weight:600}\n"
    "svg .tick,svg .legend{fill:var(--muted)}\n"
    "svg .grid{stroke:#eef1f5}svg .axis{stroke:#8a96a5}\n"
    "svg .bar{fill:var(--pos)}svg .bar.negative{fill:var(--neg)}svg .bar.total{fill:var(--tot)}\n"
    "svg .whisker{stroke:var(--ink);fill:none;stroke-width:1.2}\n"
    "svg .curve{fill:none;stroke-width:2}svg .curve.projected{stroke-dasharray:5 4;stroke-width:1.5}\n"
    ".tables{display:grid;grid-template-columns:1fr 1fr;gap:14px;align-items:start}\n"
    ".wide{grid-column:1 / -1}\n"
    "table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);font-size:13px}\n"
    "caption{text-align:left;font-weight:600;padding:6px 0}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid #eef1f5;text-align:right;white-space:nowrap}\n"
    "th:first-child,td:first-child,td.text{text-align:left}td.text{white-space:normal}\n"
    "th{background:#eef2f7;font-weight:600;white-space:normal}tr.total td{font-weight:600;border-top:1px solid var(--line)}\n"
    ".iv{color:var(--muted);font-size:12px}\n"
    "footer{color:var(--muted);font-size:12px;margin-top:24px}\n"
    "@media (max-width:1100px){.cards{grid-template-columns:1fr 1fr}.charts,.tables{grid-template-columns:1fr}}\n"
    "@page{size:A4;margin:12mm}\n"
    "@media print{body{background:#fff;font-size:10pt}main{max-width:none;padding:0}\n"
    ".cards{grid-template-columns:repeat(4,1fr);gap:6px}.card{padding:6px 8px}.card .v{font-size:15pt}\n"
    ".charts,.tables{grid-template-columns:1fr}figure.chart,table,.card{break-inside:avoid}\n"
    "h2{break-after:avoid}table{font-size:8.5pt}\n"
    "th,td{padding:2px 5px}}\n"
    "</style>\n";

/* Whole currency units with thousands separators: -1,234,567. */
static void money(char *buf, size_t n, double x)
{
    if (!isfinite(x)) {
        snprintf(buf, n, "-");
        return;
    }
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", fabs(x));
    size_t len = strlen(digits), o = 0;
    if (x <= -0.5 && o + 1 < n)
        buf[o++] = '-';
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        buf[o++] = digits[i];
        if ((len - i - 1) % 3 == 0 && i + 1 < len)
            buf[o++] = ',';
    }
    buf[o] = '\0';
}

static void td_money(crvm__rbuf *b, double x)
{
    char m[64];
    money(m, sizeof m, x);
    crvm__rbuf_printf(b, "<td>%s</td>", m);
}

static void td_interval(crvm__rbuf *b, double lo, double hi)
{
    char l[64], u[64];
    money(l, sizeof l, lo);
    money(u, sizeof u, hi);
    crvm__rbuf_printf(b, "<td class=\"iv\">%s &ndash; %s</td>", l, u);
}

static void td_text(crvm__rbuf *b, const char *s)
{
    crvm__rbuf_puts(b, "<td class=\"text\">");
    crvm__rbuf_html(b, s);
    crvm__rbuf_puts(b, "</td>");
}

static void card(crvm__rbuf *b, const char *k, const char *v, const char *lo, const char *hi, const char *note)
{
    crvm__rbuf_printf(b, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">%s</div>"
                         "<div class=\"i\">interval %s &ndash; %s%s</div></div>\n", k, v, lo, hi, note);
}

static void headline(const crvm__report *r, crvm__rbuf *b)
{
    const double *all = r->segments + r->info.segments * CRVM_VS_COLUMNS, *p = r->pnl;
    char v[64], lo[64], hi[64], h[32], note[96];
    crvm__report_horizon(r, h, sizeof h);
    crvm__rbuf_puts(b, "<section class=\"cards\" id=\"headline\">\n");
    snprintf(v, sizeof v, "%.2f", p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR]);
    snprintf(lo, sizeof lo, "%.2f", p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER]);
    snprintf(hi, sizeof hi, "%.2f", p[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER]);
    snprintf(note, sizeof note, "; last %d months", r->opt.pnl_months);
    card(b, "Value per support dollar", v, lo, hi, note);
    money(v, sizeof v, all[CRVM_VS_RESIDUAL_VALUE]);
    money(lo, sizeof lo, all[CRVM_VS_RESIDUAL_VALUE_LOWER]);
    money(hi, sizeof hi, all[CRVM_VS_RESIDUAL_VALUE_UPPER]);
    snprintf(note, sizeof note, "; %.0f active customers", all[CRVM_VS_CUSTOMERS]);
    card(b, "Residual value", v, lo, hi, note);
    money(v, sizeof v, all[CRVM_VS_VALUE_AT_RISK]);
    money(lo, sizeof lo, all[CRVM_VS_VALUE_AT_RISK_LOWER]);
    money(hi, sizeof hi, all[CRVM_VS_VALUE_AT_RISK_UPPER]);
    snprintf(note, sizeof note, "; churn within %s", h);
    card(b, "Value at risk", v, lo, hi, note);
    money(v, sizeof v, p[CRVM_PNL_CONTACT_VALUE_EFFECT]);
    money(lo, sizeof lo, p[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER]);
    money(hi, sizeof hi, p[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER]);
    card(b, "Net value effect of support", v, lo, hi, "; contacts vs none");
    crvm__rbuf_puts(b, "</section>\n");
}

static void chart_curves(const crvm__report *r, crvm__rbuf *b)
{
    size_t S = r->info.segments;
    crvm__series *s = crvm__calloc(S ? S : 1, sizeof *s);
    if (!s) {
        b->failed = 1;
        return;
    }
    for (size_t g = 0; g < S; g++)
        s[g] = (crvm__series){crvm__report_segment(r, g), r->observed + g * r->curve_len,
                              r->projected + g * r->curve_len};
    crvm__svg_curves(b, "chart-retention",
                     "Retention by segment: observed (solid) and projected (dashed, no support contacts)",
                     "renewals since the start", "share still a customer", s, S, r->curve_len);
    crvm__free(s);
}

static void chart_value_at_risk(const crvm__report *r, crvm__rbuf *b)
{
    size_t S = r->info.segments;
    crvm__bar *bars = crvm__calloc(S ? S : 1, sizeof *bars);
    if (!bars) {
        b->failed = 1;
        return;
    }
    for (size_t s = 0; s < S; s++) {
        const double *v = r->segments + s * CRVM_VS_COLUMNS;
        bars[s] = (crvm__bar){crvm__report_segment(r, s), v[CRVM_VS_VALUE_AT_RISK], v[CRVM_VS_VALUE_AT_RISK_LOWER],
                              v[CRVM_VS_VALUE_AT_RISK_UPPER]};
    }
    char h[32], title[96];
    crvm__report_horizon(r, h, sizeof h);
    snprintf(title, sizeof title, "Value at risk by segment, churn within %s (with intervals)", h);
    crvm__svg_bars(b, "chart-value-at-risk", title, "value at risk (currency)", "segment", bars, S, 1);
    crvm__free(bars);
}

static void chart_pnl(const crvm__report *r, crvm__rbuf *b)
{
    const double *p = r->pnl;
    crvm__step steps[] = {
        {"support plans", p[CRVM_PNL_SUPPORT_PLAN_REVENUE], 0},
        {"sourced revenue", p[CRVM_PNL_SOURCED_REVENUE], 0},
        {"handle time saved", p[CRVM_PNL_KNOWLEDGE_LABOUR_SAVING], 0},
        {"deflection", p[CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING], 0},
        {"value effect", p[CRVM_PNL_CONTACT_VALUE_EFFECT], 0},
        {"labour", -p[CRVM_PNL_LABOUR_COST], 0},
        {"channels", -p[CRVM_PNL_CHANNEL_COST], 0},
        {"escalations", -p[CRVM_PNL_ESCALATION_COST], 0},
        {"overhead", -p[CRVM_PNL_OVERHEAD_COST], 0},
        {"self-service", -p[CRVM_PNL_SELF_SERVICE_COST], 0},
        {"knowledge", -p[CRVM_PNL_KNOWLEDGE_COST], 0},
        {"net contribution", p[CRVM_PNL_NET_CONTRIBUTION], 1},
    };
    char title[96];
    snprintf(title, sizeof title, "Support P&L of the last %d months as a waterfall", r->opt.pnl_months);
    crvm__svg_waterfall(b, "chart-pnl", title, "P&L line (value added, then costs)", "currency",
                        steps, sizeof steps / sizeof steps[0]);
}

static void chart_impact(const crvm__report *r, crvm__rbuf *b)
{
    const crvm__report_impact *im = r->impacts ? &r->impact[0] : NULL; /* by outcome */
    size_t n = im ? im->groups : 0;
    crvm__bar *bars = crvm__calloc(n ? n : 1, sizeof *bars);
    if (!bars) {
        b->failed = 1;
        return;
    }
    for (size_t g = 0; g < n; g++) {
        const double *row = im->rows + g * CRVM_IMPACT_COLUMNS;
        bars[g] = (crvm__bar){crvm__report_label(r, im, g), row[CRVM_IMPACT_VALUE], row[CRVM_IMPACT_LOWER], row[CRVM_IMPACT_UPPER]};
    }
    crvm__svg_bars(b, "chart-contact-impact",
                   "Contact impact by outcome: customer value won or lost against resolving (with intervals)",
                   "change in customer value (currency)", "outcome", bars, n, 1);
    crvm__free(bars);
}

static void chart_knowledge(const crvm__report *r, crvm__rbuf *b)
{
    size_t A = r->stats.articles, top = (size_t)r->opt.top < A ? (size_t)r->opt.top : A;
    size_t bottom = (size_t)r->opt.top < A - top ? (size_t)r->opt.top : A - top;
    crvm__bar *bars = crvm__calloc(top + bottom + 1, sizeof *bars);
    if (!bars) {
        b->failed = 1;
        return;
    }
    for (size_t k = 0; k < top + bottom; k++) {
        size_t a = k < top ? r->by_value[k] : r->by_value[A - bottom + (k - top)];
        bars[k] = (crvm__bar){crvm_ledger_id(r->ledger, CRVM_TABLE_ARTICLES, a),
                              r->knowledge[a * CRVM_VK_COLUMNS + CRVM_VK_ROI], NAN, NAN};
    }
    crvm__svg_bars(b, "chart-knowledge-roi", "Knowledge ROI by article: the most and least valuable to date",
                   "return on investment (value / cost)", "article", bars, top + bottom, 0);
    crvm__free(bars);
}

static void table_segments(const crvm__report *r, crvm__rbuf *b)
{
    char h[32];
    crvm__report_horizon(r, h, sizeof h);
    crvm__rbuf_printf(b, "<table class=\"wide\" id=\"table-segments\"><caption>Segment value (active customers; "
                         "contribution per month; retention and value at risk over %s) and economics to date"
                         "</caption>\n<tr><th>segment</th><th>customers</th><th>contribution</th>"
                         "<th>expected retained</th><th>residual value</th><th>interval</th><th>value at risk</th>"
                         "<th>interval</th><th>revenue</th><th>cost to serve</th><th>$/contact</th></tr>\n", h);
    for (size_t s = 0; s <= r->info.segments; s++) {
        const double *v = r->segments + s * CRVM_VS_COLUMNS;
        const double *e = s < r->info.segments ? r->economics + s * CRVM_ECON_COLUMNS : NULL;
        crvm__rbuf_printf(b, "<tr%s>", e ? "" : " class=\"total\"");
        td_text(b, crvm__report_segment(r, s));
        td_money(b, v[CRVM_VS_CUSTOMERS]);
        td_money(b, v[CRVM_VS_CONTRIBUTION]);
        crvm__rbuf_printf(b, "<td>%.1f</td>", v[CRVM_VS_EXPECTED_RETAINED]);
        td_money(b, v[CRVM_VS_RESIDUAL_VALUE]);
        td_interval(b, v[CRVM_VS_RESIDUAL_VALUE_LOWER], v[CRVM_VS_RESIDUAL_VALUE_UPPER]);
        td_money(b, v[CRVM_VS_VALUE_AT_RISK]);
        td_interval(b, v[CRVM_VS_VALUE_AT_RISK_LOWER], v[CRVM_VS_VALUE_AT_RISK_UPPER]);
        td_money(b, e ? e[CRVM_ECON_REVENUE] : NAN);
        td_money(b, e ? e[CRVM_ECON_COST_TO_SERVE] : NAN);
        if (e)
            crvm__rbuf_printf(b, "<td>%.2f</td></tr>\n", e[CRVM_ECON_COST_PER_CONTACT]);
        else
            crvm__rbuf_puts(b, "<td>-</td></tr>\n");
    }
    crvm__rbuf_puts(b, "</table>\n");
}

static void table_pnl(const crvm__report *r, crvm__rbuf *b)
{
    char from[16], to[16];
    crvm__report_date(r->pnl_from, from);
    crvm__report_date(r->info.as_of, to);
    crvm__rbuf_printf(b, "<table id=\"table-pnl\"><caption>Support P&amp;L, %s to %s (%.0f contacts)</caption>\n"
                         "<tr><th>line</th><th>amount</th><th>interval</th></tr>\n", from, to,
                      r->pnl[CRVM_PNL_CONTACTS]);
    for (size_t i = 0; i < crvm__pnl_row_count; i++) {
        int l = crvm__pnl_rows[i].line, ratio = l == CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR;
        int sum = l == CRVM_PNL_VALUE || l == CRVM_PNL_COST || l == CRVM_PNL_NET_CONTRIBUTION;
        crvm__rbuf_printf(b, "<tr%s>", sum ? " class=\"total\"" : "");
        td_text(b, crvm__pnl_rows[i].words);
        if (ratio)
            crvm__rbuf_printf(b, "<td>%.2f</td>", r->pnl[l]);
        else
            td_money(b, r->pnl[l]);
        if (!crvm__pnl_rows[i].has_interval)
            crvm__rbuf_puts(b, "<td></td>");
        else if (ratio)
            crvm__rbuf_printf(b, "<td class=\"iv\">%.2f &ndash; %.2f</td>", r->pnl[l + 1], r->pnl[l + 2]);
        else
            td_interval(b, r->pnl[l + 1], r->pnl[l + 2]);
        crvm__rbuf_puts(b, "</tr>\n");
    }
    crvm__rbuf_puts(b, "</table>\n");
}

static void table_retention(const crvm__report *r, crvm__rbuf *b)
{
    size_t S = r->info.segments;
    crvm__rbuf_puts(b, "<table id=\"table-retention\"><caption>");
    crvm__rbuf_html(b, crvm__report_model_title(r));
    crvm__rbuf_puts(b, ": hazard ratio of each support experience at the next renewal</caption>\n"
                       "<tr><th>covariate</th><th>hazard ratio</th><th>interval</th><th>p</th></tr>\n");
    for (size_t j = 0; j < r->info.covariates; j++) {
        const double *e = r->effects + j * CRVM_EFFECT_COLUMNS;
        crvm__rbuf_puts(b, "<tr>");
        td_text(b, crvm_value_covariate_name(r->value, j));
        crvm__rbuf_printf(b, "<td>%.2f</td><td class=\"iv\">%.2f &ndash; %.2f</td><td>%.2g</td></tr>\n",
                          e[CRVM_EFFECT_HAZARD_RATIO], e[CRVM_EFFECT_LOWER], e[CRVM_EFFECT_UPPER],
                          e[CRVM_EFFECT_P_VALUE]);
    }
    for (size_t s = 0; r->params && s < S; s++) {
        crvm__rbuf_puts(b, "<tr>");
        td_text(b, crvm__report_segment(r, s));
        crvm__rbuf_printf(b, "<td colspan=\"3\">&alpha; %.3f (se %.3f), &beta; %.3f (se %.3f)</td></tr>\n",
                          r->params[2 * s], r->se[2 * s], r->params[2 * s + 1], r->se[2 * s + 1]);
    }
    if (r->params)
        crvm__rbuf_printf(b, "<tr><td class=\"text\">shape c</td><td colspan=\"3\">%.3f (se %.3f)</td></tr>\n",
                          r->params[2 * S], r->se[2 * S]);
    crvm__rbuf_puts(b, "</table>\n");
}

static void table_impacts(const crvm__report *r, crvm__rbuf *b)
{
    for (size_t i = 0; i < r->impacts; i++) {
        const crvm__report_impact *im = &r->impact[i];
        crvm__rbuf_puts(b, im->refused_only ? "<table class=\"impact\"><caption>Refused contacts by "
                                            : "<table class=\"impact\"><caption>Contact impact by ");
        crvm__rbuf_html(b, im->by);
        crvm__rbuf_puts(b, " (against resolving; negative = value lost)</caption>\n<tr><th>");
        crvm__rbuf_html(b, im->by);
        crvm__rbuf_puts(b, "</th><th>contacts</th><th>impact</th><th>interval</th></tr>\n");
        for (size_t g = 0; g < im->groups; g++) {
            const double *row = im->rows + g * CRVM_IMPACT_COLUMNS;
            if (row[CRVM_IMPACT_CONTACTS] <= 0)
                continue;
            crvm__rbuf_puts(b, "<tr>");
            td_text(b, crvm__report_label(r, im, g));
            td_money(b, row[CRVM_IMPACT_CONTACTS]);
            td_money(b, row[CRVM_IMPACT_VALUE]);
            td_interval(b, row[CRVM_IMPACT_LOWER], row[CRVM_IMPACT_UPPER]);
            crvm__rbuf_puts(b, "</tr>\n");
        }
        crvm__rbuf_puts(b, "</table>\n");
    }
}

static void table_articles(const crvm__report *r, crvm__rbuf *b, const char *title, size_t first, size_t n,
                           int step)
{
    crvm__rbuf_printf(b, "<table><caption>%s</caption>\n<tr><th>article</th><th>value</th><th>saving</th>"
                         "<th>cost</th><th>ROI</th><th>payback days</th><th>projected value</th></tr>\n", title);
    for (size_t k = 0; k < n; k++) {
        size_t a = r->by_value[(size_t)((long)first + step * (long)k)];
        const double *row = r->knowledge + a * CRVM_VK_COLUMNS;
        crvm__rbuf_puts(b, "<tr>");
        td_text(b, crvm_ledger_id(r->ledger, CRVM_TABLE_ARTICLES, a));
        td_money(b, row[CRVM_VK_VALUE]);
        td_money(b, row[CRVM_VK_SAVING]);
        td_money(b, row[CRVM_VK_COST]);
        crvm__rbuf_printf(b, "<td>%.2f</td>", row[CRVM_VK_ROI]);
        if (row[CRVM_VK_PAYBACK_DAYS] >= 0)
            crvm__rbuf_printf(b, "<td>%.0f</td>", row[CRVM_VK_PAYBACK_DAYS]);
        else
            crvm__rbuf_puts(b, "<td>not yet</td>");
        td_money(b, row[CRVM_VK_PROJECTED_VALUE]);
        crvm__rbuf_puts(b, "</tr>\n");
    }
    crvm__rbuf_puts(b, "</table>\n");
}

static void table_knowledge(const crvm__report *r, crvm__rbuf *b)
{
    size_t A = r->stats.articles, top = (size_t)r->opt.top < A ? (size_t)r->opt.top : A;
    size_t bottom = (size_t)r->opt.top < A - top ? (size_t)r->opt.top : A - top;
    if (A == 0) {
        crvm__rbuf_puts(b, "<p>The knowledge base has no articles.</p>\n");
        return;
    }
    char s[64], c[64], v[64];
    money(s, sizeof s, r->kb[CRVM_KV_SAVING]);
    money(c, sizeof c, r->kb[CRVM_KV_COST]);
    money(v, sizeof v, r->kb[CRVM_KV_VALUE]);
    crvm__rbuf_printf(b, "<p class=\"wide\">%zu articles: saving %s, cost %s, value %s, ROI %.2f; minutes saved per "
                         "reuse %.2f (%s), avoided contact cost %.2f (%s).</p>\n", A, s, c, v, r->kb[CRVM_KV_ROI],
                      r->estimate.minutes_saved, r->estimate.minutes_saved_estimated ? "estimated" : "set",
                      r->estimate.avoided_contact_cost, r->estimate.avoided_cost_estimated ? "estimated" : "set");
    table_articles(r, b, "Most valuable articles", 0, top, 1);
    if (bottom > 0)
        table_articles(r, b, "Least valuable articles", A - 1, bottom, -1);
}

static void table_outreach(const crvm__report *r, crvm__rbuf *b)
{
    char h[32];
    crvm__report_horizon(r, h, sizeof h);
    crvm__rbuf_printf(b, "<table class=\"wide\" id=\"table-outreach\"><caption>Outreach: the %zu customers with the "
                         "most value at risk over %s</caption>\n<tr><th>customer</th><th>segment</th>"
                         "<th>value at risk</th><th>interval</th><th>residual value</th><th>retained</th>"
                         "<th>drivers</th></tr>\n", r->outreach, h);
    for (size_t j = 0; j < r->outreach; j++) {
        const double *c = r->outreach_rows + j * CRVM_VC_COLUMNS;
        crvm__rbuf_puts(b, "<tr>");
        td_text(b, crvm_ledger_id(r->ledger, CRVM_TABLE_CUSTOMERS, (size_t)r->outreach_customer[j]));
        td_text(b, crvm__report_segment(r, (size_t)c[CRVM_VC_SEGMENT]));
        td_money(b, c[CRVM_VC_VALUE_AT_RISK]);
        td_interval(b, c[CRVM_VC_VALUE_AT_RISK_LOWER], c[CRVM_VC_VALUE_AT_RISK_UPPER]);
        td_money(b, c[CRVM_VC_RESIDUAL_VALUE]);
        crvm__rbuf_printf(b, "<td>%.1f%%</td>", 100 * c[CRVM_VC_RETENTION]);
        td_text(b, crvm__report_drivers(r, j));
        crvm__rbuf_puts(b, "</tr>\n");
    }
    crvm__rbuf_puts(b, "</table>\n");
}

void crvm__report_html(const crvm__report *r, crvm__rbuf *b)
{
    char date[16];
    crvm__report_date(r->info.as_of, date);
    crvm__rbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                       "<meta name=\"generator\" content=\"crvm ");
    crvm__rbuf_html(b, crvm_version());
    crvm__rbuf_printf(b, "\"><title>crvm report as of %s</title>\n", date);
    crvm__rbuf_puts(b, style);
    crvm__rbuf_puts(b, "</head><body><main>\n<h1>Customer value and support");
    if (r->opt.title) {
        crvm__rbuf_puts(b, ": ");
        crvm__rbuf_html(b, r->opt.title);
    }
    crvm__rbuf_printf(b, "</h1>\n<p class=\"sub\">As of %s &middot; %zu customers (%zu active), %zu revenue events, "
                         "%zu contacts, %zu articles &middot; ", date, r->stats.customers, r->info.active,
                      r->stats.revenue_events, r->stats.contacts, r->stats.articles);
    crvm__rbuf_html(b, crvm__report_model_title(r));
    crvm__rbuf_printf(b, " &middot; %.4g%% intervals</p>\n", 100 * r->info.confidence);
    headline(r, b);
    crvm__rbuf_puts(b, "<h2>Charts</h2>\n<section class=\"charts\">\n");
    chart_curves(r, b);
    chart_value_at_risk(r, b);
    chart_pnl(r, b);
    chart_impact(r, b);
    chart_knowledge(r, b);
    crvm__rbuf_puts(b, "</section>\n<h2>Segments and the support P&amp;L</h2>\n<section class=\"tables\">\n");
    table_segments(r, b);
    table_pnl(r, b);
    table_retention(r, b);
    crvm__rbuf_puts(b, "</section>\n<h2>Contact impact</h2>\n<section class=\"tables\">\n");
    table_impacts(r, b);
    crvm__rbuf_puts(b, "</section>\n<h2>Knowledge base</h2>\n<section class=\"tables\">\n");
    table_knowledge(r, b);
    crvm__rbuf_puts(b, "</section>\n<h2>Outreach</h2>\n");
    table_outreach(r, b);
    crvm__rbuf_printf(b, "<footer>Generated by crvm %s. Definitions of every figure: docs/value.md; this report's "
                         "layout and its JSON schema: docs/report-schema.md.</footer>\n</main></body></html>\n",
                      crvm_version());
}
