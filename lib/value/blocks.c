/* Fixed blocks of customers on worker threads (crvm__run_blocks,
 * core/parallel.h), folded in block order (value_internal.h). */
#include <stdio.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/parallel.h"
#include "value/value_internal.h"

enum { SLOTS_PER_THREAD = 4, MAX_THREADS = 64 };

size_t crvm__value_threads(int threads)
{
    return threads <= 1 ? 1 : threads < MAX_THREADS ? (size_t)threads : MAX_THREADS;
}

size_t crvm__value_slots(int threads) { return crvm__value_threads(threads) * SLOTS_PER_THREAD; }

typedef struct round {
    crvm__value_block_fn fn;
    void *ctx;
    size_t n, first_block;
    crvm_status *status;
    char (*message)[256];
} round;

static void run_slot(void *ctx, size_t worker, size_t slot)
{
    round *r = ctx;
    size_t begin = (r->first_block + slot) * CRVM__VALUE_BLOCK;
    size_t end = begin + CRVM__VALUE_BLOCK < r->n ? begin + CRVM__VALUE_BLOCK : r->n;
    r->status[slot] = r->fn(r->ctx, worker, slot, begin, end);
    if (r->status[slot]) /* the message is the worker thread's: keep a copy */
        snprintf(r->message[slot], sizeof r->message[slot], "%s", crvm_last_error());
}

crvm_status crvm__value_blocks(int threads, size_t n, crvm__value_block_fn fn,
                               crvm__value_reduce_fn reduce, void *ctx)
{
    const size_t R = crvm__value_slots(threads), nb = (n + CRVM__VALUE_BLOCK - 1) / CRVM__VALUE_BLOCK;
    crvm_status *status = crvm__malloc(R * sizeof *status);
    char (*message)[256] = crvm__malloc(R * sizeof *message);
    crvm_status st = status && message ? CRVM_OK : crvm__nomem("blocks of customers");
    for (size_t first = 0; first < nb && !st; first += R) {
        size_t blocks = nb - first < R ? nb - first : R;
        round r = {fn, ctx, n, first, status, message};
        crvm__run_blocks(run_slot, &r, blocks, (int)crvm__value_threads(threads));
        for (size_t s = 0; s < blocks && !st; s++)
            if (status[s])
                st = crvm__fail(status[s], "%s", message[s]);
        if (reduce && !st)
            for (size_t s = 0; s < blocks; s++)
                reduce(ctx, s);
    }
    crvm__free(status);
    crvm__free(message);
    return st;
}
