/* Tests of crvm's input/output: the RFC 4180 tokenizer, date and number
 * parsing, and the CSV loaders with every documented error. Expected values
 * are written by hand from the input text (row, line, column, field bytes). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "io/csv.h"
#include "io/parse.h"

/* ------------------------------------------------------------ helpers */

static crvm__csv_reader *open_text(const char *text, size_t max_field, size_t max_fields)
{
    crvm__csv_reader *r = NULL;
    assert_int_equal(crvm__csv_open_buffer(text, strlen(text), "t.csv", max_field, max_fields, &r),
                     CRVM_OK);
    return r;
}

/* Read the next record and check its fields (NULL-terminated list). */
static void expect_record(crvm__csv_reader *r, size_t line, const char *const *fields)
{
    int has = 0;
    crvm_status st = crvm__csv_next(r, &has);
    if (st != CRVM_OK)
        fail_msg("unexpected error: %s", crvm_last_error());
    assert_int_equal(has, 1);
    size_t n = 0;
    while (fields[n])
        n++;
    assert_int_equal(crvm__csv_field_count(r), n);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *f = crvm__csv_field(r, i, &len);
        assert_int_equal(len, strlen(fields[i]));
        assert_memory_equal(f, fields[i], len);
        assert_int_equal(f[len], '\0');
    }
    assert_int_equal(crvm__csv_record_line(r), line);
}

static void expect_end(crvm__csv_reader *r)
{
    int has = 1;
    assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
    assert_int_equal(has, 0);
}

static void expect_error(crvm__csv_reader *r, crvm__csv_error_kind kind, size_t line, size_t field,
                         const char *in_message)
{
    int has = 0;
    assert_status(crvm__csv_next(r, &has), CRVM_EPARSE);
    if (crvm__csv_error(r) != kind || crvm__csv_error_line(r) != line ||
        crvm__csv_error_field(r) != field)
        fail_msg("error kind %d line %zu field %zu (%s), expected %d %zu %zu", crvm__csv_error(r),
                 crvm__csv_error_line(r), crvm__csv_error_field(r), crvm_last_error(), kind, line, field);
    if (!strstr(crvm_last_error(), in_message))
        fail_msg("message '%s' lacks '%s'", crvm_last_error(), in_message);
}
/* (kind, line, field) checked in that order; a mismatch names the message. */

#define REC(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---------------------------------------------------------- tokenizer */

static void test_csv_plain(void **state)
{
    (void)state;
    crvm__csv_reader *r = open_text("a,b,c\n1,2,3\n", 0, 0);
    expect_record(r, 1, REC("a", "b", "c"));
    expect_record(r, 2, REC("1", "2", "3"));
    assert_int_equal(crvm__csv_record_number(r), 2);
    expect_end(r);
    expect_end(r); /* stays at the end */
    assert_int_equal(crvm__csv_bytes_read(r), 12);
    crvm__csv_close(r);
}

static void test_csv_quoting(void **state)
{
    (void)state;
    crvm__csv_reader *r =
        open_text("\"x,y\",\"he said \"\"hi\"\"\",\"line1\nline2\"\n\"\",plain,\"\"\"\"\nlast,1,2\n", 0, 0);
    expect_record(r, 1, REC("x,y", "he said \"hi\"", "line1\nline2"));
    expect_record(r, 3, REC("", "plain", "\""));
    expect_record(r, 4, REC("last", "1", "2"));
    expect_end(r);
    crvm__csv_close(r);
}

static void test_csv_crlf_empty_fields_no_final_newline(void **state)
{
    (void)state;
    crvm__csv_reader *r = open_text("a,b\r\n,\r\n\"q\r\nr\",\r\nx,\ny,z", 0, 0);
    expect_record(r, 1, REC("a", "b"));
    expect_record(r, 2, REC("", ""));
    expect_record(r, 3, REC("q\r\nr", ""));
    expect_record(r, 5, REC("x", ""));
    expect_record(r, 6, REC("y", "z"));
    expect_end(r);
    crvm__csv_close(r);
}

static void test_csv_empty_lines_and_lone_cr(void **state)
{
    (void)state;
    crvm__csv_reader *r = open_text("\na\n\n\r\nb\rc,d\n\n", 0, 0);
    expect_record(r, 2, REC("a"));
    assert_int_equal(crvm__csv_record_number(r), 1);
    expect_record(r, 5, REC("b\rc", "d"));
    assert_int_equal(crvm__csv_record_number(r), 2);
    expect_end(r);
    crvm__csv_close(r);

    r = open_text("", 0, 0);
    expect_end(r);
    crvm__csv_close(r);

    /* A UTF-8 byte order mark starts the file, not the first field. */
    r = open_text("\xEF\xBB\xBFid,x\n\xEF\xBB\xBF,y\n", 0, 0);
    expect_record(r, 1, REC("id", "x"));
    expect_record(r, 2, REC("\xEF\xBB\xBF", "y")); /* elsewhere it is data */
    crvm__csv_close(r);
}

static void test_csv_unterminated_quote(void **state)
{
    (void)state;
    crvm__csv_reader *r = open_text("a,b\n1,\"unterminated\n2,3\n", 0, 0);
    expect_record(r, 1, REC("a", "b"));
    expect_error(r, CRVM__CSV_ERR_UNTERMINATED, 2, 1, "t.csv: line 2 (record 2), field 2");
    assert_int_equal(crvm__csv_record_line(r), 2);
    expect_end(r); /* the open quote consumed the rest */
    crvm__csv_close(r);
}

static void test_csv_stray_and_after_quote(void **state)
{
    (void)state;
    crvm__csv_reader *r = open_text("h1,h2\nab\"c,d\n\"ok\"x,y\ne,f\n", 0, 0);
    expect_record(r, 1, REC("h1", "h2"));
    expect_error(r, CRVM__CSV_ERR_STRAY_QUOTE, 2, 0, "quote inside an unquoted field");
    expect_error(r, CRVM__CSV_ERR_AFTER_QUOTE, 3, 0, "after a closing quote");
    assert_int_equal(crvm__csv_record_number(r), 3);
    expect_record(r, 4, REC("e", "f")); /* recovered at the next record */
    expect_end(r);
    crvm__csv_close(r);

    /* Issue 10 item 7: a quote opening a later field of the bad line must not
     * swallow the next rows: the bad record ends with its physical line. */
    r = open_text("h1,h2\nab\"c,\"d\ne,f\n\"ok\"x,\"y\r\ng,\"h\"\n", 0, 0);
    expect_record(r, 1, REC("h1", "h2"));
    expect_error(r, CRVM__CSV_ERR_STRAY_QUOTE, 2, 0, "quote inside an unquoted field");
    expect_record(r, 3, REC("e", "f"));
    expect_error(r, CRVM__CSV_ERR_AFTER_QUOTE, 4, 0, "after a closing quote");
    expect_record(r, 5, REC("g", "h"));
    expect_end(r);
    crvm__csv_close(r);
}

static void test_csv_limits_and_nul(void **state)
{
    (void)state;
    crvm__csv_reader *r = open_text("short,0123456789abc\nok,\"01234567\"\n", 8, 0);
    expect_error(r, CRVM__CSV_ERR_FIELD_TOO_LONG, 1, 1, "field too long (limit 8 bytes)");
    expect_record(r, 2, REC("ok", "01234567")); /* exactly at the limit */
    expect_end(r);
    crvm__csv_close(r);

    r = open_text("a,b,c,d\nx\n", 0, 3);
    expect_error(r, CRVM__CSV_ERR_TOO_MANY_FIELDS, 1, 3, "too many fields");
    expect_record(r, 2, REC("x"));
    crvm__csv_close(r);

    static const char with_nul[] = "a,b\0c\nd,e\n";
    assert_int_equal(crvm__csv_open_buffer(with_nul, sizeof with_nul - 1, "n.csv", 0, 0, &r), CRVM_OK);
    expect_error(r, CRVM__CSV_ERR_NUL, 1, 1, "NUL byte");
    expect_record(r, 2, REC("d", "e"));
    crvm__csv_close(r);
}

/* A file larger than the reader's 64 KiB chunk, with quoted line breaks and
 * CRLF straddling chunk boundaries, reads the same as from memory. */
static void test_csv_file_matches_buffer(void **state)
{
    (void)state;
    size_t cap = 400000, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; len < cap - 100; i++)
        len += (size_t)snprintf(text + len, cap - len, "id%d,\"a,\"\"b\"\"\r\nc\",%d\r\n", i, i * 7);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    rewind(f);
    crvm__csv_reader *rf, *rb;
    assert_int_equal(crvm__csv_open_file(f, "f.csv", 0, 0, &rf), CRVM_OK);
    assert_int_equal(crvm__csv_open_buffer(text, len, "b.csv", 0, 0, &rb), CRVM_OK);
    size_t records = 0;
    for (;;) {
        int hf, hb;
        assert_int_equal(crvm__csv_next(rf, &hf), CRVM_OK);
        assert_int_equal(crvm__csv_next(rb, &hb), CRVM_OK);
        assert_int_equal(hf, hb);
        if (!hf)
            break;
        records++;
        assert_int_equal(crvm__csv_field_count(rf), 3);
        assert_int_equal(crvm__csv_record_line(rf), 2 * records - 1);
        assert_int_equal(crvm__csv_record_line(rb), 2 * records - 1);
        for (size_t k = 0; k < 3; k++) {
            size_t lf, lb;
            const char *a = crvm__csv_field(rf, k, &lf), *b = crvm__csv_field(rb, k, &lb);
            assert_int_equal(lf, lb);
            assert_memory_equal(a, b, lf);
        }
        size_t l1;
        assert_string_equal(crvm__csv_field(rf, 1, &l1), "a,\"b\"\r\nc");
    }
    assert_true(records > 10000);
    assert_int_equal(crvm__csv_bytes_read(rf), len);
    crvm__csv_close(rf);
    crvm__csv_close(rb);
    fclose(f);
    free(text);
}

static void test_csv_write_field(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    const char *values[] = {"plain", "a,b", "say \"x\"", "two\nlines", ""};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(crvm__csv_write_field(f, values[i], strlen(values[i])), 0);
        fputc(i < 4 ? ',' : '\n', f);
    }
    rewind(f);
    char buf[128];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    assert_string_equal(buf, "plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\",\n");
    crvm__csv_reader *r = open_text(buf, 0, 0);
    expect_record(r, 1, REC("plain", "a,b", "say \"x\"", "two\nlines", ""));
    crvm__csv_close(r);
    fclose(f);
}

static void test_csv_open_errors(void **state)
{
    (void)state;
    crvm__csv_reader *r = NULL;
    assert_status(crvm__csv_open_buffer(NULL, 3, "x", 0, 0, &r), CRVM_EINVAL);
    assert_status(crvm__csv_open_file(NULL, "x", 0, 0, &r), CRVM_EINVAL);
    assert_null(r);
}

/* -------------------------------------------------------------- dates */

static int32_t date_ok(const char *s)
{
    int32_t d = 12345;
    const char *why = NULL;
    if (!crvm__parse_date(s, strlen(s), &d, &why))
        fail_msg("'%s' rejected: %s", s, why);
    return d;
}

static void date_bad(const char *s, const char *reason_part)
{
    int32_t d = 12345;
    const char *why = NULL;
    assert_int_equal(crvm__parse_date(s, strlen(s), &d, &why), 0);
    assert_int_equal(d, 12345); /* untouched */
    assert_non_null(why);
    if (!strstr(why, reason_part))
        fail_msg("'%s': reason '%s' lacks '%s'", s, why, reason_part);
}

static void test_dates(void **state)
{
    (void)state;
    /* Day numbers from the calendar: 1970-01-01 is day 0. */
    assert_int_equal(date_ok("1970-01-01"), 0);
    assert_int_equal(date_ok("1969-12-31"), -1);
    assert_int_equal(date_ok("2000-02-29"), 11016);
    assert_int_equal(date_ok("2024-02-29"), 19782);
    assert_int_equal(date_ok("2023-03-01"), 19417);
    assert_int_equal(date_ok("0001-01-01"), CRVM_DATE_MIN);
    assert_int_equal(date_ok("9999-12-31"), CRVM_DATE_MAX);
    date_bad("2023-02-29", "not a leap year");
    date_bad("1900-02-29", "not a leap year"); /* century, not divisible by 400 */
    date_bad("2100-02-29", "not a leap year");
    date_bad("2023-04-31", "day does not exist");
    date_bad("2023-01-00", "day does not exist");
    date_bad("2023-13-01", "month must be 01-12");
    date_bad("2023-00-10", "month must be 01-12");
    date_bad("0000-06-01", "outside 0001-9999");
    date_bad("2023-4-01", "YYYY-MM-DD");
    date_bad("2023/04/01", "YYYY-MM-DD");
    date_bad(" 2023-04-01", "YYYY-MM-DD");
    date_bad("2023-04-01T00:00", "YYYY-MM-DD");
    date_bad("20230401", "YYYY-MM-DD");
    date_bad("2023-04-0a", "YYYY-MM-DD");
    date_bad("", "empty");
    /* Every day from 1899 to 2101 formats back to the text that parses to it. */
    for (int32_t d = -25567; d <= 47847; d++) {
        char buf[11];
        crvm__format_date(d, buf);
        assert_int_equal(date_ok(buf), d);
    }
    char buf[11];
    crvm__format_date(19782, buf);
    assert_string_equal(buf, "2024-02-29");
}

/* ------------------------------------------------------------ numbers */

static void num_ok(const char *s, double expected)
{
    double v = -999;
    const char *why = NULL;
    if (!crvm__parse_double(s, strlen(s), &v, &why))
        fail_msg("'%s' rejected: %s", s, why);
    assert_true(v == expected); /* exact: decimal literals round the same way */
}

static void num_bad(const char *s, const char *reason_part)
{
    double v = -999;
    const char *why = NULL;
    assert_int_equal(crvm__parse_double(s, strlen(s), &v, &why), 0);
    assert_true(v == -999);
    if (!strstr(why, reason_part))
        fail_msg("'%s': reason '%s' lacks '%s'", s, why, reason_part);
}

static void test_numbers(void **state)
{
    (void)state;
    num_ok("12.5", 12.5);
    num_ok("-3", -3.0);
    num_ok("+7", 7.0);
    num_ok("1e3", 1000.0);
    num_ok("2.5E-2", 0.025);
    num_ok(".5", 0.5);
    num_ok("5.", 5.0);
    num_ok("0", 0.0);
    num_ok("1e-400", 0.0); /* underflow to zero is a representable reading */
    num_bad("", "empty");
    num_bad("NaN", "NaN");
    num_bad("nan", "NaN");
    num_bad("-nan", "NaN");
    num_bad("inf", "infinity");
    num_bad("-Infinity", "infinity");
    num_bad("1e400", "too large");
    num_bad("0x10", "not a number");
    num_bad("1,5", "not a number");
    num_bad(" 1", "spaces");
    num_bad("1 ", "spaces");
    num_bad("1e", "exponent");
    num_bad("abc", "not a number");
    num_bad("--1", "not a number");
    num_bad(".", "not a number");
    num_bad("1.2.3", "not a number");
    /* The documented limit of 128 characters, whatever the digits (issue 10
     * item 7: it was undocumented, and leading zeros slipped past it). */
    char longest[130];
    memset(longest, '0', 129);
    longest[127] = '7';
    longest[128] = '\0';
    num_ok(longest, 7.0);
    longest[1] = '.';
    longest[128] = '\0';
    num_ok(longest, 7e-126);
    longest[128] = '0';
    longest[129] = '\0';
    num_bad(longest, "number text too long (more than 128 characters)");
    longest[1] = '0';
    num_bad(longest, "number text too long");

    long l;
    const char *why;
    assert_true(crvm__parse_long("42", 2, 0, 100, &l, &why) && l == 42);
    assert_true(crvm__parse_long("-7", 2, -10, 10, &l, &why) && l == -7);
    assert_false(crvm__parse_long("101", 3, 0, 100, &l, &why));
    assert_false(crvm__parse_long("1.0", 3, 0, 100, &l, &why));
    assert_false(crvm__parse_long("", 0, 0, 100, &l, &why));
    assert_false(crvm__parse_long("99999999999999999999999", 23, 0, 100, &l, &why));

    int b;
    assert_true(crvm__parse_bool("true", 4, &b, &why) && b == 1);
    assert_true(crvm__parse_bool("0", 1, &b, &why) && b == 0);
    assert_true(crvm__parse_bool("No", 2, &b, &why) && b == 0);
    assert_true(crvm__parse_bool("YES", 3, &b, &why) && b == 1);
    assert_false(crvm__parse_bool("2", 1, &b, &why));
    assert_false(crvm__parse_bool("", 0, &b, &why));
}

/* ------------------------------------------------------------ loaders */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/crvm_test_io_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    const char *names[] = {"customers.csv", "revenue.csv", "contacts.csv", "articles.csv",
                           "knowledge_uses.csv", "x.csv", "table.csv", "costs.txt"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        remove(path);
    }
    return rmdir(tmpdir);
}

static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void remove_file(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    remove(path);
}

static const char customers_csv[] =
    "customer_id,segment,start_date,end_date\n"
    "c1,smb,2022-01-15,\n"
    "c2,\"mid, market\",2022-02-01,2023-02-01\n"
    "c3,enterprise,2022-03-10,\n";

static const char articles_csv[] =
    "article_id,created,authoring_hours,maintenance_hours\n"
    "a1,2021-06-01,2.5,0.25\n"
    "a2,2022-01-01,1,0\n";

static crvm_ledger *ledger_with_base(void)
{
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    if (crvm_load_customers_csv(l, write_file("customers.csv", customers_csv), NULL, NULL) != CRVM_OK)
        fail_msg("%s", crvm_last_error());
    if (crvm_load_articles_csv(l, write_file("articles.csv", articles_csv), NULL, NULL) != CRVM_OK)
        fail_msg("%s", crvm_last_error());
    return l;
}

static crvm_ledger_stats stats_of(const crvm_ledger *l)
{
    crvm_ledger_stats s;
    assert_int_equal(crvm_ledger_stats_get(l, &s), CRVM_OK);
    return s;
}

static void assert_same_stats(crvm_ledger_stats a, crvm_ledger_stats b)
{
    assert_int_equal(a.customers, b.customers);
    assert_int_equal(a.segments, b.segments);
    assert_int_equal(a.revenue_events, b.revenue_events);
    assert_int_equal(a.contacts, b.contacts);
    assert_int_equal(a.contact_articles, b.contact_articles);
    assert_int_equal(a.articles, b.articles);
    assert_int_equal(a.knowledge_uses, b.knowledge_uses);
    assert_true(a.revenue_cents == b.revenue_cents);
}

static void test_load_valid_rows(void **state)
{
    (void)state;
    crvm_ledger *l = ledger_with_base();
    /* Columns in another order and case; quoted fields; CRLF; no final newline. */
    const char *rev = write_file("revenue.csv",
                                 "Amount,Stream,Customer_ID,Date\r\n"
                                 "100.25,subscription,c1,2022-01-15\r\n"
                                 "\"-10.5\",services,c2,2022-03-01\r\n"
                                 "2e3,expansion,\"c3\",2022-04-10");
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    assert_int_equal(crvm_load_revenue_csv(l, rev, NULL, rep), CRVM_OK);
    const char *con = write_file("contacts.csv",
                                 "contact_id,customer_id,opened,closed,channel,handle_minutes,tier,"
                                 "escalated,outcome,satisfaction,articles\n"
                                 "k1,c1,2022-02-01,2022-02-02,phone,12.5,1,0,resolved,5,a1;a2\n"
                                 "k2,c3,2022-05-01,,email,3,2,true,refused,,\n");
    assert_int_equal(crvm_load_contacts_csv(l, con, NULL, rep), CRVM_OK);
    const char *uses = write_file("knowledge_uses.csv",
                                  "article_id,date,kind,resolved,contact_id,customer_id\n"
                                  "a1,2022-02-01,assisted,1,k1,c1\n"
                                  "a2,2022-06-01,self_service,0,,c2\n"
                                  "a2,2022-06-02,self_service,1,,\n");
    assert_int_equal(crvm_load_knowledge_uses_csv(l, uses, NULL, rep), CRVM_OK);
    crvm_ledger_stats s = stats_of(l);
    assert_int_equal(s.customers, 3);
    assert_int_equal(s.segments, 3);
    assert_int_equal(s.articles, 2);
    assert_int_equal(s.revenue_events, 3);
    assert_true(s.revenue_cents == 10025 - 1050 + 200000);
    assert_int_equal(s.contacts, 2);
    assert_int_equal(s.contact_articles, 2);
    assert_close(s.handle_minutes, 15.5, 0, 0);
    assert_int_equal(s.knowledge_uses, 3);
    size_t idx;
    assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, "mid, market", &idx), CRVM_OK);
    crvm_load_totals t;
    assert_int_equal(crvm_load_report_totals(rep, &t), CRVM_OK);
    assert_int_equal(t.files, 3);
    assert_int_equal(t.rows_read, 8);
    assert_int_equal(t.rows_accepted, 8);
    assert_int_equal(t.rows_rejected, 0);
    assert_int_equal(crvm_load_report_count(rep), 0);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
}

/* Enumerated values in many spellings (more than the loader remembers per
 * column), each read as its name says, every time it recurs; text of the
 * same length as a known spelling and sharing its start or end is still
 * rejected (the loader remembers parsed texts by length and two words). */
static void test_enum_spellings_read_alike(void **state)
{
    (void)state;
    static const struct { const char *text; int stream; } rows[] = {
        {"subscription", CRVM_STREAM_SUBSCRIPTION}, {"Subscription", CRVM_STREAM_SUBSCRIPTION},
        {"subscriptioN", CRVM_STREAM_SUBSCRIPTION}, {"subscriptiox", -1},
        {"xubscription", -1},                       {"maintenance", CRVM_STREAM_MAINTENANCE},
        {"support_plan", CRVM_STREAM_SUPPORT_PLAN}, {"support-plan", CRVM_STREAM_SUPPORT_PLAN},
        {"support plan", CRVM_STREAM_SUPPORT_PLAN}, {"support_plam", -1},
        {"services", CRVM_STREAM_SERVICES},         {"SERVICES", CRVM_STREAM_SERVICES},
        {"servicez", -1},                           {"expansion", CRVM_STREAM_EXPANSION},
        {"Expansion", CRVM_STREAM_EXPANSION},       {"expansioN", CRVM_STREAM_EXPANSION},
        {"expansiom", -1},                          {"sub", -1},
    };
    enum { N = sizeof rows / sizeof rows[0], ROUNDS = 3 };
    char text[4096];
    size_t k = (size_t)snprintf(text, sizeof text, "customer_id,date,amount,stream\n");
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < N; i++)
            k += (size_t)snprintf(text + k, sizeof text - k, "c1,2022-06-01,1,%s\n", rows[i].text);
    crvm_ledger *l = ledger_with_base();
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = CRVM_LOAD_LENIENT;
    assert_int_equal(crvm_load_revenue_csv(l, write_file("revenue.csv", text), &o, rep), CRVM_OK);
    crvm_ledger_stats st = stats_of(l);
    int32_t streams[ROUNDS * N];
    assert_true(st.revenue_events <= ROUNDS * N);
    assert_int_equal(crvm_ledger_revenue_events(l, NULL, 0, NULL, 0, NULL, 0, streams,
                                                st.revenue_events, NULL, 0), CRVM_OK);
    size_t e = 0, j = 0;
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < N; i++) {
            size_t row = (size_t)r * N + i + 1;
            if (rows[i].stream < 0) {
                crvm_load_rejection rj;
                assert_int_equal(crvm_load_report_get(rep, j++, &rj), CRVM_OK);
                assert_int_equal(rj.row, row);
                assert_string_equal(rj.column, "stream");
                continue;
            }
            if (streams[e] != rows[i].stream)
                fail_msg("row %zu '%s': stream %d, expected %d", row, rows[i].text, (int)streams[e],
                         rows[i].stream);
            e++;
        }
    assert_int_equal(e, st.revenue_events);
    assert_int_equal(j, crvm_load_report_count(rep));
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
}

/* Another delimiter (issue 9: a space-separated file gave "no column"): the
 * same rows with tabs, spaces or semicolons load as with commas, quoting
 * still works, and a quote or line break cannot be the delimiter. */
static void test_load_with_another_delimiter(void **state)
{
    (void)state;
    static const char *const seps[] = {"\t", " ", ";"};
    for (size_t k = 0; k < 3; k++) {
        char text[512];
        const char *d = seps[k];
        snprintf(text, sizeof text,
                 "customer_id%ssegment%sstart_date%send_date\n"
                 "c1%ssmb%s2022-01-15%s\n"
                 "c2%s\"mid%s market\"%s2022-02-01%s2023-02-01\n",
                 d, d, d, d, d, d, d, d, d, d);
        crvm_ledger *l;
        assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
        crvm_load_options o;
        crvm_load_options_init(&o);
        o.delimiter = d[0];
        if (crvm_load_customers_csv(l, write_file("customers.csv", text), &o, NULL) != CRVM_OK)
            fail_msg("delimiter '%s': %s", d, crvm_last_error());
        crvm_ledger_stats s = stats_of(l);
        assert_int_equal(s.customers, 2);
        size_t idx;
        char quoted[32];
        snprintf(quoted, sizeof quoted, "mid%s market", d);
        assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, quoted, &idx), CRVM_OK);
        /* The default reads the whole line as one header column. */
        assert_status(crvm_load_customers_csv(l, write_file("customers.csv", text), NULL, NULL), CRVM_EPARSE);
        crvm_ledger_free(l);
    }
    crvm_ledger *l;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    crvm_load_options o;
    crvm_load_options_init(&o);
    o.delimiter = '"';
    assert_status(crvm_load_customers_csv(l, write_file("customers.csv", customers_csv), &o, NULL), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "delimiter"));
    o.delimiter = '\n';
    assert_status(crvm_load_directory(l, tmpdir, &o, NULL), CRVM_EINVAL);
    crvm_ledger_free(l);
    remove_file("customers.csv");
}

/* Strict load of one bad file: the status, the exact message, and an
 * unchanged ledger. */
static void strict_case(const char *file, crvm_table table, const char *text, crvm_status status,
                        const char *message_part)
{
    crvm_ledger *l = ledger_with_base();
    crvm_ledger_stats before = stats_of(l);
    const char *path = write_file(file, text);
    crvm_clear_error();
    crvm_status st = crvm_load_csv(l, table, path, NULL, NULL);
    if (st != status)
        fail_msg("%s: status %s, expected %s (%s)", file, crvm_status_str(st), crvm_status_str(status),
                 crvm_last_error());
    if (!strstr(crvm_last_error(), message_part))
        fail_msg("message '%s' lacks '%s'", crvm_last_error(), message_part);
    assert_same_stats(stats_of(l), before);
    crvm_ledger_free(l);
}

static const char rev_header[] = "customer_id,date,amount,stream\n";

static void test_strict_errors(void **state)
{
    (void)state;
    char text[4096];
    /* Bad quoting: a stray quote in row 2. */
    snprintf(text, sizeof text, "%sc1,2022-01-01,1,subscription\nc1,2022-0\"2-01,1,subscription\n",
             rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_EPARSE,
                "revenue.csv: row 2 (line 3), column date: field 2: quote inside an unquoted field");
    /* Wrong column count. */
    snprintf(text, sizeof text, "%sc1,2022-01-01,1,subscription\nc1,2022-01-02,1\n", rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_EPARSE,
                "revenue.csv: row 2 (line 3): wrong column count: 3 fields, the header has 4");
    /* Bad date. */
    snprintf(text, sizeof text, "%sc1,2022-01-01,1,subscription\nc1,2023-02-29,1,subscription\n",
             rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_EPARSE,
                "revenue.csv: row 2 (line 3), column date: '2023-02-29': 29 February");
    /* NaN amount. */
    snprintf(text, sizeof text, "%sc1,2022-01-01,NaN,subscription\n", rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_EPARSE,
                "revenue.csv: row 1 (line 2), column amount: 'NaN': NaN is not a valid number");
    /* Unknown stream. */
    snprintf(text, sizeof text, "%sc1,2022-01-01,5,donation\n", rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_EPARSE,
                "row 1 (line 2), column stream: 'donation' is not one of subscription");
    /* Unknown customer id (reported by the ledger, row mapped back). */
    snprintf(text, sizeof text, "%sc1,2022-01-01,1,subscription\nc9,2022-01-01,1,subscription\n",
             rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_ENOTFOUND,
                "revenue.csv: row 2 (line 3), column customer_id: ");
    /* The first bad row is named, whichever check finds it: an unknown
     * customer (found by the ledger when the batch is flushed) before a bad
     * date (found while reading; issue 10 item 7: strict mode named row 3). */
    snprintf(text, sizeof text,
             "%sc1,2022-01-01,1,subscription\nc9,2022-01-01,1,subscription\nc1,2022-13-01,1,services\n",
             rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_ENOTFOUND,
                "revenue.csv: row 2 (line 3), column customer_id: ");
    /* Negative minutes. */
    strict_case("contacts.csv", CRVM_TABLE_CONTACTS,
                "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome\n"
                "k1,c1,2022-02-01,phone,4,1,0,resolved\n"
                "k2,c1,2022-02-01,phone,-3,1,0,resolved\n",
                CRVM_EINVAL, "contacts.csv: row 2 (line 3), column handle_minutes: ");
    /* Unknown linked article. */
    strict_case("contacts.csv", CRVM_TABLE_CONTACTS,
                "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome,articles\n"
                "k1,c1,2022-02-01,phone,4,1,0,resolved,a1;a7\n",
                CRVM_ENOTFOUND, "contacts.csv: row 1 (line 2), column articles: unknown article 'a7'");
    /* Duplicate id: the later row is the bad one. */
    strict_case("customers.csv", CRVM_TABLE_CUSTOMERS,
                "customer_id,segment,start_date\nn1,smb,2022-01-01\nn2,smb,2022-01-01\n"
                "n1,smb,2022-01-05\n",
                CRVM_EINVAL, "customers.csv: row 3 (line 4), column customer_id: ");
    /* Duplicate of an id already in the ledger. */
    strict_case("customers.csv", CRVM_TABLE_CUSTOMERS, "customer_id,segment,start_date\nc2,smb,2022-01-01\n",
                CRVM_EINVAL, "customers.csv: row 1 (line 2), column customer_id: ");
    /* Empty file, header problems. */
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, "", CRVM_EPARSE, "revenue.csv: empty file");
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, "\n\n", CRVM_EPARSE, "empty file");
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, "customer_id,date,stream\nc1,2022-01-01,services\n",
                CRVM_EPARSE, "missing required column 'amount'");
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, "customer_id,date,amount,stream,note\n",
                CRVM_EPARSE, "unknown column 'note' (field 5");
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, "customer_id,date,amount,stream,date\n",
                CRVM_EPARSE, "column 'date' appears twice (fields 2 and 5)");
    /* CSV syntax in the header row: named once by file, line and field (issue
     * 10 item 6: the message was formatted into the buffer it quoted). */
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, "customer_id,da\"te,amount,stream\n", CRVM_EPARSE,
                "revenue.csv: header row (line 1), field 2: quote inside an unquoted field");
    assert_string_equal(strstr(crvm_last_error(), "revenue.csv"),
                        "revenue.csv: header row (line 1), field 2: quote inside an unquoted field "
                        "(quote the whole field and double inner quotes)");
    /* Unterminated quote. */
    snprintf(text, sizeof text, "%sc1,2022-01-01,1,subscription\n\"c1,2022-01-01,1,subscription\n",
             rev_header);
    strict_case("revenue.csv", CRVM_TABLE_REVENUE, text, CRVM_EPARSE,
                "revenue.csv: row 2 (line 3), column customer_id: field 1: quoted field not terminated");
}

static void test_header_only_and_missing_file(void **state)
{
    (void)state;
    crvm_ledger *l = ledger_with_base();
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    assert_int_equal(crvm_load_revenue_csv(l, write_file("revenue.csv", rev_header), NULL, rep), CRVM_OK);
    crvm_load_totals t;
    crvm_load_report_totals(rep, &t);
    assert_int_equal(t.rows_read, 0);
    assert_int_equal(t.files, 1);
    char path[128];
    snprintf(path, sizeof path, "%s/absent.csv", tmpdir);
    assert_status(crvm_load_revenue_csv(l, path, NULL, rep), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "absent.csv"));
    assert_status(crvm_load_csv(l, CRVM_TABLE_REVENUE, path, NULL, NULL), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "absent.csv"));
    /* Unknown columns may be ignored on request. */
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.ignore_unknown_columns = 1;
    assert_int_equal(crvm_load_revenue_csv(l, write_file("revenue.csv",
                                                         "note,customer_id,date,amount,stream\n"
                                                         "\"any, text\",c1,2022-01-01,3,services\n"),
                                           &o, rep),
                     CRVM_OK);
    assert_int_equal(stats_of(l).revenue_events, 1);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
}

static void test_huge_field(void **state)
{
    (void)state;
    /* A 2 MiB id exceeds the default 1 MiB field limit. */
    size_t big = (size_t)2 << 20;
    size_t cap = big + 256;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, "%sc1,2022-01-01,1,subscription\n", rev_header);
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)snprintf(text + n, cap - n, ",2022-01-01,1,subscription\nc1,2022-01-02,2,services\n");
    crvm_ledger *l = ledger_with_base();
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = CRVM_LOAD_LENIENT;
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    assert_int_equal(crvm_load_revenue_csv(l, write_file("revenue.csv", text), &o, rep), CRVM_OK);
    assert_int_equal(crvm_load_report_count(rep), 1);
    crvm_load_rejection e;
    assert_int_equal(crvm_load_report_get(rep, 0, &e), CRVM_OK);
    assert_int_equal(e.row, 2);
    assert_int_equal(e.line, 3);
    assert_string_equal(e.column, "customer_id");
    assert_int_equal(e.status, CRVM_EPARSE);
    assert_non_null(strstr(e.reason, "field too long (limit 1048576 bytes)"));
    assert_int_equal(stats_of(l).revenue_events, 2);
    /* A smaller limit from the options ("customer_id" is 11 bytes: fits). */
    o.max_field_bytes = 12;
    crvm_load_report_free(rep);
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    assert_int_equal(crvm_load_revenue_csv(l, write_file("revenue.csv", "customer_id,date,amount,stream\n"
                                                                          "c1,2022-01-01,1234567890123,services\n"
                                                                          "c1,2022-01-01,123456789012,services\n"),
                                           &o, rep),
                     CRVM_OK);
    assert_int_equal(crvm_load_report_count(rep), 1);
    assert_int_equal(crvm_load_report_get(rep, 0, &e), CRVM_OK);
    assert_string_equal(e.column, "amount");
    assert_non_null(strstr(e.reason, "row 1 (line 2), column amount: field 3: field too long (limit 12 bytes)"));
    assert_int_equal(stats_of(l).revenue_events, 3);
    crvm_load_report_free(rep);
    free(text);
    crvm_ledger_free(l);
}

static void test_lenient_accounts_for_every_row(void **state)
{
    (void)state;
    crvm_ledger *l = ledger_with_base();
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = CRVM_LOAD_LENIENT;
    o.batch_rows = 3; /* several batches, so row mapping crosses batch boundaries, and rows the
                         ledger rejects are staged in the batch of a later parse error */
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    const char *path = write_file("contacts.csv",
        "contact_id,customer_id,opened,closed,channel,handle_minutes,tier,escalated,outcome,satisfaction,articles\n"
        "k1,c1,2022-02-01,2022-02-01,phone,10,1,0,resolved,4,a1\n"          /* ok */
        "k2,c1,2022-02-31,,phone,10,1,0,resolved,,\n"                       /* bad date */
        "k3,c9,2022-02-01,,phone,10,1,0,resolved,,\n"                       /* unknown customer */
        "k4,c2,2022-02-01,,chat,-1,1,0,resolved,,\n"                        /* negative minutes */
        "k1,c2,2022-02-03,,chat,1,1,0,resolved,,\n"                         /* duplicate id */
        "k5,c2,2022-02-03,,chat,1,1,0,resolved,,a2\n"                       /* ok */
        "k6,c2,2022-02-03,,chat,1,1\n"                                      /* column count */
        "k7,\"c3\"x,2022-02-03,,chat,1,1,0,resolved,,\n"                    /* bad quoting */
        "\n"
        "k8,c3,2022-02-03,,fax,1,1,0,resolved,,\n"                          /* bad channel */
        "k9,c3,2022-02-03,,web,1,1,0,resolved,NaN,\n"                       /* NaN satisfaction */
        "k10,c3,2022-02-03,,web,1,1,0,resolved,,a1;a1\n"                    /* repeated article */
        "k11,c3,2022-02-03,2022-02-04,web,2.5,3,1,abandoned,1,\"a1;a2\"\n"); /* ok */
    assert_int_equal(crvm_load_contacts_csv(l, path, &o, rep), CRVM_OK);
    crvm_load_totals t;
    crvm_load_report_totals(rep, &t);
    assert_int_equal(t.rows_read, 12);
    assert_int_equal(t.rows_accepted, 3);
    assert_int_equal(t.rows_rejected, 9);
    assert_int_equal(t.rows_accepted + t.rows_rejected, t.rows_read);
    assert_int_equal(crvm_load_report_count(rep), 9);
    static const struct { size_t row, line; const char *column; crvm_status status; } want[9] = {
        {2, 3, "opened", CRVM_EPARSE},       {3, 4, "customer_id", CRVM_ENOTFOUND},
        {4, 5, "handle_minutes", CRVM_EINVAL}, {5, 6, "contact_id", CRVM_EINVAL},
        {7, 8, "", CRVM_EPARSE},             {8, 9, "customer_id", CRVM_EPARSE},
        {9, 11, "channel", CRVM_EPARSE},     {10, 12, "satisfaction", CRVM_EPARSE},
        {11, 13, "articles", CRVM_EINVAL},
    };
    /* In file order (issue 10 item 7: parse errors used to be recorded as
     * read and the ledger's at each flush, out of order). */
    for (size_t k = 0; k < 9; k++) {
        crvm_load_rejection e;
        assert_int_equal(crvm_load_report_get(rep, k, &e), CRVM_OK);
        if (e.row != want[k].row)
            fail_msg("rejection %zu is row %zu, expected row %zu", k, e.row, want[k].row);
        assert_int_equal(e.line, want[k].line);
        assert_string_equal(e.column, want[k].column);
        assert_int_equal(e.status, want[k].status);
        assert_string_equal(e.file, path);
        char prefix[160];
        snprintf(prefix, sizeof prefix, "row %zu (line %zu)", want[k].row, want[k].line);
        assert_non_null(strstr(e.reason, prefix));
    }
    crvm_ledger_stats s = stats_of(l);
    assert_int_equal(s.contacts, 3);
    assert_int_equal(s.contact_articles, 1 + 1 + 2);
    crvm_load_rejection e;
    assert_status(crvm_load_report_get(rep, 9, &e), CRVM_EINVAL);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
}

/* Issue 10 item 7: a stray quote followed on its line by a field that opens
 * a quote swallowed the next valid row, which was then neither accepted nor
 * rejected. Each physical row is now one row of the report. */
static void test_stray_quote_keeps_the_next_row(void **state)
{
    (void)state;
    crvm_ledger *l = ledger_with_base();
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = CRVM_LOAD_LENIENT;
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    const char *path = write_file("revenue.csv", "customer_id,date,amount,stream\n"
                                                 "c1,2022-01-0\"1,\"5,subscription\n"
                                                 "c1,2022-01-02,7,services\n"
                                                 "c2,2022-01-03,9,services\n");
    assert_int_equal(crvm_load_revenue_csv(l, path, &o, rep), CRVM_OK);
    crvm_load_totals t;
    crvm_load_report_totals(rep, &t);
    assert_int_equal(t.rows_read, 3);
    assert_int_equal(t.rows_accepted, 2);
    assert_int_equal(t.rows_rejected, 1);
    crvm_load_rejection e;
    assert_int_equal(crvm_load_report_get(rep, 0, &e), CRVM_OK);
    assert_int_equal(e.row, 1);
    assert_string_equal(e.column, "date");
    assert_int_equal(stats_of(l).revenue_events, 2);
    assert_int_equal(stats_of(l).revenue_cents, 1600);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
}

/* Issue 10 item 7: article ids have no length limit; a contact citing an
 * id of 300 characters was rejected as unknown (a 256-byte buffer). */
static void test_long_article_ids_link(void **state)
{
    (void)state;
    crvm_ledger *l = ledger_with_base();
    char id[301], text[1024];
    memset(id, 'q', 300);
    id[300] = '\0';
    snprintf(text, sizeof text, "article_id,created,authoring_hours,maintenance_hours\n%s,2021-01-01,1,0\n",
             id);
    assert_int_equal(crvm_load_articles_csv(l, write_file("articles.csv", text), NULL, NULL), CRVM_OK);
    snprintf(text, sizeof text,
             "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome,articles\n"
             "k1,c1,2022-02-01,phone,4,1,0,resolved,a1;%s\n",
             id);
    assert_int_equal(crvm_load_contacts_csv(l, write_file("contacts.csv", text), NULL, NULL), CRVM_OK);
    assert_int_equal(stats_of(l).contact_articles, 2);
    /* ... and a repeat of it is still found. */
    snprintf(text, sizeof text,
             "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome,articles\n"
             "k2,c1,2022-02-01,phone,4,1,0,resolved,%s;a1;%s\n",
             id, id);
    assert_status(crvm_load_contacts_csv(l, write_file("contacts.csv", text), NULL, NULL), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "row 1 (line 2), column articles: article 'qqqq"));
    assert_non_null(strstr(crvm_last_error(), "...' listed twice"));
    assert_int_equal(stats_of(l).contacts, 1);
    crvm_ledger_free(l);
}

/* Loads inside a ledger batch: a failed strict load undoes only itself and
 * leaves the batch open; rolling the batch back undoes the loads that
 * succeeded in it, and the files load again afterwards. */
static void test_loads_inside_a_batch(void **state)
{
    (void)state;
    char customers_path[128];
    snprintf(customers_path, sizeof customers_path, "%s", write_file("customers.csv", customers_csv));
    write_file("articles.csv", articles_csv);
    write_file("revenue.csv", "customer_id,date,amount,stream\nc1,2022-01-15,10,subscription\n");
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "pre", "smb", 19000, CRVM_DATE_NONE), CRVM_OK);
    crvm_ledger_stats before = stats_of(l);
    assert_int_equal(crvm_ledger_begin(l), CRVM_OK);
    assert_int_equal(crvm_load_directory(l, tmpdir, NULL, NULL), CRVM_OK);
    crvm_ledger_stats loaded = stats_of(l);
    assert_int_equal(loaded.customers, 4);
    assert_int_equal(loaded.revenue_events, 1);
    /* Loading the same customers again fails (duplicates) and undoes only itself. */
    assert_status(crvm_load_customers_csv(l, customers_path, NULL, NULL), CRVM_EINVAL);
    assert_same_stats(stats_of(l), loaded);
    assert_int_equal(crvm_ledger_rollback(l), CRVM_OK);
    assert_same_stats(stats_of(l), before);
    size_t idx;
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "c1", &idx), CRVM_ENOTFOUND);
    assert_int_equal(crvm_load_directory(l, tmpdir, NULL, NULL), CRVM_OK);
    assert_same_stats(stats_of(l), loaded);
    crvm_ledger_free(l);
    remove_file("revenue.csv");
    remove_file("articles.csv");
    remove_file("customers.csv");
}

static void test_directory_strict_rolls_back_everything(void **state)
{
    (void)state;
    write_file("customers.csv", customers_csv);
    write_file("articles.csv", articles_csv);
    write_file("revenue.csv", "customer_id,date,amount,stream\nc1,2022-01-15,10,subscription\n");
    write_file("contacts.csv", "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome\n"
                               "k1,c1,2022-02-01,phone,4,1,0,resolved\n");
    /* The last file has an unknown contact in its last row. */
    write_file("knowledge_uses.csv", "article_id,date,kind,resolved,contact_id,customer_id\n"
                                     "a1,2022-02-01,assisted,1,k1,c1\n"
                                     "a1,2022-02-01,assisted,1,k404,\n");
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "pre", "smb", 19000, CRVM_DATE_NONE), CRVM_OK);
    crvm_ledger_stats before = stats_of(l);
    assert_status(crvm_load_directory(l, tmpdir, NULL, NULL), CRVM_ENOTFOUND);
    assert_non_null(strstr(crvm_last_error(), "knowledge_uses.csv: row 2 (line 3), column contact_id"));
    assert_same_stats(stats_of(l), before);
    size_t idx;
    assert_int_equal(crvm_ledger_find(l, CRVM_TABLE_CUSTOMERS, "c1", &idx), CRVM_ENOTFOUND);
    /* The same directory loads after the fix, into the rolled-back ledger. */
    write_file("knowledge_uses.csv", "article_id,date,kind,resolved,contact_id,customer_id\n"
                                     "a1,2022-02-01,assisted,1,k1,c1\n");
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    assert_int_equal(crvm_load_directory(l, tmpdir, NULL, rep), CRVM_OK);
    crvm_ledger_stats s = stats_of(l);
    assert_int_equal(s.customers, 4);
    assert_int_equal(s.articles, 2);
    assert_int_equal(s.revenue_events, 1);
    assert_int_equal(s.contacts, 1);
    assert_int_equal(s.knowledge_uses, 1);
    crvm_load_totals t;
    crvm_load_report_totals(rep, &t);
    assert_int_equal(t.files, 5);
    assert_int_equal(t.rows_read, 3 + 2 + 1 + 1 + 1);
    /* Optional files may be missing; customers.csv may not. */
    remove_file("knowledge_uses.csv");
    remove_file("contacts.csv");
    crvm_ledger *l2 = NULL;
    assert_int_equal(crvm_ledger_new(&l2), CRVM_OK);
    assert_int_equal(crvm_load_directory(l2, tmpdir, NULL, NULL), CRVM_OK);
    assert_int_equal(stats_of(l2).revenue_events, 1);
    crvm_ledger_free(l2);
    remove_file("customers.csv");
    assert_int_equal(crvm_ledger_new(&l2), CRVM_OK);
    assert_status(crvm_load_directory(l2, tmpdir, NULL, NULL), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "customers.csv"));
    crvm_ledger_free(l2);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
}

/* Lenient mode: a file that cannot be read as a table (bad header) fails
 * the whole call and restores the ledger; bad rows before it do not matter. */
static void test_lenient_header_error_rolls_back(void **state)
{
    (void)state;
    write_file("customers.csv", customers_csv);
    write_file("articles.csv", articles_csv);
    /* contacts.csv is read before revenue.csv (a revenue event may name its source contact). */
    write_file("contacts.csv", "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome\n"
                               "k1,c1,2022-01-15,phone,x,1,0,resolved\n");
    write_file("revenue.csv", "customer_id,date,amount\n");
    remove_file("knowledge_uses.csv");
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = CRVM_LOAD_LENIENT;
    assert_status(crvm_load_directory(l, tmpdir, &o, rep), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "revenue.csv: header: missing required column 'stream'"));
    crvm_ledger_stats s = stats_of(l);
    assert_int_equal(s.customers + s.articles + s.contacts, 0);
    /* The bad contact row is still in the report; no row counts as accepted. */
    assert_int_equal(crvm_load_report_count(rep), 1);
    crvm_load_totals t;
    assert_int_equal(crvm_load_report_totals(rep, &t), CRVM_OK);
    assert_int_equal(t.rows_accepted, 0);
    assert_int_equal(t.rows_rejected, 1);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
}

static void test_argument_errors(void **state)
{
    (void)state;
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = CRVM_LOAD_LENIENT;
    assert_status(crvm_load_directory(l, tmpdir, &o, NULL), CRVM_EINVAL); /* lenient needs a report */
    assert_status(crvm_load_directory(NULL, tmpdir, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_load_csv(l, CRVM_TABLE_CONTACT_ARTICLES, "x", NULL, NULL), CRVM_EINVAL);
    o.mode = (crvm_load_mode)7;
    assert_status(crvm_load_csv(l, CRVM_TABLE_REVENUE, "x", &o, NULL), CRVM_EINVAL);
    assert_status(crvm_load_report_new(NULL), CRVM_EINVAL);
    assert_status(crvm_load_report_totals(NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_load_report_get(NULL, 0, NULL), CRVM_EINVAL);
    o.mode = CRVM_LOAD_STRICT;
    o.batch_rows = (size_t)1 << 30;
    assert_status(crvm_load_customers_csv(l, "x", &o, NULL), CRVM_EINVAL);
    assert_status(crvm_load_articles_csv(l, NULL, NULL, NULL), CRVM_EINVAL);
    assert_int_equal(crvm_load_report_count(NULL), 0);
    crvm_load_report_free(NULL);
    crvm_load_options d;
    crvm_load_options_init(&d);
    assert_int_equal(d.mode, CRVM_LOAD_STRICT);
    assert_int_equal(d.batch_rows, 0);
    crvm_ledger_free(l);
}

/* contacts.csv: every other column is a contact attribute; revenue.csv: the
 * optional source_contact column; contacts are read before revenue. */
static void test_attribute_and_source_columns(void **state)
{
    (void)state;
    crvm_ledger *l = ledger_with_base();
    crvm_load_report *rep;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    const char *con = write_file("contacts.csv",
                                 "contact_id,Queue,customer_id,opened,channel,handle_minutes,tier,"
                                 "escalated,outcome,agent,note\n"
                                 "k1,billing,c1,2022-02-01,phone,12.5,1,0,resolved,\"Ann, B.\",\n"
                                 "k2,,c3,2022-05-01,email,3,2,1,refused,bob,\n"
                                 "k3,technical,c3,2022-05-02,chat,3,2,1,refused,\"Ann, B.\",\n");
    assert_int_equal(crvm_load_contacts_csv(l, con, NULL, rep), CRVM_OK);
    /* Attributes in header order; an all-empty column still declares one. */
    assert_int_equal(crvm_ledger_attribute_count(l), 3);
    assert_string_equal(crvm_ledger_attribute_name(l, 0), "Queue");
    assert_string_equal(crvm_ledger_attribute_name(l, 1), "agent");
    assert_string_equal(crvm_ledger_attribute_name(l, 2), "note");
    assert_int_equal(crvm_ledger_attribute_value_count(l, 2), 0);
    int32_t v[3];
    assert_int_equal(crvm_ledger_contact_attribute(l, 0, v, 3), CRVM_OK);
    assert_true(v[0] == 0 && v[1] == -1 && v[2] == 1);
    assert_string_equal(crvm_ledger_attribute_value(l, 0, 1), "technical");
    assert_int_equal(crvm_ledger_contact_attribute(l, 1, v, 3), CRVM_OK);
    assert_true(v[0] == 0 && v[1] == 1 && v[2] == 0);
    assert_string_equal(crvm_ledger_attribute_value(l, 1, 0), "Ann, B.");

    const char *rev = write_file("revenue.csv", "customer_id,date,amount,stream,source_contact\n"
                                                "c1,2022-02-01,100,expansion,k1\n"
                                                "c3,2022-05-03,5,services,\n"
                                                "c3,2022-05-04,7,services,k3\n");
    assert_int_equal(crvm_load_revenue_csv(l, rev, NULL, rep), CRVM_OK);
    int32_t src[3];
    assert_int_equal(crvm_ledger_revenue_events(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, src, 3), CRVM_OK);
    assert_true(src[0] == 0 && src[1] == -1 && src[2] == 2);

    /* A bad source: the row is reported with the column. */
    crvm_load_options lenient = CRVM_LOAD_OPTIONS_INIT;
    lenient.mode = CRVM_LOAD_LENIENT;
    rev = write_file("revenue.csv", "customer_id,date,amount,stream,source_contact\n"
                                    "c1,2022-02-01,1,expansion,k9\n"
                                    "c1,2022-06-01,1,expansion,k3\n"
                                    "c3,2022-05-01,1,expansion,k3\n");
    assert_int_equal(crvm_load_revenue_csv(l, rev, &lenient, rep), CRVM_OK);
    assert_int_equal(crvm_load_report_count(rep), 3);
    static const crvm_status want[3] = {CRVM_ENOTFOUND, CRVM_EINVAL, CRVM_EINVAL};
    for (size_t i = 0; i < 3; i++) {
        crvm_load_rejection r;
        assert_int_equal(crvm_load_report_get(rep, i, &r), CRVM_OK);
        assert_string_equal(r.column, "source_contact");
        assert_int_equal(r.status, want[i]);
        assert_int_equal(r.row, i + 1);
    }
    /* A syntax error inside an attribute field names the attribute column,
     * a string the report keeps. */
    con = write_file("contacts.csv", "contact_id,customer_id,opened,channel,handle_minutes,tier,"
                                     "escalated,outcome,agent\n"
                                     "k4,c1,2022-02-01,phone,1,1,0,resolved,ab\"c\n"
                                     "k5,c1,2022-02-01,phone,1,1,0,resolved,dee\n");
    assert_int_equal(crvm_load_contacts_csv(l, con, &lenient, rep), CRVM_OK);
    crvm_load_rejection r;
    assert_int_equal(crvm_load_report_get(rep, 3, &r), CRVM_OK);
    assert_string_equal(r.column, "agent");
    assert_non_null(strstr(r.reason, "column agent: field 9: quote inside an unquoted field"));
    assert_int_equal(crvm_ledger_attribute_value_count(l, 1), 3); /* dee */
    crvm_load_report_free(rep);
    crvm_ledger_free(l);

    /* Header problems of attribute columns fail the load. */
    static const char known[] = "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome";
    char text[512];
    snprintf(text, sizeof text, "%s,,queue\n", known);
    strict_case("contacts.csv", CRVM_TABLE_CONTACTS, text, CRVM_EPARSE,
                "contacts.csv: header: field 9 has no column name");
    snprintf(text, sizeof text, "%s, queue\n", known);
    strict_case("contacts.csv", CRVM_TABLE_CONTACTS, text, CRVM_EPARSE,
                "column ' queue' (field 9): spaces around a column name are not allowed");
    snprintf(text, sizeof text, "%s,queue,QUEUE\n", known);
    strict_case("contacts.csv", CRVM_TABLE_CONTACTS, text, CRVM_EPARSE,
                "column 'QUEUE' appears twice (fields 9 and 10)");
    /* An unknown source, strict. */
    l = ledger_with_base();
    assert_int_equal(crvm_load_contacts_csv(l, write_file("contacts.csv", "contact_id,customer_id,opened,"
                                                          "channel,handle_minutes,tier,escalated,outcome\n"
                                                          "k1,c1,2022-02-01,phone,1,1,0,resolved\n"),
                                            NULL, NULL),
                     CRVM_OK);
    assert_status(crvm_load_revenue_csv(l, write_file("revenue.csv", "customer_id,date,amount,stream,"
                                                      "source_contact\nc1,2022-02-01,1,services,k7\n"),
                                        NULL, NULL),
                  CRVM_ENOTFOUND);
    assert_non_null(strstr(crvm_last_error(), "revenue.csv: row 1 (line 2), column source_contact: "
                                              "source_contact \"k7\": unknown contact"));
    crvm_ledger_free(l);
}

/* A directory: revenue naming its source contact loads (contacts come
 * first), and a strict failure in a later file takes the attributes back. */
static void test_directory_with_attributes_and_sources(void **state)
{
    (void)state;
    write_file("customers.csv", customers_csv);
    write_file("articles.csv", articles_csv);
    write_file("contacts.csv", "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,"
                               "outcome,queue\nk1,c1,2022-02-01,phone,1,1,0,resolved,billing\n");
    write_file("revenue.csv", "customer_id,date,amount,stream,source_contact\n"
                              "c1,2022-02-02,10,expansion,k1\n");
    write_file("knowledge_uses.csv", "article_id,date,kind,resolved,contact_id,customer_id\n"
                                     "a1,2022-02-01,assisted,1,k1,c1\n");
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    if (crvm_load_directory(l, tmpdir, NULL, NULL) != CRVM_OK)
        fail_msg("%s", crvm_last_error());
    int32_t src;
    assert_int_equal(crvm_ledger_revenue_events(l, NULL, 0, NULL, 0, NULL, 0, NULL, 0, &src, 1), CRVM_OK);
    assert_int_equal(src, 0);
    assert_int_equal(crvm_ledger_attribute_count(l), 1);
    crvm_ledger_free(l);
    write_file("knowledge_uses.csv", "article_id,date,kind,resolved,contact_id,customer_id\n"
                                     "a1,2022-02-01,assisted,1,k404,c1\n");
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_status(crvm_load_directory(l, tmpdir, NULL, NULL), CRVM_ENOTFOUND);
    assert_int_equal(crvm_ledger_attribute_count(l), 0);
    crvm_ledger_stats s = stats_of(l);
    assert_int_equal(s.customers + s.contacts + s.revenue_events, 0);
    crvm_ledger_free(l);
}

/* A new ledger and load report for an allocation-failure scenario (both
 * NULL-initialised, so the caller frees them whatever the status). */
static crvm_status new_ledger_and_report(crvm_ledger **l, crvm_load_report **rep)
{
    *l = NULL;
    *rep = NULL;
    crvm_status st = crvm_ledger_new(l);
    return st == CRVM_OK ? crvm_load_report_new(rep) : st;
}

/* Allocation failure anywhere in a lenient directory load with rejections:
 * ENOMEM, no leak, and the ledger as it was. */
static crvm_status load_scenario(void *ctx)
{
    (void)ctx;
    crvm_ledger *l;
    crvm_load_report *rep;
    crvm_status st = new_ledger_and_report(&l, &rep);
    if (st == CRVM_OK) {
        crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
        o.mode = CRVM_LOAD_LENIENT;
        o.batch_rows = 2;
        st = crvm_load_directory(l, tmpdir, &o, rep);
        if (st != CRVM_OK) {
            crvm_ledger_stats s;
            crvm_ledger_stats_get(l, &s);
            if (s.customers || s.revenue_events || s.contacts || s.articles || s.knowledge_uses)
                fail_msg("failed load left rows in the ledger");
        }
    }
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
    return st;
}

/* One table at a time, lenient, through crvm_load_csv() and each per-table
 * loader, on the files written by test_load_allocation_failures. */
static crvm_status single_table_scenario(void *ctx)
{
    (void)ctx;
    crvm_ledger *l;
    crvm_load_report *rep;
    crvm_status st = new_ledger_and_report(&l, &rep);
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = CRVM_LOAD_LENIENT;
    char path[160];
#define PATH(name) (snprintf(path, sizeof path, "%s/%s", tmpdir, name), path)
    if (st == CRVM_OK)
        st = crvm_load_csv(l, CRVM_TABLE_CUSTOMERS, PATH("customers.csv"), &o, rep);
    if (st == CRVM_OK)
        st = crvm_load_articles_csv(l, PATH("articles.csv"), &o, rep);
    if (st == CRVM_OK)
        st = crvm_load_contacts_csv(l, PATH("contacts.csv"), &o, rep);
    if (st == CRVM_OK)
        st = crvm_load_revenue_csv(l, PATH("revenue.csv"), &o, rep);
    if (st == CRVM_OK)
        st = crvm_load_knowledge_uses_csv(l, PATH("knowledge_uses.csv"), &o, rep);
    if (st == CRVM_OK)
        st = crvm_load_customers_csv(l, PATH("customers.csv"), &o, rep);
#undef PATH
    /* Rejected: revenue c9 (unknown) and 1e999; the use naming contact k404;
     * all three customers the second time (duplicates). */
    if (st == CRVM_OK && crvm_load_report_count(rep) != 2 + 1 + 3)
        fail_msg("expected 6 rejected rows, got %zu", crvm_load_report_count(rep));
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
    return st;
}

/* The per-table loaders are crvm_load_csv() for their table: each reports
 * a missing file, malformed text, a bad value or argument and an unknown
 * id, and a strict failure leaves the ledger as it was. */
static void per_table_loaders_report_each_status(void **state)
{
    (void)state;
    crvm_ledger *l = ledger_with_base();
    crvm_ledger_stats before = stats_of(l);
    char absent[160];
    snprintf(absent, sizeof absent, "%s/absent.csv", tmpdir);
    assert_status(crvm_load_customers_csv(l, absent, NULL, NULL), CRVM_EIO);
    assert_status(crvm_load_articles_csv(l, absent, NULL, NULL), CRVM_EIO);
    assert_status(crvm_load_contacts_csv(l, absent, NULL, NULL), CRVM_EIO);
    assert_status(crvm_load_knowledge_uses_csv(l, absent, NULL, NULL), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "absent.csv"));

    assert_status(crvm_load_revenue_csv(l, write_file("revenue.csv", "customer_id,date,amount,stream\n"
                                                      "c1,2022-01-01,NaN,subscription\n"), NULL, NULL),
                  CRVM_EPARSE);
    assert_status(crvm_load_revenue_csv(l, write_file("revenue.csv", "customer_id,date,amount,stream\n"
                                                      "c9,2022-01-01,1,subscription\n"), NULL, NULL),
                  CRVM_ENOTFOUND);
    /* A revenue row has no value that parses but is out of domain: EINVAL is
     * for the arguments (here lenient mode without a report). */
    crvm_load_options lenient = CRVM_LOAD_OPTIONS_INIT;
    lenient.mode = CRVM_LOAD_LENIENT;
    assert_status(crvm_load_revenue_csv(l, write_file("revenue.csv", "customer_id,date,amount,stream\n"),
                                        &lenient, NULL),
                  CRVM_EINVAL);

    static const char con_header[] =
        "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome\n";
    char text[512];
    snprintf(text, sizeof text, "%sk1,c1,2022-02-01,pigeon,4,1,0,resolved\n", con_header);
    assert_status(crvm_load_contacts_csv(l, write_file("contacts.csv", text), NULL, NULL), CRVM_EPARSE);
    snprintf(text, sizeof text, "%sk1,c1,2022-02-01,phone,-4,1,0,resolved\n", con_header);
    assert_status(crvm_load_contacts_csv(l, write_file("contacts.csv", text), NULL, NULL), CRVM_EINVAL);
    snprintf(text, sizeof text, "%sk1,c9,2022-02-01,phone,4,1,0,resolved\n", con_header);
    assert_status(crvm_load_contacts_csv(l, write_file("contacts.csv", text), NULL, NULL), CRVM_ENOTFOUND);

    static const char use_header[] = "article_id,date,kind,resolved,contact_id,customer_id\n";
    snprintf(text, sizeof text, "%sa1,2022-02-01,glance,1,,c1\n", use_header);
    assert_status(crvm_load_knowledge_uses_csv(l, write_file("knowledge_uses.csv", text), NULL, NULL),
                  CRVM_EPARSE);
    snprintf(text, sizeof text, "%sa2,2021-12-31,self_service,1,,c1\n", use_header); /* before a2 exists */
    assert_status(crvm_load_knowledge_uses_csv(l, write_file("knowledge_uses.csv", text), NULL, NULL),
                  CRVM_EINVAL);
    snprintf(text, sizeof text, "%sa9,2022-02-01,self_service,1,,c1\n", use_header);
    assert_status(crvm_load_knowledge_uses_csv(l, write_file("knowledge_uses.csv", text), NULL, NULL),
                  CRVM_ENOTFOUND);
    assert_same_stats(stats_of(l), before);
    crvm_ledger_free(l);
}

/* The same in strict mode, where the first rejected row fails the load. */
static crvm_status strict_scenario(void *ctx)
{
    (void)ctx;
    crvm_ledger *l = NULL;
    crvm_status st = crvm_ledger_new(&l);
    if (st == CRVM_OK) {
        crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
        o.batch_rows = 2;
        st = crvm_load_directory(l, tmpdir, &o, NULL);
        crvm_ledger_stats s;
        crvm_ledger_stats_get(l, &s);
        if (st != CRVM_OK && (s.customers || s.revenue_events || s.articles))
            fail_msg("failed strict load left rows in the ledger");
        if (st == CRVM_ENOTFOUND) /* the expected outcome without injected failure */
            st = CRVM_OK;
    }
    crvm_ledger_free(l);
    return st;
}

static void test_load_allocation_failures(void **state)
{
    (void)state;
    write_file("customers.csv", customers_csv);
    write_file("articles.csv", articles_csv);
    write_file("revenue.csv", "customer_id,date,amount,stream,source_contact\nc1,2022-01-15,10,subscription,\n"
                              "c9,2022-01-15,10,subscription,\nc2,2022-01-15,1e999,services,\n"
                              "c1,2022-02-03,5,expansion,k1\n");
    write_file("contacts.csv", "contact_id,customer_id,opened,channel,handle_minutes,tier,escalated,outcome,articles,"
                               "queue,agent\n"
                               "k1,c1,2022-02-01,phone,4,1,0,resolved,a1;a2,billing,ann\n"
                               "k2,c2,2022-02-01,phone,4,1,0,resolved,,,bob\n"
                               "k3,c3,2022-02-01,phone,4,1,0,resolved,a2,tech,ann\n");
    write_file("knowledge_uses.csv", "article_id,date,kind,resolved,contact_id,customer_id\n"
                                     "a1,2022-02-01,assisted,1,k1,c1\na1,2022-02-01,assisted,1,k404,\n");
    long sites = test_every_allocation_failure(load_scenario, NULL);
    assert_true(sites > 20);
    sites = test_every_allocation_failure(strict_scenario, NULL);
    assert_true(sites > 10);
    sites = test_every_allocation_failure(single_table_scenario, NULL);
    assert_true(sites > 5);
    crvm_set_allocator(NULL);
}

/* ------------------------------------------------- numeric CSV tables */

/* ------------------------------------------------------- cost-model text */

static void cost_model_text_sets_named_assumptions(void **state)
{
    (void)state;
    crvm_cost_model m, defaults;
    crvm_cost_model_init_defaults(&m);
    crvm_cost_model_init_defaults(&defaults);
    static const char text[] = "# loaded rates, 2025\r\n"
                               "hourly_rate[tier2] = 45.5\r\n"
                               "\r\n"
                               "  Channel_Cost[Chat]\t=\t0.4   # per chat\n"
                               "gross_margin_rate[services]=-0.25\n"
                               "discount_rate = 8e-2\n"
                               "minutes_saved = estimate\n"
                               "avoided_contact_cost = 12"; /* no final line break */
    assert_int_equal(crvm_cost_model_parse(text, sizeof text - 1, &m), CRVM_OK);
    assert_true(m.hourly_rate[1] == 45.5);
    assert_true(m.channel_cost[CRVM_CHANNEL_CHAT] == 0.4);
    assert_true(m.gross_margin_rate[CRVM_STREAM_SERVICES] == -0.25);
    assert_true(m.discount_rate == 0.08);
    assert_true(isnan(m.minutes_saved));
    assert_true(m.avoided_contact_cost == 12);
    /* Everything not named keeps its value. */
    assert_true(m.hourly_rate[0] == defaults.hourly_rate[0]);
    assert_true(m.escalation_cost == defaults.escalation_cost);
    /* Every assumption can be named; empty text and comments change nothing. */
    char all[4096] = "";
    for (size_t i = 0; i < crvm_cost_model_assumption_count(); i++) {
        crvm_assumption a;
        assert_int_equal(crvm_cost_model_assumption(&defaults, i, &a), CRVM_OK);
        char line[128];
        snprintf(line, sizeof line, "%s = %.17g\n", a.name, 0.125 + (double)i / 256);
        strcat(all, line);
    }
    assert_int_equal(crvm_cost_model_parse(all, strlen(all), &m), CRVM_OK);
    for (size_t i = 0; i < crvm_cost_model_assumption_count(); i++) {
        crvm_assumption a;
        crvm_cost_model_assumption(&m, i, &a);
        assert_true(a.value == 0.125 + (double)i / 256);
    }
    crvm_cost_model before = m;
    assert_int_equal(crvm_cost_model_parse("", 0, &m), CRVM_OK);
    assert_int_equal(crvm_cost_model_parse(NULL, 0, &m), CRVM_OK);
    assert_int_equal(crvm_cost_model_parse("# nothing\n\n  \t\n", 15, &m), CRVM_OK);
    assert_memory_equal(&m, &before, sizeof m);
}

/* Each error names its line and leaves the model as it was. */
static void cost_model_text_errors_name_the_line(void **state)
{
    (void)state;
    crvm_cost_model m, before;
    crvm_cost_model_init_defaults(&m);
    before = m;
#define BAD_TEXT(text, status, needle)                                           \
    do {                                                                         \
        assert_status(crvm_cost_model_parse(text, strlen(text), &m), status);    \
        if (!strstr(crvm_last_error(), needle))                                  \
            fail_msg("message '%s' lacks '%s'", crvm_last_error(), needle);      \
        assert_memory_equal(&m, &before, sizeof m);                              \
    } while (0)
    BAD_TEXT("escalation_cost = 5\nhourly_rate[tier4] = 1\n", CRVM_ENOTFOUND,
             "line 2: unknown assumption 'hourly_rate[tier4]'");
    BAD_TEXT("# c\n\nescalation_cost 5\n", CRVM_EPARSE, "line 3: 'escalation_cost 5': expected 'name = value'");
    BAD_TEXT("= 5\n", CRVM_EPARSE, "line 1: the name is missing");
    BAD_TEXT("escalation_cost =   # none\n", CRVM_EPARSE, "line 1: the value is missing");
    BAD_TEXT("escalation_cost = 5 euros\n", CRVM_EPARSE, "line 1: escalation_cost = '5 euros': not a number");
    BAD_TEXT("escalation_cost = nan\n", CRVM_EPARSE, "NaN is not a valid number");
    BAD_TEXT("escalation_cost = 1\nESCALATION_COST = 2\n", CRVM_EPARSE,
             "line 2: 'ESCALATION_COST' is already set on line 1");
    BAD_TEXT("discount_rate = 1.5\n", CRVM_EINVAL, "line 1: cost model discount_rate = 1.5: must be in [0, 1)");
    BAD_TEXT("hourly_rate[tier1] = estimate\n", CRVM_EINVAL, "line 1: cost model hourly_rate[tier1] = nan");
    static const char with_nul[] = "escalation_cost = 1\n\0\n";
    assert_status(crvm_cost_model_parse(with_nul, sizeof with_nul - 1, &m), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "line 2: NUL byte"));
    assert_status(crvm_cost_model_parse("x", 1, NULL), CRVM_EINVAL);
    assert_status(crvm_cost_model_parse(NULL, 3, &m), CRVM_EINVAL);
    assert_memory_equal(&m, &before, sizeof m);
#undef BAD_TEXT
}

static void cost_model_file_loads_and_names_the_file(void **state)
{
    (void)state;
    crvm_cost_model m, before;
    crvm_cost_model_init_defaults(&m);
    assert_int_equal(crvm_cost_model_load(write_file("costs.txt", "escalation_cost = 7.5\n"), &m), CRVM_OK);
    assert_true(m.escalation_cost == 7.5);
    before = m;
    assert_status(crvm_cost_model_load(write_file("costs.txt", "\nescalation_cost = -1\n"), &m), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "costs.txt: line 2: cost model escalation_cost = -1"));
    assert_status(crvm_cost_model_load(write_file("costs.txt", "escalation_cots = 1\n"), &m), CRVM_ENOTFOUND);
    assert_non_null(strstr(crvm_last_error(), "costs.txt: line 1: unknown assumption 'escalation_cots'"));
    assert_status(crvm_cost_model_parse("x = 1", 5, &m), CRVM_ENOTFOUND);
    char path[128];
    snprintf(path, sizeof path, "%s/absent.txt", tmpdir);
    assert_status(crvm_cost_model_load(path, &m), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "absent.txt"));
    assert_status(crvm_cost_model_load(NULL, &m), CRVM_EINVAL);
    /* More than 1 MiB (of comments) is not a cost model. */
    size_t big = ((size_t)1 << 20) + 2;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, '#', big);
    text[big] = '\0';
    assert_status(crvm_cost_model_load(write_file("costs.txt", text), &m), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "larger than 1 MiB"));
    text[(size_t)1 << 20] = '\0'; /* exactly 1 MiB: read */
    assert_int_equal(crvm_cost_model_load(write_file("costs.txt", text), &m), CRVM_OK);
    free(text);
    assert_memory_equal(&m, &before, sizeof m);
}

static crvm_status cost_model_load_scenario(void *ctx)
{
    crvm_cost_model m;
    crvm_cost_model_init_defaults(&m);
    return crvm_cost_model_load((const char *)ctx, &m);
}

static void cost_model_load_allocation_failures(void **state)
{
    (void)state;
    /* 5,000 bytes: the buffer grows once past its first 4 KiB. */
    char text[5001];
    memset(text, '#', 5000);
    memcpy(text, "escalation_cost = 3\n", 20);
    text[5000] = '\0';
    const char *path = write_file("costs.txt", text);
    assert_true(test_every_allocation_failure(cost_model_load_scenario, (void *)path) == 2);
    crvm_set_allocator(NULL);
}

static const char *const week_arrest[] = {"week", "ARREST"};

/* Read week and arrest from a file holding text into *t; returns the status. */
static crvm_status read_table(const char *text, crvm_numeric_table **t)
{
    *t = NULL;
    crvm_clear_error();
    return crvm_read_numeric_csv(write_file("table.csv", text), week_arrest, 2, t);
}

static void expect_table_error(const char *text, crvm_status status, const char *message_part)
{
    crvm_numeric_table *t = NULL;
    assert_int_equal(read_table(text, &t), status);
    assert_null(t); /* never written on failure */
    if (strstr(crvm_last_error(), message_part) == NULL)
        fail_msg("message '%s' lacks '%s'", crvm_last_error(), message_part);
}

static void test_numeric_csv_reads_named_columns(void **state)
{
    (void)state;
    /* Header case, column order, CRLF, quoted fields with commas, quotes and
     * line breaks, an empty line, an unrequested empty cell, exponents and no
     * final line break. Expected values written from the text. */
    crvm_numeric_table *t = NULL;
    assert_int_equal(read_table("name,Arrest,note,WEEK\r\n"
                                "\"Smith, J\",1,\"says \"\"hi\"\"\",20\r\n"
                                "x,0,,1.5e1\r\n"
                                "\r\n"
                                "y,\"1\",\"two\nlines\",-3\n"
                                "z,0,last,0.25",
                                &t),
                     CRVM_OK);
    assert_int_equal(crvm_numeric_table_rows(t), 4);
    double week[4], arrest[4];
    assert_int_equal(crvm_numeric_table_column(t, 0, week, 4), CRVM_OK);
    assert_int_equal(crvm_numeric_table_column(t, 1, arrest, 4), CRVM_OK);
    const double expect_week[] = {20, 15, -3, 0.25}, expect_arrest[] = {1, 0, 1, 0};
    for (int i = 0; i < 4; i++) {
        assert_close(week[i], expect_week[i], 0, 0);
        assert_close(arrest[i], expect_arrest[i], 0, 0);
    }
    crvm_numeric_table_free(t);

    /* A header and no rows: an empty table. */
    assert_int_equal(read_table("week,arrest\n", &t), CRVM_OK);
    assert_int_equal(crvm_numeric_table_rows(t), 0);
    assert_int_equal(crvm_numeric_table_column(t, 1, NULL, 0), CRVM_OK);
    crvm_numeric_table_free(t);
}

static void test_numeric_csv_errors_name_row_and_column(void **state)
{
    (void)state;
    /* Cells that are not numbers: row (after the header), line and column. */
    expect_table_error("week,arrest\n20,1\nabc,0\n", CRVM_EPARSE,
                       "table.csv: row 2 (line 3), column week: 'abc': not a number");
    expect_table_error("arrest,week\n1,20\n\n0,\n", CRVM_EPARSE,
                       "row 2 (line 4), column week: '': empty number");
    expect_table_error("week,arrest\n20,NaN\n", CRVM_EPARSE, "row 1 (line 2), column ARREST: 'NaN'");
    expect_table_error("week,arrest\n 20,1\n", CRVM_EPARSE, "column week: ' 20': spaces");
    /* The header: a missing or repeated column, an empty file. */
    expect_table_error("week,arrested\n20,1\n", CRVM_EPARSE, "header: no column 'ARREST'");
    expect_table_error("week,arrest,Week\n20,1,3\n", CRVM_EPARSE,
                       "column 'week' appears twice (fields 1 and 3)");
    expect_table_error("", CRVM_EPARSE, "empty file");
    expect_table_error("week,ar\"rest\n20,1\n", CRVM_EPARSE, "header row (line 1), field 2: quote");
    assert_null(strstr(strstr(crvm_last_error(), "table.csv") + 1, "table.csv")); /* named once */
    /* Rows of the wrong width and CSV syntax errors. */
    expect_table_error("week,arrest,x\n20,1,a\n21,1\n", CRVM_EPARSE,
                       "row 2 (line 3): 2 fields, the header has 3");
    expect_table_error("week,arrest\n20,1\n2\"1,1\n", CRVM_EPARSE, "row 2 (line 3): field 1");
    expect_table_error("week,arrest\n20,\"1\n", CRVM_EPARSE, "row 1 (line 2): field 2");
    /* A file that cannot be opened. */
    crvm_numeric_table *t = NULL;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no-such-file.csv", tmpdir);
    assert_status(crvm_read_numeric_csv(missing, week_arrest, 2, &t), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "no-such-file.csv"));
    assert_null(t);
}

static void test_numeric_csv_argument_errors(void **state)
{
    (void)state;
    const char *path = write_file("table.csv", "week,arrest\n20,1\n");
    crvm_numeric_table *t = NULL;
    assert_status(crvm_read_numeric_csv(NULL, week_arrest, 2, &t), CRVM_EINVAL);
    assert_status(crvm_read_numeric_csv(path, NULL, 2, &t), CRVM_EINVAL);
    assert_status(crvm_read_numeric_csv(path, week_arrest, 2, NULL), CRVM_EINVAL);
    assert_status(crvm_read_numeric_csv(path, week_arrest, 0, &t), CRVM_EINVAL);
    const char *with_null[] = {"week", NULL};
    assert_status(crvm_read_numeric_csv(path, with_null, 2, &t), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "columns[1]"));
    const char *twice[] = {"week", "arrest", "Week"};
    assert_status(crvm_read_numeric_csv(path, twice, 3, &t), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "columns[2] = 'Week' repeats columns[0]"));
    assert_null(t);

    assert_int_equal(crvm_read_numeric_csv(path, week_arrest, 2, &t), CRVM_OK);
    double out[2];
    assert_status(crvm_numeric_table_column(t, 2, out, 1), CRVM_EINVAL);
    assert_status(crvm_numeric_table_column(t, 0, out, 2), CRVM_EINVAL);
    assert_status(crvm_numeric_table_column(t, 0, NULL, 1), CRVM_EINVAL);
    assert_status(crvm_numeric_table_column(NULL, 0, out, 1), CRVM_EINVAL);
    assert_int_equal(crvm_numeric_table_rows(NULL), 0);
    crvm_numeric_table_free(t);
    crvm_numeric_table_free(NULL);
}

/* Labels (string group names, ids) and a field separator. */
static const char *const t_e_group[] = {"T", "E", "group"};
static const char *const group_only[] = {"GROUP"};

static void test_table_csv_reads_labels(void **state)
{
    (void)state;
    /* Waltons-like rows; codes in order of first appearance, the text as read
     * (quotes removed, case kept, not trimmed). Expected values written from
     * the text. */
    const char *path = write_file("table.csv", "T,E,group\n"
                                                "6.0,1,miR-137\n"
                                                "13,0,control\n"
                                                "9,1,\"miR-137\"\n"
                                                "4,1,Control\n"
                                                "5,0, control\n");
    crvm_numeric_table *t = NULL;
    assert_int_equal(crvm_read_table_csv(path, t_e_group, 3, group_only, 1, NULL, 0, NULL, &t), CRVM_OK);
    assert_int_equal(crvm_numeric_table_rows(t), 5);
    double code[5], dur[5];
    assert_int_equal(crvm_numeric_table_column(t, 2, code, 5), CRVM_OK);
    assert_int_equal(crvm_numeric_table_column(t, 0, dur, 5), CRVM_OK);
    const double expect_code[] = {0, 1, 0, 2, 3}, expect_dur[] = {6, 13, 9, 4, 5};
    for (int i = 0; i < 5; i++) {
        assert_close(code[i], expect_code[i], 0, 0);
        assert_close(dur[i], expect_dur[i], 0, 0);
    }
    assert_int_equal(crvm_numeric_table_label_count(t, 2), 4);
    assert_string_equal(crvm_numeric_table_label(t, 2, 0), "miR-137");
    assert_string_equal(crvm_numeric_table_label(t, 2, 1), "control");
    assert_string_equal(crvm_numeric_table_label(t, 2, 2), "Control");
    assert_string_equal(crvm_numeric_table_label(t, 2, 3), " control");
    /* Out of range and columns of numbers have no labels. */
    assert_null(crvm_numeric_table_label(t, 2, 4));
    assert_null(crvm_numeric_table_label(t, 0, 0));
    assert_null(crvm_numeric_table_label(t, 3, 0));
    assert_null(crvm_numeric_table_label(NULL, 2, 0));
    assert_int_equal(crvm_numeric_table_label_count(t, 0), 0);
    assert_int_equal(crvm_numeric_table_label_count(t, 9), 0);
    assert_int_equal(crvm_numeric_table_label_count(NULL, 2), 0);
    crvm_numeric_table_free(t);
}

static void test_table_csv_delimiter(void **state)
{
    (void)state;
    /* anderson.csv's layout: single spaces. */
    const char *path = write_file("table.csv", "t status Rx\n35 0 0\n6 1 1\n");
    const char *const cols[] = {"t", "status", "Rx"}, *const rx[] = {"rx"};
    crvm_table_options opt;
    crvm_table_options_init(&opt);
    assert_int_equal(opt.delimiter, 0);
    crvm_numeric_table *t = NULL;
    /* With commas the header is one field. */
    assert_status(crvm_read_table_csv(path, cols, 3, NULL, 0, NULL, 0, &opt, &t), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "no column 't'"));
    opt.delimiter = ' ';
    assert_int_equal(crvm_read_table_csv(path, cols, 3, rx, 1, NULL, 0, &opt, &t), CRVM_OK);
    double x[2];
    assert_int_equal(crvm_numeric_table_column(t, 0, x, 2), CRVM_OK);
    assert_close(x[0], 35, 0, 0);
    assert_close(x[1], 6, 0, 0);
    assert_string_equal(crvm_numeric_table_label(t, 2, 1), "1");
    crvm_numeric_table_free(t);
    t = NULL;
    /* Each space separates: two spaces are an empty field, so a row too wide. */
    path = write_file("table.csv", "t status Rx\n35  0 0\n");
    assert_status(crvm_read_table_csv(path, cols, 3, rx, 1, NULL, 0, &opt, &t), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "row 1 (line 2): 4 fields, the header has 3"));
    assert_null(t);
}

static void test_table_csv_errors(void **state)
{
    (void)state;
    crvm_numeric_table *t = NULL;
    const char *path = write_file("table.csv", "T,E,group\n6,1,a\n7,0,\n");
    assert_status(crvm_read_table_csv(path, t_e_group, 3, group_only, 1, NULL, 0, NULL, &t), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "table.csv: row 2 (line 3), column group: an empty label"));
    static const char with_nul[] = "T,E,group\n6,1,a\0b\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(with_nul, 1, sizeof with_nul - 1, f);
    fclose(f);
    assert_status(crvm_read_table_csv(path, t_e_group, 3, group_only, 1, NULL, 0, NULL, &t), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "row 1 (line 2): field 3: NUL byte"));
    /* A label in a column of numbers is still not a number. */
    path = write_file("table.csv", "T,E,group\n6,1,miR-137\n");
    assert_status(crvm_read_table_csv(path, t_e_group, 3, NULL, 0, NULL, 0, NULL, &t), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "column group: 'miR-137': not a number"));
    /* A missing file is reported as missing. */
    char missing[128];
    snprintf(missing, sizeof missing, "%s/no-such-file.csv", tmpdir);
    assert_status(crvm_read_table_csv(missing, t_e_group, 3, NULL, 0, NULL, 0, NULL, &t), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "cannot open"));
    assert_non_null(strstr(crvm_last_error(), "No such file"));
    /* Arguments. */
    const char *const not_a_column[] = {"age"}, *const null_name[] = {NULL};
    assert_status(crvm_read_table_csv(path, t_e_group, 3, not_a_column, 1, NULL, 0, NULL, &t), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "labels[0] = 'age' is not one of the columns"));
    assert_status(crvm_read_table_csv(path, t_e_group, 3, null_name, 1, NULL, 0, NULL, &t), CRVM_EINVAL);
    assert_status(crvm_read_table_csv(path, t_e_group, 3, NULL, 1, NULL, 0, NULL, &t), CRVM_EINVAL);
    assert_status(crvm_read_table_csv(NULL, t_e_group, 3, NULL, 0, NULL, 0, NULL, &t), CRVM_EINVAL);
    crvm_table_options opt = CRVM_TABLE_OPTIONS_INIT;
    opt.delimiter = '"';
    assert_status(crvm_read_table_csv(path, t_e_group, 3, NULL, 0, NULL, 0, &opt, &t), CRVM_EINVAL);
    opt.delimiter = '\n';
    assert_status(crvm_read_table_csv(path, t_e_group, 3, NULL, 0, NULL, 0, &opt, &t), CRVM_EINVAL);
    assert_null(t);
    crvm_table_options_init(NULL); /* accepted, does nothing */
}

/* A transaction log: string ids, ISO dates, amounts. Days since 1970-01-01
 * written from the calendar: 1997-01-01 is 27 years (7 leap days) after
 * 1970-01-01, 27 * 365 + 7 = 9862; 1969-12-31 is -1. */
static void test_table_csv_reads_dates(void **state)
{
    (void)state;
    const char *path = write_file("table.csv", "customer;date;amount\r\n"
                                               "00004;1997-01-01;29.33\r\n"
                                               "00018;1997-03-01;11.77\r\n"
                                               "00004;1969-12-31;0\r\n");
    const char *const cols[] = {"customer", "date", "amount"}, *const ids[] = {"customer"},
                      *const dates[] = {"DATE"};
    crvm_table_options opt = CRVM_TABLE_OPTIONS_INIT;
    opt.delimiter = ';';
    crvm_numeric_table *t = NULL;
    assert_int_equal(crvm_read_table_csv(path, cols, 3, ids, 1, dates, 1, &opt, &t), CRVM_OK);
    double day[3], who[3], amount[3];
    assert_int_equal(crvm_numeric_table_column(t, 0, who, 3), CRVM_OK);
    assert_int_equal(crvm_numeric_table_column(t, 1, day, 3), CRVM_OK);
    assert_int_equal(crvm_numeric_table_column(t, 2, amount, 3), CRVM_OK);
    const double expect_day[] = {9862, 9862 + 31 + 28, -1}, expect_who[] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        assert_close(day[i], expect_day[i], 0, 0);
        assert_close(who[i], expect_who[i], 0, 0);
    }
    assert_close(amount[0], 29.33, 0, 0);
    assert_string_equal(crvm_numeric_table_label(t, 0, 1), "00018");
    assert_int_equal(crvm_numeric_table_label_count(t, 1), 0);
    crvm_numeric_table_free(t);
    t = NULL;
    /* A bad date names row, line, column and reason. */
    path = write_file("table.csv", "customer;date;amount\n1;1997-01-01;1\n2;1997-02-30;1\n");
    assert_status(crvm_read_table_csv(path, cols, 3, ids, 1, dates, 1, &opt, &t), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "row 2 (line 3), column date: '1997-02-30'"));
    path = write_file("table.csv", "customer;date;amount\n1;19970101;1\n");
    assert_status(crvm_read_table_csv(path, cols, 3, ids, 1, dates, 1, &opt, &t), CRVM_EPARSE);
    assert_non_null(strstr(crvm_last_error(), "row 1 (line 2), column date: '19970101'"));
    /* Date names are checked as label names are, and not both. */
    const char *const bad[] = {"when"}, *const both[] = {"customer"};
    assert_status(crvm_read_table_csv(path, cols, 3, ids, 1, bad, 1, &opt, &t), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "dates[0] = 'when' is not one of the columns"));
    assert_status(crvm_read_table_csv(path, cols, 3, ids, 1, both, 1, &opt, &t), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "dates[0] = 'customer' is also a label column"));
    assert_status(crvm_read_table_csv(path, cols, 3, ids, 1, NULL, 2, &opt, &t), CRVM_EINVAL);
    assert_null(t);
}

static crvm_status label_table_scenario(void *ctx)
{
    crvm_numeric_table *t = NULL;
    crvm_status st = crvm_read_table_csv((const char *)ctx, t_e_group, 3, group_only, 1, NULL, 0, NULL, &t);
    if (st == CRVM_OK && crvm_numeric_table_label_count(t, 2) != 2000)
        fail_msg("expected 2000 labels");
    crvm_numeric_table_free(t);
    return st;
}

static void test_table_csv_allocation_failures(void **state)
{
    (void)state;
    /* 2000 distinct labels of 14 bytes: the hash, the offsets and the text
     * each grow several times. */
    static char text[2000 * 32 + 64];
    size_t len = (size_t)snprintf(text, sizeof text, "T,E,group\n");
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d,customer-%05d\n", i, i % 2, i);
    const char *path = write_file("table.csv", text);
    assert_true(test_every_allocation_failure(label_table_scenario, (void *)path) >= 10);
    crvm_set_allocator(NULL);
}

static crvm_status numeric_table_scenario(void *ctx)
{
    const char *path = ctx;
    crvm_numeric_table *t = NULL;
    crvm_status st = crvm_read_numeric_csv(path, week_arrest, 2, &t);
    if (st == CRVM_OK && crvm_numeric_table_rows(t) != 3000)
        fail_msg("expected 3000 rows");
    crvm_numeric_table_free(t);
    return st;
}

static void test_numeric_csv_allocation_failures(void **state)
{
    (void)state;
    /* 3000 rows: the table grows twice past its first 1024 rows. */
    static char text[3000 * 16 + 64];
    size_t len = (size_t)snprintf(text, sizeof text, "arrest,week\n");
    for (int i = 0; i < 3000; i++)
        len += (size_t)snprintf(text + len, sizeof text - len, "%d,%d\n", i % 2, i);
    const char *path = write_file("table.csv", text);
    assert_true(test_every_allocation_failure(numeric_table_scenario, (void *)path) >= 5);
    crvm_set_allocator(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_plain),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_crlf_empty_fields_no_final_newline),
        cmocka_unit_test(test_csv_empty_lines_and_lone_cr),
        cmocka_unit_test(test_csv_unterminated_quote),
        cmocka_unit_test(test_csv_stray_and_after_quote),
        cmocka_unit_test(test_csv_limits_and_nul),
        cmocka_unit_test(test_csv_file_matches_buffer),
        cmocka_unit_test(test_csv_write_field),
        cmocka_unit_test(test_csv_open_errors),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_load_valid_rows),
        cmocka_unit_test(test_enum_spellings_read_alike),
        cmocka_unit_test(test_load_with_another_delimiter),
        cmocka_unit_test(test_strict_errors),
        cmocka_unit_test(per_table_loaders_report_each_status),
        cmocka_unit_test(test_header_only_and_missing_file),
        cmocka_unit_test(test_huge_field),
        cmocka_unit_test(test_lenient_accounts_for_every_row),
        cmocka_unit_test(test_stray_quote_keeps_the_next_row),
        cmocka_unit_test(test_long_article_ids_link),
        cmocka_unit_test(test_directory_strict_rolls_back_everything),
        cmocka_unit_test(test_loads_inside_a_batch),
        cmocka_unit_test(test_lenient_header_error_rolls_back),
        cmocka_unit_test(test_attribute_and_source_columns),
        cmocka_unit_test(test_directory_with_attributes_and_sources),
        cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_load_allocation_failures),
        cmocka_unit_test(cost_model_text_sets_named_assumptions),
        cmocka_unit_test(cost_model_text_errors_name_the_line),
        cmocka_unit_test(cost_model_file_loads_and_names_the_file),
        cmocka_unit_test(cost_model_load_allocation_failures),
        cmocka_unit_test(test_numeric_csv_reads_named_columns),
        cmocka_unit_test(test_numeric_csv_errors_name_row_and_column),
        cmocka_unit_test(test_numeric_csv_argument_errors),
        cmocka_unit_test(test_numeric_csv_allocation_failures),
        cmocka_unit_test(test_table_csv_reads_labels),
        cmocka_unit_test(test_table_csv_delimiter),
        cmocka_unit_test(test_table_csv_errors),
        cmocka_unit_test(test_table_csv_reads_dates),
        cmocka_unit_test(test_table_csv_allocation_failures),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
