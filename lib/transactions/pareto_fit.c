/* Pareto/NBD fitting objective: the log-likelihood of the x-grouped rows
 * with its analytic gradient and Hessian, for the Newton fit of txn.c (the
 * likelihood itself: pareto.c; the series and its derivatives:
 * pareto_series.c). Grouping by x lets every row of one x share the
 * log-gamma, digamma and trigamma shifts of r and the series' coefficient
 * table, so that a row costs its series terms, without divisions, and a
 * dozen elementary functions. */
#include <math.h>

#include "math/special.h"
#include "math/sum.h"
#include "transactions/txn_private.h"

double crvm__pareto_fit_loglik(const crvm__bg_data *d, const double *p, double *g, double *h)
{
    crvm__pareto_tab *tab = d->tab;
    CRVM__PARETO_TAB_INIT(tab);
    double LL = 0.0, LLc = 0.0, G[4] = {0, 0, 0, 0}, H[16] = {0};
    double gr[4], hr[16];
    for (size_t j = 0; j < d->groups; j++) {
        double xv = d->xv[j];
        double shift[3] = {crvm__lgamma_shift(p[0], xv), g ? crvm__digamma_shift(p[0], xv) : 0.0,
                           g ? crvm__trigamma_shift(p[0], xv) : 0.0};
        /* the series head shared by the group's rows with t_x = 0 (all of
         * them when x = 0), computed at the first such row */
        double head[CRVM__PARETO_ACC];
        int head_state = 0; /* 1 computed, -1 not applicable */
        /* blocks of 256 rows summed plainly, then added to the compensated
         * total (math/sum.h) */
        double gll = 0.0;
        for (size_t i = d->start[j]; i < d->start[j + 1]; i++) {
            crvm__txn_row row = {xv, d->tx[i], d->T[i], d->w[i]};
            if (row.tx == 0.0 && head_state == 0)
                head_state = crvm__pareto_series_head(p, xv, tab, g ? 2 : 0, head) ? 1 : -1;
            double v = crvm__pareto_ll_hess(p, &row, tab, shift, head_state == 1 ? head : NULL,
                                            g ? gr : NULL, g ? hr : NULL);
            if (!isfinite(v))
                return NAN;
            double w = d->w[i];
            gll += w * v;
            if (((i - d->start[j]) & 255) == 255) {
                crvm__sum_add(&LL, &LLc, gll);
                gll = 0.0;
            }
            if (g) {
                for (int k = 0; k < 4; k++)
                    G[k] += w * gr[k];
                for (int k = 0; k < 16; k++)
                    H[k] += w * hr[k];
            }
        }
        crvm__sum_add(&LL, &LLc, gll);
    }
    if (g) {
        for (int k = 0; k < 4; k++)
            g[k] = G[k];
        for (int k = 0; k < 16; k++)
            h[k] = H[k];
    }
    return LL + LLc;
}
