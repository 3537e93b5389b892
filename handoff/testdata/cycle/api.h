/* api.h - the cycle test image's three libraries. */
#ifndef CYCLE_API_H
#define CYCLE_API_H
#include "plib.h"
#include "plib_ids.h"

#define A_DOWN PLIB_ENTRY(PLIB_LIB_A, 0) /* (x, depth): b.down(x, depth) + 1 */
#define A_LEAF PLIB_ENTRY(PLIB_LIB_A, 1) /* x -> x + 1 */
#define B_DOWN PLIB_ENTRY(PLIB_LIB_B, 0) /* depth 2: a.leaf(x); else c.down(x, depth) */
#define C_DOWN PLIB_ENTRY(PLIB_LIB_C, 0) /* depth 3: a.leaf(x); else x */

#endif
