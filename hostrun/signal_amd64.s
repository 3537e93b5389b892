#include "textflag.h"

// Offsets in struct ucontext (x86-64): uc_mcontext.gregs[REG_*].
#define UC_RBP 120
#define UC_RAX 144
#define UC_RSP 160
#define UC_RIP 168
#define UC_EFL 176
#define UC_FPREGS 224 // uc_mcontext.fpregs: the saved struct _fpstate
#define FP_CWD 0      // x87 control word
#define FP_MXCSR 24
#define UC_ERR 192

// func faultTrampoline()
//
// The handler the kernel enters for SIGSEGV, SIGBUS, SIGILL, SIGFPE and
// SIGTRAP in the host child (DI = signal, SI = siginfo, DX = ucontext). A
// fault whose RIP lies in the image is a violation: record it in the switch
// context and rewrite the interrupted state so that, after rt_sigreturn,
// the thread continues in the Go side's resume label on the Go stack,
// exactly as if the image had made a platform call, and with clean flags:
// the image's TF would single-step Go, its DF would run Go's string copies
// backwards, its AC would fault Go's unaligned accesses, its MXCSR or x87
// control word could unmask a floating-point exception in Go. Any other fault is the
// Go runtime's: hand it to the handler Go installed.
TEXT ·faultTrampoline(SB), NOSPLIT|NOFRAME, $0
	MOVQ UC_RIP(DX), AX
	MOVQ $0x40000000, CX // PLIB_IMAGE_BASE
	CMPQ AX, CX
	JCS  chain
	MOVQ $0x60000000, CX // PLIB_IMAGE_LIMIT
	CMPQ AX, CX
	JCC  chain
imageFault:
	MOVQ $0x40003018, CX // PLIB_GATE_DATA + PLIB_HDR_HOSTCTX
	MOVQ (CX), CX        // the switch context
	MOVQ DI, R8
	ADDQ $0x1000, R8     // PLIB_CTX_FAULT + signal
	MOVQ R8, 56(CX)      // CtxNr
	MOVQ 16(SI), R8      // si_addr
	MOVQ R8, 64(CX)      // CtxA0
	MOVLQSX 8(SI), R8    // si_code
	MOVQ R8, 72(CX)      // CtxA1
	MOVQ AX, 80(CX)      // CtxA2: the faulting rip
	MOVQ UC_ERR(DX), R8
	MOVQ R8, 88(CX)      // CtxA3: the trap's error code
	MOVQ 0(CX), R8
	MOVQ R8, UC_RSP(DX)  // resume on the Go stack...
	MOVQ 8(CX), R8
	MOVQ R8, UC_RBP(DX)  // ...with Go's frame pointer...
	MOVQ 32(CX), R8
	MOVQ R8, UC_RIP(DX)  // ...at the resume label...
	MOVQ CX, UC_RAX(DX)  // ...which expects the context in AX...
	MOVQ $0x202, UC_EFL(DX) // ...with the flags Go assumes (IF, bit 1): no TF, DF or AC of the image's...
	MOVQ UC_FPREGS(DX), R8
	TESTQ R8, R8
	JZ   faultDone
	MOVW $0x037f, FP_CWD(R8)    // ...and the floating-point control Go assumes:
	MOVL $0x1f80, FP_MXCSR(R8)  // every exception masked, round to nearest
faultDone:
	RET                  // to the restorer: rt_sigreturn

chain:
	LEAQ ·goHandlers(SB), AX
	MOVQ (AX)(DI*8), AX
	JMP  AX

// func sigreturn()
TEXT ·sigreturn(SB), NOSPLIT|NOFRAME, $0
	MOVQ $15, AX // rt_sigreturn
	SYSCALL
	INT  $3

// func trampolineAddrs() (handler, restorer uint64)
//
// The ABI0 entry points the kernel must jump to (a Go func value would
// give the ABI wrapper instead).
TEXT ·trampolineAddrs(SB), NOSPLIT, $0-16
	LEAQ ·faultTrampoline(SB), AX
	MOVQ AX, handler+0(FP)
	LEAQ ·sigreturn(SB), AX
	MOVQ AX, restorer+8(FP)
	RET
