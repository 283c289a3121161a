/* Pareto/NBD fitting objective: the log-likelihood of the x-grouped rows
 * with its analytic gradient and Hessian, for the Newton fit of txn.c (the
 * likelihood itself: pareto.c; the series and its derivatives:
 * pareto_series.c, pareto_block.c). Grouping by x lets every row of one x
 * share the log-gamma, digamma and trigamma shifts of r and the series'
 * coefficient tables, so that a row costs its series terms, without
 * divisions, and a few elementary functions; the four log1p and the exp
 * that depend on the row's times alone go through the vector functions
 * (math/vmath.h) a block of rows at a time. */
#include <math.h>

#include "math/special.h"
#include "math/sum.h"
#include "math/vmath.h"
#include "transactions/pareto_private.h"

/* The logarithms of rows [i0, i0 + n) of group j (crvm__pareto_logs) into
 * lg: la, lb, lL, l1 and q0 in consecutive blocks of n */
static void block_logs(const crvm__bg_data *d, const crvm__pareto_pc *pc, double m, size_t i0,
                       size_t n, double *lg)
{
    double *la = lg, *lb = lg + n, *lL = lg + 2 * n, *l1 = lg + 3 * n, *q0 = lg + 4 * n;
    int case_a = pc->p[1] >= pc->p[3];
    double c = case_a ? pc->p[1] : pc->p[3], ic = case_a ? pc->ialpha : pc->ibeta;
    for (size_t k = 0; k < n; k++) {
        double T = d->T[i0 + k], tx = d->tx[i0 + k];
        la[k] = T * pc->ialpha;
        lb[k] = T * pc->ibeta;
        lL[k] = (T - tx) * (1.0 / (c + tx));
        l1[k] = tx * ic;
    }
    crvm__vlog1p(lg, lg, 4 * n);
    for (size_t k = 0; k < n; k++)
        q0[k] = -m * lL[k];
    crvm__vexp(q0, q0, n);
}

/* rows whose two terms are held at once (33 doubles each) */
#define SUB 16

double crvm__pareto_fit_loglik(const crvm__bg_data *d, const double *p, double *g, double *h)
{
    crvm__pareto_tab *tab = d->tab;
    CRVM__PARETO_TAB_INIT(tab);
    const crvm__pareto_pc *pc = crvm__pareto_pc_of(tab, p);
    double LL = 0.0, LLc = 0.0, G[4] = {0, 0, 0, 0}, H[16] = {0};
    double gr[4], hr[16];
    double lgb[5 * CRVM__VBLOCK];
    for (size_t j = 0; j < d->groups; j++) {
        double xv = d->xv[j];
        double shift[3] = {crvm__lgamma_shift(p[0], xv), g ? crvm__digamma_shift(p[0], xv) : 0.0,
                           g ? crvm__trigamma_shift(p[0], xv) : 0.0};
        /* the series head shared by the group's rows with t_x = 0 (all of
         * them when x = 0), computed at the first such row */
        double head[CRVM__PARETO_ACC];
        int head_state = 0; /* 1 computed, -1 not applicable */
        for (size_t i0 = d->start[j]; i0 < d->start[j + 1]; i0 += CRVM__VBLOCK) {
            size_t nb = d->start[j + 1] - i0 < CRVM__VBLOCK ? d->start[j + 1] - i0 : CRVM__VBLOCK;
            block_logs(d, pc, p[0] + p[2] + xv, i0, nb, lgb);
            /* the block summed plainly, then added to the compensated total
             * (math/sum.h); its rows' two terms in sub-blocks of SUB, whose
             * log-sum-exps take their exp and log1p through the vector
             * functions */
            double gll = 0.0;
            for (size_t k0 = 0; k0 < nb; k0 += SUB) {
                size_t ns = nb - k0 < SUB ? nb - k0 : SUB;
                crvm__pareto_terms tm[SUB];
                double ex[SUB], l1p[SUB];
                for (size_t k = k0; k < k0 + ns; k++) {
                    size_t i = i0 + k;
                    crvm__txn_row row = {xv, d->tx[i], d->T[i], d->w[i]};
                    crvm__pareto_logs lg = {lgb[k], lgb[nb + k], lgb[2 * nb + k],
                                            lgb[3 * nb + k], lgb[4 * nb + k]};
                    if (row.tx == 0.0 && head_state == 0)
                        head_state =
                            crvm__pareto_series_head(p, xv, tab, g ? 2 : 0, head) ? 1 : -1;
                    crvm__pareto_terms *t = &tm[k - k0];
                    if (!crvm__pareto_ll_terms(p, &row, tab, head_state == 1 ? head : NULL, &lg,
                                               g ? 2 : 0, t))
                        return NAN;
                    ex[k - k0] = t->J == -INFINITY ? -INFINITY : -fabs(t->E0 - t->J);
                }
                crvm__vexp(ex, ex, ns);
                crvm__vlog1p(ex, l1p, ns);
                for (size_t k = 0; k < ns; k++) {
                    double v = crvm__pareto_ll_combine(&tm[k], ex[k], l1p[k], shift,
                                                       g ? gr : NULL, g ? hr : NULL);
                    if (!isfinite(v))
                        return NAN;
                    double w = d->w[i0 + k0 + k];
                    gll += w * v;
                    if (g) {
                        for (int k2 = 0; k2 < 4; k2++)
                            G[k2] += w * gr[k2];
                        for (int k2 = 0; k2 < 16; k2++)
                            H[k2] += w * hr[k2];
                    }
                }
            }
            crvm__sum_add(&LL, &LLc, gll);
        }
    }
    if (g) {
        for (int k = 0; k < 4; k++)
            g[k] = G[k];
        for (int k = 0; k < 16; k++)
            h[k] = H[k];
    }
    return LL + LLc;
}
