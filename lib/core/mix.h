/* Private: the 64-bit mixing behind the library's hash tables, sampling and
 * seeding. */
#ifndef CRVM_CORE_MIX_H
#define CRVM_CORE_MIX_H

#include <stdint.h>
#include <string.h>

/* The splitmix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable
 * pseudorandom number generators"): a bijection of 64-bit words in which
 * every input bit reaches every output bit, so that keys differing only in
 * high bits (whole numbers as doubles, consecutive ids times a constant)
 * still spread over a table's low bits. */
static inline uint64_t crvm__mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The bits of a double as a hash key; -0 and +0 give the same key, since
 * they compare equal. */
static inline uint64_t crvm__double_key(double v)
{
    uint64_t u;
    v += 0.0;
    memcpy(&u, &v, sizeof u);
    return u;
}

#endif
