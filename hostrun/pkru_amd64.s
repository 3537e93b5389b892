#include "textflag.h"

// func rdpkru() uint32
//
// Reads this thread's PKRU. RDPKRU (0f 01 ee) only reads; the Go binary
// holds no WRPKRU, so no Go code can change PKRU.
TEXT ·rdpkru(SB), NOSPLIT, $0-4
	XORL CX, CX
	BYTE $0x0f; BYTE $0x01; BYTE $0xee // RDPKRU
	MOVL AX, ret+0(FP)
	RET

// func tsc() uint64
TEXT ·tsc(SB), NOSPLIT, $0-8
	RDTSC
	SHLQ $32, DX
	ORQ DX, AX
	MOVQ AX, ret+0(FP)
	RET
