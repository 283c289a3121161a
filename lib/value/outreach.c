/* Outreach list and the drivers of a customer's risk (crvm/value.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "value/value_internal.h"

typedef struct ranked {
    double score;
    uint32_t customer;
} ranked;

/* a ranks before b: higher score, then lower customer index. */
static int before(const ranked *a, const ranked *b)
{
    return a->score > b->score || (a->score == b->score && a->customer < b->customer);
}

/* Sift down in a heap whose root is the entry ranked last. */
static void sift(ranked *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        if (l < n && before(&h[worst], &h[l]))
            worst = l;
        if (r < n && before(&h[worst], &h[r]))
            worst = r;
        if (worst == i)
            return;
        ranked t = h[i];
        h[i] = h[worst];
        h[worst] = t;
        i = worst;
    }
}

/* Customer i's score by rank (cents), and whether the ranking lists it:
 * active and, by expected saving, worth the outreach's cost */
static int score_of(const crvm_value *v, crvm_outreach_rank rank, size_t i, double *score)
{
    if (v->panel.status[i] != CRVM__VP_ACTIVE)
        return 0;
    double var = (double)v->fig[v->active_index[i]].var;
    if (rank == CRVM_RANK_VALUE_AT_RISK) {
        *score = var;
        return 1;
    }
    *score = v->costs.outreach_save_rate * var - 100.0 * v->costs.outreach_cost;
    return *score > 0;
}

static crvm_status check_rank(crvm_outreach_rank rank, const char *fn)
{
    if ((unsigned)rank > CRVM_RANK_EXPECTED_SAVING)
        return crvm__fail(CRVM_EINVAL, "%s: rank = %d: not a crvm_outreach_rank", fn, (int)rank);
    return CRVM_OK;
}

crvm_status crvm_value_outreach_scores(const crvm_value *v, crvm_outreach_rank rank,
                                       double *score, size_t score_len)
{
    static const char fn[] = "crvm_value_outreach_scores";
    crvm_status st = crvm__value_usable(v, fn);
    if (st == CRVM_OK)
        st = check_rank(rank, fn);
    if (st)
        return st;
    if (!score || score_len != v->panel.customers)
        return crvm__fail(CRVM_EINVAL, "%s: score_len = %zu must be the customers (%zu)%s", fn,
                          score_len, v->panel.customers, score ? "" : ", and score non-NULL");
    for (size_t i = 0; i < v->panel.customers; i++) {
        double s;
        score[i] = score_of(v, rank, i, &s) ? s / 100.0 : NAN;
    }
    return CRVM_OK;
}

crvm_status crvm_value_outreach(const crvm_value *v, crvm_outreach_rank rank, size_t n,
                                int32_t *customer, size_t customer_len, size_t *count)
{
    static const char fn[] = "crvm_value_outreach";
    crvm_status st = crvm__value_usable(v, fn);
    if (st)
        return st;
    if ((st = check_rank(rank, fn)) != CRVM_OK)
        return st;
    if (!count || customer_len < n || (n && !customer))
        return crvm__fail(CRVM_EINVAL, "%s: customer_len = %zu must be at least n = %zu, and count "
                          "is required", fn, customer_len, n);
    size_t want = n < v->active ? n : v->active;
    ranked *heap = crvm__malloc((want + 1) * sizeof *heap);
    if (!heap)
        return crvm__nomem("outreach ranking");
    size_t size = 0;
    for (size_t i = 0; i < v->panel.customers && want; i++) {
        ranked r = {0.0, (uint32_t)i};
        if (!score_of(v, rank, i, &r.score))
            continue;
        if (size < want) {
            heap[size++] = r;
            if (size == want) /* heapify: the root is the entry ranked last */
                for (size_t j = want / 2; j-- > 0;)
                    sift(heap, want, j);
        } else if (before(&r, &heap[0])) {
            heap[0] = r;
            sift(heap, want, 0);
        }
    }
    if (size < want) /* fewer candidates than places: not yet a heap */
        for (size_t j = size / 2; j-- > 0;)
            sift(heap, size, j);
    /* Pop the last-ranked entry to the end until sorted best first. */
    for (size_t m = size; m > 1; m--) {
        ranked t = heap[0];
        heap[0] = heap[m - 1];
        heap[m - 1] = t;
        sift(heap, m - 1, 0);
    }
    for (size_t j = 0; j < size; j++)
        customer[j] = (int32_t)heap[j].customer;
    *count = size;
    crvm__free(heap);
    return CRVM_OK;
}

/* ------------------------------------------------------------------ drivers */

static int driver_before(const crvm_value_driver *a, const crvm_value_driver *b)
{
    if (a->multiplier != b->multiplier)
        return a->multiplier > b->multiplier;
    if (a->periods_ago != b->periods_ago)
        return a->periods_ago < b->periods_ago;
    return a->covariate < b->covariate;
}

/* Every driver of customer i (at most 2 p), sorted. */
static size_t find_drivers(const crvm_value *v, size_t i, crvm_value_driver *d)
{
    if (v->panel.status[i] != CRVM__VP_ACTIVE || v->p == 0)
        return 0;
    const double *b = v->params + 2 * v->segments + 1;
    size_t found = 0;
    for (int ago = 0; ago <= 1; ago++) {
        int32_t n = v->panel.periods[i];
        if (ago == 1 && n < 1)
            break;
        const crvm__vpattern *q = crvm__value_period_pattern(v, i, n + 1 - ago);
        for (size_t j = 0; j < v->p; j++) {
            int cand = v->candidate[j];
            int silence = cand == CRVM__Z_SILENT_3_5 || cand == CRVM__Z_SILENT_6_PLUS;
            double z = q->z[cand];
            if (b[j] * z <= 0 || (silence && ago == 1))
                continue;
            crvm_value_driver x = {(int)j, silence ? v->panel.silence[i] : z, ago, exp(b[j] * z)};
            size_t at = found++;
            while (at > 0 && driver_before(&x, &d[at - 1])) {
                d[at] = d[at - 1];
                at--;
            }
            d[at] = x;
        }
    }
    return found;
}

crvm_status crvm_value_drivers(const crvm_value *v, size_t customer, crvm_value_driver *out,
                               size_t out_len, size_t *count)
{
    static const char fn[] = "crvm_value_drivers";
    crvm_status st = crvm__value_usable(v, fn);
    if (st)
        return st;
    if (customer >= v->panel.customers || !count || (out_len && !out))
        return crvm__fail(CRVM_EINVAL, "%s: customer = %zu (of %zu), out and count are required", fn,
                          customer, v->panel.customers);
    crvm_value_driver d[2 * CRVM__Z_CANDIDATES];
    size_t found = find_drivers(v, customer, d), m = found < out_len ? found : out_len;
    if (m)
        memcpy(out, d, m * sizeof *d);
    *count = m;
    return CRVM_OK;
}

/* Appends printf-style text to buf[*used..], keeping it NUL-terminated and truncated. */
static void append(char *buf, size_t buf_len, size_t *used, const char *fmt, ...) CRVM__PRINTF(4, 5);
static void append(char *buf, size_t buf_len, size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= buf_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, buf_len - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used = *used + (size_t)w < buf_len - 1 ? *used + (size_t)w : buf_len - 1;
}

crvm_status crvm_value_drivers_text(const crvm_value *v, size_t customer, char *buf, size_t buf_len)
{
    static const char fn[] = "crvm_value_drivers_text";
    crvm_status st = crvm__value_usable(v, fn);
    if (st)
        return st;
    if (customer >= v->panel.customers || !buf || buf_len == 0)
        return crvm__fail(CRVM_EINVAL, "%s: customer = %zu (of %zu) and a buffer of at least 1 byte "
                          "are required", fn, customer, v->panel.customers);
    static const char *const unit[] = {"month", "quarter", "year"};
    static const char *const what[] = {"contact", "workaround", "refused contact", "abandoned contact",
                                       "escalated contact"};
    const char *per = unit[v->opt.period];
    buf[0] = '\0';
    size_t used = 0;
    if (v->panel.status[customer] != CRVM__VP_ACTIVE) {
        append(buf, buf_len, &used, "not an active customer");
        return CRVM_OK;
    }
    crvm_value_driver d[2 * CRVM__Z_CANDIDATES];
    size_t found = find_drivers(v, customer, d);
    for (size_t j = 0; j < found; j++) {
        int cand = v->candidate[d[j].covariate];
        if (j)
            append(buf, buf_len, &used, "; ");
        if (cand == CRVM__Z_SILENT_3_5 || cand == CRVM__Z_SILENT_6_PLUS)
            append(buf, buf_len, &used, "silent %.0f %s%s", d[j].amount, per, d[j].amount == 1 ? "" : "s");
        else
            append(buf, buf_len, &used, "%.0f %s%s %s %s", d[j].amount, what[cand],
                   d[j].amount == 1 ? "" : "s", d[j].periods_ago ? "last" : "this", per);
    }
    if (!found)
        append(buf, buf_len, &used, "no support driver");
    return CRVM_OK;
}
