/* attack-deputy: a confused-deputy attempt: the application asks the
 * platform to print the library's private data for it. The platform reads
 * memory only as the calling domain sees it. */
#include "../../null/api.h"

extern char __plib_sec_plib_lib_null_data[];

int main(void)
{
	plib_print("attack-deputy: asking the platform to print library memory\n");
	plib_printn(__plib_sec_plib_lib_null_data + PLIB_TLS_BYTES, 16); /* its secret, past its TLS block */
	plib_print("\nattack-deputy: the platform printed it: no isolation\n");
	return PLIB_ATTACK_WON;
}
