/* Harrell's C of a fitted Cox model on its training rows, computed when
 * first asked for (crvm_cox_concordance, crvm_cox_summary, saving the
 * model) rather than inside every fit: at 10^6 rows it costs as much as a
 * third of a fit with few distinct times. The fit keeps what it needs
 * (cox_model.h, crvm__cox_train). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "survival/cox_model.h"
#include "survival/internal.h"

/* Score and comparable pairs over rows in (stratum, time) order, stratum
 * by stratum (pairs across strata are not compared, as lifelines). */
static crvm_status sorted_counts(size_t n, const double *time, const double *score,
                                 const int32_t *events, const int32_t *strata, double *out)
{
    double total = 0.0, pairs = 0.0;
    for (size_t begin = 0; begin < n;) {
        size_t end = begin + 1;
        while (strata && end < n && strata[end] == strata[begin])
            end++;
        if (strata == NULL)
            end = n;
        double sc = 0.0, pr = 0.0;
        crvm_status st = crvm__concordance_counts(end - begin, time + begin, score + begin,
                                                  events + begin, 1, &sc, &pr);
        if (st != CRVM_OK)
            return st;
        total += sc;
        pairs += pr;
        begin = end;
    }
    *out = pairs > 0.0 ? total / pairs : 0.5;
    return CRVM_OK;
}

static crvm_status compute(const crvm__cox_train *t, double *out)
{
    if (t->sorted || t->strata == NULL) {
        if (t->sorted)
            return sorted_counts(t->n, t->time, t->score, t->events, t->strata, out);
        double total = 0.0, pairs = 0.0;
        crvm_status st = crvm__concordance_counts(t->n, t->time, t->score, t->events, 0, &total,
                                                  &pairs);
        if (st == CRVM_OK)
            *out = pairs > 0.0 ? total / pairs : 0.5;
        return st;
    }
    /* Rows in their own order with several strata: sort by (stratum, time). */
    const size_t n = t->n;
    crvm__surv_key *keys = crvm__calloc(n, sizeof *keys);
    double *v = crvm__malloc(2 * n * sizeof *v);
    int32_t *c = crvm__malloc(2 * n * sizeof *c);
    crvm_status st = keys && v && c ? crvm__surv_sort(n, t->time, t->strata, keys)
                                    : crvm__nomem("computing the concordance index");
    if (st == CRVM_OK) {
        for (size_t i = 0; i < n; i++) {
            const size_t row = keys[i].row;
            v[i] = t->time[row];
            v[n + i] = t->score[row];
            c[i] = t->events[row];
            c[n + i] = keys[i].stratum;
        }
        st = sorted_counts(n, v, v + n, c, c + n, out);
    }
    crvm__free(keys);
    crvm__free(v);
    crvm__free(c);
    return st;
}

/* A fit summed per time keeps each row's code (cox_model.h): the
 * durations, events and strata come back from it for the count. */
static crvm_status coded(const crvm__cox_train *t, double *out)
{
    const size_t n = t->n;
    double *time = crvm__malloc(n * sizeof *time);
    int32_t *c = crvm__malloc((t->several_strata ? 2 : 1) * n * sizeof *c);
    crvm_status st = CRVM_OK;
    if (time == NULL || c == NULL)
        st = crvm__nomem("computing the concordance index");
    if (st == CRVM_OK) {
        for (size_t i = 0; i < n; i++) {
            const size_t b = t->code[i] & 0x7fffu;
            time[i] = t->code_time[b];
            c[i] = t->code[i] >> 15;
            if (t->several_strata)
                c[n + i] = t->code_stratum[b];
        }
        crvm__cox_train u = {n, time, t->score, c, t->several_strata ? c + n : NULL, 0,
                             NULL, NULL, NULL, 0};
        st = compute(&u, out);
    }
    crvm__free(time);
    crvm__free(c);
    return st;
}

crvm_status crvm__cox_concordance_of(const crvm_cox *cox, double *out)
{
    /* The cache is the model's own (heap) memory behind a const handle:
     * written once, by the caller that wins the state change. */
    crvm_cox *m = (crvm_cox *)cox;
    if (atomic_load_explicit(&m->concordance_state, memory_order_acquire) == CRVM__COX_C_READY) {
        *out = m->concordance;
        return CRVM_OK;
    }
    double c = 0.5;
    crvm_status st = cox->train.code ? coded(&cox->train, &c) : compute(&cox->train, &c);
    if (st != CRVM_OK)
        return st;
    int expected = CRVM__COX_C_PENDING;
    if (atomic_compare_exchange_strong(&m->concordance_state, &expected,
                                       CRVM__COX_C_WRITING)) {
        m->concordance = c;
        atomic_store_explicit(&m->concordance_state, CRVM__COX_C_READY, memory_order_release);
    }
    *out = c;
    return CRVM_OK;
}

crvm_status crvm_cox_concordance(const crvm_cox *cox, double *concordance)
{
    if (cox == NULL || concordance == NULL)
        return crvm__fail(CRVM_EINVAL, "cox and concordance must not be NULL");
    return crvm__cox_concordance_of(cox, concordance);
}
