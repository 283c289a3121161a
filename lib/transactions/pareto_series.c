/* Pareto/NBD: J = log[alpha^r beta^s s I] by the hypergeometric series
 * behind Fader & Hardie's A_0 (see pareto.c for the model and I), with its
 * gradient and Hessian, summed without a division per term.
 *
 * With c = max(alpha, beta), d = |alpha - beta|, m = r + s + x, e = s + 1 if
 * alpha >= beta, e = r + x otherwise (the factor of the smaller scale is
 * expanded), c_t = c + t_x, z = d / c_t and L = log rho = log(c_t / (c + T)):
 *   I = c_t^-m S,  S = sum_n t_n,  t_n = a_n B_n,
 *   a_n = (e)_n / n! z^n,  B_n = (1 - rho^(m+n)) / (m+n),
 * every term positive (nothing cancels, even for t_x close to T), ratio of
 * terms -> z < 1. The pieces of a term that depend on e and m alone,
 * (e+n)/(n+1), 1/(m+n) and 1/(e+n), come from a table shared by all rows of
 * one x (crvm__pareto_tab); 1 - rho^(m+n) is carried forward as
 * (1 - rho^M) + rho^M (1 - rho), a sum of positive numbers, instead of a
 * division or an expm1 per term.
 *
 * Derivatives: S depends on the parameters through v = (e, m, c, d), each
 * linear in (r, alpha, s, beta); the sums of dt_n/dv_i and d2t_n/dv_i dv_j
 * give grad log S = S_i / S and Hess log S = S_ij / S - (S_i/S)(S_j/S).
 * Per term, with P1 = psi(e+n) - psi(e), P2 = psi'(e) - psi'(e+n):
 *   a_e = a P1, a_ee = a (P1^2 - P2), a_d = n a / d, a_dd = n(n-1) a / d^2,
 *   a_c = -n a / c_t, a_cc = n(n+1) a / c_t^2, a_cd = -n^2 a / (d c_t),
 *   B_m = -L q / M - (1-q) / M^2,  B_c = -q L_c,  (q = rho^M, M = m + n)
 *   B_mm = -L^2 q / M + 2 L q / M^2 + 2 (1-q) / M^3,
 *   B_cc = -M q L_c^2 - q L_cc,  B_mc = -L q L_c,
 *   L_c = 1/c_t - 1/(c+T),  L_cc = 1/(c+T)^2 - 1/c_t^2,
 * where a / d and a / d^2 are written with z^(n-1), z^(n-2) so that d = 0
 * (alpha = beta) is no special case. */
#include <math.h>

#include "transactions/pareto_private.h"

/* the table entry n, from the table when it fits (filled on demand) */
static inline void tab_entry(crvm__pareto_tab *tab, int n, double *ratio, double *im, double *ie)
{
    if (n < tab->len) {
        *ratio = tab->ratio[n];
        *im = tab->im[n];
        *ie = tab->ie[n];
        return;
    }
    double e = tab->e;
    *ratio = (e + n) / (n + 1.0);
    *im = 1.0 / (tab->m + n);
    *ie = 1.0 / (e + n);
    if (n == tab->len && n < CRVM__PARETO_TAB_CAP) {
        tab->ratio[n] = *ratio;
        tab->im[n] = *im;
        tab->ie[n] = *ie;
        tab->len++;
    }
}


/* Which B_n the terms carry: the whole series (1 - q)/M; its head, the
 * series at T = infinity, 1/M (q = 0); its tail -q/M (head + tail = whole) */
enum series_mode { WHOLE, HEAD, TAIL };

/* One row's series geometry (see the top of the file). */
typedef crvm__pareto_geom geom;

/* Sums of t_n and (order >= 1) its first, (order 2) second derivatives in
 * v = (e, m, c, d) into acc[CRVM__PACC_N], relative to exp(*loff). ref: for TAIL,
 * the head's S (the tail stops at 1e-17 of head + tail). Returns 0 when the
 * series did not converge within its bounded number of terms, or (HEAD,
 * TAIL) needed rescaling. */
#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

static ALWAYS_INLINE int series_loop(const geom *g, const enum series_mode mode,
                                     crvm__pareto_tab *tab, const int order, double ref,
                                     double *acc, double *loff)
{
    crvm__pareto_tab_key(tab, g->e, g->m);
    double m = g->m, z = g->z, d = g->d, ict = g->ict, L = g->L, Lc = g->Lc, Lcc = g->Lcc;
    double rho = g->rho, omr = g->omr;
    /* local sums (acc could alias the table, so the compiler would keep
     * them in memory) */
    double sS = 0, sE = 0, sM = 0, sC = 0, sD = 0, sEE = 0, sEM = 0, sEC = 0, sED = 0, sMM = 0,
           sMC = 0, sMD = 0, sCC = 0, sCD = 0, sDD = 0;
    double sN = 0, sNN = 0; /* sum n t_n, sum n (n-1) t_n: for the stopping test */
    *loff = 0.0;
    int ok = 0;
    double A = 1.0;                         /* (e)_n / n! */
    double zp0 = 1.0, zp1 = 0.0, zp2 = 0.0; /* z^n, z^(n-1), z^(n-2) (0 below n) */
    double P1 = 0.0, P2 = 0.0;
    double q = mode == HEAD ? 0.0 : g->q0, omq = -expm1(m * L);
    double sgn = mode == TAIL ? -1.0 : 1.0;
    if (mode == HEAD)
        L = Lc = Lcc = 0.0; /* q = 0: they only ever multiply q */
    /* the terms' ratio tends to z, times rho in the tail */
    double zr = mode == TAIL ? z * rho : z;
    for (int n = 0; n < 20000; n++) {
        double ratio, im, ie;
        tab_entry(tab, n, &ratio, &im, &ie);
        double a = A * zp0, B = mode == WHOLE ? omq * im : mode == HEAD ? im : -q * im;
        double t = a * B;
        sS += t;
        if (order >= 1) {
            sN += n * t;
            sNN += n * (n - 1.0) * t;
            double M = m + n, nn = (double)n;
            double ad = nn * A * zp1 * ict; /* n a / d */
            double ac = -nn * a * ict;
            double Bm = -(L * q + B) * im, Bc = -q * Lc;
            sE += t * P1;
            sM += a * Bm;
            sC += ac * B + a * Bc;
            sD += ad * B;
            if (order >= 2) {
                double ae = a * P1;
                double add = nn * (nn - 1.0) * A * zp2 * ict * ict;
                double acc_ = nn * (nn + 1.0) * a * ict * ict;
                double acd = -nn * ad * ict;
                double Bmm = (-L * L * q + 2.0 * (L * q + B) * im) * im;
                double Bcc = -M * q * Lc * Lc - q * Lcc, Bmc = -L * q * Lc;
                sEE += a * (P1 * P1 - P2) * B;
                sEM += ae * Bm;
                sEC += P1 * (ac * B + a * Bc);
                sED += P1 * ad * B;
                sMM += a * Bmm;
                sMC += ac * Bm + a * Bmc;
                sMD += ad * Bm;
                sCC += acc_ * B + 2.0 * ac * Bc + a * Bcc;
                sCD += acd * B + ad * Bc;
                sDD += add * B;
            }
        }
        if (d == 0.0) {
            /* only n = 0 contributes to S, n = 1 to the first and n = 2 to
             * the second derivatives in d */
            if (n >= order) {
                ok = 1;
                break;
            }
        } else {
            /* the remaining terms are below |t| q_b / (1 - q_b), q_b the
             * larger of the next ratio and its limit; the derivatives in d
             * weigh term n by n / d and n (n-1) / d^2, so that for small z
             * their sums rest on terms 1 and 2, not on S's term 0: their
             * remainders, below |t| w (n + v) and |t| w ((n + v)^2 + v^2)
             * (w = q_b / (1 - q_b), v = 1 / (1 - q_b)), are held to 1e-15
             * and 1e-13 of their own sums */
            double rn = ratio * zr, qb = rn > zr ? rn : zr;
            if (qb < 1.0 && crvm__pareto_converged(sgn * t, qb, n, mode == TAIL ? ref + sS : sS,
                                                    order >= 1 ? sgn * sN : INFINITY,
                                                    order >= 2 ? sgn * sNN : INFINITY)) {
                ok = 1;
                break;
            }
        }
        /* advance to n + 1 */
        A *= ratio;
        zp2 = zp1;
        zp1 = zp0;
        zp0 *= z;
        P1 += ie;
        P2 += ie * ie;
        omq += q * omr;
        q *= rho;
        if (A > 1e250) { /* rescale everything by 1e-250 */
            if (mode != WHOLE)
                break;
            const double f = 1e-250;
            A *= f;
            sS *= f, sE *= f, sM *= f, sC *= f, sD *= f, sEE *= f, sEM *= f, sEC *= f, sED *= f;
            sMM *= f, sMC *= f, sMD *= f, sCC *= f, sCD *= f, sDD *= f, sN *= f, sNN *= f;
            *loff += 575.6462732485114; /* 250 log 10 */
        }
    }
    const double sums[CRVM__PACC_N] = {sS, sE, sM, sC, sD, sEE, sEM, sEC, sED, sMM, sMC, sMD, sCC, sCD, sDD};
    for (int k = 0; k < CRVM__PACC_N; k++)
        acc[k] = sums[k];
    return ok;
}

/* series_loop compiled for each mode and order, without their branches in
 * the loop */
static int series_sums(const geom *g, enum series_mode mode, crvm__pareto_tab *tab, int order,
                       double ref, double *acc, double *loff)
{
    /* the fit's case: to second order, four terms at a time */
    if (order == 2 && mode != HEAD && crvm__pareto_block_sums(g, mode == TAIL, tab, ref, acc)) {
        *loff = 0.0;
        return 1;
    }
#define SERIES_CASE(M)                                                                       \
    case M:                                                                                  \
        return order == 0   ? series_loop(g, M, tab, 0, ref, acc, loff)                      \
               : order == 1 ? series_loop(g, M, tab, 1, ref, acc, loff)                      \
                            : series_loop(g, M, tab, 2, ref, acc, loff);
    switch (mode) {
        SERIES_CASE(WHOLE)
        SERIES_CASE(HEAD)
        SERIES_CASE(TAIL)
    }
#undef SERIES_CASE
    return 0;
}

/* J, dJ and hJ (either may be NULL) from the sums over the series */
static double finish(const double *p, double x, double tx, const geom *g, const double *acc,
                     double loff, crvm__pareto_tab *tab, const crvm__pareto_logs *lg, double *dJ,
                     double *hJ)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    double S = acc[CRVM__PACC_S];
    if (!(S > 0.0))
        return NAN;
    const crvm__pareto_pc *pc = crvm__pareto_pc_of(tab, p);
    double ict = g->ict;
    /* J = log s + base + log S, base = r log alpha + s log beta - m log c_t
     * written with log1p where t_x is small against the scale, and
     * log c_t = log c + log1p(t_x / c) */
    /* the Hessian of base: entries (r, alpha), (alpha, alpha), (s, beta),
     * (beta, beta) and -1/c_t at (alpha, s) or (r, beta) */
    double base, db[4], h_ra, h_aa, h_sb, h_bb;
    if (g->case_a) {
        double l1 = lg ? lg->l1 : log1p(tx * pc->ialpha), lct = pc->lalpha + l1, lb = pc->lbeta - lct;
        double u = tx * pc->ialpha * ict; /* t_x / (alpha c_t) */
        base = -r * l1 - x * lct + s * lb;
        db[0] = -l1;
        db[1] = r * u - (x + s) * ict;
        db[2] = lb;
        db[3] = s * pc->ibeta;
        h_ra = u;
        h_aa = -r * u * (2.0 * alpha + tx) * pc->ialpha * ict + (x + s) * ict * ict;
        h_sb = pc->ibeta;
        h_bb = -s * pc->ibeta * pc->ibeta;
    } else {
        double l1 = lg ? lg->l1 : log1p(tx * pc->ibeta), lct = pc->lbeta + l1, la = pc->lalpha - lct;
        double u = tx * pc->ibeta * ict; /* t_x / (beta c_t) */
        base = r * la - s * l1 - x * lct;
        db[0] = la;
        db[1] = r * pc->ialpha;
        db[2] = -l1;
        db[3] = s * u - (r + x) * ict;
        h_ra = pc->ialpha;
        h_aa = -r * pc->ialpha * pc->ialpha;
        h_sb = u;
        h_bb = (r + x) * ict * ict - s * u * (2.0 * beta + tx) * pc->ibeta * ict;
    }
    if (dJ || hJ) {
        /* v = (e, m, c, d) moves with (r, alpha, s, beta) as (the top of the
         * file) r -> m, alpha -> c + d, s -> e + m, beta -> -d when alpha >=
         * beta, and the same with r, s and alpha, beta swapped otherwise:
         * grad and Hess log S in v mapped through that, in the order of
         * case a, then placed at the parameters' indices (pi) */
        static const int pa[4] = {0, 1, 2, 3}, pb[4] = {2, 3, 0, 1};
        const int *pi = g->case_a ? pa : pb;
        double iS = 1.0 / S;
        double ge = acc[CRVM__PACC_E] * iS, gm = acc[CRVM__PACC_M] * iS,
               gc = acc[CRVM__PACC_C] * iS, gd = acc[CRVM__PACC_D] * iS;
        if (dJ) {
            double ga[4] = {gm, gc + gd, ge + gm, -gd};
            ga[g->case_a ? 2 : 0] += 1.0 / s;
            for (int k = 0; k < 4; k++)
                dJ[pi[k]] = db[pi[k]] + ga[k];
        }
        if (hJ) {
            double ee = acc[CRVM__PACC_EE] * iS - ge * ge, em = acc[CRVM__PACC_EM] * iS - ge * gm,
                   ec = acc[CRVM__PACC_EC] * iS - ge * gc, ed = acc[CRVM__PACC_ED] * iS - ge * gd,
                   mm = acc[CRVM__PACC_MM] * iS - gm * gm, mc = acc[CRVM__PACC_MC] * iS - gm * gc,
                   md = acc[CRVM__PACC_MD] * iS - gm * gd, cc = acc[CRVM__PACC_CC] * iS - gc * gc,
                   cd = acc[CRVM__PACC_CD] * iS - gc * gd, dd = acc[CRVM__PACC_DD] * iS - gd * gd;
            double ha[4][4];
            ha[0][0] = mm;
            ha[0][1] = mc + md;
            ha[0][2] = em + mm;
            ha[0][3] = -md;
            ha[1][1] = cc + 2.0 * cd + dd;
            ha[1][2] = ec + mc + ed + md;
            ha[1][3] = -(cd + dd);
            ha[2][2] = ee + 2.0 * em + mm;
            ha[2][3] = -(ed + md);
            ha[3][3] = dd;
            /* base's Hessian and the -1/s^2 of log s, in the same order
             * (its cross entry -1/c_t is (alpha, s) or (r, beta): 1, 2),
             * added before the entries are placed (each written once) */
            int a = g->case_a;
            ha[0][1] += a ? h_ra : h_sb;
            ha[1][1] += a ? h_aa : h_bb;
            ha[2][3] += a ? h_sb : h_ra;
            ha[3][3] += a ? h_bb : h_aa;
            ha[1][2] -= ict;
            ha[a ? 2 : 0][a ? 2 : 0] -= 1.0 / (s * s);
            for (int k = 0; k < 4; k++)
                for (int l = k; l < 4; l++) {
                    int i = 4 * pi[k] + pi[l], j = 4 * pi[l] + pi[k];
                    hJ[i] = hJ[j] = ha[k][l];
                }
        }
    }
    return pc->ls + base + log(S) + loff;
}

double crvm__pareto_J_series(const double *p, double x, double tx, double T,
                             crvm__pareto_tab *tab, const crvm__pareto_logs *lg, double *dJ,
                             double *hJ)
{
    geom g;
    double acc[CRVM__PACC_N], loff;
    if (!crvm__pareto_geom_set(p, x, tx, T, lg, &g) ||
        !series_sums(&g, WHOLE, tab, hJ ? 2 : dJ ? 1 : 0, 0.0, acc, &loff))
        return NAN;
    return finish(p, x, tx, &g, acc, loff, tab, lg, dJ, hJ);
}

int crvm__pareto_series_head(const double *p, double x, crvm__pareto_tab *tab, int order,
                             double *head)
{
    geom g;
    double loff;
    return crvm__pareto_geom_set(p, x, 0.0, INFINITY, NULL, &g) &&
           series_sums(&g, HEAD, tab, order, 0.0, head, &loff);
}

double crvm__pareto_J_series_split(const double *p, double x, double T, crvm__pareto_tab *tab,
                                   const double *head, const crvm__pareto_logs *lg, double *dJ,
                                   double *hJ)
{
    geom g;
    double acc[CRVM__PACC_N], loff;
    if (!crvm__pareto_geom_set(p, x, 0.0, T, lg, &g) ||
        !series_sums(&g, TAIL, tab, hJ ? 2 : dJ ? 1 : 0, head[CRVM__PACC_S], acc, &loff))
        return NAN;
    /* head + tail loses to cancellation at most a factor 2 (one bit) */
    if (!(acc[CRVM__PACC_S] >= -0.5 * head[CRVM__PACC_S]))
        return NAN;
    for (int k = 0; k < CRVM__PACC_N; k++)
        acc[k] += head[k];
    return finish(p, x, 0.0, &g, acc, 0.0, tab, lg, dJ, hJ);
}
