/* Contribution per period from each customer's trailing window (contribution.h). */
#include "value/contribution.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "core/money.h"
#include "core/parallel.h"
#include "value/value_internal.h"

typedef struct window {
    crvm_date from, until; /* [from, until); until = from: no window */
} window;

static int in_window(const window *w, crvm_date d) { return d >= w->from && d < w->until; }

/* The sums of one range of customers: their windows, then their revenue,
 * contacts and views. A range reads the rows that can be its customers'
 * (only theirs when the ledger keeps the table in customer order, else
 * every row) and sums those of its own customers, so that ranges on
 * different threads share no sum; the sums are of integers, the same in
 * any order. */
typedef struct sums_ctx {
    const crvm_ledger *l;
    const crvm_cost_model *m;
    crvm_date as_of;
    int k, trailing_months;
    window *w;
    int64_t *rev, *periods, *gm, *cts;
    size_t ranges, *bad; /* per range: its first customer whose sums leave the exact range */
} sums_ctx;

static void range_sums(void *vctx, size_t worker, size_t range)
{
    (void)worker;
    sums_ctx *c = vctx;
    const crvm_ledger *l = c->l;
    const crvm_cost_model *m = c->m;
    const size_t n = l->customer_ids.count, begin = n * range / c->ranges, end = n * (range + 1) / c->ranges;
    window *w = c->w;
    int64_t *rev = c->rev, *gm = c->gm, *cts = c->cts;
    size_t bad = SIZE_MAX;
    /* The window of every customer active on as_of ends on as_of + 1: its
     * start and the y-m-d of both ends' eves are converted once. */
    const crvm_date open_until = c->as_of + 1;
    const crvm_date open_from =
        crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(open_until), -(long)c->trailing_months));
    const crvm__ymd open_until_1 = crvm__ymd_of(open_until - 1), open_from_1 = crvm__ymd_of(open_from - 1);
    /* The range's own per-stream sums are zeroed here, on its thread. */
    memset(rev + begin * CRVM_STREAM_COUNT, 0, (end - begin) * CRVM_STREAM_COUNT * sizeof *rev);
    for (size_t i = begin; i < end; i++) {
        crvm_date s = l->cust_start[i], e = l->cust_end[i];
        w[i].from = w[i].until = s;
        c->periods[i] = gm[i] = cts[i] = 0;
        if (s > c->as_of)
            continue;
        crvm__ymd start = crvm__ymd_of(s);
        if (e != CRVM_DATE_NONE && e <= c->as_of) {
            crvm_date from = crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(e), -(long)c->trailing_months));
            w[i].from = from > s ? from : s;
            w[i].until = e;
            c->periods[i] = crvm__starts_before(start, s, e, c->k) - crvm__starts_before(start, s, w[i].from, c->k);
            continue;
        }
        w[i].until = open_until;
        /* From the window's start, or from the customer's (no period starts before it). */
        if (open_from > s) {
            w[i].from = open_from;
            c->periods[i] = crvm__starts_before_ymd(start, s, open_until, open_until_1, c->k) -
                            crvm__starts_before_ymd(start, s, open_from, open_from_1, c->k);
        } else {
            c->periods[i] = crvm__starts_before_ymd(start, s, open_until, open_until_1, c->k);
        }
    }
    size_t r0, r1;
    crvm__ledger_customer_rows(l, CRVM_TABLE_REVENUE, begin, end, &r0, &r1);
    for (size_t r = r0; r < r1; r++) {
        uint32_t cu = l->rev_customer[r];
        if (cu >= begin && cu < end && in_window(&w[cu], l->rev_date[r]) &&
            !crvm__cents_add(&rev[(size_t)cu * CRVM_STREAM_COUNT + l->rev_stream[r]], l->rev_cents[r]) && cu < bad)
            bad = cu;
    }
    /* Gross margin per stream, rounded as crvm_customer_economics() does
     * (a stream without revenue adds 0: the rates are finite). */
    for (size_t i = begin; i < end; i++)
        for (int s = 0; s < CRVM_STREAM_COUNT; s++)
            if (rev[i * CRVM_STREAM_COUNT + s] != 0 &&
                !crvm__cents_add(&gm[i], crvm__llround((double)rev[i * CRVM_STREAM_COUNT + s] *
                                                       m->gross_margin_rate[s])) &&
                i < bad)
                bad = i;
    crvm__ledger_customer_rows(l, CRVM_TABLE_CONTACTS, begin, end, &r0, &r1);
    for (size_t j = r0; j < r1; j++) {
        uint32_t cu = l->con_customer[j];
        if (cu >= begin && cu < end && in_window(&w[cu], l->con_opened[j])) {
            crvm__contact_cost x = crvm__cost_ledger_contact(l, m, j);
            if (!crvm__cents_add(&cts[cu], x.labour + x.channel + x.escalation + x.overhead) && cu < bad)
                bad = cu;
        }
    }
    const int64_t session = crvm__cents_of(m->self_service_cost);
    crvm__ledger_customer_rows(l, CRVM_TABLE_KNOWLEDGE_USES, begin, end, &r0, &r1);
    for (size_t u = r0; u < r1; u++) {
        uint32_t cu = l->use_customer[u];
        if (cu != CRVM__NOT_FOUND && cu >= begin && cu < end && l->use_kind[u] == CRVM_USE_SELF_SERVICE &&
            in_window(&w[cu], l->use_date[u]) && !crvm__cents_add(&cts[cu], session) && cu < bad)
            bad = cu;
    }
    c->bad[range] = bad;
}

/* Each customer's sums per period, shrunk toward its segment's mean: on the
 * threads, each customer's own. */
typedef struct per_period_ctx {
    const crvm_ledger *l;
    crvm_date as_of;
    double shrinkage;
    const double *seg;
    const int64_t *periods;
    int64_t *gm, *cts;
} per_period_ctx;

static void per_period_range(void *vctx, size_t begin, size_t end)
{
    const per_period_ctx *c = vctx;
    const crvm_ledger *l = c->l;
    int64_t *gm = c->gm, *cts = c->cts;
    for (size_t i = begin; i < end; i++) {
        const double *g = c->seg + 3 * (size_t)l->cust_segment[i];
        double p = (double)c->periods[i], add = g[2] > 0 ? c->shrinkage : 0.0;
        if (l->cust_start[i] > c->as_of || p + add <= 0) {
            gm[i] = cts[i] = 0;
            continue;
        }
        double mean_gm = add > 0 ? g[0] / g[2] : 0.0, mean_cts = add > 0 ? g[1] / g[2] : 0.0;
        gm[i] = crvm__llround(((double)gm[i] + add * mean_gm) / (p + add));
        cts[i] = crvm__llround(((double)cts[i] + add * mean_cts) / (p + add));
    }
}

crvm_status crvm__contribution(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                               int k, int trailing_months, double shrinkage, int64_t *gm,
                               int64_t *cts)
{
    return crvm__contribution_threads(l, m, as_of, k, trailing_months, shrinkage, 1, gm, cts);
}

crvm_status crvm__contribution_threads(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                       int k, int trailing_months, double shrinkage, int threads,
                                       int64_t *gm, int64_t *cts)
{
    const size_t n = l->customer_ids.count, S = l->segment_ids.count;
    const size_t ranges = crvm__value_threads(threads);
    window *w = crvm__malloc((n + 1) * sizeof *w);
    int64_t *rev = crvm__malloc((n * CRVM_STREAM_COUNT + 1) * sizeof *rev); /* zeroed by range_sums */
    int64_t *periods = crvm__calloc(n + 1, sizeof *periods);
    double *seg = crvm__calloc(3 * S + 1, sizeof *seg); /* gross margin, cost, periods of active */
    size_t bad_of[CRVM__MAX_THREADS];
    if (!w || !rev || !periods || !seg) {
        crvm__free(w);
        crvm__free(rev);
        crvm__free(periods);
        crvm__free(seg);
        return crvm__nomem("trailing contribution");
    }
    sums_ctx c = {l, m, as_of, k, trailing_months, w, rev, periods, gm, cts, ranges, bad_of};
    crvm__run_blocks(range_sums, &c, ranges, (int)ranges);
    crvm__free(rev);
    size_t bad = SIZE_MAX; /* the first customer whose sums leave the exact range */
    for (size_t r = 0; r < ranges; r++)
        if (bad_of[r] < bad)
            bad = bad_of[r];
    if (bad != SIZE_MAX) {
        crvm__free(w);
        crvm__free(periods);
        crvm__free(seg);
        return crvm__fail(CRVM_EDOMAIN, "customer %s: its trailing-window revenue or cost passes "
                          "9.0e13 currency units (2^53 cents)",
                          crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, bad));
    }
    /* Segment means per period over the active customers, for the shrinkage. */
    for (size_t i = 0; i < n; i++) {
        crvm_date e = l->cust_end[i];
        if (l->cust_start[i] <= as_of && (e == CRVM_DATE_NONE || e > as_of)) {
            double *g = seg + 3 * (size_t)l->cust_segment[i];
            g[0] += (double)gm[i];
            g[1] += (double)cts[i];
            g[2] += (double)periods[i];
        }
    }
    per_period_ctx pc = {l, as_of, shrinkage, seg, periods, gm, cts};
    crvm__parallel_for(n, threads, per_period_range, &pc);
    crvm__free(w);
    crvm__free(periods);
    crvm__free(seg);
    return CRVM_OK;
}
