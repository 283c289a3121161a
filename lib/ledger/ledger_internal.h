/* Private: the ledger's storage, shared with lib/economics. */
#ifndef CRVM_LEDGER_INTERNAL_H
#define CRVM_LEDGER_INTERNAL_H

#include <stdint.h>

#include "core/calendar.h"
#include "crvm/ledger.h"
#include "ledger/mark.h"

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
/* Hint: bring the table lines that looking up s[0..min(n,16)) will touch into
 * the cache (a performance hint only; NULL or empty strings are skipped). */
void crvm__intern_prefetch(const crvm__intern *t, const char *const *s, size_t n);
/* Remove every entry with index >= count (the most recent ones). */
void crvm__intern_truncate(crvm__intern *t, size_t count);
static inline const char *crvm__intern_str(const crvm__intern *t, size_t i)
{
    return t->text + t->entry[i].offset;
}
size_t crvm__intern_bytes_used(const crvm__intern *t);
size_t crvm__intern_bytes_allocated(const crvm__intern *t);
crvm_status crvm__intern_shrink(crvm__intern *t);

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
};

/* Bounds of the inputs that become money (crvm/ledger.h, "Money"): every
 * sum of cents that a ledger or the economics can form stays below 2^53, so
 * it is exact in the doubles the aggregates are returned in and no int64
 * accumulation can overflow. */
/* Largest |amount| of one event in currency units (cents below 2^53). */
#define CRVM__MAX_AMOUNT 9.0e13
/* Largest sum of |cents| over all revenue events of a ledger: 2^53. */
#define CRVM__MAX_CENTS 9007199254740992.0
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
 * included; CRVM_DATE_NONE for an empty ledger. O(rows). */
crvm_date crvm__ledger_last_date(const crvm_ledger *l);
/* as_of a valid date at most CRVM__AS_OF_GRACE_DAYS after the last date,
 * else CRVM_EINVAL naming fn and both dates. */
crvm_status crvm__ledger_check_as_of(const crvm_ledger *l, const char *fn, crvm_date as_of);

#endif
