/* Private: the covariate retention model (include/crvm/retention_cov.h) on
 * its compact data form, for the value layer and the unit tests.
 *
 * Compact panel: subjects (group, n_i, churned_i, weight_i, first row) and
 * rows that hold a pattern id into a table of the distinct covariate vectors.
 * The likelihood needs per row only w_s E_q, with w_s = s^c - (s - 1)^c
 * tabulated by period and E_q = exp(b' z_q) per pattern, so one evaluation
 * costs O(rows + subjects + patterns x covariates) (the Hessian adds
 * covariates per row and covariates^2 per pattern touched by a block of
 * subjects). Subject i's rows are periods 1..n_i in order. */
#ifndef CRVM_RETENTION_COV_INTERNAL_H
#define CRVM_RETENTION_COV_INTERNAL_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>

#include "crvm/retention_cov.h"

typedef struct crvm__rcov_data {       /* compact panel */
    size_t subjects, groups, covariates, patterns;
    const int32_t *group;              /* [subjects] */
    const int32_t *periods;            /* [subjects] n_i: its rows are periods 1..n_i */
    const uint8_t *churned;            /* [subjects] 1: churned at renewal n_i */
    const double *weight;              /* [subjects] or NULL */
    const size_t *first_row;           /* [subjects + 1] rows of i: first_row[i] .. first_row[i+1]-1 */
    const uint32_t *row_pattern;       /* [rows] */
    const double *pattern_z;           /* [patterns x covariates] */
} crvm__rcov_data;

/* Check a compact panel's internal consistency (pointers, lengths, groups,
 * periods = row counts, churned only with n_i >= 1, finite non-negative
 * weights, pattern ids in range, finite pattern values); `who` names the
 * caller in the message. CRVM_EINVAL naming the subject or pattern. Cost
 * O(subjects + rows + patterns x covariates). */
crvm_status crvm__rcov_data_check(const crvm__rcov_data *data, const char *who);

/* The conditions of crvm__rcov_data_check() as fault codes (0: none), one
 * definition for it and for the fit's parallel pass over the same data
 * (cov_checks.c), which must accept exactly what the check accepts: the
 * check names the fault, the pass only tests for one. */
enum {
    CRVM__RCOV_FAULT_NONE,
    CRVM__RCOV_FAULT_DATA,     /* data NULL */
    CRVM__RCOV_FAULT_GROUPS,   /* no group */
    CRVM__RCOV_FAULT_SUBJECTS, /* a subject array NULL */
    CRVM__RCOV_FAULT_ROWS,     /* row_pattern or pattern_z NULL */
    CRVM__RCOV_FAULT_GROUP,    /* a subject's group out of range */
    CRVM__RCOV_FAULT_WEIGHT,   /* a subject's weight not finite and >= 0 */
    CRVM__RCOV_FAULT_PERIODS,  /* a subject's periods not its number of rows */
    CRVM__RCOV_FAULT_CHURNED,  /* a subject's churned not 0/1, or 1 without a row */
};

/* The arrays the checks read: present where their lengths say they are */
static inline int crvm__rcov_layout_fault(const crvm__rcov_data *d)
{
    if (d == NULL)
        return CRVM__RCOV_FAULT_DATA;
    if (d->groups < 1)
        return CRVM__RCOV_FAULT_GROUPS;
    if (d->subjects > 0 &&
        (d->group == NULL || d->periods == NULL || d->churned == NULL || d->first_row == NULL))
        return CRVM__RCOV_FAULT_SUBJECTS;
    size_t rows = d->subjects > 0 ? d->first_row[d->subjects] : 0;
    if (rows > 0 && (d->row_pattern == NULL || (d->covariates > 0 && d->pattern_z == NULL)))
        return CRVM__RCOV_FAULT_ROWS;
    return CRVM__RCOV_FAULT_NONE;
}

/* A subject's group (of groups) and weight (NULL: 1) */
static inline int crvm__rcov_label_fault(size_t groups, int32_t group, const double *weight)
{
    if (group < 0 || (size_t)group >= groups)
        return CRVM__RCOV_FAULT_GROUP;
    if (weight != NULL && !(*weight >= 0 && *weight <= DBL_MAX)) /* finite, >= 0; NaN fails */
        return CRVM__RCOV_FAULT_WEIGHT;
    return CRVM__RCOV_FAULT_NONE;
}

/* Subject i's periods and churn against its rows (layout already sound) */
static inline int crvm__rcov_history_fault(const crvm__rcov_data *d, size_t i)
{
    size_t n = d->first_row[i + 1] - d->first_row[i];
    if (d->first_row[i + 1] < d->first_row[i] || d->periods[i] < 0 || (size_t)d->periods[i] != n)
        return CRVM__RCOV_FAULT_PERIODS;
    if (d->churned[i] > 1 || (d->churned[i] && n == 0))
        return CRVM__RCOV_FAULT_CHURNED;
    return CRVM__RCOV_FAULT_NONE;
}

/* Row r's pattern id in range */
static inline int crvm__rcov_row_ok(const crvm__rcov_data *d, size_t r)
{
    return d->row_pattern[r] < d->patterns;
}

/* A compact panel built from the public dense form (the arguments of
 * crvm_retention_cov_fit()): validates it (CRVM_EINVAL naming the row or
 * subject and column) and interns the rows' covariate vectors into patterns
 * with a hash table (-0 and +0 are one value). The arrays are owned by the
 * result; free with crvm__rcov_panel_free(). */
typedef struct crvm__rcov_panel {
    crvm__rcov_data data;              /* views into the arrays below */
    int32_t *periods;
    uint8_t *churned;
    size_t *first_row;
    uint32_t *row_pattern;
    double *pattern_z;
} crvm__rcov_panel;

crvm_status crvm__rcov_panel_build(const char *who, size_t groups, size_t covariates,
                                   const int32_t *subject_group, size_t subject_group_len,
                                   const int32_t *row_subject, size_t row_subject_len,
                                   const int32_t *row_period, size_t row_period_len,
                                   const int32_t *row_event, size_t row_event_len,
                                   const double *z, size_t z_len,
                                   const double *subject_weight, size_t subject_weight_len,
                                   crvm__rcov_panel *out);
void crvm__rcov_panel_free(crvm__rcov_panel *panel);

/* Fit on a compact panel (crvm_retention_cov_fit() after the dense form is
 * interned); same statuses. */
crvm_status crvm__rcov_fit(crvm_retention_kind kind, const crvm__rcov_data *data,
                           const crvm_retention_cov_options *options, crvm_retention_cov **out,
                           crvm_fit_report *report);

/* Log-likelihood at natural parameters (k values) and optionally its
 * gradient in the natural parameters (k values, the sBG's c entry 0). A
 * probability underflowing to 0 gives -inf. threads as in the options.
 * CRVM_EDOMAIN (parameters out of range), CRVM_ENOMEM. */
crvm_status crvm__rcov_log_likelihood(crvm_retention_kind kind, const crvm__rcov_data *data,
                                      const double *params, int threads, double *log_likelihood,
                                      double *gradient);

/* crvm__rcov_fit() with its start values from a fit to a sample of about
 * one subject in stride (crvm__rcov_sample_new; stride 1: the
 * per-group start values, as crvm__rcov_fit() on a small panel). A sample
 * whose fit fails (a group missing from it, say) is set aside for the
 * per-group start values; only CRVM_ENOMEM in it is returned. The result
 * is a converged fit of all the data either way (report.iterations counts
 * the iterations on all the data). Same statuses as crvm__rcov_fit(). */
crvm_status crvm__rcov_fit_sampled(crvm_retention_kind kind, const crvm__rcov_data *data,
                                   const crvm_retention_cov_options *options, size_t stride,
                                   crvm_retention_cov **out, crvm_fit_report *report);

/* The stride crvm__rcov_fit() uses for a panel of that many subjects: 1
 * (no sample) below 2^16 subjects, about 2^13 subjects sampled below 2^17,
 * else 8 (a sample whose own fit starts from a sample of its own). */
size_t crvm__rcov_sample_stride(size_t subjects);

/* A smaller panel made from a panel (cov_subpanel.c): owned subject and row
 * arrays, the pattern table borrowed from the source. */
typedef struct crvm__rcov_subpanel {
    crvm__rcov_data data;              /* views into the arrays below */
    int32_t *group, *periods;
    uint8_t *churned;
    double *weight;
    size_t *first_row;
    uint32_t *row_pattern;
} crvm__rcov_subpanel;
void crvm__rcov_subpanel_free(crvm__rcov_subpanel *sub); /* NULL or zeroed: no-op */

/* About one subject of data in stride (stride >= 1), chosen by a hash of
 * its index (deterministic, and not in step with any period of the
 * subjects' order), with its rows and weight. CRVM_ENOMEM. */
crvm_status crvm__rcov_sample_new(const crvm__rcov_data *data, size_t stride,
                                  crvm__rcov_subpanel *out);
/* The same on `threads` threads (<= 1: the calling thread), the same sample. */
crvm_status crvm__rcov_sample_new_threads(const crvm__rcov_data *data, size_t stride, int threads,
                                          crvm__rcov_subpanel *out);

/* data with identical subjects (same group, periods, churned and pattern of
 * every row) merged into one whose weight is the sum of theirs, in the
 * order of their first appearance: the log-likelihood, gradient and Hessian
 * are weighted sums over subjects, so the merged panel has the same ones,
 * each distinct subject computed once. *merged = 0 (out zeroed) when fewer
 * than a fifth of the subjects would go, since the merge then does not pay.
 * Temporary memory at most 52 bytes per subject; cost O(rows) expected (a hash
 * table of the subjects, compared in full on a hash match). CRVM_ENOMEM. */
crvm_status crvm__rcov_merge_identical(const crvm__rcov_data *data, crvm__rcov_subpanel *out,
                                       int *merged);
/* The same on `threads` threads (<= 1: the calling thread): the subjects'
 * hashes, and the search for the distinct ones in parts (one per thread,
 * by hash) whose lists are then merged in subject order: the result does
 * not depend on the thread count. */
crvm_status crvm__rcov_merge_identical_threads(const crvm__rcov_data *data, int threads,
                                               crvm__rcov_subpanel *out, int *merged);

const double *crvm__rcov_params(const crvm_retention_cov *model);      /* k values */
const double *crvm__rcov_covariance(const crvm_retention_cov *model);  /* k*k, or NULL */

/* Lambda_n of subject i over its first n_rows rows (n_rows <= n_i) and its
 * derivatives in c (d_c, may be NULL) and b (d_b: covariates values, may be
 * NULL). Cost O(n_rows x covariates). */
void crvm__rcov_exposure(const crvm_retention_cov *model, const crvm__rcov_data *data,
                         size_t subject, size_t n_rows, double *lambda, double *d_c,
                         double *d_b);

/* ---- the prediction engine ----------------------------------------------
 *
 * For a subject alive after n renewals with exposure Lambda_n, theta ~
 * Beta(alpha, x), x = beta + Lambda_n, and the future exposures F_k = e_1 +
 * E ((n + k)^c - (n + 1)^c) (e_1 the next period's exposure). Each quantity
 * is the posterior expectation of a function of theta that depends only on
 * (group, n), tabulated per group at fixed quadrature nodes in
 * t = ln(-ln(1 - theta)) by backward recurrences over n; a query sums the
 * nodes around the posterior's peak (trapezoid rule) and estimates its error
 * from the double-step sum. Immutable after construction: queries may run
 * concurrently. */
typedef struct crvm__rcov_engine crvm__rcov_engine;

/* Build the tables for queries with n <= max_n.
 * horizon H >= 1; discount_per_period > 0 (the factor is 1 / (1 + rate));
 * lifetime_cap >= 1; log_multiplier[g] = ln E_g = b' zf_g (NULL: 0).
 * CRVM_EINVAL (arguments), CRVM_EDOMAIN (parameters or a discount too
 * small for a bounded setup, named), CRVM_ENOMEM. Cost per group
 * O(nodes x (max_n + H + lifetime_cap + terms of the discounted tail)). */
crvm_status crvm__rcov_engine_new(const crvm_retention_cov *model, int max_n, int horizon,
                                  double discount_per_period, int lifetime_cap,
                                  const double *log_multiplier /* [groups]: ln E_g, NULL = 0 */,
                                  crvm__rcov_engine **out);
void crvm__rcov_engine_free(crvm__rcov_engine *engine);

typedef struct crvm__rcov_query {
    int group; int n; double lambda;   /* alive after n renewals, exposure Lambda_n */
    double e1;                         /* exposure of period n+1; NaN = the future assumption */
} crvm__rcov_query;

typedef struct crvm__rcov_partials {  /* a quantity and its partial derivatives */
    double value, d_alpha, d_x /* = d/d beta = d/d Lambda */, d_c /* Lambda, e1 fixed */,
           d_log_e /* ln E_g of periods after n+1 (and of n+1 when e1 is NaN) */, d_e1;
} crvm__rcov_partials;

/* survival: P(makes the next H renewals); churn_next: P(churns at n + 1);
 * derl: sum_{j >= 0} d^j S(n+1+j)/S(n); derl_horizon: the same over j < H;
 * lifetime: sum_{j < cap} S(n+1+j)/S(n) (undiscounted); at_risk: the DERL
 * with churn ruled out in the next H renewals (their exposure not counted)
 * minus the DERL. */
typedef struct crvm__rcov_answer {
    crvm__rcov_partials survival, churn_next, derl, derl_horizon, lifetime, at_risk;
} crvm__rcov_answer;

/* Thread-safe (the engine is immutable). CRVM_EINVAL (group or n out of
 * range, lambda negative or not finite, e1 negative or infinite),
 * CRVM_EDOMAIN (accuracy of 1e-10 relative not guaranteed: the message
 * names the quantity and query). *answer is written only on CRVM_OK. */
crvm_status crvm__rcov_engine_eval(const crvm__rcov_engine *engine, const crvm__rcov_query *query,
                                   crvm__rcov_answer *answer);

/* The DERL alone, as answer->derl of crvm__rcov_engine_eval() with the same
 * accuracy and refusal (its own: a query refused only for another quantity
 * is answered), at about a third of the cost: the sums only the other
 * quantities need are skipped, so the walk may also stop at other nodes
 * (the two agree within their accuracy, not to the bit). Same statuses;
 * *derl is written only on CRVM_OK. */
crvm_status crvm__rcov_engine_derl(const crvm__rcov_engine *engine, const crvm__rcov_query *query,
                                   crvm__rcov_partials *derl);

#endif
