/* BG/NBD and MBG/NBD conditional expectation for many rows at once: the
 * 2F1 closed form from per-x series tables (below), evaluated block by
 * block, alone (crvm__bgnbd_expected_rows) or fused with P(alive) and the
 * product of the two (crvm__bgnbd_conditional_rows), so that one pass over
 * the rows does the work of three. */
#include <math.h>
#include <string.h>

#include "math/vmath.h"
#include "transactions/txn_private.h"

/* G = E[Y(t) | x, t_x, T] / P(alive) = C/(a-1) [1 - (1-z)^k 2F1(k, B; C; z)]
 * (k = r + x, B = b + x [+ 1], C = a + B - 1, c = t / (alpha + T),
 * z = c / (1 + c)) depends on the row through x and c only. For whole
 * x < SERIES_X, crvm__bgnbd_cond_block builds on first use of each x one
 * of two tables of series coefficients that serve every row with that x:
 *
 * - c <= CSERIES_MAX: Pfaff's transformation (1-z)^k 2F1(k, B; C; z) =
 *   2F1(k, C-B; C; -c), with C - B = a - 1, turns G into the alternating
 *   power series G = k c sum_m f_m (-c)^m, f_0 = 1, f_{m+1} = f_m (k+m+1)
 *   (a+m) / ((C+m+1)(m+2)): no transcendental function, no division, and
 *   no 0/0 at a = 1. Its terms decrease from the first index where the
 *   ratio bound c (k+j+1)/(C+j+1) (a+j)/(j+2) (monotone factors) is below
 *   1, so the tail is below the first omitted term; the table stops where
 *   that is below 1e-17 of the sum's lower bound 1 / (1 + E[nu'] c) (see
 *   below) at the largest such c of the call (ccap). The rounding error is
 *   a few ulp of sum_m f_m c^m, so a table whose sum_m f_m ccap^m (1 +
 *   E[nu'] ccap) exceeds ALT_AMP is not used (those rows take the other
 *   route). A table in use is re-expanded about the middle of the call's
 *   range of c (shift_alt_series): over a narrow range a dozen terms.
 * - other rows with z <= ZSERIES_MAX: the Maclaurin coefficients c_n =
 *   prod_{j<n} (k+j)(B+j) / ((C+j)(j+1)) of the 2F1 itself, long enough for
 *   the largest such z of the call (zcap): all positive, so the tail after
 *   N terms is at most the tail at zcap, and the table stops at the first n
 *   where the tail bound of log_hyp2f1_positive at zcap (term_n R / (1 - R),
 *   R < 0.9) is below 1e-17. Then G needs a log, a log1p and an expm1, and
 *   the form is unusable near a = 1 (0/0), for C < 0.5 and where the
 *   bracket cancels below 1e-3.
 *
 * Rows the tables do not cover (x >= SERIES_X, z > ZSERIES_MAX, tables
 * longer than SERIES_TERMS) take the general closed form where its cost is
 * bounded (z <= 1/2 and k z <= 4000, or k and B below CLOSED_MAX); a value
 * outside the bounds of the exact value, or no usable form, leaves the row
 * NaN for the death-rate rule. */
#define SERIES_X CRVM__COND_SERIES_X
#define CLOSED_MAX 10000.0
#define CSERIES_MAX CRVM__COND_CSERIES_MAX
#define ZSERIES_MAX 0.75
#define ALT_AMP 8.0
#define SERIES_TERMS 320 /* a multiple of 4 */
#define SHIFTED_TERMS CRVM__COND_SHIFTED_TERMS /* bgnbd_cond_fast.c */

/* zero-pad a table of n terms to a multiple of 4 (eval_series) */
static void pad_series(double *c, int n)
{
    for (int m = n; m % 4 != 0; m++)
        c[m] = 0.0;
}

/* The bound on the ratio of the alternating series' terms from index m + 1
 * on, at c = ccap: c (k+j+1)/(C+j+1) (a+j)/(j+2) with each factor's
 * monotone part at j = m + 1 (or 1, the limit) */
static double alt_ratio_bound(double k, double a, double C, double mm, double ccap)
{
    double fk = (k + mm + 2.0) / (C + mm + 2.0), fa = (a + mm + 1.0) / (mm + 3.0);
    return ccap * (fk > 1.0 ? fk : 1.0) * (fa > 1.0 ? fa : 1.0);
}

/* The alternating series in c (see above) into f; returns its number of
 * terms, or -1 where it is unusable. */
static int build_alt_series(double k, double a, double C, double mean, double ccap, double *f)
{
    double fm = 1.0, cm = 1.0, sumabs = 0.0;
    double floor_sum = 1e-17 / (1.0 + mean * ccap);
    for (int m = 0; m < SERIES_TERMS; m++) {
        double mm = (double)m;
        f[m] = fm;
        sumabs += fm * cm;
        double ratio = (k + mm + 1.0) * (a + mm) / ((C + mm + 1.0) * (mm + 2.0));
        double next = fm * cm * ratio * ccap; /* term m + 1 at ccap */
        /* the ratio bound's two divisions only once the term is small */
        if (next <= floor_sum && alt_ratio_bound(k, a, C, mm, ccap) < 1.0) {
            if (sumabs * (1.0 + mean * ccap) > ALT_AMP)
                return -1;
            pad_series(f, m + 1);
            return m + 1;
        }
        fm *= ratio;
        cm *= ccap;
        if (!(fm * cm < 1e300))
            return -1;
    }
    return -1;
}

/* Re-expand a built alternating series about c0, the middle of the call's
 * range [c0 - hmax, c0 + hmax] of c: P(c) = sum_m f_m (-c)^m becomes
 * sum_j b_j (c - c0)^j (Taylor shift by repeated synthetic division, O(N^2)
 * once per x), then cut where the rest, sum_{j >= J} |b_j| hmax^j, is below
 * floor_sum (the build's bound on its own tail). The two are the same
 * polynomial; the rounding of b_0 = P(c0) is that of evaluating P directly,
 * and h^j shrinks the rest. Over a narrow range of c (the horizon over
 * ages that differ by months) a row then needs a few terms instead of
 * tens. */
static int shift_alt_series(double c0, double hmax, double floor_sum, int N, double *f)
{
    for (int m = 1; m < N; m += 2)
        f[m] = -f[m];
    for (int i = 0; i + 1 < N; i++)
        for (int j = N - 2; j >= i; j--)
            f[j] += c0 * f[j + 1];
    double tail = 0.0, hp = pow(hmax, N - 1);
    int J = N;
    for (int j = N - 1; j >= 1; j--) {
        tail += fabs(f[j]) * hp;
        if (tail > floor_sum)
            break;
        J = j;
        hp = hmax > 0.0 ? hp / hmax : 0.0;
    }
    /* short tables all get SHIFTED_TERMS (zero-padded): the same length
     * for every x keeps the evaluation free of unpredictable branches */
    if (J <= SHIFTED_TERMS) {
        for (int j = J; j < SHIFTED_TERMS; j++)
            f[j] = 0.0;
        J = SHIFTED_TERMS;
    }
    pad_series(f, J);
    return J;
}

/* The Maclaurin coefficients of the 2F1 (see above) into c; returns their
 * number, or -1. */
static int build_series(double k, double B, double C, double zcap, double *c)
{
    double cn = 1.0, zn = 1.0;
    for (int n = 0; n < SERIES_TERMS; n++) {
        double nn = (double)n;
        c[n] = cn;
        double term = cn * zn; /* term n at zcap */
        double fk = (k + nn) / (C + nn), fb = (B + nn) / (nn + 1.0);
        double R = zcap * (fk > 1.0 ? fk : 1.0) * (fb > 1.0 ? fb : 1.0);
        if (R < 0.9 && term * R / (1.0 - R) <= 1e-17) {
            pad_series(c, n + 1);
            return n + 1;
        }
        cn *= (k + nn) * (B + nn) / ((C + nn) * (nn + 1.0));
        zn *= zcap;
        if (!(cn * zn < 1e300))
            return -1;
    }
    return -1;
}

/* sum_{n<N} c[n] z^n in four interleaved Horner chains (in z^4), so that
 * the additions do not wait for each other; c is zero-padded to a multiple
 * of 4 terms (pad_series) */
static double eval_series(const double *c, int N, double z)
{
    double z2 = z * z, z4 = z2 * z2;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (int j = ((N + 3) / 4 - 1) * 4; j >= 0; j -= 4) {
        s0 = s0 * z4 + c[j];
        s1 = s1 * z4 + c[j + 1];
        s2 = s2 * z4 + c[j + 2];
        s3 = s3 * z4 + c[j + 3];
    }
    return s0 + z * (s1 + z * (s2 + z * s3));
}

typedef crvm__cond_zrows zrows;

/* G by the Maclaurin form for the packed rows, NaN where the bracket
 * cancels below 1e-3 */
static void finish_zrows(zrows *zr, double a, double *out)
{
    size_t m = zr->m;
    crvm__vlog(zr->F, zr->F, m);
    crvm__vlog1p(zr->c, zr->c, m);
    for (size_t j = 0; j < m; j++)
        zr->F[j] -= zr->k[j] * zr->c[j];
    crvm__vexpm1(zr->F, zr->F, m);
    for (size_t j = 0; j < m; j++) {
        double one_minus = -zr->F[j];
        out[zr->idx[j]] = fabs(one_minus) >= 1e-3 ? zr->C[j] / (a - 1.0) * one_minus : NAN;
    }
    zr->m = 0;
}

size_t crvm__bgnbd_cond_pool_len(void)
{
    return 2 * (size_t)SERIES_X * SERIES_TERMS;
}

void crvm__bgnbd_cond_init(crvm__cond_ctx *ctx, const double *p, double t, int modified,
                           double T_min, double T_max, double *pool)
{
    ctx->r = p[0];
    ctx->alpha = p[1];
    ctx->a = p[2];
    ctx->b = p[3];
    ctx->extra = modified ? 1.0 : 0.0;
    ctx->t = t;
    /* c = t / (alpha + T) falls as T grows, and so does its rounded value,
     * so the rows' c lie in [t / (alpha + T_max), t / (alpha + T_min)]:
     * the tables are built for that range, cut at their own limits (c <=
     * CSERIES_MAX, z <= ZSERIES_MAX, i.e. c <= ZC_MAX) */
    const double ZC_MAX = ZSERIES_MAX / (1.0 - ZSERIES_MAX);
    double cmin = t / (p[1] + T_max), cmax = t / (p[1] + T_min);
    double ccap = cmax < CSERIES_MAX ? cmax : CSERIES_MAX;
    double lo = cmin < CSERIES_MAX ? cmin : CSERIES_MAX;
    double zccap = cmax < ZC_MAX ? cmax : ZC_MAX;
    ctx->ccap = ccap;
    /* the alternating tables are re-expanded about the middle of their
     * range of c (shift_alt_series) */
    ctx->c0 = 0.5 * (lo + ccap);
    ctx->hmax = 0.5 * (ccap - lo);
    if (!(ctx->hmax >= 0.0))
        ctx->c0 = ctx->hmax = 0.0;
    ctx->zcap = zccap / (1.0 + zccap);
    for (int j = 0; j < SERIES_X; j++)
        ctx->alt[j].n = ctx->mac[j].n = 0;
    ctx->pool = pool;
    ctx->used = 0;
    ctx->pool_len = crvm__bgnbd_cond_pool_len();
    ctx->spill = NULL;
    ctx->spill_failed = 0;
    /* the fast path serves only rows with 0 < c <= CSERIES_MAX; where no
     * row can have that, it is not run and no table is built for it */
    ctx->use_fast = t > 0.0 && cmin <= CSERIES_MAX;
    ctx->fast_built = 0;
    ctx->fast_long = 0;
    for (int h = 0; h <= SERIES_X; h++)
        for (int j = 0; j < CRVM__COND_FAST_ROW; j++)
            ctx->fast[h][j] = NAN;
}

void crvm__bgnbd_cond_small_pool(crvm__cond_ctx *ctx, double *pool, size_t len)
{
    ctx->pool = pool;
    ctx->pool_len = len;
}

int crvm__bgnbd_cond_end(crvm__cond_ctx *ctx)
{
    crvm_txn_values_free(ctx->spill);
    ctx->spill = NULL;
    return !ctx->spill_failed;
}

/* Room for a table being built (up to SERIES_TERMS) at the top of the
 * pool: a small pool that is full gives way to the spill, whose size holds
 * every table of a call; 0 where that cannot be allocated. */
static int pool_room(crvm__cond_ctx *ctx)
{
    if (ctx->pool_len - ctx->used >= SERIES_TERMS)
        return 1;
    if (ctx->spill != NULL || ctx->spill_failed)
        return 0; /* not reached: the spill holds every table */
    ctx->spill = crvm__txn_values_new(crvm__bgnbd_cond_pool_len());
    if (ctx->spill == NULL) {
        ctx->spill_failed = 1;
        return 0;
    }
    ctx->pool = ctx->spill;
    ctx->pool_len = crvm__bgnbd_cond_pool_len();
    ctx->used = 0;
    return 1;
}

/* The alternating (maclaurin = 0) or Maclaurin (1) table of x = h, built
 * on first use at the top of the pool, which keeps only the terms the table
 * uses (of an alternating one, those the shift leaves). */
static const crvm__cond_table *build_table(crvm__cond_ctx *ctx, int h, int maclaurin)
{
    crvm__cond_table *tb = maclaurin ? &ctx->mac[h] : &ctx->alt[h];
    double k = ctx->r + h, B = ctx->b + h + ctx->extra, C = ctx->a + B - 1.0;
    tb->k = k;
    tb->mean = (k + 1.0) * (ctx->a / (ctx->a + B));
    if (!pool_room(ctx)) {
        tb->n = -1;
        return tb;
    }
    tb->c = ctx->pool + ctx->used;
    if (maclaurin) {
        tb->n = fabs(ctx->a - 1.0) < 0.05 || C < 0.5 ? -1 : build_series(k, B, C, ctx->zcap, tb->c);
    } else {
        tb->n = build_alt_series(k, ctx->a, C, tb->mean, ctx->ccap, tb->c);
        if (tb->n > 0)
            tb->n = shift_alt_series(ctx->c0, ctx->hmax, 1e-17 / (1.0 + tb->mean * ctx->ccap),
                                     tb->n, tb->c);
    }
    if (tb->n > 0)
        ctx->used += ((size_t)tb->n + 3) / 4 * 4;
    return tb;
}

/* the table, built on first use (called for every row: the built case
 * inline) */
static inline const crvm__cond_table *table_of(crvm__cond_ctx *ctx, int h, int maclaurin)
{
    const crvm__cond_table *tb = maclaurin ? &ctx->mac[h] : &ctx->alt[h];
    return tb->n != 0 ? tb : build_table(ctx, h, maclaurin);
}

/* the bounds of step 3 (below), divided by k c */
static int alt_in_bounds(const crvm__cond_table *tb, double c, double sum)
{
    return sum <= 1.0 + 1e-12 && sum * (1.0 + tb->mean * c) >= 1.0 - 1e-12;
}

/* Fill row h of ctx->fast from x = h's alternating table, building it */
static void fill_fast_row(crvm__cond_ctx *ctx, int h)
{
    const crvm__cond_table *tb = table_of(ctx, h, 0);
    if (tb->n == SHIFTED_TERMS)
        crvm__bgnbd_cond_fast_row(ctx, h, tb->c, tb->n, tb->k, tb->mean);
    ctx->fast_built |= 1ull << h;
}

/* G of the listed rows of a block (those the fast path left NaN; cb[i]:
 * row i's c), NaN where uncertified:
 * 1: a long alternating table (a short one has served the row in the fast
 * path, or its value failed the bounds: step 3), its value checked
 * against the bounds of step 3 at once; else pack the Maclaurin rows; the
 * rest (and the Maclaurin rows, for their bounds) go to step 3 */
static void general_rows(crvm__cond_ctx *ctx, const double *x, const double *cb,
                         const size_t *list, size_t nlist, double *out)
{
    double a = ctx->a, b = ctx->b, c0 = ctx->c0;
    size_t rest[CRVM__VBLOCK], nrest = 0;
    zrows *zr = &ctx->zr;
    zr->m = 0;
    for (size_t l = 0; l < nlist; l++) {
        size_t i = list[l];
        double xi = x[i], c = cb[i];
        out[i] = NAN;
        if (xi < SERIES_X && c > 0.0) {
            int h = (int)xi;
            if (c <= CSERIES_MAX) {
                const crvm__cond_table *tb = table_of(ctx, h, 0);
                if (tb->n == SHIFTED_TERMS) {
                    rest[nrest++] = i;
                    continue;
                }
                if (tb->n > 0) {
                    double sum = eval_series(tb->c, tb->n, c - c0);
                    if (alt_in_bounds(tb, c, sum))
                        out[i] = tb->k * c * sum;
                    else
                        rest[nrest++] = i;
                    continue;
                }
            }
            double z = c / (1.0 + c);
            if (z <= ZSERIES_MAX) {
                const crvm__cond_table *tb = table_of(ctx, h, 1);
                if (tb->n > 0) {
                    size_t j = zr->m++;
                    zr->idx[j] = i;
                    zr->F[j] = eval_series(tb->c, tb->n, z);
                    zr->c[j] = c;
                    zr->k[j] = tb->k;
                    zr->C[j] = a + (b + xi + ctx->extra) - 1.0;
                }
            }
        }
        rest[nrest++] = i;
    }
    /* 2: the transcendental functions of the Maclaurin rows */
    finish_zrows(zr, a, out);
    /* 3: the general closed form, then the bounds, for the other rows */
    for (size_t j = 0; j < nrest; j++) {
        size_t i = rest[j];
        double xi = x[i], c = cb[i], z = c / (1.0 + c);
        double k = ctx->r + xi, B = b + xi + ctx->extra;
        double e = out[i];
        /* The closed form costs a series of about k z terms for z <= 1/2
         * (at most 5000, then the general routine); beyond 1/2 the general
         * 2F1 continues analytically, up to ~0.2 ms for shapes below
         * CLOSED_MAX and milliseconds above, where the rule is cheaper. */
        if (isnan(e) && ((z <= 0.5 && k * z <= 4000.0) || (k <= CLOSED_MAX && B <= CLOSED_MAX)))
            e = crvm__beta_expect_g(a, B, k, c, 1);
        /* G = k c E[phi(nu' c)] (death_rule.c) lies in [k c / (1 + E[nu']
         * c), k c]: a form that cancelled (b in the millions, say) lands
         * outside and the row goes to the rule */
        double kc = k * c, mean = (k + 1.0) * (a / (a + B));
        if (!(e <= kc * (1.0 + 1e-12) && e * (1.0 + mean * c) >= kc * (1.0 - 1e-12)))
            e = NAN;
        out[i] = e;
    }
}

/* Rows whose x had no table when the fast path ran (most rows of the
 * first block, then a rare x now and then): their tables are built and the
 * fast path runs again, over the block when many rows wait for it, else
 * row by row (at most SERIES_X tables a call, so at most SERIES_X reruns
 * of a block). Returns the number of rows still NaN. */
static size_t fast_new_tables(crvm__cond_ctx *ctx, const double *x, const double *T,
                              const double *pa, size_t len, double *out, size_t nbad)
{
    unsigned long long built = ctx->fast_built, need = 0;
    size_t waiting = 0;
    for (size_t i = 0; i < len; i++)
        if (isnan(out[i]) && x[i] < SERIES_X && !((built >> (int)x[i]) & 1)) {
            need |= 1ull << (int)x[i];
            waiting++;
        }
    if (waiting == 0)
        return nbad;
    for (int h = 0; h < SERIES_X; h++)
        if ((need >> h) & 1)
            fill_fast_row(ctx, h);
    if (waiting > len / 8)
        return crvm__bgnbd_cond_fast(ctx, x, T, pa, len, out);
    for (size_t i = 0; i < len; i++)
        if (isnan(out[i]) && x[i] < SERIES_X && !((built >> (int)x[i]) & 1))
            nbad -= 1 - crvm__bgnbd_cond_fast(ctx, x + i, T + i, pa ? pa + i : NULL, 1, out + i);
    return nbad;
}

/* The fast path's tables of every x whose bit is set in seen (P(alive)'s
 * per-x constants of the rows so far: every x < 64 of the rows but the
 * BG/NBD rows' x = 0) and of x = 0, before the fast path reaches their
 * rows: the rows of a new x then need no second run (fast_new_tables, a
 * scan of the block and the rows again: about 7% of the instructions of
 * a call of 10^4 rows). The same tables in any order, so the same bits. */
static void tables_of_seen(crvm__cond_ctx *ctx, uint64_t seen)
{
    uint64_t need = (seen | 1u) & ~(uint64_t)ctx->fast_built;
    for (int h = 0; need != 0; h++, need >>= 1)
        if (need & 1u)
            fill_fast_row(ctx, h);
}

/* G of a block into out (times pa[i] where pa is not NULL), NaN where
 * uncertified: the fast path, then the general one for the rows it left;
 * returns the number of NaN rows */
static size_t block_rows(crvm__cond_ctx *ctx, const double *x, const double *T,
                         const double *pa, size_t len, double *out)
{
    size_t nbad = len;
    if (ctx->use_fast) {
        nbad = crvm__bgnbd_cond_fast(ctx, x, T, pa, len, out);
        if (nbad != 0)
            nbad = fast_new_tables(ctx, x, T, pa, len, out, nbad);
    }
    if (nbad == 0)
        return 0;
    double cb[CRVM__VBLOCK];
    size_t list[CRVM__VBLOCK], m = 0;
    for (size_t i = 0; i < len; i++)
        if (!ctx->use_fast || isnan(out[i])) {
            cb[i] = ctx->t / (ctx->alpha + T[i]);
            list[m++] = i;
        }
    general_rows(ctx, x, cb, list, m, out);
    nbad = 0;
    for (size_t l = 0; l < m; l++) {
        if (pa != NULL)
            out[list[l]] *= pa[list[l]];
        nbad += (size_t)isnan(out[list[l]]);
    }
    return nbad;
}

void crvm__bgnbd_cond_block(crvm__cond_ctx *ctx, const double *x, const double *T, size_t len,
                            double *out)
{
    if (ctx->t == 0.0) {
        for (size_t i = 0; i < len; i++)
            out[i] = 0.0;
        return;
    }
    block_rows(ctx, x, T, NULL, len, out);
}

void crvm__bgnbd_expected_rows(crvm__cond_ctx *ctx, const double *x, const double *T, size_t n,
                               double *out)
{
    for (size_t i0 = 0; i0 < n; i0 += CRVM__VBLOCK) {
        size_t len = n - i0 < CRVM__VBLOCK ? n - i0 : CRVM__VBLOCK;
        crvm__bgnbd_cond_block(ctx, x + i0, T + i0, len, out + i0);
    }
}

void crvm__bgnbd_conditional_begin(crvm__cond_pass *cp, crvm__cond_ctx *ctx, int modified)
{
    cp->ctx = ctx;
    cp->modified = modified;
    cp->p[0] = ctx->r;
    cp->p[1] = ctx->alpha;
    cp->p[2] = ctx->a;
    cp->p[3] = ctx->b;
    cp->vector = crvm__bgnbd_p_alive_init(&cp->pc, cp->p, modified);
}

size_t crvm__bgnbd_conditional_block(crvm__cond_pass *cp, const double *x, const double *tx,
                                     const double *T, size_t i0, size_t len, double *out,
                                     size_t *rows)
{
    double pa[CRVM__VBLOCK];
    if (len == 0)
        return 0;
    if (cp->vector) {
        crvm__bgnbd_p_alive_block(&cp->pc, x + i0, tx + i0, T + i0, len, pa);
    } else {
        for (size_t j = 0; j < len; j++) {
            crvm__txn_row row = {x[i0 + j], tx[i0 + j], T[i0 + j], 1.0};
            pa[j] = crvm__bgnbd_p_alive(cp->p, &row, cp->modified);
        }
    }
    double *o = out + i0;
    if (cp->vector && cp->ctx->use_fast)
        tables_of_seen(cp->ctx, cp->pc.seen);
    if (cp->ctx->t == 0.0) {
        for (size_t j = 0; j < len; j++)
            o[j] = 0.0 * pa[j];
        return 0;
    }
    size_t m = 0;
    if (block_rows(cp->ctx, x + i0, T + i0, pa, len, o) != 0)
        for (size_t j = 0; j < len; j++)
            if (isnan(o[j])) {
                o[j] = pa[j];
                rows[m++] = i0 + j;
            }
    return m;
}

size_t crvm__bgnbd_conditional_rows(crvm__cond_ctx *ctx, int modified, const double *x,
                                    const double *tx, const double *T, size_t n, double *out,
                                    size_t *rows)
{
    crvm__cond_pass cp;
    crvm__bgnbd_conditional_begin(&cp, ctx, modified);
    size_t m = 0;
    for (size_t i0 = 0; i0 < n; i0 += CRVM__VBLOCK) {
        size_t len = n - i0 < CRVM__VBLOCK ? n - i0 : CRVM__VBLOCK;
        m += crvm__bgnbd_conditional_block(&cp, x, tx, T, i0, len, out, rows + m);
    }
    return m;
}
