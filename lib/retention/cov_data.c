/* The covariate retention model's data: validation of the public dense panel
 * and its conversion to the compact form (subjects, and rows holding a
 * pattern id into the table of distinct covariate vectors).
 *
 * Interning: an open-addressing hash table (linear probing, power-of-two
 * size kept at most half full, doubled as patterns arrive) of pattern ids,
 * keyed by the bits of the row's covariates with -0 folded into +0. Cost
 * O(rows x covariates) expected; memory O(patterns x covariates). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "retention/cov_internal.h"

/* ---- checks ---------------------------------------------------------------- */

static crvm_status check_array(const char *who, const char *name, const void *p, size_t len)
{
    if (p == NULL && len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: %s is NULL but %s_len = %zu", who, name, name, len);
    return CRVM_OK;
}

static crvm_status check_rows(const char *who, size_t subjects, const int32_t *row_subject,
                              const int32_t *row_period, const int32_t *row_event, size_t rows)
{
    for (size_t r = 0; r < rows; r++) {
        int32_t s = row_subject[r];
        if (s < 0 || (size_t)s >= subjects)
            return crvm__fail(CRVM_EINVAL, "%s: row %zu, column row_subject: %ld is not a subject "
                              "(0..%zu)", who, r, (long)s, subjects - 1 + (subjects == 0));
        int same = r > 0 && row_subject[r - 1] == s;
        if (r > 0 && row_subject[r - 1] > s)
            return crvm__fail(CRVM_EINVAL, "%s: row %zu, column row_subject: subject %ld after "
                              "subject %ld: rows must be in subject order", who, r, (long)s,
                              (long)row_subject[r - 1]);
        int32_t expected = same ? row_period[r - 1] + 1 : 1;
        if (row_period[r] != expected)
            return crvm__fail(CRVM_EINVAL, "%s: row %zu, column row_period: %ld for subject %ld: "
                              "expected %ld (a subject's rows are periods 1, 2, ... in order)",
                              who, r, (long)row_period[r], (long)s, (long)expected);
        if (row_event[r] != 0 && row_event[r] != 1)
            return crvm__fail(CRVM_EINVAL, "%s: row %zu, column row_event: %ld: must be 0 or 1",
                              who, r, (long)row_event[r]);
        if (same && row_event[r - 1] == 1)
            return crvm__fail(CRVM_EINVAL, "%s: row %zu, column row_event: subject %ld churned at "
                              "period %ld but has a row for period %ld; an event must be on a "
                              "subject's last row", who, r - 1, (long)s, (long)row_period[r - 1],
                              (long)row_period[r]);
    }
    return CRVM_OK;
}

static crvm_status check_subjects(const char *who, size_t groups, const int32_t *group,
                                  const double *weight, size_t subjects)
{
    for (size_t i = 0; i < subjects; i++)
        switch (crvm__rcov_label_fault(groups, group[i], weight ? &weight[i] : NULL)) {
        case CRVM__RCOV_FAULT_GROUP:
            return crvm__fail(CRVM_EINVAL, "%s: subject %zu, column subject_group: %ld is not a "
                              "group (0..%zu)", who, i, (long)group[i], groups - 1);
        case CRVM__RCOV_FAULT_WEIGHT:
            return crvm__fail(CRVM_EINVAL, "%s: subject %zu, column subject_weight: %g must be "
                              "finite and >= 0", who, i, weight[i]);
        }
    return CRVM_OK;
}

crvm_status crvm__rcov_data_check(const crvm__rcov_data *d, const char *who)
{
    switch (crvm__rcov_layout_fault(d)) {
    case CRVM__RCOV_FAULT_DATA:
        return crvm__fail(CRVM_EINVAL, "%s: data is NULL", who);
    case CRVM__RCOV_FAULT_GROUPS:
        return crvm__fail(CRVM_EINVAL, "%s: groups = 0: need at least one", who);
    case CRVM__RCOV_FAULT_SUBJECTS:
        return crvm__fail(CRVM_EINVAL, "%s: a subject array is NULL", who);
    }
    crvm_status st = check_subjects(who, d->groups, d->group, d->weight, d->subjects);
    if (st != CRVM_OK)
        return st;
    if (crvm__rcov_layout_fault(d) == CRVM__RCOV_FAULT_ROWS)
        return crvm__fail(CRVM_EINVAL, "%s: row_pattern or pattern_z is NULL", who);
    for (size_t i = 0; i < d->subjects; i++) {
        size_t n = d->first_row[i + 1] - d->first_row[i];
        switch (crvm__rcov_history_fault(d, i)) {
        case CRVM__RCOV_FAULT_PERIODS:
            return crvm__fail(CRVM_EINVAL, "%s: subject %zu: periods = %ld but it has %zu rows",
                              who, i, (long)d->periods[i],
                              d->first_row[i + 1] >= d->first_row[i] ? n : 0);
        case CRVM__RCOV_FAULT_CHURNED:
            return crvm__fail(CRVM_EINVAL, "%s: subject %zu: churned = %d with %zu periods", who,
                              i, (int)d->churned[i], n);
        }
    }
    size_t rows = d->subjects > 0 ? d->first_row[d->subjects] : 0;
    for (size_t r = 0; r < rows; r++)
        if (!crvm__rcov_row_ok(d, r))
            return crvm__fail(CRVM_EINVAL, "%s: row %zu: pattern %lu out of range (%zu patterns)",
                              who, r, (unsigned long)d->row_pattern[r], d->patterns);
    for (size_t q = 0; q < d->patterns * d->covariates; q++)
        if (!isfinite(d->pattern_z[q]))
            return crvm__fail(CRVM_EINVAL, "%s: pattern %zu, covariate %zu: %g is not finite", who,
                              q / d->covariates, q % d->covariates, d->pattern_z[q]);
    return CRVM_OK;
}

/* ---- interning ------------------------------------------------------------- */

typedef struct interner {
    size_t p;
    double *z;          /* patterns x p */
    size_t patterns, capacity;
    uint32_t *slots;    /* pattern id + 1, 0 = empty */
    size_t mask;
} interner;

static uint64_t hash_row(const double *z, size_t p)
{
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (size_t j = 0; j < p; j++) {
        double v = z[j] == 0 ? 0.0 : z[j];
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        h = (h ^ bits) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 32);
}

static int same_row(const double *a, const double *b, size_t p)
{
    for (size_t j = 0; j < p; j++)
        if (a[j] != b[j]) /* -0 == +0 */
            return 0;
    return 1;
}

static crvm_status grow_slots(interner *in)
{
    size_t size = in->mask ? 2 * (in->mask + 1) : 1024;
    uint32_t *slots = crvm__calloc(size, sizeof *slots);
    if (slots == NULL)
        return crvm__nomem("interning the covariate patterns");
    for (size_t q = 0; q < in->patterns; q++) {
        size_t h = (size_t)hash_row(in->z + q * in->p, in->p) & (size - 1);
        while (slots[h])
            h = (h + 1) & (size - 1);
        slots[h] = (uint32_t)(q + 1);
    }
    crvm__free(in->slots);
    in->slots = slots;
    in->mask = size - 1;
    return CRVM_OK;
}

static crvm_status intern(interner *in, const double *row, uint32_t *id)
{
    if (2 * (in->patterns + 1) > in->mask + 1) {
        crvm_status st = grow_slots(in);
        if (st != CRVM_OK)
            return st;
    }
    size_t h = (size_t)hash_row(row, in->p) & in->mask;
    while (in->slots[h]) {
        uint32_t q = in->slots[h] - 1;
        if (same_row(in->z + (size_t)q * in->p, row, in->p)) {
            *id = q;
            return CRVM_OK;
        }
        h = (h + 1) & in->mask;
    }
    if (in->patterns >= UINT32_MAX - 1)
        return crvm__fail(CRVM_EINVAL, "interning the covariate patterns: more than %lu distinct "
                          "covariate vectors", (unsigned long)(UINT32_MAX - 1));
    if (in->patterns == in->capacity) {
        size_t cap = in->capacity ? 2 * in->capacity : 256;
        double *z = crvm__realloc_array(in->z, cap * (in->p ? in->p : 1), sizeof *z);
        if (z == NULL)
            return crvm__nomem("interning the covariate patterns");
        in->z = z;
        in->capacity = cap;
    }
    for (size_t j = 0; j < in->p; j++)
        in->z[in->patterns * in->p + j] = row[j] == 0 ? 0.0 : row[j];
    in->slots[h] = (uint32_t)(in->patterns + 1);
    *id = (uint32_t)in->patterns++;
    return CRVM_OK;
}

/* ---- the dense panel ------------------------------------------------------- */

void crvm__rcov_panel_free(crvm__rcov_panel *panel)
{
    if (panel == NULL)
        return;
    crvm__free(panel->periods);
    crvm__free(panel->churned);
    crvm__free(panel->first_row);
    crvm__free(panel->row_pattern);
    crvm__free(panel->pattern_z);
    memset(panel, 0, sizeof *panel);
}

crvm_status crvm__rcov_panel_build(const char *who, size_t groups, size_t covariates,
                                   const int32_t *subject_group, size_t subjects,
                                   const int32_t *row_subject, size_t rows,
                                   const int32_t *row_period, size_t row_period_len,
                                   const int32_t *row_event, size_t row_event_len,
                                   const double *z, size_t z_len,
                                   const double *subject_weight, size_t subject_weight_len,
                                   crvm__rcov_panel *out)
{
    crvm_status st;
    if ((st = check_array(who, "subject_group", subject_group, subjects)) != CRVM_OK ||
        (st = check_array(who, "row_subject", row_subject, rows)) != CRVM_OK ||
        (st = check_array(who, "row_period", row_period, row_period_len)) != CRVM_OK ||
        (st = check_array(who, "row_event", row_event, row_event_len)) != CRVM_OK ||
        (st = check_array(who, "z", z, z_len)) != CRVM_OK ||
        (st = check_array(who, "subject_weight", subject_weight, subject_weight_len)) != CRVM_OK)
        return st;
    if (groups < 1)
        return crvm__fail(CRVM_EINVAL, "%s: groups = 0: need at least one", who);
    if (row_period_len != rows || row_event_len != rows)
        return crvm__fail(CRVM_EINVAL, "%s: row_period_len = %zu and row_event_len = %zu must "
                          "equal row_subject_len = %zu", who, row_period_len, row_event_len, rows);
    if (covariates > 0 && rows > SIZE_MAX / covariates)
        return crvm__fail(CRVM_EINVAL, "%s: rows x covariates overflows", who);
    if (z_len != rows * covariates)
        return crvm__fail(CRVM_EINVAL, "%s: z_len = %zu: must be rows x covariates = %zu x %zu",
                          who, z_len, rows, covariates);
    if (subject_weight != NULL && subject_weight_len != subjects)
        return crvm__fail(CRVM_EINVAL, "%s: subject_weight_len = %zu but subject_group_len = %zu",
                          who, subject_weight_len, subjects);
    if (subject_weight == NULL && subject_weight_len > 0)
        return crvm__fail(CRVM_EINVAL, "%s: subject_weight is NULL", who);
    if ((st = check_subjects(who, groups, subject_group, subject_weight, subjects)) != CRVM_OK ||
        (st = check_rows(who, subjects, row_subject, row_period, row_event, rows)) != CRVM_OK)
        return st;
    for (size_t r = 0; r < rows * covariates; r++)
        if (!isfinite(z[r]))
            return crvm__fail(CRVM_EINVAL, "%s: row %zu, covariate %zu: %g is not finite", who,
                              r / covariates, r % covariates, z[r]);

    crvm__rcov_panel p;
    memset(&p, 0, sizeof p);
    interner in = {covariates, NULL, 0, 0, NULL, 0};
    p.periods = crvm__calloc(subjects ? subjects : 1, sizeof *p.periods);
    p.churned = crvm__calloc(subjects ? subjects : 1, sizeof *p.churned);
    p.first_row = crvm__calloc(subjects + 1, sizeof *p.first_row);
    p.row_pattern = crvm__calloc(rows ? rows : 1, sizeof *p.row_pattern);
    if (!p.periods || !p.churned || !p.first_row || !p.row_pattern) {
        st = crvm__nomem("building the compact panel");
        goto fail;
    }
    for (size_t r = 0; r < rows; r++) {
        size_t s = (size_t)row_subject[r];
        p.periods[s]++;
        p.churned[s] = (uint8_t)row_event[r];
        if ((st = intern(&in, z + r * covariates, &p.row_pattern[r])) != CRVM_OK)
            goto fail;
    }
    for (size_t i = 0; i < subjects; i++)
        p.first_row[i + 1] = p.first_row[i] + (size_t)p.periods[i];
    crvm__free(in.slots);
    p.pattern_z = in.z;
    p.data = (crvm__rcov_data){subjects, groups, covariates, in.patterns, subject_group,
                               p.periods, p.churned, subject_weight, p.first_row,
                               p.row_pattern, p.pattern_z};
    *out = p;
    return CRVM_OK;
fail:
    crvm__free(in.slots);
    crvm__free(in.z);
    crvm__rcov_panel_free(&p);
    return st;
}
