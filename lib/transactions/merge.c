/* Merging identical customer summary rows before a fit: an open-addressing
 * hash table on the bits of (x, t_x, T) replaces the sort used before
 * (0.25-0.3 s of qsort at 10^6 rows), and is skipped when a sample of the
 * rows shows (almost) no duplicates, as with continuous times. Distinct rows
 * come out in order of first appearance with their weights added in input
 * order, so the result depends on the input order only through that
 * summation order. Rows of weight 0 are dropped. Cost: one hash and on
 * average ~1.5 probes per row, at most 4 * next_pow2(distinct rows)
 * indices of memory (the table doubles, rehashing the distinct rows, when
 * it is half full). */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "transactions/txn_private.h"


/* Duplicate pairs among s rows taken at a stride over the input (s = n / 8,
 * at most SAMPLE). With n rows in groups of c identical ones, a sample of s
 * finds about s^2 (c - 1) / (2 n) pairs: 8 or more at 10^6 rows when c >= 2,
 * n (c - 1) / 128 below 65536 rows (16 or more from SMALL rows on). Fewer
 * than MIN_PAIRS means merging would save little and cost a hash table
 * and a cache miss per row (~0.1 s at 10^6, 0.3 ms, 15% of the fit, at
 * 10^4 continuous rows), so the rows are kept as they are. Up to SMALL
 * rows merging is always done (the table is small and stays cached). */
#define SAMPLE 8192
#define MIN_PAIRS 4
#define SMALL 2048
_Static_assert(SAMPLE < UINT16_MAX, "sample numbers fit the table's 16 bits");

static int worth_merging(const double *x, const double *tx, const double *T, size_t n)
{
    if (n <= SMALL)
        return 1;
    size_t s = n / 8 < SAMPLE ? n / 8 : SAMPLE, slots = 2;
    while (slots < 2 * s)
        slots *= 2;
    /* 0 free, else the sample's number k + 1 (<= SAMPLE): 32 KB of stack,
     * where row indices took 128 KB */
    uint16_t table[2 * SAMPLE];
    size_t stride = n / s, pairs = 0;
    memset(table, 0, slots * sizeof *table);
    for (size_t k = 0; k < s; k++) {
        size_t i = k * stride;
        size_t h = (size_t)crvm__txn_row_hash(x[i], tx[i], T[i]) & (slots - 1);
        for (;; h = (h + 1) & (slots - 1)) {
            if (table[h] == 0) {
                table[h] = (uint16_t)(k + 1);
                break;
            }
            size_t j = (size_t)(table[h] - 1) * stride;
            if (x[j] == x[i] && tx[j] == tx[i] && T[j] == T[i]) {
                pairs++;
                break;
            }
        }
    }
    return pairs >= MIN_PAIRS;
}

/* Put distinct row m (1-based in the table) into a table of slots entries */
static void table_put(size_t *table, size_t slots, const crvm__txn_row *r, size_t m1)
{
    size_t s = (size_t)crvm__txn_row_hash(r->x, r->tx, r->T) & (slots - 1);
    while (table[s] != 0)
        s = (s + 1) & (slots - 1);
    table[s] = m1;
}

crvm_status crvm__txn_merge(const double *x, const double *tx, const double *T, const double *w,
                            size_t n, crvm__txn_row **out, size_t *n_out, double *total_weight)
{
    int merge = worth_merging(x, tx, T, n);
    /* The table grows with the distinct rows (kept at most half full),
     * not with n: data with few distinct rows keep it, and the distinct
     * rows it points to, in the cache. */
    size_t slots = 1024;
    /* 0 free, else row index + 1 */
    size_t *table = merge ? crvm__calloc(slots, sizeof *table) : NULL;
    crvm__txn_row *rows = crvm__realloc_array(NULL, n ? n : 1, sizeof *rows);
    if ((merge && table == NULL) || rows == NULL) {
        crvm__free(table);
        crvm__free(rows);
        return crvm__nomem("transaction rows");
    }
    size_t m = 0;
    double W = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        if (wi == 0.0)
            continue;
        W += wi;
        if (!merge) {
            rows[m++] = (crvm__txn_row){x[i], tx[i], T[i], wi};
            continue;
        }
        size_t s = (size_t)crvm__txn_row_hash(x[i], tx[i], T[i]) & (slots - 1);
        for (;; s = (s + 1) & (slots - 1)) {
            if (table[s] == 0)
                break;
            crvm__txn_row *r = &rows[table[s] - 1];
            if (r->x == x[i] && r->tx == tx[i] && r->T == T[i]) {
                r->w += wi;
                break;
            }
        }
        if (table[s] != 0)
            continue;
        rows[m] = (crvm__txn_row){x[i], tx[i], T[i], wi};
        table[s] = ++m;
        if (2 * m > slots) {
            size_t *bigger = crvm__calloc(2 * slots, sizeof *bigger);
            if (bigger == NULL) {
                crvm__free(table);
                crvm__free(rows);
                return crvm__nomem("transaction rows");
            }
            crvm__free(table);
            table = bigger;
            slots *= 2;
            for (size_t j = 0; j < m; j++)
                table_put(table, slots, &rows[j], j + 1);
        }
    }
    crvm__free(table);
    *out = rows;
    *n_out = m;
    *total_weight = W;
    return CRVM_OK;
}
