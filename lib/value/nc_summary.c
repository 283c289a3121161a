/* Each customer's purchase-day summary for the non-contractual models
 * (noncontractual.h): revenue events on or before as_of are purchases, one
 * transaction per day, time in days to the end of as_of; the amount of a
 * transaction is its gross margin, revenue x its stream's margin rate. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/rfm.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "value/noncontractual.h"
#include "value/value_internal.h"

static const char fn[] = "crvm_value_fit";

/* Departures are never observed by these models: an end date is a contract. */
static crvm_status check_no_end_dates(const crvm_value *v)
{
    const crvm_ledger *l = v->ledger;
    for (size_t i = 0; i < l->customer_ids.count; i++) {
        if (l->cust_end[i] != CRVM_DATE_NONE && l->cust_end[i] <= v->as_of) {
            char d[11];
            crvm_date_format(l->cust_end[i], d, sizeof d);
            return crvm__fail(CRVM_EINVAL, "%s: customer %s has an end date (%s): the non-contractual "
                              "models (BG/NBD, Pareto/NBD) never observe a departure; use a "
                              "contractual model (sbg, bdw, cox)", fn,
                              crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, i), d);
        }
    }
    return CRVM_OK;
}

/* The revenue events dated on or before as_of, as a transaction log in days
 * with the margin of each event; NULL arrays (and *rows 0) when there is none. */
static crvm_status purchase_log(const crvm_value *v, int64_t **customer, double **day, double **margin,
                                size_t *rows)
{
    const crvm_ledger *l = v->ledger;
    size_t n = 0;
    for (size_t r = 0; r < l->n_rev; r++) {
        if (l->rev_date[r] > v->as_of)
            continue;
        if (l->rev_cents[r] < 0) {
            char d[11];
            crvm_date_format(l->rev_date[r], d, sizeof d);
            return crvm__fail(CRVM_EDOMAIN, "%s: customer %s: a negative revenue event (a refund) on %s: "
                              "the Gamma-Gamma spend model needs non-negative amounts", fn,
                              crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, l->rev_customer[r]), d);
        }
        n++;
    }
    *rows = n;
    *customer = crvm__malloc((n + 1) * sizeof **customer);
    *day = crvm__malloc((n + 1) * sizeof **day);
    *margin = crvm__malloc((n + 1) * sizeof **margin);
    if (!*customer || !*day || !*margin)
        return crvm__nomem("purchase log");
    size_t j = 0;
    for (size_t r = 0; r < l->n_rev; r++) {
        if (l->rev_date[r] > v->as_of)
            continue;
        (*customer)[j] = l->rev_customer[r];
        (*day)[j] = l->rev_date[r];
        (*margin)[j] = (double)l->rev_cents[r] * v->costs.gross_margin_rate[l->rev_stream[r]] / 100.0;
        j++;
    }
    return CRVM_OK;
}

static crvm_status alloc_columns(crvm__value_nc *nc, size_t n)
{
    double **cols[] = {&nc->x, &nc->tx, &nc->T, &nc->zbar, &nc->expected_margin, &nc->p_alive,
                       &nc->expected_txn};
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
        if (!(*cols[c] = crvm__calloc(n + 1, sizeof **cols[c])))
            return crvm__nomem("transaction summary");
    if (!(nc->buyer = crvm__calloc(n + 1, 1)))
        return crvm__nomem("transaction summary");
    return CRVM_OK;
}

crvm_status crvm__nc_summary(crvm_value *v)
{
    const size_t n = v->ledger->customer_ids.count;
    crvm_status st = check_no_end_dates(v);
    if (st)
        return st;
    crvm__value_nc *nc = v->nc = crvm__calloc(1, sizeof *v->nc);
    if (!nc)
        return crvm__nomem("transaction summary");
    nc->model = v->opt.model == CRVM_VALUE_BGNBD ? CRVM_TXN_BGNBD : CRVM_TXN_PARETO_NBD;
    nc->groups = v->opt.per_segment ? v->segments : 1;
    nc->days_per_period = 365.25 * v->set.months_per_period / 12.0;
    nc->delta = log1p(v->set.discount) / nc->days_per_period; /* ln(1 + annual) / 365.25 */
    if ((st = alloc_columns(nc, n)))
        return st;
    int64_t *customer = NULL, *purchases = crvm__malloc((n + 1) * sizeof *purchases);
    double *day = NULL, *margin = NULL;
    size_t rows = 0;
    st = purchases ? purchase_log(v, &customer, &day, &margin, &rows) : crvm__nomem("transaction summary");
    if (!st) {
        crvm_rfm_options o = CRVM_RFM_OPTIONS_INIT;
        o.has_observation_end = 1;
        o.observation_end = (double)v->as_of + 1; /* the end of as_of */
        crvm_rfm_columns out = {n, nc->x, nc->tx, nc->T, nc->zbar, NULL, NULL, purchases};
        st = crvm_rfm_summary(customer, rows, day, rows, margin, rows, &o, &out, NULL);
    }
    size_t buyers = 0;
    for (size_t i = 0; !st && i < n; i++)
        buyers += nc->buyer[i] = purchases[i] > 0;
    crvm__free(customer);
    crvm__free(day);
    crvm__free(margin);
    crvm__free(purchases);
    if (!st && !buyers) {
        char a[11];
        crvm_date_format(v->as_of, a, sizeof a);
        st = crvm__fail(CRVM_EDOMAIN, "%s: no customer has a purchase (revenue event) on or before %s", fn, a);
    }
    if (st)
        return st;
    /* The customers of the model are those with a purchase. */
    for (size_t i = 0; i < n; i++)
        if (!nc->buyer[i] && v->panel.status[i] == CRVM__VP_ACTIVE)
            v->panel.status[i] = CRVM__VP_NOT_STARTED;
    crvm__ymd end = crvm__ymd_add_months(crvm__ymd_of(v->as_of), v->opt.horizon);
    nc->horizon_days = (double)(crvm__date_of(end) - v->as_of);
    return CRVM_OK;
}
