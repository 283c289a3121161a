/* Private: the pieces of the Pareto/NBD series shared by its scalar loop
 * (pareto_series.c) and its block kernel (pareto_block.c). */
#ifndef CRVM_TRANSACTIONS_PARETO_PRIVATE_H
#define CRVM_TRANSACTIONS_PARETO_PRIVATE_H

#include <math.h>

#include "transactions/txn_private.h"

/* The sums over the series' terms: S, its first derivatives in
 * v = (e, m, c, d), its second derivatives in the order ee, em, ec, ed,
 * mm, mc, md, cc, cd, dd (pareto_series.c) */
enum { CRVM__PACC_S, CRVM__PACC_E, CRVM__PACC_M, CRVM__PACC_C, CRVM__PACC_D, CRVM__PACC_EE,
       CRVM__PACC_EM, CRVM__PACC_EC, CRVM__PACC_ED, CRVM__PACC_MM, CRVM__PACC_MC, CRVM__PACC_MD,
       CRVM__PACC_CC, CRVM__PACC_CD, CRVM__PACC_DD, CRVM__PACC_N };

/* One row's series geometry (pareto_series.c): e, m, d, z = d / c_t,
 * ict = 1 / c_t, L = log rho, rho, 1 - rho, L_c, L_cc, q0 = rho^m;
 * case_a: alpha >= beta */
typedef struct crvm__pareto_geom {
    double e, m, d, z, ict, L, rho, omr, Lc, Lcc, q0;
    int case_a;
} crvm__pareto_geom;

/* The geometry of the row (x, t_x, T) under p (lg: its logarithms or NULL,
 * as for crvm__pareto_J_series); 0 where the series needs too many terms
 * (z > 0.99, or e z / (1 - z) beyond 5000): the quadrature then. */
static inline int crvm__pareto_geom_set(const double *p, double x, double tx, double T,
                                        const crvm__pareto_logs *lg, crvm__pareto_geom *g)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    g->case_a = alpha >= beta;
    double c = g->case_a ? alpha : beta;
    g->d = g->case_a ? alpha - beta : beta - alpha;
    g->e = g->case_a ? s + 1.0 : r + x;
    g->m = r + s + x;
    g->ict = 1.0 / (c + tx);
    g->z = g->d * g->ict;
    /* terms grow until n ~ e z / (1 - z): too many for huge e */
    if (!(g->z <= 0.99) || g->e * g->z > 5000.0 * (1.0 - g->z))
        return 0;
    double icT = isfinite(T) ? 1.0 / (c + T) : 0.0;
    /* log rho < 0 */
    g->L = !isfinite(T) ? -INFINITY : lg ? -lg->lL : -log1p((T - tx) * g->ict);
    g->q0 = lg ? lg->q0 : exp(g->m * g->L);
    if (isfinite(c + T)) { /* rho and 1 - rho as ratios: one rounding each */
        g->rho = (c + tx) * icT;
        g->omr = (T - tx) * icT;
    } else {
        g->rho = exp(g->L);
        g->omr = -expm1(g->L);
    }
    g->Lc = g->ict - icT;
    g->Lcc = icT * icT - g->ict * g->ict;
    return 1;
}

/* Point tab at the shapes (e, m), emptying its tables when they change. */
static inline void crvm__pareto_tab_key(crvm__pareto_tab *tab, double e, double m)
{
    if (tab->e != e || tab->m != m) {
        tab->e = e;
        tab->m = m;
        tab->len = 0;
        tab->blen = 0;
        tab->bcap = CRVM__PARETO_BLOCK_CAP;
    }
}

/* Fill pc for the parameters p (r, alpha, s, beta). */
static inline void crvm__pareto_pc_set(const double *p, crvm__pareto_pc *pc)
{
    for (int k = 0; k < 4; k++)
        pc->p[k] = p[k];
    pc->lalpha = log(p[1]);
    pc->lbeta = log(p[3]);
    pc->ls = log(p[2]);
    pc->ialpha = 1.0 / p[1];
    pc->ibeta = 1.0 / p[3];
}

/* tab's constants, brought up to the parameters p */
static inline const crvm__pareto_pc *crvm__pareto_pc_of(crvm__pareto_tab *tab, const double *p)
{
    crvm__pareto_pc *pc = &tab->pc;
    if (pc->p[0] != p[0] || pc->p[1] != p[1] || pc->p[2] != p[2] || pc->p[3] != p[3])
        crvm__pareto_pc_set(p, pc);
    return pc;
}

/* The series' stopping test at term n of absolute value at, the terms
 * beyond it falling at least by the ratio qb < 1 each: the rest of S below
 * 1e-17 of size, of sum n t_n (the gradient's d-terms) below 1e-15 of sn
 * and of sum n (n-1) t_n (the Hessian's) below 1e-13 of snn
 * (pareto_series.c; INFINITY where not needed). The looser bounds of the
 * derivatives are below what their own rounding and the fit's tests can
 * see (gradient tests at 1e-11 of the objective; standard errors), and
 * cost no terms beyond S's where z is not small; where z is small they
 * keep the terms 1 and 2 on which those sums rest. */
static inline int crvm__pareto_converged(double at, double qb, int n, double size, double sn,
                                         double snn)
{
    double v = 1.0 / (1.0 - qb), w = qb * v, nv = n + v;
    return at * w <= 1e-17 * size && at * w * nv <= 1e-15 * sn &&
           at * w * (nv * nv + v * v) <= 1e-13 * snn;
}

/* The whole series (tail = 0) or its tail beyond the head (tail = 1; ref:
 * the head's S) to second order, four terms at a time, into acc (the sums
 * above, on the scale of the terms). Returns 0 where the kernel does not
 * apply (no vector extensions, d = 0 or z below 1e-100, more than
 * CRVM__PARETO_BLOCK_CAP terms, coefficients beyond 1e250): then the
 * scalar loop sums the row. */
int crvm__pareto_block_sums(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                            double ref, double *acc);
/* The same kernel compiled for the baseline instruction set whatever the
 * CPU has (the tests compare its bits with the dispatched kernel's) */
int crvm__pareto_block_sums_base(const crvm__pareto_geom *g, int tail, crvm__pareto_tab *tab,
                                 double ref, double *acc);

#endif
