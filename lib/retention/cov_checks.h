/* Private: the checks a covariate retention fit makes of its data before
 * fitting (cov_checks.c): the compact panel's consistency, groups and
 * covariates that leave parameters unidentified. */
#ifndef CRVM_RETENTION_COV_CHECKS_H
#define CRVM_RETENTION_COV_CHECKS_H

#include "retention/cov_internal.h"

/* A group's subjects as the likelihood weighs them. */
typedef struct crvm__rcov_group_stats {
    double weight, dead, renewed; /* weight in the likelihood, churned, seen to renew */
    int last;                     /* last period with information (a renewal or a churn) */
} crvm__rcov_group_stats;

/* crvm__rcov_data_check(), then the degenerate groups (no subject with a
 * row, none churned, none renewed, fewer than 2 periods; fewer than 3 in
 * every group for the BdW) and covariates (constant, collinear, separating
 * churn): CRVM_EINVAL or CRVM_EDOMAIN with the message of the first, as
 * the serial checks give it. gs (groups values) and *total: the groups'
 * weights. The passes over subjects and rows run on `threads` threads
 * when the weights are all 1 (d->weight NULL), whose sums are whole
 * numbers and so the same bits in any order; with weights, on the calling
 * thread in subject order. CRVM_ENOMEM. */
crvm_status crvm__rcov_check_fit_data(const char *who, crvm_retention_kind kind,
                                      const crvm__rcov_data *d, int threads,
                                      crvm__rcov_group_stats *gs, double *total);

#endif
