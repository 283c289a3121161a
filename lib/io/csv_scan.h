/* Private: the 16-byte-wide scan of the CSV tokenizer (csv.c) for the bytes
 * that end a run of plain field bytes: the delimiter, '"', CR, LF and NUL.
 *
 * Bit k of a mask is set when byte k of the block is one of them. The SSE2
 * form (the x86-64 baseline) and the portable scalar form give the same
 * mask; the reader uses the scalar form where SSE2 is missing, or when asked
 * (crvm__csv_set_scalar_scan), so that tests and the fuzz target can check
 * that both tokenize identically. */
#ifndef CRVM_IO_CSV_SCAN_H
#define CRVM_IO_CSV_SCAN_H

#include <stddef.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#  define CRVM__CSV_HAVE_SSE2 1
#else
#  define CRVM__CSV_HAVE_SSE2 0
#endif

#define CRVM__CSV_BLOCK 16

/* Mask of the first n <= 16 bytes of p, special[b] != 0 marking the bytes. */
static inline unsigned crvm__csv_mask_scalar(const unsigned char *p, size_t n,
                                             const unsigned char special[256])
{
    unsigned m = 0;
    for (size_t k = 0; k < n; k++)
        m |= (unsigned)(special[p[k]] != 0) << k;
    return m;
}

#if CRVM__CSV_HAVE_SSE2
/* Mask of the 16 bytes at p (all readable). */
static inline unsigned crvm__csv_mask_sse2(const unsigned char *p, unsigned char delimiter)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i d = _mm_cmpeq_epi8(v, _mm_set1_epi8((char)delimiter));
    const __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    const __m128i lf = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
    const __m128i cr = _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'));
    const __m128i nul = _mm_cmpeq_epi8(v, _mm_setzero_si128());
    const __m128i any = _mm_or_si128(_mm_or_si128(d, q), _mm_or_si128(_mm_or_si128(lf, cr), nul));
    return (unsigned)_mm_movemask_epi8(any);
}
#endif

#endif
