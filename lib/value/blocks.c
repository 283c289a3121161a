/* Fixed blocks of customers on worker threads (crvm__run_blocks,
 * core/parallel.h), folded in block order (value_internal.h). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

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

/* ---- blocks whose folds overlap later blocks
 *
 * Rounds wait at their end for the slowest block, then fold on the calling
 * thread while the others wait again: at 10^6 customers the panel's rows
 * and the valuation ran 62 rounds each. Here a block starts as soon as its
 * slot's previous block is folded, and the thread finishing a block folds
 * every block done in order from the first unfolded one (one folder at a
 * time), while the other threads go on: no barrier but the end. Block b
 * uses slot b % R as in the rounds, and the folds run in block order, so
 * the results are the rounds' bits. */
typedef struct pipeline {
    crvm__value_block_fn fn;
    crvm__value_fold_fn fold;
    void *ctx;
    size_t n, blocks, R;
    pthread_mutex_t mu;
    pthread_cond_t freed;  /* a slot was folded, or a block failed */
    size_t next, folded;   /* the next block to start; blocks below folded are folded */
    unsigned char *done;   /* [R]: the slot's block is done, not yet folded */
    int folding;           /* a thread is folding */
    size_t failed;         /* the first failing block (or fold), blocks if none */
    crvm_status status;
    char message[256];
} pipeline;

typedef struct pipeline_worker {
    pipeline *p;
    size_t worker;
} pipeline_worker;

/* Block (or its fold) b failed with st; the message is this thread's. Locked. */
static void pipeline_fail(pipeline *p, size_t b, crvm_status st, const char *message)
{
    if (b < p->failed) {
        p->failed = b;
        p->status = st;
        snprintf(p->message, sizeof p->message, "%s", message);
    }
    pthread_cond_broadcast(&p->freed);
}

/* Folds the done blocks in order from the first unfolded one. Locked, not folding. */
static void pipeline_fold(pipeline *p)
{
    p->folding = 1;
    while (p->folded < p->failed && p->folded < p->blocks && p->done[p->folded % p->R]) {
        const size_t b = p->folded, s = b % p->R;
        pthread_mutex_unlock(&p->mu);
        crvm_status st = p->fold ? p->fold(p->ctx, s) : CRVM_OK;
        char message[256] = "";
        if (st)
            snprintf(message, sizeof message, "%s", crvm_last_error());
        pthread_mutex_lock(&p->mu);
        p->done[s] = 0;
        if (st) {
            pipeline_fail(p, b, st, message);
            break;
        }
        p->folded++;
        pthread_cond_broadcast(&p->freed);
    }
    p->folding = 0;
}

static void *pipeline_run(void *arg)
{
    const pipeline_worker *w = arg;
    pipeline *p = w->p;
    pthread_mutex_lock(&p->mu);
    while (p->failed == p->blocks && p->next < p->blocks) {
        if (p->next >= p->folded + p->R) { /* its slot still holds an unfolded block */
            pthread_cond_wait(&p->freed, &p->mu);
            continue;
        }
        const size_t b = p->next++;
        pthread_mutex_unlock(&p->mu);
        const size_t begin = b * CRVM__VALUE_BLOCK;
        const size_t end = begin + CRVM__VALUE_BLOCK < p->n ? begin + CRVM__VALUE_BLOCK : p->n;
        crvm_status st = p->fn(p->ctx, w->worker, b % p->R, begin, end);
        char message[256] = "";
        if (st)
            snprintf(message, sizeof message, "%s", crvm_last_error());
        pthread_mutex_lock(&p->mu);
        if (st) {
            pipeline_fail(p, b, st, message);
            continue;
        }
        p->done[b % p->R] = 1;
        if (!p->folding)
            pipeline_fold(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

crvm_status crvm__value_blocks_overlapped(int threads, size_t n, crvm__value_block_fn fn,
                                          crvm__value_fold_fn fold, void *ctx)
{
    const size_t T = crvm__value_threads(threads), R = crvm__value_slots(threads);
    pipeline p;
    memset(&p, 0, sizeof p);
    p.fn = fn;
    p.fold = fold;
    p.ctx = ctx;
    p.n = n;
    p.blocks = p.failed = (n + CRVM__VALUE_BLOCK - 1) / CRVM__VALUE_BLOCK;
    p.R = R;
    p.done = crvm__calloc(R, 1);
    if (!p.done)
        return crvm__nomem("blocks of customers");
    if (pthread_mutex_init(&p.mu, NULL) != 0) {
        crvm__free(p.done);
        return crvm__fail(CRVM_ENOMEM, "blocks of customers: no mutex");
    }
    if (pthread_cond_init(&p.freed, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        crvm__free(p.done);
        return crvm__fail(CRVM_ENOMEM, "blocks of customers: no condition variable");
    }
    /* The calling thread is worker 0; a thread that cannot be started
     * leaves its share to the others. */
    pthread_t id[MAX_THREADS];
    pipeline_worker w[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t j = 0; j < T; j++)
        w[j] = (pipeline_worker){&p, j};
    for (size_t j = 1; j < T; j++)
        started[j] = crvm__thread_start(&id[j], pipeline_run, &w[j]) == 0;
    pipeline_run(&w[0]);
    for (size_t j = 1; j < T; j++)
        if (started[j])
            pthread_join(id[j], NULL);
    pthread_cond_destroy(&p.freed);
    pthread_mutex_destroy(&p.mu);
    crvm__free(p.done);
    if (p.failed < p.blocks)
        return crvm__fail(p.status, "%s", p.message);
    return CRVM_OK;
}
