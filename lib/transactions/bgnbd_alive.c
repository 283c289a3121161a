/* BG/NBD and MBG/NBD P(alive) for many rows at once (see txn_private.h):
 * 1 / (1 + exp(D)) with D = log(a / (b + x - 1)) + (r + x) log1p((T - t_x)
 * / (alpha + t_x)) (MBG/NBD: b + x), the scalar reference being
 * crvm__bgnbd_p_alive (bgnbd.c). Rows go in blocks of CRVM__VBLOCK through
 * the vector log1p and exp (math/vmath.h); the block's own loops are
 * compiled twice, for AVX2 where the processor has it (four lanes) and for
 * the SSE2 baseline (two), with the same operations in the same order, so
 * both give the same bits. */
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
    memset(ctx->have, 0, sizeof ctx->have);
    return 1;
}

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

/* log(a) - log(b + x - 1) (MBG/NBD: b + x), for whole x < 64 from the
 * context's table, filled on first use with the expression of bgnbd.c */
static inline ALWAYS_INLINE double d_constant(crvm__p_alive_ctx *ctx, double xi)
{
    if (xi < 64.0) {
        int h = (int)xi;
        if (!ctx->have[h]) {
            ctx->c0[h] = ctx->la - crvm__bgnbd_log_bx(ctx->b, xi, ctx->shift);
            ctx->have[h] = 1;
        }
        return ctx->c0[h];
    }
    return ctx->la - crvm__bgnbd_log_bx(ctx->b, xi, ctx->shift);
}

/* One block. Every row is 1 first (a loop the compiler vectorises); the
 * kept rows' indices are packed without a branch on x = 0, which real
 * data make unpredictable (m advances unless it is a BG/NBD row with x =
 * 0), and only then are their values read: a packing loop that stored
 * every row's values was bound by its stores (five a row), and the
 * division, in the loop that gathers the kept rows, by its latency; in a
 * loop of its own it goes four (AVX2) or two rows at a time. */
static inline ALWAYS_INLINE void block(crvm__p_alive_ctx *ctx, const double *x, const double *tx, const double *T, size_t len,
      double *out)
{
    double r = ctx->r, alpha = ctx->alpha;
    int modified = ctx->modified;
    size_t idx[CRVM__VBLOCK];
    double cst[CRVM__VBLOCK], k[CRVM__VBLOCK], v[CRVM__VBLOCK], w[CRVM__VBLOCK];
    size_t m = 0;
    for (size_t i = 0; i < len; i++)
        out[i] = 1.0;
    for (size_t i = 0; i < len; i++) {
        idx[m] = i;
        m += (size_t)(modified | (x[i] != 0.0));
    }
    if (m == 0)
        return;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx[j];
        double xi = x[i];
        v[j] = T[i] - tx[i];
        w[j] = alpha + tx[i];
        cst[j] = d_constant(ctx, xi);
        k[j] = r + xi;
    }
    for (size_t j = 0; j < m; j++)
        v[j] /= w[j];
    crvm__vlog1p(v, v, m);
    for (size_t j = 0; j < m; j++) {
        double D = cst[j] + k[j] * v[j];
        k[j] = D;
        v[j] = -fabs(D);
    }
    crvm__vexp(v, v, m);
    /* 1 / (1 + exp(D)) as in crvm__bgnbd_p_alive, without a branch on the
     * sign of D (which real data make unpredictable): numerator e^-|D|
     * where D > 0, else 1, picked by a mask (GCC's -O3 turns a scalar
     * select here into a branch: +35% time at 10^6 rows) */
    size_t j = 0;
#if defined(__GNUC__) || defined(__clang__)
    typedef double v2d __attribute__((vector_size(16)));
    typedef long long v2l __attribute__((vector_size(16)));
    const v2d zero = {0.0, 0.0}, one = {1.0, 1.0};
    for (; j + 2 <= m; j += 2) {
        v2d D, e;
        memcpy(&D, k + j, sizeof D);
        memcpy(&e, v + j, sizeof e);
        v2l pos = D > zero;
        v2d num = (v2d)(((v2l)e & pos) | ((v2l)one & ~pos));
        v2d pa = num / (one + e);
        out[idx[j]] = pa[0];
        out[idx[j + 1]] = pa[1];
    }
#endif
    for (; j < m; j++)
        out[idx[j]] = (k[j] > 0 ? v[j] : 1.0) / (1.0 + v[j]);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) static void block_avx2(crvm__p_alive_ctx *ctx, const double *x,
                                                       const double *tx, const double *T,
                                                       size_t len, double *out)
{
    block(ctx, x, tx, T, len, out);
}
#endif

static void block_base(crvm__p_alive_ctx *ctx, const double *x, const double *tx,
                       const double *T, size_t len, double *out)
{
    block(ctx, x, tx, T, len, out);
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
    block_base(ctx, x, tx, T, len, out);
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
