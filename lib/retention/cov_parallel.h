/* Private: run numbered blocks of work on up to `threads` threads. Each
 * block writes only its own result slot, and the caller combines the slots
 * in block order, so results do not depend on the number of threads. */
#ifndef CRVM_RETENTION_COV_PARALLEL_H
#define CRVM_RETENTION_COV_PARALLEL_H

#include <stddef.h>

/* fn(ctx, worker, block): worker in 0..threads-1 selects per-worker scratch. */
typedef void (*crvm__block_fn)(void *ctx, size_t worker, size_t block);

/* Run blocks 0..blocks-1. threads <= 1 runs them in the calling thread; if a
 * thread cannot be started, the threads that did start (and the caller) do
 * its share, so the call cannot fail. */
void crvm__run_blocks(crvm__block_fn fn, void *ctx, size_t blocks, int threads);

#endif
