/* libFuzzer target for one CSV loader (FUZZ_TABLE, set by meson: one
 * executable per table) into a ledger that already holds customers,
 * articles and contacts for the rows to refer to. Invariants (crvm/io.h):
 * - lenient: rows read = accepted + rejected, one report entry per rejected
 *   row, in file order, and the ledger grows by the accepted rows;
 * - strict: a failure leaves the ledger exactly as it was;
 * - strict and lenient agree: strict succeeds iff lenient rejects nothing
 *   (then both ledgers are equal), else strict fails with the status of
 *   lenient's first rejection and names its row and line;
 * - a file that cannot be read at all (header) fails both the same way. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crvm/crvm.h"
#include "io/load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static crvm_ledger *base_ledger(void)
{
    crvm_ledger *l = NULL;
    if (crvm_ledger_new(&l) != CRVM_OK)
        abort();
    const char *ids[] = {"c1", "c2", "c3"}, *segs[] = {"s", "s", "t"};
    const crvm_date start[] = {18993, 19000, 19100}; /* 2022-01-01, ... */
    const char *arts[] = {"a1", "a2"};
    const crvm_date created[] = {18628, 18993};
    const double hours[] = {1, 2}, upkeep[] = {0, 0.5};
    if (crvm_ledger_add_customers(l, ids, 3, segs, 3, start, 3, NULL, 0, NULL) != CRVM_OK ||
        crvm_ledger_add_articles(l, arts, 2, created, 2, hours, 2, upkeep, 2, NULL) != CRVM_OK ||
        crvm_ledger_add_contact(l, "k1", "c1", 19024, CRVM_DATE_NONE, CRVM_CHANNEL_PHONE, 5, 1, 0,
                                CRVM_OUTCOME_RESOLVED, 4) != CRVM_OK ||
        crvm_ledger_add_contact(l, "k2", "c2", 19030, 19031, CRVM_CHANNEL_CHAT, 3, 2, 1,
                                CRVM_OUTCOME_REFUSED, NAN) != CRVM_OK)
        abort();
    return l;
}

/* Everything observable that a load changes. */
typedef struct snapshot {
    crvm_ledger_stats s;
    double activity[64 * CRVM_ACTIVITY_COLUMNS];
} snapshot;

static void take(const crvm_ledger *l, snapshot *out)
{
    memset(out, 0, sizeof *out);
    if (crvm_ledger_stats_get(l, &out->s) != CRVM_OK)
        abort();
    out->s.bytes_used = out->s.bytes_allocated = 0; /* capacity may differ */
    if (out->s.customers <= 64 &&
        crvm_ledger_customer_activity(l, CRVM_DATE_MIN, CRVM_DATE_MAX, out->activity,
                                      out->s.customers * CRVM_ACTIVITY_COLUMNS) != CRVM_OK)
        abort();
}

static int same(const snapshot *a, const snapshot *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static crvm_status load(crvm_ledger *l, const uint8_t *data, size_t size, crvm_load_mode mode,
                        crvm_load_report *report)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (f == NULL)
        abort();
    crvm_load_options o = CRVM_LOAD_OPTIONS_INIT;
    o.mode = mode;
    o.batch_rows = 3; /* several batches even for small inputs */
    o.max_field_bytes = 64;
    crvm_status st = crvm__load_csv_stream(l, FUZZ_TABLE, f, "fuzz.csv", &o, report);
    fclose(f);
    return st;
}

static size_t rows_of(const crvm_ledger_stats *s)
{
    switch (FUZZ_TABLE) {
    case CRVM_TABLE_CUSTOMERS: return s->customers;
    case CRVM_TABLE_REVENUE: return s->revenue_events;
    case CRVM_TABLE_CONTACTS: return s->contacts;
    case CRVM_TABLE_ARTICLES: return s->articles;
    default: return s->knowledge_uses;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen needs a byte; the empty file is in the unit tests */
    crvm_ledger *lenient = base_ledger(), *strict = base_ledger();
    crvm_load_report *report = NULL;
    if (crvm_load_report_new(&report) != CRVM_OK)
        abort();
    snapshot before, after_lenient, after_strict;
    take(lenient, &before);

    crvm_status sl = load(lenient, data, size, CRVM_LOAD_LENIENT, report);
    crvm_load_totals t;
    crvm_load_report_totals(report, &t);
    take(lenient, &after_lenient);
    if (sl == CRVM_OK) {
        size_t n = crvm_load_report_count(report);
        if (t.rows_read != t.rows_accepted + t.rows_rejected || n != t.rows_rejected ||
            rows_of(&after_lenient.s) != rows_of(&before.s) + t.rows_accepted)
            abort();
        size_t last_row = 0;
        for (size_t i = 0; i < n; i++) { /* in file order, each row once */
            crvm_load_rejection r;
            if (crvm_load_report_get(report, i, &r) != CRVM_OK || r.row <= last_row)
                abort();
            last_row = r.row;
        }
    } else if (sl != CRVM_EPARSE || !same(&before, &after_lenient)) {
        abort(); /* only the header can fail a lenient load, leaving the ledger alone */
    }

    crvm_status ss = load(strict, data, size, CRVM_LOAD_STRICT, NULL);
    take(strict, &after_strict);
    if (ss == CRVM_OK) {
        if (sl != CRVM_OK || t.rows_rejected != 0 || !same(&after_strict, &after_lenient))
            abort();
    } else {
        if (!same(&before, &after_strict) || crvm_last_error()[0] == '\0')
            abort();
        if (sl == CRVM_OK) {
            crvm_load_rejection first;
            char where[64];
            if (crvm_load_report_get(report, 0, &first) != CRVM_OK || first.status != ss)
                abort();
            snprintf(where, sizeof where, "row %zu (line %zu)", first.row, first.line);
            if (strstr(crvm_last_error(), where) == NULL)
                abort();
        } else if (ss != sl) {
            abort();
        }
    }
    crvm_load_report_free(report);
    crvm_ledger_free(lenient);
    crvm_ledger_free(strict);
    return 0;
}
