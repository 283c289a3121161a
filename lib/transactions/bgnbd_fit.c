/* BG/NBD and MBG/NBD fitting objective with an analytic Hessian, laid out
 * for speed (the likelihood itself is the one of bgnbd.c, see there).
 *
 * Per row the log-likelihood is
 *   ll = A_x(r, a, b) - r log1p(T/alpha) - x log(alpha + T) + softplus(D),
 *   D = log a - log(b + x + e - 1) + (r + x) Lambda,
 *   Lambda = log((alpha + T) / (alpha + t_x)),
 * (e = 1 for MBG/NBD, else 0; softplus(D) absent for BG/NBD rows with
 * x = 0), where A_x = lgamma_shift(r, x) + lgamma_shift(b, x+e) -
 * lgamma_shift(a+b, x+e) depends on x alone. Rows are grouped by x, so A_x,
 * its digamma and trigamma shifts and the constant of D are computed once
 * per distinct x and weighted by the group's total weight; what remains per
 * row is three logarithms, one exponential and three divisions, with the
 * gradient and the Hessian (of the 4 natural parameters, then mapped to the
 * log-parameters) accumulated in the same pass; the transcendental
 * functions go through the vector library (math/vmath.h) a block of rows
 * at a time. Lambda = log(alpha + T) - log(alpha + t_x) is a difference of
 * plain logs and softplus(D) = max(D, 0) + log1p(e^-|D|): their absolute
 * error, a few ulp of log(alpha + T) and of 1, is all that D, q and the
 * sums need (bgnbd.c keeps the log1p forms for the per-row predictions).
 *
 * Second derivatives, with q = logistic(D) and v = q (1 - q):
 *   d2 softplus(D) = v D_k D_l + q D_kl,
 *   D_r = Lambda, D_alpha = (r+x) Lambda_alpha, D_a = 1/a, D_b = -1/(b+x+e-1),
 *   Lambda_alpha = (t_x - T) / ((alpha+T)(alpha+t_x)),
 *   D_ralpha = Lambda_alpha, D_alphaalpha = (r+x) (1/(alpha+t_x)^2 - 1/(alpha+T)^2),
 *   D_aa = -1/a^2, D_bb = 1/(b+x+e-1)^2;
 * the rest is elementary: d2/dalpha2 of -r log1p(T/alpha) - x log(alpha+T)
 * is -r T (2 alpha + T) / (alpha^2 (alpha+T)^2) + x / (alpha+T)^2, and the
 * shifts of A_x give trigamma differences. */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/groups.h"
#include "math/sum.h"
#include "math/vmath.h"
#include "transactions/txn_private.h"

void crvm__bg_data_free(crvm__bg_data *d)
{
    if (d == NULL)
        return;
    crvm__free(d->xv);
    crvm__free(d->start);
    crvm__free(d->tx);
    crvm__free(d->tab);
    crvm__free(d);
}

crvm_status crvm__bg_data_new(const crvm__txn_row *rows, size_t n, crvm_txn_model model,
                              double l2, const double *scale, crvm__bg_data **out)
{
    crvm__groups grp;
    crvm__bg_data *d = crvm__calloc(1, sizeof *d);
    if (d == NULL)
        return crvm__nomem("BG/NBD fit data");
    if (crvm__groups_build(&rows[0].x, sizeof *rows / sizeof(double), n, &grp) != CRVM_OK) {
        crvm__free(d);
        return crvm__nomem("BG/NBD fit data");
    }
    size_t groups = grp.count;
    d->xv = crvm__calloc(2 * groups + 1, sizeof *d->xv);
    d->tx = crvm__calloc(3 * n + 1, sizeof *d->tx);
    d->start = grp.start; /* taken over */
    grp.start = NULL;
    if (model == CRVM_TXN_PARETO_NBD)
        d->tab = crvm__calloc(1, sizeof *d->tab);
    if (d->xv == NULL || d->tx == NULL || (model == CRVM_TXN_PARETO_NBD && d->tab == NULL)) {
        crvm__groups_free(&grp);
        crvm__bg_data_free(d);
        return crvm__nomem("BG/NBD fit data");
    }
    d->gw = d->xv + groups;
    d->T = d->tx + n;
    d->w = d->T + n;
    d->n = n;
    d->groups = groups;
    d->modified = model == CRVM_TXN_MBGNBD;
    d->pareto = model == CRVM_TXN_PARETO_NBD;
    d->model = model;
    d->l2 = l2;
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
        d->scale[k] = scale[k];
    for (size_t g = 0; g < groups; g++) {
        double s = 0.0;
        d->xv[g] = grp.value[g];
        for (size_t i = d->start[g]; i < d->start[g + 1]; i++) {
            const crvm__txn_row *r = &rows[grp.order[i]];
            d->tx[i] = r->tx;
            d->T[i] = r->T;
            d->w[i] = r->w;
            s += r->w;
        }
        d->gw[g] = s;
        d->W += s;
    }
    crvm__groups_free(&grp);
    *out = d;
    return CRVM_OK;
}

/* Natural-scale log-likelihood (time as stored), and when g is not NULL
 * its gradient g[4] and Hessian h[16] (row-major) in (r, alpha, a, b). */
static double loglik(const crvm__bg_data *d, const double *p, double *g, double *h)
{
    double r = p[0], al = p[1], a = p[2], b = p[3], e = d->modified ? 1.0 : 0.0;
    double la = log(al), lga = log(a), ia = 1.0 / a;
    /* per-row divisions by alpha hoisted: r / alpha, r / alpha^2, 1 / alpha */
    double ial = 1.0 / al, ral = r * ial, ral2 = ral * ial;
    double LL = 0.0, G[4] = {0, 0, 0, 0};
    double Hrr = 0, Hral = 0, Hra = 0, Hrb = 0, Halal = 0, Hala = 0, Halb = 0, Haa = 0, Hab = 0,
           Hbb = 0;
    for (size_t j = 0; j < d->groups; j++) {
        double xv = d->xv[j], ne = xv + e, gw = d->gw[j], k = r + xv;
        LL += gw * (crvm__lgamma_shift(r, xv) + crvm__lgamma_shift(b, ne) -
                    crvm__lgamma_shift(a + b, ne));
        int hasD = d->modified || xv > 0.0;
        double bb = b + ne - 1.0, cD = hasD ? lga - log(bb) : 0.0, ib = hasD ? 1.0 / bb : 0.0;
        /* sll compensated (sll_c), see math/sum.h */
        double sll = 0, sll_c = 0, sr = 0, sal = 0, sq = 0, sv = 0, svL = 0, svLa = 0, srr = 0,
               sral = 0, salal = 0;
        double LTv[CRVM__VBLOCK], Lxv[CRVM__VBLOCK], Dv[CRVM__VBLOCK], Ev[CRVM__VBLOCK],
            SPv[CRVM__VBLOCK];
        for (size_t i0 = d->start[j]; i0 < d->start[j + 1]; i0 += CRVM__VBLOCK) {
            size_t m = d->start[j + 1] - i0 < CRVM__VBLOCK ? d->start[j + 1] - i0 : CRVM__VBLOCK;
            const double *Tb = d->T + i0, *txb = d->tx + i0, *wb = d->w + i0;
            /* the block's transcendental functions, through the vector
             * library: log(alpha + T), and where D exists log(alpha + t_x),
             * e^-|D| and log1p(e^-|D|) */
            for (size_t jj = 0; jj < m; jj++)
                LTv[jj] = al + Tb[jj];
            crvm__vlog(LTv, LTv, m);
            if (hasD) {
                for (size_t jj = 0; jj < m; jj++)
                    Lxv[jj] = al + txb[jj];
                crvm__vlog(Lxv, Lxv, m);
                for (size_t jj = 0; jj < m; jj++) {
                    double D = cD + k * (LTv[jj] - Lxv[jj]);
                    Dv[jj] = D;
                    Ev[jj] = -fabs(D);
                }
                crvm__vexp(Ev, Ev, m);
                crvm__vlog1p(Ev, SPv, m);
            }
            /* the log-likelihood of the block summed plainly, then added
             * to the group's compensated sum (math/sum.h): 256 terms round
             * at ~1e-16 relative, the 10^6 of a whole pass would not */
            double bll = 0.0;
            if (!g) {
                for (size_t jj = 0; jj < m; jj++) {
                    double LT = LTv[jj], ll = -r * (LT - la) - xv * LT;
                    if (hasD)
                        ll += (Dv[jj] > 0.0 ? Dv[jj] : 0.0) + SPv[jj];
                    bll += wb[jj] * ll;
                }
                crvm__sum_add(&sll, &sll_c, bll);
                continue;
            }
            for (size_t jj = 0; jj < m; jj++) {
                double w = wb[jj], T = Tb[jj];
                double iaT = 1.0 / (al + T), iaT2 = iaT * iaT, LT = LTv[jj], LTa = LT - la;
                bll += w * (-r * LTa - xv * LT);
                sr -= w * LTa;
                sal += w * iaT * (ral * T - xv);
                sral += w * T * ial * iaT;
                salal += w * iaT2 * (xv - ral2 * T * (2.0 * al + T));
            }
            if (hasD) {
                for (size_t jj = 0; jj < m; jj++) {
                    double w = wb[jj], T = Tb[jj], tx = txb[jj];
                    double iaT = 1.0 / (al + T), iatx = 1.0 / (al + tx);
                    double L = LTv[jj] - Lxv[jj], La = (tx - T) * iaT * iatx;
                    double D = Dv[jj];
                    double ex = Ev[jj], den = 1.0 / (1.0 + ex);
                    double q = D > 0.0 ? den : ex * den, v = ex * den * den;
                    double kLa = k * La;
                    bll += w * ((D > 0.0 ? D : 0.0) + SPv[jj]);
                    sr += w * q * L;
                    sal += w * q * kLa;
                    srr += w * v * L * L;
                    sral += w * (v * L * kLa + q * La);
                    salal += w * (v * kLa * kLa + q * k * (iatx * iatx - iaT * iaT));
                    sq += w * q;
                    sv += w * v;
                    svL += w * v * L;
                    svLa += w * v * kLa;
                }
            }
            crvm__sum_add(&sll, &sll_c, bll);
        }
        LL += sll + sll_c;
        if (!g)
            continue;
        double dr = crvm__digamma_shift(r, xv), dbx = crvm__digamma_shift(b, ne),
               dab = crvm__digamma_shift(a + b, ne);
        double tr = crvm__trigamma_shift(r, xv), tb = crvm__trigamma_shift(b, ne),
               tab = crvm__trigamma_shift(a + b, ne);
        G[0] += gw * dr + sr;
        G[1] += sal;
        G[2] += -gw * dab + sq * ia;
        G[3] += gw * (dbx - dab) - sq * ib;
        Hrr += gw * tr + srr;
        Hral += sral;
        Hra += svL * ia;
        Hrb -= svL * ib;
        Halal += salal;
        Hala += svLa * ia;
        Halb -= svLa * ib;
        Haa += -gw * tab + (sv - sq) * ia * ia;
        Hab += -gw * tab - sv * ib * ia;
        Hbb += gw * (tb - tab) + (sv + sq) * ib * ib;
    }
    if (g) {
        for (int k = 0; k < 4; k++)
            g[k] = G[k];
        double H[16] = {Hrr, Hral, Hra, Hrb, Hral, Halal, Hala, Halb,
                        Hra, Hala, Haa, Hab, Hrb, Halb, Hab, Hbb};
        for (int k = 0; k < 16; k++)
            h[k] = H[k];
    }
    return LL;
}

double crvm__bg_objective(const double *theta, double *grad, double *hess, void *vctx)
{
    const crvm__bg_data *d = vctx;
    double p[CRVM_TXN_N_PARAMS], g[4], h[16];
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        if (!(fabs(theta[k]) < 700.0))
            return INFINITY;
        p[k] = exp(theta[k]);
    }
    double LL = d->pareto ? crvm__pareto_fit_loglik(d, p, grad ? g : NULL, h)
                          : loglik(d, p, grad ? g : NULL, h);
    if (!isfinite(LL))
        return INFINITY;
    /* the penalty applies to the parameters on their natural scale */
    double f = -LL / d->W;
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        double pn = p[k] * d->scale[k];
        f += d->l2 * pn * pn;
    }
    if (grad) {
        /* chain rule to theta = log p: dp_k/dtheta_k = p_k */
        for (int k = 0; k < 4; k++) {
            double pn = p[k] * d->scale[k];
            grad[k] = -g[k] * p[k] / d->W + 2.0 * d->l2 * pn * pn;
            for (int l = 0; l < 4; l++)
                hess[k * 4 + l] = -h[k * 4 + l] * p[k] * p[l] / d->W;
            hess[k * 4 + k] += -g[k] * p[k] / d->W + 4.0 * d->l2 * pn * pn;
        }
    }
    return f;
}

double crvm__bg_loglik(const crvm__bg_data *d, const double *p, double objective)
{
    if (isnan(objective))
        return d->pareto ? crvm__pareto_fit_loglik(d, p, NULL, NULL) : loglik(d, p, NULL, NULL);
    double pen = 0.0;
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++) {
        double pn = p[k] * d->scale[k];
        pen += d->l2 * pn * pn;
    }
    return -(objective - pen) * d->W;
}

/* Warm start: above 4 x WARM_ROWS distinct rows, Newton first runs on every
 * m-th row (weights scaled to the same total), which lands within sampling
 * error of the optimum; the full data then need two or three Newton steps
 * (quadratic convergence) instead of six or more.
 *
 * Pareto/NBD also from 4 x PARETO_WARM_ROWS rows: its default start is far
 * from the optimum along the poorly determined s / beta ridge, where the
 * full data's first steps backtrack. A subsample of ~1500 rows lands 20-40%
 * off in s and beta (the ridge again), but the full data then take 5-6
 * Newton steps instead of 7-9 (bench/run's data at 1e4 and three more sets
 * of 1e4-2e4 rows; subsamples of 1000-2500 rows gave 5-8), for about one
 * full evaluation's cost (5-7 steps on a sixth of the rows). */
#define WARM_ROWS 20000
#define PARETO_WARM_ROWS 1500

/* subsample size of the warm start, 0 for none */
static size_t warm_rows(const crvm__bg_data *d)
{
    if (d->n >= 4 * WARM_ROWS)
        return WARM_ROWS;
    if (d->model == CRVM_TXN_PARETO_NBD && d->n >= 4 * PARETO_WARM_ROWS)
        return PARETO_WARM_ROWS;
    return 0;
}

crvm_status crvm__bg_warm_start(const crvm__bg_data *d, double *theta,
                                const crvm__optim_options *options)
{
    size_t sample = warm_rows(d);
    if (sample == 0)
        return CRVM_OK;
    size_t m = d->n / sample, ns = (d->n + m - 1) / m;
    crvm__txn_row *rows = crvm__calloc(ns, sizeof *rows);
    if (rows == NULL)
        return crvm__nomem("fit warm start");
    double ws = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < d->n; i += m, k++)
        ws += d->w[i];
    double scale = d->W / ws;
    k = 0;
    for (size_t g = 0; g < d->groups; g++)
        for (size_t i = d->start[g]; i < d->start[g + 1]; i++)
            if (i % m == 0)
                rows[k++] = (crvm__txn_row){d->xv[g], d->tx[i], d->T[i], d->w[i] * scale};
    crvm__bg_data *sub = NULL;
    crvm_status st = crvm__bg_data_new(rows, k, d->model, d->l2, d->scale, &sub);
    crvm__free(rows);
    if (st != CRVM_OK)
        return st;
    double t[CRVM_TXN_N_PARAMS], h[CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS];
    for (int j = 0; j < CRVM_TXN_N_PARAMS; j++)
        t[j] = theta[j];
    crvm__optim_options o = *options;
    o.gradient_tol = fmax(o.gradient_tol, 1e-6);
    o.polish_tol = 0.0; /* near the optimum is all a warm start needs */
    crvm__optim_result res;
    st = crvm__minimize_newton(crvm__bg_objective, sub, CRVM_TXN_N_PARAMS, t, &o, h, &res);
    crvm__bg_data_free(sub);
    if (st == CRVM_ENOMEM)
        return st;
    /* a subsample without a finite optimum says nothing about the data */
    if (st == CRVM_OK)
        for (int j = 0; j < CRVM_TXN_N_PARAMS; j++)
            theta[j] = t[j];
    crvm_clear_error();
    return CRVM_OK;
}
