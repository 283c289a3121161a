/* libFuzzer target for the crvm command's argument parsers (cli/args.c):
 * any text is either a finite double / an integer in range that reads back
 * the same, or refused with a message, never a crash or a wrong value.
 *
 * The parsers print their refusals to stderr; the target points the stdio
 * stream elsewhere while it calls them (the sanitizers and libFuzzer write
 * to file descriptor 2 directly, so their reports still show). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
        abort();
    char text[256];
    if (size >= sizeof text)
        size = sizeof text - 1;
    memcpy(text, data, size);
    text[size] = '\0'; /* argv strings end at the first NUL */
    FILE *saved = stderr;
    stderr = sink;
    double x = 7;
    int ok_double = cli_parse_double(text, "--x", &x);
    long l = 7, lo = -1000, hi = 1000000;
    int ok_long = cli_parse_long(text, "--n", lo, hi, &l);
    stderr = saved;
    if (ok_double) {
        char *end;
        errno = 0;
        double again = strtod(text, &end);
        if (!isfinite(x) || again != x || *end != '\0')
            abort();
    } else if (x != 7) {
        abort(); /* a refusal leaves the output alone */
    }
    if (ok_long ? (l < lo || l > hi || strtol(text, NULL, 10) != l) : l != 7)
        abort();
    return 0;
}
