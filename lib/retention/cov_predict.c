/* Public predictions of the covariate retention model: per-subject columns
 * from the prediction engine (cov_engine.c) with delta-method standard
 * errors, and the static-covariate survival curve. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "math/pochhammer.h"
#include "retention/cov_internal.h"
#include "retention/cov_model.h"
#include "core/parallel.h"

/* Subjects per block of the parallel loop (fixed: results do not depend on
 * the thread count, each subject's row depending on nothing else). */
#define PREDICT_BLOCK 1024

static const char *const column_names[CRVM_RCOV_COLUMNS] = {
    "alive", "periods", "exposure", "churn_next", "survival", "survival_se", "derl", "derl_se",
    "derl_horizon", "derl_horizon_se", "lifetime", "lifetime_se", "at_risk", "at_risk_se"};

const char *crvm_retention_cov_column_name(int column)
{
    return column >= 0 && column < CRVM_RCOV_COLUMNS ? column_names[column] : NULL;
}

void crvm_retention_cov_predict_options_init(crvm_retention_cov_predict_options *options)
{
    if (options) {
        crvm_retention_cov_predict_options defaults = CRVM_RETENTION_COV_PREDICT_OPTIONS_INIT;
        *options = defaults;
    }
}

typedef struct predict_ctx {
    const crvm_retention_cov *model;
    const crvm__rcov_data *data;
    const crvm__rcov_engine *engine;
    const double *future_z;
    int standard_errors;
    double *out;
    double *scratch;          /* per worker: d Lambda / d b (covariates), a gradient (3 + covariates) */
    size_t scratch_len;
    size_t *first_bad;        /* per block: first subject that failed, or SIZE_MAX */
    crvm_status *bad_status;  /* per block */
} predict_ctx;

/* Delta-method standard error of a quantity from its partials. Its gradient
 * in the parameters is nonzero only at alpha_g, beta_g, c and b; grad holds
 * those 3 + covariates entries. CRVM_EDOMAIN when the variance is negative
 * beyond rounding (a given covariance that is not positive semi-definite). */
static crvm_status delta_se(const predict_ctx *pc, int g, const crvm__rcov_partials *pt,
                            double lambda_c, const double *lambda_b, double *grad, double *se)
{
    const crvm_retention_cov *m = pc->model;
    size_t G = m->groups, p = m->covariates, k = m->k, used = 3 + p;
    const double *zf = pc->future_z ? pc->future_z + (size_t)g * p : NULL;
    grad[0] = pt->d_alpha;
    grad[1] = pt->d_x;
    grad[2] = pt->d_c + pt->d_x * lambda_c;
    for (size_t j = 0; j < p; j++)
        grad[3 + j] = pt->d_x * lambda_b[j] + (zf ? pt->d_log_e * zf[j] : 0.0);
    double var = 0, scale = 0;
    for (size_t a = 0; a < used; a++) {
        size_t ia = a < 2 ? 2 * (size_t)g + a : 2 * G + (a - 2);
        for (size_t b = 0; b < used; b++) {
            size_t ib = b < 2 ? 2 * (size_t)g + b : 2 * G + (b - 2);
            double v = grad[a] * grad[b] * m->cov[ia * k + ib];
            var += v;
            scale += fabs(v);
        }
    }
    if (var < -1e-12 * scale)
        return crvm__fail(CRVM_EDOMAIN, "crvm_retention_cov_predict: a prediction's variance is "
                          "negative (%g): the model's covariance is not positive semi-definite",
                          var);
    *se = sqrt(fmax(var, 0.0));
    return CRVM_OK;
}

static crvm_status predict_subject(const predict_ctx *pc, size_t i, double *scratch, double *row)
{
    const crvm__rcov_data *d = pc->data;
    size_t p = pc->model->covariates;
    int n = d->periods[i], g = d->group[i];
    double lambda, lambda_c, *lambda_b = scratch, *grad = scratch + p;
    crvm__rcov_exposure(pc->model, d, i, (size_t)n, &lambda, &lambda_c, lambda_b);
    memset(row, 0, CRVM_RCOV_COLUMNS * sizeof *row);
    row[CRVM_RCOV_PERIODS] = n;
    row[CRVM_RCOV_EXPOSURE] = lambda;
    if (d->churned[i])
        return CRVM_OK;
    row[CRVM_RCOV_ALIVE] = 1;
    crvm__rcov_query q = {g, n, lambda, NAN};
    crvm__rcov_answer ans;
    crvm_status st = crvm__rcov_engine_eval(pc->engine, &q, &ans);
    if (st != CRVM_OK)
        return st;
    row[CRVM_RCOV_CHURN_NEXT] = ans.churn_next.value;
    const crvm__rcov_partials *with_se[5] = {&ans.survival, &ans.derl, &ans.derl_horizon,
                                             &ans.lifetime, &ans.at_risk};
    const int cols[5] = {CRVM_RCOV_SURVIVAL, CRVM_RCOV_DERL, CRVM_RCOV_DERL_HORIZON,
                         CRVM_RCOV_LIFETIME, CRVM_RCOV_AT_RISK};
    for (int j = 0; j < 5; j++) {
        row[cols[j]] = with_se[j]->value;
        if (pc->standard_errors &&
            (st = delta_se(pc, g, with_se[j], lambda_c, lambda_b, grad, &row[cols[j] + 1])) !=
                CRVM_OK)
            return st;
    }
    return CRVM_OK;
}

static void predict_block(void *vctx, size_t worker, size_t block)
{
    predict_ctx *pc = vctx;
    size_t lo = block * PREDICT_BLOCK, hi = lo + PREDICT_BLOCK;
    if (hi > pc->data->subjects)
        hi = pc->data->subjects;
    pc->first_bad[block] = SIZE_MAX;
    double *scratch = pc->scratch + worker * pc->scratch_len;
    for (size_t i = lo; i < hi; i++) {
        crvm_status st = predict_subject(pc, i, scratch, pc->out + i * CRVM_RCOV_COLUMNS);
        if (st != CRVM_OK) {
            pc->first_bad[block] = i;
            pc->bad_status[block] = st;
            return;
        }
    }
}

static crvm_status check_predict_options(const char *who, const crvm_retention_cov_predict_options *o)
{
    if (o->horizon < 1 || o->horizon > 100000)
        return crvm__fail(CRVM_EINVAL, "%s: options.horizon = %d: must be 1..100000", who,
                          o->horizon);
    if (!(o->discount_rate >= 0 && isfinite(o->discount_rate)))
        return crvm__fail(CRVM_EINVAL, "%s: options.discount_rate = %g: must be >= 0 and finite",
                          who, o->discount_rate);
    if (o->lifetime_cap < 1 || o->lifetime_cap > 100000)
        return crvm__fail(CRVM_EINVAL, "%s: options.lifetime_cap = %d: must be 1..100000", who,
                          o->lifetime_cap);
    if (o->standard_errors != 0 && o->standard_errors != 1)
        return crvm__fail(CRVM_EINVAL, "%s: options.standard_errors = %d: must be 0 or 1", who,
                          o->standard_errors);
    if (o->threads < 0)
        return crvm__fail(CRVM_EINVAL, "%s: options.threads = %d: must be >= 0", who, o->threads);
    return CRVM_OK;
}

crvm_status crvm_retention_cov_predict(
    const crvm_retention_cov *model, const int32_t *subject_group, size_t subject_group_len,
    const int32_t *row_subject, size_t row_subject_len, const int32_t *row_period,
    size_t row_period_len, const int32_t *row_event, size_t row_event_len, const double *z,
    size_t z_len, const double *future_z, size_t future_z_len,
    const crvm_retention_cov_predict_options *options, double *out, size_t out_len)
{
    const char *who = "crvm_retention_cov_predict";
    crvm_retention_cov_predict_options defaults = CRVM_RETENTION_COV_PREDICT_OPTIONS_INIT;
    const crvm_retention_cov_predict_options *o = options ? options : &defaults;
    if (model == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: model is NULL", who);
    crvm_status st = check_predict_options(who, o);
    if (st != CRVM_OK)
        return st;
    size_t G = model->groups, p = model->covariates, S = subject_group_len;
    if (out == NULL && out_len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: out is NULL", who);
    if (S > SIZE_MAX / CRVM_RCOV_COLUMNS || out_len != S * CRVM_RCOV_COLUMNS)
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu: must be subjects x %d = %zu", who,
                          out_len, CRVM_RCOV_COLUMNS, S * CRVM_RCOV_COLUMNS);
    if (future_z == NULL && future_z_len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: future_z is NULL but future_z_len = %zu", who,
                          future_z_len);
    if (future_z != NULL && future_z_len != G * p)
        return crvm__fail(CRVM_EINVAL, "%s: future_z_len = %zu: must be groups x covariates = %zu",
                          who, future_z_len, G * p);
    for (size_t j = 0; future_z && j < G * p; j++)
        if (!isfinite(future_z[j]))
            return crvm__fail(CRVM_EINVAL, "%s: future_z[%zu] = %g: must be finite", who, j,
                              future_z[j]);
    if (o->standard_errors && model->cov == NULL)
        return crvm__fail(CRVM_ESTATE, "%s: standard errors asked of a model without a "
                          "covariance (set options.standard_errors = 0)", who);
    crvm__rcov_panel panel;
    st = crvm__rcov_panel_build(who, G, p, subject_group, S, row_subject, row_subject_len,
                                row_period, row_period_len, row_event, row_event_len, z, z_len,
                                NULL, 0, &panel);
    if (st != CRVM_OK)
        return st;
    const crvm__rcov_data *d = &panel.data;
    int max_n = 0;
    for (size_t i = 0; i < S; i++)
        if (!d->churned[i] && d->periods[i] > max_n)
            max_n = d->periods[i];
    int threads = o->threads > 1 ? (o->threads > 64 ? 64 : o->threads) : 1;
    size_t blocks = (S + PREDICT_BLOCK - 1) / PREDICT_BLOCK;
    size_t scratch_len = 2 * p + 3;
    double *log_mult = crvm__calloc(G, sizeof *log_mult);
    double *tmp = crvm__calloc(S ? S * CRVM_RCOV_COLUMNS : 1, sizeof *tmp);
    double *scratch = crvm__calloc((size_t)threads * scratch_len, sizeof *scratch);
    size_t *first_bad = crvm__calloc(blocks ? blocks : 1, sizeof *first_bad);
    crvm_status *bad_status = crvm__calloc(blocks ? blocks : 1, sizeof *bad_status);
    crvm__rcov_engine *engine = NULL;
    if (!log_mult || !tmp || !scratch || !first_bad || !bad_status) {
        st = crvm__nomem("the predictions");
        goto done;
    }
    for (size_t g = 0; g < G; g++)
        for (size_t j = 0; future_z && j < p; j++)
            log_mult[g] += model->params[2 * G + 1 + j] * future_z[g * p + j];
    st = crvm__rcov_engine_new(model, max_n, o->horizon, o->discount_rate, o->lifetime_cap,
                               log_mult, &engine);
    if (st != CRVM_OK)
        goto done;
    predict_ctx pc = {model, d, engine, future_z, o->standard_errors, tmp, scratch, scratch_len,
                      first_bad, bad_status};
    crvm__run_blocks(predict_block, &pc, blocks, threads);
    for (size_t b = 0; b < blocks; b++)
        if (first_bad[b] != SIZE_MAX) {
            /* Again on this thread, for the message of the first failing subject. */
            st = predict_subject(&pc, first_bad[b], scratch, tmp + first_bad[b] * CRVM_RCOV_COLUMNS);
            if (st == CRVM_OK)
                st = bad_status[b];
            char cause[512]; /* the message is rewritten in the buffer it lives in */
            snprintf(cause, sizeof cause, "%s", crvm_last_error());
            crvm__fail(st, "%s: subject %zu: %s", who, first_bad[b], cause);
            goto done;
        }
    if (S > 0)
        memcpy(out, tmp, S * CRVM_RCOV_COLUMNS * sizeof *out);
done:
    crvm__rcov_engine_free(engine);
    crvm__free(log_mult);
    crvm__free(tmp);
    crvm__free(scratch);
    crvm__free(first_bad);
    crvm__free(bad_status);
    crvm__rcov_panel_free(&panel);
    return st;
}

crvm_status crvm_retention_cov_survival(const crvm_retention_cov *model, size_t group,
                                        const double *z, size_t z_len, const double *t,
                                        size_t t_len, double *out, size_t out_len)
{
    const char *who = "crvm_retention_cov_survival";
    if (model == NULL)
        return crvm__fail(CRVM_EINVAL, "%s: model is NULL", who);
    if (group >= model->groups)
        return crvm__fail(CRVM_EINVAL, "%s: group = %zu: must be < %zu", who, group,
                          model->groups);
    size_t p = model->covariates;
    if ((z == NULL && z_len > 0) || (z != NULL && z_len != p))
        return crvm__fail(CRVM_EINVAL, "%s: z_len = %zu: must be covariates = %zu (or NULL with 0)",
                          who, z_len, p);
    if ((t == NULL && t_len > 0) || (out == NULL && out_len > 0) || t_len != out_len)
        return crvm__fail(CRVM_EINVAL, "%s: t_len = %zu and out_len = %zu must be equal (NULL only "
                          "with length 0)", who, t_len, out_len);
    double eta = 0;
    for (size_t j = 0; z && j < p; j++) {
        if (!isfinite(z[j]))
            return crvm__fail(CRVM_EINVAL, "%s: z[%zu] = %g: must be finite", who, j, z[j]);
        eta += model->params[2 * model->groups + 1 + j] * z[j];
    }
    for (size_t i = 0; i < t_len; i++)
        if (!(isfinite(t[i]) && t[i] >= 0 && t[i] == floor(t[i])))
            return crvm__fail(CRVM_EINVAL, "%s: t[%zu] = %g: must be a whole number >= 0", who, i,
                              t[i]);
    double a = model->params[2 * group], b = model->params[2 * group + 1];
    double c = model->params[2 * model->groups], E = exp(eta);
    for (size_t i = 0; i < t_len; i++) {
        double F = t[i] == 0 ? 0.0 : pow(t[i], c) * E;
        out[i] = isfinite(F) ? exp(crvm__log_beta_ratio(a, b, F)) : 0.0;
    }
    return CRVM_OK;
}
