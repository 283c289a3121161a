/* Repeat business with crvm: fit the BG/BB model to the annual donation
 * patterns of the 1995 donor cohort of a US non-profit (Fader, Hardie & Shang
 * 2010, "Customer-Base Analysis in a Discrete-Time Noncontractual Setting":
 * 11,104 donors, 6 yearly opportunities 1996-2001), then say for each
 * pattern how likely the donor is still active, how many donations to expect
 * in the next 5 years and their discounted number (DERT) at 10% a year.
 *
 * Build: cc transactions.c $(pkg-config --cflags --libs crvm) */
#include <stdio.h>

#include <crvm/crvm.h>

#define ROWS 22

/* frequency x, recency t_x (year of the last donation), donors with the pattern */
static const double x[ROWS] = {0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6};
static const double tx[ROWS] = {0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6};
static const double donors[ROWS] = {3464, 1091, 277, 129, 78,  119, 129, 613, 255, 155, 173,
                                    234,  322,  181, 225, 357, 240, 284, 512, 335, 728, 1203};

static int check(crvm_status st, const char *what)
{
    if (st != CRVM_OK) {
        fprintf(stderr, "transactions example: %s failed: %s (%s)\n", what, crvm_status_str(st),
                crvm_last_error());
        return 0;
    }
    return 1;
}

int main(void)
{
    double n[ROWS];
    for (int i = 0; i < ROWS; i++)
        n[i] = 6; /* six opportunities observed for everyone */

    crvm_txn_fit *fit = NULL;
    if (!check(crvm_txn_fit_new(CRVM_TXN_BGBB, x, ROWS, tx, ROWS, n, ROWS, donors, ROWS, NULL,
                                &fit),
               "fit"))
        return 1;
    crvm_txn_params p;
    crvm_fit_report report;
    double se[4];
    crvm_txn_fit_params(fit, &p);
    crvm_txn_fit_report(fit, &report);
    if (!check(crvm_txn_fit_standard_errors(fit, se, 4), "standard errors"))
        return 1;
    crvm_txn_fit_free(fit);

    printf("BG/BB on %.0f donors (published: alpha 1.204, beta 0.750, gamma 0.657, "
           "delta 2.783, LL -33225.6)\n",
           report.n_observations);
    for (int k = 0; k < 4; k++)
        printf("  %-6s %8.4f  (se %.4f)\n", crvm_txn_param_name(CRVM_TXN_BGBB, k), p.p[k], se[k]);
    printf("  log-likelihood %.1f, %d iterations, converged %s\n\n", report.log_likelihood,
           report.iterations, report.converged ? "yes" : "no");

    double alive[ROWS], next5[ROWS], dert[ROWS];
    if (!check(crvm_txn_p_alive(&p, x, ROWS, tx, ROWS, n, ROWS, alive, ROWS), "P(alive)") ||
        !check(crvm_txn_expected_conditional(&p, 5, x, ROWS, tx, ROWS, n, ROWS, next5, ROWS),
               "expected donations") ||
        !check(crvm_txn_dert(&p, 0.10, x, ROWS, tx, ROWS, n, ROWS, dert, ROWS), "DERT"))
        return 1;
    printf("  x  t_x  donors  P(active 2002)  donations 2002-06  DERT at 10%%\n");
    for (int i = 0; i < ROWS; i++)
        printf("%3.0f  %3.0f  %6.0f  %14.3f  %17.3f  %11.3f\n", x[i], tx[i], donors[i], alive[i],
               next5[i], dert[i]);

    double years[5] = {1, 2, 3, 4, 5}, expected[5];
    if (!check(crvm_txn_expected_unconditional(&p, years, 5, expected, 5), "E[X(n)]"))
        return 1;
    printf("\nA new donor's expected repeat donations after 1..5 years:");
    for (int i = 0; i < 5; i++)
        printf(" %.3f", expected[i]);
    printf("\n");
    return 0;
}
