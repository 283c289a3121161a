/* crvm survival: Kaplan-Meier curves (by group, with the log-rank test) and
 * Cox proportional hazards models fitted to the columns of a CSV file with a
 * header row. The file is read by the library's io layer
 * (crvm_read_table_csv; the group column as labels); this command only
 * checks the meaning of the cells (durations >= 0, events 0 or 1), orders
 * the groups and prints tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"
#include "groups.h"

#define MAX_COVARIATES 64

static void usage(FILE *to)
{
    fputs("usage: crvm survival km FILE --duration COL --event COL [--group COL] [--alpha A]\n"
          "                         [--delimiter D]\n"
          "       crvm survival cox FILE --duration COL --event COL [--ties efron|breslow]\n"
          "                         [--alpha A] [--delimiter D] COVARIATE...\n"
          "\n"
          "FILE is a CSV file with a header row naming its columns; the duration, event and\n"
          "covariate columns must hold numbers: durations >= 0 and event flags 1 (observed)\n"
          "or 0 (censored). The group column holds any labels (e.g. miR-137, control, 2).\n"
          "  km   Kaplan-Meier curve of each group (distinct values of --group, in numeric\n"
          "       order when every label is a number, else in byte order; one curve\n"
          "       without it) with medians and quartiles, the curves' tables with\n"
          "       log-log confidence intervals, and the log-rank test when there are groups.\n"
          "  cox  Cox proportional hazards model of the COVARIATE columns (Efron ties by\n"
          "       default): coefficients, hazard ratios, intervals, tests, concordance.\n"
          "  --alpha      1 - coverage of the confidence intervals (default 0.05)\n"
          "  --delimiter  the field separator: one character, tab or space (default ',';\n"
          "               each one separates, so two spaces are an empty field)\n"
          "Exit status: 0 success, 1 bad data (the message names the row and column),\n"
          "2 bad usage.\n",
          to);
}

typedef struct survival_args {
    int cox;
    const char *file, *duration, *event, *group;
    double alpha;
    char delimiter;
    crvm_ties ties;
    const char *covariates[MAX_COVARIATES];
    size_t n_covariates;
} survival_args;

/* 0 to go on; otherwise the exit status (-1: help was printed, exit 0). */
static int parse_args(int argc, char **argv, survival_args *a)
{
    memset(a, 0, sizeof *a);
    a->alpha = 0.05;
    a->ties = CRVM_TIES_EFRON;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return -1;
    }
    if (argc < 2 || (strcmp(argv[1], "km") != 0 && strcmp(argv[1], "cox") != 0)) {
        fprintf(stderr, "crvm survival: expected 'km' or 'cox'%s%s (crvm survival --help)\n",
                argc >= 2 ? ", got " : "", argc >= 2 ? argv[1] : "");
        return 2;
    }
    a->cox = strcmp(argv[1], "cox") == 0;
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (strncmp(opt, "--", 2) != 0) {
            if (a->file == NULL) {
                a->file = opt;
            } else if (a->cox && a->n_covariates < MAX_COVARIATES) {
                a->covariates[a->n_covariates++] = opt;
            } else {
                fprintf(stderr, "crvm survival: unexpected argument '%s'%s (crvm survival --help)\n",
                        opt, a->cox ? ", too many covariates" : "");
                return 2;
            }
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "crvm survival: %s needs a value (crvm survival --help)\n", opt);
            return 2;
        }
        const char *val = argv[++i];
        if (strcmp(opt, "--duration") == 0) {
            a->duration = val;
        } else if (strcmp(opt, "--event") == 0) {
            a->event = val;
        } else if (strcmp(opt, "--group") == 0 && !a->cox) {
            a->group = val;
        } else if (strcmp(opt, "--ties") == 0 && a->cox) {
            if (strcmp(val, "efron") == 0) {
                a->ties = CRVM_TIES_EFRON;
            } else if (strcmp(val, "breslow") == 0) {
                a->ties = CRVM_TIES_BRESLOW;
            } else {
                fprintf(stderr, "crvm survival: --ties: '%s' is not efron or breslow\n", val);
                return 2;
            }
        } else if (strcmp(opt, "--delimiter") == 0) {
            if (!cli_parse_delimiter(val, &a->delimiter))
                return 2;
        } else if (strcmp(opt, "--alpha") == 0) {
            if (!cli_parse_double(val, "--alpha", &a->alpha))
                return 2;
            if (!(a->alpha > 0 && a->alpha < 1)) {
                fprintf(stderr, "crvm survival: --alpha: %s is not in (0, 1)\n", val);
                return 2;
            }
        } else {
            fprintf(stderr, "crvm survival %s: unknown option %s (crvm survival --help)\n", argv[1],
                    opt);
            return 2;
        }
    }
    if (a->file == NULL || a->duration == NULL || a->event == NULL) {
        fprintf(stderr, "crvm survival: FILE, --duration and --event are required (crvm survival "
                        "--help)\n");
        return 2;
    }
    if (a->cox && a->n_covariates == 0) {
        fprintf(stderr, "crvm survival cox: name at least one COVARIATE column (crvm survival "
                        "--help)\n");
        return 2;
    }
    return 0;
}

/* The columns every fit needs, checked for their meaning. */
typedef struct survival_data {
    crvm_numeric_table *table;
    size_t n;
    double *durations;
    int32_t *events;
} survival_data;

static void data_free(survival_data *d)
{
    crvm_numeric_table_free(d->table);
    free(d->durations);
    free(d->events);
}

/* Read columns (duration, event, then the others; the group column as
 * labels) of the file; check that durations are >= 0 and events 0 or 1,
 * naming the row and column. */
static int read_data(const survival_args *a, const char *const *columns, size_t n_columns,
                     survival_data *d)
{
    memset(d, 0, sizeof *d);
    crvm_table_options opt;
    crvm_table_options_init(&opt);
    opt.delimiter = a->delimiter;
    if (crvm_read_table_csv(a->file, columns, n_columns, &a->group, a->group ? 1 : 0, NULL, 0,
                            &opt, &d->table) != CRVM_OK) {
        /* A header split at the wrong separator is one field: say so. */
        if (a->delimiter == 0 && strstr(crvm_last_error(), ": header: no column '")) {
            fprintf(stderr, "crvm survival: reading the data: %s (fields are separated by ','; "
                            "give --delimiter for another separator)\n", crvm_last_error());
            return 1;
        }
        return cli_library_error("survival", "reading the data");
    }
    d->n = crvm_numeric_table_rows(d->table);
    if (d->n == 0) {
        fprintf(stderr, "crvm survival: %s: no data rows\n", a->file);
        return 1;
    }
    d->durations = malloc(d->n * sizeof *d->durations);
    double *flags = malloc(d->n * sizeof *flags);
    d->events = malloc(d->n * sizeof *d->events);
    int rc = 0;
    if (!d->durations || !flags || !d->events) {
        fprintf(stderr, "crvm survival: out of memory\n");
        rc = 1;
    } else if (crvm_numeric_table_column(d->table, 0, d->durations, d->n) != CRVM_OK ||
               crvm_numeric_table_column(d->table, 1, flags, d->n) != CRVM_OK) {
        rc = cli_library_error("survival", "reading the data");
    }
    for (size_t i = 0; rc == 0 && i < d->n; i++) {
        if (d->durations[i] < 0) {
            fprintf(stderr, "crvm survival: %s: row %zu, column %s: duration %g is negative\n",
                    a->file, i + 1, a->duration, d->durations[i]);
            rc = 1;
        } else if (flags[i] != 0 && flags[i] != 1) {
            fprintf(stderr, "crvm survival: %s: row %zu, column %s: event %g is not 0 or 1\n",
                    a->file, i + 1, a->event, flags[i]);
            rc = 1;
        } else {
            d->events[i] = (int32_t)flags[i];
        }
    }
    free(flags);
    return rc;
}

static void print_quantile(double t)
{
    if (isinf(t))
        printf(" %9s", "inf");
    else
        printf(" %9g", t);
}

static int print_km(const survival_args *a, const crvm_km_groups *fit, const cli_groups *groups)
{
    size_t k = crvm_km_groups_count(fit);
    char level[32];
    snprintf(level, sizeof level, "%g%% CI", 100 * (1 - a->alpha));
    printf("Kaplan-Meier: %s (duration %s, event %s)\n\n", a->file, a->duration, a->event);
    printf("%-12s %8s %8s %9s %9s %9s\n", a->group ? a->group : "group", "n", "events", "q25",
           "median", "q75");
    for (size_t g = 0; g < k; g++) {
        const crvm_km *km = NULL;
        size_t rows;
        double *col = NULL, n = 0, events = 0, q[3];
        if (crvm_km_groups_curve(fit, (int32_t)g, &km) != CRVM_OK)
            return cli_library_error("survival km", "a group's curve");
        rows = crvm_km_size(km);
        col = malloc(2 * rows * sizeof *col);
        if (!col) {
            fprintf(stderr, "crvm survival: out of memory\n");
            return 1;
        }
        crvm_status st = crvm_km_column(km, CRVM_KM_EVENTS, col, rows);
        if (st == CRVM_OK)
            st = crvm_km_column(km, CRVM_KM_CENSORED, col + rows, rows);
        for (int j = 0; j < 3 && st == CRVM_OK; j++)
            st = crvm_km_quantile(km, 0.25 * (j + 1), &q[j]);
        for (size_t r = 0; r < rows; r++) {
            events += col[r];
            n += col[r] + col[rows + r];
        }
        free(col);
        if (st != CRVM_OK)
            return cli_library_error("survival km", "a group's summary");
        printf("%-12s %8g %8g", a->group ? groups->names[g] : "all", n, events);
        for (int j = 0; j < 3; j++)
            print_quantile(q[j]);
        printf("\n");
    }
    printf("(q25, median, q75: first time at which survival falls to 0.75, 0.5, 0.25)\n");

    for (size_t g = 0; g < k; g++) {
        const crvm_km *km = NULL;
        crvm_km_groups_curve(fit, (int32_t)g, &km);
        size_t rows = crvm_km_size(km);
        double *col = malloc(7 * rows * sizeof *col);
        if (!col) {
            fprintf(stderr, "crvm survival: out of memory\n");
            return 1;
        }
        const crvm_km_column_id ids[7] = {CRVM_KM_TIME,     CRVM_KM_AT_RISK,  CRVM_KM_EVENTS,
                                          CRVM_KM_CENSORED, CRVM_KM_SURVIVAL, CRVM_KM_CI_LOWER,
                                          CRVM_KM_CI_UPPER};
        crvm_status st = CRVM_OK;
        for (int c = 0; c < 7 && st == CRVM_OK; c++)
            st = crvm_km_column(km, ids[c], col + (size_t)c * rows, rows);
        if (st != CRVM_OK) {
            free(col);
            return cli_library_error("survival km", "a curve's table");
        }
        if (a->group)
            printf("\n%s = %s\n", a->group, groups->names[g]);
        else
            printf("\n");
        printf("%10s %9s %8s %9s %9s %21s\n", "time", "at_risk", "events", "censored", "survival",
               level);
        for (size_t r = 0; r < rows; r++)
            printf("%10g %9g %8g %9g %9.5f    [%.5f, %.5f]\n", col[r], col[rows + r],
                   col[2 * rows + r], col[3 * rows + r], col[4 * rows + r], col[5 * rows + r],
                   col[6 * rows + r]);
        free(col);
    }
    return 0;
}

static int run_km(const survival_args *a)
{
    const char *columns[3] = {a->duration, a->event, a->group};
    survival_data d;
    int rc = read_data(a, columns, a->group ? 3 : 2, &d);
    int32_t *codes = NULL;
    double *groups = NULL;
    cli_groups names = {0, NULL};
    size_t k = 1;
    if (rc == 0) {
        codes = calloc(d.n, sizeof *codes);
        groups = malloc(d.n * sizeof *groups);
        if (!codes || !groups) {
            fprintf(stderr, "crvm survival: out of memory\n");
            rc = 1;
        } else if (a->group) {
            if (crvm_numeric_table_column(d.table, 2, groups, d.n) != CRVM_OK)
                rc = cli_library_error("survival km", "reading the groups");
            else if (!cli_groups_make(d.table, 2, groups, d.n, codes, &names))
                rc = 1;
            else
                k = names.k;
        }
    }
    crvm_km_groups *fit = NULL;
    if (rc == 0) {
        crvm_km_options opt;
        crvm_km_options_init(&opt);
        opt.confidence_level = 1 - a->alpha;
        if (crvm_km_fit_groups(d.durations, d.n, d.events, d.n, NULL, 0, NULL, 0, codes, d.n,
                               &opt, &fit) != CRVM_OK)
            rc = cli_library_error("survival km", "fitting");
    }
    if (rc == 0)
        rc = print_km(a, fit, &names);
    if (rc == 0 && k >= 2) {
        crvm_logrank_result lr;
        if (crvm_logrank(d.durations, d.n, d.events, d.n, codes, d.n, NULL, 0, &lr) != CRVM_OK)
            rc = cli_library_error("survival km", "log-rank test");
        else
            printf("\nlog-rank test of equal curves across %s: chi-square %.4f on %d df, p = %.4g\n",
                   a->group, lr.statistic, lr.dof, lr.p_value);
    }
    crvm_km_groups_free(fit);
    free(codes);
    free(groups);
    cli_groups_free(&names);
    data_free(&d);
    return rc;
}

/* The library names a covariate by its index ("covariate 2"): name it as
 * the command line did ("covariate 'prio' (column 2)"). */
static int cox_error(const survival_args *a)
{
    const char *msg = crvm_last_error(), *at = strstr(msg, "covariate ");
    char *end = NULL;
    unsigned long j = at ? strtoul(at + strlen("covariate "), &end, 10) : 0;
    if (at && end != at + strlen("covariate ") && j < a->n_covariates)
        fprintf(stderr, "crvm survival cox: fitting: %.*scovariate '%s' (column %lu)%s\n",
                (int)(at - msg), msg, a->covariates[j], j, end);
    else
        fprintf(stderr, "crvm survival cox: fitting: %s\n", msg);
    return 1;
}

static int run_cox(const survival_args *a)
{
    const size_t p = a->n_covariates;
    const char *columns[MAX_COVARIATES + 2] = {a->duration, a->event};
    for (size_t j = 0; j < p; j++)
        columns[j + 2] = a->covariates[j];
    survival_data d;
    int rc = read_data(a, columns, p + 2, &d);
    double *x = NULL, *col = NULL;
    if (rc == 0) {
        x = malloc(d.n * p * sizeof *x);
        col = malloc(d.n * sizeof *col);
        if (!x || !col) {
            fprintf(stderr, "crvm survival: out of memory\n");
            rc = 1;
        }
    }
    for (size_t j = 0; rc == 0 && j < p; j++) {
        if (crvm_numeric_table_column(d.table, j + 2, col, d.n) != CRVM_OK)
            rc = cli_library_error("survival cox", "reading the covariates");
        for (size_t i = 0; rc == 0 && i < d.n; i++)
            x[i * p + j] = col[i];
    }
    crvm_cox *model = NULL;
    crvm_fit_report report;
    if (rc == 0) {
        crvm_cox_options opt;
        crvm_cox_options_init(&opt);
        opt.ties = a->ties;
        opt.confidence_level = 1 - a->alpha;
        if (crvm_cox_fit(x, d.n * p, d.n, p, d.durations, d.n, d.events, d.n, NULL, 0, NULL, 0,
                         &opt, &model, &report) != CRVM_OK)
            rc = cox_error(a);
    }
    enum { STATS = 8 };
    const crvm_cox_stat ids[STATS] = {CRVM_COX_COEF,     CRVM_COX_HAZARD_RATIO, CRVM_COX_SE,
                                      CRVM_COX_Z,        CRVM_COX_P_VALUE,      CRVM_COX_CI_LOWER,
                                      CRVM_COX_CI_UPPER, CRVM_COX_MEAN};
    double *s = rc == 0 ? malloc(STATS * p * sizeof *s) : NULL;
    crvm_cox_summary_stats sum;
    if (rc == 0 && !s) {
        fprintf(stderr, "crvm survival: out of memory\n");
        rc = 1;
    }
    for (int k = 0; rc == 0 && k < STATS; k++)
        if (crvm_cox_statistic(model, ids[k], s + (size_t)k * p, p) != CRVM_OK)
            rc = cli_library_error("survival cox", "reading the estimates");
    if (rc == 0 && crvm_cox_summary(model, &sum) != CRVM_OK)
        rc = cli_library_error("survival cox", "reading the summary");
    if (rc == 0) {
        int level = (int)lround(100 * (1 - a->alpha));
        printf("Cox proportional hazards: %s (duration %s, event %s), %s ties\n", a->file,
               a->duration, a->event, a->ties == CRVM_TIES_EFRON ? "Efron" : "Breslow");
        printf("%.0f observations, %.0f events\n\n", sum.n_observations, sum.n_events);
        printf("%-12s %10s %10s %10s %8s %10s %10s %10s\n", "covariate", "coef", "exp(coef)",
               "se(coef)", "z", "p", "lower", "upper");
        for (size_t j = 0; j < p; j++)
            printf("%-12s %10.4f %10.4f %10.4f %8.3f %10.3g %10.4f %10.4f\n", a->covariates[j],
                   s[j], s[p + j], s[2 * p + j], s[3 * p + j], s[4 * p + j], s[5 * p + j],
                   s[6 * p + j]);
        printf("(lower, upper: %d%% confidence limits of coef; exp() of them bound the hazard "
               "ratio)\n\n",
               level);
        printf("log partial likelihood %.4f (null %.4f)\n", sum.log_likelihood,
               sum.log_likelihood_null);
        printf("likelihood-ratio test: %.4f on %d df, p = %.4g\n", sum.lr_statistic, sum.lr_dof,
               sum.lr_p_value);
        printf("concordance %.4f; %d iterations%s\n", sum.concordance, sum.iterations,
               report.converged ? "" : " (not converged)");
    }
    free(s);
    crvm_cox_free(model);
    free(x);
    free(col);
    data_free(&d);
    return rc;
}

int cmd_survival(int argc, char **argv)
{
    survival_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    return a.cox ? run_cox(&a) : run_km(&a);
}
