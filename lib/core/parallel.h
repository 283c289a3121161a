/* Private: parallel loops, for calls whose options ask for worker threads:
 * over index ranges cut into one chunk per thread, or over numbered blocks
 * handed to whichever worker is free. Results must not depend on the thread
 * count: each chunk or block writes its own outputs. */
#ifndef CRVM_CORE_PARALLEL_H
#define CRVM_CORE_PARALLEL_H

#include <pthread.h>
#include <stddef.h>

/* At most this many threads (a stack array holds them: no allocation). */
#define CRVM__MAX_THREADS 64

/* Each worker thread the library starts has at least this much stack: the
 * deepest calls need ~140 KB (docs/conventions.md "Threads"), more than
 * some systems' default thread stack (musl's 128 KB). */
#define CRVM__WORKER_STACK ((size_t)1 << 20)

/* pthread_create with a stack of at least CRVM__WORKER_STACK (a larger
 * system default is kept): 0 on success, as pthread_create. */
int crvm__thread_start(pthread_t *id, void *(*fn)(void *), void *arg);

/* Run fn(ctx, begin, end) over [0, n) cut into `threads` contiguous chunks
 * of near-equal size (threads <= 1: one call on the calling thread). The
 * calling thread runs the first chunk; a thread that cannot be started runs
 * its chunk on the calling thread instead, so the loop always completes. */
void crvm__parallel_for(size_t n, int threads, void (*fn)(void *ctx, size_t begin, size_t end),
                        void *ctx);

/* Blocks handed out dynamically: fn(ctx, worker, block) for blocks
 * 0..blocks-1, worker in 0..threads-1 selecting per-worker scratch. Each
 * block writes only its own result slot and the caller combines the slots in
 * block order, so results do not depend on the thread count (nor on which
 * worker ran a block, which varies between runs). threads <= 1 runs them on
 * the calling thread; if a thread cannot be started, the others (and the
 * caller) take its share, so the call cannot fail. */
typedef void (*crvm__block_fn)(void *ctx, size_t worker, size_t block);
void crvm__run_blocks(crvm__block_fn fn, void *ctx, size_t blocks, int threads);

#endif
