/* Private: the ledger's storage, shared with lib/economics. */
#ifndef CRVM_LEDGER_INTERNAL_H
#define CRVM_LEDGER_INTERNAL_H

#include <stdint.h>

#include "core/calendar.h"
#include "core/money.h"
#include "crvm/ledger.h"
#include "ledger/mark.h"
#include "ledger/summary.h"

/* ---- dates (date.c) */
int crvm__date_valid(crvm_date d);
int crvm__add_months(crvm_date date, long n, crvm_date *out);
int crvm__whole_months(crvm_date from, crvm_date to);
/* Mean Gregorian month in days (365.2425 / 12). */
#define CRVM__DAYS_PER_MONTH 30.436875

/* ---- string interning (intern.c): an open-addressing hash table with linear
 * probing over strings stored back to back in one arena. Entry i has text
 * at text + offset[i]. Slots hold entry index + 1 (0 = empty); the slot
 * count is a power of two at least twice the entry count. */
typedef struct crvm__intern_entry {
    uint32_t offset, hash;
} crvm__intern_entry;

typedef struct crvm__intern {
    char *text;        /* NUL-terminated strings back to back */
    size_t text_len, text_cap;
    crvm__intern_entry *entry; /* offset of the text and hash, per entry */
    size_t count, cap; /* entries, entry capacity */
    uint32_t *slots;
    size_t n_slots;    /* power of two, or 0 */
} crvm__intern;

#define CRVM__NOT_FOUND UINT32_MAX
uint32_t crvm__hash_string(const char *s, size_t len);
void crvm__intern_free(crvm__intern *t);
/* Room for `entries` more strings totalling `bytes` characters (without
 * terminators) so that crvm__intern_add cannot fail; 0 or CRVM_ENOMEM
 * (contents unchanged). */
crvm_status crvm__intern_reserve(crvm__intern *t, size_t entries, size_t bytes);
uint32_t crvm__intern_find(const crvm__intern *t, const char *s, size_t len, uint32_t hash);
/* Add a string known to be absent; room must have been reserved. */
uint32_t crvm__intern_add(crvm__intern *t, const char *s, size_t len, uint32_t hash);
/* A group of up to CRVM__ID_GROUP ids of a column, prepared at once by
 * crvm__intern_prefetch for the lookups that follow: their lengths, and for
 * each either its entry, found by prediction, or its hash (an empty or NULL
 * id has length 0). Rows sorted by an id name the entry of the row before
 * or one added shortly after it (revenue and knowledge uses by customer, in the
 * order of customers.csv; uses and links by contact): so once a lookup
 * through the group has found an entry, the next id is compared with that
 * entry and the few after it before anything is hashed, and a hit costs a
 * few comparisons of bytes already in the cache. Zero-initialise with
 * CRVM__ID_GROUP_INIT; look up through a group in one table only, unchanged
 * while the group is in use. Groups whose ids are added (not looked up)
 * never predict: they need every hash. */
#define CRVM__ID_GROUP 16
typedef struct crvm__id_group {
    size_t len[CRVM__ID_GROUP];
    uint32_t hash[CRVM__ID_GROUP];  /* unless known */
    uint32_t index[CRVM__ID_GROUP]; /* if known */
    unsigned char known[CRVM__ID_GROUP];
    uint32_t prev;   /* the entry the next id is predicted from; CRVM__NOT_FOUND = none */
    size_t prev_row; /* the group position that set prev (a later one may replace it) */
} crvm__id_group;
#define CRVM__ID_GROUP_INIT {{0}, {0}, {0}, {0}, CRVM__NOT_FOUND, 0}
/* Prepare g for s[0..min(n,16)): lengths; each entry predicted, or failing
 * that the hash, with the table lines looking it up will touch brought into
 * the cache (an id equal to the one before it takes its hash). */
void crvm__intern_prefetch(const crvm__intern *t, const char *const *s, size_t n,
                           crvm__id_group *g);
/* crvm__intern_find of s, position j of the group g (its entry if
 * predicted, else by its length and hash). */
uint32_t crvm__intern_find_grouped(const crvm__intern *t, const char *s, crvm__id_group *g,
                                   size_t j);
/* Remove every entry with index >= count (the most recent ones). */
void crvm__intern_truncate(crvm__intern *t, size_t count);
static inline const char *crvm__intern_str(const crvm__intern *t, size_t i)
{
    return t->text + t->entry[i].offset;
}
size_t crvm__intern_bytes_used(const crvm__intern *t);
size_t crvm__intern_bytes_allocated(const crvm__intern *t);
crvm_status crvm__intern_shrink(crvm__intern *t);

/* ---- contact attributes (attributes.c) */

/* One attribute: its distinct values, and the value index of each contact.
 * value[k] for k < len (CRVM__NOT_FOUND = none); contacts k >= len have none;
 * len is 1 + the last contact with a value (0 if none). */
typedef struct crvm__attribute {
    crvm__intern values;
    uint32_t *value;
    size_t len, cap;
} crvm__attribute;

/* An undo record: contact k of attribute a was given a value (k is an old
 * contact, see watermark), or (contact == CRVM__NOT_FOUND) a new distinct
 * value was interned for attribute a. */
typedef struct crvm__attribute_undo {
    uint32_t attribute, contact;
} crvm__attribute_undo;

/* Every attribute. A rollback to a mark (mark.h) must undo the values given
 * since: values of contacts appended since the mark go with them (columns are
 * truncated to the mark's contact count), and values given to older contacts
 * are journaled. Since a mark is not registered, the journal covers every
 * contact below the watermark, the contact count at the latest mark taken,
 * which is at least that of every mark still valid. Journaling starts when a
 * mark is taken; begin, commit and rollback of a public batch clear the
 * journal and stop it (no private mark can be outstanding between calls). */
typedef struct crvm__attributes {
    crvm__intern names;
    crvm__attribute *attr; /* names.count of them */
    size_t cap;
    crvm__attribute_undo *journal;
    size_t journal_len, journal_cap;
    size_t watermark;
    int journaling; /* a mark may be outstanding */
} crvm__attributes;

void crvm__attributes_free(crvm__attributes *a);
crvm_status crvm__attributes_shrink(crvm__attributes *a);
void crvm__attributes_bytes(const crvm__attributes *a, size_t *used, size_t *allocated);
/* Mark: the attribute count and journal length; taking one sets the watermark. */
void crvm__attributes_mark(crvm__attributes *a, size_t contacts, size_t *count, size_t *journal);
void crvm__attributes_rollback(crvm__attributes *a, size_t count, size_t journal, size_t contacts);
/* Forget the journal (no mark is outstanding). */
void crvm__attributes_forget(crvm__attributes *a);

/* crvm_ledger_add_contact_attributes() with the contacts given by index (an
 * index out of range is an unknown contact): for a loader that has just
 * appended the contacts and knows their indices, without the id lookups. */
crvm_status crvm__ledger_add_attribute_values(crvm_ledger *l, const char *name,
                                              const uint32_t *contacts, const char *const *values,
                                              size_t n, crvm_rejections *rejections);

/* ---- revenue sources (sources.c): the rows of sourced revenue events, in
 * increasing row order, with the contact index of each. Unsourced rows are
 * not stored. */
typedef struct crvm__sources {
    uint32_t *row, *contact;
    size_t n, cap;
} crvm__sources;

void crvm__sources_free(crvm__sources *s);
/* Room for `extra` more entries, so that crvm__sources_push cannot fail. */
crvm_status crvm__sources_reserve(crvm__sources *s, size_t extra);
static inline void crvm__sources_push(crvm__sources *s, uint32_t row, uint32_t contact)
{
    s->row[s->n] = row;
    s->contact[s->n] = contact;
    s->n++;
}
crvm_status crvm__sources_shrink(crvm__sources *s);

/* ---- the ledger */
struct crvm_ledger {
    crvm__intern customer_ids, segment_ids, contact_ids, article_ids;

    size_t cust_cap; /* customer count = customer_ids.count */
    uint32_t *cust_segment;
    crvm_date *cust_start, *cust_end;

    size_t n_rev, rev_cap;
    uint32_t *rev_customer;
    crvm_date *rev_date;
    int64_t *rev_cents;
    uint8_t *rev_stream;

    size_t con_cap; /* contact count = contact_ids.count */
    uint32_t *con_customer;
    crvm_date *con_opened, *con_closed;
    double *con_minutes, *con_satisfaction;
    uint8_t *con_channel, *con_tier, *con_escalated, *con_outcome;

    size_t n_link, link_cap;
    uint32_t *link_contact, *link_article;

    size_t art_cap; /* article count = article_ids.count */
    crvm_date *art_created;
    double *art_authoring, *art_maintenance;

    size_t n_use, use_cap;
    uint32_t *use_article, *use_contact, *use_customer; /* CRVM__NOT_FOUND = none */
    crvm_date *use_date;
    uint8_t *use_kind, *use_resolved;

    int64_t revenue_cents;
    int64_t revenue_abs_cents; /* sum of |cents| of every event: at most CRVM__MAX_CENTS */

    crvm__ledger_mark batch; /* state at crvm_ledger_begin() */
    int in_batch;            /* a batch is open */

    crvm__attributes attributes;
    crvm__sources sources;
    /* Incremented by every successful append call (in either mode, also one
     * that accepted no row) and every rollback, never by commit, reserve or
     * shrink: a reader that stored it (lib/value) detects a changed ledger. */
    uint64_t modifications;
    crvm__ledger_summary summary;
};

/* Bounds of the inputs that become money (crvm/ledger.h, "Money"): every
 * sum of cents that a ledger or the economics can form stays below 2^53, so
 * it is exact in the doubles the aggregates are returned in and no int64
 * accumulation can overflow. */
/* Largest |amount| of one event in currency units (cents below 2^53). */
#define CRVM__MAX_AMOUNT 9.0e13
/* The largest sum of |cents| over all revenue events of a ledger is
 * CRVM__MAX_CENTS (core/money.h). */
/* Largest handle minutes of one contact (about 694 days of work), and hours
 * of authoring or of monthly upkeep of one article. */
#define CRVM__MAX_MINUTES 1.0e6
#define CRVM__MAX_HOURS 1.0e6
/* Largest |satisfaction| score: keeps every sum of scores finite. */
#define CRVM__MAX_SATISFACTION 1.0e6

/* ---- as-of dates (horizon.c) */
/* How far an as_of may lie after the ledger's last date (crvm/ledger.h). */
#define CRVM__AS_OF_GRACE_DAYS 366
/* Latest date of any row, customer end dates and contact closed dates
 * included; CRVM_DATE_NONE for an empty ledger. O(1) (the summary). */
crvm_date crvm__ledger_last_date(const crvm_ledger *l);
/* as_of a valid date at most CRVM__AS_OF_GRACE_DAYS after the last date,
 * else CRVM_EINVAL naming fn and both dates. */
crvm_status crvm__ledger_check_as_of(const crvm_ledger *l, const char *fn, crvm_date as_of);

#endif
