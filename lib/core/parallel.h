/* Private: a parallel loop over index ranges, for calls whose options ask
 * for worker threads. Results must not depend on the thread count: the range
 * is cut into chunks that each write their own outputs. */
#ifndef CRVM_CORE_PARALLEL_H
#define CRVM_CORE_PARALLEL_H

#include <stddef.h>

/* At most this many threads (a stack array holds them: no allocation). */
#define CRVM__MAX_THREADS 64

/* Run fn(ctx, begin, end) over [0, n) cut into `threads` contiguous chunks
 * of near-equal size (threads <= 1: one call on the calling thread). The
 * calling thread runs the first chunk; a thread that cannot be started runs
 * its chunk on the calling thread instead, so the loop always completes. */
void crvm__parallel_for(size_t n, int threads, void (*fn)(void *ctx, size_t begin, size_t end),
                        void *ctx);

#endif
