/* Log-rank test for k >= 2 groups (Mantel 1966; Peto & Peto 1972), in the
 * form of Kalbfleisch & Prentice (2002), sec. 7.3: at each distinct event
 * time t_j with n_j at risk (n_gj in group g) and d_j events,
 *   O_g - E_g = sum_j (d_gj - d_j n_gj / n_j),
 *   V_gh      = sum_j d_j (n_j - d_j) / (n_j - 1) * (n_gj / n_j) (delta_gh - n_hj / n_j),
 * and the statistic (O - E)' V^-1 (O - E) over k - 1 groups is chi-square
 * with k - 1 degrees of freedom under the null hypothesis. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/survival.h"
#include "math/linalg.h"
#include "survival/internal.h"

crvm_status crvm_logrank(const double *durations, size_t durations_len,
                         const int32_t *events, size_t events_len,
                         const int32_t *groups, size_t groups_len,
                         const double *weights, size_t weights_len,
                         crvm_logrank_result *out)
{
    if (out == NULL || groups == NULL)
        return crvm__fail(CRVM_EINVAL, "groups and out must not be NULL");
    crvm_status st = crvm__surv_check(durations, durations_len, events, events_len, weights,
                                      weights_len);
    if (st != CRVM_OK)
        return st;
    const size_t n = durations_len;
    if (groups_len != n)
        return crvm__fail(CRVM_EINVAL, "groups has %zu values, durations %zu", groups_len, n);
    int32_t kmax = -1;
    for (size_t i = 0; i < n; i++) {
        if (groups[i] < 0 || (size_t)groups[i] >= n)
            return crvm__fail(CRVM_EINVAL, "groups[%zu] = %d: codes must be in 0 .. n-1", i,
                              (int)groups[i]);
        if (groups[i] > kmax)
            kmax = groups[i];
    }
    const size_t k = (size_t)kmax + 1;

    crvm__surv_key *keys = crvm__calloc(n, sizeof *keys);
    /* per group: at risk, events in the current block, O - E, present flag; then V (k*k) */
    double *work = crvm__calloc(4 * k + k * k, sizeof *work);
    size_t *keep = crvm__calloc(k, sizeof *keep);
    if (keys == NULL || work == NULL || keep == NULL) {
        crvm__free(keys);
        crvm__free(work);
        crvm__free(keep);
        return crvm__nomem("computing the log-rank test");
    }
    double *risk = work, *dg = work + k, *u = work + 2 * k, *present = work + 3 * k,
           *v = work + 4 * k;
    for (size_t i = 0; i < n; i++)
        present[groups[i]] = 1.0;
    int n_groups = 0;
    for (size_t g = 0; g < k; g++)
        n_groups += present[g] > 0.0;
    if (n_groups < 2) {
        st = crvm__fail(CRVM_EINVAL, "the log-rank test needs at least 2 groups, found %d",
                        n_groups);
        goto done;
    }

    st = crvm__surv_sort(n, durations, NULL, keys);
    if (st != CRVM_OK)
        goto done;
    /* Descending time: add each block of equal durations to the risk sets,
     * then score its events. */
    double total_risk = 0.0, total_events = 0.0;
    for (size_t end = n; end > 0;) {
        size_t begin = end - 1;
        while (begin > 0 && keys[begin - 1].time == keys[end - 1].time)
            begin--;
        double d = 0.0;
        for (size_t i = begin; i < end; i++) {
            size_t row = keys[i].row;
            double w = weights ? weights[row] : 1.0;
            int32_t g = groups[row];
            risk[g] += w;
            total_risk += w;
            if (events[row]) {
                dg[g] += w;
                d += w;
            }
        }
        if (d > 0.0) {
            total_events += d;
            double nr = total_risk;
            double c = nr > 1.0 ? d * (nr - d) / (nr - 1.0) : 0.0;
            if (c < 0.0)
                c = 0.0;
            for (size_t g = 0; g < k; g++) {
                if (risk[g] == 0.0 && dg[g] == 0.0)
                    continue;
                double pg = risk[g] / nr;
                u[g] += dg[g] - d * pg;
                v[g * k + g] += c * pg;
                for (size_t h = 0; h < k; h++)
                    v[g * k + h] -= c * pg * risk[h] / nr;
            }
            for (size_t i = begin; i < end; i++)
                dg[groups[keys[i].row]] = 0.0;
        }
        end = begin;
    }
    if (!(total_events > 0.0)) {
        st = crvm__fail(CRVM_EDOMAIN, "no events: the log-rank test is undefined");
        goto done;
    }
    /* Keep the groups that carry information (positive variance). */
    double vmax = 0.0;
    for (size_t g = 0; g < k; g++)
        if (v[g * k + g] > vmax)
            vmax = v[g * k + g];
    size_t m = 0;
    for (size_t g = 0; g < k; g++)
        if (v[g * k + g] > 1e-12 * vmax)
            keep[m++] = g;
    if (m < 2) {
        st = crvm__fail(CRVM_EDOMAIN,
                        "fewer than two groups have subjects at risk at the event times");
        goto done;
    }
    /* Reduced system over the first m - 1 informative groups, solved in place
     * in the (now unused) leading part of v's storage via a separate block. */
    size_t r = m - 1;
    double *vr = crvm__calloc(r * r + r, sizeof *vr);
    if (vr == NULL) {
        st = crvm__nomem("computing the log-rank test");
        goto done;
    }
    double *ur = vr + r * r;
    for (size_t a = 0; a < r; a++) {
        ur[a] = u[keep[a]];
        for (size_t b = 0; b < r; b++)
            vr[a * r + b] = v[keep[a] * k + keep[b]];
    }
    st = crvm__cholesky(r, vr);
    if (st != CRVM_OK) {
        crvm__free(vr);
        st = crvm__fail(CRVM_EDOMAIN, "log-rank variance matrix is singular");
        goto done;
    }
    double *sol = work; /* risk[] no longer needed; holds r <= k values */
    memcpy(sol, ur, r * sizeof *sol);
    crvm__cholesky_solve(r, vr, sol);
    double stat = 0.0;
    for (size_t a = 0; a < r; a++)
        stat += ur[a] * sol[a];
    crvm__free(vr);
    if (stat < 0.0)
        stat = 0.0;
    out->statistic = stat;
    out->dof = (int)r;
    out->p_value = crvm_chisq_sf(stat, (double)r);
    out->n_groups = n_groups;
    st = CRVM_OK;
done:
    crvm__free(keys);
    crvm__free(work);
    crvm__free(keep);
    return st;
}
