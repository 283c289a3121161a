/* The survival models as saved text: the Kaplan-Meier table, and the Cox
 * model with everything its predictions need (coefficients, centring means,
 * covariance, summary, strata and the Breslow baseline of each). */
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/model_kinds.h"
#include "survival/cox_model.h"
#include "survival/km_model.h"

/* Rows a matrix of cols numbers can have in a text of this many bytes (each
 * number takes at least two bytes): bounds what an edited header can make
 * the reader allocate. */
static size_t max_rows(const crvm__mt_reader *r, size_t cols)
{
    return (size_t)(r->end - r->text) / (2 * cols) + 1;
}

/* ---- Kaplan-Meier ------------------------------------------------------------ */

static const char *const km_names[KM_COLUMNS] = {
    "time", "survival", "variance", "ci_lower", "ci_upper", "at_risk", "events", "censored"};

static void km_write(const void *model, crvm__mt_writer *w)
{
    const crvm_km *km = model;
    crvm__mt_double(w, "confidence_level", crvm__km_confidence_level(km));
    crvm__mt_matrix(w, "table", km->size, KM_COLUMNS, km_names);
    for (size_t k = 0; k < km->size; k++) {
        double row[KM_COLUMNS];
        for (int c = 0; c < KM_COLUMNS; c++)
            row[c] = km->column[c][k];
        crvm__mt_row(w, row, KM_COLUMNS);
    }
}

static crvm_status km_read(crvm__mt_reader *r, void **out)
{
    double level = 0.0;
    size_t rows = 0;
    crvm_status st;
    if ((st = crvm__mt_read_double(r, "confidence_level", &level)) != CRVM_OK ||
        (st = crvm__mt_read_matrix_head(r, "table", max_rows(r, KM_COLUMNS), KM_COLUMNS, km_names,
                                        &rows)) != CRVM_OK)
        return st;
    double *block = crvm__calloc(rows ? 2 * rows * KM_COLUMNS : 1, sizeof *block);
    if (block == NULL)
        return crvm__nomem("reading a Kaplan-Meier table");
    st = crvm__mt_read_rows(r, rows, KM_COLUMNS, block);
    if (st == CRVM_OK) {
        double *col = block + rows * KM_COLUMNS;
        const double *cols[KM_COLUMNS];
        for (int c = 0; c < KM_COLUMNS; c++) {
            for (size_t k = 0; k < rows; k++)
                col[c * rows + k] = block[k * KM_COLUMNS + (size_t)c];
            cols[c] = col + (size_t)c * rows;
        }
        st = crvm__km_restore(rows, level, cols, (crvm_km **)out);
    }
    crvm__free(block);
    return st;
}

static void km_free(void *model) { crvm_km_free(model); }

const crvm__model_kind_io crvm__model_kaplan_meier = {
    CRVM_MODEL_KAPLAN_MEIER, "kaplan-meier", "Kaplan-Meier curve", km_write, km_read, km_free};

/* ---- Cox --------------------------------------------------------------------- */

static const char *const ties_names[] = {"efron", "breslow"};
static const char *const baseline_names[] = {"stratum", "time", "cumulative_hazard"};

static void cox_write(const void *model, crvm__mt_writer *w)
{
    crvm__cox_state s;
    if (crvm__cox_state_of(model, &s) != CRVM_OK) {
        w->failed = 1;
        return;
    }
    const crvm_cox_summary_stats *t = &s.stats;
    crvm__mt_long(w, "covariates", (long)s.p);
    crvm__mt_word(w, "ties", ties_names[s.ties == CRVM_TIES_BRESLOW]);
    crvm__mt_double(w, "z_critical", s.z_crit);
    crvm__mt_vector(w, "coef", s.beta, s.p);
    crvm__mt_vector(w, "mean", s.mean, s.p);
    crvm__mt_matrix(w, "covariance", s.p, s.p, NULL);
    for (size_t i = 0; i < s.p; i++)
        crvm__mt_row(w, s.cov + i * s.p, s.p);
    crvm__mt_matrix(w, "covariance_robust", s.robust ? s.p : 0, s.p, NULL);
    for (size_t i = 0; s.robust && i < s.p; i++)
        crvm__mt_row(w, s.cov_robust + i * s.p, s.p);
    crvm__mt_double(w, "log_likelihood", t->log_likelihood);
    crvm__mt_double(w, "log_likelihood_null", t->log_likelihood_null);
    crvm__mt_double(w, "lr_statistic", t->lr_statistic);
    crvm__mt_double(w, "lr_p_value", t->lr_p_value);
    crvm__mt_double(w, "concordance", t->concordance);
    crvm__mt_double(w, "n_events", t->n_events);
    crvm__mt_double(w, "n_observations", t->n_observations);
    crvm__mt_long(w, "iterations", t->iterations);
    crvm__mt_long(w, "n_strata", (long)s.n_strata);
    crvm__mt_matrix(w, "baseline", s.base_start[s.n_strata], 3, baseline_names);
    for (size_t g = 0; g < s.n_strata; g++)
        for (size_t k = s.base_start[g]; k < s.base_start[g + 1]; k++) {
            double row[3] = {(double)s.strata[g], s.base_time[k], s.base_cumhaz[k]};
            crvm__mt_row(w, row, 3);
        }
    /* Strata without events have no baseline rows: list every code. */
    double *codes = crvm__calloc(s.n_strata, sizeof *codes);
    if (codes == NULL) {
        w->failed = 1;
        return;
    }
    for (size_t g = 0; g < s.n_strata; g++)
        codes[g] = (double)s.strata[g];
    crvm__mt_vector(w, "strata", codes, s.n_strata);
    crvm__free(codes);
}

/* Scratch of a Cox read: one block holding every array of the state. */
typedef struct cox_arrays {
    double *block;
    int32_t *strata;
    size_t *start;
} cox_arrays;

static void cox_arrays_free(cox_arrays *a)
{
    crvm__free(a->block);
    crvm__free(a->strata);
    crvm__free(a->start);
}

/* Strata codes from the `strata` vector, and the baseline offsets of each
 * from the stratum column of the baseline rows (which must follow the
 * codes' order). */
static crvm_status cox_strata(crvm__mt_reader *r, const double *codes, size_t n_strata,
                              const double *base, size_t m, cox_arrays *a)
{
    for (size_t g = 0; g < n_strata; g++) {
        if (!(codes[g] >= INT32_MIN && codes[g] <= INT32_MAX && codes[g] == floor(codes[g])))
            return crvm__fail(CRVM_EPARSE, "%s: strata[%zu] = %g: not an int32 code", r->source,
                              g, codes[g]);
        a->strata[g] = (int32_t)codes[g];
    }
    size_t k = 0;
    for (size_t g = 0; g < n_strata; g++) {
        a->start[g] = k;
        while (k < m && base[3 * k] == codes[g])
            k++;
    }
    a->start[n_strata] = k;
    if (k != m)
        return crvm__fail(CRVM_EPARSE, "%s: baseline row %zu: stratum %g is not listed in "
                                       "'strata', or the rows are not in its order",
                          r->source, k + 1, base[3 * k]);
    return CRVM_OK;
}

static crvm_status cox_read(crvm__mt_reader *r, void **out)
{
    long p_ = 0, n_strata_ = 0, ties = 0, it = 0;
    size_t robust_rows = 0, m = 0;
    double *cov, *cov_robust, *base, *codes;
    crvm__cox_state s = {0};
    crvm_cox_summary_stats *t = &s.stats;
    cox_arrays a = {0};
    crvm_status st;
    int which = 0;
    if ((st = crvm__mt_read_long(r, "covariates", 1, 100000, &p_)) != CRVM_OK ||
        (st = crvm__mt_read_choice(r, "ties", ties_names, 2, &which)) != CRVM_OK)
        return st;
    const size_t p = (size_t)p_;
    ties = which;
    a.block = crvm__calloc(2 * p + 2 * p * p, sizeof *a.block);
    if (a.block == NULL)
        return crvm__nomem("reading a Cox model");
    double *beta = a.block, *mean = beta + p;
    cov = mean + p;
    cov_robust = cov + p * p;
    if ((st = crvm__mt_read_double(r, "z_critical", &s.z_crit)) != CRVM_OK ||
        (st = crvm__mt_read_vector(r, "coef", p, beta)) != CRVM_OK ||
        (st = crvm__mt_read_vector(r, "mean", p, mean)) != CRVM_OK ||
        (st = crvm__mt_read_matrix(r, "covariance", p, p, NULL, cov)) != CRVM_OK ||
        (st = crvm__mt_read_matrix_head(r, "covariance_robust", p, p, NULL, &robust_rows)) !=
            CRVM_OK)
        goto done;
    if (robust_rows != 0 && robust_rows != p) {
        st = crvm__fail(CRVM_EPARSE, "%s: line %zu: the robust covariance has %zu rows, or 0 "
                                     "without one", r->source, r->line, p);
        goto done;
    }
    if ((st = crvm__mt_read_rows(r, robust_rows, p, cov_robust)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "log_likelihood", &t->log_likelihood)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "log_likelihood_null", &t->log_likelihood_null)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "lr_statistic", &t->lr_statistic)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "lr_p_value", &t->lr_p_value)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "concordance", &t->concordance)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "n_events", &t->n_events)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "n_observations", &t->n_observations)) != CRVM_OK ||
        (st = crvm__mt_read_long(r, "iterations", 0, INT_MAX, &it)) != CRVM_OK ||
        (st = crvm__mt_read_long(r, "n_strata", 1, INT_MAX, &n_strata_)) != CRVM_OK ||
        (st = crvm__mt_read_matrix_head(r, "baseline", max_rows(r, 3), 3, baseline_names, &m)) !=
            CRVM_OK)
        goto done;
    const size_t n_strata = (size_t)n_strata_;
    if (n_strata > max_rows(r, 1)) {
        st = crvm__fail(CRVM_EPARSE, "%s: n_strata = %zu: more than the text can hold", r->source,
                        n_strata);
        goto done;
    }
    base = crvm__calloc(3 * m + n_strata + 1, sizeof *base);
    a.strata = crvm__calloc(n_strata, sizeof *a.strata);
    a.start = crvm__calloc(n_strata + 1, sizeof *a.start);
    if (base == NULL || a.strata == NULL || a.start == NULL) {
        crvm__free(base);
        st = crvm__nomem("reading a Cox model");
        goto done;
    }
    codes = base + 3 * m;
    if ((st = crvm__mt_read_rows(r, m, 3, base)) == CRVM_OK &&
        (st = crvm__mt_read_vector(r, "strata", n_strata, codes)) == CRVM_OK &&
        (st = cox_strata(r, codes, n_strata, base, m, &a)) == CRVM_OK) {
        /* The baseline rows split into their time and hazard columns. */
        double *times = crvm__calloc(2 * (m ? m : 1), sizeof *times);
        if (times == NULL) {
            st = crvm__nomem("reading a Cox model");
        } else {
            for (size_t k = 0; k < m; k++) {
                times[k] = base[3 * k + 1];
                times[m + k] = base[3 * k + 2];
            }
            s.p = p;
            s.beta = beta;
            s.mean = mean;
            s.cov = cov;
            s.cov_robust = robust_rows ? cov_robust : NULL;
            s.robust = robust_rows != 0;
            s.ties = (crvm_ties)ties;
            t->lr_dof = (int)p;
            t->iterations = (int)it;
            t->n_strata = (int)n_strata;
            s.n_strata = n_strata;
            s.strata = a.strata;
            s.base_start = a.start;
            s.base_time = times;
            s.base_cumhaz = times + m;
            st = crvm__cox_restore(&s, (crvm_cox **)out);
            crvm__free(times);
        }
    }
    crvm__free(base);
done:
    cox_arrays_free(&a);
    return st;
}

static void cox_free(void *model) { crvm_cox_free(model); }

const crvm__model_kind_io crvm__model_cox = {
    CRVM_MODEL_COX, "cox", "Cox proportional hazards model", cox_write, cox_read, cox_free};
