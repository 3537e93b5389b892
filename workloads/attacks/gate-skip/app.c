/* attack-gate-skip: jumps to the gate's VMFUNC with ECX = the library's
 * view but an entry index that was never checked (999). The code after
 * the switch re-checks and refuses. Exit 67: no VMFUNC in this gate. */
#include "../gate_jump.h"

int main(void)
{
	return gate_attack("attack-gate-skip: entering view 1 past the entry check\n", NULL_LIB, 999);
}
