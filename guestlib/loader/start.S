/*
 * start.S - the loader's entry point and its last act. The kernel starts
 * _start with rsp at argc; loader_main gets that pointer (for the auxiliary
 * vector). launch() clears every register and jumps to the image.
 */
	.text
	.globl _start
_start:
	mov %rsp, %rdi			/* argc, argv, envp, auxv */
	and $-16, %rsp
	call loader_main
	ud2				/* loader_main never returns */

/* void launch(uint64_t entry, uint64_t stack) */
	.globl launch
launch:
	mov %rsi, %rsp			/* the image's stack */
	mov %rdi, %r11
	xor %eax, %eax			/* nothing of the loader's crosses into the image */
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	push $2
	popfq				/* RFLAGS: DF, AC, TF and the status flags clear */
	jmp *%r11

/* long sys6(nr, a0, a1, a2, a3, a4, a5): a system call, before the filter. */
	.globl sys6
sys6:
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	mov %rcx, %rdx
	mov %r8, %r10			/* the kernel takes the fourth argument in r10 */
	mov %r9, %r8
	mov 8(%rsp), %r9
	syscall
	ret

	.section .note.GNU-stack, "", @progbits
