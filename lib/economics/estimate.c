/* The knowledge estimate (minutes saved, avoided contact cost) from its
 * sufficient statistics, so that a base split into parts gets the estimate
 * of the whole (crvm/economics.h, "the estimate from parts"). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/economics.h"
#include "economics/cost_sums.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"

enum { CELLS = CRVM_KE_CELLS, N_WITH = 0, SUM_WITH = CELLS, N_WITHOUT = 2 * CELLS,
       SUM_WITHOUT = 3 * CELLS, COST_CENTS = 4 * CELLS, COUNTED = 4 * CELLS + 1 };

/* Contact i's handle time into its cell of s, by whether an article is linked. */
static inline void note_minutes(const crvm_ledger *l, const uint8_t *linked, size_t i, double *s)
{
    size_t cell = (size_t)l->con_channel[i] * CRVM_TIER_COUNT + (l->con_tier[i] - 1u);
    s[(linked[i] ? N_WITH : N_WITHOUT) + cell] += 1;
    s[(linked[i] ? SUM_WITH : SUM_WITHOUT) + cell] += l->con_minutes[i];
}

/* The statistics of the contacts opened by as_of, their costs summed
 * unchecked (cost_sums.h: only where the cost model bounds them) when costed.
 * Counts are kept as integers and each cell's minutes summed in the ledger's
 * order, so s holds the same numbers as when summed into it row by row. */
static inline void count_contacts_of(const crvm_ledger *l, const crvm_cost_model *m,
                                     crvm_date as_of, const uint8_t *linked, const int costed,
                                     double *s)
{
    const crvm_date *opened = l->con_opened;
    const double *minutes = l->con_minutes;
    const uint8_t *channel = l->con_channel, *tier = l->con_tier, *escalated = l->con_escalated;
    crvm__cost_sums c = {0};
    int64_t n[2 * CELLS] = {0}; /* with a linked article, then without */
    double sum[2 * CELLS] = {0};
    for (size_t i = 0; i < l->contact_ids.count; i++) {
        if (opened[i] > as_of)
            continue;
        size_t cell = (linked[i] ? 0 : CELLS) + (size_t)channel[i] * CRVM_TIER_COUNT + (tier[i] - 1u);
        n[cell]++;
        sum[cell] += minutes[i];
        if (costed)
            crvm__cost_sums_add(&c, m, minutes[i], tier[i], channel[i], escalated[i]);
    }
    for (size_t j = 0; j < CELLS; j++) {
        s[N_WITH + j] = (double)n[j];
        s[SUM_WITH + j] = sum[j];
        s[N_WITHOUT + j] = (double)n[CELLS + j];
        s[SUM_WITHOUT + j] = sum[CELLS + j];
        s[COUNTED] += (double)(n[j] + n[CELLS + j]);
    }
    /* Every partial sum of whole cents is below 2^53, so the double sum
     * contact by contact would be this integer exactly. */
    crvm__contact_cost t = crvm__cost_sums_total(&c, m);
    s[COST_CENTS] = (double)(t.labour + t.channel + t.escalation + t.overhead);
}

/* count_contacts_of with the cost test out of the loop. */
static void count_contacts(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                           const uint8_t *linked, int costed, double *s)
{
    if (costed)
        count_contacts_of(l, m, as_of, linked, 1, s);
    else
        count_contacts_of(l, m, as_of, linked, 0, s);
}

/* The same with every contact's cost checked: CRVM_EDOMAIN naming the first
 * whose cost passes 2^53 cents. */
static crvm_status count_contacts_checked(const crvm_ledger *l, const crvm_cost_model *m,
                                          crvm_date as_of, const uint8_t *linked, double *s)
{
    for (size_t i = 0; i < l->contact_ids.count; i++) {
        if (l->con_opened[i] > as_of)
            continue;
        note_minutes(l, linked, i, s);
        crvm__contact_cost k;
        if (!crvm__cost_contact(m, l->con_minutes[i], l->con_tier[i], l->con_channel[i],
                                l->con_escalated[i], &k))
            return crvm__fail(CRVM_EDOMAIN, "the cost of contact '%.60s' passes 2^53 cents "
                              "(about 9.007e13 currency units): check the cost model's rates",
                              crvm_ledger_id(l, CRVM_TABLE_CONTACTS, i));
        s[COST_CENTS] += (double)(k.labour + k.channel + k.escalation + k.overhead);
        s[COUNTED] += 1;
    }
    return CRVM_OK;
}

/* Statistics of l into s (CRVM_KE_STATS, zeroed by the caller). */
static crvm_status accumulate_stats(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                    double *s)
{
    const size_t nk = l->contact_ids.count;
    const int costed = isnan(m->avoided_contact_cost);
    uint8_t *linked = crvm__calloc(nk + 1, 1);
    if (!linked)
        return crvm__nomem("contacts with linked articles");
    for (size_t i = 0; i < l->n_link; i++)
        linked[l->link_contact[i]] = 1;
    crvm_status st = CRVM_OK;
    if (!costed || crvm__cost_sums_exact(m, nk))
        count_contacts(l, m, as_of, linked, costed, s);
    else
        st = count_contacts_checked(l, m, as_of, linked, s);
    crvm__free(linked);
    return st;
}

/* The estimate from valid statistics s. */
static void estimate_of(const crvm_cost_model *m, const double *s, crvm_knowledge_estimate *e)
{
    memset(e, 0, sizeof *e);
    e->minutes_saved_estimated = isnan(m->minutes_saved);
    e->avoided_cost_estimated = isnan(m->avoided_contact_cost);
    double weighted = 0, weight = 0;
    for (size_t c = 0; c < CELLS; c++) {
        double nw = s[N_WITH + c], nwo = s[N_WITHOUT + c];
        if (nw > 0 && nwo > 0) {
            weighted += nw * (s[SUM_WITHOUT + c] / nwo - s[SUM_WITH + c] / nw);
            weight += nw;
            e->cells_used++;
            e->linked_contacts += (size_t)nw;
            e->unlinked_contacts += (size_t)nwo;
        }
    }
    e->minutes_saved = e->minutes_saved_estimated ? (weight > 0 ? weighted / weight : 0.0)
                                                  : m->minutes_saved;
    e->avoided_contact_cost = e->avoided_cost_estimated
                                  ? (s[COUNTED] > 0 ? s[COST_CENTS] / 100.0 / s[COUNTED] : 0.0)
                                  : m->avoided_contact_cost;
}

crvm_status crvm__knowledge_estimate(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                     crvm_knowledge_estimate *out)
{
    double s[CRVM_KE_STATS] = {0};
    crvm_status st = accumulate_stats(l, m, as_of, s);
    if (st == CRVM_OK)
        estimate_of(m, s, out);
    return st;
}

crvm_status crvm_knowledge_estimate_stats(const crvm_ledger *l, const crvm_cost_model *m,
                                          crvm_date as_of, double *out, size_t out_len)
{
    static const char fn[] = "crvm_knowledge_estimate_stats";
    crvm_cost_model defaults;
    if (!l || !out || out_len != CRVM_KE_STATS)
        return crvm__fail(CRVM_EINVAL, "%s: ledger and out must not be NULL, out_len = %zu, "
                          "expected %d", fn, out_len, CRVM_KE_STATS);
    crvm_status st = crvm__cost_model_resolve(&m, &defaults);
    double s[CRVM_KE_STATS] = {0};
    if (st == CRVM_OK && (st = accumulate_stats(l, m, as_of, s)) == CRVM_OK)
        memcpy(out, s, sizeof s);
    return st;
}

crvm_status crvm_knowledge_estimate_from_stats(const crvm_cost_model *m, const double *stats,
                                               size_t stats_len, crvm_knowledge_estimate *estimate)
{
    static const char fn[] = "crvm_knowledge_estimate_from_stats";
    crvm_cost_model defaults;
    if (!stats || !estimate || stats_len != CRVM_KE_STATS)
        return crvm__fail(CRVM_EINVAL, "%s: stats and estimate must not be NULL, stats_len = %zu, "
                          "expected %d", fn, stats_len, CRVM_KE_STATS);
    crvm_status st = crvm__cost_model_resolve(&m, &defaults);
    if (st)
        return st;
    for (size_t j = 0; j < CRVM_KE_STATS; j++)
        if (!isfinite(stats[j]) || stats[j] < 0)
            return crvm__fail(CRVM_EINVAL, "%s: stats[%zu] = %g, expected a finite sum >= 0", fn, j,
                              stats[j]);
    estimate_of(m, stats, estimate);
    return CRVM_OK;
}
