/* crvm: the command line of the Customer-Relationship Value Model. */
#include <stdio.h>
#include <string.h>

#include <crvm/crvm.h>

#include "commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("crvm %s\n", crvm_version());
    return 0;
}

static const command commands[] = {
    {"retention", cmd_retention, "fit sBG and BdW to a cohort's survivor counts and project it"},
    {"simulate", cmd_simulate, "write simulated sample data (CSV files) with a known truth"},
    {"load", cmd_load, "read a directory of CSV files into a ledger, reporting bad rows"},
    {"report", cmd_report, "value a customer base from its CSV files: economics, retention, knowledge"},
    {"transactions", cmd_transactions,
     "fit BG/NBD, MBG/NBD or Pareto/NBD to a transaction log: P(alive), purchases, CLV"},
    {"survival", cmd_survival, "Kaplan-Meier curves by group and Cox models from a CSV table"},
    {"demo", cmd_demo, "simulate the sample business and write its report (text and HTML)"},
    {"version", cmd_version, "print the version (also crvm --version)"},
    {"help", NULL, "describe a command: crvm help COMMAND"},
};

static void usage(FILE *to)
{
    fprintf(to, "usage: crvm <command> [options]   (crvm <command> --help for details)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0 && commands[i].run)
            return &commands[i];
    return NULL;
}

/* crvm help [COMMAND]: the overview, or the command's own --help. */
static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return 0;
    }
    const command *c = find(argv[2]);
    if (!c) {
        fprintf(stderr, "crvm help: unknown command '%s' (crvm help lists them)\n", argv[2]);
        return 2;
    }
    char *args[] = {argv[2], "--help", NULL};
    return c->run(2, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "crvm: no command given (crvm help lists them)\n");
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cmd_version(argc - 1, argv + 1);
    const command *c = find(argv[1]);
    if (c)
        return c->run(argc - 1, argv + 1);
    fprintf(stderr, "crvm: unknown command '%s' (crvm help lists them)\n", argv[1]);
    return 2;
}
