#define _POSIX_C_SOURCE 200809L
#include "value_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vs_under_valgrind(void) { return test_under_valgrind(); }

size_t vs_step(size_t step, size_t valgrind_factor)
{
    return vs_under_valgrind() ? step * valgrind_factor : step;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    assert_non_null(p);
    return p;
}

/* The rows of each customer, in row order (a counting sort). */
static void index_by_customer(const int32_t *customer, size_t rows, size_t n, size_t *first, size_t *index)
{
    size_t *next = calloc(n + 1, sizeof *next);
    for (size_t r = 0; r < rows; r++)
        first[customer[r] + 1]++;
    for (size_t i = 0; i < n; i++)
        first[i + 1] += first[i];
    memcpy(next, first, n * sizeof *next);
    for (size_t r = 0; r < rows; r++)
        index[next[customer[r]]++] = r;
    free(next);
}

vs_business vs_simulated(const crvm_sim_options *o)
{
    vs_business b;
    memset(&b, 0, sizeof b);
    assert_int_equal(crvm_simulate(o, &b.sim), CRVM_OK);
    char dir[] = "/tmp/crvm_value_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(crvm_sim_write_csv(b.sim, dir), CRVM_OK);
    assert_int_equal(crvm_ledger_new(&b.ledger), CRVM_OK);
    assert_int_equal(crvm_load_directory(b.ledger, dir, NULL, NULL), CRVM_OK);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);

    crvm_sim_summary s;
    assert_int_equal(crvm_sim_data_summary(b.sim, &s), CRVM_OK);
    b.n = s.customers;
    b.nk = s.contacts;
    b.start = xcalloc(b.n, sizeof *b.start);
    b.end = xcalloc(b.n, sizeof *b.end);
    b.segment = xcalloc(b.n, sizeof *b.segment);
    assert_int_equal(crvm_ledger_customers(b.ledger, b.segment, b.n, b.start, b.n, b.end, b.n), CRVM_OK);
    b.k_customer = xcalloc(b.nk, sizeof(int32_t));
    b.k_outcome = xcalloc(b.nk, sizeof(int32_t));
    b.k_escalated = xcalloc(b.nk, sizeof(int32_t));
    b.k_channel = xcalloc(b.nk, sizeof(int32_t));
    b.k_tier = xcalloc(b.nk, sizeof(int32_t));
    b.k_opened = xcalloc(b.nk, sizeof(crvm_date));
    assert_int_equal(crvm_sim_data_contacts(b.sim, b.k_customer, b.nk, b.k_opened, b.nk, NULL, 0, b.k_channel,
                                            b.nk, NULL, 0, b.k_tier, b.nk, b.k_escalated, b.nk,
                                            b.k_outcome, b.nk, NULL, 0),
                     CRVM_OK);
    size_t nu = s.knowledge_uses;
    int32_t *kind = xcalloc(nu, sizeof *kind), *customer = xcalloc(nu, sizeof *customer);
    crvm_date *date = xcalloc(nu, sizeof *date);
    assert_int_equal(crvm_sim_data_knowledge_uses(b.sim, NULL, 0, date, nu, kind, nu, NULL, 0, NULL, 0,
                                                  customer, nu),
                     CRVM_OK);
    b.v_customer = xcalloc(nu, sizeof *b.v_customer);
    b.v_date = xcalloc(nu, sizeof *b.v_date);
    for (size_t u = 0; u < nu; u++)
        if (kind[u] == CRVM_USE_SELF_SERVICE && customer[u] >= 0) {
            b.v_customer[b.nv] = customer[u];
            b.v_date[b.nv++] = date[u];
        }
    free(kind);
    free(customer);
    free(date);
    vs_index(&b);
    return b;
}

void vs_index(vs_business *b)
{
    b->k_first = calloc(b->n + 1, sizeof *b->k_first);
    b->v_first = calloc(b->n + 1, sizeof *b->v_first);
    b->k_index = calloc(b->nk + 1, sizeof *b->k_index);
    b->v_index = calloc(b->nv + 1, sizeof *b->v_index);
    index_by_customer(b->k_customer, b->nk, b->n, b->k_first, b->k_index);
    index_by_customer(b->v_customer, b->nv, b->n, b->v_first, b->v_index);
}

void vs_free(vs_business *b)
{
    crvm_ledger_free(b->ledger);
    crvm_sim_data_free(b->sim);
    free(b->start);
    free(b->end);
    free(b->segment);
    free(b->k_customer);
    free(b->k_outcome);
    free(b->k_escalated);
    free(b->k_channel);
    free(b->k_tier);
    free(b->k_opened);
    free(b->v_customer);
    free(b->v_date);
    free(b->k_first);
    free(b->k_index);
    free(b->v_first);
    free(b->v_index);
    memset(b, 0, sizeof *b);
}

static crvm_date add_periods(crvm_date d, crvm_period p, int n)
{
    crvm_date out;
    assert_int_equal(crvm_date_add_periods(d, p, n, &out), CRVM_OK);
    return out;
}

static int whole_periods(crvm_date a, crvm_date b, crvm_period p)
{
    int out;
    assert_int_equal(crvm_date_whole_periods(a, b, p, &out), CRVM_OK);
    return out;
}

/* Touches of customer i dated in [from, until]: their number and the latest (or `none`). */
static int touches_between(const vs_business *b, size_t i, crvm_date from, crvm_date until,
                           crvm_date none, crvm_date *latest)
{
    int count = 0;
    *latest = none;
    for (size_t a = b->k_first[i]; a < b->k_first[i + 1]; a++) {
        crvm_date d = b->k_opened[b->k_index[a]];
        if (d >= from && d <= until) {
            count++;
            if (*latest == none || d > *latest)
                *latest = d;
        }
    }
    for (size_t a = b->v_first[i]; a < b->v_first[i + 1]; a++) {
        crvm_date d = b->v_date[b->v_index[a]];
        if (d >= from && d <= until) {
            count++;
            if (*latest == none || d > *latest)
                *latest = d;
        }
    }
    return count;
}

static int bin_of(int periods) { return periods >= 6 ? 2 : periods >= 3 ? 1 : 0; }

void vs_period_covariates(const vs_business *b, size_t i, int s, crvm_date as_of, crvm_period per,
                          double z[7], int *touches, int *quiet)
{
    crvm_date begin = add_periods(b->start[i], per, s - 1), renewal = add_periods(b->start[i], per, s);
    crvm_date upto = renewal - 1 < as_of ? renewal - 1 : as_of, last_in, last_before;
    int in_period = touches_between(b, i, begin, upto, CRVM_DATE_NONE, &last_in);
    touches_between(b, i, b->start[i], begin - 1, b->start[i], &last_before);
    *quiet = bin_of(whole_periods(last_before, renewal, per));
    *touches = in_period;
    int silence = bin_of(whole_periods(in_period ? last_in : last_before, renewal, per));
    memset(z, 0, 7 * sizeof *z);
    for (size_t a = b->k_first[i]; a < b->k_first[i + 1]; a++) {
        size_t k = b->k_index[a];
        if (b->k_opened[k] >= begin && b->k_opened[k] <= upto) {
            z[0] += 1;
            if (b->k_outcome[k] != CRVM_OUTCOME_RESOLVED)
                z[b->k_outcome[k]] += 1;
            z[4] += b->k_escalated[k];
        }
    }
    z[5] = silence == 1;
    z[6] = silence == 2;
}

int vs_silence(const vs_business *b, size_t i, crvm_date as_of, crvm_period per)
{
    crvm_date last;
    touches_between(b, i, b->start[i], as_of, b->start[i], &last);
    return whole_periods(last, as_of, per);
}

/* ln B(a, b) in long double. */
static long double lbeta(long double a, long double b) { return lgammal(a) + lgammal(b) - lgammal(a + b); }

void vs_reference(double alpha, double x, double c, int n, double e1, double E, int horizon,
                  double d, int cap, vs_figures *out)
{
    const long double a = alpha, base = lbeta(a, x), v = 1.0L / (1.0L + d), n1c = powl(n + 1.0L, c);
    /* F_j: exposure of periods n + 1 .. n + j. */
#define F(j) ((j) == 0 ? 0.0L : e1 + E * (powl((long double)n + (j), c) - n1c))
    long double derl = 0, life = 0, kept = 0, factor = 1, FH = F(horizon);
    for (long j = 0;; j++) {
        long double s = expl(lbeta(a, x + F(j + 1)) - base);
        if (j < cap)
            life += s;
        long double term = factor * s;
        derl += term;
        /* With churn ruled out in the next H renewals: those survive for sure and
         * later ones see only the exposure beyond period n + H. */
        kept += j < horizon ? factor : factor * expl(lbeta(a, x + F(j + 1) - FH) - base);
        factor *= v;
        if (j >= cap && j > horizon && term < 1e-22L * derl && factor < 1e-22L)
            break;
        if (j > 2000000)
            fail_msg("vs_reference: the series did not converge");
    }
#undef F
    out->survival = (double)expl(lbeta(a, x + FH) - base);
    out->churn_next = (double)(1.0L - expl(lbeta(a, x + e1) - base));
    out->derl = (double)derl;
    out->lifetime = (double)life;
    out->at_risk = (double)(kept - derl);
}

vs_business vs_simulated_small(size_t customers, uint64_t seed)
{
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    o.customers = customers;
    o.seed = seed;
    return vs_simulated(&o);
}

void vs_add_whale(vs_business *b)
{
    const char *id[] = {"whale"}, *seg[] = {"mid_market"};
    crvm_date start[] = {test_date(2024, 2, 10)}, end[] = {test_date(2024, 3, 10)};
    assert_int_equal(crvm_ledger_add_customers(b->ledger, id, 1, seg, 1, start, 1, end, 1, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue_event(b->ledger, "whale", test_date(2024, 2, 10), 9.0e13,
                                                   CRVM_STREAM_SUBSCRIPTION),
                     CRVM_OK);
    const char *kid[] = {"whale-1"}, *kc[] = {"whale"};
    crvm_date opened[] = {test_date(2024, 2, 20)}, closed[] = {test_date(2024, 2, 20)};
    int32_t channel[] = {CRVM_CHANNEL_PHONE}, tier[] = {1}, esc[] = {1}, outcome[] = {CRVM_OUTCOME_REFUSED};
    double minutes[] = {10}, sat[] = {NAN};
    assert_int_equal(crvm_ledger_add_contacts(b->ledger, kid, 1, kc, 1, opened, 1, closed, 1, channel, 1,
                                              minutes, 1, tier, 1, esc, 1, outcome, 1, sat, 1, NULL),
                     CRVM_OK);
}
