/* The left tables of the prediction engine (cov_engine.h), and a DERL-only
 * query's sum over its nodes below a table's cut (cov_query.h).
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
 * the answers are those of eight separate dot products). */
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

/* Row n's cut node (-1: no table) and, if there is one, its moments T
 * (B_LEN, a field at a time). */
static long row_moments(const crvm__rcov_engine *e, const crvm__rcov_gtab *gt, int n,
                        const double ts[N + 1], const double tl[N + 1], const geometric *g,
                        double *T)
{
    if (!isfinite(gt->rho_derl[n]))
        return -1;
    double ks_d = floor((log(CRVM__TAIL_Q / fmax(gt->rho_derl[n], gt->rho_theta)) - gt->t_lo) /
                        gt->h);
    double zn = gt->beta + gt->E * e->P[n + 1];
    double kl_d = floor((log(CRVM__LEFT_Q / (SPAN * zn)) - gt->t_lo) / gt->h);
    /* The series hold at every cut left of k_s: where the table's cut is
     * (z_n >> rho_derl), they give the whole table. */
    ks_d = fmin(ks_d, kl_d);
    if (!(ks_d >= 0 && kl_d <= (double)gt->K - 2))
        return -1;
    long ks = (long)ks_d, kl = (long)kl_d;
    const size_t S = gt->stride;
    const double *f = crvm__rcov_fields(gt, n);
    const double *C = f + CRVM__F_C * S, *G = f + CRVM__F_G1 * S;
    const double *CC = f + CRVM__F_CC * S, *CE = f + CRVM__F_CE * S;
    /* The bound needs fields of one sign at every node (and below node 0,
     * where the series' leading terms rule, as at node 0). */
    for (long k = 0; k <= kl; k++)
        if (!(C[k] >= 0 && G[k] >= 0 && CC[k] >= 0 && CE[k] >= 0))
            return -1;
    double tL = gt->t_lo + (double)kl * gt->h;
    /* Every node k <= ks by the series. */
    double rel[MV];
    for (int m = 0; m < MV; m++)
        rel[m] = exp((gt->alpha + m) * (double)(ks - kl) * gt->h);
    const double *ser = crvm__rcov_series(gt, n);
    double conv[N + 1], convt[N + 1];
    convolve(ser + CRVM__F_C * CRVM__SERIES_LEN, ts, conv);
    convolve(ser + CRVM__F_C * CRVM__SERIES_LEN, tl, convt);
    series_part(gt, ks, g, rel, conv, convt, T + B_C, T + B_CA, T + B_CT);
    convolve(ser + CRVM__F_G1 * CRVM__SERIES_LEN, ts, conv);
    series_part(gt, ks, g, rel, conv, convt, T + B_G1, T + B_GA, NULL);
    double tmp[MV];
    convolve(ser + CRVM__F_CC * CRVM__SERIES_LEN, ts, conv);
    series_part(gt, ks, g, rel, conv, convt, tmp, NULL, NULL);
    for (int m = 0; m < MP; m++)
        T[B_CC + m] = tmp[m];
    convolve(ser + CRVM__F_CE * CRVM__SERIES_LEN, ts, conv);
    series_part(gt, ks, g, rel, conv, convt, tmp, NULL, NULL);
    for (int m = 0; m < MP; m++)
        T[B_CE + m] = tmp[m];
    /* The nodes ks < k <= kl. */
    for (long k = ks + 1; k <= kl; k++) {
        double pw = exp(gt->phi[k] - gt->alpha * tL), r = exp((double)(k - kl) * gt->h);
        double sgn = (k & 1) ? -1.0 : 1.0;
        for (int m = 0; m < MV; m++) {
            T[B_C + m] += pw * C[k];
            T[B_G1 + m] += pw * G[k];
            if (m < MP) {
                T[B_CA + m] += sgn * pw * C[k];
                T[B_GA + m] += sgn * pw * G[k];
                T[B_CT + m] += pw * C[k] * gt->lth[k];
                T[B_CC + m] += pw * CC[k];
                T[B_CE + m] += pw * CE[k];
            }
            pw *= r;
        }
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
            gt->left_k[n] = -1.0;
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

static inline ALWAYS_INLINE void add_left(crvm__rcov_qctx *qc, long kc, int wide4)
{
    const crvm__rcov_gtab *gt = qc->gt;
    const double *T = qc->left;
    double y = -(qc->x + qc->e1) * gt->kappa[kc], em[MV];
    em[0] = exp(gt->alpha * (gt->t_lo + (double)kc * gt->h) - qc->lnB);
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

void crvm__rcov_add_left_scalar(crvm__rcov_qctx *qc, long kc)
{
    add_left(qc, kc, 0);
}

#if CRVM__RCOV_AVX2_CLONES
/* The same code compiled for AVX2 (no FMA: the same bits). */
__attribute__((target("avx2"))) static void add_left_avx2(crvm__rcov_qctx *qc, long kc)
{
    add_left(qc, kc, 1);
}
#endif

void crvm__rcov_add_left(crvm__rcov_qctx *qc, long kc)
{
#if CRVM__RCOV_AVX2_CLONES
    if (crvm__rcov_avx2()) {
        add_left_avx2(qc, kc);
        return;
    }
#endif
    add_left(qc, kc, 0);
}
