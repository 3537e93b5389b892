/* attack-gate-index: jumps to the gate's VMFUNC with ECX = 5, an EPTP
 * list index that names no view. Hardware exits on it; the emulation
 * reports it. Exit 67: the gate has no VMFUNC (a host backend). */
#include "../gate_jump.h"

int main(void)
{
	const unsigned char *v = find_vmfunc();
	if (!v) {
		plib_print("attack-gate-index: no VMFUNC in this backend's gate\n");
		return 67;
	}
	plib_print("attack-gate-index: VMFUNC to view 5 from the middle of the gate\n");
	jump_into_gate(v, 5, NULL_NOOP);
	return 66;
}
