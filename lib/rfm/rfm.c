/* RFM summary of a transaction log (crvm/rfm.h).
 *
 * Definitions follow lifetimes' summary_data_from_transaction_data and
 * calibration_and_holdout_data as documented and as observed on small logs;
 * the code is written from those definitions.
 *
 * One validating pass (nothing allocated, nothing written), then one
 * accumulating pass over per-customer state. Distinct purchase periods and
 * the amount of the first period are counted on the fly while each
 * customer's periods arrive in non-decreasing order; at the first that does
 * not, a fallback buckets the transactions by customer (a counting sort)
 * and summarises each bucket. */
#include "crvm/rfm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

void crvm_rfm_options_init(crvm_rfm_options *options)
{
    if (options) {
        crvm_rfm_options d = CRVM_RFM_OPTIONS_INIT;
        *options = d;
    }
}

typedef struct customer_state {
    double first;       /* first (smallest) calibration key */
    double last;        /* last (largest) calibration key */
    double first_sum;   /* amount of the first purchase */
    double repeat_sum;  /* amount of the later purchases */
    double hold_last;   /* largest holdout key */
    double hold_sum;    /* holdout amount */
    int64_t n;          /* calibration transactions */
    int64_t distinct;   /* distinct calibration keys */
    int64_t n_hold;     /* holdout transactions */
    int64_t hold_distinct;
} customer_state;

/* Purchase-occasion key of a time: its period index, or the time itself. */
static double key_of(const crvm_rfm_options *o, double t)
{
    if (o->time_mode == CRVM_RFM_CONTINUOUS)
        return t;
    return floor((t - o->origin) / o->period);
}

static int finite(double x) { return isfinite(x); }

static crvm_status check_options(const crvm_rfm_options *o)
{
    if (o->time_mode != CRVM_RFM_PERIODS && o->time_mode != CRVM_RFM_CONTINUOUS)
        return crvm__fail(CRVM_EINVAL, "options->time_mode = %d: not a crvm_rfm_time_mode",
                          (int)o->time_mode);
    if (o->late != CRVM_RFM_LATE_ERROR && o->late != CRVM_RFM_LATE_EXCLUDE)
        return crvm__fail(CRVM_EINVAL, "options->late = %d: not a crvm_rfm_late_policy",
                          (int)o->late);
    if (!finite(o->period) || o->period <= 0)
        return crvm__fail(CRVM_EINVAL, "options->period = %g: must be finite and > 0", o->period);
    if (!finite(o->origin))
        return crvm__fail(CRVM_EINVAL, "options->origin = %g: must be finite", o->origin);
    if (!finite(o->unit) || o->unit < 0)
        return crvm__fail(CRVM_EINVAL, "options->unit = %g: must be finite and >= 0 (0: one period)",
                          o->unit);
    if (o->has_observation_end && !finite(o->observation_end))
        return crvm__fail(CRVM_EINVAL, "options->observation_end = %g: must be finite",
                          o->observation_end);
    if (o->has_calibration_end && !finite(o->calibration_end))
        return crvm__fail(CRVM_EINVAL, "options->calibration_end = %g: must be finite",
                          o->calibration_end);
    if (o->has_calibration_end && o->has_observation_end &&
        o->calibration_end > o->observation_end)
        return crvm__fail(CRVM_EINVAL,
                          "options->calibration_end = %g is after options->observation_end = %g",
                          o->calibration_end, o->observation_end);
    return CRVM_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sort one customer's keys: insertion sort for the short buckets that
 * transaction logs are made of (a few purchases each; qsort's call per
 * comparison cost more than the sort), qsort beyond SHORT_BUCKET. */
#define SHORT_BUCKET 32

static void sort_keys(double *k, size_t len)
{
    if (len > SHORT_BUCKET) {
        qsort(k, len, sizeof *k, cmp_double);
        return;
    }
    for (size_t i = 1; i < len; i++) {
        double v = k[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > v; j--)
            k[j] = k[j - 1];
        k[j] = v;
    }
}

/* Number of distinct values among k[0..len), sorting k in place */
static int64_t count_distinct(double *k, size_t len)
{
    if (len == 0)
        return 0;
    sort_keys(k, len);
    int64_t distinct = 1;
    for (size_t i = 1; i < len; i++)
        distinct += k[i] != k[i - 1];
    return distinct;
}

/* Fallback when some customer's keys are out of order: a counting sort of
 * the transactions into two buckets per customer (calibration, holdout;
 * keys and amounts, input order kept within each bucket), then every
 * customer's state from its buckets: the smallest calibration key, the
 * amounts of its purchases and of the later ones (summed in input order),
 * and the distinct keys counted after sorting each bucket's keys. Two
 * scattered passes over the log (count, place) and one sequential one,
 * instead of random access to the state at every transaction. st is
 * overwritten; *n_cal and *n_hold counted. */
static crvm_status bucket_summary(const int64_t *customer, const double *time,
                                  const double *amount, size_t n, const crvm_rfm_options *o,
                                  double end_cal, double end_obs, customer_state *st,
                                  size_t n_customers, size_t *n_cal, size_t *n_hold)
{
    size_t *start = crvm__calloc(2 * n_customers + 1, sizeof *start);
    double *bk = crvm__malloc((2 * n + 1) * sizeof *bk);
    if (!start || !bk) {
        crvm__free(start);
        crvm__free(bk);
        return crvm__nomem("RFM summary: sorting the periods of unordered transactions");
    }
    double *ba = bk + n;
    for (size_t i = 0; i < n; i++)
        if (time[i] <= end_obs)
            start[2 * (size_t)customer[i] + (time[i] > end_cal)]++;
    size_t pos = 0;
    for (size_t b = 0; b < 2 * n_customers; b++) {
        size_t len = start[b];
        start[b] = pos;
        pos += len;
    }
    start[2 * n_customers] = pos;
    /* place: start[b] advances to the end of bucket b (= start of b + 1) */
    for (size_t i = 0; i < n; i++) {
        double t = time[i];
        if (t > end_obs)
            continue;
        size_t j = start[2 * (size_t)customer[i] + (t > end_cal)]++;
        bk[j] = key_of(o, t);
        ba[j] = amount ? amount[i] : 0.0;
    }
    memset(st, 0, n_customers * sizeof *st);
    size_t b0 = 0;
    for (size_t c = 0; c < n_customers; c++) {
        size_t b1 = start[2 * c], b2 = start[2 * c + 1];
        customer_state *s = &st[c];
        if (b1 > b0) {
            double first = bk[b0], last = bk[b0];
            for (size_t j = b0 + 1; j < b1; j++) {
                first = bk[j] < first ? bk[j] : first;
                last = bk[j] > last ? bk[j] : last;
            }
            for (size_t j = b0; j < b1; j++) {
                if (bk[j] == first)
                    s->first_sum += ba[j];
                else
                    s->repeat_sum += ba[j];
            }
            s->first = first;
            s->last = last;
            s->n = (int64_t)(b1 - b0);
            s->distinct = count_distinct(bk + b0, b1 - b0);
        }
        if (b2 > b1) {
            double last = bk[b1];
            for (size_t j = b1; j < b2; j++) {
                s->hold_sum += ba[j];
                last = bk[j] > last ? bk[j] : last;
            }
            s->hold_last = last;
            s->n_hold = (int64_t)(b2 - b1);
            s->hold_distinct = count_distinct(bk + b1, b2 - b1);
        }
        *n_cal += b1 - b0;
        *n_hold += b2 - b1;
        b0 = b2;
    }
    crvm__free(start);
    crvm__free(bk);
    return CRVM_OK;
}

crvm_status crvm_rfm_summary(const int64_t *customer, size_t customer_len,
                             const double *time, size_t time_len,
                             const double *amount, size_t amount_len,
                             const crvm_rfm_options *options,
                             const crvm_rfm_columns *out, crvm_rfm_info *info)
{
    crvm_rfm_options o = CRVM_RFM_OPTIONS_INIT;
    if (options)
        o = *options;
    crvm_status st_ = check_options(&o);
    if (st_ != CRVM_OK)
        return st_;
    if (!out)
        return crvm__fail(CRVM_EINVAL, "out is NULL");
    if ((!customer && customer_len) || (!time && time_len))
        return crvm__fail(CRVM_EINVAL, "customer or time is NULL");
    if (customer_len != time_len)
        return crvm__fail(CRVM_EINVAL, "customer_len = %zu but time_len = %zu", customer_len,
                          time_len);
    if (amount && amount_len != time_len)
        return crvm__fail(CRVM_EINVAL, "amount_len = %zu but time_len = %zu", amount_len,
                          time_len);
    if (!amount && amount_len)
        return crvm__fail(CRVM_EINVAL, "amount is NULL but amount_len = %zu", amount_len);
    if (!amount && (out->monetary_value || out->monetary_value_holdout))
        return crvm__fail(CRVM_EINVAL, "a monetary column was requested but amount is NULL");
    if (!o.has_calibration_end && (out->frequency_holdout || out->monetary_value_holdout))
        return crvm__fail(CRVM_EINVAL,
                          "a holdout column was requested but options->has_calibration_end is 0");
    const size_t n = time_len;
    const size_t n_customers = out->length;

    /* Pass 1: validate every row and find the latest time. */
    double latest = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (customer[i] < 0 || (uint64_t)customer[i] >= (uint64_t)n_customers)
            return crvm__fail(CRVM_EINVAL, "customer[%zu] = %lld: must be in [0, %zu)", i,
                              (long long)customer[i], n_customers);
        if (!finite(time[i]))
            return crvm__fail(CRVM_EINVAL, "time[%zu] = %g: must be finite", i, time[i]);
        if (amount && (!finite(amount[i]) || amount[i] < 0))
            return crvm__fail(CRVM_EINVAL, "amount[%zu] = %g: must be finite and >= 0", i,
                              amount[i]);
        if (time[i] > latest)
            latest = time[i];
    }
    double end_obs;
    if (o.has_observation_end)
        end_obs = o.observation_end;
    else if (n > 0)
        end_obs = o.has_calibration_end && o.calibration_end > latest ? o.calibration_end : latest;
    else
        end_obs = o.has_calibration_end ? o.calibration_end : 0.0;
    const double end_cal = o.has_calibration_end ? o.calibration_end : end_obs;

    size_t n_late = 0, first_late = 0;
    if (o.has_observation_end && latest > end_obs) {
        for (size_t i = 0; i < n; i++)
            if (time[i] > end_obs && n_late++ == 0)
                first_late = i;
        if (o.late == CRVM_RFM_LATE_ERROR)
            return crvm__fail(CRVM_EINVAL,
                              "time[%zu] = %g is after observation_end = %g (%zu such "
                              "transactions; set options->late = CRVM_RFM_LATE_EXCLUDE to leave "
                              "them out)",
                              first_late, time[first_late], end_obs, n_late);
    }

    customer_state *st = crvm__calloc(n_customers ? n_customers : 1, sizeof *st);
    if (!st)
        return crvm__nomem("RFM summary: per-customer state");

    /* Pass 2: accumulate. Keys of a customer normally arrive in order; at
     * the first that does not, the pass stops and bucket_summary starts
     * over. */
    int sorted = 1;
    size_t n_cal = 0, n_hold = 0;
    for (size_t i = 0; i < n; i++) {
        double t = time[i];
        if (t > end_obs)
            continue;
        customer_state *s = &st[customer[i]];
        double k = key_of(&o, t);
        double a = amount ? amount[i] : 0.0;
        if (t > end_cal) {
            n_hold++;
            if (s->n_hold == 0 || k > s->hold_last) {
                s->hold_distinct++;
                s->hold_last = k;
            } else if (k < s->hold_last) {
                sorted = 0;
                break;
            }
            s->n_hold++;
            s->hold_sum += a;
            continue;
        }
        n_cal++;
        if (s->n == 0) {
            s->first = s->last = k;
            s->distinct = 1;
            s->first_sum = a;
        } else if (k > s->last) {
            s->last = k;
            s->distinct++;
            s->repeat_sum += a;
        } else if (k == s->last) {
            if (k == s->first)
                s->first_sum += a;
            else
                s->repeat_sum += a;
        } else {
            sorted = 0;
            break;
        }
        s->n++;
    }
    if (!sorted) {
        n_cal = n_hold = 0;
        crvm_status rs = bucket_summary(customer, time, amount, n, &o, end_cal, end_obs, st,
                                        n_customers, &n_cal, &n_hold);
        if (rs != CRVM_OK) {
            crvm__free(st);
            return rs;
        }
    }

    /* Publish. Durations: key differences (whole periods, or exact times)
     * divided by the unit expressed in keys. */
    double per_unit;
    if (o.time_mode == CRVM_RFM_CONTINUOUS)
        per_unit = o.unit > 0 ? o.unit : o.period;
    else
        per_unit = o.unit > 0 ? o.unit / o.period : 1.0;
    const double end_key = key_of(&o, end_cal);
    size_t present = 0;
    for (size_t c = 0; c < n_customers; c++) {
        const customer_state *s = &st[c];
        double x = 0, rec = 0, age = 0, mv = 0;
        if (s->n > 0) {
            present++;
            int64_t purchases = s->distinct;
            x = (double)(o.include_first ? purchases : purchases - 1);
            rec = (s->last - s->first) / per_unit;
            age = (end_key - s->first) / per_unit;
            if (o.include_first)
                mv = (s->first_sum + s->repeat_sum) / (double)purchases;
            else if (purchases > 1)
                mv = s->repeat_sum / (double)(purchases - 1);
        }
        if (out->frequency)
            out->frequency[c] = x;
        if (out->recency)
            out->recency[c] = rec;
        if (out->T)
            out->T[c] = age;
        if (out->monetary_value)
            out->monetary_value[c] = mv;
        if (out->frequency_holdout)
            out->frequency_holdout[c] = (double)s->hold_distinct;
        if (out->monetary_value_holdout)
            out->monetary_value_holdout[c] = s->n_hold > 0 ? s->hold_sum / (double)s->n_hold : 0.0;
        if (out->n_transactions)
            out->n_transactions[c] = s->n;
    }
    if (info) {
        info->n_calibration = n_cal;
        info->n_holdout = n_hold;
        info->n_excluded = n_late;
        info->n_customers_present = present;
        info->observation_end = end_obs;
        info->duration_holdout =
            o.has_calibration_end ? (key_of(&o, end_obs) - end_key) / per_unit : 0.0;
        info->sorted = sorted;
    }
    crvm__free(st);
    return CRVM_OK;
}

crvm_status crvm_rfm_summary_arrays(const int64_t *customer, size_t customer_len,
                                    const double *time, size_t time_len,
                                    const double *amount, size_t amount_len,
                                    const crvm_rfm_options *options,
                                    double *frequency, size_t frequency_len,
                                    double *recency, size_t recency_len,
                                    double *T, size_t T_len,
                                    double *monetary_value, size_t monetary_value_len,
                                    double *frequency_holdout, size_t frequency_holdout_len,
                                    double *monetary_value_holdout,
                                    size_t monetary_value_holdout_len,
                                    int64_t *n_transactions, size_t n_transactions_len,
                                    crvm_rfm_info *info)
{
    const size_t n = frequency_len;
    const size_t lens[6] = {recency_len, T_len, monetary_value_len, frequency_holdout_len,
                            monetary_value_holdout_len, n_transactions_len};
    static const char *const names[6] = {"recency", "T", "monetary_value", "frequency_holdout",
                                         "monetary_value_holdout", "n_transactions"};
    if (frequency == NULL && n != 0)
        return crvm__fail(CRVM_EINVAL, "frequency is NULL but frequency_len = %zu", n);
    for (int k = 0; k < 6; k++) {
        if (lens[k] != 0 && lens[k] != n)
            return crvm__fail(CRVM_EINVAL, "%s_len = %zu: expected 0 or frequency_len = %zu",
                              names[k], lens[k], n);
    }
    crvm_rfm_columns cols;
    cols.length = n;
    cols.frequency = frequency;
    cols.recency = recency_len ? recency : NULL;
    cols.T = T_len ? T : NULL;
    cols.monetary_value = monetary_value_len ? monetary_value : NULL;
    cols.frequency_holdout = frequency_holdout_len ? frequency_holdout : NULL;
    cols.monetary_value_holdout = monetary_value_holdout_len ? monetary_value_holdout : NULL;
    cols.n_transactions = n_transactions_len ? n_transactions : NULL;
    return crvm_rfm_summary(customer, customer_len, time, time_len, amount, amount_len, options,
                            &cols, info);
}
