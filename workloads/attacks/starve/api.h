#ifndef STARVE_API_H
#define STARVE_API_H
#include "plib.h"
#include "plib_ids.h"
#define OUTER_VIA PLIB_ENTRY(PLIB_LIB_OUTER, 0)
#define OUTER_NOP PLIB_ENTRY(PLIB_LIB_OUTER, 1)
#define INNER_SPIN PLIB_ENTRY(PLIB_LIB_INNER, 0)
#endif
