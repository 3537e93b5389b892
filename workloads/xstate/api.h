/* api.h - the xstate library's entry points (lib.c). */
#ifndef XSTATE_API_H
#define XSTATE_API_H
#include "plib.h"

#define XS_LIB 1
#define XS_PLANT_XMM PLIB_ENTRY(XS_LIB, 0)  /* xmm0-15 = the secret (SSE) */
#define XS_PLANT_YMM PLIB_ENTRY(XS_LIB, 1)  /* ymm0-15, upper halves too (AVX) */
#define XS_PLANT_ZMM PLIB_ENTRY(XS_LIB, 2)  /* zmm0-31 whole (AVX-512F) */
#define XS_PLANT_K PLIB_ENTRY(XS_LIB, 3)    /* k0-7 (AVX-512F) */
#define XS_PLANT_X87 PLIB_ENTRY(XS_LIB, 4)  /* mm0-7 = st0-7 mantissas (MMX) */
#define XS_FP_COMPUTE PLIB_ENTRY(XS_LIB, 5) /* SSE and x87 arithmetic that depends on MXCSR and the control word: its digest */
#define XS_DIRTY_CONTROL PLIB_ENTRY(XS_LIB, 6) /* returns with MXCSR and the x87 control word changed */
#define XS_TILE PLIB_ENTRY(XS_LIB, 7)       /* TILERELEASE (AMX): must fault */
#define XS_FS_BASE PLIB_ENTRY(XS_LIB, 8)    /* the FS base the library runs with (RDFSBASE) */
#define XS_GS_BASE PLIB_ENTRY(XS_LIB, 9)    /* the GS base (RDGSBASE) */
#define XS_PEEK PLIB_ENTRY(XS_LIB, 10)      /* a0 = AVX, a1 = AVX-512: how many registers of each class hold the app's secret (XS_PEEK_* fields) */

#define XS_SECRET 0x5ec2e75ec2e70000UL /* | class: the value a library leaves behind */
#define XS_SECRET_K 0x5ec7             /* k0-7 hold 16 bits without AVX512BW */
#define XS_APP_SECRET 0xa99a5ec2e7a99a00UL /* what the application leaves in every class before XS_PEEK */
#define XS_APP_SECRET_K 0xa99a
/* XS_PEEK's result: a count per class, 6 bits each, at these shifts. */
#define XS_PEEK_XMM 0        /* xmm0-15, the low 128 bits */
#define XS_PEEK_YMM 6        /* ymm0-15, the upper 128 bits */
#define XS_PEEK_ZMM_UPPER 12 /* zmm0-15, the upper 256 bits */
#define XS_PEEK_ZMM16_31 18
#define XS_PEEK_K 24
#define XS_PEEK_X87 30

#endif
