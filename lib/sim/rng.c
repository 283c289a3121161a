/* The simulator's random numbers (see rng.h). */
#include "sim/rng.h"

#include <math.h>

#include "core/mix.h"

uint64_t crvm__splitmix64(uint64_t *x)
{
    return crvm__mix64(*x += 0x9e3779b97f4a7c15ULL);
}

void crvm__rng_seed(crvm__rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    uint64_t base = crvm__splitmix64(&x);
    x = base ^ (stream * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = crvm__splitmix64(&x);
}

double crvm__std_normal(crvm__rng *r)
{
    /* Box-Muller, one value per call (simple and stream-stable). */
    double u1 = crvm__unif(r), u2 = crvm__unif(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double gamma_draw(crvm__rng *r, double shape)
{
    if (shape < 1.0) {
        double g = gamma_draw(r, shape + 1.0);
        return g * pow(crvm__unif(r), 1.0 / shape);
    }
    /* Marsaglia & Tsang 2000. */
    const double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = crvm__std_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = crvm__unif(r);
        if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

double crvm__beta_draw(crvm__rng *r, double a, double b)
{
    double x = gamma_draw(r, a), y = gamma_draw(r, b);
    return x / (x + y);
}

unsigned crvm__poisson_small(crvm__rng *r, double limit)
{
    unsigned total = 0;
    double p = crvm__unif(r);
    while (p > limit) {
        total++;
        p *= crvm__unif(r);
    }
    return total;
}

unsigned crvm__poisson_draw(crvm__rng *r, double lambda)
{
    /* Inversion by products; the rates used here are small. Large rates are
     * split into chunks of at most 20 to keep exp(-lambda) representable. */
    unsigned total = 0;
    while (lambda > 0.0) {
        double chunk = lambda > 20.0 ? 20.0 : lambda;
        lambda -= chunk;
        total += crvm__poisson_small(r, exp(-chunk));
    }
    return total;
}

int crvm__categorical(crvm__rng *r, const double *p, int n)
{
    double u = crvm__unif(r), acc = 0.0;
    for (int i = 0; i < n - 1; i++) {
        acc += p[i];
        if (u < acc)
            return i;
    }
    return n - 1;
}
