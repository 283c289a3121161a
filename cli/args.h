/* Strict command-line argument parsing for the crvm command. */
#ifndef CRVM_CLI_ARGS_H
#define CRVM_CLI_ARGS_H

/* Parse the whole of text as a finite double; 0 and a message on stderr
 * naming what on failure, 1 on success. */
int cli_parse_double(const char *text, const char *what, double *out);
/* Parse the whole of text as an integer in [min, max]. */
int cli_parse_long(const char *text, const char *what, long min, long max, long *out);
/* Parse a field delimiter: one character, or "tab" / "\t" / "space";
 * 0 and a message on stderr naming --delimiter on failure. */
int cli_parse_delimiter(const char *text, char *out);
/* Print the library's error for a failed call and return the exit status 1. */
int cli_library_error(const char *command, const char *what);

/* Progress of long work on stderr, only when stderr is a terminal: start
 * notes the time, cli_progress() prints a step once a second has passed
 * since the start, end clears the line. */
void cli_progress_start(const char *command, const char *step);
void cli_progress(const char *step);
void cli_progress_end(void);

#endif
