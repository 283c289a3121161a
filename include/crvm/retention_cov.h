/**
 * @file crvm/retention_cov.h
 * @brief Contractual retention with covariates: the sBG and BdW with
 *        proportional-hazards covariates, fitted jointly over groups.
 *
 * Model (DESIGN.md section 3). Subject i belongs to group g (a segment) and
 * has a churn propensity theta ~ Beta(alpha_g, beta_g). At renewal s = 1, 2,
 * ... it renews with probability (1 - theta)^(e_s), where
 *
 *     e_s = (s^c - (s - 1)^c) * exp(b' z_s)
 *
 * and z_s holds the subject's p covariates for period s (the period that ends
 * at renewal s: its support contacts by outcome, escalations, silence...).
 * Writing Lambda_n = e_1 + ... + e_n (the cumulative exposure), and since
 * E[(1 - theta)^L] = B(alpha, beta + L) / B(alpha, beta) under the Beta:
 *
 *     S(n | z)          = B(alpha, beta + Lambda_n) / B(alpha, beta)
 *     P(T = n | z)      = S(n - 1 | z) - S(n | z)
 *     theta | alive at n ~ Beta(alpha, beta + Lambda_n)
 *
 * so likelihood, gradient and predictions are closed form. With b = 0 this
 * is the BdW (Fader, Hardie, Liu, Davin & Steenburgh 2018, "'How to Project
 * Customer Retention' Revisited", J. Interactive Marketing 43) and with c = 1
 * also the sBG (Fader & Hardie 2007, J. Interactive Marketing 21(1)); a
 * covariate constant over time gives the static-covariate model. Time-varying
 * covariates enter the discrete-time mixture as in Schweidel, Fader & Bradlow
 * (2008), "Understanding Service Retention Within and Across Cohorts Using
 * Limited Information", J. Marketing 72(1).
 *
 * Data ("the panel"). S subjects, given per subject by their group; and rows,
 * one per subject and period at risk, in subject order and then period
 * order. Row r belongs to subject row_subject[r] (0..S-1, non-decreasing),
 * covers period row_period[r] (1, 2, ... consecutive within a subject, so a
 * subject's rows are periods 1..n_i), has row_event[r] = 1 iff the subject
 * churned at that renewal (only on a subject's last row) and covariates
 * z[r * p .. r * p + p - 1]. A subject with no rows has made no renewal
 * decision yet: it is not in the likelihood and its predictions start at n = 0.
 *
 * Parameters are one vector of k = 2 G + 1 + p values on the natural scale:
 *
 *     [alpha_0, beta_0, alpha_1, beta_1, ..., alpha_{G-1}, beta_{G-1}, c, b_0, ..., b_{p-1}]
 *
 * (index 2g is alpha_g, 2g + 1 is beta_g, 2G is c, 2G + 1 + j is b_j). For the
 * sBG c is fixed at 1: its standard error and covariance row are 0.
 *
 * Thread safety: a fitted model is immutable; every call taking a
 * `const crvm_retention_cov *` may run concurrently on the same model.
 */
#ifndef CRVM_RETENTION_COV_H
#define CRVM_RETENTION_COV_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/common.h"
#include "crvm/retention.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Settings of a covariate retention fit. Fields are only ever appended. */
typedef struct crvm_retention_cov_options {
    int max_iterations; /**< optimiser iteration limit, >= 1 (default 500) */
    double tolerance;   /**< gradient tolerance of the optimiser, > 0 (default 1e-8) */
    int threads;        /**< worker threads for the likelihood; 0 or 1 = the calling thread
                             only (default 0). Results are bit-identical for any value. */
} crvm_retention_cov_options;

/** Default options, for static initialisation. */
#define CRVM_RETENTION_COV_OPTIONS_INIT {500, 1e-8, 0}

/** Set @p options to ::CRVM_RETENTION_COV_OPTIONS_INIT; NULL is ignored. */
CRVM_API void crvm_retention_cov_options_init(crvm_retention_cov_options *options);

/** A covariate retention model (fitted, or built from given parameters). Opaque, immutable. */
typedef struct crvm_retention_cov crvm_retention_cov;

/**
 * Fit by maximum likelihood, jointly over groups: alpha and beta per group,
 * c (BdW only) and b shared. A churned subject with n rows contributes
 * ln[S(n-1|z) - S(n|z)], an active one ln S(n|z).
 *
 * @param kind          ::CRVM_RETENTION_SBG (c = 1) or ::CRVM_RETENTION_BDW
 * @param subject_group group of each subject, 0..groups-1; its length is S
 * @param groups        G >= 1; every group needs at least one subject with a row
 * @param row_subject, row_period, row_event  the rows (see the file comment)
 * @param z             rows x covariates, row-major; NULL with length 0 when covariates = 0
 * @param covariates    p >= 0
 * @param subject_weight optional non-negative finite weight per subject (identical
 *                      subjects merged); NULL with length 0 for all 1
 * @param options       NULL for the defaults
 * @param out           receives the model on ::CRVM_OK only; free with crvm_retention_cov_free()
 * @param report        optional; filled whenever the optimiser ran (also on ::CRVM_ECONVERGE)
 * @return ::CRVM_OK;
 *         ::CRVM_EINVAL (NULL pointer with a nonzero length, lengths that do not
 *         match, a bad kind or option, a row out of order, a period not
 *         following the previous one, an event not on a subject's last row, a
 *         non-finite covariate, a group out of range: the message names the row
 *         or subject and the column);
 *         ::CRVM_EDOMAIN (degenerate data without a finite estimate: a group with
 *         no churn, or with everybody churned at the first renewal; too few
 *         periods for c; a covariate constant, or collinear with others, or
 *         perfectly separating churn: the message names the group or covariate);
 *         ::CRVM_ECONVERGE (the optimiser stopped without converging, or the
 *         information matrix is singular);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_retention_cov_fit(crvm_retention_kind kind,
                                            const int32_t *subject_group, size_t subject_group_len,
                                            size_t groups,
                                            const int32_t *row_subject, size_t row_subject_len,
                                            const int32_t *row_period, size_t row_period_len,
                                            const int32_t *row_event, size_t row_event_len,
                                            const double *z, size_t z_len, size_t covariates,
                                            const double *subject_weight, size_t subject_weight_len,
                                            const crvm_retention_cov_options *options,
                                            crvm_retention_cov **out, crvm_fit_report *report);

/**
 * A model from given parameters (a known truth, a saved model, a fit made
 * elsewhere, e.g. by summing partition likelihoods).
 * @param params      k = 2 groups + 1 + covariates values in the layout of the file comment
 *                    (alpha, beta, c positive and finite; c must be 1 for the sBG; b finite)
 * @param covariance  optional k x k covariance of the parameters (symmetric, finite,
 *                    non-negative diagonal), NULL with length 0 for none: the model then
 *                    has no standard errors (crvm_retention_cov_standard_errors() and
 *                    predictions with standard errors refuse)
 * @return ::CRVM_OK; ::CRVM_EINVAL (lengths, NULL, bad kind); ::CRVM_EDOMAIN (a
 *         parameter out of range, named); ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_retention_cov_new(crvm_retention_kind kind, size_t groups,
                                            size_t covariates, const double *params,
                                            size_t params_len, const double *covariance,
                                            size_t covariance_len, crvm_retention_cov **out);

/** Free a model; NULL is ignored. */
CRVM_API void crvm_retention_cov_free(crvm_retention_cov *model);

/**
 * Kind, number of groups and of covariates (any output may be NULL).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL model).
 */
CRVM_API crvm_status crvm_retention_cov_shape(const crvm_retention_cov *model,
                                              crvm_retention_kind *kind, size_t *groups,
                                              size_t *covariates);

/**
 * The parameter vector (k values, layout of the file comment).
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, @p out_len is not k).
 */
CRVM_API crvm_status crvm_retention_cov_params(const crvm_retention_cov *model, double *out,
                                               size_t out_len);

/**
 * Standard errors of the parameters (k values; 0 for the sBG's fixed c): the
 * inverse of the observed information in transformed parameters (log alpha,
 * log beta, log c, b), mapped to the natural scale by the delta method.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL, wrong length); ::CRVM_ESTATE (a model
 *         built without a covariance).
 */
CRVM_API crvm_status crvm_retention_cov_standard_errors(const crvm_retention_cov *model,
                                                        double *out, size_t out_len);

/**
 * Covariance of the parameters on the natural scale, k x k row-major.
 * @return as crvm_retention_cov_standard_errors(), @p out_len = k * k.
 */
CRVM_API crvm_status crvm_retention_cov_covariance(const crvm_retention_cov *model, double *out,
                                                   size_t out_len);

/**
 * The fit report (log-likelihood, AIC, BIC with n = subjects in the likelihood,
 * iterations, gradient norm, convergence). A model from crvm_retention_cov_new()
 * reports NaN log-likelihood and 0 iterations.
 * @return ::CRVM_OK; ::CRVM_EINVAL (NULL).
 */
CRVM_API crvm_status crvm_retention_cov_report(const crvm_retention_cov *model,
                                               crvm_fit_report *out);

/**
 * Log-likelihood of a panel at given parameters and its gradient with respect
 * to the natural parameters (k values; the sBG's c entry is 0), summed over
 * the subjects given: the building block for fits whose data are split over
 * machines (sum the partitions' values, optimise on one). Same data checks as
 * crvm_retention_cov_fit(), but a group may have no subject here.
 * @param gradient  NULL with length 0 if not wanted, else k values
 * @return ::CRVM_OK; ::CRVM_EINVAL; ::CRVM_EDOMAIN (parameters out of range);
 *         ::CRVM_ENOMEM.
 */
CRVM_API crvm_status crvm_retention_cov_log_likelihood(
    crvm_retention_kind kind, size_t groups, size_t covariates, const double *params,
    size_t params_len, const int32_t *subject_group, size_t subject_group_len,
    const int32_t *row_subject, size_t row_subject_len, const int32_t *row_period,
    size_t row_period_len, const int32_t *row_event, size_t row_event_len, const double *z,
    size_t z_len, const double *subject_weight, size_t subject_weight_len,
    double *log_likelihood, double *gradient, size_t gradient_len);

/* ------------------------------------------------------------ predictions */

/**
 * Columns of crvm_retention_cov_predict(): one row per subject, as of the end
 * of its rows (n = its number of rows, the renewals it has made). Future
 * periods s > n have exposure (s^c - (s-1)^c) * exp(b' zf_g) with zf_g the
 * future covariates of the subject's group (zero unless given). j counts the
 * periods after the current one: j = 0 is the next renewal, n + 1.
 * A churned subject (event on its last row) gets ALIVE = 0 and zeros elsewhere
 * except PERIODS and EXPOSURE. Standard errors are delta-method, from the
 * model's covariance, including the dependence of the exposure on c and b.
 */
typedef enum crvm_retention_cov_column {
    CRVM_RCOV_ALIVE = 0,        /**< 1 if the subject has not churned, else 0 */
    CRVM_RCOV_PERIODS = 1,      /**< n: renewals made */
    CRVM_RCOV_EXPOSURE = 2,     /**< Lambda_n */
    CRVM_RCOV_CHURN_NEXT = 3,   /**< P(churns at renewal n + 1 | alive after n) */
    CRVM_RCOV_SURVIVAL = 4,     /**< P(makes the next H renewals | alive after n) = S(n+H)/S(n) */
    CRVM_RCOV_SURVIVAL_SE = 5,  /**< its standard error */
    CRVM_RCOV_DERL = 6,         /**< sum over j >= 0 of d^j S(n+1+j)/S(n): discounted expected
                                     residual lifetime in periods (Fader & Hardie 2010, evaluated
                                     just before the next renewal) */
    CRVM_RCOV_DERL_SE = 7,      /**< its standard error */
    CRVM_RCOV_DERL_HORIZON = 8, /**< the same sum over j < H only */
    CRVM_RCOV_DERL_HORIZON_SE = 9, /**< its standard error */
    CRVM_RCOV_LIFETIME = 10,    /**< sum over j < lifetime_cap of S(n+1+j)/S(n): expected further
                                     renewals within the cap (undiscounted) */
    CRVM_RCOV_LIFETIME_SE = 11, /**< its standard error */
    CRVM_RCOV_AT_RISK = 12,     /**< discounted periods lost to churn within H: the DERL if no
                                     churn could happen in the next H renewals, minus DERL */
    CRVM_RCOV_AT_RISK_SE = 13   /**< its standard error */
} crvm_retention_cov_column;
/** Number of prediction columns. */
#define CRVM_RCOV_COLUMNS 14

/** Snake-case name of a prediction column ("alive", "periods", ...), NULL if out of range. */
CRVM_API const char *crvm_retention_cov_column_name(int column);

/** Settings of crvm_retention_cov_predict(). Fields are only ever appended. */
typedef struct crvm_retention_cov_predict_options {
    int horizon;          /**< H >= 1 periods for SURVIVAL, DERL_HORIZON, AT_RISK (default 12) */
    double discount_rate; /**< d > 0 per period (default 0.1 a year as a monthly rate, 0.00797414);
                               0 fails with ::CRVM_EDOMAIN (the undiscounted DERL has no bounded
                               evaluation: LIFETIME is its capped counterpart), and so does a
                               rate so small that the discounted sums need more than 2e6 terms */
    int lifetime_cap;     /**< periods counted in LIFETIME, 1..100000 (default 1200) */
    int standard_errors;  /**< 1: fill the _SE columns (needs a covariance); 0: leave them 0 (default 1) */
    int threads;          /**< as in ::crvm_retention_cov_options (default 0) */
} crvm_retention_cov_predict_options;

/** Default prediction options, for static initialisation. */
#define CRVM_RETENTION_COV_PREDICT_OPTIONS_INIT {12, 0.0079741404289038, 1200, 1, 0}

/** Set @p options to ::CRVM_RETENTION_COV_PREDICT_OPTIONS_INIT; NULL is ignored. */
CRVM_API void crvm_retention_cov_predict_options_init(crvm_retention_cov_predict_options *options);

/**
 * Predictions for every subject of a panel (same layout and checks as the
 * fit; the model's groups and covariates must match).
 *
 * Accuracy: every value is within 1e-10 relative of the exact series (with
 * b = 0 the DERL and survival equal crvm_retention_derl() and
 * crvm_retention_survival() to 1e-12); a value whose accuracy cannot be
 * guaranteed (extreme parameters or exposures) fails the call with
 * ::CRVM_EDOMAIN naming the subject, rather than being returned.
 * Cost: O(rows x covariates) for the exposures, a per-group setup
 * independent of the number of subjects (tens of milliseconds: tables over
 * the periods reached, the horizon and the cap at a few hundred quadrature
 * nodes), and per alive subject a quadrature over the nodes near its
 * posterior (about 150-200 for alpha near 1; microseconds).
 *
 * @param future_z  future covariates per group, groups x covariates row-major;
 *                  NULL with length 0 for all zero (baseline exposure)
 * @param out       subjects x ::CRVM_RCOV_COLUMNS, row-major
 * @return ::CRVM_OK; ::CRVM_EINVAL (data as in the fit, options, lengths);
 *         ::CRVM_ESTATE (standard errors asked of a model without covariance);
 *         ::CRVM_EDOMAIN (accuracy, see above; a discount rate of 0; a covariance
 *         that is not positive semi-definite); ::CRVM_ENOMEM. @p out is
 *         untouched on failure.
 */
CRVM_API crvm_status crvm_retention_cov_predict(
    const crvm_retention_cov *model, const int32_t *subject_group, size_t subject_group_len,
    const int32_t *row_subject, size_t row_subject_len, const int32_t *row_period,
    size_t row_period_len, const int32_t *row_event, size_t row_event_len, const double *z,
    size_t z_len, const double *future_z, size_t future_z_len,
    const crvm_retention_cov_predict_options *options, double *out, size_t out_len);

/**
 * Survival curve of a new subject of group @p group with covariates constant
 * over time (static form): S(t | z) = B(alpha, beta + t^c e^(b'z)) / B(alpha, beta)
 * for each t[i] (whole numbers >= 0).
 * @param z  @p covariates values (NULL with length 0 for all zero)
 * @return ::CRVM_OK; ::CRVM_EINVAL (group out of range, lengths, t[i] negative,
 *         fractional or not finite, z not finite).
 */
CRVM_API crvm_status crvm_retention_cov_survival(const crvm_retention_cov *model, size_t group,
                                                 const double *z, size_t z_len, const double *t,
                                                 size_t t_len, double *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* CRVM_RETENTION_COV_H */
