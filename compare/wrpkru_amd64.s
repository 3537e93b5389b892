#include "textflag.h"

// func wrpkrus(n int)
// Writes PKRU n times with the value it already holds: the pku gate's
// floor, one WRPKRU per write. Called only where CPUID says PKU and
// OSPKE (RDPKRU and WRPKRU raise #UD otherwise).
TEXT ·wrpkrus(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), R8
	XORL CX, CX
	BYTE $0x0f; BYTE $0x01; BYTE $0xee // RDPKRU: EAX = PKRU (ECX must be 0; EDX = 0)
loop:
	TESTQ R8, R8
	JZ done
	XORL CX, CX
	XORL DX, DX
	BYTE $0x0f; BYTE $0x01; BYTE $0xef // WRPKRU: PKRU = EAX (ECX, EDX must be 0)
	DECQ R8
	JMP loop
done:
	RET
