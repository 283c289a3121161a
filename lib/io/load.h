/* Private: the CSV loader on an open stream (the fuzz targets feed it from
 * memory with fmemopen). */
#ifndef CRVM_IO_LOAD_H
#define CRVM_IO_LOAD_H

#include <stdio.h>

#include "crvm/io.h"

/* crvm_load_csv() reading @p f (not closed) instead of opening a path;
 * @p name stands for the file in messages and the report. */
crvm_status crvm__load_csv_stream(crvm_ledger *ledger, crvm_table table, FILE *f, const char *name,
                                  const crvm_load_options *options, crvm_load_report *report);

#endif
