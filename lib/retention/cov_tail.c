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
 * q = e^(-lambda h), lambda = alpha + m. With |c_i| kappa_c^i <= |c_1|
 * kappa_c (rho kappa_c)^(i-1) for each factor and rho kappa_c <= q_T = 0.02,
 * a product of three series truncated after kappa^R is within (R + 3)^2
 * q_T^(R+1) / (1 - q_T) of the tail: below 4e-17 for the values (R = 10),
 * below 5e-9 for the partial sums and the alternating sums (R = 5), which
 * need less (a partial to ~1e-8; the error estimate to a few digits). */
#include <math.h>
#include <string.h>

#include "retention/cov_query.h"

#define FULL CRVM__TAIL_ORDER
#define LOW 5
#define N (FULL + 1)  /* coefficients of a full series */
#define NL (LOW + 1)  /* of a low one */

/* c[0..n) = a * b truncated at kappa^(n-1); n is a constant at each call,
 * and the loops have fixed bounds (b read through a zero-padded copy). */
static inline void product(const double *a, const double *b, double *c, int n)
{
    double bp[2 * N];
    memset(bp, 0, sizeof bp);
    memcpy(bp + N, b, (size_t)n * sizeof *b);
    for (int i = 0; i < n; i++)
        c[i] = 0;
    for (int l = 0; l < n; l++)
        for (int i = 0; i < n; i++)
            c[i] += a[l] * bp[N + i - l];
}

static inline double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int j = 0; j < n; j++)
        s += a[j] * b[j];
    return s;
}

/* The geometric sums over k <= k_c of kappa_k^(alpha+m) (T), of t_k
 * kappa_k^(alpha+m) (Tt) and alternating (Ta), times e^(-ln B). */
typedef struct tail_base {
    double T[2 * N], Tt[2 * NL], Ta[2 * NL];
} tail_base;

/* For a weight e^(-z kappa): V[j] = the sum over k <= k_c of the weight
 * times kappa^j, in full; and to order LOW the same times ln theta (Vt),
 * times kappa (Vk) and alternating (Va). The sums over i run over every
 * coefficient of W, so products of higher order than FULL are partly
 * included: within the truncation bound, and the loops keep fixed bounds. */
typedef struct tail_vec {
    double v[N], vt[NL], vk[NL], va[NL];
} tail_vec;

static void weight_vectors(const crvm__rcov_gtab *gt, double z, const tail_base *restrict tb,
                           tail_vec *restrict tv)
{
    double ez[N], W[N], Wl[NL];
    ez[0] = 1;
    for (int i = 1; i < N; i++)
        ez[i] = ez[i - 1] * -z / i;
    product(gt->theta_series, ez, W, N);
    product(gt->log_series, W, Wl, NL);
    double v[N] = {0}, vt[NL] = {0}, vk[NL] = {0}, va[NL] = {0};
    const double *T = tb->T, *Tt = tb->Tt, *Ta = tb->Ta;
    for (int i = 0; i < N; i++) {
        double wi = W[i];
        for (int j = 0; j < N; j++)
            v[j] += wi * T[i + j];
        for (int j = 0; j < NL; j++)
            vk[j] += wi * T[i + j + 1];
    }
    for (int i = 0; i < NL; i++) {
        double wi = W[i], li = Wl[i];
        for (int j = 0; j < NL; j++) {
            vt[j] += wi * Tt[i + j] + li * T[i + j];
            va[j] += wi * Ta[i + j];
        }
    }
    memcpy(tv->v, v, sizeof v);
    memcpy(tv->vt, vt, sizeof vt);
    memcpy(tv->vk, vk, sizeof vk);
    memcpy(tv->va, va, sizeof va);
}

/* Adds a tail's sum and alternating sum to a sum's even and odd lanes. */
static void add_value(double lanes[2], double sum, double alt)
{
    lanes[0] += 0.5 * (sum + alt);
    lanes[1] += 0.5 * (sum - alt);
}

void crvm__rcov_add_tail(crvm__rcov_qctx *qc, long kc)
{
    const crvm__rcov_gtab *gt = qc->gt;
    double tc = gt->t_lo + (double)kc * gt->h, kap_c = gt->kappa[kc];
    double p = exp(gt->alpha * tc - qc->lnB), sgn = (kc & 1) ? -1.0 : 1.0;
    tail_base tb;
    for (int m = 0; m < 2 * N; m++) {
        tb.T[m] = p * gt->geo[m];
        if (m < 2 * NL) {
            tb.Tt[m] = p * (tc * gt->geo[m] - gt->geo_t[m]);
            tb.Ta[m] = sgn * p * gt->geo_alt[m];
        }
        p *= kap_c;
    }
    tail_vec ty, tx;
    weight_vectors(gt, qc->x + qc->e1, &tb, &ty);
    weight_vectors(gt, qc->x, &tb, &tx);
    crvm__rcov_sums *s = &qc->s;
    const double *ser = qc->ser;
#define SER(field) (ser + (size_t)(field) * CRVM__SERIES_LEN)
    /* (a): weight e^(-(x + e1) kappa) times the fields' own series. */
    static const int comp[3] = {CRVM__F_C, CRVM__F_W, CRVM__F_L};
    static const int func[3] = {CRVM__F_G1, CRVM__F_W1, CRVM__F_L1};
    for (int v = 0; v < 3; v++) {
        const double *c = SER(comp[v]), *g = SER(func[v]);
        add_value(s->v[CRVM__S_C + v], dot(c, ty.v, N), dot(c, ty.va, NL));
        s->p[CRVM__P_CT + v][0] += dot(c, ty.vt, NL);
        s->p[CRVM__P_CK + v][0] += dot(c, ty.vk, NL);
        add_value(s->v[CRVM__S_G1 + v], dot(g, ty.v, N), dot(g, ty.va, NL));
        s->p[CRVM__P_CC + 2 * v][0] += dot(SER(comp[v] + 1), ty.v, NL);
        s->p[CRVM__P_CE + 2 * v][0] += dot(SER(comp[v] + 2), ty.v, NL);
    }
    /* (b): weight e^(-x kappa) times 1 - e^(-F kappa) (om) or kappa
     * e^(-F kappa) (kf), times G_{n+H} or the derivatives of its complement. */
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
    add_value(s->v[CRVM__S_B], dot(prod, tx.v, N), dot(prod, tx.va, NL));
    s->p[CRVM__P_BT][0] += dot(prod, tx.vt, NL);
    s->p[CRVM__P_BK][0] += dot(prod, tx.vk, NL);
    product(kf, SER(CRVM__F_G), prod, NL);
    s->p[CRVM__P_BP][0] += dot(prod, tx.v, NL);
    product(om, SER(CRVM__F_GC), prod, NL);
    s->p[CRVM__P_BC][0] += dot(prod, tx.v, NL);
    product(om, SER(CRVM__F_GE), prod, NL);
    s->p[CRVM__P_BE][0] += dot(prod, tx.v, NL);
#undef SER
    add_value(s->v[CRVM__S_Z], tx.v[0], tx.va[0]);
    s->p[CRVM__P_ZT][0] += tx.vt[0];
    s->p[CRVM__P_ZK][0] += tx.vk[0];
}
