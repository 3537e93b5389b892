/* attack-gate-index: jumps to the gate's VMFUNC with ECX = 5, an EPTP
 * list index that names no view. Hardware exits on it; the emulation
 * reports it. Exit 67: the gate has no VMFUNC (a host backend). */
#include "../gate_jump.h"

int main(void)
{
	return gate_attack("attack-gate-index: VMFUNC to view 5 from the middle of the gate\n", 5, NULL_NOOP);
}
