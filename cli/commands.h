/* Subcommands of the crvm command; each returns the process exit status. */
#ifndef CRVM_CLI_COMMANDS_H
#define CRVM_CLI_COMMANDS_H

int cmd_retention(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_survival(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_transactions(int argc, char **argv);

#endif
