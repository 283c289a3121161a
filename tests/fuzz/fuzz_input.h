/* Reading a fuzz input as a stream of small values (the fuzz targets only):
 * bytes, whole numbers and doubles spread over the whole range the library
 * must survive, with the special values that matter (0, 1, 1/2, tiny, huge)
 * reachable from a few bytes. Past the end every value is 0. */
#ifndef CRVM_FUZZ_INPUT_H
#define CRVM_FUZZ_INPUT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fuzz_input {
    const uint8_t *data;
    size_t size, pos;
} fuzz_input;

static inline unsigned fuzz_u8(fuzz_input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline unsigned fuzz_u16(fuzz_input *in)
{
    unsigned hi = fuzz_u8(in);
    return hi << 8 | fuzz_u8(in);
}

/* A positive double: one of the special values, or 10^x with x uniform in
 * [-300, 300] (16 bits of resolution). */
static inline double fuzz_positive(fuzz_input *in)
{
    static const double special[] = {1, 0.5, 2, 1e-8, 1e8, 1e-300, 1e300, 1.7976931348623157e308,
                                     4.9e-324, 0.999999999, 1.000000001, 1e4, 1e-4, 3, 0.1, 30};
    unsigned v = fuzz_u16(in);
    if (v < 16 * 64)
        return special[v % 16];
    return pow(10.0, (double)(v - 16 * 64) / (65535.0 - 16 * 64) * 600.0 - 300.0);
}

/* A whole number >= 0 of any magnitude a double holds (small ones likely). */
static inline double fuzz_count(fuzz_input *in)
{
    unsigned v = fuzz_u16(in);
    if (v < 32768)
        return (double)(v % 64);
    return floor(fuzz_positive(in));
}

#endif
