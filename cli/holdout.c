#include "holdout.h"

#include <math.h>
#include <string.h>

void holdout_compare(const double *x, const double *actual, const double *predicted, size_t n,
                     holdout_summary *out)
{
    memset(out, 0, sizeof *out);
    double abs_sum = 0, sq_sum = 0;
    for (size_t i = 0; i < n; i++) {
        double e = predicted[i] - actual[i];
        abs_sum += fabs(e);
        sq_sum += e * e;
        out->actual_total += actual[i];
        out->predicted_total += predicted[i];
        size_t bin = x[i] < HOLDOUT_BINS - 1 ? (size_t)x[i] : HOLDOUT_BINS - 1;
        out->count[bin]++;
        out->actual_mean[bin] += actual[i];
        out->predicted_mean[bin] += predicted[i];
    }
    for (size_t b = 0; b < HOLDOUT_BINS; b++) {
        out->actual_mean[b] = out->count[b] ? out->actual_mean[b] / (double)out->count[b] : NAN;
        out->predicted_mean[b] =
            out->count[b] ? out->predicted_mean[b] / (double)out->count[b] : NAN;
    }
    out->mae = n ? abs_sum / (double)n : NAN;
    out->rmse = n ? sqrt(sq_sum / (double)n) : NAN;
    /* Pearson correlation from centred sums (two passes: no cancellation). */
    double ma = n ? out->actual_total / (double)n : 0, mp = n ? out->predicted_total / (double)n : 0;
    double saa = 0, spp = 0, sap = 0;
    for (size_t i = 0; i < n; i++) {
        double da = actual[i] - ma, dp = predicted[i] - mp;
        saa += da * da;
        spp += dp * dp;
        sap += da * dp;
    }
    out->correlation = saa > 0 && spp > 0 ? sap / sqrt(saa * spp) : NAN;
}
