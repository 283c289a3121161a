/* The tables of math/exp_table.h: 2^(j/64) and 2^(j/64) - 1 for
 * j = -32..31, each the double nearest to the exact value (computed with
 * mpmath 1.3 at 300 bits; tests/unit/test_math.c checks them against exp2l). */
#include "math/exp_table.h"

const double crvm__exp_tab_2j[64] = {
    0x1.6a09e667f3bcdp-1, 0x1.6dfb23c651a2fp-1, 0x1.71f75e8ec5f74p-1,
    0x1.75feb564267c9p-1, 0x1.7a11473eb0187p-1, 0x1.7e2f336cf4e62p-1,
    0x1.82589994cce13p-1, 0x1.868d99b4492edp-1, 0x1.8ace5422aa0dbp-1,
    0x1.8f1ae99157736p-1, 0x1.93737b0cdc5e5p-1, 0x1.97d829fde4e50p-1,
    0x1.9c49182a3f090p-1, 0x1.a0c667b5de565p-1, 0x1.a5503b23e255dp-1,
    0x1.a9e6b5579fdbfp-1, 0x1.ae89f995ad3adp-1, 0x1.b33a2b84f15fbp-1,
    0x1.b7f76f2fb5e47p-1, 0x1.bcc1e904bc1d2p-1, 0x1.c199bdd85529cp-1,
    0x1.c67f12e57d14bp-1, 0x1.cb720dcef9069p-1, 0x1.d072d4a07897cp-1,
    0x1.d5818dcfba487p-1, 0x1.da9e603db3285p-1, 0x1.dfc97337b9b5fp-1,
    0x1.e502ee78b3ff6p-1, 0x1.ea4afa2a490dap-1, 0x1.efa1bee615a27p-1,
    0x1.f50765b6e4540p-1, 0x1.fa7c1819e90d8p-1, 0x1.0000000000000p+0,
    0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0,
    0x1.1429aaea92de0p+0, 0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0,
    0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0, 0x1.2387a6e756238p+0,
    0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0,
    0x1.3a7db34e59ff7p+0, 0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0,
    0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0, 0x1.4bfdad5362a27p+0,
    0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0,
    0x1.6623882552225p+0,
};

const double crvm__exp_tab_2j_m1[64] = {
    -0x1.2bec333018867p-2, -0x1.2409b8735cba2p-2, -0x1.1c1142e274118p-2,
    -0x1.14029537b306fp-2, -0x1.0bdd71829fcf2p-2, -0x1.03a199261633cp-2,
    -0x1.f69d99accc7b6p-3, -0x1.e5c9992edb44ep-3, -0x1.d4c6af7557c93p-3,
    -0x1.c39459baa2327p-3, -0x1.b23213cc8e86cp-3, -0x1.a09f58086c6c2p-3,
    -0x1.8edb9f5703dc0p-3, -0x1.7ce6612886a6dp-3, -0x1.6abf137076a8ep-3,
    -0x1.58652aa180903p-3, -0x1.45d819a94b14bp-3, -0x1.331751ec3a814p-3,
    -0x1.20224341286e4p-3, -0x1.0cf85bed0f8b7p-3, -0x1.f332113d56b1fp-4,
    -0x1.cc0768d4175a6p-4, -0x1.a46f918837cb7p-4, -0x1.7c695afc3b424p-4,
    -0x1.53f391822dbc7p-4, -0x1.2b0cfe1266bd4p-4, -0x1.01b466423250ap-4,
    -0x1.afd11874c009ep-5, -0x1.5b505d5b6f268p-5, -0x1.05e4119ea5d89p-5,
    -0x1.5f134923757f3p-6, -0x1.60f9f985bc9f4p-7, 0x0.0p+0,
    0x1.64d1f3bc03077p-7, 0x1.66c34c5615d0fp-6, 0x1.0e8a30eb37901p-5,
    0x1.6ab0d9f3121ecp-5, 0x1.c7d865a7a3440p-5, 0x1.1301d0125b50ap-4,
    0x1.429aaea92ddfbp-4, 0x1.72b83c7d517aep-4, 0x1.a35beb6fcb754p-4,
    0x1.d4873168b9aa8p-4, 0x1.031dc431466b2p-3, 0x1.1c3d373ab11c3p-3,
    0x1.35a2b2f13e6e9p-3, 0x1.4f4efa8fef709p-3, 0x1.6942d3720185ap-3,
    0x1.837f0518db8a9p-3, 0x1.9e0459320b7fap-3, 0x1.b8d39b9d54e55p-3,
    0x1.d3ed9a72cffb7p-3, 0x1.ef5326091a112p-3, 0x1.0582887dcb8a8p-2,
    0x1.13821818624b4p-2, 0x1.21a8ad704f340p-2, 0x1.2ff6b54d8a89cp-2,
    0x1.3e6c9da74b29bp-2, 0x1.4d0ad5a753e07p-2, 0x1.5bd1cdad49f6ap-2,
    0x1.6ac1f752150a5p-2, 0x1.79dbc56b48522p-2, 0x1.891fac0e95613p-2,
    0x1.988e209548892p-2,
};
