#include "crvm/common.h"

#define CRVM__STR2(x) #x
#define CRVM__STR(x) CRVM__STR2(x)

const char *crvm_version(void)
{
    return CRVM__STR(CRVM_VERSION_MAJOR) "." CRVM__STR(CRVM_VERSION_MINOR) "." CRVM__STR(CRVM_VERSION_PATCH);
}
