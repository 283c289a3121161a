/* crvm report: the value of a customer base from a directory of crvm CSV
 * files. Every figure and every layout comes from the library (crvm/value.h
 * values, crvm/report.h renders); this file parses arguments and checks the
 * as-of date against the data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"

static void usage(FILE *to)
{
    fputs("usage: crvm report DIR [--as-of YYYY-MM-DD] [--horizon MONTHS] [--cost-model FILE]\n"
          "                  [--format text|json|csv|html] [--out PATH] [--top N]\n"
          "                  [--delimiter C]\n"
          "\n"
          "Load the crvm CSV files in DIR (docs/data-format.md) and value the customer\n"
          "base as of the given date (default: the last date in the data): the headline\n"
          "(value per support dollar, residual value, value at risk, the net value effect\n"
          "of support), segment value and economics, retention with the effect of each\n"
          "support experience on churn, contact impact by outcome, channel, tier and each\n"
          "contact attribute, the support P&L of the last 12 months, the knowledge base\n"
          "with its N most and least valuable articles, and the N customers with the most\n"
          "value at risk, with what drives it (default N = 5). Definitions: docs/value.md.\n"
          "\n"
          "  --horizon MONTHS   retention and value at risk over MONTHS (default 12)\n"
          "  --cost-model FILE  the cost assumptions, one `name = value` a line\n"
          "                     (docs/cost-model.md); default: crvm's documented defaults\n"
          "  --format FORMAT    text (default), json (docs/report-schema.md), csv (one file\n"
          "                     per table: --out names a directory) or html (one page)\n"
          "  --out PATH         write there instead of the terminal (required for csv)\n"
          "  --delimiter C      the data files' field separator: a character, tab or space\n"
          "                     (default: the comma)\n",
          to);
}

static int bad_usage(const char *fmt, const char *what)
{
    fputs("crvm report: ", stderr);
    fprintf(stderr, fmt, what);
    fputs(" (crvm report --help)\n", stderr);
    return 2;
}

static int parse_format(const char *text, crvm_report_format *out)
{
    static const char *const names[] = {"text", "json", "csv", "html"};
    for (int f = 0; f < 4; f++)
        if (strcmp(text, names[f]) == 0) {
            *out = (crvm_report_format)f;
            return 1;
        }
    return 0;
}

/* The as-of date: refused before the data's first date (nothing to value);
 * the value layer refuses one more than a period past the last date, naming
 * both, and cmd_report warns of one past it that the value layer accepts. */
static int check_as_of(const crvm_ledger_stats *stats, const char *text, crvm_date *as_of)
{
    char first[16];
    crvm_date_format(stats->first_date, first, sizeof first);
    if (!text) {
        *as_of = stats->last_date;
        return 0;
    }
    if (crvm_date_parse(text, strlen(text), as_of) != CRVM_OK) {
        fprintf(stderr, "crvm report: --as-of: %s\n", crvm_last_error());
        return 2;
    }
    if (*as_of < stats->first_date) {
        fprintf(stderr, "crvm report: --as-of %s is before the data, which start on %s\n", text, first);
        return 2;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *as_of_text = NULL, *cost_path = NULL, *out = NULL;
    long top = 5, horizon = 12;
    crvm_report_options ropt;
    crvm_report_options_init(&ropt);
    crvm_load_options lopt;
    crvm_load_options_init(&lopt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        int takes_value = strcmp(a, "--as-of") == 0 || strcmp(a, "--top") == 0 ||
                          strcmp(a, "--horizon") == 0 || strcmp(a, "--cost-model") == 0 ||
                          strcmp(a, "--format") == 0 || strcmp(a, "--out") == 0 ||
                          strcmp(a, "--delimiter") == 0;
        if (takes_value && !v)
            return bad_usage("%s needs a value", a);
        if (takes_value)
            i++;
        if (strcmp(a, "--as-of") == 0) {
            as_of_text = v;
        } else if (strcmp(a, "--top") == 0) {
            if (!cli_parse_long(v, "--top", 0, 1000000, &top))
                return 2;
        } else if (strcmp(a, "--horizon") == 0) {
            if (!cli_parse_long(v, "--horizon", 1, 1200, &horizon))
                return 2;
        } else if (strcmp(a, "--cost-model") == 0) {
            cost_path = v;
        } else if (strcmp(a, "--format") == 0) {
            if (!parse_format(v, &ropt.format))
                return bad_usage("--format %s: must be text, json, csv or html", v);
        } else if (strcmp(a, "--out") == 0) {
            out = v;
        } else if (strcmp(a, "--delimiter") == 0) {
            if (!cli_parse_delimiter(v, &lopt.delimiter))
                return 2;
        } else if (!dir && strncmp(a, "--", 2) != 0) {
            dir = a;
        } else {
            return bad_usage("unexpected argument %s", a);
        }
    }
    if (!dir)
        return bad_usage("%s", "no data directory given");
    if (ropt.format == CRVM_REPORT_CSV && !out)
        return bad_usage("%s", "--format csv writes one file per table: give --out DIRECTORY");

    crvm_cost_model costs;
    crvm_cost_model_init_defaults(&costs);
    if (cost_path && crvm_cost_model_load(cost_path, &costs) != CRVM_OK)
        return cli_library_error("report", "--cost-model");
    crvm_ledger *ledger = NULL;
    if (crvm_ledger_new(&ledger) != CRVM_OK)
        return cli_library_error("report", "creating a ledger");
    int rc = 0;
    crvm_ledger_stats stats;
    crvm_value *value = NULL;
    crvm_date as_of = 0;
    cli_progress_start("report", "loading the data");
    if (crvm_load_directory(ledger, dir, &lopt, NULL) != CRVM_OK) {
        rc = cli_library_error("report", dir);
    } else if (crvm_ledger_stats_get(ledger, &stats) != CRVM_OK) {
        rc = cli_library_error("report", "ledger");
    } else if (stats.customers == 0) {
        fprintf(stderr, "crvm report: %s holds no customers\n", dir);
        rc = 1;
    } else {
        rc = check_as_of(&stats, as_of_text, &as_of);
    }
    crvm_value_options vopt;
    crvm_value_options_init(&vopt);
    vopt.horizon = (int)horizon;
    if (rc == 0) {
        cli_progress("valuing the customer base");
        crvm_status st = crvm_value_fit(ledger, &costs, as_of, &vopt, &value);
        /* An as-of date the value layer refuses is a bad argument, not bad data. */
        if (st == CRVM_EINVAL && as_of_text)
            rc = 2, fprintf(stderr, "crvm report: --as-of: %s\n", crvm_last_error());
        else if (st != CRVM_OK)
            rc = cli_library_error("report", "valuing the customer base");
    }
    if (rc == 0 && as_of > stats.last_date) {
        char last[16];
        crvm_date_format(stats.last_date, last, sizeof last);
        fprintf(stderr, "crvm report: warning: --as-of %s is after the data's last date %s: nothing is "
                        "known of the days between\n", as_of_text, last);
    }
    if (rc == 0) {
        cli_progress("writing the report");
        ropt.top = (int)top;
        ropt.title = dir;
        ropt.horizon = (int)horizon;
        crvm_status st = out ? crvm_report_write(value, ledger, &costs, &ropt, out)
                             : crvm_report_write_stream(value, ledger, &costs, &ropt, stdout);
        if (st != CRVM_OK)
            rc = cli_library_error("report", "writing the report");
    }
    cli_progress_end();
    crvm_value_free(value);
    crvm_ledger_free(ledger);
    return rc;
}
