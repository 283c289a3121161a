/* The checks of a covariate retention fit's data (cov_checks.h).
 *
 * At 10^6 subjects (8.5 million rows) these passes were a serial stretch
 * of the fit (about 0.04 CPU s, the other threads idle), so the subjects
 * are cut into ranges, one per thread, each validating its subjects and
 * rows and tallying them on its own; the ranges' tallies are then added in
 * range order. They are sums of weights: with every weight 1 they are
 * whole numbers, exact in any order, so the checks (and the start values
 * fed by the groups' weights) are the same bits for any thread count. With
 * weights one range does all, in subject order, as the serial loops did.
 * A range finding an inconsistent subject or row stops; the serial
 * crvm__rcov_data_check() then names the first fault. */
#include "retention/cov_checks.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"

/* Below this many subjects one range: threads would cost more than they save. */
#define RANGE_MIN_SUBJECTS ((size_t)1 << 13)

/* One range's tallies. */
typedef struct range_tally {
    int bad;                    /* a subject or row fails crvm__rcov_data_check() */
    double total;               /* subjects' weight (check_groups) */
    double row_total;           /* rows' weight (check_covariates) */
    crvm__rcov_group_stats *gs; /* [groups] */
    double *cnt;                /* [patterns] rows' weight per pattern (with covariates) */
    uint8_t *seen;              /* [patterns] bit 0: on a churn row, bit 1: on another */
} range_tally;

typedef struct tally_ctx {
    const crvm__rcov_data *d;
    size_t ranges;
    range_tally *t;
} tally_ctx;

static size_t range_begin(const tally_ctx *c, size_t range)
{
    return c->d->subjects * range / c->ranges;
}

/* Pass 1: the range's subjects (crvm__rcov_data_check()'s conditions on
 * them, cov_internal.h) and their groups' tallies (check_groups). */
static void subjects_range(void *vctx, size_t worker, size_t range)
{
    (void)worker;
    const tally_ctx *c = vctx;
    const crvm__rcov_data *d = c->d;
    range_tally *t = &c->t[range];
    for (size_t i = range_begin(c, range); i < range_begin(c, range + 1); i++) {
        if (crvm__rcov_label_fault(d->groups, d->group[i], d->weight ? &d->weight[i] : NULL) ||
            crvm__rcov_history_fault(d, i)) {
            t->bad = 1;
            return;
        }
        double w = d->weight ? d->weight[i] : 1.0;
        size_t n = d->first_row[i + 1] - d->first_row[i];
        if (n == 0 || w == 0)
            continue;
        crvm__rcov_group_stats *g = &t->gs[d->group[i]];
        g->weight += w;
        t->total += w;
        if (d->churned[i])
            g->dead += w;
        if (n >= 2 || !d->churned[i])
            g->renewed += w;
        if ((int)n > g->last)
            g->last = (int)n;
    }
}

/* Pass 2, once every subject passed: the range's rows (pattern ids in
 * range; range 0 also any rows before the first subject's) and, with
 * covariates, the patterns' weights and kinds of row (check_covariates). */
static void rows_range(void *vctx, size_t worker, size_t range)
{
    (void)worker;
    const tally_ctx *c = vctx;
    const crvm__rcov_data *d = c->d;
    range_tally *t = &c->t[range];
    const size_t begin = range_begin(c, range), end = range_begin(c, range + 1);
    for (size_t r = 0; range == 0 && d->subjects > 0 && r < d->first_row[0]; r++)
        if (!crvm__rcov_row_ok(d, r)) {
            t->bad = 1;
            return;
        }
    for (size_t i = begin; i < end; i++) {
        double w = d->weight ? d->weight[i] : 1.0;
        const size_t last = d->first_row[i + 1];
        for (size_t r = d->first_row[i]; r < last; r++) {
            if (!crvm__rcov_row_ok(d, r)) {
                t->bad = 1;
                return;
            }
            uint32_t q = d->row_pattern[r];
            if (t->cnt && w != 0) {
                t->cnt[q] += w;
                t->row_total += w;
                t->seen[q] |= d->churned[i] && r + 1 == last ? 1 : 2;
            }
        }
    }
}

static crvm_status check_groups(const char *who, crvm_retention_kind kind, size_t groups,
                                const crvm__rcov_group_stats *gs)
{
    int longest = 0;
    for (size_t g = 0; g < groups; g++) {
        if (gs[g].weight == 0)
            return crvm__fail(CRVM_EDOMAIN, "%s: group %zu has no subject with a row (and "
                              "positive weight): its alpha and beta are not identified", who, g);
        if (gs[g].dead == 0)
            return crvm__fail(CRVM_EDOMAIN, "%s: group %zu: no subject churned: its churn "
                              "probability is estimated as 0, at the boundary of the model "
                              "(beta -> infinity)", who, g);
        if (gs[g].renewed == 0)
            return crvm__fail(CRVM_EDOMAIN, "%s: group %zu: every subject churned at the first "
                              "renewal (nobody was seen to renew): beta -> 0", who, g);
        if (gs[g].last < 2)
            return crvm__fail(CRVM_EDOMAIN, "%s: group %zu: only 1 renewal period observed: its "
                              "alpha and beta need at least 2", who, g);
        if (gs[g].last > longest)
            longest = gs[g].last;
    }
    if (kind == CRVM_RETENTION_BDW && longest < 3)
        return crvm__fail(CRVM_EDOMAIN, "%s: only %d renewal periods observed: the BdW needs at "
                          "least 3 in some group to identify c", who, longest);
    return CRVM_OK;
}

/* A covariate constant over the rows in the likelihood, or collinear with
 * others (weighted centred second moments, Cholesky with a relative pivot
 * tolerance); or one that separates churn on its own: z_j >= 0 on every
 * churn row and <= 0 on every other row (or the reverse), not all zero, so
 * that the likelihood keeps rising as b_j -> +-infinity. cnt, seen and
 * total: the rows' tallies. */
static crvm_status check_covariates(const char *who, const crvm__rcov_data *d, const double *cnt,
                                    const uint8_t *seen, double total)
{
    size_t p = d->covariates;
    double *mom = crvm__calloc(2 * p * p + 5 * p, sizeof *mom);
    if (mom == NULL)
        return crvm__nomem("checking the covariates");
    double *chol = mom + p * p, *mean = chol + p * p;
    double *churn_min = mean + p, *churn_max = churn_min + p, *surv_min = churn_max + p,
           *surv_max = surv_min + p;
    for (size_t j = 0; j < p; j++) {
        churn_min[j] = surv_min[j] = INFINITY;
        churn_max[j] = surv_max[j] = -INFINITY;
    }
    /* The ranges over the rows are those over the patterns they use. */
    for (size_t q = 0; q < d->patterns; q++)
        for (int kind = 1; kind <= 2; kind++) {
            if (!(seen[q] & kind))
                continue;
            const double *z = d->pattern_z + q * p;
            double *lo = kind == 1 ? churn_min : surv_min, *hi = kind == 1 ? churn_max : surv_max;
            for (size_t j = 0; j < p; j++) {
                lo[j] = z[j] < lo[j] ? z[j] : lo[j];
                hi[j] = z[j] > hi[j] ? z[j] : hi[j];
            }
        }
    crvm_status st = CRVM_OK;
    for (size_t q = 0; q < d->patterns; q++)
        for (size_t j = 0; j < p; j++)
            mean[j] += cnt[q] * d->pattern_z[q * p + j] / total;
    for (size_t q = 0; q < d->patterns; q++)
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++)
                mom[i * p + j] += cnt[q] * (d->pattern_z[q * p + i] - mean[i]) *
                                  (d->pattern_z[q * p + j] - mean[j]);
    for (size_t j = 0; j < p && st == CRVM_OK; j++) {
        if (!(mom[j * p + j] > 1e-24 * total * (1 + mean[j] * mean[j])))
            st = crvm__fail(CRVM_EDOMAIN, "%s: covariate %zu is constant (%g) over the rows in "
                            "the likelihood: its effect is not identified", who, j, mean[j]);
        int up = churn_min[j] >= 0 && surv_max[j] <= 0, down = churn_max[j] <= 0 && surv_min[j] >= 0;
        if (st == CRVM_OK && (up || down))
            st = crvm__fail(CRVM_EDOMAIN, "%s: covariate %zu separates churn: it is %s on every "
                            "churn row and %s on every other row, so the likelihood keeps rising "
                            "as its coefficient goes to %s", who, j, up ? ">= 0" : "<= 0",
                            up ? "<= 0" : ">= 0", up ? "+infinity" : "-infinity");
    }
    /* Correlation matrix, then Cholesky pivots: a pivot below 1e-10 means
     * covariate j is (numerically) a combination of the ones before it. */
    for (size_t i = 0; i < p && st == CRVM_OK; i++)
        for (size_t j = 0; j < p; j++)
            chol[i * p + j] = mom[i * p + j] / sqrt(mom[i * p + i] * mom[j * p + j]);
    for (size_t j = 0; j < p && st == CRVM_OK; j++) {
        double s = chol[j * p + j];
        for (size_t k = 0; k < j; k++)
            s -= chol[j * p + k] * chol[j * p + k];
        if (!(s > 1e-10)) {
            st = crvm__fail(CRVM_EDOMAIN, "%s: covariate %zu is collinear with covariate%s 0..%zu "
                            "over the rows in the likelihood: their effects are not identified",
                            who, j, j > 1 ? "s" : "", j - 1);
            break;
        }
        chol[j * p + j] = sqrt(s);
        for (size_t i = j + 1; i < p; i++) {
            double t = chol[i * p + j];
            for (size_t k = 0; k < j; k++)
                t -= chol[i * p + k] * chol[j * p + k];
            chol[i * p + j] = t / chol[j * p + j];
        }
    }
    crvm__free(mom);
    return st;
}

/* The first fault of inconsistent data, named by the serial check. */
static crvm_status inconsistent(const crvm__rcov_data *d, const char *who)
{
    crvm_status st = crvm__rcov_data_check(d, who);
    return st != CRVM_OK ? st : crvm__fail(CRVM_EINVAL, "%s: inconsistent compact panel", who);
}

crvm_status crvm__rcov_check_fit_data(const char *who, crvm_retention_kind kind,
                                      const crvm__rcov_data *d, int threads,
                                      crvm__rcov_group_stats *gs, double *total)
{
    if (crvm__rcov_layout_fault(d) != CRVM__RCOV_FAULT_NONE)
        return inconsistent(d, who);
    const size_t G = d->groups, Q = d->patterns, p = d->covariates;
    size_t ranges = threads > 1 ? (threads < CRVM__MAX_THREADS ? (size_t)threads : CRVM__MAX_THREADS) : 1;
    if (d->weight != NULL || d->subjects < RANGE_MIN_SUBJECTS)
        ranges = 1;
    /* Per range: its tallies, G group stats, and with covariates Q
     * counts and Q kinds of row. */
    range_tally *t = crvm__calloc(ranges, sizeof *t);
    crvm__rcov_group_stats *gsr = crvm__calloc(ranges * G, sizeof *gsr);
    double *cnt = p > 0 ? crvm__calloc(ranges * Q + 1, sizeof *cnt) : NULL;
    uint8_t *seen = p > 0 ? crvm__calloc(ranges * Q + 1, 1) : NULL;
    crvm_status st = CRVM_OK;
    if (t == NULL || gsr == NULL || (p > 0 && (cnt == NULL || seen == NULL))) {
        st = crvm__nomem("checking the data of the covariate retention fit");
        goto done;
    }
    for (size_t r = 0; r < ranges; r++) {
        t[r].gs = gsr + r * G;
        t[r].cnt = p > 0 ? cnt + r * Q : NULL;
        t[r].seen = p > 0 ? seen + r * Q : NULL;
    }
    tally_ctx c = {d, ranges, t};
    crvm__run_blocks(subjects_range, &c, ranges, (int)ranges);
    int bad = 0;
    for (size_t r = 0; r < ranges; r++)
        bad |= t[r].bad;
    if (!bad)
        crvm__run_blocks(rows_range, &c, ranges, (int)ranges);
    for (size_t r = 0; r < ranges; r++)
        bad |= t[r].bad;
    for (size_t q = 0; q < Q * p && !bad; q++)
        bad = !isfinite(d->pattern_z[q]);
    if (bad) {
        st = inconsistent(d, who);
        goto done;
    }
    /* The ranges' tallies in range order (range 0's alone: its sums as they are). */
    memcpy(gs, t[0].gs, G * sizeof *gs);
    *total = t[0].total;
    double row_total = t[0].row_total;
    for (size_t r = 1; r < ranges; r++) {
        for (size_t g = 0; g < G; g++) {
            gs[g].weight += t[r].gs[g].weight;
            gs[g].dead += t[r].gs[g].dead;
            gs[g].renewed += t[r].gs[g].renewed;
            if (t[r].gs[g].last > gs[g].last)
                gs[g].last = t[r].gs[g].last;
        }
        *total += t[r].total;
        row_total += t[r].row_total;
        for (size_t q = 0; q < Q; q++) {
            cnt[q] += t[r].cnt[q];
            seen[q] |= t[r].seen[q];
        }
    }
    st = check_groups(who, kind, G, gs);
    if (st == CRVM_OK && p > 0)
        st = check_covariates(who, d, cnt, seen, row_total);
done:
    crvm__free(t);
    crvm__free(gsr);
    crvm__free(cnt);
    crvm__free(seen);
    return st;
}
