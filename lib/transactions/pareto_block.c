/* Pareto/NBD series to second order, four terms at a time (the fit's
 * kernel; pareto_series.c has the series, its derivatives and the scalar
 * loop that this replaces where it applies).
 *
 * Term n is t_n = u_n B_n, u_n = A_n z^n, A_n = (e)_n / n!, B_n = b_n / M_n,
 * M_n = m + n, b_n = 1 - q_n (the whole series) or -q_n (its tail),
 * q_n = rho^M_n. Every derivative of pareto_series.c's list is a
 * combination of 17 plain sums over the terms,
 *   T_f = sum t_n f_n  for f = 1, n, n(n-1), P1, n P1, P1^2 - P2,
 *   Q_f = sum u_n q_n f_n,  R_f = sum u_n q_n f_n / M_n  for f = 1, n, P1,
 *   V_f = sum t_n f_n / M_n  for f = 1, n, P1,
 *   X = sum u_n q_n / M_n^2,  Y = sum t_n / M_n^2,
 * with the row's constants (1/c_t, L, L_c, L_cc, 1/d) applied once at the
 * end (block_finish), so that a term costs about 40 flops instead of 75,
 * and the per-n factors (A_n, 1/M_n, P1, P1^2 - P2) come from tables shared
 * by the rows of one x. The n a / d and n(n-1) a / d^2 of the d-derivatives
 * become T_n / d and T_n(n-1) / d^2, exact for d > 0; z below 1e-100 (and
 * d = 0) is left to the scalar loop, which writes them with z^(n-1).
 *
 * Four consecutive terms are one vector (GCC/Clang vector extensions: one
 * AVX2 instruction where the CPU has it, two SSE2 ones otherwise; no fused
 * multiply-add, so both give the same bits): z^n and q_n advance by z^4 and
 * rho^4, and 1 - q_n by q_n (1 - rho^4), a sum of positive numbers as in
 * the scalar loop. The stopping rule is the scalar loop's, applied at the
 * last term of each block (crvm__pareto_converged: the rest below 1e-17 of
 * the sum, 1e-15 and 1e-13 of the n- and n(n-1)-weighted sums behind the
 * d-derivatives). */
#include <math.h>
#include <string.h>

#include "transactions/pareto_private.h"

#if defined(__GNUC__) || defined(__clang__)

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* A_n above this is left to the scalar loop (which rescales) */
#define A_MAX 1e250

/* Fill the block tables up to at least need entries (need <= bcap). */
static void tab_extend(crvm__pareto_tab *tab, int need)
{
    double e = tab->e, m = tab->m;
    int n = tab->blen, stop = need + 60 < tab->bcap ? need + 60 : tab->bcap;
    double A = n ? tab->bA[n - 1] * (e + n - 1) / n : 1.0;
    double P1 = n ? tab->bP1[n - 1] + 1.0 / (e + n - 1) : 0.0;
    double P2 = tab->bP2;
    if (n == 0)
        P2 = 0.0;
    else
        P2 += 1.0 / ((e + n - 1) * (e + n - 1));
    for (; n < stop; n++) {
        if (!(A <= A_MAX)) {
            tab->bcap = n & ~3;
            break;
        }
        tab->bA[n] = A;
        tab->bim[n] = 1.0 / (m + n);
        tab->bP1[n] = P1;
        tab->bPq[n] = P1 * P1 - P2;
        tab->bP2 = P2;
        double ie = 1.0 / (e + n);
        tab->bratio[n] = (e + n) / (n + 1.0);
        A *= tab->bratio[n];
        P1 += ie;
        P2 += ie * ie;
    }
    tab->blen = n;
}

typedef double v4d __attribute__((vector_size(32)));

/* the sum of a vector's lanes, in one order for every build (a macro: a
 * function taking a v4d by value changes the ABI without AVX) */
#define HSUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))

enum { T1, TN, TNN, TP, TNP, TPQ, Q1, QN, QP, R1, RN, RP, V1, VN, VP, X1, Y1, NSUM };

/* The 17 sums of one row (see the top of the file) into s; 0 where the
 * kernel does not apply */
static ALWAYS_INLINE int block_loop(const crvm__pareto_geom *g, const int tail,
                                    crvm__pareto_tab *tab, double ref, double *s)
{
    double z = g->z, rho = g->rho, omr = g->omr;
    double zr = tail ? z * rho : z, sgn = tail ? -1.0 : 1.0;
    /* 1 - q_0 by subtraction where that loses nothing (q_0 < 1/2); the tail
     * needs no 1 - q */
    double q0 = g->q0;
    double omq0 = tail ? 0.0 : q0 < 0.5 ? 1.0 - q0 : -expm1(g->m * g->L);
    double z2 = z * z, rho2 = rho * rho;
    v4d zp = {1.0, z, z2, z2 * z};
    v4d q = {q0, q0 * rho, q0 * rho2, q0 * rho2 * rho};
    v4d omq = {omq0, 0.0, 0.0, 0.0};
    for (int k = 1; k < 4; k++)
        omq[k] = omq[k - 1] + q[k - 1] * omr;
    const double z4 = z2 * z2, rho4 = rho2 * rho2, omr4 = omr * (1.0 + rho) * (1.0 + rho2);
    const v4d vz4 = {z4, z4, z4, z4}, vrho4 = {rho4, rho4, rho4, rho4},
              vomr4 = {omr4, omr4, omr4, omr4}, four = {4.0, 4.0, 4.0, 4.0},
              one = {1.0, 1.0, 1.0, 1.0};
    v4d nv = {0.0, 1.0, 2.0, 3.0};
    v4d sT1 = {0}, sTN = {0}, sTNN = {0}, sTP = {0}, sTNP = {0}, sTPQ = {0}, sQ1 = {0},
        sQN = {0}, sQP = {0}, sR1 = {0}, sRN = {0}, sRP = {0}, sV1 = {0}, sVN = {0}, sVP = {0},
        sX1 = {0}, sY1 = {0};
    int n = 0;
    for (;; n += 4) {
        if (n + 4 > tab->blen) {
            if (n + 4 > tab->bcap)
                return 0;
            tab_extend(tab, n + 4);
            if (n + 4 > tab->blen)
                return 0;
        }
        v4d A, im, P1, Pq;
        memcpy(&A, tab->bA + n, sizeof A);
        memcpy(&im, tab->bim + n, sizeof im);
        memcpy(&P1, tab->bP1 + n, sizeof P1);
        memcpy(&Pq, tab->bPq + n, sizeof Pq);
        /* the tail's t_n is -u_n q_n / M_n: its R sums are minus its T sums */
        v4d u = A * zp, uq = u * q, uqi = uq * im;
        v4d t = tail ? -uqi : u * omq * im, ti = t * im, tn = t * nv;
        sT1 += t;
        sTN += tn;
        sTNN += tn * (nv - one);
        sTP += t * P1;
        sTNP += tn * P1;
        sTPQ += t * Pq;
        sQ1 += uq;
        sQN += uq * nv;
        sQP += uq * P1;
        if (!tail) {
            sR1 += uqi;
            sRN += uqi * nv;
            sRP += uqi * P1;
            sX1 += uqi * im;
        }
        sV1 += ti;
        sVN += ti * nv;
        sVP += ti * P1;
        sY1 += ti * im;
        /* the scalar loop's test at the block's last term n + 3 */
        double rn = tab->bratio[n + 3] * zr, qb = rn > zr ? rn : zr;
        double size = tail ? ref + HSUM(sT1) : HSUM(sT1);
        /* S's part of the test first: the other sums are needed only then */
        if (qb < 1.0 && sgn * t[3] * qb <= 1e-17 * size * (1.0 - qb) &&
            crvm__pareto_converged(sgn * t[3], qb, n + 3, size, sgn * HSUM(sTN),
                                   sgn * HSUM(sTNN)))
            break;
        zp *= vz4;
        if (!tail)
            omq += q * vomr4;
        q *= vrho4;
        nv += four;
    }
    const v4d all[NSUM] = {sT1, sTN, sTNN, sTP, sTNP, sTPQ, sQ1, sQN, sQP,
                           sR1, sRN, sRP, sV1, sVN, sVP, sX1, sY1};
    for (int k = 0; k < NSUM; k++)
        s[k] = HSUM(all[k]);
    if (tail) {
        s[R1] = -s[T1];
        s[RN] = -s[TN];
        s[RP] = -s[TP];
        s[X1] = -s[V1];
    }
    return 1;
}

#if defined(__x86_64__)
#define HAVE_AVX2_CLONE 1
__attribute__((target("avx2"))) static int block_loop_avx2(const crvm__pareto_geom *g, int tail,
                                                           crvm__pareto_tab *tab, double ref,
                                                           double *s)
{
    return tail ? block_loop(g, 1, tab, ref, s) : block_loop(g, 0, tab, ref, s);
}
#else
#define HAVE_AVX2_CLONE 0
#endif

static int block_loop_base(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                           double ref, double *s)
{
    return tail ? block_loop(g, 1, tab, ref, s) : block_loop(g, 0, tab, ref, s);
}

/* The derivative sums of pareto_series.c from the 17 plain sums:
 *   S = T_1, S_e = T_P1, S_ee = T_(P1^2-P2), S_d = T_n / d,
 *   S_ed = T_nP1 / d, S_dd = T_n(n-1) / d^2,
 *   S_m = -L R_1 - V_1, S_em = -L R_P1 - V_P1,
 *   S_mm = -L^2 R_1 + 2 L X + 2 Y,
 *   S_c = -T_n / c_t - L_c Q_1, S_ec = -T_nP1 / c_t - L_c Q_P1,
 *   S_mc = (L R_n + V_n) / c_t - L L_c Q_1, S_md = -(L R_n + V_n) / d,
 *   S_cc = (T_n(n-1) + 2 T_n) / c_t^2 + 2 L_c Q_n / c_t
 *          - L_c^2 (m Q_1 + Q_n) - L_cc Q_1,
 *   S_cd = -((T_n(n-1) + T_n) / c_t + L_c Q_n) / d. */
static void block_finish(const crvm__pareto_geom *g, const double *s, double *acc)
{
    double ict = g->ict, L = g->L, Lc = g->Lc, Lcc = g->Lcc, id = 1.0 / g->d;
    double LRV = L * s[RN] + s[VN];
    acc[CRVM__PACC_S] = s[T1];
    acc[CRVM__PACC_E] = s[TP];
    acc[CRVM__PACC_M] = -L * s[R1] - s[V1];
    acc[CRVM__PACC_C] = -ict * s[TN] - Lc * s[Q1];
    acc[CRVM__PACC_D] = s[TN] * id;
    acc[CRVM__PACC_EE] = s[TPQ];
    acc[CRVM__PACC_EM] = -L * s[RP] - s[VP];
    acc[CRVM__PACC_EC] = -ict * s[TNP] - Lc * s[QP];
    acc[CRVM__PACC_ED] = s[TNP] * id;
    acc[CRVM__PACC_MM] = -L * L * s[R1] + 2.0 * L * s[X1] + 2.0 * s[Y1];
    acc[CRVM__PACC_MC] = ict * LRV - L * Lc * s[Q1];
    acc[CRVM__PACC_MD] = -LRV * id;
    acc[CRVM__PACC_CC] = ict * ict * (s[TNN] + 2.0 * s[TN]) + 2.0 * ict * Lc * s[QN] -
                         Lc * Lc * (g->m * s[Q1] + s[QN]) - Lcc * s[Q1];
    acc[CRVM__PACC_CD] = -(ict * (s[TNN] + s[TN]) + Lc * s[QN]) * id;
    acc[CRVM__PACC_DD] = s[TNN] * id * id;
}

typedef int (*block_loop_fn)(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                             double ref, double *s);

static int block_sums(block_loop_fn loop, const crvm__pareto_geom *g, int tail,
                      crvm__pareto_tab *tab, double ref, double *acc)
{
    if (!(g->d > 0.0) || !(g->z >= 1e-100))
        return 0;
    crvm__pareto_tab_key(tab, g->e, g->m);
    double s[NSUM];
    int ok = loop(g, tail, tab, ref, s);
    if (ok)
        block_finish(g, s, acc);
    return ok;
}

int crvm__pareto_block_sums(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                            double ref, double *acc)
{
#if HAVE_AVX2_CLONE
    if (__builtin_cpu_supports("avx2"))
        return block_sums(block_loop_avx2, g, tail, tab, ref, acc);
#endif
    return block_sums(block_loop_base, g, tail, tab, ref, acc);
}

int crvm__pareto_block_sums_base(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                                 double ref, double *acc)
{
    return block_sums(block_loop_base, g, tail, tab, ref, acc);
}

#else

int crvm__pareto_block_sums(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                            double ref, double *acc)
{
    (void)g, (void)tail, (void)tab, (void)ref, (void)acc;
    return 0;
}

int crvm__pareto_block_sums_base(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                                 double ref, double *acc)
{
    return crvm__pareto_block_sums(g, tail, tab, ref, acc);
}

#endif
