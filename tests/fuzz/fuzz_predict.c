/* libFuzzer target for the prediction functions over extreme parameters:
 * the first byte picks a function, the next bytes its parameters (log-uniform
 * over 1e-300..1e300, with 0, 1/2, 1, 2, 1e-8, 1e8, DBL_MAX, ... reachable)
 * and up to four rows of data. Every call must return in bounded time (run
 * with libFuzzer's -timeout: item 5 of issue 10), with a documented status,
 * and a successful one with values inside their known bounds (probabilities
 * in [0, 1], expectations finite and >= 0, DERL <= (1 + d) / d, ...):
 * a value outside them is a plausible wrong number, which is a bug. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crvm/crvm.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { ROWS = 4 };

static void require(int ok)
{
    if (!ok)
        abort();
}

/* out[0..n) within [lo, hi] (NaN fails), else say which and abort. */
static void within(const double *out, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        if (!(out[i] >= lo && out[i] <= hi)) {
            fprintf(stderr, "fuzz_predict: row %zu = %.17g outside [%g, %g]\n", i, out[i], lo, hi);
            abort();
        }
}

static void retention(fuzz_input *in, unsigned which)
{
    crvm_retention_params p = {fuzz_positive(in), fuzz_positive(in), fuzz_u8(in) & 1 ? 1.0 : fuzz_positive(in)};
    double t[ROWS], out[ROWS];
    for (size_t i = 0; i < ROWS; i++)
        t[i] = fuzz_count(in) + (which == 0 || which == 3 ? 0 : 1);
    crvm_status st;
    switch (which) {
    case 0: st = crvm_retention_survival(&p, t, ROWS, out, ROWS); break;
    case 1: st = crvm_retention_rate(&p, t, ROWS, out, ROWS); break;
    case 2: st = crvm_retention_churn_probability(&p, t, ROWS, out, ROWS); break;
    case 3: {
        double d = fuzz_u8(in) & 1 ? 0.0 : fuzz_positive(in);
        st = crvm_retention_derl(&p, d, t, ROWS, out, ROWS);
        if (st == CRVM_OK)
            within(out, ROWS, 0, d > 0 ? (1 + d) / d * (1 + 1e-12) : INFINITY);
        require(st == CRVM_OK || st == CRVM_EDOMAIN || st == CRVM_EINVAL);
        return;
    }
    default:
        st = crvm_retention_expected_lifetime(&p, out);
        require(st == CRVM_OK || st == CRVM_EDOMAIN);
        if (st == CRVM_OK)
            require(out[0] >= 1 && (isinf(out[0]) == !(p.alpha * p.c > 1)));
        return;
    }
    require(st == CRVM_OK || st == CRVM_EDOMAIN);
    if (st == CRVM_OK)
        within(out, ROWS, 0, 1);
}

/* Customer summaries that satisfy each model's data rules (crvm/transactions.h). */
static void summaries(fuzz_input *in, crvm_txn_model model, double *x, double *tx, double *T)
{
    for (size_t i = 0; i < ROWS; i++) {
        x[i] = fuzz_count(in);
        T[i] = model == CRVM_TXN_BGBB ? x[i] + fuzz_count(in) : fuzz_positive(in);
        tx[i] = x[i] == 0 ? 0 : model == CRVM_TXN_BGBB ? fmin(T[i], x[i] + fuzz_count(in))
                                                       : T[i] * (fuzz_u8(in) / 255.0);
    }
}

static void transactions(fuzz_input *in, unsigned which)
{
    crvm_txn_model model = (crvm_txn_model)(fuzz_u8(in) % CRVM_TXN_MODEL_COUNT);
    crvm_txn_params p = crvm_txn_params_make(model, fuzz_positive(in), fuzz_positive(in),
                                             fuzz_positive(in), fuzz_positive(in));
    double x[ROWS], tx[ROWS], T[ROWS], out[ROWS], t[ROWS];
    summaries(in, model, x, tx, T);
    for (size_t i = 0; i < ROWS; i++)
        t[i] = model == CRVM_TXN_BGBB ? fuzz_count(in) : fuzz_positive(in);
    crvm_status st;
    /* Probabilities: 1 plus the rounding of a quadrature or series (the
     * Pareto/NBD P(X(t) = n) reaches 1 + 1.4e-14). */
    double lo = 0, hi = DBL_MAX, probability = 1 + 1e-12;
    switch (which) {
    case 0:
        st = crvm_txn_p_alive(&p, x, ROWS, tx, ROWS, T, ROWS, out, ROWS);
        hi = probability;
        break;
    case 1:
        st = crvm_txn_expected_conditional(&p, t[0], x, ROWS, tx, ROWS, T, ROWS, out, ROWS);
        break;
    case 2:
        st = crvm_txn_expected_unconditional(&p, t, ROWS, out, ROWS);
        break;
    case 3:
        st = crvm_txn_probability_of_n(&p, t, ROWS, x, ROWS, out, ROWS);
        hi = probability;
        break;
    default:
        st = crvm_txn_dert(&p, fuzz_positive(in), x, ROWS, tx, ROWS, T, ROWS, out, ROWS);
        break;
    }
    require(st == CRVM_OK || st == CRVM_EDOMAIN || st == CRVM_EINVAL || st == CRVM_ECONVERGE);
    if (st == CRVM_OK)
        within(out, ROWS, lo, hi);
    if (which <= 1) {
        /* the variant into an array the library allocates, which checks the
         * rows as it computes them: the same status, the same bits */
        double *v = NULL;
        crvm_status st_new =
            which == 0 ? crvm_txn_p_alive_new(&p, x, ROWS, tx, ROWS, T, ROWS, &v)
                       : crvm_txn_expected_conditional_new(&p, t[0], x, ROWS, tx, ROWS, T, ROWS, &v);
        require(st_new == st);
        require(st != CRVM_OK || memcmp(v, out, sizeof out) == 0);
        crvm_txn_values_free(v);
    }
}

static void spend(fuzz_input *in, unsigned which)
{
    crvm_gamma_gamma_params g = {fuzz_positive(in), fuzz_positive(in), fuzz_positive(in)};
    double x[ROWS], m[ROWS], out[ROWS];
    for (size_t i = 0; i < ROWS; i++) {
        x[i] = fuzz_count(in) + (which == 0);
        m[i] = fuzz_positive(in);
    }
    crvm_status st;
    if (which == 0)
        st = crvm_gamma_gamma_log_likelihood(&g, x, ROWS, m, ROWS, out, ROWS);
    else
        st = crvm_gamma_gamma_expected_spend(&g, x, ROWS, m, ROWS, out, ROWS);
    require(st == CRVM_OK || st == CRVM_EDOMAIN || st == CRVM_EINVAL);
    /* A log-likelihood is finite; an expected spend of positive amounts is
     * finite and >= 0 (it may underflow). */
    if (st == CRVM_OK)
        within(out, ROWS, which == 0 ? -DBL_MAX : 0, DBL_MAX);
}

static void kaplan_meier(fuzz_input *in)
{
    double durations[ROWS], t[ROWS], out[ROWS];
    int32_t events[ROWS];
    for (size_t i = 0; i < ROWS; i++) {
        durations[i] = fuzz_positive(in);
        events[i] = (int32_t)(fuzz_u8(in) & 1);
        t[i] = fuzz_positive(in);
    }
    crvm_km *km = NULL;
    crvm_status st = crvm_km_fit(durations, ROWS, events, ROWS, NULL, 0, NULL, 0, NULL, &km);
    require(st == CRVM_OK || st == CRVM_EDOMAIN || st == CRVM_EINVAL);
    if (st != CRVM_OK)
        return;
    require(crvm_km_survival_at(km, t, ROWS, out, ROWS) == CRVM_OK);
    within(out, ROWS, 0, 1);
    double q;
    st = crvm_km_quantile(km, fuzz_u8(in) / 255.0, &q);
    require(st == CRVM_OK || st == CRVM_EDOMAIN || st == CRVM_EINVAL);
    crvm_km_free(km);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size, 0};
    unsigned pick = fuzz_u8(&in) % 13;
    if (pick < 5)
        retention(&in, pick);
    else if (pick < 10)
        transactions(&in, pick - 5);
    else if (pick < 12)
        spend(&in, pick - 10);
    else
        kaplan_meier(&in);
    return 0;
}
