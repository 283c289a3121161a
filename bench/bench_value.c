/* Value-layer benchmark (crvm/value.h): a simulated business is written to
 * CSV and loaded into a ledger; then the value stage is timed and its memory
 * measured beyond the ledger:
 *
 *   fit       crvm_value_fit (panel, contribution, retention fit, every customer valued)
 *   customers crvm_value_customers + crvm_value_segments
 *   impact    crvm_value_contact_groups (outcome) + crvm_value_impact_by
 *   pnl       crvm_value_support_pnl over the last 12 months
 *   outreach  crvm_value_outreach (100 by value at risk) + their drivers
 *
 *   ninja -C build bench/bench_value && build/bench/bench_value [customers] [threads] [dir] [repeats]
 *   (default 1000000 customers, 2 threads). With dir, the simulator's CSV files
 *   are kept there and reused by later runs (simulating 10^6 customers takes
 *   longer than the value stage, and alternating two builds on one business
 *   needs the same files). With repeats, each stage runs that many times and
 *   the run of least CPU is reported (on a shared machine the others' load
 *   inflates CPU time too, through the caches).
 *
 * Memory is counted by an allocator installed with crvm_set_allocator: the
 * library's peak bytes during each stage above what it held after loading
 * (the ledger), per customer. Output arrays the caller allocates (the
 * customers x 20 matrix, 160 bytes per customer) are the caller's and are
 * reported apart. Times: wall seconds and process CPU seconds (the machine
 * may be shared; CPU includes every thread).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "crvm/crvm.h"

/* ---- a counting allocator: a 16-byte header holds each block's size */
static atomic_llong current_bytes, peak_bytes;

static void note(long long delta)
{
    long long now = atomic_fetch_add(&current_bytes, delta) + delta;
    long long peak = atomic_load(&peak_bytes);
    while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now))
        ;
}

static void *count_malloc(size_t size, void *ctx)
{
    (void)ctx;
    size_t *p = malloc(size + 16);
    if (!p)
        return NULL;
    p[0] = size;
    note((long long)size);
    return (char *)p + 16;
}

static void *count_realloc(void *ptr, size_t size, void *ctx)
{
    if (!ptr)
        return count_malloc(size, ctx);
    size_t *old = (size_t *)((char *)ptr - 16), was = old[0];
    size_t *p = realloc(old, size + 16);
    if (!p)
        return NULL;
    p[0] = size;
    note((long long)size - (long long)was);
    return (char *)p + 16;
}

static void count_free(void *ptr, void *ctx)
{
    (void)ctx;
    if (!ptr)
        return;
    size_t *p = (size_t *)((char *)ptr - 16);
    note(-(long long)p[0]);
    free(p);
}

#define CHECK(call)                                                                    \
    do {                                                                               \
        crvm_status s_ = (call);                                                       \
        if (s_) {                                                                      \
            fprintf(stderr, "%s failed: %s\n", #call, crvm_last_error());              \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

typedef struct stage {
    const char *name;
    double wall, cpu, peak_bytes;
} stage;

static stage stages[8];
static size_t n_stages;
static double t_wall, t_cpu;
static long long base_bytes;

static void begin(void)
{
    atomic_store(&peak_bytes, atomic_load(&current_bytes));
    t_wall = now();
    t_cpu = cpu_seconds();
}

/* A repeated stage keeps its run of least CPU. */
static void end(const char *name)
{
    stage s = {name, now() - t_wall, cpu_seconds() - t_cpu, (double)(atomic_load(&peak_bytes) - base_bytes)};
    if (n_stages > 0 && strcmp(stages[n_stages - 1].name, name) == 0) {
        if (s.cpu < stages[n_stages - 1].cpu)
            stages[n_stages - 1] = s;
        return;
    }
    stages[n_stages++] = s;
}

int main(int argc, char **argv)
{
    size_t customers = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    int repeats = argc > 4 ? atoi(argv[4]) : 1;
    static const crvm_allocator counting = {count_malloc, count_realloc, count_free, NULL};
    CHECK(crvm_set_allocator(&counting));

    char tmp[] = "/tmp/crvm_bench_value_XXXXXX";
    const char *dir = argc > 3 ? argv[3] : tmp;
    int simulate = argc <= 3 || access(dir, F_OK) != 0;
    if (argc <= 3 && !mkdtemp(tmp))
        return 1;
    double w0 = now();
    if (simulate) {
        if (argc > 3 && mkdir(dir, 0700) != 0)
            return 1;
        crvm_sim_options o;
        crvm_sim_options_init(&o);
        o.customers = customers;
        o.seed = 7;
        CHECK(crvm_simulate_csv(&o, dir, NULL));
    }
    crvm_ledger *ledger;
    CHECK(crvm_ledger_new(&ledger));
    CHECK(crvm_load_directory(ledger, dir, NULL, NULL));
    CHECK(crvm_ledger_shrink(ledger));
    if (argc <= 3) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            return 1;
    }
    crvm_ledger_stats st;
    CHECK(crvm_ledger_stats_get(ledger, &st));
    base_bytes = atomic_load(&current_bytes);
    printf("business: %zu customers, %zu revenue events, %zu contacts, %zu knowledge uses; ledger %.1f MB "
           "(simulated and loaded in %.1f s)\n",
           st.customers, st.revenue_events, st.contacts, st.knowledge_uses, (double)base_bytes / 1e6,
           now() - w0);

    crvm_date as_of;
    CHECK(crvm_date_from_ymd(2024, 6, 14, &as_of));
    crvm_value_options opt;
    crvm_value_options_init(&opt);
    opt.threads = threads;
    crvm_value *v = NULL;
    for (int r = 0; r < repeats; r++) {
        crvm_value_free(v);
        begin();
        CHECK(crvm_value_fit(ledger, NULL, as_of, &opt, &v));
        end("fit");
    }
    long long held = atomic_load(&current_bytes) - base_bytes;
    crvm_value_info info;
    CHECK(crvm_value_get_info(v, &info));

    double *cust = malloc(info.customers * CRVM_VC_COLUMNS * sizeof *cust);
    double *seg = malloc((info.segments + 1) * CRVM_VS_COLUMNS * sizeof *seg);
    for (int r = 0; r < repeats; r++) {
        begin();
        CHECK(crvm_value_customers(v, cust, info.customers * CRVM_VC_COLUMNS));
        CHECK(crvm_value_segments(v, seg, (info.segments + 1) * CRVM_VS_COLUMNS));
        end("customers");
    }

    int32_t *group = malloc(info.contacts * sizeof *group);
    size_t groups;
    double by[4 * CRVM_IMPACT_COLUMNS];
    for (int r = 0; r < repeats; r++) {
        begin();
        CHECK(crvm_value_contact_groups(v, CRVM_FIELD_OUTCOME, NULL, group, info.contacts, &groups));
        CHECK(crvm_value_impact_by(v, CRVM_OUTCOME_RESOLVED, group, info.contacts, groups, by,
                                   4 * CRVM_IMPACT_COLUMNS));
        end("impact");
    }

    crvm_date from;
    double pnl[CRVM_PNL_LINES];
    CHECK(crvm_date_add_periods(as_of + 1, CRVM_PERIOD_MONTH, -12, &from));
    for (int r = 0; r < repeats; r++) {
        begin();
        CHECK(crvm_value_support_pnl(v, from, as_of + 1, pnl, CRVM_PNL_LINES));
        end("pnl");
    }

    int32_t chosen[100];
    size_t count;
    char text[256];
    begin();
    CHECK(crvm_value_outreach(v, CRVM_RANK_VALUE_AT_RISK, 100, chosen, 100, &count));
    for (size_t j = 0; j < count; j++)
        CHECK(crvm_value_drivers_text(v, (size_t)chosen[j], text, sizeof text));
    end("outreach");

    size_t subjects, rows;
    CHECK(crvm_value_panel_size(v, &subjects, &rows, NULL));
    printf("value stage, %d thread(s); as of 2024-06-14: %zu active customers, %zu customer-periods "
           "fitted\n", threads, info.active, rows);
    printf("  %-10s %9s %9s %14s\n", "stage", "wall s", "cpu s", "peak B/cust");
    double total_wall = 0, total_cpu = 0, peak = 0;
    for (size_t s = 0; s < n_stages; s++) {
        printf("  %-10s %9.2f %9.2f %14.1f\n", stages[s].name, stages[s].wall, stages[s].cpu,
               stages[s].peak_bytes / (double)customers);
        total_wall += stages[s].wall;
        total_cpu += stages[s].cpu;
        if (stages[s].peak_bytes > peak)
            peak = stages[s].peak_bytes;
    }
    printf("  %-10s %9.2f %9.2f %14.1f\n", "all", total_wall, total_cpu, peak / (double)customers);
    printf("  the value object holds %.1f bytes per customer after the fit; the caller's customer "
           "matrix is %d bytes per customer\n", (double)held / (double)customers,
           (int)(CRVM_VC_COLUMNS * sizeof(double)));
    printf("  residual value %.0f (%.0f - %.0f), value at risk %.0f; refusals' impact %.0f (%.0f - %.0f); "
           "support net contribution, last 12 months, %.0f\n",
           seg[info.segments * CRVM_VS_COLUMNS + CRVM_VS_RESIDUAL_VALUE],
           seg[info.segments * CRVM_VS_COLUMNS + CRVM_VS_RESIDUAL_VALUE_LOWER],
           seg[info.segments * CRVM_VS_COLUMNS + CRVM_VS_RESIDUAL_VALUE_UPPER],
           seg[info.segments * CRVM_VS_COLUMNS + CRVM_VS_VALUE_AT_RISK],
           by[2 * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_VALUE], by[2 * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_LOWER],
           by[2 * CRVM_IMPACT_COLUMNS + CRVM_IMPACT_UPPER], pnl[CRVM_PNL_NET_CONTRIBUTION]);
    free(cust);
    free(seg);
    free(group);
    crvm_value_free(v);
    crvm_ledger_free(ledger);
    return 0;
}
