/* attack-loop: the application loops forever without a platform call.
 * The backend's timer must stop it. */
#include "../../null/api.h"

int main(void)
{
	plib_print("attack-loop: looping forever\n");
	for (;;)
		__asm__ volatile("" ::: "memory");
}
