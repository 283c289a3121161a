/* common.h: status codes, errors, version, fit report. The allocator is
 * process-wide and for C embedders; Python never replaces it. */
%ignore crvm_allocator;
%ignore crvm_set_allocator;
%include "crvm/common.h"
