/* Private: the pieces of the Cox partial likelihood shared by the fit's two
 * passes over the data (cox.c): rows sorted by (stratum, time), or rows in
 * their own order summed into one bucket per distinct (stratum, time) when
 * there are few distinct times (cox_tied.c). */
#ifndef CRVM_SURVIVAL_COX_FIT_H
#define CRVM_SURVIVAL_COX_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/survival.h"

/* zr += r zi and (if ar) the upper triangle of ar += r zi zi^T: the
 * O(p^2) update per row of every risk-set sum. */
static inline void crvm__cox_add_weighted(size_t p, double r, const double *zi, double *zr,
                                          double *ar)
{
    if (ar == NULL) {
        for (size_t a = 0; a < p; a++)
            zr[a] += r * zi[a];
        return;
    }
    for (size_t a = 0; a < p; a++) {
        double ra = r * zi[a];
        double *row = ar + a * p;
        zr[a] += ra;
        for (size_t b = a; b < p; b++)
            row[b] += ra * zi[b];
    }
}

/* The terms of one block of tied times with d > 0 events of total weight
 * wd > 0 (see cox.c's header for the formulas), added to *ll, grad (may be
 * NULL) and the upper triangle of info (may be NULL). sr, zr, ar: risk-set
 * sums (rows at risk at the block's time, the block included); sd, zd, ad:
 * the sums over the block's events, read only for Efron with d > 1. The
 * risk weights are w e^(eta - shift). zl: p scratch values. O(p^2 + d). */
void crvm__cox_block_terms(size_t p, crvm_ties ties, double shift, size_t d, double wd,
                           double sr, const double *zr, const double *ar, double sd,
                           const double *zd, const double *ad, double *zl, double *ll,
                           double *grad, double *info);

/* Rows of a fit grouped by distinct (stratum, time): the sums of every
 * evaluation of the partial likelihood are made per bucket in one pass over
 * the rows in their own order, so there is no sort and no sorted copy of
 * the covariates, and the risk-set sums cost O(buckets p^2). */
typedef struct crvm__cox_tied crvm__cox_tied;

/* Bucket the n rows by (strata ? strata[i] : 0, durations[i]) when there
 * are at most max_buckets distinct pairs (*out NULL otherwise: the caller
 * sorts instead). x is n*p, centred and scaled by mean and inv_sd as it is
 * read (z): those two are read from the first evaluation on, so they may be
 * filled after this call, as may zmax (crvm__cox_tied_set_zmax). Every
 * other array must outlive the buckets. O(n). CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__cox_tied_new(size_t n, size_t p, const double *x, const double *mean,
                               const double *inv_sd, const double *durations,
                               const int32_t *events, const double *weights,
                               const int32_t *strata, crvm_ties ties, size_t max_buckets,
                               crvm__cox_tied **out);
/* max_i |z_ij| (p values, copied): the bound behind each evaluation's shift. */
void crvm__cox_tied_set_zmax(crvm__cox_tied *t, const double *zmax);

/* The covariates' moments about s (p values) as crvm__cox_rows_moments
 * gives them (mom, sum, lo, hi), made per bucket and kept (only for rows
 * without weights): then crvm__cox_tied_seed, once mean and inv_sd are
 * filled, makes them the sums of the first evaluation at beta = 0, which
 * then needs no pass over the rows. Valid while s is within 100 standard
 * deviations of the mean (cox.c's centred_moments: the same cancellation
 * bound as there). O(n p^2). */
void crvm__cox_tied_moments(crvm__cox_tied *t, const double *s, double *mom, double *sum,
                            double *lo, double *hi);
void crvm__cox_tied_seed(crvm__cox_tied *t);
void crvm__cox_tied_free(crvm__cox_tied *t);

/* The log partial likelihood at beta (standardised scale, no penalty),
 * with the score into grad and the upper triangle of the information into
 * info when they are not NULL (both zeroed first). Keeps the buckets' risk
 * sums for the baseline. O(n p^2). */
double crvm__cox_tied_evaluate(crvm__cox_tied *t, const double *beta, double *grad,
                               double *info);

/* The fit's last step, delta (p values, standardised scale), taken from
 * the point of the last evaluation, which made the score and information
 * (ll, grad and info its results, info the full symmetric matrix; penalised
 * or not: they are only combined). When no row's eta moves by more than
 * D = sum_j |delta_j| max_i |z_ij| <= 1e-6, the buckets' risk sums at the
 * new point follow by Taylor's formula to second order, S + delta.Z +
 * delta' A delta / 2 from each risk set's S, Z and A, with a relative error
 * below D^3 (e^D - 1 - D - D^2/2 <= D^3 e^D / 6), and so does the
 * log-likelihood, ll + grad.delta - delta' info delta / 2, with an error
 * below (2 D)^3 / 6 times the events' weight (no risk set's third cumulant
 * of delta.z exceeds (2 D)^3): into *ll_out, the risk sums kept for the
 * baseline, and 1 is returned, with no pass over the rows. Otherwise 0 and
 * nothing changed: evaluate at the new point instead. O(buckets p^2). */
int crvm__cox_tied_step(crvm__cox_tied *t, const double *delta, double ll, const double *grad,
                        const double *info, double *ll_out);

/* What the concordance index needs of the fit (cox_model.h's
 * crvm__cox_train), each now the caller's (crvm__free): the scores -eta at
 * beta (the fit's, standardised scale; crvm__huge_free) and each row's code, in row order (arrays of the
 * buckets, which evaluate no more), and copies of the
 * buckets' times and strata. O(n p). CRVM_OK or CRVM_ENOMEM (then nothing
 * taken). */
crvm_status crvm__cox_tied_take_train(crvm__cox_tied *t, const double *beta, double **score,
                                      uint16_t **code, double **time,
                                      int32_t **stratum);

/* Distinct strata, ascending, into codes (NULL: only counted); returns their count. */
size_t crvm__cox_tied_strata(const crvm__cox_tied *t, int32_t *codes);

/* Breslow's baseline of the last evaluation: for each stratum s (ascending)
 * its event times ascending with the cumulative hazard at the linear
 * predictor eta (unshifted) into time and cumhaz from offset start[s];
 * start has n_strata + 1 entries. Returns the number of event times when
 * time is NULL (a counting call). */
size_t crvm__cox_tied_baseline(const crvm__cox_tied *t, size_t *start, double *time,
                               double *cumhaz);

#endif
