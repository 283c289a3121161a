/* Validation and sorting shared by Kaplan–Meier, log-rank and Cox. */
#include "survival/internal.h"

#include <math.h>
#include <stdlib.h>

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

static int key_order(const void *pa, const void *pb)
{
    const crvm__surv_key *a = pa, *b = pb;
    if (a->stratum != b->stratum)
        return a->stratum < b->stratum ? -1 : 1;
    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

void crvm__surv_sort(size_t n, const double *durations, const int32_t *strata,
                     crvm__surv_key *keys)
{
    for (size_t i = 0; i < n; i++) {
        keys[i].time = durations[i];
        keys[i].stratum = strata ? strata[i] : 0;
        keys[i].pad_ = 0;
        keys[i].row = i;
    }
    qsort(keys, n, sizeof *keys, key_order);
}
