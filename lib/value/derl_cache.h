/* Private: a memo of DERL-only engine queries for the walks over contacts
 * (contact impacts, the support P&L). Customers whose histories agree up
 * to a renewal ask the same query there -- at 10^6 customers 46% of the
 * impacts' 1.5 M queries repeat an earlier one, most of them one of a few
 * thousand common queries -- so each worker thread keeps the latest answer
 * per cache line, over every block it runs. An answer is a function of the query alone (segment, n,
 * Lambda, e1, compared bit for bit), so a hit returns exactly what the
 * engine would: results do not depend on the cache, nor on the threads. */
#ifndef CRVM_VALUE_DERL_CACHE_H
#define CRVM_VALUE_DERL_CACHE_H

#include <stddef.h>

#include "value/value_internal.h"

typedef struct crvm__derl_cache crvm__derl_cache;

/* A cache of `lines` entries (a power of two, >= 2), 80 bytes each; NULL when out
 * of memory (crvm__nomem has then set the message). */
crvm__derl_cache *crvm__derl_cache_new(size_t lines);
void crvm__derl_cache_free(crvm__derl_cache *c);
/* Lines for a walk over n customers by `workers` threads: about n / 16 per
 * worker, from 256 to 65536, so that the caches together stay within about
 * 5 bytes per customer. */
size_t crvm__derl_cache_lines(size_t customers, size_t workers);

/* crvm__value_eval_derl through the cache (c may be NULL: no cache). */
crvm_status crvm__value_eval_derl_cached(const crvm_value *v, crvm__derl_cache *c,
                                         const crvm__vquery *q, size_t customer,
                                         crvm__rcov_partials *derl);

#endif
