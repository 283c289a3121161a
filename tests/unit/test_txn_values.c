/* The predictions into arrays that the library allocates
 * (crvm_txn_p_alive_new, crvm_txn_expected_conditional_new,
 * crvm_txn_values_free): the same values, bit for bit, as the functions
 * that write into the caller's array (their accuracy is tested in
 * test_transactions.c), for every model; the rows of BG/NBD and MBG/NBD
 * checked block by block with the first bad row named wherever it is; the
 * caller's pointer untouched on every failure; and every allocation
 * failure reported. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_message_has(const char *needle)
{
    if (strstr(crvm_last_error(), needle) == NULL)
        fail_msg("message \"%s\" does not contain \"%s\"", crvm_last_error(), needle);
}

/* N rows: more than three blocks of 256 and a tail */
enum { N = 1000 };

/* Continuous-time rows, a few with x >= 64 (beyond the per-x tables: the
 * rule's route) and some with t_x = T; or BG/BB rows over 8 opportunities */
static void make_rows(crvm_txn_model model, double *x, double *tx, double *T)
{
    for (int i = 0; i < N; i++) {
        if (model == CRVM_TXN_BGBB) {
            x[i] = i % 5;
            T[i] = 8;
            tx[i] = x[i] > 0 ? x[i] + i % (9 - (int)x[i]) : 0.0;
        } else {
            x[i] = i % 97 == 5 ? 70 + i % 3 : i % 5;
            T[i] = 10.0 + i % 7 + 0.25 * (i % 3);
            tx[i] = x[i] == 0 ? 0.0 : i % 11 == 0 ? T[i] : T[i] * (0.1 + 0.1 * (i % 8));
        }
    }
}

static crvm_txn_params params_of(crvm_txn_model model)
{
    switch (model) {
    case CRVM_TXN_BGNBD:
    case CRVM_TXN_MBGNBD:
        return crvm_txn_params_make(model, 0.243, 4.414, 0.793, 2.426); /* CDNOW */
    case CRVM_TXN_PARETO_NBD:
        return crvm_txn_params_make(model, 0.55, 10.58, 0.61, 11.67); /* CDNOW */
    case CRVM_TXN_BGBB:
        break;
    }
    return crvm_txn_params_make(CRVM_TXN_BGBB, 1.204, 0.750, 0.657, 2.783); /* donations */
}

static void values_equal_the_caller_array_functions(void **state)
{
    (void)state;
    static double x[N], tx[N], T[N], ref[N];
    for (int m = 0; m < CRVM_TXN_MODEL_COUNT; m++) {
        crvm_txn_model model = (crvm_txn_model)m;
        crvm_txn_params p = params_of(model);
        make_rows(model, x, tx, T);
        double *v = NULL;
        assert_status(crvm_txn_p_alive_new(&p, x, N, tx, N, T, N, &v), CRVM_OK);
        assert_non_null(v);
        assert_status(crvm_txn_p_alive(&p, x, N, tx, N, T, N, ref, N), CRVM_OK);
        if (memcmp(v, ref, sizeof ref) != 0)
            fail_msg("%s: P(alive) differs from crvm_txn_p_alive", crvm_txn_model_name(model));
        crvm_txn_values_free(v);
        /* a horizon of 0 too: every expectation is 0 */
        const double horizons[] = {model == CRVM_TXN_BGBB ? 5.0 : 30.0, 0.0};
        for (int h = 0; h < 2; h++) {
            v = NULL;
            assert_status(crvm_txn_expected_conditional_new(&p, horizons[h], x, N, tx, N, T, N, &v),
                          CRVM_OK);
            assert_status(
                crvm_txn_expected_conditional(&p, horizons[h], x, N, tx, N, T, N, ref, N),
                CRVM_OK);
            if (memcmp(v, ref, sizeof ref) != 0)
                fail_msg("%s: expectation (t = %g) differs from crvm_txn_expected_conditional",
                         crvm_txn_model_name(model), horizons[h]);
            crvm_txn_values_free(v);
        }
    }
    crvm_txn_values_free(NULL);
}

static void large_arrays_equal_the_caller_array_functions(void **state)
{
    (void)state;
    /* 70000 rows: the arrays (560 KB) are placed on 2 MB boundaries and
     * advised to be huge pages (scratch.c) */
    enum { L = 70000 };
    double *x = malloc(4 * L * sizeof *x), *tx = x + L, *T = x + 2 * L, *ref = x + 3 * L;
    assert_non_null(x);
    for (int i = 0; i < L; i++) {
        x[i] = i % 7;
        T[i] = 20.0 + (i % 13) * 0.5;
        tx[i] = x[i] > 0 ? T[i] * (i % 10) / 10.0 : 0.0;
    }
    crvm_txn_params p = params_of(CRVM_TXN_BGNBD);
    double *v = NULL, *w = NULL;
    assert_status(crvm_txn_p_alive_new(&p, x, L, tx, L, T, L, &v), CRVM_OK);
    assert_status(crvm_txn_p_alive(&p, x, L, tx, L, T, L, ref, L), CRVM_OK);
    assert_true(memcmp(v, ref, L * sizeof *ref) == 0);
    assert_status(crvm_txn_expected_conditional_new(&p, 30.0, x, L, tx, L, T, L, &w), CRVM_OK);
    assert_status(crvm_txn_expected_conditional(&p, 30.0, x, L, tx, L, T, L, ref, L), CRVM_OK);
    assert_true(memcmp(w, ref, L * sizeof *ref) == 0);
    crvm_txn_values_free(v);
    crvm_txn_values_free(w);
    free(x);
}

/* Rows of every x below 64 at ages where c = t / (alpha + T) > 1/2: the
 * Maclaurin tables, tens of terms each, outgrow the expectation's pool on
 * the stack (CRVM__COND_SMALL_POOL doubles) and the rest go to the pool it
 * then allocates; the values must be the bits of the function whose pool
 * holds every table from the start. */
static void make_spilling_rows(double *x, double *tx, double *T)
{
    for (int i = 0; i < N; i++) {
        x[i] = i % 64;
        T[i] = 10.0 + i % 7 + 0.25 * (i % 3);
        tx[i] = x[i] == 0 ? 0.0 : T[i] * (0.2 + 0.1 * (i % 8));
    }
}

static void tables_beyond_the_stack_pool_equal(void **state)
{
    (void)state;
    static double x[N], tx[N], T[N], ref[N];
    make_spilling_rows(x, tx, T);
    for (int m = CRVM_TXN_BGNBD; m <= CRVM_TXN_MBGNBD; m++) {
        crvm_txn_params p = params_of((crvm_txn_model)m);
        double *v = NULL;
        assert_status(crvm_txn_expected_conditional_new(&p, 30.0, x, N, tx, N, T, N, &v), CRVM_OK);
        assert_status(crvm_txn_expected_conditional(&p, 30.0, x, N, tx, N, T, N, ref, N), CRVM_OK);
        if (memcmp(v, ref, sizeof ref) != 0)
            fail_msg("%s: expectation with spilled tables differs", crvm_txn_model_name(p.model));
        crvm_txn_values_free(v);
    }
}

static void no_rows_give_no_array(void **state)
{
    (void)state;
    crvm_txn_params p = params_of(CRVM_TXN_BGNBD);
    double *v = (double *)&p; /* anything but NULL */
    assert_status(crvm_txn_p_alive_new(&p, NULL, 0, NULL, 0, NULL, 0, &v), CRVM_OK);
    assert_null(v);
    v = (double *)&p;
    assert_status(crvm_txn_expected_conditional_new(&p, 1.0, NULL, 0, NULL, 0, NULL, 0, &v),
                  CRVM_OK);
    assert_null(v);
}

/* The call fails with status and a message naming needle, and leaves the
 * caller's pointer as it was */
#define assert_refused(call_with_v, status, needle)                                                \
    do {                                                                                           \
        double sentinel_, *v = &sentinel_;                                                         \
        assert_status(call_with_v, status);                                                        \
        assert_ptr_equal(v, &sentinel_);                                                           \
        assert_message_has(needle);                                                                \
    } while (0)

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    static double x[N], tx[N], T[N];
    make_rows(CRVM_TXN_BGNBD, x, tx, T);
    crvm_txn_params p = params_of(CRVM_TXN_BGNBD), bad = p;
    bad.p[3] = -1.0;
    assert_status(crvm_txn_p_alive_new(&p, x, N, tx, N, T, N, NULL), CRVM_EINVAL);
    assert_status(crvm_txn_expected_conditional_new(&p, 1.0, x, N, tx, N, T, N, NULL),
                  CRVM_EINVAL);
    double sentinel, *v = &sentinel;
    assert_status(crvm_txn_p_alive_new(&bad, x, N, tx, N, T, N, &v), CRVM_EDOMAIN);
    assert_message_has("b = -1");
    assert_status(crvm_txn_expected_conditional_new(&bad, 1.0, x, N, tx, N, T, N, &v),
                  CRVM_EDOMAIN);
    assert_message_has("b = -1");
    assert_ptr_equal(v, &sentinel);
    assert_refused(crvm_txn_p_alive_new(&p, x, N, tx, N - 1, T, N, &v), CRVM_EINVAL,
                   "recency has 999 rows");
    assert_refused(crvm_txn_expected_conditional_new(&p, 1.0, x, N, tx, N, NULL, N, &v),
                   CRVM_EINVAL, "must not be NULL");
    assert_refused(crvm_txn_expected_conditional_new(&p, -1.0, x, N, tx, N, T, N, &v),
                   CRVM_EINVAL, "t = -1");
}

static void the_first_bad_row_is_named_in_any_block(void **state)
{
    (void)state;
    /* each bad value at a block's first row, inside a block and in the
     * tail, with a second bad row after it that must not be the one named;
     * a bad T is found by the expectation's range pass, the others by the
     * block checks */
    static double x[N], tx[N], T[N];
    const int rows[] = {0, 256, 700, 999};
    for (int m = 0; m < 2; m++) {
        crvm_txn_params p = params_of((crvm_txn_model)m);
        for (int r = 0; r < 4; r++) {
            int i = rows[r];
            char name[64];
            for (int kind = 0; kind < 4; kind++) {
                make_rows(p.model, x, tx, T);
                if (i + 1 < N)
                    x[N - 1] = -5.0;
                if (kind == 0) {
                    x[i] = 2.5;
                    snprintf(name, sizeof name, "frequency[%d] = 2.5", i);
                } else if (kind == 1) {
                    x[i] = 1.0;
                    tx[i] = T[i] + 1.0;
                    snprintf(name, sizeof name, "recency[%d] = %g exceeds", i, tx[i]);
                } else if (kind == 2) {
                    T[i] = NAN;
                    snprintf(name, sizeof name, "T[%d] is NaN", i);
                } else {
                    T[i] = -3.0;
                    tx[i] = 0.0;
                    x[i] = 0.0;
                    snprintf(name, sizeof name, "T[%d] = -3", i);
                }
                assert_refused(crvm_txn_p_alive_new(&p, x, N, tx, N, T, N, &v), CRVM_EINVAL, name);
                assert_refused(crvm_txn_expected_conditional_new(&p, 30.0, x, N, tx, N, T, N, &v),
                               CRVM_EINVAL, name);
            }
        }
    }
}

static void p_alive_names_a_bad_row_at_every_position(void **state)
{
    (void)state;
    /* P(alive) checks each block in the loop that packs its rows (AVX2):
     * a bad row at any position of any block, or of the tail, is still
     * the one named, with its column and reason (a second bad row after
     * it must not be) */
    static double x[N], tx[N], T[N];
    for (int m = 0; m < 2; m++) {
        crvm_txn_params p = params_of((crvm_txn_model)m);
        make_rows(p.model, x, tx, T);
        for (int i = 0; i < N; i++) {
            double x0 = x[i], t0 = tx[i], T0 = T[i];
            char name[80];
            int kind = i % 4;
            if (kind == 0) {
                x[i] = 1.5;
                snprintf(name, sizeof name, "frequency[%d] = 1.5: must be an integer", i);
            } else if (kind == 1) {
                x[i] = 2.0;
                tx[i] = T[i] + 0.5;
                snprintf(name, sizeof name, "recency[%d] = %g exceeds T[%d]", i, tx[i], i);
            } else if (kind == 2) {
                x[i] = 0.0;
                tx[i] = 1.0;
                snprintf(name, sizeof name, "recency[%d] = 1 with frequency[%d] = 0", i, i);
            } else {
                T[i] = INFINITY;
                snprintf(name, sizeof name, "T[%d] = inf: must be finite", i);
            }
            double xl = x[N - 1];
            if (i + 1 < N)
                x[N - 1] = -5.0;
            assert_refused(crvm_txn_p_alive_new(&p, x, N, tx, N, T, N, &v), CRVM_EINVAL, name);
            x[N - 1] = xl;
            x[i] = x0, tx[i] = t0, T[i] = T0;
        }
    }
}

static crvm_status predict_new(void *ctx)
{
    (void)ctx;
    static double x[N], tx[N], T[N];
    crvm_status st = CRVM_OK;
    for (int m = 0; m < CRVM_TXN_MODEL_COUNT && st == CRVM_OK; m++) {
        crvm_txn_params p = params_of((crvm_txn_model)m);
        make_rows(p.model, x, tx, T);
        double *v = NULL;
        if ((st = crvm_txn_p_alive_new(&p, x, N, tx, N, T, N, &v)) != CRVM_OK)
            break;
        crvm_txn_values_free(v);
        v = NULL;
        st = crvm_txn_expected_conditional_new(&p, p.model == CRVM_TXN_BGBB ? 5.0 : 30.0, x, N,
                                               tx, N, T, N, &v);
        crvm_txn_values_free(v);
    }
    if (st == CRVM_OK) { /* the tables' spilled pool */
        crvm_txn_params p = params_of(CRVM_TXN_BGNBD);
        make_spilling_rows(x, tx, T);
        double *v = NULL;
        st = crvm_txn_expected_conditional_new(&p, 30.0, x, N, tx, N, T, N, &v);
        crvm_txn_values_free(v);
    }
    return st;
}

static void every_allocation_failure_is_reported(void **state)
{
    (void)state;
    /* the array itself, the expectation's spilled pool and row list, the
     * rule and the other models' temporaries */
    assert_true(test_every_allocation_failure(predict_new, NULL) >= 6);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_equal_the_caller_array_functions),
        cmocka_unit_test(large_arrays_equal_the_caller_array_functions),
        cmocka_unit_test(tables_beyond_the_stack_pool_equal),
        cmocka_unit_test(no_rows_give_no_array),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(the_first_bad_row_is_named_in_any_block),
        cmocka_unit_test(p_alive_names_a_bad_row_at_every_position),
        cmocka_unit_test(every_allocation_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
