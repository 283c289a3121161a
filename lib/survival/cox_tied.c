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
#include "core/huge_pages.h"
#include "core/error.h"
#include "math/vmath.h"
#include "survival/cox_fit.h"
#include "survival/cox_rows.h"
#include "survival/internal.h"

struct crvm__cox_tied {
    size_t n, p, m;
    crvm_ties ties;
    crvm__cox_rows rows; /* what the row kernel reads */
    uint16_t *bucket;  /* n: bucket of each row, its event flag in the top bit
                          (cox_rows.h's code) */
    double *eta;       /* n: z beta of the last evaluation; crvm__huge_alloc, as a
                          fit writes it whole in its first pass: from 512 KB
                          one fault per 2 MB page instead of 512 (a tenth of a
                          fit of 10^5 rows, on this machine) */
    size_t *order;     /* m buckets by (stratum, time) ascending */
    double *b_time;    /* m */
    int32_t *b_stratum;/* m */
    size_t *b_d;       /* m (of max_buckets): events in the bucket */
    double *b_wd;      /* m (of max_buckets): their total weight */
    unsigned char *b_tied; /* m: Efron with d > 1: the events' own sums are kept */
    double *b_sr;      /* m: risk-set sum S_R at the bucket, last evaluation */
    double *block;     /* the allocation that sums lies in (aligned to 32 bytes) */
    double *sums;      /* 2 m stride: per bucket the matrix M (cox_rows.h) of
                          the rows outside, then of the events inside, the
                          event sums */
    double *cum;       /* stride: M of the risk set */
    double *zr, *ar, *zd, *ad, *zl; /* scratch: p, p*p, p, p*p, p */
    double *zmax;      /* p: max_i |z_ij| */
    double *seed_s;    /* p: the point of the kept moments (crvm__cox_tied_moments) */
    double *seed_ev;   /* p + 1: their sums over the events */
    int seeded;        /* sums hold the evaluation at beta = 0 */
    int full_sums;     /* the last evaluation made every entry of the sums */
    double *last_beta; /* p: beta of the last evaluation */
    double last_max;   /* its largest eta (0 at the start, for beta = 0) */
    double shift;      /* of the last evaluation */
};

void crvm__cox_tied_free(crvm__cox_tied *t)
{
    if (t == NULL)
        return;
    crvm__free(t->bucket);
    crvm__huge_free(t->eta);
    crvm__free(t->order);
    crvm__free(t->b_time);
    crvm__free(t->b_stratum);
    crvm__free(t->b_d);
    crvm__free(t->b_wd);
    crvm__free(t->b_tied);
    crvm__free(t->block);
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

enum { DIRECT = 1024 }; /* integer times below this skip the hash */

/* Bucket of every row, with its event flag in the top bit, and each
 * bucket's events and their weight; 0 when there are more than max
 * buckets. Without strata an integer time t < DIRECT finds its bucket at
 * direct[t], any other through an open-addressing table of the distinct
 * pairs. No branch on the event flag, which comes at random; a censored
 * row adds 0 (weights are finite). */
static size_t assign_buckets(crvm__cox_tied *t, const double *durations, const int32_t *strata,
                             const int32_t *events, const double *weights, size_t max,
                             int32_t *table, size_t mask, int32_t *direct)
{
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        const double time = durations[i] + 0.0; /* -0 and +0 are one time */
        const int32_t s = strata ? strata[i] : 0;
        int32_t *at;
        if (strata == NULL && time >= 0.0 && time < DIRECT && time == (double)(size_t)time) {
            at = direct + (size_t)time;
        } else {
            size_t h = (size_t)mix(time, s) & mask;
            while (table[h] >= 0 &&
                   !(t->b_time[table[h]] == time && t->b_stratum[table[h]] == s))
                h = (h + 1) & mask;
            at = table + h;
        }
        if (*at < 0) {
            if (m == max)
                return 0;
            *at = (int32_t)m;
            t->b_time[m] = time;
            t->b_stratum[m] = s;
            m++;
        }
        const size_t b = (size_t)*at, event = events[i] != 0;
        t->b_d[b] += event;
        t->b_wd[b] += (weights ? weights[i] : 1.0) * (double)event;
        t->bucket[i] = (uint16_t)(b | event << 15);
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
                               const double *inv_sd, const double *durations,
                               const int32_t *events, const double *weights,
                               const int32_t *strata, crvm_ties ties, size_t max_buckets,
                               crvm__cox_tied **out)
{
    *out = NULL;
    if (max_buckets > 0x7fff) /* the top bit of a row's code is its event flag */
        max_buckets = 0x7fff;
    if (max_buckets == 0)
        return CRVM_OK;
    size_t cap = 2;
    while (cap < 2 * max_buckets)
        cap *= 2;
    crvm__cox_tied *t = crvm__calloc(1, sizeof *t);
    int32_t *table = crvm__malloc((cap + DIRECT) * sizeof *table);
    if (t != NULL) {
        t->bucket = crvm__malloc((n ? n : 1) * sizeof *t->bucket);
        t->b_time = crvm__calloc(max_buckets, sizeof *t->b_time);
        t->b_stratum = crvm__calloc(max_buckets, sizeof *t->b_stratum);
        t->b_d = crvm__calloc(max_buckets, sizeof *t->b_d);
        t->b_wd = crvm__calloc(2 * max_buckets, sizeof *t->b_wd);
    }
    if (t == NULL || table == NULL || t->bucket == NULL || t->b_time == NULL ||
        t->b_stratum == NULL || t->b_d == NULL || t->b_wd == NULL) {
        crvm__free(table);
        crvm__cox_tied_free(t);
        return crvm__nomem("grouping the Cox rows by time");
    }
    for (size_t h = 0; h < cap + DIRECT; h++)
        table[h] = -1;
    t->n = n;
    t->p = p;
    t->m = assign_buckets(t, durations, strata, events, weights, max_buckets, table, cap - 1,
                          table + cap);
    crvm__free(table);
    if (t->m == 0) {
        crvm__cox_tied_free(t);
        return CRVM_OK;
    }
    const size_t m = t->m, stride = crvm__cox_rows_stride(p);
    t->ties = ties;
    t->eta = crvm__huge_alloc(n * sizeof *t->eta);
    t->order = crvm__calloc(m, sizeof *t->order);
    t->b_tied = crvm__calloc(m, 1);
    /* 4 doubles more, to start the matrices on a 32-byte boundary */
    t->block = crvm__calloc(4 + (2 * m + 1) * stride + 2 * p * p + 8 * p + 2, sizeof *t->block);
    if (t->eta == NULL || t->order == NULL || t->b_tied == NULL || t->block == NULL) {
        crvm__cox_tied_free(t);
        return crvm__nomem("grouping the Cox rows by time");
    }
    t->b_sr = t->b_wd + max_buckets;
    t->sums = t->block + (4 - ((uintptr_t)t->block / sizeof(double)) % 4) % 4;
    t->cum = t->sums + 2 * m * stride;
    t->zr = t->cum + stride;
    t->ar = t->zr + p;
    t->zd = t->ar + p * p;
    t->ad = t->zd + p;
    t->zl = t->ad + p * p;
    t->zmax = t->zl + p;
    t->last_beta = t->zmax + p;
    t->seed_s = t->last_beta + p;
    t->seed_ev = t->seed_s + p;
    crvm__cox_rows rows = {n, p, m, x, mean, inv_sd, weights, t->bucket, t->b_tied,
                           t->seed_ev + p + 1};
    t->rows = rows;
    for (size_t b = 0; b < m; b++)
        t->b_tied[b] = ties == CRVM_TIES_EFRON && t->b_d[b] > 1;
    order_buckets(t);
    *out = t;
    return CRVM_OK;
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

void crvm__cox_tied_set_zmax(crvm__cox_tied *t, const double *zmax)
{
    memcpy(t->zmax, zmax, t->p * sizeof *zmax);
}

void crvm__cox_tied_moments(crvm__cox_tied *t, const double *s, double *mom, double *sum,
                            double *lo, double *hi)
{
    const size_t p = t->p, stride = crvm__cox_rows_stride(p);
    memset(t->sums, 0, 2 * t->m * stride * sizeof *t->sums);
    crvm__cox_rows_bucket_moments(&t->rows, CRVM__COX_ROWS_FASTEST, s, t->sums, t->seed_ev, sum, lo, hi);
    memcpy(t->seed_s, s, p * sizeof *s);
    memset(mom, 0, stride * sizeof *mom);
    for (size_t b = 0; b < 2 * t->m; b++)
        for (size_t j = 0; j < stride; j++)
            mom[j] += t->sums[b * stride + j];
}

void crvm__cox_tied_seed(crvm__cox_tied *t)
{
    const size_t p = t->p, stride = crvm__cox_rows_stride(p);
    const double *mean = t->rows.mean, *inv_sd = t->rows.inv_sd, *s = t->seed_s;
    for (size_t k = 0; k < 2 * t->m; k++) {
        double *mat = t->sums + k * stride;
        const double count = mat[crvm__cox_rows_at(p, p, p)];
        /* about the mean and scaled: the upper triangle of A first, which
         * reads the sums of x - s in the last column, then those */
        for (size_t a = 0; a < p; a++) {
            const double da = mean[a] - s[a], sa = mat[crvm__cox_rows_at(p, a, p)];
            for (size_t b = a; b < p; b++) {
                const double db = mean[b] - s[b];
                mat[crvm__cox_rows_at(p, a, b)] = inv_sd[a] * inv_sd[b] *
                                  (mat[crvm__cox_rows_at(p, a, b)] - da * mat[crvm__cox_rows_at(p, b, p)] - db * sa + da * db * count);
            }
        }
        for (size_t a = 0; a < p; a++)
            mat[crvm__cox_rows_at(p, a, p)] = inv_sd[a] * (mat[crvm__cox_rows_at(p, a, p)] - (mean[a] - s[a]) * count);
    }
    t->seeded = 1;
}

/* Copies of the risk set's S, Z and A, or of a bucket's event sums, out of
 * its matrix M (cox_rows.h) for the block terms. */
static double unpack(size_t p, const double *mat, double *z, double *a)
{
    for (size_t r = 0; r < p; r++) {
        if (z)
            z[r] = mat[crvm__cox_rows_at(p, r, p)];
        if (a)
            for (size_t c = r; c < p; c++)
                a[r * p + c] = mat[crvm__cox_rows_at(p, r, c)];
    }
    return mat[crvm__cox_rows_at(p, p, p)];
}

/* Calls visit for each bucket b from the last time down, stratum by
 * stratum, with cum the sums M of its risk set (the buckets at its time
 * and later; only S unless full) and ev its event sums. */
typedef void risk_visit(crvm__cox_tied *t, size_t b, const double *cum, const double *ev,
                        void *ctx);
static void walk_risk_sets(crvm__cox_tied *t, int full, risk_visit *visit, void *ctx)
{
    const size_t p = t->p, m = t->m, stride = crvm__cox_rows_stride(p);
    const size_t s_at = crvm__cox_rows_at(p, p, p); /* S in M */
    double *cum = t->cum;
    for (size_t hi = m; hi > 0;) {
        size_t lo = hi - 1;
        while (lo > 0 && t->b_stratum[t->order[lo - 1]] == t->b_stratum[t->order[hi - 1]])
            lo--;
        memset(cum, 0, stride * sizeof *cum);
        for (size_t k = hi; k > lo; k--) {
            const size_t b = t->order[k - 1];
            const double *rows = t->sums + b * stride, *ev = t->sums + (m + b) * stride;
            if (full)
                for (size_t j = 0; j < stride; j++)
                    cum[j] += rows[j] + ev[j];
            else
                cum[s_at] += rows[s_at] + ev[s_at];
            visit(t, b, cum, ev, ctx);
        }
        hi = lo;
    }
}

/* An evaluation's block terms at bucket b (info, grad: NULL when not
 * made; then only S is in the sums). */
typedef struct eval_ctx {
    double shift, *ll, *grad, *info;
} eval_ctx;
static void eval_bucket(crvm__cox_tied *t, size_t b, const double *cum, const double *ev, void *ctx)
{
    const eval_ctx *c = ctx;
    const size_t p = t->p;
    const int full = c->grad != NULL || c->info != NULL;
    const double sr = cum[crvm__cox_rows_at(p, p, p)];
    t->b_sr[b] = sr;
    if (t->b_d[b] > 0 && t->b_wd[b] > 0.0) {
        unpack(p, cum, full ? t->zr : NULL, c->info ? t->ar : NULL);
        const double sd = unpack(p, ev, full && t->b_tied[b] ? t->zd : NULL,
                                 c->info && t->b_tied[b] ? t->ad : NULL);
        crvm__cox_block_terms(p, t->ties, c->shift, t->b_d[b], t->b_wd[b], sr, t->zr, t->ar, sd,
                              t->zd, t->ad, t->zl, c->ll, c->grad, c->info);
    }
}

/* Bucket b's risk sum S moved by delta (crvm__cox_tied_step). */
static void taylor_bucket(crvm__cox_tied *t, size_t b, const double *cum, const double *ev,
                          void *ctx)
{
    const double *delta = ctx;
    const size_t p = t->p;
    (void)ev;
    double dz = 0.0, dad = 0.0;
    for (size_t a = 0; a < p; a++) {
        dz += delta[a] * cum[crvm__cox_rows_at(p, a, p)];
        dad += delta[a] * delta[a] * cum[crvm__cox_rows_at(p, a, a)];
        for (size_t c = a + 1; c < p; c++)
            dad += 2.0 * delta[a] * delta[c] * cum[crvm__cox_rows_at(p, a, c)];
    }
    t->b_sr[b] = cum[crvm__cox_rows_at(p, p, p)] + dz + 0.5 * dad;
}

double crvm__cox_tied_evaluate(crvm__cox_tied *t, const double *beta, double *grad,
                               double *info)
{
    const size_t p = t->p, m = t->m, stride = crvm__cox_rows_stride(p);
    const int full = grad != NULL || info != NULL;
    double ll, top, shift = shift_for(t, beta);
    int at_zero = t->seeded; /* the sums are there (crvm__cox_tied_seed), every eta 0 */
    for (size_t j = 0; j < p; j++)
        at_zero &= beta[j] == 0.0;
    t->seeded = 0;
    t->full_sums = full || at_zero;
    if (info)
        memset(info, 0, p * p * sizeof *info);
    if (at_zero) {
        const double *mean = t->rows.mean, *inv_sd = t->rows.inv_sd;
        if (grad)
            for (size_t a = 0; a < p; a++)
                grad[a] = inv_sd[a] * (t->seed_ev[a] - (mean[a] - t->seed_s[a]) * t->seed_ev[p]);
        ll = top = shift = 0.0;
    } else {
        for (;;) {
            memset(t->sums, 0, 2 * m * stride * sizeof *t->sums);
            if (grad)
                memset(grad, 0, p * sizeof *grad);
            ll = 0.0;
            top = crvm__cox_rows_add(&t->rows, CRVM__COX_ROWS_FASTEST, beta, shift, full, t->eta,
                                     t->sums, &ll, grad);
            /* A bound far above the maximum would let small weights
             * underflow that the exact shift keeps: then again with the
             * maximum. */
            if (!(top < shift - 30.0))
                break;
            shift = top;
        }
    }
    eval_ctx ctx = {shift, &ll, grad, info};
    walk_risk_sets(t, full, eval_bucket, &ctx);
    t->shift = shift;
    t->last_max = top;
    memcpy(t->last_beta, beta, p * sizeof *beta);
    return ll;
}

int crvm__cox_tied_step(crvm__cox_tied *t, const double *delta, double ll, const double *grad,
                        const double *info, double *ll_out)
{
    const size_t p = t->p;
    double reach = 0.0; /* D: the most any row's eta moves */
    for (size_t j = 0; j < p; j++)
        reach += fabs(delta[j]) * t->zmax[j];
    if (!t->full_sums || !(reach <= 1e-6))
        return 0;
    walk_risk_sets(t, 1, taylor_bucket, (void *)delta);
    double gd = 0.0, did = 0.0;
    for (size_t a = 0; a < p; a++) {
        gd += grad[a] * delta[a];
        for (size_t c = 0; c < p; c++)
            did += delta[a] * info[a * p + c] * delta[c];
    }
    *ll_out = ll + gd - 0.5 * did;
    return 1;
}

crvm_status crvm__cox_tied_take_train(crvm__cox_tied *t, const double *beta, double **score,
                                      uint16_t **code, double **time,
                                      int32_t **stratum)
{
    double *tm = crvm__malloc(t->m * sizeof *tm);
    int32_t *st = crvm__malloc(t->m * sizeof *st);
    if (tm == NULL || st == NULL) {
        crvm__free(tm);
        crvm__free(st);
        return crvm__nomem("keeping the data of the concordance index");
    }
    memcpy(tm, t->b_time, t->m * sizeof *tm);
    memcpy(st, t->b_stratum, t->m * sizeof *st);
    /* -eta at beta from the covariates: the fit's last step may have been
     * taken without a pass over the rows (crvm__cox_tied_step). */
    double *sc = t->eta;
    crvm__cox_rows_eta(&t->rows, CRVM__COX_ROWS_FASTEST, beta, sc);
    for (size_t i = 0; i < t->n; i++)
        sc[i] = -sc[i];
    *time = tm;
    *stratum = st;
    *score = sc;
    *code = t->bucket;
    t->eta = NULL;
    t->bucket = NULL;
    return CRVM_OK;
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
