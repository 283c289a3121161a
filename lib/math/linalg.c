/* Small dense linear algebra on row-major n*n matrices: Cholesky factor,
 * triangular solves and the inverse of a symmetric positive-definite matrix. */
#include "math/linalg.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

crvm_status crvm__cholesky(size_t n, double *a)
{
    for (size_t j = 0; j < n; j++) {
        double d = a[j * n + j];
        for (size_t k = 0; k < j; k++)
            d -= a[j * n + k] * a[j * n + k];
        /* !(d > 0) also catches NaN. */
        if (!(d > 0.0) || !isfinite(d))
            return crvm__fail(CRVM_EDOMAIN,
                              "matrix is not positive definite: pivot %zu is %g", j, d);
        double ljj = sqrt(d);
        a[j * n + j] = ljj;
        for (size_t i = j + 1; i < n; i++) {
            double s = a[i * n + j];
            for (size_t k = 0; k < j; k++)
                s -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = s / ljj;
        }
        for (size_t k = j + 1; k < n; k++)
            a[j * n + k] = 0.0;
    }
    return CRVM_OK;
}

void crvm__cholesky_solve(size_t n, const double *l, double *b)
{
    /* Forward: L y = b. */
    for (size_t i = 0; i < n; i++) {
        double s = b[i];
        for (size_t k = 0; k < i; k++)
            s -= l[i * n + k] * b[k];
        b[i] = s / l[i * n + i];
    }
    /* Backward: L^T x = y. */
    for (size_t ii = n; ii-- > 0;) {
        double s = b[ii];
        for (size_t k = ii + 1; k < n; k++)
            s -= l[k * n + ii] * b[k];
        b[ii] = s / l[ii * n + ii];
    }
}

crvm_status crvm__spd_inverse(size_t n, const double *a, double *inv)
{
    if (n == 0)
        return CRVM_OK;
    double *l = crvm__calloc(n * n, sizeof *l);
    double *col = crvm__calloc(n, sizeof *col);
    if (l == NULL || col == NULL) {
        crvm__free(l);
        crvm__free(col);
        return crvm__nomem("SPD inverse workspace");
    }
    memcpy(l, a, n * n * sizeof *l);
    crvm_status st = crvm__cholesky(n, l);
    if (st == CRVM_OK) {
        /* inv may alias a: a is no longer read after the copy above. */
        for (size_t j = 0; j < n; j++) {
            for (size_t i = 0; i < n; i++)
                col[i] = (i == j) ? 1.0 : 0.0;
            crvm__cholesky_solve(n, l, col);
            for (size_t i = 0; i < n; i++)
                inv[i * n + j] = col[i];
        }
        /* Exact symmetry. */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                double s = 0.5 * (inv[i * n + j] + inv[j * n + i]);
                inv[i * n + j] = inv[j * n + i] = s;
            }
    }
    crvm__free(l);
    crvm__free(col);
    return st;
}
