/* Shared by the value layer's tests: a simulated business whose rows the
 * test holds as arrays, a direct recount of a period's covariates with the
 * public date calls, and the retention quantities by direct series in long
 * double -- the independent implementation the value layer is checked
 * against. */
#ifndef CRVM_TEST_VALUE_SUPPORT_H
#define CRVM_TEST_VALUE_SUPPORT_H

#include "support.h"

/* A business: its ledger and the columns it was built from. */
typedef struct vs_business {
    crvm_ledger *ledger;
    crvm_sim_data *sim;                 /* when simulated, else NULL */
    size_t n, nk, nv;                   /* customers, contacts, self-service views with a customer */
    crvm_date *start, *end;             /* end CRVM_DATE_NONE if active */
    int32_t *segment;
    int32_t *k_customer, *k_outcome, *k_escalated, *k_channel, *k_tier;
    crvm_date *k_opened;
    int32_t *v_customer;
    crvm_date *v_date;
    /* Per customer i, its contacts k_index[k_first[i] .. k_first[i+1]-1] and its
     * views v_index[v_first[i] ..]. */
    size_t *k_first, *k_index, *v_first, *v_index;
} vs_business;

/* 1 when running under valgrind: tests then check fewer samples. */
int vs_under_valgrind(void);
/* The sampling step of a test: every `step`-th item normally, `step` x
 * `valgrind_factor` under valgrind. */
size_t vs_step(size_t step, size_t valgrind_factor);

/* Simulate, write the CSV files to a temporary directory, load them. */
vs_business vs_simulated(const crvm_sim_options *o);
/* Simulate `customers` with the simulator's defaults and `seed`. */
vs_business vs_simulated_small(size_t customers, uint64_t seed);
/* Add "whale" to b's ledger: a mid_market customer of one month (2024-02-10
 * to 2024-03-10) whose gross margin, 7.2e13, fits in 2^53 cents but whose
 * value at a renewal does not, with one refused escalated contact
 * ("whale-1", 2024-02-20): the figures of its contact overflow. */
void vs_add_whale(vs_business *b);
/* Fill k_first/k_index and v_first/v_index from the columns. */
void vs_index(vs_business *b);
void vs_free(vs_business *b);

/* The candidate covariates (contacts, workaround, refused, abandoned,
 * escalated, silent_3_5, silent_6_plus) of period s of customer i, whose
 * renewal falls on start + s periods, counting touches made on or before
 * as_of; touches receives the period's touches and quiet the silence bin
 * the renewal would have without them. */
void vs_period_covariates(const vs_business *b, size_t i, int s, crvm_date as_of, crvm_period per,
                          double z[7], int *touches, int *quiet);
/* Whole periods from customer i's last touch on or before as_of (its start if none) to as_of. */
int vs_silence(const vs_business *b, size_t i, crvm_date as_of, crvm_period per);

/* Retention quantities of a subject alive after n renewals, theta ~ Beta(alpha,
 * x), x = beta + Lambda_n; period n + 1 has exposure e1 and every later period
 * n + 1 + j exposure E ((n + 1 + j)^c - (n + j)^c); discount d per period. */
typedef struct vs_figures {
    double survival, churn_next, derl, lifetime, at_risk;
} vs_figures;
void vs_reference(double alpha, double x, double c, int n, double e1, double E, int horizon,
                  double d, int cap, vs_figures *out);

#endif
