/* attack-slot-rewrite: under the handoff backend a call is posted in a
 * request slot the application can write. The attack posts lookup(0)
 * itself, waits until the library has started serving it (the library
 * says so in the argument area), then keeps rewriting the request while
 * it runs: the argument to 4 (the secret behind the table, past the
 * library's check) and the entry to marker. If the serve code read a
 * word of the slot again after checking it, the answer would be the
 * secret (66) or the marker. The serve code copies every word once
 * before it checks it: every answer is table[0] (exit 73, defeated).
 * Where there are no request slots: 67. */
#include "../slot.h"

#define VAULT 1
#define LOOKUP PLIB_ENTRY(VAULT, 0)
#define MARKER PLIB_ENTRY(VAULT, 1)

int main(void)
{
	volatile char *s = slot_to(VAULT);
	if (!s)
		return PLIB_ATTACK_NOT_APPLICABLE;
	volatile long *started = (volatile long *)plib_args(VAULT);
	long rewrites = 0, wrong = 0;
	for (int round = 0; round < 50; round++) {
		*started = 0;
		slot_post(s, LOOKUP, 0);
		while (!*started)
			;
		while (SLOT_STATE(s) != PLIB_HO_DONE) {
			SLOT_WORD(s, PLIB_HO_ARGS) = 4;
			SLOT_WORD(s, PLIB_HO_ENTRY) = MARKER;
			rewrites++;
		}
		long r = SLOT_WORD(s, PLIB_HO_RESULT);
		SLOT_STATE(s) = PLIB_HO_IDLE;
		if (r == 0x5ec7e7) {
			plib_print("attack-slot-rewrite: read the secret behind the check\n");
			return PLIB_ATTACK_WON;
		}
		wrong += r != 11;
	}
	plib_metric("rewrites_during_serve", rewrites);
	plib_metric("wrong_answers", wrong);
	if (wrong || !rewrites)
		return PLIB_ATTACK_WON;
	plib_print("attack-slot-rewrite: every answer was table[0]\n");
	return 73;
}
