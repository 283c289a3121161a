/* Private: retention model internals shared by fit.c and predict.c, and
 * exposed to the unit tests (likelihood and its gradient, the generic series
 * that the closed forms are checked against). */
#ifndef CRVM_RETENTION_INTERNAL_H
#define CRVM_RETENTION_INTERNAL_H

#include <stddef.h>

#include "crvm/retention.h"

/* Parameters positive and finite; otherwise CRVM_EDOMAIN naming the
 * parameter, with `who` (the public function) in the message. */
crvm_status crvm__retention_check_params(const crvm_retention_params *p, const char *who);

/* ln S(t) = ln B(alpha, beta + t^c) - ln B(alpha, beta) for a real t >= 0.
 * When grad is not NULL it receives d ln S / d(alpha, beta, c). */
double crvm__retention_log_survival(const crvm_retention_params *p, double t, double grad[3]);

/* ln P(T = t), t >= 1, by the generic difference S(t - 1) - S(t) computed
 * without cancellation (any c), with gradient d/d(alpha, beta, c). */
double crvm__retention_log_churn_generic(const crvm_retention_params *p, double t, double grad[3]);

/* ln P(T = t) for the sBG (c = 1) in closed form,
 * ln B(alpha + 1, beta + t - 1) - ln B(alpha, beta); grad gets d/d(alpha, beta)
 * and 0 for c. */
double crvm__retention_log_churn_sbg(const crvm_retention_params *p, double t, double grad[3]);

/* The residual series sum over k >= 0 of S(m + 1 + k) / S(m) z^k for m >= 0
 * renewals and 0 < z <= 1, summed directly with an Euler-Maclaurin tail
 * (valid for any c). +inf when z = 1 and alpha * c <= 1. */
double crvm__retention_residual_series(const crvm_retention_params *p, double m, double z);

/* The same for the sBG from the 2F1 closed form (z < 1) or the exact
 * (beta + m) / (alpha - 1) (z = 1). Returns the 2F1 status; on failure *out
 * is untouched. */
crvm_status crvm__retention_residual_sbg(const crvm_retention_params *p, double m, double z,
                                         double *out);

/* Data of a fit reduced to sufficient statistics: for each distinct period t
 * (ascending), the weight of customers with T = t and with T > t. */
typedef struct crvm__retention_data {
    size_t n;
    double *t;
    double *dead;  /* T = t (0 when t = 0) */
    double *alive; /* T > t */
    double total;  /* total weight of customers (n for BIC) */
} crvm__retention_data;

crvm_status crvm__retention_data_from_cohorts(const double *counts, size_t counts_len,
                                              const int32_t *cohort_lengths,
                                              size_t cohort_lengths_len,
                                              crvm__retention_data *out);
crvm_status crvm__retention_data_from_records(const int32_t *periods, size_t periods_len,
                                              const int32_t *churned, size_t churned_len,
                                              const double *weights, size_t weights_len,
                                              crvm__retention_data *out);
void crvm__retention_data_free(crvm__retention_data *d);

/* Log-likelihood of the data under the model; grad (may be NULL) receives its
 * derivatives with respect to (alpha, beta, c) (c entry 0 for the sBG). The
 * sBG uses the closed-form churn probability, the BdW the generic one.
 * -inf where a probability underflows to 0. */
double crvm__retention_loglik(crvm_retention_kind kind, const crvm__retention_data *d,
                              const crvm_retention_params *p, double grad[3]);

#endif
