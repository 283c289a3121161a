/* TEMPORARY, removed when branch math delivers it: crvm__hyp2f1_log lands on branch math later;
 * until then it reports failure so that the sBG DERL uses the direct series. */
#include "core/error.h"
#include "math/special.h"
crvm_status crvm__hyp2f1_log(double a, double b, double c, double z, double *log_abs, int *sign)
{
    (void)a; (void)b; (void)c; (void)z; (void)log_abs; (void)sign;
    return crvm__fail(CRVM_ECONVERGE, "2F1 not yet available");
}
