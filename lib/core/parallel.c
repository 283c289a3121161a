/* A parallel loop over index ranges on POSIX threads (see parallel.h). */
#include "core/parallel.h"

#include <pthread.h>

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
        started[j] = pthread_create(&id[j], NULL, run_chunk, &c[j]) == 0;
    run_chunk(&c[0]);
    for (size_t j = 1; j < k; j++) {
        if (started[j])
            pthread_join(id[j], NULL);
        else
            run_chunk(&c[j]);
    }
}
