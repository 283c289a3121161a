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

#include "transactions/txn_private.h"

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

/* accumulators: S, first derivatives (e, m, c, d), second derivatives in
 * the order ee, em, ec, ed, mm, mc, md, cc, cd, dd */
enum { ACC_S, ACC_E, ACC_M, ACC_C, ACC_D, ACC_EE, ACC_EM, ACC_EC, ACC_ED, ACC_MM, ACC_MC,
       ACC_MD, ACC_CC, ACC_CD, ACC_DD, ACC_N };

double crvm__pareto_J_series(const double *p, double x, double tx, double T,
                             crvm__pareto_tab *tab, double *dJ, double *hJ)
{
    double r = p[0], alpha = p[1], s = p[2], beta = p[3];
    int case_a = alpha >= beta;
    double c = case_a ? alpha : beta;
    double d = case_a ? alpha - beta : beta - alpha;
    double e = case_a ? s + 1.0 : r + x;
    double m = r + s + x;
    double ct = c + tx, ict = 1.0 / ct;
    double z = d * ict;
    /* terms grow until n ~ e z / (1 - z): too many for huge e */
    if (!(z <= 0.99) || e * z > 5000.0 * (1.0 - z))
        return NAN;
    if (tab->e != e || tab->m != m) {
        tab->e = e;
        tab->m = m;
        tab->len = 0;
    }
    double L = -log1p((T - tx) * ict); /* log rho < 0 */
    double rho = exp(L), omr = -expm1(L);
    double icT = 1.0 / (c + T);
    double Lc = ict - icT, Lcc = icT * icT - ict * ict;
    int second = hJ != NULL, first = dJ != NULL || second;

    double acc[ACC_N] = {0};
    double loff = 0.0;       /* all sums are relative to exp(loff) */
    double A = 1.0;          /* (e)_n / n! */
    double zp0 = 1.0, zp1 = 0.0, zp2 = 0.0; /* z^n, z^(n-1), z^(n-2) (0 below n) */
    double P1 = 0.0, P2 = 0.0;
    double q = exp(m * L), omq = -expm1(m * L);
    int done = 0;
    for (int n = 0; n < 20000; n++) {
        double ratio, im, ie;
        tab_entry(tab, n, &ratio, &im, &ie);
        double a = A * zp0, B = omq * im;
        double t = a * B;
        acc[ACC_S] += t;
        if (first) {
            double M = m + n, nn = (double)n;
            double ad = nn * A * zp1 * ict; /* n a / d */
            double ac = -nn * a * ict;
            double Bm = -(L * q + B) * im, Bc = -q * Lc;
            acc[ACC_E] += t * P1;
            acc[ACC_M] += a * Bm;
            acc[ACC_C] += ac * B + a * Bc;
            acc[ACC_D] += ad * B;
            if (second) {
                double ae = a * P1;
                double add = nn * (nn - 1.0) * A * zp2 * ict * ict;
                double acc_ = nn * (nn + 1.0) * a * ict * ict;
                double acd = -nn * ad * ict;
                double Bmm = (-L * L * q + 2.0 * (L * q + B) * im) * im;
                double Bcc = -M * q * Lc * Lc - q * Lcc, Bmc = -L * q * Lc;
                acc[ACC_EE] += a * (P1 * P1 - P2) * B;
                acc[ACC_EM] += ae * Bm;
                acc[ACC_EC] += P1 * (ac * B + a * Bc);
                acc[ACC_ED] += P1 * ad * B;
                acc[ACC_MM] += a * Bmm;
                acc[ACC_MC] += ac * Bm + a * Bmc;
                acc[ACC_MD] += ad * Bm;
                acc[ACC_CC] += acc_ * B + 2.0 * ac * Bc + a * Bcc;
                acc[ACC_CD] += acd * B + ad * Bc;
                acc[ACC_DD] += add * B;
            }
        }
        if (d == 0.0) {
            /* only n = 0 contributes to S, n = 1 to the first and n = 2 to
             * the second derivatives in d */
            if (n >= (second ? 2 : first ? 1 : 0)) {
                done = 1;
                break;
            }
        } else {
            /* the remaining terms are below t q_b / (1 - q_b), q_b the
             * larger of the next ratio and z */
            double rn = ratio * z, qb = rn > z ? rn : z;
            if (qb < 1.0 && t * qb <= 1e-17 * acc[ACC_S] * (1.0 - qb)) {
                done = 1;
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
            A *= 1e-250;
            for (int k = 0; k < ACC_N; k++)
                acc[k] *= 1e-250;
            loff += 575.6462732485114; /* 250 log 10 */
        }
    }
    double S = acc[ACC_S];
    if (!done || !(S > 0.0))
        return NAN;

    /* J = log s + base + log S, base = r log alpha + s log beta - m log c_t
     * written with log1p where t_x is small against the scale */
    double lct = log(ct), base, db[4], hb[16] = {0};
    if (case_a) {
        double l1 = log1p(tx / alpha), lb = log(beta) - lct;
        base = -r * l1 - x * lct + s * lb;
        db[0] = -l1;
        db[1] = r * tx / (alpha * ct) - (x + s) * ict;
        db[2] = lb;
        db[3] = s / beta;
        hb[1] = hb[4] = tx / (alpha * ct);
        hb[5] = -r * tx * (2.0 * alpha + tx) / (alpha * alpha * ct * ct) + (x + s) * ict * ict;
        hb[6] = hb[9] = -ict;
        hb[11] = hb[14] = 1.0 / beta;
        hb[15] = -s / (beta * beta);
    } else {
        double l1 = log1p(tx / beta), la = log(alpha) - lct;
        base = r * la - s * l1 - x * lct;
        db[0] = la;
        db[1] = r / alpha;
        db[2] = -l1;
        db[3] = s * tx / (beta * ct) - (r + x) * ict;
        hb[1] = hb[4] = 1.0 / alpha;
        hb[3] = hb[12] = -ict;
        hb[5] = -r / (alpha * alpha);
        hb[11] = hb[14] = tx / (beta * ct);
        hb[15] = (r + x) * ict * ict - s * tx * (2.0 * beta + tx) / (beta * beta * ct * ct);
    }
    if (first) {
        double iS = 1.0 / S;
        double gv[4] = {acc[ACC_E] * iS, acc[ACC_M] * iS, acc[ACC_C] * iS, acc[ACC_D] * iS};
        /* dv/dp: rows e, m, c, d; columns r, alpha, s, beta */
        double Jac[4][4] = {{0, 0, 1, 0}, {1, 0, 1, 0}, {0, 1, 0, 0}, {0, 1, 0, -1}};
        if (!case_a) {
            double Jb[4][4] = {{1, 0, 0, 0}, {1, 0, 1, 0}, {0, 0, 0, 1}, {0, -1, 0, 1}};
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    Jac[i][j] = Jb[i][j];
        }
        double g[4];
        for (int k = 0; k < 4; k++) {
            g[k] = db[k] + (k == 2 ? 1.0 / s : 0.0);
            for (int i = 0; i < 4; i++)
                g[k] += Jac[i][k] * gv[i];
        }
        if (dJ)
            for (int k = 0; k < 4; k++)
                dJ[k] = g[k];
        if (second) {
            const int idx[4][4] = {{ACC_EE, ACC_EM, ACC_EC, ACC_ED},
                                   {ACC_EM, ACC_MM, ACC_MC, ACC_MD},
                                   {ACC_EC, ACC_MC, ACC_CC, ACC_CD},
                                   {ACC_ED, ACC_MD, ACC_CD, ACC_DD}};
            double Hv[4][4];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    Hv[i][j] = acc[idx[i][j]] * iS - gv[i] * gv[j];
            for (int k = 0; k < 4; k++)
                for (int l = 0; l < 4; l++) {
                    double h = hb[4 * k + l];
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++)
                            h += Jac[i][k] * Hv[i][j] * Jac[j][l];
                    hJ[4 * k + l] = h;
                }
            hJ[10] -= 1.0 / (s * s);
        }
    }
    return log(s) + base + log(S) + loff;
}
