/* attack-gadget: carries WRPKRU (0f 01 ef) and VMFUNC (0f 01 d4) byte
 * sequences at unaligned offsets inside an instruction stream, where a
 * jump could reach them. Every backend's loader must refuse the image. */
#include "../../null/api.h"

long hidden(long x)
{
	/* mov $imm32, %eax whose immediate holds the bytes: 3 bytes in. */
	__asm__ volatile("mov $0x90ef010f, %%eax\n\t"
			 "mov $0x90d4010f, %%eax" ::: "rax");
	return x + 1;
}

int main(void)
{
	return (int)hidden(65);
}
