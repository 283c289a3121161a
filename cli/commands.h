/* Subcommands of the crvm command; each returns the process exit status. */
#ifndef CRVM_CLI_COMMANDS_H
#define CRVM_CLI_COMMANDS_H

int cmd_retention(int argc, char **argv);

#endif
