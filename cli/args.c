#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

int cli_library_error(const char *command, const char *what)
{
    fprintf(stderr, "crvm %s: %s: %s\n", command, what, crvm_last_error());
    return 1;
}
