/* attack-write: the application overwrites the null library's private
 * data directly. Isolation stops the write; exit 66 means it landed. */
#include "../../null/api.h"

extern volatile uint64_t __plib_sec_plib_lib_null_data[];

int main(void)
{
	plib_print("attack-write: overwriting the null library's private data\n");
	__plib_sec_plib_lib_null_data[PLIB_TLS_BYTES / 8] = 0xbadbadbadbadULL;
	plib_print("attack-write: write succeeded: no isolation\n");
	return PLIB_ATTACK_WON;
}
