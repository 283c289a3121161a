/* C11 threads on pthreads, compiled only into ThreadSanitizer builds
 * (b_sanitize=thread, lib/core/meson.build). glibc implements thrd_create
 * without calling the interposable pthread_create, which GCC's and clang's
 * TSan intercept, so TSan would not see those threads start and end: it
 * would miss their races and report false ones. Linked into the library's
 * static archive, these definitions take the place of glibc's in every test
 * program of that build (and in the library, should it start threads).
 * Only the functions crvm and its tests use are routed. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

_Static_assert(sizeof(thrd_t) == sizeof(pthread_t), "thrd_t holds a pthread_t");

typedef struct start {
    thrd_start_t fn;
    void *arg;
} start;

static void *run(void *p)
{
    start s = *(start *)p;
    free(p);
    return (void *)(intptr_t)s.fn(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t fn, void *arg)
{
    start *s = malloc(sizeof *s);
    if (s == NULL)
        return thrd_nomem;
    s->fn = fn;
    s->arg = arg;
    pthread_t t;
    int rc = pthread_create(&t, NULL, run, s);
    if (rc != 0) {
        free(s);
        return rc == EAGAIN ? thrd_nomem : thrd_error;
    }
    *thr = (thrd_t)t;
    return thrd_success;
}

int thrd_join(thrd_t thr, int *res)
{
    void *r;
    if (pthread_join((pthread_t)thr, &r) != 0)
        return thrd_error;
    if (res != NULL)
        *res = (int)(intptr_t)r;
    return thrd_success;
}
