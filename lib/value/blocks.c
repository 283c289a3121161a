/* Fixed blocks of customers on worker threads, reduced in block order
 * (value_internal.h). The library starts threads only when options.threads
 * asks for more than one; a thread that cannot be started leaves its share
 * to the calling thread. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "value/value_internal.h"

enum { SLOTS_PER_THREAD = 4, MAX_THREADS = 256 };

size_t crvm__value_slots(int threads) { return (size_t)(threads > 1 ? threads : 1) * SLOTS_PER_THREAD; }

typedef struct round {
    crvm__value_block_fn fn;
    void *ctx;
    size_t n, first_block, blocks, step;
    crvm_status *status;
    char (*message)[256];
} round;

typedef struct worker {
    round *r;
    size_t offset;
} worker;

/* Slots offset, offset + step, ... of the round. */
static void run_slots(const round *r, size_t offset)
{
    for (size_t s = offset; s < r->blocks; s += r->step) {
        size_t begin = (r->first_block + s) * CRVM__VALUE_BLOCK;
        size_t end = begin + CRVM__VALUE_BLOCK < r->n ? begin + CRVM__VALUE_BLOCK : r->n;
        r->status[s] = r->fn(r->ctx, s, begin, end);
        if (r->status[s])
            snprintf(r->message[s], sizeof r->message[s], "%s", crvm_last_error());
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run_slots(w->r, w->offset);
    return NULL;
}

crvm_status crvm__value_blocks(int threads, size_t n, crvm__value_block_fn fn,
                               crvm__value_reduce_fn reduce, void *ctx)
{
    const size_t T = threads > 1 ? (size_t)(threads < MAX_THREADS ? threads : MAX_THREADS) : 1;
    const size_t R = crvm__value_slots((int)T), nb = (n + CRVM__VALUE_BLOCK - 1) / CRVM__VALUE_BLOCK;
    crvm_status *status = crvm__malloc(R * sizeof *status);
    char (*message)[256] = crvm__malloc(R * sizeof *message);
    if (!status || !message) {
        crvm__free(status);
        crvm__free(message);
        return crvm__nomem("block scheduling");
    }
    crvm_status st = CRVM_OK;
    for (size_t first = 0; first < nb && !st; first += R) {
        round r = {fn, ctx, n, first, nb - first < R ? nb - first : R, T, status, message};
        pthread_t tid[MAX_THREADS];
        worker w[MAX_THREADS];
        int started[MAX_THREADS] = {0};
        for (size_t t = 1; t < T; t++) {
            w[t] = (worker){&r, t};
            started[t] = pthread_create(&tid[t], NULL, worker_main, &w[t]) == 0;
        }
        run_slots(&r, 0);
        for (size_t t = 1; t < T; t++) {
            if (started[t])
                pthread_join(tid[t], NULL);
            else
                run_slots(&r, t);
        }
        for (size_t s = 0; s < r.blocks && !st; s++)
            if (status[s])
                st = crvm__fail(status[s], "%s", message[s]);
        if (reduce && !st)
            for (size_t s = 0; s < r.blocks; s++)
                reduce(ctx, s);
    }
    crvm__free(status);
    crvm__free(message);
    return st;
}
