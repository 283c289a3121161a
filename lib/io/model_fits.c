/* The parametric fits as saved text: retention (sBG, BdW), transaction
 * models and Gamma-Gamma. Each writes its parameters by name, the
 * covariance matrix and the fit report; the standard errors are the square
 * roots of the covariance diagonal and are not written twice (except the
 * retention fit's, which the fit keeps separately). */
#include <limits.h>
#include <math.h>

#include "core/error.h"
#include "io/model_kinds.h"
#include "retention/retention_model.h"
#include "spend/gamma_gamma_model.h"
#include "transactions/txn_model.h"

void crvm__mt_write_report(crvm__mt_writer *w, const crvm_fit_report *rep)
{
    crvm__mt_double(w, "log_likelihood", rep->log_likelihood);
    crvm__mt_double(w, "aic", rep->aic);
    crvm__mt_double(w, "bic", rep->bic);
    crvm__mt_double(w, "gradient_norm", rep->gradient_norm);
    crvm__mt_double(w, "n_observations", rep->n_observations);
    crvm__mt_long(w, "iterations", rep->iterations);
    crvm__mt_long(w, "converged", rep->converged);
    crvm__mt_long(w, "n_parameters", rep->n_parameters);
}

crvm_status crvm__mt_read_report(crvm__mt_reader *r, crvm_fit_report *rep)
{
    long it = 0, conv = 0, k = 0;
    crvm_status st;
    if ((st = crvm__mt_read_double(r, "log_likelihood", &rep->log_likelihood)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "aic", &rep->aic)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "bic", &rep->bic)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "gradient_norm", &rep->gradient_norm)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "n_observations", &rep->n_observations)) != CRVM_OK ||
        (st = crvm__mt_read_long(r, "iterations", 0, INT_MAX, &it)) != CRVM_OK ||
        (st = crvm__mt_read_long(r, "converged", 0, 1, &conv)) != CRVM_OK ||
        (st = crvm__mt_read_long(r, "n_parameters", 0, INT_MAX, &k)) != CRVM_OK)
        return st;
    rep->iterations = (int)it;
    rep->converged = (int)conv;
    rep->n_parameters = (int)k;
    return CRVM_OK;
}

/* ---- retention --------------------------------------------------------------- */

static const char *const retention_models[] = {"sBG", "BdW"};

static void retention_write(const void *model, crvm__mt_writer *w)
{
    const crvm_retention_fit *fit = model;
    const size_t k = fit->kind == CRVM_RETENTION_SBG ? 2 : 3;
    crvm__mt_word(w, "model", retention_models[fit->kind == CRVM_RETENTION_SBG ? 0 : 1]);
    crvm__mt_double(w, "alpha", fit->params.alpha);
    crvm__mt_double(w, "beta", fit->params.beta);
    crvm__mt_double(w, "c", fit->params.c);
    const double se[3] = {fit->se.alpha, fit->se.beta, fit->se.c};
    crvm__mt_vector(w, "standard_errors", se, 3);
    crvm__mt_matrix(w, "covariance", k, k, NULL);
    for (size_t i = 0; i < k; i++)
        crvm__mt_row(w, fit->cov + i * k, k);
    crvm__mt_write_report(w, &fit->report);
}

static crvm_status retention_read(crvm__mt_reader *r, void **out)
{
    int which = 0;
    crvm_retention_params p, se;
    double s[3], cov[9];
    crvm_fit_report rep;
    crvm_status st = crvm__mt_read_choice(r, "model", retention_models, 2, &which);
    const size_t k = which == 0 ? 2 : 3;
    if (st != CRVM_OK || (st = crvm__mt_read_double(r, "alpha", &p.alpha)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "beta", &p.beta)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "c", &p.c)) != CRVM_OK ||
        (st = crvm__mt_read_vector(r, "standard_errors", 3, s)) != CRVM_OK ||
        (st = crvm__mt_read_matrix(r, "covariance", k, k, NULL, cov)) != CRVM_OK ||
        (st = crvm__mt_read_report(r, &rep)) != CRVM_OK)
        return st;
    se.alpha = s[0];
    se.beta = s[1];
    se.c = s[2];
    return crvm__retention_fit_restore(which == 0 ? CRVM_RETENTION_SBG : CRVM_RETENTION_BDW, &p,
                                       &se, cov, k * k, &rep, (crvm_retention_fit **)out);
}

static void retention_free(void *model) { crvm_retention_fit_free(model); }

const crvm__model_kind_io crvm__model_retention = {
    CRVM_MODEL_RETENTION, "retention", "retention model fit",
    retention_write, retention_read, retention_free};

/* ---- transactions ------------------------------------------------------------ */

static const char *const txn_models[CRVM_TXN_MODEL_COUNT] = {"BG/NBD", "MBG/NBD", "Pareto/NBD",
                                                             "BG/BB"};

static void txn_write(const void *model, crvm__mt_writer *w)
{
    const crvm_txn_fit *fit = model;
    crvm__mt_word(w, "model", txn_models[fit->params.model]);
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
        crvm__mt_double(w, crvm_txn_param_name(fit->params.model, k), fit->params.p[k]);
    /* A fit without a positive-definite Hessian has no covariance: 0 rows. */
    const size_t rows = fit->cov_ok ? CRVM_TXN_N_PARAMS : 0;
    crvm__mt_matrix(w, "covariance", rows, CRVM_TXN_N_PARAMS, NULL);
    for (size_t i = 0; i < rows; i++)
        crvm__mt_row(w, fit->cov + i * CRVM_TXN_N_PARAMS, CRVM_TXN_N_PARAMS);
    crvm__mt_write_report(w, &fit->report);
}

static crvm_status txn_read(crvm__mt_reader *r, void **out)
{
    int which = 0;
    double cov[CRVM_TXN_N_PARAMS * CRVM_TXN_N_PARAMS];
    size_t rows = 0;
    crvm_fit_report rep;
    crvm_txn_params p;
    crvm_status st = crvm__mt_read_choice(r, "model", txn_models, CRVM_TXN_MODEL_COUNT, &which);
    if (st != CRVM_OK)
        return st;
    p.model = (crvm_txn_model)which;
    for (int k = 0; k < CRVM_TXN_N_PARAMS; k++)
        if ((st = crvm__mt_read_double(r, crvm_txn_param_name(p.model, k), &p.p[k])) != CRVM_OK)
            return st;
    if ((st = crvm__mt_read_matrix_head(r, "covariance", CRVM_TXN_N_PARAMS, CRVM_TXN_N_PARAMS,
                                        NULL, &rows)) != CRVM_OK)
        return st;
    if (rows != 0 && rows != CRVM_TXN_N_PARAMS)
        return crvm__fail(CRVM_EPARSE, "%s: line %zu: the covariance has %d rows, or 0 when the "
                                       "fit had none", r->source, r->line, CRVM_TXN_N_PARAMS);
    if ((st = crvm__mt_read_rows(r, rows, CRVM_TXN_N_PARAMS, cov)) != CRVM_OK ||
        (st = crvm__mt_read_report(r, &rep)) != CRVM_OK)
        return st;
    return crvm__txn_fit_restore(&p, rows ? cov : NULL, &rep, (crvm_txn_fit **)out);
}

static void txn_free(void *model) { crvm_txn_fit_free(model); }

const crvm__model_kind_io crvm__model_transactions = {
    CRVM_MODEL_TRANSACTIONS, "transactions", "transaction model fit",
    txn_write, txn_read, txn_free};

/* ---- Gamma-Gamma ------------------------------------------------------------- */

static void gamma_gamma_write(const void *model, crvm__mt_writer *w)
{
    const crvm_gamma_gamma_fit *fit = model;
    crvm__mt_double(w, "p", fit->params.p);
    crvm__mt_double(w, "q", fit->params.q);
    crvm__mt_double(w, "v", fit->params.v);
    crvm__mt_matrix(w, "covariance", 3, 3, NULL);
    for (size_t i = 0; i < 3; i++)
        crvm__mt_row(w, fit->covariance + 3 * i, 3);
    crvm__mt_write_report(w, &fit->report);
}

static crvm_status gamma_gamma_read(crvm__mt_reader *r, void **out)
{
    crvm_gamma_gamma_params p;
    double cov[9];
    crvm_fit_report rep;
    crvm_status st;
    if ((st = crvm__mt_read_double(r, "p", &p.p)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "q", &p.q)) != CRVM_OK ||
        (st = crvm__mt_read_double(r, "v", &p.v)) != CRVM_OK ||
        (st = crvm__mt_read_matrix(r, "covariance", 3, 3, NULL, cov)) != CRVM_OK ||
        (st = crvm__mt_read_report(r, &rep)) != CRVM_OK)
        return st;
    return crvm__gamma_gamma_fit_restore(&p, cov, &rep, (crvm_gamma_gamma_fit **)out);
}

static void gamma_gamma_free(void *model) { crvm_gamma_gamma_fit_free(model); }

const crvm__model_kind_io crvm__model_gamma_gamma = {
    CRVM_MODEL_GAMMA_GAMMA, "gamma-gamma", "Gamma-Gamma spend model fit",
    gamma_gamma_write, gamma_gamma_read, gamma_gamma_free};
