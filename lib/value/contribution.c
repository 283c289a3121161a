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

typedef struct window {
    crvm_date from, until; /* [from, until); until = from: no window */
} window;

static int in_window(const window *w, crvm_date d) { return d >= w->from && d < w->until; }

crvm_status crvm__contribution(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                               int k, int trailing_months, double shrinkage, int64_t *gm,
                               int64_t *cts)
{
    const size_t n = l->customer_ids.count, S = l->segment_ids.count;
    window *w = crvm__malloc((n + 1) * sizeof *w);
    int64_t *rev = crvm__calloc(n * CRVM_STREAM_COUNT + 1, sizeof *rev);
    int64_t *periods = crvm__calloc(n + 1, sizeof *periods);
    double *seg = crvm__calloc(3 * S + 1, sizeof *seg); /* gross margin, cost, periods of active */
    if (!w || !rev || !periods || !seg) {
        crvm__free(w);
        crvm__free(rev);
        crvm__free(periods);
        crvm__free(seg);
        return crvm__nomem("trailing contribution");
    }
    for (size_t i = 0; i < n; i++) {
        crvm_date s = l->cust_start[i], e = l->cust_end[i];
        w[i].from = w[i].until = s;
        if (s > as_of)
            continue;
        crvm_date until = e != CRVM_DATE_NONE && e <= as_of ? e : as_of + 1;
        crvm_date from = crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(until), -(long)trailing_months));
        w[i].from = from > s ? from : s;
        w[i].until = until;
        crvm__ymd start = crvm__ymd_of(s);
        periods[i] = crvm__starts_before(start, s, until, k) - crvm__starts_before(start, s, w[i].from, k);
    }
    size_t bad = SIZE_MAX; /* a customer whose sums leave the exact range */
    for (size_t r = 0; r < l->n_rev; r++) {
        uint32_t c = l->rev_customer[r];
        if (in_window(&w[c], l->rev_date[r]) &&
            !crvm__cents_add(&rev[(size_t)c * CRVM_STREAM_COUNT + l->rev_stream[r]], l->rev_cents[r]))
            bad = c;
    }
    for (size_t i = 0; i < n; i++) {
        gm[i] = cts[i] = 0;
        for (int s = 0; s < CRVM_STREAM_COUNT; s++)
            if (!crvm__cents_add(&gm[i], llround((double)rev[i * CRVM_STREAM_COUNT + s] * m->gross_margin_rate[s])))
                bad = i;
    }
    crvm__free(rev);
    for (size_t i = 0; i < l->contact_ids.count; i++) {
        uint32_t c = l->con_customer[i];
        if (in_window(&w[c], l->con_opened[i])) {
            crvm__contact_cost x = crvm__cost_ledger_contact(l, m, i);
            if (!crvm__cents_add(&cts[c], x.labour + x.channel + x.escalation + x.overhead))
                bad = c;
        }
    }
    const int64_t session = crvm__cents_of(m->self_service_cost);
    for (size_t u = 0; u < l->n_use; u++) {
        uint32_t c = l->use_customer[u];
        if (c != CRVM__NOT_FOUND && l->use_kind[u] == CRVM_USE_SELF_SERVICE &&
            in_window(&w[c], l->use_date[u]) && !crvm__cents_add(&cts[c], session))
            bad = c;
    }
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
    for (size_t i = 0; i < n; i++) {
        const double *g = seg + 3 * (size_t)l->cust_segment[i];
        double p = (double)periods[i], add = g[2] > 0 ? shrinkage : 0.0;
        if (l->cust_start[i] > as_of || p + add <= 0) {
            gm[i] = cts[i] = 0;
            continue;
        }
        double mean_gm = add > 0 ? g[0] / g[2] : 0.0, mean_cts = add > 0 ? g[1] / g[2] : 0.0;
        gm[i] = llround(((double)gm[i] + add * mean_gm) / (p + add));
        cts[i] = llround(((double)cts[i] + add * mean_cts) / (p + add));
    }
    crvm__free(w);
    crvm__free(periods);
    crvm__free(seg);
    return CRVM_OK;
}
