/* Kaplan–Meier product-limit estimator with Greenwood variance and log-log
 * confidence intervals; optional frequency weights and left truncation.
 *
 * Kaplan & Meier (1958), JASA 53:457-481: S(t) = prod_{t_k <= t} (1 - d_k / n_k).
 * Greenwood (1926): Var S(t) = S(t)^2 sum_{t_k <= t} d_k / (n_k (n_k - d_k)).
 * Log-log interval (Kalbfleisch & Prentice 2002, sec. 1.4): with
 * v = sum d/(n(n-d)) / (log S)^2 the variance of log(-log S),
 * S^exp(+-z sqrt v) gives limits inside [0, 1]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/survival.h"
#include "survival/distrib.h"
#include "survival/internal.h"

#define KM_COLUMNS 8

struct crvm_km {
    size_t size;
    double confidence_level;
    double *column[KM_COLUMNS]; /* indexed by crvm_km_column_id; column[0] owns the block */
};

void crvm_km_options_init(crvm_km_options *options)
{
    if (options != NULL) {
        crvm_km_options d = CRVM_KM_OPTIONS_INIT;
        *options = d;
    }
}

void crvm_km_free(crvm_km *km)
{
    if (km == NULL)
        return;
    crvm__free(km->column[0]);
    crvm__free(km);
}

size_t crvm_km_size(const crvm_km *km) { return km ? km->size : 0; }

typedef struct entry_pair {
    double time;
    double weight;
} entry_pair;

static int entry_order(const void *pa, const void *pb)
{
    const entry_pair *a = pa, *b = pb;
    return (a->time > b->time) - (a->time < b->time);
}

crvm_status crvm_km_fit(const double *durations, size_t durations_len,
                        const int32_t *events, size_t events_len,
                        const double *weights, size_t weights_len,
                        const double *entry, size_t entry_len,
                        const crvm_km_options *options, crvm_km **out)
{
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "out must not be NULL");
    crvm_status st = crvm__surv_check(durations, durations_len, events, events_len, weights,
                                      weights_len);
    if (st != CRVM_OK)
        return st;
    if ((entry == NULL) != (entry_len == 0))
        return crvm__fail(CRVM_EINVAL, "entry must be NULL with length 0, or non-NULL");
    if (entry != NULL && entry_len != durations_len)
        return crvm__fail(CRVM_EINVAL, "entry has %zu values, durations %zu", entry_len,
                          durations_len);
    const size_t n = durations_len;
    if (entry != NULL)
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(entry[i]) || entry[i] > durations[i])
                return crvm__fail(CRVM_EINVAL,
                                  "entry[%zu] = %g: must be finite and <= durations[%zu] = %g", i,
                                  entry[i], i, durations[i]);
            if (events[i] && entry[i] == durations[i])
                return crvm__fail(CRVM_EINVAL,
                                  "entry[%zu] = %g equals the event time: an event must come "
                                  "after entry",
                                  i, entry[i]);
        }
    crvm_km_options opt = CRVM_KM_OPTIONS_INIT;
    if (options != NULL)
        opt = *options;
    if (!(opt.confidence_level > 0.0 && opt.confidence_level < 1.0))
        return crvm__fail(CRVM_EINVAL, "confidence_level = %g: must be in (0, 1)",
                          opt.confidence_level);

    crvm__surv_key *keys = crvm__calloc(n, sizeof *keys);
    entry_pair *entries = entry ? crvm__calloc(n, sizeof *entries) : NULL;
    if (keys == NULL || (entry != NULL && entries == NULL)) {
        crvm__free(keys);
        crvm__free(entries);
        return crvm__nomem("sorting durations for Kaplan-Meier");
    }
    if (crvm__surv_sort(n, durations, NULL, keys) != CRVM_OK) {
        crvm__free(keys);
        crvm__free(entries);
        return CRVM_ENOMEM;
    }
    size_t rows = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || keys[i].time != keys[i - 1].time)
            rows++;
    crvm_km *km = crvm__calloc(1, sizeof *km);
    double *block = crvm__calloc(rows * KM_COLUMNS, sizeof *block);
    if (km == NULL || block == NULL) {
        crvm__free(keys);
        crvm__free(entries);
        crvm__free(km);
        crvm__free(block);
        return crvm__nomem("allocating the Kaplan-Meier table");
    }
    km->size = rows;
    km->confidence_level = opt.confidence_level;
    for (int c = 0; c < KM_COLUMNS; c++)
        km->column[c] = block + (size_t)c * rows;
    double *time = km->column[CRVM_KM_TIME], *surv = km->column[CRVM_KM_SURVIVAL],
           *var = km->column[CRVM_KM_VARIANCE], *lo = km->column[CRVM_KM_CI_LOWER],
           *hi = km->column[CRVM_KM_CI_UPPER], *at_risk = km->column[CRVM_KM_AT_RISK],
           *ev = km->column[CRVM_KM_EVENTS], *cens = km->column[CRVM_KM_CENSORED];

    /* Events and censorings per distinct time. */
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && keys[i].time != keys[i - 1].time)
            r++;
        size_t row = keys[i].row;
        double w = weights ? weights[row] : 1.0;
        time[r] = keys[i].time;
        if (events[row])
            ev[r] += w;
        else
            cens[r] += w;
    }
    /* Number at risk. Without entry times: the (weighted) count with duration
     * >= t, summed from the end so unit weights give exact integers. With
     * entry times: entered before t (entry < t) minus those gone before t. */
    if (entries == NULL) {
        double acc = 0.0;
        for (size_t k = rows; k-- > 0;) {
            acc += ev[k] + cens[k];
            at_risk[k] = acc;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            entries[i].time = entry[i];
            entries[i].weight = weights ? weights[i] : 1.0;
        }
        qsort(entries, n, sizeof *entries, entry_order);
        double entered = 0.0, gone = 0.0;
        size_t e = 0;
        for (size_t k = 0; k < rows; k++) {
            while (e < n && entries[e].time < time[k])
                entered += entries[e++].weight;
            at_risk[k] = entered - gone;
            gone += ev[k] + cens[k];
        }
    }
    crvm__free(keys);
    crvm__free(entries);

    const double z = crvm__norm_ppf(0.5 + 0.5 * opt.confidence_level);
    double s = 1.0, greenwood = 0.0;
    for (size_t k = 0; k < rows; k++) {
        double d = ev[k], nr = at_risk[k];
        if (d > 0.0 && s > 0.0) {
            if (nr - d <= 1e-12 * nr) {
                s = 0.0;
            } else {
                s *= 1.0 - d / nr;
                greenwood += d / (nr * (nr - d));
            }
        }
        surv[k] = s;
        if (s <= 0.0) {
            var[k] = 0.0;
            lo[k] = hi[k] = 0.0;
        } else if (greenwood <= 0.0) {
            var[k] = 0.0;
            lo[k] = hi[k] = s;
        } else {
            var[k] = s * s * greenwood;
            double ls = log(s);
            double half = z * sqrt(greenwood) / fabs(ls);
            lo[k] = exp(-exp(log(-ls) + half));
            hi[k] = exp(-exp(log(-ls) - half));
        }
    }
    *out = km;
    return CRVM_OK;
}

crvm_status crvm_km_column(const crvm_km *km, crvm_km_column_id column, double *out,
                           size_t out_len)
{
    if (km == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "km and out must not be NULL");
    if ((int)column < 0 || (int)column >= KM_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "unknown Kaplan-Meier column %d", (int)column);
    if (out_len != km->size)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, the table %zu rows", out_len,
                          km->size);
    if (km->size > 0)
        memcpy(out, km->column[column], km->size * sizeof *out);
    return CRVM_OK;
}

/* Index of the last tabulated time <= t, or SIZE_MAX if t precedes them all. */
static size_t last_at_or_before(const double *times, size_t n, double t)
{
    size_t lo = 0, hi = n; /* first index with times > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? (size_t)-1 : lo - 1;
}

crvm_status crvm_km_survival_at(const crvm_km *km, const double *t, size_t t_len, double *out,
                                size_t out_len)
{
    if (km == NULL || (t == NULL && t_len > 0) || (out == NULL && out_len > 0))
        return crvm__fail(CRVM_EINVAL, "km, t and out must not be NULL");
    if (out_len != t_len)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, t %zu", out_len, t_len);
    for (size_t i = 0; i < t_len; i++)
        if (isnan(t[i]))
            return crvm__fail(CRVM_EINVAL, "t[%zu] is NaN", i);
    const double *time = km->column[CRVM_KM_TIME], *surv = km->column[CRVM_KM_SURVIVAL];
    for (size_t i = 0; i < t_len; i++) {
        size_t k = last_at_or_before(time, km->size, t[i]);
        out[i] = k == (size_t)-1 ? 1.0 : surv[k];
    }
    return CRVM_OK;
}

crvm_status crvm_km_quantile(const crvm_km *km, double q, double *quantile)
{
    if (km == NULL || quantile == NULL)
        return crvm__fail(CRVM_EINVAL, "km and quantile must not be NULL");
    if (!(q > 0.0 && q < 1.0))
        return crvm__fail(CRVM_EINVAL, "q = %g: must be in (0, 1)", q);
    const double level = 1.0 - q;
    const double *time = km->column[CRVM_KM_TIME], *surv = km->column[CRVM_KM_SURVIVAL];
    /* A small relative slack so that products such as (2/3)(3/4) that should
     * equal the level exactly are not missed by one rounding. */
    for (size_t k = 0; k < km->size; k++)
        if (surv[k] <= level * (1.0 + 1e-12)) {
            *quantile = time[k];
            return CRVM_OK;
        }
    *quantile = INFINITY;
    return CRVM_OK;
}
