#define _POSIX_C_SOURCE 200809L /* isatty, fileno */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <crvm/crvm.h>

int cli_parse_double(const char *text, const char *what, double *out)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(value)) {
        fprintf(stderr, "crvm: %s: '%s' is not a finite number\n", what, text);
        return 0;
    }
    *out = value;
    return 1;
}

int cli_parse_long(const char *text, const char *what, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || value < min || value > max) {
        fprintf(stderr, "crvm: %s: '%s' is not a whole number from %ld to %ld\n", what, text, min, max);
        return 0;
    }
    *out = value;
    return 1;
}

int cli_parse_delimiter(const char *text, char *out)
{
    if (strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0)
        *out = '\t';
    else if (strcmp(text, "space") == 0)
        *out = ' ';
    else if (strlen(text) == 1 && text[0] != '"')
        *out = text[0];
    else {
        fprintf(stderr, "crvm: --delimiter '%s': give one character, tab or space\n", text);
        return 0;
    }
    return 1;
}

int cli_library_error(const char *command, const char *what)
{
    fprintf(stderr, "crvm %s: %s: %s\n", command, what, crvm_last_error());
    return 1;
}

/* The command's progress state: the CLI is single-threaded, and one command
 * runs per process. */
static struct {
    const char *command;
    double start;
    int tty, shown;
} progress;

static double now_seconds(void)
{
    struct timespec t;
    timespec_get(&t, TIME_UTC);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_progress_start(const char *command, const char *step)
{
    progress.command = command;
    progress.start = now_seconds();
    progress.tty = isatty(fileno(stderr));
    progress.shown = 0;
    (void)step;
}

void cli_progress(const char *step)
{
    if (!progress.tty || now_seconds() - progress.start < 1.0)
        return;
    fprintf(stderr, "\rcrvm %s: %s... (%.0f s)\033[K", progress.command, step, now_seconds() - progress.start);
    fflush(stderr);
    progress.shown = 1;
}

void cli_progress_end(void)
{
    if (progress.shown)
        fputs("\r\033[K", stderr);
    progress.shown = 0;
}
