/* Contractual retention with crvm: fit the sBG and BdW models to the two
 * cohorts of Fader & Hardie (2007), "How to Project Customer Retention",
 * using years 0-7 only, project years 8-12, and value a customer by the
 * discounted expected residual lifetime (Fader & Hardie 2010).
 *
 * Build: cc retention.c $(pkg-config --cflags --libs crvm) */
#include <stdio.h>
#include <stdlib.h>

#include <crvm/crvm.h>

#define YEARS 13      /* years 0..12 observed */
#define CALIBRATION 8 /* years 0..7 used to fit */

static const double regular[YEARS] = {1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173};
static const double high_end[YEARS] = {1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394};

static int check(crvm_status st, const char *what)
{
    if (st != CRVM_OK) {
        fprintf(stderr, "retention example: %s failed: %s (%s)\n", what, crvm_status_str(st),
                crvm_last_error());
        return 0;
    }
    return 1;
}

int main(void)
{
    const char *segment[2] = {"regular", "high end"};
    const double *counts[2] = {regular, high_end};
    const char *model[2] = {"sBG", "BdW"};
    crvm_retention_params p[2][2], se[2][2];
    crvm_fit_report report[2][2];

    for (int s = 0; s < 2; s++) {
        for (int m = 0; m < 2; m++) {
            crvm_retention_fit *fit = NULL;
            if (!check(crvm_retention_fit_cohorts((crvm_retention_kind)m, counts[s], CALIBRATION,
                                                  NULL, 0, NULL, &fit, &report[s][m]),
                       "fitting"))
                return EXIT_FAILURE;
            crvm_retention_fit_params(fit, &p[s][m]);
            crvm_retention_fit_standard_errors(fit, &se[s][m]);
            crvm_retention_fit_free(fit);
        }
    }

    printf("Contractual retention: Fader & Hardie (2007) cohorts of 1000, fitted on years 0-%d\n\n",
           CALIBRATION - 1);
    printf("Parameters (standard errors)\n");
    printf("  %-9s %-5s %18s %18s %18s %10s %8s %6s\n", "segment", "model", "alpha", "beta", "c",
           "log-lik", "BIC", "E[T]");
    for (int s = 0; s < 2; s++) {
        for (int m = 0; m < 2; m++) {
            char c_text[32];
            if (m == 0)
                snprintf(c_text, sizeof c_text, "1 (fixed)");
            else
                snprintf(c_text, sizeof c_text, "%.3f (%.3f)", p[s][m].c, se[s][m].c);
            double life;
            if (!check(crvm_retention_expected_lifetime(&p[s][m], &life), "expected lifetime"))
                return EXIT_FAILURE;
            char life_text[32];
            snprintf(life_text, sizeof life_text, life > 1e300 ? "inf" : "%.2f", life);
            printf("  %-9s %-5s %11.3f (%.3f) %11.3f (%.3f) %18s %10.2f %8.2f %6s\n", segment[s],
                   model[m], p[s][m].alpha, se[s][m].alpha, p[s][m].beta, se[s][m].beta, c_text,
                   report[s][m].log_likelihood, report[s][m].bic, life_text);
        }
    }

    printf("  E[T]: expected lifetime in years, infinite when alpha * c <= 1 (a loyal core\n"
           "  never leaves; the discounted lifetime below is always finite)\n");

    double t[YEARS], surv[2][2][YEARS];
    for (int y = 0; y < YEARS; y++)
        t[y] = y;
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 2; m++)
            if (!check(crvm_retention_survival(&p[s][m], t, YEARS, surv[s][m], YEARS), "survival"))
                return EXIT_FAILURE;

    printf("\nCustomers still active: actual against projected (* = beyond the fitted years)\n");
    printf("  %4s | %8s %8s %8s | %8s %8s %8s\n", "year", "regular", "sBG", "BdW", "high end", "sBG",
           "BdW");
    double abs_err[2][2] = {{0, 0}, {0, 0}};
    for (int y = 1; y < YEARS; y++) {
        printf("  %3d%c | %8.0f %8.1f %8.1f | %8.0f %8.1f %8.1f\n", y, y >= CALIBRATION ? '*' : ' ',
               regular[y], 1000 * surv[0][0][y], 1000 * surv[0][1][y], high_end[y],
               1000 * surv[1][0][y], 1000 * surv[1][1][y]);
        if (y >= CALIBRATION)
            for (int s = 0; s < 2; s++)
                for (int m = 0; m < 2; m++)
                    abs_err[s][m] += (1000 * surv[s][m][y] - counts[s][y]) / counts[s][y];
    }
    printf("  mean error, years %d-%d: regular sBG %+.1f%%, BdW %+.1f%%; high end sBG %+.1f%%, BdW %+.1f%%\n",
           CALIBRATION, YEARS - 1, 100 * abs_err[0][0] / (YEARS - CALIBRATION),
           100 * abs_err[0][1] / (YEARS - CALIBRATION), 100 * abs_err[1][0] / (YEARS - CALIBRATION),
           100 * abs_err[1][1] / (YEARS - CALIBRATION));

    const double discount = 0.10;
    const double renewals[4] = {0, 1, 4, 7};
    double derl[2][2][4];
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 2; m++)
            if (!check(crvm_retention_derl(&p[s][m], discount, renewals, 4, derl[s][m], 4), "DERL"))
                return EXIT_FAILURE;
    printf("\nDiscounted expected residual lifetime at d = %.0f%% (further renewals expected,\n"
           "discounted; multiply by the margin per year to value the customer)\n",
           100 * discount);
    printf("  %13s | %8s %8s | %8s %8s\n", "renewals made", "reg sBG", "reg BdW", "high sBG",
           "high BdW");
    for (int i = 0; i < 4; i++)
        printf("  %13.0f | %8.3f %8.3f | %8.3f %8.3f\n", renewals[i], derl[0][0][i], derl[0][1][i],
               derl[1][0][i], derl[1][1][i]);

    return EXIT_SUCCESS;
}
