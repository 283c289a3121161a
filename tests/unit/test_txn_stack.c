/* The transaction models' calls on a small thread stack: musl's default
 * thread stack is 128 KB, and an embedding application may call crvm from
 * such a thread. The deepest calls used to need ~140 KB of the caller's
 * stack (a 128 KB sample table when deciding whether to merge identical
 * rows, 83 KB of quadrature intervals under the Pareto/NBD predictions);
 * run there they overflowed the stack and the process died. Here each call
 * runs on a thread of exactly 128 KB and must finish with the results of
 * the same call on the main thread. Sanitizer builds need several times
 * the stack of a plain build, so the check is skipped there. */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "support.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STACK_CHECKED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STACK_CHECKED 0
#endif
#endif
#ifndef STACK_CHECKED
#define STACK_CHECKED 1
#endif

/* rows: more than the 2048 below which merging skips its sample table; fewer
 * under valgrind, where the Pareto/NBD quadratures are slow (the stack's
 * depth does not depend on the rows) */
enum { N = 6000, N_VALGRIND = 2500, SMALL_STACK = 128 * 1024 };

typedef struct job {
    const double *x, *tx, *T;
    size_t n;
    crvm_status st[3][4];
    double fitted[3][CRVM_TXN_N_PARAMS];
    double out[3][3][N]; /* model, call (P(alive), expectation, DERT), row */
} job;

/* Whole weeks (so identical rows occur and the merge's sample finds them)
 * from a simple deterministic stream; a few heavy buyers. */
static void make_rows(double *x, double *tx, double *T, size_t n)
{
    test_rng rng = {7};
    for (size_t i = 0; i < n; i++) {
        T[i] = 20.0 + floor(30.0 * test_rng_uniform(&rng));
        double u = test_rng_uniform(&rng);
        x[i] = u < 0.04 ? 30.0 + floor(200.0 * test_rng_uniform(&rng)) : floor(7.0 * u);
        tx[i] = x[i] > 0.0 ? floor(T[i] * test_rng_uniform(&rng)) : 0.0;
        if (x[i] > 0.0 && tx[i] == 0.0)
            tx[i] = 1.0;
    }
}

static void *run_calls(void *arg)
{
    job *j = arg;
    crvm_txn_model models[3] = {CRVM_TXN_BGNBD, CRVM_TXN_MBGNBD, CRVM_TXN_PARETO_NBD};
    for (int m = 0; m < 3; m++) {
        crvm_txn_fit *fit = NULL;
        crvm_txn_params p;
        const size_t n = j->n;
        j->st[m][0] = crvm_txn_fit_new(models[m], j->x, n, j->tx, n, j->T, n, NULL, 0, NULL, &fit);
        if (j->st[m][0] != CRVM_OK)
            continue;
        crvm_txn_fit_params(fit, &p);
        crvm_txn_fit_free(fit);
        memcpy(j->fitted[m], p.p, sizeof j->fitted[m]);
        j->st[m][1] = crvm_txn_p_alive(&p, j->x, n, j->tx, n, j->T, n, j->out[m][0], n);
        j->st[m][2] =
            crvm_txn_expected_conditional(&p, 8.0, j->x, n, j->tx, n, j->T, n, j->out[m][1], n);
        j->st[m][3] = crvm_txn_dert(&p, 0.002, j->x, n, j->tx, n, j->T, n, j->out[m][2], n);
    }
    return NULL;
}

static void calls_fit_in_a_128_kb_thread_stack(void **state)
{
    (void)state;
    if (!STACK_CHECKED)
        skip();
    static double x[N], tx[N], T[N];
    static job on_main, on_small;
    const size_t n = test_under_valgrind() ? N_VALGRIND : N;
    make_rows(x, tx, T, n);
    on_main = (job){x, tx, T, n, {{0}}, {{0}}, {{{0}}}};
    on_small = on_main;
    run_calls(&on_main);

    pthread_attr_t attr;
    pthread_t thread;
    assert_int_equal(pthread_attr_init(&attr), 0);
    assert_int_equal(pthread_attr_setstacksize(&attr, SMALL_STACK), 0);
    assert_int_equal(pthread_create(&thread, &attr, run_calls, &on_small), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    pthread_attr_destroy(&attr);

    for (int m = 0; m < 3; m++)
        for (int c = 0; c < 4; c++) {
            assert_int_equal(on_main.st[m][c], CRVM_OK);
            assert_int_equal(on_small.st[m][c], CRVM_OK);
        }
    /* the same computation, whichever thread ran it */
    assert_memory_equal(on_small.fitted, on_main.fitted, sizeof on_main.fitted);
    assert_memory_equal(on_small.out, on_main.out, sizeof on_main.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calls_fit_in_a_128_kb_thread_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
