/* Private: whether the retention code's hot loops are also compiled as AVX2
 * clones, and whether this processor can take them. A clone is the same code
 * with the same operations in the same order (no FMA: ISO C mode contracts
 * nothing), so it gives the same bits; tests compare the two byte for byte. */
#ifndef CRVM_RETENTION_AVX2_CLONES_H
#define CRVM_RETENTION_AVX2_CLONES_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRVM__RCOV_AVX2_CLONES 1
#else
#define CRVM__RCOV_AVX2_CLONES 0
#endif

/* 1 if the AVX2 clones can run here (cov_nodes.c). */
int crvm__rcov_avx2(void);

#endif
