/* crvm transactions: its arguments, its results and how they are written
 * (text, JSON or a per-customer CSV table). */
#ifndef CRVM_CLI_TXN_OUTPUT_H
#define CRVM_CLI_TXN_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include <crvm/crvm.h>

#include "holdout.h"

typedef enum txn_format { TXN_TEXT, TXN_JSON, TXN_CSV } txn_format;

typedef struct txn_args {
    const char *file, *customer, *date, *amount, *out;
    int has_calibration, has_observation;
    crvm_date calibration_end, observation_end;
    crvm_txn_model model;
    int unit_days; /* 7 (weeks) or 1 (days) */
    double horizon;
    txn_format format;
    char delimiter;
} txn_args;

/* Per-customer columns: the summary, then the predictions. */
enum {
    TXN_X, TXN_TX, TXN_T, TXN_MV, TXN_HOLD, TXN_COLUMNS,
    TXN_P_ALIVE = TXN_COLUMNS, TXN_EXPECTED, TXN_CLV, TXN_PREDICTED, TXN_ALL_COLUMNS
};

typedef struct txn_data {
    crvm_numeric_table *table;
    size_t rows, customers, present;
    int64_t *customer;
    double *day, *amount;
    crvm_rfm_info info;
    size_t *index; /* present customer j is label index[j] */
    double *col[TXN_ALL_COLUMNS]; /* over the present customers */
    crvm_txn_fit *fit;
    crvm_txn_params params;
    double se[4];
    crvm_fit_report report;
    crvm_gamma_gamma_fit *spend_fit;
    crvm_gamma_gamma_params spend;
    crvm_gamma_gamma_params spend_se;
    crvm_fit_report spend_report;
    holdout_summary holdout;
} txn_data;

/* Write the results as a->format to a->out or stdout; the exit status. */
int txn_write(const txn_args *a, const txn_data *d);

#endif
