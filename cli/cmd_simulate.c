/* crvm simulate: write the simulator's sample data as crvm's CSV files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <crvm/crvm.h>

#include "args.h"
#include "commands.h"

static void simulate_usage(FILE *to)
{
    fputs("usage: crvm simulate --customers N [--seed S] [--months M] [--no-outcome-effects]\n"
          "                     [--multiplier-churn] --out DIR\n"
          "\n"
          "Simulate a subscription business with support (the model and its truth are in\n"
          "crvm/simulate.h and docs/data-format.md) and write customers.csv, articles.csv,\n"
          "revenue.csv (with source_contact), contacts.csv (with the attributes agent, queue,\n"
          "product, reason) and knowledge_uses.csv into DIR (created if needed). The same\n"
          "seed gives the same files. Churn follows the value model's retention model\n"
          "(support covariates as proportional hazards); --no-outcome-effects removes every\n"
          "support effect (pure sBG), --multiplier-churn uses the earlier min(1, theta m) form.\n",
          to);
}

int cmd_simulate(int argc, char **argv)
{
    crvm_sim_options o;
    crvm_sim_options_init(&o);
    const char *out = NULL;
    int have_customers = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            simulate_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--no-outcome-effects") == 0) {
            o.outcome_effects = 0;
            continue;
        }
        if (strcmp(a, "--multiplier-churn") == 0) {
            o.churn = CRVM_SIM_CHURN_MULTIPLIER;
            continue;
        }
        if (i + 1 >= argc || strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "crvm simulate: %s %s (crvm simulate --help)\n", a,
                    strncmp(a, "--", 2) == 0 ? "needs a value" : "is not an option");
            return 2;
        }
        const char *val = argv[++i];
        if (strcmp(a, "--customers") == 0) {
            if (!cli_parse_long(val, "--customers", 1, 99999999, &v))
                return 2;
            o.customers = (size_t)v;
            have_customers = 1;
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_long(val, "--seed", 0, 2147483647L, &v))
                return 2;
            o.seed = (uint64_t)v;
        } else if (strcmp(a, "--months") == 0) {
            if (!cli_parse_long(val, "--months", 1, 600, &v))
                return 2;
            o.months = (int)v;
            if (o.acquisition_months > o.months)
                o.acquisition_months = o.months;
        } else if (strcmp(a, "--out") == 0) {
            out = val;
        } else {
            fprintf(stderr, "crvm simulate: unknown option %s (crvm simulate --help)\n", a);
            return 2;
        }
    }
    if (!have_customers || !out) {
        fprintf(stderr, "crvm simulate: --customers and --out are required (crvm simulate --help)\n");
        return 2;
    }
    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "crvm simulate: cannot create %s: %s\n", out, strerror(errno));
        return 1;
    }
    crvm_sim_summary s;
    if (crvm_simulate_csv(&o, out, &s) != CRVM_OK)
        return cli_library_error("simulate", out);
    printf("wrote %s: %zu customers (%zu churned), %zu articles, %zu revenue events, %zu contacts, "
           "%zu knowledge uses\n",
           out, s.customers, s.churned, s.articles, s.revenue_events, s.contacts, s.knowledge_uses);
    return 0;
}
