/* Private helpers shared by the survival estimators: input validation and the
 * one sort by (stratum, time) that every estimator starts from. */
#ifndef CRVM_SURVIVAL_INTERNAL_H
#define CRVM_SURVIVAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"

/* Check the arrays every estimator takes: durations (finite, >= 0), events
 * (0/1) and optional weights (finite, >= 0, positive total), all of length n
 * = durations_len >= 1. The message names the argument and row. */
crvm_status crvm__surv_check(const double *durations, size_t durations_len,
                             const int32_t *events, size_t events_len,
                             const double *weights, size_t weights_len);

/* Sort key: stratum, then time ascending, then original row (stable order). */
typedef struct crvm__surv_key {
    double time;
    int32_t stratum;
    uint32_t pad_;
    size_t row;
} crvm__surv_key;

/* Fill keys with {durations[row], strata ? strata[row] : 0, row} in order of
 * (stratum, time, row): a stable radix sort, O(n). CRVM_ENOMEM on failure. */
crvm_status crvm__surv_sort(size_t n, const double *durations, const int32_t *strata,
                            crvm__surv_key *keys);
/* Order-preserving map of a double (not NaN; -0 before +0) to an unsigned
 * key, and back. */
uint64_t crvm__double_key(double v);
double crvm__key_double(uint64_t k);
/* Sort n keys ascending in place: an LSD radix sort (11-bit digits, the
 * histograms of all digits in one pass, digits shared by every key
 * skipped), with tmp (n keys) the caller's scratch. O(n) time. CRVM_OK or
 * CRVM_ENOMEM. */
crvm_status crvm__sort_keys(size_t n, uint64_t *key, uint64_t *tmp);
/* order[] = the permutation that sorts values ascending (stable; no NaN). */
crvm_status crvm__sort_doubles(size_t n, const double *values, size_t *order);

/* Harrell's C counts: score = concordant + tied / 2 and the number of
 * comparable pairs, for validated arrays (n >= 1); sorted = 1 when the
 * durations are already in ascending order (saves their sort). */
crvm_status crvm__concordance_counts(size_t n, const double *durations, const double *scores,
                                     const int32_t *events, int sorted, double *score,
                                     double *pairs);
/* Harrell's C on arrays already validated (n >= 1); see crvm_concordance_index. */
crvm_status crvm__concordance(size_t n, const double *durations, const double *scores,
                              const int32_t *events, double *out);

#endif
