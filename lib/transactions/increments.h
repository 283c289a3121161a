/* Private (for lib/spend/clv.c): discounted increments of the conditional
 * expected transactions over several horizons in one call. */
#ifndef CRVM_TRANSACTIONS_INCREMENTS_H
#define CRVM_TRANSACTIONS_INCREMENTS_H

#include <stddef.h>

#include "crvm/transactions.h"

/* out[i] = sum_h weight[h] (E[Y(t[h]) | row i] - E[Y(t[h-1]) | row i]),
 * with E[Y(t[-1])] = 0, for the H horizons t (finite, >= 0, whole numbers
 * for BG/BB; increasing for a meaningful sum but not required). The columns
 * are checked once (as crvm_txn_expected_conditional checks them), and for
 * BG/NBD and MBG/NBD P(alive) is computed once for all horizons. out is
 * written only on success. Statuses as crvm_txn_expected_conditional (the
 * message of a bad horizon names t[h]). */
crvm_status crvm__txn_expected_increments(const crvm_txn_params *params, const double *t,
                                          const double *weight, size_t H, const double *frequency,
                                          size_t frequency_len, const double *recency,
                                          size_t recency_len, const double *T, size_t T_len,
                                          double *out, size_t out_len);

#endif
