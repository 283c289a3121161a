/* The crvm command.
 *
 *   crvm simulate --customers N [--seed S] [--months M] [--no-outcome-effects] --out DIR
 *   crvm load DIR [--lenient]     read a directory of CSV files and report
 *   crvm version
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crvm/crvm.h"

static int usage(FILE *f)
{
    fputs("usage: crvm simulate --customers N [--seed S] [--months M] [--no-outcome-effects] --out DIR\n"
          "       crvm load DIR [--lenient]\n"
          "       crvm version\n",
          f);
    return f == stdout ? 0 : 2;
}

static int parse_count(const char *opt, const char *text, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || end == text || text[0] == '-') {
        fprintf(stderr, "crvm: %s: '%s' is not a non-negative integer\n", opt, text);
        return 0;
    }
    *out = v;
    return 1;
}

static int cmd_simulate(int argc, char **argv)
{
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    const char *out = NULL;
    int have_customers = 0;
    for (int i = 0; i < argc; i++) {
        unsigned long long v;
        const char *a = argv[i];
        if (strcmp(a, "--no-outcome-effects") == 0) {
            o.outcome_effects = 0;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "crvm simulate: %s needs a value\n", a);
            return 2;
        }
        const char *val = argv[++i];
        if (strcmp(a, "--customers") == 0) {
            if (!parse_count(a, val, &v))
                return 2;
            o.customers = (size_t)v;
            have_customers = 1;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_count(a, val, &v))
                return 2;
            o.seed = v;
        } else if (strcmp(a, "--months") == 0) {
            if (!parse_count(a, val, &v) || v > 600)
                return 2;
            o.months = (int)v;
            if (o.acquisition_months > o.months)
                o.acquisition_months = o.months;
        } else if (strcmp(a, "--out") == 0) {
            out = val;
        } else {
            fprintf(stderr, "crvm simulate: unknown option %s\n", a);
            return 2;
        }
    }
    if (!have_customers || !out)
        return usage(stderr);
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "crvm simulate: cannot create %s: %s\n", out, strerror(errno));
        return 1;
    }
    crvm_sim_summary s;
    if (crvm_simulate_csv(&o, out, &s) != CRVM_OK) {
        fprintf(stderr, "crvm simulate: %s\n", crvm_last_error());
        return 1;
    }
    printf("wrote %s: %zu customers (%zu churned), %zu articles, %zu revenue events, %zu contacts, "
           "%zu knowledge uses\n",
           out, s.customers, s.churned, s.articles, s.revenue_events, s.contacts, s.knowledge_uses);
    return 0;
}

static int cmd_load(int argc, char **argv)
{
    const char *dir = NULL;
    crvm_load_options o;
    crvm_load_options_init(&o);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--lenient") == 0)
            o.mode = CRVM_LOAD_LENIENT;
        else if (!dir)
            dir = argv[i];
        else
            return usage(stderr);
    }
    if (!dir)
        return usage(stderr);
    crvm_ledger *l = NULL;
    crvm_load_report *r = NULL;
    if (crvm_ledger_new(&l) != CRVM_OK || crvm_load_report_new(&r) != CRVM_OK) {
        fprintf(stderr, "crvm load: %s\n", crvm_last_error());
        return 1;
    }
    crvm_status st = crvm_load_directory(l, dir, &o, r);
    for (size_t i = 0; i < crvm_load_report_count(r); i++) {
        crvm_load_rejection e;
        if (crvm_load_report_get(r, i, &e) == CRVM_OK)
            fprintf(stderr, "rejected: %s\n", e.reason);
    }
    int rc = 0;
    if (st != CRVM_OK) {
        fprintf(stderr, "crvm load: %s\n", crvm_last_error());
        rc = 1;
    } else {
        crvm_load_totals t;
        crvm_ledger_stats s;
        crvm_load_report_totals(r, &t);
        crvm_ledger_stats_get(l, &s);
        printf("%zu rows read from %zu files: %zu accepted, %zu rejected\n", t.rows_read, t.files,
               t.rows_accepted, t.rows_rejected);
        printf("ledger: %zu customers in %zu segments, %zu revenue events, %zu contacts, %zu articles, "
               "%zu knowledge uses\n",
               s.customers, s.segments, s.revenue_events, s.contacts, s.articles, s.knowledge_uses);
        rc = t.rows_rejected ? 3 : 0;
    }
    crvm_load_report_free(r);
    crvm_ledger_free(l);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "simulate") == 0)
        return cmd_simulate(argc - 2, argv + 2);
    if (strcmp(argv[1], "load") == 0)
        return cmd_load(argc - 2, argv + 2);
    if (strcmp(argv[1], "version") == 0) {
        printf("crvm %s\n", crvm_version());
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
        return usage(stdout);
    fprintf(stderr, "crvm: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
