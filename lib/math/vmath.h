/* Private: elementwise exp, log, log1p and expm1 over arrays, for the
 * per-row kernels whose cost is their transcendental calls (fits,
 * P(alive), conditional expectations).
 *
 * With glibc's vector math library (libmvec, x86_64) the calls go four
 * lanes wide on AVX2 processors and two wide otherwise; libmvec documents
 * its double-precision functions as accurate to 4 ulp, against glibc's
 * scalar libm at about 1 ulp, so a kernel built on these agrees with its
 * scalar reference to a few 1e-16 relative per call (the tests check the
 * functions against libm to 1e-14 across their domains, and each kernel
 * against its scalar reference). Elsewhere (another C library or
 * processor) the same calls loop over libm. Special values follow libm: log
 * of 0 is -inf, of a negative number NaN, exp of a large argument +inf.
 *
 * out may equal in (in place); the two must not otherwise overlap. Cost:
 * about 1.5-3 ns per element with AVX2, 7-11 ns with the scalar loop. */
#ifndef CRVM_MATH_VMATH_H
#define CRVM_MATH_VMATH_H

#include <stddef.h>

void crvm__vexp(const double *in, double *out, size_t n);
void crvm__vlog(const double *in, double *out, size_t n);
void crvm__vlog1p(const double *in, double *out, size_t n);
void crvm__vexpm1(const double *in, double *out, size_t n);

/* Lanes of the vector path on this machine (4, 2), or 1 for the scalar
 * loop: reported by the benchmarks, never used to change a result. */
int crvm__vmath_lanes(void);

/* Kernels call these over blocks of at most CRVM__VBLOCK rows held in
 * local arrays, so that the arguments and results stay in the L1 cache. */
#define CRVM__VBLOCK 256

#endif
