/* A base valued in parts with one shared retention model: the value of a
 * part, the gradients of its sums in the shared model's parameters, and the
 * interval of a sum assembled from them (crvm/value.h, docs/spark.md). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/ledger_internal.h"
#include "core/money.h"
#include "survival/distrib.h"
#include "value/value_internal.h"

enum { SUMS = CRVM_VALUE_GRADIENT_SUMS, C = CRVM__Z_CANDIDATES };

/* The caller's description of the shared model and of the base's patterns. */
typedef struct shared_in {
    const crvm_retention_cov *model;
    crvm_retention_kind kind;
    size_t groups, p;
    const int32_t *segment_group, *covariates, *future_group;
    const double *future_z, *future_count;
    size_t entries;
} shared_in;

static crvm_status check_shared(const crvm_ledger *l, const crvm_value_options *opt, shared_in *in,
                                size_t segment_group_len, size_t covariates_len,
                                size_t future_group_len, size_t future_z_len, size_t future_count_len)
{
    static const char fn[] = "crvm_value_fit_shared";
    if (opt->model != CRVM_VALUE_SBG && opt->model != CRVM_VALUE_BDW)
        return crvm__fail(CRVM_EINVAL, "%s: options.model = %d: a shared model is an sBG or BdW "
                          "with covariates", fn, (int)opt->model);
    if (opt->shrinkage != 0)
        return crvm__fail(CRVM_EINVAL, "%s: options.shrinkage = %g: must be 0 (the segment means of "
                          "the whole base are not known to a part)", fn, opt->shrinkage);
    crvm_status st = crvm_retention_cov_shape(in->model, &in->kind, &in->groups, &in->p);
    if (st)
        return st;
    if ((in->kind == CRVM_RETENTION_SBG) != (opt->model == CRVM_VALUE_SBG))
        return crvm__fail(CRVM_EINVAL, "%s: the model's kind differs from options.model", fn);
    if (!crvm__rcov_covariance(in->model))
        return crvm__fail(CRVM_EINVAL, "%s: the model has no covariance (the intervals need it)", fn);
    const size_t segments = l->segment_ids.count;
    if (!in->segment_group || segment_group_len != segments)
        return crvm__fail(CRVM_EINVAL, "%s: segment_group_len = %zu, expected %zu (one per ledger "
                          "segment)", fn, segment_group_len, segments);
    for (size_t s = 0; s < segments; s++) {
        int32_t g = in->segment_group[s];
        if (g < 0 || (size_t)g >= in->groups)
            return crvm__fail(CRVM_EINVAL, "%s: segment_group[%zu] = %ld: must be in 0..%zu", fn, s,
                              (long)g, in->groups - 1);
        for (size_t t = 0; t < s; t++)
            if (in->segment_group[t] == g)
                return crvm__fail(CRVM_EINVAL, "%s: segments %zu and %zu are both group %ld", fn, t, s,
                                  (long)g);
    }
    size_t want = opt->covariates ? in->p : 0;
    if (covariates_len != want || in->p != want || (want && !in->covariates))
        return crvm__fail(CRVM_EINVAL, "%s: covariates_len = %zu and the model has %zu covariates: "
                          "expected both %zu (options.covariates = %d)", fn, covariates_len, in->p,
                          want, opt->covariates);
    for (size_t j = 0; j < want; j++) {
        int32_t c = in->covariates[j];
        if (c < 0 || c >= C)
            return crvm__fail(CRVM_EINVAL, "%s: covariates[%zu] = %ld: not a candidate (0..%d)", fn, j,
                              (long)c, C - 1);
        for (size_t t = 0; t < j; t++)
            if (in->covariates[t] == c)
                return crvm__fail(CRVM_EINVAL, "%s: candidate %ld repeated in covariates", fn, (long)c);
    }
    in->entries = future_group_len;
    if ((future_group_len && (!in->future_group || !in->future_z || !in->future_count)) ||
        future_z_len != C * future_group_len || future_count_len != 2 * future_group_len)
        return crvm__fail(CRVM_EINVAL, "%s: future_group_len = %zu, future_z_len = %zu, "
                          "future_count_len = %zu: expected m, %d m and 2 m", fn, future_group_len,
                          future_z_len, future_count_len, C);
    for (size_t e = 0; e < in->entries; e++) {
        if (in->future_group[e] < 0 || (size_t)in->future_group[e] >= in->groups)
            return crvm__fail(CRVM_EINVAL, "%s: future_group[%zu] = %ld: must be in 0..%zu", fn, e,
                              (long)in->future_group[e], in->groups - 1);
        for (int j = 0; j < 2; j++) {
            double n = in->future_count[2 * e + (size_t)j];
            if (!(n >= 0) || isinf(n))
                return crvm__fail(CRVM_EINVAL, "%s: future_count[%zu] = %g: must be finite and >= 0",
                                  fn, 2 * e + (size_t)j, n);
        }
        for (int j = 0; j < C; j++)
            if (!isfinite(in->future_z[C * e + (size_t)j]))
                return crvm__fail(CRVM_EINVAL, "%s: future_z[%zu] is not finite", fn, C * e + (size_t)j);
    }
    return CRVM_OK;
}

/* Parameter a of the part's model (its segments) as an index of the shared one. */
static size_t shared_index(const crvm_value *v, size_t a)
{
    const size_t G = v->segments;
    if (a >= 2 * G)
        return a - 2 * G + 2 * v->model_groups;
    size_t g = v->segment_group ? (size_t)v->segment_group[a / 2] : a / 2;
    return 2 * g + a % 2;
}

/* The shared model restricted to the part's segments (an injective map of
 * groups, so its covariance is the shared one's block). */
static crvm_status part_model(crvm_value *v, const shared_in *in)
{
    const size_t k = v->k, K = 2 * in->groups + 1 + in->p;
    const double *params = crvm__rcov_params(in->model), *cov = crvm__rcov_covariance(in->model);
    double *mine = crvm__malloc((k + k * k) * sizeof *mine);
    if (!mine)
        return crvm__nomem("shared value model");
    for (size_t a = 0; a < k; a++) {
        size_t A = shared_index(v, a);
        mine[a] = params[A];
        for (size_t b = 0; b < k; b++)
            mine[k + a * k + b] = cov[A * K + shared_index(v, b)];
    }
    crvm_status st = crvm_retention_cov_new(in->kind, v->segments, v->p, mine, k, mine + k, k * k, &v->model);
    crvm__free(mine);
    if (st)
        return st;
    v->params = crvm__rcov_params(v->model);
    v->cov = crvm__rcov_covariance(v->model);
    return crvm_retention_cov_report(in->model, &v->report);
}

/* ln E_g and its derivatives in b for the part's segments, from the base's
 * pattern counts, as model.c's future_multipliers() computes them from one
 * ledger's patterns. */
static crvm_status future_from_counts(crvm_value *v, const shared_in *in)
{
    const size_t G = v->segments, p = v->p;
    double *acc = crvm__calloc(G * 2 * (2 + p) + 1, sizeof *acc); /* per segment: recent, all */
    int32_t *segment_of = crvm__malloc((in->groups + 1) * sizeof *segment_of);
    if (!acc || !segment_of) {
        crvm__free(acc);
        crvm__free(segment_of);
        return crvm__nomem("shared future exposure");
    }
    for (size_t g = 0; g < in->groups; g++)
        segment_of[g] = -1;
    for (size_t s = 0; s < G; s++)
        segment_of[v->segment_group[s]] = (int32_t)s;
    const double *b = v->params + 2 * G + 1;
    for (size_t e = 0; e < in->entries; e++) {
        int32_t s = segment_of[in->future_group[e]];
        if (s < 0)
            continue;
        const double *z = in->future_z + C * e;
        double eta = 0;
        for (size_t j = 0; j < p; j++)
            eta += b[j] * z[v->candidate[j]];
        const double ex = exp(eta);
        for (size_t u = 0; u < 2; u++) {
            double n = in->future_count[2 * e + u], ce = n * ex, *a = acc + ((size_t)s * 2 + u) * (2 + p);
            if (n == 0)
                continue;
            a[0] += n;
            a[1] += ce;
            for (size_t j = 0; j < p; j++)
                a[2 + j] += ce * z[v->candidate[j]];
        }
    }
    for (size_t s = 0; s < G; s++) {
        const double *use = acc + s * 2 * (2 + p);
        if (use[0] == 0)
            use += 2 + p;
        v->log_e[s] = use[0] > 0 ? log(use[1] / use[0]) : 0.0;
        for (size_t j = 0; j < p; j++)
            v->dlog_e[s * p + j] = use[1] > 0 ? use[2 + j] / use[1] : 0.0;
    }
    crvm__free(acc);
    crvm__free(segment_of);
    return CRVM_OK;
}

crvm_status crvm_value_fit_shared(const crvm_ledger *l, const crvm_cost_model *costs, crvm_date as_of,
                                  const crvm_value_options *options, const crvm_retention_cov *model,
                                  const int32_t *segment_group, size_t segment_group_len,
                                  const int32_t *covariates, size_t covariates_len,
                                  const int32_t *future_group, size_t future_group_len,
                                  const double *future_z, size_t future_z_len,
                                  const double *future_count, size_t future_count_len, crvm_value **out)
{
    if (!l || !model || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_value_fit_shared: ledger, model and out are required");
    crvm_value_options opt = CRVM_VALUE_OPTIONS_INIT;
    if (options)
        opt = *options;
    shared_in in = {model, CRVM_RETENTION_BDW, 0, 0, segment_group, covariates, future_group,
                    future_z, future_count, 0};
    crvm_status st = check_shared(l, &opt, &in, segment_group_len, covariates_len, future_group_len,
                                  future_z_len, future_count_len);
    crvm_value *v = NULL;
    if (st || (st = crvm__value_prepare(l, costs, as_of, &opt, 1, &v)))
        return st;
    v->model_groups = in.groups;
    v->p = in.p;
    for (size_t j = 0; j < in.p; j++)
        v->candidate[j] = covariates[j];
    v->segment_group = crvm__malloc((v->segments + 1) * sizeof *v->segment_group);
    st = v->segment_group ? crvm__value_model_tables(v) : crvm__nomem("shared value model");
    if (!st) {
        memcpy(v->segment_group, segment_group, v->segments * sizeof *segment_group);
        st = part_model(v, &in);
    }
    const int average = opt.future == CRVM_FUTURE_SEGMENT_AVERAGE;
    if (!st && average)
        st = future_from_counts(v, &in);
    if (!st)
        st = crvm__value_model_ready(v, average);
    if (!st)
        st = crvm__value_evaluate(v);
    if (st) {
        crvm_value_free(v);
        return st;
    }
    *out = v;
    return CRVM_OK;
}

/* The shared model's parameter count; CRVM_ESTATE unless v has a covariate retention model. */
static crvm_status shared_params(const crvm_value *v, const char *fn, size_t *K)
{
    crvm_status st = crvm__value_usable(v, fn);
    if (st)
        return st;
    if (!v->model)
        return crvm__fail(CRVM_ESTATE, "%s: the value has no covariate retention model (options.model)",
                          fn);
    *K = 2 * v->model_groups + 1 + v->p;
    return CRVM_OK;
}

crvm_status crvm_value_segment_gradients(const crvm_value *v, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_segment_gradients";
    size_t K = 0;
    crvm_status st = shared_params(v, fn, &K);
    if (st)
        return st;
    const size_t G = v->segments, W = 3 + v->p, want = v->model_groups * SUMS * K;
    if (!out || out_len != want)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %zu groups x %d sums x %zu "
                          "parameters", fn, out_len, v->model_groups, SUMS, K);
    memset(out, 0, want * sizeof *out);
    for (size_t s = 0; s < G; s++)
        for (size_t u = 0; u < SUMS; u++) {
            const double *x = v->seg_grad + (s * SUMS + u) * W;
            size_t g = v->segment_group ? (size_t)v->segment_group[s] : s;
            double *to = out + (g * SUMS + u) * K;
            to[2 * g] = x[0];
            to[2 * g + 1] = x[1];
            for (size_t j = 2; j < W; j++)
                to[2 * v->model_groups + j - 2] = x[j];
        }
    return CRVM_OK;
}

crvm_status crvm_value_impact_sums(const crvm_value *v, int reference, crvm_date from, crvm_date until,
                                   const int32_t *group, size_t group_len, size_t groups, double *out,
                                   size_t out_len)
{
    static const char fn[] = "crvm_value_impact_sums";
    size_t K = 0;
    crvm_status st = shared_params(v, fn, &K);
    if (st || (st = crvm__value_check_reference(v, reference, fn)) ||
        (st = crvm__value_check_window(v, from, until, fn)))
        return st;
    const crvm_ledger *l = v->ledger;
    const size_t nk = l->contact_ids.count, k = v->k;
    if (group_len != nk || (nk && !group) || groups < 1 || !out || out_len != groups * (2 + K))
        return crvm__fail(CRVM_EINVAL, "%s: group_len = %zu (expected %zu contacts), groups = %zu "
                          "(>= 1), out_len = %zu (expected groups x %zu)", fn, group_len, nk, groups,
                          out_len, 2 + K);
    for (size_t c = 0; c < nk; c++)
        if (group[c] < -1 || group[c] >= (int32_t)groups)
            return crvm__fail(CRVM_EINVAL, "%s: group[%zu] = %ld: must be -1 or in 0..%zu", fn, c,
                              (long)group[c], groups - 1);
    int64_t *cents = crvm__calloc(groups + 1, sizeof *cents);
    double *gradient = crvm__calloc(groups * k + 1, sizeof *gradient);
    const size_t first_group[2] = {0, groups};
    st = cents && gradient ? crvm__value_impacts(v, reference, from, until, NULL, group, 1, first_group,
                                                 cents, gradient)
                           : crvm__nomem("contact impact sums");
    if (!st) {
        memset(out, 0, out_len * sizeof *out);
        const crvm_date last = until - 1 < v->as_of ? until - 1 : v->as_of;
        for (size_t c = 0; c < nk; c++)
            if (group[c] >= 0 && l->con_opened[c] >= from && l->con_opened[c] <= last)
                out[(size_t)group[c] * (2 + K)] += 1;
        for (size_t g = 0; g < groups; g++) {
            double *row = out + g * (2 + K);
            row[1] = (double)cents[g] / 100.0;
            for (size_t a = 0; a < k; a++)
                row[2 + shared_index(v, a)] = gradient[g * k + a];
        }
    }
    crvm__free(cents);
    crvm__free(gradient);
    return st;
}

crvm_status crvm__value_model_params(const crvm_retention_cov *model, size_t *K)
{
    size_t groups, p;
    crvm_status st = crvm_retention_cov_shape(model, NULL, &groups, &p);
    if (st == CRVM_OK)
        *K = 2 * groups + 1 + p;
    return st;
}

crvm_status crvm_value_sum_interval(const crvm_retention_cov *model, double confidence,
                                    crvm_sum_kind kind, double sum, const double *gradient,
                                    size_t gradient_len, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_sum_interval";
    size_t K = 0;
    crvm_status st = crvm__value_model_params(model, &K);
    if (st)
        return st;
    if (!gradient || gradient_len != K || !out || out_len != 2)
        return crvm__fail(CRVM_EINVAL, "%s: gradient_len = %zu (expected %zu parameters), out_len = %zu "
                          "(expected 2)", fn, gradient_len, K, out_len);
    if (!(confidence > 0 && confidence < 1) || (kind != CRVM_SUM_MONEY && kind != CRVM_SUM_COUNT) ||
        !isfinite(sum))
        return crvm__fail(CRVM_EINVAL, "%s: confidence = %g (in (0, 1)), kind = %d, sum = %g (finite)",
                          fn, confidence, (int)kind, sum);
    for (size_t a = 0; a < K; a++)
        if (!isfinite(gradient[a]))
            return crvm__fail(CRVM_EINVAL, "%s: gradient[%zu] is not finite", fn, a);
    const double *cov = crvm__rcov_covariance(model);
    if (!cov)
        return crvm__fail(CRVM_ESTATE, "%s: the model has no covariance", fn);
    const double se = sqrt(crvm__delta_variance(cov, K, gradient)), z = crvm__norm_ppf(0.5 + confidence / 2);
    if (kind == CRVM_SUM_COUNT) {
        out[0] = sum - z * se;
        out[1] = sum + z * se;
        return CRVM_OK;
    }
    const double cents = (double)llround(sum * 100.0);
    out[0] = (double)llround(cents - z * se) / 100.0;
    out[1] = (double)llround(cents + z * se) / 100.0;
    return CRVM_OK;
}

crvm_status crvm_value_scenario_sums(const crvm_value *v, const crvm_scenario *s, double *out,
                                     size_t out_len)
{
    static const char fn[] = "crvm_value_scenario_sums";
    size_t K = 0;
    crvm_status st = shared_params(v, fn, &K);
    if (st || (st = crvm__value_scenario_check(v, s, fn)))
        return st;
    if (!out || out_len != 3 + K)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected 3 + %zu parameters", fn, out_len, K);
    const size_t k = v->k;
    double *sums = crvm__malloc((3 + k) * sizeof *sums);
    if (!sums)
        return crvm__nomem("scenario sums");
    st = crvm__value_scenario_walk(v, s, fn, sums);
    if (!st) {
        memset(out, 0, out_len * sizeof *out);
        memcpy(out, sums, 3 * sizeof *out);
        for (size_t a = 0; a < k; a++)
            out[3 + shared_index(v, a)] = sums[3 + a];
    }
    crvm__free(sums);
    return st;
}
