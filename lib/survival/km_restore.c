/* Rebuild a Kaplan-Meier curve from saved state (crvm/model_io.h). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "survival/km_model.h"

double crvm__km_confidence_level(const crvm_km *km) { return km->confidence_level; }

static const char *const column_names[KM_COLUMNS] = {
    "time", "survival", "variance", "ci_lower", "ci_upper", "at_risk", "events", "censored"};

/* Row k of a table as a fit makes it: every value finite and >= 0, times
 * strictly increasing, survival non-increasing within [0, 1] and inside its
 * limits, limits within [0, 1]. */
static crvm_status check_row(const double *const col[KM_COLUMNS], size_t k)
{
    for (int c = 0; c < KM_COLUMNS; c++)
        if (!(col[c][k] >= 0.0) || !isfinite(col[c][k]))
            return crvm__fail(CRVM_EDOMAIN, "Kaplan-Meier %s[%zu] = %g: must be finite and >= 0",
                              column_names[c], k, col[c][k]);
    const double s = col[CRVM_KM_SURVIVAL][k], lo = col[CRVM_KM_CI_LOWER][k],
                 hi = col[CRVM_KM_CI_UPPER][k];
    if (k > 0 && !(col[CRVM_KM_TIME][k] > col[CRVM_KM_TIME][k - 1]))
        return crvm__fail(CRVM_EDOMAIN, "Kaplan-Meier time[%zu] = %g: times must increase", k,
                          col[CRVM_KM_TIME][k]);
    if (s > 1.0 || (k > 0 && s > col[CRVM_KM_SURVIVAL][k - 1]))
        return crvm__fail(CRVM_EDOMAIN,
                          "Kaplan-Meier survival[%zu] = %g: must be <= 1 and non-increasing", k, s);
    if (!(lo <= s && s <= hi && hi <= 1.0))
        return crvm__fail(CRVM_EDOMAIN,
                          "Kaplan-Meier row %zu: limits [%g, %g] must hold survival %g within "
                          "[0, 1]",
                          k, lo, hi, s);
    return CRVM_OK;
}

crvm_status crvm__km_restore(size_t size, double confidence_level,
                             const double *const columns[KM_COLUMNS], crvm_km **out)
{
    if (size == 0)
        return crvm__fail(CRVM_EDOMAIN, "Kaplan-Meier table has no rows");
    if (!(confidence_level > 0.0 && confidence_level < 1.0))
        return crvm__fail(CRVM_EDOMAIN, "Kaplan-Meier confidence_level = %g: must be in (0, 1)",
                          confidence_level);
    for (size_t k = 0; k < size; k++) {
        crvm_status st = check_row(columns, k);
        if (st != CRVM_OK)
            return st;
    }
    crvm_km *km = crvm__calloc(1, sizeof *km);
    double *block = size <= SIZE_MAX / KM_COLUMNS ? crvm__calloc(size * KM_COLUMNS, sizeof *block)
                                                  : NULL;
    if (km == NULL || block == NULL) {
        crvm__free(km);
        crvm__free(block);
        return crvm__nomem("restoring a Kaplan-Meier curve");
    }
    km->size = size;
    km->confidence_level = confidence_level;
    for (int c = 0; c < KM_COLUMNS; c++) {
        km->column[c] = block + (size_t)c * size;
        memcpy(km->column[c], columns[c], size * sizeof *block);
    }
    *out = km;
    return CRVM_OK;
}
