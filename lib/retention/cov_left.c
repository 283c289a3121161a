/* The left tables of the prediction engine (cov_engine.h), and a query's
 * sum over its nodes below a table's cut (cov_query.h): DERL-only queries'
 * tables first, full queries' at the end.
 *
 * Below the posterior's mode a DERL-only query used to sum its nodes down to
 * the series cut kappa_s = 0.01 / rho (cov_tail.c; rho ~ 300 in bench_value's
 * business: 30-40 nodes, 4-5 chunks), because C_{n+1} varies there on every
 * scale from 1 / rho up. Yet the only factors of a node's term that depend on
 * the query are e^(-z kappa) (z = x + e1) and 1 / B(alpha, x), so with
 *     T_m = sum over every node k <= k_L of e^(phi_k - alpha t_L) (kappa_k / kappa_L)^m f_k,
 * independent of the query, the sum below a cut k_L is, term by term,
 *     sum_{k <= k_L} e^(phi_k - z kappa_k - ln B) f_k
 *         = e^(alpha t_L - ln B) sum_{m >= 0} (-z kappa_L)^m / m! T_m.
 *
 * Bound: with f >= 0 at every node (checked when the table is built; C ln
 * theta <= 0 likewise), 0 <= T_m <= T_0, and the sum is at least e^(-z
 * kappa_L) T_0; for z kappa_L <= Q the series stopped after M terms is
 * within T_0 Q^M / M! e^Q, i.e. e^(2Q) Q^M / M! of the sum: at Q = 2, 9.1e-18
 * for the values (M = LEFT_MV = 26) and 2.2e-12 for the partial sums and the
 * alternating ones (M = LEFT_MP = 21: a partial needs ~1e-8, the error
 * estimate a few digits), the alternating tables being bounded by the same
 * T_0. Rounding: the terms add up to at most e^Q T_0 and each coefficient
 * carries a few ulps, so the query adds LEFT_ROUNDING of the sum to its
 * weights' rounding (cov_query.c).
 *
 * T_m itself: the nodes k_s < k <= k_L directly, and every node k <= k_s (to
 * minus infinity) by the product of the fields' and the weight's series in
 * kappa, exact to 1.2e-16 there (k_s the DERL's series cut at z = 0, rho
 * kappa_s <= 0.01: cov_tail.c's bound with two series; k_s = k_L where that
 * is further left), each power summed
 * over the grid as a geometric series:
 *     sum_{k<=k_s} kappa_k^lambda = kappa_s^lambda / (1 - q),
 *     sum_{k<=k_s} t_k kappa_k^lambda = kappa_s^lambda (t_s / (1 - q) - h q / (1 - q)^2),
 *     sum_{k<=k_s} (-1)^k kappa_k^lambda = (-1)^k_s kappa_s^lambda / (1 + q),
 * q = e^(-lambda h).
 *
 * The cut: a query's nodes run from k_L up, so the closer kappa_L is to Q / z
 * the fewer. The engine does not know the queries' z = beta + Lambda + e1,
 * but a row's concentrate about the future assumption's, z_n = beta + E (n +
 * 1)^c (bench_value at 10^5: the 90th percentile at 1.15 z_n, the largest
 * 3 z_n): k_L is the last node with kappa <= Q / (SPAN z_n). A query with z
 * kappa_L > Q walks down to the series cut as before. Cost: LEFT_STRIDE
 * doubles a row (1 424 bytes: C's moments 1..MP are there twice, so that a
 * query's eight sums of its first MP terms are two vectors of four, or
 * four of two, a term; each sum still adds its terms in the order of m, so
 * the answers are those of eight separate dot products).
 *
 * Full queries (value, DERL over H, lifetime, at risk with partials) have
 * tables of their own, the same moments of every field they sum, below a
 * cut kappa_F for their z = x + F (F = F_H; the row's typical z_n = beta +
 * E P_{n+H}; the series cut of every field's growth rate rho): 5 696 bytes
 * a row. Their at-risk sums in w (1 - u^F) take the series of e^(-x kappa)
 * - e^(-(x + F) kappa), whose bound is proved at add_left_full. */
#include <math.h>
#include <string.h>

#include "retention/cov_query.h"

#define MV CRVM__LEFT_MV
#define MP CRVM__LEFT_MP
#define N CRVM__TAIL_N
/* Queries up to SPAN times a row's typical z use its table. */
#define SPAN 1.5

_Static_assert(MP <= MV - 1, "kappa C's partial sums read the value table shifted by one");

/* A row's moments while they are built, a field at a time (then interleaved
 * into the table's layout, cov_engine.h). */
enum {
    B_C = 0,          /* MV */
    B_G1 = B_C + MV,  /* MV */
    B_CA = B_G1 + MV, /* MP each from here */
    B_GA = B_CA + MP,
    B_CT = B_GA + MP,
    B_CC = B_CT + MP,
    B_CE = B_CC + MP,
    B_LEN = B_CE + MP
};

/* ---- building ------------------------------------------------------------------------ */

/* The grid's geometric sums of kappa^lambda, lambda = alpha + s (s < N + MV,
 * q = e^(-lambda h)): 1 / (1 - q), h q / (1 - q)^2 and 1 / (1 + q). */
typedef struct geometric {
    double g1[N + MV], gt[N + MV], ga[N + MV];
} geometric;

static void geometric_init(const crvm__rcov_gtab *gt, geometric *g)
{
    for (int s = 0; s < N + MV; s++) {
        double lambda = gt->alpha + s, q = exp(-lambda * gt->h), omq = -expm1(-lambda * gt->h);
        g->g1[s] = 1 / omq;
        g->gt[s] = gt->h * q / (omq * omq);
        g->ga[s] = 1 / (1 + q);
    }
}

/* The sums over k <= ks of a field whose series times the weight's is conv
 * (and, times ln theta's, convt) as T_m of a cut at t_L, rel[m] = (kappa_s /
 * kappa_L)^(alpha + m): plain (m < MV), alternating and times ln theta (m <
 * MP; not written where NULL). */
static void series_part(const crvm__rcov_gtab *gt, long ks, const geometric *g,
                        const double rel[MV], const double conv[N + 1], const double convt[N + 1],
                        double *plain, double *alt, double *logt)
{
    double ts_ = gt->t_lo + (double)ks * gt->h, sgn = (ks & 1) ? -1.0 : 1.0;
    double kp[N + 1];
    kp[0] = 1;
    for (int p = 1; p <= N; p++)
        kp[p] = kp[p - 1] * gt->kappa[ks];
    for (int m = 0; m < MV; m++) {
        double s = 0, sa = 0, st = 0;
        for (int p = 0; p <= N; p++) {
            double b = kp[p] * rel[m];
            s += conv[p] * b * g->g1[p + m];
            sa += conv[p] * b * g->ga[p + m];
            st += (conv[p] * (ts_ * g->g1[p + m] - g->gt[p + m]) + convt[p] * g->g1[p + m]) * b;
        }
        plain[m] = s;
        if (m < MP) {
            if (alt)
                alt[m] = sgn * sa;
            if (logt)
                logt[m] = st;
        }
    }
}

/* c * w truncated at order N (c of SERIES_LEN coefficients, w of N + 1). */
static void convolve(const double *c, const double *w, double out[N + 1])
{
    for (int p = 0; p <= N; p++) {
        double s = 0;
        for (int j = 0; j <= p && j < CRVM__SERIES_LEN; j++)
            s += c[j] * w[p - j];
        out[p] = s;
    }
}

/* Field f's moments of row n at the cut kl: plain (m < MV), alternating and
 * times ln theta (m < MP; not written where NULL), the nodes k <= ks by the
 * series (rel as in series_part), the nodes ks < k <= kl directly. */
static void field_moments(const crvm__rcov_gtab *gt, int n, int f, long ks, long kl,
                          const geometric *g, const double rel[MV], const double ts[N + 1],
                          const double tl[N + 1], double plain[MV], double *alt, double *logt)
{
    const double *ser = crvm__rcov_series(gt, n) + (size_t)f * CRVM__SERIES_LEN;
    double conv[N + 1], convt[N + 1];
    convolve(ser, ts, conv);
    convolve(ser, tl, convt);
    series_part(gt, ks, g, rel, conv, convt, plain, alt, logt);
    const double *F = crvm__rcov_fields(gt, n) + (size_t)f * gt->stride;
    double tL = gt->t_lo + (double)kl * gt->h;
    for (long k = ks + 1; k <= kl; k++) {
        double pw = exp(gt->phi[k] - gt->alpha * tL), r = exp((double)(k - kl) * gt->h);
        double sgn = (k & 1) ? -1.0 : 1.0;
        for (int m = 0; m < MV; m++) {
            plain[m] += pw * F[k];
            if (m < MP) {
                if (alt)
                    alt[m] += sgn * pw * F[k];
                if (logt)
                    logt[m] += pw * F[k] * gt->lth[k];
            }
            pw *= r;
        }
    }
}

/* The cuts of a row's table for z = zn: the node kl of kappa <= Q / (SPAN
 * z_n) and the series cut ks <= kl of the growth rate rho (0: none). The
 * series hold at every cut left of k_s: where the table's cut is (z_n >>
 * rho), they give the whole table. */
static int cuts(const crvm__rcov_gtab *gt, double rho, double zn, long *ks, long *kl)
{
    if (!isfinite(rho))
        return 0;
    double ks_d = floor((log(CRVM__TAIL_Q / fmax(rho, gt->rho_theta)) - gt->t_lo) / gt->h);
    double kl_d = floor((log(CRVM__LEFT_Q / (SPAN * zn)) - gt->t_lo) / gt->h);
    ks_d = fmin(ks_d, kl_d);
    if (!(ks_d >= 0 && kl_d <= (double)gt->K - 2))
        return 0;
    *ks = (long)ks_d;
    *kl = (long)kl_d;
    return 1;
}

/* Whether every field in fs[] is >= 0 at every node k <= kl, as the bound
 * needs (below node 0 the series' leading terms rule, as at node 0). */
static int one_signed(const crvm__rcov_gtab *gt, int n, const int *fs, int count, long kl)
{
    const double *f = crvm__rcov_fields(gt, n);
    for (int i = 0; i < count; i++)
        for (long k = 0; k <= kl; k++)
            if (!(f[(size_t)fs[i] * gt->stride + (size_t)k] >= 0))
                return 0;
    return 1;
}

/* (kappa_s / kappa_L)^(alpha + m). */
static void ratios(const crvm__rcov_gtab *gt, long ks, long kl, double rel[MV])
{
    for (int m = 0; m < MV; m++)
        rel[m] = exp((gt->alpha + m) * (double)(ks - kl) * gt->h);
}

/* Row n's cut node (-1: no table) and, if there is one, its moments T
 * (B_LEN, a field at a time). */
static long row_moments(const crvm__rcov_engine *e, const crvm__rcov_gtab *gt, int n,
                        const double ts[N + 1], const double tl[N + 1], const geometric *g,
                        double *T)
{
    long ks, kl;
    if (!cuts(gt, gt->rho_derl[n], gt->beta + gt->E * e->P[n + 1], &ks, &kl))
        return -1;
    static const int signed_fields[4] = {CRVM__F_C, CRVM__F_G1, CRVM__F_CC, CRVM__F_CE};
    if (!one_signed(gt, n, signed_fields, 4, kl))
        return -1;
    double rel[MV], tmp[MV];
    ratios(gt, ks, kl, rel);
    field_moments(gt, n, CRVM__F_C, ks, kl, g, rel, ts, tl, T + B_C, T + B_CA, T + B_CT);
    field_moments(gt, n, CRVM__F_G1, ks, kl, g, rel, ts, tl, T + B_G1, T + B_GA, NULL);
    field_moments(gt, n, CRVM__F_CC, ks, kl, g, rel, ts, tl, tmp, NULL, NULL);
    memcpy(T + B_CC, tmp, MP * sizeof *tmp);
    field_moments(gt, n, CRVM__F_CE, ks, kl, g, rel, ts, tl, tmp, NULL, NULL);
    memcpy(T + B_CE, tmp, MP * sizeof *tmp);
    return kl;
}

/* Row n's full cut node (-1: no table) and, if there is one, its table T
 * (FULL_STRIDE, cov_engine.h): every field a full query sums, at the cut of
 * z_n = beta + E P_{n+H} (the typical x + F) and the series cut of every
 * field's growth rate. */
static long row_full(const crvm__rcov_engine *e, const crvm__rcov_gtab *gt, int n,
                     const double ts[N + 1], const double tl[N + 1], const geometric *g,
                     double *T)
{
    long ks, kl;
    if (!cuts(gt, gt->rho[n], gt->beta + gt->E * e->P[n + (size_t)e->H], &ks, &kl))
        return -1;
    static const int signed_fields[15] = {
        CRVM__F_C, CRVM__F_CC, CRVM__F_CE, CRVM__F_W, CRVM__F_WC, CRVM__F_WE, CRVM__F_L,
        CRVM__F_LC, CRVM__F_LE, CRVM__F_G, CRVM__F_GC, CRVM__F_GE, CRVM__F_G1, CRVM__F_W1,
        CRVM__F_L1};
    if (!one_signed(gt, n, signed_fields, 15, kl))
        return -1;
    double rel[MV];
    ratios(gt, ks, kl, rel);
    static const int comp[3] = {CRVM__F_C, CRVM__F_W, CRVM__F_L};
    static const int func[3] = {CRVM__F_G1, CRVM__F_W1, CRVM__F_L1};
    /* Moments a field at a time: [0] plain, [1] alternating, [2] ln theta. */
    double c[3][3][MV], fn[3][2][MV], dc[3][2][MV], b[3][MV], bd[2][MV];
    for (int v = 0; v < 3; v++) {
        field_moments(gt, n, comp[v], ks, kl, g, rel, ts, tl, c[v][0], c[v][1], c[v][2]);
        field_moments(gt, n, func[v], ks, kl, g, rel, ts, tl, fn[v][0], fn[v][1], NULL);
        for (int j = 0; j < 2; j++)
            field_moments(gt, n, comp[v] + 1 + j, ks, kl, g, rel, ts, tl, dc[v][j], NULL, NULL);
    }
    field_moments(gt, n, CRVM__F_G, ks, kl, g, rel, ts, tl, b[0], b[1], b[2]);
    field_moments(gt, n, CRVM__F_GC, ks, kl, g, rel, ts, tl, bd[0], NULL, NULL);
    field_moments(gt, n, CRVM__F_GE, ks, kl, g, rel, ts, tl, bd[1], NULL, NULL);
    for (int m = 0; m < MP; m++) {
        double *r = T + (size_t)m * CRVM__FULL_WIDE;
        for (int v = 0; v < 3; v++) {
            r[CRVM__FL_C + v] = c[v][0][m];
            r[CRVM__FL_G1 + v] = fn[v][0][m];
            r[CRVM__FL_CA + v] = c[v][1][m];
            r[CRVM__FL_GA + v] = fn[v][1][m];
            r[CRVM__FL_CT + v] = c[v][2][m];
            r[CRVM__FL_CC + 2 * v] = dc[v][0][m];
            r[CRVM__FL_CC + 2 * v + 1] = dc[v][1][m];
            r[CRVM__FL_CK + v] = c[v][0][m + 1];
        }
        r[CRVM__FL_B] = b[0][m];
        r[CRVM__FL_BA] = b[1][m];
        r[CRVM__FL_BT] = b[2][m];
        r[CRVM__FL_BC] = bd[0][m];
        r[CRVM__FL_BE] = bd[1][m];
        r[CRVM__FL_BK] = r[CRVM__FL_BP] = b[0][m + 1];
        r[CRVM__FL_ZERO] = 0.0;
    }
    for (int m = MP; m < MV; m++) {
        double *r = T + CRVM__FULL_WIDE * MP + (size_t)(m - MP) * CRVM__FULL_REST;
        for (int v = 0; v < 3; v++) {
            r[v] = c[v][0][m];
            r[3 + v] = fn[v][0][m];
        }
        r[6] = b[0][m];
        r[7] = 0.0;
    }
    return kl;
}

/* The moments B of a row in the table's layout (cov_engine.h). */
static void interleave(const double *B, double *T)
{
    static const int from[CRVM__LEFT_WIDE] = {B_C, B_G1, B_CA, B_GA, B_CT, B_CC, B_CE, B_C + 1};
    for (int m = 0; m < MP; m++)
        for (int f = 0; f < CRVM__LEFT_WIDE; f++)
            T[CRVM__LEFT_WIDE * m + f] = B[from[f] + m];
    for (int m = MP; m < MV; m++) {
        T[CRVM__LEFT_WIDE * MP + 2 * (m - MP)] = B[B_C + m];
        T[CRVM__LEFT_WIDE * MP + 2 * (m - MP) + 1] = B[B_G1 + m];
    }
}

void crvm__rcov_left_tables(const crvm__rcov_engine *e, crvm__rcov_gtab *gt)
{
    if (!gt->left) {
        for (int n = 0; n <= e->max_n; n++)
            gt->left_k[n] = gt->full_k[n] = -1.0;
        return;
    }
    double ls[N + 2], ts[N + 2], tl[N + 1];
    crvm__rcov_theta_series(gt->alpha, ls, ts, tl);
    geometric g;
    geometric_init(gt, &g);
    for (int n = 0; n <= e->max_n; n++) {
        double B[B_LEN];
        long kl = row_moments(e, gt, n, ts, tl, &g, B);
        gt->left_k[n] = (double)kl;
        if (kl >= 0)
            interleave(B, gt->left + (size_t)n * CRVM__LEFT_STRIDE);
        gt->full_k[n] =
            (double)row_full(e, gt, n, ts, tl, &g, gt->left_full + (size_t)n * CRVM__FULL_STRIDE);
    }
}

/* ---- a query ------------------------------------------------------------------------- */

_Static_assert(MV == 26, "inverse_pair[] lists 1 / (m (m - 1)) for m < MV");
/* 1 / (m (m - 1)) for 2 <= m < MV. */
static const double inverse_pair[MV] = {0, 0, 1.0 / 2, 1.0 / 6, 1.0 / 12, 1.0 / 20, 1.0 / 30,
                                        1.0 / 42, 1.0 / 56, 1.0 / 72, 1.0 / 90, 1.0 / 110,
                                        1.0 / 132, 1.0 / 156, 1.0 / 182, 1.0 / 210, 1.0 / 240,
                                        1.0 / 272, 1.0 / 306, 1.0 / 342, 1.0 / 380, 1.0 / 420,
                                        1.0 / 462, 1.0 / 506, 1.0 / 552, 1.0 / 600};

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE __attribute__((always_inline))
typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));

/* acc[f] = sum over m < MP of em[m] T[WIDE m + f], elementwise in the order
 * of m, in vectors of type V of L lanes. */
#define WIDE_SUMS(V, L)                                                                        \
    do {                                                                                       \
        V v_[CRVM__LEFT_WIDE / (L)];                                                           \
        memset(v_, 0, sizeof v_);                                                              \
        for (int m = 0; m < MP; m++)                                                           \
            for (int j = 0; j < CRVM__LEFT_WIDE / (L); j++) {                                  \
                V t_;                                                                          \
                memcpy(&t_, T + CRVM__LEFT_WIDE * m + (L) * j, sizeof t_);                     \
                v_[j] += em[m] * t_;                                                           \
            }                                                                                  \
        memcpy(acc, v_, sizeof v_);                                                            \
    } while (0)

/* Two vectors of four for AVX2 (wide4), else four of two (SSE2: GCC splits a
 * vector of four without AVX through memory). */
static inline ALWAYS_INLINE void wide_sums(const double *restrict em, const double *restrict T,
                                           double acc[CRVM__LEFT_WIDE], int wide4)
{
    if (wide4)
        WIDE_SUMS(v4d, 4);
    else
        WIDE_SUMS(v2d, 2);
}
#else
#define ALWAYS_INLINE
static void wide_sums(const double *em, const double *T, double acc[CRVM__LEFT_WIDE], int wide4)
{
    (void)wide4;
    for (int f = 0; f < CRVM__LEFT_WIDE; f++)
        acc[f] = 0;
    for (int m = 0; m < MP; m++)
        for (int f = 0; f < CRVM__LEFT_WIDE; f++)
            acc[f] += em[m] * T[CRVM__LEFT_WIDE * m + f];
}
#endif

_Static_assert(CRVM__LEFT_WIDE == 8, "wide_sums: two vectors of four or four of two");

/* e^v, the answer for the last v kept per thread: a DERL-only query's first
 * coefficient is a function of (group, n, x) alone, and the walks ask a
 * period's counterfactuals right after its actual query, the same x with
 * another e1 (half of bench_value's DERL-only queries at 10^5). */
static double exp_reused(double v)
{
    static _Thread_local double last_v = NAN, last_exp;
    if (!(v == last_v)) {
        last_exp = exp(v);
        last_v = v;
    }
    return last_exp;
}

static inline ALWAYS_INLINE void add_left(crvm__rcov_qctx *qc, long kc, int wide4)
{
    const crvm__rcov_gtab *gt = qc->gt;
    const double *T = qc->left;
    double y = -(qc->x + qc->e1) * gt->kappa[kc], em[MV];
    em[0] = exp_reused(gt->alpha * (gt->t_lo + (double)kc * gt->h) - qc->lnB);
    em[1] = em[0] * y;
    /* em[m] = em[m - 2] y^2 / (m (m - 1)): two chains of 12 dependent
     * products, whose latency the sums wait for, instead of one of 50;
     * em[m] carries ~1.3 m roundings (~2.5 m in the single chain), within
     * the 4 (MV + 2) eps a term that LEFT_ROUNDING allows. */
    double y2 = y * y;
    for (int m = 2; m < MV; m++)
        em[m] = em[m - 2] * (y2 * inverse_pair[m]);
    /* Eight dot products side by side, each in the order of m. */
    double acc[CRVM__LEFT_WIDE];
    wide_sums(em, T, acc, wide4);
    const double *rest = T + CRVM__LEFT_WIDE * MP;
    for (int m = MP; m < MV; m++) {
        acc[CRVM__L_C] += em[m] * rest[2 * (m - MP)];
        acc[CRVM__L_G1] += em[m] * rest[2 * (m - MP) + 1];
    }
    crvm__rcov_sums *s = &qc->s;
    crvm__lanes_add(s->v[CRVM__S_C], acc[CRVM__L_C], acc[CRVM__L_CA]);
    crvm__lanes_add(s->v[CRVM__S_G1], acc[CRVM__L_G1], acc[CRVM__L_GA]);
    s->p[CRVM__P_CT][0] += acc[CRVM__L_CT];
    s->p[CRVM__P_CK][0] += gt->kappa[kc] * acc[CRVM__L_CK];
    s->p[CRVM__P_CC][0] += acc[CRVM__L_CC];
    s->p[CRVM__P_CE][0] += acc[CRVM__L_CE];
}

/* ---- a full query ---------------------------------------------------------------------- */

#define FW CRVM__FULL_WIDE
#define FR CRVM__FULL_REST

/* 1 / m for 1 <= m < MV. */
static const double inverse[MV] = {0, 1.0, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6, 1.0 / 7,
                                   1.0 / 8, 1.0 / 9, 1.0 / 10, 1.0 / 11, 1.0 / 12, 1.0 / 13,
                                   1.0 / 14, 1.0 / 15, 1.0 / 16, 1.0 / 17, 1.0 / 18, 1.0 / 19,
                                   1.0 / 20, 1.0 / 21, 1.0 / 22, 1.0 / 23, 1.0 / 24, 1.0 / 25};

#if defined(__GNUC__) || defined(__clang__)
/* acc[f] += sum over m of the table's column f times its coefficient, in
 * the order of m, vectors of type V of L lanes: the columns before
 * FL_B take em[m], those from FL_B dm[m] but FL_BP (ep[m]) and FL_ZERO (0);
 * for m >= MP the first six em[m], then dm[m] and 0. */
#define FULL_SUMS(V, L)                                                                        \
    do {                                                                                       \
        V v_[FW / (L)], r_[FR / (L)];                                                          \
        memset(v_, 0, sizeof v_);                                                              \
        memset(r_, 0, sizeof r_);                                                              \
        for (int m = 0; m < MP; m++) {                                                         \
            V t_, c_ = (V){0} + dm[m];                                                         \
            for (int j = 0; j < CRVM__FL_B / (L); j++) {                                       \
                memcpy(&t_, T + FW * m + (L) * j, sizeof t_);                                  \
                v_[j] += em[m] * t_;                                                           \
            }                                                                                  \
            for (int j = CRVM__FL_B / (L); j < FW / (L) - 1; j++) {                            \
                memcpy(&t_, T + FW * m + (L) * j, sizeof t_);                                  \
                v_[j] += c_ * t_;                                                              \
            }                                                                                  \
            c_[(L) - 2] = ep[m];                                                               \
            c_[(L) - 1] = 0.0;                                                                 \
            memcpy(&t_, T + FW * m + FW - (L), sizeof t_);                                     \
            v_[FW / (L) - 1] += c_ * t_;                                                       \
        }                                                                                      \
        for (int m = MP; m < MV; m++) {                                                        \
            const double *row_ = T + FW * MP + FR * (m - MP);                                  \
            V t_, c_ = (V){0} + em[m];                                                         \
            for (int j = 0; j < FR / (L) - 1; j++) {                                           \
                memcpy(&t_, row_ + (L) * j, sizeof t_);                                        \
                r_[j] += em[m] * t_;                                                           \
            }                                                                                  \
            c_[(L) - 2] = dm[m];                                                               \
            c_[(L) - 1] = 0.0;                                                                 \
            memcpy(&t_, row_ + FR - (L), sizeof t_);                                           \
            r_[FR / (L) - 1] += c_ * t_;                                                       \
        }                                                                                      \
        memcpy(acc, v_, sizeof v_);                                                            \
        memcpy(rest, r_, sizeof r_);                                                           \
    } while (0)

static inline ALWAYS_INLINE void full_sums(const double *restrict em, const double *restrict dm,
                                           const double *restrict ep, const double *restrict T,
                                           double acc[FW], double rest[FR], int wide4)
{
    if (wide4)
        FULL_SUMS(v4d, 4);
    else
        FULL_SUMS(v2d, 2);
}
#else
static double full_coef(int f, int m, const double *em, const double *dm, const double *ep)
{
    return f < CRVM__FL_B ? em[m] : f == CRVM__FL_BP ? ep[m] : f == CRVM__FL_ZERO ? 0.0 : dm[m];
}

static void full_sums(const double *em, const double *dm, const double *ep, const double *T,
                      double acc[FW], double rest[FR], int wide4)
{
    (void)wide4;
    for (int f = 0; f < FW; f++)
        acc[f] = 0;
    for (int f = 0; f < FR; f++)
        rest[f] = 0;
    for (int m = 0; m < MP; m++)
        for (int f = 0; f < FW; f++)
            acc[f] += full_coef(f, m, em, dm, ep) * T[FW * m + f];
    for (int m = MP; m < MV; m++)
        for (int f = 0; f < FR; f++)
            rest[f] += (f < 6 ? em[m] : f == 6 ? dm[m] : 0.0) * T[FW * MP + FR * (m - MP) + f];
}
#endif

_Static_assert(CRVM__FL_B % 4 == 0 && CRVM__FULL_WIDE % 4 == 0 && CRVM__FULL_REST == 8 &&
               CRVM__FL_BP == CRVM__FULL_WIDE - 2 && CRVM__FL_ZERO == CRVM__FULL_WIDE - 1,
               "full_sums: whole vectors of em, then of dm, the last (.., ep, 0)");

/* A full query's nodes k <= kc from its row's full table: the sums in w1 =
 * w u^e1 with em[m] = e0 (-(x + e1) kappa_F)^m / m!, those in w (1 - u^F)
 * with dm[m] = e0 (-1)^(m+1) (a^m - b^m) / m! (a = (x + F) kappa_F, b = x
 * kappa_F: the series of e^(-x kappa) - e^(-(x + F) kappa)), w kappa u^F
 * with ep[m] = e0 (-a)^m / m!. Bound of the middle kind: since 1 - e^(-F
 * kappa) >= F kappa e^(-F kappa), the sum is at least F kappa_F e^(-a)
 * T_1 (T_m <= T_1 for m >= 1, its field >= 0), and (a^m - b^m) / m! <= F
 * kappa_F a^(m-1) / (m-1)!: the terms from M on are within e^(2a) a^M / M!
 * of the sum (a <= Q), their magnitudes within e^(2a) of it -- the DERL's
 * bound and rounding. (a^m - b^m) / m! comes from the recurrence D_m = (a
 * D_(m-1) + F kappa_F b^(m-1) / (m-1)!) / m of positive terms (~4 m
 * roundings, within LEFT_ROUNDING's 4 (MV + 2) a term). */
static inline ALWAYS_INLINE void add_left_full(crvm__rcov_qctx *qc, long kc, int wide4)
{
    const crvm__rcov_gtab *gt = qc->gt;
    const double *T = qc->left;
    double kl = gt->kappa[kc], y = -(qc->x + qc->e1) * kl, a = (qc->x + qc->F) * kl;
    double b = qc->x * kl, fk = qc->F * kl;
    double em[MV], dm[MV], ep[MV];
    em[0] = ep[0] = exp(gt->alpha * (gt->t_lo + (double)kc * gt->h) - qc->lnB);
    em[1] = em[0] * y;
    ep[1] = ep[0] * -a;
    double y2 = y * y, a2 = a * a;
    for (int m = 2; m < MV; m++) {
        em[m] = em[m - 2] * (y2 * inverse_pair[m]);
        ep[m] = ep[m - 2] * (a2 * inverse_pair[m]);
    }
    double bm = em[0], D = 0;
    dm[0] = 0;
    for (int m = 1; m < MV; m++) {
        D = (a * D + fk * bm) * inverse[m];
        bm *= b * inverse[m];
        dm[m] = (m & 1) ? D : -D;
    }
    double acc[FW], rest[FR];
    full_sums(em, dm, ep, T, acc, rest, wide4);
    crvm__rcov_sums *s = &qc->s;
    for (int v = 0; v < 3; v++) {
        crvm__lanes_add(s->v[CRVM__S_C + v], acc[CRVM__FL_C + v] + rest[v], acc[CRVM__FL_CA + v]);
        crvm__lanes_add(s->v[CRVM__S_G1 + v], acc[CRVM__FL_G1 + v] + rest[3 + v],
                        acc[CRVM__FL_GA + v]);
        s->p[CRVM__P_CT + v][0] += acc[CRVM__FL_CT + v];
        s->p[CRVM__P_CK + v][0] += kl * acc[CRVM__FL_CK + v];
        s->p[CRVM__P_CC + 2 * v][0] += acc[CRVM__FL_CC + 2 * v];
        s->p[CRVM__P_CE + 2 * v][0] += acc[CRVM__FL_CC + 2 * v + 1];
    }
    crvm__lanes_add(s->v[CRVM__S_B], acc[CRVM__FL_B] + rest[6], acc[CRVM__FL_BA]);
    s->p[CRVM__P_BT][0] += acc[CRVM__FL_BT];
    s->p[CRVM__P_BK][0] += kl * acc[CRVM__FL_BK];
    s->p[CRVM__P_BC][0] += acc[CRVM__FL_BC];
    s->p[CRVM__P_BE][0] += acc[CRVM__FL_BE];
    s->p[CRVM__P_BP][0] += kl * acc[CRVM__FL_BP];
}

void crvm__rcov_add_left_scalar(crvm__rcov_qctx *qc, long kc)
{
    if (qc->derl_only)
        add_left(qc, kc, 0);
    else
        add_left_full(qc, kc, 0);
}

#if CRVM__RCOV_AVX2_CLONES
/* The same code compiled for AVX2 (no FMA: the same bits). */
__attribute__((target("avx2"))) static void add_left_avx2(crvm__rcov_qctx *qc, long kc)
{
    add_left(qc, kc, 1);
}

__attribute__((target("avx2"))) static void add_left_full_avx2(crvm__rcov_qctx *qc, long kc)
{
    add_left_full(qc, kc, 1);
}
#endif

void crvm__rcov_add_left(crvm__rcov_qctx *qc, long kc)
{
#if CRVM__RCOV_AVX2_CLONES
    if (crvm__rcov_avx2()) {
        if (qc->derl_only)
            add_left_avx2(qc, kc);
        else
            add_left_full_avx2(qc, kc);
        return;
    }
#endif
    crvm__rcov_add_left_scalar(qc, kc);
}
