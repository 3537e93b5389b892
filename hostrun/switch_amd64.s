#include "textflag.h"

// func hostEnter(ctx uintptr) (flags, mxcsr uint64)
//
// Saves what Go needs back (SP, BP, R14 = g, R15) in the switch context and
// jumps to the gate page's resume routine, which restores the image's
// registers and returns into it. The image comes back through the gate's
// sys routine, which restores SP and jumps to hostResume. flags and mxcsr
// are the RFLAGS and MXCSR Go was resumed with, so that Go can check the
// gate replaced the image's.
TEXT ·hostEnter(SB), NOSPLIT|NOFRAME, $0-24
	MOVQ ctx+0(FP), DI
	MOVQ SP, 0(DI)    // CtxGoSP: SP points at our return address
	MOVQ BP, 8(DI)    // CtxGoBP
	MOVQ R14, 16(DI)  // CtxR14
	MOVQ R15, 24(DI)  // CtxR15
	LEAQ hostResume<>(SB), AX
	MOVQ AX, 32(DI)   // CtxResume
	MOVQ $0x40000800, AX // PLIB_GATE_PAGE + PLIB_GATE_RESUME_OFF
	JMP AX

// Entered from the gate's sys routine with SP and BP restored and
// AX = the context; returns to hostEnter's caller.
TEXT hostResume<>(SB), NOSPLIT|NOFRAME, $0
	PUSHFQ
	POPQ CX
	MOVQ CX, 16(SP)   // hostEnter's flags result (SP is hostEnter's entry SP)
	MOVQ $0, 24(SP)
	STMXCSR 24(SP)    // and its mxcsr result
	MOVQ 16(AX), R14
	MOVQ 24(AX), R15
	XORPS X15, X15    // ABIInternal's zero register
	RET
