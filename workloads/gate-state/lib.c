/* lib.c - the gate-state library: entry points that report the state
 * they were entered with, and one that returns with every status flag
 * set, so the application can check what crosses the gate each way. */
#include "plib.h"

PLIB_LIBRARY_HEAP(4096);

long entry_flags(long a0, long a1, long a2, long a3);
long entry_stack(long a0, long a1, long a2, long a3);
long dirty_flags(long a0, long a1, long a2, long a3);

__asm__(".text\n"
	"entry_flags:\n\t"
	"pushfq\n\t"		/* RFLAGS as the gate left it */
	"pop %rax\n\t"
	"ret\n"
	"entry_stack:\n\t"
	"lea 8(%rsp), %rax\n\t"	/* the SysV ABI: rsp + 8 is 16-byte aligned at entry */
	"and $15, %eax\n\t"
	"ret\n"
	"dirty_flags:\n\t"
	"xor %eax, %eax\n\t"
	"push $0x897\n\t"	/* CF, PF, AF, SF, OF set; ZF clear */
	"popfq\n\t"
	"ret\n");

PLIB_EXPORT(0, entry_flags);
PLIB_EXPORT(1, entry_stack);
PLIB_EXPORT(2, dirty_flags);
