/* vault.c - a library with a secret directly below a public record, and
 * one entry that copies the public record out with plib_copy_out (memcpy:
 * rep movsb). Correct code for a caller that obeys the ABI; the attack
 * shows what happens when the gate lets the caller's DF through. */
#include "plib.h"

PLIB_LIBRARY_HEAP(4096);

#define VAULT_LEN 64

/* secret then public, adjacent: public[-1] is the secret's last byte. */
static struct {
	char secret[VAULT_LEN];
	char public[VAULT_LEN];
} vault = {
	"vault-secret:0123456789abcdef0123456789abcdef0123456789abcdef..",
	"vault-public:the record every caller may read...................",
};

/* Copies len (<= VAULT_LEN) bytes of the public record to offset off. */
static long read_public(long off, long len, long a2, long a3)
{
	if (len < 0 || len > VAULT_LEN)
		return -1;
	return plib_copy_out(off, vault.public, len) ? -1 : len;
}

/* Prints the public record: a platform call made by the library, of its
 * own memory (lib-print: the platform must know it is the library's). */
static long announce(long a0, long a1, long a2, long a3)
{
	plib_printn(vault.public, VAULT_LEN);
	plib_print("\n");
	return 0;
}

PLIB_EXPORT(0, read_public);
PLIB_EXPORT(1, announce);
