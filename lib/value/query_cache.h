/* Private: a memo of engine queries for the value layer's passes over its
 * customers (valuation) and contacts (impacts, the support P&L). Customers
 * whose histories agree up to a renewal ask the same query there -- at 10^6
 * customers 46% of the impacts' 1.5 M queries repeat an earlier one, most
 * of them one of a few thousand common queries, and 19% of the valuation's
 * -- so each worker slot keeps its latest answers. An answer is a function
 * of the query alone (segment, n, Lambda, e1, compared bit for bit), so a
 * hit returns exactly what the engine would: results depend neither on the
 * cache nor on the threads. */
#ifndef CRVM_VALUE_QUERY_CACHE_H
#define CRVM_VALUE_QUERY_CACHE_H

#include <stddef.h>

#include "value/value_internal.h"

typedef struct crvm__query_cache crvm__query_cache;

/* What a cache keeps of each query. */
typedef enum crvm__cached { CRVM__CACHE_DERL, CRVM__CACHE_ANSWER } crvm__cached;

/* A cache of `lines` entries (a power of two, >= 2) in sets of two, each of
 * 25 bytes plus the answer kept (48 bytes for the DERL, 288 for the whole
 * answer); NULL when out of memory (crvm__nomem has then set the message). */
crvm__query_cache *crvm__query_cache_new(size_t lines, crvm__cached what);
void crvm__query_cache_free(crvm__query_cache *c);
/* Lines for a pass over n customers by `slots` slots: about n / 16 per
 * slot, from 256 to 16384 (DERL) or from 64 to 2048 (whole answers), so
 * that the caches of a pass stay within a few bytes per customer. */
size_t crvm__query_cache_lines(size_t customers, size_t slots, crvm__cached what);

/* crvm__value_eval_derl and crvm__value_eval through a cache of that kind
 * (c may be NULL: no cache). */
crvm_status crvm__value_eval_derl_cached(const crvm_value *v, crvm__query_cache *c,
                                         const crvm__vquery *q, size_t customer,
                                         crvm__rcov_partials *derl);
crvm_status crvm__value_eval_cached(const crvm_value *v, crvm__query_cache *c, const crvm__vquery *q,
                                    size_t customer, crvm__rcov_answer *a);

#endif
