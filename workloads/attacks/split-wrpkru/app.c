/* app.c - attack-split-wrpkru: WRPKRU, split across the boundary between the
 * application's code and the library's (see ../split.h). */
#include "../split.h"

SPLIT_TAIL("0x0f, 0x01", 2);

int main(void)
{
	return split_main("attack-split-wrpkru: calling a WRPKRU split across two code sections\n", 0, 0);
}
