/* crvm report: the value of a customer base from a directory of crvm CSV
 * files — economics by segment, retention by segment, how support outcomes
 * move churn, and what the knowledge base is worth. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"

typedef struct report {
    const crvm_ledger *ledger;
    crvm_cost_model costs;
    crvm_date as_of;
    size_t customers, segments, articles;
    int top;
} report;

static void usage(FILE *to)
{
    fputs("usage: crvm report DIR [--as-of YYYY-MM-DD] [--top N]\n"
          "\n"
          "Load the crvm CSV files in DIR (docs/data-format.md) and report, as of the\n"
          "given date (default: the last date in the data), the economics of each\n"
          "segment, its retention (monthly shifted-beta-geometric fit), how support\n"
          "outcomes move churn (hazard ratios of a Cox model on monthly contact counts),\n"
          "and the value of the knowledge base with its N most valuable articles\n"
          "(default 5).\n"
          "Costs use crvm's documented default assumptions.\n",
          to);
}

static void *checked_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        fputs("crvm report: out of memory\n", stderr);
    return p;
}

static int print_economics(const report *r)
{
    double *seg = checked_calloc(r->segments * CRVM_ECON_COLUMNS, sizeof *seg);
    int32_t *segment_of = checked_calloc(r->customers, sizeof *segment_of);
    size_t *count = checked_calloc(r->segments, sizeof *count);
    int rc = 0;
    if (!seg || !segment_of || !count)
        rc = 1;
    else if (crvm_segment_economics(r->ledger, &r->costs, CRVM_DATE_MIN, r->as_of + 1, seg,
                                    r->segments * CRVM_ECON_COLUMNS) != CRVM_OK ||
             crvm_ledger_customers(r->ledger, segment_of, r->customers, NULL, 0, NULL, 0) != CRVM_OK)
        rc = cli_library_error("report", "economics");
    if (rc == 0) {
        for (size_t i = 0; i < r->customers; i++)
            count[segment_of[i]]++;
        printf("Customer economics by segment (all activity up to the as-of date)\n");
        printf("  %-14s %9s %14s %14s %13s %14s %7s %9s %9s\n", "segment", "customers", "revenue",
               "gross margin", "cost to serve", "contribution", "margin", "contacts", "$/contact");
        for (size_t s = 0; s < r->segments; s++) {
            const double *row = seg + s * CRVM_ECON_COLUMNS;
            double revenue = row[CRVM_ECON_REVENUE];
            printf("  %-14s %9zu %14.0f %14.0f %13.0f %14.0f %6.1f%% %9.0f %9.2f\n",
                   crvm_ledger_id(r->ledger, CRVM_SEGMENTS, s), count[s], revenue,
                   row[CRVM_ECON_GROSS_MARGIN], row[CRVM_ECON_COST_TO_SERVE],
                   row[CRVM_ECON_CONTRIBUTION],
                   revenue > 0 ? 100.0 * row[CRVM_ECON_CONTRIBUTION] / revenue : 0.0,
                   row[CRVM_ECON_CONTACTS], row[CRVM_ECON_COST_PER_CONTACT]);
        }
    }
    free(seg);
    free(segment_of);
    free(count);
    return rc;
}

/* Fit the monthly sBG to one segment's customer records and print a row. */
static int print_segment_retention(const report *r, size_t s, const int32_t *segment_of,
                                   const int32_t *periods, const int32_t *churned,
                                   int32_t *seg_periods, int32_t *seg_churned)
{
    size_t n = 0, lost = 0;
    for (size_t i = 0; i < r->customers; i++) {
        if ((size_t)segment_of[i] != s || periods[i] < 0 || (periods[i] == 0 && !churned[i]))
            continue; /* not yet a customer, or no renewal decision observed */
        seg_periods[n] = periods[i];
        seg_churned[n] = churned[i];
        lost += (size_t)churned[i];
        n++;
    }
    const char *name = crvm_ledger_id(r->ledger, CRVM_SEGMENTS, s);
    crvm_retention_fit *fit = NULL;
    if (crvm_retention_fit_records(CRVM_RETENTION_SBG, seg_periods, n, seg_churned, n, NULL, 0,
                                   NULL, &fit, NULL) != CRVM_OK) {
        printf("  %-14s %9zu %8zu   (no fit: %s)\n", name, n, lost, crvm_last_error());
        return 0;
    }
    crvm_retention_params p, se;
    crvm_retention_fit_params(fit, &p);
    crvm_retention_fit_standard_errors(fit, &se);
    crvm_retention_fit_free(fit);

    double monthly_discount = pow(1.0 + r->costs.discount_rate, 1.0 / 12.0) - 1.0;
    double t[2] = {12, 24}, survival[2], renewals = 12, derl;
    if (crvm_retention_survival(&p, t, 2, survival, 2) != CRVM_OK ||
        crvm_retention_derl(&p, monthly_discount, &renewals, 1, &derl, 1) != CRVM_OK)
        return cli_library_error("report", "retention projection");
    printf("  %-14s %9zu %8zu %7.3f (%.3f) %7.3f (%.3f) %8.1f%% %8.1f%% %11.1f\n", name, n, lost,
           p.alpha, se.alpha, p.beta, se.beta, 100 * survival[0], 100 * survival[1], derl);
    return 0;
}

static int print_retention(const report *r)
{
    int32_t *segment_of = checked_calloc(r->customers, sizeof *segment_of);
    int32_t *periods = checked_calloc(r->customers, sizeof *periods);
    int32_t *churned = checked_calloc(r->customers, sizeof *churned);
    int32_t *seg_periods = checked_calloc(r->customers, sizeof *seg_periods);
    int32_t *seg_churned = checked_calloc(r->customers, sizeof *seg_churned);
    int rc = 0;
    if (!segment_of || !periods || !churned || !seg_periods || !seg_churned)
        rc = 1;
    else if (crvm_ledger_customers(r->ledger, segment_of, r->customers, NULL, 0, NULL, 0) != CRVM_OK ||
             crvm_ledger_retention_data(r->ledger, r->as_of, CRVM_PERIOD_MONTH, periods, r->customers,
                                        churned, r->customers) != CRVM_OK)
        rc = cli_library_error("report", "retention data");
    if (rc == 0) {
        printf("\nRetention by segment (shifted-beta-geometric, monthly renewals; standard errors)\n");
        printf("  %-14s %9s %8s %15s %15s %9s %9s %11s\n", "segment", "customers", "churned",
               "alpha", "beta", "S(12 mo)", "S(24 mo)", "DERL@12 mo");
        for (size_t s = 0; s < r->segments && rc == 0; s++)
            rc = print_segment_retention(r, s, segment_of, periods, churned, seg_periods, seg_churned);
        printf("  S(t): share of new customers still active after t months; DERL@12 mo: discounted\n"
               "  further months expected from a customer who has renewed 12 times (%.0f%% a year)\n",
               100 * r->costs.discount_rate);
    }
    free(segment_of);
    free(periods);
    free(churned);
    free(seg_periods);
    free(seg_churned);
    return rc;
}

static int print_knowledge(const report *r)
{
    if (r->articles == 0) {
        printf("\nKnowledge base: no articles\n");
        return 0;
    }
    double total[CRVM_KV_COLUMNS];
    double *kv = checked_calloc(r->articles * CRVM_KV_COLUMNS, sizeof *kv);
    size_t *order = checked_calloc(r->articles, sizeof *order);
    crvm_knowledge_estimate est;
    int rc = 0;
    if (!kv || !order)
        rc = 1;
    else if (crvm_knowledge_value(r->ledger, &r->costs, r->as_of, kv, r->articles * CRVM_KV_COLUMNS,
                                  &est) != CRVM_OK ||
             crvm_knowledge_base_value(r->ledger, &r->costs, r->as_of, total, CRVM_KV_COLUMNS) != CRVM_OK)
        rc = cli_library_error("report", "knowledge value");
    if (rc == 0) {
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
        /* Selection of the top articles by value: the list is short. */
        for (size_t i = 0; i < r->articles; i++)
            order[i] = i;
        size_t top = (size_t)r->top < r->articles ? (size_t)r->top : r->articles;
        for (size_t k = 0; k < top; k++)
            for (size_t i = k + 1; i < r->articles; i++)
                if (kv[order[i] * CRVM_KV_COLUMNS + CRVM_KV_VALUE] >
                    kv[order[k] * CRVM_KV_COLUMNS + CRVM_KV_VALUE]) {
                    size_t tmp = order[k];
                    order[k] = order[i];
                    order[i] = tmp;
                }
        printf("  %-16s %10s %10s %10s %8s %13s\n", "top articles", "value", "saving", "cost", "ROI",
               "payback days");
        for (size_t k = 0; k < top; k++) {
            const double *row = kv + order[k] * CRVM_KV_COLUMNS;
            char payback[32] = "not yet";
            if (row[CRVM_KV_PAYBACK_DAYS] >= 0)
                snprintf(payback, sizeof payback, "%.0f", row[CRVM_KV_PAYBACK_DAYS]);
            printf("  %-16s %10.0f %10.0f %10.0f %8.2f %13s\n",
                   crvm_ledger_id(r->ledger, CRVM_TABLE_ARTICLES, order[k]), row[CRVM_KV_VALUE],
                   row[CRVM_KV_SAVING], row[CRVM_KV_COST], row[CRVM_KV_ROI], payback);
        }
    }
    free(kv);
    free(order);
    return rc;
}

/* Support experience and churn: the monthly contact panel (one row per
 * customer-month at risk, the contacts of the month before each renewal)
 * fitted by an interval Cox model stratified by segment. Breslow ties: the
 * renewals are discrete and heavily tied, and a contact that multiplies the
 * churn probability of the next renewal is exactly Breslow's log-linear
 * model, where Efron's continuous-time correction overstates it. */
static const struct {
    int column;
    const char *name, *what;
} support_covariates[] = {
    {CRVM_PANEL_REFUSED, "refused", "per refused contact"},
    {CRVM_PANEL_ABANDONED, "abandoned", "per abandoned contact"},
    {CRVM_PANEL_WORKAROUND, "workaround", "per workaround given"},
    {CRVM_PANEL_ESCALATED, "escalated", "per escalated contact"},
};
#define SUPPORT_P (sizeof support_covariates / sizeof *support_covariates)

static int print_support_fit(const crvm_cox *cox)
{
    double hr[SUPPORT_P], lo[SUPPORT_P], hi[SUPPORT_P], p[SUPPORT_P];
    if (crvm_cox_statistic(cox, CRVM_COX_HAZARD_RATIO, hr, SUPPORT_P) != CRVM_OK ||
        crvm_cox_statistic(cox, CRVM_COX_CI_LOWER, lo, SUPPORT_P) != CRVM_OK ||
        crvm_cox_statistic(cox, CRVM_COX_CI_UPPER, hi, SUPPORT_P) != CRVM_OK ||
        crvm_cox_statistic(cox, CRVM_COX_P_VALUE, p, SUPPORT_P) != CRVM_OK)
        return cli_library_error("report", "support impact");
    printf("  %-12s %12s %19s %10s\n", "contacts", "hazard ratio", "95% interval", "p");
    for (size_t j = 0; j < SUPPORT_P; j++)
        printf("  %-12s %12.2f %8.2f - %-8.2f %10.2g   %s\n", support_covariates[j].name, hr[j],
               exp(lo[j]), exp(hi[j]), p[j], support_covariates[j].what);
    printf("  hazard ratio: how many times more likely a customer is to leave at the next monthly\n"
           "  renewal for each such contact in the month before it, other things equal (1 = no\n"
           "  effect); Cox model with time-varying contact counts, stratified by segment\n");
    return 0;
}

static int print_support_impact(const report *r)
{
    printf("\nSupport experience and churn (contacts in the month before each renewal)\n");
    size_t rows = 0;
    if (crvm_ledger_contact_panel_size(r->ledger, r->as_of, CRVM_PERIOD_MONTH, &rows) != CRVM_OK)
        return cli_library_error("report", "contact panel");
    const size_t C = CRVM_PANEL_COLUMNS, P = SUPPORT_P;
    int32_t *customer = checked_calloc(rows, sizeof *customer);
    int32_t *events = checked_calloc(rows, sizeof *events);
    int32_t *strata = checked_calloc(rows, sizeof *strata);
    int32_t *segment_of = checked_calloc(r->customers, sizeof *segment_of);
    double *panel = checked_calloc(rows * C, sizeof *panel);
    double *x = checked_calloc(rows * P, sizeof *x);
    double *times = checked_calloc(2 * rows, sizeof *times);
    int rc = 0;
    if (!customer || !events || !strata || !segment_of || !panel || !x || !times)
        rc = 1;
    else if (crvm_ledger_contact_panel(r->ledger, r->as_of, CRVM_PERIOD_MONTH, customer, rows, panel,
                                       rows * C) != CRVM_OK ||
             crvm_ledger_customers(r->ledger, segment_of, r->customers, NULL, 0, NULL, 0) != CRVM_OK)
        rc = cli_library_error("report", "contact panel");
    if (rc == 0) {
        for (size_t i = 0; i < rows; i++) {
            const double *row = panel + i * C;
            times[i] = row[CRVM_PANEL_START];
            times[rows + i] = row[CRVM_PANEL_STOP];
            events[i] = row[CRVM_PANEL_EVENT] != 0;
            strata[i] = segment_of[customer[i]];
            for (size_t j = 0; j < P; j++)
                x[i * P + j] = row[support_covariates[j].column];
        }
        crvm_cox_options opt = CRVM_COX_OPTIONS_INIT;
        opt.ties = CRVM_TIES_BRESLOW;
        crvm_cox *cox = NULL;
        if (crvm_cox_fit_intervals(x, rows * P, rows, P, times, rows, times + rows, rows, events,
                                   rows, NULL, 0, strata, rows, &opt, &cox, NULL) != CRVM_OK)
            printf("  (no fit: %s)\n", crvm_last_error());
        else
            rc = print_support_fit(cox);
        crvm_cox_free(cox);
    }
    free(customer);
    free(events);
    free(strata);
    free(segment_of);
    free(panel);
    free(x);
    free(times);
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
        r.customers = stats.customers;
        r.segments = stats.segments;
        r.articles = stats.articles;
    }
    if (rc == 0) {
        char date[16] = "";
        crvm_date_format(r.as_of, date, sizeof date);
        printf("crvm report for %s as of %s: %zu customers, %zu revenue events, %zu contacts, "
               "%zu articles, %zu knowledge uses\n\n",
               dir, date, stats.customers, stats.revenue_events, stats.contacts, stats.articles,
               stats.knowledge_uses);
        rc = print_economics(&r);
        if (rc == 0)
            rc = print_retention(&r);
        if (rc == 0)
            rc = print_support_impact(&r);
        if (rc == 0)
            rc = print_knowledge(&r);
    }
    crvm_ledger_free(ledger);
    return rc;
}
