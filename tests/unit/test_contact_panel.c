/* Unit tests for crvm_ledger_contact_panel(): the per-period contact panel
 * for Cox models with time-varying covariates. Every row of the hand-built
 * ledger is worked out in the comments; a random ledger checks the panel
 * against crvm_ledger_retention_data() and a brute-force window count. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C = CRVM_PANEL_COLUMNS };

#define D test_date

static void contact(crvm_ledger *l, const char *id, const char *cust, crvm_date opened,
                    crvm_date closed, int escalated, crvm_outcome outcome, double sat)
{
    assert_int_equal(crvm_ledger_add_contact(l, id, cust, opened, closed, CRVM_CHANNEL_EMAIL, 10, 1,
                                             escalated, outcome, sat),
                     CRVM_OK);
}

/* Customers (as of 2023-12-31, monthly):
 * A start 2023-01-15, end 2023-04-15 (churned at its 3rd renewal): periods 3.
 * B start 2023-01-31, active: renewals on Feb 28, Mar 31, ..., Dec 31 (day
 *   clamped): 11 whole months, periods 11.
 * C start 2024-02-01: not yet a customer (no rows).
 * D start 2023-12-20, active: no completed period (no rows).
 * E start 2023-06-10, end 2023-06-10 (left on its first day): periods 1. */
static crvm_ledger *hand_ledger(void)
{
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "A", "smb", D(2023, 1, 15), D(2023, 4, 15)), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "B", "ent", D(2023, 1, 31), CRVM_DATE_NONE), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "C", "smb", D(2024, 2, 1), CRVM_DATE_NONE), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "D", "smb", D(2023, 12, 20), CRVM_DATE_NONE), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "E", "ent", D(2023, 6, 10), D(2023, 6, 10)), CRVM_OK);
    /* A, period 1 = [Jan 15, Feb 15) */
    contact(l, "a1", "A", D(2023, 1, 15), D(2023, 1, 15), 0, CRVM_OUTCOME_RESOLVED, 5);
    contact(l, "a2", "A", D(2023, 2, 14), D(2023, 2, 20), 1, CRVM_OUTCOME_REFUSED, 1);
    /* A, period 2 = [Feb 15, Mar 15): open, unrated */
    contact(l, "a3", "A", D(2023, 2, 15), CRVM_DATE_NONE, 0, CRVM_OUTCOME_WORKAROUND, NAN);
    /* A, period 3 = [Mar 15, Apr 15) */
    contact(l, "a4", "A", D(2023, 4, 14), D(2023, 4, 16), 0, CRVM_OUTCOME_ABANDONED, 2);
    contact(l, "a5", "A", D(2023, 3, 20), D(2023, 3, 22), 1, CRVM_OUTCOME_REFUSED, 3);
    /* B: period 1 = [Jan 31, Feb 28), period 2 = [Feb 28, Mar 31) */
    contact(l, "b1", "B", D(2023, 2, 27), D(2023, 3, 1), 0, CRVM_OUTCOME_RESOLVED, NAN);
    contact(l, "b2", "B", D(2023, 2, 28), D(2024, 1, 2), 0, CRVM_OUTCOME_REFUSED, 1);
    /* B, Dec 31: the 12th period, not completed as of Dec 31: in no row */
    contact(l, "b3", "B", D(2023, 12, 31), D(2023, 12, 31), 0, CRVM_OUTCOME_REFUSED, NAN);
    /* B, after as_of: in no row */
    contact(l, "b4", "B", D(2024, 1, 5), D(2024, 1, 5), 0, CRVM_OUTCOME_REFUSED, NAN);
    /* B, before its start (bad data, but accepted by the ledger): in no row */
    contact(l, "b5", "B", D(2023, 1, 2), D(2023, 1, 2), 0, CRVM_OUTCOME_REFUSED, NAN);
    /* E, its only period [Jun 10, Jul 10) */
    contact(l, "e1", "E", D(2023, 6, 10), D(2023, 6, 10), 0, CRVM_OUTCOME_REFUSED, NAN);
    return l;
}

static void expect_row(const int32_t *cust, const double *out, size_t r, int32_t customer,
                       const double *want)
{
    assert_int_equal(cust[r], customer);
    for (size_t j = 0; j < C; j++) {
        /* Counts and means of a handful of integers: exact up to one rounding. */
        assert_close(out[r * C + j], want[j], 1e-15, 0);
    }
}

static void panel_hand_computed(void **state)
{
    (void)state;
    crvm_ledger *l = hand_ledger();
    const crvm_date as_of = D(2023, 12, 31);
    size_t rows = 0;
    assert_int_equal(crvm_ledger_contact_panel_size(l, as_of, CRVM_PERIOD_MONTH, &rows), CRVM_OK);
    assert_int_equal(rows, 3 + 11 + 1);
    int32_t cust[15];
    double out[15 * C];
    assert_int_equal(crvm_ledger_contact_panel(l, as_of, CRVM_PERIOD_MONTH, cust, 15, out, 15 * C),
                     CRVM_OK);
    /* columns: start stop event contacts resolved workaround refused abandoned
     *          escalated closed mean_res rated mean_sat */
    /* A row 1: a1 (resolved, 0 days, 5) and a2 (refused, escalated, 6 days, 1). */
    const double a1[C] = {0, 1, 0, 2, 1, 0, 1, 0, 1, 2, 3.0, 2, 3.0};
    /* A row 2: a3 open and unrated: means 0. */
    const double a2[C] = {1, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    /* A row 3, the churn: a5 (refused, escalated, 2 days, 3), a4 (abandoned, 2 days, 2). */
    const double a3[C] = {2, 3, 1, 2, 0, 0, 1, 1, 1, 2, 2.0, 2, 2.5};
    expect_row(cust, out, 0, 0, a1);
    expect_row(cust, out, 1, 0, a2);
    expect_row(cust, out, 2, 0, a3);
    /* B row 1: b1 (resolved, 2 days, unrated). */
    const double b1[C] = {0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 2.0, 0, 0};
    /* B row 2: b2 (refused, closed after as_of: not closed; rated 1). */
    const double b2[C] = {1, 2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1.0};
    expect_row(cust, out, 3, 1, b1);
    expect_row(cust, out, 4, 1, b2);
    for (size_t r = 5; r < 14; r++) { /* B rows 3..11: no contacts, no event */
        double empty[C] = {0};
        empty[CRVM_PANEL_START] = (double)(r - 3);
        empty[CRVM_PANEL_STOP] = (double)(r - 2);
        expect_row(cust, out, r, 1, empty);
    }
    /* E: one row, churned, e1 refused the same day. */
    const double e1[C] = {0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0};
    expect_row(cust, out, 14, 4, e1);

    /* Quarterly: A has 2 whole months before its end, so 0 whole quarters:
     * one row (0, 1] with event and all five contacts; B has 11 whole months
     * = 3 quarters, its first [Jan 31, Apr 30) holding b1 and b2; E one row. */
    assert_int_equal(crvm_ledger_contact_panel_size(l, as_of, CRVM_PERIOD_QUARTER, &rows), CRVM_OK);
    assert_int_equal(rows, 1 + 3 + 1);
    assert_int_equal(crvm_ledger_contact_panel(l, as_of, CRVM_PERIOD_QUARTER, cust, 5, out, 5 * C),
                     CRVM_OK);
    const double qa[C] = {0, 1, 1, 5, 1, 1, 2, 1, 2, 4, (0 + 6 + 2 + 2) / 4.0, 4, 11 / 4.0};
    const double qb[C] = {0, 1, 0, 2, 1, 0, 1, 0, 0, 1, 2.0, 1, 1.0};
    expect_row(cust, out, 0, 0, qa);
    expect_row(cust, out, 1, 1, qb);
    assert_close(out[4 * C + CRVM_PANEL_EVENT], 1, 0, 0);

    /* As of an earlier date, 2023-03-01: A is active with 1 whole month, so
     * one row without event; a3 (Feb 15) is in A's unfinished period 2. */
    assert_int_equal(crvm_ledger_contact_panel_size(l, D(2023, 3, 1), CRVM_PERIOD_MONTH, &rows),
                     CRVM_OK);
    assert_int_equal(rows, 1 + 1); /* A 1, B 1 (Feb 28 <= Mar 1) */
    assert_int_equal(crvm_ledger_contact_panel(l, D(2023, 3, 1), CRVM_PERIOD_MONTH, cust, 2, out,
                                               2 * C),
                     CRVM_OK);
    const double early_a[C] = {0, 1, 0, 2, 1, 0, 1, 0, 1, 2, 3.0, 2, 3.0};
    /* b1 closed Mar 1 <= as_of: closed, 2 days */
    expect_row(cust, out, 0, 0, early_a);
    expect_row(cust, out, 1, 1, b1);
    crvm_ledger_free(l);
}

static void panel_column_names(void **state)
{
    (void)state;
    assert_string_equal(crvm_panel_column_name(CRVM_PANEL_START), "start");
    assert_string_equal(crvm_panel_column_name(CRVM_PANEL_REFUSED), "refused");
    assert_string_equal(crvm_panel_column_name(CRVM_PANEL_MEAN_SATISFACTION), "mean_satisfaction");
    assert_null(crvm_panel_column_name(-1));
    assert_null(crvm_panel_column_name(CRVM_PANEL_COLUMNS));
}

/* A random ledger: the panel agrees with crvm_ledger_retention_data (row
 * counts, events, last stops) and each contact lands in the row a
 * brute-force search over crvm_date_add_periods() windows gives. */
static void panel_consistent_with_retention_data(void **state)
{
    (void)state;
    enum { N = 300, K = 1500 };
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    test_rng rng = {2024};
    const crvm_date base = D(2021, 1, 1), as_of = D(2023, 6, 30);
    crvm_date start[N], end[N];
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        start[i] = base + (crvm_date)(test_rng_uniform(&rng) * 1000);
        double u = test_rng_uniform(&rng);
        end[i] = u < 0.5 ? start[i] + (crvm_date)(test_rng_uniform(&rng) * 700) : CRVM_DATE_NONE;
        assert_int_equal(crvm_ledger_add_customer(l, id, i % 3 ? "a" : "b", start[i], end[i]),
                         CRVM_OK);
    }
    int32_t owner[K];
    crvm_date opened[K];
    int outcome[K];
    for (int k = 0; k < K; k++) {
        char id[16], cid[16];
        owner[k] = (int32_t)(test_rng_uniform(&rng) * N);
        opened[k] = start[owner[k]] + (crvm_date)(test_rng_uniform(&rng) * 900);
        outcome[k] = (int)(test_rng_uniform(&rng) * 4);
        snprintf(id, sizeof id, "k%d", k);
        snprintf(cid, sizeof cid, "c%d", owner[k]);
        assert_int_equal(crvm_ledger_add_contact(l, id, cid, opened[k], opened[k] + 1,
                                                 CRVM_CHANNEL_PHONE, 5, 1, k % 2,
                                                 (crvm_outcome)outcome[k], NAN),
                         CRVM_OK);
    }
    for (int pi = 0; pi < 3; pi++) {
        crvm_period period = (crvm_period)pi;
        int32_t periods[N], churned[N];
        assert_int_equal(crvm_ledger_retention_data(l, as_of, period, periods, N, churned, N),
                         CRVM_OK);
        size_t rows = 0, want_rows = 0;
        int32_t want_events = 0;
        for (int i = 0; i < N; i++) {
            want_rows += periods[i] > 0 ? (size_t)periods[i] : 0;
            want_events += churned[i];
        }
        assert_int_equal(crvm_ledger_contact_panel_size(l, as_of, period, &rows), CRVM_OK);
        assert_int_equal(rows, want_rows);
        int32_t *cust = malloc(rows * sizeof *cust);
        double *out = malloc(rows * C * sizeof *out);
        assert_true(cust && out);
        assert_int_equal(crvm_ledger_contact_panel(l, as_of, period, cust, rows, out, rows * C),
                         CRVM_OK);
        size_t *first = calloc(N + 1, sizeof *first);
        assert_non_null(first);
        int32_t events = 0;
        for (size_t r = 0; r < rows; r++) {
            const double *x = out + r * C;
            events += (int32_t)x[CRVM_PANEL_EVENT];
            int last = r + 1 == rows || cust[r + 1] != cust[r];
            if (r == 0 || cust[r - 1] != cust[r]) {
                assert_true(r == 0 || cust[r] > cust[r - 1]);
                assert_close(x[CRVM_PANEL_START], 0, 0, 0);
                first[cust[r]] = r + 1;
            } else {
                assert_close(x[CRVM_PANEL_START], x[CRVM_PANEL_STOP - C], 0, 0);
            }
            assert_close(x[CRVM_PANEL_STOP], x[CRVM_PANEL_START] + 1, 0, 0);
            if (last)
                assert_close(x[CRVM_PANEL_STOP], periods[cust[r]], 0, 0);
            assert_close(x[CRVM_PANEL_EVENT], last && churned[cust[r]], 0, 0);
            assert_close(x[CRVM_PANEL_CONTACTS],
                         x[CRVM_PANEL_RESOLVED] + x[CRVM_PANEL_WORKAROUND] +
                             x[CRVM_PANEL_REFUSED] + x[CRVM_PANEL_ABANDONED],
                         0, 0);
        }
        assert_int_equal(events, want_events);
        /* Brute force: contact k is in row t of its customer iff opened in
         * [start + (t-1) periods, start + t periods), t <= periods, and
         * opened <= as_of. Tally refusals per row that way. */
        double *refused = calloc(rows, sizeof *refused);
        assert_non_null(refused);
        for (int k = 0; k < K; k++) {
            int i = owner[k];
            if (opened[k] > as_of)
                continue;
            for (int t = 1; t <= periods[i]; t++) {
                crvm_date lo, hi;
                assert_int_equal(crvm_date_add_periods(start[i], period, t - 1, &lo), CRVM_OK);
                assert_int_equal(crvm_date_add_periods(start[i], period, t, &hi), CRVM_OK);
                if (opened[k] >= lo && opened[k] < hi) {
                    assert_true(first[i] > 0);
                    refused[first[i] - 1 + (size_t)(t - 1)] += outcome[k] == CRVM_OUTCOME_REFUSED;
                }
            }
        }
        for (size_t r = 0; r < rows; r++)
            assert_close(out[r * C + CRVM_PANEL_REFUSED], refused[r], 0, 0);
        free(refused);
        free(first);
        free(cust);
        free(out);
    }
    crvm_ledger_free(l);
}

static void panel_rejects_bad_arguments(void **state)
{
    (void)state;
    crvm_ledger *l = hand_ledger();
    const crvm_date as_of = D(2023, 12, 31);
    size_t rows = 7;
    int32_t cust[15];
    double out[15 * C];
    assert_status(crvm_ledger_contact_panel_size(NULL, as_of, CRVM_PERIOD_MONTH, &rows), CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel_size(l, as_of, CRVM_PERIOD_MONTH, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel_size(l, as_of, (crvm_period)9, &rows), CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel_size(l, CRVM_DATE_NONE, CRVM_PERIOD_MONTH, &rows),
                  CRVM_EINVAL);
    assert_int_equal(rows, 7); /* untouched */
    assert_status(crvm_ledger_contact_panel(NULL, as_of, CRVM_PERIOD_MONTH, cust, 15, out, 15 * C),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel(l, as_of, (crvm_period)-1, cust, 15, out, 15 * C),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel(l, CRVM_DATE_MAX + 1, CRVM_PERIOD_MONTH, cust, 15, out,
                                            15 * C),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel(l, as_of, CRVM_PERIOD_MONTH, cust, 14, out, 15 * C),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel(l, as_of, CRVM_PERIOD_MONTH, cust, 15, out, 15 * C - 1),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel(l, as_of, CRVM_PERIOD_MONTH, NULL, 15, out, 15 * C),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_contact_panel(l, as_of, CRVM_PERIOD_MONTH, cust, 15, NULL, 15 * C),
                  CRVM_EINVAL);
    /* An empty panel takes NULL outputs. */
    assert_int_equal(crvm_ledger_contact_panel(l, D(2022, 1, 1), CRVM_PERIOD_MONTH, NULL, 0, NULL,
                                               0),
                     CRVM_OK);
    crvm_ledger_free(l);
}

/* Issue 10 item 5: the panel has a row per customer and period up to as_of,
 * so an as_of far beyond the data (9999-12-31) asked for about 95,000 rows per
 * customer (the report took 22 s and 3.9 GB for 500 customers). as_of may lie
 * at most 366 days after the last date in the ledger (end dates included). */
static void as_of_far_beyond_the_data_is_refused(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger(); /* last date: B's end, 2023-08-01 */
    crvm_date last = test_date(2023, 8, 1), far = test_date(9999, 12, 31);
    size_t rows = 7;
    int32_t p[3], c[3];
    assert_status(crvm_ledger_contact_panel_size(l, far, CRVM_PERIOD_MONTH, &rows), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "crvm_ledger_contact_panel_size: as_of = 9999-12-31 is "
                                              "more than 366 days after the last date in the ledger "
                                              "(2023-08-01)"));
    assert_int_equal(rows, 7);
    assert_status(crvm_ledger_contact_panel(l, far, CRVM_PERIOD_MONTH, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "crvm_ledger_contact_panel: as_of"));
    assert_status(crvm_ledger_retention_data(l, last + 367, CRVM_PERIOD_MONTH, p, 3, c, 3), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "crvm_ledger_retention_data: as_of = 2024-08-02"));
    /* A year after the data is fine; the rows then follow the data: A from
     * 2023-01-15 and C from 2022-12-31 to 2024-08-01 (18 and 19 months), B
     * churned 2023-08-01 after 5 months begun (start 2023-03-01). */
    assert_int_equal(crvm_ledger_retention_data(l, last + 366, CRVM_PERIOD_MONTH, p, 3, c, 3), CRVM_OK);
    assert_int_equal(crvm_ledger_contact_panel_size(l, last + 366, CRVM_PERIOD_MONTH, &rows), CRVM_OK);
    assert_int_equal(p[0], 18);
    assert_int_equal(p[1], 5);
    assert_int_equal(p[2], 19);
    assert_int_equal(rows, 18 + 5 + 19);
    /* An empty ledger has no data to be beyond. */
    crvm_ledger *empty;
    assert_int_equal(crvm_ledger_new(&empty), CRVM_OK);
    assert_int_equal(crvm_ledger_contact_panel_size(empty, far, CRVM_PERIOD_MONTH, &rows), CRVM_OK);
    assert_int_equal(rows, 0);
    crvm_ledger_free(empty);
    crvm_ledger_free(l);
}

static crvm_status panel_scenario(void *ctx)
{
    const crvm_ledger *l = ctx;
    size_t rows;
    crvm_status st = crvm_ledger_contact_panel_size(l, D(2023, 12, 31), CRVM_PERIOD_MONTH, &rows);
    if (st != CRVM_OK)
        return st;
    int32_t cust[15];
    double out[15 * C];
    return crvm_ledger_contact_panel(l, D(2023, 12, 31), CRVM_PERIOD_MONTH, cust, rows, out, rows * C);
}

static void panel_survives_every_allocation_failure(void **state)
{
    (void)state;
    crvm_ledger *l = hand_ledger();
    assert_true(test_every_allocation_failure(panel_scenario, l) >= 3);
    crvm_ledger_free(l);
}

int main(void)
{
    test_alloc_install();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(panel_hand_computed),
        cmocka_unit_test(panel_column_names),
        cmocka_unit_test(panel_consistent_with_retention_data),
        cmocka_unit_test(panel_rejects_bad_arguments),
        cmocka_unit_test(as_of_far_beyond_the_data_is_refused),
        cmocka_unit_test(panel_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
