/* The rows' share of an evaluation of the per-time Cox sums (cox_rows.h).
 *
 * Rows go in blocks of CRVM__VBLOCK: eta of each row, then the block's
 * exponentials through the vector exp, then each row's r z~ z~' into its
 * bucket. The buckets come at random, so the matrices are read and written
 * back for every row; what a kernel can save is instructions per row. The
 * scalar reference does the (p + 1)(p + 2)/2 multiply-adds of the upper
 * triangle one by one (36 for p = 7). The AVX2 kernel keeps z~ as
 * ceil((p + 1)/4) vectors of 4 lanes and adds the vector r z~_a z~_g of each
 * row a and each vector g that holds an entry b >= a (12 fused
 * multiply-adds for p = 7): the same sums in a different order of the
 * roundings, so it agrees with the reference to rounding (tests/unit/
 * test_cox_tied.c). The fit's moments passes (the covariates' means, cross
 * products and range, also per bucket for the first evaluation) use the
 * same layout and the same two kinds of code. */
#include "survival/cox_rows.h"

#include <math.h>
#include <stdalign.h>
#include <string.h>

#include "math/vmath.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define COX_ROWS_X86 1
#include <immintrin.h>
#else
#define COX_ROWS_X86 0
#endif

enum { BLOCK = CRVM__VBLOCK, AVX_GROUPS = 4, UNROLLED_P = 8 };
/* The AVX2 kernel's blocks are smaller: their z~ (up to 16 doubles a row)
 * and the buckets' matrices (512 bytes each for p = 7, ~30 KB with 30
 * times) then share the 32 KB first-level cache. */
enum { AVX_BLOCK = 64 };

size_t crvm__cox_rows_width(size_t p)
{
    return (p + 1 + 3) / 4 * 4;
}

/* r = w e^(eta - shift) of a block, in place over eta - shift */
static void risk_of_block(const crvm__cox_rows *rows, size_t i0, size_t len, double *r)
{
    crvm__vexp(r, r, len);
    if (rows->w)
        for (size_t i = 0; i < len; i++)
            r[i] *= rows->w[i0 + i];
}

/* S only: the likelihood needs no more. Returns sum over events of w eta. */
static double add_risk_only(const crvm__cox_rows *rows, size_t i0, size_t len, const double *r,
                            const double *eta, double *sums)
{
    const size_t p = rows->p, stride = crvm__cox_rows_stride(p);
    const size_t s_at = crvm__cox_rows_at(p, p, p);
    double ll = 0.0;
    for (size_t i = i0; i < i0 + len; i++) {
        const size_t b = rows->code[i] & 0x7fffu, event = rows->code[i] >> 15;
        sums[(b + rows->m * (event & rows->b_tied[b])) * stride + s_at] += r[i - i0];
        ll += (rows->w ? rows->w[i] : 1.0) * (double)event * eta[i];
    }
    return ll;
}

/* ---- scalar reference ---------------------------------------------------- */

/* z~ of row i: p standardised values and the 1 */
static inline void augmented_row(const crvm__cox_rows *rows, size_t i, double *z, const size_t p)
{
    const double *xi = rows->x + i * p;
    for (size_t j = 0; j < p; j++)
        z[j] = (xi[j] - rows->mean[j]) * rows->inv_sd[j];
    z[p] = 1.0;
}

/* One block, inlined for each small p (scalar_block) so that the compiler
 * unrolls the loops; z: p + 1 scratch values. */
static inline double scalar_rows(const crvm__cox_rows *rows, size_t i0, size_t len,
                                 const double *beta, double shift, int full, double *eta,
                                 double *sums, double *ll, double *grad, double *z, const size_t p)
{
    const size_t stride = crvm__cox_rows_stride(p);
    double r[BLOCK], top = -INFINITY;
    for (size_t i = i0; i < i0 + len; i++) {
        augmented_row(rows, i, z, p);
        double s = 0.0;
        for (size_t j = 0; j < p; j++)
            s += z[j] * beta[j];
        eta[i] = s;
        if (s > top)
            top = s;
        r[i - i0] = s - shift;
    }
    risk_of_block(rows, i0, len, r);
    if (!full) {
        *ll += add_risk_only(rows, i0, len, r, eta, sums);
        return top;
    }
    /* No branch on the event flag, which comes at random: the events'
     * terms are weighted by it (0 or 1). */
    for (size_t i = i0; i < i0 + len; i++) {
        const size_t b = rows->code[i] & 0x7fffu, event = rows->code[i] >> 15;
        double *acc = sums + (b + rows->m * (event & rows->b_tied[b])) * stride;
        const double ri = r[i - i0], we = (rows->w ? rows->w[i] : 1.0) * (double)event;
        *ll += we * eta[i];
        augmented_row(rows, i, z, p);
        if (grad)
            for (size_t a = 0; a < p; a++)
                grad[a] += we * z[a];
        for (size_t a = 0; a <= p; a++) {
            const double ya = ri * z[a];
            double *row = acc + crvm__cox_rows_at(p, a, 0);
            for (size_t c = a; c <= p; c++)
                row[c] += ya * z[c];
        }
    }
    return top;
}

static double scalar_block(const crvm__cox_rows *rows, size_t i0, size_t len, const double *beta,
                           double shift, int full, double *eta, double *sums, double *ll,
                           double *grad, double *z)
{
    switch (rows->p) {
#define CASE(P)                                                                                    \
    case P:                                                                                        \
        return scalar_rows(rows, i0, len, beta, shift, full, eta, sums, ll, grad, z, P);
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    default:
        return scalar_rows(rows, i0, len, beta, shift, full, eta, sums, ll, grad, z, rows->p);
    }
}

static void scalar_eta(const crvm__cox_rows *rows, const double *beta, double *eta, double *z)
{
    const size_t p = rows->p;
    for (size_t i = 0; i < rows->n; i++) {
        augmented_row(rows, i, z, p);
        double s = 0.0;
        for (size_t j = 0; j < p; j++)
            s += z[j] * beta[j];
        eta[i] = s;
    }
}

/* z = x~ = (x - s, 1) of the row at xi; its values into sum, lo, hi. */
static void scalar_range_row(size_t p, const double *xi, const double *s, double *z, double *sum,
                             double *lo, double *hi)
{
    for (size_t j = 0; j < p; j++) {
        z[j] = xi[j] - s[j];
        sum[j] += xi[j];
        lo[j] = xi[j] < lo[j] ? xi[j] : lo[j];
        hi[j] = xi[j] > hi[j] ? xi[j] : hi[j];
    }
    z[p] = 1.0;
}

static void scalar_moments(size_t n, size_t p, const double *x, const double *s, double *mat,
                           double *sum, double *lo, double *hi, double *z)
{
    for (size_t i = 0; i < n; i++) {
        scalar_range_row(p, x + i * p, s, z, sum, lo, hi);
        for (size_t a = 0; a <= p; a++)
            for (size_t c = a; c <= p; c++)
                mat[crvm__cox_rows_at(p, a, c)] += z[a] * z[c];
    }
}

static void scalar_bucket_moments(const crvm__cox_rows *rows, const double *s, double *sums,
                                  double *events, double *sum, double *lo, double *hi)
{
    const size_t p = rows->p, stride = crvm__cox_rows_stride(p);
    double *z = rows->z_scratch;
    for (size_t i = 0; i < rows->n; i++) {
        const size_t b = rows->code[i] & 0x7fffu, event = rows->code[i] >> 15;
        double *acc = sums + (b + rows->m * (event & rows->b_tied[b])) * stride;
        scalar_range_row(p, rows->x + i * p, s, z, sum, lo, hi);
        for (size_t a = 0; a <= p; a++) {
            events[a] += (double)event * z[a];
            for (size_t c = a; c <= p; c++)
                acc[crvm__cox_rows_at(p, a, c)] += z[a] * z[c];
        }
    }
}

/* ---- AVX2 and FMA ---------------------------------------------------------- */

#if COX_ROWS_X86
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

/* Per-lane constants: z~ = (x - mu) isd + one, eta = z~ . bt (lanes past
 * p: mu = isd = bt = 0, and one = 1 in lane p). */
typedef struct lanes {
    __m256d mu[AVX_GROUPS], isd[AVX_GROUPS], one[AVX_GROUPS], bt[AVX_GROUPS];
    __m256i tail; /* the last vector's lanes that hold covariates */
} lanes;

/* The last vector of a row at xi, its lanes past the row zeroed: a plain
 * load and a mask while it ends within the array (end), which is all rows
 * but the last one or two; the masked load (slow on some processors) only
 * there. */
static inline __m256d last_vector(const double *xi, const double *end, const lanes *k)
{
    if (xi + 4 <= end)
        return _mm256_and_pd(_mm256_loadu_pd(xi), _mm256_castsi256_pd(k->tail));
    return _mm256_maskload_pd(xi, k->tail);
}

/* acc += (r y) z~' in the upper triangle of M (cox_rows.h): row a of M
 * gets r y_a times each vector of z~ that holds an entry b >= a; y is z~
 * in memory, r a vector of the row's r or NULL (1). The broadcasts read y
 * where the block's first loop stored it long before: a product r z~
 * stored just before and read back stalled on the store. */
static inline __attribute__((always_inline)) void avx_accumulate(double *acc, const double *y,
                                                                 const __m256d *z,
                                                                 const __m256d *r, const size_t p)
{
    const size_t G = (p + 4) / 4;
#pragma GCC unroll 16
    for (size_t a = 0; a <= p; a++) {
        const __m256d ya = r ? _mm256_mul_pd(*r, _mm256_broadcast_sd(y + a))
                             : _mm256_broadcast_sd(y + a);
        double *row = acc + crvm__cox_rows_at(p, a, 0); /* vector g at row + 4 g */
#pragma GCC unroll 4
        for (size_t g = a / 4; g < G; g++)
            _mm256_storeu_pd(row + 4 * g, _mm256_fmadd_pd(ya, z[g], _mm256_loadu_pd(row + 4 * g)));
    }
}

static inline __attribute__((always_inline)) double
avx_rows(const crvm__cox_rows *rows, const lanes *k, size_t i0, size_t len, double shift, int full,
         double *eta, double *sums, double *ll, double *grad, const size_t p)
{
    const size_t G = (p + 4) / 4, qp = 4 * G, stride = crvm__cox_rows_stride(p);
    const double *end = rows->x + rows->n * p;
    alignas(32) double zb[AVX_BLOCK * 4 * AVX_GROUPS];
    double r[AVX_BLOCK], top = -INFINITY;
    for (size_t i = 0; i < len; i++) {
        const double *xi = rows->x + (i0 + i) * p;
        _mm_prefetch((const char *)(xi + 16 * p), _MM_HINT_T0); /* 16 rows ahead */
        __m256d d = _mm256_setzero_pd();
        for (size_t g = 0; g < G; g++) {
            __m256d v = g + 1 < G ? _mm256_loadu_pd(xi + 4 * g) : last_vector(xi + 4 * g, end, k);
            v = _mm256_fmadd_pd(_mm256_sub_pd(v, k->mu[g]), k->isd[g], k->one[g]);
            _mm256_store_pd(zb + i * qp + 4 * g, v);
            d = _mm256_fmadd_pd(v, k->bt[g], d);
        }
        __m128d h = _mm_add_pd(_mm256_castpd256_pd128(d), _mm256_extractf128_pd(d, 1));
        const double s = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
        eta[i0 + i] = s;
        top = s > top ? s : top;
        r[i] = s - shift;
    }
    risk_of_block(rows, i0, len, r);
    if (!full) {
        *ll += add_risk_only(rows, i0, len, r, eta, sums);
        return top;
    }
    __m256d gacc[AVX_GROUPS];
    for (size_t g = 0; g < G; g++)
        gacc[g] = _mm256_setzero_pd();
    double lsum = 0.0;
    for (size_t i = 0; i < len; i++) {
        const size_t b = rows->code[i0 + i] & 0x7fffu, event = rows->code[i0 + i] >> 15;
        double *acc = sums + (b + rows->m * (event & rows->b_tied[b])) * stride;
        const double we = (rows->w ? rows->w[i0 + i] : 1.0) * (double)event;
        const __m256d ri = _mm256_set1_pd(r[i]), wv = _mm256_set1_pd(we);
        __m256d z[AVX_GROUPS];
        lsum += we * eta[i0 + i];
        for (size_t g = 0; g < G; g++) {
            z[g] = _mm256_load_pd(zb + i * qp + 4 * g);
            gacc[g] = _mm256_fmadd_pd(wv, z[g], gacc[g]);
        }
        avx_accumulate(acc, zb + i * qp, z, &ri, p);
    }
    *ll += lsum;
    if (grad) {
        alignas(32) double gl[4 * AVX_GROUPS];
        for (size_t g = 0; g < G; g++)
            _mm256_store_pd(gl + 4 * g, gacc[g]);
        for (size_t a = 0; a < p; a++)
            grad[a] += gl[a];
    }
    return top;
}

/* The lanes of the standardisation and of beta. */
static void eval_lanes(const crvm__cox_rows *rows, const double *beta, lanes *k)
{
    const size_t p = rows->p, G = crvm__cox_rows_width(p) / 4;
    alignas(32) double c[4][4 * AVX_GROUPS];
    alignas(32) int64_t tail[4];
    memset(c, 0, sizeof c);
    for (size_t j = 0; j < p; j++) {
        c[0][j] = rows->mean[j];
        c[1][j] = rows->inv_sd[j];
        c[3][j] = beta[j];
    }
    c[2][p] = 1.0;
    for (size_t l = 0; l < 4; l++)
        tail[l] = 4 * (G - 1) + l < p ? -1 : 0;
    for (size_t g = 0; g < G; g++) {
        k->mu[g] = _mm256_load_pd(c[0] + 4 * g);
        k->isd[g] = _mm256_load_pd(c[1] + 4 * g);
        k->one[g] = _mm256_load_pd(c[2] + 4 * g);
        k->bt[g] = _mm256_load_pd(c[3] + 4 * g);
    }
    k->tail = _mm256_load_si256((const __m256i *)tail);
}

static double avx_add(const crvm__cox_rows *rows, const double *beta, double shift, int full,
                      double *eta, double *sums, double *ll, double *grad)
{
    lanes k;
    eval_lanes(rows, beta, &k);
    double top = -INFINITY;
    for (size_t i0 = 0; i0 < rows->n; i0 += AVX_BLOCK) {
        const size_t len = rows->n - i0 < AVX_BLOCK ? rows->n - i0 : AVX_BLOCK;
        double t = 0.0;
        switch (rows->p) { /* a constant p unrolls the loops over the rows of M and the vectors */
#define CASE(P)                                                                                    \
    case P:                                                                                        \
        t = avx_rows(rows, &k, i0, len, shift, full, eta, sums, ll, grad, P);                      \
        break;
            CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
            CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15)
#undef CASE
        }
        top = t > top ? t : top;
    }
    return top;
}

static inline __attribute__((always_inline)) void avx_eta_p(const crvm__cox_rows *rows,
                                                             const lanes *k, double *eta,
                                                             const size_t p)
{
    const size_t G = (p + 4) / 4;
    const double *end = rows->x + rows->n * p;
    for (size_t i = 0; i < rows->n; i++) {
        const double *xi = rows->x + i * p;
        _mm_prefetch((const char *)(xi + 16 * p), _MM_HINT_T0);
        __m256d d = _mm256_setzero_pd();
        for (size_t g = 0; g < G; g++) {
            __m256d v = g + 1 < G ? _mm256_loadu_pd(xi + 4 * g) : last_vector(xi + 4 * g, end, k);
            v = _mm256_fmadd_pd(_mm256_sub_pd(v, k->mu[g]), k->isd[g], k->one[g]);
            d = _mm256_fmadd_pd(v, k->bt[g], d);
        }
        __m128d h = _mm_add_pd(_mm256_castpd256_pd128(d), _mm256_extractf128_pd(d, 1));
        eta[i] = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    }
}

static void avx_eta(const crvm__cox_rows *rows, const double *beta, double *eta)
{
    lanes k;
    eval_lanes(rows, beta, &k);
    switch (rows->p) {
#define CASE(P)                                                                                    \
    case P:                                                                                        \
        avx_eta_p(rows, &k, eta, P);                                                               \
        break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
        CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15)
#undef CASE
    }
}

/* Each column's smallest, largest value and sum over the rows, lane by
 * lane, beside the moments. */
typedef struct range {
    __m256d lo[AVX_GROUPS], hi[AVX_GROUPS], sum[AVX_GROUPS];
} range;

static inline __attribute__((always_inline)) void range_init(range *r, const size_t G)
{
    for (size_t g = 0; g < G; g++) {
        r->lo[g] = _mm256_set1_pd(INFINITY);
        r->hi[g] = _mm256_set1_pd(-INFINITY);
        r->sum[g] = _mm256_setzero_pd();
    }
}

/* x~ = (x - s, 1) of the row at xi into z (and y), its values into r. */
static inline __attribute__((always_inline)) void
range_row(range *r, const lanes *k, const double *xi, const double *end, __m256d *z, double *y,
          const size_t G)
{
    for (size_t g = 0; g < G; g++) {
        __m256d v = g + 1 < G ? _mm256_loadu_pd(xi + 4 * g) : last_vector(xi + 4 * g, end, k);
        r->lo[g] = _mm256_min_pd(r->lo[g], v);
        r->hi[g] = _mm256_max_pd(r->hi[g], v);
        r->sum[g] = _mm256_add_pd(r->sum[g], v);
        z[g] = _mm256_add_pd(_mm256_sub_pd(v, k->mu[g]), k->one[g]);
        _mm256_store_pd(y + 4 * g, z[g]);
    }
}

static inline __attribute__((always_inline)) void
range_store(const range *r, double *sum, double *lo, double *hi, const size_t p)
{
    for (size_t g = 0; 4 * g < p; g++) {
        alignas(32) double l4[4], h4[4], s4[4];
        _mm256_store_pd(l4, r->lo[g]);
        _mm256_store_pd(h4, r->hi[g]);
        _mm256_store_pd(s4, r->sum[g]);
        for (size_t l = 0; l < 4 && 4 * g + l < p; l++) {
            sum[4 * g + l] = s4[l];
            lo[4 * g + l] = l4[l];
            hi[4 * g + l] = h4[l];
        }
    }
}

/* The moments with every sum in a register (or the compiler's spill slot)
 * for a constant p. */
static inline __attribute__((always_inline)) void
avx_moments_p(size_t n, const double *x, const lanes *k, double *mat, double *sum, double *lo,
              double *hi, const size_t p)
{
    const size_t G = (p + 4) / 4;
    const double *end = x + n * p;
    __m256d acc[(4 * AVX_GROUPS) * AVX_GROUPS];
    alignas(32) double zb[4 * AVX_GROUPS];
    range r;
    range_init(&r, G);
    for (size_t j = 0; j < (p + 1) * G; j++)
        acc[j] = _mm256_setzero_pd();
    for (size_t i = 0; i < n; i++) {
        __m256d z[AVX_GROUPS];
        range_row(&r, k, x + i * p, end, z, zb, G);
#pragma GCC unroll 16
        for (size_t a = 0; a <= p; a++) {
            const __m256d za = _mm256_broadcast_sd(zb + a);
#pragma GCC unroll 4
            for (size_t g = a / 4; g < G; g++)
                acc[a * G + g] = _mm256_fmadd_pd(za, z[g], acc[a * G + g]);
        }
    }
    alignas(32) double out[4];
    for (size_t a = 0; a <= p; a++)
        for (size_t g = a / 4; g < G; g++) {
            _mm256_store_pd(out, acc[a * G + g]);
            for (size_t l = 0; l < 4; l++)
                if (4 * g + l >= a && 4 * g + l <= p)
                    mat[crvm__cox_rows_at(p, a, 4 * g + l)] = out[l];
        }
    range_store(&r, sum, lo, hi, p);
}

/* lanes of s (in mu), the 1 of x~ and the tail mask for p covariates */
static void moment_lanes(size_t p, const double *s, lanes *k)
{
    const size_t G = crvm__cox_rows_width(p) / 4;
    alignas(32) double c[2][4 * AVX_GROUPS];
    alignas(32) int64_t tail[4];
    memset(c, 0, sizeof c);
    for (size_t j = 0; j < p; j++)
        c[0][j] = s[j];
    c[1][p] = 1.0;
    for (size_t l = 0; l < 4; l++)
        tail[l] = 4 * (G - 1) + l < p ? -1 : 0;
    for (size_t g = 0; g < G; g++) {
        k->mu[g] = _mm256_load_pd(c[0] + 4 * g);
        k->one[g] = _mm256_load_pd(c[1] + 4 * g);
    }
    k->tail = _mm256_load_si256((const __m256i *)tail);
}

static void avx_moments(size_t n, size_t p, const double *x, const double *s, double *mat,
                        double *sum, double *lo, double *hi)
{
    lanes k;
    moment_lanes(p, s, &k);
    switch (p) {
#define CASE(P)                                                                                    \
    case P:                                                                                        \
        avx_moments_p(n, x, &k, mat, sum, lo, hi, P);                                              \
        break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
        CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15)
#undef CASE
    }
}

/* Per-bucket moments (crvm__cox_rows_bucket_moments) for a constant p. */
static inline __attribute__((always_inline)) void
avx_bucket_moments_p(const crvm__cox_rows *rows, const lanes *k, double *sums, double *events,
                     double *sum, double *lo, double *hi, const size_t p)
{
    const size_t G = (p + 4) / 4, stride = crvm__cox_rows_stride(p);
    const double *end = rows->x + rows->n * p;
    __m256d vev[AVX_GROUPS];
    alignas(32) double y[4 * AVX_GROUPS];
    range r;
    range_init(&r, G);
    for (size_t g = 0; g < G; g++)
        vev[g] = _mm256_setzero_pd();
    for (size_t i = 0; i < rows->n; i++) {
        const double *xi = rows->x + i * p;
        _mm_prefetch((const char *)(xi + 16 * p), _MM_HINT_T0);
        const size_t b = rows->code[i] & 0x7fffu, event = rows->code[i] >> 15;
        const __m256d ev = _mm256_set1_pd((double)event);
        __m256d z[AVX_GROUPS];
        range_row(&r, k, xi, end, z, y, G);
        for (size_t g = 0; g < G; g++)
            vev[g] = _mm256_fmadd_pd(ev, z[g], vev[g]);
        avx_accumulate(sums + (b + rows->m * (event & rows->b_tied[b])) * stride, y, z, NULL, p);
    }
    alignas(32) double e4[4 * AVX_GROUPS];
    for (size_t g = 0; g < G; g++)
        _mm256_store_pd(e4 + 4 * g, vev[g]);
    memcpy(events, e4, (p + 1) * sizeof *events);
    range_store(&r, sum, lo, hi, p);
}

static void avx_bucket_moments(const crvm__cox_rows *rows, const double *s, double *sums,
                               double *events, double *sum, double *lo, double *hi)
{
    lanes k;
    moment_lanes(rows->p, s, &k);
    switch (rows->p) {
#define CASE(P)                                                                                    \
    case P:                                                                                        \
        avx_bucket_moments_p(rows, &k, sums, events, sum, lo, hi, P);                              \
        break;
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
        CASE(9) CASE(10) CASE(11) CASE(12) CASE(13) CASE(14) CASE(15)
#undef CASE
    }
}

#ifdef __clang__
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

static int have_avx2_fma(size_t p)
{
    return p + 1 <= 4 * AVX_GROUPS && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
}
#endif

double crvm__cox_rows_add(const crvm__cox_rows *rows, crvm__cox_rows_kernel kernel,
                          const double *beta, double shift, int full, double *eta, double *sums,
                          double *ll, double *grad)
{
#if COX_ROWS_X86
    if (kernel == CRVM__COX_ROWS_FASTEST && have_avx2_fma(rows->p))
        return avx_add(rows, beta, shift, full, eta, sums, ll, grad);
#else
    (void)kernel;
#endif
    double top = -INFINITY, local[UNROLLED_P + 1];
    double *z = rows->p <= UNROLLED_P ? local : rows->z_scratch;
    for (size_t i0 = 0; i0 < rows->n; i0 += BLOCK) {
        const size_t len = rows->n - i0 < BLOCK ? rows->n - i0 : BLOCK;
        double t = scalar_block(rows, i0, len, beta, shift, full, eta, sums, ll, grad, z);
        top = t > top ? t : top;
    }
    return top;
}

void crvm__cox_rows_eta(const crvm__cox_rows *rows, crvm__cox_rows_kernel kernel,
                        const double *beta, double *eta)
{
#if COX_ROWS_X86
    if (kernel == CRVM__COX_ROWS_FASTEST && have_avx2_fma(rows->p)) {
        avx_eta(rows, beta, eta);
        return;
    }
#else
    (void)kernel;
#endif
    double local[UNROLLED_P + 1];
    scalar_eta(rows, beta, eta, rows->p <= UNROLLED_P ? local : rows->z_scratch);
}

void crvm__cox_rows_moments(size_t n, size_t p, const double *x, const double *s,
                            crvm__cox_rows_kernel kernel, double *mat, double *sum, double *lo,
                            double *hi, double *z)
{
    memset(mat, 0, crvm__cox_rows_stride(p) * sizeof *mat);
    for (size_t j = 0; j < p; j++) {
        sum[j] = 0.0;
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
#if COX_ROWS_X86
    if (kernel == CRVM__COX_ROWS_FASTEST && have_avx2_fma(p)) {
        avx_moments(n, p, x, s, mat, sum, lo, hi);
        return;
    }
#else
    (void)kernel;
#endif
    scalar_moments(n, p, x, s, mat, sum, lo, hi, z);
}

void crvm__cox_rows_bucket_moments(const crvm__cox_rows *rows, crvm__cox_rows_kernel kernel,
                                   const double *s, double *sums, double *events, double *sum,
                                   double *lo, double *hi)
{
    for (size_t j = 0; j < rows->p; j++) {
        sum[j] = events[j] = 0.0;
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    events[rows->p] = 0.0;
#if COX_ROWS_X86
    if (kernel == CRVM__COX_ROWS_FASTEST && have_avx2_fma(rows->p)) {
        avx_bucket_moments(rows, s, sums, events, sum, lo, hi);
        return;
    }
#else
    (void)kernel;
#endif
    scalar_bucket_moments(rows, s, sums, events, sum, lo, hi);
}
