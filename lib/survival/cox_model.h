/* Private: the fitted Cox model. cox.c fills it from a fit; cox_restore.c
 * rebuilds one from saved state (crvm/model_io.h); schoenfeld.c reads it. */
#ifndef CRVM_SURVIVAL_COX_MODEL_H
#define CRVM_SURVIVAL_COX_MODEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "crvm/survival.h"

/* What Harrell's C of a fit needs, kept by the fit so that the index is
 * computed only when asked for (cox_concordance.c): the training rows'
 * scores -eta and either their durations, events and strata (NULL: one
 * stratum), in (stratum, time) order when sorted, or (a fit summed per
 * time, cox_tied.c; time, events and strata NULL) each row's 2-byte code,
 * its (stratum, time) bucket in the low 15 bits and its event flag in the
 * top bit, with the buckets' times and strata. All NULL in a restored
 * model, whose index was saved. */
typedef struct crvm__cox_train {
    size_t n;
    double *time, *score;
    int32_t *events, *strata;
    int sorted;
    uint16_t *code;
    double *code_time;       /* per bucket */
    int32_t *code_stratum;   /* per bucket */
    int several_strata;      /* with code: pairs are compared within strata */
} crvm__cox_train;

struct crvm_cox {
    size_t p;
    double *beta;       /* p, per unit of x */
    double *mean;       /* p, centring */
    double *cov;        /* p*p model-based */
    double *cov_robust; /* p*p or NULL */
    int robust;
    double z_crit;
    crvm_cox_summary_stats stats;
    size_t n_strata;
    int32_t *strata;    /* n_strata codes ascending */
    size_t *base_start; /* n_strata + 1 offsets into base_time / base_cumhaz */
    double *base_time;
    double *base_cumhaz;
    crvm_ties ties; /* of the partial likelihood fitted (residuals use the same) */
    crvm__cox_train train;
    /* Lazy concordance (stats.concordance is not used): the value is valid
     * once the state is CRVM__COX_C_READY (stored with release order after
     * the value). */
    double concordance;
    atomic_int concordance_state;
};

enum { CRVM__COX_C_PENDING = 0, CRVM__COX_C_WRITING = 1, CRVM__COX_C_READY = 2 };

/* Harrell's C of the model on its training rows into *out: computed on the
 * first call and cached; concurrent callers on one model are safe (each
 * caller that finds it pending computes the same value, one publishes it).
 * CRVM_OK or CRVM_ENOMEM. */
crvm_status crvm__cox_concordance_of(const crvm_cox *cox, double *out);

/* Everything a Cox model holds, as views (state_of) or as the input of
 * crvm__cox_restore (which copies it). */
typedef struct crvm__cox_state {
    size_t p;
    const double *beta, *mean, *cov;
    const double *cov_robust; /* NULL unless robust */
    int robust;
    double z_crit;            /* normal quantile of the coefficient intervals, > 0 */
    crvm_ties ties;
    crvm_cox_summary_stats stats;
    size_t n_strata;
    const int32_t *strata;    /* n_strata codes, strictly ascending */
    const size_t *base_start; /* n_strata + 1 offsets, from 0, non-decreasing */
    const double *base_time, *base_cumhaz; /* base_start[n_strata] values */
} crvm__cox_state;

/* The state of a model; its concordance is computed if it was not yet
 * (CRVM_ENOMEM possible). */
crvm_status crvm__cox_state_of(const crvm_cox *cox, crvm__cox_state *out);

/* A new model copying the state. Checks it is one a fit produces
 * (CRVM_EDOMAIN naming the field otherwise); CRVM_ENOMEM. */
crvm_status crvm__cox_restore(const crvm__cox_state *state, crvm_cox **out);

#endif
