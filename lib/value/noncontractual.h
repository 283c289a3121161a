/* Private: the value layer's non-contractual models (crvm/value.h
 * "Non-contractual models", docs/value.md): BG/NBD or Pareto/NBD on each
 * customer's purchase days and Gamma-Gamma on its mean margin per repeat
 * transaction, pooled or per segment. */
#ifndef CRVM_VALUE_NONCONTRACTUAL_H
#define CRVM_VALUE_NONCONTRACTUAL_H

#include <stddef.h>

#include "crvm/transactions.h"

struct crvm_value;

/* Parameters of one group: the transaction model's four, then p, q, v. */
enum { CRVM__NC_TXN = 4, CRVM__NC_PARAMS = 7 };

typedef struct crvm__value_nc {
    crvm_txn_model model;
    size_t groups;              /* segments with per_segment, else 1 */
    double delta;               /* continuous discount rate per day */
    double horizon_days;        /* from the end of as_of to the end of as_of + H months */
    double days_per_period;     /* 365.25 k / 12 */
    /* Per ledger customer; zeros for one without a purchase on or before as_of. */
    double *x, *tx, *T, *zbar;  /* the summary (crvm/transactions.h), zbar the mean margin */
    double *expected_margin, *p_alive, *expected_txn;
    unsigned char *buyer;       /* 1 if it has a purchase on or before as_of */
} crvm__value_nc;

/* The group of customer i. */
size_t crvm__nc_group(const struct crvm_value *v, size_t i);

/* Allocate v->nc and fill each customer's summary from the ledger's revenue
 * events on or before as_of; customers without a purchase stop being active
 * (nc_summary.c). CRVM_EINVAL (an end date on or before as_of), CRVM_EDOMAIN
 * (a negative revenue event; no purchase at all), CRVM_ENOMEM. */
crvm_status crvm__nc_summary(struct crvm_value *v);
/* Fit the models of every group into v->own_params and v->own_cov (nc_fit.c). */
crvm_status crvm__nc_fit(struct crvm_value *v);
/* Every active customer's figures, their intervals and the segment roll-ups
 * (nc_eval.c). */
crvm_status crvm__nc_evaluate(struct crvm_value *v);
void crvm__nc_free(crvm__value_nc *nc);

#endif
