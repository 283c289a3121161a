/* Private: the Cox option of the value layer (CRVM_VALUE_COX): a Cox model
 * on the value's panel, stratified by segment, and the tables that answer
 * the same queries as the covariate retention engine (value_internal.h). */
#ifndef CRVM_VALUE_COX_H
#define CRVM_VALUE_COX_H

#include "retention/cov_internal.h"

typedef struct crvm__value_cox crvm__value_cox;
struct crvm_value;

/* Fit the Cox model to the value's panel (Breslow ties: renewals are
 * discrete and heavily tied), and fill the value's parameter vector (c = 1,
 * b the coefficients; alpha and beta unused at 1) and covariance (the
 * coefficients' block, zero elsewhere). CRVM_EDOMAIN (no covariate; a
 * segment without churn), the statuses of crvm_cox_fit_intervals(),
 * CRVM_ENOMEM. Memory: the dense panel, (p + 3) x 8 bytes per row, while fitting. */
crvm_status crvm__value_cox_fit(struct crvm_value *v, double **params, double **cov,
                                crvm__value_cox **out);

/* The tables for queries with n <= max_n, once the segments' future
 * multipliers are known (log_e NULL: 1). */
crvm_status crvm__value_cox_tables(crvm__value_cox *c, int max_n, int horizon, double discount,
                                   int lifetime_cap, const double *log_e);

/* A query as crvm__rcov_engine_eval() answers it: the history (lambda) does
 * not enter a Cox model, so the partials in alpha, beta + Lambda and c are 0. */
void crvm__value_cox_eval(const crvm__value_cox *c, const crvm__rcov_query *q, crvm__rcov_answer *a);

void crvm__value_cox_free(crvm__value_cox *c);

#endif
