/* Ledger benchmark: bulk columnar appends and aggregates at scale, in memory
 * (no CSV: see bench_load for file loading). Volumes follow the simulator's
 * defaults roughly: per customer 12 revenue events, 4 contacts (40% linked to
 * an article), 6 knowledge uses. Prints seconds, rows/s, the ledger's bytes
 * per row and peak RSS.
 *
 *   ninja -C build bench/bench_ledger && build/bench/bench_ledger [customers]
 *   (default 1000000 customers)
 * Times are process CPU seconds (the figures hold on a shared machine).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "crvm/crvm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine may be shared */
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static double unif(void) { return (double)(next() >> 11) * 0x1.0p-53; }

/* n ids "<prefix><i>" in one buffer. */
static const char **make_ids(const char *prefix, size_t n, char **buf)
{
    size_t w = strlen(prefix) + 11;
    *buf = malloc(n * w);
    const char **ids = malloc(n * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        snprintf(*buf + i * w, w, "%s%09zu", prefix, i);
        ids[i] = *buf + i * w;
    }
    return ids;
}

#define CHECK(call)                                                                    \
    do {                                                                               \
        crvm_status s_ = (call);                                                       \
        if (s_) {                                                                      \
            fprintf(stderr, "%s failed: %s\n", #call, crvm_last_error());              \
            return 1;                                                                  \
        }                                                                              \
    } while (0)

int main(int argc, char **argv)
{
    size_t nc = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    size_t nr = nc * 12, nk = nc * 4, na = nc / 50 > 20 ? nc / 50 : 20, nu = nc * 6;
    const size_t batch = 65536;
    char *cbuf, *kbuf, *abuf;
    const char **cid = make_ids("C", nc, &cbuf), **kid = make_ids("T", nk, &kbuf),
               **aid = make_ids("A", na, &abuf);
    static const char *const segn[3] = {"smb", "mid_market", "enterprise"};
    const char **seg = malloc(nc * sizeof *seg);
    crvm_date *start = malloc(nc * sizeof *start), *end = malloc(nc * sizeof *end);
    crvm_date base = 18993; /* 2022-01-01 */
    for (size_t i = 0; i < nc; i++) {
        seg[i] = segn[unif() < 0.6 ? 0 : unif() < 0.75 ? 1 : 2];
        start[i] = base + (crvm_date)(unif() * 730);
        end[i] = unif() < 0.4 ? start[i] + 30 + (crvm_date)(unif() * 700) : CRVM_DATE_NONE;
    }
    const char **rc = malloc(nr * sizeof *rc);
    crvm_date *rd = malloc(nr * sizeof *rd);
    double *ra = malloc(nr * sizeof *ra);
    int32_t *rs = malloc(nr * sizeof *rs);
    for (size_t i = 0; i < nr; i++) {
        size_t c = next() % nc;
        rc[i] = cid[c];
        rd[i] = start[c] + (crvm_date)(unif() * 365);
        ra[i] = (double)(int64_t)(unif() * 100000) / 100;
        rs[i] = (int32_t)(next() % 5);
    }
    const char **kc = malloc(nk * sizeof *kc);
    crvm_date *ko = malloc(nk * sizeof *ko), *kcl = malloc(nk * sizeof *kcl);
    int32_t *kch = malloc(nk * 4), *kt = malloc(nk * 4), *ke = malloc(nk * 4), *kou = malloc(nk * 4);
    double *km = malloc(nk * 8), *ks = malloc(nk * 8);
    for (size_t i = 0; i < nk; i++) {
        size_t c = next() % nc;
        kc[i] = cid[c];
        ko[i] = start[c] + (crvm_date)(unif() * 365);
        kcl[i] = ko[i] + (crvm_date)(unif() * 3);
        kch[i] = (int32_t)(next() % 5);
        kt[i] = 1 + (int32_t)(next() % 3);
        ke[i] = unif() < 0.1;
        kou[i] = (int32_t)(next() % 4);
        km[i] = 1 + unif() * 30;
        ks[i] = unif() < 0.4 ? 1 + (double)(next() % 5) : NAN;
    }
    size_t nl = nk * 4 / 10;
    const char **lc = malloc(nl * sizeof *lc), **la = malloc(nl * sizeof *la);
    for (size_t i = 0; i < nl; i++) {
        lc[i] = kid[i * 10 / 4];
        la[i] = aid[next() % na];
    }
    crvm_date *ac = malloc(na * 4);
    double *ah = malloc(na * 8), *am = malloc(na * 8);
    for (size_t i = 0; i < na; i++) {
        ac[i] = base - 365;
        ah[i] = 2;
        am[i] = 0.1;
    }
    const char **ua = malloc(nu * sizeof *ua), **uk = malloc(nu * sizeof *uk), **uc = malloc(nu * sizeof *uc);
    crvm_date *ud = malloc(nu * 4);
    int32_t *ukd = malloc(nu * 4), *ur = malloc(nu * 4);
    for (size_t i = 0; i < nu; i++) {
        ua[i] = aid[next() % na];
        ud[i] = base + (crvm_date)(unif() * 1000);
        int assisted = unif() < 0.3;
        ukd[i] = assisted ? CRVM_USE_ASSISTED : CRVM_USE_SELF_SERVICE;
        ur[i] = unif() < 0.6;
        size_t k = next() % nk;
        uk[i] = assisted ? kid[k] : NULL;
        uc[i] = assisted ? kc[k] : cid[next() % nc];
    }

    crvm_ledger *l = NULL;
    CHECK(crvm_ledger_new(&l));
    double t0 = now();
    for (size_t o = 0; o < nc; o += batch) {
        size_t n = nc - o < batch ? nc - o : batch;
        CHECK(crvm_ledger_add_customers(l, cid + o, n, seg + o, n, start + o, n, end + o, n, NULL));
    }
    for (size_t o = 0; o < na; o += batch) {
        size_t n = na - o < batch ? na - o : batch;
        CHECK(crvm_ledger_add_articles(l, aid + o, n, ac + o, n, ah + o, n, am + o, n, NULL));
    }
    double t1 = now();
    for (size_t o = 0; o < nr; o += batch) {
        size_t n = nr - o < batch ? nr - o : batch;
        CHECK(crvm_ledger_add_revenue(l, rc + o, n, rd + o, n, ra + o, n, rs + o, n, NULL));
    }
    double t2 = now();
    for (size_t o = 0; o < nk; o += batch) {
        size_t n = nk - o < batch ? nk - o : batch;
        CHECK(crvm_ledger_add_contacts(l, kid + o, n, kc + o, n, ko + o, n, kcl + o, n, kch + o, n, km + o, n,
                                       kt + o, n, ke + o, n, kou + o, n, ks + o, n, NULL));
    }
    double t3 = now();
    for (size_t o = 0; o < nl; o += batch) {
        size_t n = nl - o < batch ? nl - o : batch;
        CHECK(crvm_ledger_add_contact_articles(l, lc + o, n, la + o, n, NULL));
    }
    for (size_t o = 0; o < nu; o += batch) {
        size_t n = nu - o < batch ? nu - o : batch;
        CHECK(crvm_ledger_add_knowledge_uses(l, ua + o, n, ud + o, n, ukd + o, n, ur + o, n, uk + o, n, uc + o, n, NULL));
    }
    double t4 = now();
    crvm_ledger_stats s;
    CHECK(crvm_ledger_stats_get(l, &s));
    size_t rows = s.customers + s.revenue_events + s.contacts + s.contact_articles + s.articles + s.knowledge_uses;
    printf("rows: customers %zu, revenue %zu, contacts %zu, links %zu, articles %zu, uses %zu (total %zu)\n",
           s.customers, s.revenue_events, s.contacts, s.contact_articles, s.articles, s.knowledge_uses, rows);
    printf("append seconds: customers+articles %.3f, revenue %.3f (%.1f M rows/s), contacts %.3f (%.1f M rows/s), links+uses %.3f; total %.3f (%.1f M rows/s)\n",
           t1 - t0, t2 - t1, (double)nr / (t2 - t1) / 1e6, t3 - t2, (double)nk / (t3 - t2) / 1e6, t4 - t3,
           t4 - t0, (double)rows / (t4 - t0) / 1e6);
    printf("ledger bytes: used %zu (%.1f per row), allocated %zu (%.1f per row)\n", s.bytes_used,
           (double)s.bytes_used / (double)rows, s.bytes_allocated, (double)s.bytes_allocated / (double)rows);
    CHECK(crvm_ledger_shrink(l));
    CHECK(crvm_ledger_stats_get(l, &s));
    printf("after shrink: allocated %zu (%.1f per row)\n", s.bytes_allocated, (double)s.bytes_allocated / (double)rows);

    crvm_date as_of = base + 1095;
    double *out = malloc(nc * CRVM_ECON_COLUMNS * sizeof *out);
    double seg_out[3 * CRVM_ECON_COLUMNS];
    double *kv = malloc(na * CRVM_KV_COLUMNS * sizeof *kv);
    double t5 = now();
    CHECK(crvm_customer_economics(l, NULL, CRVM_DATE_MIN, as_of + 1, out, nc * CRVM_ECON_COLUMNS));
    double t6 = now();
    CHECK(crvm_segment_economics(l, NULL, CRVM_DATE_MIN, as_of + 1, seg_out, 3 * CRVM_ECON_COLUMNS));
    double t7 = now();
    CHECK(crvm_knowledge_value(l, NULL, as_of, kv, na * CRVM_KV_COLUMNS, NULL));
    double t8 = now();
    double *rfm = malloc(nc * CRVM_RFM_COLUMNS * sizeof *rfm);
    CHECK(crvm_ledger_transaction_summary(l, as_of, 0, rfm, nc * CRVM_RFM_COLUMNS));
    double t9 = now();
    printf("seconds: customer economics %.3f, segment economics %.3f, knowledge value %.3f, RFM summary %.3f\n",
           t6 - t5, t7 - t6, t8 - t7, t9 - t8);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.0f MiB (includes the generated input columns)\n", ru.ru_maxrss / 1024.0);
    crvm_ledger_free(l);
    return 0;
}
