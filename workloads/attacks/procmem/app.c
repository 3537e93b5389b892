/* app.c - attack-procmem: read a library's memory through the kernel.
 * Image code may not contain SYSCALL, so the app borrows one
 * (../gadget.h), then opens
 * /proc/self/mem and reads the vault's private record at its address: the
 * kernel would ignore page rights and protection keys for that read. Exit
 * 66: the secret was read (not stopped); the host backends' seccomp filter
 * ends the run at the first borrowed system call. Under vmfunc there is
 * nothing at 0x400000 in the guest: the search itself faults. */
#include "../gadget.h"

#define SYS_OPEN 2
#define SYS_PREAD64 17

extern char __plib_sec_plib_lib_vault_data[];

int main(void)
{
	plib_print("attack-procmem: looking for a syscall; ret sequence below the image\n");
	const unsigned char *gadget = find_syscall_ret();
	if (!gadget)
		return PLIB_ATTACK_NOT_APPLICABLE;
	static const char path[] = "/proc/self/mem";
	long fd = call_gadget(gadget, SYS_OPEN, (long)path, 2 /* O_RDWR */, 0, 0);
	plib_metric("open_result", fd);
	if (fd < 0)
		return PLIB_ATTACK_REFUSED; /* refused without ending the run */
	char *args = plib_args(1);
	long n = call_gadget(gadget, SYS_PREAD64, fd, (long)args, 64, (long)__plib_sec_plib_lib_vault_data);
	plib_metric("pread_result", n);
	if (n == 64 && memcmp(args, "vault-secret:", 13) == 0) {
		plib_print("attack-procmem: read the vault's secret through /proc/self/mem\n");
		return PLIB_ATTACK_WON;
	}
	return 1;
}
