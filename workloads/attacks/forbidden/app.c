/* attack-forbidden: carries a VMFUNC instruction in its own code. The
 * loader must refuse the image before anything runs. */
#include "../../null/api.h"

void forge(void)
{
	__asm__ volatile(".byte 0x0f, 0x01, 0xd4"); /* VMFUNC */
}

int main(void)
{
	forge();
	return PLIB_ATTACK_WON;
}
