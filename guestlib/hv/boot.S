/*
 * boot.S - entry of guestlib's hypervisor mode: a multiboot (v1) kernel.
 * GRUB enters in 32-bit protected mode with paging off; this identity-maps
 * the first 4 GiB with 2 MiB pages, turns on long mode and calls
 * hv_main(multiboot info) on a 64-bit stack.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* align modules, memory map, load addresses below */

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header			/* header_addr */
	.long __load_start		/* load_addr */
	.long __load_end		/* load_end_addr */
	.long __bss_end			/* bss_end_addr: GRUB zeroes the bss */
	.long start32			/* entry_addr */

	.section .text
	.code32
	.global start32
start32:
	cli
	mov %ebx, %edi			/* multiboot info: hv_main's argument */
	mov $boot_stack_top, %esp
	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; each PD: 512 x 2 MiB. */
	mov $pml4, %eax
	mov $pdpt, %ebx
	or $3, %ebx			/* present, writable */
	mov %ebx, (%eax)
	mov $pdpt, %eax
	mov $pds, %ebx
	or $3, %ebx
	mov $4, %ecx
1:	mov %ebx, (%eax)
	add $8, %eax
	add $4096, %ebx
	loop 1b
	mov $pds, %eax
	mov $0x83, %ebx			/* present, writable, 2 MiB page */
	xor %edx, %edx			/* high half of the physical address */
	mov $2048, %ecx
2:	mov %ebx, (%eax)
	mov %edx, 4(%eax)
	add $8, %eax
	add $0x200000, %ebx
	jnc 3f
	inc %edx			/* crossed 4 GiB: never, with 2048 entries */
3:	loop 2b

	mov $pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $(1 << 5), %eax		/* PAE */
	mov %eax, %cr4
	mov $0xc0000080, %ecx		/* IA32_EFER */
	rdmsr
	or $(1 << 8), %eax		/* LME */
	wrmsr
	mov %cr0, %eax
	or $((1 << 31) | (1 << 0)), %eax	/* paging, protection */
	mov %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $start64

	.code64
start64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	mov $hv_stack_top, %rsp
	/* TSS descriptor base: a host TR is mandatory for VM exits. */
	mov $hv_tss, %rax
	mov %ax, gdt_tss + 2
	shr $16, %rax
	mov %al, gdt_tss + 4
	mov %ah, gdt_tss + 7
	shr $16, %rax
	mov %eax, gdt_tss + 8
	mov $0x18, %ax
	ltr %ax
	call hv_main			/* rdi: the multiboot info */
4:	hlt
	jmp 4b

	.section .data
	.align 16
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
gdt_tss:
	.quad 0x0000890000000067	/* 0x18: 64-bit TSS (base filled in above), limit 0x67 */
	.quad 0
gdt_end:
	.global gdt_ptr
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.section .bss
	.align 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pds:	.skip 4 * 4096
	.global hv_tss
hv_tss:	.skip 4096
	.skip 4096
boot_stack_top:
	.skip 16384
	.global hv_stack_top
hv_stack_top:

	.section .note.GNU-stack, "", @progbits
