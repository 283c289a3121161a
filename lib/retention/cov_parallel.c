/* Blocks handed out through an atomic counter: whichever worker is free takes
 * the next block. The assignment varies between runs; the results do not,
 * since each block's result depends only on the block. */
#include "retention/cov_parallel.h"

#include <stdatomic.h>
#include <threads.h>


#define MAX_THREADS 64

typedef struct pool {
    crvm__block_fn fn;
    void *ctx;
    size_t blocks;
    atomic_size_t next;
} pool;

typedef struct worker_arg {
    pool *p;
    size_t worker;
} worker_arg;

static void drain(pool *p, size_t worker)
{
    for (;;) {
        size_t b = atomic_fetch_add(&p->next, 1);
        if (b >= p->blocks)
            return;
        p->fn(p->ctx, worker, b);
    }
}

static int worker_main(void *varg)
{
    worker_arg *a = varg;
    drain(a->p, a->worker);
    return 0;
}

void crvm__run_blocks(crvm__block_fn fn, void *ctx, size_t blocks, int threads)
{
    pool p = {fn, ctx, blocks, 0};
    atomic_init(&p.next, 0);
    size_t n = threads > 1 ? (size_t)threads : 1;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (n > blocks)
        n = blocks > 0 ? blocks : 1;
    thrd_t tid[MAX_THREADS];
    worker_arg args[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t w = 1; w < n; w++) {
        args[w] = (worker_arg){&p, w};
        started[w] = thrd_create(&tid[w], worker_main, &args[w]) == thrd_success;
    }
    drain(&p, 0);
    for (size_t w = 1; w < n; w++)
        if (started[w])
            thrd_join(tid[w], NULL);
}
