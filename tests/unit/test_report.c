/* The value report (crvm/report.h): every format shows the value layer's
 * figures, the curves match an independent Kaplan-Meier and the model's
 * closed form, the HTML page is self-contained with labelled charts, files
 * are written as documented, and bad arguments are refused. */
#define _POSIX_C_SOURCE 200809L
#include "value_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fixture {
    vs_business b;
    crvm_value *v;
    crvm_value_info info;
    crvm_date as_of;
} fixture;

static fixture F;

#define D test_date

static int setup(void **state)
{
    (void)state;
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    /* Fewer customers under valgrind: every render re-runs the value layer's
     * impact engine for each grouping. */
    o.customers = vs_under_valgrind() ? 300 : 600;
    o.seed = vs_under_valgrind() ? 3 : 5;
    F.b = vs_simulated(&o);
    F.as_of = D(2024, 6, 14);
    if (crvm_value_fit(F.b.ledger, NULL, F.as_of, NULL, &F.v) != CRVM_OK) {
        fprintf(stderr, "crvm_value_fit: %s\n", crvm_last_error());
        return -1;
    }
    return crvm_value_get_info(F.v, &F.info) == CRVM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    crvm_value_free(F.v);
    vs_free(&F.b);
    return 0;
}

/* The report in one format (CSV: one table), malloc'd, rendered in one call
 * into a buffer large enough (the length query is checked in
 * bad_arguments_are_refused: each call gathers the whole report). */
static char *render(crvm_report_format format, crvm_report_table table, int top)
{
    crvm_report_options o = CRVM_REPORT_OPTIONS_INIT;
    o.format = format;
    o.table = table;
    o.top = top;
    o.horizon = 12;
    size_t len = 0, cap = (size_t)4 << 20;
    char *text = malloc(cap);
    assert_non_null(text);
    crvm_status st = crvm_report_render(F.v, F.b.ledger, NULL, &o, text, cap, &len);
    if (st)
        fail_msg("crvm_report_render: %s", crvm_last_error());
    assert_int_equal(strlen(text), len);
    return text;
}

/* Rows of a CSV table without quoted fields, as an array of lines. */
typedef struct csv {
    char *text;
    char **line;
    size_t lines;
} csv;

static csv read_csv(crvm_report_table table)
{
    csv c = {render(CRVM_REPORT_CSV, table, 5), NULL, 0};
    for (char *p = c.text; *p; p++)
        c.lines += *p == '\n';
    c.line = calloc(c.lines + 1, sizeof *c.line);
    size_t i = 0;
    for (char *save = NULL, *l = strtok_r(c.text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        c.line[i++] = l;
    c.lines = i;
    return c;
}

static void free_csv(csv *c)
{
    free(c->text);
    free(c->line);
}

/* Field f (0-based) of a line without quotes, as a double (NaN if empty). */
static double field(const char *line, int f)
{
    const char *p = line;
    for (int i = 0; i < f; i++) {
        p = strchr(p, ',');
        assert_non_null(p);
        p++;
    }
    return *p == ',' || *p == '\0' ? NAN : strtod(p, NULL);
}

static void field_text(const char *line, int f, char *out, size_t n)
{
    const char *p = line;
    for (int i = 0; i < f; i++)
        p = strchr(p, ',') + 1;
    size_t len = strcspn(p, ",");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
}

static int64_t cents(double x) { return llround(x * 100.0); }

static void every_format_shows_the_value_layers_figures(void **state)
{
    (void)state;
    size_t S = F.info.segments;
    double *seg = calloc((S + 1) * CRVM_VS_COLUMNS, sizeof *seg), pnl[CRVM_PNL_LINES];
    assert_int_equal(crvm_value_segments(F.v, seg, (S + 1) * CRVM_VS_COLUMNS), CRVM_OK);
    crvm_date from;
    assert_int_equal(crvm_date_add_periods(F.as_of + 1, CRVM_PERIOD_MONTH, -12, &from), CRVM_OK);
    assert_int_equal(crvm_value_support_pnl(F.v, from, F.as_of + 1, pnl, CRVM_PNL_LINES), CRVM_OK);
    const double *all = seg + S * CRVM_VS_COLUMNS;
    char want[128];

    char *text = render(CRVM_REPORT_TEXT, 0, 5);
    snprintf(want, sizeof want, "residual value               %14.0f", all[CRVM_VS_RESIDUAL_VALUE]);
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "value per support dollar     %14.2f", pnl[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR]);
    assert_non_null(strstr(text, want));
    free(text);

    char *json = render(CRVM_REPORT_JSON, 0, 5);
    assert_non_null(strstr(json, "\"schema\":\"crvm-report\",\"schema_version\":1,"));
    snprintf(want, sizeof want, "\"residual_value\":{\"estimate\":%.2f,\"lower\":%.2f,\"upper\":%.2f}",
             all[CRVM_VS_RESIDUAL_VALUE], all[CRVM_VS_RESIDUAL_VALUE_LOWER], all[CRVM_VS_RESIDUAL_VALUE_UPPER]);
    assert_non_null(strstr(json, want));
    snprintf(want, sizeof want, "\"line\":\"net_contribution\",\"label\":\"net contribution\",\"amount\":%.2f",
             pnl[CRVM_PNL_NET_CONTRIBUTION]);
    assert_non_null(strstr(json, want));
    /* JSON has no NaN or infinity: a missing figure is null. */
    assert_null(strstr(json, "nan"));
    assert_null(strstr(json, "inf"));
    long depth = 0;
    for (const char *p = json; *p; p++)
        depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
    assert_int_equal(depth, 0);
    free(json);

    /* The segments table: segment rows add up to the total row to the cent. */
    csv c = read_csv(CRVM_REPORT_TABLE_SEGMENTS);
    assert_int_equal(c.lines, S + 2);
    assert_int_equal(strncmp(c.line[0], "segment,", 8), 0);
    int64_t sum = 0;
    for (size_t s = 0; s < S; s++)
        sum += cents(field(c.line[1 + s], 6));
    assert_true(sum == cents(field(c.line[1 + S], 6)));
    assert_true(cents(field(c.line[1 + S], 6)) == cents(all[CRVM_VS_RESIDUAL_VALUE]));
    free_csv(&c);

    /* The P&L table: the value line is the sum of its five lines. */
    c = read_csv(CRVM_REPORT_TABLE_PNL);
    int64_t lines = 0, value = 0;
    for (size_t i = 1; i < c.lines; i++) {
        char name[64];
        field_text(c.line[i], 2, name, sizeof name);
        if (!strcmp(name, "value"))
            value = cents(field(c.line[i], 3));
        else if (strstr("support_plan_revenue sourced_revenue knowledge_labour_saving "
                        "knowledge_deflection_saving contact_value_effect", name))
            lines += cents(field(c.line[i], 3));
    }
    assert_true(lines == value);
    free_csv(&c);
    free(seg);
}

/* The observed curves against a product-limit estimate computed here from
 * the value's tenures, and the projected ones against the BdW closed form
 * S(t) = B(alpha, beta + t^c) / B(alpha, beta) (Fader & Hardie 2007, with
 * no covariates: the report's projection is for a customer without contacts). */
static void curves_match_a_direct_product_limit_and_the_closed_form(void **state)
{
    (void)state;
    size_t N = F.info.customers, S = F.info.segments, k = 2 * S + 1 + F.info.covariates;
    double *cust = calloc(N * CRVM_VC_COLUMNS, sizeof *cust), *p = calloc(k, sizeof *p);
    assert_int_equal(crvm_value_customers(F.v, cust, N * CRVM_VC_COLUMNS), CRVM_OK);
    const crvm_retention_cov *model;
    assert_int_equal(crvm_value_retention_model(F.v, &model), CRVM_OK);
    assert_int_equal(crvm_retention_cov_params(model, p, k), CRVM_OK);
    csv c = read_csv(CRVM_REPORT_TABLE_CURVES);
    size_t checked_obs = 0, checked_proj = 0;
    for (size_t row = 1; row < c.lines; row++) {
        char name[64];
        field_text(c.line[row], 0, name, sizeof name);
        size_t s = 0;
        while (s < S && strcmp(crvm_ledger_id(F.b.ledger, CRVM_TABLE_COUNT, s), name))
            s++;
        assert_true(s < S);
        double t = field(c.line[row], 1), obs = field(c.line[row], 2), proj = field(c.line[row], 3);
        /* Product limit: at each renewal u <= t, 1 - events(u) / at risk(u). */
        double surv = 1, longest = 0;
        for (int u = 1; u <= (int)t; u++) {
            double at_risk = 0, events = 0;
            for (size_t i = 0; i < N; i++) {
                const double *ci = cust + i * CRVM_VC_COLUMNS;
                if ((size_t)ci[CRVM_VC_SEGMENT] != s || ci[CRVM_VC_TENURE] <= 0)
                    continue;
                at_risk += ci[CRVM_VC_TENURE] >= u;
                events += ci[CRVM_VC_TENURE] == u && ci[CRVM_VC_ACTIVE] == 0;
            }
            if (at_risk > 0)
                surv *= 1 - events / at_risk;
        }
        for (size_t i = 0; i < N; i++)
            if ((size_t)cust[i * CRVM_VC_COLUMNS + CRVM_VC_SEGMENT] == s)
                longest = fmax(longest, cust[i * CRVM_VC_COLUMNS + CRVM_VC_TENURE]);
        if (t <= longest) {
            /* %.10g in the table: 10 significant digits. */
            assert_close(obs, surv, 1e-9, 1e-12);
            checked_obs++;
        } else {
            assert_true(isnan(obs));
        }
        double a = p[2 * s], b = p[2 * s + 1], cc = p[2 * S];
        double closed = exp(lgamma(b + pow(t, cc)) - lgamma(a + b + pow(t, cc)) + lgamma(a + b) - lgamma(b));
        assert_close(proj, closed, 1e-9, 1e-12);
        checked_proj++;
    }
    assert_true(checked_obs > 3 * S && checked_proj > checked_obs);
    free_csv(&c);
    free(cust);
    free(p);
}

static void knowledge_and_outreach_are_ranked(void **state)
{
    (void)state;
    csv c = read_csv(CRVM_REPORT_TABLE_KNOWLEDGE);
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(F.b.ledger, &st), CRVM_OK);
    assert_int_equal(c.lines, st.articles + 1);
    double *vk = calloc(st.articles * CRVM_VK_COLUMNS, sizeof *vk);
    assert_int_equal(crvm_value_knowledge(F.v, vk, st.articles * CRVM_VK_COLUMNS), CRVM_OK);
    double previous = INFINITY;
    for (size_t r = 1; r < c.lines; r++) {
        char id[64];
        field_text(c.line[r], 0, id, sizeof id);
        size_t a;
        assert_int_equal(crvm_ledger_find(F.b.ledger, CRVM_TABLE_ARTICLES, id, &a), CRVM_OK);
        double value = vk[a * CRVM_VK_COLUMNS + CRVM_VK_VALUE];
        assert_true(cents(field(c.line[r], 2 + CRVM_VK_VALUE)) == cents(value));
        assert_true(value <= previous);
        previous = value;
    }
    free_csv(&c);
    free(vk);

    int32_t chosen[5];
    size_t count;
    assert_int_equal(crvm_value_outreach(F.v, CRVM_RANK_VALUE_AT_RISK, 5, chosen, 5, &count), CRVM_OK);
    c = read_csv(CRVM_REPORT_TABLE_OUTREACH);
    assert_int_equal(c.lines, count + 1);
    for (size_t j = 0; j < count; j++) {
        char id[64];
        field_text(c.line[1 + j], 1, id, sizeof id);
        assert_string_equal(id, crvm_ledger_id(F.b.ledger, CRVM_TABLE_CUSTOMERS, (size_t)chosen[j]));
    }
    free_csv(&c);
}

static void html_is_self_contained_with_labelled_charts(void **state)
{
    (void)state;
    char *html = render(CRVM_REPORT_HTML, 0, 5);
    static const char *const charts[] = {"chart-retention", "chart-value-at-risk", "chart-pnl",
                                         "chart-contact-impact", "chart-knowledge-roi"};
    for (size_t i = 0; i < 5; i++) {
        char id[64];
        snprintf(id, sizeof id, "<figure class=\"chart\" id=\"%s\">", charts[i]);
        const char *start = strstr(html, id);
        assert_non_null(start);
        const char *end = strstr(start, "</figure>");
        assert_non_null(end);
        const char *x = strstr(start, "class=\"axis-label x\""), *y = strstr(start, "class=\"axis-label y\"");
        assert_true(x && x < end && y && y < end);
    }
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "url("));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "<link"));
    /* The only address is SVG's namespace name, which is never fetched. */
    for (const char *p = strstr(html, "http"); p; p = strstr(p + 1, "http"))
        assert_int_equal(strncmp(p, "http://www.w3.org/2000/svg", 26), 0);
    assert_non_null(strstr(html, "@page{size:A4"));
    free(html);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *text = malloc(*len + 1);
    assert_int_equal(fread(text, 1, *len, f), *len);
    text[*len] = '\0';
    fclose(f);
    return text;
}

static void writes_files_and_a_directory_of_tables(void **state)
{
    (void)state;
    char dir[] = "/tmp/crvm_report_XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    crvm_report_options o = CRVM_REPORT_OPTIONS_INIT;
    o.format = CRVM_REPORT_JSON;
    o.horizon = 12;
    snprintf(path, sizeof path, "%s/report.json", dir);
    assert_int_equal(crvm_report_write(F.v, F.b.ledger, NULL, &o, path), CRVM_OK);
    size_t len;
    char *file = slurp(path, &len), *json = render(CRVM_REPORT_JSON, 0, 5);
    assert_string_equal(file, json);
    free(file);
    free(json);
    o.format = CRVM_REPORT_CSV;
    snprintf(path, sizeof path, "%s/tables", dir);
    assert_int_equal(crvm_report_write(F.v, F.b.ledger, NULL, &o, path), CRVM_OK);
    for (int t = 0; t < CRVM_REPORT_TABLES; t++) {
        char table[160];
        snprintf(table, sizeof table, "%s/%s.csv", path, crvm_report_table_name(t));
        char *text = slurp(table, &len), *want = render(CRVM_REPORT_CSV, (crvm_report_table)t, 5);
        assert_string_equal(text, want);
        free(text);
        free(want);
        remove(table);
    }
    /* A stream: the same text as the render. */
    FILE *stream = tmpfile();
    assert_non_null(stream);
    o.format = CRVM_REPORT_HTML;
    assert_int_equal(crvm_report_write_stream(F.v, F.b.ledger, NULL, &o, stream), CRVM_OK);
    char *html = render(CRVM_REPORT_HTML, 0, 5), *back = malloc(strlen(html) + 2);
    rewind(stream);
    size_t got = fread(back, 1, strlen(html) + 1, stream);
    back[got] = '\0';
    assert_string_equal(back, html);
    free(html);
    free(back);
    fclose(stream);
    /* A stream that cannot be written; no stream; CSV, which is a directory. */
    snprintf(path, sizeof path, "%s/report.json", dir);
    FILE *ro = fopen(path, "r");
    assert_non_null(ro);
    assert_status(crvm_report_write_stream(F.v, F.b.ledger, NULL, &o, ro), CRVM_EIO);
    fclose(ro);
    assert_status(crvm_report_write_stream(F.v, F.b.ledger, NULL, &o, NULL), CRVM_EINVAL);
    o.format = CRVM_REPORT_CSV;
    assert_status(crvm_report_write_stream(F.v, F.b.ledger, NULL, &o, stdout), CRVM_EINVAL);
    assert_null(crvm_report_table_name(CRVM_REPORT_TABLES));
    assert_null(crvm_report_table_name(-1));
    /* A directory that cannot be made, a file where the directory should be. */
    snprintf(path, sizeof path, "%s/missing/tables", dir);
    assert_status(crvm_report_write(F.v, F.b.ledger, NULL, &o, path), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "missing"));
    snprintf(path, sizeof path, "%s/report.json", dir);
    assert_status(crvm_report_write(F.v, F.b.ledger, NULL, &o, path), CRVM_EIO);
    o.format = CRVM_REPORT_HTML;
    snprintf(path, sizeof path, "%s/missing/report.html", dir);
    assert_status(crvm_report_write(F.v, F.b.ledger, NULL, &o, path), CRVM_EIO);
    snprintf(path, sizeof path, "%s/report.json", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/tables", dir);
    rmdir(path);
    rmdir(dir);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    size_t len = 0;
    crvm_report_options o;
    crvm_report_options_init(&o);
    crvm_report_options_init(NULL);
    assert_status(crvm_report_render(NULL, F.b.ledger, NULL, NULL, NULL, 0, &len), CRVM_EINVAL);
    assert_status(crvm_report_render(F.v, NULL, NULL, NULL, NULL, 0, &len), CRVM_EINVAL);
    assert_status(crvm_report_render(F.v, F.b.ledger, NULL, NULL, NULL, 0, NULL), CRVM_EINVAL);
    assert_status(crvm_report_render(F.v, F.b.ledger, NULL, NULL, NULL, 5, &len), CRVM_EINVAL);
    assert_status(crvm_report_write(F.v, F.b.ledger, NULL, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_report_write(NULL, F.b.ledger, NULL, NULL, "/tmp/x"), CRVM_EINVAL);
    const struct {
        int format, top, months, table, horizon;
        const char *named;
    } bad[] = {{9, 5, 12, 0, 0, "format"},    {0, -1, 12, 0, 0, "top"},     {0, 5, 0, 0, 0, "pnl_months"},
               {0, 5, 1201, 0, 0, "pnl_months"}, {0, 5, 12, 9, 0, "table"}, {0, 5, 12, 0, -1, "horizon"},
               {0, 5, 12, 0, 24, "fitted with 12"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        crvm_report_options_init(&o);
        o.format = (crvm_report_format)bad[i].format;
        o.top = bad[i].top;
        o.pnl_months = bad[i].months;
        o.table = (crvm_report_table)bad[i].table;
        o.horizon = bad[i].horizon;
        assert_status(crvm_report_render(F.v, F.b.ledger, NULL, &o, NULL, 0, &len), CRVM_EINVAL);
        assert_non_null(strstr(crvm_last_error(), bad[i].named));
    }
    /* Without a horizon in the options, the labels take the value's, and
     * the intervals' level is the value's too. */
    crvm_report_options_init(&o);
    assert_int_equal(crvm_report_render(F.v, F.b.ledger, NULL, &o, NULL, 0, &len), CRVM_OK);
    char *words = malloc(len + 1);
    assert_int_equal(crvm_report_render(F.v, F.b.ledger, NULL, &o, words, len + 1, &len), CRVM_OK);
    assert_non_null(strstr(words, "12 months"));
    assert_non_null(strstr(words, "95% intervals"));
    free(words);
    crvm_value_options vo;
    crvm_value_options_init(&vo);
    vo.horizon = 6;
    vo.confidence = 0.9;
    crvm_value *v6;
    assert_int_equal(crvm_value_fit(F.b.ledger, NULL, F.as_of, &vo, &v6), CRVM_OK);
    assert_int_equal(crvm_report_render(v6, F.b.ledger, NULL, &o, NULL, 0, &len), CRVM_OK);
    words = malloc(len + 1);
    assert_int_equal(crvm_report_render(v6, F.b.ledger, NULL, &o, words, len + 1, &len), CRVM_OK);
    assert_non_null(strstr(words, "6 months"));
    assert_null(strstr(words, "12 months"));
    assert_non_null(strstr(words, "90% intervals"));
    free(words);
    /* The JSON states the level too, for a reader that sees no prose. */
    o.format = CRVM_REPORT_JSON;
    assert_int_equal(crvm_report_render(v6, F.b.ledger, NULL, &o, NULL, 0, &len), CRVM_OK);
    words = malloc(len + 1);
    assert_int_equal(crvm_report_render(v6, F.b.ledger, NULL, &o, words, len + 1, &len), CRVM_OK);
    assert_non_null(strstr(words, "\"confidence_level\":0.9,"));
    free(words);
    crvm_value_free(v6);
    /* The length query gives the length of the report; a buffer one byte
     * short is refused, naming the length, with nothing written. */
    crvm_report_options_init(&o);
    o.horizon = 12;
    assert_int_equal(crvm_report_render(F.v, F.b.ledger, NULL, &o, NULL, 0, &len), CRVM_OK);
    char *text = render(CRVM_REPORT_TEXT, 0, 5);
    assert_int_equal(strlen(text), len);
    free(text);
    char *buf = malloc(len);
    memset(buf, 'x', len);
    size_t got = 7;
    assert_status(crvm_report_render(F.v, F.b.ledger, NULL, &o, buf, len, &got), CRVM_EINVAL);
    char needed[32];
    snprintf(needed, sizeof needed, "%zu", len + 1);
    assert_non_null(strstr(crvm_last_error(), needed));
    assert_true(got == 7 && buf[0] == 'x' && buf[len - 1] == 'x');
    free(buf);
    /* Another ledger than the value's. */
    crvm_ledger *other;
    assert_int_equal(crvm_ledger_new(&other), CRVM_OK);
    assert_status(crvm_report_render(F.v, other, NULL, NULL, NULL, 0, &len), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "not the value's ledger"));
    crvm_ledger_free(other);
}

static void a_modified_ledger_is_refused(void **state)
{
    (void)state;
    vs_business b = vs_simulated_small(300, 3);
    crvm_value *v;
    assert_int_equal(crvm_value_fit(b.ledger, NULL, F.as_of, NULL, &v), CRVM_OK);
    const char *id[] = {"newcomer"}, *seg[] = {"smb"};
    crvm_date start[] = {F.as_of};
    assert_int_equal(crvm_ledger_add_customers(b.ledger, id, 1, seg, 1, start, 1, NULL, 0, NULL), CRVM_OK);
    size_t len;
    assert_status(crvm_report_render(v, b.ledger, NULL, NULL, NULL, 0, &len), CRVM_ESTATE);
    assert_status(crvm_report_write(v, b.ledger, NULL, NULL, "/tmp/crvm_never_written.txt"), CRVM_ESTATE);
    assert_status(crvm_report_write_stream(v, b.ledger, NULL, NULL, stdout), CRVM_ESTATE);
    crvm_value_free(v);
    vs_free(&b);
}

/* A figure the value layer cannot represent (a customer whose value at a
 * renewal passes 2^53 cents: the business of test_value.c's
 * overflowing_sums_are_refused) fails the report naming the customer, and
 * writes nothing. */
static void an_unrepresentable_figure_is_refused(void **state)
{
    (void)state;
    vs_business b = vs_simulated_small(300, 3);
    vs_add_whale(&b);
    crvm_value *v;
    assert_int_equal(crvm_value_fit(b.ledger, NULL, F.as_of, NULL, &v), CRVM_OK);
    size_t len = 0;
    assert_status(crvm_report_render(v, b.ledger, NULL, NULL, NULL, 0, &len), CRVM_EDOMAIN);
    assert_non_null(strstr(crvm_last_error(), "whale"));
    const char *path = "/tmp/crvm_report_never_written.html";
    remove(path);
    assert_status(crvm_report_write(v, b.ledger, NULL, NULL, path), CRVM_EDOMAIN);
    assert_int_equal(access(path, F_OK), -1);
    assert_status(crvm_report_write_stream(v, b.ledger, NULL, NULL, stdout), CRVM_EDOMAIN);
    crvm_value_free(v);
    vs_free(&b);
}

typedef struct alloc_ctx {
    const crvm_value *v;
    const crvm_ledger *ledger;
    crvm_report_format format;
    const char *dir;
    FILE *stream;
} alloc_ctx;

static crvm_status alloc_scenario(void *ctx)
{
    const alloc_ctx *c = ctx;
    crvm_report_options o = CRVM_REPORT_OPTIONS_INIT;
    o.format = c->format;
    o.top = 3;
    if (c->dir)
        return crvm_report_write(c->v, c->ledger, NULL, &o, c->dir);
    if (c->stream)
        return crvm_report_write_stream(c->v, c->ledger, NULL, &o, c->stream);
    size_t len;
    return crvm_report_render(c->v, c->ledger, NULL, &o, NULL, 0, &len);
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    vs_business b = vs_simulated_small(150, 4);
    crvm_value_options vo;
    crvm_value_options_init(&vo);
    vo.covariates = 0;
    crvm_value *plain, *v;
    assert_int_equal(crvm_value_fit(b.ledger, NULL, F.as_of, &vo, &plain), CRVM_OK);
    assert_int_equal(crvm_value_fit(b.ledger, NULL, F.as_of, NULL, &v), CRVM_OK);
    char dir[] = "/tmp/crvm_report_alloc_XXXXXX";
    assert_non_null(mkdtemp(dir));
    /* Every format gathers the same figures: the HTML page (the most buffers)
     * and the directory of tables (the files) cover the allocation sites. A
     * model without covariates has no contact impacts, whose dozen groupings
     * each re-run the value layer's impact engine: under valgrind only it is
     * injected, the plain and sanitizer runs inject the full report too. */
    FILE *sink = tmpfile();
    assert_non_null(sink);
    alloc_ctx c = {plain, b.ledger, CRVM_REPORT_HTML, NULL, NULL};
    assert_true(test_every_allocation_failure(alloc_scenario, &c) > 20);
    c.stream = sink;
    assert_true(test_every_allocation_failure(alloc_scenario, &c) > 20);
    c.stream = NULL;
    if (!vs_under_valgrind()) {
        c.v = v;
        assert_true(test_every_allocation_failure(alloc_scenario, &c) > 100);
        c.format = CRVM_REPORT_CSV;
        c.dir = dir;
        assert_true(test_every_allocation_failure(alloc_scenario, &c) > 100);
    }
    fclose(sink);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    crvm_value_free(plain);
    crvm_value_free(v);
    vs_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_format_shows_the_value_layers_figures),
        cmocka_unit_test(curves_match_a_direct_product_limit_and_the_closed_form),
        cmocka_unit_test(knowledge_and_outreach_are_ranked),
        cmocka_unit_test(html_is_self_contained_with_labelled_charts),
        cmocka_unit_test(writes_files_and_a_directory_of_tables),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(a_modified_ledger_is_refused),
        cmocka_unit_test(an_unrepresentable_figure_is_refused),
        cmocka_unit_test(allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
