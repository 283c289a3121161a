/* BG/NBD and MBG/NBD: DERT and the robust conditional expectation for many
 * rows at once. Rows are grouped by x, since the death-rate rule
 * (death_rule.c) depends on x only; each group's rule is built once and
 * every row of the group is then a sum over its nodes. Cost: one rule per
 * distinct x (at most ~50 ms, typically 0.1-2 ms) plus at most
 * CRVM__DEATH_RULE_NODES divisions (DERT) or expm1 calls (expectation) per
 * row, and a sort of the row indices by x. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "transactions/txn_private.h"

typedef struct keyed {
    double x;
    int band; /* amplification band, see amp_band */
    size_t i;
} keyed;

static int keyed_cmp(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->band != b->band)
        return a->band < b->band ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* How strongly a row's function weights small death rates against nu' near
 * its mean (see crvm__death_rule_build): 1 + E[nu'] / s for DERT, 1 +
 * E[nu'] c for the expectation, rounded up to a power of 16. A row's rule
 * then depends on its own x and band only, never on the other rows of the
 * call, so a row gets the same value in any batch. */
static int amp_band(const crvm__rule_job *job, double x, size_t i)
{
    const double *p = job->p;
    double B = p[3] + x + (job->modified ? 1.0 : 0.0);
    double mean = (p[0] + x + 1.0) * (p[2] / (p[2] + B));
    double scale = p[1] + (job->T ? job->T[i] : 0.0);
    double amp = job->dert ? 1.0 + mean / (job->rate * scale)
                           : 1.0 + mean * (job->t_each ? job->t_each[i] : job->rate) / scale;
    double band = ceil(log(amp) / log(16.0));
    return band < 1e6 ? (int)band : 1000000;
}

crvm_status crvm__bgnbd_rule_rows(const crvm__rule_job *job, const size_t *rows, size_t m,
                                  double *out)
{
    if (m == 0)
        return CRVM_OK;
    const double *p = job->p;
    double alpha = p[1];
    keyed *key = crvm__calloc(m, sizeof *key);
    crvm__death_rule *rule = crvm__malloc(sizeof *rule);
    if (key == NULL || rule == NULL) {
        crvm__free(key);
        crvm__free(rule);
        return crvm__nomem("DERT quadrature rule");
    }
    for (size_t j = 0; j < m; j++) {
        key[j].i = rows[j];
        key[j].x = job->x ? job->x[rows[j]] : 0.0;
        key[j].band = amp_band(job, key[j].x, rows[j]);
    }
    qsort(key, m, sizeof *key, keyed_cmp);
    crvm_status st = CRVM_OK;
    double extra = job->modified ? 1.0 : 0.0;
    for (size_t g = 0; g < m && st == CRVM_OK;) {
        double x = key[g].x;
        int band = key[g].band;
        double k = p[0] + x, B = p[3] + x + extra;
        st = crvm__death_rule_build(k, p[2], B, pow(16.0, band), rule);
        if (st != CRVM_OK) {
            char why[256]; /* crvm__fail writes the buffer crvm_last_error reads */
            snprintf(why, sizeof why, "%s", crvm_last_error());
            st = crvm__fail(CRVM_EDOMAIN, "row %zu (x=%g): %s", key[g].i, x, why);
            break;
        }
        for (; g < m && key[g].x == x && key[g].band == band; g++) {
            size_t i = key[g].i;
            double Ti = job->T ? job->T[i] : 0.0;
            double v = job->dert ? crvm__death_rule_dert(rule, job->rate * (alpha + Ti))
                                 : crvm__death_rule_expected(
                                       rule, (job->t_each ? job->t_each[i] : job->rate) /
                                                 (alpha + Ti));
            if (!isfinite(v)) {
                st = crvm__fail(CRVM_EDOMAIN,
                                "row %zu (x=%g, T=%g): the quadrature sum left the bounds of "
                                "the exact value",
                                i, x, Ti);
                break;
            }
            out[i] *= v;
        }
    }
    crvm__free(rule);
    crvm__free(key);
    return st;
}
