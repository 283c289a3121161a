/* Groups of a label column (crvm_read_table_csv) in the order a reader
 * expects: numeric order when every label is a number (so "2" comes before
 * "10", and "1" and "1.0" are one group), else byte order of the labels. */
#ifndef CRVM_CLI_GROUPS_H
#define CRVM_CLI_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include <crvm/crvm.h>

typedef struct cli_groups {
    size_t k;     /* number of groups */
    char **names; /* k names, allocated */
} cli_groups;

/* label_codes (n values, the table's column `column`) to group codes
 * 0..k-1 in *codes (n values); 0 and a message on stderr when out of memory. */
int cli_groups_make(const crvm_numeric_table *table, size_t column, const double *label_codes,
                    size_t n, int32_t *codes, cli_groups *out);
void cli_groups_free(cli_groups *g);

#endif
