/* The left tail of a query's quadrature in closed form (cov_query.h).
 *
 * For k <= k_c every factor of a node's term is a convergent power series
 * in kappa: the weight kappa^alpha ((1 - e^-kappa)/kappa)^(alpha - 1)
 * e^(-z kappa) / B(alpha, x) (z = x, or x + e1 with u^e1), the fields
 * (cov_series.c), 1 - e^(-F kappa) and ln theta = t + ln((1 -
 * e^-kappa)/kappa). On the grid kappa_k = kappa_c e^((k - k_c) h), so term
 * by term the sum over k <= k_c is geometric:
 *     sum_{k<=k_c} kappa_k^lambda = kappa_c^lambda / (1 - q),
 *     sum_{k<=k_c} t_k kappa_k^lambda = kappa_c^lambda (t_c / (1 - q) - h q / (1 - q)^2),
 *     sum_{k<=k_c} (-1)^k kappa_k^lambda = (-1)^k_c kappa_c^lambda / (1 + q),
 * q = e^(-lambda h), lambda = alpha + m. The parts that do not depend on
 * the query are tabulated per node (cov_series.c): U, Ut, Ua; a query
 * multiplies in e^(-z kappa) by its Taylor coefficients E_m = (-z)^m / m!:
 *     V_j = sum_m E_m U[m + j]  (the weight times kappa^j, summed over the tail),
 * and likewise Vt (times ln theta) and Va (alternating); times kappa is V
 * shifted. With |c_i| kappa_c^i <= |c_1| kappa_c (rho kappa_c)^(i-1) for
 * each factor and rho kappa_c <= q_T = 0.01, a product of three series
 * truncated after kappa^R is within (R + 3)^2 q_T^(R+1) / (1 - q_T) of the
 * tail: 1.2e-16 for the values (R = N = 8), 6.5e-11 for the partial sums
 * and the alternating sums (R = LOW - 1 = 5), which need less (a partial
 * to ~1e-8; the error estimate to a few digits). */
#include <math.h>

#include "retention/cov_query.h"

#define N CRVM__TAIL_N
#define NL CRVM__TAIL_LOW

/* For a weight e^(-z kappa): v[j] (j <= N) the tail's sum of the weight
 * times kappa^j; vt, va (j < NL) times ln theta and alternating. The
 * tables stop at U[N] and Ut[NL - 1], Ua[NL - 1] (the series' orders): a
 * product of two truncated series keeps the powers up to the same order. */
typedef struct tail_vec {
    double v[N + 1], vt[NL], va[NL];
} tail_vec;

static void weight_vectors(const double *restrict U, double z, double scale,
                           tail_vec *restrict tv)
{
    const double *Ut = U + CRVM__TAIL_U, *Ua = Ut + CRVM__TAIL_UL;
    double ez[N];
    ez[0] = scale;
    for (int m = 1; m < N; m++)
        ez[m] = ez[m - 1] * -z / m;
    for (int j = 0; j <= N; j++) {
        double s = 0;
        for (int m = 0; m < N && m + j <= N; m++)
            s += ez[m] * U[m + j];
        tv->v[j] = s;
    }
    for (int j = 0; j < NL; j++) {
        double st = 0, sa = 0;
        for (int m = 0; m + j < NL; m++) {
            st += ez[m] * Ut[m + j];
            sa += ez[m] * Ua[m + j];
        }
        tv->vt[j] = st;
        tv->va[j] = sa;
    }
}

/* The first n terms of a . b, and c = a * b truncated at kappa^(n-1); n is
 * N or NL at every call, so the inlined loops have constant bounds. */
static inline double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int j = 0; j < n; j++)
        s += a[j] * b[j];
    return s;
}

static inline void product(const double *a, const double *b, double *c, int n)
{
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int l = 0; l <= i; l++)
            s += a[l] * b[i - l];
        c[i] = s;
    }
}

/* (b): weight e^(-x kappa) times 1 - e^(-F kappa) (om) or kappa
 * e^(-F kappa) (kf), times G_{n+H} or the derivatives of its complement. */
static void add_b_sums(crvm__rcov_qctx *qc, const tail_vec *tx)
{
    crvm__rcov_sums *s = &qc->s;
    const double *ser = qc->ser;
#define SER(field) (ser + (size_t)(field) * CRVM__SERIES_LEN)
    double eF[N], om[N], kf[N], prod[N];
    eF[0] = 1;
    for (int i = 1; i < N; i++)
        eF[i] = eF[i - 1] * -qc->F / i;
    om[0] = kf[0] = 0;
    for (int i = 1; i < N; i++) {
        om[i] = -eF[i];
        kf[i] = eF[i - 1];
    }
    product(om, SER(CRVM__F_G), prod, N);
    crvm__lanes_add(s->v[CRVM__S_B], dot(prod, tx->v, N), dot(prod, tx->va, NL));
    s->p[CRVM__P_BT][0] += dot(prod, tx->vt, NL);
    s->p[CRVM__P_BK][0] += dot(prod, tx->v + 1, N);
    product(kf, SER(CRVM__F_G), prod, NL);
    s->p[CRVM__P_BP][0] += dot(prod, tx->v, NL);
    product(om, SER(CRVM__F_GC), prod, NL);
    s->p[CRVM__P_BC][0] += dot(prod, tx->v, NL);
    product(om, SER(CRVM__F_GE), prod, NL);
    s->p[CRVM__P_BE][0] += dot(prod, tx->v, NL);
#undef SER
}

void crvm__rcov_add_tail(crvm__rcov_qctx *qc, long kc)
{
    const crvm__rcov_gtab *gt = qc->gt;
    const double *U = gt->tail + (size_t)kc * CRVM__TAIL_STRIDE;
    double scale = exp(gt->alpha * (gt->t_lo + (double)kc * gt->h) - qc->lnB);
    tail_vec ty, tx;
    weight_vectors(U, qc->x + qc->e1, scale, &ty);
    crvm__rcov_sums *s = &qc->s;
    const double *ser = qc->ser;
#define SER(field) (ser + (size_t)(field) * CRVM__SERIES_LEN)
    /* (a): weight e^(-(x + e1) kappa) times the fields' own series; kappa
     * times it is v shifted by one. */
    static const int comp[3] = {CRVM__F_C, CRVM__F_W, CRVM__F_L};
    static const int func[3] = {CRVM__F_G1, CRVM__F_W1, CRVM__F_L1};
    const int sums = qc->derl_only ? 1 : 3;
    for (int v = 0; v < sums; v++) {
        const double *c = SER(comp[v]), *g = SER(func[v]);
        crvm__lanes_add(s->v[CRVM__S_C + v], dot(c, ty.v, N), dot(c, ty.va, NL));
        s->p[CRVM__P_CT + v][0] += dot(c, ty.vt, NL);
        s->p[CRVM__P_CK + v][0] += dot(c, ty.v + 1, N);
        crvm__lanes_add(s->v[CRVM__S_G1 + v], dot(g, ty.v, N), dot(g, ty.va, NL));
        s->p[CRVM__P_CC + 2 * v][0] += dot(SER(comp[v] + 1), ty.v, NL);
        s->p[CRVM__P_CE + 2 * v][0] += dot(SER(comp[v] + 2), ty.v, NL);
    }
#undef SER
    if (qc->derl_only && !gt->numeric)
        return;
    weight_vectors(U, qc->x, scale, &tx);
    if (!qc->derl_only)
        add_b_sums(qc, &tx);
    crvm__lanes_add(s->v[CRVM__S_Z], tx.v[0], tx.va[0]);
    s->p[CRVM__P_ZT][0] += tx.vt[0];
    s->p[CRVM__P_ZK][0] += tx.v[1];
}
