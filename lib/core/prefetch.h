/* Private: a hint to start loading memory a hash table will read soon, so
 * that a walk can overlap the load with other work. No effect on results;
 * nothing on compilers without the builtin. */
#ifndef CRVM_CORE_PREFETCH_H
#define CRVM_CORE_PREFETCH_H

#if defined(__GNUC__)
#  define CRVM__PREFETCH(p) __builtin_prefetch(p)
#else
#  define CRVM__PREFETCH(p) ((void)(p))
#endif

#endif
