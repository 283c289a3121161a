/* crvm transactions: from a transaction log (customer ids, ISO dates,
 * optional amounts) to a fitted repeat-purchase model and, per customer,
 * P(alive), expected purchases and CLV, with the holdout comparison when a
 * calibration end is given. The library reads the log
 * (crvm_read_table_csv), summarises it (crvm_rfm_summary_arrays), fits the
 * models (crvm_txn_fit_new, crvm_gamma_gamma_fit_columns) and predicts; this
 * command parses the arguments and writes the results (txn_output.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"
#include "holdout.h"
#include "txn_output.h"

static void usage(FILE *to)
{
    fputs("usage: crvm transactions FILE --customer COL --date COL [--amount COL]\n"
          "           [--calibration-end DATE] [--observation-end DATE] [--model M]\n"
          "           [--unit day|week] [--horizon H] [--format text|json|csv] [--out PATH]\n"
          "           [--delimiter D]\n"
          "\n"
          "FILE is a transaction log with a header row: one row per transaction with the\n"
          "customer's id (any text), the date (YYYY-MM-DD) and optionally the amount.\n"
          "Fits a repeat-purchase model to each customer's frequency, recency and age\n"
          "(all purchases of a customer on one day are one purchase) and prints the\n"
          "parameters with standard errors and the fit, then per customer P(alive), the\n"
          "expected purchases in the next H units and, with --amount, the 12-month CLV\n"
          "(spend from a Gamma-Gamma model, 1%/month discount; docs/transactions.md).\n"
          "  --model M            bgnbd (default), mbgnbd or pareto\n"
          "  --unit U             week (default) or day: the unit of recency, T, H\n"
          "  --horizon H          units ahead for the expected purchases (default one year:\n"
          "                       52 weeks or 365 days)\n"
          "  --calibration-end D  fit on the transactions up to D (inclusive) and compare\n"
          "                       the predicted with the actual repeat purchases after D:\n"
          "                       MAE, RMSE, correlation, a table by calibration frequency;\n"
          "                       customers first seen after D are left out\n"
          "  --observation-end D  the end of the data (also --as-of; default: the last\n"
          "                       date); a transaction after it is an error\n"
          "  --format F           text (default), json or csv (the per-customer table)\n"
          "  --out PATH           write there instead of the terminal\n"
          "  --delimiter D        the field separator: one character, tab or space\n"
          "Exit status: 0 success, 1 bad data (the message names the row and column),\n"
          "2 bad usage.\n",
          to);
}

static int bad_usage(const char *what, const char *value)
{
    fprintf(stderr, "crvm transactions: %s%s%s (crvm transactions --help)\n", what,
            value ? ": " : "", value ? value : "");
    return 2;
}

static int parse_date_arg(const char *opt, const char *text, crvm_date *out)
{
    if (crvm_date_parse(text, strlen(text), out) != CRVM_OK) {
        fprintf(stderr, "crvm transactions: %s: '%s' is not a date YYYY-MM-DD\n", opt, text);
        return 0;
    }
    return 1;
}

/* 0 to go on; otherwise the exit status (-1: help was printed, exit 0). */
static int parse_args(int argc, char **argv, txn_args *a)
{
    memset(a, 0, sizeof *a);
    a->model = CRVM_TXN_BGNBD;
    a->unit_days = 7;
    a->horizon = -1;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (strncmp(opt, "--", 2) != 0) {
            if (a->file)
                return bad_usage("unexpected argument", opt);
            a->file = opt;
            continue;
        }
        if (i + 1 >= argc)
            return bad_usage("this option needs a value", opt);
        const char *v = argv[++i];
        if (strcmp(opt, "--customer") == 0) {
            a->customer = v;
        } else if (strcmp(opt, "--date") == 0) {
            a->date = v;
        } else if (strcmp(opt, "--amount") == 0) {
            a->amount = v;
        } else if (strcmp(opt, "--calibration-end") == 0) {
            if (!parse_date_arg(opt, v, &a->calibration_end))
                return 2;
            a->has_calibration = 1;
        } else if (strcmp(opt, "--observation-end") == 0 || strcmp(opt, "--as-of") == 0) {
            if (!parse_date_arg(opt, v, &a->observation_end))
                return 2;
            a->has_observation = 1;
        } else if (strcmp(opt, "--model") == 0) {
            if (strcmp(v, "bgnbd") == 0)
                a->model = CRVM_TXN_BGNBD;
            else if (strcmp(v, "mbgnbd") == 0)
                a->model = CRVM_TXN_MBGNBD;
            else if (strcmp(v, "pareto") == 0)
                a->model = CRVM_TXN_PARETO_NBD;
            else
                return bad_usage("--model must be bgnbd, mbgnbd or pareto, not", v);
        } else if (strcmp(opt, "--unit") == 0) {
            if (strcmp(v, "week") == 0)
                a->unit_days = 7;
            else if (strcmp(v, "day") == 0)
                a->unit_days = 1;
            else
                return bad_usage("--unit must be day or week, not", v);
        } else if (strcmp(opt, "--horizon") == 0) {
            if (!cli_parse_double(v, "--horizon", &a->horizon))
                return 2;
            if (!(a->horizon >= 0))
                return bad_usage("--horizon must be >= 0, not", v);
        } else if (strcmp(opt, "--format") == 0) {
            if (strcmp(v, "text") == 0)
                a->format = TXN_TEXT;
            else if (strcmp(v, "json") == 0)
                a->format = TXN_JSON;
            else if (strcmp(v, "csv") == 0)
                a->format = TXN_CSV;
            else
                return bad_usage("--format must be text, json or csv, not", v);
        } else if (strcmp(opt, "--out") == 0) {
            a->out = v;
        } else if (strcmp(opt, "--delimiter") == 0) {
            if (!cli_parse_delimiter(v, &a->delimiter))
                return 2;
        } else {
            return bad_usage("unknown option", opt);
        }
    }
    if (!a->file || !a->customer || !a->date)
        return bad_usage("FILE, --customer and --date are required", NULL);
    if (a->has_calibration && a->has_observation && a->calibration_end >= a->observation_end)
        return bad_usage("--calibration-end must be before --observation-end", NULL);
    if (a->horizon < 0)
        a->horizon = a->unit_days == 7 ? 52 : 365;
    return 0;
}

/* The log as the RFM summary wants it: customer codes, days, amounts. */
static int read_log(const txn_args *a, txn_data *d)
{
    const char *columns[3] = {a->customer, a->date, a->amount};
    crvm_table_options opt;
    crvm_table_options_init(&opt);
    opt.delimiter = a->delimiter;
    if (crvm_read_table_csv(a->file, columns, a->amount ? 3 : 2, &a->customer, 1, &a->date, 1,
                            &opt, &d->table) != CRVM_OK)
        return cli_library_error("transactions", "reading the log");
    d->rows = crvm_numeric_table_rows(d->table);
    d->customers = crvm_numeric_table_label_count(d->table, 0);
    if (d->rows == 0) {
        fprintf(stderr, "crvm transactions: %s: no transactions\n", a->file);
        return 1;
    }
    double *codes = malloc(d->rows * sizeof *codes);
    d->customer = malloc(d->rows * sizeof *d->customer);
    d->day = malloc(d->rows * sizeof *d->day);
    d->amount = a->amount ? malloc(d->rows * sizeof *d->amount) : NULL;
    int rc = 0;
    if (!codes || !d->customer || !d->day || (a->amount && !d->amount)) {
        fprintf(stderr, "crvm transactions: out of memory\n");
        rc = 1;
    } else if (crvm_numeric_table_column(d->table, 0, codes, d->rows) != CRVM_OK ||
               crvm_numeric_table_column(d->table, 1, d->day, d->rows) != CRVM_OK ||
               (a->amount &&
                crvm_numeric_table_column(d->table, 2, d->amount, d->rows) != CRVM_OK)) {
        rc = cli_library_error("transactions", "reading the log");
    }
    for (size_t i = 0; rc == 0 && i < d->rows; i++)
        d->customer[i] = (int64_t)codes[i];
    free(codes);
    return rc;
}

/* Per-customer summary columns, then the customers with a calibration
 * purchase (the others cannot be fitted) moved to the front. */
/* A transaction after the observation end is bad data: name the first. */
static int check_observation_end(const txn_args *a, const txn_data *d)
{
    size_t first = d->rows, count = 0;
    for (size_t i = 0; a->has_observation && i < d->rows; i++)
        if (d->day[i] > a->observation_end && count++ == 0)
            first = i;
    if (count == 0)
        return 0;
    char day[16], end[16];
    crvm_date_format((crvm_date)d->day[first], day, sizeof day);
    crvm_date_format(a->observation_end, end, sizeof end);
    fprintf(stderr, "crvm transactions: %s: row %zu, column %s: %s is after the observation end "
                    "%s (%zu such transactions)\n", a->file, first + 1, a->date, day, end, count);
    return 1;
}

static int summarise(const txn_args *a, txn_data *d)
{
    const size_t m = d->customers;
    if (check_observation_end(a, d))
        return 1;
    crvm_rfm_options opt;
    crvm_rfm_options_init(&opt);
    opt.period = 1; /* one purchase per customer and day */
    opt.unit = a->unit_days;
    opt.has_observation_end = a->has_observation;
    opt.observation_end = a->observation_end;
    opt.has_calibration_end = a->has_calibration;
    opt.calibration_end = a->calibration_end;
    int64_t *n_tx = malloc(m * sizeof *n_tx);
    int ok = n_tx != NULL;
    for (int c = 0; c < TXN_COLUMNS; c++)
        ok = (d->col[c] = calloc(m, sizeof *d->col[c])) != NULL && ok;
    d->index = malloc(m * sizeof *d->index);
    if (!ok || !d->index) {
        free(n_tx);
        fprintf(stderr, "crvm transactions: out of memory\n");
        return 1;
    }
    size_t mv_len = a->amount ? m : 0, hold_len = a->has_calibration ? m : 0;
    if (crvm_rfm_summary_arrays(d->customer, d->rows, d->day, d->rows, d->amount,
                                a->amount ? d->rows : 0, &opt, d->col[TXN_X], m, d->col[TXN_TX],
                                m, d->col[TXN_T], m, d->col[TXN_MV], mv_len, d->col[TXN_HOLD],
                                hold_len, NULL, 0, n_tx, m, &d->info) != CRVM_OK) {
        free(n_tx);
        return cli_library_error("transactions", "summarising the log");
    }
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (n_tx[i] > 0)
            d->index[k++] = i;
    free(n_tx);
    d->present = k;
    if (k == 0) {
        fprintf(stderr, "crvm transactions: %s: no customer bought on or before the calibration "
                        "end\n", a->file);
        return 1;
    }
    /* Compact each column onto the present customers (index[j] >= j). */
    for (int c = 0; c < TXN_COLUMNS; c++)
        for (size_t j = 0; j < k; j++)
            d->col[c][j] = d->col[c][d->index[j]];
    return 0;
}

static int fit_models(const txn_args *a, txn_data *d)
{
    const size_t k = d->present;
    const double *x = d->col[TXN_X], *tx = d->col[TXN_TX], *T = d->col[TXN_T];
    crvm_status st = crvm_txn_fit_new(a->model, x, k, tx, k, T, k, NULL, 0, NULL, &d->fit);
    if (st != CRVM_OK)
        return cli_library_error("transactions", "fitting the model");
    crvm_txn_fit_params(d->fit, &d->params);
    crvm_txn_fit_report(d->fit, &d->report);
    if (crvm_txn_fit_standard_errors(d->fit, d->se, 4) != CRVM_OK)
        for (int j = 0; j < 4; j++)
            d->se[j] = NAN; /* the Hessian was not positive definite: no intervals */
    for (int c = TXN_P_ALIVE; c <= TXN_PREDICTED; c++) {
        d->col[c] = malloc((k ? k : 1) * sizeof *d->col[c]);
        if (!d->col[c]) {
            fprintf(stderr, "crvm transactions: out of memory\n");
            return 1;
        }
    }
    if (crvm_txn_p_alive(&d->params, x, k, tx, k, T, k, d->col[TXN_P_ALIVE], k) != CRVM_OK ||
        crvm_txn_expected_conditional(&d->params, a->horizon, x, k, tx, k, T, k,
                                      d->col[TXN_EXPECTED], k) != CRVM_OK)
        return cli_library_error("transactions", "predicting");
    if (a->has_calibration &&
        crvm_txn_expected_conditional(&d->params, d->info.duration_holdout, x, k, tx, k, T, k,
                                      d->col[TXN_PREDICTED], k) != CRVM_OK)
        return cli_library_error("transactions", "predicting the holdout");
    if (a->has_calibration)
        holdout_compare(x, d->col[TXN_HOLD], d->col[TXN_PREDICTED], k, &d->holdout);
    if (!a->amount)
        return 0;
    /* Gamma-Gamma on the repeat customers with a positive mean spend. */
    double *rx = malloc(k * sizeof *rx), *rm = malloc(k * sizeof *rm);
    size_t r = 0;
    for (size_t j = 0; rx && rm && j < k; j++)
        if (x[j] > 0 && d->col[TXN_MV][j] > 0) {
            rx[r] = x[j];
            rm[r++] = d->col[TXN_MV][j];
        }
    st = rx && rm ? crvm_gamma_gamma_fit_columns(rx, r, rm, r, NULL, 0, NULL, &d->spend_fit,
                                                 &d->spend_report)
                  : CRVM_ENOMEM;
    free(rx);
    free(rm);
    if (st != CRVM_OK)
        return cli_library_error("transactions", "fitting the Gamma-Gamma spend model");
    crvm_gamma_gamma_fit_params(d->spend_fit, &d->spend);
    crvm_gamma_gamma_fit_standard_errors(d->spend_fit, &d->spend_se);
    crvm_clv_options clv;
    crvm_clv_options_init(&clv);
    clv.units_per_month = a->unit_days == 7 ? 4.345 : 30; /* lifetimes' convention */
    if (crvm_clv(&d->params, &d->spend, x, k, tx, k, T, k, d->col[TXN_MV], k, &clv,
                 d->col[TXN_CLV], k) != CRVM_OK)
        return cli_library_error("transactions", "computing CLV");
    return 0;
}

static void data_free(txn_data *d)
{
    crvm_numeric_table_free(d->table);
    crvm_txn_fit_free(d->fit);
    crvm_gamma_gamma_fit_free(d->spend_fit);
    free(d->customer);
    free(d->day);
    free(d->amount);
    free(d->index);
    for (int c = 0; c < TXN_ALL_COLUMNS; c++)
        free(d->col[c]);
}

int cmd_transactions(int argc, char **argv)
{
    txn_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    txn_data d;
    memset(&d, 0, sizeof d);
    cli_progress_start("transactions", "reading");
    rc = read_log(&a, &d);
    if (rc == 0) {
        cli_progress("summarising");
        rc = summarise(&a, &d);
    }
    if (rc == 0) {
        cli_progress("fitting");
        rc = fit_models(&a, &d);
    }
    cli_progress_end();
    if (rc == 0)
        rc = txn_write(&a, &d);
    data_free(&d);
    return rc;
}
