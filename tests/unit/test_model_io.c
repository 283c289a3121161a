/* Unit tests for crvm/model_io.h: every kind of fitted model saved as text
 * and loaded back gives bit-identical predictions; damaged, truncated,
 * edited, future-version and wrong-kind texts are refused with statuses
 * and messages that say what is wrong. */
#include "support.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CRVM_SOURCE_ROOT
#error "CRVM_SOURCE_ROOT must be defined by the build"
#endif

/* ---- fixtures: one fitted model of each kind ----------------------------- */

#define CDNOW_ROWS 2357

typedef struct models {
    crvm_retention_fit *sbg, *bdw;
    crvm_txn_fit *bgnbd, *bgbb;
    crvm_gamma_gamma_fit *gg;
    crvm_km *km;
    crvm_cox *cox, *cox_strata;
    double x[CDNOW_ROWS], tx[CDNOW_ROWS], T[CDNOW_ROWS], zbar[CDNOW_ROWS];
    double rx[CDNOW_ROWS], rz[CDNOW_ROWS]; /* repeat customers */
    size_t n_repeat;
    double week[TEST_ROSSI_ROWS], covariates[TEST_ROSSI_ROWS * TEST_ROSSI_COLS];
    int32_t arrest[TEST_ROSSI_ROWS], strata[TEST_ROSSI_ROWS];
} models;

static void load_cdnow(models *m)
{
    char path[4096];
    const char *dir = getenv("CRVM_DATA_DIR");
    if (dir && dir[0])
        snprintf(path, sizeof path, "%s/cdnow_customers_summary_with_transactions.csv", dir);
    else
        snprintf(path, sizeof path,
                 "%s/../shared/data/cdnow_customers_summary_with_transactions.csv",
                 CRVM_SOURCE_ROOT);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (set CRVM_DATA_DIR)", path);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    size_t i = 0;
    int id;
    while (i < CDNOW_ROWS &&
           fscanf(f, "%d,%lf,%lf,%lf,%lf", &id, &m->x[i], &m->tx[i], &m->T[i], &m->zbar[i]) == 5) {
        if (m->x[i] > 0) {
            m->rx[m->n_repeat] = m->x[i];
            m->rz[m->n_repeat++] = m->zbar[i];
        }
        i++;
    }
    fclose(f);
    assert_int_equal(i, CDNOW_ROWS);
}

static models *fit_models(void)
{
    models *m = calloc(1, sizeof *m);
    assert_non_null(m);
    load_cdnow(m);
    /* Fader & Hardie (2007) "regular" cohort; a longer cohort for the BdW. */
    const double regular[] = {1000, 631, 468, 382, 326, 289, 262, 241};
    assert_status(crvm_retention_fit_cohorts(CRVM_RETENTION_SBG, regular, 5, NULL, 0, NULL,
                                             &m->sbg, NULL), CRVM_OK);
    assert_status(crvm_retention_fit_cohorts(CRVM_RETENTION_BDW, regular, 8, NULL, 0, NULL,
                                             &m->bdw, NULL), CRVM_OK);
    assert_status(crvm_txn_fit_new(CRVM_TXN_BGNBD, m->x, CDNOW_ROWS, m->tx, CDNOW_ROWS, m->T,
                                   CDNOW_ROWS, NULL, 0, NULL, &m->bgnbd), CRVM_OK);
    /* BG/BB on a small discrete panel: x <= t_x <= n = 6. */
    const double bx[] = {0, 1, 1, 2, 3, 4, 6, 2, 5, 0, 3, 1};
    const double btx[] = {0, 1, 4, 5, 6, 6, 6, 3, 6, 0, 4, 2};
    const double bn[] = {6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6};
    const double bw[] = {50, 12, 9, 8, 7, 9, 15, 6, 11, 40, 5, 10};
    assert_status(crvm_txn_fit_new(CRVM_TXN_BGBB, bx, 12, btx, 12, bn, 12, bw, 12, NULL, &m->bgbb),
                  CRVM_OK);
    assert_status(crvm_gamma_gamma_fit_columns(m->rx, m->n_repeat, m->rz, m->n_repeat, NULL, 0,
                                               NULL, &m->gg, NULL), CRVM_OK);
    test_load_rossi(m->week, m->arrest, m->covariates);
    /* Weighted Kaplan-Meier with ties and censoring: the rossi weeks. */
    double w[TEST_ROSSI_ROWS];
    for (size_t i = 0; i < TEST_ROSSI_ROWS; i++) {
        w[i] = 1.0 + (double)(i % 3);
        m->strata[i] = (int32_t)(m->covariates[i * TEST_ROSSI_COLS + 2] * 7); /* race: 0 or 7 */
    }
    assert_status(crvm_km_fit(m->week, TEST_ROSSI_ROWS, m->arrest, TEST_ROSSI_ROWS, w,
                              TEST_ROSSI_ROWS, NULL, 0, NULL, &m->km), CRVM_OK);
    assert_status(crvm_cox_fit(m->covariates, TEST_ROSSI_ROWS * TEST_ROSSI_COLS, TEST_ROSSI_ROWS,
                               TEST_ROSSI_COLS, m->week, TEST_ROSSI_ROWS, m->arrest,
                               TEST_ROSSI_ROWS, NULL, 0, NULL, 0, NULL, &m->cox, NULL), CRVM_OK);
    /* Stratified by race (dropped from the covariates), robust, Breslow. */
    double xs[TEST_ROSSI_ROWS * 6];
    for (size_t i = 0; i < TEST_ROSSI_ROWS; i++)
        for (size_t j = 0, k = 0; j < TEST_ROSSI_COLS; j++)
            if (j != 2)
                xs[i * 6 + k++] = m->covariates[i * TEST_ROSSI_COLS + j];
    crvm_cox_options o = CRVM_COX_OPTIONS_INIT;
    o.robust = 1;
    o.ties = CRVM_TIES_BRESLOW;
    o.confidence_level = 0.9;
    assert_status(crvm_cox_fit(xs, TEST_ROSSI_ROWS * 6, TEST_ROSSI_ROWS, 6, m->week,
                               TEST_ROSSI_ROWS, m->arrest, TEST_ROSSI_ROWS, w, TEST_ROSSI_ROWS,
                               m->strata, TEST_ROSSI_ROWS, &o, &m->cox_strata, NULL), CRVM_OK);
    return m;
}

static void free_models(models *m)
{
    crvm_retention_fit_free(m->sbg);
    crvm_retention_fit_free(m->bdw);
    crvm_txn_fit_free(m->bgnbd);
    crvm_txn_fit_free(m->bgbb);
    crvm_gamma_gamma_fit_free(m->gg);
    crvm_km_free(m->km);
    crvm_cox_free(m->cox);
    crvm_cox_free(m->cox_strata);
    free(m);
}

static models *M;

static int setup(void **state)
{
    (void)state;
    test_alloc_install();
    M = fit_models();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_models(M);
    return 0;
}

/* ---- the kinds, handled alike ---------------------------------------------- */

typedef enum kind { RETENTION, TXN, GG, KM, COX, N_KINDS } kind;

/* The model text of a kind's model (malloc'd): asks for the length, then
 * fills a buffer of exactly that size plus the NUL. */
static char *text_of(kind k, const void *model)
{
    size_t len = 0, len2 = 0;
    crvm_status st;
    switch (k) {
    case RETENTION: st = crvm_retention_fit_to_text(model, NULL, 0, &len); break;
    case TXN: st = crvm_txn_fit_to_text(model, NULL, 0, &len); break;
    case GG: st = crvm_gamma_gamma_fit_to_text(model, NULL, 0, &len); break;
    case KM: st = crvm_km_to_text(model, NULL, 0, &len); break;
    default: st = crvm_cox_to_text(model, NULL, 0, &len); break;
    }
    assert_int_equal(st, CRVM_OK);
    char *text = malloc(len + 1);
    assert_non_null(text);
    switch (k) {
    case RETENTION: st = crvm_retention_fit_to_text(model, text, len + 1, &len2); break;
    case TXN: st = crvm_txn_fit_to_text(model, text, len + 1, &len2); break;
    case GG: st = crvm_gamma_gamma_fit_to_text(model, text, len + 1, &len2); break;
    case KM: st = crvm_km_to_text(model, text, len + 1, &len2); break;
    default: st = crvm_cox_to_text(model, text, len + 1, &len2); break;
    }
    assert_int_equal(st, CRVM_OK);
    assert_int_equal(len2, len);
    assert_int_equal(strlen(text), len);
    return text;
}

/* Parse text as kind k; the model (or NULL) goes to *out. */
static crvm_status parse(kind k, const char *text, size_t len, void **out)
{
    switch (k) {
    case RETENTION: return crvm_retention_fit_from_text(text, len, (crvm_retention_fit **)out);
    case TXN: return crvm_txn_fit_from_text(text, len, (crvm_txn_fit **)out);
    case GG: return crvm_gamma_gamma_fit_from_text(text, len, (crvm_gamma_gamma_fit **)out);
    case KM: return crvm_km_from_text(text, len, (crvm_km **)out);
    default: return crvm_cox_from_text(text, len, (crvm_cox **)out);
    }
}

static crvm_status save(kind k, const void *model, const char *path)
{
    switch (k) {
    case RETENTION: return crvm_retention_fit_save(model, path);
    case TXN: return crvm_txn_fit_save(model, path);
    case GG: return crvm_gamma_gamma_fit_save(model, path);
    case KM: return crvm_km_save(model, path);
    default: return crvm_cox_save(model, path);
    }
}

static crvm_status load(kind k, const char *path, void **out)
{
    switch (k) {
    case RETENTION: return crvm_retention_fit_load(path, (crvm_retention_fit **)out);
    case TXN: return crvm_txn_fit_load(path, (crvm_txn_fit **)out);
    case GG: return crvm_gamma_gamma_fit_load(path, (crvm_gamma_gamma_fit **)out);
    case KM: return crvm_km_load(path, (crvm_km **)out);
    default: return crvm_cox_load(path, (crvm_cox **)out);
    }
}

static void free_model(kind k, void *model)
{
    switch (k) {
    case RETENTION: crvm_retention_fit_free(model); break;
    case TXN: crvm_txn_fit_free(model); break;
    case GG: crvm_gamma_gamma_fit_free(model); break;
    case KM: crvm_km_free(model); break;
    default: crvm_cox_free(model); break;
    }
}

/* Every model of the fixtures with its kind. */
typedef struct sample {
    kind k;
    const void *model;
    const char *name;
} sample;

static size_t samples(sample out[8])
{
    sample s[8] = {{RETENTION, M->sbg, "sBG"},   {RETENTION, M->bdw, "BdW"},
                   {TXN, M->bgnbd, "BG/NBD"},    {TXN, M->bgbb, "BG/BB"},
                   {GG, M->gg, "Gamma-Gamma"},   {KM, M->km, "Kaplan-Meier"},
                   {COX, M->cox, "Cox"},         {COX, M->cox_strata, "Cox stratified"}};
    memcpy(out, s, sizeof s);
    return 8;
}

/* ---- identical predictions ------------------------------------------------- */

/* Bitwise equality of two arrays of doubles (NaN equal to NaN). */
static void assert_same(const double *a, const double *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
            fail_msg("%s[%zu]: %.17g after the round trip, %.17g before", what, i, b[i], a[i]);
}

static void same_retention(const crvm_retention_fit *a, const crvm_retention_fit *b)
{
    crvm_retention_params pa, pb, sa, sb;
    crvm_fit_report ra, rb;
    crvm_retention_kind ka, kb;
    assert_status(crvm_retention_fit_params(a, &pa), CRVM_OK);
    assert_status(crvm_retention_fit_params(b, &pb), CRVM_OK);
    assert_status(crvm_retention_fit_standard_errors(a, &sa), CRVM_OK);
    assert_status(crvm_retention_fit_standard_errors(b, &sb), CRVM_OK);
    assert_status(crvm_retention_fit_report(a, &ra), CRVM_OK);
    assert_status(crvm_retention_fit_report(b, &rb), CRVM_OK);
    assert_status(crvm_retention_fit_kind(a, &ka), CRVM_OK);
    assert_status(crvm_retention_fit_kind(b, &kb), CRVM_OK);
    assert_int_equal(ka, kb);
    assert_same(&pa.alpha, &pb.alpha, 3, "params");
    assert_same(&sa.alpha, &sb.alpha, 3, "standard errors");
    assert_same(&ra.log_likelihood, &rb.log_likelihood, 5, "report");
    assert_int_equal(ra.iterations, rb.iterations);
    assert_int_equal(ra.converged, rb.converged);
    size_t k = (size_t)ra.n_parameters;
    double ca[9], cb[9];
    assert_status(crvm_retention_fit_covariance(a, ca, k * k), CRVM_OK);
    assert_status(crvm_retention_fit_covariance(b, cb, k * k), CRVM_OK);
    assert_same(ca, cb, k * k, "covariance");
    const double t[] = {0, 1, 2, 5, 12, 40};
    double oa[6], ob[6];
    assert_status(crvm_retention_survival(&pb, t, 6, ob, 6), CRVM_OK);
    assert_status(crvm_retention_survival(&pa, t, 6, oa, 6), CRVM_OK);
    assert_same(oa, ob, 6, "survival");
    assert_status(crvm_retention_derl(&pa, 0.1, t, 6, oa, 6), CRVM_OK);
    assert_status(crvm_retention_derl(&pb, 0.1, t, 6, ob, 6), CRVM_OK);
    assert_same(oa, ob, 6, "DERL");
}

static void same_txn(const crvm_txn_fit *a, const crvm_txn_fit *b)
{
    crvm_txn_params pa, pb;
    crvm_fit_report ra, rb;
    assert_status(crvm_txn_fit_params(a, &pa), CRVM_OK);
    assert_status(crvm_txn_fit_params(b, &pb), CRVM_OK);
    assert_int_equal(pa.model, pb.model);
    assert_same(pa.p, pb.p, 4, "params");
    assert_status(crvm_txn_fit_report(a, &ra), CRVM_OK);
    assert_status(crvm_txn_fit_report(b, &rb), CRVM_OK);
    assert_same(&ra.log_likelihood, &rb.log_likelihood, 5, "report");
    assert_int_equal(ra.iterations, rb.iterations);
    double ca[16], cb[16], sa[4], sb[4];
    crvm_status st = crvm_txn_fit_covariance(a, ca, 16);
    assert_int_equal(crvm_txn_fit_covariance(b, cb, 16), st);
    assert_int_equal(crvm_txn_fit_standard_errors(a, sa, 4), st);
    assert_int_equal(crvm_txn_fit_standard_errors(b, sb, 4), st);
    if (st == CRVM_OK) {
        assert_same(ca, cb, 16, "covariance");
        assert_same(sa, sb, 4, "standard errors");
    }
    double x[] = {0, 1, 2, 3}, tx[] = {0, 1, 2, 3}, T[] = {6, 6, 6, 6}, oa[4], ob[4];
    if (pa.model != CRVM_TXN_BGBB) {
        tx[1] = 1.5;
        tx[2] = 30.25;
        T[0] = T[1] = T[2] = T[3] = 38.5;
    }
    assert_status(crvm_txn_p_alive(&pa, x, 4, tx, 4, T, 4, oa, 4), CRVM_OK);
    assert_status(crvm_txn_p_alive(&pb, x, 4, tx, 4, T, 4, ob, 4), CRVM_OK);
    assert_same(oa, ob, 4, "P(alive)");
    assert_status(crvm_txn_expected_conditional(&pa, 10, x, 4, tx, 4, T, 4, oa, 4), CRVM_OK);
    assert_status(crvm_txn_expected_conditional(&pb, 10, x, 4, tx, 4, T, 4, ob, 4), CRVM_OK);
    assert_same(oa, ob, 4, "expected purchases");
}

static void same_gg(const crvm_gamma_gamma_fit *a, const crvm_gamma_gamma_fit *b)
{
    crvm_gamma_gamma_params pa, pb, sa, sb;
    crvm_fit_report ra, rb;
    double ca[9], cb[9], x[] = {1, 2, 7}, z[] = {10.5, 35, 250}, oa[3], ob[3];
    assert_status(crvm_gamma_gamma_fit_params(a, &pa), CRVM_OK);
    assert_status(crvm_gamma_gamma_fit_params(b, &pb), CRVM_OK);
    assert_same(&pa.p, &pb.p, 3, "params");
    assert_status(crvm_gamma_gamma_fit_standard_errors(a, &sa), CRVM_OK);
    assert_status(crvm_gamma_gamma_fit_standard_errors(b, &sb), CRVM_OK);
    assert_same(&sa.p, &sb.p, 3, "standard errors");
    assert_status(crvm_gamma_gamma_fit_covariance(a, ca, 9), CRVM_OK);
    assert_status(crvm_gamma_gamma_fit_covariance(b, cb, 9), CRVM_OK);
    assert_same(ca, cb, 9, "covariance");
    assert_status(crvm_gamma_gamma_fit_report(a, &ra), CRVM_OK);
    assert_status(crvm_gamma_gamma_fit_report(b, &rb), CRVM_OK);
    assert_same(&ra.log_likelihood, &rb.log_likelihood, 5, "report");
    assert_status(crvm_gamma_gamma_expected_spend(&pa, x, 3, z, 3, oa, 3), CRVM_OK);
    assert_status(crvm_gamma_gamma_expected_spend(&pb, x, 3, z, 3, ob, 3), CRVM_OK);
    assert_same(oa, ob, 3, "expected spend");
}

static void same_km(const crvm_km *a, const crvm_km *b)
{
    size_t n = crvm_km_size(a);
    assert_int_equal(crvm_km_size(b), n);
    double *ca = malloc(n * sizeof *ca), *cb = malloc(n * sizeof *cb);
    assert_non_null(ca);
    assert_non_null(cb);
    for (int c = 0; c < 8; c++) {
        assert_status(crvm_km_column(a, (crvm_km_column_id)c, ca, n), CRVM_OK);
        assert_status(crvm_km_column(b, (crvm_km_column_id)c, cb, n), CRVM_OK);
        assert_same(ca, cb, n, "Kaplan-Meier column");
    }
    free(ca);
    free(cb);
    const double t[] = {0, 3.5, 20, 52, 1e9};
    double oa[5], ob[5], qa, qb;
    assert_status(crvm_km_survival_at(a, t, 5, oa, 5), CRVM_OK);
    assert_status(crvm_km_survival_at(b, t, 5, ob, 5), CRVM_OK);
    assert_same(oa, ob, 5, "S(t)");
    assert_status(crvm_km_quantile(a, 0.2, &qa), CRVM_OK);
    assert_status(crvm_km_quantile(b, 0.2, &qb), CRVM_OK);
    assert_same(&qa, &qb, 1, "quantile");
}

static void same_cox(const crvm_cox *a, const crvm_cox *b)
{
    size_t p = crvm_cox_n_covariates(a);
    assert_int_equal(crvm_cox_n_covariates(b), p);
    double sa[8], sb[8];
    for (int s = 0; s <= CRVM_COX_MEAN; s++) {
        crvm_status st = crvm_cox_statistic(a, (crvm_cox_stat)s, sa, p);
        assert_int_equal(crvm_cox_statistic(b, (crvm_cox_stat)s, sb, p), st);
        if (st == CRVM_OK)
            assert_same(sa, sb, p, "Cox statistic");
    }
    double va[64], vb[64];
    for (int robust = 0; robust <= 1; robust++) {
        crvm_status st = crvm_cox_covariance(a, robust, va, p * p);
        assert_int_equal(crvm_cox_covariance(b, robust, vb, p * p), st);
        if (st == CRVM_OK)
            assert_same(va, vb, p * p, "Cox covariance");
    }
    crvm_cox_summary_stats ta, tb;
    assert_status(crvm_cox_summary(a, &ta), CRVM_OK);
    assert_status(crvm_cox_summary(b, &tb), CRVM_OK);
    assert_same(&ta.log_likelihood, &tb.log_likelihood, 7, "Cox summary");
    assert_int_equal(ta.n_strata, tb.n_strata);
    assert_int_equal(ta.iterations, tb.iterations);
    int32_t ga[4], gb[4];
    assert_status(crvm_cox_strata(a, ga, (size_t)ta.n_strata), CRVM_OK);
    assert_status(crvm_cox_strata(b, gb, (size_t)tb.n_strata), CRVM_OK);
    assert_memory_equal(ga, gb, (size_t)ta.n_strata * sizeof ga[0]);
    /* Survival of the first rows of the data at several horizons. */
    double x[3 * 8], t[] = {0, 5, 19.5, 52, 80}, oa[15], ob[15];
    for (size_t i = 0; i < 3 * p; i++)
        x[i] = M->covariates[i] + 0.25 * (double)(i % 3);
    const int32_t *strata = ta.n_strata > 1 ? ga : NULL;
    int32_t rows_strata[3] = {ga[0], ga[ta.n_strata - 1], ga[0]};
    assert_status(crvm_cox_predict_survival(a, x, 3 * p, 3, p, strata ? rows_strata : NULL,
                                            strata ? 3 : 0, t, 5, oa, 15), CRVM_OK);
    assert_status(crvm_cox_predict_survival(b, x, 3 * p, 3, p, strata ? rows_strata : NULL,
                                            strata ? 3 : 0, t, 5, ob, 15), CRVM_OK);
    assert_same(oa, ob, 15, "Cox survival");
}

static void assert_same_model(kind k, const void *a, const void *b)
{
    switch (k) {
    case RETENTION: same_retention(a, b); break;
    case TXN: same_txn(a, b); break;
    case GG: same_gg(a, b); break;
    case KM: same_km(a, b); break;
    default: same_cox(a, b); break;
    }
}

static void text_round_trip_gives_identical_models(void **state)
{
    (void)state;
    sample s[8];
    size_t n = samples(s);
    for (size_t i = 0; i < n; i++) {
        char *text = text_of(s[i].k, s[i].model);
        void *back = NULL;
        assert_status(parse(s[i].k, text, strlen(text), &back), CRVM_OK);
        assert_same_model(s[i].k, s[i].model, back);
        /* Writing the loaded model gives the same text: every number read
         * back is the double that was written. */
        char *again = text_of(s[i].k, back);
        assert_string_equal(again, text);
        free(again);
        free(text);
        free_model(s[i].k, back);
    }
}

static void file_round_trip_gives_identical_models(void **state)
{
    (void)state;
    sample s[8];
    size_t n = samples(s);
    char path[] = "test_model_io_file.crvm";
    for (size_t i = 0; i < n; i++) {
        void *back = NULL;
        assert_status(save(s[i].k, s[i].model, path), CRVM_OK);
        assert_status(save(s[i].k, s[i].model, path), CRVM_OK); /* replaces */
        assert_status(load(s[i].k, path, &back), CRVM_OK);
        assert_same_model(s[i].k, s[i].model, back);
        free_model(s[i].k, back);
    }
    remove(path);
}

/* ---- what the text says ------------------------------------------------------ */

static void text_is_readable_and_names_its_kind(void **state)
{
    (void)state;
    char *text = text_of(RETENTION, M->sbg);
    crvm_retention_params p;
    assert_status(crvm_retention_fit_params(M->sbg, &p), CRVM_OK);
    /* The header, the model and its parameters by name, shortest digits. */
    assert_non_null(strstr(text, "crvm-model 1\nkind retention\nmodel sBG\nalpha "));
    char line[64];
    snprintf(line, sizeof line, "\nc 1\n");
    assert_non_null(strstr(text, line));
    assert_non_null(strstr(text, "\ncovariance 2 2\n"));
    assert_non_null(strstr(text, "\nchecksum fnv1a64 "));
    double alpha = strtod(strstr(text, "\nalpha ") + 7, NULL);
    assert_true(alpha == p.alpha);
    free(text);

    const struct { kind k; const void *model; crvm_model_kind want; } cases[] = {
        {RETENTION, M->bdw, CRVM_MODEL_RETENTION}, {TXN, M->bgnbd, CRVM_MODEL_TRANSACTIONS},
        {GG, M->gg, CRVM_MODEL_GAMMA_GAMMA},       {KM, M->km, CRVM_MODEL_KAPLAN_MEIER},
        {COX, M->cox, CRVM_MODEL_COX}};
    for (size_t i = 0; i < 5; i++) {
        char *t = text_of(cases[i].k, cases[i].model);
        crvm_model_kind kind = 0;
        assert_status(crvm_model_kind_of_text(t, strlen(t), &kind), CRVM_OK);
        assert_int_equal(kind, cases[i].want);
        free(t);
    }
    text = text_of(TXN, M->bgnbd);
    assert_non_null(strstr(text, "\nmodel BG/NBD\nr "));
    assert_non_null(strstr(text, "\nb "));
    free(text);
    text = text_of(KM, M->km);
    assert_non_null(strstr(text, "\ntable "));
    assert_non_null(strstr(text, " 8 time survival variance ci_lower ci_upper at_risk events "
                                 "censored\n1 "));
    free(text);
    text = text_of(COX, M->cox_strata);
    assert_non_null(strstr(text, "\ncovariates 6\nties breslow\n"));
    assert_non_null(strstr(text, "\ncovariance_robust 6 6\n"));
    assert_non_null(strstr(text, "\nstrata 2 0 7\n"));
    free(text);
}

/* Comments, blank lines and CRLF line ends change nothing. */
static void comments_blank_lines_and_crlf_are_ignored(void **state)
{
    (void)state;
    char *text = text_of(GG, M->gg);
    size_t len = strlen(text);
    char *edited = malloc(3 * len + 64);
    assert_non_null(edited);
    size_t o = 0;
    o += (size_t)sprintf(edited, "# saved by a test\n\n");
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            memcpy(edited + o, "\r\n", 2);
            o += 2;
            if (i + 1 < len && text[i + 1] == 'p') {
                memcpy(edited + o, "# a note\n   \n", 13);
                o += 13;
            }
        } else {
            edited[o++] = text[i];
        }
    }
    void *back = NULL;
    assert_status(crvm_gamma_gamma_fit_from_text(edited, o, (crvm_gamma_gamma_fit **)&back),
                  CRVM_OK);
    same_gg(M->gg, back);
    crvm_gamma_gamma_fit_free(back);
    free(edited);
    free(text);
}

/* ---- refusals ------------------------------------------------------------------ */

/* FNV-1a 64 over the field lines of text up to (not including) its
 * checksum line, as docs/model-format.md defines it, and a text with that
 * line rewritten: an "edit" that the checksum does not catch, so that the
 * parser's own checks are what is tested. */
static char *with_fresh_checksum(const char *text)
{
    const char *cs = strstr(text, "checksum fnv1a64 ");
    assert_non_null(cs);
    uint64_t h = 14695981039346656037ull;
    for (const char *s = text; s < cs;) {
        const char *nl = strchr(s, '\n');
        const char *e = nl ? nl : cs;
        size_t n = (size_t)(e - s);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        int field = n > 0 && s[0] != '#';
        if (field) {
            for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= 1099511628211ull;
            }
            h ^= '\n';
            h *= 1099511628211ull;
        }
        s = nl ? nl + 1 : cs;
    }
    size_t head = (size_t)(cs - text);
    char *out = malloc(head + 64);
    assert_non_null(out);
    memcpy(out, text, head);
    sprintf(out + head, "checksum fnv1a64 %016" PRIx64 "\n", h);
    return out;
}

/* text with the first occurrence of `from` replaced by `to`. */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (at == NULL)
        fail_msg("'%s' not in the text", from);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    size_t head = (size_t)(at - text);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

/* Parsing fails with want and a message containing `says`. */
static void refused(kind k, const char *text, crvm_status want, const char *says)
{
    void *model = (void *)0x1;
    assert_status(parse(k, text, strlen(text), &model), want);
    assert_ptr_equal(model, (void *)0x1); /* untouched on failure */
    if (strstr(crvm_last_error(), says) == NULL)
        fail_msg("message '%s' does not say '%s'", crvm_last_error(), says);
}

/* text edited (from -> to) with its checksum rewritten is refused with
 * want and a message containing `says`: the parser's own checks. */
static void refused_edit(kind k, const char *text, const char *from, const char *to,
                         crvm_status want, const char *says)
{
    char *t = replaced(text, from, to), *u = with_fresh_checksum(t);
    refused(k, u, want, says);
    free(t);
    free(u);
}

static void damaged_texts_are_refused_with_the_reason(void **state)
{
    (void)state;
    char *text = text_of(RETENTION, M->sbg), *t, *u;
    const size_t len = strlen(text);

    /* Truncated anywhere: before the checksum line, within a line. */
    const size_t cuts[] = {0, 5, 20, len / 3, len / 2, len - 30, len - 18};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        void *model = NULL;
        assert_status(parse(RETENTION, text, cuts[i], &model), CRVM_EPARSE);
    }
    t = strstr(text, "checksum");
    *t = '\0';
    refused(RETENTION, text, CRVM_EPARSE, "cut short");
    *t = 'c';

    /* A number edited: the checksum says so. */
    t = replaced(text, "\nalpha ", "\nalpha 1");
    refused(RETENTION, t, CRVM_EPARSE, "checksum mismatch");
    free(t);

    /* Edited with the checksum rewritten: the parser's own checks. */
    refused_edit(RETENTION, text, "\nalpha ", "\nalpha -", CRVM_EDOMAIN, "alpha");
    refused_edit(RETENTION, text, "\nbeta ", "\nbeta x", CRVM_EPARSE, "line 6");
    refused_edit(RETENTION, text, "\nc 1\n", "\nc 2\n", CRVM_EDOMAIN, "c = 2");
    refused_edit(RETENTION, text, "\nn_parameters 2\n", "\nn_parameters 2\nextra 3\n",
                 CRVM_EPARSE, "expected the checksum line");
    refused_edit(RETENTION, text, "\ncovariance 2 2\n", "\ncovariance 2 3\n", CRVM_EPARSE,
                 "columns");

    /* A newer format version, another kind, not a model at all. */
    t = replaced(text, "crvm-model 1", "crvm-model 2");
    refused(RETENTION, t, CRVM_EPARSE, "newer than this library reads");
    crvm_model_kind kind;
    assert_status(crvm_model_kind_of_text(t, strlen(t), &kind), CRVM_EPARSE);
    free(t);
    refused(COX, text, CRVM_EPARSE, "holds a 'retention' model, not a 'cox' model");
    refused(KM, "kind kaplan-meier\n", CRVM_EPARSE, "not a crvm model");
    t = replaced(text, "kind retention", "kind sbg");
    assert_status(crvm_model_kind_of_text(t, strlen(t), &kind), CRVM_EPARSE);
    free(t);
    free(text);

    /* Survival models: a curve that rises, a baseline out of order. */
    text = text_of(KM, M->km);
    const char *row = strstr(text, " censored\n") + 10; /* the first row: week 1 */
    char first[256], worse[256];
    const char *row_end = strchr(row, '\n');
    snprintf(first, sizeof first, "%.*s", (int)(row_end - row + 1), row);
    double v[8];
    assert_int_equal(sscanf(first, "%lf %lf %lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3],
                            &v[4], &v[5], &v[6], &v[7]), 8);
    snprintf(worse, sizeof worse, "\n%.17g 0.5 %.17g 0.5 0.5 %.17g %.17g %.17g\n", v[0], v[2],
             v[5], v[6], v[7]);
    first[0] = '\n';
    snprintf(first + 1, sizeof first - 1, "%.*s", (int)(row_end - row + 1), row);
    t = replaced(text, first, worse);
    u = with_fresh_checksum(t);
    refused(KM, u, CRVM_EDOMAIN, "survival[1]");
    free(t);
    free(u);
    free(text);
    text = text_of(COX, M->cox_strata);
    refused_edit(COX, text, "\nstrata 2 0 7\n", "\nstrata 2 7 0\n", CRVM_EPARSE,
                 "baseline row 1");
    refused_edit(COX, text, "\nz_critical ", "\nz_critical -", CRVM_EDOMAIN, "z_critical");
    free(text);

    /* A transaction fit without covariance loads as one (0 rows). */
    text = text_of(TXN, M->bgnbd);
    char *head = strstr(text, "\ncovariance 4 4\n");
    assert_non_null(head);
    char *rows_end = strstr(head, "\nlog_likelihood ");
    assert_non_null(rows_end);
    *head = '\0';
    size_t n = strlen(text) + strlen(rows_end) + 32;
    t = malloc(n);
    assert_non_null(t);
    snprintf(t, n, "%s\ncovariance 0 4%s", text, rows_end);
    u = with_fresh_checksum(t);
    crvm_txn_fit *fit = NULL;
    double cov[16];
    assert_status(crvm_txn_fit_from_text(u, strlen(u), &fit), CRVM_OK);
    assert_status(crvm_txn_fit_covariance(fit, cov, 16), CRVM_EDOMAIN);
    crvm_txn_fit_free(fit);
    free(t);
    free(u);
    free(text);
}

static void bad_arguments_and_files(void **state)
{
    (void)state;
    char small[16];
    size_t len = 0;
    assert_status(crvm_retention_fit_to_text(M->sbg, small, sizeof small, &len), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "needs"));
    assert_int_equal(len, 0);
    assert_status(crvm_retention_fit_to_text(NULL, NULL, 0, &len), CRVM_EINVAL);
    assert_status(crvm_retention_fit_to_text(M->sbg, NULL, 0, NULL), CRVM_EINVAL);
    assert_status(crvm_txn_fit_to_text(M->bgnbd, NULL, 5, &len), CRVM_EINVAL);
    assert_status(crvm_gamma_gamma_fit_to_text(M->gg, small, sizeof small, &len), CRVM_EINVAL);
    assert_status(crvm_km_to_text(M->km, small, sizeof small, &len), CRVM_EINVAL);
    assert_status(crvm_cox_to_text(M->cox, small, sizeof small, &len), CRVM_EINVAL);
    assert_status(crvm_model_kind_of_text(NULL, 0, NULL), CRVM_EINVAL);
    for (kind k = 0; k < N_KINDS; k++) {
        void *model = NULL;
        assert_status(parse(k, NULL, 0, &model), CRVM_EINVAL);
        assert_status(parse(k, "x", 1, NULL), CRVM_EINVAL);
        assert_status(save(k, NULL, "x"), CRVM_EINVAL);
        assert_status(load(k, NULL, &model), CRVM_EINVAL);
        assert_status(load(k, "x", NULL), CRVM_EINVAL);
        assert_status(load(k, "/nonexistent-dir/model.crvm", &model), CRVM_EIO);
        assert_non_null(strstr(crvm_last_error(), "/nonexistent-dir/model.crvm"));
    }
    sample s[8];
    size_t n = samples(s);
    for (size_t i = 0; i < n; i++) {
        assert_status(save(s[i].k, s[i].model, NULL), CRVM_EINVAL);
        assert_status(save(s[i].k, s[i].model, "/nonexistent-dir/model.crvm"), CRVM_EIO);
    }
    /* A file of another kind, and a damaged file: the message names the file. */
    const char *path = "test_model_io_wrong.crvm";
    assert_status(crvm_km_save(M->km, path), CRVM_OK);
    for (kind k = 0; k < N_KINDS; k++) {
        void *model = NULL;
        if (k == KM)
            continue;
        assert_status(load(k, path, &model), CRVM_EPARSE);
        assert_non_null(strstr(crvm_last_error(), path));
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char *text = text_of(COX, M->cox);
    char *t = replaced(text, "\nconcordance ", "\nconcordance -");
    char *u = with_fresh_checksum(t);
    fputs(u, f);
    fclose(f);
    crvm_cox *cox = NULL;
    assert_status(crvm_cox_load(path, &cox), CRVM_EDOMAIN);
    assert_null(cox);
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text) / 2, f);
    fclose(f);
    assert_status(crvm_cox_load(path, &cox), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), path));
    free(text);
    free(t);
    free(u);
    /* Every kind reports each damage as its own. */
    for (kind k = 0; k < N_KINDS; k++) {
        void *model = NULL;
        assert_status(load(k, path, &model), CRVM_EPARSE);
    }
    remove(path);
}

/* Damage found by each kind's reader: a value no fit makes (EDOMAIN) and a
 * malformed line (EPARSE), in the text and through a file. */
static void every_kind_refuses_bad_values(void **state)
{
    (void)state;
    const struct { kind k; const void *model; const char *from, *to, *says; } cases[] = {
        {RETENTION, M->bdw, "\nbeta ", "\nbeta -", "beta"},
        {TXN, M->bgnbd, "\nalpha ", "\nalpha -", "alpha"},
        {GG, M->gg, "\nq ", "\nq -", "q"},
        {KM, M->km, "\nconfidence_level ", "\nconfidence_level 1", "confidence_level"},
        {COX, M->cox, "\nn_events ", "\nn_events -", "n_events"},
    };
    const char *path = "test_model_io_values.crvm";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = text_of(cases[i].k, cases[i].model);
        char *t = replaced(text, cases[i].from, cases[i].to);
        char *u = with_fresh_checksum(t);
        refused(cases[i].k, u, CRVM_EDOMAIN, cases[i].says);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(u, f);
        fclose(f);
        void *model = NULL;
        assert_status(load(cases[i].k, path, &model), CRVM_EDOMAIN);
        free(u);
        free(t);
        refused_edit(cases[i].k, text, cases[i].from, "\nunknown_field ", CRVM_EPARSE,
                     "unknown_field");
        free(text);
    }
    remove(path);
}

/* ---- allocation failure ----------------------------------------------------- */

typedef struct io_ctx {
    kind k;
    const void *model;
} io_ctx;

/* One complete use: length, text, parse, save, load. */
static crvm_status io_scenario(void *ctx_)
{
    const io_ctx *ctx = ctx_;
    size_t len = 0;
    crvm_status st;
    char *text = NULL;
    void *a = NULL, *b = NULL;
    switch (ctx->k) {
    case RETENTION: st = crvm_retention_fit_to_text(ctx->model, NULL, 0, &len); break;
    case TXN: st = crvm_txn_fit_to_text(ctx->model, NULL, 0, &len); break;
    case GG: st = crvm_gamma_gamma_fit_to_text(ctx->model, NULL, 0, &len); break;
    case KM: st = crvm_km_to_text(ctx->model, NULL, 0, &len); break;
    default: st = crvm_cox_to_text(ctx->model, NULL, 0, &len); break;
    }
    if (st == CRVM_OK) {
        text = malloc(len + 1);
        assert_non_null(text);
        switch (ctx->k) {
        case RETENTION: st = crvm_retention_fit_to_text(ctx->model, text, len + 1, &len); break;
        case TXN: st = crvm_txn_fit_to_text(ctx->model, text, len + 1, &len); break;
        case GG: st = crvm_gamma_gamma_fit_to_text(ctx->model, text, len + 1, &len); break;
        case KM: st = crvm_km_to_text(ctx->model, text, len + 1, &len); break;
        default: st = crvm_cox_to_text(ctx->model, text, len + 1, &len); break;
        }
    }
    if (st == CRVM_OK)
        st = parse(ctx->k, text, len, &a);
    if (st == CRVM_OK)
        st = save(ctx->k, ctx->model, "test_model_io_alloc.crvm");
    if (st == CRVM_OK)
        st = load(ctx->k, "test_model_io_alloc.crvm", &b);
    free(text);
    if (a)
        free_model(ctx->k, a);
    if (b)
        free_model(ctx->k, b);
    return st;
}

static void every_kind_survives_every_allocation_failure(void **state)
{
    (void)state;
    sample s[8];
    size_t n = samples(s);
    for (size_t i = 0; i < n; i++) {
        io_ctx ctx = {s[i].k, s[i].model};
        assert_true(test_every_allocation_failure(io_scenario, &ctx) >= 4);
    }
    remove("test_model_io_alloc.crvm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_round_trip_gives_identical_models),
        cmocka_unit_test(file_round_trip_gives_identical_models),
        cmocka_unit_test(text_is_readable_and_names_its_kind),
        cmocka_unit_test(comments_blank_lines_and_crlf_are_ignored),
        cmocka_unit_test(damaged_texts_are_refused_with_the_reason),
        cmocka_unit_test(bad_arguments_and_files),
        cmocka_unit_test(every_kind_refuses_bad_values),
        cmocka_unit_test(every_kind_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests_name("model_io", tests, setup, teardown);
}
