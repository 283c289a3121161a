/* Private: what each kind of saved model writes and reads (model_fits.c,
 * model_survival.c), used by the public calls of crvm/model_io.h
 * (model_io.c). Adding a kind: a descriptor here, its two functions, and
 * the four thin public calls. */
#ifndef CRVM_IO_MODEL_KINDS_H
#define CRVM_IO_MODEL_KINDS_H

#include "crvm/model_io.h"
#include "io/model_text.h"

typedef struct crvm__model_kind_io {
    crvm_model_kind kind;
    const char *name;  /* the `kind` line */
    const char *title; /* the heading comment */
    /* Write the fields of model (after the header). */
    void (*write)(const void *model, crvm__mt_writer *w);
    /* Read the fields after the header (the caller checks the checksum line
     * follows) and build a new model into *out. */
    crvm_status (*read)(crvm__mt_reader *r, void **out);
    void (*free_model)(void *model);
} crvm__model_kind_io;

extern const crvm__model_kind_io crvm__model_retention;
extern const crvm__model_kind_io crvm__model_transactions;
extern const crvm__model_kind_io crvm__model_gamma_gamma;
extern const crvm__model_kind_io crvm__model_kaplan_meier;
extern const crvm__model_kind_io crvm__model_cox;

/* The fit report as the lines log_likelihood .. n_parameters. */
void crvm__mt_write_report(crvm__mt_writer *w, const crvm_fit_report *report);
crvm_status crvm__mt_read_report(crvm__mt_reader *r, crvm_fit_report *report);

#endif
