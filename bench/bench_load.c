/* Load benchmark: simulate N customers (default 10^6) to CSV files in a
 * temporary directory, load them with crvm_load_directory(), and print rows,
 * bytes, seconds, MB/s, peak RSS and the ledger's bytes per event.
 *
 *   bench_load [customers] [seed] [strict|lenient] [dir]
 *
 * With a dir argument the files are written there and kept, or, when the dir
 * already holds a customers.csv, loaded as they are (so that old and new
 * builds can be timed alternately on the same files without simulating
 * again); otherwise they go to a fresh directory under /tmp that is removed
 * at the end. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "crvm/crvm.h"

int main(int argc, char **argv)
{
    crvm_sim_options o = CRVM_SIM_OPTIONS_INIT;
    o.customers = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    o.seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    crvm_load_options lo = CRVM_LOAD_OPTIONS_INIT;
    if (argc > 3 && strcmp(argv[3], "lenient") == 0)
        lo.mode = CRVM_LOAD_LENIENT;
    char dir[256];
    int keep = argc > 4;
    if (keep) {
        snprintf(dir, sizeof dir, "%s", argv[4]);
    } else {
        snprintf(dir, sizeof dir, "/tmp/crvm_bench_load_XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    }

    printf("crvm %s load benchmark: %zu customers, seed %llu, %s mode\n", crvm_version(),
           o.customers, (unsigned long long)o.seed, lo.mode == CRVM_LOAD_STRICT ? "strict" : "lenient");
    char probe[512];
    snprintf(probe, sizeof probe, "%s/customers.csv", dir);
    FILE *existing = keep ? fopen(probe, "rb") : NULL;
    double t0;
    if (existing) {
        fclose(existing);
        printf("reusing the CSV files in %s (customers and seed arguments ignored)\n", dir);
    } else {
        t0 = now();
        crvm_sim_summary s;
        if (crvm_simulate_csv(&o, dir, &s) != CRVM_OK) {
            fprintf(stderr, "simulate: %s\n", crvm_last_error());
            return 1;
        }
        double t_sim = now() - t0;
        printf("simulate+write: %.2f s (customers %zu, articles %zu, revenue %zu, contacts %zu, "
               "links %zu, knowledge uses %zu); peak RSS so far %.1f MiB\n",
               t_sim, s.customers, s.articles, s.revenue_events, s.contacts, s.contact_article_links,
               s.knowledge_uses, peak_rss_kib() / 1024.0);
    }

    long rss_before = current_rss_kib();
    crvm_ledger *l = NULL;
    crvm_load_report *rep = NULL;
    if (crvm_ledger_new(&l) != CRVM_OK || crvm_load_report_new(&rep) != CRVM_OK) {
        fprintf(stderr, "%s\n", crvm_last_error());
        return 1;
    }
    t0 = now();
    double c0 = cpu_seconds();
    crvm_status st = crvm_load_directory(l, dir, &lo, rep);
    double t_load = now() - t0, c_load = cpu_seconds() - c0;
    if (st != CRVM_OK) {
        fprintf(stderr, "load: %s\n", crvm_last_error());
        return 1;
    }
    long rss_after = current_rss_kib();
    crvm_load_totals t;
    crvm_load_report_totals(rep, &t);
    crvm_ledger_stats ls;
    crvm_ledger_stats_get(l, &ls);
    size_t events = ls.revenue_events + ls.contacts + ls.contact_articles + ls.knowledge_uses;
    double mb = (double)t.bytes_read / 1e6;
    printf("load: %zu rows (%zu rejected) from %zu files, %.1f MB in %.2f s wall = %.1f MB/s, "
           "%.2f M rows/s; %.2f s CPU = %.1f MB/s per CPU second\n",
           t.rows_read, t.rows_rejected, t.files, mb, t_load, mb / t_load,
           (double)t.rows_read / t_load / 1e6, c_load, mb / c_load);
    printf("ledger: %zu customers, %zu revenue events, %zu contacts, %zu links, %zu articles, "
           "%zu knowledge uses\n",
           ls.customers, ls.revenue_events, ls.contacts, ls.contact_articles, ls.articles,
           ls.knowledge_uses);
    printf("ledger memory: %.1f MiB used, %.1f MiB allocated; %.1f bytes per event used "
           "(%.1f allocated), events = revenue + contacts + links + uses = %zu\n",
           ls.bytes_used / 1048576.0, ls.bytes_allocated / 1048576.0,
           (double)ls.bytes_used / (double)events, (double)ls.bytes_allocated / (double)events, events);
    printf("process RSS: %.1f MiB before load, %.1f MiB after, peak %.1f MiB; loader overhead "
           "(peak - before - ledger allocated) %.1f MiB\n",
           rss_before / 1024.0, rss_after / 1024.0, peak_rss_kib() / 1024.0,
           (peak_rss_kib() - rss_before) / 1024.0 - ls.bytes_allocated / 1048576.0);
    crvm_load_report_free(rep);
    crvm_ledger_free(l);
    if (!keep) {
        const char *names[] = {"customers.csv", "articles.csv", "revenue.csv", "contacts.csv",
                               "knowledge_uses.csv"};
        char path[512];
        for (int k = 0; k < 5; k++) {
            snprintf(path, sizeof path, "%s/%s", dir, names[k]);
            remove(path);
        }
        rmdir(dir);
    }
    return 0;
}
