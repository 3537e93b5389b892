/* attack-gate-skip: jumps to the gate's VMFUNC with ECX = the library's
 * view but an entry index that was never checked (999). The code after
 * the switch re-checks and refuses. Exit 67: no VMFUNC in this gate. */
#include "../gate_jump.h"

int main(void)
{
	const unsigned char *v = find_vmfunc();
	if (!v) {
		plib_print("attack-gate-skip: no VMFUNC in this backend's gate\n");
		return 67;
	}
	plib_print("attack-gate-skip: entering view 1 past the entry check\n");
	jump_into_gate(v, NULL_LIB, 999);
	return 66;
}
