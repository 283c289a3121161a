/* crvm load: read a directory of crvm CSV files and report every bad row. */
#include <stdio.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"

static void load_usage(FILE *to)
{
    fputs("usage: crvm load DIR [--lenient]\n"
          "\n"
          "Load customers.csv, articles.csv, revenue.csv, contacts.csv and knowledge_uses.csv\n"
          "from DIR (docs/data-format.md) and print the table sizes. Strict (default): stop\n"
          "at the first bad row (exit 1). --lenient: keep the valid rows and list every\n"
          "rejected row on stderr (exit 3 if any).\n",
          to);
}

int cmd_load(int argc, char **argv)
{
    const char *dir = NULL;
    crvm_load_options o;
    crvm_load_options_init(&o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            load_usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--lenient") == 0) {
            o.mode = CRVM_LOAD_LENIENT;
        } else if (!dir && strncmp(argv[i], "--", 2) != 0) {
            dir = argv[i];
        } else {
            fprintf(stderr, "crvm load: unexpected argument %s\n", argv[i]);
            load_usage(stderr);
            return 2;
        }
    }
    if (!dir) {
        load_usage(stderr);
        return 2;
    }
    crvm_ledger *l = NULL;
    crvm_load_report *r = NULL;
    if (crvm_ledger_new(&l) != CRVM_OK || crvm_load_report_new(&r) != CRVM_OK) {
        crvm_ledger_free(l);
        return cli_library_error("load", "creating a ledger");
    }
    crvm_status st = crvm_load_directory(l, dir, &o, r);
    int rc = 0;
    if (st != CRVM_OK) {
        rc = cli_library_error("load", dir);
    } else {
        for (size_t i = 0; i < crvm_load_report_count(r); i++) {
            crvm_load_rejection e;
            if (crvm_load_report_get(r, i, &e) == CRVM_OK)
                fprintf(stderr, "rejected: %s\n", e.reason);
        }
        crvm_load_totals t;
        crvm_ledger_stats s;
        crvm_load_report_totals(r, &t);
        crvm_ledger_stats_get(l, &s);
        printf("%zu rows read from %zu files: %zu accepted, %zu rejected\n", t.rows_read, t.files,
               t.rows_accepted, t.rows_rejected);
        printf("ledger: %zu customers in %zu segments, %zu revenue events, %zu contacts, "
               "%zu articles, %zu knowledge uses\n",
               s.customers, s.segments, s.revenue_events, s.contacts, s.articles, s.knowledge_uses);
        rc = t.rows_rejected ? 3 : 0;
    }
    crvm_load_report_free(r);
    crvm_ledger_free(l);
    return rc;
}
