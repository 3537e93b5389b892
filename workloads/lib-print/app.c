/* app.c - lib-print: a library makes a platform call with its own memory
 * (the vault prints its public record). The platform may read a domain's
 * memory only for that domain, so it must know the call is the
 * library's: from the library's trusted slot, which shows the call the
 * gate opened, never from anything the app can write. Exit 0: printed. */
#include "plib.h"

int main(void)
{
	return plib_call(PLIB_ENTRY(1, 1), 0, 0, 0, 0) == 0 ? 0 : 1;
}
