/* Covariate survival with crvm: the leukaemia remission data of Freireich et
 * al. (1963), as tabulated by Anderson et al. and Kleinbaum & Klein,
 * "Survival Analysis: A Self-Learning Text" (weeks in remission of 42
 * patients; Rx 0 = 6-mercaptopurine, 1 = placebo). The data are embedded:
 * crvm's models work on arrays and never read files.
 *
 * Shown: Kaplan-Meier curves by treatment group (one grouped fit) with their
 * medians and quartiles, the log-rank test, and a Cox proportional hazards
 * model (Efron ties) with hazard ratios and 95% confidence intervals.
 *
 * Build: cc survival.c $(pkg-config --cflags --libs crvm) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <crvm/crvm.h>

#define N 42
#define GROUPS 2
#define COVARIATES 3

/* Columns of anderson.csv (lifelines' load_leukemia): t status sex logWBC Rx. */
static const double weeks[N] = {35, 34, 32, 32, 25, 23, 22, 20, 19, 17, 16, 13, 11, 10,
                                10, 9,  7,  6,  6,  6,  6,  23, 22, 17, 15, 12, 12, 11,
                                11, 8,  8,  8,  8,  5,  5,  4,  4,  3,  2,  2,  1,  1};
static const int32_t relapse[N] = {0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1,
                                   1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const int32_t sex[N] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
                               1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1};
static const double log_wbc[N] = {1.45, 1.47, 2.2,  2.53, 1.78, 2.57, 2.32, 2.01, 2.05, 2.16, 3.6,
                                  2.88, 2.6,  2.7,  2.96, 2.8,  4.43, 3.2,  2.31, 4.06, 3.28, 1.97,
                                  2.73, 2.95, 2.3,  1.5,  3.06, 3.49, 2.12, 3.52, 3.05, 2.32, 3.26,
                                  3.49, 3.97, 4.36, 2.42, 4.01, 4.91, 4.48, 2.8,  5.0};
static const int32_t rx[N] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                              1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static const char *const group_name[GROUPS] = {"6-MP", "placebo"};
static const char *const covariate_name[COVARIATES] = {"Rx", "logWBC", "sex"};

static int check(crvm_status st, const char *what)
{
    if (st != CRVM_OK) {
        fprintf(stderr, "survival example: %s failed: %s (%s)\n", what, crvm_status_str(st),
                crvm_last_error());
        return 0;
    }
    return 1;
}

/* A time as text: "not reached" when the curve never falls that low. */
static const char *time_text(double t, char buf[16])
{
    snprintf(buf, 16, isinf(t) ? "not reached" : "%.0f", t);
    return buf;
}

/* Print one group's Kaplan-Meier table; add its size and events to *n, *d. */
static int print_curve(const crvm_km *km, const char *name, double *n, double *d)
{
    enum { MAX_ROWS = N };
    double col[8][MAX_ROWS];
    size_t rows = crvm_km_size(km);
    if (rows > MAX_ROWS)
        return 0;
    for (int c = 0; c < 8; c++)
        if (!check(crvm_km_column(km, (crvm_km_column_id)c, col[c], rows), "reading a curve"))
            return 0;
    printf("\n  %s\n  %6s %8s %7s %8s %9s %17s\n", name, "week", "at risk", "events", "censored",
           "survival", "95% CI");
    *n = *d = 0;
    for (size_t r = 0; r < rows; r++) {
        printf("  %6.0f %8.0f %7.0f %8.0f %9.3f    [%.3f, %.3f]\n", col[CRVM_KM_TIME][r],
               col[CRVM_KM_AT_RISK][r], col[CRVM_KM_EVENTS][r], col[CRVM_KM_CENSORED][r],
               col[CRVM_KM_SURVIVAL][r], col[CRVM_KM_CI_LOWER][r], col[CRVM_KM_CI_UPPER][r]);
        *n += col[CRVM_KM_EVENTS][r] + col[CRVM_KM_CENSORED][r];
        *d += col[CRVM_KM_EVENTS][r];
    }
    return 1;
}

static int kaplan_meier(void)
{
    crvm_km_groups *groups = NULL;
    if (!check(crvm_km_fit_groups(weeks, N, relapse, N, NULL, 0, NULL, 0, rx, N, NULL, &groups),
               "Kaplan-Meier by group"))
        return 0;
    printf("Kaplan-Meier estimates of remaining in remission, by treatment\n");
    double n[GROUPS], d[GROUPS], q[GROUPS][3];
    const double probs[3] = {0.25, 0.5, 0.75};
    int ok = 1;
    for (int32_t g = 0; g < GROUPS && ok; g++) {
        const crvm_km *km = NULL;
        ok = check(crvm_km_groups_curve(groups, g, &km), "a group's curve") &&
             print_curve(km, group_name[g], &n[g], &d[g]);
        for (int i = 0; i < 3 && ok; i++)
            ok = check(crvm_km_quantile(km, probs[i], &q[g][i]), "a quantile");
    }
    crvm_km_groups_free(groups);
    if (!ok)
        return 0;
    printf("\n  %-8s %4s %7s %13s %13s %13s\n", "group", "n", "events", "lower quart.",
           "median", "upper quart.");
    for (int g = 0; g < GROUPS; g++) {
        char a[16], b[16], c[16];
        printf("  %-8s %4.0f %7.0f %13s %13s %13s\n", group_name[g], n[g], d[g],
               time_text(q[g][0], a), time_text(q[g][1], b), time_text(q[g][2], c));
    }
    printf("  (quartiles in weeks: the first time the curve falls to 0.75, 0.5, 0.25)\n");
    return 1;
}

static int logrank(void)
{
    crvm_logrank_result r;
    if (!check(crvm_logrank(weeks, N, relapse, N, rx, N, NULL, 0, &r), "log-rank test"))
        return 0;
    printf("\nLog-rank test of equal remission curves\n");
    printf("  chi-square %.3f on %d degree(s) of freedom, p = %.2g\n", r.statistic, r.dof,
           r.p_value);
    return 1;
}

static int cox(void)
{
    double x[N * COVARIATES];
    for (size_t i = 0; i < N; i++) {
        x[i * COVARIATES + 0] = rx[i];
        x[i * COVARIATES + 1] = log_wbc[i];
        x[i * COVARIATES + 2] = sex[i];
    }
    crvm_cox_options opt;
    crvm_cox_options_init(&opt); /* Efron ties, 95% intervals */
    crvm_cox *model = NULL;
    crvm_fit_report report;
    if (!check(crvm_cox_fit(x, N * COVARIATES, N, COVARIATES, weeks, N, relapse, N, NULL, 0,
                            NULL, 0, &opt, &model, &report),
               "Cox model"))
        return 0;
    const crvm_cox_stat want[6] = {CRVM_COX_COEF,     CRVM_COX_SE,       CRVM_COX_HAZARD_RATIO,
                                   CRVM_COX_CI_LOWER, CRVM_COX_CI_UPPER, CRVM_COX_P_VALUE};
    double s[6][COVARIATES];
    crvm_cox_summary_stats sum;
    int ok = 1;
    for (int k = 0; k < 6 && ok; k++)
        ok = check(crvm_cox_statistic(model, want[k], s[k], COVARIATES), "a Cox statistic");
    if (ok)
        ok = check(crvm_cox_summary(model, &sum), "the Cox summary");
    crvm_cox_free(model);
    if (!ok)
        return 0;
    printf("\nCox proportional hazards of relapse (Efron ties)\n");
    printf("  %-8s %8s %8s %8s %18s %9s\n", "", "coef", "se", "HR", "HR 95% CI", "p");
    for (int j = 0; j < COVARIATES; j++)
        printf("  %-8s %8.4f %8.4f %8.3f   [%6.3f, %6.3f] %9.2g\n", covariate_name[j], s[0][j],
               s[1][j], s[2][j], exp(s[3][j]), exp(s[4][j]), s[5][j]);
    printf("  log partial likelihood %.3f (null %.3f), likelihood-ratio chi-square %.2f on %d df,\n"
           "  p = %.2g; concordance %.3f; %d iterations\n",
           sum.log_likelihood, sum.log_likelihood_null, sum.lr_statistic, sum.lr_dof,
           sum.lr_p_value, sum.concordance, sum.iterations);
    printf("  HR: hazard ratio per unit (Rx: placebo against 6-MP; sex: 1 against 0)\n");
    return 1;
}

int main(void)
{
    printf("Leukaemia remission (Freireich et al. 1963): %d patients, weeks in remission\n\n", N);
    if (!kaplan_meier() || !logrank() || !cox())
        return EXIT_FAILURE;
    return EXIT_SUCCESS;
}
