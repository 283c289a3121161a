/* Simulator benchmark: the generator (in memory, and streamed to CSV) and
 * the known truth (state at a date, continuation) per customer and per
 * replication.
 *
 *   bench_sim_truth [customers=100000] [replications=20] [threads=2] [seed=1]
 *
 * The continuation runs at month 24 of the default 36-month window with the
 * defaults otherwise (horizon 12, cap 1200, no discount), on 1 thread and on
 * `threads`; the two results are compared bit for bit. CPU seconds are the
 * figure to compare on a shared machine (wall time includes waiting for a
 * core); the continuation's wall time is what threads shorten. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "crvm/crvm.h"

static void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, crvm_last_error());
    exit(1);
}

int main(int argc, char **argv)
{
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 100000;
    int replications = argc > 2 ? atoi(argv[2]) : 20, threads = argc > 3 ? atoi(argv[3]) : 2;
    o.seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
    printf("crvm %s simulator benchmark: %zu customers, seed %llu\n", crvm_version(), o.customers,
           (unsigned long long)o.seed);

    char dir[] = "/tmp/crvm_bench_sim_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    double w0 = now(), c0 = cpu_seconds();
    crvm_sim_summary s;
    if (crvm_simulate_csv(&o, dir, &s) != CRVM_OK)
        die("crvm_simulate_csv");
    double csv_wall = now() - w0, csv_cpu = cpu_seconds() - c0;
    static const char *const files[] = {"customers.csv", "articles.csv", "revenue.csv", "contacts.csv",
                                        "knowledge_uses.csv"};
    char path[128];
    for (int k = 0; k < 5; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        remove(path);
    }
    rmdir(dir);
    printf("simulate to CSV: %.2f s wall, %.2f s CPU = %.2f CPU s per 10^5 customers "
           "(%zu revenue events, %zu contacts, %zu knowledge uses)\n",
           csv_wall, csv_cpu, csv_cpu * 1e5 / (double)o.customers, s.revenue_events, s.contacts,
           s.knowledge_uses);

    crvm_sim_data *d = NULL;
    w0 = now();
    c0 = cpu_seconds();
    if (crvm_simulate(&o, &d) != CRVM_OK)
        die("crvm_simulate");
    double mem_cpu = cpu_seconds() - c0;
    printf("simulate in memory: %.2f s wall, %.2f s CPU = %.2f CPU s per 10^5 customers; peak RSS %.1f MiB\n",
           now() - w0, mem_cpu, mem_cpu * 1e5 / (double)o.customers, peak_rss_kib() / 1024.0);

    crvm_date as_of;
    if (crvm_date_add_periods(o.window_start, CRVM_PERIOD_MONTH, 24, &as_of) != CRVM_OK)
        die("as_of");
    size_t n = o.customers;
    int32_t *active = malloc(n * sizeof *active);
    double *a = malloc(n * CRVM_SIM_FUT_COLUMNS * sizeof *a), *b = malloc(n * CRVM_SIM_FUT_COLUMNS * sizeof *b);
    if (!active || !a || !b)
        return 1;
    c0 = cpu_seconds();
    if (crvm_sim_customer_state(d, as_of, active, n, NULL, 0, NULL, 0, NULL, 0, NULL, 0) != CRVM_OK)
        die("crvm_sim_customer_state");
    double state_cpu = cpu_seconds() - c0;
    size_t n_active = 0;
    for (size_t i = 0; i < n; i++)
        n_active += (size_t)active[i];
    printf("state at month 24: %.2f s CPU = %.2f us per customer (its history generated again); "
           "%zu active\n",
           state_cpu, state_cpu * 1e6 / (double)n, n_active);

    crvm_sim_continuation_options c = CRVM_SIM_CONTINUATION_OPTIONS_INIT;
    c.replications = replications;
    c.threads = 1;
    w0 = now();
    c0 = cpu_seconds();
    if (crvm_sim_continuation(d, as_of, &c, NULL, a, n * CRVM_SIM_FUT_COLUMNS, NULL, 0) != CRVM_OK)
        die("crvm_sim_continuation");
    double one_wall = now() - w0, one_cpu = cpu_seconds() - c0;
    double months = 0;
    for (size_t i = 0; i < n; i++)
        months += a[i * CRVM_SIM_FUT_COLUMNS + CRVM_SIM_FUT_MONTHS];
    printf("continuation, %d replications, 1 thread: %.2f s wall, %.2f s CPU = %.2f us per active "
           "customer and replication (mean expected renewals %.1f within the cap)\n",
           replications, one_wall, one_cpu, one_cpu * 1e6 / (double)n_active / replications,
           months / (double)n_active);
    c.threads = threads;
    w0 = now();
    c0 = cpu_seconds();
    if (crvm_sim_continuation(d, as_of, &c, NULL, b, n * CRVM_SIM_FUT_COLUMNS, NULL, 0) != CRVM_OK)
        die("crvm_sim_continuation");
    double many_wall = now() - w0;
    printf("continuation, %d threads: %.2f s wall (%.2fx), %.2f s CPU; identical to 1 thread: %s\n",
           threads, many_wall, one_wall / many_wall, cpu_seconds() - c0,
           memcmp(a, b, n * CRVM_SIM_FUT_COLUMNS * sizeof *a) == 0 ? "yes" : "NO");
    printf("peak RSS %.1f MiB\n", peak_rss_kib() / 1024.0);
    free(active);
    free(a);
    free(b);
    crvm_sim_data_free(d);
    return 0;
}
