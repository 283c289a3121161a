/* Tests of the ledger's contact attributes, revenue sourced by contacts, the
 * contact and revenue column accessors and the modification counter: success
 * paths against hand-written expectations, every error status, strict and
 * lenient modes, batches and marks, and allocation failures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "ledger/ledger_internal.h"
#include "ledger/mark.h"

#define D test_date

/* Value of attribute `name` of every contact as text ("" = none), joined by
 * '|', e.g. "billing|||tech|": compares a whole column at once. */
static void attribute_column(const crvm_ledger *l, const char *name, char *buf, size_t buf_len)
{
    size_t a;
    assert_int_equal(crvm_ledger_find_attribute(l, name, &a), CRVM_OK);
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    int32_t v[64];
    assert_true(s.contacts <= 64);
    assert_int_equal(crvm_ledger_contact_attribute(l, a, v, s.contacts), CRVM_OK);
    buf[0] = '\0';
    for (size_t k = 0; k < s.contacts; k++) {
        if (k)
            strncat(buf, "|", buf_len - strlen(buf) - 1);
        if (v[k] >= 0)
            strncat(buf, crvm_ledger_attribute_value(l, a, (size_t)v[k]), buf_len - strlen(buf) - 1);
    }
}

static void attributes_are_interned_per_attribute(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger(); /* contacts K1..K5 */
    assert_int_equal(crvm_ledger_attribute_count(l), 0);
    const char *ids[] = {"K4", "K1", "K5"}, *queues[] = {"tech", "billing", "tech"};
    assert_int_equal(crvm_ledger_add_contact_attributes(l, "queue", ids, 3, queues, 3, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "agent", "K2", "ann"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K3", "billing"), CRVM_OK);
    /* A call with no rows declares an attribute. */
    assert_int_equal(crvm_ledger_add_contact_attributes(l, "product", NULL, 0, NULL, 0, NULL), CRVM_OK);
    /* Names are case-sensitive: "Queue" is another attribute. */
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "Queue", "K1", "x"), CRVM_OK);

    assert_int_equal(crvm_ledger_attribute_count(l), 4);
    assert_string_equal(crvm_ledger_attribute_name(l, 0), "queue");
    assert_string_equal(crvm_ledger_attribute_name(l, 1), "agent");
    assert_string_equal(crvm_ledger_attribute_name(l, 2), "product");
    assert_string_equal(crvm_ledger_attribute_name(l, 3), "Queue");
    assert_null(crvm_ledger_attribute_name(l, 4));
    assert_null(crvm_ledger_attribute_name(NULL, 0));
    assert_int_equal(crvm_ledger_attribute_count(NULL), 0);
    /* Values in order of first appearance, per attribute. */
    assert_int_equal(crvm_ledger_attribute_value_count(l, 0), 2);
    assert_string_equal(crvm_ledger_attribute_value(l, 0, 0), "tech");
    assert_string_equal(crvm_ledger_attribute_value(l, 0, 1), "billing");
    assert_null(crvm_ledger_attribute_value(l, 0, 2));
    assert_null(crvm_ledger_attribute_value(l, 9, 0));
    assert_int_equal(crvm_ledger_attribute_value_count(l, 2), 0);
    assert_int_equal(crvm_ledger_attribute_value_count(l, 9), 0);
    assert_int_equal(crvm_ledger_attribute_value_count(NULL, 0), 0);
    size_t a = 99, v = 99;
    assert_int_equal(crvm_ledger_find_attribute(l, "agent", &a), CRVM_OK);
    assert_int_equal(a, 1);
    assert_int_equal(crvm_ledger_find_attribute_value(l, 0, "billing", &v), CRVM_OK);
    assert_int_equal(v, 1);
    char col[256];
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing||billing|tech|tech");
    attribute_column(l, "agent", col, sizeof col);
    assert_string_equal(col, "|ann|||");
    attribute_column(l, "product", col, sizeof col);
    assert_string_equal(col, "||||");
    /* A contact added later has no value of the existing attributes. */
    assert_int_equal(crvm_ledger_add_contact(l, "K6", "B", D(2023, 4, 1), CRVM_DATE_NONE,
                                             CRVM_CHANNEL_CHAT, 5, 1, 0, CRVM_OUTCOME_RESOLVED, NAN),
                     CRVM_OK);
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing||billing|tech|tech|");

    /* Errors of the accessors. */
    int32_t out[6];
    assert_status(crvm_ledger_find_attribute(l, "reason", &a), CRVM_ENOTFOUND);
    assert_non_null(strstr(crvm_last_error(), "reason"));
    assert_status(crvm_ledger_find_attribute(l, NULL, &a), CRVM_EINVAL);
    assert_status(crvm_ledger_find_attribute(NULL, "queue", &a), CRVM_EINVAL);
    assert_status(crvm_ledger_find_attribute_value(l, 0, "account", &v), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find_attribute_value(l, 4, "tech", &v), CRVM_EINVAL);
    assert_status(crvm_ledger_find_attribute_value(l, 0, NULL, &v), CRVM_EINVAL);
    assert_status(crvm_ledger_contact_attribute(l, 4, out, 6), CRVM_EINVAL);
    assert_status(crvm_ledger_contact_attribute(l, 0, out, 5), CRVM_EINVAL);
    assert_status(crvm_ledger_contact_attribute(l, 0, NULL, 6), CRVM_EINVAL);
    assert_status(crvm_ledger_contact_attribute(NULL, 0, out, 6), CRVM_EINVAL);
    assert_int_equal(a, 1);
    assert_int_equal(v, 1);
    crvm_ledger_free(l);
}

static void bad_attribute_rows_are_refused(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K1", "billing"), CRVM_OK);
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    const char *ids[] = {"K2", "K1"}, *vals[] = {"tech", "tech"};

    /* Call-level errors. */
    assert_status(crvm_ledger_add_contact_attributes(NULL, "queue", ids, 2, vals, 2, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact_attributes(l, NULL, ids, 2, vals, 2, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact_attributes(l, "", ids, 2, vals, 2, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact_attributes(l, "Channel", ids, 2, vals, 2, NULL), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "a contact column"));
    assert_status(crvm_ledger_add_contact_attributes(l, "queue", ids, 2, vals, 1, NULL), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "values_len = 1"));
    assert_status(crvm_ledger_add_contact_attributes(l, "queue", ids, 2, NULL, 2, NULL), CRVM_EINVAL);

    /* Strict rows: K1 already has a queue (the whole call is undone, also
     * the value given to K2 and the new value "tech"). */
    assert_status(crvm_ledger_add_contact_attributes(l, "queue", ids, 2, vals, 2, NULL), CRVM_EINVAL);
    assert_string_equal(crvm_last_error(),
                        "contact_attributes[1].contact_id \"K1\": already has a value of attribute \"queue\"");
    char col[256];
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing||||");
    assert_int_equal(crvm_ledger_attribute_value_count(l, 0), 1);
    /* A new attribute whose call fails is not created. */
    const char *unknown[] = {"K3", "K99"};
    assert_status(crvm_ledger_add_contact_attributes(l, "agent", unknown, 2, vals, 2, NULL), CRVM_ENOTFOUND);
    assert_non_null(strstr(crvm_last_error(), "unknown contact"));
    assert_int_equal(crvm_ledger_attribute_count(l), 1);
    assert_status(crvm_ledger_add_contact_attribute(l, "agent", "", "ann"), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact_attribute(l, "agent", "K3", ""), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "value is empty"));
    assert_status(crvm_ledger_add_contact_attribute(l, "agent", "K3", NULL), CRVM_EINVAL);
    /* The same contact twice in one call: the second is refused. */
    const char *twice[] = {"K3", "K3"}, *two[] = {"a", "b"};
    assert_status(crvm_ledger_add_contact_attributes(l, "agent", twice, 2, two, 2, NULL), CRVM_EINVAL);
    assert_int_equal(crvm_ledger_attribute_count(l), 1);
    crvm_ledger_stats after;
    assert_int_equal(crvm_ledger_stats_get(l, &after), CRVM_OK);
    assert_int_equal(after.bytes_used, before.bytes_used);

    /* Lenient: every bad row listed, the good ones kept. */
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    const char *lid[] = {"K2", "K1", "K99", "", "K3", "K3", "K4"};
    const char *lval[] = {"tech", "tech", "tech", "tech", "", "acct", "acct"};
    assert_int_equal(crvm_ledger_add_contact_attributes(l, "queue", lid, 7, lval, 7, rej), CRVM_OK);
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing|tech|acct|acct|");
    assert_int_equal(crvm_rejections_count(rej), 4);
    static const size_t rows[] = {1, 2, 3, 4};
    static const char *const fields[] = {"contact_id", "contact_id", "contact_id", "value"};
    static const crvm_status statuses[] = {CRVM_EINVAL, CRVM_ENOTFOUND, CRVM_EINVAL, CRVM_EINVAL};
    for (size_t i = 0; i < 4; i++) {
        crvm_rejection r;
        assert_int_equal(crvm_rejections_get(rej, i, &r), CRVM_OK);
        assert_int_equal(r.table, CRVM_TABLE_CONTACT_ATTRIBUTES);
        assert_int_equal(r.row, rows[i]);
        assert_string_equal(r.field, fields[i]);
        assert_int_equal(r.status, statuses[i]);
        assert_true(strncmp(r.reason, "contact_attributes[", 19) == 0);
    }
    assert_string_equal(crvm_table_name(CRVM_TABLE_CONTACT_ATTRIBUTES), "contact_attributes");
    assert_null(crvm_table_name(CRVM_SEGMENTS));
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
}

static void revenue_names_the_contact_that_sourced_it(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger(); /* 8 events; K1 (A, 2023-02-01), K5 (C, 2023-07-15) */
    const char *cust[] = {"A", "C", "B"};
    crvm_date date[] = {D(2023, 2, 3), D(2023, 7, 20), D(2023, 3, 6)};
    double amt[] = {120.0, 3000.5, 1.0};
    int32_t stream[] = {CRVM_STREAM_EXPANSION, CRVM_STREAM_SERVICES, CRVM_STREAM_SERVICES};
    const char *src[] = {"K1", "K5", ""};
    assert_int_equal(crvm_ledger_add_sourced_revenue(l, cust, 3, date, 3, amt, 3, stream, 3, src, 3, NULL),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_sourced_revenue_event(l, "B", D(2023, 3, 5), 5.0,
                                                           CRVM_STREAM_SERVICES, "K3"),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_sourced_revenue_event(l, "B", D(2023, 3, 5), 5.0,
                                                           CRVM_STREAM_SERVICES, NULL),
                     CRVM_OK);
    /* Without a source column it is crvm_ledger_add_revenue. */
    assert_int_equal(crvm_ledger_add_sourced_revenue(l, cust, 1, date, 1, amt, 1, stream, 1, NULL, 0, NULL),
                     CRVM_OK);
    int32_t customer[14], source[14], str[14];
    crvm_date dates[14];
    double amount[14];
    assert_int_equal(crvm_ledger_revenue_events(l, customer, 14, dates, 14, amount, 14, str, 14, source, 14),
                     CRVM_OK);
    /* Rows 0..7 are test_small_ledger's; then A/K1 (contact 0), C/K5 (4),
     * B unsourced, B/K3 (2), B unsourced, A unsourced. */
    static const int32_t want_source[14] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 4, -1, 2, -1, -1};
    static const int32_t want_customer[6] = {0, 2, 1, 1, 1, 0};
    for (int k = 0; k < 14; k++)
        assert_int_equal(source[k], want_source[k]);
    for (int k = 0; k < 6; k++)
        assert_int_equal(customer[8 + k], want_customer[k]);
    assert_true(amount[0] == 1000.0 && amount[1] == 49.99 && amount[6] == -10.0 && amount[9] == 3000.5);
    assert_int_equal(dates[9], D(2023, 7, 20));
    assert_int_equal(str[8], CRVM_STREAM_EXPANSION);

    /* Each bad source, strict: the call changes nothing. */
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    assert_status(crvm_ledger_add_sourced_revenue_event(l, "A", D(2023, 3, 1), 1.0,
                                                        CRVM_STREAM_SERVICES, "K99"),
                  CRVM_ENOTFOUND);
    assert_string_equal(crvm_last_error(), "revenue[0].source_contact \"K99\": unknown contact");
    assert_status(crvm_ledger_add_sourced_revenue_event(l, "A", D(2023, 8, 1), 1.0,
                                                        CRVM_STREAM_SERVICES, "K5"),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "another customer"));
    assert_status(crvm_ledger_add_sourced_revenue_event(l, "A", D(2023, 1, 31), 1.0,
                                                        CRVM_STREAM_SERVICES, "K1"),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "after the event's date"));
    const char *two[] = {"K1", "K99"};
    assert_status(crvm_ledger_add_sourced_revenue(l, cust, 2, date, 2, amt, 2, stream, 2, two, 2, NULL),
                  CRVM_ENOTFOUND);
    assert_status(crvm_ledger_add_sourced_revenue(l, cust, 2, date, 2, amt, 2, stream, 2, two, 1, NULL),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_add_sourced_revenue(l, cust, 2, date, 2, amt, 2, stream, 2, NULL, 2, NULL),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_add_sourced_revenue(NULL, cust, 2, date, 2, amt, 2, stream, 2, two, 2, NULL),
                  CRVM_EINVAL);
    crvm_ledger_stats after;
    assert_int_equal(crvm_ledger_stats_get(l, &after), CRVM_OK);
    assert_int_equal(after.revenue_events, before.revenue_events);
    assert_int_equal(after.bytes_used, before.bytes_used);

    /* Lenient: the good rows keep their sources, in row order. */
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    const char *lc[] = {"C", "A", "C", "nobody"};
    crvm_date ld[] = {D(2023, 7, 16), D(2023, 3, 1), D(2023, 7, 1), D(2023, 7, 1)};
    double la[] = {1, 2, 3, 4};
    int32_t ls[] = {3, 3, 3, 3};
    const char *lsrc[] = {"K5", "K4", "K5", "K5"};
    assert_int_equal(crvm_ledger_add_sourced_revenue(l, lc, 4, ld, 4, la, 4, ls, 4, lsrc, 4, rej), CRVM_OK);
    assert_int_equal(crvm_rejections_count(rej), 3);
    crvm_rejection r;
    assert_int_equal(crvm_rejections_get(rej, 0, &r), CRVM_OK);
    assert_int_equal(r.row, 1);
    assert_string_equal(r.field, "source_contact");
    assert_int_equal(crvm_rejections_get(rej, 2, &r), CRVM_OK);
    assert_string_equal(r.field, "customer_id");
    int32_t src15[15];
    assert_int_equal(crvm_ledger_revenue_events(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, src15, 15), CRVM_OK);
    assert_int_equal(src15[14], 4);
    /* Accessor errors. */
    assert_status(crvm_ledger_revenue_events(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, src15, 14), CRVM_EINVAL);
    assert_status(crvm_ledger_revenue_events(l, NULL, 15, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_ledger_revenue_events(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
}

static void contact_columns_copy_out(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    int32_t cust[5], ch[5], tier[5], esc[5], out[5];
    crvm_date op[5], cl[5];
    double min[5], sat[5];
    assert_int_equal(crvm_ledger_contacts(l, cust, 5, op, 5, cl, 5, ch, 5, min, 5, tier, 5, esc, 5, out, 5,
                                          sat, 5),
                     CRVM_OK);
    /* The rows test_small_ledger() appended (support.c). */
    static const int32_t want_cust[5] = {0, 0, 1, 2, 2}, want_tier[5] = {1, 2, 1, 1, 3};
    static const int32_t want_ch[5] = {CRVM_CHANNEL_PHONE, CRVM_CHANNEL_EMAIL, CRVM_CHANNEL_CHAT,
                                       CRVM_CHANNEL_WEB, CRVM_CHANNEL_PHONE};
    static const int32_t want_out[5] = {CRVM_OUTCOME_RESOLVED, CRVM_OUTCOME_REFUSED,
                                        CRVM_OUTCOME_ABANDONED, CRVM_OUTCOME_WORKAROUND,
                                        CRVM_OUTCOME_RESOLVED};
    static const double want_min[5] = {30, 45, 12.5, 0, 60};
    for (int k = 0; k < 5; k++) {
        assert_int_equal(cust[k], want_cust[k]);
        assert_int_equal(ch[k], want_ch[k]);
        assert_int_equal(tier[k], want_tier[k]);
        assert_int_equal(out[k], want_out[k]);
        assert_true(min[k] == want_min[k]);
    }
    assert_int_equal(op[1], D(2023, 5, 10));
    assert_int_equal(cl[2], CRVM_DATE_NONE);
    assert_int_equal(esc[1], 1);
    assert_true(isnan(sat[2]) && sat[3] == 5);
    /* Any column may be left out; lengths must match. */
    assert_int_equal(crvm_ledger_contacts(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                          out, 5, NULL, 0),
                     CRVM_OK);
    assert_status(crvm_ledger_contacts(l, cust, 4, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                       NULL, 0, NULL, 0),
                  CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "customer_len = 4"));
    assert_status(crvm_ledger_contacts(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                       NULL, 5, NULL, 0),
                  CRVM_EINVAL);
    assert_status(crvm_ledger_contacts(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                       NULL, 0, NULL, 0),
                  CRVM_EINVAL);
    crvm_ledger_free(l);
}

/* Attribute values and sources of every contact/event: compared before and after undo. */
typedef struct attr_snapshot {
    size_t attributes, values[8], bytes;
    char column[8][256];
    int32_t source[64];
    size_t events;
} attr_snapshot;

static void take(const crvm_ledger *l, attr_snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->attributes = crvm_ledger_attribute_count(l);
    assert_true(s->attributes <= 8);
    for (size_t a = 0; a < s->attributes; a++) {
        s->values[a] = crvm_ledger_attribute_value_count(l, a);
        attribute_column(l, crvm_ledger_attribute_name(l, a), s->column[a], sizeof s->column[a]);
    }
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(l, &st), CRVM_OK);
    s->bytes = st.bytes_used;
    s->events = st.revenue_events;
    assert_true(s->events <= 64);
    assert_int_equal(crvm_ledger_revenue_events(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, s->source, s->events),
                     CRVM_OK);
}

static void assert_same(const crvm_ledger *l, const attr_snapshot *before)
{
    attr_snapshot now;
    take(l, &now);
    assert_int_equal(now.attributes, before->attributes);
    assert_int_equal(now.bytes, before->bytes);
    assert_int_equal(now.events, before->events);
    for (size_t a = 0; a < now.attributes; a++) {
        assert_int_equal(now.values[a], before->values[a]);
        assert_string_equal(now.column[a], before->column[a]);
    }
    assert_memory_equal(now.source, before->source, now.events * sizeof now.source[0]);
}

/* Values for old and new contacts, new values, a new attribute, sourced revenue. */
static void append_attributes(crvm_ledger *l)
{
    assert_int_equal(crvm_ledger_add_contact(l, "K6", "C", D(2023, 9, 1), CRVM_DATE_NONE,
                                             CRVM_CHANNEL_EMAIL, 4, 1, 0, CRVM_OUTCOME_REFUSED, NAN),
                     CRVM_OK);
    const char *ids[] = {"K2", "K6", "K3"}, *q[] = {"tech", "integrations", "billing"};
    assert_int_equal(crvm_ledger_add_contact_attributes(l, "queue", ids, 3, q, 3, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "reason", "K1", "bug"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "reason", "K6", "bug"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_sourced_revenue_event(l, "C", D(2023, 9, 2), 50, CRVM_STREAM_SERVICES,
                                                           "K6"),
                     CRVM_OK);
}

static void batches_and_marks_undo_attributes_and_sources(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K1", "billing"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_sourced_revenue_event(l, "A", D(2023, 2, 2), 10, CRVM_STREAM_EXPANSION,
                                                           "K1"),
                     CRVM_OK);
    attr_snapshot before, middle;
    take(l, &before);

    /* A public batch rolled back. */
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    append_attributes(l);
    assert_int_equal(crvm_ledger_attribute_count(l), 2);
    assert_int_equal(crvm_ledger_rollback(l), CRVM_OK);
    assert_same(l, &before);
    size_t a;
    assert_status(crvm_ledger_find_attribute(l, "reason", &a), CRVM_ENOTFOUND);
    /* The same appends work again afterwards, and a commit keeps them. */
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    append_attributes(l);
    assert_int_equal(crvm_ledger_commit(l), CRVM_OK);
    take(l, &middle); /* the batch's undo records are gone now */
    char col[256];
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing|tech|billing|||integrations");

    /* Nested private marks (as the CSV loads use them inside a batch). */
    crvm__ledger_mark outer, inner;
    crvm__ledger_mark_take(l, &outer);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K4", "account"), CRVM_OK);
    attr_snapshot mid2;
    take(l, &mid2);
    crvm__ledger_mark_take(l, &inner);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K5", "account"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "agent", "K5", "ann"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact(l, "K7", "C", D(2023, 9, 3), CRVM_DATE_NONE, CRVM_CHANNEL_WEB,
                                             1, 1, 0, CRVM_OUTCOME_RESOLVED, NAN),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K7", "new"), CRVM_OK);
    crvm__ledger_rollback(l, &inner);
    assert_same(l, &mid2);
    crvm__ledger_rollback(l, &outer);
    assert_same(l, &middle);
    /* A contact re-added with the index of a removed one has no value. */
    assert_int_equal(crvm_ledger_add_contact(l, "K7", "C", D(2023, 9, 3), CRVM_DATE_NONE, CRVM_CHANNEL_WEB,
                                             1, 1, 0, CRVM_OUTCOME_RESOLVED, NAN),
                     CRVM_OK);
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing|tech|billing|||integrations|");
    crvm_ledger_free(l);
}

static void shrink_and_stats_count_attributes(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    crvm_ledger_stats s1, s2;
    enum { N = 1000 };
    char (*names)[8] = malloc(N * sizeof *names);
    const char **ids = malloc(N * sizeof *ids), **cust = malloc(N * sizeof *cust);
    const char **agent = malloc(N * sizeof *agent);
    crvm_date *d = malloc(N * sizeof *d), *none = malloc(N * sizeof *none);
    int32_t *ch = malloc(N * sizeof *ch), *one = malloc(N * sizeof *one), *zero = malloc(N * sizeof *zero);
    double *m = malloc(N * sizeof *m);
    assert_true(names && ids && cust && agent && d && none && ch && one && zero && m);
    static const char *const agents[4] = {"ann", "bob", "cy", "di"};
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "X%d", i);
        ids[i] = names[i];
        cust[i] = "A";
        agent[i] = agents[i % 4];
        d[i] = D(2023, 2, 1);
        none[i] = CRVM_DATE_NONE;
        ch[i] = CRVM_CHANNEL_PHONE;
        one[i] = 1;
        zero[i] = 0;
        m[i] = 1.0;
    }
    assert_int_equal(crvm_ledger_add_contacts(l, ids, N, cust, N, d, N, none, N, ch, N, m, N, one, N, zero, N,
                                              zero, N, NULL, 0, NULL),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_shrink(l), CRVM_OK);
    assert_int_equal(crvm_ledger_stats_get(l, &s1), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_attributes(l, "agent", ids, N, agent, N, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_sourced_revenue(l, cust, N, d, N, m, N, zero, N, ids, N, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_stats_get(l, &s2), CRVM_OK);
    assert_true(s2.bytes_allocated >= s2.bytes_used);
    assert_int_equal(crvm_ledger_shrink(l), CRVM_OK);
    assert_int_equal(crvm_ledger_stats_get(l, &s2), CRVM_OK);
    /* After shrinking every column and table holds exactly its rows. */
    assert_int_equal(s2.bytes_allocated, s2.bytes_used);
    /* Growth: N revenue rows of 17 bytes; per sourced row 8; the agent
     * column 4 per contact (N + 5); the attribute: its name "agent" (6
     * bytes, an 8-byte entry, 32 hash slots of 4), its record, and four
     * values (3 or 4 bytes of text each with terminators, 14 in all, 8-byte
     * entries, 32 slots). */
    size_t attribute_bytes = (N + 5) * 4 + (6 + 8 + 32 * 4) + sizeof(crvm__attribute) + (14 + 4 * 8 + 32 * 4);
    assert_int_equal(s2.bytes_used - s1.bytes_used, N * 17 + N * 8 + attribute_bytes);
    free(names);
    free(ids);
    free(cust);
    free(agent);
    free(d);
    free(none);
    free(ch);
    free(one);
    free(zero);
    free(m);
    crvm_ledger_free(l);
}

static void the_modification_counter_moves_on_every_change(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    uint64_t m0 = l->modifications;
    assert_true(m0 > 0); /* test_small_ledger appended */
    assert_int_equal(crvm_ledger_reserve(l, 10, 10, 10, 10), CRVM_OK);
    assert_int_equal(crvm_ledger_shrink(l), CRVM_OK);
    assert_status(crvm_ledger_add_revenue_event(l, "nobody", D(2023, 1, 1), 1, CRVM_STREAM_SERVICES),
                  CRVM_ENOTFOUND);
    assert_status(crvm_ledger_add_contact_attribute(l, "queue", "K99", "x"), CRVM_ENOTFOUND);
    assert_int_equal(l->modifications, m0); /* nothing changed */
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K1", "x"), CRVM_OK);
    assert_int_equal(l->modifications, m0 + 1);
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    assert_int_equal(l->modifications, m0 + 1);
    assert_int_equal(crvm_ledger_add_customer(l, "Z", "smb", D(2023, 1, 1), CRVM_DATE_NONE), CRVM_OK);
    assert_int_equal(crvm_ledger_add_sourced_revenue_event(l, "Z", D(2023, 1, 1), 1, CRVM_STREAM_SERVICES,
                                                           NULL),
                     CRVM_OK);
    assert_int_equal(l->modifications, m0 + 3);
    assert_int_equal(crvm_ledger_rollback(l), CRVM_OK);
    assert_int_equal(l->modifications, m0 + 4);
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    assert_int_equal(crvm_ledger_commit(l), CRVM_OK);
    assert_int_equal(l->modifications, m0 + 4);
    crvm_ledger_free(l);
}

/* The loaders' entry point: contacts by index, as just appended. */
static void attribute_values_by_contact_index(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger(); /* contacts K1..K5 are 0..4 */
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    const uint32_t k[] = {4, 0, 9, 0};
    const char *v[] = {"tech", "billing", "x", "again"};
    assert_int_equal(crvm__ledger_add_attribute_values(l, "queue", k, v, 4, rej), CRVM_OK);
    char col[256];
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing||||tech");
    assert_int_equal(crvm_rejections_count(rej), 2);
    crvm_rejection r;
    assert_int_equal(crvm_rejections_get(rej, 0, &r), CRVM_OK);
    assert_int_equal(r.row, 2);
    assert_int_equal(r.status, CRVM_ENOTFOUND);
    assert_non_null(strstr(r.reason, "index out of range"));
    assert_int_equal(crvm_rejections_get(rej, 1, &r), CRVM_OK);
    assert_string_equal(r.reason, "contact_attributes[3].contact_id \"K1\": already has a value of attribute \"queue\"");
    /* Strict: all or nothing. */
    const uint32_t bad[] = {1, 7};
    assert_status(crvm__ledger_add_attribute_values(l, "queue", bad, v, 2, NULL), CRVM_ENOTFOUND);
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "billing||||tech");
    assert_status(crvm__ledger_add_attribute_values(l, "outcome", k, v, 1, NULL), CRVM_EINVAL);
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
}

/* ---------------------------------------------------- allocation failure */

static crvm_status attribute_use(void *ctx)
{
    (void)ctx;
    crvm_ledger *l = NULL;
    crvm_rejections *rej = NULL;
    crvm_status st;
    if ((st = crvm_ledger_new(&l)) || (st = crvm_rejections_new(&rej)))
        goto done;
    crvm_date d = 19000;
    if ((st = crvm_ledger_add_customer(l, "c1", "smb", d, CRVM_DATE_NONE)) ||
        (st = crvm_ledger_add_contact(l, "k1", "c1", d, d, CRVM_CHANNEL_PHONE, 5, 1, 0,
                                      CRVM_OUTCOME_RESOLVED, NAN)) ||
        (st = crvm_ledger_add_contact(l, "k2", "c1", d, d, CRVM_CHANNEL_PHONE, 5, 1, 0,
                                      CRVM_OUTCOME_REFUSED, NAN)))
        goto done;
    if ((st = crvm_ledger_begin(l)))
        goto done;
    const char *ids[] = {"k1", "k2", "k404", "k1"}, *vals[] = {"q1", "q2", "q3", "q4"};
    if ((st = crvm_ledger_add_contact_attributes(l, "queue", ids, 4, vals, 4, rej)) ||
        (st = crvm_ledger_add_contact_attribute(l, "agent", "k2", "ann")) ||
        (st = crvm_ledger_add_contact_attributes(l, "product", ids, 2, vals, 2, NULL)))
        goto done;
    const char *cust[] = {"c1", "c1"}, *src[] = {"k1", "k404"};
    crvm_date dd[] = {d, d};
    double amt[] = {1, 2};
    int32_t str[] = {3, 4};
    if ((st = crvm_ledger_add_sourced_revenue(l, cust, 2, dd, 2, amt, 2, str, 2, src, 2, rej)) ||
        (st = crvm_ledger_add_sourced_revenue_event(l, "c1", d, 3, CRVM_STREAM_EXPANSION, "k2")) ||
        (st = crvm_ledger_commit(l)) || (st = crvm_ledger_shrink(l)))
        goto done;
    int32_t v[2];
    size_t a;
    if ((st = crvm_ledger_find_attribute(l, "queue", &a)) ||
        (st = crvm_ledger_contact_attribute(l, a, v, 2)))
        goto done;
    /* k404 twice and k1's second queue value. */
    if (crvm_rejections_count(rej) != 3 || v[0] != 0 || v[1] != 1)
        st = CRVM_EINVAL;
done:
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
    return st;
}

static void every_allocation_failure(void **state)
{
    (void)state;
    assert_true(test_every_allocation_failure(attribute_use, NULL) > 10);
    crvm_set_allocator(NULL);
}

/* ENOMEM while recording a rejection in a lenient attribute append: the
 * values already given by the call are taken back, the earlier ones kept. */
static void nomem_in_a_lenient_attribute_append_changes_nothing(void **state)
{
    (void)state;
    test_alloc_install();
    crvm_ledger *l = test_small_ledger();
    assert_int_equal(crvm_ledger_add_contact_attribute(l, "queue", "K3", "billing"), CRVM_OK);
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    attr_snapshot before;
    take(l, &before);
    enum { N = 400 };
    const char *ids[N], *vals[N];
    for (int i = 0; i < N; i++) {
        ids[i] = i == 0 ? "K1" : i == 1 ? "K2" : i % 2 ? "K3" : "nobody"; /* all later rows rejected */
        vals[i] = i == 1 ? "fresh" : "tech";
    }
    int failed = 0;
    for (long k = 0; k < 40; k++) {
        test_alloc_fail_after(k);
        crvm_status s = crvm_ledger_add_contact_attributes(l, "queue", ids, N, vals, N, rej);
        test_alloc_fail_after(-1);
        if (s == CRVM_OK)
            break;
        failed++;
        assert_int_equal(s, CRVM_ENOMEM);
        assert_int_equal(crvm_rejections_count(rej), 0);
        assert_same(l, &before);
    }
    assert_true(failed >= 3); /* scratch, values, rejection list growth */
    char col[256];
    attribute_column(l, "queue", col, sizeof col);
    assert_string_equal(col, "tech|fresh|billing||");
    assert_int_equal(crvm_rejections_count(rej), N - 2);
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
    crvm_set_allocator(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attributes_are_interned_per_attribute),
        cmocka_unit_test(bad_attribute_rows_are_refused),
        cmocka_unit_test(revenue_names_the_contact_that_sourced_it),
        cmocka_unit_test(contact_columns_copy_out),
        cmocka_unit_test(batches_and_marks_undo_attributes_and_sources),
        cmocka_unit_test(shrink_and_stats_count_attributes),
        cmocka_unit_test(the_modification_counter_moves_on_every_change),
        cmocka_unit_test(attribute_values_by_contact_index),
        cmocka_unit_test(every_allocation_failure),
        cmocka_unit_test(nomem_in_a_lenient_attribute_append_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
