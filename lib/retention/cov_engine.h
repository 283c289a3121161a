/* Private: the prediction engine's tables (cov_engine.c builds them,
 * cov_query.c answers queries from them). See cov_engine.c for the method. */
#ifndef CRVM_RETENTION_COV_ENGINE_H
#define CRVM_RETENTION_COV_ENGINE_H

#include <stddef.h>

#include "retention/cov_internal.h"

/* Order of the Taylor series in kappa that replace the nodes of the far left
 * tail (cov_query.c). */
#define CRVM__TAIL_ORDER 7

/* The fields a query at n reads, per node: the complements of the functions
 * of u = 1 - theta at row n + 1 with their derivatives in c and ln E, the
 * exposure of the H - 1 periods after n + 1 as V = u^(E span) and 1 - V,
 * G at row n + H with the derivatives of its complement, and the functions
 * themselves at row n + 1 (for values far below their theta -> 0 limit). */
enum {
    CRVM__F_C, CRVM__F_CC, CRVM__F_CE,   /* C_{n+1} = G0 - G_{n+1}, d/dc, d/d ln E */
    CRVM__F_W, CRVM__F_WC, CRVM__F_WE,   /* CW_{n+1}: window of H - 1 discounted terms */
    CRVM__F_L, CRVM__F_LC, CRVM__F_LE,   /* CL_{n+1}: window of cap - 1 terms */
    CRVM__F_V, CRVM__F_V1,               /* V, 1 - V */
    CRVM__F_G, CRVM__F_GC, CRVM__F_GE,   /* G_{n+H}, dC_{n+H}/dc, dC_{n+H}/d ln E */
    CRVM__F_G1, CRVM__F_W1, CRVM__F_L1,  /* G_{n+1}, W_{n+1}, L_{n+1} */
    CRVM__FIELDS
};

/* Nodes per chunk of a query's walk; the node and field arrays have this
 * many padding nodes at each end, so a chunk never reads out of bounds. */
#define CRVM__CHUNK 8
#define CRVM__PAD CRVM__CHUNK

/* Fields that have a series (all but V and 1 - V); the series of field f
 * sits at index f (V, 1 - V slots unused). Coefficients of kappa^0..^ORDER. */
#define CRVM__SERIES_LEN (CRVM__TAIL_ORDER + 1)
/* The tail's sums (cov_tail.c): to order N in full, to order LOW - 1 for the
 * partial derivatives and the error estimate. Per node k, as the cut: U[p]
 * (p = 0..N), Ut[p] and Ua[p] (p < LOW). */
#define CRVM__TAIL_N CRVM__SERIES_LEN
#define CRVM__TAIL_LOW 6
#define CRVM__TAIL_U (CRVM__TAIL_N + 1)
#define CRVM__TAIL_UL CRVM__TAIL_LOW
#define CRVM__TAIL_STRIDE (CRVM__TAIL_U + 2 * CRVM__TAIL_UL)

/* The left tables (cov_left.c): per row n, one cut node k_L and, for the
 * fields a DERL-only query sums, the moments T_m = sum over every node k <=
 * k_L of e^(phi_k - alpha t_L) (kappa_k / kappa_L)^m f_k (the tail below the
 * series cut in closed form), summed and alternating. A query with z =
 * x + e1 and z kappa_L <= LEFT_Q sums its nodes below the cut as the series
 * sum_m (-z kappa_L)^m / m! T_m: LEFT_MV terms for the values, LEFT_MP for
 * the partials and the alternating sums. A row's table holds, for each m <
 * MP, the LEFT_WIDE moments a query multiplies by the same coefficient side
 * by side (so that it sums them as vectors), then for MP <= m < MV those of
 * C and G1: */
#define CRVM__LEFT_Q 2.0
#define CRVM__LEFT_MV 26
#define CRVM__LEFT_MP 21
enum {
    CRVM__L_C,   /* C_{n+1}, m < MV */
    CRVM__L_G1,  /* G_{n+1}, m < MV */
    CRVM__L_CA,  /* C alternating */
    CRVM__L_GA,  /* G alternating */
    CRVM__L_CT,  /* C ln theta */
    CRVM__L_CC,  /* dC/dc */
    CRVM__L_CE,  /* dC/d ln E */
    CRVM__L_CK,  /* C's moment m + 1 (the kappa-weighted sum) */
    CRVM__LEFT_WIDE,
    CRVM__LEFT_STRIDE = CRVM__LEFT_WIDE * CRVM__LEFT_MP + 2 * (CRVM__LEFT_MV - CRVM__LEFT_MP)
};

/* The full queries' left tables (cov_left.c), the same for every field a
 * full query sums, with a cut k_F per row for z = x + F (F = F_H, the
 * exposure up to the horizon: z kappa_F <= LEFT_Q for every factor, the
 * at-risk integrand's 1 - u^F included). Per row, for each m < MP the
 * FULL_WIDE moments side by side: those the coefficients (-(x + e1)
 * kappa_F)^m / m! multiply (the sums in w1 = w u^e1), then those the
 * at-risk integrand's ((x + F)^m - x^m) (-kappa_F)^m / m! multiply (in
 * w (1 - u^F)), then G's next moment for w kappa u^F G ((-(x + F)
 * kappa_F)^m / m!) and a zero; then for MP <= m < MV the FULL_REST values'
 * moments. */
enum {
    CRVM__FL_C,                  /* C, CW, CL: + v (m < MV) */
    CRVM__FL_G1 = CRVM__FL_C + 3, /* G1, W1, L1 (m < MV) */
    CRVM__FL_CA = CRVM__FL_G1 + 3, /* C, CW, CL alternating */
    CRVM__FL_GA = CRVM__FL_CA + 3, /* G1, W1, L1 alternating */
    CRVM__FL_CT = CRVM__FL_GA + 3, /* C, CW, CL times ln theta */
    CRVM__FL_CC = CRVM__FL_CT + 3, /* dC/dc, dC/d ln E, dCW/dc, ...: + 2 v */
    CRVM__FL_CK = CRVM__FL_CC + 6, /* the next moments of C, CW, CL */
    CRVM__FL_B = CRVM__FL_CK + 3, /* G_{n+H} (m < MV), then alternating, ln theta, */
    CRVM__FL_BA, CRVM__FL_BT,     /* dC_{n+H}/dc, dC_{n+H}/d ln E and the next */
    CRVM__FL_BC, CRVM__FL_BE,     /* moment, all with the at-risk coefficients */
    CRVM__FL_BK,
    CRVM__FL_BP,                  /* G's next moment with those of z = x + F */
    CRVM__FL_ZERO,
    CRVM__FULL_WIDE,
    CRVM__FULL_REST = 8,          /* C, CW, CL, G1, W1, L1, G_{n+H}, zero */
    CRVM__FULL_STRIDE = CRVM__FULL_WIDE * CRVM__LEFT_MP +
                        CRVM__FULL_REST * (CRVM__LEFT_MV - CRVM__LEFT_MP)
};

typedef struct crvm__rcov_gtab {
    double alpha, beta, E, lga, psi_alpha, t_lo, h;
    size_t K;       /* nodes 0 .. K - 1, padded by PAD at each end */
    size_t stride;  /* K + 2 PAD */
    int numeric;    /* normalise the weights numerically (alpha >= 5) */
    double *mem;    /* owns the node arrays */
    double *kappa;  /* [-PAD .. K + PAD - 1] nodes kappa_k = exp(t_lo + k h) */
    double *lth;    /* [-PAD ..] ln theta = ln(1 - e^-kappa) */
    double *phi;    /* [-PAD ..] (alpha - 1) ln theta + t */
    double *field;  /* [(max_n + 1) x FIELDS x stride]: row n, field f, node k at PAD + k
                       (0 in the padding) */
    double *series; /* [(max_n + 1) x FIELDS x SERIES_LEN] */
    double *rho;    /* [max_n + 1]: growth rate of the row's series (INFINITY: none) */
    double *rho_derl; /* [max_n + 1]: the same of the DERL's fields alone (C, G1 and the
                         derivatives of C at row n + 1): a DERL-only query's tail */
    /* The tail (cov_tail.c): per node k as the cut, with p a power of kappa,
     * the geometric sums over k' <= k of the weight's part that does not
     * depend on the query, e^(alpha (t' - t)) ((1 - e^-kappa')/kappa')^(alpha - 1)
     * kappa'^p (U), times ln theta (Ut) and alternating (Ua). [K x TAIL_STRIDE] */
    double *tail;
    double rho_theta; /* growth rate of the series of ((1 - e^-k)/k)^(alpha-1) and its log */
    double *left_k;   /* [max_n + 1]: row n's left cut node k_L (-1: none) */
    double *left;     /* [(max_n + 1) x LEFT_STRIDE] (NULL when alpha >= 5 or no series) */
    double *full_k;   /* [max_n + 1]: row n's full cut node k_F (-1: none) */
    double *left_full; /* [(max_n + 1) x FULL_STRIDE] (NULL when left is) */
} crvm__rcov_gtab;

struct crvm__rcov_engine {
    size_t groups;
    int max_n, H, cap;
    double d, c, G0, W0h, W0w; /* G0 = 1/(1-d); W0 over H and over the window H - 1 */
    double d_h;                /* d^H */
    double *P, *Pc;            /* t^c and t^c ln t, t = 0 .. t_max */
    double *w, *w_c, *w_cc;
    size_t t_max, top_terms;
    crvm__rcov_gtab *tab;
};

/* The unscaled moments of every row's functions (cov_series.c), from the
 * moments of the discounted top row: top_m[r] = M_r, top_mc[s] = MC_s for
 * orders 0 .. TAIL_ORDER + 1. CRVM_ENOMEM. */
typedef struct crvm__rcov_moments crvm__rcov_moments;
crvm_status crvm__rcov_moments_new(const crvm__rcov_engine *e, const double *top_m,
                                   const double *top_mc, crvm__rcov_moments **out);
void crvm__rcov_moments_free(crvm__rcov_moments *mo);

/* A group's series, growth rates and tail constants (gt->alpha, E, h set). */
void crvm__rcov_group_series(const crvm__rcov_engine *e, const crvm__rcov_moments *mo,
                             crvm__rcov_gtab *gt);

/* Row n's fields: field f at node k is [f * stride + k], -PAD <= k < K + PAD. */
static inline const double *crvm__rcov_fields(const crvm__rcov_gtab *gt, int n)
{
    return gt->field + (size_t)n * CRVM__FIELDS * gt->stride + CRVM__PAD;
}

/* Row n's left table if a DERL-only query with z = x + e1 may use it, else NULL. */
static inline const double *crvm__rcov_left(const crvm__rcov_gtab *gt, int n, double z)
{
    double k = gt->left_k[n];
    return k >= 0 && z * gt->kappa[(long)k] <= CRVM__LEFT_Q
               ? gt->left + (size_t)n * CRVM__LEFT_STRIDE : NULL;
}

/* Row n's full left table if a full query with z = x + F may use it, else NULL. */
static inline const double *crvm__rcov_left_full(const crvm__rcov_gtab *gt, int n, double z)
{
    double k = gt->full_k[n];
    return k >= 0 && z * gt->kappa[(long)k] <= CRVM__LEFT_Q
               ? gt->left_full + (size_t)n * CRVM__FULL_STRIDE : NULL;
}

/* Builds the group's left tables, both kinds (fields, series, rho and
 * rho_derl done); gt->left and gt->left_full allocated unless NULL. */
void crvm__rcov_left_tables(const crvm__rcov_engine *e, crvm__rcov_gtab *gt);

/* The series of ((1 - e^-k)/k)^(alpha - 1) (ts) and of its logarithm (ls),
 * orders 0 .. CRVM__TAIL_N + 1, and of their product (tl), orders 0 .. N. */
void crvm__rcov_theta_series(double alpha, double ls[CRVM__TAIL_N + 2],
                             double ts[CRVM__TAIL_N + 2], double tl[CRVM__TAIL_N + 1]);

static inline const double *crvm__rcov_series(const crvm__rcov_gtab *gt, int n)
{
    return gt->series + (size_t)n * CRVM__FIELDS * CRVM__SERIES_LEN;
}

#endif
