/* Unit tests for the value layer's data preparation: the compact retention
 * panel (lib/value/panel.c), its month arithmetic (lib/value/calendar.c) and
 * the trailing contribution (lib/value/contribution.c). The expected rows come
 * from the ledger's own panel (crvm_ledger_contact_panel: contact counts and
 * periods) and from a direct recount in this file with the public date calls
 * (silence, touches), on random ledgers whose touches the test knows; the
 * expected money from crvm_customer_economics() over each customer's window. */
#include "value_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "economics/cost_sums.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "value/contribution.h"
#include "value/ledger_lines.h"
#include "value/panel.h"
#include "value/value_internal.h"

#define D test_date

static void calendar_matches_the_ledger_dates(void **state)
{
    (void)state;
    test_rng rng = {7};
    crvm_date lo = D(1999, 1, 1);
    for (int it = 0; it < 200000; it++) {
        crvm_date a = lo + (crvm_date)(test_rng_uniform(&rng) * 12000);
        crvm_date b = a - 400 + (crvm_date)(test_rng_uniform(&rng) * 4000);
        int expected;
        assert_int_equal(crvm_date_whole_periods(a, b, CRVM_PERIOD_MONTH, &expected), CRVM_OK);
        assert_int_equal(crvm__ymd_months_between(crvm__ymd_of(a), crvm__ymd_of(b)), expected);
        int n = (int)(test_rng_uniform(&rng) * 300);
        crvm_date moved;
        assert_int_equal(crvm_date_add_periods(a, CRVM_PERIOD_MONTH, n, &moved), CRVM_OK);
        assert_int_equal(crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(a), n)), moved);
        assert_int_equal(crvm__ymd_le(crvm__ymd_of(a), crvm__ymd_of(b)), a <= b);
    }
    /* Month ends clamp: Jan 31 + 1 month = Feb 29 2024; to Mar 30 is 1 whole month. */
    assert_int_equal(crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(D(2024, 1, 31)), 1)), D(2024, 2, 29));
    assert_int_equal(crvm__ymd_months_between(crvm__ymd_of(D(2024, 1, 31)), crvm__ymd_of(D(2024, 3, 30))), 1);
    assert_int_equal(crvm__ymd_months_between(crvm__ymd_of(D(2024, 1, 31)), crvm__ymd_of(D(2024, 2, 29))), 1);
    assert_int_equal(crvm__ymd_months_between(crvm__ymd_of(D(2024, 1, 31)), crvm__ymd_of(D(2024, 2, 28))), 0);
}

/* The panel's table of days (crvm__ymd_days) against the public date API:
 * every day in its span and around it (converted) maps back to itself; a
 * span longer than the table keeps its last CRVM__YMD_DAYS_MAX days; an
 * empty span has none. crvm__whole_periods against crvm_date_whole_periods
 * for months, quarters and years. */
static void day_table_and_whole_periods_match_the_dates(void **state)
{
    (void)state;
    const crvm_date spans[3][2] = {{D(1999, 12, 20), D(2025, 3, 10)},
                                   {D(1800, 1, 1), D(2030, 1, 1)},
                                   {D(2020, 5, 1), D(2020, 4, 30)}};
    for (int k = 0; k < 3; k++) {
        crvm__ymd_days t;
        assert_int_equal(crvm__ymd_days_new(spans[k][0], spans[k][1], &t), CRVM_OK);
        long long days = (long long)spans[k][1] - spans[k][0] + 1;
        long long want = days < 0 ? 0 : days > CRVM__YMD_DAYS_MAX ? CRVM__YMD_DAYS_MAX : days;
        assert_int_equal(t.len, want);
        if (want > 0)
            assert_int_equal(t.first, spans[k][1] - (crvm_date)want + 1);
        for (crvm_date d = spans[k][1] - (crvm_date)want - 40; d <= spans[k][1] + 40; d++) {
            crvm__ymd x = crvm__ymd_day(&t, d);
            crvm_date back;
            assert_int_equal(crvm_date_from_ymd(x.y, x.m, x.d, &back), CRVM_OK);
            assert_int_equal(back, d);
        }
        crvm__ymd_days_free(&t);
    }
    test_rng rng = {11};
    const crvm_period per[3] = {CRVM_PERIOD_MONTH, CRVM_PERIOD_QUARTER, CRVM_PERIOD_YEAR};
    const int months[3] = {1, 3, 12};
    for (int it = 0; it < 30000; it++) {
        crvm_date a = D(1999, 1, 1) + (crvm_date)(test_rng_uniform(&rng) * 12000);
        crvm_date b = a + (crvm_date)(test_rng_uniform(&rng) * 6000);
        for (int j = 0; j < 3; j++) {
            int expected;
            assert_int_equal(crvm_date_whole_periods(a, b, per[j], &expected), CRVM_OK);
            assert_int_equal(crvm__whole_periods(crvm__ymd_months_between(crvm__ymd_of(a), crvm__ymd_of(b)),
                                                 months[j]), expected);
        }
    }
}

/* A customer's delta variance over its segment's alpha and beta, c and b
 * (crvm__value_compact_variance on crvm__value_segment_cov's block) is the
 * full g' Sigma g of
 * crvm__value_variance to the bit, for each of the three figures of every
 * active customer of a simulated business: the terms it leaves out are
 * finite covariances times exact zeros. */
static void customer_variance_is_the_full_delta_variance(void **state)
{
    (void)state;
    vs_business b = vs_simulated_small(300, 3);
    crvm_value *v;
    assert_int_equal(crvm_value_fit(b.ledger, NULL, D(2024, 6, 14), NULL, &v), CRVM_OK);
    const size_t w = 3 + v->p;
    double *grad = malloc(v->k * sizeof *grad), *lambda_b = malloc((v->p + 1) * sizeof *lambda_b);
    double *block = malloc(w * w * sizeof *block), g[3 + CRVM__Z_CANDIDATES];
    assert_non_null(grad);
    assert_non_null(lambda_b);
    assert_non_null(block);
    size_t checked = 0;
    for (size_t i = 0; i < v->panel.customers; i++) {
        if (v->panel.status[i] != CRVM__VP_ACTIVE)
            continue;
        crvm__vquery q;
        q.lambda_b = lambda_b;
        crvm__value_customer_query(v, i, &q);
        crvm__rcov_answer a;
        assert_int_equal(crvm__value_eval(v, &q, i, &a), CRVM_OK);
        const crvm__rcov_partials *part[3] = {&a.survival, &a.derl, &a.at_risk};
        crvm__value_segment_cov(v, q.segment, block);
        for (int s = 0; s < 3; s++) {
            crvm__value_gradient(v, &q, part[s], grad);
            crvm__value_compact_gradient(v, q.segment, grad, g);
            double full = crvm__value_variance(v, grad), own = crvm__value_compact_variance(block, w, g);
            assert_memory_equal(&own, &full, sizeof full);
            assert_true(full > 0);
            checked++;
        }
    }
    assert_true(checked > 100);
    free(grad);
    free(lambda_b);
    free(block);
    crvm_value_free(v);
    vs_free(&b);
}

/* A random ledger whose rows the test keeps (as a vs_business: value_support.h);
 * unattributed self-service views go to *loose (their dates, *n_loose of them). */
static vs_business make_random_ledger(uint64_t seed, size_t n, crvm_date **loose, size_t *n_loose)
{
    vs_business r;
    memset(&r, 0, sizeof r);
    test_rng rng = {seed};
    r.n = n;
    r.start = calloc(n, sizeof *r.start);
    r.end = calloc(n, sizeof *r.end);
    char (*ids)[24] = calloc(n, sizeof *ids);
    const char **idp = calloc(n, sizeof *idp), **segp = calloc(n, sizeof *segp);
    static const char *segs[] = {"smb", "mid", "ent"};
    crvm_date t0 = D(2021, 1, 1);
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "c%zu", i);
        idp[i] = ids[i];
        segp[i] = segs[i % 3];
        r.start[i] = t0 + (crvm_date)(test_rng_uniform(&rng) * 1000);
        r.end[i] = test_rng_uniform(&rng) < 0.4 ? r.start[i] + (crvm_date)(test_rng_uniform(&rng) * 900)
                                                : CRVM_DATE_NONE;
    }
    assert_int_equal(crvm_ledger_new(&r.ledger), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customers(r.ledger, idp, n, segp, n, r.start, n, r.end, n, NULL), CRVM_OK);
    r.nk = 4 * n;
    r.k_customer = calloc(r.nk, sizeof(int32_t));
    r.k_outcome = calloc(r.nk, sizeof(int32_t));
    r.k_escalated = calloc(r.nk, sizeof(int32_t));
    r.k_opened = calloc(r.nk, sizeof(crvm_date));
    r.k_channel = calloc(r.nk, sizeof(int32_t));
    r.k_tier = calloc(r.nk, sizeof(int32_t));
    char (*kids)[24] = calloc(r.nk, sizeof *kids);
    const char **kidp = calloc(r.nk, sizeof *kidp), **kcp = calloc(r.nk, sizeof *kcp);
    int32_t *channel = r.k_channel, *tier = r.k_tier;
    double *minutes = calloc(r.nk, sizeof *minutes), *sat = calloc(r.nk, sizeof *sat);
    crvm_date *closed = calloc(r.nk, sizeof *closed);
    for (size_t k = 0; k < r.nk; k++) {
        /* Contacts cluster on a few customers so that periods hold several. */
        size_t c = (size_t)(test_rng_uniform(&rng) * (double)n * (test_rng_uniform(&rng) < 0.5 ? 0.1 : 1.0));
        snprintf(kids[k], sizeof kids[k], "k%zu", k);
        kidp[k] = kids[k];
        kcp[k] = idp[c];
        r.k_customer[k] = (int32_t)c;
        r.k_opened[k] = r.start[c] - 30 + (crvm_date)(test_rng_uniform(&rng) * 1100);
        closed[k] = CRVM_DATE_NONE;
        r.k_outcome[k] = (int32_t)(test_rng_uniform(&rng) * 4);
        r.k_escalated[k] = test_rng_uniform(&rng) < 0.2;
        channel[k] = (int32_t)(test_rng_uniform(&rng) * CRVM_CHANNEL_COUNT);
        tier[k] = 1 + (int32_t)(test_rng_uniform(&rng) * 3);
        minutes[k] = (double)(int)(test_rng_uniform(&rng) * 600) / 10.0;
        sat[k] = 4;
    }
    assert_int_equal(crvm_ledger_add_contacts(r.ledger, kidp, r.nk, kcp, r.nk, r.k_opened, r.nk, closed, r.nk,
                                              channel, r.nk, minutes, r.nk, tier, r.nk, r.k_escalated,
                                              r.nk, r.k_outcome, r.nk, sat, r.nk, NULL),
                     CRVM_OK);
    size_t nr = 6 * n;
    const char **rcp = calloc(nr, sizeof *rcp);
    crvm_date *rdate = calloc(nr, sizeof *rdate);
    double *ramount = calloc(nr, sizeof *ramount);
    int32_t *rstream = calloc(nr, sizeof *rstream);
    for (size_t e = 0; e < nr; e++) {
        size_t c = (size_t)(test_rng_uniform(&rng) * (double)n);
        rcp[e] = idp[c];
        rdate[e] = r.start[c] - 30 + (crvm_date)(test_rng_uniform(&rng) * 1000);
        ramount[e] = (double)(long)(test_rng_uniform(&rng) * 200000 - 10000) / 100.0;
        rstream[e] = (int32_t)(test_rng_uniform(&rng) * CRVM_STREAM_COUNT);
    }
    assert_int_equal(crvm_ledger_add_revenue(r.ledger, rcp, nr, rdate, nr, ramount, nr, rstream, nr, NULL), CRVM_OK);
    free(rcp);
    free(rdate);
    free(ramount);
    free(rstream);
    assert_int_equal(crvm_ledger_add_article(r.ledger, "A1", t0 - 400, 1, 0.1), CRVM_OK);
    size_t nu = 3 * n;
    r.v_customer = calloc(nu, sizeof(int32_t));
    r.v_date = calloc(nu, sizeof(crvm_date));
    *loose = calloc(nu, sizeof **loose);
    *n_loose = 0;
    for (size_t v = 0; v < nu; v++) {
        size_t c = (size_t)(test_rng_uniform(&rng) * (double)n);
        int attributed = test_rng_uniform(&rng) >= 0.1;
        crvm_date date = r.start[c] - 20 + (crvm_date)(test_rng_uniform(&rng) * 1000);
        int kind = test_rng_uniform(&rng) < 0.2 ? CRVM_USE_ASSISTED : CRVM_USE_SELF_SERVICE;
        /* An assisted use names a contact, which makes it no touch of the customer. */
        const char *contact = kind == CRVM_USE_ASSISTED ? kidp[v % r.nk] : NULL;
        const char *customer = kind == CRVM_USE_ASSISTED || !attributed ? NULL : idp[c];
        if (customer) {
            r.v_customer[r.nv] = (int32_t)c;
            r.v_date[r.nv++] = date;
        } else if (kind == CRVM_USE_SELF_SERVICE) {
            (*loose)[(*n_loose)++] = date;
        }
        assert_int_equal(crvm_ledger_add_knowledge_use(r.ledger, "A1", date, kind, 1, contact, customer), CRVM_OK);
    }
    r.segment = calloc(n, sizeof *r.segment);
    assert_int_equal(crvm_ledger_customers(r.ledger, r.segment, n, NULL, 0, NULL, 0), CRVM_OK);
    vs_index(&r);
    free(ids);
    free(idp);
    free(segp);
    free(kids);
    free(kidp);
    free(kcp);
    free(minutes);
    free(sat);
    free(closed);
    return r;
}

static crvm_date add_periods(crvm_date d, crvm_period p, int n)
{
    crvm_date out;
    assert_int_equal(crvm_date_add_periods(d, p, n, &out), CRVM_OK);
    return out;
}

/* The expected pattern of period s (renewal at start + s periods) of customer
 * i, recounted (value_support.c); the ledger's own panel row for the counts
 * when given. */
static void expected_period(const vs_business *r, size_t i, int s, crvm_date as_of, crvm_period per,
                            const double *ledger_row, const crvm__vpattern *got)
{
    double z[7];
    int touches, quiet;
    vs_period_covariates(r, i, s, as_of, per, z, &touches, &quiet);
    assert_int_equal(got->quiet, quiet);
    assert_int_equal(got->touches, touches >= 2 ? 2 : touches);
    for (int j = 0; j < CRVM__Z_CANDIDATES; j++)
        assert_int_equal(got->z[j], (uint32_t)z[j]);
    if (ledger_row) {
        assert_int_equal(got->z[CRVM__Z_CONTACTS], (int)ledger_row[CRVM_PANEL_CONTACTS]);
        assert_int_equal(got->z[CRVM__Z_WORKAROUND], (int)ledger_row[CRVM_PANEL_WORKAROUND]);
        assert_int_equal(got->z[CRVM__Z_REFUSED], (int)ledger_row[CRVM_PANEL_REFUSED]);
        assert_int_equal(got->z[CRVM__Z_ABANDONED], (int)ledger_row[CRVM_PANEL_ABANDONED]);
        assert_int_equal(got->z[CRVM__Z_ESCALATED], (int)ledger_row[CRVM_PANEL_ESCALATED]);
    }
}

static size_t check_panel(const vs_business *r, crvm_date as_of, crvm_period per, int k, size_t *rows_out)
{
    crvm__vpanel p;
    assert_int_equal(crvm__vpanel_build(r->ledger, as_of, k, &p), CRVM_OK);
    size_t n = r->n, rows = 0;
    int32_t *periods = calloc(n, sizeof *periods), *churned = calloc(n, sizeof *churned);
    assert_int_equal(crvm_ledger_retention_data(r->ledger, as_of, per, periods, n, churned, n), CRVM_OK);
    assert_int_equal(crvm_ledger_contact_panel_size(r->ledger, as_of, per, &rows), CRVM_OK);
    assert_int_equal(p.rows, rows);
    int32_t *customer = calloc(rows + 1, sizeof *customer);
    double *panel = calloc((rows + 1) * CRVM_PANEL_COLUMNS, sizeof *panel);
    assert_int_equal(crvm_ledger_contact_panel(r->ledger, as_of, per, customer, rows, panel, rows * CRVM_PANEL_COLUMNS), CRVM_OK);
    size_t active = 0, with_rows = 0;
    for (size_t i = 0; i < n; i++) {
        int started = r->start[i] <= as_of;
        int is_churned = r->end[i] != CRVM_DATE_NONE && r->end[i] <= as_of;
        assert_int_equal(p.status[i], !started ? CRVM__VP_NOT_STARTED : is_churned ? CRVM__VP_CHURNED : CRVM__VP_ACTIVE);
        assert_int_equal(p.periods[i], periods[i] < 0 ? 0 : periods[i]);
        assert_int_equal(p.churned[i], churned[i]);
        for (int s = 1; s <= p.periods[i]; s++) {
            size_t row = p.first_row[i] + (size_t)(s - 1);
            assert_int_equal(customer[row], (int32_t)i);
            assert_true(p.row_pattern[row] < p.patterns && p.pattern[p.row_pattern[row]].in_rows);
            expected_period(r, i, s, as_of, per, panel + row * CRVM_PANEL_COLUMNS, &p.pattern[p.row_pattern[row]]);
        }
        with_rows += p.periods[i] > 0;
        if (p.status[i] == CRVM__VP_ACTIVE) {
            active++;
            assert_true(p.current[i] < p.patterns);
            expected_period(r, i, p.periods[i] + 1, as_of, per, NULL, &p.pattern[p.current[i]]);
            assert_int_equal(p.silence[i], vs_silence(r, i, as_of, per));
        } else {
            assert_int_equal(p.current[i], UINT32_MAX);
            assert_int_equal(p.silence[i], -1);
        }
    }
    /* The data exercise every kind of period (when there are rows). */
    size_t kinds[4] = {0};
    for (size_t row = 0; row < p.rows; row++) {
        const crvm__vpattern *q = &p.pattern[p.row_pattern[row]];
        kinds[0] += q->z[CRVM__Z_SILENT_3_5];
        kinds[1] += q->z[CRVM__Z_SILENT_6_PLUS];
        kinds[2] += q->touches == 2;
        kinds[3] += q->touches == 0 && q->quiet == 0;
    }
    if (p.rows > 1000)
        for (int j = 0; j < 4; j++)
            assert_true(kinds[j] > 10);
    /* Patterns are distinct. */
    for (size_t a = 0; a < p.patterns; a++)
        for (size_t b = a + 1; b < p.patterns; b++)
            assert_true(memcmp(p.pattern[a].z, p.pattern[b].z, sizeof p.pattern[a].z) ||
                        p.pattern[a].touches != p.pattern[b].touches || p.pattern[a].quiet != p.pattern[b].quiet);
    free(periods);
    free(churned);
    free(customer);
    free(panel);
    crvm__vpanel_free(&p);
    *rows_out = with_rows;
    return active;
}

static void panel_matches_the_ledger_and_a_recount(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose;
    vs_business r = make_random_ledger(11, 300, &loose, &n_loose);
    size_t with_rows;
    /* Dates with many active customers and customers with rows, so both paths are exercised. */
    assert_true(check_panel(&r, D(2022, 6, 15), CRVM_PERIOD_MONTH, 1, &with_rows) > 50 && with_rows > 50);
    assert_true(check_panel(&r, D(2023, 10, 31), CRVM_PERIOD_MONTH, 1, &with_rows) > 50 && with_rows > 50);
    assert_true(check_panel(&r, D(2023, 10, 31), CRVM_PERIOD_QUARTER, 3, &with_rows) > 50 && with_rows > 50);
    /* Before anyone's first renewal: no rows at all. */
    check_panel(&r, D(2021, 1, 1), CRVM_PERIOD_MONTH, 1, &with_rows);
    assert_int_equal(with_rows, 0);
    vs_free(&r);
    free(loose);
}

/* The rows are built in blocks of CRVM__VALUE_BLOCK customers on the
 * threads, each block numbering its patterns before they are merged: with
 * several blocks, every thread count must give the panel of one thread. */
/* crvm__value_blocks_overlapped: each block's slot is folded in block
 * order, once, before the slot takes another block, however the blocks'
 * lengths shuffle their ends (busy loops of varying length); a failing
 * block or fold stops the run with its own status and message, every fold
 * before it done in order and none after it. The expected order is the
 * blocks' own numbering. */
enum { OB_BLOCKS = 37, OB_N = OB_BLOCKS * CRVM__VALUE_BLOCK - 100 };

typedef struct ob_ctx {
    size_t slot_begin[64 * 4]; /* the block in each slot, by its first customer */
    size_t folded[OB_BLOCKS];
    size_t n_folded;
    size_t fail_block, fail_fold; /* OB_BLOCKS: none */
    int bad;                      /* a fold found its slot not holding the block expected */
} ob_ctx;

static crvm_status ob_block(void *vctx, size_t worker, size_t slot, size_t begin, size_t end)
{
    (void)worker;
    ob_ctx *c = vctx;
    const size_t b = begin / CRVM__VALUE_BLOCK;
    volatile double x = 0;
    for (size_t k = 0; k < ((b * 7919) % 13) * 20000; k++)
        x = x + 1.0;
    if (end - begin != (b + 1 == OB_BLOCKS ? CRVM__VALUE_BLOCK - 100 : CRVM__VALUE_BLOCK))
        c->bad = 1;
    if (b == c->fail_block)
        return crvm__fail(CRVM_EDOMAIN, "block %zu failed", b);
    c->slot_begin[slot] = begin;
    return CRVM_OK;
}

static crvm_status ob_fold(void *vctx, size_t slot)
{
    ob_ctx *c = vctx;
    const size_t b = c->n_folded;
    if (c->slot_begin[slot] != b * CRVM__VALUE_BLOCK)
        c->bad = 1;
    if (b == c->fail_fold)
        return crvm__fail(CRVM_ENOMEM, "fold %zu failed", b);
    c->folded[c->n_folded++] = c->slot_begin[slot] / CRVM__VALUE_BLOCK;
    return CRVM_OK;
}

static void overlapped_blocks_fold_in_block_order(void **state)
{
    (void)state;
    const int threads[4] = {1, 2, 3, 5};
    for (int t = 0; t < 4; t++)
        for (int fault = 0; fault < 3; fault++) {
            ob_ctx *c = calloc(1, sizeof *c);
            assert_non_null(c);
            c->fail_block = fault == 1 ? 20 : OB_BLOCKS;
            c->fail_fold = fault == 2 ? 7 : OB_BLOCKS;
            crvm_status st = crvm__value_blocks_overlapped(threads[t], OB_N, ob_block, ob_fold, c);
            assert_false(c->bad);
            for (size_t j = 0; j < c->n_folded; j++)
                assert_int_equal(c->folded[j], j);
            if (fault == 0) {
                assert_int_equal(st, CRVM_OK);
                assert_int_equal(c->n_folded, OB_BLOCKS);
            } else if (fault == 1) {
                assert_int_equal(st, CRVM_EDOMAIN);
                assert_string_equal(crvm_last_error(), "block 20 failed");
                assert_true(c->n_folded <= 20);
            } else {
                assert_int_equal(st, CRVM_ENOMEM);
                assert_string_equal(crvm_last_error(), "fold 7 failed");
                assert_int_equal(c->n_folded, 7);
            }
            free(c);
        }
}

static void panel_is_the_same_for_every_thread_count(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose, n = vs_under_valgrind() ? 2 * CRVM__VALUE_BLOCK + 100 : 5 * CRVM__VALUE_BLOCK + 100;
    vs_business r = make_random_ledger(17, n, &loose, &n_loose);
    crvm__vpanel one;
    assert_int_equal(crvm__vpanel_build(r.ledger, D(2023, 10, 31), 1, &one), CRVM_OK);
    assert_true(one.rows > 1000 && one.patterns > 50);
    for (int threads = 2; threads <= 3; threads++) {
        crvm__vpanel p;
        assert_int_equal(crvm__vpanel_build_threads(r.ledger, D(2023, 10, 31), 1, threads, &p), CRVM_OK);
        assert_int_equal(p.customers, one.customers);
        assert_int_equal(p.rows, one.rows);
        assert_int_equal(p.patterns, one.patterns);
        assert_memory_equal(p.status, one.status, n);
        assert_memory_equal(p.churned, one.churned, n);
        assert_memory_equal(p.periods, one.periods, n * sizeof *p.periods);
        assert_memory_equal(p.first_row, one.first_row, (n + 1) * sizeof *p.first_row);
        assert_memory_equal(p.row_pattern, one.row_pattern, one.rows * sizeof *p.row_pattern);
        assert_memory_equal(p.current, one.current, n * sizeof *p.current);
        assert_memory_equal(p.silence, one.silence, n * sizeof *p.silence);
        for (size_t q = 0; q < one.patterns; q++) {
            assert_memory_equal(p.pattern[q].z, one.pattern[q].z, sizeof one.pattern[q].z);
            assert_int_equal(p.pattern[q].touches, one.pattern[q].touches);
            assert_int_equal(p.pattern[q].quiet, one.pattern[q].quiet);
            assert_int_equal(p.pattern[q].in_rows, one.pattern[q].in_rows);
        }
        crvm__vpanel_free(&p);
    }
    crvm__vpanel_free(&one);
    vs_free(&r);
    free(loose);
}

typedef struct panel_ctx {
    const crvm_ledger *l;
    crvm_date as_of;
} panel_ctx;

static crvm_status build_and_free(void *ctx)
{
    panel_ctx *c = ctx;
    crvm__vpanel p;
    crvm_status st = crvm__vpanel_build(c->l, c->as_of, 1, &p);
    if (st == CRVM_OK)
        crvm__vpanel_free(&p);
    return st;
}

static void panel_allocation_failures(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose;
    vs_business r = make_random_ledger(5, 60, &loose, &n_loose);
    panel_ctx c = {r.ledger, D(2023, 1, 1)};
    assert_true(test_every_allocation_failure(build_and_free, &c) > 5);
    vs_free(&r);
    free(loose);
}

/* The economics of [from, until) of customer i, through the public call. */
static void economics_of(const crvm_ledger *l, const crvm_cost_model *m, size_t n, size_t i,
                         crvm_date from, crvm_date until, double *row)
{
    double *all = calloc(n * CRVM_ECON_COLUMNS, sizeof *all);
    assert_int_equal(crvm_customer_economics(l, m, from, until, all, n * CRVM_ECON_COLUMNS), CRVM_OK);
    memcpy(row, all + i * CRVM_ECON_COLUMNS, CRVM_ECON_COLUMNS * sizeof *row);
    free(all);
}

static void check_contribution(const vs_business *r, crvm_date as_of, crvm_period per, int k,
                               int trailing, double shrinkage)
{
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    size_t n = r->n;
    int64_t *gm = calloc(n, sizeof *gm), *cts = calloc(n, sizeof *cts);
    assert_int_equal(crvm__contribution(r->ledger, &m, as_of, k, trailing, shrinkage, gm, cts), CRVM_OK);
    double *sum = calloc(n * 3, sizeof *sum); /* gross margin, cost (cents), periods */
    int32_t *segment = calloc(n, sizeof *segment);
    assert_int_equal(crvm_ledger_customers(r->ledger, segment, n, NULL, 0, NULL, 0), CRVM_OK);
    double seg[3][3] = {{0}};
    for (size_t i = 0; i < n; i++) {
        crvm_date s = r->start[i];
        if (s > as_of)
            continue;
        int churned = r->end[i] != CRVM_DATE_NONE && r->end[i] <= as_of;
        crvm_date until = churned ? r->end[i] : as_of + 1;
        crvm_date from = add_periods(until, CRVM_PERIOD_MONTH, -trailing);
        if (from < s)
            from = s;
        double row[CRVM_ECON_COLUMNS];
        economics_of(r->ledger, &m, n, i, from, until, row);
        int p = 0;
        for (int j = 0; add_periods(s, per, j) < until; j++)
            p += add_periods(s, per, j) >= from;
        sum[3 * i] = (double)llround(row[CRVM_ECON_GROSS_MARGIN] * 100);
        sum[3 * i + 1] = (double)llround(row[CRVM_ECON_COST_TO_SERVE] * 100);
        sum[3 * i + 2] = p;
        if (!churned)
            for (int c = 0; c < 3; c++)
                seg[segment[i]][c] += sum[3 * i + c];
    }
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        double p = sum[3 * i + 2], add = shrinkage;
        if (r->start[i] > as_of || p + add == 0) {
            assert_true(gm[i] == 0 && cts[i] == 0);
            continue;
        }
        const double *g = seg[segment[i]];
        assert_int_equal(gm[i], llround((sum[3 * i] + add * g[0] / g[2]) / (p + add)));
        assert_int_equal(cts[i], llround((sum[3 * i + 1] + add * g[1] / g[2]) / (p + add)));
        checked += sum[3 * i] != 0 && sum[3 * i + 1] != 0;
    }
    assert_true(checked > n / 10); /* many customers have both revenue and costs in their window */
    free(gm);
    free(cts);
    free(sum);
    free(segment);
}

static void contribution_matches_the_economics_of_each_window(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose;
    vs_business r = make_random_ledger(3, 120, &loose, &n_loose);
    check_contribution(&r, D(2023, 5, 20), CRVM_PERIOD_MONTH, 1, 12, 0.0);
    check_contribution(&r, D(2023, 5, 20), CRVM_PERIOD_MONTH, 1, 5, 0.0);
    check_contribution(&r, D(2023, 5, 20), CRVM_PERIOD_QUARTER, 3, 12, 0.0);
    check_contribution(&r, D(2022, 12, 31), CRVM_PERIOD_MONTH, 1, 12, 3.5);
    vs_free(&r);
    free(loose);
}

typedef struct contribution_ctx {
    const crvm_ledger *l;
    const crvm_cost_model *m;
    int64_t *gm, *cts;
} contribution_ctx;

static crvm_status contribution_scenario(void *ctx)
{
    contribution_ctx *c = ctx;
    return crvm__contribution(c->l, c->m, D(2023, 1, 1), 1, 12, 1.0, c->gm, c->cts);
}

static void contribution_allocation_failures_and_overflow(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose;
    vs_business r = make_random_ledger(5, 40, &loose, &n_loose);
    int64_t gm[40], cts[40];
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    contribution_ctx c = {r.ledger, &m, gm, cts};
    assert_true(test_every_allocation_failure(contribution_scenario, &c) >= 4);
    /* The ledger bounds revenue at 2^53 cents in all, so the costs are what
     * can pass it: two hour-long contacts at 5e13 an hour, each within the
     * bound, sum to 1e16 cents in one window. */
    const char *kid[] = {"c0-big-1", "c0-big-2"}, *who[] = {"c0", "c0"};
    crvm_date when[] = {r.start[0], r.start[0]};
    int32_t channel[] = {CRVM_CHANNEL_PHONE, CRVM_CHANNEL_PHONE}, tier[] = {1, 1}, esc[] = {0, 0};
    int32_t outcome[] = {CRVM_OUTCOME_RESOLVED, CRVM_OUTCOME_RESOLVED};
    double minutes[] = {60, 60}, sat[] = {NAN, NAN};
    assert_int_equal(crvm_ledger_add_contacts(r.ledger, kid, 2, who, 2, when, 2, when, 2, channel, 2, minutes, 2,
                                              tier, 2, esc, 2, outcome, 2, sat, 2, NULL),
                     CRVM_OK);
    m.hourly_rate[0] = 5e13;
    assert_status(crvm_cost_model_validate(&m), CRVM_OK);
    assert_status(crvm__contribution(r.ledger, &m, r.start[0] + 10, 1, 12, 0.0, gm, cts), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "customer c0"));
    assert_status(crvm__contribution_threads(r.ledger, &m, r.start[0] + 10, 1, 12, 0.0, 3, gm, cts), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "customer c0"));
    vs_free(&r);
    free(loose);
}

/* Each thread sums a range of customers: the same cents for any thread count. */
static void contribution_is_the_same_for_every_thread_count(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose, n = 400;
    vs_business r = make_random_ledger(23, n, &loose, &n_loose);
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    int64_t *gm = calloc(2 * n, sizeof *gm), *cts = calloc(2 * n, sizeof *cts);
    assert_int_equal(crvm__contribution(r.ledger, &m, D(2023, 10, 31), 1, 12, 1.0, gm, cts), CRVM_OK);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
        nonzero += gm[i] != 0 && cts[i] != 0;
    assert_true(nonzero > n / 4);
    for (int threads = 2; threads <= 7; threads += 5) {
        assert_int_equal(crvm__contribution_threads(r.ledger, &m, D(2023, 10, 31), 1, 12, 1.0, threads, gm + n,
                                                    cts + n),
                         CRVM_OK);
        assert_memory_equal(gm + n, gm, n * sizeof *gm);
        assert_memory_equal(cts + n, cts, n * sizeof *cts);
    }
    free(gm);
    free(cts);
    vs_free(&r);
    free(loose);
}

/* Cents of a figure in currency units (a double nearest a whole number of cents). */
static int64_t cents(double x) { return llround(x * 100.0); }

static void pnl_lines_reconcile_with_the_economics(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose;
    vs_business r = make_random_ledger(17, 150, &loose, &n_loose);
    crvm_ledger *l = r.ledger;
    /* More articles, created at different dates, with uses linked to contacts. */
    for (int a = 2; a <= 6; a++) {
        char id[8];
        snprintf(id, sizeof id, "A%d", a);
        assert_int_equal(crvm_ledger_add_article(l, id, D(2021, 2 * a, 3), 1.5 * a, 0.2 * a), CRVM_OK);
        for (int u = 0; u < 40; u++) {
            char kid[16];
            snprintf(kid, sizeof kid, "k%d", 7 * u + a);
            if (u % 3)
                assert_int_equal(crvm_ledger_add_contact_article(l, kid, id), CRVM_OK);
            assert_int_equal(crvm_ledger_add_knowledge_use(l, id, D(2021, 2 * a, 3) + 9 * u, u % 3 ? CRVM_USE_ASSISTED : CRVM_USE_SELF_SERVICE,
                                                           u % 2, u % 3 ? kid : NULL, u % 3 ? NULL : "c3"),
                             CRVM_OK);
        }
    }
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    const size_t n = r.n, C = CRVM_ECON_COLUMNS;
    double *econ = calloc(n * C, sizeof *econ), base[CRVM_KV_COLUMNS];
    const crvm_date as_of = D(2023, 7, 31);
    crvm_knowledge_estimate est;
    double *kv = calloc(7 * CRVM_KV_COLUMNS, sizeof *kv);
    assert_int_equal(crvm_knowledge_value(l, &m, as_of, kv, 6 * CRVM_KV_COLUMNS, &est), CRVM_OK);
    assert_true(est.minutes_saved != 0 && est.avoided_contact_cost > 0);
    const crvm_date windows[][2] = {{CRVM_DATE_MIN, as_of + 1}, {D(2022, 1, 1), D(2022, 4, 1)},
                                    {D(2021, 6, 15), as_of + 1}, {D(2023, 7, 1), D(2024, 1, 1)}};
    /* The default rates bound every sum of the contacts' costs below 2^53
     * cents, so they are summed unchecked (cost_sums.h); rates a million
     * times higher do not, and every contact's cost is checked instead. */
    crvm_cost_model dear = m;
    for (int t = 0; t < CRVM_TIER_COUNT; t++)
        dear.hourly_rate[t] *= 1e6;
    assert_true(crvm__cost_sums_exact(&m, l->contact_ids.count));
    assert_false(crvm__cost_sums_exact(&dear, l->contact_ids.count));
    for (size_t mw = 0; mw < 2 * sizeof windows / sizeof windows[0]; mw++) {
        const size_t w = mw % (sizeof windows / sizeof windows[0]);
        if (w == 0)
            m = mw ? dear : m;
        crvm_date from = windows[w][0], until = windows[w][1] < as_of + 1 ? windows[w][1] : as_of + 1;
        crvm__pnl_ledger p;
        assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, from, windows[w][1], 1, &p), CRVM_OK);
        crvm__pnl_ledger on_threads; /* its two halves on two threads of three: the same lines */
        assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, from, windows[w][1], 3, &on_threads), CRVM_OK);
        assert_memory_equal(&p, &on_threads, sizeof p);
        assert_int_equal(crvm_customer_economics(l, &m, from, until, econ, n * C), CRVM_OK);
        int64_t sum[5] = {0}, contacts = 0, plan = 0;
        for (size_t i = 0; i < n; i++) {
            const double *row = econ + i * C;
            sum[0] += cents(row[CRVM_ECON_LABOUR_COST]);
            sum[1] += cents(row[CRVM_ECON_CHANNEL_COST]);
            sum[2] += cents(row[CRVM_ECON_ESCALATION_COST]);
            sum[3] += cents(row[CRVM_ECON_OVERHEAD_COST]);
            sum[4] += cents(row[CRVM_ECON_SELF_SERVICE_COST]);
            contacts += (int64_t)row[CRVM_ECON_CONTACTS];
            plan += cents(row[CRVM_ECON_REVENUE_SUBSCRIPTION + CRVM_STREAM_SUPPORT_PLAN]);
        }
        /* Views not attributed to a customer are in the P&L but not in any customer's economics. */
        int64_t unattributed = 0;
        for (size_t v = 0; v < n_loose; v++)
            unattributed += loose[v] >= from && loose[v] < until;
        assert_int_equal(p.labour, sum[0]);
        assert_int_equal(p.channel, sum[1]);
        assert_int_equal(p.escalation, sum[2]);
        assert_int_equal(p.overhead, sum[3]);
        assert_int_equal(p.self_service, sum[4] + unattributed * cents(m.self_service_cost));
        assert_int_equal(p.contacts, contacts);
        assert_int_equal(p.support_plan, plan);
        assert_true(p.contacts > 0 && p.labour > 0);
        if (w == 0) { /* the whole history: exactly the knowledge base value */
            assert_int_equal(crvm_knowledge_base_value(l, &m, as_of, base, CRVM_KV_COLUMNS), CRVM_OK);
            assert_int_equal(p.labour_saving, cents(base[CRVM_KV_LABOUR_SAVING]));
            assert_int_equal(p.deflection_saving, cents(base[CRVM_KV_DEFLECTION_SAVING]));
            assert_int_equal(p.knowledge, cents(base[CRVM_KV_COST]));
            assert_true(p.labour_saving != 0 && p.deflection_saving > 0 && p.knowledge > 0);
        }
    }
    crvm_cost_model_init_defaults(&m);
    /* A window's knowledge lines are the growth of the cumulative ones (savings with
     * the inputs fixed, so the estimate does not move), within a cent per article
     * and line for the rounding of each. */
    m.minutes_saved = est.minutes_saved;
    m.avoided_contact_cost = est.avoided_contact_cost;
    crvm_date a = D(2022, 2, 10), b = D(2022, 11, 20);
    double before[CRVM_KV_COLUMNS], after[CRVM_KV_COLUMNS];
    assert_int_equal(crvm_knowledge_base_value(l, &m, a - 1, before, CRVM_KV_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_knowledge_base_value(l, &m, b - 1, after, CRVM_KV_COLUMNS), CRVM_OK);
    crvm__pnl_ledger p;
    assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, a, b, 1, &p), CRVM_OK);
    assert_true(llabs(p.labour_saving - (cents(after[CRVM_KV_LABOUR_SAVING]) - cents(before[CRVM_KV_LABOUR_SAVING]))) <= 2 * 6);
    assert_true(llabs(p.deflection_saving - (cents(after[CRVM_KV_DEFLECTION_SAVING]) - cents(before[CRVM_KV_DEFLECTION_SAVING]))) <= 2 * 6);
    assert_true(llabs(p.knowledge - (cents(after[CRVM_KV_COST]) - cents(before[CRVM_KV_COST]))) <= 3 * 6);
    assert_true(p.knowledge > 0 && p.labour_saving != 0);
    free(econ);
    free(kv);
    vs_free(&r);
    free(loose);
}

/* The knowledge estimate's cost statistics against each contact costed here
 * (docs/economics.md: every component rounded to the cent, half away from
 * zero), with rates that let the library sum the costs unchecked and rates a
 * million times higher that make it check each contact. */
static void estimate_stats_cost_each_contact(void **state)
{
    (void)state;
    crvm_date *loose;
    size_t n_loose;
    vs_business r = make_random_ledger(23, 200, &loose, &n_loose);
    const crvm_ledger *l = r.ledger;
    const size_t nk = l->contact_ids.count;
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    m.overhead_per_minute = 0.37; /* fractions of a cent to round */
    m.escalation_cost = 12.345;
    const crvm_date as_of = D(2023, 5, 31);
    for (int dear = 0; dear < 2; dear++) {
        for (int t = 0; t < CRVM_TIER_COUNT && dear; t++)
            m.hourly_rate[t] *= 1e6;
        assert_int_equal(crvm__cost_sums_exact(&m, nk), !dear);
        double stats[CRVM_KE_STATS];
        assert_int_equal(crvm_knowledge_estimate_stats(l, &m, as_of, stats, CRVM_KE_STATS), CRVM_OK);
        int64_t cents = 0, counted = 0;
        for (size_t k = 0; k < nk; k++) {
            if (l->con_opened[k] > as_of)
                continue;
            const double minutes = l->con_minutes[k];
            cents += llround(minutes / 60.0 * m.hourly_rate[l->con_tier[k] - 1] * 100.0) +
                     llround(m.channel_cost[l->con_channel[k]] * 100.0) +
                     (l->con_escalated[k] ? llround(m.escalation_cost * 100.0) : 0) +
                     llround((m.overhead_per_contact + m.overhead_per_minute * minutes) * 100.0);
            counted++;
        }
        assert_true(counted > 100 && counted < (int64_t)nk);
        assert_true(stats[4 * CRVM_KE_CELLS] == (double)cents);
        assert_true(stats[4 * CRVM_KE_CELLS + 1] == (double)counted);
    }
    vs_free(&r);
    free(loose);
}

/* The ledger lines fail (CRVM_EDOMAIN) exactly when a line, summed row by
 * row with each partial sum checked, would reach 2^53 cents: revenue whose
 * magnitudes total exactly 2^53 (the most a ledger takes), sessions and
 * contacts of costs near it. */
static void pnl_lines_refuse_exactly_the_sums_past_2_53(void **state)
{
    (void)state;
    crvm_ledger *l;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "C1", "smb", D(2023, 1, 1), CRVM_DATE_NONE), CRVM_OK);
    /* 9e15 + 7 199 254 740 992 = 2^53 cents. */
    assert_int_equal(crvm_ledger_add_revenue_event(l, "C1", D(2023, 2, 1), 9e13, CRVM_STREAM_SUPPORT_PLAN),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue_event(l, "C1", D(2023, 3, 1), 71992547409.92,
                                                   CRVM_STREAM_SUPPORT_PLAN),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_article(l, "A1", D(2023, 1, 1), 0, 0), CRVM_OK);
    for (int d = 1; d <= 2; d++) {
        assert_int_equal(crvm_ledger_add_knowledge_use(l, "A1", D(2023, 4, d), CRVM_USE_SELF_SERVICE, 0,
                                                       NULL, "C1"),
                         CRVM_OK);
        char id[4] = {'K', (char)('0' + d), 0};
        assert_int_equal(crvm_ledger_add_contact(l, id, "C1", D(2023, 5, d), D(2023, 5, d),
                                                 CRVM_CHANNEL_EMAIL, 10, 1, 0, CRVM_OUTCOME_RESOLVED, NAN),
                         CRVM_OK);
    }
    const crvm_date as_of = D(2023, 6, 30);
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    crvm__pnl_ledger p;
    const char *too_large = "support P&L: a line passes";
    /* Revenue: either event alone, not both. */
    assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 1, 1), D(2023, 3, 1), 1, &p), CRVM_OK);
    assert_int_equal(p.support_plan, 9000000000000000LL);
    assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 3, 1), as_of + 1, 1, &p), CRVM_OK);
    assert_int_equal(p.support_plan, 7199254740992LL);
    assert_status(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 1, 1), as_of + 1, 2, &p), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), too_large));
    /* Sessions of 4.6e15 cents: one, not two; a session past 2^53 cents not even once. */
    m.self_service_cost = 4.6e13;
    assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 4, 1), D(2023, 4, 2), 1, &p), CRVM_OK);
    assert_int_equal(p.self_service, 4600000000000000LL);
    assert_status(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 4, 1), D(2023, 4, 3), 1, &p), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), too_large));
    m.self_service_cost = 1e14;
    assert_status(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 4, 2), D(2023, 5, 1), 1, &p), CRVM_EDOMAIN);
    assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 4, 3), as_of + 1, 1, &p), CRVM_OK);
    assert_int_equal(p.self_service, 0);
    /* Contacts whose overhead is 6e15 cents each: not bounded, so checked; one, not two. */
    crvm_cost_model_init_defaults(&m);
    m.overhead_per_contact = 6e13;
    assert_false(crvm__cost_sums_exact(&m, 2));
    assert_int_equal(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 5, 2), as_of + 1, 1, &p), CRVM_OK);
    assert_int_equal(p.overhead, 6000000000000150LL); /* 6e13 + 0.15 x 10 minutes */
    assert_int_equal(p.contacts, 1);
    assert_status(crvm__pnl_ledger_lines(l, &m, as_of, D(2023, 5, 1), as_of + 1, 1, &p), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), too_large));
    crvm_ledger_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calendar_matches_the_ledger_dates),
        cmocka_unit_test(day_table_and_whole_periods_match_the_dates),
        cmocka_unit_test(customer_variance_is_the_full_delta_variance),
        cmocka_unit_test(panel_matches_the_ledger_and_a_recount),
        cmocka_unit_test(panel_is_the_same_for_every_thread_count),
        cmocka_unit_test(overlapped_blocks_fold_in_block_order),
        cmocka_unit_test(panel_allocation_failures),
        cmocka_unit_test(contribution_matches_the_economics_of_each_window),
        cmocka_unit_test(contribution_allocation_failures_and_overflow),
        cmocka_unit_test(contribution_is_the_same_for_every_thread_count),
        cmocka_unit_test(pnl_lines_reconcile_with_the_economics),
        cmocka_unit_test(estimate_stats_cost_each_contact),
        cmocka_unit_test(pnl_lines_refuse_exactly_the_sums_past_2_53),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
