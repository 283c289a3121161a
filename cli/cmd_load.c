/* crvm load: read a directory of crvm CSV files and report every bad row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"

static void load_usage(FILE *to)
{
    fputs("usage: crvm load DIR [--lenient] [--delimiter C]\n"
          "\n"
          "Load customers.csv, articles.csv, contacts.csv, revenue.csv and knowledge_uses.csv\n"
          "from DIR (docs/data-format.md) and print the table sizes, the contact attributes\n"
          "(extra columns of contacts.csv) and the revenue sourced by contacts (the\n"
          "source_contact column of revenue.csv). Strict (default): stop\n"
          "at the first bad row (exit 1). --lenient: keep the valid rows and list every\n"
          "rejected row on stderr (exit 3 if any). --delimiter C: the files' field\n"
          "separator, a character, tab or space (default: the comma).\n",
          to);
}

/* "contact attributes: agent (40 values), queue (4 values)". */
static void print_attributes(const crvm_ledger *l)
{
    size_t n = crvm_ledger_attribute_count(l);
    if (n == 0)
        return;
    printf("contact attributes:");
    for (size_t a = 0; a < n; a++)
        printf("%s %s (%zu values)", a ? "," : "", crvm_ledger_attribute_name(l, a),
               crvm_ledger_attribute_value_count(l, a));
    printf("\n");
}

/* How many revenue events name their source contact, and their sum. */
static int print_sourced(const crvm_ledger *l, size_t events)
{
    int32_t *source = malloc((events ? events : 1) * sizeof *source);
    double *amount = malloc((events ? events : 1) * sizeof *amount);
    int rc = 0;
    if (!source || !amount ||
        crvm_ledger_revenue_events(l, NULL, 0, NULL, 0, amount, events, NULL, 0, source, events) != CRVM_OK) {
        rc = cli_library_error("load", "reading the revenue sources");
    } else {
        size_t sourced = 0;
        long long cents = 0;
        for (size_t i = 0; i < events; i++)
            if (source[i] >= 0) {
                sourced++;
                cents += llround(amount[i] * 100.0);
            }
        if (sourced)
            printf("revenue sourced by contacts: %zu events, %s%lld.%02lld\n", sourced,
                   cents < 0 ? "-" : "", llabs(cents) / 100, llabs(cents) % 100);
    }
    free(source);
    free(amount);
    return rc;
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
        } else if (strcmp(argv[i], "--delimiter") == 0 && i + 1 < argc) {
            if (!cli_parse_delimiter(argv[++i], &o.delimiter))
                return 2;
        } else if (!dir && strncmp(argv[i], "--", 2) != 0) {
            dir = argv[i];
        } else {
            fprintf(stderr, "crvm load: unexpected argument %s (crvm load --help)\n", argv[i]);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "crvm load: no data directory given (crvm load --help)\n");
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
        print_attributes(l);
        rc = print_sourced(l, s.revenue_events);
        if (rc == 0)
            rc = t.rows_rejected ? 3 : 0;
    }
    crvm_load_report_free(r);
    crvm_ledger_free(l);
    return rc;
}
