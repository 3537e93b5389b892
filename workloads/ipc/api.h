/* api.h - the ipc workload's two libraries: relay (A) calls echo (B). */
#ifndef IPC_API_H
#define IPC_API_H
#include "plib.h"

#define RELAY_LIB 1
#define ECHO_LIB 2
#define RELAY_LOCAL PLIB_ENTRY(RELAY_LIB, 0) /* x -> x + 1, no nested call */
#define RELAY_VIA_ECHO PLIB_ENTRY(RELAY_LIB, 1) /* x -> echo(x) + 1: A calls B */
#define ECHO PLIB_ENTRY(ECHO_LIB, 0)          /* x -> x ^ 0x5a5a */

#endif
