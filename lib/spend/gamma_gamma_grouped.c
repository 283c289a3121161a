/* Gamma-Gamma fitting objective with an analytic Hessian, on customers
 * grouped by x (the density of gamma_gamma.c, rearranged):
 *
 *   ln f_i = -ln B(px, q) - (px + q) ln(v + x zbar) + px ln(x zbar) + q ln v - ln zbar.
 *
 * ln B(px, q) and its digamma and trigamma derivatives depend on x alone
 * (once per distinct x), sum w ln(x zbar) = sum w ln zbar + W_x ln x and
 * sum w ln zbar do not depend on the parameters (once per fit), so a pass
 * costs one log and one division per customer; the logs go through the
 * vector functions (math/vmath.h) in blocks of rows. With S_L = sum w ln(v + x zbar), S_1 = sum w / (v + x zbar)
 * and S_2 = sum w / (v + x zbar)^2 per group of weight W_x:
 *   d/dp  = sum_x x [W_x (psi(px+q) - psi(px)) + sum w ln(x zbar) - S_L]
 *   d/dq  = sum_x [W_x (psi(px+q) - psi(q)) - S_L] + W ln v
 *   d/dv  = q W / v - sum_x (px + q) S_1
 *   d2/dp2 = sum_x x^2 W_x (psi'(px+q) - psi'(px)),  d2/dpdq = sum_x x W_x psi'(px+q),
 *   d2/dq2 = sum_x W_x (psi'(px+q) - psi'(q)),       d2/dpdv = -sum_x x S_1,
 *   d2/dqdv = W / v - sum_x S_1,                      d2/dv2 = -q W / v^2 + sum_x (px+q) S_2. */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/groups.h"
#include "math/special.h"
#include "math/sum.h"
#include "math/vmath.h"
#include "spend/gamma_gamma_internal.h"

struct crvm__gg_grouped {
    size_t groups;
    size_t *start;
    double *xv, *gw, *glxz; /* per group: x, weight, sum w ln(x zbar) */
    double *xz, *w;        /* rows in group order */
    double W, slz;         /* total weight, sum w ln zbar */
    double penalty;
};

void crvm__gg_grouped_free(crvm__gg_grouped *g)
{
    if (g == NULL)
        return;
    crvm__free(g->start);
    crvm__free(g->xv);
    crvm__free(g->xz);
    crvm__free(g);
}

crvm_status crvm__gg_grouped_new(const double *x, const double *z, const double *w, size_t n,
                                 double penalty, crvm__gg_grouped **out)
{
    crvm__groups grp;
    crvm__gg_grouped *g = crvm__calloc(1, sizeof *g);
    if (g == NULL)
        return crvm__nomem("Gamma-Gamma fit data");
    if (crvm__groups_build(x, 1, n, &grp) != CRVM_OK) {
        crvm__free(g);
        return crvm__nomem("Gamma-Gamma fit data");
    }
    g->groups = grp.count;
    g->start = grp.start; /* taken over */
    grp.start = NULL;
    g->xv = crvm__calloc(3 * grp.count + 1, sizeof *g->xv);
    g->xz = crvm__calloc(2 * n + 1, sizeof *g->xz);
    if (g->xv == NULL || g->xz == NULL) {
        crvm__groups_free(&grp);
        crvm__gg_grouped_free(g);
        return crvm__nomem("Gamma-Gamma fit data");
    }
    g->gw = g->xv + grp.count;
    g->glxz = g->gw + grp.count;
    g->w = g->xz + n;
    g->penalty = penalty;
    double slz = 0.0, slz_c = 0.0, lz[CRVM__VBLOCK];
    for (size_t k = 0; k < grp.count; k++) {
        double xv = grp.value[k], sw = 0.0, s = 0.0, sc = 0.0;
        g->xv[k] = xv;
        for (size_t i0 = g->start[k]; i0 < g->start[k + 1]; i0 += CRVM__VBLOCK) {
            size_t m = g->start[k + 1] - i0 < CRVM__VBLOCK ? g->start[k + 1] - i0 : CRVM__VBLOCK;
            for (size_t j = 0; j < m; j++)
                lz[j] = z[grp.order[i0 + j]];
            crvm__vlog(lz, lz, m);
            for (size_t j = 0; j < m; j++) {
                size_t i = i0 + j, r = grp.order[i];
                double wi = w ? w[r] : 1.0;
                g->xz[i] = xv * z[r];
                g->w[i] = wi;
                sw += wi;
                /* zero-weight rows count nowhere (w ln z is 0 for them) */
                crvm__sum_add(&s, &sc, wi * lz[j]);
            }
        }
        g->gw[k] = sw;
        g->glxz[k] = s + sc + sw * log(xv);
        crvm__sum_add(&slz, &slz_c, s);
        crvm__sum_add(&slz, &slz_c, sc);
        g->W += sw;
    }
    g->slz = slz + slz_c;
    crvm__groups_free(&grp);
    *out = g;
    return CRVM_OK;
}

double crvm__gg_objective(const double *theta, double *grad, double *hess, void *ctx)
{
    const crvm__gg_grouped *d = ctx;
    for (int k = 0; k < 3; k++)
        if (!isfinite(theta[k]) || fabs(theta[k]) > 700)
            return INFINITY;
    double p = exp(theta[0]), q = exp(theta[1]), v = exp(theta[2]), lv = log(v);
    double ll = -d->slz + q * lv * d->W, ll_c = 0.0;
    double G[3] = {0, 0, q * d->W / v}, H[6] = {0, 0, 0, 0, d->W / v, -q * d->W / (v * v)};
    G[1] = d->W * lv;
    for (size_t k = 0; k < d->groups; k++) {
        double x = d->xv[k], px = p * x, W = d->gw[k];
        double sl = 0.0, sl_c = 0.0, s1 = 0.0, s2 = 0.0, lu[CRVM__VBLOCK];
        /* zero-weight rows add 0: v + x zbar is finite and > 0 */
        for (size_t i0 = d->start[k]; i0 < d->start[k + 1]; i0 += CRVM__VBLOCK) {
            size_t m = d->start[k + 1] - i0 < CRVM__VBLOCK ? d->start[k + 1] - i0 : CRVM__VBLOCK;
            const double *xz = d->xz + i0, *wv = d->w + i0;
            for (size_t j = 0; j < m; j++)
                lu[j] = v + xz[j];
            crvm__vlog(lu, lu, m);
            for (size_t j = 0; j < m; j++) {
                double w = wv[j], iu = 1.0 / (v + xz[j]);
                crvm__sum_add(&sl, &sl_c, w * lu[j]);
                s1 += w * iu;
                s2 += w * iu * iu;
            }
        }
        sl += sl_c;
        crvm__sum_add(&ll, &ll_c, -W * crvm__lbeta(px, q) + px * d->glxz[k] - (px + q) * sl);
        if (!grad)
            continue;
        double dpq = crvm__digamma(px + q), tpq = crvm__trigamma(px + q);
        G[0] += x * (W * (dpq - crvm__digamma(px)) + d->glxz[k] - sl);
        G[1] += W * (dpq - crvm__digamma(q)) - sl;
        G[2] -= (px + q) * s1;
        H[0] += x * x * W * (tpq - crvm__trigamma(px)); /* pp */
        H[1] += x * W * tpq;                           /* pq */
        H[2] -= x * s1;                                /* pv */
        H[3] += W * (tpq - crvm__trigamma(q));         /* qq */
        H[4] -= s1;                                    /* qv */
        H[5] += (px + q) * s2;                         /* vv */
    }
    ll += ll_c;
    double nat[3] = {p, q, v};
    double f = -ll / d->W;
    for (int k = 0; k < 3; k++)
        f += d->penalty * nat[k] * nat[k];
    if (!isfinite(f))
        return INFINITY;
    if (grad) {
        const int idx[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
        for (int k = 0; k < 3; k++) {
            grad[k] = -G[k] * nat[k] / d->W + 2.0 * d->penalty * nat[k] * nat[k];
            for (int l = 0; l < 3; l++)
                hess[k * 3 + l] = -H[idx[k][l]] * nat[k] * nat[l] / d->W;
            hess[k * 3 + k] += -G[k] * nat[k] / d->W + 4.0 * d->penalty * nat[k] * nat[k];
        }
    }
    return f;
}

double crvm__gg_grouped_loglik(const crvm__gg_grouped *d, const double *theta, double objective)
{
    double pen = 0.0;
    for (int k = 0; k < 3; k++)
        pen += d->penalty * exp(2.0 * theta[k]);
    return -(objective - pen) * d->W;
}
