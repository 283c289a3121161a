/* Kaplan–Meier product-limit estimator with Greenwood variance and log-log
 * confidence intervals; optional frequency weights and left truncation.
 *
 * Kaplan & Meier (1958), JASA 53:457-481: S(t) = prod_{t_k <= t} (1 - d_k / n_k).
 * Greenwood (1926): Var S(t) = S(t)^2 sum_{t_k <= t} d_k / (n_k (n_k - d_k)).
 * Log-log interval (Kalbfleisch & Prentice 2002, sec. 1.4): with
 * v = sum d/(n(n-d)) / (log S)^2 the variance of log(-log S),
 * S^exp(+-z sqrt v) gives limits inside [0, 1]. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/huge_pages.h"
#include "core/error.h"
#include "crvm/survival.h"
#include "math/vmath.h"
#include "survival/distrib.h"
#include "survival/internal.h"
#include "survival/km_model.h"

void crvm_km_options_init(crvm_km_options *options)
{
    if (options != NULL) {
        crvm_km_options d = CRVM_KM_OPTIONS_INIT;
        *options = d;
    }
}

void crvm_km_free(crvm_km *km)
{
    if (km == NULL)
        return;
    crvm__huge_withdraw(km->column[0], km->huge_bytes);
    crvm__free(km->column[0]);
    crvm__free(km);
}

size_t crvm_km_size(const crvm_km *km) { return km ? km->size : 0; }

/* Checks shared by crvm_km_fit() and crvm_km_fit_groups(): the arrays every
 * estimator takes, entry times and the options; *level receives the
 * confidence level. */
static crvm_status check_inputs(const double *durations, size_t n, const int32_t *events,
                                size_t events_len, const double *weights, size_t weights_len,
                                const double *entry, size_t entry_len,
                                const crvm_km_options *options, double *level)
{
    crvm_status st = crvm__surv_check(durations, n, events, events_len, weights, weights_len);
    if (st != CRVM_OK)
        return st;
    if ((entry == NULL) != (entry_len == 0))
        return crvm__fail(CRVM_EINVAL, "entry must be NULL with length 0, or non-NULL");
    if (entry != NULL && entry_len != n)
        return crvm__fail(CRVM_EINVAL, "entry has %zu values, durations %zu", entry_len, n);
    if (entry != NULL)
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(entry[i]) || entry[i] > durations[i])
                return crvm__fail(CRVM_EINVAL,
                                  "entry[%zu] = %g: must be finite and <= durations[%zu] = %g", i,
                                  entry[i], i, durations[i]);
            if (events[i] && entry[i] == durations[i])
                return crvm__fail(CRVM_EINVAL,
                                  "entry[%zu] = %g equals the event time: an event must come "
                                  "after entry",
                                  i, entry[i]);
        }
    crvm_km_options opt = CRVM_KM_OPTIONS_INIT;
    if (options != NULL)
        opt = *options;
    if (!(opt.confidence_level > 0.0 && opt.confidence_level < 1.0))
        return crvm__fail(CRVM_EINVAL, "confidence_level = %g: must be in (0, 1)",
                          opt.confidence_level);
    *level = opt.confidence_level;
    return CRVM_OK;
}

static void km_finish(const crvm__surv_key *ekeys, size_t m, const double *weights, double z,
                      crvm_km *km);

/* Fill the table of one curve from its rows: keys[0 .. m) sorted by
 * duration, ekeys[0 .. m) (NULL without entry times) the same rows sorted by
 * entry time; km's columns are allocated with km->size rows. */
static void km_table(const crvm__surv_key *keys, const crvm__surv_key *ekeys, size_t m,
                     const int32_t *events, const double *weights, double z, crvm_km *km)
{
    double *time = km->column[CRVM_KM_TIME], *ev = km->column[CRVM_KM_EVENTS],
           *cens = km->column[CRVM_KM_CENSORED];

    /* Events and censorings per distinct time. */
    size_t r = 0;
    for (size_t i = 0; i < m; i++) {
        if (i > 0 && keys[i].time != keys[i - 1].time)
            r++;
        size_t row = keys[i].row;
        double w = weights ? weights[row] : 1.0;
        time[r] = keys[i].time;
        if (events[row])
            ev[r] += w;
        else
            cens[r] += w;
    }
    km_finish(ekeys, m, weights, z, km);
}

/* At risk, survival, variance and interval of every row of km's table,
 * whose time, events and censored columns are filled. */
static void km_finish(const crvm__surv_key *ekeys, size_t m, const double *weights, double z,
                      crvm_km *km)
{
    const size_t rows = km->size;
    double *time = km->column[CRVM_KM_TIME], *surv = km->column[CRVM_KM_SURVIVAL],
           *var = km->column[CRVM_KM_VARIANCE], *lo = km->column[CRVM_KM_CI_LOWER],
           *hi = km->column[CRVM_KM_CI_UPPER], *at_risk = km->column[CRVM_KM_AT_RISK],
           *ev = km->column[CRVM_KM_EVENTS], *cens = km->column[CRVM_KM_CENSORED];
    /* Number at risk. Without entry times: the (weighted) count with duration
     * >= t, summed from the end so unit weights give exact integers. With
     * entry times: entered before t (entry < t) minus those gone before t. */
    if (ekeys == NULL) {
        double acc = 0.0;
        for (size_t k = rows; k-- > 0;) {
            acc += ev[k] + cens[k];
            at_risk[k] = acc;
        }
    } else {
        double entered = 0.0, gone = 0.0;
        size_t e = 0;
        for (size_t k = 0; k < rows; k++) {
            for (; e < m && ekeys[e].time < time[k]; e++)
                entered += weights ? weights[ekeys[e].row] : 1.0;
            at_risk[k] = entered - gone;
            gone += ev[k] + cens[k];
        }
    }

    /* survival and Greenwood's sum (in var, until the second pass) */
    double s = 1.0, greenwood = 0.0;
    for (size_t k = 0; k < rows; k++) {
        double d = ev[k], nr = at_risk[k];
        if (d > 0.0 && s > 0.0) {
            if (nr - d <= 1e-12 * nr) {
                s = 0.0;
            } else {
                s *= 1.0 - d / nr;
                greenwood += d / (nr * (nr - d));
            }
        }
        surv[k] = s;
        var[k] = greenwood;
    }
    /* The exponential-Greenwood limits exp(-exp(log(-log s) +- h)), h = z
     * sqrt(G) / |log s|, are s^(e^h) and s^(e^-h): exp(log(s) e^(+-h)).
     * Their log and exps go through the vector functions a block at a time
     * (math/vmath.h); rows with s = 0 or G = 0 are set after. */
    double ls[CRVM__VBLOCK], eh[CRVM__VBLOCK], a[CRVM__VBLOCK], b[CRVM__VBLOCK];
    for (size_t k0 = 0; k0 < rows; k0 += CRVM__VBLOCK) {
        size_t m = rows - k0 < CRVM__VBLOCK ? rows - k0 : CRVM__VBLOCK;
        for (size_t j = 0; j < m; j++)
            ls[j] = surv[k0 + j] > 0.0 ? surv[k0 + j] : 1.0;
        crvm__vlog(ls, ls, m);
        for (size_t j = 0; j < m; j++)
            eh[j] = ls[j] < 0.0 ? z * sqrt(var[k0 + j]) / -ls[j] : 0.0;
        crvm__vexp(eh, eh, m);
        for (size_t j = 0; j < m; j++) {
            a[j] = ls[j] * eh[j];
            b[j] = ls[j] / eh[j];
        }
        crvm__vexp(a, a, m);
        crvm__vexp(b, b, m);
        for (size_t j = 0; j < m; j++) {
            size_t k = k0 + j;
            double sk = surv[k], g = var[k];
            if (sk <= 0.0) {
                var[k] = 0.0;
                lo[k] = hi[k] = 0.0;
            } else if (g <= 0.0) {
                var[k] = 0.0;
                lo[k] = hi[k] = sk;
            } else {
                var[k] = sk * sk * g;
                lo[k] = a[j];
                hi[k] = b[j];
            }
        }
    }
}

/* One curve without entry times over data with at most FEW distinct
 * durations (days, months: tied data), without sorting the rows: events and
 * censorings are tallied per distinct time in a hash table, in input order
 * (the order the stable sort gives equal times, so the sums and the table
 * are bit-identical to the sorted route), then only the distinct times are
 * sorted. Returns 0, having changed nothing, once it meets more than FEW
 * distinct times (continuous data: after a few thousand rows). */
#define FEW 1024
#define FEW_SLOTS (4 * FEW)

typedef struct tally {
    double time, ev, cens;
    int used;
    uint64_t n_ev, n_all; /* unweighted: counted without a branch on the event flag */
} tally;

static int tally_cmp(const void *pa, const void *pb)
{
    const tally *a = pa, *b = pb;
    return (a->time > b->time) - (a->time < b->time);
}

static crvm_status km_few_distinct(size_t n, const double *durations, const int32_t *events,
                                   const double *weights, double level, crvm_km *km, int *done)
{
    *done = 0;
    tally *slot = crvm__calloc(FEW_SLOTS, sizeof *slot);
    if (slot == NULL)
        return crvm__nomem("tallying durations for Kaplan-Meier");
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        double t = durations[i] + 0.0; /* -0 and +0 are one time */
        uint64_t b;
        memcpy(&b, &t, sizeof b);
        b ^= b >> 29;
        b *= 0xBF58476D1CE4E5B9ULL;
        b ^= b >> 32;
        size_t h = (size_t)b & (FEW_SLOTS - 1);
        while (slot[h].used && slot[h].time != t)
            h = (h + 1) & (FEW_SLOTS - 1);
        if (!slot[h].used) {
            if (++distinct > FEW) {
                crvm__free(slot);
                return CRVM_OK;
            }
            slot[h].used = 1;
            slot[h].time = t;
        }
        if (weights == NULL) {
            slot[h].n_ev += events[i] != 0;
            slot[h].n_all++;
        } else if (events[i]) {
            slot[h].ev += weights[i];
        } else {
            slot[h].cens += weights[i];
        }
    }
    size_t r = 0;
    for (size_t h = 0; h < FEW_SLOTS; h++)
        if (slot[h].used) {
            if (weights == NULL) { /* whole numbers: exactly the sums of ones */
                slot[h].ev = (double)slot[h].n_ev;
                slot[h].cens = (double)(slot[h].n_all - slot[h].n_ev);
            }
            slot[r++] = slot[h];
        }
    qsort(slot, r, sizeof *slot, tally_cmp);
    double *block = crvm__calloc(r * KM_COLUMNS, sizeof *block);
    if (block == NULL) {
        crvm__free(slot);
        return crvm__nomem("allocating the Kaplan-Meier tables");
    }
    km->size = r;
    km->confidence_level = level;
    for (int c = 0; c < KM_COLUMNS; c++)
        km->column[c] = block + (size_t)c * r;
    for (size_t k = 0; k < r; k++) {
        km->column[CRVM_KM_TIME][k] = slot[k].time;
        km->column[CRVM_KM_EVENTS][k] = slot[k].ev;
        km->column[CRVM_KM_CENSORED][k] = slot[k].cens;
    }
    crvm__free(slot);
    km_finish(NULL, n, weights, crvm__norm_ppf(0.5 + 0.5 * level), km);
    *done = 1;
    return CRVM_OK;
}

/* One curve without weights or entry times: the event times and the
 * censoring times are sorted apart as bare keys (no row index to carry, no
 * lookup of each row's event flag in input order), then merged into the
 * table's distinct times with their counts, which are whole numbers, so the
 * table is exactly the sorted route's. The table is allocated first for n
 * rows, the keys and the sort's scratch inside its variance and interval
 * columns (which km_finish writes last), so that the sort touches no fresh
 * pages of its own; the columns then move down to the distinct times'
 * count and the block shrinks. */
static crvm_status km_unweighted(size_t n, const double *durations, const int32_t *events,
                                 double level, crvm_km *km)
{
    double *block = crvm__malloc((n ? n : 1) * KM_COLUMNS * sizeof *block);
    if (block == NULL)
        return crvm__nomem("allocating the Kaplan-Meier tables");
    size_t huge_bytes = n * KM_COLUMNS * sizeof *block;
    crvm__huge_prefer(block, huge_bytes);
    uint64_t *key = (uint64_t *)(block + (size_t)CRVM_KM_VARIANCE * n);
    uint64_t *tmp = (uint64_t *)(block + (size_t)CRVM_KM_CI_LOWER * n);
    size_t ne = 0, nc = n;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = crvm__double_key(durations[i] + 0.0); /* -0 and +0 are one time */
        if (events[i])
            key[ne++] = k;
        else
            key[--nc] = k;
    }
    crvm_status st = crvm__sort_keys(ne, key, tmp);
    if (st == CRVM_OK)
        st = crvm__sort_keys(n - ne, key + ne, tmp);
    if (st != CRVM_OK) {
        crvm__huge_withdraw(block, huge_bytes);
        crvm__free(block);
        return st;
    }
    double *time = block + (size_t)CRVM_KM_TIME * n, *ev = block + (size_t)CRVM_KM_EVENTS * n,
           *cens = block + (size_t)CRVM_KM_CENSORED * n;
    size_t rows = 0;
    for (size_t i = 0, j = ne; i < ne || j < n; rows++) {
        uint64_t k = i < ne && (j == n || key[i] <= key[j]) ? key[i] : key[j];
        size_t i0 = i, j0 = j;
        while (i < ne && key[i] == k)
            i++;
        while (j < n && key[j] == k)
            j++;
        time[rows] = crvm__key_double(k);
        ev[rows] = (double)(i - i0);
        cens[rows] = (double)(j - j0);
    }
    /* The filled columns (events below censored: each lands below where the
     * next starts), to the layout of `rows` rows; km_finish fills the rest. */
    if (rows < n) {
        memmove(block + (size_t)CRVM_KM_EVENTS * rows, ev, rows * sizeof *block);
        memmove(block + (size_t)CRVM_KM_CENSORED * rows, cens, rows * sizeof *block);
    }
    if (rows < n) {
        crvm__huge_withdraw(block, huge_bytes); /* the block shrinks: its pages go back */
        huge_bytes = 0;
        double *small = crvm__realloc_array(block, rows * KM_COLUMNS, sizeof *block);
        if (small == NULL) {
            crvm__free(block);
            return crvm__nomem("allocating the Kaplan-Meier tables");
        }
        block = small;
    }
    km->size = rows;
    km->huge_bytes = huge_bytes;
    km->confidence_level = level;
    for (int c = 0; c < KM_COLUMNS; c++)
        km->column[c] = block + (size_t)c * rows;
    km_finish(NULL, n, NULL, crvm__norm_ppf(0.5 + 0.5 * level), km);
    return CRVM_OK;
}

/* The tables of k >= 1 groups (groups NULL: one group of every row) for
 * validated input, into curves[0 .. k), every group non-empty. One block
 * holds every column of every curve: column c of group g starts at
 * block + c * R + (rows of the groups before g), R the total number of rows,
 * so curves[0].column[0] is the block. CRVM_EINVAL (naming the group) if a
 * code in 0 .. k-1 has no rows; nothing is kept on failure. */
static crvm_status km_tables(size_t n, const double *durations, const int32_t *events,
                             const double *weights, const double *entry, const int32_t *groups,
                             size_t k, double level, crvm_km *curves)
{
    crvm__surv_key *keys = crvm__calloc(n, sizeof *keys);
    crvm__surv_key *ekeys = entry ? crvm__calloc(n, sizeof *ekeys) : NULL;
    if (keys == NULL || (entry != NULL && ekeys == NULL)) {
        crvm__free(keys);
        crvm__free(ekeys);
        return crvm__nomem("sorting durations for Kaplan-Meier");
    }
    crvm_status st = crvm__surv_sort(n, durations, groups, keys);
    if (st == CRVM_OK && entry != NULL)
        st = crvm__surv_sort(n, entry, groups, ekeys);
    /* Rows (distinct durations) of each group; keys run through the groups
     * in ascending order, so a missing code shows as a jump. */
    size_t total = 0;
    for (size_t i = 0; st == CRVM_OK && i < n; i++) {
        int32_t g = keys[i].stratum;
        int first_of_group = i == 0 || g != keys[i - 1].stratum;
        int32_t expected = i == 0 ? 0 : keys[i - 1].stratum + 1;
        if (first_of_group && g != expected) {
            st = crvm__fail(CRVM_EINVAL,
                            "group %d has no rows: codes must be 0 .. k-1 with every code used",
                            (int)expected);
            break;
        }
        if (first_of_group || keys[i].time != keys[i - 1].time) {
            curves[g].size++;
            total++;
        }
    }
    double *block = NULL;
    if (st == CRVM_OK) {
        block = crvm__calloc(total * KM_COLUMNS, sizeof *block);
        if (block == NULL)
            st = crvm__nomem("allocating the Kaplan-Meier tables");
    }
    if (st != CRVM_OK) {
        crvm__free(keys);
        crvm__free(ekeys);
        return st;
    }
    const double z = crvm__norm_ppf(0.5 + 0.5 * level);
    size_t offset = 0, begin = 0;
    for (size_t g = 0; g < k; g++) {
        crvm_km *km = &curves[g];
        km->confidence_level = level;
        for (int c = 0; c < KM_COLUMNS; c++)
            km->column[c] = block + (size_t)c * total + offset;
        offset += km->size;
        size_t end = begin;
        while (end < n && (size_t)keys[end].stratum == g)
            end++;
        km_table(keys + begin, ekeys ? ekeys + begin : NULL, end - begin, events, weights, z, km);
        begin = end;
    }
    crvm__free(keys);
    crvm__free(ekeys);
    return CRVM_OK;
}

crvm_status crvm_km_fit(const double *durations, size_t durations_len,
                        const int32_t *events, size_t events_len,
                        const double *weights, size_t weights_len,
                        const double *entry, size_t entry_len,
                        const crvm_km_options *options, crvm_km **out)
{
    if (out == NULL)
        return crvm__fail(CRVM_EINVAL, "out must not be NULL");
    double level = 0.0;
    crvm_status st = check_inputs(durations, durations_len, events, events_len, weights,
                                  weights_len, entry, entry_len, options, &level);
    if (st != CRVM_OK)
        return st;
    crvm_km *km = crvm__calloc(1, sizeof *km);
    if (km == NULL)
        return crvm__nomem("allocating the Kaplan-Meier curve");
    int done = 0;
    if (entry == NULL)
        st = km_few_distinct(durations_len, durations, events, weights, level, km, &done);
    if (st == CRVM_OK && !done && weights == NULL && entry == NULL) {
        st = km_unweighted(durations_len, durations, events, level, km);
        done = st == CRVM_OK;
    }
    if (st == CRVM_OK && !done)
        st = km_tables(durations_len, durations, events, weights, entry, NULL, 1, level, km);
    if (st != CRVM_OK) {
        crvm__free(km);
        return st;
    }
    *out = km;
    return CRVM_OK;
}

/* ---- by group ----------------------------------------------------------- */

struct crvm_km_groups {
    size_t count;
    crvm_km curves[]; /* curves[0].column[0] owns the block of every table */
};

crvm_status crvm_km_fit_groups(const double *durations, size_t durations_len,
                               const int32_t *events, size_t events_len,
                               const double *weights, size_t weights_len,
                               const double *entry, size_t entry_len,
                               const int32_t *groups, size_t groups_len,
                               const crvm_km_options *options, crvm_km_groups **out)
{
    if (out == NULL || groups == NULL)
        return crvm__fail(CRVM_EINVAL, "groups and out must not be NULL");
    double level = 0.0;
    crvm_status st = check_inputs(durations, durations_len, events, events_len, weights,
                                  weights_len, entry, entry_len, options, &level);
    if (st != CRVM_OK)
        return st;
    const size_t n = durations_len;
    if (groups_len != n)
        return crvm__fail(CRVM_EINVAL, "groups has %zu values, durations %zu", groups_len, n);
    int32_t kmax = 0;
    for (size_t i = 0; i < n; i++) {
        if (groups[i] < 0 || (size_t)groups[i] >= n)
            return crvm__fail(CRVM_EINVAL, "groups[%zu] = %d: codes must be in 0 .. n-1 = %zu", i,
                              (int)groups[i], n - 1);
        if (groups[i] > kmax)
            kmax = groups[i];
    }
    const size_t k = (size_t)kmax + 1;
    crvm_km_groups *g = NULL;
    if (k <= (SIZE_MAX - sizeof *g) / sizeof g->curves[0])
        g = crvm__calloc(1, sizeof *g + k * sizeof g->curves[0]);
    if (g == NULL)
        return crvm__nomem("allocating the Kaplan-Meier curves");
    g->count = k;
    st = km_tables(n, durations, events, weights, entry, groups, k, level, g->curves);
    if (st != CRVM_OK) {
        crvm__free(g);
        return st;
    }
    *out = g;
    return CRVM_OK;
}

void crvm_km_groups_free(crvm_km_groups *groups)
{
    if (groups == NULL)
        return;
    crvm__free(groups->curves[0].column[0]);
    crvm__free(groups);
}

size_t crvm_km_groups_count(const crvm_km_groups *groups) { return groups ? groups->count : 0; }

crvm_status crvm_km_groups_curve(const crvm_km_groups *groups, int32_t group,
                                 const crvm_km **curve)
{
    if (groups == NULL || curve == NULL)
        return crvm__fail(CRVM_EINVAL, "groups and curve must not be NULL");
    if (group < 0 || (size_t)group >= groups->count)
        return crvm__fail(CRVM_EINVAL, "group %d: must be in 0 .. %zu", (int)group,
                          groups->count - 1);
    *curve = &groups->curves[group];
    return CRVM_OK;
}

crvm_status crvm_km_column(const crvm_km *km, crvm_km_column_id column, double *out,
                           size_t out_len)
{
    if (km == NULL || out == NULL)
        return crvm__fail(CRVM_EINVAL, "km and out must not be NULL");
    if ((int)column < 0 || (int)column >= KM_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "unknown Kaplan-Meier column %d", (int)column);
    if (out_len != km->size)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, the table %zu rows", out_len,
                          km->size);
    if (km->size > 0)
        memcpy(out, km->column[column], km->size * sizeof *out);
    return CRVM_OK;
}

/* Index of the last tabulated time <= t, or SIZE_MAX if t precedes them all. */
static size_t last_at_or_before(const double *times, size_t n, double t)
{
    size_t lo = 0, hi = n; /* first index with times > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? (size_t)-1 : lo - 1;
}

crvm_status crvm_km_survival_at(const crvm_km *km, const double *t, size_t t_len, double *out,
                                size_t out_len)
{
    if (km == NULL || (t == NULL && t_len > 0) || (out == NULL && out_len > 0))
        return crvm__fail(CRVM_EINVAL, "km, t and out must not be NULL");
    if (out_len != t_len)
        return crvm__fail(CRVM_EINVAL, "out has %zu values, t %zu", out_len, t_len);
    for (size_t i = 0; i < t_len; i++)
        if (isnan(t[i]))
            return crvm__fail(CRVM_EINVAL, "t[%zu] is NaN", i);
    const double *time = km->column[CRVM_KM_TIME], *surv = km->column[CRVM_KM_SURVIVAL];
    for (size_t i = 0; i < t_len; i++) {
        size_t k = last_at_or_before(time, km->size, t[i]);
        out[i] = k == (size_t)-1 ? 1.0 : surv[k];
    }
    return CRVM_OK;
}

crvm_status crvm_km_quantile(const crvm_km *km, double q, double *quantile)
{
    if (km == NULL || quantile == NULL)
        return crvm__fail(CRVM_EINVAL, "km and quantile must not be NULL");
    if (!(q > 0.0 && q < 1.0))
        return crvm__fail(CRVM_EINVAL, "q = %g: must be in (0, 1)", q);
    const double level = 1.0 - q;
    const double *time = km->column[CRVM_KM_TIME], *surv = km->column[CRVM_KM_SURVIVAL];
    /* A small relative slack so that products such as (2/3)(3/4) that should
     * equal the level exactly are not missed by one rounding. */
    for (size_t k = 0; k < km->size; k++)
        if (surv[k] <= level * (1.0 + 1e-12)) {
            *quantile = time[k];
            return CRVM_OK;
        }
    *quantile = INFINITY;
    return CRVM_OK;
}
