/* Private: one customer's generating process, month by month (the model of
 * crvm/simulate.h). The generator (sim.c), the state at a date (truth.c) and
 * the known future (continuation.c) all step customers through these
 * functions, so the three cannot disagree about the process.
 *
 * A customer is a crvm__sim_life: what was drawn once (segment, start,
 * theta, support plan) and the state that evolves (its month t, price, last
 * touch, and the covariates of month t so far). crvm__sim_month() draws the
 * events of month t; crvm__sim_log_renewal() is the log probability of
 * renewing at the anniversary that ends it; crvm__sim_advance() moves to the
 * next month.
 */
#ifndef CRVM_SIM_PROCESS_H
#define CRVM_SIM_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/rng.h"
#include "sim/sim.h"

/* Everything shared by the customers of a run (read-only while they run). */
typedef struct crvm__sim_world {
    crvm_sim_options o;              /* validated */
    int wy, wm;                      /* year and month of the window's start */
    int32_t window_end;              /* first day after the window */
    const crvm__sim_article *arts;   /* the articles, with the cumulative Zipf weights */
    const double *cdf;
    size_t n_art;
    /* exp(-rate) of a whole month's contacts (by segment) and views, or 0
     * for a rate above 20 (crvm__poisson_draw splits those). */
    double contact_limit[CRVM_SIM_SEGMENTS], view_limit;
} crvm__sim_world;

/* The world of a set of validated options: the window and the articles
 * (*arts and *cdf are allocated and the world points into them; free both). */
crvm_status crvm__sim_world_init(const crvm_sim_options *o, crvm__sim_article **arts, double **cdf,
                                 crvm__sim_world *w);
/* The world of an in-memory data set (pointing into it). */
void crvm__sim_data_world(const crvm_sim_data *d, crvm__sim_world *w);
/* Fill the world's Poisson limits from its options. */
void crvm__sim_world_rates(crvm__sim_world *w);

/* CRVM_EINVAL naming fn unless date is inside the window. */
crvm_status crvm__sim_check_date(const char *fn, const crvm__sim_world *w, int32_t date);

/* Covariate counts of a month (z of the renewal that ends it, before silence). */
enum { CRVM__Z_CONTACTS, CRVM__Z_WORKAROUND, CRVM__Z_REFUSED, CRVM__Z_ABANDONED, CRVM__Z_ESCALATED,
       CRVM__Z_COUNTS };

typedef struct crvm__sim_life {
    crvm__sim_customer c;   /* index, start, segment, theta; churned/lifetime/end for the generator */
    int sy, sm, start_day;  /* start year, month, day (1..28) */
    int has_plan;
    double price;           /* monthly price from the next anniversary on */
    int t;                  /* current month */
    int32_t day, next;      /* anniversaries t and t + 1 */
    int32_t last_touch;     /* latest touch applied (the start if none) */
    double z[CRVM__Z_COUNTS]; /* contacts of month t applied so far, by kind */
    double multiplier;      /* product of outcome factors of those contacts (churn MULTIPLIER) */
    int touch_month;        /* the month of last_touch (0 for the start) */
    double log_q;           /* ln(1 - theta), 0 if theta is 0 */
    double pow_t;           /* t^c */
} crvm__sim_life;

/* Receivers of what a month generates; any callback may be NULL. A sourced
 * revenue event comes right after the contact that sourced it (source). */
typedef struct crvm__sim_emit {
    crvm_status (*revenue)(void *ctx, int32_t date, double amount, int stream,
                           const crvm__sim_contact *source);
    crvm_status (*contact)(void *ctx, crvm__sim_contact *x); /* may set x->index */
    crvm_status (*view)(void *ctx, int32_t date, uint32_t article, int resolved);
    void *ctx;
} crvm__sim_emit;

/* Closed forms of the fixed parts of the model, for the truth (truth.c). */
double crvm__sim_agent_factor(const crvm_sim_options *o, int k); /* agent k (0..9) of a queue */
double crvm__sim_queue_share(int queue);
double crvm__sim_channel_share(int channel);
double crvm__sim_mean_minutes(int channel); /* E[handle minutes] before any article saving */

/* Anniversary t of the life (the day of month is at most 28). */
int32_t crvm__sim_anniversary(const crvm__sim_life *life, int t);

/* Draw customer `index`'s fixed traits from its stream r and start it at month 0. */
void crvm__sim_start(const crvm__sim_world *w, uint32_t index, crvm__rng *r, crvm__sim_life *life);

/* Draw month t: if lo is its anniversary, the revenue of the anniversary;
 * then its contacts and self-service views on the days [lo, next) (Poisson
 * rates scaled to those days). Every event dated on or before cutoff (a
 * contact by its opening day) is applied to the life (covariates, last touch,
 * price) and emitted; later ones are drawn but dropped. Returns the first
 * failing callback status. */
crvm_status crvm__sim_month(const crvm__sim_world *w, crvm__sim_life *life, crvm__rng *r, int32_t lo,
                            int32_t cutoff, const crvm__sim_emit *emit);

/* log P(renewing at anniversary t + 1 | month t as applied); may be -inf. */
double crvm__sim_log_renewal(const crvm__sim_world *w, const crvm__sim_life *life);

/* Move to month t + 1 (its covariates start empty). */
void crvm__sim_advance(const crvm__sim_world *w, crvm__sim_life *life);

/* Generate customer `index` from its own stream up to day `date`: on return
 * *life is its state once every event dated on or before `date` has happened
 * (month t holding `date`, the contacts opened by then applied). Returns 0
 * if it had not started by `date`, -1 if it churned by `date` (at an
 * anniversary <= date), 1 if it is a customer on `date`. */
int crvm__sim_history(const crvm__sim_world *w, uint32_t index, int32_t date, crvm__sim_life *life);

#endif
