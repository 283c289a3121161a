/* Elementwise transcendental functions over arrays (see vmath.h): glibc's
 * libmvec where the build found it (CRVM_HAVE_LIBMVEC, x86_64), dispatched
 * at run time between its AVX2 (4 lanes) and SSE2 (2 lanes) entry points,
 * else a loop over libm. The vector entry points are called directly by
 * their vector-ABI names, so no compiler flag (-ffast-math, -fopenmp-simd)
 * changes the semantics of the rest of the library. */
#include "math/vmath.h"

#include <math.h>
#include <string.h>

#if defined(CRVM_HAVE_LIBMVEC) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VMATH_X86 1
#include <immintrin.h>
#else
#define VMATH_X86 0
#endif

#if VMATH_X86

/* The tail of an array (fewer than the lanes) goes through a padded local
 * vector; 1 is in the domain of every function here. */
#define SSE_LOOP(name, vfn)                                                                        \
    static void name(const double *in, double *out, size_t n)                                     \
    {                                                                                              \
        size_t i = 0;                                                                              \
        for (; i + 2 <= n; i += 2)                                                                 \
            _mm_storeu_pd(out + i, vfn(_mm_loadu_pd(in + i)));                                     \
        if (i < n) {                                                                               \
            double buf[2] = {in[i], 1.0};                                                          \
            _mm_storeu_pd(buf, vfn(_mm_loadu_pd(buf)));                                            \
            out[i] = buf[0];                                                                       \
        }                                                                                          \
    }

__m128d _ZGVbN2v_exp(__m128d);
__m128d _ZGVbN2v_log(__m128d);
__m128d _ZGVbN2v_log1p(__m128d);
__m128d _ZGVbN2v_expm1(__m128d);
SSE_LOOP(exp_sse, _ZGVbN2v_exp)
SSE_LOOP(log_sse, _ZGVbN2v_log)
SSE_LOOP(log1p_sse, _ZGVbN2v_log1p)
SSE_LOOP(expm1_sse, _ZGVbN2v_expm1)

#pragma GCC push_options
#pragma GCC target("avx2")
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#endif

#define AVX2_LOOP(name, vfn)                                                                       \
    static void name(const double *in, double *out, size_t n)                                     \
    {                                                                                              \
        size_t i = 0;                                                                              \
        for (; i + 4 <= n; i += 4)                                                                 \
            _mm256_storeu_pd(out + i, vfn(_mm256_loadu_pd(in + i)));                               \
        if (i < n) {                                                                               \
            double buf[4] = {1.0, 1.0, 1.0, 1.0};                                                  \
            memcpy(buf, in + i, (n - i) * sizeof *buf);                                            \
            _mm256_storeu_pd(buf, vfn(_mm256_loadu_pd(buf)));                                      \
            memcpy(out + i, buf, (n - i) * sizeof *buf);                                           \
        }                                                                                          \
    }

__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);
__m256d _ZGVdN4v_expm1(__m256d);
AVX2_LOOP(exp_avx2, _ZGVdN4v_exp)
AVX2_LOOP(log_avx2, _ZGVdN4v_log)
AVX2_LOOP(log1p_avx2, _ZGVdN4v_log1p)
AVX2_LOOP(expm1_avx2, _ZGVdN4v_expm1)

#ifdef __clang__
#pragma clang attribute pop
#endif
#pragma GCC pop_options

static int have_avx2(void)
{
    return __builtin_cpu_supports("avx2");
}

int crvm__vmath_lanes(void)
{
    return have_avx2() ? 4 : 2;
}

#define DISPATCH(fn)                                                                               \
    void crvm__v##fn(const double *in, double *out, size_t n)                                      \
    {                                                                                              \
        if (have_avx2())                                                                           \
            fn##_avx2(in, out, n);                                                                 \
        else                                                                                       \
            fn##_sse(in, out, n);                                                                  \
    }

#else /* no libmvec: the scalar loop */

typedef double (*scalar_fn)(double);

static void scalar_loop(scalar_fn f, const double *in, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = f(in[i]);
}

int crvm__vmath_lanes(void)
{
    return 1;
}

#define DISPATCH(fn)                                                                               \
    void crvm__v##fn(const double *in, double *out, size_t n)                                      \
    {                                                                                              \
        scalar_loop(fn, in, out, n);                                                               \
    }

#endif

DISPATCH(exp)
DISPATCH(log)
DISPATCH(log1p)
DISPATCH(expm1)
