/* Parallel loops on POSIX threads (see parallel.h): contiguous chunks, or
 * blocks handed out through an atomic counter. */
#include "core/parallel.h"

#include <stdatomic.h>

int crvm__thread_start(pthread_t *id, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return pthread_create(id, NULL, fn, arg);
    size_t size = 0;
    if (pthread_attr_getstacksize(&attr, &size) == 0 && size < CRVM__WORKER_STACK)
        pthread_attr_setstacksize(&attr, CRVM__WORKER_STACK);
    int rc = pthread_create(id, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return rc;
}

typedef struct chunk {
    void (*fn)(void *ctx, size_t begin, size_t end);
    void *ctx;
    size_t begin, end;
} chunk;

static void *run_chunk(void *arg)
{
    chunk *c = arg;
    c->fn(c->ctx, c->begin, c->end);
    return NULL;
}

void crvm__parallel_for(size_t n, int threads, void (*fn)(void *ctx, size_t begin, size_t end),
                        void *ctx)
{
    if (threads > CRVM__MAX_THREADS)
        threads = CRVM__MAX_THREADS;
    if (threads <= 1 || n < 2) {
        fn(ctx, 0, n);
        return;
    }
    size_t k = (size_t)threads < n ? (size_t)threads : n;
    chunk c[CRVM__MAX_THREADS];
    pthread_t id[CRVM__MAX_THREADS];
    int started[CRVM__MAX_THREADS];
    for (size_t j = 0; j < k; j++)
        c[j] = (chunk){fn, ctx, n * j / k, n * (j + 1) / k};
    for (size_t j = 1; j < k; j++)
        started[j] = crvm__thread_start(&id[j], run_chunk, &c[j]) == 0;
    run_chunk(&c[0]);
    for (size_t j = 1; j < k; j++) {
        if (started[j])
            pthread_join(id[j], NULL);
        else
            run_chunk(&c[j]);
    }
}

typedef struct block_pool {
    crvm__block_fn fn;
    void *ctx;
    size_t blocks;
    atomic_size_t next;
} block_pool;

typedef struct block_worker {
    block_pool *p;
    size_t worker;
} block_worker;

static void *drain(void *arg)
{
    block_worker *w = arg;
    for (;;) {
        size_t b = atomic_fetch_add(&w->p->next, 1);
        if (b >= w->p->blocks)
            return NULL;
        w->p->fn(w->p->ctx, w->worker, b);
    }
}

void crvm__run_blocks(crvm__block_fn fn, void *ctx, size_t blocks, int threads)
{
    block_pool p = {fn, ctx, blocks, 0};
    atomic_init(&p.next, 0);
    size_t n = threads > 1 ? (size_t)threads : 1;
    if (n > CRVM__MAX_THREADS)
        n = CRVM__MAX_THREADS;
    if (n > blocks)
        n = blocks > 0 ? blocks : 1;
    pthread_t id[CRVM__MAX_THREADS];
    block_worker w[CRVM__MAX_THREADS];
    int started[CRVM__MAX_THREADS] = {0};
    for (size_t j = 0; j < n; j++)
        w[j] = (block_worker){&p, j};
    for (size_t j = 1; j < n; j++)
        started[j] = crvm__thread_start(&id[j], drain, &w[j]) == 0;
    drain(&w[0]);
    for (size_t j = 1; j < n; j++)
        if (started[j])
            pthread_join(id[j], NULL);
}
