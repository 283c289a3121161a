/* Unit tests for lib/ledger: dates, names, storage, validation, aggregates.
 * Every expected figure is worked out by hand in the comments beside it. */
#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "ledger/ledger_internal.h"
#include "ledger/mark.h"

#define D test_date

/* ------------------------------------------------------------------ dates */

static void dates_known_values(void **state)
{
    (void)state;
    assert_int_equal(D(1970, 1, 1), 0);
    assert_int_equal(D(1970, 1, 2), 1);
    assert_int_equal(D(1969, 12, 31), -1);
    /* 30 years with 7 leap days (72..96): 30*365 + 7 = 10957. */
    assert_int_equal(D(2000, 1, 1), 10957);
    /* 2000 is a leap year (divisible by 400): Jan 31 + Feb 29 = 60 days. */
    assert_int_equal(D(2000, 3, 1), 10957 + 60);
    assert_int_equal(D(1, 1, 1), CRVM_DATE_MIN);
    assert_int_equal(D(9999, 12, 31), CRVM_DATE_MAX);
    crvm_date d = 123;
    assert_status(crvm_date_from_ymd(2023, 2, 29, &d), CRVM_EINVAL); /* 2023 not leap */
    assert_status(crvm_date_from_ymd(1900, 2, 29, &d), CRVM_EINVAL); /* century, not /400 */
    assert_status(crvm_date_from_ymd(2023, 13, 1, &d), CRVM_EINVAL);
    assert_status(crvm_date_from_ymd(2023, 4, 31, &d), CRVM_EINVAL);
    assert_status(crvm_date_from_ymd(0, 1, 1, &d), CRVM_EINVAL);
    assert_status(crvm_date_from_ymd(2023, 1, 0, &d), CRVM_EINVAL);
    assert_status(crvm_date_from_ymd(2023, 1, 1, NULL), CRVM_EINVAL);
    assert_int_equal(d, 123); /* untouched on failure */
    assert_status(crvm_date_to_ymd(CRVM_DATE_NONE, NULL, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_date_to_ymd(CRVM_DATE_MAX + 1, NULL, NULL, NULL), CRVM_EINVAL);
}

/* Walk every day from 1600-01-01 to 2400-12-31 with a naive calendar and
 * compare both conversions. */
static void dates_agree_with_a_naive_calendar(void **state)
{
    (void)state;
    int y = 1600, m = 1, d = 1;
    crvm_date expect = D(1600, 1, 1);
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    while (y <= 2400) {
        crvm_date got;
        assert_int_equal(crvm_date_from_ymd(y, m, d, &got), CRVM_OK);
        assert_int_equal(got, expect);
        int yy, mm, dd;
        assert_int_equal(crvm_date_to_ymd(expect, &yy, &mm, &dd), CRVM_OK);
        assert_int_equal(yy, y);
        assert_int_equal(mm, m);
        assert_int_equal(dd, d);
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int len = mdays[m - 1] + (m == 2 && leap);
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
        expect++;
    }
}

static void dates_parse_and_format(void **state)
{
    (void)state;
    crvm_date d = 0;
    assert_int_equal(crvm_date_parse("2024-02-29", 10, &d), CRVM_OK);
    assert_int_equal(d, D(2024, 2, 29));
    char buf[11];
    assert_int_equal(crvm_date_format(d, buf, sizeof buf), CRVM_OK);
    assert_string_equal(buf, "2024-02-29");
    assert_int_equal(crvm_date_format(D(5, 3, 7), buf, sizeof buf), CRVM_OK);
    assert_string_equal(buf, "0005-03-07");
    assert_status(crvm_date_format(d, buf, 10), CRVM_EINVAL);
    assert_status(crvm_date_format(CRVM_DATE_NONE, buf, sizeof buf), CRVM_EINVAL);
    const char *bad[] = {"2023-02-29", "2023-2-01", "20230201", "2023-02-01 ", "abcd-ef-gh",
                         "2023/02/01", "0000-01-01", "2023-00-10", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_status(crvm_date_parse(bad[i], strlen(bad[i]), &d), CRVM_EPARSE);
    /* Only len bytes are read. */
    assert_int_equal(crvm_date_parse("2023-05-06T10:00", 10, &d), CRVM_OK);
    assert_int_equal(d, D(2023, 5, 6));
    assert_status(crvm_date_parse(NULL, 10, &d), CRVM_EINVAL);
}

static void dates_periods(void **state)
{
    (void)state;
    crvm_date r;
    assert_int_equal(crvm_date_add_periods(D(2023, 1, 31), CRVM_PERIOD_MONTH, 1, &r), CRVM_OK);
    assert_int_equal(r, D(2023, 2, 28)); /* clamped */
    assert_int_equal(crvm_date_add_periods(D(2024, 1, 31), CRVM_PERIOD_MONTH, 1, &r), CRVM_OK);
    assert_int_equal(r, D(2024, 2, 29));
    assert_int_equal(crvm_date_add_periods(D(2023, 11, 30), CRVM_PERIOD_QUARTER, 1, &r), CRVM_OK);
    assert_int_equal(r, D(2024, 2, 29));
    assert_int_equal(crvm_date_add_periods(D(2024, 2, 29), CRVM_PERIOD_YEAR, 1, &r), CRVM_OK);
    assert_int_equal(r, D(2025, 2, 28));
    assert_int_equal(crvm_date_add_periods(D(2023, 3, 15), CRVM_PERIOD_MONTH, -3, &r), CRVM_OK);
    assert_int_equal(r, D(2022, 12, 15));
    assert_status(crvm_date_add_periods(D(9999, 12, 1), CRVM_PERIOD_MONTH, 1, &r), CRVM_EINVAL);
    assert_status(crvm_date_add_periods(D(2020, 1, 1), (crvm_period)7, 1, &r), CRVM_EINVAL);

    int n = -5;
    /* Jan 31 -> Feb 28 (1) -> Mar 31 (2): Mar 30 has 1 whole month, Mar 31 has 2. */
    assert_int_equal(crvm_date_whole_periods(D(2023, 1, 31), D(2023, 3, 30), CRVM_PERIOD_MONTH, &n), CRVM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(crvm_date_whole_periods(D(2023, 1, 31), D(2023, 3, 31), CRVM_PERIOD_MONTH, &n), CRVM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(crvm_date_whole_periods(D(2023, 1, 15), D(2024, 1, 14), CRVM_PERIOD_QUARTER, &n), CRVM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(crvm_date_whole_periods(D(2023, 1, 15), D(2024, 1, 15), CRVM_PERIOD_YEAR, &n), CRVM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(crvm_date_whole_periods(D(2023, 1, 15), D(2022, 1, 15), CRVM_PERIOD_YEAR, &n), CRVM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(crvm_date_period_start(D(2023, 8, 17), CRVM_PERIOD_QUARTER, &r), CRVM_OK);
    assert_int_equal(r, D(2023, 7, 1));
    assert_int_equal(crvm_date_period_start(D(2023, 8, 17), CRVM_PERIOD_YEAR, &r), CRVM_OK);
    assert_int_equal(r, D(2023, 1, 1));
    assert_int_equal(crvm_date_period_start(D(2023, 8, 17), CRVM_PERIOD_MONTH, &r), CRVM_OK);
    assert_int_equal(r, D(2023, 8, 1));
    assert_status(crvm_date_period_start(CRVM_DATE_NONE, CRVM_PERIOD_MONTH, &r), CRVM_EINVAL);
    assert_status(crvm_date_whole_periods(0, 10, CRVM_PERIOD_MONTH, NULL), CRVM_EINVAL);
}

static void names_round_trip(void **state)
{
    (void)state;
    int v = -1;
    for (int i = 0; i < CRVM_STREAM_COUNT; i++) {
        const char *s = crvm_stream_name(i);
        assert_int_equal(crvm_stream_parse(s, strlen(s), &v), CRVM_OK);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < CRVM_CHANNEL_COUNT; i++) {
        const char *s = crvm_channel_name(i);
        assert_int_equal(crvm_channel_parse(s, strlen(s), &v), CRVM_OK);
        assert_int_equal(v, i);
    }
    for (int i = 0; i < CRVM_OUTCOME_COUNT; i++) {
        const char *s = crvm_outcome_name(i);
        assert_int_equal(crvm_outcome_parse(s, strlen(s), &v), CRVM_OK);
        assert_int_equal(v, i);
    }
    assert_int_equal(crvm_stream_parse("Support Plan", 12, &v), CRVM_OK);
    assert_int_equal(v, CRVM_STREAM_SUPPORT_PLAN);
    assert_int_equal(crvm_channel_parse("PORTAL", 6, &v), CRVM_OK);
    assert_int_equal(v, CRVM_CHANNEL_WEB);
    assert_int_equal(crvm_use_kind_parse("self-service", 12, &v), CRVM_OK);
    assert_int_equal(v, CRVM_USE_SELF_SERVICE);
    assert_int_equal(crvm_use_kind_parse("reuse", 5, &v), CRVM_OK);
    assert_int_equal(v, CRVM_USE_ASSISTED);
    v = 42;
    assert_status(crvm_stream_parse("subscriptions", 13, &v), CRVM_EPARSE);
    assert_status(crvm_outcome_parse("resolve", 7, &v), CRVM_EPARSE);
    assert_status(crvm_channel_parse("", 0, &v), CRVM_EPARSE);
    assert_status(crvm_use_kind_parse("viewed", 6, &v), CRVM_EPARSE);
    assert_status(crvm_use_kind_parse("assisted ", 9, &v), CRVM_EPARSE); /* exactly len bytes */
    assert_int_equal(v, 42);
    assert_null(crvm_stream_name(5));
    assert_null(crvm_channel_name(-1));
    assert_string_equal(crvm_table_name(CRVM_TABLE_CONTACTS), "contacts");
    assert_string_equal(crvm_period_name(CRVM_PERIOD_QUARTER), "quarter");
    assert_string_equal(crvm_activity_column_name(CRVM_ACT_SELF_SERVICE_RESOLVED), "self_service_resolved");
    assert_string_equal(crvm_activity_column_name(CRVM_ACT_HANDLE_MINUTES_TIER1 + 2), "handle_minutes_tier3");
    assert_string_equal(crvm_covariate_column_name(CRVM_COV_RATED), "rated");
    assert_string_equal(crvm_rfm_column_name(CRVM_RFM_T), "T");
    assert_null(crvm_activity_column_name(CRVM_ACTIVITY_COLUMNS));
}

/* ---------------------------------------------------- the small ledger */


static void small_ledger_inspection(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.customers, 3);
    assert_int_equal(s.segments, 2);
    assert_int_equal(s.revenue_events, 8);
    assert_int_equal(s.contacts, 5);
    assert_int_equal(s.contact_articles, 1);
    assert_int_equal(s.articles, 2);
    assert_int_equal(s.knowledge_uses, 4);
    /* 1000 + 49.99*2 + 20*2 + 150 + 250.5 - 10 = 1530.48 */
    assert_int_equal(s.revenue_cents, 153048);
    assert_close(s.handle_minutes, 147.5, 0, 0); /* 30+45+12.5+0+60, exact in binary */
    assert_int_equal(s.first_date, D(2022, 12, 31));
    assert_int_equal(s.last_date, D(2023, 7, 15));
    assert_true(s.bytes_used > 0 && s.bytes_used <= s.bytes_allocated);

    assert_string_equal(crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, 1), "B");
    assert_string_equal(crvm_ledger_id(l, CRVM_SEGMENTS, 1), "ent");
    assert_string_equal(crvm_ledger_id(l, CRVM_TABLE_CONTACTS, 4), "K5");
    assert_string_equal(crvm_ledger_id(l, CRVM_TABLE_ARTICLES, 0), "KB1");
    assert_null(crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, 3));
    assert_null(crvm_ledger_id(l, CRVM_TABLE_REVENUE, 0));
    assert_null(crvm_ledger_id(NULL, CRVM_TABLE_CUSTOMERS, 0));
    size_t idx = 99;
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "C", &idx), CRVM_OK);
    assert_int_equal(idx, 2);
    assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, "smb", &idx), CRVM_OK);
    assert_int_equal(idx, 0);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "Z", &idx), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_REVENUE, "A", &idx), CRVM_EINVAL);
    assert_int_equal(idx, 0);

    int32_t seg[3];
    crvm_date st[3], en[3];
    assert_int_equal(crvm_ledger_customers(l, seg, 3, st, 3, en, 3), CRVM_OK);
    assert_int_equal(seg[0], 0);
    assert_int_equal(seg[2], 1);
    assert_int_equal(st[1], D(2023, 3, 1));
    assert_int_equal(en[1], D(2023, 8, 1));
    assert_int_equal(en[0], CRVM_DATE_NONE);
    assert_int_equal(crvm_ledger_customers(l, NULL, 0, NULL, 0, en, 3), CRVM_OK);
    assert_status(crvm_ledger_customers(l, seg, 2, NULL, 0, NULL, 0), CRVM_EINVAL);
    crvm_ledger_free(l);
}

#define ACT(row, col) act[(row) * CRVM_ACTIVITY_COLUMNS + (col)]

static void small_ledger_activity(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    double act[3 * CRVM_ACTIVITY_COLUMNS];
    /* Everything up to 2023-06-30 inclusive. */
    assert_int_equal(crvm_ledger_customer_activity(l, CRVM_DATE_MIN, D(2023, 7, 1), act, 3 * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
    /* A: subscription 49.99 + 49.99 - 10.00 = 89.98; services 150; total 239.98. */
    assert_close(ACT(0, CRVM_ACT_REVENUE_SUBSCRIPTION), 89.98, 1e-15, 0); /* nearest double to whole cents */
    assert_close(ACT(0, CRVM_ACT_REVENUE_SUBSCRIPTION + CRVM_STREAM_SERVICES), 150.0, 0, 0);
    assert_close(ACT(0, CRVM_ACT_REVENUE), 239.98, 1e-15, 0);
    assert_true(ACT(0, CRVM_ACT_REVENUE) == 23998 / 100.0); /* exactly the cents divided once */
    /* B: two support-plan payments of 20. C: 1000 subscription on Jun 30, 250.50 expansion. */
    assert_true(ACT(1, CRVM_ACT_REVENUE_SUBSCRIPTION + CRVM_STREAM_SUPPORT_PLAN) == 40.0);
    assert_true(ACT(1, CRVM_ACT_REVENUE) == 40.0);
    assert_true(ACT(2, CRVM_ACT_REVENUE_SUBSCRIPTION) == 1000.0);
    assert_true(ACT(2, CRVM_ACT_REVENUE_SUBSCRIPTION + CRVM_STREAM_EXPANSION) == 250.5);
    assert_true(ACT(2, CRVM_ACT_REVENUE) == 1250.5);
    /* Contacts of A: K1 (phone, t1, resolved, 30 min, 2 days, sat 4) and K2
     * (email, t2, refused, escalated, 45 min, 10 days, sat 2). */
    assert_true(ACT(0, CRVM_ACT_CONTACTS) == 2);
    assert_true(ACT(0, CRVM_ACT_CONTACTS_PHONE + CRVM_CHANNEL_PHONE) == 1);
    assert_true(ACT(0, CRVM_ACT_CONTACTS_PHONE + CRVM_CHANNEL_EMAIL) == 1);
    assert_true(ACT(0, CRVM_ACT_CONTACTS_RESOLVED + CRVM_OUTCOME_RESOLVED) == 1);
    assert_true(ACT(0, CRVM_ACT_CONTACTS_RESOLVED + CRVM_OUTCOME_REFUSED) == 1);
    assert_true(ACT(0, CRVM_ACT_CONTACTS_TIER1) == 1);
    assert_true(ACT(0, CRVM_ACT_CONTACTS_TIER1 + 1) == 1);
    assert_true(ACT(0, CRVM_ACT_ESCALATED) == 1);
    assert_true(ACT(0, CRVM_ACT_HANDLE_MINUTES) == 75);
    assert_true(ACT(0, CRVM_ACT_HANDLE_MINUTES_TIER1) == 30);
    assert_true(ACT(0, CRVM_ACT_HANDLE_MINUTES_TIER1 + 1) == 45);
    assert_true(ACT(0, CRVM_ACT_CLOSED) == 2);
    assert_true(ACT(0, CRVM_ACT_RESOLUTION_DAYS) == 12);
    assert_true(ACT(0, CRVM_ACT_RATED) == 2);
    assert_true(ACT(0, CRVM_ACT_SATISFACTION) == 6);
    /* A's knowledge: the assisted use in K2 and one resolved self-service view. */
    assert_true(ACT(0, CRVM_ACT_ASSISTED_USES) == 1);
    assert_true(ACT(0, CRVM_ACT_SELF_SERVICE_VIEWS) == 1);
    assert_true(ACT(0, CRVM_ACT_SELF_SERVICE_RESOLVED) == 1);
    /* B: K3 chat, abandoned, open, unrated, 12.5 min; one unresolved view. */
    assert_true(ACT(1, CRVM_ACT_CONTACTS) == 1);
    assert_true(ACT(1, CRVM_ACT_CONTACTS_PHONE + CRVM_CHANNEL_CHAT) == 1);
    assert_true(ACT(1, CRVM_ACT_CONTACTS_RESOLVED + CRVM_OUTCOME_ABANDONED) == 1);
    assert_true(ACT(1, CRVM_ACT_HANDLE_MINUTES) == 12.5);
    assert_true(ACT(1, CRVM_ACT_CLOSED) == 0);
    assert_true(ACT(1, CRVM_ACT_RATED) == 0);
    assert_true(ACT(1, CRVM_ACT_SELF_SERVICE_VIEWS) == 1);
    assert_true(ACT(1, CRVM_ACT_SELF_SERVICE_RESOLVED) == 0);
    /* C: only K4 (web, workaround, closed same day, sat 5); K5 is in July. */
    assert_true(ACT(2, CRVM_ACT_CONTACTS) == 1);
    assert_true(ACT(2, CRVM_ACT_CONTACTS_PHONE + CRVM_CHANNEL_WEB) == 1);
    assert_true(ACT(2, CRVM_ACT_CONTACTS_RESOLVED + CRVM_OUTCOME_WORKAROUND) == 1);
    assert_true(ACT(2, CRVM_ACT_CLOSED) == 1);
    assert_true(ACT(2, CRVM_ACT_RESOLUTION_DAYS) == 0);
    assert_true(ACT(2, CRVM_ACT_SATISFACTION) == 5);
    assert_true(ACT(2, CRVM_ACT_CONTACTS_TIER1 + 2) == 0);

    /* Window [Feb 1, May 1): A has 49.99 (Feb 15) - 10 (Apr 10) = 39.99 subscription
     * plus 150 services = 189.99 and contact K1; B has 20 (Mar 1) and K3; C nothing. */
    assert_int_equal(crvm_ledger_customer_activity(l, D(2023, 2, 1), D(2023, 5, 1), act, 3 * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
    assert_true(ACT(0, CRVM_ACT_REVENUE) == 18999 / 100.0);
    assert_true(ACT(0, CRVM_ACT_REVENUE_SUBSCRIPTION) == 3999 / 100.0);
    assert_true(ACT(0, CRVM_ACT_CONTACTS) == 1);
    assert_true(ACT(1, CRVM_ACT_REVENUE) == 20);
    assert_true(ACT(1, CRVM_ACT_CONTACTS) == 1);
    assert_true(ACT(2, CRVM_ACT_REVENUE) == 0);
    assert_true(ACT(2, CRVM_ACT_CONTACTS) == 0);
    assert_true(ACT(0, CRVM_ACT_SELF_SERVICE_VIEWS) == 1); /* Mar 1 */
    assert_true(ACT(0, CRVM_ACT_ASSISTED_USES) == 0);      /* May 10 */

    /* Segments as of Jun 30: smb = A + B, ent = C. */
    double seg[2 * CRVM_ACTIVITY_COLUMNS];
    assert_int_equal(crvm_ledger_segment_activity(l, CRVM_DATE_MIN, D(2023, 7, 1), seg, 2 * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
    assert_true(seg[CRVM_ACT_REVENUE] == 27998 / 100.0); /* 239.98 + 40 */
    assert_true(seg[CRVM_ACT_CONTACTS] == 3);
    assert_true(seg[CRVM_ACT_HANDLE_MINUTES] == 87.5);
    assert_true(seg[CRVM_ACTIVITY_COLUMNS + CRVM_ACT_REVENUE] == 1250.5);
    assert_true(seg[CRVM_ACTIVITY_COLUMNS + CRVM_ACT_CONTACTS] == 1);

    /* Errors. */
    assert_status(crvm_ledger_customer_activity(l, 0, 10, act, 3 * CRVM_ACTIVITY_COLUMNS - 1), CRVM_EINVAL);
    assert_status(crvm_ledger_customer_activity(l, 10, 0, act, 3 * CRVM_ACTIVITY_COLUMNS), CRVM_EINVAL);
    assert_status(crvm_ledger_customer_activity(NULL, 0, 10, act, 3 * CRVM_ACTIVITY_COLUMNS), CRVM_EINVAL);
    assert_status(crvm_ledger_segment_activity(l, 0, 10, NULL, 2 * CRVM_ACTIVITY_COLUMNS), CRVM_EINVAL);
    crvm_ledger_free(l);
}

static void small_ledger_retention(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    int32_t p[3], c[3];
    /* As of 2023-06-30, months: A from Jan 15 has 5 whole months (Jun 15 <= Jun 30);
     * B from Mar 1 has 3 (Jun 1); C from Dec 31 has 6 (anniversaries clamp to Jun 30). */
    assert_int_equal(crvm_ledger_retention_data(l, D(2023, 6, 30), CRVM_PERIOD_MONTH, p, 3, c, 3), CRVM_OK);
    assert_int_equal(p[0], 5);
    assert_int_equal(p[1], 3);
    assert_int_equal(p[2], 6);
    assert_int_equal(c[0] + c[1] + c[2], 0);
    /* Quarters: floor(5/3) = 1, floor(3/3) = 1, floor(6/3) = 2. */
    assert_int_equal(crvm_ledger_retention_data(l, D(2023, 6, 30), CRVM_PERIOD_QUARTER, p, 3, c, 3), CRVM_OK);
    assert_int_equal(p[0], 1);
    assert_int_equal(p[1], 1);
    assert_int_equal(p[2], 2);
    /* As of Sep 30, B has churned: ended Aug 1, exactly 5 months after Mar 1, so
     * it paid for periods 1..5 and T = 5. */
    assert_int_equal(crvm_ledger_retention_data(l, D(2023, 9, 30), CRVM_PERIOD_MONTH, p, 3, c, 3), CRVM_OK);
    assert_int_equal(p[1], 5);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[0], 0);
    /* On the end date itself the customer counts as churned. */
    assert_int_equal(crvm_ledger_retention_data(l, D(2023, 8, 1), CRVM_PERIOD_MONTH, p, 3, c, 3), CRVM_OK);
    assert_int_equal(c[1], 1);
    assert_int_equal(crvm_ledger_retention_data(l, D(2023, 7, 31), CRVM_PERIOD_MONTH, p, 3, c, 3), CRVM_OK);
    assert_int_equal(c[1], 0);
    assert_int_equal(p[1], 4);
    /* Before anyone started: -1 everywhere; A not yet started on Jan 1. */
    assert_int_equal(crvm_ledger_retention_data(l, D(2023, 1, 1), CRVM_PERIOD_YEAR, p, 3, c, 3), CRVM_OK);
    assert_int_equal(p[0], -1);
    assert_int_equal(p[1], -1);
    assert_int_equal(p[2], 0);
    assert_status(crvm_ledger_retention_data(l, D(2023, 1, 1), CRVM_PERIOD_YEAR, p, 2, c, 3), CRVM_EINVAL);
    assert_status(crvm_ledger_retention_data(l, D(2023, 1, 1), (crvm_period)9, p, 3, c, 3), CRVM_EINVAL);
    assert_status(crvm_ledger_retention_data(l, CRVM_DATE_NONE, CRVM_PERIOD_YEAR, p, 3, c, 3), CRVM_EINVAL);

    /* A customer who leaves on its start day still had period 1. */
    crvm_ledger *m = NULL;
    assert_int_equal(crvm_ledger_new(&m), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(m, "x", "s", D(2023, 1, 10), D(2023, 1, 10)), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(m, "y", "s", D(2023, 1, 10), D(2023, 2, 11)), CRVM_OK);
    assert_int_equal(crvm_ledger_retention_data(m, D(2024, 1, 1), CRVM_PERIOD_MONTH, p, 2, c, 2), CRVM_OK);
    assert_int_equal(p[0], 1);
    assert_int_equal(p[1], 2); /* Jan 10 .. Feb 11: one whole month plus a begun second one */
    crvm_ledger_free(m);
    crvm_ledger_free(l);
}

#define RFM(row, col) rfm[(row) * CRVM_RFM_COLUMNS + (col)]

static void small_ledger_transactions(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    double rfm[3 * CRVM_RFM_COLUMNS];
    assert_int_equal(crvm_ledger_transaction_summary(l, D(2023, 6, 30), 0, rfm, 3 * CRVM_RFM_COLUMNS), CRVM_OK);
    /* A: days Jan 15 (49.99), Feb 15 (49.99 + 150), Apr 10 (-10).
     * frequency 2; recency Jan 15 -> Apr 10 = 31 + 28 + 26 = 85; T = 85 + 81 = 166;
     * monetary = (199.99 - 10) / 2 = 94.995. */
    assert_true(RFM(0, CRVM_RFM_FREQUENCY) == 2);
    assert_true(RFM(0, CRVM_RFM_RECENCY) == 85);
    assert_true(RFM(0, CRVM_RFM_T) == 166);
    assert_close(RFM(0, CRVM_RFM_MONETARY), 94.995, 1e-15, 0); /* one rounding of 18999/200 */
    assert_true(RFM(0, CRVM_RFM_OBSERVED) == 1);
    /* B: Mar 1 and May 20: frequency 1, recency 31 + 30 + 19 = 80, T = 121, monetary 20. */
    assert_true(RFM(1, CRVM_RFM_FREQUENCY) == 1);
    assert_true(RFM(1, CRVM_RFM_RECENCY) == 80);
    assert_true(RFM(1, CRVM_RFM_T) == 121);
    assert_true(RFM(1, CRVM_RFM_MONETARY) == 20);
    /* C: Jan 5 and Jun 30: recency = T = 26 + 28 + 31 + 30 + 31 + 30 = 176, monetary 1000. */
    assert_true(RFM(2, CRVM_RFM_FREQUENCY) == 1);
    assert_true(RFM(2, CRVM_RFM_RECENCY) == 176);
    assert_true(RFM(2, CRVM_RFM_T) == 176);
    assert_true(RFM(2, CRVM_RFM_MONETARY) == 1000);

    /* Subscription only: A keeps its three days, monetary (49.99 - 10) / 2;
     * B has none; C one day (Jun 30) so T = 0. */
    assert_int_equal(crvm_ledger_transaction_summary(l, D(2023, 6, 30), 1u << CRVM_STREAM_SUBSCRIPTION, rfm, 3 * CRVM_RFM_COLUMNS), CRVM_OK);
    assert_close(RFM(0, CRVM_RFM_MONETARY), 19.995, 1e-15, 0);
    assert_true(RFM(0, CRVM_RFM_FREQUENCY) == 2);
    for (int j = 0; j < CRVM_RFM_COLUMNS; j++)
        assert_true(RFM(1, j) == 0);
    assert_true(RFM(2, CRVM_RFM_OBSERVED) == 1);
    assert_true(RFM(2, CRVM_RFM_FREQUENCY) == 0);
    assert_true(RFM(2, CRVM_RFM_T) == 0);
    assert_true(RFM(2, CRVM_RFM_MONETARY) == 0);
    /* As of Feb 14: A has one day (Jan 15): freq 0, T = 30. */
    assert_int_equal(crvm_ledger_transaction_summary(l, D(2023, 2, 14), 0, rfm, 3 * CRVM_RFM_COLUMNS), CRVM_OK);
    assert_true(RFM(0, CRVM_RFM_FREQUENCY) == 0);
    assert_true(RFM(0, CRVM_RFM_T) == 30);
    assert_status(crvm_ledger_transaction_summary(l, D(2023, 2, 14), 1u << 5, rfm, 3 * CRVM_RFM_COLUMNS), CRVM_EINVAL);
    assert_status(crvm_ledger_transaction_summary(l, D(2023, 2, 14), 0, rfm, 3), CRVM_EINVAL);
    crvm_ledger_free(l);
}

#define COV(row, col) cov[(row) * CRVM_COVARIATE_COLUMNS + (col)]

static void small_ledger_covariates(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    double cov[3 * CRVM_COVARIATE_COLUMNS];
    const double month = 365.2425 / 12;
    assert_int_equal(crvm_ledger_contact_covariates(l, D(2023, 6, 30), cov, 3 * CRVM_COVARIATE_COLUMNS), CRVM_OK);
    /* A: 166 days of tenure, 2 contacts, 1 refused, 1 escalated, resolution 2 and
     * 10 days, satisfaction 4 and 2. Tolerances: one or two roundings. */
    assert_true(COV(0, CRVM_COV_CONTACTS) == 2);
    assert_close(COV(0, CRVM_COV_TENURE_MONTHS), 166 / month, 1e-15, 0);
    assert_close(COV(0, CRVM_COV_CONTACTS_PER_MONTH), 2 / (166 / month), 1e-14, 0);
    assert_true(COV(0, CRVM_COV_REFUSAL_SHARE) == 0.5);
    assert_true(COV(0, CRVM_COV_ESCALATION_SHARE) == 0.5);
    assert_true(COV(0, CRVM_COV_MEAN_RESOLUTION_DAYS) == 6);
    assert_true(COV(0, CRVM_COV_MEAN_SATISFACTION) == 3);
    assert_true(COV(0, CRVM_COV_RATED) == 2);
    /* B: open unrated contact: resolution 0, satisfaction imputed with the mean of
     * all rated contacts opened by Jun 30: (4 + 2 + 5) / 3. */
    assert_close(COV(1, CRVM_COV_TENURE_MONTHS), 121 / month, 1e-15, 0);
    assert_true(COV(1, CRVM_COV_MEAN_RESOLUTION_DAYS) == 0);
    assert_close(COV(1, CRVM_COV_MEAN_SATISFACTION), 11.0 / 3.0, 1e-15, 0);
    assert_true(COV(1, CRVM_COV_RATED) == 0);
    assert_true(COV(1, CRVM_COV_REFUSAL_SHARE) == 0);
    /* C: 181 days; K5 (July) excluded. */
    assert_true(COV(2, CRVM_COV_CONTACTS) == 1);
    assert_close(COV(2, CRVM_COV_TENURE_MONTHS), 181 / month, 1e-15, 0);
    assert_true(COV(2, CRVM_COV_MEAN_SATISFACTION) == 5);
    /* As of Sep 30 B has left on Aug 1: tenure stops at 153 days; K5 counts for C,
     * resolution (0 + 5) / 2, escalation 1/2. */
    assert_int_equal(crvm_ledger_contact_covariates(l, D(2023, 9, 30), cov, 3 * CRVM_COVARIATE_COLUMNS), CRVM_OK);
    assert_close(COV(1, CRVM_COV_TENURE_MONTHS), 153 / month, 1e-15, 0);
    assert_true(COV(2, CRVM_COV_MEAN_RESOLUTION_DAYS) == 2.5);
    assert_true(COV(2, CRVM_COV_ESCALATION_SHARE) == 0.5);
    /* Short tenure: contacts per month divides by at least one month. */
    assert_int_equal(crvm_ledger_contact_covariates(l, D(2023, 1, 20), cov, 3 * CRVM_COVARIATE_COLUMNS), CRVM_OK);
    assert_true(COV(2, CRVM_COV_CONTACTS) == 1);
    assert_true(COV(2, CRVM_COV_CONTACTS_PER_MONTH) == 1);
    assert_true(COV(1, CRVM_COV_TENURE_MONTHS) == 0);
    for (size_t i = 0; i < 3 * CRVM_COVARIATE_COLUMNS; i++)
        assert_false(isnan(cov[i]));
    assert_status(crvm_ledger_contact_covariates(l, D(2023, 1, 20), cov, 0), CRVM_EINVAL);
    crvm_ledger_free(l);
}

/* ---------------------------------------------------------- validation */

static void assert_same_stats(const crvm_ledger *l, const crvm_ledger_stats *before)
{
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.customers, before->customers);
    assert_int_equal(s.segments, before->segments);
    assert_int_equal(s.revenue_events, before->revenue_events);
    assert_int_equal(s.contacts, before->contacts);
    assert_int_equal(s.contact_articles, before->contact_articles);
    assert_int_equal(s.articles, before->articles);
    assert_int_equal(s.knowledge_uses, before->knowledge_uses);
    assert_int_equal(s.revenue_cents, before->revenue_cents);
}

static void assert_error_mentions(const char *what)
{
    if (!strstr(crvm_last_error(), what))
        fail_msg("error \"%s\" does not mention \"%s\"", crvm_last_error(), what);
}

static void strict_customers_reject_and_leave_ledger_unchanged(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    crvm_date s[] = {D(2023, 1, 1), D(2023, 1, 1)};
    crvm_date e[] = {CRVM_DATE_NONE, D(2022, 1, 1)};
    const char *ok_then_dup[] = {"N1", "A"};
    const char *segs[] = {"newseg", "x"};
    assert_status(crvm_ledger_add_customers(l, ok_then_dup, 2, segs, 2, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_error_mentions("customers[1].id");
    assert_error_mentions("duplicate");
    assert_same_stats(l, &before);
    size_t idx;
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "N1", &idx), CRVM_ENOTFOUND);
    assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, "newseg", &idx), CRVM_ENOTFOUND);

    const char *dup_in_batch[] = {"N1", "N1"};
    assert_status(crvm_ledger_add_customers(l, dup_in_batch, 2, segs, 2, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_error_mentions("customers[1].id");
    const char *two[] = {"N1", "N2"};
    assert_status(crvm_ledger_add_customers(l, two, 2, segs, 2, s, 2, e, 2, NULL), CRVM_EINVAL);
    assert_error_mentions("customers[1].end");
    assert_error_mentions("before start");
    const char *empty[] = {"N1", ""};
    assert_status(crvm_ledger_add_customers(l, empty, 2, segs, 2, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_error_mentions("customers[1].id is empty");
    const char *nullid[] = {NULL, "N2"};
    assert_status(crvm_ledger_add_customers(l, nullid, 2, segs, 2, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    const char *noseg[] = {"x", NULL};
    assert_status(crvm_ledger_add_customers(l, two, 2, noseg, 2, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_error_mentions("customers[1].segment");
    crvm_date bad_start[] = {D(2023, 1, 1), CRVM_DATE_NONE};
    assert_status(crvm_ledger_add_customers(l, two, 2, segs, 2, bad_start, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_error_mentions("customers[1].start");
    crvm_date bad_end[] = {CRVM_DATE_MAX + 5, CRVM_DATE_NONE};
    assert_status(crvm_ledger_add_customers(l, two, 2, segs, 2, s, 2, bad_end, 2, NULL), CRVM_EINVAL);
    assert_error_mentions("customers[0].end");
    /* Argument errors. */
    assert_status(crvm_ledger_add_customers(l, two, 2, segs, 1, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_error_mentions("segments_len");
    assert_status(crvm_ledger_add_customers(l, two, 2, segs, 2, s, 2, e, 1, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_customers(l, two, 2, NULL, 2, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_customers(NULL, two, 2, segs, 2, s, 2, NULL, 0, NULL), CRVM_EINVAL);
    assert_same_stats(l, &before);
    /* An empty batch is fine. */
    assert_int_equal(crvm_ledger_add_customers(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL), CRVM_OK);
    /* After all those failures the same rows can be added. */
    assert_int_equal(crvm_ledger_add_customers(l, two, 2, segs, 2, s, 2, NULL, 0, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "N2", &idx), CRVM_OK);
    assert_int_equal(idx, 4);
    assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, "newseg", &idx), CRVM_OK);
    assert_int_equal(idx, 2);
    crvm_ledger_free(l);
}

/* Issue 10 item 3: per-row limits did not bound sums. 1,100 events of 9e13
 * overflowed the int64 cents total (signed overflow), and handle minutes of
 * 1e18 became INT64_MIN cents in the report. Every input that becomes money
 * is bounded and the revenue total stays exact: the row that would pass the
 * bound is rejected, naming it. */
static void money_inputs_are_bounded_so_totals_stay_exact(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    enum { N = 1100 };
    const char *who[N];
    crvm_date when[N];
    double amount[N];
    int32_t stream[N];
    for (int i = 0; i < N; i++) {
        who[i] = "A";
        when[i] = D(2023, 6, 1);
        amount[i] = 9e13; /* each within the per-event limit */
        stream[i] = CRVM_STREAM_SERVICES;
    }
    /* Strict: the second event would take the sum of |amount| past 2^53 cents. */
    assert_status(crvm_ledger_add_revenue(l, who, N, when, N, amount, N, stream, N, NULL), CRVM_EINVAL);
    assert_error_mentions("revenue[1].amount = 90000000000000.00: the ledger's revenue would pass");
    assert_same_stats(l, &before);
    /* Lenient: one accepted, the rest reported; the total is exact. */
    crvm_rejections *rej;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue(l, who, N, when, N, amount, N, stream, N, rej), CRVM_OK);
    assert_int_equal(crvm_rejections_count(rej), N - 1);
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.revenue_events, before.revenue_events + 1);
    assert_true(s.revenue_cents == before.revenue_cents + (int64_t)9000000000000000);
    double act[3 * CRVM_ACTIVITY_COLUMNS];
    assert_int_equal(crvm_ledger_customer_activity(l, CRVM_DATE_MIN, CRVM_DATE_MAX, act, 3 * CRVM_ACTIVITY_COLUMNS),
                     CRVM_OK);
    /* A: 49.99 + 49.99 + 150 - 10 + 9e13 (hand sum of test_small_ledger's events). */
    assert_true(act[CRVM_ACT_REVENUE] == 9000000000023998.0 / 100.0); /* the cents divided once */
    /* Credits count by magnitude too: a refund cannot make room for more. */
    double refund = -1e11; /* room left: 2^53 - 9e15 cents, about 7.2e10 units */
    assert_status(crvm_ledger_add_revenue(l, who, 1, when, 1, &refund, 1, stream, 1, NULL), CRVM_EINVAL);
    /* A rolled-back batch gives its room back. */
    crvm_ledger *m = test_small_ledger();
    assert_int_equal(crvm_ledger_begin(m), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue(m, who, 1, when, 1, amount, 1, stream, 1, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_rollback(m), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue(m, who, 1, when, 1, amount, 1, stream, 1, NULL), CRVM_OK);
    crvm_ledger_free(m);

    /* Handle minutes, hours and scores: beyond their bounds, rejected. */
    assert_status(crvm_ledger_add_contact(l, "K9", "A", D(2023, 6, 1), CRVM_DATE_NONE, CRVM_CHANNEL_PHONE,
                                          1e18, 1, 0, CRVM_OUTCOME_RESOLVED, NAN),
                  CRVM_EINVAL);
    assert_error_mentions("contacts[0].handle_minutes = 1e+18: must be in [0, 1e6]");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", D(2023, 6, 1), CRVM_DATE_NONE, CRVM_CHANNEL_PHONE,
                                          1, 1, 0, CRVM_OUTCOME_RESOLVED, 2e6),
                  CRVM_EINVAL);
    assert_error_mentions("contacts[0].satisfaction = 2e+06");
    assert_status(crvm_ledger_add_article(l, "KB9", D(2023, 1, 1), 1e7, 0), CRVM_EINVAL);
    assert_error_mentions("articles[0].authoring_hours = 1e+07: must be in [0, 1e6]");
    assert_status(crvm_ledger_add_article(l, "KB9", D(2023, 1, 1), 1, 1e300), CRVM_EINVAL);
    assert_error_mentions("articles[0].maintenance_hours");
    /* At the bounds: accepted. */
    assert_int_equal(crvm_ledger_add_contact(l, "K9", "A", D(2023, 6, 1), CRVM_DATE_NONE, CRVM_CHANNEL_PHONE,
                                             1e6, 1, 0, CRVM_OUTCOME_RESOLVED, -1e6),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_article(l, "KB9", D(2023, 1, 1), 1e6, 1e6), CRVM_OK);
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
}

static void strict_events_reject_each_bad_field(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    crvm_date d = D(2023, 6, 1);

    /* Revenue. */
    assert_status(crvm_ledger_add_revenue_event(l, "Z", d, 1.0, CRVM_STREAM_SERVICES), CRVM_ENOTFOUND);
    assert_error_mentions("revenue[0].customer_id \"Z\": unknown customer");
    assert_status(crvm_ledger_add_revenue_event(l, "", d, 1.0, CRVM_STREAM_SERVICES), CRVM_EINVAL);
    assert_status(crvm_ledger_add_revenue_event(l, "A", d, NAN, CRVM_STREAM_SERVICES), CRVM_EINVAL);
    assert_error_mentions("revenue[0].amount is NaN");
    assert_status(crvm_ledger_add_revenue_event(l, "A", d, INFINITY, CRVM_STREAM_SERVICES), CRVM_EINVAL);
    assert_status(crvm_ledger_add_revenue_event(l, "A", d, -1e14, CRVM_STREAM_SERVICES), CRVM_EINVAL);
    assert_status(crvm_ledger_add_revenue_event(l, "A", d, 1.0, (crvm_stream)5), CRVM_EINVAL);
    assert_error_mentions("revenue[0].stream");
    assert_status(crvm_ledger_add_revenue_event(l, "A", CRVM_DATE_NONE, 1.0, CRVM_STREAM_SERVICES), CRVM_EINVAL);
    assert_error_mentions("revenue[0].date");
    /* Row index in a bulk call. */
    const char *cs[] = {"A", "B", "nobody"};
    crvm_date ds[] = {d, d, d};
    double as[] = {1, 2, 3};
    int32_t ss[] = {0, 0, 0};
    assert_status(crvm_ledger_add_revenue(l, cs, 3, ds, 3, as, 3, ss, 3, NULL), CRVM_ENOTFOUND);
    assert_error_mentions("revenue[2].customer_id");
    assert_status(crvm_ledger_add_revenue(l, cs, 3, ds, 2, as, 3, ss, 3, NULL), CRVM_EINVAL);
    assert_error_mentions("dates_len");

    /* Contacts. */
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, -3, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_error_mentions("contacts[0].handle_minutes = -3: must be in [0, 1e6]");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, NAN, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_error_mentions("handle_minutes is NaN");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, INFINITY, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact(l, "K1", "A", d, d, CRVM_CHANNEL_CHAT, 3, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_error_mentions("duplicate contact id");
    assert_status(crvm_ledger_add_contact(l, "K9", "Q", d, d, CRVM_CHANNEL_CHAT, 3, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d - 1, CRVM_CHANNEL_CHAT, 3, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_error_mentions("contacts[0].closed");
    assert_error_mentions("before opened");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", CRVM_DATE_NONE, d, CRVM_CHANNEL_CHAT, 3, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, (crvm_channel)5, 3, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_error_mentions("contacts[0].channel");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, 3, 0, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, 3, 4, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_error_mentions("contacts[0].tier");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, 3, 1, 2, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);
    assert_error_mentions("contacts[0].escalated");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, 3, 1, 0, (crvm_outcome)4, NAN), CRVM_EINVAL);
    assert_error_mentions("contacts[0].outcome");
    assert_status(crvm_ledger_add_contact(l, "K9", "A", d, d, CRVM_CHANNEL_CHAT, 3, 1, 0, CRVM_OUTCOME_RESOLVED, -INFINITY), CRVM_EINVAL);
    assert_error_mentions("contacts[0].satisfaction");
    assert_status(crvm_ledger_add_contact(l, "", "A", d, d, CRVM_CHANNEL_CHAT, 3, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_EINVAL);

    /* Articles. */
    assert_status(crvm_ledger_add_article(l, "KB1", d, 1, 1), CRVM_EINVAL);
    assert_error_mentions("duplicate article id");
    assert_status(crvm_ledger_add_article(l, "KB9", d, -1, 1), CRVM_EINVAL);
    assert_error_mentions("articles[0].authoring_hours");
    assert_status(crvm_ledger_add_article(l, "KB9", d, 1, NAN), CRVM_EINVAL);
    assert_error_mentions("articles[0].maintenance_hours");
    assert_status(crvm_ledger_add_article(l, "KB9", CRVM_DATE_MIN - 1, 1, 1), CRVM_EINVAL);
    assert_status(crvm_ledger_add_article(l, NULL, d, 1, 1), CRVM_EINVAL);

    /* Links. */
    assert_status(crvm_ledger_add_contact_article(l, "K404", "KB1"), CRVM_ENOTFOUND);
    assert_error_mentions("contact_articles[0].contact_id");
    assert_status(crvm_ledger_add_contact_article(l, "K1", "KB404"), CRVM_ENOTFOUND);
    assert_error_mentions("contact_articles[0].article_id");

    /* Knowledge uses. */
    assert_status(crvm_ledger_add_knowledge_use(l, "KB404", d, CRVM_USE_SELF_SERVICE, 1, NULL, NULL), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_add_knowledge_use(l, "KB2", D(2023, 3, 31), CRVM_USE_SELF_SERVICE, 1, NULL, NULL), CRVM_EINVAL);
    assert_error_mentions("before the article was created");
    assert_status(crvm_ledger_add_knowledge_use(l, "KB2", d, (crvm_use_kind)2, 1, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_knowledge_use(l, "KB2", d, CRVM_USE_SELF_SERVICE, 3, NULL, NULL), CRVM_EINVAL);
    assert_error_mentions("knowledge_uses[0].resolved");
    assert_status(crvm_ledger_add_knowledge_use(l, "KB2", d, CRVM_USE_ASSISTED, 1, NULL, "A"), CRVM_EINVAL);
    assert_error_mentions("an assisted use needs its contact");
    assert_status(crvm_ledger_add_knowledge_use(l, "KB2", d, CRVM_USE_ASSISTED, 1, "K404", NULL), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_add_knowledge_use(l, "KB2", d, CRVM_USE_SELF_SERVICE, 1, NULL, "Q"), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_add_knowledge_use(l, "KB2", d, CRVM_USE_ASSISTED, 1, "K1", "B"), CRVM_EINVAL);
    assert_error_mentions("belongs to another customer");
    assert_same_stats(l, &before);

    /* Reserve and shrink keep the contents. */
    assert_int_equal(crvm_ledger_reserve(l, 100, 100, 100, 100), CRVM_OK);
    assert_int_equal(crvm_ledger_shrink(l), CRVM_OK);
    assert_same_stats(l, &before);
    crvm_ledger_stats after;
    assert_int_equal(crvm_ledger_stats_get(l, &after), CRVM_OK);
    assert_status(crvm_ledger_reserve(NULL, 1, 1, 1, 1), CRVM_EINVAL);
    assert_status(crvm_ledger_shrink(NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_new(NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_stats_get(l, NULL), CRVM_EINVAL);
    crvm_ledger_free(l);
    crvm_ledger_free(NULL);
}

/* Rejection i of the list is of that table, row, field and status; its
 * reason is returned for further checks. */
static const char *assert_rejection(const crvm_rejections *rej, size_t i, crvm_table table,
                                    size_t row, const char *field, crvm_status status)
{
    static crvm_rejection r;
    assert_int_equal(crvm_rejections_get(rej, i, &r), CRVM_OK);
    assert_int_equal(r.table, table);
    assert_int_equal(r.row, row);
    assert_string_equal(r.field, field);
    assert_int_equal(r.status, status);
    return r.reason;
}

/* The bulk appends' own argument checks (column lengths) and strict-mode
 * statuses, called directly rather than through the single-row forms. */
static void bulk_appends_refuse_bad_columns_and_unknown_ids(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    const crvm_date d2[] = {D(2023, 6, 1), D(2023, 6, 2)};

    const char *aid[] = {"KB8", "KB9"};
    const double hours[] = {1, 2}, neg[] = {0.5, -0.5};
    assert_status(crvm_ledger_add_articles(l, aid, 2, d2, 2, hours, 2, hours, 1, NULL), CRVM_EINVAL);
    assert_error_mentions("maintenance_hours");
    assert_status(crvm_ledger_add_articles(l, aid, 2, d2, 2, hours, 2, neg, 2, NULL), CRVM_EINVAL);
    assert_error_mentions("articles[1].maintenance_hours");

    const char *kid[] = {"K8", "K9"}, *kcust[] = {"A", "Z"};
    const int32_t ch[] = {CRVM_CHANNEL_PHONE, CRVM_CHANNEL_CHAT}, tier[] = {1, 2}, esc[] = {0, 0};
    const int32_t out[] = {CRVM_OUTCOME_RESOLVED, CRVM_OUTCOME_REFUSED};
    const double mins[] = {5, 6}, sat[] = {4, NAN};
    assert_status(crvm_ledger_add_contacts(l, kid, 2, kcust, 2, d2, 2, d2, 2, ch, 2, mins, 2, tier,
                                           2, esc, 2, out, 2, sat, 2, NULL),
                  CRVM_ENOTFOUND);
    assert_error_mentions("contacts[1].customer_id");
    assert_status(crvm_ledger_add_contacts(l, kid, 2, kcust, 2, d2, 2, d2, 2, ch, 2, mins, 2, tier,
                                           1, esc, 2, out, 2, sat, 2, NULL),
                  CRVM_EINVAL);
    assert_error_mentions("tiers");

    const char *uart[] = {"KB1", "KB404"};
    const int32_t kinds[] = {CRVM_USE_SELF_SERVICE, CRVM_USE_SELF_SERVICE}, res[] = {1, 0};
    assert_status(crvm_ledger_add_knowledge_uses(l, uart, 2, d2, 2, kinds, 2, res, 2, NULL, 0, NULL,
                                                 0, NULL),
                  CRVM_ENOTFOUND);
    assert_error_mentions("knowledge_uses[1].article_id");
    assert_status(crvm_ledger_add_knowledge_uses(l, uart, 2, d2, 2, kinds, 1, res, 2, NULL, 0, NULL,
                                                 0, NULL),
                  CRVM_EINVAL);
    assert_error_mentions("kinds");

    /* Single-row forms: a duplicate customer, an empty contact id. */
    assert_status(crvm_ledger_add_customer(l, "A", "smb", D(2023, 1, 1), CRVM_DATE_NONE), CRVM_EINVAL);
    assert_error_mentions("duplicate");
    assert_status(crvm_ledger_add_contact_article(l, "", "KB1"), CRVM_EINVAL);
    assert_error_mentions("is empty");
    assert_same_stats(l, &before);
    crvm_ledger_free(l);
}

/* crvm_ledger_add_contact_articles: bulk links, strict (atomic) and lenient. */
static void bulk_contact_article_links(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger(); /* 5 contacts K1..K5, articles KB1 KB2, one link K2-KB1 */
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    assert_int_equal(before.contact_articles, 1);

    const char *kc[] = {"K1", "K3", "K1"}, *ka[] = {"KB1", "KB2", "KB2"};
    assert_status(crvm_ledger_add_contact_articles(l, kc, 3, ka, 3, NULL), CRVM_OK);
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.contact_articles, 1 + 3);
    assert_int_equal(s.contacts, before.contacts); /* links add no contacts */
    assert_status(crvm_ledger_add_contact_articles(l, NULL, 0, NULL, 0, NULL), CRVM_OK);

    /* Argument errors change nothing. */
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    assert_status(crvm_ledger_add_contact_articles(l, kc, 3, ka, 2, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact_articles(l, NULL, 3, ka, 3, NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_add_contact_articles(NULL, kc, 3, ka, 3, NULL), CRVM_EINVAL);
    /* Strict mode is atomic: row 1's unknown contact refuses rows 0 and 2 too. */
    const char *bc[] = {"K4", "K404", "K5"}, *ba[] = {"KB1", "KB1", ""};
    assert_status(crvm_ledger_add_contact_articles(l, bc, 3, ba, 3, NULL), CRVM_ENOTFOUND);
    assert_error_mentions("contact_articles[1].contact_id");
    assert_status(crvm_ledger_add_contact_articles(l, bc + 2, 1, ba + 2, 1, NULL), CRVM_EINVAL);
    assert_error_mentions("contact_articles[0].article_id");
    assert_same_stats(l, &before);

    /* Lenient: the good row goes in, the other two are listed. */
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    assert_status(crvm_ledger_add_contact_articles(l, bc, 3, ba, 3, rej), CRVM_OK);
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.contact_articles, before.contact_articles + 1);
    assert_int_equal(crvm_rejections_count(rej), 2);
    assert_rejection(rej, 0, CRVM_TABLE_CONTACT_ARTICLES, 1, "contact_id", CRVM_ENOTFOUND);
    assert_rejection(rej, 1, CRVM_TABLE_CONTACT_ARTICLES, 2, "article_id", CRVM_EINVAL);
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
}

static void lenient_mode_reports_every_rejected_row(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    assert_int_equal(crvm_rejections_count(rej), 0);
    crvm_date d = D(2023, 6, 1);
    /* Customers: rows 1 (duplicate of A), 3 (duplicate of row 0 in this call) bad. */
    const char *ids[] = {"N1", "A", "N2", "N1"};
    const char *segs[] = {"s", "s", "s", "s"};
    crvm_date st[] = {d, d, d, d};
    assert_int_equal(crvm_ledger_add_customers(l, ids, 4, segs, 4, st, 4, NULL, 0, rej), CRVM_OK);
    assert_int_equal(crvm_rejections_count(rej), 2);
    assert_non_null(strstr(assert_rejection(rej, 0, CRVM_TABLE_CUSTOMERS, 1, "id", CRVM_EINVAL),
                           "duplicate"));
    assert_rejection(rej, 1, CRVM_TABLE_CUSTOMERS, 3, "id", CRVM_EINVAL);
    /* Revenue: 5 rows, rows 0 (NaN), 2 (unknown), 4 (bad stream) rejected. */
    const char *rc[] = {"A", "N1", "ghost", "N2", "A"};
    crvm_date rd[] = {d, d, d, d, d};
    double ra[] = {NAN, 10.25, 5, 0.1, 1};
    int32_t rs[] = {0, 1, 2, 3, 9};
    assert_int_equal(crvm_ledger_add_revenue(l, rc, 5, rd, 5, ra, 5, rs, 5, rej), CRVM_OK);
    assert_int_equal(crvm_rejections_count(rej), 5);
    size_t want_rows[] = {0, 2, 4};
    const char *want_fields[] = {"amount", "customer_id", "stream"};
    crvm_status want_status[] = {CRVM_EINVAL, CRVM_ENOTFOUND, CRVM_EINVAL};
    for (size_t k = 0; k < 3; k++)
        assert_rejection(rej, 2 + k, CRVM_TABLE_REVENUE, want_rows[k], want_fields[k], want_status[k]);
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.customers, 5);
    assert_int_equal(s.revenue_events, 10);
    assert_int_equal(s.revenue_cents, 153048 + 1025 + 10); /* 10.25 and 0.10 accepted */
    /* Contacts: row 1 negative minutes. */
    const char *kid[] = {"L1", "L2"};
    const char *kc[] = {"N1", "N2"};
    crvm_date ko[] = {d, d};
    crvm_date kcl[] = {d, d};
    int32_t ch[] = {0, 1}, ti[] = {1, 1}, es[] = {0, 0}, ou[] = {0, 0};
    double mi[] = {5, -1};
    assert_int_equal(crvm_ledger_add_contacts(l, kid, 2, kc, 2, ko, 2, kcl, 2, ch, 2, mi, 2, ti, 2,
                                              es, 2, ou, 2, NULL, 0, rej),
                     CRVM_OK);
    assert_int_equal(crvm_rejections_count(rej), 6);
    assert_string_equal(assert_rejection(rej, 5, CRVM_TABLE_CONTACTS, 1, "handle_minutes", CRVM_EINVAL),
                        "contacts[1].handle_minutes = -1: must be in [0, 1e6]");
    /* A rejected contact id is not taken: L2 can come again. */
    assert_int_equal(crvm_ledger_add_contact(l, "L2", "N2", d, d, CRVM_CHANNEL_EMAIL, 1, 1, 0, CRVM_OUTCOME_RESOLVED, 4), CRVM_OK);

    crvm_rejection r;
    assert_status(crvm_rejections_get(rej, 6, &r), CRVM_EINVAL);
    assert_status(crvm_rejections_get(NULL, 0, &r), CRVM_EINVAL);
    assert_status(crvm_rejections_new(NULL), CRVM_EINVAL);
    crvm_rejections_clear(rej);
    assert_int_equal(crvm_rejections_count(rej), 0);
    assert_int_equal(crvm_rejections_count(NULL), 0);
    /* Argument errors are not row rejections: they fail even in lenient mode. */
    assert_status(crvm_ledger_add_revenue(l, rc, 5, rd, 4, ra, 5, rs, 5, rej), CRVM_EINVAL);
    assert_int_equal(crvm_rejections_count(rej), 0);
    crvm_rejections_free(rej);
    crvm_rejections_free(NULL);
    crvm_ledger_free(l);
}

/* --------------------------------------------------- interning at scale */

/* Ids that share a hash are told apart by length and by every byte: each
 * added with the same hash, each found at its own index, and no prefix,
 * extension or one-byte change of one found. Lengths 0..40 cover the short
 * ids, the word loop and the overlapping last word of the comparison; the
 * table's text is reserved exactly, so ASan sees any read past its end. */
static void interned_ids_with_one_hash_are_told_apart(void **state)
{
    (void)state;
    enum { MAXLEN = 40 };
    const char base[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
    crvm__intern t;
    memset(&t, 0, sizeof t);
    size_t bytes = 0;
    for (size_t len = 1; len <= MAXLEN; len++)
        bytes += len;
    assert_int_equal(crvm__intern_reserve(&t, MAXLEN, bytes), CRVM_OK);
    for (size_t len = 1; len <= MAXLEN; len++)
        assert_int_equal(crvm__intern_add(&t, base, len, 7), len - 1);
    char probe[MAXLEN + 2];
    for (size_t len = 1; len <= MAXLEN; len++) {
        memcpy(probe, base, len);
        assert_int_equal(crvm__intern_find(&t, probe, len, 7), len - 1);
        for (size_t k = 0; k < len; k++) {
            probe[k] = '!';
            assert_int_equal(crvm__intern_find(&t, probe, len, 7), CRVM__NOT_FOUND);
            probe[k] = base[k];
        }
    }
    memcpy(probe, base, MAXLEN);
    probe[MAXLEN] = 'Z';
    assert_int_equal(crvm__intern_find(&t, probe, MAXLEN + 1, 7), CRVM__NOT_FOUND);
    assert_int_equal(crvm__intern_find(&t, probe, 0, 7), CRVM__NOT_FOUND);
    /* The hash: equal bytes hash equally wherever they lie. */
    char a[48], b[48];
    for (size_t len = 0; len <= MAXLEN; len++) {
        memcpy(a + 1, base, len);
        memcpy(b + 5, base, len);
        assert_int_equal(crvm__hash_string(a + 1, len), crvm__hash_string(b + 5, len));
    }
    crvm__intern_free(&t);
}

/* Lookups through an id group predict each id from the entry found before
 * (the same, or one of the next few added); every prediction is checked, so
 * customers of revenue rows in any order (sorted with repeats, descending,
 * shuffled, sorted with gaps, unknown and empty ids between) are the ones
 * the ids name, and exactly the unknown and empty ones are rejected. */
static void grouped_lookups_find_ids_in_any_order(void **state)
{
    (void)state;
    enum { NC = 1000, NR = 3000 };
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    static char names[NC][8];
    const char *ids[NC], *segs[NC];
    crvm_date start[NC];
    for (int i = 0; i < NC; i++) {
        snprintf(names[i], sizeof names[i], "k%d", i); /* k1, k10, k100: prefixes of each other */
        ids[i] = names[i];
        segs[i] = "s";
        start[i] = 0;
    }
    assert_int_equal(crvm_ledger_add_customers(l, ids, NC, segs, NC, start, NC, NULL, 0, NULL), CRVM_OK);
    static char unknown[NR][8];
    const char *cust[NR];
    int want[NR]; /* customer index, -1 = to be rejected */
    crvm_date dates[NR];
    double amounts[NR];
    int32_t streams[NR];
    for (int r = 0; r < NR; r++) {
        dates[r] = 10;
        amounts[r] = 1.0;
        streams[r] = 0;
    }
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    unsigned long long rng = 7;
    for (int pattern = 0; pattern < 4; pattern++) {
        int c = 0;
        for (int r = 0; r < NR; r++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            int k;
            switch (pattern) {
            case 0: k = r / 3; break;                                /* sorted, repeats */
            case 1: k = NC - 1 - r % NC; break;                      /* descending */
            case 2: k = (int)((rng >> 33) % NC); break;              /* shuffled */
            default: c += 1 + (int)((rng >> 33) % 12); k = c % NC; /* sorted, gaps 0..11 */
            }
            want[r] = k;
            cust[r] = names[k];
            if (pattern >= 2 && r % 7 == 3) {
                snprintf(unknown[r], sizeof unknown[r], "k%d", NC + r); /* not a customer */
                cust[r] = unknown[r];
                want[r] = -1;
            } else if (pattern >= 2 && r % 11 == 5) {
                cust[r] = "";
                want[r] = -1;
            }
        }
        crvm_ledger_stats before;
        assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
        crvm_rejections_clear(rej);
        assert_int_equal(crvm_ledger_add_revenue(l, cust, NR, dates, NR, amounts, NR, streams, NR, rej),
                         CRVM_OK);
        crvm_ledger_stats after;
        assert_int_equal(crvm_ledger_stats_get(l, &after), CRVM_OK);
        int32_t *got = malloc(after.revenue_events * sizeof *got);
        assert_non_null(got);
        assert_int_equal(crvm_ledger_revenue_events(l, got, after.revenue_events, NULL, 0, NULL, 0,
                                                    NULL, 0, NULL, 0), CRVM_OK);
        size_t e = before.revenue_events, j = 0;
        for (int r = 0; r < NR; r++) {
            if (want[r] < 0) {
                crvm_rejection rj;
                assert_int_equal(crvm_rejections_get(rej, j++, &rj), CRVM_OK);
                assert_int_equal(rj.row, r);
                continue;
            }
            if (got[e] != want[r])
                fail_msg("pattern %d, row %d (%s): customer %d, expected %d", pattern, r, cust[r],
                         (int)got[e], want[r]);
            e++;
        }
        assert_int_equal(e, after.revenue_events);
        assert_int_equal(j, crvm_rejections_count(rej));
        free(got);
    }
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
}

static void intern_table_grows_and_finds_every_id(void **state)
{
    (void)state;
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    enum { N = 100000, BATCH = 7919 };
    char (*names)[16] = malloc(N * sizeof *names);
    const char **ids = malloc(N * sizeof *ids);
    const char **segs = malloc(N * sizeof *segs);
    crvm_date *start = malloc(N * sizeof *start);
    static const char *const seg_names[] = {"a", "b", "c", "d", "e", "f", "g"};
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "cust-%zu", i * 7 + 3);
        ids[i] = names[i];
        segs[i] = seg_names[i % 7];
        start[i] = (crvm_date)(i % 1000);
    }
    for (size_t off = 0; off < N; off += BATCH) {
        size_t n = N - off < BATCH ? N - off : BATCH;
        assert_int_equal(crvm_ledger_add_customers(l, ids + off, n, segs + off, n, start + off, n, NULL, 0, NULL), CRVM_OK);
    }
    for (size_t i = 0; i < N; i++) {
        size_t idx = 0;
        assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, names[i], &idx), CRVM_OK);
        assert_int_equal(idx, i);
        assert_string_equal(crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, i), names[i]);
    }
    /* Absent: ids of the form i*7+4 and prefixes. */
    char probe[20];
    for (size_t i = 0; i < 1000; i++) {
        size_t idx;
        snprintf(probe, sizeof probe, "cust-%zu", i * 7 + 4);
        assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, probe, &idx), CRVM_ENOTFOUND);
    }
    size_t idx;
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "cust-", &idx), CRVM_ENOTFOUND);
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.customers, N);
    assert_int_equal(s.segments, 7);
    /* A strict failure at the end of a big batch removes every id of the batch. */
    for (size_t i = 0; i < 5000; i++)
        snprintf(names[i], sizeof names[i], "new-%zu", i);
    ids[4999] = "cust-3"; /* duplicate */
    assert_status(crvm_ledger_add_customers(l, ids, 5000, segs, 5000, start, 5000, NULL, 0, NULL), CRVM_EINVAL);
    for (size_t i = 0; i < 4999; i++)
        assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, names[i], &idx), CRVM_ENOTFOUND);
    for (size_t i = 0; i < N; i += 97) {
        char nm[20];
        snprintf(nm, sizeof nm, "cust-%zu", i * 7 + 3);
        assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, nm, &idx), CRVM_OK);
        assert_int_equal(idx, i);
    }
    ids[4999] = names[4999];
    assert_int_equal(crvm_ledger_add_customers(l, ids, 5000, segs, 5000, start, 5000, NULL, 0, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "new-4999", &idx), CRVM_OK);
    assert_int_equal(idx, N + 4999);
    free(names);
    free(ids);
    free(segs);
    free(start);
    crvm_ledger_free(l);
}

/* ----------------------------------------- reconciliation on a big ledger */

static void generated_ledger_reconciles_exactly(void **state)
{
    (void)state;
    enum { NC = 3000, NR = 40000, NK = 20000, NS = 6 };
    test_rng rng = {20240601};
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    char (*cn)[12] = malloc(NC * sizeof *cn);
    const char **cid = malloc(NC * sizeof *cid), **seg = malloc(NC * sizeof *seg);
    crvm_date *cs = malloc(NC * sizeof *cs);
    static const char *const segn[NS] = {"s0", "s1", "s2", "s3", "s4", "s5"};
    int *cseg = malloc(NC * sizeof *cseg);
    for (int i = 0; i < NC; i++) {
        snprintf(cn[i], sizeof cn[i], "c%d", i);
        cid[i] = cn[i];
        cseg[i] = (int)(test_rng_uniform(&rng) * NS);
        seg[i] = segn[cseg[i]];
        cs[i] = D(2020, 1, 1) + (crvm_date)(test_rng_uniform(&rng) * 365);
    }
    assert_int_equal(crvm_ledger_add_customers(l, cid, NC, seg, NC, cs, NC, NULL, 0, NULL), CRVM_OK);
    /* Revenue in random date order; amounts with cents. */
    const char **rc = malloc(NR * sizeof *rc);
    crvm_date *rd = malloc(NR * sizeof *rd);
    double *ra = malloc(NR * sizeof *ra);
    int32_t *rs = malloc(NR * sizeof *rs);
    long long total = 0, by_stream[CRVM_STREAM_COUNT] = {0}, by_seg[NS] = {0};
    long long in_window = 0;
    crvm_date w0 = D(2021, 1, 1), w1 = D(2021, 7, 1);
    for (int i = 0; i < NR; i++) {
        int c = (int)(test_rng_uniform(&rng) * NC);
        rc[i] = cn[c];
        rd[i] = D(2020, 1, 1) + (crvm_date)(test_rng_uniform(&rng) * 1000);
        long long cents = (long long)(test_rng_uniform(&rng) * 200000) - 20000;
        ra[i] = (double)cents / 100.0;
        rs[i] = (int32_t)(test_rng_uniform(&rng) * CRVM_STREAM_COUNT);
        total += cents;
        by_stream[rs[i]] += cents;
        by_seg[cseg[c]] += cents;
        if (rd[i] >= w0 && rd[i] < w1)
            in_window += cents;
    }
    assert_int_equal(crvm_ledger_add_revenue(l, rc, NR, rd, NR, ra, NR, rs, NR, NULL), CRVM_OK);
    /* Contacts. */
    char (*kn)[12] = malloc(NK * sizeof *kn);
    const char **kid = malloc(NK * sizeof *kid), **kc = malloc(NK * sizeof *kc);
    crvm_date *ko = malloc(NK * sizeof *ko), *kcl = malloc(NK * sizeof *kcl);
    int32_t *kch = malloc(NK * sizeof *kch), *kt = malloc(NK * sizeof *kt), *ke = malloc(NK * sizeof *ke),
            *kou = malloc(NK * sizeof *kou);
    double *km = malloc(NK * sizeof *km);
    long long contacts_by_seg[NS] = {0};
    for (int i = 0; i < NK; i++) {
        snprintf(kn[i], sizeof kn[i], "k%d", i);
        kid[i] = kn[i];
        int c = (int)(test_rng_uniform(&rng) * NC);
        kc[i] = cn[c];
        contacts_by_seg[cseg[c]]++;
        ko[i] = D(2020, 1, 1) + (crvm_date)(test_rng_uniform(&rng) * 1000);
        kcl[i] = test_rng_uniform(&rng) < 0.1 ? CRVM_DATE_NONE : ko[i] + (crvm_date)(test_rng_uniform(&rng) * 9);
        kch[i] = (int32_t)(test_rng_uniform(&rng) * CRVM_CHANNEL_COUNT);
        kt[i] = 1 + (int32_t)(test_rng_uniform(&rng) * 3);
        ke[i] = test_rng_uniform(&rng) < 0.2;
        kou[i] = (int32_t)(test_rng_uniform(&rng) * CRVM_OUTCOME_COUNT);
        km[i] = (double)(int)(test_rng_uniform(&rng) * 600) / 8.0; /* eighths: sums exact */
    }
    assert_int_equal(crvm_ledger_add_contacts(l, kid, NK, kc, NK, ko, NK, kcl, NK, kch, NK, km, NK, kt, NK,
                                              ke, NK, kou, NK, NULL, 0, NULL),
                     CRVM_OK);

    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.revenue_cents, total);
    assert_int_equal(s.segments, NS);
    double *act = malloc((size_t)NC * CRVM_ACTIVITY_COLUMNS * sizeof *act);
    double sact[NS * CRVM_ACTIVITY_COLUMNS];
    assert_int_equal(crvm_ledger_customer_activity(l, CRVM_DATE_MIN, CRVM_DATE_MAX, act, (size_t)NC * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_ledger_segment_activity(l, CRVM_DATE_MIN, CRVM_DATE_MAX, sact, NS * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
    /* Map segment names to the ledger's segment indices. */
    int segidx[NS];
    for (int k = 0; k < NS; k++) {
        size_t idx;
        assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, segn[k], &idx), CRVM_OK);
        segidx[k] = (int)idx;
    }
    long long sum_c = 0, sum_stream[CRVM_STREAM_COUNT] = {0}, seg_sum[NS][CRVM_ACTIVITY_COLUMNS];
    memset(seg_sum, 0, sizeof seg_sum);
    for (int i = 0; i < NC; i++) {
        const double *r = act + (size_t)i * CRVM_ACTIVITY_COLUMNS;
        long long rev = llround(r[CRVM_ACT_REVENUE] * 100);
        sum_c += rev;
        long long parts = 0;
        for (int j = 0; j < CRVM_STREAM_COUNT; j++) {
            long long v = llround(r[j] * 100);
            assert_true(r[j] == (double)v / 100.0); /* every amount is whole cents */
            sum_stream[j] += v;
            parts += v;
        }
        assert_int_equal(parts, rev);
        for (int j = 0; j < CRVM_ACTIVITY_COLUMNS; j++)
            seg_sum[cseg[i]][j] += j <= CRVM_ACT_REVENUE ? llround(r[j] * 100)
                                   : j == CRVM_ACT_HANDLE_MINUTES || (j >= CRVM_ACT_HANDLE_MINUTES_TIER1 && j < CRVM_ACT_CLOSED)
                                       ? llround(r[j] * 8) : llround(r[j]);
    }
    assert_int_equal(sum_c, total);
    for (int j = 0; j < CRVM_STREAM_COUNT; j++)
        assert_int_equal(sum_stream[j], by_stream[j]);
    for (int k = 0; k < NS; k++) {
        const double *r = sact + segidx[k] * CRVM_ACTIVITY_COLUMNS;
        assert_int_equal(llround(r[CRVM_ACT_REVENUE] * 100), by_seg[k]);
        assert_int_equal((long long)r[CRVM_ACT_CONTACTS], contacts_by_seg[k]);
        for (int j = 0; j < CRVM_ACTIVITY_COLUMNS; j++) {
            double scale = j <= CRVM_ACT_REVENUE ? 100
                           : j == CRVM_ACT_HANDLE_MINUTES || (j >= CRVM_ACT_HANDLE_MINUTES_TIER1 && j < CRVM_ACT_CLOSED) ? 8 : 1;
            assert_int_equal(llround(r[j] * scale), seg_sum[k][j]);
        }
    }
    /* Window totals. */
    assert_int_equal(crvm_ledger_segment_activity(l, w0, w1, sact, NS * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
    long long w = 0;
    for (int k = 0; k < NS; k++)
        w += llround(sact[k * CRVM_ACTIVITY_COLUMNS + CRVM_ACT_REVENUE] * 100);
    assert_int_equal(w, in_window);
    /* Customers partition the contacts; the RFM summary sees every customer with revenue. */
    double tot_contacts = 0;
    for (int i = 0; i < NC; i++)
        tot_contacts += act[(size_t)i * CRVM_ACTIVITY_COLUMNS + CRVM_ACT_CONTACTS];
    assert_true(tot_contacts == NK);

    free(act);
    free(cn); free(cid); free(seg); free(cs); free(cseg);
    free(rc); free(rd); free(ra); free(rs);
    free(kn); free(kid); free(kc); free(ko); free(kcl); free(kch); free(kt); free(ke); free(kou); free(km);
    crvm_ledger_free(l);
}

/* ------------------------------------------ order independence, threads */

/* The same events appended in two different orders give identical aggregates
 * (handle minutes are multiples of 1/8 so even their sums are exact). */
static crvm_ledger *shuffled_ledger(uint64_t seed, int reverse)
{
    enum { NC = 50, NR = 2000, NK = 800 };
    test_rng rng = {seed};
    static char cn[NC][8], kn[NK][8];
    const char *cid[NC], *seg[NC];
    crvm_date cs[NC];
    for (int i = 0; i < NC; i++) {
        snprintf(cn[i], sizeof cn[i], "c%d", i);
        cid[i] = cn[i];
        seg[i] = i % 3 ? "x" : "y";
        cs[i] = 18000 + i;
    }
    static const char *rc[NR], *kid[NK], *kc[NK];
    static crvm_date rd[NR], ko[NK], kcl[NK];
    static double ra[NR], km[NK], ks[NK];
    static int32_t rs[NR], kch[NK], kt[NK], ke[NK], kou[NK];
    test_rng data = {99}; /* the events themselves do not depend on the seed */
    for (int i = 0; i < NR; i++) {
        rc[i] = cn[(int)(test_rng_uniform(&data) * NC)];
        rd[i] = 18000 + (crvm_date)(test_rng_uniform(&data) * 900);
        ra[i] = (double)(int)(test_rng_uniform(&data) * 100000) / 100;
        rs[i] = (int32_t)(test_rng_uniform(&data) * 5);
    }
    for (int i = 0; i < NK; i++) {
        snprintf(kn[i], sizeof kn[i], "k%d", i);
        kid[i] = kn[i];
        kc[i] = cn[(int)(test_rng_uniform(&data) * NC)];
        ko[i] = 18000 + (crvm_date)(test_rng_uniform(&data) * 900);
        kcl[i] = ko[i] + (crvm_date)(test_rng_uniform(&data) * 5);
        kch[i] = (int32_t)(test_rng_uniform(&data) * 5);
        kt[i] = 1 + (int32_t)(test_rng_uniform(&data) * 3);
        ke[i] = test_rng_uniform(&data) < 0.2;
        kou[i] = (int32_t)(test_rng_uniform(&data) * 4);
        km[i] = (double)(int)(test_rng_uniform(&data) * 400) / 8;
        ks[i] = test_rng_uniform(&data) < 0.5 ? 1 + (int)(test_rng_uniform(&data) * 5) : NAN;
    }
    /* Permute revenue and contacts (Fisher-Yates with the seed, or reversed). */
    int pr[NR], pk[NK];
    for (int i = 0; i < NR; i++)
        pr[i] = reverse ? NR - 1 - i : i;
    for (int i = 0; i < NK; i++)
        pk[i] = reverse ? NK - 1 - i : i;
    for (int i = NR - 1; i > 0 && !reverse; i--) {
        int j = (int)(test_rng_uniform(&rng) * (i + 1));
        int t = pr[i]; pr[i] = pr[j]; pr[j] = t;
    }
    for (int i = NK - 1; i > 0 && !reverse; i--) {
        int j = (int)(test_rng_uniform(&rng) * (i + 1));
        int t = pk[i]; pk[i] = pk[j]; pk[j] = t;
    }
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customers(l, cid, NC, seg, NC, cs, NC, NULL, 0, NULL), CRVM_OK);
    for (int i = 0; i < NR; i++)
        assert_int_equal(crvm_ledger_add_revenue_event(l, rc[pr[i]], rd[pr[i]], ra[pr[i]], (crvm_stream)rs[pr[i]]), CRVM_OK);
    for (int i = 0; i < NK; i++) {
        int k = pk[i];
        assert_int_equal(crvm_ledger_add_contact(l, kid[k], kc[k], ko[k], kcl[k], (crvm_channel)kch[k], km[k], kt[k],
                                                 ke[k], (crvm_outcome)kou[k], ks[k]), CRVM_OK);
    }
    return l;
}

static void aggregates_do_not_depend_on_event_order(void **state)
{
    (void)state;
    crvm_ledger *a = shuffled_ledger(1, 0), *b = shuffled_ledger(2, 0), *c = shuffled_ledger(3, 1);
    enum { NC = 50 };
    crvm_ledger *ls[3] = {a, b, c};
    static double act[3][NC * CRVM_ACTIVITY_COLUMNS], rfm[3][NC * CRVM_RFM_COLUMNS], cov[3][NC * CRVM_COVARIATE_COLUMNS];
    int32_t per[3][NC], chu[3][NC];
    for (int k = 0; k < 3; k++) {
        assert_int_equal(crvm_ledger_customer_activity(ls[k], 18100, 18700, act[k], NC * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
        assert_int_equal(crvm_ledger_transaction_summary(ls[k], 18800, 0, rfm[k], NC * CRVM_RFM_COLUMNS), CRVM_OK);
        assert_int_equal(crvm_ledger_contact_covariates(ls[k], 18800, cov[k], NC * CRVM_COVARIATE_COLUMNS), CRVM_OK);
        assert_int_equal(crvm_ledger_retention_data(ls[k], 18800, CRVM_PERIOD_MONTH, per[k], NC, chu[k], NC), CRVM_OK);
    }
    for (int k = 1; k < 3; k++) {
        assert_memory_equal(act[0], act[k], sizeof act[0]);
        assert_memory_equal(rfm[0], rfm[k], sizeof rfm[0]);
        /* Covariate means divide exact sums: identical too. */
        assert_memory_equal(cov[0], cov[k], sizeof cov[0]);
        assert_memory_equal(per[0], per[k], sizeof per[0]);
    }
    crvm_ledger_free(a);
    crvm_ledger_free(b);
    crvm_ledger_free(c);
}

typedef struct reader {
    const crvm_ledger *l;
    double out[3 * CRVM_ACTIVITY_COLUMNS];
    crvm_status st;
} reader;

static int read_activity(void *arg)
{
    reader *r = arg;
    for (int rep = 0; rep < 200 && r->st == CRVM_OK; rep++)
        r->st = crvm_ledger_customer_activity(r->l, CRVM_DATE_MIN, CRVM_DATE_MAX, r->out, 3 * CRVM_ACTIVITY_COLUMNS);
    return 0;
}

static void a_ledger_can_be_read_from_several_threads(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    reader r[3];
    thrd_t t[3];
    for (int k = 0; k < 3; k++) {
        r[k].l = l;
        r[k].st = CRVM_OK;
        assert_int_equal(thrd_create(&t[k], read_activity, &r[k]), thrd_success);
    }
    for (int k = 0; k < 3; k++) {
        thrd_join(t[k], NULL);
        assert_int_equal(r[k].st, CRVM_OK);
        assert_memory_equal(r[0].out, r[k].out, sizeof r[0].out);
    }
    assert_true(r[0].out[CRVM_ACT_REVENUE] == 23998 / 100.0);
    crvm_ledger_free(l);
}

/* ------------------------------------------------------- mark and rollback */

/* Everything observable about a ledger, for before/after comparisons: the
 * stats, every id of every id space (by index) and the activity of every
 * customer and segment over all time. */
typedef struct snapshot {
    crvm_ledger_stats stats;
    size_t n_ids[4];
    char ids[4][64][16];
    double act[64 * CRVM_ACTIVITY_COLUMNS], seg[8 * CRVM_ACTIVITY_COLUMNS];
} snapshot;

static const int id_spaces[4] = {CRVM_TABLE_CUSTOMERS, CRVM_TABLE_CONTACTS, CRVM_TABLE_ARTICLES,
                                 CRVM_SEGMENTS};

static void take_snapshot(const crvm_ledger *l, snapshot *s)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(crvm_ledger_stats_get(l, &s->stats), CRVM_OK);
    for (int t = 0; t < 4; t++) {
        const char *id;
        while ((id = crvm_ledger_id(l, id_spaces[t], s->n_ids[t])) != NULL) {
            assert_true(s->n_ids[t] < 64 && strlen(id) < 16);
            strcpy(s->ids[t][s->n_ids[t]++], id);
        }
    }
    assert_true(s->stats.customers <= 64 && s->stats.segments <= 8);
    crvm_date all = D(2100, 1, 1);
    assert_int_equal(crvm_ledger_customer_activity(l, CRVM_DATE_MIN, all, s->act,
                                                   s->stats.customers * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
    assert_int_equal(crvm_ledger_segment_activity(l, CRVM_DATE_MIN, all, s->seg,
                                                  s->stats.segments * CRVM_ACTIVITY_COLUMNS), CRVM_OK);
}

static void assert_same_snapshot(const crvm_ledger *l, const snapshot *before)
{
    snapshot now;
    take_snapshot(l, &now);
    assert_same_stats(l, &before->stats);
    assert_true(now.stats.handle_minutes == before->stats.handle_minutes);
    assert_int_equal(now.stats.first_date, before->stats.first_date);
    assert_int_equal(now.stats.last_date, before->stats.last_date);
    for (int t = 0; t < 4; t++) {
        assert_int_equal(now.n_ids[t], before->n_ids[t]);
        for (size_t i = 0; i < now.n_ids[t]; i++) {
            assert_string_equal(now.ids[t][i], before->ids[t][i]);
            size_t k = 99;
            assert_int_equal(crvm_ledger_find(l, id_spaces[t], before->ids[t][i], &k), CRVM_OK);
            assert_int_equal(k, i);
        }
    }
    assert_memory_equal(now.act, before->act, sizeof now.act);
    assert_memory_equal(now.seg, before->seg, sizeof now.seg);
}

/* Rows of every table, with new ids of every id space (a new segment too),
 * referring both to the new ids and to those of test_small_ledger(). */
static void append_one_of_everything(crvm_ledger *l)
{
    const char *ids[] = {"D", "E"};
    const char *segs[] = {"mid", "smb"};
    crvm_date start[] = {D(2023, 2, 1), D(2023, 4, 1)};
    assert_int_equal(crvm_ledger_add_customers(l, ids, 2, segs, 2, start, 2, NULL, 0, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue_event(l, "D", D(2023, 2, 1), 123.45, CRVM_STREAM_SERVICES), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue_event(l, "A", D(2024, 1, 1), 10.00, CRVM_STREAM_SUBSCRIPTION), CRVM_OK);
    assert_int_equal(crvm_ledger_add_article(l, "KB3", D(2023, 1, 1), 1.0, 0.1), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact(l, "K6", "D", D(2023, 3, 1), D(2023, 3, 2), CRVM_CHANNEL_CHAT,
                                             7.5, 2, 1, CRVM_OUTCOME_REFUSED, 1.0), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact(l, "K7", "A", D(2022, 1, 1), CRVM_DATE_NONE, CRVM_CHANNEL_PHONE,
                                             3.0, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_article(l, "K6", "KB3"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact_article(l, "K1", "KB1"), CRVM_OK);
    assert_int_equal(crvm_ledger_add_knowledge_use(l, "KB3", D(2023, 3, 1), CRVM_USE_ASSISTED, 0, "K6", NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_knowledge_use(l, "KB1", D(2023, 9, 1), CRVM_USE_SELF_SERVICE, 1, NULL, "A"), CRVM_OK);
}

/* The summary an append keeps, recomputed by a plain pass over the columns. */
static void assert_summary_matches_rows(const crvm_ledger *l)
{
    crvm_date first = CRVM_DATE_NONE, last = CRVM_DATE_NONE, end = CRVM_DATE_NONE,
              closed = CRVM_DATE_NONE;
    const crvm_date *dated[] = {l->cust_start, l->rev_date, l->con_opened, l->art_created, l->use_date};
    size_t counts[] = {l->customer_ids.count, l->n_rev, l->contact_ids.count, l->article_ids.count,
                       l->n_use};
    for (int t = 0; t < 5; t++)
        for (size_t i = 0; i < counts[t]; i++) {
            if (first == CRVM_DATE_NONE || dated[t][i] < first)
                first = dated[t][i];
            if (last == CRVM_DATE_NONE || dated[t][i] > last)
                last = dated[t][i];
        }
    for (size_t i = 0; i < l->customer_ids.count; i++)
        if (l->cust_end[i] != CRVM_DATE_NONE && (end == CRVM_DATE_NONE || l->cust_end[i] > end))
            end = l->cust_end[i];
    for (size_t i = 0; i < l->contact_ids.count; i++)
        if (l->con_closed[i] != CRVM_DATE_NONE && (closed == CRVM_DATE_NONE || l->con_closed[i] > closed))
            closed = l->con_closed[i];
    assert_int_equal(l->summary.first, first);
    assert_int_equal(l->summary.last, last);
    assert_int_equal(l->summary.last_end, end);
    assert_int_equal(l->summary.last_closed, closed);
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.first_date, first);
    assert_int_equal(s.last_date, last);
    const uint32_t *cust[] = {l->rev_customer, l->con_customer, l->use_customer};
    const size_t rows[] = {l->n_rev, l->contact_ids.count, l->n_use};
    const uint8_t flag[] = {l->summary.revenue_ordered, l->summary.contacts_ordered,
                            l->summary.uses_ordered};
    const int table[] = {CRVM_TABLE_REVENUE, CRVM_TABLE_CONTACTS, CRVM_TABLE_KNOWLEDGE_USES};
    for (int t = 0; t < 3; t++) {
        int ordered = 1;
        for (size_t r = 1; r < rows[t]; r++)
            ordered &= cust[t][r] >= cust[t][r - 1];
        assert_int_equal(flag[t], ordered);
        /* Every range of customers: no row of theirs outside the rows given,
         * and (in customer order) no other customer's row inside. */
        for (size_t b = 0; b <= l->customer_ids.count; b++)
            for (size_t e = b; e <= l->customer_ids.count; e++) {
                size_t r0 = 99, r1 = 99;
                crvm__ledger_customer_rows(l, table[t], b, e, &r0, &r1);
                assert_true(r0 <= r1 && r1 <= rows[t]);
                for (size_t r = 0; r < rows[t]; r++) {
                    int mine = cust[t][r] >= b && cust[t][r] < e, inside = r >= r0 && r < r1;
                    if (mine)
                        assert_true(inside);
                    if (ordered && inside)
                        assert_true(mine);
                }
            }
    }
}

static void assert_same_summary(const crvm__ledger_summary *a, const crvm__ledger_summary *b)
{
    assert_int_equal(a->first, b->first);
    assert_int_equal(a->last, b->last);
    assert_int_equal(a->last_end, b->last_end);
    assert_int_equal(a->last_closed, b->last_closed);
    assert_int_equal(a->revenue_ordered, b->revenue_ordered);
    assert_int_equal(a->contacts_ordered, b->contacts_ordered);
    assert_int_equal(a->uses_ordered, b->uses_ordered);
}

static void the_summary_follows_appends_and_rollbacks(void **state)
{
    (void)state;
    crvm_ledger *l;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_summary_matches_rows(l); /* empty: no dates, every table in order */
    assert_int_equal(l->summary.first, CRVM_DATE_NONE);
    crvm_ledger_free(l);

    l = test_small_ledger();
    assert_summary_matches_rows(l);
    crvm__ledger_mark mark;
    crvm__ledger_mark_take(l, &mark);
    crvm__ledger_summary before = l->summary;
    /* Rows of customer D (added last) and then of A (the first) leave the
     * revenue, contacts and uses out of customer order. */
    append_one_of_everything(l);
    assert_summary_matches_rows(l);
    assert_false(l->summary.revenue_ordered);
    assert_false(l->summary.contacts_ordered);
    assert_false(l->summary.uses_ordered);
    /* Dates beyond every other: an end date, a contact closed, a revenue event. */
    assert_int_equal(crvm_ledger_add_customer(l, "F", "smb", D(2024, 2, 1), D(2031, 1, 1)), CRVM_OK);
    assert_int_equal(crvm_ledger_add_contact(l, "K9", "F", D(2024, 3, 1), D(2032, 5, 5), CRVM_CHANNEL_CHAT,
                                             1.0, 1, 0, CRVM_OUTCOME_RESOLVED, NAN), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue_event(l, "F", D(2030, 1, 1), 1.0, CRVM_STREAM_SERVICES), CRVM_OK);
    assert_summary_matches_rows(l);
    assert_int_equal(l->summary.last, D(2030, 1, 1));
    assert_int_equal(l->summary.last_end, D(2031, 1, 1));
    assert_int_equal(l->summary.last_closed, D(2032, 5, 5));
    assert_int_equal(crvm__ledger_last_date(l), D(2032, 5, 5));
    /* Rows refused, leniently or strictly, leave it as it was. */
    crvm__ledger_summary kept = l->summary;
    crvm_rejections *rej;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    const char *who[] = {"A", "nobody"};
    crvm_date when[] = {D(1990, 1, 1), D(1980, 1, 1)};
    double amount[] = {NAN, 1.0};
    int32_t stream[] = {CRVM_STREAM_SERVICES, CRVM_STREAM_SERVICES};
    assert_int_equal(crvm_ledger_add_revenue(l, who, 2, when, 2, amount, 2, stream, 2, rej), CRVM_OK);
    assert_status(crvm_ledger_add_revenue(l, who, 2, when, 2, amount, 2, stream, 2, NULL), CRVM_EINVAL);
    crvm_rejections_free(rej);
    assert_same_summary(&l->summary, &kept);
    /* A rollback brings back the summary of the rows it keeps. */
    crvm__ledger_rollback(l, &mark);
    assert_same_summary(&l->summary, &before);
    assert_summary_matches_rows(l);
    crvm_ledger_free(l);
}

static void rollback_restores_the_ledger_exactly(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    snapshot before;
    take_snapshot(l, &before);
    crvm__ledger_mark mark;
    crvm__ledger_mark_take(l, &mark);
    append_one_of_everything(l);

    /* The appends happened: 2 customers, 1 segment, 2 revenue events of
     * 12345 + 1000 cents, 1 article, 2 contacts, 2 links, 2 uses. */
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    assert_int_equal(s.customers, before.stats.customers + 2);
    assert_int_equal(s.segments, before.stats.segments + 1);
    assert_int_equal(s.revenue_events, before.stats.revenue_events + 2);
    assert_int_equal(s.revenue_cents, before.stats.revenue_cents + 12345 + 1000);
    assert_int_equal(s.articles, before.stats.articles + 1);
    assert_int_equal(s.contacts, before.stats.contacts + 2);
    assert_int_equal(s.contact_articles, before.stats.contact_articles + 2);
    assert_int_equal(s.knowledge_uses, before.stats.knowledge_uses + 2);

    crvm__ledger_rollback(l, &mark);
    assert_same_snapshot(l, &before);
    /* The ids added after the mark are forgotten... */
    size_t k = 77;
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "D", &k), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "E", &k), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CONTACTS, "K6", &k), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_ARTICLES, "KB3", &k), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_SEGMENTS, "mid", &k), CRVM_ENOTFOUND);
    assert_int_equal(k, 77);
    assert_null(crvm_ledger_id(l, CRVM_TABLE_CUSTOMERS, before.stats.customers));
    /* ... rows referring to them are refused again ... */
    assert_status(crvm_ledger_add_revenue_event(l, "D", D(2023, 2, 1), 1.0, CRVM_STREAM_SERVICES),
                  CRVM_ENOTFOUND);
    /* ... and the same appends succeed again, giving the same indices. */
    append_one_of_everything(l);
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "D", &k), CRVM_OK);
    assert_int_equal(k, before.stats.customers);
    assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, "mid", &k), CRVM_OK);
    assert_int_equal(k, before.stats.segments);
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CONTACTS, "K7", &k), CRVM_OK);
    assert_int_equal(k, before.stats.contacts + 1);
    crvm_ledger_free(l);
}

static void rollback_nests_and_survives_table_growth(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    snapshot before, middle;
    take_snapshot(l, &before);
    crvm__ledger_mark outer, inner;
    crvm__ledger_mark_take(l, &outer);
    assert_int_equal(crvm_ledger_add_customer(l, "D", "mid", D(2023, 2, 1), CRVM_DATE_NONE), CRVM_OK);
    take_snapshot(l, &middle);
    crvm__ledger_mark_take(l, &inner);
    /* Enough ids to grow (and so rehash) every id table and column. */
    enum { N = 3000 };
    char (*names)[16] = malloc(N * sizeof *names);
    const char **ids = malloc(N * sizeof *ids), **segs = malloc(N * sizeof *segs);
    crvm_date *start = malloc(N * sizeof *start);
    double *amount = malloc(N * sizeof *amount);
    int32_t *stream = malloc(N * sizeof *stream);
    assert_non_null(names);
    assert_non_null(ids);
    assert_non_null(segs);
    assert_non_null(start);
    assert_non_null(amount);
    assert_non_null(stream);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "N%d", i);
        ids[i] = names[i];
        segs[i] = i % 2 ? "s-odd" : "s-even";
        start[i] = D(2023, 1, 1) + i % 300;
        amount[i] = 0.01 * i;
        stream[i] = i % CRVM_STREAM_COUNT;
    }
    assert_int_equal(crvm_ledger_add_customers(l, ids, N, segs, N, start, N, NULL, 0, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue(l, ids, N, start, N, amount, N, stream, N, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_add_articles(l, ids, N, start, N, amount, N, amount, N, NULL), CRVM_OK);

    crvm__ledger_rollback(l, &inner);
    assert_same_snapshot(l, &middle);
    size_t k;
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "N0", &k), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_ARTICLES, "N2999", &k), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_SEGMENTS, "s-odd", &k), CRVM_ENOTFOUND);
    crvm__ledger_rollback(l, &outer);
    assert_same_snapshot(l, &before);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "D", &k), CRVM_ENOTFOUND);
    /* Rolling back to a mark that is no longer ahead of the ledger is a no-op. */
    crvm__ledger_rollback(l, &inner);
    assert_same_snapshot(l, &before);
    /* Re-adding every id works after the tables were truncated. */
    assert_int_equal(crvm_ledger_add_customers(l, ids, N, segs, N, start, N, NULL, 0, NULL), CRVM_OK);
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "N2999", &k), CRVM_OK);
    assert_int_equal(k, before.stats.customers + N - 1);
    free(names);
    free(ids);
    free(segs);
    free(start);
    free(amount);
    free(stream);
    crvm_ledger_free(l);
}

/* The public batches: begin / commit / rollback and each of their errors. */
static void batches_commit_or_roll_back_everything(void **state)
{
    (void)state;
    crvm_ledger *l = test_small_ledger();
    snapshot before, after;
    take_snapshot(l, &before);

    /* Errors: NULL ledger; commit or rollback without a batch; two batches. */
    assert_status(crvm_ledger_begin(NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_commit(NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_rollback(NULL), CRVM_EINVAL);
    assert_status(crvm_ledger_commit(l), CRVM_ESTATE);
    assert_status(crvm_ledger_rollback(l), CRVM_ESTATE);
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    assert_status(crvm_ledger_begin(l), CRVM_ESTATE);
    assert_non_null(strstr(crvm_last_error(), "already open"));

    /* Rollback: appends to every table, a failed strict append (which undoes
     * only itself) and a lenient one with a rejection, all undone. */
    append_one_of_everything(l);
    assert_status(crvm_ledger_add_revenue_event(l, "nobody", D(2023, 1, 1), 1.0, CRVM_STREAM_SERVICES),
                  CRVM_ENOTFOUND);
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    const char *ids[] = {"F", "A"};
    const char *segs[] = {"ent", "smb"};
    crvm_date start[] = {D(2023, 5, 1), D(2023, 5, 1)};
    assert_int_equal(crvm_ledger_add_customers(l, ids, 2, segs, 2, start, 2, NULL, 0, rej), CRVM_OK);
    assert_int_equal(crvm_rejections_count(rej), 1); /* "A" is a duplicate */
    assert_int_equal(crvm_ledger_rollback(l), CRVM_OK);
    assert_same_snapshot(l, &before);
    size_t k;
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "F", &k), CRVM_ENOTFOUND);
    assert_status(crvm_ledger_find(l, CRVM_TABLE_CONTACTS, "K6", &k), CRVM_ENOTFOUND);
    assert_int_equal(crvm_rejections_count(rej), 1); /* the caller's list is left alone */
    assert_status(crvm_ledger_rollback(l), CRVM_ESTATE); /* the batch is closed */

    /* Commit keeps the rows; a later rollback has nothing to undo. */
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    append_one_of_everything(l);
    take_snapshot(l, &after);
    assert_int_equal(after.stats.customers, before.stats.customers + 2);
    assert_int_equal(crvm_ledger_commit(l), CRVM_OK);
    assert_status(crvm_ledger_commit(l), CRVM_ESTATE);
    assert_status(crvm_ledger_rollback(l), CRVM_ESTATE);
    assert_same_snapshot(l, &after);

    /* A new batch starts from the committed state. */
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "G", "new", D(2023, 6, 1), CRVM_DATE_NONE), CRVM_OK);
    assert_int_equal(crvm_ledger_rollback(l), CRVM_OK);
    assert_same_snapshot(l, &after);
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
}

/* ---------------------------------------------------- allocation failure */

static crvm_status full_use(void *ctx)
{
    (void)ctx;
    crvm_ledger *l = NULL;
    crvm_rejections *rej = NULL;
    crvm_status st;
    if ((st = crvm_ledger_new(&l)))
        return st;
    if ((st = crvm_rejections_new(&rej)))
        goto done;
    crvm_date d = 19000;
    const char *ids[40];
    char names[40][8];
    const char *segs[40];
    crvm_date start[40];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        ids[i] = names[i];
        segs[i] = i % 2 ? "odd" : "even";
        start[i] = d;
    }
    ids[39] = "c0"; /* a duplicate: lenient rejection */
    if ((st = crvm_ledger_begin(l))) /* batches allocate nothing */
        goto done;
    if ((st = crvm_ledger_add_customers(l, ids, 40, segs, 40, start, 40, NULL, 0, rej)))
        goto done;
    if ((st = crvm_ledger_rollback(l)) || (st = crvm_ledger_begin(l)))
        goto done;
    if ((st = crvm_ledger_add_customers(l, ids, 40, segs, 40, start, 40, NULL, 0, rej)))
        goto done;
    if ((st = crvm_ledger_commit(l)))
        goto done;
    double amt[40];
    int32_t stream[40];
    for (int i = 0; i < 40; i++) {
        amt[i] = i;
        stream[i] = i % 5;
    }
    amt[3] = NAN;
    if ((st = crvm_ledger_add_revenue(l, ids, 40, start, 40, amt, 40, stream, 40, rej)))
        goto done;
    if ((st = crvm_ledger_add_article(l, "a1", d - 10, 1, 1)))
        goto done;
    if ((st = crvm_ledger_add_contact(l, "k1", "c1", d, d + 1, CRVM_CHANNEL_PHONE, 5, 1, 0, CRVM_OUTCOME_RESOLVED, 4)))
        goto done;
    if ((st = crvm_ledger_add_contact_article(l, "k1", "a1")))
        goto done;
    if ((st = crvm_ledger_add_knowledge_use(l, "a1", d, CRVM_USE_ASSISTED, 1, "k1", NULL)))
        goto done;
    const char *link_c[] = {"k1", "k404"}, *link_a[] = {"a1", "a1"};
    if ((st = crvm_ledger_add_contact_articles(l, link_c, 2, link_a, 2, rej)))
        goto done;
    /* The bulk forms of the single-row appends above. */
    const char *art_ids[] = {"a2", "a3"};
    const crvm_date art_created[] = {d - 5, d - 4};
    const double art_h[] = {1, 2}, art_m[] = {0.5, 0};
    if ((st = crvm_ledger_add_articles(l, art_ids, 2, art_created, 2, art_h, 2, art_m, 2, rej)))
        goto done;
    const char *con_ids[] = {"k2", "k3"}, *con_cust[] = {"c2", "c3"};
    const crvm_date con_open[] = {d, d + 1}, con_close[] = {d + 2, CRVM_DATE_NONE};
    const int32_t con_ch[] = {CRVM_CHANNEL_EMAIL, CRVM_CHANNEL_CHAT}, con_tier[] = {1, 2};
    const int32_t con_esc[] = {0, 1}, con_out[] = {CRVM_OUTCOME_REFUSED, CRVM_OUTCOME_RESOLVED};
    const double con_min[] = {10, 20}, con_sat[] = {3, NAN};
    if ((st = crvm_ledger_add_contacts(l, con_ids, 2, con_cust, 2, con_open, 2, con_close, 2, con_ch,
                                       2, con_min, 2, con_tier, 2, con_esc, 2, con_out, 2, con_sat, 2,
                                       rej)))
        goto done;
    const char *use_art[] = {"a2", "a3"}, *use_con[] = {"k2", NULL}, *use_cust[] = {NULL, "c3"};
    const crvm_date use_d[] = {d, d + 1};
    const int32_t use_kind[] = {CRVM_USE_ASSISTED, CRVM_USE_SELF_SERVICE}, use_res[] = {1, 0};
    if ((st = crvm_ledger_add_knowledge_uses(l, use_art, 2, use_d, 2, use_kind, 2, use_res, 2, use_con,
                                             2, use_cust, 2, rej)))
        goto done;
    if ((st = crvm_ledger_reserve(l, 100, 100, 100, 100)))
        goto done;
    double rfm[40 * CRVM_RFM_COLUMNS];
    if ((st = crvm_ledger_transaction_summary(l, d, 0, rfm, 39 * CRVM_RFM_COLUMNS)))
        goto done;
    if ((st = crvm_ledger_shrink(l)))
        goto done;
    /* The duplicate customer (rejected in both batches), the NaN amount and
     * the unknown contact k404. */
    if (crvm_rejections_count(rej) != 4)
        st = CRVM_EINVAL;
done:
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
    return st;
}

static void test_every_allocation_failure_ledger(void **state)
{
    (void)state;
    long sites = test_every_allocation_failure(full_use, NULL);
    assert_true(sites > 20);
    crvm_set_allocator(NULL);
}

/* Allocation failure inside a lenient append leaves ledger and list unchanged. */
static void nomem_in_a_lenient_append_changes_nothing(void **state)
{
    (void)state;
    test_alloc_install();
    crvm_ledger *l = test_small_ledger();
    crvm_rejections *rej = NULL;
    assert_int_equal(crvm_rejections_new(&rej), CRVM_OK);
    crvm_ledger_stats before;
    assert_int_equal(crvm_ledger_stats_get(l, &before), CRVM_OK);
    /* Big enough that growing the columns and the list must allocate. */
    enum { N = 5000 };
    const char **ids = malloc(N * sizeof *ids);
    const char **segs = malloc(N * sizeof *segs);
    crvm_date *st = malloc(N * sizeof *st);
    for (int i = 0; i < N; i++) {
        ids[i] = i % 3 ? "A" : "fresh"; /* mostly duplicates */
        segs[i] = "s";
        st[i] = 0;
    }
    for (long k = 0; k < 8; k++) {
        test_alloc_fail_after(k);
        crvm_status s = crvm_ledger_add_customers(l, ids, N, segs, N, st, N, NULL, 0, rej);
        test_alloc_fail_after(-1);
        if (s == CRVM_OK)
            break;
        assert_int_equal(s, CRVM_ENOMEM);
        assert_int_equal(crvm_rejections_count(rej), 0);
        assert_same_stats(l, &before);
    }
    free(ids);
    free(segs);
    free(st);
    crvm_rejections_free(rej);
    crvm_ledger_free(l);
    crvm_set_allocator(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dates_known_values),
        cmocka_unit_test(dates_agree_with_a_naive_calendar),
        cmocka_unit_test(dates_parse_and_format),
        cmocka_unit_test(dates_periods),
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(small_ledger_inspection),
        cmocka_unit_test(small_ledger_activity),
        cmocka_unit_test(small_ledger_retention),
        cmocka_unit_test(small_ledger_transactions),
        cmocka_unit_test(small_ledger_covariates),
        cmocka_unit_test(strict_customers_reject_and_leave_ledger_unchanged),
        cmocka_unit_test(money_inputs_are_bounded_so_totals_stay_exact),
        cmocka_unit_test(strict_events_reject_each_bad_field),
        cmocka_unit_test(lenient_mode_reports_every_rejected_row),
        cmocka_unit_test(bulk_contact_article_links),
        cmocka_unit_test(bulk_appends_refuse_bad_columns_and_unknown_ids),
        cmocka_unit_test(interned_ids_with_one_hash_are_told_apart),
        cmocka_unit_test(grouped_lookups_find_ids_in_any_order),
        cmocka_unit_test(intern_table_grows_and_finds_every_id),
        cmocka_unit_test(generated_ledger_reconciles_exactly),
        cmocka_unit_test(aggregates_do_not_depend_on_event_order),
        cmocka_unit_test(a_ledger_can_be_read_from_several_threads),
        cmocka_unit_test(test_every_allocation_failure_ledger),
        cmocka_unit_test(nomem_in_a_lenient_append_changes_nothing),
        cmocka_unit_test(rollback_restores_the_ledger_exactly),
        cmocka_unit_test(the_summary_follows_appends_and_rollbacks),
        cmocka_unit_test(rollback_nests_and_survives_table_growth),
        cmocka_unit_test(batches_commit_or_roll_back_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
