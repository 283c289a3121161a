/* The holdout comparison of crvm transactions: predicted against actual
 * repeat purchases in the holdout period, overall and by calibration
 * frequency (lifetimes' plot_calibration_purchases_vs_holdout_purchases
 * groups customers the same way). */
#ifndef CRVM_CLI_HOLDOUT_H
#define CRVM_CLI_HOLDOUT_H

#include <stddef.h>

/* Frequencies 0 .. HOLDOUT_BINS - 2 each, the last bin everything above. */
#define HOLDOUT_BINS 8

typedef struct holdout_summary {
    double mae, rmse, correlation; /* correlation NaN when either side is constant */
    double actual_total, predicted_total;
    size_t count[HOLDOUT_BINS];
    double actual_mean[HOLDOUT_BINS], predicted_mean[HOLDOUT_BINS];
} holdout_summary;

/* Over n customers: calibration frequency x, holdout purchases actual and
 * the model's predicted expected purchases over the holdout. */
void holdout_compare(const double *x, const double *actual, const double *predicted, size_t n,
                     holdout_summary *out);

#endif
