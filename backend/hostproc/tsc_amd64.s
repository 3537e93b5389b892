#include "textflag.h"

// func tsc() uint64
//
// The time-stamp counter, the clock the gates record a call's start in.
TEXT ·tsc(SB), NOSPLIT, $0-8
	RDTSC
	SHLQ $32, DX
	ORQ DX, AX
	MOVQ AX, ret+0(FP)
	RET
