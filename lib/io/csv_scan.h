/* Private: the 16-byte-wide scan of the CSV tokenizer (csv.c) for the bytes
 * that end a run of plain field bytes: the delimiter, and the others ('"',
 * CR, LF, NUL) that end a plain record or leave it to the state machine.
 *
 * Bit k of a mask is set when byte k of the block is such a byte: one mask
 * for the delimiter, one for the others. The SSE2 form (the x86-64
 * baseline) and the portable scalar form give the same masks; the reader
 * uses the scalar form where SSE2 is missing, or when asked
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

/* The masks of the first n <= 16 bytes of p. */
static inline void crvm__csv_masks_scalar(const unsigned char *p, size_t n, unsigned char delimiter,
                                          unsigned *delimiters, unsigned *others)
{
    unsigned d = 0, x = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = p[k];
        d |= (unsigned)(c == delimiter) << k;
        x |= (unsigned)(c != delimiter && (c == '"' || c == '\r' || c == '\n' || c == 0)) << k;
    }
    *delimiters = d;
    *others = x;
}

#if CRVM__CSV_HAVE_SSE2
/* The masks of the 16 bytes at p (all readable). */
static inline void crvm__csv_masks_sse2(const unsigned char *p, unsigned char delimiter,
                                        unsigned *delimiters, unsigned *others)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i d = _mm_cmpeq_epi8(v, _mm_set1_epi8((char)delimiter));
    const __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    const __m128i lf = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'));
    const __m128i cr = _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'));
    const __m128i nul = _mm_cmpeq_epi8(v, _mm_setzero_si128());
    const __m128i x = _mm_andnot_si128(d, _mm_or_si128(_mm_or_si128(q, nul), _mm_or_si128(lf, cr)));
    *delimiters = (unsigned)_mm_movemask_epi8(d);
    *others = (unsigned)_mm_movemask_epi8(x);
}
#endif

#endif
