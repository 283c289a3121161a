/* The quadrature nodes of a query of the prediction engine, a chunk at a
 * time (cov_query.h).
 *
 * A chunk is CHUNK consecutive nodes starting at an even one, so that each
 * sum is kept as two lanes, even and odd nodes: their sum is the step-h
 * sum, their difference the alternating sum that estimates its error. The
 * loops have fixed trip counts and no conditionals, so that they vectorise:
 * the exponentials are math/exp_table.h's, whose range the chunk's ends
 * bound (the weight's exponent phi - x kappa is concave in t, e1's is
 * monotone); a chunk outside that range (a posterior at the edge of the
 * tables) takes the checked forms.
 *
 * Where the processor has AVX2 the chunk runs as a clone of the same code
 * compiled for it (four nodes a vector instead of two, and the lanes of two
 * sums a vector of four; the lanes' sums keep their order, and ISO C mode
 * contracts nothing into FMA), so both paths give the same bits (a unit test
 * compares them). */
#include <math.h>
#include <string.h>

#include "math/exp_table.h"
#include "retention/cov_query.h"

#define CHUNK CRVM__CHUNK

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

/* Whether a - lnB and b - lnB, an exponent at a chunk's two ends, are both
 * at least -708 (the lower one's test, which fmin() would pick, without
 * its call: rounding is monotonic, so the same answer). */
static inline ALWAYS_INLINE int ends_above_floor(double a, double b, double lnB)
{
    return a - lnB >= -708.0 && b - lnB >= -708.0;
}

/* e^(phi - x kappa - ln B) into w, e^(-e1 kappa) and e^(-e1 kappa) - 1
 * into ue, em: every exponent known to be within [-708, 709]. */
static inline ALWAYS_INLINE void exps_fast(const crvm__rcov_qctx *qc, long k0, double *restrict w,
                      double *restrict ue, double *restrict em)
{
    const double *restrict kap = qc->gt->kappa + k0, *restrict phi = qc->gt->phi + k0;
    double x = qc->x, e1 = qc->e1, lnB = qc->lnB;
    for (int i = 0; i < CHUNK; i++) {
        w[i] = crvm__exp_tab_fast(phi[i] - x * kap[i] - lnB);
        crvm__exp_tab_pair_fast(-e1 * kap[i], &ue[i], &em[i]);
    }
}

static inline ALWAYS_INLINE void exps_checked(const crvm__rcov_qctx *qc, long k0, double *w, double *ue, double *em)
{
    const double *kap = qc->gt->kappa + k0, *phi = qc->gt->phi + k0;
    for (int i = 0; i < CHUNK; i++) {
        w[i] = crvm__exp_tab(phi[i] - qc->x * kap[i] - qc->lnB);
        crvm__exp_tab_pair(-qc->e1 * kap[i], &ue[i], &em[i]);
    }
}

/* w1 = e^(phi - (x + e1) kappa - ln B) alone: the exponent is concave in t
 * like the weight's, so the chunk's ends bound it. */
static inline ALWAYS_INLINE void weights_shifted(const crvm__rcov_qctx *qc, long k0, double *restrict w1)
{
    const double *restrict kap = qc->gt->kappa + k0, *restrict phi = qc->gt->phi + k0;
    double z = qc->x + qc->e1, lnB = qc->lnB;
    if (ends_above_floor(phi[0] - z * kap[0], phi[CHUNK - 1] - z * kap[CHUNK - 1], lnB))
        for (int i = 0; i < CHUNK; i++)
            w1[i] = crvm__exp_tab_fast(phi[i] - z * kap[i] - lnB);
    else
        for (int i = 0; i < CHUNK; i++)
            w1[i] = crvm__exp_tab(phi[i] - z * kap[i] - lnB);
}

/* Adds to the lanes of six sums: out[j][l] += sum over the chunk's nodes i
 * = l (mod 2) of a_j[i] b_j[i], for the pairs (a, b) = (x0, y0), (x1, y0),
 * (x2, y0), (x0, y1), (x0, y2), (x0, y3). Each accumulator is a pair of
 * lanes, so a pair of nodes is one vector operation. */
static inline ALWAYS_INLINE void six_sums(const double *restrict x0, const double *restrict x1,
                            const double *restrict x2, const double *restrict y0,
                            const double *restrict y1, const double *restrict y2,
                            const double *restrict y3, double *const out[6])
{
    double a[2] = {0, 0}, b[2] = {0, 0}, c[2] = {0, 0}, d[2] = {0, 0}, e[2] = {0, 0},
           f[2] = {0, 0};
    for (int i = 0; i < CHUNK; i += 2)
        for (int l = 0; l < 2; l++) {
            a[l] += x0[i + l] * y0[i + l];
            b[l] += x1[i + l] * y0[i + l];
            c[l] += x2[i + l] * y0[i + l];
            d[l] += x0[i + l] * y1[i + l];
            e[l] += x0[i + l] * y2[i + l];
            f[l] += x0[i + l] * y3[i + l];
        }
    for (int l = 0; l < 2; l++) {
        out[0][l] += a[l];
        out[1][l] += b[l];
        out[2][l] += c[l];
        out[3][l] += d[l];
        out[4][l] += e[l];
        out[5][l] += f[l];
    }
}

#if (defined(__GNUC__) && __GNUC__ >= 12) || defined(__clang__) /* __builtin_shufflevector */
typedef double v4d __attribute__((vector_size(32)));

/* The lanes of two sums A, B over a chunk into acc, from their products
 * a0, a1 and b0, b1 in vectors of four nodes: {A even, A odd, B even, B
 * odd}, each lane adding its nodes in their order from 0 (as six_sums()
 * does). A macro: a function taking or returning vectors of four would
 * change the ABI outside the AVX2 clone. */
#define PAIR_LANES(acc, a0, a1, b0, b1)                                                        \
    do {                                                                                       \
        acc = (v4d){0, 0, 0, 0};                                                               \
        acc += __builtin_shufflevector(a0, b0, 0, 1, 4, 5);                                    \
        acc += __builtin_shufflevector(a0, b0, 2, 3, 6, 7);                                    \
        acc += __builtin_shufflevector(a1, b1, 0, 1, 4, 5);                                    \
        acc += __builtin_shufflevector(a1, b1, 2, 3, 6, 7);                                    \
    } while (0)

/* Four doubles from p (unaligned) into the vector v. */
#define LOAD4(v, p) memcpy(&(v), (p), sizeof(v))

/* six_sums() with the lanes of two sums in a vector of four, (a, b), (c, d)
 * and (e, f), from the products formed four nodes at a time and regrouped
 * into lanes: each lane adds the same products in the same order, so the
 * same bits, in about a third of the vector operations (building each
 * product's operands from halves instead took half as many again). For
 * AVX2 only (without AVX, GCC splits a vector of four through memory). */
static inline ALWAYS_INLINE void six_sums4(const double *restrict x0, const double *restrict x1,
                                           const double *restrict x2, const double *restrict y0,
                                           const double *restrict y1, const double *restrict y2,
                                           const double *restrict y3, double *const out[6])
{
    v4d x0a, x0b, x1a, x1b, x2a, x2b, y0a, y0b, y1a, y1b, y2a, y2b, y3a, y3b;
    LOAD4(x0a, x0);
    LOAD4(x0b, x0 + 4);
    LOAD4(x1a, x1);
    LOAD4(x1b, x1 + 4);
    LOAD4(x2a, x2);
    LOAD4(x2b, x2 + 4);
    LOAD4(y0a, y0);
    LOAD4(y0b, y0 + 4);
    LOAD4(y1a, y1);
    LOAD4(y1b, y1 + 4);
    LOAD4(y2a, y2);
    LOAD4(y2b, y2 + 4);
    LOAD4(y3a, y3);
    LOAD4(y3b, y3 + 4);
    v4d ab, cd, ef;
    PAIR_LANES(ab, x0a * y0a, x0b * y0b, x1a * y0a, x1b * y0b);
    PAIR_LANES(cd, x2a * y0a, x2b * y0b, x0a * y1a, x0b * y1b);
    PAIR_LANES(ef, x0a * y2a, x0b * y2b, x0a * y3a, x0b * y3b);
    for (int l = 0; l < 2; l++) {
        out[0][l] += ab[l];
        out[1][l] += ab[2 + l];
        out[2][l] += cd[l];
        out[3][l] += cd[2 + l];
        out[4][l] += ef[l];
        out[5][l] += ef[2 + l];
    }
}
#else
#define six_sums4 six_sums
#endif

/* six_sums() on the path compiled for AVX2 (wide4) or not. */
static inline ALWAYS_INLINE void sums6(int wide4, const double *restrict x0,
                                       const double *restrict x1, const double *restrict x2,
                                       const double *restrict y0, const double *restrict y1,
                                       const double *restrict y2, const double *restrict y3,
                                       double *const out[6])
{
    if (wide4)
        six_sums4(x0, x1, x2, y0, y1, y2, y3, out);
    else
        six_sums(x0, x1, x2, y0, y1, y2, y3, out);
}

#if (defined(__GNUC__) && __GNUC__ >= 12) || defined(__clang__)
/* The DERL-only chunk's six sums (six_sums4() with x0 = w1, x1 = w1l, x2 =
 * w1k, y0..y3 = C, G1, dC/dc, dC/d ln E) and its magnitudes w1 (C + G1) (1 +
 * kappa) as vectors. For AVX2 only. */
static inline ALWAYS_INLINE void derl_sums4(const double *restrict w1, const double *restrict w1l,
                                            const double *restrict w1k, const double *restrict c,
                                            const double *restrict g1, const double *restrict cc,
                                            const double *restrict ce, const double *restrict kap,
                                            double *const out[6], double *restrict mag0)
{
    six_sums4(w1, w1l, w1k, c, g1, cc, ce, out);
    for (int h = 0; h < CHUNK; h += 4) {
        v4d w, cv, gv, k;
        LOAD4(w, w1 + h);
        LOAD4(cv, c + h);
        LOAD4(gv, g1 + h);
        LOAD4(k, kap + h);
        v4d m = w * (cv + gv) * (1.0 + k);
        memcpy(mag0 + h, &m, sizeof m);
    }
}
#else
#define derl_sums4(w1, w1l, w1k, c, g1, cc, ce, kap, out, mag0)                                \
    do {                                                                                       \
        six_sums(w1, w1l, w1k, c, g1, cc, ce, out);                                            \
        for (int i_ = 0; i_ < CHUNK; i_++)                                                     \
            (mag0)[i_] = (w1)[i_] * ((c)[i_] + (g1)[i_]) * (1.0 + (kap)[i_]);                  \
    } while (0)
#endif

/* A DERL-only query with analytic weights (cov_query.h) needs only w1 = w
 * u^e1, one exponential a node, the six sums of C_{n+1} and G_{n+1} and a
 * magnitude in w1 (mag[1] is 0): the general chunk's operations for this
 * case in their order (the same bits), without its other cases' tests. */
static inline ALWAYS_INLINE void add_chunk_derl(crvm__rcov_qctx *qc, long k0, long lo, long hi,
                                                double mag[2][CHUNK], int wide4)
{
    const crvm__rcov_gtab *gt = qc->gt;
    const size_t S = gt->stride;
    const double *kap = gt->kappa + k0, *lth = gt->lth + k0, *f = qc->fld + k0;
    double w1[CHUNK], w1l[CHUNK], w1k[CHUNK];
    weights_shifted(qc, k0, w1);
    if (k0 < lo || k0 + CHUNK - 1 > hi)
        for (int i = 0; i < CHUNK; i++)
            w1[i] = (k0 + i < lo || k0 + i > hi) ? 0.0 : w1[i];
    for (int i = 0; i < CHUNK; i++) {
        w1l[i] = w1[i] * lth[i];
        w1k[i] = w1[i] * kap[i];
    }
    crvm__rcov_sums *s = &qc->s;
    const double *C = f + CRVM__F_C * S, *G1 = f + CRVM__F_G1 * S;
    double *const out[6] = {s->v[CRVM__S_C], s->p[CRVM__P_CT], s->p[CRVM__P_CK],
                            s->v[CRVM__S_G1], s->p[CRVM__P_CC], s->p[CRVM__P_CE]};
    if (wide4)
        derl_sums4(w1, w1l, w1k, C, G1, C + S, C + 2 * S, kap, out, mag[0]);
    else {
        six_sums(w1, w1l, w1k, C, G1, C + S, C + 2 * S, out);
        for (int i = 0; i < CHUNK; i++)
            mag[0][i] = w1[i] * (C[i] + G1[i]) * (1.0 + kap[i]);
    }
    for (int i = 0; i < CHUNK; i++)
        mag[1][i] = 0.0;
}

static inline ALWAYS_INLINE void add_chunk(crvm__rcov_qctx *qc, long k0, long lo, long hi,
                                           double mag[2][CHUNK], int wide4)
{
    const crvm__rcov_gtab *gt = qc->gt;
    if (qc->derl_only && !gt->numeric) {
        add_chunk_derl(qc, k0, lo, hi, mag, wide4);
        return;
    }
    const size_t S = gt->stride;
    const double *kap = gt->kappa + k0, *lth = gt->lth + k0, *f = qc->fld + k0;
    long k1 = k0 + CHUNK - 1;
    double w[CHUNK], ue[CHUNK], em[CHUNK], w1[CHUNK], w1l[CHUNK], w1k[CHUNK];
    if (ends_above_floor(gt->phi[k0] - qc->x * gt->kappa[k0],
                         gt->phi[k1] - qc->x * gt->kappa[k1], qc->lnB) &&
        -qc->e1 * gt->kappa[k1] >= -708.0)
        exps_fast(qc, k0, w, ue, em);
    else
        exps_checked(qc, k0, w, ue, em);
    if (k0 < lo || k1 > hi)
        for (int i = 0; i < CHUNK; i++)
            w[i] = (k0 + i < lo || k0 + i > hi) ? 0.0 : w[i];
    for (int i = 0; i < CHUNK; i++)
        w1[i] = w[i] * ue[i];
    /* The products of w1 = w u^e1 with ln theta and kappa. */
    for (int i = 0; i < CHUNK; i++) {
        w1l[i] = w1[i] * lth[i];
        w1k[i] = w1[i] * kap[i];
    }
    crvm__rcov_sums *s = &qc->s;
    static const int comp[3] = {CRVM__F_C, CRVM__F_W, CRVM__F_L};
    static const int func[3] = {CRVM__F_G1, CRVM__F_W1, CRVM__F_L1};
    const int sums = qc->derl_only ? 1 : 3;
    for (int v = 0; v < sums; v++) {
        const double *c = f + (size_t)comp[v] * S;
        double *const out[6] = {s->v[CRVM__S_C + v], s->p[CRVM__P_CT + v], s->p[CRVM__P_CK + v],
                                s->v[CRVM__S_G1 + v], s->p[CRVM__P_CC + 2 * v],
                                s->p[CRVM__P_CE + 2 * v]};
        sums6(wide4, w1, w1l, w1k, c, f + (size_t)func[v] * S, c + S, c + 2 * S, out);
    }
    double unused[2] = {0, 0};
    if (gt->numeric) {
        const double ones[CHUNK] = {1, 1, 1, 1, 1, 1, 1, 1};
        double wl[CHUNK], wk[CHUNK];
        for (int i = 0; i < CHUNK; i++) {
            wl[i] = w[i] * lth[i];
            wk[i] = w[i] * kap[i];
        }
        double *const zout[6] = {s->v[CRVM__S_Z], s->p[CRVM__P_ZT], s->p[CRVM__P_ZK], unused, unused,
                                 unused};
        sums6(wide4, w, wl, wk, ones, ones, ones, ones, zout);
    }
    /* The integrands in u^e1 (a posterior shifted to x + e1) and those in
     * the weight itself each have their own scale; the magnitudes count the
     * integrands summed. */
    const double *C = f + CRVM__F_C * S, *G1 = f + CRVM__F_G1 * S;
    double wz = gt->numeric ? 1.0 : 0.0;
    if (qc->derl_only) { /* (numeric: the weight's own sums too) */
        for (int i = 0; i < CHUNK; i++) {
            double k1p = 1.0 + kap[i];
            mag[0][i] = w1[i] * (C[i] + G1[i]) * k1p;
            mag[1][i] = wz * w[i] * k1p;
        }
        return;
    }
    /* wc = w cF, cF = 1 - u^e1 V = (1 - u^e1) + u^e1 (1 - V); wp = w kappa
     * u^F; and their products with ln theta and kappa. */
    double wc[CHUNK], wcl[CHUNK], wck[CHUNK], wp[CHUNK];
    const double *V = f + CRVM__F_V * S, *V1 = f + CRVM__F_V1 * S;
    for (int i = 0; i < CHUNK; i++) {
        wc[i] = w[i] * (ue[i] * V1[i] - em[i]);
        wcl[i] = wc[i] * lth[i];
        wck[i] = wc[i] * kap[i];
        wp[i] = w[i] * kap[i] * ue[i] * V[i];
    }
    const double *G = f + CRVM__F_G * S, *gc = f + CRVM__F_GC * S, *ge = f + CRVM__F_GE * S;
    double *const bout[6] = {s->v[CRVM__S_B], s->p[CRVM__P_BT], s->p[CRVM__P_BK], s->p[CRVM__P_BC],
                             s->p[CRVM__P_BE], unused};
    sums6(wide4, wc, wcl, wck, G, gc, ge, ge, bout);
    double pg[2] = {0, 0};
    for (int i = 0; i < CHUNK; i += 2)
        for (int l = 0; l < 2; l++)
            pg[l] += wp[i + l] * G[i + l];
    for (int l = 0; l < 2; l++)
        s->p[CRVM__P_BP][l] += pg[l];
    const double *W = f + CRVM__F_W * S, *L = f + CRVM__F_L * S;
    const double *W1 = f + CRVM__F_W1 * S, *L1 = f + CRVM__F_L1 * S;
    for (int i = 0; i < CHUNK; i++) {
        double k1p = 1.0 + kap[i];
        mag[0][i] = w1[i] * (C[i] + W[i] + L[i] + G1[i] + W1[i] + L1[i]) * k1p;
        mag[1][i] = (wc[i] * G[i] + wz * w[i]) * k1p;
    }
}

void crvm__rcov_add_chunk_scalar(crvm__rcov_qctx *qc, long k0, long lo, long hi,
                                 double mag[2][CHUNK])
{
    add_chunk(qc, k0, lo, hi, mag, 0);
}

#if CRVM__RCOV_AVX2_CLONES
/* The same code compiled for AVX2 (no FMA: the same bits). */
__attribute__((target("avx2"))) static void add_chunk_avx2(crvm__rcov_qctx *qc, long k0, long lo,
                                                           long hi, double mag[2][CHUNK])
{
    add_chunk(qc, k0, lo, hi, mag, 1);
}
#endif

int crvm__rcov_avx2(void)
{
#if CRVM__RCOV_AVX2_CLONES
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

void crvm__rcov_add_chunk(crvm__rcov_qctx *qc, long k0, long lo, long hi,
                          double mag[2][CHUNK])
{
#if CRVM__RCOV_AVX2_CLONES
    if (crvm__rcov_avx2()) {
        add_chunk_avx2(qc, k0, lo, hi, mag);
        return;
    }
#endif
    add_chunk(qc, k0, lo, hi, mag, 0);
}
