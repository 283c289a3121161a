/* Private: the sums a query of the prediction engine accumulates over its
 * quadrature nodes (cov_nodes.c) and its left tail (cov_tail.c), for
 * cov_query.c. With w the weight of node k (posterior density in t = ln
 * kappa, times h), w1 = w u^e1, cF = 1 - u^F_H and f the fields of row n
 * (cov_engine.h): */
#ifndef CRVM_RETENTION_COV_QUERY_H
#define CRVM_RETENTION_COV_QUERY_H

#include <string.h>

#include "retention/cov_engine.h"
#include "retention/avx2_clones.h"

/* Sums whose alternating form (sum of (-1)^k terms) estimates the error. */
enum {
    CRVM__S_C, CRVM__S_W, CRVM__S_L,    /* w1 C, w1 CW, w1 CL (complements, row n + 1) */
    CRVM__S_G1, CRVM__S_W1, CRVM__S_L1, /* w1 G, w1 W, w1 L (the functions) */
    CRVM__S_B,                          /* w cF G_{n+H} */
    CRVM__S_Z,                          /* w (numeric normalisation only) */
    CRVM__S_VALUES
};

/* Sums for the partial derivatives (t: times ln theta, k: times kappa). */
enum {
    CRVM__P_CT, CRVM__P_WT, CRVM__P_LT, /* w1 C ln theta, ... */
    CRVM__P_CK, CRVM__P_WK, CRVM__P_LK, /* w1 C kappa, ... */
    CRVM__P_CC, CRVM__P_CE, CRVM__P_WC, CRVM__P_WE, CRVM__P_LC, CRVM__P_LE, /* w1 dC/dc ... */
    CRVM__P_BT, CRVM__P_BK,             /* w cF G ln theta, w cF G kappa */
    CRVM__P_BP,                         /* w kappa u^F G */
    CRVM__P_BC, CRVM__P_BE,             /* w cF dC_{n+H}/dc, w cF dC_{n+H}/d ln E */
    CRVM__P_ZT, CRVM__P_ZK,             /* w ln theta, w kappa (numeric only) */
    CRVM__P_COUNT
};

/* Each sum in two lanes, over the even and over the odd nodes: their sum is
 * the step-h sum, their difference the alternating one. */
typedef struct crvm__rcov_sums {
    double v[CRVM__S_VALUES][2], p[CRVM__P_COUNT][2];
} crvm__rcov_sums;

/* Zeroes the sums a query adds to: a DERL-only query's alone (C, G1 and
 * their partials, and Z with its partials), which are all it reads and
 * writes, or all of them. */
static inline void crvm__rcov_sums_clear(crvm__rcov_sums *s, int derl_only)
{
    if (!derl_only) {
        memset(s, 0, sizeof *s);
        return;
    }
    static const int values[3] = {CRVM__S_C, CRVM__S_G1, CRVM__S_Z};
    static const int partials[6] = {CRVM__P_CT, CRVM__P_CK, CRVM__P_CC, CRVM__P_CE, CRVM__P_ZT,
                                    CRVM__P_ZK};
    for (int i = 0; i < 3; i++)
        s->v[values[i]][0] = s->v[values[i]][1] = 0.0;
    for (int i = 0; i < 6; i++)
        s->p[partials[i]][0] = s->p[partials[i]][1] = 0.0;
}

static inline double crvm__lanes_sum(const double lanes[2]) { return lanes[0] + lanes[1]; }
static inline double crvm__lanes_alt(const double lanes[2]) { return lanes[0] - lanes[1]; }

/* Adds a sum and its alternating sum to the even and odd lanes. */
static inline void crvm__lanes_add(double lanes[2], double sum, double alt)
{
    lanes[0] += 0.5 * (sum + alt);
    lanes[1] += 0.5 * (sum - alt);
}

typedef struct crvm__rcov_qctx {
    const crvm__rcov_gtab *gt;
    const double *fld;    /* row n's fields (crvm__rcov_fields) */
    const double *ser;    /* their series (crvm__rcov_series) */
    double x, e1, F, lnB; /* x = beta + Lambda, e1, F = F_H, ln B(alpha, x) */
    int derl_only;        /* only the sums of the DERL: C, G1 and their partials (and
                             Z when numeric); the others are not set */
    const double *left;   /* a DERL-only query's left table (crvm__rcov_left), a full
                             one's (crvm__rcov_left_full), or NULL */
    crvm__rcov_sums s;
} crvm__rcov_qctx;

/* Adds the nodes k0 .. k0 + CHUNK - 1 (k0 even) that lie in [lo, hi], and
 * writes each node's magnitude (its terms of the values and of the kappa
 * sums; 0 outside [lo, hi]): mag[0] of the sums in w1, mag[1] of those in w.
 * -PAD <= k0 <= K - 1. */
void crvm__rcov_add_chunk(crvm__rcov_qctx *qc, long k0, long lo, long hi,
                          double mag[2][CRVM__CHUNK]);
/* The same without the AVX2 clone (cov_nodes.c), for the test that both
 * give the same bits. */
void crvm__rcov_add_chunk_scalar(crvm__rcov_qctx *qc, long k0, long lo, long hi,
                                 double mag[2][CRVM__CHUNK]);

/* Adds the nodes k <= kc (kc >= 0) by their Taylor series in kappa. The
 * caller has chosen kc so that rho kappa_kc <= CRVM__TAIL_Q, rho the growth
 * rate of every factor's series. */
#define CRVM__TAIL_Q 0.01
void crvm__rcov_add_tail(crvm__rcov_qctx *qc, long kc);

/* Adds the nodes k <= kc, kc the row's left cut (its full cut for a full
 * query), by qc->left (cov_left.c),
 * whose rounding is within LEFT_ROUNDING of the sum (4 (MV + 2) eps e^(2Q),
 * e^(2Q) = 54.6 at Q = 2). */
#define CRVM__LEFT_ROUNDING (4.0 * (CRVM__LEFT_MV + 2) * 54.6 * 0x1p-52)
void crvm__rcov_add_left(crvm__rcov_qctx *qc, long kc);
/* The same without the AVX2 clone (cov_left.c), for the same test. */
void crvm__rcov_add_left_scalar(crvm__rcov_qctx *qc, long kc);

/* The node chunks and the left tables' sums have AVX2 clones
 * (retention/avx2_clones.h). */

#endif
