/* A sample of a compact panel: about one subject in stride, with its rows, for the start values of a large fit (cov_fit.c). The fit on the
 * sample lands within about sqrt(stride) standard errors of the full
 * estimate, where the full log-likelihood is close to quadratic, so
 * Newton's method on all the data then needs three or four evaluations
 * instead of the six to ten it takes from the per-group start values. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/mix.h"
#include "core/parallel.h"
#include "core/prefetch.h"
#include "retention/cov_internal.h"

/* A panel of at least SAMPLE_MIN_SUBJECTS subjects is fitted from a sample
 * of about SAMPLE_SUBJECTS of them; one of at least LADDER_SUBJECTS from a
 * sample of one subject in LADDER_STRIDE, itself fitted the same way: a
 * ladder of fits, each starting within about sqrt(LADDER_STRIDE) standard
 * errors of its optimum. At 10^6 subjects (519 030 distinct) the fit on all
 * the data then takes 4 evaluations (the start, a Newton step, the
 * polishing steps) instead of 6 from a sample of 2^13, for 7 on its sample
 * of 124 454 (72 962 distinct) and 15 on that one's of 8 400 (5 783), a
 * sample's fit ending on its last small step unevaluated (cov_fit.c):
 * about 0.9 of an evaluation of all the data saved. At 10^5 a ladder saves
 * none (the fit on all the data takes as many evaluations) and its larger
 * sample costs more, hence the threshold. */
#define SAMPLE_MIN_SUBJECTS ((size_t)1 << 16)
#define SAMPLE_SUBJECTS ((size_t)1 << 13)
#define LADDER_SUBJECTS ((size_t)1 << 17)
#define LADDER_STRIDE 8

/* Subject i is taken when a hash of i is 0 modulo the stride: unlike every
 * stride-th subject, this does not fall in step with a panel whose subjects
 * cycle through the groups (or anything else periodic). */
static int taken(size_t i, size_t stride)
{
    return crvm__mix64((uint64_t)i * 0x9e3779b97f4a7c15ULL) % stride == 0;
}

size_t crvm__rcov_sample_stride(size_t subjects)
{
    if (subjects >= LADDER_SUBJECTS)
        return LADDER_STRIDE;
    return subjects >= SAMPLE_MIN_SUBJECTS ? subjects / SAMPLE_SUBJECTS : 1;
}

/* Allocates out's arrays for m subjects and `rows` rows (weights if
 * with_weight); CRVM_ENOMEM naming what. */
static crvm_status subpanel_alloc(size_t m, size_t rows, int with_weight, const char *what,
                                  crvm__rcov_subpanel *s)
{
    memset(s, 0, sizeof *s);
    s->group = crvm__malloc((m + 1) * sizeof *s->group);
    s->periods = crvm__malloc((m + 1) * sizeof *s->periods);
    s->churned = crvm__malloc(m + 1);
    s->weight = with_weight ? crvm__malloc((m + 1) * sizeof *s->weight) : NULL;
    s->first_row = crvm__malloc((m + 1) * sizeof *s->first_row);
    s->row_pattern = crvm__malloc((rows + 1) * sizeof *s->row_pattern);
    if (!s->group || !s->periods || !s->churned || (with_weight && !s->weight) || !s->first_row ||
        !s->row_pattern) {
        crvm__rcov_subpanel_free(s);
        return crvm__nomem(what);
    }
    return CRVM_OK;
}

/* Appends subject i of d (weight w) as subject j of s, its rows from row r on. */
static size_t subpanel_put(crvm__rcov_subpanel *s, size_t j, size_t r, const crvm__rcov_data *d,
                           size_t i, double w)
{
    size_t n = (size_t)d->periods[i];
    s->group[j] = d->group[i];
    s->periods[j] = d->periods[i];
    s->churned[j] = d->churned[i];
    if (s->weight)
        s->weight[j] = w;
    s->first_row[j] = r;
    memcpy(s->row_pattern + r, d->row_pattern + d->first_row[i], n * sizeof *s->row_pattern);
    return r + n;
}

/* The views of s->data over its arrays: m subjects, the rest as d. */
static void subpanel_views(crvm__rcov_subpanel *s, const crvm__rcov_data *d, size_t m, size_t rows)
{
    s->first_row[m] = rows;
    s->data = *d;
    s->data.subjects = m;
    s->data.group = s->group;
    s->data.periods = s->periods;
    s->data.churned = s->churned;
    s->data.weight = s->weight;
    s->data.first_row = s->first_row;
    s->data.row_pattern = s->row_pattern;
}

void crvm__rcov_subpanel_free(crvm__rcov_subpanel *s)
{
    if (s == NULL)
        return;
    crvm__free(s->group);
    crvm__free(s->periods);
    crvm__free(s->churned);
    crvm__free(s->weight);
    crvm__free(s->first_row);
    crvm__free(s->row_pattern);
    memset(s, 0, sizeof *s);
}

crvm_status crvm__rcov_sample_new(const crvm__rcov_data *d, size_t stride,
                                  crvm__rcov_subpanel *out)
{
    return crvm__rcov_sample_new_threads(d, stride, 1, out);
}

/* The sample is taken in ranges of subjects, one per thread: each counts
 * its subjects and rows taken, then (at the offsets the counts give) copies
 * them, so the sample is the one a single pass takes. At 10^6 subjects the
 * single pass was a serial stretch of the fit (0.015 CPU s). */
typedef struct sample_ctx {
    const crvm__rcov_data *d;
    size_t stride, ranges;
    size_t *m, *rows; /* per range: taken subjects and rows (pass 0), then where they go */
    crvm__rcov_subpanel *s;
    int pass;
} sample_ctx;

static void sample_range(void *vctx, size_t worker, size_t range)
{
    (void)worker;
    sample_ctx *c = vctx;
    const crvm__rcov_data *d = c->d;
    const size_t begin = d->subjects * range / c->ranges, end = d->subjects * (range + 1) / c->ranges;
    size_t m = 0, rows = 0;
    if (c->pass == 0) {
        for (size_t i = begin; i < end; i++)
            if (taken(i, c->stride)) {
                m++;
                rows += (size_t)d->periods[i];
            }
        c->m[range] = m;
        c->rows[range] = rows;
        return;
    }
    size_t j = c->m[range], r = c->rows[range];
    for (size_t i = begin; i < end; i++)
        if (taken(i, c->stride))
            r = subpanel_put(c->s, j++, r, d, i, d->weight ? d->weight[i] : 1.0);
}

/* Below this many subjects one range: threads would cost more than they save. */
#define SAMPLE_RANGE_MIN ((size_t)1 << 13)

crvm_status crvm__rcov_sample_new_threads(const crvm__rcov_data *d, size_t stride, int threads,
                                          crvm__rcov_subpanel *out)
{
    size_t ranges = threads > 1 ? (threads < CRVM__MAX_THREADS ? (size_t)threads : CRVM__MAX_THREADS) : 1;
    if (d->subjects < SAMPLE_RANGE_MIN)
        ranges = 1;
    size_t count[2 * CRVM__MAX_THREADS];
    sample_ctx c = {d, stride, ranges, count, count + CRVM__MAX_THREADS, NULL, 0};
    crvm__run_blocks(sample_range, &c, ranges, (int)ranges);
    size_t m = 0, rows = 0;
    for (size_t k = 0; k < ranges; k++) {
        size_t mk = c.m[k], rk = c.rows[k];
        c.m[k] = m;
        c.rows[k] = rows;
        m += mk;
        rows += rk;
    }
    crvm__rcov_subpanel s;
    crvm_status st = subpanel_alloc(m, rows, d->weight != NULL, "the sample for the start values", &s);
    if (st != CRVM_OK)
        return st;
    c.s = &s;
    c.pass = 1;
    crvm__run_blocks(sample_range, &c, ranges, (int)ranges);
    subpanel_views(&s, d, m, rows);
    *out = s;
    return CRVM_OK;
}

/* ---- merging identical subjects */

static uint64_t subject_hash(const crvm__rcov_data *d, size_t i)
{
    uint64_t h = 1469598103934665603ULL ^ ((uint64_t)(uint32_t)d->group[i] << 33 ^
                                           (uint64_t)(uint32_t)d->periods[i] << 1 ^ d->churned[i]);
    const uint32_t *row = d->row_pattern + d->first_row[i];
    for (int32_t s = 0; s < d->periods[i]; s++)
        h = (h ^ row[s]) * 1099511628211ULL;
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9ULL;
}

static int same_subject(const crvm__rcov_data *d, size_t i, size_t k)
{
    return d->group[i] == d->group[k] && d->periods[i] == d->periods[k] &&
           d->churned[i] == d->churned[k] &&
           !memcmp(d->row_pattern + d->first_row[i], d->row_pattern + d->first_row[k],
                   (size_t)d->periods[i] * sizeof *d->row_pattern);
}

typedef struct hash_ctx {
    const crvm__rcov_data *d;
    uint64_t *hash;
} hash_ctx;

static void hash_range(void *ctx, size_t begin, size_t end)
{
    const hash_ctx *c = ctx;
    for (size_t i = begin; i < end; i++)
        c->hash[i] = subject_hash(c->d, i);
}

typedef struct put_ctx {
    const crvm__rcov_data *d;
    crvm__rcov_subpanel *s;
    const uint32_t *first;
    const double *wsum;
} put_ctx;

/* Distinct subjects [begin, end) into s, their first rows already set. */
static void put_range(void *ctx, size_t begin, size_t end)
{
    const put_ctx *c = ctx;
    for (size_t j = begin; j < end; j++)
        (void)subpanel_put(c->s, j, c->s->first_row[j], c->d, c->first[j], c->wsum[j]);
}

crvm_status crvm__rcov_merge_identical(const crvm__rcov_data *d, crvm__rcov_subpanel *out,
                                       int *merged)
{
    return crvm__rcov_merge_identical_threads(d, 1, out, merged);
}

/* The subjects are cut into parts by their hash, one part per thread, each
 * finding its own distinct subjects (in subject order) in a table of its
 * own; the parts' lists are then merged by first subject, so that the ids,
 * and each weight summed in subject order, do not depend on the parts. */
typedef struct part {
    uint64_t *table; /* slot -> the high half of the hash << 32 | local id + 1 */
    size_t slots, count, distinct, rows;
    uint32_t *first; /* local id -> its first subject (increasing) */
    double *wsum;    /* local id -> the sum of the weights merged into it */
} part;

typedef struct merge_ctx {
    const crvm__rcov_data *d;
    const uint64_t *hash;
    size_t parts;
    part *part;
} merge_ctx;

static size_t part_of(uint64_t hash, size_t parts) { return (size_t)(hash >> 32) % parts; }

static void count_part(void *ctx, size_t worker, size_t p)
{
    (void)worker;
    merge_ctx *c = ctx;
    size_t count = 0;
    for (size_t i = 0; i < c->d->subjects; i++)
        count += part_of(c->hash[i], c->parts) == p;
    c->part[p].count = count;
}

static void fill_part(void *ctx, size_t worker, size_t p)
{
    (void)worker;
    merge_ctx *c = ctx;
    const crvm__rcov_data *d = c->d;
    const uint64_t *hash = c->hash;
    part *pt = &c->part[p];
    uint64_t *table = pt->table;
    const size_t mask = pt->slots - 1, ahead = 16;
    memset(table, 0, pt->slots * sizeof *table);
    size_t distinct = 0, rows = 0, next = 0;
    /* The part's next subjects, found ahead so that their slots are fetched early. */
    size_t queue[16], head = 0, tail = 0;
    for (;;) {
        while (tail - head < ahead && next < d->subjects) {
            if (part_of(hash[next], c->parts) == p) {
                CRVM__PREFETCH(&table[hash[next] & mask]);
                queue[tail++ % ahead] = next;
            }
            next++;
        }
        if (head == tail)
            break;
        const size_t i = queue[head++ % ahead];
        const uint64_t tag = hash[i] >> 32 << 32;
        size_t at = hash[i] & mask;
        while (table[at] && !((table[at] & ~(uint64_t)UINT32_MAX) == tag &&
                              same_subject(d, i, pt->first[(uint32_t)table[at] - 1])))
            at = (at + 1) & mask;
        double w = d->weight ? d->weight[i] : 1.0;
        if (table[at]) {
            pt->wsum[(uint32_t)table[at] - 1] += w;
            continue;
        }
        pt->first[distinct] = (uint32_t)i;
        pt->wsum[distinct] = w;
        table[at] = tag | ++distinct;
        rows += (size_t)d->periods[i];
    }
    pt->distinct = distinct;
    pt->rows = rows;
}

crvm_status crvm__rcov_merge_identical_threads(const crvm__rcov_data *d, int threads,
                                               crvm__rcov_subpanel *out, int *merged)
{
    memset(out, 0, sizeof *out);
    *merged = 0;
    const size_t m = d->subjects, parts = threads > 1 ? (threads > 64 ? 64 : (size_t)threads) : 1;
    if (m > UINT32_MAX / 2) /* ids would not fit: not merged */
        return CRVM_OK;
    /* first[j] and wsum[j]: the parts' lists, each part's at its offset,
     * then (all_first, all_wsum) merged; hash[i]: subject i's, computed on
     * the threads. */
    part part[64];
    memset(part, 0, sizeof part);
    uint32_t *first = crvm__malloc((m + 1) * sizeof *first), *all_first = NULL;
    double *wsum = crvm__malloc((m + 1) * sizeof *wsum), *all_wsum = NULL;
    uint64_t *hash = crvm__malloc((m + 1) * sizeof *hash);
    crvm_status st = CRVM_OK;
    if (!first || !wsum || !hash) {
        st = crvm__nomem("merging identical subjects");
        goto done;
    }
    hash_ctx hc = {d, hash};
    crvm__parallel_for(m, threads, hash_range, &hc);
    merge_ctx mc = {d, hash, parts, part};
    crvm__run_blocks(count_part, &mc, parts, (int)parts);
    size_t offset = 0;
    for (size_t p = 0; p < parts; p++) {
        part[p].slots = 2;
        while (part[p].slots < 2 * part[p].count)
            part[p].slots *= 2;
        part[p].first = first + offset;
        part[p].wsum = wsum + offset;
        offset += part[p].count;
        if (!(part[p].table = crvm__malloc(part[p].slots * sizeof *part[p].table))) {
            st = crvm__nomem("merging identical subjects");
            goto done;
        }
    }
    crvm__run_blocks(fill_part, &mc, parts, (int)parts);
    size_t distinct = 0, rows = 0;
    for (size_t p = 0; p < parts; p++) {
        crvm__free(part[p].table);
        part[p].table = NULL;
        distinct += part[p].distinct;
        rows += part[p].rows;
    }
    crvm__free(hash);
    hash = NULL;
    if (distinct > m - m / 5)
        goto done;
    all_first = parts > 1 ? crvm__malloc((distinct + 1) * sizeof *all_first) : first;
    all_wsum = parts > 1 ? crvm__malloc((distinct + 1) * sizeof *all_wsum) : wsum;
    if (!all_first || !all_wsum) {
        st = crvm__nomem("merging identical subjects");
        goto done;
    }
    if (parts > 1) {
        /* The distinct subjects in the order of their first subjects. */
        size_t at[64] = {0};
        for (size_t j = 0; j < distinct; j++) {
            size_t best = parts;
            for (size_t p = 0; p < parts; p++)
                if (at[p] < part[p].distinct &&
                    (best == parts || part[p].first[at[p]] < part[best].first[at[best]]))
                    best = p;
            all_first[j] = part[best].first[at[best]];
            all_wsum[j] = part[best].wsum[at[best]++];
        }
    }
    crvm__rcov_subpanel s;
    st = subpanel_alloc(distinct, rows, 1, "merging identical subjects", &s);
    if (st != CRVM_OK)
        goto done;
    /* Each distinct subject's first row, then the copies on the threads. */
    size_t r = 0;
    for (size_t j = 0; j < distinct; j++) {
        s.first_row[j] = r;
        r += (size_t)d->periods[all_first[j]];
    }
    put_ctx pc = {d, &s, all_first, all_wsum};
    crvm__parallel_for(distinct, threads, put_range, &pc);
    subpanel_views(&s, d, distinct, r);
    *out = s;
    *merged = 1;
done:
    for (size_t p = 0; p < parts; p++)
        crvm__free(part[p].table);
    if (all_first != first)
        crvm__free(all_first);
    if (all_wsum != wsum)
        crvm__free(all_wsum);
    crvm__free(first);
    crvm__free(wsum);
    crvm__free(hash);
    return st;
}
