/* Per-customer and per-segment aggregates, retention, RFM and covariate inputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"

static crvm_status check_matrix(const char *fn, const double *out, size_t out_len, size_t rows,
                                size_t cols)
{
    if (!out && out_len)
        return crvm__fail(CRVM_EINVAL, "%s: out is NULL", fn);
    if (rows > SIZE_MAX / cols || out_len != rows * cols)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %zu rows x %zu columns", fn,
                          out_len, rows, cols);
    return CRVM_OK;
}

/* Add the activity of [from, until) into out[map[customer]]. Money is summed
 * as whole cents, which doubles hold exactly below 2^53; divided at the end. */
static void accumulate(const crvm_ledger *l, crvm_date from, crvm_date until, const uint32_t *map,
                       double *out, size_t rows)
{
    const size_t C = CRVM_ACTIVITY_COLUMNS;
    memset(out, 0, rows * C * sizeof *out);
#define ROW(customer) (out + (size_t)(map ? map[customer] : (customer)) * C)
    for (size_t i = 0; i < l->n_rev; i++) {
        crvm_date d = l->rev_date[i];
        if (d < from || d >= until)
            continue;
        double *r = ROW(l->rev_customer[i]);
        double cents = (double)l->rev_cents[i];
        r[CRVM_ACT_REVENUE_SUBSCRIPTION + l->rev_stream[i]] += cents;
        r[CRVM_ACT_REVENUE] += cents;
    }
    for (size_t i = 0; i < l->contact_ids.count; i++) {
        crvm_date d = l->con_opened[i];
        if (d < from || d >= until)
            continue;
        double *r = ROW(l->con_customer[i]);
        int tier = l->con_tier[i] - 1;
        r[CRVM_ACT_CONTACTS] += 1;
        r[CRVM_ACT_CONTACTS_PHONE + l->con_channel[i]] += 1;
        r[CRVM_ACT_CONTACTS_RESOLVED + l->con_outcome[i]] += 1;
        r[CRVM_ACT_CONTACTS_TIER1 + tier] += 1;
        r[CRVM_ACT_ESCALATED] += l->con_escalated[i];
        r[CRVM_ACT_HANDLE_MINUTES] += l->con_minutes[i];
        r[CRVM_ACT_HANDLE_MINUTES_TIER1 + tier] += l->con_minutes[i];
        crvm_date c = l->con_closed[i];
        if (c != CRVM_DATE_NONE && c < until) {
            r[CRVM_ACT_CLOSED] += 1;
            r[CRVM_ACT_RESOLUTION_DAYS] += (double)(c - d);
        }
        double s = l->con_satisfaction[i];
        if (!isnan(s)) {
            r[CRVM_ACT_RATED] += 1;
            r[CRVM_ACT_SATISFACTION] += s;
        }
    }
    for (size_t i = 0; i < l->n_use; i++) {
        crvm_date d = l->use_date[i];
        uint32_t c = l->use_customer[i];
        if (d < from || d >= until || c == CRVM__NOT_FOUND)
            continue;
        double *r = ROW(c);
        if (l->use_kind[i] == CRVM_USE_ASSISTED) {
            r[CRVM_ACT_ASSISTED_USES] += 1;
        } else {
            r[CRVM_ACT_SELF_SERVICE_VIEWS] += 1;
            r[CRVM_ACT_SELF_SERVICE_RESOLVED] += l->use_resolved[i];
        }
    }
#undef ROW
    for (size_t k = 0; k < rows; k++)
        for (size_t j = 0; j <= CRVM_ACT_REVENUE; j++)
            out[k * C + j] /= 100.0;
}

static crvm_status check_window(const char *fn, crvm_date from, crvm_date until)
{
    if (from > until)
        return crvm__fail(CRVM_EINVAL, "%s: from = %ld after until = %ld", fn, (long)from, (long)until);
    return CRVM_OK;
}

crvm_status crvm_ledger_customer_activity(const crvm_ledger *l, crvm_date from, crvm_date until,
                                          double *out, size_t out_len)
{
    static const char fn[] = "crvm_ledger_customer_activity";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    crvm_status st;
    if ((st = check_matrix(fn, out, out_len, l->customer_ids.count, CRVM_ACTIVITY_COLUMNS)) ||
        (st = check_window(fn, from, until)))
        return st;
    accumulate(l, from, until, NULL, out, l->customer_ids.count);
    return CRVM_OK;
}

crvm_status crvm_ledger_segment_activity(const crvm_ledger *l, crvm_date from, crvm_date until,
                                         double *out, size_t out_len)
{
    static const char fn[] = "crvm_ledger_segment_activity";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    crvm_status st;
    if ((st = check_matrix(fn, out, out_len, l->segment_ids.count, CRVM_ACTIVITY_COLUMNS)) ||
        (st = check_window(fn, from, until)))
        return st;
    accumulate(l, from, until, l->cust_segment, out, l->segment_ids.count);
    return CRVM_OK;
}

static int months_in(crvm_period p)
{
    return p == CRVM_PERIOD_MONTH ? 1 : p == CRVM_PERIOD_QUARTER ? 3 : p == CRVM_PERIOD_YEAR ? 12 : 0;
}

crvm_status crvm_ledger_retention_data(const crvm_ledger *l, crvm_date as_of, crvm_period period,
                                       int32_t *periods, size_t periods_len, int32_t *churned,
                                       size_t churned_len)
{
    static const char fn[] = "crvm_ledger_retention_data";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = l->customer_ids.count;
    int k = months_in(period);
    if (!k)
        return crvm__fail(CRVM_EINVAL, "%s: period = %d: not a crvm_period", fn, (int)period);
    crvm_status st = crvm__ledger_check_as_of(l, fn, as_of);
    if (st != CRVM_OK)
        return st;
    if (periods_len != n || churned_len != n || (n && (!periods || !churned)))
        return crvm__fail(CRVM_EINVAL, "%s: periods and churned need %zu elements (got %zu, %zu)",
                          fn, n, periods_len, churned_len);
    for (size_t i = 0; i < n; i++) {
        crvm_date s = l->cust_start[i], e = l->cust_end[i];
        if (s > as_of) {
            periods[i] = -1;
            churned[i] = 0;
        } else if (e != CRVM_DATE_NONE && e <= as_of) {
            /* Periods begun before e: whole periods completed strictly before e, plus the
             * one in progress. */
            int whole = e > s ? crvm__whole_months(s, e - 1) / k : 0;
            periods[i] = whole + 1;
            churned[i] = 1;
        } else {
            periods[i] = crvm__whole_months(s, as_of) / k;
            churned[i] = 0;
        }
    }
    return CRVM_OK;
}

typedef struct txn {
    crvm_date date;
    int64_t cents;
} txn;

static int cmp_txn(const void *a, const void *b)
{
    crvm_date x = ((const txn *)a)->date, y = ((const txn *)b)->date;
    return (x > y) - (x < y);
}

crvm_status crvm_ledger_transaction_summary(const crvm_ledger *l, crvm_date as_of,
                                            unsigned stream_mask, double *out, size_t out_len)
{
    static const char fn[] = "crvm_ledger_transaction_summary";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = l->customer_ids.count;
    crvm_status st = check_matrix(fn, out, out_len, n, CRVM_RFM_COLUMNS);
    if (st)
        return st;
    if (stream_mask >> CRVM_STREAM_COUNT)
        return crvm__fail(CRVM_EINVAL, "%s: stream_mask = %#x has bits beyond the %d streams", fn,
                          stream_mask, CRVM_STREAM_COUNT);
    if (!stream_mask)
        stream_mask = (1u << CRVM_STREAM_COUNT) - 1;
    /* Group the selected events by customer (counting sort), then sort each
     * customer's events by date. */
    size_t *start = crvm__calloc(n + 1, sizeof *start);
    if (!start)
        return crvm__nomem("transaction summary offsets");
    size_t m = 0;
    for (size_t i = 0; i < l->n_rev; i++)
        if (l->rev_date[i] <= as_of && (stream_mask >> l->rev_stream[i] & 1u)) {
            start[l->rev_customer[i] + 1]++;
            m++;
        }
    txn *t = crvm__malloc(m * sizeof *t);
    if (!t) {
        crvm__free(start);
        return crvm__nomem("transaction summary events");
    }
    for (size_t c = 0; c < n; c++)
        start[c + 1] += start[c];
    for (size_t i = 0; i < l->n_rev; i++)
        if (l->rev_date[i] <= as_of && (stream_mask >> l->rev_stream[i] & 1u))
            t[start[l->rev_customer[i]]++] = (txn){l->rev_date[i], l->rev_cents[i]};
    /* start[c] now holds the end of customer c; the beginning is start[c - 1]. */
    size_t begin = 0;
    for (size_t c = 0; c < n; c++) {
        size_t end = start[c];
        double *r = out + c * CRVM_RFM_COLUMNS;
        memset(r, 0, CRVM_RFM_COLUMNS * sizeof *r);
        if (end > begin) {
            qsort(t + begin, end - begin, sizeof *t, cmp_txn);
            crvm_date first = t[begin].date, last = first;
            long days = 0;
            int64_t repeat_cents = 0;
            for (size_t i = begin; i < end; i++) {
                if (t[i].date != last) {
                    days++;
                    last = t[i].date;
                }
                if (t[i].date != first)
                    repeat_cents += t[i].cents;
            }
            r[CRVM_RFM_FREQUENCY] = (double)days;
            r[CRVM_RFM_RECENCY] = (double)(last - first);
            r[CRVM_RFM_T] = (double)(as_of - first);
            r[CRVM_RFM_MONETARY] = days ? (double)repeat_cents / 100.0 / (double)days : 0.0;
            r[CRVM_RFM_OBSERVED] = 1;
        }
        begin = end;
    }
    crvm__free(t);
    crvm__free(start);
    return CRVM_OK;
}

crvm_status crvm_ledger_contact_covariates(const crvm_ledger *l, crvm_date as_of, double *out,
                                           size_t out_len)
{
    static const char fn[] = "crvm_ledger_contact_covariates";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = l->customer_ids.count;
    const size_t C = CRVM_COVARIATE_COLUMNS;
    crvm_status st = check_matrix(fn, out, out_len, n, C);
    if (st)
        return st;
    memset(out, 0, n * C * sizeof *out);
    /* Accumulate: contacts, (closed count in the contacts_per_month slot),
     * refused, escalated, resolution days, satisfaction sum, rated. */
    double sat_sum = 0, rated = 0;
    for (size_t i = 0; i < l->contact_ids.count; i++) {
        crvm_date o = l->con_opened[i];
        if (o > as_of)
            continue;
        double *r = out + (size_t)l->con_customer[i] * C;
        r[CRVM_COV_CONTACTS] += 1;
        r[CRVM_COV_REFUSAL_SHARE] += l->con_outcome[i] == CRVM_OUTCOME_REFUSED;
        r[CRVM_COV_ESCALATION_SHARE] += l->con_escalated[i];
        crvm_date c = l->con_closed[i];
        if (c != CRVM_DATE_NONE && c <= as_of) {
            r[CRVM_COV_CONTACTS_PER_MONTH] += 1;
            r[CRVM_COV_MEAN_RESOLUTION_DAYS] += (double)(c - o);
        }
        double s = l->con_satisfaction[i];
        if (!isnan(s)) {
            r[CRVM_COV_MEAN_SATISFACTION] += s;
            r[CRVM_COV_RATED] += 1;
            sat_sum += s;
            rated += 1;
        }
    }
    double overall = rated > 0 ? sat_sum / rated : 0.0;
    for (size_t i = 0; i < n; i++) {
        double *r = out + i * C;
        crvm_date s = l->cust_start[i], e = l->cust_end[i];
        crvm_date stop = (e != CRVM_DATE_NONE && e < as_of) ? e : as_of;
        double tenure = stop > s ? (double)(stop - s) / CRVM__DAYS_PER_MONTH : 0.0;
        double contacts = r[CRVM_COV_CONTACTS], closed = r[CRVM_COV_CONTACTS_PER_MONTH];
        r[CRVM_COV_TENURE_MONTHS] = tenure;
        r[CRVM_COV_CONTACTS_PER_MONTH] = contacts / (tenure > 1 ? tenure : 1);
        if (contacts > 0) {
            r[CRVM_COV_REFUSAL_SHARE] /= contacts;
            r[CRVM_COV_ESCALATION_SHARE] /= contacts;
        }
        r[CRVM_COV_MEAN_RESOLUTION_DAYS] = closed > 0 ? r[CRVM_COV_MEAN_RESOLUTION_DAYS] / closed : 0.0;
        r[CRVM_COV_MEAN_SATISFACTION] =
            r[CRVM_COV_RATED] > 0 ? r[CRVM_COV_MEAN_SATISFACTION] / r[CRVM_COV_RATED] : overall;
    }
    return CRVM_OK;
}
