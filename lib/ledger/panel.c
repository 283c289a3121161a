/* The per-period contact panel: counting-process rows (customer, period) for
 * a Cox model with time-varying support covariates. Periods come from
 * crvm_ledger_retention_data() itself, so the two can never disagree. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"

static const char *const panel_names[CRVM_PANEL_COLUMNS] = {
    "start",   "stop",   "event",     "contacts", "resolved",
    "workaround", "refused", "abandoned", "escalated", "closed",
    "mean_resolution_days", "rated", "mean_satisfaction"};

const char *crvm_panel_column_name(int column)
{
    return column >= 0 && column < CRVM_PANEL_COLUMNS ? panel_names[column] : NULL;
}

static int months_of_period(crvm_period p)
{
    return p == CRVM_PERIOD_MONTH ? 1 : p == CRVM_PERIOD_QUARTER ? 3 : p == CRVM_PERIOD_YEAR ? 12 : 0;
}

/* Periods and churn flags of every customer (crvm_ledger_retention_data)
 * into one new block of 2 n int32 (periods, then churned); total rows.
 * as_of is checked first, naming fn: it bounds the rows. */
static crvm_status panel_periods(const char *fn, const crvm_ledger *l, crvm_date as_of,
                                 crvm_period period, int32_t **block, size_t *rows)
{
    size_t n = l->customer_ids.count;
    crvm_status st = crvm__ledger_check_as_of(l, fn, as_of);
    if (st != CRVM_OK)
        return st;
    int32_t *b = crvm__calloc(2 * n + 1, sizeof *b);
    if (b == NULL)
        return crvm__nomem("contact panel periods");
    st = crvm_ledger_retention_data(l, as_of, period, b, n, b + n, n);
    if (st != CRVM_OK) {
        crvm__free(b);
        return st;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] > 0)
            total += (size_t)b[i];
    *block = b;
    *rows = total;
    return CRVM_OK;
}

crvm_status crvm_ledger_contact_panel_size(const crvm_ledger *l, crvm_date as_of,
                                           crvm_period period, size_t *rows)
{
    if (l == NULL || rows == NULL)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_contact_panel_size: ledger and rows must not be NULL");
    int32_t *block = NULL;
    size_t total = 0;
    crvm_status st = panel_periods("crvm_ledger_contact_panel_size", l, as_of, period, &block, &total);
    if (st != CRVM_OK)
        return st;
    crvm__free(block);
    *rows = total;
    return CRVM_OK;
}

crvm_status crvm_ledger_contact_panel(const crvm_ledger *l, crvm_date as_of, crvm_period period,
                                      int32_t *customer, size_t customer_len, double *out,
                                      size_t out_len)
{
    static const char fn[] = "crvm_ledger_contact_panel";
    const size_t C = CRVM_PANEL_COLUMNS;
    if (l == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    const size_t n = l->customer_ids.count;
    if (n > (size_t)INT32_MAX)
        return crvm__fail(CRVM_EINVAL, "%s: %zu customers exceed the int32 customer column", fn, n);
    int32_t *block = NULL;
    size_t rows = 0;
    crvm_status st = panel_periods(fn, l, as_of, period, &block, &rows);
    if (st != CRVM_OK)
        return st;
    if ((rows > 0 && (customer == NULL || out == NULL)) || customer_len != rows ||
        rows > SIZE_MAX / C || out_len != rows * C) {
        crvm__free(block);
        return crvm__fail(CRVM_EINVAL,
                          "%s: the panel has %zu rows: customer needs %zu values (got %zu) and "
                          "out %zu rows x %zu columns (got %zu values)",
                          fn, rows, rows, customer_len, rows, C, out_len);
    }
    const int32_t *periods = block, *churned = block + n;
    size_t *first = crvm__calloc(n + 1, sizeof *first); /* first row of each customer */
    if (first == NULL) {
        crvm__free(block);
        return crvm__nomem("contact panel offsets");
    }
    for (size_t i = 0; i < n; i++)
        first[i + 1] = first[i] + (periods[i] > 0 ? (size_t)periods[i] : 0);
    const int k = months_of_period(period);

    if (rows > 0)
        memset(out, 0, rows * C * sizeof *out);
    for (size_t i = 0; i < n; i++)
        for (int32_t t = 1; t <= periods[i]; t++) {
            size_t r = first[i] + (size_t)(t - 1);
            customer[r] = (int32_t)i;
            out[r * C + CRVM_PANEL_START] = (double)(t - 1);
            out[r * C + CRVM_PANEL_STOP] = (double)t;
            out[r * C + CRVM_PANEL_EVENT] = (t == periods[i] && churned[i]) ? 1.0 : 0.0;
        }
    /* Sums first (mean columns hold sums until the end). */
    for (size_t c = 0; c < l->contact_ids.count; c++) {
        const uint32_t i = l->con_customer[c];
        const crvm_date o = l->con_opened[c], s = l->cust_start[i];
        if (o > as_of || o < s || periods[i] <= 0)
            continue;
        const int j = crvm__whole_months(s, o) / k; /* 0-based period of the opening day */
        if (j >= periods[i])
            continue;
        double *r = out + (first[i] + (size_t)j) * C;
        r[CRVM_PANEL_CONTACTS] += 1;
        r[CRVM_PANEL_RESOLVED + l->con_outcome[c]] += 1;
        r[CRVM_PANEL_ESCALATED] += l->con_escalated[c];
        const crvm_date closed = l->con_closed[c];
        if (closed != CRVM_DATE_NONE && closed <= as_of) {
            r[CRVM_PANEL_CLOSED] += 1;
            r[CRVM_PANEL_MEAN_RESOLUTION_DAYS] += (double)(closed - o);
        }
        const double sat = l->con_satisfaction[c];
        if (!isnan(sat)) {
            r[CRVM_PANEL_RATED] += 1;
            r[CRVM_PANEL_MEAN_SATISFACTION] += sat;
        }
    }
    for (size_t r = 0; r < rows; r++) {
        double *x = out + r * C;
        if (x[CRVM_PANEL_CLOSED] > 0)
            x[CRVM_PANEL_MEAN_RESOLUTION_DAYS] /= x[CRVM_PANEL_CLOSED];
        if (x[CRVM_PANEL_RATED] > 0)
            x[CRVM_PANEL_MEAN_SATISFACTION] /= x[CRVM_PANEL_RATED];
    }
    crvm__free(first);
    crvm__free(block);
    return CRVM_OK;
}
