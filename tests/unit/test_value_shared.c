/* Unit tests of a base valued in parts (crvm/value.h: crvm_value_rows_*,
 * crvm_value_fit_shared, crvm_value_segment_gradients, crvm_value_impact_sums,
 * crvm_value_sum_interval, crvm_pnl_knowledge_sums, crvm_pnl_knowledge_lines,
 * crvm_knowledge_estimate_stats, crvm_knowledge_estimate_from_stats,
 * crvm_pnl_assemble).
 *
 * A simulated business is written to CSV files, and its customers split by
 * id into three part directories (all rows of a customer in one part, the
 * articles in every part). The independent source is the single-machine
 * path: crvm_value_fit() on the whole ledger. Its retention model, shared with
 * every part, must give each customer the row it has in the whole, and the
 * parts' sums with their gradients must give the whole's segment rows,
 * contact-impact groups and P&L contact value effect with their intervals. */
#define _POSIX_C_SOURCE 200809L
#include "value_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define D test_date
#define PARTS 3
#define C CRVM_VALUE_CANDIDATES

/* The whole business and its parts. */
typedef struct split {
    crvm_ledger *whole, *part[PARTS];
    crvm_value *v;            /* crvm_value_fit() of the whole */
    const crvm_retention_cov *model;
    crvm_date as_of;
    size_t groups, p, K;
    int32_t covariates[C];    /* candidate of model covariate j */
    int32_t *seg_group[PARTS]; /* per part segment: the whole's segment */
    /* The base's pattern counts: one entry per row of every part. */
    size_t entries;
    int32_t *f_group;
    double *f_z, *f_count;
} split;

static split S;

/* Part of a customer id: the sum of its bytes modulo PARTS. */
static int part_of(const char *id, size_t len)
{
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)id[i];
    return (int)(sum % PARTS);
}

/* Copy dir/name into the part directories, each line to the part of its
 * customer_id field (the header to all; a line without one to part 0). */
static void split_file(const char *dir, const char *name, char parts[PARTS][64])
{
    char path[256], line[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *in = fopen(path, "r");
    if (!in)
        return; /* optional file */
    FILE *out[PARTS];
    for (int q = 0; q < PARTS; q++) {
        snprintf(path, sizeof path, "%s/%s", parts[q], name);
        out[q] = fopen(path, "w");
        assert_non_null(out[q]);
    }
    assert_non_null(fgets(line, sizeof line, in));
    int column = -1, at = 0;
    for (char *f = line, *next; f; f = next, at++) {
        next = strchr(f, ',');
        size_t len = next ? (size_t)(next - f) : strcspn(f, "\r\n");
        if (len == 11 && !strncmp(f, "customer_id", 11))
            column = at;
        if (next)
            next++;
    }
    for (int q = 0; q < PARTS; q++)
        fputs(line, out[q]);
    while (fgets(line, sizeof line, in)) {
        int q = 0;
        const char *f = line;
        for (int c = 0; c < column && f; c++) {
            f = strchr(f, ',');
            f = f ? f + 1 : NULL;
        }
        if (column >= 0 && f) {
            size_t len = strcspn(f, ",\r\n");
            if (len)
                q = part_of(f, len);
        }
        fputs(line, out[q]);
    }
    fclose(in);
    for (int q = 0; q < PARTS; q++)
        fclose(out[q]);
}

static crvm_ledger *load(const char *dir)
{
    crvm_ledger *l;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    if (crvm_load_directory(l, dir, NULL, NULL))
        fail_msg("load %s: %s", dir, crvm_last_error());
    return l;
}

/* Index of a part ledger's segment in the whole ledger. */
static int32_t whole_segment(const crvm_ledger *part, size_t s)
{
    size_t at;
    assert_int_equal(crvm_ledger_find(S.whole, CRVM_TABLE_COUNT, crvm_ledger_id(part, CRVM_TABLE_COUNT, s), &at),
                     CRVM_OK);
    return (int32_t)at;
}

/* The rows of part q appended to the base's pattern counts. */
static void add_pattern_counts(size_t q)
{
    crvm_value_rows *r;
    assert_int_equal(crvm_value_rows_build(S.part[q], S.as_of, NULL, &r), CRVM_OK);
    size_t subjects, rows;
    assert_int_equal(crvm_value_rows_size(r, &subjects, &rows), CRVM_OK);
    int32_t *group = calloc(subjects + 1, sizeof *group), *subject = calloc(rows + 1, sizeof *subject);
    int32_t *recent = calloc(rows + 1, sizeof *recent);
    double *z = calloc(rows * C + 1, sizeof *z);
    assert_int_equal(crvm_value_rows_get(r, group, subjects, subject, rows, NULL, 0, NULL, 0, z, rows * C,
                                         recent, rows),
                     CRVM_OK);
    S.f_group = realloc(S.f_group, (S.entries + rows + 1) * sizeof *S.f_group);
    S.f_z = realloc(S.f_z, (S.entries + rows + 1) * C * sizeof *S.f_z);
    S.f_count = realloc(S.f_count, (S.entries + rows + 1) * 2 * sizeof *S.f_count);
    for (size_t a = 0; a < rows; a++, S.entries++) {
        S.f_group[S.entries] = S.seg_group[q][group[subject[a]]];
        memcpy(S.f_z + S.entries * C, z + a * C, C * sizeof *z);
        S.f_count[2 * S.entries] = recent[a];
        S.f_count[2 * S.entries + 1] = 1;
    }
    free(group);
    free(subject);
    free(recent);
    free(z);
    crvm_value_rows_free(r);
}

static int setup(void **state)
{
    (void)state;
    memset(&S, 0, sizeof S);
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    o.customers = vs_under_valgrind() ? 300 : 1500;
    o.seed = 11;
    crvm_sim_data *sim;
    assert_int_equal(crvm_simulate(&o, &sim), CRVM_OK);
    char dir[] = "/tmp/crvm_shared_XXXXXX", parts[PARTS][64];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(crvm_sim_write_csv(sim, dir), CRVM_OK);
    crvm_sim_data_free(sim);
    static const char *const files[] = {"customers.csv", "contacts.csv", "revenue.csv",
                                        "knowledge_uses.csv"};
    for (int q = 0; q < PARTS; q++) {
        snprintf(parts[q], sizeof parts[q], "%s/part%d", dir, q);
        assert_int_equal(mkdir(parts[q], 0700), 0);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "cp %s/articles.csv %s/", dir, parts[q]);
        assert_int_equal(system(cmd), 0);
    }
    for (size_t f = 0; f < sizeof files / sizeof *files; f++)
        split_file(dir, files[f], parts);
    S.whole = load(dir);
    for (int q = 0; q < PARTS; q++)
        S.part[q] = load(parts[q]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);

    S.as_of = D(2024, 6, 14);
    assert_int_equal(crvm_value_fit(S.whole, NULL, S.as_of, NULL, &S.v), CRVM_OK);
    assert_int_equal(crvm_value_retention_model(S.v, &S.model), CRVM_OK);
    assert_int_equal(crvm_retention_cov_shape(S.model, NULL, &S.groups, &S.p), CRVM_OK);
    S.K = 2 * S.groups + 1 + S.p;
    for (size_t j = 0; j < S.p; j++) {
        S.covariates[j] = -1;
        for (int c = 0; c < C; c++)
            if (!strcmp(crvm_value_candidate_name(c), crvm_value_covariate_name(S.v, j)))
                S.covariates[j] = c;
        assert_true(S.covariates[j] >= 0);
    }
    for (size_t q = 0; q < PARTS; q++) {
        crvm_ledger_stats st;
        assert_int_equal(crvm_ledger_stats_get(S.part[q], &st), CRVM_OK);
        S.seg_group[q] = calloc(st.segments + 1, sizeof *S.seg_group[q]);
        for (size_t s = 0; s < st.segments; s++)
            S.seg_group[q][s] = whole_segment(S.part[q], s);
        add_pattern_counts(q);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    crvm_value_free(S.v);
    crvm_ledger_free(S.whole);
    for (int q = 0; q < PARTS; q++) {
        crvm_ledger_free(S.part[q]);
        free(S.seg_group[q]);
    }
    free(S.f_group);
    free(S.f_z);
    free(S.f_count);
    return 0;
}

static crvm_value *value_part(size_t q)
{
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(S.part[q], &st), CRVM_OK);
    crvm_value *v;
    crvm_status status = crvm_value_fit_shared(S.part[q], NULL, S.as_of, NULL, S.model, S.seg_group[q],
                                               st.segments, S.covariates, S.p, S.f_group, S.entries, S.f_z,
                                               S.entries * C, S.f_count, 2 * S.entries, &v);
    if (status)
        fail_msg("crvm_value_fit_shared: %s", crvm_last_error());
    return v;
}

/* ------------------------------------------------------------------ tests */

/* The rows of the whole ledger are crvm_value_panel()'s, with every candidate;
 * the candidates that vary over the parts' rows are the model's covariates. */
static void rows_are_the_value_panel(void **state)
{
    (void)state;
    crvm_value_rows *r;
    assert_int_equal(crvm_value_rows_build(S.whole, S.as_of, NULL, &r), CRVM_OK);
    size_t subjects, rows, vs, vr, p;
    assert_int_equal(crvm_value_rows_size(r, &subjects, &rows), CRVM_OK);
    assert_int_equal(crvm_value_panel_size(S.v, &vs, &vr, &p), CRVM_OK);
    assert_int_equal(subjects, vs);
    assert_int_equal(rows, vr);
    int32_t *g1 = calloc(subjects, 4), *g2 = calloc(subjects, 4), *a1 = calloc(rows, 4), *a2 = calloc(rows, 4);
    int32_t *p1 = calloc(rows, 4), *p2 = calloc(rows, 4), *e1 = calloc(rows, 4), *e2 = calloc(rows, 4);
    double *z1 = calloc(rows * C, sizeof *z1), *z2 = calloc(rows * p + 1, sizeof *z2);
    assert_int_equal(crvm_value_rows_get(r, g1, subjects, a1, rows, p1, rows, e1, rows, z1, rows * C, NULL, 0),
                     CRVM_OK);
    assert_int_equal(crvm_value_panel(S.v, g2, subjects, a2, rows, p2, rows, e2, rows, z2, rows * p), CRVM_OK);
    assert_memory_equal(g1, g2, subjects * 4);
    assert_memory_equal(a1, a2, rows * 4);
    assert_memory_equal(p1, p2, rows * 4);
    assert_memory_equal(e1, e2, rows * 4);
    for (size_t a = 0; a < rows; a++)
        for (size_t j = 0; j < p; j++)
            assert_true(z1[a * C + (size_t)S.covariates[j]] == z2[a * p + j]);
    /* Varying candidates over the union of the parts' rows. */
    for (int c = 0; c < C; c++) {
        int varies = 0, used = 0;
        for (size_t e = 1; e < S.entries; e++)
            varies |= S.f_z[e * C + (size_t)c] != S.f_z[c];
        for (size_t j = 0; j < S.p; j++)
            used |= S.covariates[j] == c;
        assert_int_equal(varies, used);
    }
    /* Recent rows: the renewal (start + period months) on or after as_of + 1 - 12 months. */
    int32_t *recent = calloc(rows, 4);
    crvm_date *start = calloc(subjects, sizeof *start);
    assert_int_equal(crvm_ledger_customers(S.whole, NULL, 0, start, subjects, NULL, 0), CRVM_OK);
    assert_int_equal(crvm_value_rows_get(r, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, recent, rows), CRVM_OK);
    crvm_date window;
    assert_int_equal(crvm_date_add_periods(S.as_of + 1, CRVM_PERIOD_MONTH, -12, &window), CRVM_OK);
    size_t in_window = 0;
    for (size_t a = 0; a < rows; a++) {
        crvm_date renewal;
        assert_int_equal(crvm_date_add_periods(start[a1[a]], CRVM_PERIOD_MONTH, p1[a], &renewal), CRVM_OK);
        assert_int_equal(recent[a], renewal >= window);
        in_window += (size_t)recent[a];
    }
    assert_true(in_window > 0 && in_window < rows);
    free(recent);
    free(start);
    free(g1), free(g2), free(a1), free(a2), free(p1), free(p2), free(e1), free(e2), free(z1), free(z2);
    crvm_value_rows_free(r);
}

/* One fit of the likelihood summed over the parts' panels is the whole's fit. */
static void a_fit_to_the_parts_is_the_whole_fit(void **state)
{
    (void)state;
    size_t subjects = 0, rows = 0;
    int32_t *group = NULL, *subject = NULL, *period = NULL, *event = NULL;
    double *z = NULL;
    for (size_t q = 0; q < PARTS; q++) {
        crvm_value_rows *r;
        assert_int_equal(crvm_value_rows_build(S.part[q], S.as_of, NULL, &r), CRVM_OK);
        size_t ns, nr;
        assert_int_equal(crvm_value_rows_size(r, &ns, &nr), CRVM_OK);
        group = realloc(group, (subjects + ns) * 4);
        subject = realloc(subject, (rows + nr) * 4);
        period = realloc(period, (rows + nr) * 4);
        event = realloc(event, (rows + nr) * 4);
        z = realloc(z, (rows + nr) * S.p * sizeof *z);
        double *zc = calloc(nr * C + 1, sizeof *zc);
        assert_int_equal(crvm_value_rows_get(r, group + subjects, ns, subject + rows, nr, period + rows, nr,
                                             event + rows, nr, zc, nr * C, NULL, 0),
                         CRVM_OK);
        for (size_t s = 0; s < ns; s++)
            group[subjects + s] = S.seg_group[q][group[subjects + s]];
        for (size_t a = 0; a < nr; a++) {
            subject[rows + a] += (int32_t)subjects;
            for (size_t j = 0; j < S.p; j++)
                z[(rows + a) * S.p + j] = zc[a * C + (size_t)S.covariates[j]];
        }
        free(zc);
        subjects += ns;
        rows += nr;
        crvm_value_rows_free(r);
    }
    crvm_retention_cov *m;
    assert_int_equal(crvm_retention_cov_fit(CRVM_RETENTION_BDW, group, subjects, S.groups, subject, rows,
                                            period, rows, event, rows, z, rows * S.p, S.p, NULL, 0, NULL, &m, NULL),
                     CRVM_OK);
    double *a = calloc(S.K, sizeof *a), *b = calloc(S.K, sizeof *b);
    assert_int_equal(crvm_retention_cov_params(m, a, S.K), CRVM_OK);
    assert_int_equal(crvm_retention_cov_params(S.model, b, S.K), CRVM_OK);
    /* Two Newton fits of one likelihood, its terms summed in other orders:
     * they agree to the fits' convergence, well inside 1e-7. */
    for (size_t j = 0; j < S.K; j++)
        assert_close(a[j], b[j], 1e-7, 1e-9);
    free(a), free(b), free(group), free(subject), free(period), free(event), free(z);
    crvm_retention_cov_free(m);
}

/* Compare one customer's row of a part with its row of the whole. */
static void same_row(const double *part, const double *whole, int32_t whole_segment)
{
    for (int c = 0; c < CRVM_VC_COLUMNS; c++) {
        double want = c == CRVM_VC_SEGMENT ? (double)whole_segment : whole[c];
        /* The same model and the same series: equal but for the order in which
         * the delta method's g' Sigma g and the future exposure's sums add,
         * which moves the last bits (1e-13 relative). */
        assert_close(c == CRVM_VC_SEGMENT ? (double)whole_segment : part[c], want, 1e-13, 1e-13);
    }
}

/* Every customer of every part gets its row of the whole; with the whole
 * ledger as the only part, crvm_value_fit_shared is crvm_value_fit. */
static void each_part_gives_the_whole_rows(void **state)
{
    (void)state;
    crvm_ledger_stats ws;
    assert_int_equal(crvm_ledger_stats_get(S.whole, &ws), CRVM_OK);
    double *whole = calloc(ws.customers * CRVM_VC_COLUMNS, sizeof *whole);
    assert_int_equal(crvm_value_customers(S.v, whole, ws.customers * CRVM_VC_COLUMNS), CRVM_OK);
    size_t seen = 0, active = 0;
    for (size_t q = 0; q < PARTS; q++) {
        crvm_value *v = value_part(q);
        crvm_value_info info;
        assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
        double *rows = calloc(info.customers * CRVM_VC_COLUMNS, sizeof *rows);
        assert_int_equal(crvm_value_customers(v, rows, info.customers * CRVM_VC_COLUMNS), CRVM_OK);
        for (size_t i = 0; i < info.customers; i++) {
            size_t at;
            assert_int_equal(crvm_ledger_find(S.whole, CRVM_TABLE_CUSTOMERS,
                                              crvm_ledger_id(S.part[q], CRVM_TABLE_CUSTOMERS, i), &at),
                             CRVM_OK);
            const double *r = rows + i * CRVM_VC_COLUMNS;
            same_row(r, whole + at * CRVM_VC_COLUMNS, S.seg_group[q][(size_t)r[CRVM_VC_SEGMENT]]);
            active += r[CRVM_VC_ACTIVE] > 0;
        }
        seen += info.customers;
        free(rows);
        crvm_value_free(v);
    }
    assert_int_equal(seen, ws.customers);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(S.v, &info), CRVM_OK);
    assert_int_equal(active, info.active);

    /* The whole as its own only part, its segments in ledger order. */
    int32_t identity[16];
    for (size_t s = 0; s < ws.segments; s++)
        identity[s] = (int32_t)s;
    crvm_value *v;
    assert_int_equal(crvm_value_fit_shared(S.whole, NULL, S.as_of, NULL, S.model, identity, ws.segments,
                                           S.covariates, S.p, S.f_group, S.entries, S.f_z, S.entries * C,
                                           S.f_count, 2 * S.entries, &v),
                     CRVM_OK);
    double *again = calloc(ws.customers * CRVM_VC_COLUMNS, sizeof *again);
    assert_int_equal(crvm_value_customers(v, again, ws.customers * CRVM_VC_COLUMNS), CRVM_OK);
    for (size_t i = 0; i < ws.customers; i++)
        same_row(again + i * CRVM_VC_COLUMNS, whole + i * CRVM_VC_COLUMNS,
                 (int32_t)whole[i * CRVM_VC_COLUMNS + CRVM_VC_SEGMENT]);
    free(again);
    crvm_value_free(v);
    free(whole);
}

/* The parts' segment sums and gradients give the whole's segment rows. */
static void segment_sums_and_intervals_add_up(void **state)
{
    (void)state;
    const size_t G = S.groups, W = CRVM_VS_COLUMNS, K = S.K;
    double *sum = calloc((G + 1) * W, sizeof *sum), *grad = calloc((G + 1) * 3 * K, sizeof *grad);
    int64_t *cents = calloc((G + 1) * 3, sizeof *cents);
    for (size_t q = 0; q < PARTS; q++) {
        crvm_value *v = value_part(q);
        crvm_value_info info;
        assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
        double *seg = calloc((info.segments + 1) * W, sizeof *seg), *g = calloc(G * 3 * K, sizeof *g);
        assert_int_equal(crvm_value_segments(v, seg, (info.segments + 1) * W), CRVM_OK);
        assert_int_equal(crvm_value_segment_gradients(v, g, G * 3 * K), CRVM_OK);
        for (size_t s = 0; s < info.segments; s++) {
            size_t rows[2] = {(size_t)S.seg_group[q][s], G};
            const double *x = seg + s * W;
            for (int r = 0; r < 2; r++) {
                sum[rows[r] * W + CRVM_VS_CUSTOMERS] += x[CRVM_VS_CUSTOMERS];
                sum[rows[r] * W + CRVM_VS_EXPECTED_RETAINED] += x[CRVM_VS_EXPECTED_RETAINED];
                cents[rows[r] * 3] += llround(100 * x[CRVM_VS_CONTRIBUTION]);
                cents[rows[r] * 3 + 1] += llround(100 * x[CRVM_VS_RESIDUAL_VALUE]);
                cents[rows[r] * 3 + 2] += llround(100 * x[CRVM_VS_VALUE_AT_RISK]);
            }
        }
        for (size_t h = 0; h < G; h++)
            for (size_t j = 0; j < 3 * K; j++) {
                grad[h * 3 * K + j] += g[h * 3 * K + j];
                grad[G * 3 * K + j] += g[h * 3 * K + j];
            }
        free(seg);
        free(g);
        crvm_value_free(v);
    }
    /* crvm_value_fit()'s own gradients: the same sums, added in another order. */
    double *own = calloc(G * 3 * K, sizeof *own);
    assert_int_equal(crvm_value_segment_gradients(S.v, own, G * 3 * K), CRVM_OK);
    for (size_t j = 0; j < G * 3 * K; j++)
        assert_close(grad[j], own[j], 1e-11, 1e-9);
    free(own);
    double *want = calloc((G + 1) * W, sizeof *want);
    assert_int_equal(crvm_value_segments(S.v, want, (G + 1) * W), CRVM_OK);
    for (size_t g = 0; g <= G; g++) {
        const double *w = want + g * W;
        double out[2];
        assert_true(sum[g * W] == w[CRVM_VS_CUSTOMERS]);
        assert_int_equal(cents[g * 3], llround(100 * w[CRVM_VS_CONTRIBUTION]));
        assert_int_equal(cents[g * 3 + 1], llround(100 * w[CRVM_VS_RESIDUAL_VALUE]));
        assert_int_equal(cents[g * 3 + 2], llround(100 * w[CRVM_VS_VALUE_AT_RISK]));
        /* Sums of probabilities in another order: 1e-13 relative. */
        assert_close(sum[g * W + CRVM_VS_EXPECTED_RETAINED], w[CRVM_VS_EXPECTED_RETAINED], 1e-13, 0);
        assert_int_equal(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_COUNT, w[CRVM_VS_EXPECTED_RETAINED],
                                                 grad + g * 3 * K, K, out, 2),
                         CRVM_OK);
        assert_close(out[0], w[CRVM_VS_EXPECTED_RETAINED_LOWER], 1e-12, 0);
        assert_close(out[1], w[CRVM_VS_EXPECTED_RETAINED_UPPER], 1e-12, 0);
        const int cols[2][2] = {{CRVM_VS_RESIDUAL_VALUE_LOWER, CRVM_VS_RESIDUAL_VALUE_UPPER},
                                {CRVM_VS_VALUE_AT_RISK_LOWER, CRVM_VS_VALUE_AT_RISK_UPPER}};
        for (int u = 0; u < 2; u++) {
            assert_int_equal(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY,
                                                     (double)cents[g * 3 + 1 + (size_t)u] / 100.0,
                                                     grad + (g * 3 + 1 + (size_t)u) * K, K, out, 2),
                             CRVM_OK);
            /* Whole cents; the gradients' sums differ from the whole's in the
             * last bits only, far from a half cent. */
            assert_int_equal(llround(100 * out[0]), llround(100 * w[cols[u][0]]));
            assert_int_equal(llround(100 * out[1]), llround(100 * w[cols[u][1]]));
        }
    }
    free(sum), free(grad), free(cents), free(want);
}

/* Impacts by outcome, and the P&L's contact value effect, from the parts. */
static void impact_sums_add_up_to_the_whole(void **state)
{
    (void)state;
    const size_t K = S.K, O = CRVM_OUTCOME_COUNT, W = 2 + K;
    const crvm_date from = D(2024, 1, 1), until = S.as_of + 1;
    double *by = calloc(O * W, sizeof *by), effect[2 + 64] = {0};
    assert_true(K <= 64);
    for (size_t q = 0; q < PARTS; q++) {
        crvm_value *v = value_part(q);
        crvm_value_info info;
        assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
        int32_t *group = calloc(info.contacts + 1, sizeof *group), *one = calloc(info.contacts + 1, sizeof *one);
        size_t groups;
        assert_int_equal(crvm_value_contact_groups(v, CRVM_FIELD_OUTCOME, NULL, group, info.contacts, &groups),
                         CRVM_OK);
        assert_int_equal(groups, O);
        double *out = calloc(O * W, sizeof *out), e[2 + 64];
        assert_int_equal(crvm_value_impact_sums(v, CRVM_OUTCOME_RESOLVED, CRVM_DATE_MIN, until, group,
                                                info.contacts, O, out, O * W),
                         CRVM_OK);
        for (size_t j = 0; j < O * W; j++)
            by[j] += j % W == 1 ? 0 : out[j];
        for (size_t g = 0; g < O; g++) /* money as exact cents */
            by[g * W + 1] = (double)(llround(100 * by[g * W + 1]) + llround(100 * out[g * W + 1])) / 100.0;
        assert_int_equal(crvm_value_impact_sums(v, CRVM_VALUE_NO_CONTACT, from, until, one, info.contacts, 1, e,
                                                W),
                         CRVM_OK);
        effect[0] += e[0];
        effect[1] = (double)(llround(100 * effect[1]) + llround(100 * e[1])) / 100.0;
        for (size_t j = 2; j < W; j++)
            effect[j] += e[j];
        free(group), free(one), free(out);
        crvm_value_free(v);
    }
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(S.v, &info), CRVM_OK);
    int32_t *group = calloc(info.contacts + 1, sizeof *group);
    size_t groups;
    assert_int_equal(crvm_value_contact_groups(S.v, CRVM_FIELD_OUTCOME, NULL, group, info.contacts, &groups),
                     CRVM_OK);
    double want[CRVM_OUTCOME_COUNT * CRVM_IMPACT_COLUMNS], out[2];
    assert_int_equal(crvm_value_impact_by(S.v, CRVM_OUTCOME_RESOLVED, group, info.contacts, O, want,
                                          O * CRVM_IMPACT_COLUMNS),
                     CRVM_OK);
    int some = 0;
    for (size_t g = 0; g < O; g++) {
        const double *w = want + g * CRVM_IMPACT_COLUMNS, *x = by + g * W;
        assert_true(x[0] == w[CRVM_IMPACT_CONTACTS]);
        assert_int_equal(llround(100 * x[1]), llround(100 * w[CRVM_IMPACT_VALUE]));
        assert_int_equal(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, x[1], x + 2, K, out, 2), CRVM_OK);
        assert_int_equal(llround(100 * out[0]), llround(100 * w[CRVM_IMPACT_LOWER]));
        assert_int_equal(llround(100 * out[1]), llround(100 * w[CRVM_IMPACT_UPPER]));
        some |= w[CRVM_IMPACT_VALUE] != 0 && w[CRVM_IMPACT_UPPER] > w[CRVM_IMPACT_LOWER];
    }
    assert_true(some);
    double pnl[CRVM_PNL_LINES];
    assert_int_equal(crvm_value_support_pnl(S.v, from, until, pnl, CRVM_PNL_LINES), CRVM_OK);
    assert_true(effect[0] == pnl[CRVM_PNL_CONTACTS]);
    assert_int_equal(llround(100 * effect[1]), llround(100 * pnl[CRVM_PNL_CONTACT_VALUE_EFFECT]));
    assert_int_equal(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, effect[1], effect + 2, K, out, 2),
                     CRVM_OK);
    assert_int_equal(llround(100 * out[0]), llround(100 * pnl[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER]));
    assert_int_equal(llround(100 * out[1]), llround(100 * pnl[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER]));
    free(group);
    free(by);
}

/* A scenario's sums over the parts, added (contacts and cents exactly,
 * gradients to rounding) and assembled, give the whole base's scenario, to
 * the cent; assembled from the whole's own sums, its very bits. */
static void scenario_sums_add_up_to_the_whole(void **state)
{
    (void)state;
    const size_t K = S.K, W = 3 + K;
    crvm_scenario sc[3] = {CRVM_SCENARIO_INIT, CRVM_SCENARIO_INIT, CRVM_SCENARIO_INIT};
    sc[0].share = 0.5;
    sc[0].extra_cost_per_contact = 40.0;
    sc[0].from = D(2024, 1, 1);
    sc[0].until = S.as_of + 1;
    sc[1].kind = CRVM_SCENARIO_SHIFT_TO_SELF_SERVICE;
    sc[1].channel = CRVM_CHANNEL_PHONE;
    sc[1].share = 0.5;
    sc[1].self_service_success = 0.6;
    sc[2].share = 1.0; /* refused -> workaround over the whole history, at no cost */
    for (int j = 0; j < 3; j++) {
        double *sum = calloc(W, sizeof *sum), *part = calloc(W, sizeof *part);
        for (size_t q = 0; q < PARTS; q++) {
            crvm_value *v = value_part(q);
            assert_int_equal(crvm_value_scenario_sums(v, &sc[j], part, W), CRVM_OK);
            assert_true(part[2] == nearbyint(part[2]));
            for (size_t a = 0; a < W; a++)
                sum[a] += part[a];
            crvm_value_free(v);
        }
        double want[CRVM_SCEN_COLUMNS], got[CRVM_SCEN_COLUMNS], self[CRVM_SCEN_COLUMNS];
        assert_int_equal(crvm_value_scenario(S.v, &sc[j], want, CRVM_SCEN_COLUMNS), CRVM_OK);
        assert_int_equal(crvm_value_scenario_assemble(S.model, 0.95, sum, W, got, CRVM_SCEN_COLUMNS), CRVM_OK);
        assert_true(got[CRVM_SCEN_CONTACTS] == want[CRVM_SCEN_CONTACTS] && want[CRVM_SCEN_CONTACTS] > 0);
        for (int c = CRVM_SCEN_COST_CHANGE; c < CRVM_SCEN_COLUMNS; c++)
            assert_int_equal(llround(100 * got[c]), llround(100 * want[c]));
        assert_true(want[CRVM_SCEN_VALUE_CHANGE_LOWER] < want[CRVM_SCEN_VALUE_CHANGE_UPPER]);
        assert_int_equal(crvm_value_scenario_sums(S.v, &sc[j], part, W), CRVM_OK);
        assert_int_equal(crvm_value_scenario_assemble(S.model, 0.95, part, W, self, CRVM_SCEN_COLUMNS), CRVM_OK);
        assert_memory_equal(self, want, sizeof want);
        free(sum);
        free(part);
    }
    /* Errors. */
    double sums[3 + 64] = {0}, out[CRVM_SCEN_COLUMNS];
    crvm_scenario bad = CRVM_SCENARIO_INIT;
    bad.share = 2.0;
    assert_status(crvm_value_scenario_sums(NULL, &sc[0], sums, W), CRVM_EINVAL);
    assert_status(crvm_value_scenario_sums(S.v, &bad, sums, W), CRVM_EINVAL);
    assert_status(crvm_value_scenario_sums(S.v, &sc[0], sums, W - 1), CRVM_EINVAL);
    assert_status(crvm_value_scenario_sums(S.v, &sc[0], NULL, W), CRVM_EINVAL);
    assert_status(crvm_value_scenario_assemble(NULL, 0.95, sums, W, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    assert_status(crvm_value_scenario_assemble(S.model, 0.95, sums, W - 1, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    assert_status(crvm_value_scenario_assemble(S.model, 0.95, sums, W, out, CRVM_SCEN_COLUMNS - 1), CRVM_EINVAL);
    assert_status(crvm_value_scenario_assemble(S.model, 1.0, sums, W, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    sums[2] = 0.5;
    assert_status(crvm_value_scenario_assemble(S.model, 0.95, sums, W, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    sums[2] = NAN;
    assert_status(crvm_value_scenario_assemble(S.model, 0.95, sums, W, out, CRVM_SCEN_COLUMNS), CRVM_EINVAL);
    sums[2] = 0x1p60;
    assert_status(crvm_value_scenario_assemble(S.model, 0.95, sums, W, out, CRVM_SCEN_COLUMNS), CRVM_EDOMAIN);
    sums[2] = 0;
    sums[1] = 1e300;
    assert_status(crvm_value_scenario_assemble(S.model, 0.95, sums, W, out, CRVM_SCEN_COLUMNS), CRVM_EDOMAIN);
}

/* The interval of a sum: se = sqrt(g' Sigma g) by hand, z = 1.959964 for 95%. */
static void sum_interval_is_the_delta_method(void **state)
{
    (void)state;
    const size_t K = S.K;
    double *cov = calloc(K * K, sizeof *cov), *g = calloc(K, sizeof *g), out[2];
    assert_int_equal(crvm_retention_cov_covariance(S.model, cov, K * K), CRVM_OK);
    for (size_t a = 0; a < K; a++)
        g[a] = 1000.0 * (double)(a + 1);
    long double var = 0;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++)
            var += (long double)g[a] * cov[a * K + b] * g[b];
    double se = sqrtl(var), z = 1.959963984540054; /* the normal 97.5% quantile, from a table */
    assert_int_equal(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_COUNT, 10.0, g, K, out, 2), CRVM_OK);
    /* Sums of K^2 products in another order and precision: 1e-12 relative. */
    assert_close(out[0], 10.0 - z * se, 1e-12, 1e-12);
    assert_close(out[1], 10.0 + z * se, 1e-12, 1e-12);
    assert_int_equal(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, 123.45, g, K, out, 2), CRVM_OK);
    /* Whole cents of 12345 -+ z se (se is in cents). */
    assert_close(out[0], (double)llround(12345 - z * se) / 100.0, 0, 0.0100001);
    assert_close(out[1], (double)llround(12345 + z * se) / 100.0, 0, 0.0100001);
    assert_true(fabs(round(out[0] * 100) - out[0] * 100) < 1e-6);
    free(cov), free(g);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    crvm_ledger_stats st;
    assert_int_equal(crvm_ledger_stats_get(S.part[0], &st), CRVM_OK);
    crvm_value_rows *r;
    crvm_value *v;
    assert_status(crvm_value_rows_build(NULL, S.as_of, NULL, &r), CRVM_EINVAL);
    assert_status(crvm_value_rows_build(S.whole, S.as_of, NULL, NULL), CRVM_EINVAL);
    assert_status(crvm_value_rows_build(S.whole, D(2010, 1, 1), NULL, &r), CRVM_EINVAL);
    crvm_value_options o;
    crvm_value_options_init(&o);
    o.horizon = 0;
    assert_status(crvm_value_rows_build(S.whole, S.as_of, &o, &r), CRVM_EINVAL);
    assert_status(crvm_value_rows_size(NULL, NULL, NULL), CRVM_EINVAL);
    assert_int_equal(crvm_value_rows_build(S.whole, S.as_of, NULL, &r), CRVM_OK);
    size_t subjects, rows;
    assert_int_equal(crvm_value_rows_size(r, &subjects, &rows), CRVM_OK);
    int32_t x[4];
    double zz[4];
    assert_status(crvm_value_rows_get(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_value_rows_get(r, x, 4, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_value_rows_get(r, NULL, 0, NULL, 0, NULL, 0, NULL, 0, zz, rows, NULL, 0), CRVM_EINVAL);
    assert_status(crvm_value_rows_get(r, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 3), CRVM_EINVAL);
    crvm_value_rows_free(r);
    crvm_value_rows_free(NULL);
    assert_null(crvm_value_candidate_name(-1));
    assert_null(crvm_value_candidate_name(C));
    assert_string_equal(crvm_value_candidate_name(5), "silent_3_5");

#define FIT(ledger, opt, model, sg, sgl, cov, covl, fg, fgl, fz, fzl, fc, fcl, out)                        \
    crvm_value_fit_shared(ledger, NULL, S.as_of, opt, model, sg, sgl, cov, covl, fg, fgl, fz, fzl, fc, fcl, out)
    const int32_t *sg = S.seg_group[0];
    const size_t ns = st.segments, m = S.entries;
    assert_status(FIT(NULL, NULL, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    assert_status(FIT(S.part[0], NULL, NULL, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns - 1, S.covariates, S.p, S.f_group, m, S.f_z, m * C,
                      S.f_count, 2 * m, &v), CRVM_EINVAL);
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns, S.covariates, S.p - 1, S.f_group, m, S.f_z, m * C,
                      S.f_count, 2 * m, &v), CRVM_EINVAL);
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C - 1,
                      S.f_count, 2 * m, &v), CRVM_EINVAL);
    int32_t twice[8] = {0, 0, 0, 0, 0, 0, 0, 0}, bad_cov[C];
    assert_status(FIT(S.part[0], NULL, S.model, twice, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C,
                      S.f_count, 2 * m, &v), CRVM_EINVAL);
    memcpy(bad_cov, S.covariates, sizeof bad_cov);
    bad_cov[0] = C;
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns, bad_cov, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    bad_cov[0] = S.covariates[1];
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns, bad_cov, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    double saved = S.f_count[0];
    S.f_count[0] = -1;
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C,
                      S.f_count, 2 * m, &v), CRVM_EINVAL);
    S.f_count[0] = saved;
    int32_t saved_group = S.f_group[0];
    S.f_group[0] = (int32_t)S.groups;
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C,
                      S.f_count, 2 * m, &v), CRVM_EINVAL);
    S.f_group[0] = saved_group;
    crvm_value_options_init(&o);
    o.shrinkage = 2;
    assert_status(FIT(S.part[0], &o, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    o.shrinkage = 0;
    o.model = CRVM_VALUE_SBG; /* the model is a BdW */
    assert_status(FIT(S.part[0], &o, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    o.model = CRVM_VALUE_COX;
    assert_status(FIT(S.part[0], &o, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    /* A model without covariance. */
    double *params = calloc(S.K, sizeof *params);
    assert_int_equal(crvm_retention_cov_params(S.model, params, S.K), CRVM_OK);
    crvm_retention_cov *bare;
    assert_int_equal(crvm_retention_cov_new(CRVM_RETENTION_BDW, S.groups, S.p, params, S.K, NULL, 0, &bare),
                     CRVM_OK);
    assert_status(FIT(S.part[0], NULL, bare, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C, S.f_count,
                      2 * m, &v), CRVM_EINVAL);
    double g[64] = {0}, out[2];
    assert_status(crvm_value_sum_interval(bare, 0.95, CRVM_SUM_MONEY, 1.0, g, S.K, out, 2), CRVM_ESTATE);
    crvm_retention_cov_free(bare);
    free(params);
    assert_status(FIT(S.part[0], NULL, S.model, sg, ns, S.covariates, S.p, S.f_group, m, S.f_z, m * C,
                      S.f_count, 2 * m, NULL), CRVM_EINVAL);

    /* The exports. */
    v = value_part(0);
    double *grad = calloc(S.groups * 3 * S.K, sizeof *grad);
    assert_status(crvm_value_segment_gradients(NULL, grad, S.groups * 3 * S.K), CRVM_EINVAL);
    assert_status(crvm_value_segment_gradients(v, grad, S.groups * 3 * S.K - 1), CRVM_EINVAL);
    assert_status(crvm_value_segment_gradients(v, NULL, S.groups * 3 * S.K), CRVM_EINVAL);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
    int32_t *group = calloc(info.contacts + 1, sizeof *group);
    double *sums = calloc(2 + S.K, sizeof *sums);
    const crvm_date end = S.as_of + 1;
    assert_status(crvm_value_impact_sums(NULL, 0, CRVM_DATE_MIN, end, group, info.contacts, 1, sums, 2 + S.K),
                  CRVM_EINVAL);
    assert_status(crvm_value_impact_sums(v, 9, CRVM_DATE_MIN, end, group, info.contacts, 1, sums, 2 + S.K),
                  CRVM_EINVAL);
    assert_status(crvm_value_impact_sums(v, 0, end, CRVM_DATE_MIN, group, info.contacts, 1, sums, 2 + S.K),
                  CRVM_EINVAL);
    assert_status(crvm_value_impact_sums(v, 0, CRVM_DATE_MIN, end + 5, group, info.contacts, 1, sums, 2 + S.K),
                  CRVM_EINVAL);
    assert_status(crvm_value_impact_sums(v, 0, CRVM_DATE_MIN, end, group, info.contacts - 1, 1, sums, 2 + S.K),
                  CRVM_EINVAL);
    assert_status(crvm_value_impact_sums(v, 0, CRVM_DATE_MIN, end, group, info.contacts, 1, sums, 1 + S.K),
                  CRVM_EINVAL);
    group[0] = 1;
    assert_status(crvm_value_impact_sums(v, 0, CRVM_DATE_MIN, end, group, info.contacts, 1, sums, 2 + S.K),
                  CRVM_EINVAL);
    group[0] = 0;
    assert_status(crvm_value_sum_interval(NULL, 0.95, CRVM_SUM_MONEY, 1.0, g, S.K, out, 2), CRVM_EINVAL);
    assert_status(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, 1.0, g, S.K - 1, out, 2), CRVM_EINVAL);
    assert_status(crvm_value_sum_interval(S.model, 1.0, CRVM_SUM_MONEY, 1.0, g, S.K, out, 2), CRVM_EINVAL);
    assert_status(crvm_value_sum_interval(S.model, 0.95, (crvm_sum_kind)7, 1.0, g, S.K, out, 2), CRVM_EINVAL);
    assert_status(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, NAN, g, S.K, out, 2), CRVM_EINVAL);
    assert_status(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, 1.0, g, S.K, out, 1), CRVM_EINVAL);
    g[0] = INFINITY;
    assert_status(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, 1.0, g, S.K, out, 2), CRVM_EINVAL);
    crvm_value_free(v);

    /* ESTATE: a value without a covariate retention model (the Cox option),
     * without covariates, or of a modified ledger. */
    crvm_value_options_init(&o);
    o.model = CRVM_VALUE_COX;
    assert_int_equal(crvm_value_fit(S.whole, NULL, S.as_of, &o, &v), CRVM_OK);
    assert_status(crvm_value_segment_gradients(v, grad, S.groups * 3 * S.K), CRVM_ESTATE);
    assert_status(crvm_value_impact_sums(v, 0, CRVM_DATE_MIN, end, NULL, 0, 1, sums, 2 + S.K), CRVM_ESTATE);
    crvm_value_free(v);
    free(grad), free(group), free(sums);
#undef FIT
}

/* A part whose as_of makes no customer active is still valued (its sums are
 * zero); the degenerate retention data of a whole fit do not arise here. */
static void a_part_with_no_active_customer_is_valued(void **state)
{
    (void)state;
    crvm_ledger *l;
    assert_int_equal(crvm_ledger_new(&l), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "gone", "smb", D(2023, 1, 5), D(2023, 8, 5)), CRVM_OK);
    int32_t group = 0;
    size_t at;
    assert_int_equal(crvm_ledger_find(S.whole, CRVM_TABLE_COUNT, "smb", &at), CRVM_OK);
    group = (int32_t)at;
    crvm_value *v;
    assert_int_equal(crvm_value_fit_shared(l, NULL, D(2023, 9, 1), NULL, S.model, &group, 1, S.covariates, S.p,
                                           S.f_group, S.entries, S.f_z, S.entries * C, S.f_count,
                                           2 * S.entries, &v),
                     CRVM_OK);
    crvm_value_info info;
    assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
    assert_int_equal(info.active, 0);
    double *g = calloc(S.groups * 3 * S.K, sizeof *g);
    assert_int_equal(crvm_value_segment_gradients(v, g, S.groups * 3 * S.K), CRVM_OK);
    for (size_t j = 0; j < S.groups * 3 * S.K; j++)
        assert_true(g[j] == 0);
    free(g);
    crvm_value_free(v);
    /* The ledger modified after the fit. */
    assert_int_equal(crvm_value_fit_shared(l, NULL, D(2023, 9, 1), NULL, S.model, &group, 1, S.covariates, S.p,
                                           S.f_group, S.entries, S.f_z, S.entries * C, S.f_count,
                                           2 * S.entries, &v),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(l, "new", "smb", D(2023, 2, 5), CRVM_DATE_NONE), CRVM_OK);
    double gg[64], sums[66];
    assert_status(crvm_value_segment_gradients(v, gg, S.groups * 3 * S.K), CRVM_ESTATE);
    assert_status(crvm_value_impact_sums(v, 0, CRVM_DATE_MIN, D(2023, 9, 2), NULL, 0, 1, sums, 2 + S.K),
                  CRVM_ESTATE);
    crvm_value_free(v);
    crvm_ledger_free(l);
}

/* A customer whose gross margin fits in cents but whose value does not
 * (value_support.c's whale): its residual value while it is a customer, and
 * its contact's impact after it left, are refused, as by crvm_value_fit(). */
static void overflowing_figures_are_refused(void **state)
{
    (void)state;
    vs_business b;
    memset(&b, 0, sizeof b);
    assert_int_equal(crvm_ledger_new(&b.ledger), CRVM_OK);
    assert_int_equal(crvm_ledger_add_customer(b.ledger, "keeper", "mid_market", D(2023, 1, 5), CRVM_DATE_NONE),
                     CRVM_OK);
    assert_int_equal(crvm_ledger_add_revenue_event(b.ledger, "keeper", D(2024, 6, 5), 50.0, CRVM_STREAM_SUBSCRIPTION),
                     CRVM_OK);
    vs_add_whale(&b);
    int32_t group;
    size_t at;
    assert_int_equal(crvm_ledger_find(S.whole, CRVM_TABLE_COUNT, "mid_market", &at), CRVM_OK);
    group = (int32_t)at;
    crvm_value *v;
#define FIT(as_of, out)                                                                                     \
    crvm_value_fit_shared(b.ledger, NULL, as_of, NULL, S.model, &group, 1, S.covariates, S.p, S.f_group,      \
                          S.entries, S.f_z, S.entries * C, S.f_count, 2 * S.entries, out)
    assert_status(FIT(D(2024, 3, 1), &v), CRVM_EDOMAIN);
    assert_int_equal(FIT(S.as_of, &v), CRVM_OK);
#undef FIT
    int32_t one[1] = {0};
    double sums[2 + 64];
    /* Against no contact. The model of the 300 customers simulated under
     * valgrind moves the whale's value by 8.2e13 only, inside 2^53 cents. */
    if (!vs_under_valgrind())
        assert_status(crvm_value_impact_sums(v, CRVM_VALUE_NO_CONTACT, CRVM_DATE_MIN, S.as_of + 1, one, 1, 1,
                                             sums, 2 + S.K),
                      CRVM_EDOMAIN);
    crvm_value_free(v);
    crvm_ledger_free(b.ledger);
}

/* The P&L's knowledge lines by parts: the parts' estimate statistics sum to
 * the whole's, whose estimate is crvm_knowledge_value()'s, and the parts'
 * per-article sums give crvm_value_support_pnl()'s knowledge lines to the
 * cent, over the whole history and over a window inside it. */
static void knowledge_lines_add_up_to_the_whole(void **state)
{
    (void)state;
    double whole[CRVM_KE_STATS], total[CRVM_KE_STATS] = {0}, part[CRVM_KE_STATS];
    assert_int_equal(crvm_knowledge_estimate_stats(S.whole, NULL, S.as_of, whole, CRVM_KE_STATS), CRVM_OK);
    for (int q = 0; q < PARTS; q++) {
        assert_int_equal(crvm_knowledge_estimate_stats(S.part[q], NULL, S.as_of, part, CRVM_KE_STATS), CRVM_OK);
        for (size_t j = 0; j < CRVM_KE_STATS; j++)
            total[j] += part[j];
    }
    for (size_t j = 0; j < CRVM_KE_STATS; j++) /* counts and whole cents exact; minutes re-ordered sums */
        assert_close(total[j], whole[j], 1e-13, 0);
    crvm_knowledge_estimate e, ref;
    assert_int_equal(crvm_knowledge_estimate_from_stats(NULL, total, CRVM_KE_STATS, &e), CRVM_OK);
    crvm_ledger_stats ls;
    assert_int_equal(crvm_ledger_stats_get(S.whole, &ls), CRVM_OK);
    const size_t na = ls.articles;
    double *kv = calloc(na * CRVM_KV_COLUMNS + 1, sizeof *kv);
    assert_int_equal(crvm_knowledge_value(S.whole, NULL, S.as_of, kv, na * CRVM_KV_COLUMNS, &ref), CRVM_OK);
    free(kv);
    assert_true(e.minutes_saved_estimated && e.avoided_cost_estimated && e.cells_used > 0);
    assert_int_equal(e.cells_used, ref.cells_used);
    assert_int_equal(e.linked_contacts, ref.linked_contacts);
    assert_int_equal(e.unlinked_contacts, ref.unlinked_contacts);
    assert_close(e.minutes_saved, ref.minutes_saved, 1e-13, 0);         /* re-ordered sums of minutes */
    assert_close(e.avoided_contact_cost, ref.avoided_contact_cost, 0, 0); /* whole cents: exact */
    const crvm_date windows[][2] = {{CRVM_DATE_MIN, S.as_of + 1}, {D(2023, 11, 1), D(2024, 3, 1)}};
    double *sums = calloc(2 * na + 1, sizeof *sums), *one = calloc(2 * na + 1, sizeof *one);
    for (size_t w = 0; w < 2; w++) {
        crvm_date from = windows[w][0], until = windows[w][1];
        memset(sums, 0, 2 * na * sizeof *sums);
        for (int q = 0; q < PARTS; q++) {
            assert_int_equal(crvm_pnl_knowledge_sums(S.part[q], NULL, &e, S.as_of, from, until, one, 2 * na),
                             CRVM_OK);
            for (size_t j = 0; j < 2 * na; j++)
                sums[j] += one[j];
        }
        double lines[3], pnl[CRVM_PNL_LINES];
        assert_int_equal(crvm_pnl_knowledge_lines(S.part[1], NULL, &e, S.as_of, from, until, sums, 2 * na,
                                                  lines, 3),
                         CRVM_OK);
        assert_int_equal(crvm_value_support_pnl(S.v, from, until, pnl, CRVM_PNL_LINES), CRVM_OK);
        assert_true(lines[0] > 0 && lines[1] > 0 && lines[2] > 0);
        assert_int_equal(llround(100 * lines[0]), llround(100 * pnl[CRVM_PNL_KNOWLEDGE_LABOUR_SAVING]));
        assert_int_equal(llround(100 * lines[1]), llround(100 * pnl[CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING]));
        assert_int_equal(llround(100 * lines[2]), llround(100 * pnl[CRVM_PNL_KNOWLEDGE_COST]));
    }
    free(sums);
    free(one);
}

/* Each documented error of the knowledge calls by parts. */
static void knowledge_part_errors_are_refused(void **state)
{
    (void)state;
    double stats[CRVM_KE_STATS], lines[3], two[2 * 64];
    crvm_knowledge_estimate e;
    crvm_cost_model bad, huge;
    crvm_cost_model_init_defaults(&bad);
    bad.hourly_rate[0] = -1;
    crvm_cost_model_init_defaults(&huge);
    for (int t = 0; t < CRVM_TIER_COUNT; t++)
        huge.hourly_rate[t] = 1e300; /* finite, valid, and a contact's cost beyond 2^53 cents */
    assert_status(crvm_knowledge_estimate_stats(NULL, NULL, S.as_of, stats, CRVM_KE_STATS), CRVM_EINVAL);
    assert_status(crvm_knowledge_estimate_stats(S.whole, NULL, S.as_of, stats, 3), CRVM_EINVAL);
    assert_status(crvm_knowledge_estimate_stats(S.whole, &bad, S.as_of, stats, CRVM_KE_STATS), CRVM_EINVAL);
    assert_status(crvm_knowledge_estimate_stats(S.whole, &huge, S.as_of, stats, CRVM_KE_STATS), CRVM_EDOMAIN);
    assert_int_equal(crvm_knowledge_estimate_stats(S.part[0], NULL, S.as_of, stats, CRVM_KE_STATS), CRVM_OK);
    assert_status(crvm_knowledge_estimate_from_stats(NULL, NULL, CRVM_KE_STATS, &e), CRVM_EINVAL);
    assert_status(crvm_knowledge_estimate_from_stats(NULL, stats, 3, &e), CRVM_EINVAL);
    assert_status(crvm_knowledge_estimate_from_stats(&bad, stats, CRVM_KE_STATS, &e), CRVM_EINVAL);
    stats[0] = -1;
    assert_status(crvm_knowledge_estimate_from_stats(NULL, stats, CRVM_KE_STATS, &e), CRVM_EINVAL);
    stats[0] = NAN;
    assert_status(crvm_knowledge_estimate_from_stats(NULL, stats, CRVM_KE_STATS, &e), CRVM_EINVAL);
    stats[0] = 0;
    assert_int_equal(crvm_knowledge_estimate_from_stats(NULL, stats, CRVM_KE_STATS, &e), CRVM_OK);
    crvm_ledger_stats ls;
    assert_int_equal(crvm_ledger_stats_get(S.part[0], &ls), CRVM_OK);
    const size_t n2 = 2 * ls.articles;
    assert_true(n2 <= sizeof two / sizeof *two);
    const crvm_date t = S.as_of;
    assert_status(crvm_pnl_knowledge_sums(NULL, NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2), CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_sums(S.part[0], NULL, NULL, t, CRVM_DATE_MIN, t + 1, two, n2), CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_sums(S.part[0], &bad, &e, t, CRVM_DATE_MIN, t + 1, two, n2), CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_sums(S.part[0], NULL, &e, t, t, t - 1, two, n2), CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_sums(S.part[0], NULL, &e, t, CRVM_DATE_MIN, t + 2, two, n2), CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_sums(S.part[0], NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2 - 1), CRVM_EINVAL);
    assert_int_equal(crvm_pnl_knowledge_sums(S.part[0], NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2), CRVM_OK);
    assert_status(crvm_pnl_knowledge_lines(NULL, NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2, lines, 3), CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_lines(S.part[0], NULL, NULL, t, CRVM_DATE_MIN, t + 1, two, n2, lines, 3),
                  CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_lines(S.part[0], &bad, &e, t, CRVM_DATE_MIN, t + 1, two, n2, lines, 3),
                  CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_lines(S.part[0], NULL, &e, t, t, t - 1, two, n2, lines, 3), CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_lines(S.part[0], NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2 - 1, lines, 3),
                  CRVM_EINVAL);
    assert_status(crvm_pnl_knowledge_lines(S.part[0], NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2, lines, 2),
                  CRVM_EINVAL);
    two[0] = INFINITY;
    assert_status(crvm_pnl_knowledge_lines(S.part[0], NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2, lines, 3),
                  CRVM_EINVAL);
    two[0] = 1e14; /* 10^16 cents of one article's labour saving: beyond 2^53 */
    assert_status(crvm_pnl_knowledge_lines(S.part[0], NULL, &e, t, CRVM_DATE_MIN, t + 1, two, n2, lines, 3),
                  CRVM_EDOMAIN);
}

/* The whole base's P&L from its parts: the lines that are sums over
 * customers added in cents, the contact value effect's interval from the
 * summed gradient, the knowledge lines from the summed article sums, and
 * crvm_pnl_assemble() forming the totals: every line equals
 * crvm_value_support_pnl() of the whole (cents exactly; the ratios to
 * rounding), and the totals are the sums the test forms itself. */
static void a_pnl_assembled_from_the_parts_is_the_whole(void **state)
{
    (void)state;
    const size_t K = S.K, W = 2 + K;
    const crvm_date from = D(2023, 11, 1), until = S.as_of + 1;
    static const int summed[] = {CRVM_PNL_SUPPORT_PLAN_REVENUE, CRVM_PNL_SOURCED_REVENUE,
                                 CRVM_PNL_LABOUR_COST, CRVM_PNL_CHANNEL_COST, CRVM_PNL_ESCALATION_COST,
                                 CRVM_PNL_OVERHEAD_COST, CRVM_PNL_SELF_SERVICE_COST};
    long long cents[CRVM_PNL_LINES] = {0}, effect = 0;
    double contacts = 0, gradient[64] = {0}, stats[CRVM_KE_STATS] = {0}, one[CRVM_KE_STATS];
    assert_true(K <= 64);
    for (int q = 0; q < PARTS; q++) {
        assert_int_equal(crvm_knowledge_estimate_stats(S.part[q], NULL, S.as_of, one, CRVM_KE_STATS), CRVM_OK);
        for (size_t j = 0; j < CRVM_KE_STATS; j++)
            stats[j] += one[j];
    }
    crvm_knowledge_estimate e;
    assert_int_equal(crvm_knowledge_estimate_from_stats(NULL, stats, CRVM_KE_STATS, &e), CRVM_OK);
    crvm_ledger_stats ls;
    assert_int_equal(crvm_ledger_stats_get(S.whole, &ls), CRVM_OK);
    const size_t na = ls.articles;
    double *sums = calloc(2 * na + 1, sizeof *sums), *part = calloc(2 * na + 1, sizeof *part);
    for (size_t q = 0; q < PARTS; q++) {
        crvm_value *v = value_part(q);
        crvm_value_info info;
        assert_int_equal(crvm_value_get_info(v, &info), CRVM_OK);
        double pnl[CRVM_PNL_LINES], x[2 + 64];
        assert_int_equal(crvm_value_support_pnl(v, from, until, pnl, CRVM_PNL_LINES), CRVM_OK);
        for (size_t j = 0; j < sizeof summed / sizeof *summed; j++)
            cents[summed[j]] += llround(100 * pnl[summed[j]]);
        contacts += pnl[CRVM_PNL_CONTACTS];
        int32_t *group = calloc(info.contacts + 1, sizeof *group);
        assert_int_equal(crvm_value_impact_sums(v, CRVM_VALUE_NO_CONTACT, from, until, group, info.contacts, 1,
                                                x, W),
                         CRVM_OK);
        effect += llround(100 * x[1]);
        for (size_t j = 0; j < K; j++)
            gradient[j] += x[2 + j];
        assert_int_equal(crvm_pnl_knowledge_sums(S.part[q], NULL, &e, S.as_of, from, until, part, 2 * na),
                         CRVM_OK);
        for (size_t j = 0; j < 2 * na; j++)
            sums[j] += part[j];
        free(group);
        crvm_value_free(v);
    }
    double lines[CRVM_PNL_LINES], know[3], interval[2], out[CRVM_PNL_LINES], want[CRVM_PNL_LINES];
    for (size_t j = 0; j < CRVM_PNL_LINES; j++)
        lines[j] = (double)cents[j] / 100.0;
    assert_int_equal(crvm_pnl_knowledge_lines(S.part[0], NULL, &e, S.as_of, from, until, sums, 2 * na, know, 3),
                     CRVM_OK);
    lines[CRVM_PNL_KNOWLEDGE_LABOUR_SAVING] = know[0];
    lines[CRVM_PNL_KNOWLEDGE_DEFLECTION_SAVING] = know[1];
    lines[CRVM_PNL_KNOWLEDGE_COST] = know[2];
    lines[CRVM_PNL_CONTACT_VALUE_EFFECT] = (double)effect / 100.0;
    assert_int_equal(crvm_value_sum_interval(S.model, 0.95, CRVM_SUM_MONEY, (double)effect / 100.0, gradient, K,
                                             interval, 2),
                     CRVM_OK);
    lines[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER] = interval[0];
    lines[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER] = interval[1];
    lines[CRVM_PNL_CONTACTS] = contacts;
    lines[CRVM_PNL_VALUE] = lines[CRVM_PNL_COST] = -1; /* totals: ignored */
    assert_int_equal(crvm_pnl_assemble(lines, CRVM_PNL_LINES, out, CRVM_PNL_LINES), CRVM_OK);
    assert_int_equal(crvm_value_support_pnl(S.v, from, until, want, CRVM_PNL_LINES), CRVM_OK);
    for (int j = 0; j < CRVM_PNL_LINES; j++) {
        const int ratio = j >= CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR && j <= CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER;
        if (ratio) /* quotients of the same cents: the interval's ends may differ in their last bits */
            assert_close(out[j], want[j], 1e-12, 0);
        else if (llround(100 * out[j]) != llround(100 * want[j]))
            fail_msg("line %s: %.17g from the parts, %.17g whole", crvm_pnl_line_name(j), out[j], want[j]);
    }
    /* The totals by the test's own sums. */
    long long gain = 0, cost = 0;
    for (int j = CRVM_PNL_SUPPORT_PLAN_REVENUE; j <= CRVM_PNL_CONTACT_VALUE_EFFECT; j++)
        gain += llround(100 * out[j]);
    for (int j = CRVM_PNL_LABOUR_COST; j <= CRVM_PNL_KNOWLEDGE_COST; j++)
        cost += llround(100 * out[j]);
    assert_true(cost > 0 && out[CRVM_PNL_CONTACTS] > 0);
    assert_int_equal(llround(100 * out[CRVM_PNL_VALUE]), gain);
    assert_int_equal(llround(100 * out[CRVM_PNL_COST]), cost);
    assert_int_equal(llround(100 * out[CRVM_PNL_NET_CONTRIBUTION]), gain - cost);
    assert_close(out[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR], (double)gain / (double)cost, 1e-15, 0);
    /* out may be lines. */
    assert_int_equal(crvm_pnl_assemble(lines, CRVM_PNL_LINES, lines, CRVM_PNL_LINES), CRVM_OK);
    assert_memory_equal(lines, out, sizeof out);
    free(sums);
    free(part);
}

/* Each documented error of crvm_pnl_assemble(). */
static void pnl_assemble_errors_are_refused(void **state)
{
    (void)state;
    double good[CRVM_PNL_LINES] = {0}, x[CRVM_PNL_LINES], out[CRVM_PNL_LINES];
    good[CRVM_PNL_SUPPORT_PLAN_REVENUE] = 1234.56;
    good[CRVM_PNL_LABOUR_COST] = 99.99;
    good[CRVM_PNL_CONTACT_VALUE_EFFECT] = -12.34;
    good[CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER] = -20.5;
    good[CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER] = -4.25;
    good[CRVM_PNL_CONTACTS] = 17;
    assert_int_equal(crvm_pnl_assemble(good, CRVM_PNL_LINES, out, CRVM_PNL_LINES), CRVM_OK);
    assert_close(out[CRVM_PNL_NET_CONTRIBUTION], 1234.56 - 12.34 - 99.99, 1e-15, 0);
    assert_close(out[CRVM_PNL_NET_CONTRIBUTION_LOWER], 1234.56 - 20.5 - 99.99, 1e-15, 0);
    assert_close(out[CRVM_PNL_VALUE_PER_SUPPORT_DOLLAR_UPPER], (123456.0 - 425.0) / 9999.0, 1e-15, 0);
    assert_status(crvm_pnl_assemble(NULL, CRVM_PNL_LINES, out, CRVM_PNL_LINES), CRVM_EINVAL);
    assert_status(crvm_pnl_assemble(good, CRVM_PNL_LINES, NULL, CRVM_PNL_LINES), CRVM_EINVAL);
    assert_status(crvm_pnl_assemble(good, CRVM_PNL_LINES - 1, out, CRVM_PNL_LINES), CRVM_EINVAL);
    assert_status(crvm_pnl_assemble(good, CRVM_PNL_LINES, out, CRVM_PNL_LINES + 1), CRVM_EINVAL);
    const struct {
        int line;
        double value;
        crvm_status status;
    } bad[] = {
        {CRVM_PNL_SOURCED_REVENUE, NAN, CRVM_EINVAL},
        {CRVM_PNL_SOURCED_REVENUE, 0.005, CRVM_EINVAL},           /* half a cent */
        {CRVM_PNL_CHANNEL_COST, -0.01, CRVM_EINVAL},              /* a negative cost */
        {CRVM_PNL_CONTACT_VALUE_EFFECT_LOWER, -10, CRVM_EINVAL},  /* above the effect */
        {CRVM_PNL_CONTACT_VALUE_EFFECT_UPPER, INFINITY, CRVM_EINVAL},
        {CRVM_PNL_CONTACTS, 2.5, CRVM_EINVAL},
        {CRVM_PNL_CONTACTS, -1, CRVM_EINVAL},
        {CRVM_PNL_KNOWLEDGE_COST, 1e14, CRVM_EDOMAIN},            /* 10^16 cents */
    };
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        memcpy(x, good, sizeof x);
        x[bad[b].line] = bad[b].value;
        assert_status(crvm_pnl_assemble(x, CRVM_PNL_LINES, out, CRVM_PNL_LINES), bad[b].status);
    }
    /* Each line below 2^53 cents, their total beyond it. */
    memcpy(x, good, sizeof x);
    x[CRVM_PNL_LABOUR_COST] = x[CRVM_PNL_CHANNEL_COST] = 6e13;
    assert_status(crvm_pnl_assemble(x, CRVM_PNL_LINES, out, CRVM_PNL_LINES), CRVM_EDOMAIN);
}

/* Allocation failures in the calls that allocate. */
typedef struct alloc_ctx {
    int call;
} alloc_ctx;

static crvm_status alloc_scenario(void *ctx)
{
    alloc_ctx *c = ctx;
    crvm_status st;
    if (c->call == 3) {
        double stats[CRVM_KE_STATS];
        return crvm_knowledge_estimate_stats(S.part[0], NULL, S.as_of, stats, CRVM_KE_STATS);
    }
    if (c->call == 0) {
        crvm_value_rows *r;
        st = crvm_value_rows_build(S.part[0], S.as_of, NULL, &r);
        crvm_value_rows_free(st ? NULL : r);
        return st;
    }
    crvm_ledger_stats ls;
    crvm_ledger_stats_get(S.part[0], &ls);
    crvm_value *v;
    st = crvm_value_fit_shared(S.part[0], NULL, S.as_of, NULL, S.model, S.seg_group[0], ls.segments,
                               S.covariates, S.p, S.f_group, S.entries, S.f_z, S.entries * C, S.f_count,
                               2 * S.entries, &v);
    if (st || c->call == 1) {
        if (!st)
            crvm_value_free(v);
        return st;
    }
    crvm_value_info info;
    crvm_value_get_info(v, &info);
    int32_t *group = calloc(info.contacts + 1, sizeof *group);
    double sums[2 + 64];
    st = crvm_value_impact_sums(v, CRVM_VALUE_NO_CONTACT, CRVM_DATE_MIN, S.as_of + 1, group, info.contacts, 1,
                                sums, 2 + S.K);
    free(group);
    crvm_value_free(v);
    return st;
}

static void allocation_failures_are_reported(void **state)
{
    (void)state;
    alloc_ctx c = {3};
    assert_true(test_every_allocation_failure(alloc_scenario, &c) == 1);
    c.call = 0;
    assert_true(test_every_allocation_failure(alloc_scenario, &c) >= 5);
    if (vs_under_valgrind())
        return; /* each site costs a valuation: the plain and sanitizer runs inject them all */
    c.call = 1;
    assert_true(test_every_allocation_failure(alloc_scenario, &c) > 10);
    c.call = 2;
    assert_true(test_every_allocation_failure(alloc_scenario, &c) > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_are_the_value_panel),
        cmocka_unit_test(a_fit_to_the_parts_is_the_whole_fit),
        cmocka_unit_test(each_part_gives_the_whole_rows),
        cmocka_unit_test(segment_sums_and_intervals_add_up),
        cmocka_unit_test(impact_sums_add_up_to_the_whole),
        cmocka_unit_test(scenario_sums_add_up_to_the_whole),
        cmocka_unit_test(sum_interval_is_the_delta_method),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(a_part_with_no_active_customer_is_valued),
        cmocka_unit_test(overflowing_figures_are_refused),
        cmocka_unit_test(knowledge_lines_add_up_to_the_whole),
        cmocka_unit_test(knowledge_part_errors_are_refused),
        cmocka_unit_test(a_pnl_assembled_from_the_parts_is_the_whole),
        cmocka_unit_test(pnl_assemble_errors_are_refused),
        cmocka_unit_test(allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
