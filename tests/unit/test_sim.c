/* Tests of the simulator: option checks, determinism, the CSV round trip
 * through the loaders with totals preserved, and recovery of the generating
 * truth (sBG retention per segment, the churn multiplier of a refusal). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "io/csv.h"
#include "sim/sim.h"

static const char *const files[5] = {"customers.csv", "articles.csv", "revenue.csv", "contacts.csv",
                                     "knowledge_uses.csv"};

static void make_dir(char *buf, size_t n)
{
    snprintf(buf, n, "/tmp/crvm_test_sim_XXXXXX");
    assert_non_null(mkdtemp(buf));
}

static void remove_dir(const char *dir)
{
    char path[256];
    for (int k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        remove(path);
    }
    rmdir(dir);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* 1 if every file of the two directories is byte-identical. */
static int same_files(const char *a, const char *b)
{
    int same = 1;
    for (int k = 0; k < 5; k++) {
        size_t la, lb;
        char *x = slurp(a, files[k], &la), *y = slurp(b, files[k], &lb);
        if (la != lb || memcmp(x, y, la) != 0)
            same = 0;
        free(x);
        free(y);
    }
    return same;
}

static void test_options(void **state)
{
    (void)state;
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    assert_int_equal(o.customers, 1000);
    assert_int_equal(o.window_start, 18993); /* 2022-01-01 */
    crvm_sim_data *d = NULL;
    o.customers = 0;
    assert_status(crvm_simulate(&o, &d), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "customers"));
    crvm_sim_options_init(&o);
    o.alpha[1] = -1;
    assert_status(crvm_simulate(&o, &d), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "alpha[1]"));
    crvm_sim_options_init(&o);
    o.segment_share[0] = 0.5;
    assert_status(crvm_simulate(&o, &d), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "segment_share"));
    crvm_sim_options_init(&o);
    o.acquisition_months = 40;
    assert_status(crvm_simulate(&o, &d), CRVM_EINVAL);
    crvm_sim_options_init(&o);
    o.outcome_factor[2] = NAN;
    assert_status(crvm_simulate(&o, &d), CRVM_EINVAL);
    assert_null(d);
    assert_status(crvm_simulate(NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_simulate_csv(NULL, "/nonexistent/dir/x", NULL), CRVM_EIO);
    assert_non_null(strstr(crvm_last_error(), "/nonexistent/dir/x/customers.csv"));
    assert_status(crvm_simulate_csv(NULL, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_sim_data_summary(NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_sim_write_csv(NULL, "/tmp"), CRVM_EINVAL);
    assert_status(crvm_sim_customer_truth(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    crvm_sim_options_init(&o);
    o.customers = 5;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    assert_status(crvm_sim_write_csv(d, "/nonexistent/dir"), CRVM_EIO);
    int32_t seg[5];
    assert_status(crvm_sim_customer_truth(d, NULL, 5, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_int_equal(crvm_sim_customer_truth(d, seg, 5, NULL, 0, NULL, 0, NULL, 0), CRVM_OK);
    for (int i = 0; i < 5; i++)
        assert_true(seg[i] >= 0 && seg[i] < 3);
    crvm_sim_data_free(d);
    d = NULL;
    crvm_sim_data_free(NULL);
}

static void test_determinism(void **state)
{
    (void)state;
    char a[64], b[64], c[64], m[64];
    make_dir(a, sizeof a);
    make_dir(b, sizeof b);
    make_dir(c, sizeof c);
    make_dir(m, sizeof m);
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 400;
    o.seed = 7;
    crvm_sim_summary sa, sb;
    assert_int_equal(crvm_simulate_csv(&o, a, &sa), CRVM_OK);
    assert_int_equal(crvm_simulate_csv(&o, b, &sb), CRVM_OK);
    assert_true(same_files(a, b));
    assert_memory_equal(&sa, &sb, sizeof sa);
    /* In memory then written: the same files and summary. */
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    assert_int_equal(crvm_sim_write_csv(d, m), CRVM_OK);
    assert_true(same_files(a, m));
    crvm_sim_summary sm;
    assert_int_equal(crvm_sim_data_summary(d, &sm), CRVM_OK);
    assert_int_equal(sm.revenue_events, sa.revenue_events);
    assert_int_equal(sm.contacts, sa.contacts);
    assert_int_equal(sm.knowledge_uses, sa.knowledge_uses);
    assert_int_equal(sm.churned, sa.churned);
    assert_true(sm.revenue_total == sa.revenue_total);
    crvm_sim_data_free(d);
    /* Another seed: different data. */
    o.seed = 8;
    assert_int_equal(crvm_simulate_csv(&o, c, NULL), CRVM_OK);
    assert_false(same_files(a, c));
    /* The first customers do not depend on how many follow (own streams). */
    o.seed = 7;
    o.customers = 100;
    assert_int_equal(crvm_simulate_csv(&o, c, NULL), CRVM_OK);
    size_t l100, l400;
    char *x = slurp(c, "customers.csv", &l100), *y = slurp(a, "customers.csv", &l400);
    assert_true(l100 < l400);
    assert_memory_equal(x, y, l100);
    free(x);
    free(y);
    remove_dir(a);
    remove_dir(b);
    remove_dir(c);
    remove_dir(m);
}

static void test_round_trip(void **state)
{
    (void)state;
    char dir[64];
    make_dir(dir, sizeof dir);
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 3000;
    o.seed = 11;
    crvm_sim_summary s;
    assert_int_equal(crvm_simulate_csv(&o, dir, &s), CRVM_OK);
    assert_int_equal(s.customers, 3000);
    assert_int_equal(s.articles, 60); /* max(20, 3000 / 50) */
    assert_true(s.contacts > 0 && s.knowledge_uses > 0 && s.contact_article_links > 0);
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    crvm_load_report *rep = NULL;
    assert_int_equal(crvm_load_report_new(&rep), CRVM_OK);
    if (crvm_load_directory(l, dir, NULL, rep) != CRVM_OK)
        fail_msg("%s", crvm_last_error());
    crvm_ledger_stats ls;
    assert_int_equal(crvm_ledger_stats_get(l, &ls), CRVM_OK);
    assert_int_equal(ls.customers, s.customers);
    assert_int_equal(ls.segments, 3);
    assert_int_equal(ls.articles, s.articles);
    assert_int_equal(ls.revenue_events, s.revenue_events);
    assert_int_equal(ls.contacts, s.contacts);
    assert_int_equal(ls.contact_articles, s.contact_article_links);
    assert_int_equal(ls.knowledge_uses, s.knowledge_uses);
    /* Amounts are whole cents: the ledger's exact sum equals the simulator's
     * (a double sum of ~1e5 cent values, exact to far below half a cent). */
    assert_true(ls.revenue_cents == llround(s.revenue_total * 100.0));
    assert_close(ls.handle_minutes, s.handle_minutes_total, 1e-12, 0);
    crvm_load_totals t;
    crvm_load_report_totals(rep, &t);
    assert_int_equal(t.rows_rejected, 0);
    assert_int_equal(t.rows_read, s.customers + s.articles + s.revenue_events + s.contacts +
                                      s.knowledge_uses);
    /* Churned customers carry an end date; contacts by outcome add up. */
    size_t n = ls.customers;
    crvm_date *end = malloc(n * sizeof *end);
    assert_non_null(end);
    assert_int_equal(crvm_ledger_customers(l, NULL, 0, NULL, 0, end, n), CRVM_OK);
    size_t churned = 0;
    for (size_t i = 0; i < n; i++)
        churned += end[i] != CRVM_DATE_NONE;
    assert_int_equal(churned, s.churned);
    free(end);
    double *act = malloc(ls.segments * CRVM_ACTIVITY_COLUMNS * sizeof *act);
    assert_non_null(act);
    assert_int_equal(crvm_ledger_segment_activity(l, CRVM_DATE_MIN, CRVM_DATE_MAX, act,
                                                  ls.segments * CRVM_ACTIVITY_COLUMNS),
                     CRVM_OK);
    for (int k = 0; k < 4; k++) {
        double total = 0;
        for (size_t g = 0; g < ls.segments; g++)
            total += act[g * CRVM_ACTIVITY_COLUMNS + CRVM_ACT_CONTACTS_RESOLVED + k];
        assert_true(total == (double)s.outcome_count[k]);
    }
    free(act);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
    remove_dir(dir);
}

/* sBG survival S(t) = B(alpha, beta + t) / B(alpha, beta) = prod_{k<t} (beta + k) / (alpha + beta + k). */
static double sbg_survival(double a, double b, int t)
{
    double s = 1.0;
    for (int k = 0; k < t; k++)
        s *= (b + k) / (a + b + k);
    return s;
}

/* Kaplan-Meier survival per segment from the loaded ledger matches the sBG
 * closed form within four Greenwood standard errors, for t = 1..12 months. */
static void test_sbg_recovery(void **state)
{
    (void)state;
    char dir[64];
    make_dir(dir, sizeof dir);
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 30000;
    o.seed = 2024;
    o.outcome_effects = 0;
    o.contact_rate[0] = o.contact_rate[1] = o.contact_rate[2] = 0.0; /* keep the test fast */
    o.self_service_rate = 0.0;
    assert_int_equal(crvm_simulate_csv(&o, dir, NULL), CRVM_OK);
    crvm_ledger *l = NULL;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    if (crvm_load_directory(l, dir, NULL, NULL) != CRVM_OK)
        fail_msg("%s", crvm_last_error());
    size_t n = o.customers;
    int32_t *seg = malloc(n * sizeof *seg), *periods = malloc(n * sizeof *periods),
            *churned = malloc(n * sizeof *churned);
    assert_true(seg && periods && churned);
    assert_int_equal(crvm_ledger_customers(l, seg, n, NULL, 0, NULL, 0), CRVM_OK);
    crvm_date window_end;
    assert_int_equal(crvm_date_add_periods(o.window_start, CRVM_PERIOD_MONTH, o.months, &window_end),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_retention_data(l, window_end - 1, CRVM_PERIOD_MONTH, periods, n,
                                                churned, n),
                     CRVM_OK);
    static const char *const names[3] = {"smb", "mid_market", "enterprise"};
    for (int g = 0; g < 3; g++) {
        size_t gi;
        assert_int_equal(crvm_ledger_find(l, CRVM_SEGMENTS, names[g], &gi), CRVM_OK);
        double s = 1.0, greenwood = 0.0;
        for (int t = 1; t <= 12; t++) {
            double at_risk = 0, events = 0;
            for (size_t i = 0; i < n; i++) {
                if ((size_t)seg[i] != gi || periods[i] < 0)
                    continue;
                if (periods[i] >= t)
                    at_risk++;
                if (churned[i] && periods[i] == t)
                    events++;
            }
            assert_true(at_risk > 100);
            s *= 1.0 - events / at_risk;
            greenwood += events / (at_risk * (at_risk - events));
            double se = s * sqrt(greenwood);
            double truth = sbg_survival(o.alpha[g], o.beta[g], t);
            if (getenv("CRVM_TEST_VERBOSE") && (t == 1 || t == 12))
                print_message("%s t=%d KM %.4f sBG %.4f se %.4f\n", names[g], t, s, truth, se);
            /* 4 standard errors: a false failure has probability < 1e-4 per point. */
            if (fabs(s - truth) > 4.0 * se + 1e-9)
                fail_msg("segment %s, t = %d: KM %.4f vs sBG %.4f (se %.4f)", names[g], t, s, truth, se);
        }
    }
    /* The in-memory truth agrees with what the files say. */
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    int32_t *lifetime = malloc(n * sizeof *lifetime), *ch = malloc(n * sizeof *ch);
    double *theta = malloc(n * sizeof *theta);
    int32_t *tseg = malloc(n * sizeof *tseg);
    assert_true(lifetime && ch && theta && tseg);
    assert_int_equal(crvm_sim_customer_truth(d, tseg, n, theta, n, lifetime, n, ch, n), CRVM_OK);
    assert_status(crvm_sim_customer_truth(d, tseg, n - 1, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    double sum[3] = {0}, sum2[3] = {0}, cnt[3] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ch[i], churned[i]);
        /* Churned: T = lifetime; censored: lifetime - 1 whole months observed. */
        assert_int_equal(periods[i], ch[i] ? lifetime[i] : lifetime[i] - 1);
        assert_string_equal(crvm_ledger_id(l, CRVM_SEGMENTS, (size_t)seg[i]), names[tseg[i]]);
        sum[tseg[i]] += theta[i];
        sum2[tseg[i]] += theta[i] * theta[i];
        cnt[tseg[i]]++;
    }
    for (int g = 0; g < 3; g++) {
        double mean = sum[g] / cnt[g], var = sum2[g] / cnt[g] - mean * mean;
        double truth = o.alpha[g] / (o.alpha[g] + o.beta[g]);
        /* Mean of Beta(alpha, beta) draws within 4 standard errors. */
        assert_close(mean, truth, 0, 4.0 * sqrt(var / cnt[g]));
        /* Segment shares within 4 binomial standard errors. */
        double p = o.segment_share[g];
        assert_close(cnt[g] / (double)n, p, 0, 4.0 * sqrt(p * (1 - p) / (double)n));
    }
    free(lifetime);
    free(ch);
    free(theta);
    free(tseg);
    crvm_sim_data_free(d);
    free(seg);
    free(periods);
    free(churned);
    crvm_ledger_free(l);
    remove_dir(dir);
}

/* Read the simulated CSVs with the tokenizer and compare the churn rate at
 * renewals that follow a month with exactly one contact, refused, against
 * renewals after a month without contacts (mid-market customers). Contacts
 * arrive independently of theta and tenure, so the ratio estimates the
 * generating factor (3, slightly less where theta * 3 is capped at 1). */
typedef struct cust { crvm_date start, end; int seg; unsigned char n[40], refused[40]; } cust;

static void col_index(crvm__csv_reader *r, const char *const *want, int *idx, int n)
{
    for (int k = 0; k < n; k++) {
        idx[k] = -1;
        for (size_t f = 0; f < crvm__csv_field_count(r); f++)
            if (strcmp(crvm__csv_field(r, f, NULL), want[k]) == 0)
                idx[k] = (int)f;
        assert_true(idx[k] >= 0);
    }
}

static void refusal_ratio(const crvm_sim_options *o, double *log_ratio, double *se)
{
    char dir[64], path[128];
    make_dir(dir, sizeof dir);
    assert_int_equal(crvm_simulate_csv(o, dir, NULL), CRVM_OK);
    cust *c = calloc(o->customers, sizeof *c);
    assert_non_null(c);
    crvm__csv_reader *r;
    int has, idx[4];

    snprintf(path, sizeof path, "%s/customers.csv", dir);
    FILE *f = fopen(path, "rb");
    assert_int_equal(crvm__csv_open_file(f, path, 0, 0, &r), CRVM_OK);
    assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
    col_index(r, (const char *const[]){"customer_id", "segment", "start_date", "end_date"}, idx, 4);
    while (crvm__csv_next(r, &has) == CRVM_OK && has) {
        size_t i = (size_t)atol(crvm__csv_field(r, (size_t)idx[0], NULL) + 1) - 1;
        const char *sg = crvm__csv_field(r, (size_t)idx[1], NULL);
        c[i].seg = strcmp(sg, "smb") == 0 ? 0 : strcmp(sg, "mid_market") == 0 ? 1 : 2;
        size_t len;
        const char *s = crvm__csv_field(r, (size_t)idx[2], &len);
        assert_int_equal(crvm_date_parse(s, len, &c[i].start), CRVM_OK);
        s = crvm__csv_field(r, (size_t)idx[3], &len);
        c[i].end = CRVM_DATE_NONE;
        if (len)
            assert_int_equal(crvm_date_parse(s, len, &c[i].end), CRVM_OK);
    }
    crvm__csv_close(r);
    fclose(f);

    snprintf(path, sizeof path, "%s/contacts.csv", dir);
    f = fopen(path, "rb");
    assert_int_equal(crvm__csv_open_file(f, path, 0, 0, &r), CRVM_OK);
    assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
    col_index(r, (const char *const[]){"customer_id", "opened", "outcome"}, idx, 3);
    while (crvm__csv_next(r, &has) == CRVM_OK && has) {
        size_t i = (size_t)atol(crvm__csv_field(r, (size_t)idx[0], NULL) + 1) - 1;
        size_t len;
        const char *s = crvm__csv_field(r, (size_t)idx[1], &len);
        crvm_date opened;
        assert_int_equal(crvm_date_parse(s, len, &opened), CRVM_OK);
        int month;
        assert_int_equal(crvm_date_whole_periods(c[i].start, opened, CRVM_PERIOD_MONTH, &month), CRVM_OK);
        assert_true(month < 40);
        c[i].n[month]++;
        c[i].refused[month] += strcmp(crvm__csv_field(r, (size_t)idx[2], NULL), "refused") == 0;
    }
    crvm__csv_close(r);
    fclose(f);

    crvm_date window_end;
    assert_int_equal(crvm_date_add_periods(o->window_start, CRVM_PERIOD_MONTH, o->months, &window_end),
                     CRVM_OK);
    double risk[2] = {0}, events[2] = {0};
    for (size_t i = 0; i < o->customers; i++) {
        if (c[i].seg != 1)
            continue;
        for (int t = 1; t < 40; t++) {
            crvm_date anniversary;
            assert_int_equal(crvm_date_add_periods(c[i].start, CRVM_PERIOD_MONTH, t, &anniversary),
                             CRVM_OK);
            if (anniversary >= window_end || (c[i].end != CRVM_DATE_NONE && anniversary > c[i].end))
                break;
            int group = c[i].n[t - 1] == 0 ? 0 : (c[i].n[t - 1] == 1 && c[i].refused[t - 1]) ? 1 : -1;
            if (group < 0)
                continue;
            risk[group]++;
            events[group] += anniversary == c[i].end;
        }
    }
    assert_true(events[0] > 50 && events[1] > 50);
    *log_ratio = log((events[1] / risk[1]) / (events[0] / risk[0]));
    /* Delta-method standard error of a log ratio of two rates. */
    *se = sqrt(1.0 / events[1] - 1.0 / risk[1] + 1.0 / events[0] - 1.0 / risk[0]);
    if (getenv("CRVM_TEST_VERBOSE"))
        print_message("refusal: %.0f/%.0f churned, none: %.0f/%.0f, ratio %.3f\n", events[1], risk[1],
                      events[0], risk[0], exp(*log_ratio));
    free(c);
    remove_dir(dir);
}

/* The earlier churn form, kept for robustness tests: min(1, theta x m). */
static void test_refusal_raises_churn(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 30000;
    o.seed = 99;
    o.self_service_rate = 0.0;
    o.churn = CRVM_SIM_CHURN_MULTIPLIER;
    double lr, se;
    refusal_ratio(&o, &lr, &se);
    /* Truth: factor 3 (log 1.0986); the cap at probability 1 lowers it a
     * little for the few customers with theta > 1/3 (mid-market Beta(1.2,
     * 12): about 1%), allowed for by 0.05 on the log scale. */
    if (!(lr > log(3.0) - 0.05 - 4 * se && lr < log(3.0) + 4 * se))
        fail_msg("log churn ratio after a refusal %.3f (se %.3f), truth log 3 = %.3f", lr, se, log(3.0));
    o.outcome_effects = 0;
    refusal_ratio(&o, &lr, &se);
    if (fabs(lr) > 4 * se)
        fail_msg("without outcome effects the log ratio is %.3f (se %.3f), expected 0", lr, se);
}

/* ------------------------------------------------- columns of a data set */

/* The ids of a space, split at the NUL bytes (n of them expected). */
static char **sim_ids(const crvm_sim_data *d, crvm_sim_id_space space, size_t n, char **text)
{
    size_t size = 0;
    assert_int_equal(crvm_sim_data_ids_size(d, space, &size), CRVM_OK);
    *text = malloc(size + 1);
    char **ids = malloc((n + 1) * sizeof *ids);
    assert_non_null(*text);
    assert_non_null(ids);
    assert_int_equal(crvm_sim_data_ids(d, space, *text, size), CRVM_OK);
    size_t k = 0;
    for (size_t at = 0; at < size; at += strlen(*text + at) + 1) {
        assert_true(k < n);
        ids[k++] = *text + at;
    }
    assert_int_equal(k, n);
    return ids;
}

static crvm__csv_reader *open_table(const char *dir, const char *name, FILE **f,
                                    const char *const *cols, int *idx, int n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *f = fopen(path, "rb");
    assert_non_null(*f);
    crvm__csv_reader *r;
    int has;
    assert_int_equal(crvm__csv_open_file(*f, path, 0, 0, &r), CRVM_OK);
    assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
    col_index(r, cols, idx, n);
    return r;
}

static int next_row(crvm__csv_reader *r)
{
    int has = 0;
    assert_int_equal(crvm__csv_next(r, &has), CRVM_OK);
    return has;
}

static const char *field(crvm__csv_reader *r, int i) { return crvm__csv_field(r, (size_t)i, NULL); }

static void assert_date_field(crvm__csv_reader *r, int i, int32_t expect)
{
    size_t len;
    const char *s = crvm__csv_field(r, (size_t)i, &len);
    if (expect == INT32_MIN) {
        assert_int_equal(len, 0);
        return;
    }
    crvm_date got;
    assert_int_equal(crvm_date_parse(s, len, &got), CRVM_OK);
    assert_int_equal(got, expect);
}

/* The number written in the file, parsed by strtod (correctly rounded), is
 * exactly the column's value: the columns hold the values as written. */
static void assert_number_field(crvm__csv_reader *r, int i, double expect)
{
    const char *s = field(r, i);
    if (isnan(expect)) {
        assert_string_equal(s, "");
        return;
    }
    if (strtod(s, NULL) != expect)
        fail_msg("field \"%s\" != column value %.17g", s, expect);
}

static void test_columns_hold_the_files(void **state)
{
    (void)state;
    static const char *const seg_names[3] = {"smb", "mid_market", "enterprise"};
    char dir[64];
    make_dir(dir, sizeof dir);
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 400;
    o.seed = 3;
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    assert_int_equal(crvm_sim_write_csv(d, dir), CRVM_OK);
    crvm_sim_summary s;
    assert_int_equal(crvm_sim_data_summary(d, &s), CRVM_OK);
    size_t nc = s.customers, nr = s.revenue_events, nk = s.contacts, na = s.articles,
           nu = s.knowledge_uses, nl = s.contact_article_links;
    assert_true(nr > nc && nk > 100 && nl > 10 && nu > nl);
    char *ct, *kt, *at;
    char **cid = sim_ids(d, CRVM_SIM_CUSTOMER_IDS, nc, &ct);
    char **kid = sim_ids(d, CRVM_SIM_CONTACT_IDS, nk, &kt);
    char **aid = sim_ids(d, CRVM_SIM_ARTICLE_IDS, na, &at);
    int idx[11];
    FILE *f;
    crvm__csv_reader *r;

    int32_t *seg = malloc(nc * sizeof *seg), *start = malloc(nc * sizeof *start),
            *end = malloc(nc * sizeof *end);
    assert_true(seg && start && end);
    assert_int_equal(crvm_sim_data_customers(d, seg, nc, start, nc, end, nc), CRVM_OK);
    r = open_table(dir, "customers.csv", &f,
                   (const char *const[]){"customer_id", "segment", "start_date", "end_date"}, idx, 4);
    size_t row = 0;
    for (; next_row(r); row++) {
        assert_true(row < nc);
        assert_string_equal(field(r, idx[0]), cid[row]);
        assert_string_equal(field(r, idx[1]), seg_names[seg[row]]);
        assert_date_field(r, idx[2], start[row]);
        assert_date_field(r, idx[3], end[row]);
    }
    assert_int_equal(row, nc);
    crvm__csv_close(r);
    fclose(f);

    int32_t *rc = malloc(nr * sizeof *rc), *rd = malloc(nr * sizeof *rd), *rs = malloc(nr * sizeof *rs);
    double *ra = malloc(nr * sizeof *ra);
    int64_t *rsrc = malloc(nr * sizeof *rsrc);
    assert_true(rc && rd && rs && ra && rsrc);
    assert_int_equal(crvm_sim_data_revenue(d, rc, nr, rd, nr, ra, nr, rs, nr), CRVM_OK);
    assert_int_equal(crvm_sim_data_revenue_sources(d, rsrc, nr), CRVM_OK);
    r = open_table(dir, "revenue.csv", &f,
                   (const char *const[]){"customer_id", "date", "amount", "stream", "source_contact"},
                   idx, 5);
    size_t sourced = 0;
    for (row = 0; next_row(r); row++) {
        assert_true(row < nr);
        assert_string_equal(field(r, idx[0]), cid[rc[row]]);
        assert_date_field(r, idx[1], rd[row]);
        assert_number_field(r, idx[2], ra[row]);
        assert_string_equal(field(r, idx[3]), crvm_stream_name(rs[row]));
        assert_string_equal(field(r, idx[4]), rsrc[row] < 0 ? "" : kid[rsrc[row]]);
        sourced += rsrc[row] >= 0;
    }
    assert_true(sourced > 0);
    assert_int_equal(row, nr);
    crvm__csv_close(r);
    fclose(f);

    int32_t *kc = malloc(nk * sizeof *kc), *ko = malloc(nk * sizeof *ko), *kcl = malloc(nk * sizeof *kcl),
            *kch = malloc(nk * sizeof *kch), *ktier = malloc(nk * sizeof *ktier),
            *kesc = malloc(nk * sizeof *kesc), *kout = malloc(nk * sizeof *kout);
    double *km = malloc(nk * sizeof *km), *ksat = malloc(nk * sizeof *ksat);
    int64_t *lc = malloc(nl * sizeof *lc);
    int32_t *la = malloc(nl * sizeof *la);
    assert_true(kc && ko && kcl && kch && ktier && kesc && kout && km && ksat && lc && la);
    assert_int_equal(crvm_sim_data_contacts(d, kc, nk, ko, nk, kcl, nk, kch, nk, km, nk, ktier, nk,
                                            kesc, nk, kout, nk, ksat, nk), CRVM_OK);
    assert_int_equal(crvm_sim_data_contact_articles(d, lc, nl, la, nl), CRVM_OK);
    int32_t *attr[CRVM_SIM_ATTRIBUTES];
    for (int a = 0; a < CRVM_SIM_ATTRIBUTES; a++) {
        attr[a] = malloc(nk * sizeof *attr[a]);
        assert_non_null(attr[a]);
    }
    assert_int_equal(crvm_sim_data_contact_attributes(d, attr[0], nk, attr[1], nk, attr[2], nk, attr[3], nk),
                     CRVM_OK);
    int aidx[CRVM_SIM_ATTRIBUTES];
    r = open_table(dir, "contacts.csv", &f,
                   (const char *const[]){"contact_id", "customer_id", "opened", "closed", "channel",
                                         "handle_minutes", "tier", "escalated", "outcome",
                                         "satisfaction", "articles"}, idx, 11);
    col_index(r, (const char *const[]){"agent", "queue", "product", "reason"}, aidx, CRVM_SIM_ATTRIBUTES);
    for (int a = 0; a < CRVM_SIM_ATTRIBUTES; a++)
        assert_string_equal(crvm__csv_field(r, (size_t)aidx[a], NULL), crvm_sim_attribute_name(a));
    size_t link = 0;
    for (row = 0; next_row(r); row++) {
        assert_true(row < nk);
        assert_string_equal(field(r, idx[0]), kid[row]);
        assert_string_equal(field(r, idx[1]), cid[kc[row]]);
        assert_date_field(r, idx[2], ko[row]);
        assert_date_field(r, idx[3], kcl[row]);
        assert_string_equal(field(r, idx[4]), crvm_channel_name(kch[row]));
        assert_number_field(r, idx[5], km[row]);
        assert_int_equal(atoi(field(r, idx[6])), ktier[row]);
        assert_int_equal(atoi(field(r, idx[7])), kesc[row]);
        assert_string_equal(field(r, idx[8]), crvm_outcome_name(kout[row]));
        assert_number_field(r, idx[9], ksat[row]);
        char listed[64] = "";
        for (; link < nl && lc[link] == (int64_t)row; link++) {
            if (listed[0])
                strcat(listed, ";");
            strcat(listed, aid[la[link]]);
        }
        assert_string_equal(field(r, idx[10]), listed);
        for (int a = 0; a < CRVM_SIM_ATTRIBUTES; a++)
            assert_string_equal(field(r, aidx[a]), crvm_sim_attribute_value(a, attr[a][row]));
    }
    assert_int_equal(row, nk);
    assert_int_equal(link, nl);
    crvm__csv_close(r);
    fclose(f);

    int32_t *ac = malloc(na * sizeof *ac);
    double *ah = malloc(na * sizeof *ah), *am = malloc(na * sizeof *am);
    assert_true(ac && ah && am);
    assert_int_equal(crvm_sim_data_articles(d, ac, na, ah, na, am, na), CRVM_OK);
    r = open_table(dir, "articles.csv", &f,
                   (const char *const[]){"article_id", "created", "authoring_hours", "maintenance_hours"},
                   idx, 4);
    for (row = 0; next_row(r); row++) {
        assert_true(row < na);
        assert_string_equal(field(r, idx[0]), aid[row]);
        assert_date_field(r, idx[1], ac[row]);
        assert_number_field(r, idx[2], ah[row]);
        assert_number_field(r, idx[3], am[row]);
    }
    assert_int_equal(row, na);
    crvm__csv_close(r);
    fclose(f);

    int32_t *ua = malloc(nu * sizeof *ua), *ud = malloc(nu * sizeof *ud), *uk = malloc(nu * sizeof *uk),
            *ur = malloc(nu * sizeof *ur), *ucu = malloc(nu * sizeof *ucu);
    int64_t *uco = malloc(nu * sizeof *uco);
    assert_true(ua && ud && uk && ur && ucu && uco);
    assert_int_equal(crvm_sim_data_knowledge_uses(d, ua, nu, ud, nu, uk, nu, ur, nu, uco, nu, ucu, nu),
                     CRVM_OK);
    r = open_table(dir, "knowledge_uses.csv", &f,
                   (const char *const[]){"article_id", "date", "kind", "resolved", "contact_id",
                                         "customer_id"}, idx, 6);
    for (row = 0; next_row(r); row++) {
        assert_true(row < nu);
        assert_string_equal(field(r, idx[0]), aid[ua[row]]);
        assert_date_field(r, idx[1], ud[row]);
        assert_string_equal(field(r, idx[2]), crvm_use_kind_name(uk[row]));
        assert_int_equal(atoi(field(r, idx[3])), ur[row]);
        assert_string_equal(field(r, idx[4]), uco[row] < 0 ? "" : kid[uco[row]]);
        assert_string_equal(field(r, idx[5]), cid[ucu[row]]);
    }
    assert_int_equal(row, nu);
    crvm__csv_close(r);
    fclose(f);

    void *blocks[] = {cid, kid, aid, ct, kt, at, seg, start, end, rc, rd, rs, ra, rsrc, kc, ko, kcl,
                      kch, ktier, kesc, kout, km, ksat, lc, la, ac, ah, am, ua, ud, uk, ur, ucu, uco,
                      attr[0], attr[1], attr[2], attr[3]};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        free(blocks[i]);
    crvm_sim_data_free(d);
    remove_dir(dir);
}

/* Every accessor: NULL data, a NULL array with a length, a wrong length;
 * outputs untouched on failure; optional arrays may be left out. */
static void test_column_errors(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 40;
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    crvm_sim_summary s;
    assert_int_equal(crvm_sim_data_summary(d, &s), CRVM_OK);
    enum { BIG = 4096 };
    assert_true(s.revenue_events + 1 < BIG && s.contacts + 1 < BIG && s.knowledge_uses + 1 < BIG);
    static int32_t i32[BIG];
    static int64_t i64[BIG];
    static double f64[BIG];
    size_t nc = s.customers, nr = s.revenue_events, nk = s.contacts, na = s.articles,
           nu = s.knowledge_uses, nl = s.contact_article_links;
    for (int i = 0; i < BIG; i++) {
        i32[i] = -7;
        i64[i] = -7;
        f64[i] = -7.0;
    }
#define UNTOUCHED() assert_true(i32[0] == -7 && i64[0] == -7 && f64[0] == -7.0)
    assert_status(crvm_sim_data_customers(NULL, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_customers(d, i32, nc + 1, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "segment has length 41, expected 40 customers"));
    assert_status(crvm_sim_data_customers(d, NULL, 0, NULL, nc, NULL, 0), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "start is NULL"));
    UNTOUCHED();
    assert_status(crvm_sim_data_revenue(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_revenue(d, NULL, 0, NULL, 0, f64, nr - 1, NULL, 0), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "amount has length"));
    assert_status(crvm_sim_data_revenue(d, NULL, 0, NULL, 0, NULL, 0, NULL, 3), CRVM_EINVAL);
    UNTOUCHED();
    assert_status(crvm_sim_data_contacts(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                         NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_contacts(d, i32, nk, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                         NULL, 0, NULL, 0, f64, nk + 1), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "satisfaction has length"));
    assert_status(crvm_sim_data_contacts(d, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 1, NULL, 0,
                                         NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    UNTOUCHED();
    assert_status(crvm_sim_data_contact_articles(NULL, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_contact_articles(d, i64, nl, i32, nk), CRVM_EINVAL);
    assert_status(crvm_sim_data_contact_articles(d, NULL, nl, NULL, 0), CRVM_EINVAL);
    UNTOUCHED();
    assert_status(crvm_sim_data_articles(NULL, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_articles(d, i32, na, f64, na, f64, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_articles(d, NULL, na, NULL, 0, NULL, 0), CRVM_EINVAL);
    UNTOUCHED();
    assert_status(crvm_sim_data_knowledge_uses(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                                               NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_knowledge_uses(d, NULL, 0, NULL, 0, NULL, 0, NULL, 0, i64, nu, i32,
                                               nc), CRVM_EINVAL);
    assert_status(crvm_sim_data_knowledge_uses(d, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 2,
                                               NULL, 0), CRVM_EINVAL);
    UNTOUCHED();
    assert_status(crvm_sim_data_contact_attributes(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_contact_attributes(d, i32, nk, NULL, 0, NULL, 0, i32, nk - 1), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "reason has length"));
    assert_status(crvm_sim_data_contact_attributes(d, NULL, 0, NULL, 2, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_revenue_sources(NULL, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_sim_data_revenue_sources(d, i64, nr + 1), CRVM_EINVAL);
    assert_status(crvm_sim_data_revenue_sources(d, NULL, nr), CRVM_EINVAL);
    UNTOUCHED();
    /* Every array left out is a valid (empty) request; one array alone is filled. */
    assert_int_equal(crvm_sim_data_customers(d, NULL, 0, NULL, 0, NULL, 0), CRVM_OK);
    assert_int_equal(crvm_sim_data_contacts(d, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, i32, nk,
                                            NULL, 0, NULL, 0, NULL, 0), CRVM_OK);
    for (size_t i = 0; i < nk; i++)
        assert_true(i32[i] >= 1 && i32[i] <= 3); /* tiers */
    assert_int_equal(i32[nk], -7);
    assert_int_equal(crvm_sim_data_knowledge_uses(d, NULL, 0, NULL, 0, NULL, 0, NULL, 0, i64, nu,
                                                  NULL, 0), CRVM_OK);
    for (size_t i = 0; i < nu; i++)
        assert_true(i64[i] >= -1 && i64[i] < (int64_t)nk);
    assert_int_equal(i64[nu], -7);
#undef UNTOUCHED

    /* Ids: 40 customers "C0000001".."C0000040" are 40 * 9 bytes with terminators. */
    size_t size = 99;
    assert_int_equal(crvm_sim_data_ids_size(d, CRVM_SIM_CUSTOMER_IDS, &size), CRVM_OK);
    assert_int_equal(size, 40 * 9);
    assert_int_equal(crvm_sim_data_ids_size(d, CRVM_SIM_ARTICLE_IDS, &size), CRVM_OK);
    assert_int_equal(size, na * 8); /* "A000001" */
    size_t before = size;
    assert_status(crvm_sim_data_ids_size(NULL, CRVM_SIM_CUSTOMER_IDS, &size), CRVM_EINVAL);
    assert_status(crvm_sim_data_ids_size(d, (crvm_sim_id_space)3, &size), CRVM_EINVAL);
    assert_status(crvm_sim_data_ids_size(d, (crvm_sim_id_space)-1, &size), CRVM_EINVAL);
    assert_status(crvm_sim_data_ids_size(d, CRVM_SIM_CONTACT_IDS, NULL), CRVM_EINVAL);
    assert_int_equal(size, before);
    char text[40 * 9 + 1];
    memset(text, 'x', sizeof text);
    assert_status(crvm_sim_data_ids(NULL, CRVM_SIM_CUSTOMER_IDS, text, 40 * 9), CRVM_EINVAL);
    assert_status(crvm_sim_data_ids(d, (crvm_sim_id_space)7, text, 40 * 9), CRVM_EINVAL);
    assert_status(crvm_sim_data_ids(d, CRVM_SIM_CUSTOMER_IDS, text, 40 * 9 + 1), CRVM_EINVAL);
    assert_non_null(strstr(crvm_last_error(), "expected 360"));
    assert_status(crvm_sim_data_ids(d, CRVM_SIM_CUSTOMER_IDS, NULL, 40 * 9), CRVM_EINVAL);
    assert_int_equal(text[0], 'x');
    assert_int_equal(crvm_sim_data_ids(d, CRVM_SIM_CUSTOMER_IDS, text, 40 * 9), CRVM_OK);
    assert_string_equal(text, "C0000001");
    assert_string_equal(text + 39 * 9, "C0000040");
    assert_int_equal(text[40 * 9], 'x');
    crvm_sim_data_free(d);
}

/* Id sizes: groups of equal digit counts add up, and ids widen once the
 * index + 1 outgrows the zero padding (C + 7 digits, A + 6, T + 9). */
static void test_id_sizes(void **state)
{
    (void)state;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 1100; /* 22 articles, max(20, 1100 / 50) */
    o.months = 1;
    o.acquisition_months = 1;
    crvm_sim_data *d = NULL;
    assert_int_equal(crvm_simulate(&o, &d), CRVM_OK);
    size_t size;
    assert_int_equal(crvm_sim_data_ids_size(d, CRVM_SIM_ARTICLE_IDS, &size), CRVM_OK);
    assert_int_equal(size, 22 * 8);
    assert_int_equal(crvm_sim_data_ids_size(d, CRVM_SIM_CUSTOMER_IDS, &size), CRVM_OK);
    assert_int_equal(size, 1100 * 9);
    crvm_sim_data_free(d);
    /* C9999999 is the last 8-byte customer id, C10000000 the first of 9. */
    assert_int_equal(crvm__sim_id_bytes(CRVM_SIM_CUSTOMER_IDS, 9999999), 9999999 * 9);
    assert_int_equal(crvm__sim_id_bytes(CRVM_SIM_CUSTOMER_IDS, 10000005), 9999999 * 9 + 6 * 10);
    assert_int_equal(crvm__sim_id_bytes(CRVM_SIM_ARTICLE_IDS, 1000001), 999999 * 8 + 2 * 9);
    assert_int_equal(crvm__sim_id_bytes(CRVM_SIM_CONTACT_IDS, 1000000000ULL),
                     (size_t)999999999 * 11 + 12);
    assert_int_equal(crvm__sim_id_bytes(CRVM_SIM_CONTACT_IDS, 0), 0);
    assert_int_equal(crvm__sim_id_bytes((crvm_sim_id_space)5, 10), 0);
    char buf[24];
    assert_int_equal(crvm__sim_customer_id(9999999, buf), 9);
    assert_string_equal(buf, "C10000000");
}

static crvm_status sim_scenario(void *ctx)
{
    const char *dir = ctx;
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = 30;
    crvm_sim_data *d = NULL;
    crvm_status st = crvm_simulate(&o, &d);
    if (st == CRVM_OK)
        st = crvm_sim_write_csv(d, dir);
    if (st == CRVM_OK) { /* the accessors do not allocate */
        size_t size = 0;
        int32_t start[30];
        st = crvm_sim_data_ids_size(d, CRVM_SIM_CUSTOMER_IDS, &size);
        char *text = st == CRVM_OK ? malloc(size) : NULL;
        if (text)
            st = crvm_sim_data_ids(d, CRVM_SIM_CUSTOMER_IDS, text, size);
        free(text);
        if (st == CRVM_OK)
            st = crvm_sim_data_customers(d, NULL, 0, start, 30, NULL, 0);
    }
    crvm_sim_data_free(d);
    if (st == CRVM_OK)
        st = crvm_simulate_csv(&o, dir, NULL);
    return st;
}

static void test_allocation_failures(void **state)
{
    (void)state;
    char dir[64];
    make_dir(dir, sizeof dir);
    long sites = test_every_allocation_failure(sim_scenario, dir);
    assert_true(sites > 10);
    crvm_set_allocator(NULL);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_sbg_recovery),
        cmocka_unit_test(test_refusal_raises_churn),
        cmocka_unit_test(test_columns_hold_the_files),
        cmocka_unit_test(test_column_errors),
        cmocka_unit_test(test_id_sizes),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
