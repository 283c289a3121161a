/* The ledger: columnar storage, validated bulk appends, inspection. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ledger/append.h"
#include "ledger/ledger_internal.h"
#include "ledger/rejections.h"

crvm_status crvm_ledger_new(crvm_ledger **out)
{
    if (!out)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_new: out is NULL");
    crvm_ledger *l = crvm__calloc(1, sizeof *l);
    if (!l)
        return crvm__nomem("ledger");
    crvm__ledger_summary_init(&l->summary);
    *out = l;
    return CRVM_OK;
}

void crvm_ledger_free(crvm_ledger *l)
{
    if (!l)
        return;
    crvm__intern_free(&l->customer_ids);
    crvm__intern_free(&l->segment_ids);
    crvm__intern_free(&l->contact_ids);
    crvm__intern_free(&l->article_ids);
    crvm__attributes_free(&l->attributes);
    crvm__sources_free(&l->sources);
    void *cols[] = {l->cust_segment, l->cust_start, l->cust_end, l->rev_customer, l->rev_date,
                    l->rev_cents, l->rev_stream, l->con_customer, l->con_opened, l->con_closed,
                    l->con_minutes, l->con_satisfaction, l->con_channel, l->con_tier,
                    l->con_escalated, l->con_outcome, l->link_contact, l->link_article,
                    l->art_created, l->art_authoring, l->art_maintenance, l->use_article,
                    l->use_contact, l->use_customer, l->use_date, l->use_kind, l->use_resolved};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        crvm__free(cols[i]);
    crvm__free(l);
}

/* ------------------------------------------------------------ column growth */

/* Resize every column of a table to `cap` rows. The table's capacity is the
 * minimum over its columns: growing keeps the old value until all columns
 * succeed; shrinking takes the new value at once (every column has at least
 * that many rows whichever realloc failed). */
#define RESIZE(ptr, cap)                                              \
    do {                                                              \
        void *p_ = crvm__realloc_array((ptr), (cap), sizeof *(ptr));  \
        if (!p_)                                                      \
            goto nomem;                                               \
        (ptr) = p_;                                                   \
    } while (0)

static size_t grown(size_t cap, size_t need)
{
    size_t c = cap < 8 ? 16 : cap * 2;
    return c < need ? need : c;
}

static crvm_status resize_customers(crvm_ledger *l, size_t cap)
{
    if (cap < l->cust_cap)
        l->cust_cap = cap;
    RESIZE(l->cust_segment, cap);
    RESIZE(l->cust_start, cap);
    RESIZE(l->cust_end, cap);
    l->cust_cap = cap;
    return CRVM_OK;
nomem:
    return crvm__nomem("customer columns");
}

static crvm_status resize_revenue(crvm_ledger *l, size_t cap)
{
    if (cap < l->rev_cap)
        l->rev_cap = cap;
    RESIZE(l->rev_customer, cap);
    RESIZE(l->rev_date, cap);
    RESIZE(l->rev_cents, cap);
    RESIZE(l->rev_stream, cap);
    l->rev_cap = cap;
    return CRVM_OK;
nomem:
    return crvm__nomem("revenue columns");
}

static crvm_status resize_contacts(crvm_ledger *l, size_t cap)
{
    if (cap < l->con_cap)
        l->con_cap = cap;
    RESIZE(l->con_customer, cap);
    RESIZE(l->con_opened, cap);
    RESIZE(l->con_closed, cap);
    RESIZE(l->con_minutes, cap);
    RESIZE(l->con_satisfaction, cap);
    RESIZE(l->con_channel, cap);
    RESIZE(l->con_tier, cap);
    RESIZE(l->con_escalated, cap);
    RESIZE(l->con_outcome, cap);
    l->con_cap = cap;
    return CRVM_OK;
nomem:
    return crvm__nomem("contact columns");
}

static crvm_status resize_links(crvm_ledger *l, size_t cap)
{
    if (cap < l->link_cap)
        l->link_cap = cap;
    RESIZE(l->link_contact, cap);
    RESIZE(l->link_article, cap);
    l->link_cap = cap;
    return CRVM_OK;
nomem:
    return crvm__nomem("contact-article link columns");
}

static crvm_status resize_articles(crvm_ledger *l, size_t cap)
{
    if (cap < l->art_cap)
        l->art_cap = cap;
    RESIZE(l->art_created, cap);
    RESIZE(l->art_authoring, cap);
    RESIZE(l->art_maintenance, cap);
    l->art_cap = cap;
    return CRVM_OK;
nomem:
    return crvm__nomem("article columns");
}

static crvm_status resize_uses(crvm_ledger *l, size_t cap)
{
    if (cap < l->use_cap)
        l->use_cap = cap;
    RESIZE(l->use_article, cap);
    RESIZE(l->use_contact, cap);
    RESIZE(l->use_customer, cap);
    RESIZE(l->use_date, cap);
    RESIZE(l->use_kind, cap);
    RESIZE(l->use_resolved, cap);
    l->use_cap = cap;
    return CRVM_OK;
nomem:
    return crvm__nomem("knowledge use columns");
}

typedef crvm_status (*resize_fn)(crvm_ledger *, size_t);

static crvm_status ensure(crvm_ledger *l, resize_fn fn, size_t count, size_t cap, size_t extra)
{
    if (extra > UINT32_MAX - 1 || count + extra > UINT32_MAX - 1)
        return crvm__fail(CRVM_ENOMEM, "ledger table: more than 2^32 - 2 rows");
    if (count + extra <= cap)
        return CRVM_OK;
    return fn(l, grown(cap, count + extra));
}

crvm_status crvm_ledger_reserve(crvm_ledger *l, size_t customers, size_t revenue_events,
                                size_t contacts, size_t knowledge_uses)
{
    if (!l)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_reserve: ledger is NULL");
    crvm_status st;
    size_t nc = l->customer_ids.count, nk = l->contact_ids.count;
    if (customers && nc + customers > l->cust_cap &&
        (st = ensure(l, resize_customers, nc, nc, customers)) != CRVM_OK)
        return st;
    if (customers && (st = crvm__intern_reserve(&l->customer_ids, customers, 0)) != CRVM_OK)
        return st;
    if (revenue_events && (st = ensure(l, resize_revenue, l->n_rev, l->n_rev, revenue_events)) != CRVM_OK)
        return st;
    if (contacts && nk + contacts > l->con_cap &&
        (st = ensure(l, resize_contacts, nk, nk, contacts)) != CRVM_OK)
        return st;
    if (contacts && (st = crvm__intern_reserve(&l->contact_ids, contacts, 0)) != CRVM_OK)
        return st;
    if (knowledge_uses && (st = ensure(l, resize_uses, l->n_use, l->n_use, knowledge_uses)) != CRVM_OK)
        return st;
    return CRVM_OK;
}

crvm_status crvm_ledger_shrink(crvm_ledger *l)
{
    if (!l)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_shrink: ledger is NULL");
    crvm_status st = CRVM_OK;
#define SHRINK(fn, count, cap) \
    if (st == CRVM_OK && (count) && (count) < (cap)) st = fn(l, (count))
    SHRINK(resize_customers, l->customer_ids.count, l->cust_cap);
    SHRINK(resize_revenue, l->n_rev, l->rev_cap);
    SHRINK(resize_contacts, l->contact_ids.count, l->con_cap);
    SHRINK(resize_links, l->n_link, l->link_cap);
    SHRINK(resize_articles, l->article_ids.count, l->art_cap);
    SHRINK(resize_uses, l->n_use, l->use_cap);
#undef SHRINK
    crvm__intern *ts[] = {&l->customer_ids, &l->segment_ids, &l->contact_ids, &l->article_ids};
    for (size_t i = 0; i < 4 && st == CRVM_OK; i++)
        st = crvm__intern_shrink(ts[i]);
    if (st == CRVM_OK)
        st = crvm__attributes_shrink(&l->attributes);
    if (st == CRVM_OK)
        st = crvm__sources_shrink(&l->sources);
    return st;
}

/* ---------------------------------------------------------------- appends */

crvm_status crvm_ledger_add_customers(crvm_ledger *l, const char *const *ids, size_t ids_len,
                                      const char *const *segments, size_t segments_len,
                                      const crvm_date *start, size_t start_len,
                                      const crvm_date *end, size_t end_len,
                                      crvm_rejections *rejections)
{
    static const char fn[] = "crvm_ledger_add_customers";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = ids_len;
    CHECK_COL(ids, 0);
    CHECK_COL(segments, 0);
    CHECK_COL(start, 0);
    CHECK_COL(end, 1);
    crvm_status st;
    size_t c0 = l->customer_ids.count, s0 = l->segment_ids.count, r0, rt0;
    crvm__rejections_mark(rejections, &r0, &rt0);
    if ((st = ensure(l, resize_customers, c0, l->cust_cap, n)) ||
        (st = crvm__intern_reserve(&l->customer_ids, n, text_bytes(ids, n))) ||
        (st = crvm__intern_reserve(&l->segment_ids, n, text_bytes(segments, n))))
        return st;
    crvm__batch b = {CRVM_TABLE_CUSTOMERS, rejections, 0};
    crvm__ledger_summary sum = l->summary; /* the ledger's once every row is in */
    crvm__id_group g_id = CRVM__ID_GROUP_INIT;
    for (size_t i = 0; i < n; i++) {
        PREFETCH_IDS(&l->customer_ids, ids, g_id);
        const char *id = ids[i], *seg = segments[i];
        size_t len;
        uint32_t h;
        REJECT_UNLESS_NEW_ID_AT(&l->customer_ids, id, len, h, "customer", g_id);
        if (is_empty(seg))
            REJECT("segment", CRVM_EINVAL, "is empty");
        crvm_date s = start[i], e = end ? end[i] : CRVM_DATE_NONE;
        if (!crvm__date_valid(s))
            REJECT("start", CRVM_EINVAL, "= %ld: not a valid date", (long)s);
        if (e != CRVM_DATE_NONE && !crvm__date_valid(e))
            REJECT("end", CRVM_EINVAL, "= %ld: not a valid date", (long)e);
        if (e != CRVM_DATE_NONE && e < s)
            REJECT("end", CRVM_EINVAL, "= %ld: before start %ld", (long)e, (long)s);
        size_t slen = strlen(seg);
        uint32_t sh = crvm__hash_string(seg, slen);
        uint32_t si = crvm__intern_find(&l->segment_ids, seg, slen, sh);
        if (si == CRVM__NOT_FOUND)
            si = crvm__intern_add(&l->segment_ids, seg, slen, sh);
        uint32_t k = crvm__intern_add(&l->customer_ids, id, len, h);
        l->cust_segment[k] = si;
        l->cust_start[k] = s;
        l->cust_end[k] = e;
        crvm__span_note(&sum.first, &sum.last, s);
        crvm__latest_note(&sum.last_end, e);
    next:;
    }
    l->summary = sum;
    l->modifications++;
    return CRVM_OK;
abort:
    crvm__intern_truncate(&l->customer_ids, c0);
    crvm__intern_truncate(&l->segment_ids, s0);
    crvm__rejections_rollback(rejections, r0, rt0);
    return st;
}

/* Revenue events, sourced by a contact where source_contact_ids names one. */
static crvm_status add_revenue(const char *fn, crvm_ledger *l, const char *const *customer_ids,
                               size_t customer_ids_len, const crvm_date *dates, size_t dates_len,
                               const double *amounts, size_t amounts_len, const int32_t *streams,
                               size_t streams_len, const char *const *source_contact_ids,
                               size_t source_contact_ids_len, crvm_rejections *rejections)
{
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = customer_ids_len;
    CHECK_COL(customer_ids, 0);
    CHECK_COL(dates, 0);
    CHECK_COL(amounts, 0);
    CHECK_COL(streams, 0);
    CHECK_COL(source_contact_ids, 1);
    crvm_status st;
    size_t n0 = l->n_rev, r0, rt0, s0 = l->sources.n;
    crvm__rejections_mark(rejections, &r0, &rt0);
    if ((st = ensure(l, resize_revenue, n0, l->rev_cap, n)) ||
        (source_contact_ids && (st = crvm__sources_reserve(&l->sources, n))))
        return st;
    crvm__batch b = {CRVM_TABLE_REVENUE, rejections, 0};
    crvm__ledger_summary summary = l->summary; /* the ledger's once every row is in */
    size_t k = n0;
    int64_t sum = 0, abs_sum = l->revenue_abs_cents;
    crvm__id_group g_cust = CRVM__ID_GROUP_INIT;
    for (size_t i = 0; i < n; i++) {
        PREFETCH_IDS(&l->customer_ids, customer_ids, g_cust);
        const char *cid = customer_ids[i];
        uint32_t c = lookup_at(&l->customer_ids, cid, &g_cust, i);
        if (c == CRVM__NOT_FOUND)
            REJECT_MISSING("customer_id", cid, "customer");
        if (!crvm__date_valid(dates[i]))
            REJECT("date", CRVM_EINVAL, "= %ld: not a valid date", (long)dates[i]);
        double a = amounts[i];
        if (isnan(a))
            REJECT("amount", CRVM_EINVAL, "is NaN");
        if (!(fabs(a) <= CRVM__MAX_AMOUNT))
            REJECT("amount", CRVM_EINVAL, "= %g: magnitude must be <= 9e13", a);
        if (streams[i] < 0 || streams[i] >= CRVM_STREAM_COUNT)
            REJECT("stream", CRVM_EINVAL, "= %ld: not a crvm_stream", (long)streams[i]);
        const char *sid = source_contact_ids ? source_contact_ids[i] : NULL;
        uint32_t src = lookup(&l->contact_ids, sid);
        if (!is_empty(sid) && src == CRVM__NOT_FOUND)
            REJECT("source_contact", CRVM_ENOTFOUND, "\"%.*s\": unknown contact", QID(sid));
        if (src != CRVM__NOT_FOUND && l->con_customer[src] != c)
            REJECT("source_contact", CRVM_EINVAL, "\"%.*s\": a contact of another customer", QID(sid));
        if (src != CRVM__NOT_FOUND && l->con_opened[src] > dates[i])
            REJECT("source_contact", CRVM_EINVAL, "\"%.*s\": opened %ld, after the event's date",
                   QID(sid), (long)l->con_opened[src]);
        int64_t cents = llround(a * 100.0);
        int64_t mag = cents < 0 ? -cents : cents;
        if ((double)(abs_sum + mag) > CRVM__MAX_CENTS)
            REJECT("amount", CRVM_EINVAL,
                   "= %.2f: the ledger's revenue would pass 9.007e13 currency units (sum of |amount| "
                   "over all events, the range where totals are exact in cents)", a);
        abs_sum += mag;
        if (k > 0 && c < l->rev_customer[k - 1])
            summary.revenue_ordered = 0;
        crvm__span_note(&summary.first, &summary.last, dates[i]);
        l->rev_customer[k] = c;
        l->rev_date[k] = dates[i];
        l->rev_cents[k] = cents;
        l->rev_stream[k] = (uint8_t)streams[i];
        if (src != CRVM__NOT_FOUND)
            crvm__sources_push(&l->sources, (uint32_t)k, src);
        sum += cents;
        k++;
    next:;
    }
    l->n_rev = k;
    l->summary = summary;
    l->revenue_cents += sum;
    l->modifications++;
    l->revenue_abs_cents = abs_sum;
    return CRVM_OK;
abort:
    l->sources.n = s0;
    crvm__rejections_rollback(rejections, r0, rt0);
    return st;
}

crvm_status crvm_ledger_add_revenue(crvm_ledger *l, const char *const *customer_ids,
                                    size_t customer_ids_len, const crvm_date *dates,
                                    size_t dates_len, const double *amounts, size_t amounts_len,
                                    const int32_t *streams, size_t streams_len,
                                    crvm_rejections *rejections)
{
    return add_revenue("crvm_ledger_add_revenue", l, customer_ids, customer_ids_len, dates,
                       dates_len, amounts, amounts_len, streams, streams_len, NULL, 0, rejections);
}

crvm_status crvm_ledger_add_sourced_revenue(crvm_ledger *l, const char *const *customer_ids,
                                            size_t customer_ids_len, const crvm_date *dates,
                                            size_t dates_len, const double *amounts,
                                            size_t amounts_len, const int32_t *streams,
                                            size_t streams_len, const char *const *source_contact_ids,
                                            size_t source_contact_ids_len, crvm_rejections *rejections)
{
    return add_revenue("crvm_ledger_add_sourced_revenue", l, customer_ids, customer_ids_len, dates,
                       dates_len, amounts, amounts_len, streams, streams_len, source_contact_ids,
                       source_contact_ids_len, rejections);
}

crvm_status crvm_ledger_add_contacts(crvm_ledger *l, const char *const *ids, size_t ids_len,
                                     const char *const *customer_ids, size_t customer_ids_len,
                                     const crvm_date *opened, size_t opened_len,
                                     const crvm_date *closed, size_t closed_len,
                                     const int32_t *channels, size_t channels_len,
                                     const double *handle_minutes, size_t handle_minutes_len,
                                     const int32_t *tiers, size_t tiers_len,
                                     const int32_t *escalated, size_t escalated_len,
                                     const int32_t *outcomes, size_t outcomes_len,
                                     const double *satisfaction, size_t satisfaction_len,
                                     crvm_rejections *rejections)
{
    static const char fn[] = "crvm_ledger_add_contacts";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = ids_len;
    CHECK_COL(ids, 0);
    CHECK_COL(customer_ids, 0);
    CHECK_COL(opened, 0);
    CHECK_COL(closed, 0);
    CHECK_COL(channels, 0);
    CHECK_COL(handle_minutes, 0);
    CHECK_COL(tiers, 0);
    CHECK_COL(escalated, 0);
    CHECK_COL(outcomes, 0);
    CHECK_COL(satisfaction, 1);
    crvm_status st;
    size_t c0 = l->contact_ids.count, r0, rt0;
    crvm__rejections_mark(rejections, &r0, &rt0);
    if ((st = ensure(l, resize_contacts, c0, l->con_cap, n)) ||
        (st = crvm__intern_reserve(&l->contact_ids, n, text_bytes(ids, n))))
        return st;
    crvm__batch b = {CRVM_TABLE_CONTACTS, rejections, 0};
    crvm__ledger_summary sum = l->summary; /* the ledger's once every row is in */
    crvm__id_group g_id = CRVM__ID_GROUP_INIT, g_cust = CRVM__ID_GROUP_INIT;
    for (size_t i = 0; i < n; i++) {
        PREFETCH_IDS(&l->contact_ids, ids, g_id);
        PREFETCH_IDS(&l->customer_ids, customer_ids, g_cust);
        const char *id = ids[i], *cid = customer_ids[i];
        size_t len;
        uint32_t h;
        REJECT_UNLESS_NEW_ID_AT(&l->contact_ids, id, len, h, "contact", g_id);
        uint32_t c = lookup_at(&l->customer_ids, cid, &g_cust, i);
        if (c == CRVM__NOT_FOUND)
            REJECT_MISSING("customer_id", cid, "customer");
        crvm_date o = opened[i], cl = closed[i];
        if (!crvm__date_valid(o))
            REJECT("opened", CRVM_EINVAL, "= %ld: not a valid date", (long)o);
        if (cl != CRVM_DATE_NONE && !crvm__date_valid(cl))
            REJECT("closed", CRVM_EINVAL, "= %ld: not a valid date", (long)cl);
        if (cl != CRVM_DATE_NONE && cl < o)
            REJECT("closed", CRVM_EINVAL, "= %ld: before opened %ld", (long)cl, (long)o);
        if (channels[i] < 0 || channels[i] >= CRVM_CHANNEL_COUNT)
            REJECT("channel", CRVM_EINVAL, "= %ld: not a crvm_channel", (long)channels[i]);
        double m = handle_minutes[i];
        if (isnan(m))
            REJECT("handle_minutes", CRVM_EINVAL, "is NaN");
        if (!(m >= 0 && m <= CRVM__MAX_MINUTES))
            REJECT("handle_minutes", CRVM_EINVAL, "= %g: must be in [0, 1e6]", m);
        if (tiers[i] < 1 || tiers[i] > CRVM_TIER_COUNT)
            REJECT("tier", CRVM_EINVAL, "= %ld: must be in 1..%d", (long)tiers[i], CRVM_TIER_COUNT);
        if (escalated[i] != 0 && escalated[i] != 1)
            REJECT("escalated", CRVM_EINVAL, "= %ld: must be 0 or 1", (long)escalated[i]);
        if (outcomes[i] < 0 || outcomes[i] >= CRVM_OUTCOME_COUNT)
            REJECT("outcome", CRVM_EINVAL, "= %ld: not a crvm_outcome", (long)outcomes[i]);
        double sat = satisfaction ? satisfaction[i] : NAN;
        if (!isnan(sat) && !(fabs(sat) <= CRVM__MAX_SATISFACTION))
            REJECT("satisfaction", CRVM_EINVAL, "= %g: must be in [-1e6, 1e6] or NaN (not rated)", sat);
        uint32_t k = crvm__intern_add(&l->contact_ids, id, len, h);
        if (k > 0 && c < l->con_customer[k - 1])
            sum.contacts_ordered = 0;
        crvm__span_note(&sum.first, &sum.last, o);
        crvm__latest_note(&sum.last_closed, cl);
        l->con_customer[k] = c;
        l->con_opened[k] = o;
        l->con_closed[k] = cl;
        l->con_channel[k] = (uint8_t)channels[i];
        l->con_minutes[k] = m;
        l->con_tier[k] = (uint8_t)tiers[i];
        l->con_escalated[k] = (uint8_t)escalated[i];
        l->con_outcome[k] = (uint8_t)outcomes[i];
        l->con_satisfaction[k] = sat;
    next:;
    }
    l->summary = sum;
    l->modifications++;
    return CRVM_OK;
abort:
    crvm__intern_truncate(&l->contact_ids, c0);
    crvm__rejections_rollback(rejections, r0, rt0);
    return st;
}

crvm_status crvm_ledger_add_articles(crvm_ledger *l, const char *const *ids, size_t ids_len,
                                     const crvm_date *created, size_t created_len,
                                     const double *authoring_hours, size_t authoring_hours_len,
                                     const double *maintenance_hours, size_t maintenance_hours_len,
                                     crvm_rejections *rejections)
{
    static const char fn[] = "crvm_ledger_add_articles";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = ids_len;
    CHECK_COL(ids, 0);
    CHECK_COL(created, 0);
    CHECK_COL(authoring_hours, 0);
    CHECK_COL(maintenance_hours, 0);
    crvm_status st;
    size_t a0 = l->article_ids.count, r0, rt0;
    crvm__rejections_mark(rejections, &r0, &rt0);
    if ((st = ensure(l, resize_articles, a0, l->art_cap, n)) ||
        (st = crvm__intern_reserve(&l->article_ids, n, text_bytes(ids, n))))
        return st;
    crvm__batch b = {CRVM_TABLE_ARTICLES, rejections, 0};
    crvm__ledger_summary sum = l->summary; /* the ledger's once every row is in */
    for (size_t i = 0; i < n; i++) {
        const char *id = ids[i];
        size_t len;
        uint32_t h;
        REJECT_UNLESS_NEW_ID(&l->article_ids, id, len, h, "article");
        if (!crvm__date_valid(created[i]))
            REJECT("created", CRVM_EINVAL, "= %ld: not a valid date", (long)created[i]);
        double a = authoring_hours[i], m = maintenance_hours[i];
        if (!(a >= 0 && a <= CRVM__MAX_HOURS))
            REJECT("authoring_hours", CRVM_EINVAL, "= %g: must be in [0, 1e6]", a);
        if (!(m >= 0 && m <= CRVM__MAX_HOURS))
            REJECT("maintenance_hours", CRVM_EINVAL, "= %g: must be in [0, 1e6]", m);
        uint32_t k = crvm__intern_add(&l->article_ids, id, len, h);
        l->art_created[k] = created[i];
        l->art_authoring[k] = a;
        l->art_maintenance[k] = m;
        crvm__span_note(&sum.first, &sum.last, created[i]);
    next:;
    }
    l->summary = sum;
    l->modifications++;
    return CRVM_OK;
abort:
    crvm__intern_truncate(&l->article_ids, a0);
    crvm__rejections_rollback(rejections, r0, rt0);
    return st;
}

crvm_status crvm_ledger_add_contact_articles(crvm_ledger *l, const char *const *contact_ids,
                                             size_t contact_ids_len, const char *const *article_ids,
                                             size_t article_ids_len, crvm_rejections *rejections)
{
    static const char fn[] = "crvm_ledger_add_contact_articles";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = contact_ids_len;
    CHECK_COL(contact_ids, 0);
    CHECK_COL(article_ids, 0);
    crvm_status st;
    size_t r0, rt0;
    crvm__rejections_mark(rejections, &r0, &rt0);
    if ((st = ensure(l, resize_links, l->n_link, l->link_cap, n)))
        return st;
    crvm__batch b = {CRVM_TABLE_CONTACT_ARTICLES, rejections, 0};
    size_t k = l->n_link;
    crvm__id_group g_con = CRVM__ID_GROUP_INIT;
    for (size_t i = 0; i < n; i++) {
        PREFETCH_IDS(&l->contact_ids, contact_ids, g_con);
        const char *cid = contact_ids[i], *aid = article_ids[i];
        uint32_t c = lookup_at(&l->contact_ids, cid, &g_con, i);
        if (c == CRVM__NOT_FOUND)
            REJECT_MISSING("contact_id", cid, "contact");
        uint32_t a = lookup(&l->article_ids, aid);
        if (a == CRVM__NOT_FOUND)
            REJECT_MISSING("article_id", aid, "article");
        l->link_contact[k] = c;
        l->link_article[k] = a;
        k++;
    next:;
    }
    l->n_link = k;
    l->modifications++;
    return CRVM_OK;
abort:
    crvm__rejections_rollback(rejections, r0, rt0);
    return st;
}

crvm_status crvm_ledger_add_knowledge_uses(crvm_ledger *l, const char *const *article_ids,
                                           size_t article_ids_len, const crvm_date *dates,
                                           size_t dates_len, const int32_t *kinds,
                                           size_t kinds_len, const int32_t *resolved,
                                           size_t resolved_len, const char *const *contact_ids,
                                           size_t contact_ids_len, const char *const *customer_ids,
                                           size_t customer_ids_len, crvm_rejections *rejections)
{
    static const char fn[] = "crvm_ledger_add_knowledge_uses";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = article_ids_len;
    CHECK_COL(article_ids, 0);
    CHECK_COL(dates, 0);
    CHECK_COL(kinds, 0);
    CHECK_COL(resolved, 0);
    CHECK_COL(contact_ids, 1);
    CHECK_COL(customer_ids, 1);
    crvm_status st;
    size_t r0, rt0;
    crvm__rejections_mark(rejections, &r0, &rt0);
    if ((st = ensure(l, resize_uses, l->n_use, l->use_cap, n)))
        return st;
    crvm__batch b = {CRVM_TABLE_KNOWLEDGE_USES, rejections, 0};
    crvm__ledger_summary sum = l->summary; /* the ledger's once every row is in */
    size_t k = l->n_use;
    crvm__id_group g_con = CRVM__ID_GROUP_INIT, g_cust = CRVM__ID_GROUP_INIT;
    for (size_t i = 0; i < n; i++) {
        PREFETCH_IDS(&l->contact_ids, contact_ids, g_con);
        PREFETCH_IDS(&l->customer_ids, customer_ids, g_cust);
        const char *aid = article_ids[i];
        const char *kid = contact_ids ? contact_ids[i] : NULL;
        const char *cid = customer_ids ? customer_ids[i] : NULL;
        uint32_t a = lookup(&l->article_ids, aid);
        if (a == CRVM__NOT_FOUND)
            REJECT_MISSING("article_id", aid, "article");
        crvm_date d = dates[i];
        if (!crvm__date_valid(d))
            REJECT("date", CRVM_EINVAL, "= %ld: not a valid date", (long)d);
        if (d < l->art_created[a])
            REJECT("date", CRVM_EINVAL, "= %ld: before the article was created (%ld)", (long)d,
                   (long)l->art_created[a]);
        if (kinds[i] < 0 || kinds[i] >= CRVM_USE_KIND_COUNT)
            REJECT("kind", CRVM_EINVAL, "= %ld: not a crvm_use_kind", (long)kinds[i]);
        if (resolved[i] != 0 && resolved[i] != 1)
            REJECT("resolved", CRVM_EINVAL, "= %ld: must be 0 or 1", (long)resolved[i]);
        uint32_t kc = CRVM__NOT_FOUND, cu = CRVM__NOT_FOUND;
        if (!is_empty(kid)) {
            kc = lookup_at(&l->contact_ids, kid, &g_con, i);
            if (kc == CRVM__NOT_FOUND)
                REJECT("contact_id", CRVM_ENOTFOUND, "\"%.*s\": unknown contact", QID(kid));
        } else if (kinds[i] == CRVM_USE_ASSISTED) {
            REJECT("contact_id", CRVM_EINVAL, "is empty: an assisted use needs its contact");
        }
        if (!is_empty(cid)) {
            cu = lookup_at(&l->customer_ids, cid, &g_cust, i);
            if (cu == CRVM__NOT_FOUND)
                REJECT("customer_id", CRVM_ENOTFOUND, "\"%.*s\": unknown customer", QID(cid));
            if (kc != CRVM__NOT_FOUND && l->con_customer[kc] != cu)
                REJECT("customer_id", CRVM_EINVAL, "\"%.*s\": contact \"%.*s\" belongs to another customer",
                       QID(cid), QID(kid));
        } else if (kc != CRVM__NOT_FOUND) {
            cu = l->con_customer[kc];
        }
        if (k > 0 && cu < l->use_customer[k - 1])
            sum.uses_ordered = 0;
        crvm__span_note(&sum.first, &sum.last, d);
        l->use_article[k] = a;
        l->use_date[k] = d;
        l->use_kind[k] = (uint8_t)kinds[i];
        l->use_resolved[k] = (uint8_t)resolved[i];
        l->use_contact[k] = kc;
        l->use_customer[k] = cu;
        k++;
    next:;
    }
    l->n_use = k;
    l->summary = sum;
    l->modifications++;
    return CRVM_OK;
abort:
    crvm__rejections_rollback(rejections, r0, rt0);
    return st;
}

/* ------------------------------------------------------- single-row appends */

crvm_status crvm_ledger_add_customer(crvm_ledger *l, const char *id, const char *segment,
                                     crvm_date start, crvm_date end)
{
    return crvm_ledger_add_customers(l, &id, 1, &segment, 1, &start, 1, &end, 1, NULL);
}

crvm_status crvm_ledger_add_revenue_event(crvm_ledger *l, const char *customer_id, crvm_date date,
                                          double amount, crvm_stream stream)
{
    int32_t s = (int32_t)stream;
    return crvm_ledger_add_revenue(l, &customer_id, 1, &date, 1, &amount, 1, &s, 1, NULL);
}

crvm_status crvm_ledger_add_contact(crvm_ledger *l, const char *id, const char *customer_id,
                                    crvm_date opened, crvm_date closed, crvm_channel channel,
                                    double handle_minutes, int tier, int escalated,
                                    crvm_outcome outcome, double satisfaction)
{
    int32_t ch = (int32_t)channel, t = (int32_t)tier, e = (int32_t)escalated, o = (int32_t)outcome;
    return crvm_ledger_add_contacts(l, &id, 1, &customer_id, 1, &opened, 1, &closed, 1, &ch, 1,
                                    &handle_minutes, 1, &t, 1, &e, 1, &o, 1, &satisfaction, 1, NULL);
}

crvm_status crvm_ledger_add_article(crvm_ledger *l, const char *id, crvm_date created,
                                    double authoring_hours, double maintenance_hours)
{
    return crvm_ledger_add_articles(l, &id, 1, &created, 1, &authoring_hours, 1,
                                    &maintenance_hours, 1, NULL);
}

crvm_status crvm_ledger_add_contact_article(crvm_ledger *l, const char *contact_id,
                                            const char *article_id)
{
    return crvm_ledger_add_contact_articles(l, &contact_id, 1, &article_id, 1, NULL);
}

crvm_status crvm_ledger_add_knowledge_use(crvm_ledger *l, const char *article_id, crvm_date date,
                                          crvm_use_kind kind, int resolved, const char *contact_id,
                                          const char *customer_id)
{
    int32_t k = (int32_t)kind, r = (int32_t)resolved;
    return crvm_ledger_add_knowledge_uses(l, &article_id, 1, &date, 1, &k, 1, &r, 1, &contact_id, 1,
                                          &customer_id, 1, NULL);
}

/* ------------------------------------------------------------- inspection */

crvm_status crvm_ledger_stats_get(const crvm_ledger *l, crvm_ledger_stats *out)
{
    if (!l || !out)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_stats_get: ledger and out are required");
    crvm_ledger_stats s;
    memset(&s, 0, sizeof s);
    s.customers = l->customer_ids.count;
    s.segments = l->segment_ids.count;
    s.revenue_events = l->n_rev;
    s.contacts = l->contact_ids.count;
    s.contact_articles = l->n_link;
    s.articles = l->article_ids.count;
    s.knowledge_uses = l->n_use;
    const size_t cust_row = 4 + 4 + 4, rev_row = 4 + 4 + 8 + 1, con_row = 4 + 4 + 4 + 8 + 8 + 4,
                 link_row = 8, art_row = 4 + 8 + 8, use_row = 4 * 4 + 2;
    s.bytes_used = sizeof *l + s.customers * cust_row + s.revenue_events * rev_row +
                   s.contacts * con_row + s.contact_articles * link_row + s.articles * art_row +
                   s.knowledge_uses * use_row;
    s.bytes_allocated = sizeof *l + l->cust_cap * cust_row + l->rev_cap * rev_row +
                        l->con_cap * con_row + l->link_cap * link_row + l->art_cap * art_row +
                        l->use_cap * use_row;
    const crvm__intern *ts[] = {&l->customer_ids, &l->segment_ids, &l->contact_ids, &l->article_ids};
    for (size_t i = 0; i < 4; i++) {
        s.bytes_used += crvm__intern_bytes_used(ts[i]);
        s.bytes_allocated += crvm__intern_bytes_allocated(ts[i]);
    }
    size_t used, allocated;
    crvm__attributes_bytes(&l->attributes, &used, &allocated);
    s.bytes_used += used + l->sources.n * 8;
    s.bytes_allocated += allocated + l->sources.cap * 8;
    s.revenue_cents = l->revenue_cents;
    for (size_t i = 0; i < s.contacts; i++)
        s.handle_minutes += l->con_minutes[i];
    s.first_date = l->summary.first;
    s.last_date = l->summary.last;
    *out = s;
    return CRVM_OK;
}

static const crvm__intern *id_table(const crvm_ledger *l, int table)
{
    switch (table) {
    case CRVM_TABLE_CUSTOMERS: return &l->customer_ids;
    case CRVM_TABLE_CONTACTS: return &l->contact_ids;
    case CRVM_TABLE_ARTICLES: return &l->article_ids;
    case CRVM_SEGMENTS: return &l->segment_ids;
    default: return NULL;
    }
}

const char *crvm_ledger_id(const crvm_ledger *l, int table, size_t index)
{
    const crvm__intern *t = l ? id_table(l, table) : NULL;
    if (!t || index >= t->count)
        return NULL;
    return crvm__intern_str(t, index);
}

crvm_status crvm_ledger_find(const crvm_ledger *l, int table, const char *id, size_t *index)
{
    const crvm__intern *t = l ? id_table(l, table) : NULL;
    if (!t || !id || !index)
        return crvm__fail(CRVM_EINVAL, "crvm_ledger_find: ledger, a table with string ids, id and index are required");
    uint32_t k = lookup(t, id);
    if (k == CRVM__NOT_FOUND)
        return crvm__fail(CRVM_ENOTFOUND, "%s id \"%.*s\": not in the ledger",
                          table == CRVM_SEGMENTS ? "segment" : crvm_table_name(table), QID(id));
    *index = k;
    return CRVM_OK;
}

crvm_status crvm_ledger_customers(const crvm_ledger *l, int32_t *segment, size_t segment_len,
                                  crvm_date *start, size_t start_len, crvm_date *end,
                                  size_t end_len)
{
    static const char fn[] = "crvm_ledger_customers";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = l->customer_ids.count;
    CHECK_COL(segment, 1);
    CHECK_COL(start, 1);
    CHECK_COL(end, 1);
    for (size_t i = 0; i < n; i++) {
        if (segment)
            segment[i] = (int32_t)l->cust_segment[i];
        if (start)
            start[i] = l->cust_start[i];
        if (end)
            end[i] = l->cust_end[i];
    }
    return CRVM_OK;
}
