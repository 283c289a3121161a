/* Contact and revenue columns copied out (crvm_ledger_contacts,
 * crvm_ledger_revenue_events), for the value layer and Python. */
#include "core/error.h"
#include "ledger/append.h"
#include "ledger/ledger_internal.h"

crvm_status crvm_ledger_contacts(const crvm_ledger *l, int32_t *customer, size_t customer_len,
                                 crvm_date *opened, size_t opened_len, crvm_date *closed,
                                 size_t closed_len, int32_t *channel, size_t channel_len,
                                 double *handle_minutes, size_t handle_minutes_len, int32_t *tier,
                                 size_t tier_len, int32_t *escalated, size_t escalated_len,
                                 int32_t *outcome, size_t outcome_len, double *satisfaction,
                                 size_t satisfaction_len)
{
    static const char fn[] = "crvm_ledger_contacts";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = l->contact_ids.count;
    if (l->customer_ids.count > INT32_MAX)
        return crvm__fail(CRVM_EINVAL, "%s: %zu customers exceed the int32 customer column", fn,
                          l->customer_ids.count);
    CHECK_COL(customer, 1);
    CHECK_COL(opened, 1);
    CHECK_COL(closed, 1);
    CHECK_COL(channel, 1);
    CHECK_COL(handle_minutes, 1);
    CHECK_COL(tier, 1);
    CHECK_COL(escalated, 1);
    CHECK_COL(outcome, 1);
    CHECK_COL(satisfaction, 1);
    for (size_t k = 0; k < n; k++) {
        if (customer)
            customer[k] = (int32_t)l->con_customer[k];
        if (opened)
            opened[k] = l->con_opened[k];
        if (closed)
            closed[k] = l->con_closed[k];
        if (channel)
            channel[k] = l->con_channel[k];
        if (handle_minutes)
            handle_minutes[k] = l->con_minutes[k];
        if (tier)
            tier[k] = l->con_tier[k];
        if (escalated)
            escalated[k] = l->con_escalated[k];
        if (outcome)
            outcome[k] = l->con_outcome[k];
        if (satisfaction)
            satisfaction[k] = l->con_satisfaction[k];
    }
    return CRVM_OK;
}

crvm_status crvm_ledger_revenue_events(const crvm_ledger *l, int32_t *customer,
                                       size_t customer_len, crvm_date *date, size_t date_len,
                                       double *amount, size_t amount_len, int32_t *stream,
                                       size_t stream_len, int32_t *source_contact,
                                       size_t source_contact_len)
{
    static const char fn[] = "crvm_ledger_revenue_events";
    if (!l)
        return crvm__fail(CRVM_EINVAL, "%s: ledger is NULL", fn);
    size_t n = l->n_rev;
    if (l->customer_ids.count > INT32_MAX || l->contact_ids.count > INT32_MAX)
        return crvm__fail(CRVM_EINVAL, "%s: %zu customers or %zu contacts exceed the int32 index columns",
                          fn, l->customer_ids.count, l->contact_ids.count);
    CHECK_COL(customer, 1);
    CHECK_COL(date, 1);
    CHECK_COL(amount, 1);
    CHECK_COL(stream, 1);
    CHECK_COL(source_contact, 1);
    for (size_t k = 0; k < n; k++) {
        if (customer)
            customer[k] = (int32_t)l->rev_customer[k];
        if (date)
            date[k] = l->rev_date[k];
        if (amount)
            amount[k] = (double)l->rev_cents[k] / 100.0;
        if (stream)
            stream[k] = l->rev_stream[k];
    }
    if (source_contact) {
        for (size_t k = 0; k < n; k++)
            source_contact[k] = -1;
        for (size_t j = 0; j < l->sources.n; j++)
            source_contact[l->sources.row[j]] = (int32_t)l->sources.contact[j];
    }
    return CRVM_OK;
}
