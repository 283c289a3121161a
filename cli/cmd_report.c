/* crvm report: the value of a customer base from a directory of crvm CSV
 * files. Every figure comes from the library's value layer (crvm/value.h)
 * and economics (crvm/economics.h); this file only lays them out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"

typedef struct report {
    const crvm_ledger *ledger;
    const crvm_value *value;
    crvm_cost_model costs;
    crvm_value_info info;
    crvm_date as_of;
    size_t articles;
    int top;
} report;

static void usage(FILE *to)
{
    fputs("usage: crvm report DIR [--as-of YYYY-MM-DD] [--top N]\n"
          "\n"
          "Load the crvm CSV files in DIR (docs/data-format.md) and value the customer\n"
          "base as of the given date (default: the last date in the data): residual\n"
          "value and value at risk by segment, the support P&L of the last 12 months,\n"
          "retention with the effect of each support experience on churn, what contact\n"
          "outcomes win or lose in customer value, the knowledge base with its N most\n"
          "valuable articles, and the N customers with the most value at risk, with\n"
          "what drives it (default N = 5). Definitions: docs/value.md. Costs use crvm's\n"
          "documented default assumptions; intervals are 95%.\n",
          to);
}

static void *checked_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        fputs("crvm report: out of memory\n", stderr);
    return p;
}

static const char *segment_name(const report *r, size_t s)
{
    return s < r->info.segments ? crvm_ledger_id(r->ledger, CRVM_SEGMENTS, s) : "All";
}

/* The support P&L of the 12 months to the as-of date. */
static int pnl_last_year(const report *r, double *pnl, crvm_date *from)
{
    if (crvm_date_add_periods(r->as_of + 1, CRVM_PERIOD_MONTH, -12, from) != CRVM_OK ||
        crvm_value_support_pnl(r->value, *from, r->as_of + 1, pnl, CRVM_PNL_LINES) != CRVM_OK)
        return cli_library_error("report", "support P&L");
    return 0;
}

static int print_headline(const report *r)
{
    size_t S = r->info.segments;
    double *seg = checked_calloc((S + 1) * CRVM_VS_COLUMNS, sizeof *seg), pnl[CRVM_PNL_LINES];
    crvm_date from;
    int rc = seg ? 0 : 1;
    if (!rc && crvm_value_segments(r->value, seg, (S + 1) * CRVM_VS_COLUMNS) != CRVM_OK)
        rc = cli_library_error("report", "segment values");
    if (!rc)
        rc = pnl_last_year(r, pnl, &from);
    if (!rc) {
        const double *all = seg + S * CRVM_VS_COLUMNS;
        printf("Value of the customer base (%s retention with support covariates; 95%% intervals)\n",
               r->info.model == CRVM_VALUE_SBG ? "shifted-beta-geometric" : "beta-discrete-Weibull");
        printf("  residual value             %14.0f   (%.0f - %.0f)\n", all[CRVM_VS_RESIDUAL_VALUE],
               all[CRVM_VS_RESIDUAL_VALUE_LOWER], all[CRVM_VS_RESIDUAL_VALUE_UPPER]);
        printf("  value at risk, 12 months   %14.0f   (%.0f - %.0f)\n", all[CRVM_VS_VALUE_AT_RISK],
               all[CRVM_VS_VALUE_AT_RISK_LOWER], all[CRVM_VS_VALUE_AT_RISK_UPPER]);
        printf("  expected retained, 12 months %12.1f   (%.1f - %.1f) of %.0f active customers\n",
               all[CRVM_VS_EXPECTED_RETAINED], all[CRVM_VS_EXPECTED_RETAINED_LOWER],
               all[CRVM_VS_EXPECTED_RETAINED_UPPER], all[CRVM_VS_CUSTOMERS]);
        printf("  support, last 12 months: net contribution %.0f (%.0f - %.0f); value per support "
               "dollar %.2f (%.2f - %.2f)\n",
               pnl[CRVM_PNL_NET_CONTRIBUTION], pnl[CRVM_PNL_NET_CONTRIBUTION_LOWER],
               pnl[CRVM_PNL_NET_CONTRIBUTION_UPPER], pnl[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR],
               pnl[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER], pnl[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER]);
        printf("\nSegment value (active customers; contribution per month; retention and value at "
               "risk over 12 months)\n");
        printf("  %-14s %9s %13s %12s %14s %25s %12s %25s\n", "segment", "customers", "contribution",
               "retained", "residual value", "(95% interval)", "value at risk", "(95% interval)");
        for (size_t s = 0; s <= S; s++) {
            const double *row = seg + s * CRVM_VS_COLUMNS;
            printf("  %-14s %9.0f %13.0f %12.1f %14.0f %12.0f - %-12.0f %12.0f %12.0f - %-12.0f\n",
                   segment_name(r, s), row[CRVM_VS_CUSTOMERS], row[CRVM_VS_CONTRIBUTION],
                   row[CRVM_VS_EXPECTED_RETAINED], row[CRVM_VS_RESIDUAL_VALUE],
                   row[CRVM_VS_RESIDUAL_VALUE_LOWER], row[CRVM_VS_RESIDUAL_VALUE_UPPER],
                   row[CRVM_VS_VALUE_AT_RISK], row[CRVM_VS_VALUE_AT_RISK_LOWER],
                   row[CRVM_VS_VALUE_AT_RISK_UPPER]);
        }
    }
    free(seg);
    return rc;
}

static int print_economics(const report *r)
{
    size_t S = r->info.segments;
    double *seg = checked_calloc(S * CRVM_ECON_COLUMNS, sizeof *seg);
    int rc = seg ? 0 : 1;
    if (!rc && crvm_segment_economics(r->ledger, &r->costs, CRVM_DATE_MIN, r->as_of + 1, seg,
                                      S * CRVM_ECON_COLUMNS) != CRVM_OK)
        rc = cli_library_error("report", "economics");
    if (!rc) {
        printf("\nCustomer economics by segment (all activity up to the as-of date)\n");
        printf("  %-14s %14s %14s %13s %14s %9s %9s\n", "segment", "revenue", "gross margin",
               "cost to serve", "contribution", "contacts", "$/contact");
        for (size_t s = 0; s < S; s++) {
            const double *row = seg + s * CRVM_ECON_COLUMNS;
            printf("  %-14s %14.0f %14.0f %13.0f %14.0f %9.0f %9.2f\n", segment_name(r, s),
                   row[CRVM_ECON_REVENUE], row[CRVM_ECON_GROSS_MARGIN], row[CRVM_ECON_COST_TO_SERVE],
                   row[CRVM_ECON_CONTRIBUTION], row[CRVM_ECON_CONTACTS], row[CRVM_ECON_COST_PER_CONTACT]);
        }
    }
    free(seg);
    return rc;
}

static int print_retention(const report *r)
{
    const crvm_retention_cov *model;
    size_t S = r->info.segments, P = r->info.covariates, k = 2 * S + 1 + P;
    double *p = checked_calloc(k, sizeof *p), *se = checked_calloc(k, sizeof *se);
    double *fx = checked_calloc(P * CRVM_EFFECT_COLUMNS, sizeof *fx);
    int rc = p && se && fx ? 0 : 1;
    if (!rc && (crvm_value_retention_model(r->value, &model) != CRVM_OK ||
                crvm_retention_cov_params(model, p, k) != CRVM_OK ||
                crvm_retention_cov_standard_errors(model, se, k) != CRVM_OK ||
                crvm_value_covariate_effects(r->value, fx, P * CRVM_EFFECT_COLUMNS) != CRVM_OK))
        rc = cli_library_error("report", "retention model");
    if (!rc) {
        printf("\nRetention by segment (monthly renewals, fitted jointly; standard errors)\n");
        printf("  %-14s %19s %19s\n", "segment", "alpha", "beta");
        for (size_t s = 0; s < S; s++)
            printf("  %-14s %9.3f (%7.3f) %9.3f (%7.3f)\n", segment_name(r, s), p[2 * s], se[2 * s],
                   p[2 * s + 1], se[2 * s + 1]);
        printf("  c = %.3f (%.3f); %d iterations, log-likelihood %.1f\n", p[2 * S], se[2 * S],
               r->info.report.iterations, r->info.report.log_likelihood);
        printf("\nSupport experience and churn (covariates of the period before each renewal)\n");
        printf("  %-14s %12s %19s %10s\n", "covariate", "hazard ratio", "95% interval", "p");
        for (size_t j = 0; j < P; j++) {
            const double *e = fx + j * CRVM_EFFECT_COLUMNS;
            printf("  %-14s %12.2f %8.2f - %-8.2f %10.2g\n", crvm_value_covariate_name(r->value, j),
                   e[CRVM_EFFECT_HAZARD_RATIO], e[CRVM_EFFECT_LOWER], e[CRVM_EFFECT_UPPER],
                   e[CRVM_EFFECT_P_VALUE]);
        }
        printf("  hazard ratio: how many times more likely a customer is to leave at a renewal per\n"
               "  unit in the period before it (per contact; silent_*: silent that long), other\n"
               "  things equal; 1 = no effect\n");
    }
    free(p);
    free(se);
    free(fx);
    return rc;
}

/* Impacts of the contacts grouped by `field` (and, when only is >= 0, only
 * the contacts with that outcome), one line per group. */
static int print_impact_table(const report *r, crvm_contact_field field, const char *attribute,
                              int only_outcome, const char *title)
{
    size_t nk = r->info.contacts, groups = 0;
    int32_t *group = checked_calloc(nk, sizeof *group), *outcome = checked_calloc(nk, sizeof *outcome);
    double *out = NULL;
    int rc = group && outcome ? 0 : 1;
    if (!rc && (crvm_value_contact_groups(r->value, field, attribute, group, nk, &groups) != CRVM_OK ||
                crvm_ledger_contacts(r->ledger, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                     NULL, 0, outcome, nk, NULL, 0) != CRVM_OK))
        rc = cli_library_error("report", "contact groups");
    if (!rc && groups > 0) {
        for (size_t c = 0; c < nk; c++)
            if (only_outcome >= 0 && outcome[c] != only_outcome)
                group[c] = -1;
        out = checked_calloc(groups * CRVM_IMPACT_COLUMNS, sizeof *out);
        if (!out)
            rc = 1;
        else if (crvm_value_impact_by(r->value, CRVM_OUTCOME_RESOLVED, group, nk, groups, out,
                                      groups * CRVM_IMPACT_COLUMNS) != CRVM_OK)
            rc = cli_library_error("report", "contact impact");
    }
    if (!rc && groups > 0) {
        printf("\n%s\n", title);
        printf("  %-14s %9s %14s %25s\n", attribute ? attribute : "outcome", "contacts", "impact",
               "(95% interval)");
        for (size_t g = 0; g < groups && !rc; g++) {
            char label[256];
            const double *row = out + g * CRVM_IMPACT_COLUMNS;
            if (crvm_value_group_label(r->value, field, attribute, g, label, sizeof label) != CRVM_OK)
                rc = cli_library_error("report", "group label");
            else if (row[CRVM_IMPACT_CONTACTS] > 0)
                printf("  %-14s %9.0f %14.0f %12.0f - %-12.0f\n", label, row[CRVM_IMPACT_CONTACTS],
                       row[CRVM_IMPACT_VALUE], row[CRVM_IMPACT_LOWER], row[CRVM_IMPACT_UPPER]);
        }
    }
    free(group);
    free(outcome);
    free(out);
    return rc;
}

static int print_contact_impact(const report *r)
{
    if (r->info.covariates == 0) {
        printf("\nContact impact: the retention model has no support covariates\n");
        return 0;
    }
    int rc = print_impact_table(r, CRVM_FIELD_OUTCOME, NULL, -1,
                                "Contact impact by outcome (change in customer value against a "
                                "resolved outcome; negative = value lost)");
    size_t queue;
    if (!rc && crvm_ledger_find_attribute(r->ledger, "queue", &queue) == CRVM_OK)
        rc = print_impact_table(r, CRVM_FIELD_ATTRIBUTE, "queue", CRVM_OUTCOME_REFUSED,
                                "Refused contacts by queue (value lost against resolving them)");
    return rc;
}

static int print_pnl(const report *r)
{
    double pnl[CRVM_PNL_LINES];
    crvm_date from;
    int rc = pnl_last_year(r, pnl, &from);
    if (rc)
        return rc;
    char a[16], b[16];
    crvm_date_format(from, a, sizeof a);
    crvm_date_format(r->as_of, b, sizeof b);
    printf("\nSupport P&L, %s to %s (%.0f contacts)\n", a, b, pnl[CRVM_PNL_CONTACTS]);
    static const struct {
        int line;
        const char *what;
    } lines[] = {
        {CRVM_PNL_SUPPORT_PLAN_REVENUE, "support-plan revenue"},
        {CRVM_PNL_SOURCED_REVENUE, "revenue sourced by contacts"},
        {CRVM_PNL_KNOWLEDGE_LABOUR_SAVING, "knowledge: handle time saved"},
        {CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING, "knowledge: contacts deflected"},
        {CRVM_PNL_CONTACT_VALUE_EFFECT, "value effect of the contacts"},
        {CRVM_PNL_VALUE, "value"},
        {CRVM_PNL_LABOUR_COST, "labour"},
        {CRVM_PNL_CHANNEL_COST, "channels"},
        {CRVM_PNL_ESCALATION_COST, "escalations"},
        {CRVM_PNL_OVERHEAD_COST, "overhead"},
        {CRVM_PNL_SELF_SERVICE_COST, "self-service"},
        {CRVM_PNL_KNOWLEDGE_COST, "knowledge authoring and upkeep"},
        {CRVM_PNL_COST, "cost"},
        {CRVM_PNL_NET_CONTRIBUTION, "net contribution"},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        int l = lines[i].line;
        printf("  %-32s %14.0f", lines[i].what, pnl[l]);
        if (l == CRVM_PNL_CONTACT_VALUE_EFFECT || l == CRVM_PNL_NET_CONTRIBUTION)
            printf("   (%.0f - %.0f)", pnl[l + 1], pnl[l + 2]);
        printf("\n");
    }
    printf("  %-32s %14.2f   (%.2f - %.2f)\n", "value per support dollar",
           pnl[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR], pnl[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_LOWER],
           pnl[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER]);
    return 0;
}

static int print_knowledge(const report *r)
{
    if (r->articles == 0) {
        printf("\nKnowledge base: no articles\n");
        return 0;
    }
    double total[CRVM_KV_COLUMNS];
    double *vk = checked_calloc(r->articles * CRVM_VK_COLUMNS, sizeof *vk);
    size_t *order = checked_calloc(r->articles, sizeof *order);
    crvm_knowledge_estimate est;
    double *kv = checked_calloc(r->articles * CRVM_KV_COLUMNS, sizeof *kv);
    int rc = vk && order && kv ? 0 : 1;
    if (!rc && (crvm_value_knowledge(r->value, vk, r->articles * CRVM_VK_COLUMNS) != CRVM_OK ||
                crvm_knowledge_value(r->ledger, &r->costs, r->as_of, kv, r->articles * CRVM_KV_COLUMNS,
                                     &est) != CRVM_OK ||
                crvm_knowledge_base_value(r->ledger, &r->costs, r->as_of, total, CRVM_KV_COLUMNS) != CRVM_OK))
        rc = cli_library_error("report", "knowledge value");
    if (!rc) {
        printf("\nKnowledge base (%zu articles)\n", r->articles);
        printf("  saving %.0f (labour %.0f from %.0f assisted reuses, deflection %.0f from %.0f "
               "resolved self-service views)\n",
               total[CRVM_KV_SAVING], total[CRVM_KV_LABOUR_SAVING], total[CRVM_KV_ASSISTED_USES],
               total[CRVM_KV_DEFLECTION_SAVING], total[CRVM_KV_RESOLVED_VIEWS]);
        printf("  cost %.0f (authoring %.0f, upkeep %.0f); value %.0f; ROI %.2f\n",
               total[CRVM_KV_COST], total[CRVM_KV_AUTHORING_COST], total[CRVM_KV_UPKEEP_COST],
               total[CRVM_KV_VALUE], total[CRVM_KV_ROI]);
        printf("  minutes saved per reuse %.2f (%s), avoided contact cost %.2f (%s)\n",
               est.minutes_saved, est.minutes_saved_estimated ? "estimated from the data" : "set",
               est.avoided_contact_cost, est.avoided_cost_estimated ? "estimated from the data" : "set");
        /* The top articles by value to date: a short selection of the list. */
        for (size_t i = 0; i < r->articles; i++)
            order[i] = i;
        size_t top = (size_t)r->top < r->articles ? (size_t)r->top : r->articles;
        for (size_t k = 0; k < top; k++)
            for (size_t i = k + 1; i < r->articles; i++)
                if (vk[order[i] * CRVM_VK_COLUMNS + CRVM_VK_VALUE] >
                    vk[order[k] * CRVM_VK_COLUMNS + CRVM_VK_VALUE]) {
                    size_t tmp = order[k];
                    order[k] = order[i];
                    order[i] = tmp;
                }
        printf("  %-16s %10s %10s %10s %8s %13s %15s\n", "top articles", "value", "saving", "cost",
               "ROI", "payback days", "next 12 months");
        for (size_t k = 0; k < top; k++) {
            const double *row = vk + order[k] * CRVM_VK_COLUMNS;
            char payback[32] = "not yet";
            if (row[CRVM_VK_PAYBACK_DAYS] >= 0)
                snprintf(payback, sizeof payback, "%.0f", row[CRVM_VK_PAYBACK_DAYS]);
            printf("  %-16s %10.0f %10.0f %10.0f %8.2f %13s %15.0f\n",
                   crvm_ledger_id(r->ledger, CRVM_TABLE_ARTICLES, order[k]), row[CRVM_VK_VALUE],
                   row[CRVM_VK_SAVING], row[CRVM_VK_COST], row[CRVM_VK_ROI], payback,
                   row[CRVM_VK_PROJECTED_VALUE]);
        }
    }
    free(vk);
    free(kv);
    free(order);
    return rc;
}

static int print_outreach(const report *r)
{
    size_t n = (size_t)r->top, count = 0, N = r->info.customers;
    int32_t *chosen = checked_calloc(n, sizeof *chosen);
    double *cust = checked_calloc(N * CRVM_VC_COLUMNS, sizeof *cust);
    int rc = chosen && cust ? 0 : 1;
    if (!rc && (crvm_value_outreach(r->value, CRVM_RANK_VALUE_AT_RISK, n, chosen, n, &count) != CRVM_OK ||
                crvm_value_customers(r->value, cust, N * CRVM_VC_COLUMNS) != CRVM_OK))
        rc = cli_library_error("report", "outreach");
    if (!rc && count > 0) {
        printf("\nOutreach: the %zu customers with the most value at risk over 12 months\n", count);
        printf("  %-12s %-14s %14s %14s %10s  %s\n", "customer", "segment", "value at risk",
               "residual value", "retained", "drivers");
        for (size_t j = 0; j < count && !rc; j++) {
            const double *c = cust + (size_t)chosen[j] * CRVM_VC_COLUMNS;
            char drivers[256];
            if (crvm_value_drivers_text(r->value, (size_t)chosen[j], drivers, sizeof drivers) != CRVM_OK)
                rc = cli_library_error("report", "drivers");
            else
                printf("  %-12s %-14s %14.0f %14.0f %9.1f%%  %s\n",
                       crvm_ledger_id(r->ledger, CRVM_TABLE_CUSTOMERS, (size_t)chosen[j]),
                       segment_name(r, (size_t)c[CRVM_VC_SEGMENT]), c[CRVM_VC_VALUE_AT_RISK],
                       c[CRVM_VC_RESIDUAL_VALUE], 100 * c[CRVM_VC_RETENTION], drivers);
        }
    }
    free(chosen);
    free(cust);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *as_of_text = NULL;
    long top = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--as-of") == 0 && i + 1 < argc) {
            as_of_text = argv[++i];
        } else if (strcmp(argv[i], "--top") == 0 && i + 1 < argc) {
            if (!cli_parse_long(argv[++i], "--top", 0, 1000000, &top))
                return 2;
        } else if (!dir && strncmp(argv[i], "--", 2) != 0) {
            dir = argv[i];
        } else {
            fprintf(stderr, "crvm report: unexpected argument %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!dir) {
        usage(stderr);
        return 2;
    }

    crvm_ledger *ledger = NULL;
    if (crvm_ledger_new(&ledger) != CRVM_OK)
        return cli_library_error("report", "creating a ledger");
    int rc = 0;
    report r = {.ledger = ledger, .top = (int)top};
    crvm_cost_model_init_defaults(&r.costs);
    crvm_ledger_stats stats;
    crvm_value *value = NULL;
    if (crvm_load_directory(ledger, dir, NULL, NULL) != CRVM_OK) {
        rc = cli_library_error("report", dir);
    } else if (crvm_ledger_stats_get(ledger, &stats) != CRVM_OK) {
        rc = cli_library_error("report", "ledger");
    } else if (stats.customers == 0) {
        fprintf(stderr, "crvm report: %s holds no customers\n", dir);
        rc = 1;
    } else {
        r.as_of = stats.last_date;
        size_t rows;
        /* The contact panel's size checks the date against the data (the
         * work of the report grows with the months up to it). */
        if (as_of_text && (crvm_date_parse(as_of_text, strlen(as_of_text), &r.as_of) != CRVM_OK ||
                           crvm_ledger_contact_panel_size(ledger, r.as_of, CRVM_PERIOD_MONTH,
                                                          &rows) != CRVM_OK)) {
            fprintf(stderr, "crvm report: --as-of: %s\n", crvm_last_error());
            rc = 2;
        }
        r.articles = stats.articles;
    }
    if (rc == 0) {
        if (crvm_value_fit(ledger, &r.costs, r.as_of, NULL, &value) != CRVM_OK ||
            crvm_value_get_info(value, &r.info) != CRVM_OK)
            rc = cli_library_error("report", "valuing the customer base");
        r.value = value;
    }
    if (rc == 0) {
        char date[16] = "";
        crvm_date_format(r.as_of, date, sizeof date);
        printf("crvm report for %s as of %s: %zu customers (%zu active), %zu revenue events, "
               "%zu contacts, %zu articles, %zu knowledge uses\n\n",
               dir, date, stats.customers, r.info.active, stats.revenue_events, stats.contacts,
               stats.articles, stats.knowledge_uses);
        rc = print_headline(&r);
        if (rc == 0)
            rc = print_economics(&r);
        if (rc == 0)
            rc = print_retention(&r);
        if (rc == 0)
            rc = print_contact_impact(&r);
        if (rc == 0)
            rc = print_pnl(&r);
        if (rc == 0)
            rc = print_knowledge(&r);
        if (rc == 0)
            rc = print_outreach(&r);
    }
    crvm_value_free(value);
    crvm_ledger_free(ledger);
    return rc;
}
