/* Log-likelihood of the sBG/BdW with proportional-hazards covariates, with
 * its analytic gradient and Hessian.
 *
 * With h(y) = ln Gamma(y + alpha) - ln Gamma(y), ln S(n) = h(beta) -
 * h(beta + Lambda_n) (since S = B(alpha, beta + Lambda) / B(alpha, beta)). A
 * subject still active after n periods contributes ln S(n); one that churned
 * at n contributes ln S(n-1) + ln(1 - e^-D), D = h(y2) - h(y1), y1 = beta +
 * Lambda_{n-1}, y2 = y1 + e_n. Each of these is a function of (alpha, beta,
 * Lambda_{n-1}, Lambda_n) whose derivatives are digamma and trigamma values;
 * the exposures depend on (ln c, b) through
 *     Lambda = sum_s w_s(c) E_q,  E_q = exp(b' z_q),
 * so by the chain rule the Hessian needs per subject the gradient of its
 * exposures (covariates + 1 values, summed over its rows), and
 *     sum_i f_Lambda,i d2 Lambda_i / du du' = sum_q A_q E_q z_q z_q' (+ c terms),
 * where A_q accumulates f_Lambda w_s over the rows of pattern q. That sum is
 * flushed per block over the patterns the block touched.
 *
 * ln[B(alpha, y + dx) / B(alpha, y)] and the second differences of psi are
 * formed without cancellation (math/pochhammer.h), so a small last-period
 * exposure keeps its relative accuracy in ln(1 - e^-D). */
#include "retention/cov_loglik.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/pochhammer.h"
#include "math/special.h"
#include "retention/cov_model.h"
#include "retention/avx2_clones.h"
#include "core/parallel.h"

/* Subjects per block: large enough that a block's pattern flush is cheap,
 * small enough to balance the threads. Fixed, so blocks do not depend on
 * the thread count. */
#define BLOCK_SUBJECTS 4096
/* Block results are kept until summed; their total size is bounded by
 * merging blocks (still independent of the threads). */
#define BLOCK_RESULT_BUDGET ((size_t)1 << 24) /* doubles */
/* Up to this many covariates the per-row loop has a fixed trip count. */
#define NARROW 8
/* With 5 to 8 values of u = (ln c, b) the vectors over u are padded to
 * this length (zeros) so that their loops have a fixed trip count. */
#define UWIDE 8

#if defined(__GNUC__) || defined(__clang__)
#define BLOCK_INLINE __attribute__((always_inline))
/* The padded vectors' terms in GCC vectors: four lanes in the AVX2 clone,
 * two in the default one; lane for lane the scalar code's operations. */
#define U_VECTORS 1
typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));
/* x[j..j+L) as a vector, and back (memcpy: unaligned, no aliasing). */
#define V_LD(V, dst, x) V dst; memcpy(&dst, (x), sizeof dst)
#define V_ADD_ST(x, t)                                                                          \
    do {                                                                                        \
        __typeof__(t) s_;                                                                       \
        memcpy(&s_, (x), sizeof s_);                                                            \
        s_ += (t);                                                                              \
        memcpy((x), &s_, sizeof s_);                                                            \
    } while (0)
/* gu += wt (f1 g1 + f2 g2) over UWIDE values. */
#define U_GRADIENT(V, L)                                                                        \
    for (size_t j_ = 0; j_ < UWIDE; j_ += (L)) {                                                \
        V_LD(V, g1_, g1 + j_);                                                                  \
        V_LD(V, g2_, g2 + j_);                                                                  \
        V t_ = wt * (f1 * g1_ + f2 * g2_);                                                      \
        V_ADD_ST(gu + j_, t_);                                                                  \
    }
/* The row loop's eight covariate sums r += w_s E_q z_q in vectors. */
#define NARROW_SUMS(V, LN)                                                                      \
    do {                                                                                        \
        V r_[NARROW / (LN)];                                                                    \
        memset(r_, 0, sizeof r_);                                                               \
        for (size_t s = 1; s <= body; s++) {                                                    \
            uint32_t pt = pat[s - 1];                                                           \
            double E = Ev[pt], ws = w[s];                                                       \
            L += ws * E;                                                                        \
            Lc += w_c[s] * E;                                                                   \
            Lcc += w_cc[s] * E;                                                                 \
            const double *restrict v = vE + (size_t)pt * NARROW;                                \
            for (int k_ = 0; k_ < NARROW / (LN); k_++) {                                        \
                V_LD(V, v_, v + (LN) * k_);                                                     \
                r_[k_] += ws * v_;                                                              \
            }                                                                                   \
        }                                                                                       \
        double r[NARROW];                                                                       \
        memcpy(r, r_, sizeof r);                                                                \
        for (size_t j = 0; j < p; j++)                                                          \
            acc[j] = r[j];                                                                      \
    } while (0)
/* Row i_ of the outer products of H u-u from column J to UWIDE. */
#define U_ROW(V, L, J, TERM)                                                                    \
    for (size_t j_ = (J); j_ < UWIDE; j_ += (L)) {                                              \
        V_LD(V, g1_, g1 + j_);                                                                  \
        V_LD(V, g2_, g2 + j_);                                                                  \
        V t_ = TERM;                                                                            \
        (void)g1_;                                                                              \
        V_ADD_ST(huu + i_ * UWIDE + j_, t_);                                                    \
    }
#define U_CHURNED                                                                               \
    wt * (h22 * g1[i_] * g1_ + h33 * g2[i_] * g2_ + h23 * (g1[i_] * g2_ + g2[i_] * g1_))
#define U_ACTIVE s33 * g2[i_] * g2_
/* The theta-u rows and the outer products of H u-u (rows 0-3 from column
 * 0, rows 4-7 from column 4) over UWIDE values. */
#define U_HESSIAN(V, L)                                                                         \
    do {                                                                                        \
        for (size_t j_ = 0; j_ < UWIDE; j_ += (L)) {                                            \
            V_LD(V, g1_, g1 + j_);                                                              \
            V_LD(V, g2_, g2 + j_);                                                              \
            V ta_ = wa * (h02 * g1_ + h03 * g2_), tb_ = wb * (h12 * g1_ + h13 * g2_);           \
            V_ADD_ST(hta + j_, ta_);                                                            \
            V_ADD_ST(htb + j_, tb_);                                                            \
        }                                                                                       \
        if (churned) {                                                                          \
            for (size_t i_ = 0; i_ < 4; i_++)                                                   \
                U_ROW(V, L, 0, U_CHURNED)                                                       \
            for (size_t i_ = 4; i_ < UWIDE; i_++)                                               \
                U_ROW(V, L, 4, U_CHURNED)                                                       \
        } else {                                                                                \
            for (size_t i_ = 0; i_ < 4; i_++)                                                   \
                U_ROW(V, L, 0, U_ACTIVE)                                                        \
            for (size_t i_ = 4; i_ < UWIDE; i_++)                                               \
                U_ROW(V, L, 4, U_ACTIVE)                                                        \
        }                                                                                       \
    } while (0)
#else
#define BLOCK_INLINE
#define U_VECTORS 0
#endif

/* h and its derivatives at y (family.lp = h(y), dpsi = h'(y), psi_a =
 * dh/dalpha, dtri = h''(y), tri_a = d2h/dy dalpha = d2h/dalpha2). */
typedef crvm__poch_family at_y;

/* A group's parameters and h at beta: the same for all its subjects, so
 * computed once per evaluation (G calls, not one per change of group
 * between consecutive subjects). */
typedef struct group_consts {
    double a, b;
    at_y at_b;
} group_consts;

typedef struct worker {
    double *ab;          /* per pattern: sums of f_Lambda w_s and of f_Lambda w'_s, interleaved */
    uint32_t *touched;   /* patterns with nonzero a or b in this block */
    uint8_t *mark;
    double *vec;         /* 2 us: the exposure gradients g1, g2 of a subject (zero-padded) */
} worker;

struct crvm__rcov_eval {
    crvm_retention_kind kind;
    const crvm__rcov_data *d;
    size_t G, p, q, kx, rsize;
    size_t us;              /* the vectors' length over u: UWIDE when 5 <= q <= UWIDE, else q */
    int threads;
    int max_n;
    double *w, *w_c, *w_cc; /* [max_n + 1] */
    double *w_pair;         /* [2 (max_n + 1)]: w_s and w_c,s interleaved, for the pattern sums */
    double *E;              /* [patterns] */
    double *vE;             /* [patterns x pstride]: E_q z_q, zero-padded */
    group_consts *gc;       /* [groups]: each group's (alpha, beta) and h at beta */
    size_t pstride;         /* NARROW when covariates <= NARROW, else covariates */
    size_t nblocks, block_len;
    double *results;        /* nblocks x rsize */
    worker *workers;
    /* the evaluation in progress */
    const double *params;
    crvm__rcov_mode mode;
    int bad;                /* an exposure overflowed */
    int scalar;             /* 1: never the AVX2 clone (crvm__rcov_eval_scalar) */
};

/* Offsets into a block result: f, grad theta (2G), grad u (us), H
 * theta-theta (3G: aa, ab, bb), H theta-u (2G x us), H u-u (us x us, of which
 * the upper triangle's first q x q is read). u = (ln c, b). */
#define R_F 0
#define R_GT(ev) 1
#define R_GU(ev) (1 + 2 * (ev)->G)
#define R_HTT(ev) (R_GU(ev) + (ev)->us)
#define R_HTU(ev) (R_HTT(ev) + 3 * (ev)->G)
#define R_HUU(ev) (R_HTU(ev) + 2 * (ev)->G * (ev)->us)

size_t crvm__rcov_eval_dim(const crvm__rcov_eval *ev) { return ev->kx; }

void crvm__rcov_eval_scalar(crvm__rcov_eval *ev, int scalar) { ev->scalar = scalar != 0; }

void crvm__rcov_eval_free(crvm__rcov_eval *ev)
{
    if (ev == NULL)
        return;
    if (ev->workers)
        for (int t = 0; t < ev->threads; t++) {
            crvm__free(ev->workers[t].ab);
            crvm__free(ev->workers[t].touched);
            crvm__free(ev->workers[t].mark);
            crvm__free(ev->workers[t].vec);
        }
    crvm__free(ev->workers);
    crvm__free(ev->w);
    crvm__free(ev->w_pair);
    crvm__free(ev->E);
    crvm__free(ev->vE);
    crvm__free(ev->gc);
    crvm__free(ev->results);
    crvm__free(ev);
}

crvm_status crvm__rcov_eval_new(crvm_retention_kind kind, const crvm__rcov_data *d, int threads,
                                crvm__rcov_eval **out)
{
    crvm__rcov_eval *ev = crvm__calloc(1, sizeof *ev);
    if (ev == NULL)
        return crvm__nomem("the likelihood workspace");
    ev->kind = kind;
    ev->d = d;
    ev->G = d->groups;
    ev->p = d->covariates;
    ev->q = 1 + d->covariates;
    ev->kx = 2 * ev->G + (kind == CRVM_RETENTION_BDW) + ev->p;
    ev->us = U_VECTORS && ev->q >= 5 && ev->q <= UWIDE ? UWIDE : ev->q;
    ev->rsize = R_HUU(ev) + ev->us * ev->us;
    ev->threads = threads > 1 ? (threads > 64 ? 64 : threads) : 1;
    for (size_t i = 0; i < d->subjects; i++)
        if (d->periods[i] > ev->max_n)
            ev->max_n = d->periods[i];
    size_t per = (d->subjects + BLOCK_SUBJECTS - 1) / BLOCK_SUBJECTS;
    ev->nblocks = per ? per : 1;
    while (ev->nblocks > 1 && ev->nblocks * ev->rsize > BLOCK_RESULT_BUDGET)
        ev->nblocks = (ev->nblocks + 1) / 2;
    ev->block_len = (d->subjects + ev->nblocks - 1) / ev->nblocks;
    size_t np = d->patterns ? d->patterns : 1;
    ev->w = crvm__calloc(3 * ((size_t)ev->max_n + 1), sizeof *ev->w);
    ev->w_pair = crvm__calloc(2 * ((size_t)ev->max_n + 1), sizeof *ev->w_pair);
    ev->E = crvm__calloc(np, sizeof *ev->E);
    ev->pstride = ev->p <= NARROW ? NARROW : ev->p;
    ev->vE = crvm__calloc(np * ev->pstride, sizeof *ev->vE);
    ev->gc = crvm__calloc(ev->G ? ev->G : 1, sizeof *ev->gc);
    ev->results = crvm__calloc(ev->nblocks * ev->rsize, sizeof *ev->results);
    ev->workers = crvm__calloc((size_t)ev->threads, sizeof *ev->workers);
    if (!ev->w || !ev->w_pair || !ev->E || !ev->vE || !ev->gc || !ev->results || !ev->workers)
        goto nomem;
    ev->w_c = ev->w + ev->max_n + 1;
    ev->w_cc = ev->w_c + ev->max_n + 1;
    for (int t = 0; t < ev->threads; t++) {
        worker *wk = &ev->workers[t];
        wk->ab = crvm__calloc(2 * np, sizeof *wk->ab);
        wk->touched = crvm__calloc(np, sizeof *wk->touched);
        wk->mark = crvm__calloc(np, sizeof *wk->mark);
        wk->vec = crvm__calloc(2 * ev->us, sizeof *wk->vec);
        if (!wk->ab || !wk->touched || !wk->mark || !wk->vec)
            goto nomem;
    }
    *out = ev;
    return CRVM_OK;
nomem:
    crvm__rcov_eval_free(ev);
    return crvm__nomem("the likelihood workspace");
}

/* ---- one subject ------------------------------------------------------------ */

/* Local derivatives in (alpha, beta, Lambda_1, Lambda_2), indices 0..3;
 * of h only the upper triangle (i <= j) is written and read. */
typedef struct local {
    double f, g[4], h[4][4];
} local;

/* Adds ln S ratio h(beta) - h(y), y = beta + L, with L in slot `slot`
 * (b0: h at beta, t: h at y). The difference of h values is accurate in
 * absolute terms, all the likelihood needs. */
static inline BLOCK_INLINE void add_survival(local *o, const at_y *b0, const at_y *t_, int slot, int mode)
{
    const at_y t = *t_;
    o->f += b0->lp - t.lp;
    if (mode == CRVM__RCOV_VALUE)
        return;
    o->g[0] += b0->psi_a - t.psi_a;
    o->g[1] += b0->dpsi - t.dpsi;
    o->g[slot] += -t.dpsi;
    if (mode != CRVM__RCOV_HESSIAN)
        return;
    o->h[0][0] += b0->tri_a - t.tri_a;
    o->h[0][1] += b0->tri_a - t.tri_a;
    o->h[1][1] += b0->dtri - t.dtri;
    o->h[0][slot] += -t.tri_a;
    o->h[1][slot] += -t.dtri;
    o->h[slot][slot] += -t.dtri;
}

/* Adds ln(1 - e^-D), D = h(y1 + e) - h(y1), the churn at the last renewal;
 * D and its psi differences to full relative accuracy however small e is. */
static inline BLOCK_INLINE void add_churn(local *o, const crvm__churn_family *cf, int mode)
{
    double r = cf->log_ratio; /* -D */
    o->f += crvm__log1mexp(r);
    if (mode == CRVM__RCOV_VALUE)
        return;
    double m = 1.0 / expm1(-r);
    const at_y t1 = cf->at1, t2 = cf->at2;
    double dD[4] = {cf->dpsi_a, cf->psi2, -t1.dpsi, t2.dpsi};
    for (int i = 0; i < 4; i++)
        o->g[i] += m * dD[i];
    if (mode != CRVM__RCOV_HESSIAN)
        return;
    double mp = -m * (1.0 + m);
    double d2[4][4] = {{t2.tri_a - t1.tri_a, t2.tri_a - t1.tri_a, -t1.tri_a, t2.tri_a},
                       {0, t2.dtri - t1.dtri, -t1.dtri, t2.dtri},
                       {0, 0, -t1.dtri, 0},
                       {0, 0, 0, t2.dtri}};
    for (int i = 0; i < 4; i++)
        for (int j = i; j < 4; j++)
            o->h[i][j] += m * d2[i][j] + mp * dD[i] * dD[j];
}

/* ---- one block -------------------------------------------------------------- */


static void flush_patterns(const crvm__rcov_eval *ev, worker *wk, size_t touched, double c,
                           double *huu)
{
    size_t p = ev->p, us = ev->us;
    for (size_t t = 0; t < touched; t++) {
        uint32_t pat = wk->touched[t];
        const double *z = ev->d->pattern_z + (size_t)pat * p;
        double *ab = wk->ab + 2 * (size_t)pat;
        double ea = ab[0] * ev->E[pat], eb = c * ab[1] * ev->E[pat];
        for (size_t i = 0; i < p; i++) {
            huu[0 * us + 1 + i] += eb * z[i];
            for (size_t j = i; j < p; j++)
                huu[(1 + i) * us + 1 + j] += ea * z[i] * z[j];
        }
        ab[0] = ab[1] = 0.0;
        wk->mark[pat] = 0;
    }
}

/* A churned subject's term of H u-u at (i, j). */
static inline double churned_uu(double wt, double h22, double h33, double h23, double g1i,
                                double g2i, double g1j, double g2j)
{
    return wt * (h22 * g1i * g1j + h33 * g2i * g2j + h23 * (g1i * g2j + g2i * g1j));
}

/* One block of subjects, us the length of the vectors over u (a constant
 * UWIDE in one instance: loops of fixed trip count); inlined into a
 * default clone and an AVX2 one. */
static inline BLOCK_INLINE void block_body(crvm__rcov_eval *ev, size_t wid, size_t block,
                                           const size_t us, const int wide4)
{
    const crvm__rcov_data *d = ev->d;
    worker *wk = &ev->workers[wid];
    double *res = ev->results + block * ev->rsize;
    memset(res, 0, ev->rsize * sizeof *res);
    size_t lo = block * ev->block_len, hi = lo + ev->block_len;
    if (hi > d->subjects)
        hi = d->subjects;
    size_t G = ev->G, p = ev->p, q = ev->q;
    const double *params = ev->params;
    double c = params[2 * G];
    int mode = (int)ev->mode;
    /* Disjoint pieces of the worker's vector and of the block's result:
     * restrict lets the compiler keep g1 and g2 in registers across the
     * stores of the Hessian's outer products (the same operations). */
    double *restrict g1 = wk->vec, *restrict g2 = wk->vec + us;
    double *restrict gt = res + R_GT(ev), *restrict gu = res + R_GU(ev), *restrict htt = res + R_HTT(ev);
    double *restrict htu = res + R_HTU(ev), *restrict huu = res + R_HUU(ev);
    size_t touched = 0;

    for (size_t i = lo; i < hi; i++) {
        size_t n = (size_t)d->periods[i];
        double wt = d->weight ? d->weight[i] : 1.0;
        if (n == 0 || wt == 0)
            continue;
        int g = d->group[i];
        const group_consts *gc = &ev->gc[g];
        int churned = d->churned[i];
        const uint32_t *pat = d->row_pattern + d->first_row[i];
        /* Exposure over rows 1..n-1 (churned) or 1..n (active), then the last. */
        size_t body = churned ? n - 1 : n;
        double L = 0, Lc = 0, Lcc = 0;
        const double *restrict w = ev->w, *restrict Ev = ev->E;
        if (mode == CRVM__RCOV_VALUE) {
            for (size_t s = 1; s <= body; s++)
                L += w[s] * Ev[pat[s - 1]];
        } else {
            double *restrict acc = g1 + 1;
            const double *restrict w_c = ev->w_c, *restrict w_cc = ev->w_cc;
            const double *restrict vE = ev->vE;
            size_t ps = ev->pstride;
            for (size_t j = 0; j < us; j++)
                g1[j] = g2[j] = 0.0;
#if U_VECTORS
            if (ps == NARROW && wide4) {
                NARROW_SUMS(v4d, 4);
            } else if (ps == NARROW) {
                NARROW_SUMS(v2d, 2);
            } else
#endif
            {
                for (size_t s = 1; s <= body; s++) {
                    uint32_t pt = pat[s - 1];
                    double E = Ev[pt], ws = w[s];
                    L += ws * E;
                    Lc += w_c[s] * E;
                    Lcc += w_cc[s] * E;
                    const double *restrict v = vE + (size_t)pt * ps;
                    for (size_t j = 0; j < p; j++)
                        acc[j] += ws * v[j];
                }
            }
        }
        /* Only the upper triangle of h is used: zeroing the whole struct
         * took a rep stos per subject. */
        local lo_;
        lo_.f = 0;
        for (int r = 0; r < 4; r++) {
            lo_.g[r] = 0;
            for (int j = r; j < 4; j++)
                lo_.h[r][j] = 0;
        }
        double e = 0, ec = 0, ecc = 0;
        if (churned) {
            double E = ev->E[pat[n - 1]];
            e = ev->w[n] * E;
            ec = ev->w_c[n] * E;
            ecc = ev->w_cc[n] * E;
            crvm__churn_family cf;
            crvm__churn_family_at(gc->b + L, gc->a, e, mode == CRVM__RCOV_HESSIAN, &cf);
            add_survival(&lo_, &gc->at_b, &cf.at1, 2, mode);
            add_churn(&lo_, &cf, mode);
        } else {
            at_y t2;
            crvm__poch_family_at(gc->b + L, gc->a, mode == CRVM__RCOV_HESSIAN, &t2);
            add_survival(&lo_, &gc->at_b, &t2, 3, mode);
        }
        if (!isfinite(L + e) || !(lo_.f > -INFINITY)) {
            ev->bad = 1;
            res[R_F] = -INFINITY;
            continue;
        }
        res[R_F] += wt * lo_.f;
        if (mode == CRVM__RCOV_VALUE)
            continue;

        /* Exposure gradients in u = (ln c, b): g1 for Lambda_{n-1} (churned)
         * and g2 for Lambda_n. For an active subject the body is Lambda_n. */
        g1[0] = c * Lc;
        if (churned) {
            const double *v = ev->vE + (size_t)pat[n - 1] * ev->pstride;
            g2[0] = c * (Lc + ec);
            for (size_t j = 0; j < p; j++)
                g2[1 + j] = g1[1 + j] + ev->w[n] * v[j];
        } else {
            for (size_t j = 0; j < us; j++) {
                g2[j] = g1[j];
                g1[j] = 0.0;
            }
        }
        double a = gc->a, b = gc->b;
        double f1 = lo_.g[2], f2 = lo_.g[3];
        gt[2 * g] += wt * a * lo_.g[0];
        gt[2 * g + 1] += wt * b * lo_.g[1];
#if U_VECTORS
        if (us == UWIDE && wide4) {
            U_GRADIENT(v4d, 4)
        } else if (us == UWIDE) {
            U_GRADIENT(v2d, 2)
        } else
#endif
            for (size_t j = 0; j < us; j++)
                gu[j] += wt * (f1 * g1[j] + f2 * g2[j]);
        if (mode != CRVM__RCOV_HESSIAN)
            continue;

        double (*h)[4] = lo_.h;
        htt[3 * g] += wt * (a * a * h[0][0] + a * lo_.g[0]);
        htt[3 * g + 1] += wt * a * b * h[0][1];
        htt[3 * g + 2] += wt * (b * b * h[1][1] + b * lo_.g[1]);
        double *restrict hta = htu + (2 * g) * us, *restrict htb = hta + us;
        const double wa = wt * a, wb = wt * b, h02 = h[0][2], h03 = h[0][3], h12 = h[1][2],
                     h13 = h[1][3];
        /* The upper triangle of the outer products; with us = UWIDE whole
         * vectors (the entries left of the diagonal are never read). */
        const double h22 = h[2][2], h33 = h[3][3], h23 = h[2][3], s33 = wt * h33;
#if U_VECTORS
        if (us == UWIDE && wide4) {
            U_HESSIAN(v4d, 4);
        } else if (us == UWIDE) {
            U_HESSIAN(v2d, 2);
        } else
#endif
        {
            for (size_t j = 0; j < us; j++)
                hta[j] += wa * (h02 * g1[j] + h03 * g2[j]);
            for (size_t j = 0; j < us; j++)
                htb[j] += wb * (h12 * g1[j] + h13 * g2[j]);
            if (churned) {
                for (size_t i2 = 0; i2 < q; i2++)
                    for (size_t j = i2; j < q; j++)
                        huu[i2 * us + j] +=
                            churned_uu(wt, h22, h33, h23, g1[i2], g2[i2], g1[j], g2[j]);
            } else {
                for (size_t i2 = 0; i2 < q; i2++) {
                    double t = s33 * g2[i2];
                    for (size_t j = i2; j < q; j++)
                        huu[i2 * us + j] += t * g2[j];
                }
            }
        }
        /* d2 Lambda / d(ln c)^2 = c Lambda_c + c^2 Lambda_cc. */
        double body_cc = c * Lc + c * c * Lcc;
        if (churned)
            huu[0] += wt * (f1 * body_cc + f2 * (body_cc + c * ec + c * c * ecc));
        else
            huu[0] += wt * f2 * body_cc;
        /* Pattern accumulation of the remaining second derivatives of
         * Lambda; a row's coefficient is wt (f2 + f1) on a churned
         * subject's rows before its last, wt (f2 + 0) on the others. */
        const double coef_body = wt * (f2 + (churned ? f1 : 0.0)), coef_last = wt * (f2 + 0.0);
        double *restrict pab = wk->ab;
        const double *restrict wp = ev->w_pair;
        for (size_t s = 1; s <= n; s++) {
            double coef = s < n ? coef_body : coef_last;
            uint32_t pt = pat[s - 1];
            if (!wk->mark[pt]) {
                wk->mark[pt] = 1;
                wk->touched[touched++] = pt;
            }
            pab[2 * (size_t)pt] += coef * wp[2 * s];
            pab[2 * (size_t)pt + 1] += coef * wp[2 * s + 1];
        }
    }
    if (mode == CRVM__RCOV_HESSIAN)
        flush_patterns(ev, wk, touched, c, huu);
}

/* The instance for the eval's vector length. */
static inline BLOCK_INLINE void block_dispatch(crvm__rcov_eval *ev, size_t wid, size_t block,
                                               const int wide4)
{
    if (ev->us == UWIDE)
        block_body(ev, wid, block, UWIDE, wide4);
    else
        block_body(ev, wid, block, ev->us, wide4);
}

static void run_block(void *vctx, size_t wid, size_t block) { block_dispatch(vctx, wid, block, 0); }

#if CRVM__RCOV_AVX2_CLONES
/* The same code compiled for AVX2: the row loop's eight covariate sums and
 * the Hessian's outer products in 4-wide vectors, lane for lane the same
 * operations in the same order (no FMA: ISO C mode contracts nothing), so
 * the same bits. */
__attribute__((target("avx2"))) static void run_block_avx2(void *vctx, size_t wid, size_t block)
{
    block_dispatch(vctx, wid, block, 1);
}
#endif

/* ---- the whole data set ------------------------------------------------------ */

double crvm__rcov_eval_run(crvm__rcov_eval *ev, const double *params, crvm__rcov_mode mode,
                           double *grad, double *hess)
{
    const crvm__rcov_data *d = ev->d;
    size_t G = ev->G, p = ev->p, q = ev->q;
    for (size_t pt = 0; pt < d->patterns; pt++) {
        double eta = 0;
        for (size_t j = 0; j < p; j++)
            eta += params[2 * G + 1 + j] * d->pattern_z[pt * p + j];
        ev->E[pt] = exp(eta);
        if (!(ev->E[pt] > 0 && isfinite(ev->E[pt])))
            return -INFINITY;
        for (size_t j = 0; j < p; j++)
            ev->vE[pt * ev->pstride + j] = ev->E[pt] * d->pattern_z[pt * p + j];
    }
    crvm__rcov_period_weights(params[2 * G], ev->max_n, ev->w, ev->w_c, ev->w_cc);
    for (int s = 0; s <= ev->max_n; s++) {
        ev->w_pair[2 * s] = ev->w[s];
        ev->w_pair[2 * s + 1] = ev->w_c[s];
    }
    for (size_t g = 0; g < G; g++) {
        ev->gc[g].a = params[2 * g];
        ev->gc[g].b = params[2 * g + 1];
        crvm__poch_family_at(ev->gc[g].b, ev->gc[g].a, mode == CRVM__RCOV_HESSIAN, &ev->gc[g].at_b);
    }
    ev->params = params;
    ev->mode = mode;
    ev->bad = 0;
#if CRVM__RCOV_AVX2_CLONES
    if (!ev->scalar && crvm__rcov_avx2()) {
        crvm__run_blocks(run_block_avx2, ev, ev->nblocks, ev->threads);
    } else
#endif
        crvm__run_blocks(run_block, ev, ev->nblocks, ev->threads);
    if (ev->bad)
        return -INFINITY;

    double *tot = ev->results; /* block 0 accumulates the others, in order */
    for (size_t blk = 1; blk < ev->nblocks; blk++) {
        const double *r = ev->results + blk * ev->rsize;
        size_t len = mode == CRVM__RCOV_VALUE ? 1 : ev->rsize;
        for (size_t j = 0; j < len; j++)
            tot[j] += r[j];
    }
    double ll = tot[R_F];
    if (mode == CRVM__RCOV_VALUE || !isfinite(ll))
        return ll;

    /* Map u = (ln c, b) into x (ln c dropped for the sBG). */
    int has_c = ev->kind == CRVM_RETENTION_BDW;
    size_t kx = ev->kx, ux = 2 * G;
    long umap[q];
    umap[0] = has_c ? (long)ux : -1;
    for (size_t j = 0; j < p; j++)
        umap[1 + j] = (long)(ux + has_c + j);
    memcpy(grad, tot + R_GT(ev), 2 * G * sizeof *grad);
    for (size_t j = 0; j < q; j++)
        if (umap[j] >= 0)
            grad[umap[j]] = tot[R_GU(ev) + j];
    if (mode != CRVM__RCOV_HESSIAN)
        return ll;
    memset(hess, 0, kx * kx * sizeof *hess);
    const double *htt = tot + R_HTT(ev), *htu = tot + R_HTU(ev), *huu = tot + R_HUU(ev);
    for (size_t g = 0; g < G; g++) {
        hess[(2 * g) * kx + 2 * g] = htt[3 * g];
        hess[(2 * g) * kx + 2 * g + 1] = hess[(2 * g + 1) * kx + 2 * g] = htt[3 * g + 1];
        hess[(2 * g + 1) * kx + 2 * g + 1] = htt[3 * g + 2];
        for (size_t j = 0; j < q; j++) {
            if (umap[j] < 0)
                continue;
            size_t col = (size_t)umap[j];
            for (size_t r = 0; r < 2; r++)
                hess[(2 * g + r) * kx + col] = hess[col * kx + 2 * g + r] = htu[(2 * g + r) * ev->us + j];
        }
    }
    for (size_t i = 0; i < q; i++)
        for (size_t j = i; j < q; j++) {
            if (umap[i] < 0 || umap[j] < 0)
                continue;
            size_t r = (size_t)umap[i], col = (size_t)umap[j];
            hess[r * kx + col] = hess[col * kx + r] = huu[i * ev->us + j];
        }
    return ll;
}
