/* api.h - the tls library's entry points. */
#ifndef TLS_API_H
#define TLS_API_H
#include "plib.h"

#define TLS_LIB 1
#define TLS_CHECK PLIB_ENTRY(TLS_LIB, 0)  /* checks its own TLS, keeps a0 there, returns the previous a0 (-1: wrong TLS) */
#define TLS_SELF PLIB_ENTRY(TLS_LIB, 1)   /* returns its self pointer (%fs:0) */
#define TLS_CANARY PLIB_ENTRY(TLS_LIB, 2) /* returns its stack canary (%fs:0x28) */
#define TLS_SMASH PLIB_ENTRY(TLS_LIB, 3)  /* overruns a stack buffer by a0 - 16 bytes */

#endif
