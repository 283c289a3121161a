/* Private: the simulator's random numbers, xoshiro256** (Blackman & Vigna)
 * seeded through splitmix64, and the distributions drawn from it. Every
 * draw is a fixed sequence of 64-bit outputs and C library calls, so a
 * stream gives the same values on every run. */
#ifndef CRVM_SIM_RNG_H
#define CRVM_SIM_RNG_H

#include <stdint.h>

typedef struct crvm__rng {
    uint64_t s[4];
} crvm__rng;

/* splitmix64 step: advances *x and returns a well-mixed 64-bit value. */
uint64_t crvm__splitmix64(uint64_t *x);
/* Stream `stream` of seed `seed`: independent of every other stream. */
void crvm__rng_seed(crvm__rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t crvm__rng_next(crvm__rng *r)
{
    uint64_t *s = r->s;
    const uint64_t x = s[1] * 5;
    const uint64_t result = ((x << 7) | (x >> 57)) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform on (0, 1): never 0, never 1. */
static inline double crvm__unif(crvm__rng *r)
{
    return ((double)(crvm__rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

double crvm__std_normal(crvm__rng *r);
double crvm__beta_draw(crvm__rng *r, double a, double b);
unsigned crvm__poisson_draw(crvm__rng *r, double lambda);
/* The same draw for a rate of at most 20 given limit = exp(-rate), computed once. */
unsigned crvm__poisson_small(crvm__rng *r, double limit);
/* Index i with probability p[i] (the last takes the remainder). */
int crvm__categorical(crvm__rng *r, const double *p, int n);

#endif
