/* Fitting the retention model of the value layer to its panel, and what the
 * queries need beside it: covariates used, exposure weights, and the future
 * exposure multiplier of each segment (value_internal.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "value/value_internal.h"

/* The candidates that vary over the rows of the likelihood. */
static size_t choose_covariates(const crvm__vpanel *p, int *candidate)
{
    size_t used = 0;
    for (int j = 0; j < CRVM__Z_CANDIDATES; j++) {
        const crvm__vpattern *first = NULL;
        int varies = 0;
        for (size_t q = 0; q < p->patterns && !varies; q++) {
            if (!p->pattern[q].in_rows)
                continue;
            if (!first)
                first = &p->pattern[q];
            else
                varies = p->pattern[q].z[j] != first->z[j];
        }
        if (varies)
            candidate[used++] = j;
    }
    return used;
}

/* w_s = s^c - (s - 1)^c = s^c (1 - (1 - 1/s)^c), without cancellation for
 * large s, and its derivative in c. */
static void exposure_weights(double c, int max_s, double *w, double *dw)
{
    w[0] = dw[0] = 0;
    for (int s = 1; s <= max_s; s++) {
        if (s == 1) {
            w[s] = 1;
            dw[s] = 0;
            continue;
        }
        double L = log1p(-1.0 / s), sc = pow((double)s, c), shrink = -expm1(c * L);
        w[s] = sc * shrink;
        dw[s] = sc * (log((double)s) * shrink - L * exp(c * L));
    }
}

/* The rows' counts per segment and pattern, in the trailing window and in
 * all, of a range of customers (future_multipliers). */
typedef struct count_ctx {
    const crvm_value *v;
    crvm_date w0;
    crvm__ymd w0_1; /* the y-m-d of w0 - 1 */
    size_t ranges;
    double *count; /* ranges x 2 G Q */
} count_ctx;

static void count_range(void *vctx, size_t worker, size_t range)
{
    (void)worker;
    const count_ctx *c = vctx;
    const crvm_ledger *l = c->v->ledger;
    const crvm__vpanel *pn = &c->v->panel;
    const size_t Q = pn->patterns, n = pn->customers;
    double *count = c->count + range * 2 * c->v->segments * Q;
    for (size_t i = n * range / c->ranges; i < n * (range + 1) / c->ranges; i++) {
        int32_t periods = pn->periods[i];
        if (periods <= 0)
            continue;
        crvm_date s = l->cust_start[i];
        int64_t first = crvm__starts_before_ymd(crvm__ymd_of(s), s, c->w0, c->w0_1, pn->months_per_period);
        double *all = count + ((size_t)l->cust_segment[i] * 2 + 1) * Q, *recent = all - Q;
        for (int32_t r = 1; r <= periods; r++) {
            uint32_t q = pn->row_pattern[pn->first_row[i] + (size_t)(r - 1)];
            all[q] += 1;
            if (r >= first)
                recent[q] += 1;
        }
    }
}

/* ln E_g: mean of exp(b'z) over the rows of segment g whose renewal falls in
 * the trailing window (all its rows if none does; 0 if it has none), and its
 * derivatives in b. The counts are whole numbers, so summing them by ranges
 * of customers on the threads gives the same bits for any thread count;
 * one range per thread while that costs at most a double per customer. */
static crvm_status future_multipliers(crvm_value *v)
{
    const crvm__vpanel *pn = &v->panel;
    const size_t G = v->segments, Q = pn->patterns, p = v->p, table = 2 * G * Q;
    size_t ranges = crvm__value_threads(v->opt.threads);
    if (ranges > 1 && (ranges - 1) * table > pn->customers)
        ranges = 1;
    double *count = crvm__calloc(ranges * table + 1, sizeof *count); /* in the window, all */
    if (!count)
        return crvm__nomem("future exposure of the segments");
    const crvm_date w0 = crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(v->as_of + 1), -(long)v->opt.trailing_months));
    count_ctx cc = {v, w0, crvm__ymd_of(w0 - 1), ranges, count};
    crvm__run_blocks(count_range, &cc, ranges, (int)ranges);
    for (size_t r = 1; r < ranges; r++)
        for (size_t j = 0; j < table; j++)
            count[j] += count[r * table + j];
    for (size_t g = 0; g < G; g++) {
        const double *recent = count + 2 * g * Q, *all = recent + Q, *use = recent;
        double n = 0;
        for (size_t q = 0; q < Q; q++)
            n += recent[q];
        if (n == 0)
            use = all;
        double sum = 0, norm = 0, *d = v->dlog_e + g * p;
        for (size_t j = 0; j < p; j++)
            d[j] = 0;
        for (size_t q = 0; q < Q; q++) {
            if (use[q] == 0)
                continue;
            double ce = use[q] * v->pattern_e[q];
            norm += use[q];
            sum += ce;
            for (size_t j = 0; j < p; j++)
                d[j] += ce * v->pattern_z[q * p + j];
        }
        v->log_e[g] = norm > 0 ? log(sum / norm) : 0.0;
        for (size_t j = 0; j < p; j++)
            d[j] = sum > 0 ? d[j] / sum : 0.0;
    }
    crvm__free(count);
    return CRVM_OK;
}

crvm_status crvm__value_model_tables(crvm_value *v)
{
    const crvm__vpanel *pn = &v->panel;
    const size_t G = v->segments, Q = pn->patterns, p = v->p;
    v->k = 2 * G + 1 + p;
    v->pattern_z = crvm__malloc((Q * p + 1) * sizeof *v->pattern_z);
    v->pattern_e = crvm__malloc((Q + 1) * sizeof *v->pattern_e);
    v->log_e = crvm__calloc(G + 1, sizeof *v->log_e);
    v->dlog_e = crvm__calloc(G * p + 1, sizeof *v->dlog_e);
    v->max_n = 0;
    for (size_t i = 0; i < pn->customers; i++)
        if (pn->periods[i] > v->max_n)
            v->max_n = pn->periods[i];
    v->w = crvm__malloc(((size_t)v->max_n + 2) * sizeof *v->w);
    v->dw = crvm__malloc(((size_t)v->max_n + 2) * sizeof *v->dw);
    if (!v->pattern_z || !v->pattern_e || !v->log_e || !v->dlog_e || !v->w || !v->dw)
        return crvm__nomem("value model");
    for (size_t q = 0; q < Q; q++)
        for (size_t j = 0; j < p; j++)
            v->pattern_z[q * p + j] = pn->pattern[q].z[v->candidate[j]];
    return CRVM_OK;
}

crvm_status crvm__value_model_ready(crvm_value *v, int future_given)
{
    const size_t G = v->segments, Q = v->panel.patterns, p = v->p;
    const double *b = v->params + 2 * G + 1;
    for (size_t q = 0; q < Q; q++) {
        double eta = 0;
        for (size_t j = 0; j < p; j++)
            eta += b[j] * v->pattern_z[q * p + j];
        v->pattern_e[q] = exp(eta);
    }
    exposure_weights(v->params[2 * G], v->max_n + 1, v->w, v->dw);
    if (v->opt.future == CRVM_FUTURE_SEGMENT_AVERAGE && !future_given)
        return future_multipliers(v);
    return CRVM_OK;
}

crvm_status crvm__value_engine_build(crvm_value *v)
{
    const double *log_e = v->opt.future == CRVM_FUTURE_SEGMENT_AVERAGE ? v->log_e : NULL;
    if (v->cox)
        return crvm__value_cox_tables(v->cox, v->max_n, v->set.horizon, v->set.discount,
                                      v->opt.lifetime_cap, log_e);
    return crvm__rcov_engine_new(v->model, v->max_n, v->set.horizon, v->set.discount,
                                 v->opt.lifetime_cap, log_e, &v->engine);
}

crvm_status crvm__value_fit_model(crvm_value *v)
{
    const crvm_ledger *l = v->ledger;
    crvm__vpanel *pn = &v->panel;
    const size_t G = v->segments, Q = pn->patterns;
    v->p = v->opt.covariates ? choose_covariates(pn, v->candidate) : 0;
    const size_t p = v->p;
    crvm_status st = crvm__value_model_tables(v);
    if (st)
        return st;
    if (v->opt.model == CRVM_VALUE_COX) {
        st = crvm__value_cox_fit(v, &v->own_params, &v->own_cov, &v->cox);
        if (st)
            return st;
        v->params = v->own_params;
        v->cov = v->own_cov;
    } else {
        crvm__rcov_data data = {pn->customers, G, p, Q, (const int32_t *)l->cust_segment, pn->periods,
                                pn->churned, NULL, pn->first_row, pn->row_pattern, v->pattern_z};
        crvm_retention_cov_options ro = CRVM_RETENTION_COV_OPTIONS_INIT;
        ro.threads = v->opt.threads;
        crvm_retention_kind kind = v->opt.model == CRVM_VALUE_SBG ? CRVM_RETENTION_SBG : CRVM_RETENTION_BDW;
        st = crvm__rcov_fit(kind, &data, &ro, &v->model, &v->report);
        if (st) {
            char why[256];
            snprintf(why, sizeof why, "%s", crvm_last_error());
            return crvm__fail(st, "crvm_value_fit: retention fit: %s", why);
        }
        v->params = crvm__rcov_params(v->model);
        v->cov = crvm__rcov_covariance(v->model);
    }
    return crvm__value_model_ready(v, 0);
}
