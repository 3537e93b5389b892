/* lib.c - hostile-print's library: it prints what would, on a raw
 * terminal, move the cursor up over the lines above it, erase them and
 * write a verdict of its own; and it ends without a newline. */
#include "plib.h"

PLIB_LIBRARY_HEAP(4096);

static long shout(long a0, long a1, long a2, long a3)
{
	plib_print("lib: \x1b[2A\x1b[2K\routcome  exited with code 0 (forged by the library)\n");
	plib_print("lib: \x1b]0;forged title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\n");
	plib_printn("\xc2", 1); /* a C1 CSI (U+009B) split across two prints */
	plib_printn("\x9b" "1A", 3);
	plib_print("\xe2\x80\xae no newline at the end");
	return 42;
}

PLIB_EXPORT(0, shout);
