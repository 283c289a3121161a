/* The compact retention panel of the value layer (see panel.h). */
#include "value/panel.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/mix.h"
#include "core/parallel.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "value/value_internal.h"

/* Touch kinds: a contact of outcome o, escalated e is o + 4 e; a view is 8. */
enum { KINDS = 9, VIEW = 8 };

/* What a period's touches add up to. */
typedef struct period_touches {
    uint32_t kind[KINDS];
    crvm_date last;    /* latest touch, CRVM_DATE_NONE if none */
    crvm__ymd last_ymd; /* its year-month-day (converted once, with the touch) */
} period_touches;

/* A set of distinct patterns, interned by open addressing (slots hold index
 * + 1, and the pattern's packed key): the panel's, or one block's while its
 * customers are built. */
typedef struct pattern_set {
    crvm__vpattern *pattern;
    size_t count, cap;
    uint32_t *slots;
    uint64_t *slot_key;
    size_t n_slots;
} pattern_set;

/* A pattern in one word when its counts are small (all but a few periods'),
 * so that interning compares and hashes one word; 0 when they are not (the
 * pattern is then compared field by field). Bit 63 marks a packed key. */
static uint64_t pack_pattern(const crvm__vpattern *p)
{
    uint64_t key = (uint64_t)1 << 63 | (uint64_t)p->touches << 44 | (uint64_t)p->quiet << 42 |
                   (uint64_t)(p->z[CRVM__Z_SILENT_3_5] != 0) << 41 | (uint64_t)(p->z[CRVM__Z_SILENT_6_PLUS] != 0) << 40;
    if (p->z[CRVM__Z_SILENT_3_5] > 1 || p->z[CRVM__Z_SILENT_6_PLUS] > 1)
        return 0;
    for (int j = 0; j < CRVM__Z_SILENT_3_5; j++) {
        if (p->z[j] > 0xff)
            return 0;
        key |= (uint64_t)p->z[j] << (8 * j);
    }
    return key;
}

static uint64_t hash_pattern(const crvm__vpattern *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (int j = 0; j < CRVM__Z_CANDIDATES; j++)
        h = (h ^ p->z[j]) * 1099511628211ULL;
    h = (h ^ ((uint64_t)p->touches << 8 | p->quiet)) * 1099511628211ULL;
    h ^= h >> 31;
    return h * 0x94d049bb133111ebULL;
}

static int same_pattern(const crvm__vpattern *a, const crvm__vpattern *b)
{
    return !memcmp(a->z, b->z, sizeof a->z) && a->touches == b->touches && a->quiet == b->quiet;
}

static uint64_t slot_hash(const crvm__vpattern *p, uint64_t key)
{
    return key ? crvm__mix64(key) : hash_pattern(p);
}

static crvm_status grow_table(pattern_set *t)
{
    size_t n = t->n_slots ? t->n_slots * 2 : 256;
    uint32_t *slots = crvm__calloc(n, sizeof *slots);
    uint64_t *slot_key = crvm__malloc(n * sizeof *slot_key);
    if (!slots || !slot_key) {
        crvm__free(slots);
        crvm__free(slot_key);
        return crvm__nomem("value panel pattern table");
    }
    for (size_t i = 0; i < t->count; i++) {
        uint64_t key = pack_pattern(&t->pattern[i]);
        size_t s = slot_hash(&t->pattern[i], key) & (n - 1);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = (uint32_t)(i + 1);
        slot_key[s] = key;
    }
    crvm__free(t->slots);
    crvm__free(t->slot_key);
    t->slots = slots;
    t->slot_key = slot_key;
    t->n_slots = n;
    return CRVM_OK;
}

/* Index of pattern q, whose packed key is `key`, in t, added if new (its
 * in_rows flag is or-ed in). */
static crvm_status intern_keyed(pattern_set *t, const crvm__vpattern *q, uint64_t key, uint32_t *id)
{
    if (2 * (t->count + 1) > t->n_slots) {
        crvm_status st = grow_table(t);
        if (st)
            return st;
    }
    size_t mask = t->n_slots - 1, s = slot_hash(q, key) & mask;
    for (; t->slots[s]; s = (s + 1) & mask)
        if (t->slot_key[s] == key && (key || same_pattern(&t->pattern[t->slots[s] - 1], q))) {
            *id = t->slots[s] - 1;
            t->pattern[*id].in_rows |= q->in_rows;
            return CRVM_OK;
        }
    if (t->count == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        crvm__vpattern *np = crvm__realloc_array(t->pattern, cap, sizeof *np);
        if (!np)
            return crvm__nomem("value panel patterns");
        t->pattern = np;
        t->cap = cap;
    }
    if (t->count >= UINT32_MAX - 1)
        return crvm__fail(CRVM_EDOMAIN, "value panel: more than 2^32 distinct covariate vectors");
    t->pattern[t->count] = *q;
    t->slots[s] = (uint32_t)(t->count + 1);
    t->slot_key[s] = key;
    *id = (uint32_t)t->count++;
    return CRVM_OK;
}

static crvm_status intern(pattern_set *t, const crvm__vpattern *q, uint32_t *id)
{
    return intern_keyed(t, q, pack_pattern(q), id);
}

/* Empties t, keeping its memory. */
static void clear_set(pattern_set *t)
{
    if (t->count)
        memset(t->slots, 0, t->n_slots * sizeof *t->slots);
    t->count = 0;
}

static void free_set(pattern_set *t)
{
    crvm__free(t->pattern);
    crvm__free(t->slots);
    crvm__free(t->slot_key);
}

void crvm__vpanel_free(crvm__vpanel *p)
{
    if (!p)
        return;
    crvm__free(p->status);
    crvm__free(p->churned);
    crvm__free(p->periods);
    crvm__free(p->first_row);
    crvm__free(p->row_pattern);
    crvm__free(p->current);
    crvm__free(p->silence);
    crvm__free(p->pattern);
    memset(p, 0, sizeof *p);
}

/* Status and periods as crvm_ledger_retention_data() gives them; as_of_ymd
 * is the y-m-d of as_of. */
static void customer_periods(const crvm_ledger *l, size_t i, crvm_date as_of, crvm__ymd as_of_ymd, int k,
                             uint8_t *status, int32_t *periods)
{
    crvm_date s = l->cust_start[i], e = l->cust_end[i];
    crvm__ymd start = crvm__ymd_of(s);
    if (s > as_of) {
        *status = CRVM__VP_NOT_STARTED;
        *periods = 0;
    } else if (e != CRVM_DATE_NONE && e <= as_of) {
        *status = CRVM__VP_CHURNED;
        *periods = (e > s ? crvm__whole_periods(crvm__ymd_months_between(start, crvm__ymd_of(e - 1)), k) : 0) + 1;
    } else {
        *status = CRVM__VP_ACTIVE;
        *periods = crvm__whole_periods(crvm__ymd_months_between(start, as_of_ymd), k);
    }
}

typedef struct periods_ctx {
    const crvm_ledger *l;
    crvm_date as_of;
    int k;
    crvm__vpanel *p;
} periods_ctx;

/* Each customer's status and periods, on the threads (one or two civil
 * conversions a customer). */
static void periods_range(void *vctx, size_t begin, size_t end)
{
    const periods_ctx *c = vctx;
    crvm__vpanel *p = c->p;
    const crvm__ymd as_of_ymd = crvm__ymd_of(c->as_of);
    for (size_t i = begin; i < end; i++) {
        customer_periods(c->l, i, c->as_of, as_of_ymd, c->k, &p->status[i], &p->periods[i]);
        p->churned[i] = p->status[i] == CRVM__VP_CHURNED;
        p->current[i] = UINT32_MAX;
        p->silence[i] = -1;
    }
}

/* The customer's touches (contacts opened and self-service views made on or
 * after its start and on or before as_of), grouped by customer: needed only
 * when the ledger does not keep its contacts and uses in customer order
 * (else the rows read them from the ledger, see touch_cursor). */
typedef struct touches {
    size_t *first; /* [customers + 1] */
    crvm_date *date;
    uint8_t *kind;
} touches;

static int contact_counts(const crvm_ledger *l, size_t k, crvm_date as_of, const uint8_t *status)
{
    uint32_t c = l->con_customer[k];
    crvm_date o = l->con_opened[k];
    return status[c] != CRVM__VP_NOT_STARTED && o >= l->cust_start[c] && o <= as_of;
}

static uint8_t contact_kind(const crvm_ledger *l, size_t k)
{
    return (uint8_t)(l->con_outcome[k] + 4 * (l->con_escalated[k] != 0));
}

static int view_counts(const crvm_ledger *l, size_t u, crvm_date as_of, const uint8_t *status)
{
    uint32_t c = l->use_customer[u];
    if (c == CRVM__NOT_FOUND || l->use_kind[u] != CRVM_USE_SELF_SERVICE)
        return 0;
    crvm_date d = l->use_date[u];
    return status[c] != CRVM__VP_NOT_STARTED && d >= l->cust_start[c] && d <= as_of;
}

/* The touches of a range of customers, on the threads: each range scans
 * every contact and view for its own customers, counting them into
 * first[i + 2] (pass 0) or placing them (pass 1); a customer's touches are
 * in ledger order, contacts first, for any number of ranges. */
typedef struct touch_ctx {
    const crvm_ledger *l;
    crvm_date as_of;
    const uint8_t *status;
    touches *t;
    size_t ranges;
    int pass;
} touch_ctx;

/* Counts (pass 0) or places (pass 1) one touch of customer cu. */
static void add_touch(touches *t, int pass, uint32_t cu, crvm_date date, uint8_t kind)
{
    if (pass == 0) {
        t->first[cu + 2]++;
        return;
    }
    size_t at = t->first[cu + 1]++;
    t->date[at] = date;
    t->kind[at] = kind;
}

static void range_touches(void *vctx, size_t worker, size_t range)
{
    (void)worker;
    const touch_ctx *c = vctx;
    const crvm_ledger *l = c->l;
    const size_t n = l->customer_ids.count, begin = n * range / c->ranges, end = n * (range + 1) / c->ranges;
    for (size_t k = 0; k < l->contact_ids.count; k++) {
        uint32_t cu = l->con_customer[k];
        if (cu >= begin && cu < end && contact_counts(l, k, c->as_of, c->status))
            add_touch(c->t, c->pass, cu, l->con_opened[k], contact_kind(l, k));
    }
    for (size_t u = 0; u < l->n_use; u++) {
        uint32_t cu = l->use_customer[u];
        if (cu >= begin && cu < end && view_counts(l, u, c->as_of, c->status))
            add_touch(c->t, c->pass, cu, l->use_date[u], VIEW);
    }
}

static crvm_status group_touches(const crvm_ledger *l, crvm_date as_of, const uint8_t *status,
                                 int threads, touches *t)
{
    const size_t n = l->customer_ids.count;
    const size_t ranges = crvm__value_threads(threads);
    memset(t, 0, sizeof *t);
    t->first = crvm__calloc(n + 2, sizeof *t->first);
    if (!t->first)
        return crvm__nomem("value panel touches");
    touch_ctx c = {l, as_of, status, t, ranges, 0};
    crvm__run_blocks(range_touches, &c, ranges, (int)ranges);
    for (size_t i = 0; i < n; i++)
        t->first[i + 2] += t->first[i + 1];
    size_t total = t->first[n + 1];
    t->date = crvm__malloc((total + 1) * sizeof *t->date);
    t->kind = crvm__malloc(total + 1);
    if (!t->date || !t->kind) {
        crvm__free(t->first);
        crvm__free(t->date);
        crvm__free(t->kind);
        return crvm__nomem("value panel touches");
    }
    /* first[i + 1] is the next free slot of customer i; after the fill it is
     * the end of i's touches, i.e. first[i + 1] as a CSR offset. */
    c.pass = 1;
    crvm__run_blocks(range_touches, &c, ranges, (int)ranges);
    return CRVM_OK;
}

static void free_touches(touches *t)
{
    crvm__free(t->first);
    crvm__free(t->date);
    crvm__free(t->kind);
}

/* The pattern of a period without touches: its silence bin alone. */
static void untouched_pattern(uint8_t quiet, crvm__vpattern *q)
{
    memset(q, 0, sizeof *q);
    q->quiet = quiet;
    q->z[CRVM__Z_SILENT_3_5] = quiet == CRVM__QUIET_3_5;
    q->z[CRVM__Z_SILENT_6_PLUS] = quiet == CRVM__QUIET_6_PLUS;
}

/* The untouched patterns of the three silence bins and their packed keys:
 * most periods have no touch, and theirs is one of these. */
typedef struct untouched_set {
    crvm__vpattern q[3];
    uint64_t key[3];
} untouched_set;

static void untouched_set_init(untouched_set *u)
{
    for (uint8_t quiet = 0; quiet < 3; quiet++) {
        untouched_pattern(quiet, &u->q[quiet]);
        u->key[quiet] = pack_pattern(&u->q[quiet]);
    }
}

/* The pattern of a period given its touches (at least one), its silence bin
 * without them (from the latest touch before it, or the customer's start)
 * and its renewal falling on `renewal`. */
static crvm_status touched_pattern(const period_touches *pt, uint8_t quiet, crvm__ymd renewal, int k,
                                   crvm__vpattern *q)
{
    memset(q, 0, sizeof *q);
    q->quiet = quiet;
    uint64_t z[CRVM__Z_CANDIDATES] = {0}, touched = pt->kind[VIEW];
    for (int kind = 0; kind < VIEW; kind++) {
        uint64_t c = pt->kind[kind];
        int outcome = kind & 3;
        touched += c;
        z[CRVM__Z_CONTACTS] += c;
        if (outcome != CRVM_OUTCOME_RESOLVED)
            z[CRVM__Z_WORKAROUND + outcome - 1] += c;
        if (kind >= 4)
            z[CRVM__Z_ESCALATED] += c;
    }
    if (z[CRVM__Z_CONTACTS] > UINT32_MAX)
        return crvm__fail(CRVM_EDOMAIN, "value panel: more than 2^32 - 1 contacts in one period");
    q->touches = (uint8_t)(touched >= 2 ? 2 : touched);
    uint8_t bin = crvm__quiet_bin(crvm__whole_periods(crvm__ymd_months_between(pt->last_ymd, renewal), k));
    z[CRVM__Z_SILENT_3_5] = bin == CRVM__QUIET_3_5;
    z[CRVM__Z_SILENT_6_PLUS] = bin == CRVM__QUIET_6_PLUS;
    for (int j = 0; j < CRVM__Z_CANDIDATES; j++)
        q->z[j] = (uint32_t)z[j];
    return CRVM_OK;
}

/* Where a block of customers reads its touches: the grouped touches, or
 * (t NULL) the ledger's contacts and uses themselves, in customer order,
 * from two cursors that only move forward through the block. */
typedef struct touch_cursor {
    const touches *t;
    size_t con, use;
} touch_cursor;

/* Customer i's periods being filled from its touches. */
typedef struct periods_fill {
    period_touches *scratch;
    size_t periods, i;
    crvm__ymd start;
    int k;
    const crvm__ymd_days *days;
    crvm_date last_touch;
} periods_fill;

/* Counts a touch of the customer on day d into its period. */
static crvm_status fill_touch(periods_fill *f, crvm_date d, uint8_t kind)
{
    if (d > f->last_touch)
        f->last_touch = d;
    const crvm__ymd dy = crvm__ymd_day(f->days, d);
    size_t j = (size_t)crvm__whole_periods(crvm__ymd_months_between(f->start, dy), f->k);
    if (j >= f->periods)
        return CRVM_OK; /* after a churned customer's last period: in no row */
    period_touches *pt = &f->scratch[j];
    if (pt->last == CRVM_DATE_NONE) /* its first touch: the counts start here */
        memset(pt->kind, 0, sizeof pt->kind);
    if (pt->kind[kind] == UINT32_MAX)
        return crvm__fail(CRVM_EDOMAIN, "value panel: customer %zu has more than 2^32 - 1 "
                          "touches of one kind in period %zu", f->i, j + 1);
    pt->kind[kind]++;
    if (pt->last == CRVM_DATE_NONE || d > pt->last) {
        pt->last = d;
        pt->last_ymd = dy;
    }
    return CRVM_OK;
}

/* Customer i's touches into its periods, in the grouped touches' order
 * (ledger order, contacts first) whichever source c reads. */
static crvm_status fill_touches(const crvm_ledger *l, crvm_date as_of, const uint8_t *status,
                                touch_cursor *c, periods_fill *f)
{
    const size_t i = f->i;
    crvm_status st = CRVM_OK;
    if (c->t) {
        for (size_t a = c->t->first[i]; a < c->t->first[i + 1] && !st; a++)
            st = fill_touch(f, c->t->date[a], c->t->kind[a]);
        return st;
    }
    const size_t contacts = l->contact_ids.count;
    while (c->con < contacts && l->con_customer[c->con] < i)
        c->con++;
    for (; c->con < contacts && l->con_customer[c->con] == i && !st; c->con++)
        if (contact_counts(l, c->con, as_of, status))
            st = fill_touch(f, l->con_opened[c->con], contact_kind(l, c->con));
    while (c->use < l->n_use && l->use_customer[c->use] < i)
        c->use++;
    for (; c->use < l->n_use && l->use_customer[c->use] == i && !st; c->use++)
        if (view_counts(l, c->use, as_of, status))
            st = fill_touch(f, l->use_date[c->use], VIEW);
    return st;
}

/* Rows of customer i (and its period in progress when active), their
 * pattern ids those of set. scratch holds at least periods + 1 entries. */
static crvm_status customer_rows(const crvm_ledger *l, size_t i, crvm_date as_of, touch_cursor *tc,
                                 const crvm__ymd_days *days, const untouched_set *untouched,
                                 period_touches *scratch, crvm__vpanel *p, pattern_set *set)
{
    const int k = p->months_per_period;
    const int32_t n = p->periods[i];
    const int active = p->status[i] == CRVM__VP_ACTIVE;
    const crvm_date s = l->cust_start[i];
    const crvm__ymd start = crvm__ymd_day(days, s);
    const size_t periods = (size_t)n + 1;
    for (size_t j = 0; j < periods; j++)
        scratch[j].last = CRVM_DATE_NONE; /* the counts are zeroed by a period's first touch */
    periods_fill fill = {scratch, periods, i, start, k, days, s};
    crvm_status st = fill_touches(l, as_of, p->status, tc, &fill);
    if (st)
        return st;
    const crvm_date last_touch = fill.last_touch;
    crvm__ymd before = start;
    uint32_t previous = UINT32_MAX;
    uint64_t prev_key = 0;
    uint8_t prev_in_rows = 0;
    crvm__vpattern prev_q; /* the previous touched period's pattern, if prev_key is 0 */
    for (int32_t r = 1; r <= n + active; r++) {
        const period_touches *pt = &scratch[r - 1];
        const crvm__ymd renewal = crvm__ymd_add_months(start, (long)r * k);
        const uint8_t quiet = crvm__quiet_bin(crvm__whole_periods(crvm__ymd_months_between(before, renewal), k));
        const uint8_t in_rows = r <= n;
        /* A period like the one before has its id: equal packed keys, or
         * both unpacked and equal field by field. An untouched period's key
         * is packed. */
        uint64_t key;
        uint32_t id = previous;
        if (pt->last == CRVM_DATE_NONE) {
            key = untouched->key[quiet];
            if (previous == UINT32_MAX || key != prev_key || in_rows != prev_in_rows) {
                crvm__vpattern q = untouched->q[quiet];
                q.in_rows = in_rows;
                st = intern_keyed(set, &q, key, &id);
            }
        } else {
            crvm__vpattern q;
            st = touched_pattern(pt, quiet, renewal, k, &q);
            if (st)
                return st;
            q.in_rows = in_rows;
            key = pack_pattern(&q);
            if (previous == UINT32_MAX || key != prev_key || (!key && !same_pattern(&q, &prev_q)) ||
                in_rows != prev_in_rows)
                st = intern_keyed(set, &q, key, &id);
            prev_q = q;
            before = pt->last_ymd;
        }
        if (st)
            return st;
        previous = id;
        prev_key = key;
        prev_in_rows = in_rows;
        if (r <= n)
            p->row_pattern[p->first_row[i] + (size_t)(r - 1)] = id;
        else
            p->current[i] = id;
    }
    if (active)
        p->silence[i] = crvm__whole_periods(crvm__ymd_months_between(crvm__ymd_day(days, last_touch), crvm__ymd_day(days, as_of)), k);
    return CRVM_OK;
}

/* The rows are built in fixed blocks of customers on the worker threads,
 * each block interning its patterns in a set of its own; the blocks' sets
 * are merged into the panel's in block order (each as soon as the blocks
 * before it are, while later blocks are built: blocks.c), so that the
 * panel's pattern ids (numbered by first use over the customers) do not
 * depend on the thread count. Each block's map of its ids to the panel's is kept, and
 * its rows are renumbered on the threads once every block is merged (a
 * serial pass over every row before). */
typedef struct block_slot {
    pattern_set set;
    period_touches *scratch; /* max_periods + 1 */
    size_t begin, end;
} block_slot;

typedef struct build_ctx {
    const crvm_ledger *l;
    crvm_date as_of;
    const touches *t; /* NULL: the ledger's rows in customer order */
    const crvm__ymd_days *days;
    untouched_set untouched;
    crvm__vpanel *p;
    pattern_set all;
    block_slot *slot;
    size_t scratch_len;
    uint32_t *remap;          /* block b's ids -> the panel's: remap[remap_at[b]...] */
    size_t remap_len, remap_cap, *remap_at; /* [blocks + 1] */
} build_ctx;

static crvm_status rows_block(void *ctx, size_t worker, size_t s, size_t begin, size_t end)
{
    (void)worker;
    build_ctx *c = ctx;
    block_slot *b = &c->slot[s];
    clear_set(&b->set);
    b->begin = begin;
    b->end = end;
    if (!b->scratch && !(b->scratch = crvm__malloc(c->scratch_len * sizeof *b->scratch)))
        return crvm__nomem("value panel rows");
    touch_cursor tc = {c->t, 0, 0};
    if (!c->t) {
        size_t unused;
        crvm__ledger_customer_rows(c->l, CRVM_TABLE_CONTACTS, begin, end, &tc.con, &unused);
        crvm__ledger_customer_rows(c->l, CRVM_TABLE_KNOWLEDGE_USES, begin, end, &tc.use, &unused);
    }
    for (size_t i = begin; i < end; i++)
        if (c->p->status[i] != CRVM__VP_NOT_STARTED) {
            crvm_status st = customer_rows(c->l, i, c->as_of, &tc, c->days, &c->untouched, b->scratch, c->p,
                                           &b->set);
            if (st)
                return st;
        }
    return CRVM_OK;
}

static crvm_status merge_block(build_ctx *c, block_slot *b)
{
    if (c->remap_cap - c->remap_len < b->set.count) {
        size_t cap = 2 * c->remap_cap > c->remap_len + b->set.count ? 2 * c->remap_cap : c->remap_len + b->set.count;
        uint32_t *r = crvm__realloc_array(c->remap, cap, sizeof *r);
        if (!r)
            return crvm__nomem("value panel patterns");
        c->remap = r;
        c->remap_cap = cap;
    }
    uint32_t *remap = c->remap + c->remap_len;
    for (size_t j = 0; j < b->set.count; j++) {
        crvm_status st = intern(&c->all, &b->set.pattern[j], &remap[j]);
        if (st)
            return st;
    }
    c->remap_len += b->set.count;
    c->remap_at[b->begin / CRVM__VALUE_BLOCK + 1] = c->remap_len;
    return CRVM_OK;
}

/* Blocks [begin, end)'s rows and periods in progress in the panel's ids. */
static void remap_range(void *ctx, size_t begin, size_t end)
{
    const build_ctx *c = ctx;
    crvm__vpanel *p = c->p;
    for (size_t blk = begin; blk < end; blk++) {
        const uint32_t *remap = c->remap + c->remap_at[blk];
        const size_t first = blk * CRVM__VALUE_BLOCK;
        const size_t last = first + CRVM__VALUE_BLOCK < p->customers ? first + CRVM__VALUE_BLOCK : p->customers;
        for (size_t r = p->first_row[first]; r < p->first_row[last]; r++)
            p->row_pattern[r] = remap[p->row_pattern[r]];
        for (size_t i = first; i < last; i++)
            if (p->current[i] != UINT32_MAX)
                p->current[i] = remap[p->current[i]];
    }
}

static crvm_status merge_slot(void *ctx, size_t s)
{
    build_ctx *c = ctx;
    return merge_block(c, &c->slot[s]);
}

static crvm_status build_rows(const crvm_ledger *l, crvm_date as_of, const touches *t,
                              const crvm__ymd_days *days, size_t scratch_len, int threads,
                              crvm__vpanel *p)
{
    const size_t slots = crvm__value_slots(threads);
    build_ctx c;
    memset(&c, 0, sizeof c);
    c.l = l;
    c.as_of = as_of;
    c.t = t;
    c.days = days;
    untouched_set_init(&c.untouched);
    c.p = p;
    c.scratch_len = scratch_len;
    const size_t blocks = (p->customers + CRVM__VALUE_BLOCK - 1) / CRVM__VALUE_BLOCK;
    c.slot = crvm__calloc(slots, sizeof *c.slot);
    c.remap_at = crvm__calloc(blocks + 1, sizeof *c.remap_at);
    crvm_status st = c.slot && c.remap_at
                         ? crvm__value_blocks_overlapped(threads, p->customers, rows_block, merge_slot, &c)
                         : crvm__nomem("value panel rows");
    if (!st)
        crvm__parallel_for(blocks, threads, remap_range, &c);
    for (size_t s = 0; c.slot && s < slots; s++) {
        free_set(&c.slot[s].set);
        crvm__free(c.slot[s].scratch);
    }
    crvm__free(c.slot);
    crvm__free(c.remap);
    crvm__free(c.remap_at);
    crvm__free(c.all.slots);
    crvm__free(c.all.slot_key);
    p->pattern = c.all.pattern;
    p->patterns = c.all.count;
    p->pattern_cap = c.all.cap;
    return st;
}

crvm_status crvm__vpanel_build(const crvm_ledger *l, crvm_date as_of, int k, crvm__vpanel *out)
{
    return crvm__vpanel_build_threads(l, as_of, k, 1, out);
}

crvm_status crvm__vpanel_build_threads(const crvm_ledger *l, crvm_date as_of, int k, int threads,
                                       crvm__vpanel *out)
{
    crvm__vpanel p;
    memset(&p, 0, sizeof p);
    const size_t n = l->customer_ids.count;
    p.customers = n;
    p.months_per_period = k;
    p.status = crvm__malloc(n + 1);
    p.churned = crvm__malloc(n + 1);
    p.periods = crvm__malloc((n + 1) * sizeof *p.periods);
    p.first_row = crvm__malloc((n + 1) * sizeof *p.first_row);
    p.current = crvm__malloc((n + 1) * sizeof *p.current);
    p.silence = crvm__malloc((n + 1) * sizeof *p.silence);
    if (!p.status || !p.churned || !p.periods || !p.first_row || !p.current || !p.silence) {
        crvm__vpanel_free(&p);
        return crvm__nomem("value panel");
    }
    periods_ctx pc = {l, as_of, k, &p};
    crvm__parallel_for(n, threads, periods_range, &pc);
    int32_t max_periods = 0;
    crvm_date first_day = as_of; /* of the customers started by as_of: their touches' span */
    p.first_row[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (p.periods[i] > max_periods)
            max_periods = p.periods[i];
        if (l->cust_start[i] < first_day)
            first_day = l->cust_start[i];
        p.first_row[i + 1] = p.first_row[i] + (size_t)p.periods[i];
    }
    p.rows = p.first_row[n];
    p.row_pattern = crvm__malloc((p.rows + 1) * sizeof *p.row_pattern);
    /* Touches are grouped by customer only when the ledger's rows are not. */
    const int grouped = !l->summary.contacts_ordered || !l->summary.uses_ordered;
    touches t;
    memset(&t, 0, sizeof t);
    crvm_status st = !p.row_pattern ? crvm__nomem("value panel rows")
                     : grouped      ? group_touches(l, as_of, p.status, threads, &t)
                                    : CRVM_OK;
    if (st) {
        crvm__vpanel_free(&p);
        return st;
    }
    crvm__ymd_days days;
    st = crvm__ymd_days_new(first_day, as_of, &days);
    if (!st) {
        st = build_rows(l, as_of, grouped ? &t : NULL, &days, (size_t)max_periods + 1, threads, &p);
        crvm__ymd_days_free(&days);
    }
    free_touches(&t);
    if (st) {
        crvm__vpanel_free(&p);
        return st;
    }
    *out = p;
    return CRVM_OK;
}
