/* Writing simulated data as crvm's CSV files (layout: docs/data-format.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "crvm/io.h"
#include "io/parse.h"
#include "sim/sim.h"

enum { F_CUSTOMERS, F_ARTICLES, F_REVENUE, F_CONTACTS, F_USES, F_COUNT };
static const char *const file_names[F_COUNT] = {"customers.csv", "articles.csv", "revenue.csv",
                                                "contacts.csv", "knowledge_uses.csv"};
static const char *const headers[F_COUNT] = {
    "customer_id,segment,start_date,end_date\n",
    "article_id,created,authoring_hours,maintenance_hours\n",
    "customer_id,date,amount,stream,source_contact\n",
    ("contact_id,customer_id,opened,closed,channel,handle_minutes,tier,escalated,outcome,"
     "satisfaction,articles,agent,queue,product,reason\n"),
    "article_id,date,kind,resolved,contact_id,customer_id\n",
};

typedef struct writer {
    FILE *f[F_COUNT];
    char *path[F_COUNT];
    crvm_sim_summary summary;
} writer;

static crvm_status io_error(writer *w, int k)
{
    return crvm__fail(CRVM_EIO, "writing %s: %s", w->path[k], strerror(errno));
}

static void writer_close(writer *w)
{
    for (int k = 0; k < F_COUNT; k++) {
        if (w->f[k])
            fclose(w->f[k]);
        crvm__free(w->path[k]);
        w->f[k] = NULL;
        w->path[k] = NULL;
    }
}

static crvm_status writer_open(writer *w, const char *dir)
{
    memset(w, 0, sizeof *w);
    size_t dlen = strlen(dir);
    for (int k = 0; k < F_COUNT; k++) {
        size_t n = dlen + 1 + strlen(file_names[k]) + 1;
        w->path[k] = crvm__malloc(n);
        if (!w->path[k]) {
            writer_close(w);
            return crvm__nomem("opening the simulated CSV files");
        }
        snprintf(w->path[k], n, "%s/%s", dir, file_names[k]);
        w->f[k] = fopen(w->path[k], "wb");
        if (!w->f[k]) {
            crvm_status st = crvm__fail(CRVM_EIO, "cannot create %s: %s", w->path[k], strerror(errno));
            writer_close(w);
            return st;
        }
        if (fputs(headers[k], w->f[k]) == EOF) {
            crvm_status st = io_error(w, k);
            writer_close(w);
            return st;
        }
    }
    return CRVM_OK;
}

static crvm_status writer_finish(writer *w)
{
    crvm_status st = CRVM_OK;
    for (int k = 0; k < F_COUNT; k++) {
        if (fclose(w->f[k]) != 0 && st == CRVM_OK)
            st = io_error(w, k);
        w->f[k] = NULL;
    }
    writer_close(w);
    return st;
}

static crvm_status write_articles(void *ctx, const crvm__sim_article *a, size_t n, const double *cdf)
{
    (void)cdf;
    writer *w = ctx;
    FILE *f = w->f[F_ARTICLES];
    char id[24], date[11];
    for (size_t i = 0; i < n; i++) {
        crvm__sim_article_id(a[i].index, id);
        crvm__format_date(a[i].created, date);
        if (fprintf(f, "%s,%s,%.2f,%.2f\n", id, date, a[i].authoring_hours,
                    a[i].maintenance_hours) < 0)
            return io_error(w, F_ARTICLES);
    }
    w->summary.articles += n;
    return CRVM_OK;
}

static crvm_status write_customer(void *ctx, const crvm__sim_customer *c, const crvm__sim_revenue *rev,
                                  size_t n_rev, const crvm__sim_contact *con, size_t n_con,
                                  const crvm__sim_use *use, size_t n_use)
{
    writer *w = ctx;
    char cid[24], id[24], id2[24], date[11], date2[11];
    crvm__sim_customer_id(c->index, cid);
    crvm__format_date(c->start, date);
    date2[0] = '\0';
    if (c->end != INT32_MIN)
        crvm__format_date(c->end, date2);
    if (fprintf(w->f[F_CUSTOMERS], "%s,%s,%s,%s\n", cid, crvm__sim_segment_name[c->segment], date,
                date2) < 0)
        return io_error(w, F_CUSTOMERS);
    for (size_t i = 0; i < n_rev; i++) {
        crvm__format_date(rev[i].date, date);
        id[0] = '\0';
        if (rev[i].source >= 0)
            crvm__sim_contact_id((uint64_t)rev[i].source, id);
        if (fprintf(w->f[F_REVENUE], "%s,%s,%.2f,%s,%s\n", cid, date, rev[i].amount,
                    crvm__sim_stream_name[rev[i].stream], id) < 0)
            return io_error(w, F_REVENUE);
        w->summary.revenue_total += rev[i].amount;
    }
    for (size_t i = 0; i < n_con; i++) {
        const crvm__sim_contact *x = &con[i];
        crvm__sim_contact_id(x->index, id);
        crvm__format_date(x->opened, date);
        crvm__format_date(x->closed, date2);
        char sat[4] = "";
        if (x->satisfaction)
            snprintf(sat, sizeof sat, "%u", (unsigned)x->satisfaction);
        char links[64] = "";
        if (x->n_articles >= 1)
            crvm__sim_article_id(x->articles[0], links);
        if (x->n_articles == 2) {
            crvm__sim_article_id(x->articles[1], id2);
            strcat(links, ";");
            strcat(links, id2);
        }
        if (fprintf(w->f[F_CONTACTS], "%s,%s,%s,%s,%s,%.1f,%u,%u,%s,%s,%s,%s,%s,%s,%s\n", id, cid,
                    date, date2, crvm__sim_channel_name[x->channel], x->minutes, (unsigned)x->tier,
                    (unsigned)x->escalated, crvm__sim_outcome_name[x->outcome], sat, links,
                    crvm_sim_attribute_value(CRVM_SIM_AGENT, x->agent),
                    crvm_sim_attribute_value(CRVM_SIM_QUEUE, x->queue),
                    crvm_sim_attribute_value(CRVM_SIM_PRODUCT, x->product),
                    crvm_sim_attribute_value(CRVM_SIM_REASON, x->reason)) < 0)
            return io_error(w, F_CONTACTS);
        w->summary.handle_minutes_total += x->minutes;
        w->summary.contact_article_links += x->n_articles;
        w->summary.outcome_count[x->outcome]++;
    }
    for (size_t i = 0; i < n_use; i++) {
        crvm__sim_article_id(use[i].article, id);
        crvm__format_date(use[i].date, date);
        id2[0] = '\0';
        if (use[i].contact >= 0)
            crvm__sim_contact_id((uint64_t)use[i].contact, id2);
        if (fprintf(w->f[F_USES], "%s,%s,%s,%u,%s,%s\n", id, date,
                    crvm__sim_use_kind_name[use[i].kind], (unsigned)use[i].resolved, id2, cid) < 0)
            return io_error(w, F_USES);
    }
    w->summary.customers++;
    w->summary.revenue_events += n_rev;
    w->summary.contacts += n_con;
    w->summary.knowledge_uses += n_use;
    w->summary.churned += c->churned;
    return CRVM_OK;
}

crvm_status crvm_simulate_csv(const crvm_sim_options *options, const char *dir,
                              crvm_sim_summary *summary)
{
    if (!dir)
        return crvm__fail(CRVM_EINVAL, "crvm_simulate_csv: dir is NULL");
    crvm_sim_options o;
    crvm_status st = crvm__sim_check_options(options, &o);
    if (st)
        return st;
    writer w;
    st = writer_open(&w, dir);
    if (st)
        return st;
    crvm__sim_sink sink = {write_articles, write_customer, &w};
    st = crvm__sim_run(&o, &sink);
    if (st) {
        writer_close(&w);
        return st;
    }
    crvm_sim_summary s = w.summary;
    st = writer_finish(&w);
    if (st == CRVM_OK && summary)
        *summary = s;
    return st;
}

crvm_status crvm_sim_write_csv(const crvm_sim_data *data, const char *dir)
{
    if (!data || !dir)
        return crvm__fail(CRVM_EINVAL, "crvm_sim_write_csv: NULL argument");
    const crvm__sim_customer *c;
    const crvm__sim_revenue *r;
    const crvm__sim_contact *k;
    const crvm__sim_article *a;
    const crvm__sim_use *u;
    size_t nc, nr, nk, na, nu;
    crvm__sim_data_parts(data, &c, &nc, &r, &nr, &k, &nk, &a, &na, &u, &nu);
    writer w;
    crvm_status st = writer_open(&w, dir);
    if (st)
        return st;
    st = write_articles(&w, a, na, NULL);
    /* Records are stored in customer order: hand each customer its runs. */
    size_t ir = 0, ik = 0, iu = 0;
    for (size_t i = 0; i < nc && st == CRVM_OK; i++) {
        size_t r0 = ir, k0 = ik, u0 = iu;
        while (ir < nr && r[ir].customer == c[i].index)
            ir++;
        while (ik < nk && k[ik].customer == c[i].index)
            ik++;
        while (iu < nu && u[iu].customer == c[i].index)
            iu++;
        st = write_customer(&w, &c[i], r + r0, ir - r0, k + k0, ik - k0, u + u0, iu - u0);
    }
    if (st) {
        writer_close(&w);
        return st;
    }
    return writer_finish(&w);
}
