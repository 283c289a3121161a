/* crvm retention: fit the contractual retention models to one cohort's
 * survivor counts, print the parameters, the projection and the discounted
 * expected residual lifetime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"

#define MAX_PERIODS 1000

static void usage(FILE *to)
{
    fprintf(to,
            "usage: crvm retention [--horizon H] [--discount D] COUNT0 COUNT1 ... COUNTn\n"
            "  COUNTt     customers of the cohort still active after t periods (COUNT0 at acquisition)\n"
            "  --horizon  periods to project (default: observed periods + 5)\n"
            "  --discount discount rate per period for the residual lifetime (default 0.1)\n");
}

int cmd_retention(int argc, char **argv)
{
    double counts[MAX_PERIODS];
    size_t n = 0;
    long horizon = -1;
    double discount = 0.1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--horizon") == 0 && i + 1 < argc) {
            if (!cli_parse_long(argv[++i], "--horizon", 1, MAX_PERIODS, &horizon))
                return 2;
        } else if (strcmp(argv[i], "--discount") == 0 && i + 1 < argc) {
            if (!cli_parse_double(argv[++i], "--discount", &discount))
                return 2;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "crvm retention: unknown or incomplete option '%s' (crvm retention --help)\n",
                    argv[i]);
            return 2;
        } else {
            if (n == MAX_PERIODS) {
                fprintf(stderr, "crvm retention: at most %d counts\n", MAX_PERIODS);
                return 2;
            }
            char what[32];
            snprintf(what, sizeof what, "COUNT%zu", n);
            if (!cli_parse_double(argv[i], what, &counts[n++]))
                return 2;
        }
    }
    if (n < 2) {
        fprintf(stderr, "crvm retention: give at least two counts, COUNT0 COUNT1 ... (crvm retention "
                        "--help)\n");
        return 2;
    }
    size_t periods = horizon > 0 ? (size_t)horizon : n - 1 + 5;

    const char *names[2] = {"sBG", "BdW"};
    crvm_retention_params params[2], errors[2];
    crvm_fit_report reports[2];
    for (int m = 0; m < 2; m++) {
        crvm_retention_fit *fit = NULL;
        if (crvm_retention_fit_cohorts((crvm_retention_kind)m, counts, n, NULL, 0, NULL, &fit,
                                       &reports[m]) != CRVM_OK)
            return cli_library_error("retention", names[m]);
        crvm_retention_fit_params(fit, &params[m]);
        crvm_retention_fit_standard_errors(fit, &errors[m]);
        crvm_retention_fit_free(fit);
    }

    printf("model  %16s %16s %16s %10s %9s %9s\n", "alpha (se)", "beta (se)", "c (se)", "log-lik",
           "BIC", "converged");
    for (int m = 0; m < 2; m++)
        printf("%-6s %7.4f (%6.4f) %7.4f (%6.4f) %7.4f (%6.4f) %10.3f %9.2f %9s\n", names[m],
               params[m].alpha, errors[m].alpha, params[m].beta, errors[m].beta, params[m].c,
               errors[m].c, reports[m].log_likelihood, reports[m].bic,
               reports[m].converged ? "yes" : "no");

    double *t = malloc((periods + 1) * sizeof *t);
    double *survival = malloc(2 * (periods + 1) * sizeof *survival);
    if (!t || !survival) {
        free(t);
        free(survival);
        fprintf(stderr, "crvm retention: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i <= periods; i++)
        t[i] = (double)i;
    int status = 0;
    for (int m = 0; m < 2 && status == 0; m++)
        if (crvm_retention_survival(&params[m], t, periods + 1, survival + m * (periods + 1),
                                    periods + 1) != CRVM_OK)
            status = cli_library_error("retention", "survival");
    if (status == 0) {
        printf("\nperiod %10s %10s %10s\n", "actual", "sBG", "BdW");
        for (size_t i = 0; i <= periods; i++) {
            char actual[32] = "";
            if (i < n)
                snprintf(actual, sizeof actual, "%.1f", counts[i]);
            printf("%6zu %10s %10.1f %10.1f\n", i, actual, counts[0] * survival[i],
                   counts[0] * survival[periods + 1 + i]);
        }
        double renewals[4] = {0, 1, 5, (double)(n - 1)}, derl[2][4];
        for (int m = 0; m < 2 && status == 0; m++)
            if (crvm_retention_derl(&params[m], discount, renewals, 4, derl[m], 4) != CRVM_OK)
                status = cli_library_error("retention", "residual lifetime");
        if (status == 0) {
            printf("\ndiscounted expected residual lifetime at d = %g\nrenewals %10s %10s\n", discount,
                   "sBG", "BdW");
            for (int k = 0; k < 4; k++)
                printf("%8.0f %10.3f %10.3f\n", renewals[k], derl[0][k], derl[1][k]);
        }
    }
    free(t);
    free(survival);
    return status;
}
