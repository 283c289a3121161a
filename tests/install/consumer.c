/* A minimal C11 program built against the installed library via pkg-config. */
#include <crvm/crvm.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", CRVM_VERSION_MAJOR, CRVM_VERSION_MINOR,
             CRVM_VERSION_PATCH);
    if (strcmp(crvm_version(), expected) != 0) {
        fprintf(stderr, "header %s but library %s\n", expected, crvm_version());
        return 1;
    }
    printf("consumer linked against crvm %s\n", crvm_version());
    return 0;
}
