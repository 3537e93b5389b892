/* scrub.S - the vector-state clear of the mprotect, pku and vmfunc gates,
 * as a function the application can time: XSTATE_IN and XSTATE_OUT from
 * the gates' own source (one call's worth: the clear on the way in and on
 * the way out, with the MXCSR and x87 control word saved and restored).
 * null_empty is the same call with nothing in it, for the difference. */
#include "plib_abi.h"
#include "../../guestlib/trusted/gate_common.inc"

	.text
	.globl null_scrub
null_scrub:
	XSTATE_IN
	XSTATE_OUT
	ret

	.globl null_empty
null_empty:
	ret
