/* Private: the value layer's compact retention panel (crvm/value.h): one row
 * per customer and period at risk as of a date, each holding the id of a
 * pattern -- a distinct vector of support covariates -- so that 10^6
 * customers x tens of periods cost 4 bytes a row. The rows are those of
 * crvm_ledger_contact_panel() (periods from crvm_ledger_retention_data()),
 * and the arrays are laid out as crvm__rcov_data wants them. */
#ifndef CRVM_VALUE_PANEL_H
#define CRVM_VALUE_PANEL_H

#include <stddef.h>
#include <stdint.h>

#include "crvm/ledger.h"

/* The candidate covariates of a period, in crvm_value_covariate_name() order. */
enum {
    CRVM__Z_CONTACTS = 0,
    CRVM__Z_WORKAROUND = 1,
    CRVM__Z_REFUSED = 2,
    CRVM__Z_ABANDONED = 3,
    CRVM__Z_ESCALATED = 4,
    CRVM__Z_SILENT_3_5 = 5,
    CRVM__Z_SILENT_6_PLUS = 6,
    CRVM__Z_CANDIDATES = 7
};

/* Silence bins: whole periods from the last touch to the renewal. */
enum { CRVM__QUIET_NONE = 0, CRVM__QUIET_3_5 = 1, CRVM__QUIET_6_PLUS = 2 };

/* A distinct covariate vector, with what a counterfactual needs beyond it. */
typedef struct crvm__vpattern {
    uint32_t z[CRVM__Z_CANDIDATES];
    uint8_t touches; /* touches (contacts, self-service views) in the period: 0, 1, 2 = two or more */
    uint8_t quiet;   /* silence bin the renewal would have without the period's touches */
    uint8_t in_rows; /* 1 if a row of the likelihood uses it (not only a period in progress) */
} crvm__vpattern;

enum { CRVM__VP_NOT_STARTED = 0, CRVM__VP_ACTIVE = 1, CRVM__VP_CHURNED = 2 };

typedef struct crvm__vpanel {
    size_t customers, rows, patterns;
    int months_per_period;
    uint8_t *status;       /* CRVM__VP_* as of as_of */
    uint8_t *churned;      /* 1 iff churned: the last row is the renewal not made */
    int32_t *periods;      /* rows of the customer (renewal decisions observed), >= 0 */
    size_t *first_row;     /* [customers + 1] */
    uint32_t *row_pattern; /* [rows] */
    uint32_t *current;     /* active: pattern of the period in progress (touches up to as_of;
                              silence at its renewal if no further touch); else UINT32_MAX */
    int32_t *silence;      /* active: whole periods from the last touch (or start) to as_of; else -1 */
    crvm__vpattern *pattern;
    size_t pattern_cap;
} crvm__vpanel;

/* The panel of every ledger customer as of as_of (rows dated on or before it),
 * periods of months_per_period months (1, 3 or 12). Time O(customers + rows +
 * contacts + knowledge uses); temporary memory 5 bytes per touch and 8 per
 * customer when the ledger does not keep its contacts and uses in customer
 * order (their touches are then grouped by customer first), none beyond the
 * rows' tables when it does. CRVM_ENOMEM (nothing allocated), or
 * CRVM_EDOMAIN when a count in one period passes 2^32 - 1. */
crvm_status crvm__vpanel_build(const crvm_ledger *l, crvm_date as_of, int months_per_period,
                               crvm__vpanel *out);
/* The same on `threads` worker threads (<= 1: the calling thread alone):
 * the rows are built in blocks of customers, each reading its customers'
 * contacts and uses from the ledger when it keeps them in customer order,
 * else from touches grouped by ranges of customers (each thread reading
 * every contact and use for its range); the panel is identical for every
 * thread count and either order. Temporary memory also a few kB per
 * thread, and 4 bytes per distinct pattern of each block of customers (its
 * ids' map to the panel's). */
crvm_status crvm__vpanel_build_threads(const crvm_ledger *l, crvm_date as_of, int months_per_period,
                                       int threads, crvm__vpanel *out);
void crvm__vpanel_free(crvm__vpanel *p);

/* Silence bin of a number of whole periods. */
static inline uint8_t crvm__quiet_bin(int periods)
{
    return periods >= 6 ? CRVM__QUIET_6_PLUS : periods >= 3 ? CRVM__QUIET_3_5 : CRVM__QUIET_NONE;
}

#endif
