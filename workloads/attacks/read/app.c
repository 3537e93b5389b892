/* app.c - attack-read: the application reads the null library's private
 * data directly, without its gate. Under an isolating backend the read
 * faults and the workload is stopped; if it ever returns, isolation is
 * absent and the app says so (exit code 66). */
#include "../../null/api.h"

/* The library's data pages, from the image's linker script (its secret
 * follows its TLS block, PLIB_TLS_BYTES at their start): the
 * attacker knows the layout. */
extern volatile uint64_t __plib_sec_plib_lib_null_data[];

int main(void)
{
	plib_print("attack-read: reading the null library's private data\n");
	uint64_t v = __plib_sec_plib_lib_null_data[PLIB_TLS_BYTES / 8];
	plib_metric("stolen", (long)v);
	plib_print("attack-read: read succeeded: no isolation\n");
	return PLIB_ATTACK_WON;
}
