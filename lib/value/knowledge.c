/* Knowledge value to date and projected (ledger_lines.h, crvm_value_knowledge()). */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/money.h"
#include "crvm/value.h"
#include "economics/economics_internal.h"
#include "ledger/ledger_internal.h"
#include "value/calendar.h"
#include "value/ledger_lines.h"
#include "value/value_internal.h"

crvm_status crvm__knowledge_rows(const crvm_ledger *l, const crvm_cost_model *m, crvm_date as_of,
                                 int k, int trailing_months, int horizon, double discount,
                                 double *out)
{
    const size_t na = l->article_ids.count, KV = CRVM_KV_COLUMNS;
    double *kv = crvm__malloc((na * KV + 1) * sizeof *kv);
    double *window = crvm__calloc(2 * na + 1, sizeof *window); /* uses, saving in the window */
    if (!kv || !window) {
        crvm__free(kv);
        crvm__free(window);
        return crvm__nomem("knowledge value rows");
    }
    crvm_knowledge_estimate est;
    crvm_status st = crvm_knowledge_value(l, m, as_of, kv, na * KV, &est);
    if (st) {
        crvm__free(kv);
        crvm__free(window);
        return st;
    }
    const crvm_date w0 = crvm__date_of(crvm__ymd_add_months(crvm__ymd_of(as_of + 1), -(long)trailing_months));
    for (size_t u = 0; u < l->n_use; u++) {
        crvm_date d = l->use_date[u];
        uint32_t a = l->use_article[u];
        if (d > as_of || d < w0 || d < l->art_created[a])
            continue;
        if (l->use_kind[u] == CRVM_USE_ASSISTED || l->use_resolved[u]) {
            window[2 * (size_t)a] += 1;
            window[2 * (size_t)a + 1] += crvm__knowledge_use_saving(l, m, &est, u);
        }
    }
    /* Present value of one unit per period over the horizon, the next period undiscounted. */
    double annuity = 0, factor = 1;
    for (int j = 0; j < horizon; j++, factor /= 1.0 + discount)
        annuity += factor;
    const double period_days = k * CRVM__DAYS_PER_MONTH;
    for (size_t a = 0; a < na; a++) {
        const double *r = kv + a * KV;
        double *o = out + a * CRVM_VK_COLUMNS;
        memset(o, 0, CRVM_VK_COLUMNS * sizeof *o);
        o[CRVM_VK_SAVING] = r[CRVM_KV_SAVING];
        o[CRVM_VK_COST] = r[CRVM_KV_COST];
        o[CRVM_VK_VALUE] = r[CRVM_KV_VALUE];
        o[CRVM_VK_ROI] = r[CRVM_KV_ROI];
        o[CRVM_VK_PAYBACK_DAYS] = r[CRVM_KV_PAYBACK_DAYS];
        crvm_date created = l->art_created[a];
        if (created > as_of)
            continue;
        /* The window is cut at the article's creation, and counts at least one period. */
        double days = (double)(as_of + 1 - (created > w0 ? created : w0));
        double periods = days / period_days < 1 ? 1 : days / period_days;
        o[CRVM_VK_USES_PER_PERIOD] = window[2 * a] / periods;
        int64_t saving, upkeep, value = 0;
        if (!crvm__cents_round(100.0 * window[2 * a + 1] / periods * annuity, &saving) ||
            !crvm__cents_round(100.0 * l->art_maintenance[a] * k * m->knowledge_hourly_rate * annuity,
                               &upkeep) ||
            !crvm__cents_add(&value, saving) || !crvm__cents_add(&value, -upkeep)) {
            st = crvm__fail(CRVM_EDOMAIN,
                            "the projected value of article '%.60s' passes 2^53 cents (about 9.007e13 "
                            "currency units): check the cost model's rates and the horizon",
                            crvm_ledger_id(l, CRVM_TABLE_ARTICLES, a));
            break;
        }
        o[CRVM_VK_PROJECTED_SAVING] = (double)saving / 100.0;
        o[CRVM_VK_PROJECTED_UPKEEP] = (double)upkeep / 100.0;
        o[CRVM_VK_PROJECTED_VALUE] = (double)value / 100.0;
    }
    crvm__free(kv);
    crvm__free(window);
    return st;
}

crvm_status crvm_value_knowledge(const crvm_value *v, double *out, size_t out_len)
{
    static const char fn[] = "crvm_value_knowledge";
    crvm_status st = crvm__value_usable(v, fn);
    if (st)
        return st;
    const size_t na = v->ledger->article_ids.count;
    if (out_len != na * CRVM_VK_COLUMNS || (na && !out))
        return crvm__fail(CRVM_EINVAL, "%s: out_len = %zu, expected %zu articles x %d columns", fn,
                          out_len, na, CRVM_VK_COLUMNS);
    double *rows = crvm__malloc((na * CRVM_VK_COLUMNS + 1) * sizeof *rows);
    if (!rows)
        return crvm__nomem("knowledge value rows");
    st = crvm__knowledge_rows(v->ledger, &v->costs, v->as_of, v->set.months_per_period,
                              v->opt.trailing_months, v->set.horizon, v->set.discount, rows);
    if (!st && na)
        memcpy(out, rows, na * CRVM_VK_COLUMNS * sizeof *out);
    crvm__free(rows);
    return st;
}
