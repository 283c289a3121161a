/* Validation and sorting shared by Kaplan–Meier, log-rank and Cox. */
#include "survival/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

#include "core/error.h"

crvm_status crvm__surv_check(const double *durations, size_t durations_len,
                             const int32_t *events, size_t events_len,
                             const double *weights, size_t weights_len)
{
    if (durations == NULL || events == NULL)
        return crvm__fail(CRVM_EINVAL, "durations and events must not be NULL");
    if (durations_len == 0)
        return crvm__fail(CRVM_EINVAL, "durations is empty");
    if (events_len != durations_len)
        return crvm__fail(CRVM_EINVAL, "events has %zu values, durations %zu", events_len,
                          durations_len);
    if ((weights == NULL) != (weights_len == 0))
        return crvm__fail(CRVM_EINVAL, "weights must be NULL with length 0, or non-NULL");
    if (weights != NULL && weights_len != durations_len)
        return crvm__fail(CRVM_EINVAL, "weights has %zu values, durations %zu", weights_len,
                          durations_len);
    double total = 0.0;
    for (size_t i = 0; i < durations_len; i++) {
        if (!isfinite(durations[i]) || durations[i] < 0.0)
            return crvm__fail(CRVM_EINVAL, "durations[%zu] = %g: must be finite and >= 0", i,
                              durations[i]);
        if (events[i] != 0 && events[i] != 1)
            return crvm__fail(CRVM_EINVAL, "events[%zu] = %d: must be 0 or 1", i, (int)events[i]);
        if (weights != NULL) {
            if (!isfinite(weights[i]) || weights[i] < 0.0)
                return crvm__fail(CRVM_EINVAL, "weights[%zu] = %g: must be finite and >= 0", i,
                                  weights[i]);
            total += weights[i];
        }
    }
    if (weights != NULL && !(total > 0.0))
        return crvm__fail(CRVM_EINVAL, "weights sum to 0");
    return CRVM_OK;
}

/* Order-preserving map of a double to an unsigned integer (IEEE 754: flip
 * every bit of negatives, the sign bit of the rest). */
static uint64_t double_key(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return (b & 0x8000000000000000ULL) ? ~b : (b | 0x8000000000000000ULL);
}

uint64_t crvm__double_key(double v)
{
    return double_key(v);
}

double crvm__key_double(uint64_t k)
{
    uint64_t b = (k & 0x8000000000000000ULL) ? (k & ~0x8000000000000000ULL) : ~k;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* Stable LSD radix sort of (key, row) pairs by key, 11 bits per pass: the
 * histograms of every digit in one read of the keys, the passes of digits
 * that every key shares skipped, the others alternating between the two
 * buffers, with one copy at the end if the result landed in the
 * temporaries. row and trow may both be NULL (bare keys). count has
 * RADIX_DIGITS * RADIX entries. O(n). */
#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)
#define RADIX_DIGITS ((64 + RADIX_BITS - 1) / RADIX_BITS)

static void radix_pairs(size_t n, uint64_t *key, size_t *row, uint64_t *tkey, size_t *trow,
                        int bits, size_t *count)
{
    const int digits = (bits + RADIX_BITS - 1) / RADIX_BITS;
    memset(count, 0, (size_t)digits * RADIX * sizeof *count);
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < digits; d++)
            count[(size_t)d * RADIX + ((key[i] >> (d * RADIX_BITS)) & (RADIX - 1))]++;
    uint64_t *k0 = key, *k1 = tkey;
    size_t *r0 = row, *r1 = trow;
    for (int d = 0; d < digits; d++) {
        size_t *c = count + (size_t)d * RADIX, pos = 0;
        int trivial = 0;
        for (size_t v = 0; v < RADIX; v++)
            trivial |= c[v] == n;
        if (trivial)
            continue;
        for (size_t v = 0; v < RADIX; v++) {
            size_t len = c[v];
            c[v] = pos;
            pos += len;
        }
        int shift = d * RADIX_BITS;
        if (r0 == NULL)
            for (size_t i = 0; i < n; i++)
                k1[c[(k0[i] >> shift) & (RADIX - 1)]++] = k0[i];
        else
            for (size_t i = 0; i < n; i++) {
                size_t at = c[(k0[i] >> shift) & (RADIX - 1)]++;
                k1[at] = k0[i];
                r1[at] = r0[i];
            }
        uint64_t *tk = k0;
        size_t *tr = r0;
        k0 = k1, r0 = r1, k1 = tk, r1 = tr;
    }
    if (k0 != key) {
        memcpy(key, k0, n * sizeof *key);
        if (row)
            memcpy(row, r0, n * sizeof *row);
    }
}

crvm_status crvm__sort_keys(size_t n, uint64_t *key, uint64_t *tmp)
{
    size_t *count = crvm__malloc((size_t)RADIX_DIGITS * RADIX * sizeof *count);
    if (count == NULL)
        return crvm__nomem("sorting");
    radix_pairs(n, key, NULL, tmp, NULL, 64, count);
    crvm__free(count);
    return CRVM_OK;
}

crvm_status crvm__sort_doubles(size_t n, const double *values, size_t *order)
{
    uint64_t *key = crvm__calloc(2 * n + 1, sizeof *key);
    size_t *trow = crvm__malloc((n + (size_t)RADIX_DIGITS * RADIX) * sizeof *trow);
    if (key == NULL || trow == NULL) {
        crvm__free(key);
        crvm__free(trow);
        return crvm__nomem("sorting");
    }
    uint64_t *tkey = key + n;
    size_t *count = trow + n;
    for (size_t i = 0; i < n; i++) {
        key[i] = double_key(values[i]);
        order[i] = i;
    }
    radix_pairs(n, key, order, tkey, trow, 64, count);
    crvm__free(key);
    crvm__free(trow);
    return CRVM_OK;
}

crvm_status crvm__surv_sort(size_t n, const double *durations, const int32_t *strata,
                            crvm__surv_key *keys)
{
    size_t *order = crvm__calloc(n + 1, sizeof *order);
    if (order == NULL)
        return crvm__nomem("sorting durations");
    crvm_status st = crvm__sort_doubles(n, durations, order);
    if (st == CRVM_OK && strata != NULL) {
        /* Stable second pass by stratum keeps time order within strata. */
        uint64_t *key = crvm__calloc(2 * n + 1, sizeof *key);
        size_t *trow = crvm__malloc((n + (size_t)RADIX_DIGITS * RADIX) * sizeof *trow);
        if (key == NULL || trow == NULL) {
            st = crvm__nomem("sorting strata");
        } else {
            for (size_t i = 0; i < n; i++)
                key[i] = (uint64_t)((int64_t)strata[order[i]] + 2147483648LL);
            radix_pairs(n, key, order, key + n, trow, 32, trow + n);
        }
        crvm__free(key);
        crvm__free(trow);
    }
    if (st == CRVM_OK)
        for (size_t i = 0; i < n; i++) {
            size_t row = order[i];
            keys[i].time = durations[row];
            keys[i].stratum = strata ? strata[row] : 0;
            keys[i].pad_ = 0;
            keys[i].row = row;
        }
    crvm__free(order);
    return st;
}
