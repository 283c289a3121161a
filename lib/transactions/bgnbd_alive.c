/* BG/NBD and MBG/NBD P(alive) for many rows at once (see txn_private.h):
 * 1 / (1 + exp(D)) with D = log(a / (b + x - 1)) + (r + x) log1p((T - t_x)
 * / (alpha + t_x)) (MBG/NBD: b + x), the scalar reference being
 * crvm__bgnbd_p_alive (bgnbd.c). Rows go in blocks of CRVM__VBLOCK through
 * the vector log1p and exp (math/vmath.h); the block's own loops are
 * compiled twice, for AVX2 where the processor has it (four lanes) and for
 * the SSE2 baseline (two), with the same operations in the same order, so
 * both give the same bits (a test compares them); the AVX2 build packs the
 * kept rows four at a time by a permutation instead of row by row, and can
 * check the rows in the same loop (crvm__bgnbd_p_alive_block_checked). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "math/vmath.h"
#include "transactions/txn_private.h"

int crvm__bgnbd_p_alive_init(crvm__p_alive_ctx *ctx, const double *p, int modified)
{
    /* With r + DBL_MAX finite (r below ~1e292), r + x is finite for every
     * valid x, so D is never NaN (+-inf gives 0 or 1) */
    if (!isfinite(p[0] + DBL_MAX))
        return 0;
    ctx->r = p[0];
    ctx->alpha = p[1];
    ctx->b = p[3];
    ctx->la = log(p[2]);
    ctx->shift = modified ? 0.0 : -1.0;
    ctx->modified = modified;
    for (int h = 0; h < 64; h++)
        ctx->c0[h] = NAN; /* not yet computed (a computed constant is finite) */
    ctx->seen = 0;
    return 1;
}

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

/* log(a) - log(b + x - 1) (MBG/NBD: b + x), for whole x < 64 from the
 * context's table, filled on first use with the expression of bgnbd.c
 * (NaN marks an entry not yet filled) */
static inline ALWAYS_INLINE double d_constant(crvm__p_alive_ctx *ctx, double xi)
{
    if (xi < 64.0) {
        int h = (int)xi;
        if (isnan(ctx->c0[h])) {
            ctx->c0[h] = ctx->la - crvm__bgnbd_log_bx(ctx->b, xi, ctx->shift);
            ctx->seen |= (uint64_t)1 << h;
        }
        return ctx->c0[h];
    }
    return ctx->la - crvm__bgnbd_log_bx(ctx->b, xi, ctx->shift);
}

/* The rows of a block whose P(alive) is not 1 (all but the BG/NBD rows
 * with x = 0) packed: their indices and T - t_x, alpha + t_x (the AVX2
 * build: their quotient in v, w unused), r + x and the per-x constant.
 * Every row is 1 first (a loop the compiler vectorises); the kept rows'
 * indices are packed without a branch on x = 0, which real data make
 * unpredictable (m advances unless it is a BG/NBD row with x = 0), and
 * only then are their values read: a packing loop that stored every row's
 * values was bound by its stores (five a row). Returns the number of kept
 * rows. */
typedef struct kept_rows {
    size_t idx[CRVM__VBLOCK];
    double cst[CRVM__VBLOCK], k[CRVM__VBLOCK], v[CRVM__VBLOCK], w[CRVM__VBLOCK];
} kept_rows;

static inline ALWAYS_INLINE size_t pack_rows(crvm__p_alive_ctx *ctx, const double *x,
                                             const double *tx, const double *T, size_t len,
                                             double *out, kept_rows *kr)
{
    size_t m = 0;
    for (size_t i = 0; i < len; i++)
        out[i] = 1.0;
    for (size_t i = 0; i < len; i++) {
        kr->idx[m] = i;
        m += (size_t)(ctx->modified | (x[i] != 0.0));
    }
    for (size_t j = 0; j < m; j++) {
        size_t i = kr->idx[j];
        double xi = x[i];
        kr->v[j] = T[i] - tx[i];
        kr->w[j] = ctx->alpha + tx[i];
        kr->cst[j] = d_constant(ctx, xi);
        kr->k[j] = ctx->r + xi;
    }
    return m;
}

/* P(alive) of the m packed rows into out. The baseline's division, in the
 * loop that gathered the kept rows, waited on its latency; in a loop of its
 * own it goes two rows at a time. The AVX2 build (avx2 = 1, a constant) has
 * divided in its packing loop, four rows a step (3% fewer instructions a
 * call), pads the rows to whole vectors and ends four rows a step (2%). */
#if defined(__GNUC__) || defined(__clang__)
/* 1 / (1 + exp(D)) as in crvm__bgnbd_p_alive, without a branch on the sign
 * of D (which real data make unpredictable): numerator e^-|D| where D > 0,
 * else 1, picked by a mask (GCC's -O3 turns a scalar select here into a
 * branch: +35% time at 10^6 rows); W rows a step of vector types VD, VL */
#define FINISH_LOOP(VD, VL, W)                                                                     \
    do {                                                                                           \
        VD zero, one;                                                                              \
        for (int q = 0; q < (W); q++) {                                                            \
            zero[q] = 0.0;                                                                         \
            one[q] = 1.0;                                                                          \
        }                                                                                          \
        for (; j + (W) <= m; j += (W)) {                                                           \
            VD D, e;                                                                               \
            memcpy(&D, k + j, sizeof D);                                                           \
            memcpy(&e, v + j, sizeof e);                                                           \
            VL pos = D > zero;                                                                     \
            VD num = (VD)(((VL)e & pos) | ((VL)one & ~pos));                                       \
            VD pa = num / (one + e);                                                               \
            for (int q = 0; q < (W); q++)                                                          \
                out[kr->idx[j + q]] = pa[q];                                                       \
        }                                                                                          \
    } while (0)
#endif

static inline ALWAYS_INLINE void finish_rows(kept_rows *kr, size_t m, double *out, int avx2)
{
    double *v = kr->v, *k = kr->k;
    size_t mv = m; /* the rows through log1p and exp */
    if (!avx2)
        for (size_t j = 0; j < m; j++)
            v[j] /= kr->w[j];
    else /* whole vectors (CRVM__VBLOCK is a multiple of 4): padded by rows
          * of D = 0, no tail through vmath.c's buffer */
        for (; mv % 4 != 0; mv++)
            v[mv] = k[mv] = kr->cst[mv] = 0.0;
    crvm__vlog1p(v, v, mv);
    for (size_t j = 0; j < mv; j++) {
        double D = kr->cst[j] + k[j] * v[j];
        k[j] = D;
        v[j] = -fabs(D);
    }
    crvm__vexp(v, v, mv);
    size_t j = 0;
#if defined(__GNUC__) || defined(__clang__)
    typedef double v4d __attribute__((vector_size(32)));
    typedef long long v4l __attribute__((vector_size(32)));
    typedef double v2d __attribute__((vector_size(16)));
    typedef long long v2l __attribute__((vector_size(16)));
    if (avx2)
        FINISH_LOOP(v4d, v4l, 4);
    FINISH_LOOP(v2d, v2l, 2);
#endif
    for (; j < m; j++)
        out[kr->idx[j]] = (k[j] > 0 ? v[j] : 1.0) / (1.0 + v[j]);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* For each mask of four lanes, the 32-bit lanes that move the kept 64-bit
 * lanes to the front, in order (AVX2 has no compress instruction) */
#define KEEP(a, b, c, d) {2 * (a), 2 * (a) + 1, 2 * (b), 2 * (b) + 1, 2 * (c), 2 * (c) + 1, 2 * (d), 2 * (d) + 1}
static const int left_pack[16][8] = {
    KEEP(0, 0, 0, 0), KEEP(0, 0, 0, 0), KEEP(1, 0, 0, 0), KEEP(0, 1, 0, 0),
    KEEP(2, 0, 0, 0), KEEP(0, 2, 0, 0), KEEP(1, 2, 0, 0), KEEP(0, 1, 2, 0),
    KEEP(3, 0, 0, 0), KEEP(0, 3, 0, 0), KEEP(1, 3, 0, 0), KEEP(0, 1, 3, 0),
    KEEP(2, 3, 0, 0), KEEP(0, 2, 3, 0), KEEP(1, 2, 3, 0), KEEP(0, 1, 2, 3)};
#undef KEEP

/* The state of pack_rows_avx2's loop: the kept rows so far, the row
 * numbers of the next four lanes and the conditions of the rows so far;
 * and its constants, read from the context once (the loop's stores could
 * alias it) */
typedef struct pack_state {
    size_t m;
    __m256i lane;
    __m256d acc, alpha, r;
    int all;
} pack_state;

/* Rows i .. i + 3 of pack_rows_avx2 */
static inline ALWAYS_INLINE __attribute__((target("avx2"))) void
pack4(const double *x, const double *tx, const double *T,
      size_t i, double *out, kept_rows *kr, double *xs, int check, pack_state *ps)
{
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    const __m256d top = _mm256_set1_pd(DBL_MAX);
    __m256d xi = _mm256_loadu_pd(x + i), ti = _mm256_loadu_pd(tx + i);
    __m256d Ti = _mm256_loadu_pd(T + i);
    _mm256_storeu_pd(out + i, one);
    __m256d nz = _mm256_cmp_pd(xi, zero, _CMP_NEQ_UQ);
    if (check) {
        __m256d whole = _mm256_cmp_pd(_mm256_round_pd(xi, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC),
                                      xi, _CMP_EQ_OQ);
        __m256d xok = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(xi, zero, _CMP_GE_OQ),
                                                  _mm256_cmp_pd(xi, top, _CMP_LE_OQ)),
                                    whole);
        __m256d tok = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(ti, zero, _CMP_GE_OQ),
                                                  _mm256_cmp_pd(ti, Ti, _CMP_LE_OQ)),
                                    _mm256_cmp_pd(Ti, top, _CMP_LE_OQ));
        __m256d zok = _mm256_or_pd(nz, _mm256_cmp_pd(ti, zero, _CMP_EQ_OQ));
        ps->acc = _mm256_and_pd(ps->acc, _mm256_and_pd(_mm256_and_pd(xok, tok), zok));
    }
    int keep = ps->all | _mm256_movemask_pd(nz);
    __m256i perm = _mm256_loadu_si256((const __m256i *)left_pack[keep]);
    size_t m = ps->m;
#define PACK(dst, val) \
    _mm256_storeu_pd(dst + m, _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(val), perm)))
    PACK(kr->v, _mm256_div_pd(_mm256_sub_pd(Ti, ti), _mm256_add_pd(ps->alpha, ti)));
    PACK(kr->k, _mm256_add_pd(ps->r, xi));
    PACK(xs, xi);
#undef PACK
    _mm256_storeu_si256((__m256i *)(kr->idx + m), _mm256_permutevar8x32_epi32(ps->lane, perm));
    ps->lane = _mm256_add_epi64(ps->lane, _mm256_set1_epi64x(4));
    ps->m = m + (size_t)__builtin_popcount((unsigned)keep);
}

/* pack_rows four rows a step: the kept rows' values computed for all four
 * (with the division, so that w is not stored) and moved to the front by
 * one permutation each (the same operations, so the same bits), the per-x
 * constant after. With check, the rows' conditions (crvm__txn_row_ok) are
 * accumulated from the same loads, which spares the column check its own
 * pass over the block (that pass was a quarter of a call at 10^6 rows);
 * *ok = 0 when a row fails, and then nothing is packed (no constant is
 * looked up for a bad x). The vector conditions are those of columns_ok.c's
 * loop, x whole tested by truncation (vroundpd; every double from 2^52 on
 * is its own truncation). With stream (a constant), the columns
 * CRVM__ALIVE_AHEAD rows (4 KB) ahead are prefetched, a cache line of each
 * every eight rows: the hardware's prefetcher stops at each 4 KB page, and
 * the columns of a cold call come from memory (-8% to -9% CPU for a cold
 * call from Python at 10^5 and 10^6 rows; one prefetch of the whole next
 * block at its start cost 12% more instead). */
static inline ALWAYS_INLINE __attribute__((target("avx2"))) size_t
pack_rows_avx2(crvm__p_alive_ctx *ctx, const double *x, const double *tx, const double *T,
               size_t len, double *out, kept_rows *kr, int check, int stream, int *ok)
{
    double xs[CRVM__VBLOCK];
    pack_state ps = {0,
                     _mm256_setr_epi64x(0, 1, 2, 3),
                     _mm256_castsi256_pd(_mm256_set1_epi64x(-1)),
                     _mm256_set1_pd(ctx->alpha),
                     _mm256_set1_pd(ctx->r),
                     ctx->modified ? 15 : 0};
    size_t i = 0;
    if (stream)
        for (; i + 8 <= len; i += 8) {
            _mm_prefetch((const char *)(x + i + CRVM__ALIVE_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(tx + i + CRVM__ALIVE_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(T + i + CRVM__ALIVE_AHEAD), _MM_HINT_T0);
            pack4(x, tx, T, i, out, kr, xs, check, &ps);
            pack4(x, tx, T, i + 4, out, kr, xs, check, &ps);
        }
    for (; i + 4 <= len; i += 4)
        pack4(x, tx, T, i, out, kr, xs, check, &ps);
    size_t m = ps.m;
    __m256d acc = ps.acc;
    int good = _mm256_movemask_pd(acc) == 15;
    for (; i < len; i++) {
        if (check)
            good &= crvm__txn_row_ok(x[i], tx[i], T[i]);
        out[i] = 1.0;
        if (ctx->modified | (x[i] != 0.0)) {
            kr->v[m] = (T[i] - tx[i]) / (ctx->alpha + tx[i]);
            kr->k[m] = ctx->r + x[i];
            xs[m] = x[i];
            kr->idx[m++] = i;
        }
    }
    *ok = good;
    if (!good)
        return 0;
    /* the constants four at a time from the table by a gather; a lane with
     * x >= 64 or an entry not yet filled (NaN) sends its four through
     * d_constant (a loop of d_constant alone was a tenth of a call) */
    const __m256d lim = _mm256_set1_pd(64.0), nan = _mm256_set1_pd(NAN);
    size_t j = 0;
    for (; j + 4 <= m; j += 4) {
        __m256d xv = _mm256_loadu_pd(xs + j);
        __m256d small = _mm256_cmp_pd(xv, lim, _CMP_LT_OQ);
        __m128i h = _mm256_cvttpd_epi32(_mm256_and_pd(xv, small));
        __m256d c = _mm256_mask_i32gather_pd(nan, ctx->c0, h, small, 8);
        _mm256_storeu_pd(kr->cst + j, c);
        if (_mm256_movemask_pd(_mm256_cmp_pd(c, c, _CMP_UNORD_Q)))
            for (size_t q = j; q < j + 4; q++)
                kr->cst[q] = d_constant(ctx, xs[q]);
    }
    for (; j < m; j++)
        kr->cst[j] = d_constant(ctx, xs[j]);
    return m;
}

__attribute__((target("avx2"))) static void block_avx2(crvm__p_alive_ctx *ctx, const double *x,
                                                       const double *tx, const double *T,
                                                       size_t len, double *out)
{
    kept_rows kr;
    int ok;
    size_t m = pack_rows_avx2(ctx, x, tx, T, len, out, &kr, 0, 0, &ok);
    if (m != 0)
        finish_rows(&kr, m, out, 1);
}

__attribute__((target("avx2"))) static int block_checked_avx2(crvm__p_alive_ctx *ctx,
                                                              const double *x, const double *tx,
                                                              const double *T, size_t len,
                                                              double *out, int stream)
{
    kept_rows kr;
    int ok;
    size_t m = stream ? pack_rows_avx2(ctx, x, tx, T, len, out, &kr, 1, 1, &ok)
                      : pack_rows_avx2(ctx, x, tx, T, len, out, &kr, 1, 0, &ok);
    if (m != 0)
        finish_rows(&kr, m, out, 1);
    return ok;
}
#endif

void crvm__bgnbd_p_alive_block_base(crvm__p_alive_ctx *ctx, const double *x, const double *tx,
                                    const double *T, size_t len, double *out)
{
    kept_rows kr;
    size_t m = pack_rows(ctx, x, tx, T, len, out, &kr);
    if (m != 0)
        finish_rows(&kr, m, out, 0);
}

void crvm__bgnbd_p_alive_block(crvm__p_alive_ctx *ctx, const double *x, const double *tx,
                               const double *T, size_t len, double *out)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx2")) {
        block_avx2(ctx, x, tx, T, len, out);
        return;
    }
#endif
    crvm__bgnbd_p_alive_block_base(ctx, x, tx, T, len, out);
}

int crvm__bgnbd_p_alive_rows(const double *p, const double *x, const double *tx, const double *T,
                             size_t n, int modified, double *out)
{
    crvm__p_alive_ctx ctx;
    if (!crvm__bgnbd_p_alive_init(&ctx, p, modified))
        return 0;
    for (size_t i0 = 0; i0 < n; i0 += CRVM__VBLOCK) {
        size_t len = n - i0 < CRVM__VBLOCK ? n - i0 : CRVM__VBLOCK;
        crvm__bgnbd_p_alive_block(&ctx, x + i0, tx + i0, T + i0, len, out + i0);
    }
    return 1;
}

int crvm__bgnbd_p_alive_block_checked_base(crvm__p_alive_ctx *ctx, const double *x,
                                           const double *tx, const double *T, size_t len,
                                           double *out)
{
    if (!crvm__txn_columns_ok(x, tx, T, len, NULL, NULL))
        return 0;
    crvm__bgnbd_p_alive_block_base(ctx, x, tx, T, len, out);
    return 1;
}

int crvm__bgnbd_p_alive_block_checked(crvm__p_alive_ctx *ctx, const double *x, const double *tx,
                                      const double *T, size_t len, double *out, int stream)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx2"))
        return block_checked_avx2(ctx, x, tx, T, len, out, stream);
#else
    (void)stream;
#endif
    return crvm__bgnbd_p_alive_block_checked_base(ctx, x, tx, T, len, out);
}
