/* The fast path of the BG/NBD and MBG/NBD conditional expectation: the
 * rows that a short alternating table serves (bgnbd_cond.c; on real data
 * nearly all), without branches or packing. Each row reads its x's row of
 * ctx->fast (coefficients at a fixed stride; the NaN row for an x without
 * a short table, so that its bounds fail), evaluates the polynomial in h =
 * c - c0 by Estrin's scheme, checks the bounds of the general block's
 * alt_in_bounds and writes G (times P(alive) when fused) or NaN; the
 * general block serves the NaN rows. The scalar loop is the reference;
 * the AVX2 loop does the same operations in the same order four rows at a
 * time, and with no contraction into FMA (ISO C mode) both give the same
 * bits (a test compares them). Before this kernel the per-row table lookup,
 * the packing of the rows and the gathers of their coefficients cost twice
 * its time. */
#include <math.h>

#include "transactions/txn_private.h"

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

/* A row of ctx->fast: coefficients 0-8, k, E[nu'], a NaN, coefficients
 * 9-11, a NaN. The tables of a narrow range of c (months of ages) end by
 * their ninth term, and then the vector loop reads three groups of four
 * instead of four: the terms 9-11, zero, add exact zeros to the sum, so
 * either length gives the same bits. */
enum { K_AT = 9, MEAN_AT = 10, HIGH_AT = 12, SHORT_TERMS = 9 };

void crvm__bgnbd_cond_fast_row(crvm__cond_ctx *ctx, int h, const double *f, int n, double k,
                               double mean)
{
    double *row = ctx->fast[h];
    int used = 0; /* terms up to the last nonzero one */
    for (int j = 0; j < CRVM__COND_SHIFTED_TERMS; j++) {
        double v = j < n ? f[j] : 0.0;
        row[j < HIGH_AT - 3 ? j : j + 3] = v;
        used = v != 0.0 ? j + 1 : used;
    }
    row[K_AT] = k;
    row[MEAN_AT] = mean;
    ctx->fast_long |= used > SHORT_TERMS;
}

static inline ALWAYS_INLINE size_t fast_loop(const crvm__cond_ctx *ctx, const double *x,
                                             const double *T, const double *pa, size_t len,
                                             double *out)
{
    const double t = ctx->t, alpha = ctx->alpha, c0 = ctx->c0;
    const double hi = 1.0 + 1e-12, lo = 1.0 - 1e-12, XMAX = CRVM__COND_SERIES_X;
    const double(*tab)[CRVM__COND_FAST_ROW] = ctx->fast;
    size_t bad = 0;
    for (size_t i = 0; i < len; i++) {
        double xi = x[i], c = t / (alpha + T[i]);
        const double *f = tab[(int)(xi < XMAX ? xi : XMAX)], *g9 = f + HIGH_AT - 1;
        double h = c - c0, h2 = h * h, h4 = h2 * h2, h8 = h4 * h4;
        double q0 = (f[0] + f[1] * h) + (f[2] + f[3] * h) * h2;
        double q1 = (f[4] + f[5] * h) + (f[6] + f[7] * h) * h2;
        double q2 = (f[8] + g9[1] * h) + (g9[2] + g9[3] * h) * h2;
        double sum = q0 + q1 * h4 + q2 * h8;
        double g = f[K_AT] * c * sum;
        if (pa != NULL)
            g *= pa[i];
        int ok = (c > 0.0) & (c <= CRVM__COND_CSERIES_MAX) & (sum <= hi) &
                 (sum * (1.0 + f[MEAN_AT] * c) >= lo);
        out[i] = ok ? g : NAN;
        bad += (size_t)!ok;
    }
    return bad;
}

size_t crvm__bgnbd_cond_fast_scalar(const crvm__cond_ctx *ctx, const double *x, const double *T,
                                    const double *pa, size_t len, double *out)
{
    return pa ? fast_loop(ctx, x, T, pa, len, out) : fast_loop(ctx, x, T, NULL, len, out);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Four rows a step: each row's table row in three or four loads, the four
 * rows' coefficients brought into columns by 4 x 4 transposes (gathers,
 * one per coefficient, ran slower); the rest of the rows by fast_loop */
__attribute__((target("avx2"))) static inline void transpose4(__m256d a, __m256d b, __m256d c,
                                                              __m256d d, __m256d *col)
{
    __m256d t0 = _mm256_unpacklo_pd(a, b), t1 = _mm256_unpackhi_pd(a, b);
    __m256d t2 = _mm256_unpacklo_pd(c, d), t3 = _mm256_unpackhi_pd(c, d);
    col[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    col[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    col[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    col[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

__attribute__((target("avx2"))) static inline ALWAYS_INLINE size_t
fast_avx2_terms(const crvm__cond_ctx *ctx, const double *x, const double *T, const double *pa,
                size_t len, double *out, int all_terms)
{
    const __m256d t = _mm256_set1_pd(ctx->t), alpha = _mm256_set1_pd(ctx->alpha);
    const __m256d c0 = _mm256_set1_pd(ctx->c0), xmax = _mm256_set1_pd(CRVM__COND_SERIES_X);
    const __m256d zero = _mm256_setzero_pd(), cmax = _mm256_set1_pd(CRVM__COND_CSERIES_MAX);
    const __m256d hi = _mm256_set1_pd(1.0 + 1e-12), lo = _mm256_set1_pd(1.0 - 1e-12);
    const __m256d one = _mm256_set1_pd(1.0), nan = _mm256_set1_pd(NAN);
    size_t bad = 0, i = 0;
    for (; i + 4 <= len; i += 4) {
        __m256d xi = _mm256_loadu_pd(x + i);
        __m256d c = _mm256_div_pd(t, _mm256_add_pd(alpha, _mm256_loadu_pd(T + i)));
        __m128i h = _mm256_cvttpd_epi32(_mm256_min_pd(xi, xmax));
        const double *r0 = ctx->fast[_mm_cvtsi128_si32(h)];
        const double *r1 = ctx->fast[_mm_extract_epi32(h, 1)];
        const double *r2 = ctx->fast[_mm_extract_epi32(h, 2)];
        const double *r3 = ctx->fast[_mm_extract_epi32(h, 3)];
        __m256d f[16];
        for (int j = 0; j < (all_terms ? 16 : 12); j += 4)
            transpose4(_mm256_loadu_pd(r0 + j), _mm256_loadu_pd(r1 + j), _mm256_loadu_pd(r2 + j),
                       _mm256_loadu_pd(r3 + j), f + j);
        __m256d d = _mm256_sub_pd(c, c0), d2 = _mm256_mul_pd(d, d);
        __m256d d4 = _mm256_mul_pd(d2, d2), d8 = _mm256_mul_pd(d4, d4);
        __m256d q0 = _mm256_add_pd(_mm256_add_pd(f[0], _mm256_mul_pd(f[1], d)),
                                   _mm256_mul_pd(_mm256_add_pd(f[2], _mm256_mul_pd(f[3], d)), d2));
        __m256d q1 = _mm256_add_pd(_mm256_add_pd(f[4], _mm256_mul_pd(f[5], d)),
                                   _mm256_mul_pd(_mm256_add_pd(f[6], _mm256_mul_pd(f[7], d)), d2));
        __m256d q2 = f[8];
        if (all_terms)
            q2 = _mm256_add_pd(
                _mm256_add_pd(f[8], _mm256_mul_pd(f[HIGH_AT], d)),
                _mm256_mul_pd(_mm256_add_pd(f[HIGH_AT + 1], _mm256_mul_pd(f[HIGH_AT + 2], d)), d2));
        __m256d sum = _mm256_add_pd(_mm256_add_pd(q0, _mm256_mul_pd(q1, d4)), _mm256_mul_pd(q2, d8));
        __m256d g = _mm256_mul_pd(_mm256_mul_pd(f[K_AT], c), sum);
        __m256d bound = _mm256_mul_pd(sum, _mm256_add_pd(one, _mm256_mul_pd(f[MEAN_AT], c)));
        if (pa != NULL)
            g = _mm256_mul_pd(g, _mm256_loadu_pd(pa + i));
        __m256d ok = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(c, zero, _CMP_GT_OQ),
                                                 _mm256_cmp_pd(c, cmax, _CMP_LE_OQ)),
                                   _mm256_and_pd(_mm256_cmp_pd(sum, hi, _CMP_LE_OQ),
                                                 _mm256_cmp_pd(bound, lo, _CMP_GE_OQ)));
        _mm256_storeu_pd(out + i, _mm256_blendv_pd(nan, g, ok));
        bad += 4 - (size_t)__builtin_popcount((unsigned)_mm256_movemask_pd(ok));
    }
    return bad + fast_loop(ctx, x + i, T + i, pa ? pa + i : NULL, len - i, out + i);
}

__attribute__((target("avx2"))) static size_t fast_avx2(const crvm__cond_ctx *ctx,
                                                        const double *x, const double *T,
                                                        const double *pa, size_t len, double *out)
{
    if (ctx->fast_long)
        return fast_avx2_terms(ctx, x, T, pa, len, out, 1);
    return fast_avx2_terms(ctx, x, T, pa, len, out, 0);
}
#endif

size_t crvm__bgnbd_cond_fast(const crvm__cond_ctx *ctx, const double *x, const double *T,
                             const double *pa, size_t len, double *out)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx2"))
        return fast_avx2(ctx, x, T, pa, len, out);
#endif
    return crvm__bgnbd_cond_fast_scalar(ctx, x, T, pa, len, out);
}
