/*
 * vmentry.S - entering the guest and taking it back. The guest's general
 * registers live in guest_regs (struct guest_regs in hv.h) between exits;
 * RSP, RIP and RFLAGS live in the VMCS.
 */
	.code64
	.text

.macro LOAD_GUEST
	mov guest_regs + 0x00, %rax
	mov guest_regs + 0x08, %rbx
	mov guest_regs + 0x10, %rcx
	mov guest_regs + 0x18, %rdx
	mov guest_regs + 0x20, %rsi
	mov guest_regs + 0x28, %rdi
	mov guest_regs + 0x30, %rbp
	mov guest_regs + 0x38, %r8
	mov guest_regs + 0x40, %r9
	mov guest_regs + 0x48, %r10
	mov guest_regs + 0x50, %r11
	mov guest_regs + 0x58, %r12
	mov guest_regs + 0x60, %r13
	mov guest_regs + 0x68, %r14
	mov guest_regs + 0x70, %r15
.endm

/* int vm_launch(void): enters the guest; returns 1 only if VMLAUNCH
   itself failed (then VM_INSTRUCTION_ERROR says why). */
	.global vm_launch
vm_launch:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	LOAD_GUEST
	vmlaunch
	pop %r15			/* still here: the launch failed */
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	mov $1, %eax
	ret

/* HOST_RIP: every VM exit lands here, on the exit stack (HOST_RSP). */
	.global vm_exit_entry
vm_exit_entry:
	mov %rax, guest_regs + 0x00
	mov %rbx, guest_regs + 0x08
	mov %rcx, guest_regs + 0x10
	mov %rdx, guest_regs + 0x18
	mov %rsi, guest_regs + 0x20
	mov %rdi, guest_regs + 0x28
	mov %rbp, guest_regs + 0x30
	mov %r8, guest_regs + 0x38
	mov %r9, guest_regs + 0x40
	mov %r10, guest_regs + 0x48
	mov %r11, guest_regs + 0x50
	mov %r12, guest_regs + 0x58
	mov %r13, guest_regs + 0x60
	mov %r14, guest_regs + 0x68
	mov %r15, guest_regs + 0x70
	call hv_exit			/* returns only to resume the guest */
	LOAD_GUEST
	vmresume
	call hv_resume_failed		/* does not return */
1:	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
