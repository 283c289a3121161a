/* Private: the fitted Kaplan-Meier table. km.c fills it from data;
 * km_restore.c rebuilds one from saved state (crvm/model_io.h). */
#ifndef CRVM_SURVIVAL_KM_MODEL_H
#define CRVM_SURVIVAL_KM_MODEL_H

#include <stddef.h>

#include "crvm/survival.h"

#define KM_COLUMNS 8

struct crvm_km {
    size_t size;
    double confidence_level;
    double *column[KM_COLUMNS]; /* indexed by crvm_km_column_id; column[0] owns the block */
    size_t huge_bytes;          /* of the block, offered as huge pages (core/huge_pages.h); 0: none */
};

/* The coverage of the curve's confidence intervals. */
double crvm__km_confidence_level(const crvm_km *km);

/* A new curve of size rows (>= 1) from its columns (each size values,
 * indexed by crvm_km_column_id) and confidence level. Checks the table is
 * one a fit produces: times strictly increasing and >= 0, survival
 * non-increasing in [0, 1] inside its limits, variance and counts >= 0
 * (CRVM_EDOMAIN naming the column and row); CRVM_ENOMEM. */
crvm_status crvm__km_restore(size_t size, double confidence_level,
                             const double *const columns[KM_COLUMNS], crvm_km **out);

#endif
