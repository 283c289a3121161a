/* The Cox partial likelihood summed per distinct (stratum, time) bucket.
 *
 * Every term of the partial likelihood at a time depends on the rows only
 * through the sums S = sum w e^eta, Z = sum w e^eta z and A = sum w e^eta z z'
 * over the rows at risk and over the events tied there (Efron's correction
 * uses only those, cox.c), and the risk set at a time is the union of the
 * buckets at that time and later. So each evaluation adds every row into
 * its bucket's sums, in the rows' own order, then walks the buckets from
 * the last time down accumulating the risk sums: no sort, no sorted copy of
 * the covariates, and the O(p^2) block terms once per bucket. Used when the
 * buckets are few (their sums stay in cache); the result equals the sorted
 * pass up to the order of the additions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/vmath.h"
#include "survival/cox_fit.h"

struct crvm__cox_tied {
    size_t n, p, m;
    crvm_ties ties;
    const double *x, *mean, *inv_sd, *w; /* w may be NULL (all 1) */
    const int32_t *e;
    uint16_t *bucket;  /* n: bucket of each row */
    double *eta;       /* n: z beta of the last evaluation */
    size_t *order;     /* m buckets by (stratum, time) ascending */
    double *b_time;    /* m */
    int32_t *b_stratum;/* m */
    size_t *b_d;       /* m: events in the bucket */
    double *b_wd;      /* m: their total weight */
    unsigned char *b_tied; /* m: Efron with d > 1: the events' own sums are kept */
    double *b_sr;      /* m: risk-set sum S_R at the bucket, last evaluation */
    double *sums;      /* 2 m stride: per bucket {S, Z, A} of the rows outside,
                          then of the events inside, the event sums */
    double *zr, *ar, *zl, *z; /* scratch: p, p*p, p, p */
    double *zmax;      /* p: max_i |z_ij| */
    double *last_beta; /* p: beta of the last evaluation */
    double last_max;   /* its largest eta (0 at the start, for beta = 0) */
    double shift;      /* of the last evaluation */
};

#define STRIDE(p) (1 + (p) + (p) * (p))
#define UNROLLED_P 8 /* add_chunk has a case for each p up to this */

void crvm__cox_tied_free(crvm__cox_tied *t)
{
    if (t == NULL)
        return;
    crvm__free(t->bucket);
    crvm__free(t->eta);
    crvm__free(t->order);
    crvm__free(t->b_time);
    crvm__free(t->b_stratum);
    crvm__free(t->b_d);
    crvm__free(t->b_wd);
    crvm__free(t->b_tied);
    crvm__free(t->sums);
    crvm__free(t);
}

static uint64_t mix(double time, int32_t stratum)
{
    uint64_t b;
    memcpy(&b, &time, sizeof b);
    b ^= (uint64_t)(uint32_t)stratum * 0x9E3779B97F4A7C15ULL;
    b ^= b >> 29;
    b *= 0xBF58476D1CE4E5B9ULL;
    return b ^ (b >> 32);
}

/* Bucket of every row through an open-addressing table of the distinct
 * pairs; 0 when there are more than max. */
static size_t assign_buckets(crvm__cox_tied *t, const double *durations, const int32_t *strata,
                             size_t max, int32_t *table, size_t mask)
{
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        double time = durations[i] + 0.0; /* -0 and +0 are one time */
        int32_t s = strata ? strata[i] : 0;
        size_t h = (size_t)mix(time, s) & mask;
        while (table[h] >= 0 && !(t->b_time[table[h]] == time && t->b_stratum[table[h]] == s))
            h = (h + 1) & mask;
        if (table[h] < 0) {
            if (m == max)
                return 0;
            table[h] = (int32_t)m;
            t->b_time[m] = time;
            t->b_stratum[m] = s;
            m++;
        }
        t->bucket[i] = (uint16_t)table[h];
    }
    return m;
}

/* Insertion sort of the (few) buckets by (stratum, time): O(m^2) with
 * m <= max_buckets, negligible beside the O(n) pass. */
static void order_buckets(crvm__cox_tied *t)
{
    for (size_t k = 0; k < t->m; k++) {
        size_t v = k, j = k;
        while (j > 0) {
            size_t u = t->order[j - 1];
            int before = t->b_stratum[v] < t->b_stratum[u] ||
                         (t->b_stratum[v] == t->b_stratum[u] && t->b_time[v] < t->b_time[u]);
            if (!before)
                break;
            t->order[j] = u;
            j--;
        }
        t->order[j] = v;
    }
}

crvm_status crvm__cox_tied_new(size_t n, size_t p, const double *x, const double *mean,
                               const double *inv_sd, const double *zmax, const double *durations,
                               const int32_t *events, const double *weights,
                               const int32_t *strata, crvm_ties ties, size_t max_buckets,
                               crvm__cox_tied **out)
{
    *out = NULL;
    if (max_buckets > UINT16_MAX)
        max_buckets = UINT16_MAX;
    if (max_buckets == 0)
        return CRVM_OK;
    size_t cap = 2;
    while (cap < 2 * max_buckets)
        cap *= 2;
    crvm__cox_tied *t = crvm__calloc(1, sizeof *t);
    int32_t *table = crvm__malloc(cap * sizeof *table);
    if (t != NULL) {
        t->bucket = crvm__malloc((n ? n : 1) * sizeof *t->bucket);
        t->b_time = crvm__calloc(max_buckets, sizeof *t->b_time);
        t->b_stratum = crvm__calloc(max_buckets, sizeof *t->b_stratum);
    }
    if (t == NULL || table == NULL || t->bucket == NULL || t->b_time == NULL ||
        t->b_stratum == NULL) {
        crvm__free(table);
        crvm__cox_tied_free(t);
        return crvm__nomem("grouping the Cox rows by time");
    }
    for (size_t h = 0; h < cap; h++)
        table[h] = -1;
    t->n = n;
    t->p = p;
    t->m = assign_buckets(t, durations, strata, max_buckets, table, cap - 1);
    crvm__free(table);
    if (t->m == 0) {
        crvm__cox_tied_free(t);
        return CRVM_OK;
    }
    const size_t m = t->m, stride = STRIDE(p);
    t->ties = ties;
    t->x = x;
    t->mean = mean;
    t->inv_sd = inv_sd;
    t->w = weights;
    t->e = events;
    t->eta = crvm__malloc((n ? n : 1) * sizeof *t->eta);
    t->order = crvm__calloc(m, sizeof *t->order);
    t->b_d = crvm__calloc(m, sizeof *t->b_d);
    t->b_wd = crvm__calloc(2 * m, sizeof *t->b_wd);
    t->b_tied = crvm__calloc(m, 1);
    t->sums = crvm__calloc(2 * m * stride + p * p + 5 * p, sizeof *t->sums);
    if (t->eta == NULL || t->order == NULL || t->b_d == NULL || t->b_wd == NULL ||
        t->b_tied == NULL || t->sums == NULL) {
        crvm__cox_tied_free(t);
        return crvm__nomem("grouping the Cox rows by time");
    }
    t->b_sr = t->b_wd + m;
    t->zr = t->sums + 2 * m * stride;
    t->ar = t->zr + p;
    t->zl = t->ar + p * p;
    t->z = t->zl + p;
    t->zmax = t->z + p;
    t->last_beta = t->zmax + p;
    memcpy(t->zmax, zmax, p * sizeof *zmax);
    for (size_t i = 0; i < n; i++)
        if (events[i]) {
            t->b_d[t->bucket[i]]++;
            t->b_wd[t->bucket[i]] += weights ? weights[i] : 1.0;
        }
    for (size_t b = 0; b < m; b++)
        t->b_tied[b] = ties == CRVM_TIES_EFRON && t->b_d[b] > 1;
    order_buckets(t);
    *out = t;
    return CRVM_OK;
}

/* z = (x_i - mean) / sd of row i */
static inline void standardised_row(const crvm__cox_tied *t, size_t i, double *z)
{
    const double *xi = t->x + i * t->p;
    for (size_t j = 0; j < t->p; j++)
        z[j] = (xi[j] - t->mean[j]) * t->inv_sd[j];
}

/* eta = z beta of rows [i0, i1) into t->eta; returns their maximum. */
static double chunk_eta(crvm__cox_tied *t, size_t i0, size_t i1, const double *beta)
{
    double top = -INFINITY, *z = t->z;
    for (size_t i = i0; i < i1; i++) {
        standardised_row(t, i, z);
        double s = 0.0;
        for (size_t j = 0; j < t->p; j++)
            s += z[j] * beta[j];
        t->eta[i] = s;
        if (s > top)
            top = s;
    }
    return top;
}

/* The shift of the risk weights w e^(eta - shift), which keeps them from
 * overflowing without a pass of its own: the last evaluation's maximum of
 * eta plus the most any row's eta can have moved since,
 * sum_j |delta beta_j| max_i |z_ij|. Before any evaluation the "last" one
 * is beta = 0, where every eta is 0. */
static double shift_for(const crvm__cox_tied *t, const double *beta)
{
    double shift = t->last_max;
    for (size_t j = 0; j < t->p; j++)
        shift += fabs(beta[j] - t->last_beta[j]) * t->zmax[j];
    return shift;
}

/* Rows [i0, i1) into their buckets: the events of a tied Efron block into
 * the event sums (which join the risk sums at the block), every other row
 * into the bucket's risk sums; the events' w eta and w z into ll and grad.
 * Inlined for each small p (add_chunk), whose loops the compiler then
 * unrolls: this is the O(n p^2) work of a fit. */
static inline void add_rows(crvm__cox_tied *t, size_t i0, size_t i1, const double *r,
                            double *ll, double *grad, double *info, const size_t p)
{
    const size_t m = t->m, stride = STRIDE(p);
    double local[UNROLLED_P], *zs = p <= UNROLLED_P ? local : t->z; /* z of the row */
    /* No branch on the event flag, which comes at random: the events' terms
     * are weighted by the flag (0 or 1, so the sums are the same). */
    for (size_t i = i0; i < i1; i++) {
        const size_t b = t->bucket[i];
        const size_t event = t->e[i] != 0;
        double *acc = t->sums + (b + m * (event & t->b_tied[b])) * stride;
        const double ri = r[i - i0], we = (t->w ? t->w[i] : 1.0) * (double)event;
        acc[0] += ri;
        *ll += we * t->eta[i];
        if (grad == NULL && info == NULL)
            continue;
        const double *xi = t->x + i * p;
        for (size_t j = 0; j < p; j++)
            zs[j] = (xi[j] - t->mean[j]) * t->inv_sd[j];
        if (grad)
            for (size_t a = 0; a < p; a++)
                grad[a] += we * zs[a];
        crvm__cox_add_weighted(p, ri, zs, acc + 1, info ? acc + 1 + p : NULL);
    }
}

static void add_chunk(crvm__cox_tied *t, size_t i0, size_t i1, const double *r, double *ll,
                      double *grad, double *info)
{
    switch (t->p) {
#define CASE(P)                                       \
    case P:                                           \
        add_rows(t, i0, i1, r, ll, grad, info, P);    \
        break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    default:
        add_rows(t, i0, i1, r, ll, grad, info, t->p);
    }
}

double crvm__cox_tied_evaluate(crvm__cox_tied *t, const double *beta, double *grad,
                               double *info)
{
    enum { ROWS = 256 }; /* a chunk's covariates stay in cache between its two loops */
    const size_t n = t->n, p = t->p, m = t->m, stride = STRIDE(p);
    double r[ROWS], ll, top, shift = shift_for(t, beta);
    for (;;) {
        memset(t->sums, 0, 2 * m * stride * sizeof *t->sums);
        if (grad)
            memset(grad, 0, p * sizeof *grad);
        if (info)
            memset(info, 0, p * p * sizeof *info);
        ll = 0.0;
        top = -INFINITY;
        for (size_t i0 = 0; i0 < n; i0 += ROWS) {
            const size_t i1 = n - i0 < ROWS ? n : i0 + ROWS;
            double c = chunk_eta(t, i0, i1, beta);
            if (c > top)
                top = c;
            for (size_t i = i0; i < i1; i++)
                r[i - i0] = t->eta[i] - shift;
            crvm__vexp(r, r, i1 - i0);
            if (t->w)
                for (size_t i = i0; i < i1; i++)
                    r[i - i0] *= t->w[i];
            add_chunk(t, i0, i1, r, &ll, grad, info);
        }
        /* A bound far above the maximum would let small weights underflow
         * that the exact shift keeps: then again with the maximum. */
        if (!(top < shift - 30.0))
            break;
        shift = top;
    }
    /* Risk sums from the last time down, stratum by stratum. */
    double *zr = t->zr, *ar = t->ar;
    for (size_t hi = m; hi > 0;) {
        size_t lo = hi - 1;
        while (lo > 0 && t->b_stratum[t->order[lo - 1]] == t->b_stratum[t->order[hi - 1]])
            lo--;
        double sr = 0.0;
        memset(zr, 0, p * sizeof *zr);
        memset(ar, 0, p * p * sizeof *ar);
        for (size_t k = hi; k > lo; k--) {
            const size_t b = t->order[k - 1];
            const double *rows = t->sums + b * stride, *ev = t->sums + (m + b) * stride;
            sr += rows[0] + ev[0];
            if (grad || info)
                for (size_t a = 0; a < p; a++)
                    zr[a] += rows[1 + a] + ev[1 + a];
            if (info)
                for (size_t a = 0; a < p; a++)
                    for (size_t c = a; c < p; c++)
                        ar[a * p + c] += rows[1 + p + a * p + c] + ev[1 + p + a * p + c];
            t->b_sr[b] = sr;
            if (t->b_d[b] > 0 && t->b_wd[b] > 0.0)
                crvm__cox_block_terms(p, t->ties, shift, t->b_d[b], t->b_wd[b], sr, zr, ar,
                                      ev[0], ev + 1, ev + 1 + p, t->zl, &ll, grad, info);
        }
        hi = lo;
    }
    t->shift = shift;
    t->last_max = top;
    memcpy(t->last_beta, beta, p * sizeof *beta);
    return ll;
}

double *crvm__cox_tied_take_eta(crvm__cox_tied *t)
{
    double *eta = t->eta;
    t->eta = NULL;
    return eta;
}

size_t crvm__cox_tied_strata(const crvm__cox_tied *t, int32_t *codes)
{
    size_t count = 0;
    for (size_t k = 0; k < t->m; k++) {
        int32_t s = t->b_stratum[t->order[k]];
        if (k == 0 || t->b_stratum[t->order[k - 1]] != s) {
            if (codes)
                codes[count] = s;
            count++;
        }
    }
    return count;
}

size_t crvm__cox_tied_baseline(const crvm__cox_tied *t, size_t *start, double *time,
                               double *cumhaz)
{
    size_t pos = 0, s = 0, begin = 0;
    const double scale = exp(-t->shift);
    for (size_t k = 0; k < t->m; k++) {
        const size_t b = t->order[k];
        if (k == 0 || t->b_stratum[t->order[k - 1]] != t->b_stratum[b]) {
            begin = pos;
            if (start)
                start[s++] = pos;
        }
        if (!(t->b_wd[b] > 0.0))
            continue;
        if (time) {
            time[pos] = t->b_time[b];
            cumhaz[pos] = t->b_wd[b] / t->b_sr[b] * scale;
            if (pos > begin)
                cumhaz[pos] += cumhaz[pos - 1];
        }
        pos++;
    }
    if (start)
        start[s] = pos;
    return pos;
}
