/* Harrell's concordance index (Harrell, Califf, Pryor, Lee & Rosati 1982,
 * JAMA 247:2543-2546) in O(n log n): durations are visited in descending
 * order while a Fenwick tree (Fenwick 1994, "A new data structure for
 * cumulative frequency tables") counts, by score rank, the subjects known to
 * outlive the current time. Conventions as lifelines' concordance_index: a
 * higher score predicts longer survival; a censored subject outlives an event
 * at the same time; two events at the same time are not comparable; tied
 * scores count one half. */
#include "core/alloc.h"
#include "core/error.h"
#include "crvm/survival.h"
#include "survival/internal.h"

static void fenwick_add(uint64_t *tree, size_t m, size_t pos)
{
    for (size_t i = pos + 1; i <= m; i += i & (~i + 1))
        tree[i - 1]++;
}

/* Number of inserted items with rank < pos. */
static uint64_t fenwick_prefix(const uint64_t *tree, size_t pos)
{
    uint64_t s = 0;
    for (size_t i = pos; i > 0; i -= i & (~i + 1))
        s += tree[i - 1];
    return s;
}

crvm_status crvm__concordance_counts(size_t n, const double *durations, const double *scores,
                                     const int32_t *events, int sorted, double *score,
                                     double *pairs_out)
{
    crvm__surv_key *keys = crvm__calloc(n, sizeof *keys);
    size_t *rank = crvm__calloc(n, sizeof *rank);
    uint64_t *tree = crvm__calloc(n, sizeof *tree);
    size_t *order = crvm__calloc(n, sizeof *order);
    crvm_status st = CRVM_OK;
    if (keys == NULL || rank == NULL || tree == NULL || order == NULL)
        st = crvm__nomem("computing the concordance index");
    if (st == CRVM_OK)
        st = crvm__sort_doubles(n, scores, order);
    if (st == CRVM_OK && !sorted)
        st = crvm__surv_sort(n, durations, NULL, keys);
    if (st == CRVM_OK && sorted)
        for (size_t i = 0; i < n; i++)
            keys[i] = (crvm__surv_key){durations[i], 0, 0, i};
    if (st != CRVM_OK) {
        crvm__free(keys);
        crvm__free(rank);
        crvm__free(tree);
        crvm__free(order);
        return st;
    }
    /* Dense ranks of the scores. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && scores[order[i]] != scores[order[i - 1]])
            m++;
        rank[order[i]] = m;
    }
    m++;
    crvm__free(order);

    double concordant = 0.0, tied = 0.0, pairs = 0.0;
    uint64_t inserted = 0;
    for (size_t end = n; end > 0;) {
        size_t begin = end - 1;
        while (begin > 0 && keys[begin - 1].time == keys[end - 1].time)
            begin--;
        /* Censored at this time outlive the events at this time. */
        for (size_t i = begin; i < end; i++)
            if (!events[keys[i].row]) {
                fenwick_add(tree, m, rank[keys[i].row]);
                inserted++;
            }
        for (size_t i = begin; i < end; i++) {
            size_t row = keys[i].row;
            if (!events[row])
                continue;
            size_t r = rank[row];
            uint64_t below = fenwick_prefix(tree, r);
            uint64_t at_or_below = fenwick_prefix(tree, r + 1);
            /* The event has the shorter time: concordant when its score is lower. */
            concordant += (double)(inserted - at_or_below);
            tied += (double)(at_or_below - below);
            pairs += (double)inserted;
        }
        for (size_t i = begin; i < end; i++)
            if (events[keys[i].row]) {
                fenwick_add(tree, m, rank[keys[i].row]);
                inserted++;
            }
        end = begin;
    }
    crvm__free(keys);
    crvm__free(rank);
    crvm__free(tree);
    *score = concordant + 0.5 * tied;
    *pairs_out = pairs;
    return CRVM_OK;
}

crvm_status crvm__concordance(size_t n, const double *durations, const double *scores,
                              const int32_t *events, double *out)
{
    double score = 0.0, pairs = 0.0;
    crvm_status st = crvm__concordance_counts(n, durations, scores, events, 0, &score, &pairs);
    if (st == CRVM_OK)
        *out = pairs > 0.0 ? score / pairs : 0.5;
    return st;
}

crvm_status crvm_concordance_index(const double *durations, size_t durations_len,
                                   const double *scores, size_t scores_len,
                                   const int32_t *events, size_t events_len, double *concordance)
{
    if (concordance == NULL || scores == NULL)
        return crvm__fail(CRVM_EINVAL, "scores and concordance must not be NULL");
    crvm_status st = crvm__surv_check(durations, durations_len, events, events_len, NULL, 0);
    if (st != CRVM_OK)
        return st;
    if (scores_len != durations_len)
        return crvm__fail(CRVM_EINVAL, "scores has %zu values, durations %zu", scores_len,
                          durations_len);
    for (size_t i = 0; i < scores_len; i++)
        if (scores[i] != scores[i])
            return crvm__fail(CRVM_EINVAL, "scores[%zu] is NaN", i);
    return crvm__concordance(durations_len, durations, scores, events, concordance);
}
