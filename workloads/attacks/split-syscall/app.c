/* app.c - attack-split-syscall: SYSCALL, split across the boundary between the
 * application's code and the library's (see ../split.h). */
#include "../split.h"

SPLIT_TAIL("0x0f", 1);

int main(void)
{
	return split_main("attack-split-syscall: calling a SYSCALL split across two code sections\n", 39, 0);
}
