/* lib.c - the xstate library: entry points that leave a secret in one
 * class of extended registers each (the gate must clear them before the
 * caller sees them), one that computes with SSE and x87 arithmetic whose
 * result depends on MXCSR and the x87 control word (the gate must give
 * it the defaults), one that returns with both changed (the caller must
 * get its own back), one that runs an AMX tile instruction (no
 * domain may use tiles: it must fault), and two that report the FS and
 * GS bases the library runs with (a switch must not carry the caller's),
 * and one that reports which of the application's values it finds in its
 * registers on entry (peek). Hand-written, so that no code the C compiler
 * chose touches these registers first. */
#include "api.h"

PLIB_LIBRARY_HEAP(4096);

long plant_xmm(long a0, long a1, long a2, long a3);
long plant_ymm(long a0, long a1, long a2, long a3);
long plant_zmm(long a0, long a1, long a2, long a3);
long plant_k(long a0, long a1, long a2, long a3);
long plant_x87(long a0, long a1, long a2, long a3);
long fp_compute(long a0, long a1, long a2, long a3);
long dirty_control(long a0, long a1, long a2, long a3);
long tile(long a0, long a1, long a2, long a3);
long fs_base(long a0, long a1, long a2, long a3);
long gs_base(long a0, long a1, long a2, long a3);
long peek(long a0, long a1, long a2, long a3);
long peek_count(long avx, long avx512);

/* What peek found in the registers on entry, before any instruction of
 * the library's touched them. */
static unsigned long seen[32][8] __attribute__((aligned(64)));
static unsigned long seen_k[8];
static unsigned char seen_fx[512] __attribute__((aligned(64)));

#define S(c) "$0x5ec2e75ec2e7000" #c

__asm__(".text\n"
	"plant_xmm:\n\t"
	"movabs " S(1) ", %rax\n\t"
	"movq %rax, %xmm0\n\t"
	"punpcklqdq %xmm0, %xmm0\n\t"	/* both quadwords */
	".irp r,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"movdqa %xmm0, %xmm\\r\n\t"
	".endr\n\t"
	"xor %eax, %eax\n\t"
	"ret\n"

	"plant_ymm:\n\t"
	"movabs " S(2) ", %rax\n\t"
	"vmovq %rax, %xmm0\n\t"
	"vpunpcklqdq %xmm0, %xmm0, %xmm0\n\t"
	"vinsertf128 $1, %xmm0, %ymm0, %ymm0\n\t"	/* the upper half too (AVX1 only) */
	".irp r,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"vmovdqa %ymm0, %ymm\\r\n\t"
	".endr\n\t"
	"xor %eax, %eax\n\t"
	"ret\n"				/* no VZEROUPPER: the secret stays */

	"plant_zmm:\n\t"
	"movabs " S(3) ", %rax\n\t"
	"vpbroadcastq %rax, %zmm0\n\t"	/* all 512 bits */
	".irp r,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
	"vmovdqa64 %zmm0, %zmm\\r\n\t"
	".endr\n\t"
	"xor %eax, %eax\n\t"
	"ret\n"

	"plant_k:\n\t"
	"mov $0x5ec7, %eax\n\t"
	".irp r,0,1,2,3,4,5,6,7\n\t"
	"kmovw %eax, %k\\r\n\t"
	".endr\n\t"
	"xor %eax, %eax\n\t"
	"ret\n"

	"plant_x87:\n\t"
	"movabs " S(4) ", %rax\n\t"
	".irp r,0,1,2,3,4,5,6,7\n\t"
	"movq %rax, %mm\\r\n\t"		/* the mantissa of each physical x87 register */
	".endr\n\t"
	"xor %eax, %eax\n\t"
	"ret\n"				/* no EMMS: the stack stays full */

	/* Each result depends on one piece of the control state: 1/10
	   (rounding: MXCSR.RC), DBL_MIN/2 (FTZ), a denormal + 0 (DAZ),
	   1/0 (an unmasked divide-by-zero faults), and the x87 1/10 in
	   extended precision (control word RC and PC) and 1/0 (its ZM). */
	"fp_compute:\n\t"
	"sub $24, %rsp\n\t"
	"movabs $0x3ff0000000000000, %rax\n\t"	/* 1.0 */
	"movq %rax, %xmm0\n\t"
	"movabs $0x4024000000000000, %rax\n\t"	/* 10.0 */
	"movq %rax, %xmm1\n\t"
	"divsd %xmm1, %xmm0\n\t"
	"movq %xmm0, %r8\n\t"
	"movabs $0x0010000000000000, %rax\n\t"	/* DBL_MIN */
	"movq %rax, %xmm0\n\t"
	"movabs $0x3fe0000000000000, %rax\n\t"	/* 0.5 */
	"movq %rax, %xmm1\n\t"
	"mulsd %xmm1, %xmm0\n\t"
	"movq %xmm0, %r9\n\t"
	"mov $1, %eax\n\t"			/* the smallest denormal */
	"movq %rax, %xmm0\n\t"
	"xorpd %xmm1, %xmm1\n\t"
	"addsd %xmm1, %xmm0\n\t"
	"movq %xmm0, %r10\n\t"
	"movabs $0x3ff0000000000000, %rax\n\t"
	"movq %rax, %xmm0\n\t"
	"divsd %xmm1, %xmm0\n\t"		/* 1/0 */
	"movq %xmm0, %r11\n\t"
	"movabs $0x4024000000000000, %rax\n\t"
	"mov %rax, (%rsp)\n\t"
	"fld1\n\t"
	"fdivl (%rsp)\n\t"			/* 1/10 in the x87's precision */
	"fstpt (%rsp)\n\t"
	"mov (%rsp), %rcx\n\t"			/* its mantissa */
	"fld1\n\t"
	"fldz\n\t"
	"fdivrp\n\t"				/* 1/0 */
	"fstpl 8(%rsp)\n\t"
	"fwait\n\t"				/* an unmasked ZE is raised here */
	"mov %r8, %rax\n\t"
	"rol $7, %r9\n\t"
	"xor %r9, %rax\n\t"
	"rol $13, %r10\n\t"
	"xor %r10, %rax\n\t"
	"rol $19, %r11\n\t"
	"xor %r11, %rax\n\t"
	"rol $29, %rcx\n\t"
	"xor %rcx, %rax\n\t"
	"mov 8(%rsp), %rcx\n\t"
	"rol $37, %rcx\n\t"
	"xor %rcx, %rax\n\t"
	"add $24, %rsp\n\t"
	"ret\n"

	"dirty_control:\n\t"
	"sub $8, %rsp\n\t"
	"movl $0xffbf, (%rsp)\n\t"		/* round toward zero, FTZ, every flag set */
	"ldmxcsr (%rsp)\n\t"
	"movw $0x0c7f, 4(%rsp)\n\t"		/* x87: chop */
	"fldcw 4(%rsp)\n\t"
	"add $8, %rsp\n\t"
	"xor %eax, %eax\n\t"
	"ret\n"

	"fs_base:\n\t"
	"rdfsbase %rax\n\t"
	"ret\n"
	"gs_base:\n\t"
	"rdgsbase %rax\n\t"
	"ret\n"

	/* peek: the registers as the library finds them on entry (a0 = the
	   CPU has AVX, a1 = AVX-512, as the application found), stored
	   before anything else runs, then counted in C. */
	"peek:\n\t"
	"fxsave64 seen_fx(%rip)\n\t"
	"lea seen(%rip), %rax\n\t"
	"test %rsi, %rsi\n\t"
	"jnz 1f\n\t"
	"test %rdi, %rdi\n\t"
	"jnz 2f\n\t"
	".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"movdqu %xmm\\r, \\r*64(%rax)\n\t"
	".endr\n\t"
	"jmp 3f\n"
	"2:\n\t"
	".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
	"vmovdqu %ymm\\r, \\r*64(%rax)\n\t"
	".endr\n\t"
	"jmp 3f\n"
	"1:\n\t"
	".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
	"vmovdqu64 %zmm\\r, \\r*64(%rax)\n\t"
	".endr\n\t"
	"lea seen_k(%rip), %rax\n\t"
	".irp r,0,1,2,3,4,5,6,7\n\t"
	"kmovw %k\\r, %ecx\n\t"
	"mov %rcx, \\r*8(%rax)\n\t"
	".endr\n"
	"3:\n\t"
	"jmp peek_count\n"

	"tile:\n\t"
	".byte 0xc4, 0xe2, 0x78, 0x49, 0xc0\n\t"	/* TILERELEASE */
	"xor %eax, %eax\n\t"
	"ret\n");

PLIB_EXPORT(0, plant_xmm);
PLIB_EXPORT(1, plant_ymm);
PLIB_EXPORT(2, plant_zmm);
PLIB_EXPORT(3, plant_k);
PLIB_EXPORT(4, plant_x87);
PLIB_EXPORT(5, fp_compute);
PLIB_EXPORT(6, dirty_control);
PLIB_EXPORT(7, tile);
PLIB_EXPORT(8, fs_base);
PLIB_EXPORT(9, gs_base);
PLIB_EXPORT(10, peek);

/* How many of n registers (w quadwords each, from first) hold the
 * application's secret in any quadword from q0 on. */
static long hits(int first, int n, int q0, int w)
{
	long k = 0;
	for (int r = first; r < first + n; r++) {
		int hit = 0;
		for (int q = q0; q < w; q++)
			hit |= seen[r][q] == XS_APP_SECRET;
		k += hit;
	}
	return k;
}

long peek_count(long avx, long avx512)
{
	long n = hits(0, 16, 0, 2) << XS_PEEK_XMM;
	if (avx || avx512)
		n |= hits(0, 16, 2, 4) << XS_PEEK_YMM;
	if (avx512) {
		long k = 0;
		for (int r = 0; r < 8; r++)
			k += (seen_k[r] & 0xffff) == XS_APP_SECRET_K;
		n |= hits(0, 16, 4, 8) << XS_PEEK_ZMM_UPPER | hits(16, 16, 0, 8) << XS_PEEK_ZMM16_31 | k << XS_PEEK_K;
	}
	long x = 0;
	for (int r = 0; r < 8; r++)
		x += *(unsigned long *)(seen_fx + 32 + 16 * r) == XS_APP_SECRET;
	return n | x << XS_PEEK_X87;
}
