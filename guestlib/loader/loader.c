/*
 * loader.c - the host backends' loader: the only program the image's
 * process runs besides the image. It maps what the supervisor's plan says,
 * allocates the protection keys, gives up the vDSO, locks itself down with
 * the plan's seccomp filter and jumps to the image. It holds no state the
 * image could use afterwards: its own code stays mapped, but the filter
 * admits system calls only from the gate pages.
 *
 * Freestanding: no libc (glibc's pkey_set holds a WRPKRU), no stack
 * protector; built by internal/guestbin/build.sh and scanned by hostproc's tests for
 * WRPKRU, XRSTOR and VMFUNC byte sequences.
 */
#include "plan.h"

#define SYS_CLOSE 3
#define SYS_GETPID 39
#define SYS_KILL 62
#define SIGSTOP 19
#define SYS_FSTAT 5
#define SYS_MMAP 9
#define SYS_MUNMAP 11
#define SYS_MPROTECT 10
#define SYS_PREAD64 17
#define SYS_LSEEK 8
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define ENXIO 6
#define SYS_MADVISE 28
#define SYS_EXIT_GROUP 231
#define SYS_PRCTL 157
#define SYS_SECCOMP 317
#define SYS_ARCH_PRCTL 158
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define SYS_PKEY_MPROTECT 329
#define SYS_PKEY_ALLOC 330

#define PROT_READ 1
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_ANONYMOUS 0x20
#define PROT_WRITE 2
#define MADV_HUGEPAGE 14
#define HUGE_PAGE (2ULL << 20)
#define MAP_FIXED_NOREPLACE 0x100000
#define PR_SET_NO_NEW_PRIVS 38
#define PR_SET_DUMPABLE 4
#define SECCOMP_SET_MODE_FILTER 1
#define PKEY_DISABLE_ACCESS 1
#define PKEY_DISABLE_WRITE 2
#define AT_SYSINFO_EHDR 33
#define PT_LOAD 1

long sys6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* RDPKRU: reads this thread's key rights (only a WRPKRU could change them). */
static uint64_t rdpkru(void)
{
	uint32_t eax, edx;
	__asm__ volatile(".byte 0x0f, 0x01, 0xee" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}
void launch(uint64_t entry, uint64_t stack) __attribute__((noreturn));

static void __attribute__((noreturn)) die(int code)
{
	for (;;)
		sys6(SYS_EXIT_GROUP, code, 0, 0, 0, 0, 0);
}

struct sock_fprog {
	unsigned short len;
	const void *filter;
};

/* The vDSO's size, from its program headers (it is an ELF image). */
static uint64_t vdso_size(const unsigned char *base)
{
	uint64_t phoff = *(const uint64_t *)(base + 0x20);
	uint16_t phentsize = *(const uint16_t *)(base + 0x36);
	uint16_t phnum = *(const uint16_t *)(base + 0x38);
	uint64_t end = 0;
	for (int i = 0; i < phnum; i++) {
		const unsigned char *ph = base + phoff + (uint64_t)i * phentsize;
		if (*(const uint32_t *)ph != PT_LOAD)
			continue;
		uint64_t vaddr = *(const uint64_t *)(ph + 0x10);
		uint64_t memsz = *(const uint64_t *)(ph + 0x28);
		if (vaddr + memsz > end)
			end = vaddr + memsz;
	}
	return (end + 4095) & ~4095ULL;
}

/* A PLAN_PRIVATE_HUGE region: private anonymous memory, 2 MiB-aligned,
   asking for transparent huge pages before anything touches it; then
   the file's bytes are copied in (each first write to a 2 MiB page
   faults in a whole huge page where the host allows them) and the
   region gets its rights. Only the file's data is copied, not its holes
   (the supervisor writes no page of zeros into it): a 2 MiB page nothing
   was copied into stays unpopulated, and an mprotect passes over it at
   no cost until the library touches it (and faults in a huge page).
   Whether the pages did come out huge is for the supervisor to read
   (smaps), not for this program to claim. */
static void map_private_huge(const struct plan_region *r)
{
	if ((r->addr | r->size) & (HUGE_PAGE - 1) || r->pkey)
		die(LOADER_EXIT_PLAN);
	long a = sys6(SYS_MMAP, r->addr, r->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (a != (long)r->addr)
		die(LOADER_EXIT_MAP);
	sys6(SYS_MADVISE, r->addr, r->size, MADV_HUGEPAGE, 0, 0, 0); /* refused where THP is not built in: 4 KiB pages then */
	uint64_t end = r->off + r->size;
	for (uint64_t at = r->off; at < end;) {
		long data = sys6(SYS_LSEEK, r->fd, at, SEEK_DATA, 0, 0, 0);
		if (data == -ENXIO || (data >= 0 && (uint64_t)data >= end))
			break; /* nothing but holes from here */
		long hole = data < 0 ? data : sys6(SYS_LSEEK, r->fd, data, SEEK_HOLE, 0, 0, 0);
		if (hole < 0 && hole > -4096)
			die(LOADER_EXIT_MAP);
		if ((uint64_t)hole > end)
			hole = end;
		for (at = data; at < (uint64_t)hole;) {
			long n = sys6(SYS_PREAD64, r->fd, r->addr + (at - r->off), hole - at, at, 0, 0);
			if (n <= 0)
				die(LOADER_EXIT_MAP);
			at += n;
		}
	}
	if (sys6(SYS_MPROTECT, r->addr, r->size, r->prot, 0, 0, 0) != 0)
		die(LOADER_EXIT_MAP);
}

void __attribute__((noreturn)) loader_main(uint64_t *sp)
{
	/* argc, argv..., 0, envp..., 0, auxv pairs */
	uint64_t *p = sp + 1 + sp[0] + 1;
	while (*p)
		p++;
	uint64_t vdso = 0;
	for (p++; p[0]; p += 2)
		if (p[0] == AT_SYSINFO_EHDR)
			vdso = p[1];

	struct { uint64_t pad[6]; int64_t size; uint64_t rest[11]; } st;
	if (sys6(SYS_FSTAT, PLAN_FD, (long)&st, 0, 0, 0, 0) < 0 || st.size < (int64_t)sizeof(struct plan))
		die(LOADER_EXIT_PLAN);
	long m = sys6(SYS_MMAP, 0, st.size, PROT_READ, MAP_PRIVATE, PLAN_FD, 0);
	if (m < 0 && m > -4096)
		die(LOADER_EXIT_PLAN);
	const struct plan *plan = (const struct plan *)m;
	if (plan->magic != PLAN_MAGIC || plan->nregions > PLAN_MAX_REGIONS || plan->nkeys > PLAN_MAX_KEYS ||
	    plan->filter_len == 0 || plan->filter_len > PLAN_MAX_FILTER ||
	    (uint64_t)st.size < sizeof(struct plan) + plan->filter_len * 8)
		die(LOADER_EXIT_PLAN);

	/* Keys first: each is allocated access- and write-disabled, which
	   also sets this thread's rights to it (no WRPKRU in this program);
	   then the rights must be exactly the application's. */
	for (uint64_t k = 1; k <= plan->nkeys; k++)
		if (sys6(SYS_PKEY_ALLOC, 0, PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE, 0, 0, 0, 0) != (long)k)
			die(LOADER_EXIT_KEYS);
	if (plan->nkeys && rdpkru() != plan->app_pkru)
		die(LOADER_EXIT_KEYS);

	for (uint64_t i = 0; i < plan->nregions; i++) {
		const struct plan_region *r = &plan->regions[i];
		if (r->flags & ~(uint64_t)PLAN_PRIVATE_HUGE)
			die(LOADER_EXIT_PLAN);
		if (r->flags & PLAN_PRIVATE_HUGE) {
			map_private_huge(r);
			continue;
		}
		long a = sys6(SYS_MMAP, r->addr, r->size, r->prot, MAP_SHARED | MAP_FIXED_NOREPLACE, r->fd, r->off);
		if (a != (long)r->addr)
			die(LOADER_EXIT_MAP);
		if (r->pkey && sys6(SYS_PKEY_MPROTECT, r->addr, r->size, r->prot, r->pkey, 0, 0) != 0)
			die(LOADER_EXIT_KEYS);
	}
	for (int fd = PLAN_FD; fd < 16; fd++) /* the mappings (the plan's too) stay; the descriptors go */
		sys6(SYS_CLOSE, fd, 0, 0, 0, 0, 0);
	if (vdso)
		sys6(SYS_MUNMAP, vdso, vdso_size((const unsigned char *)vdso), 0, 0, 0, 0);
	if (plan->stop) /* the supervisor scans what is now executable here */
		sys6(SYS_KILL, sys6(SYS_GETPID, 0, 0, 0, 0, 0, 0), SIGSTOP, 0, 0, 0, 0);

	/* The image's thread pointer: its domain's TLS block (the supervisor
	   wrote the block's self pointer and canary). A system call, not
	   WRFSBASE: no code of this program may hold that instruction. */
	uint64_t fs = 0;
	if (plan->fs_base == 0 || sys6(SYS_ARCH_PRCTL, ARCH_SET_FS, plan->fs_base, 0, 0, 0, 0) != 0 ||
	    sys6(SYS_ARCH_PRCTL, ARCH_GET_FS, (long)&fs, 0, 0, 0, 0) != 0 || fs != plan->fs_base)
		die(LOADER_EXIT_TLS);

	struct sock_fprog prog = {(unsigned short)plan->filter_len, (const char *)plan + sizeof(struct plan)};
	uint64_t entry = plan->entry, stack = plan->stack_top;
	if (sys6(SYS_PRCTL, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) != 0 ||
	    sys6(SYS_PRCTL, PR_SET_DUMPABLE, 0, 0, 0, 0, 0) != 0)
		die(LOADER_EXIT_FILTER);
	/* The filter is copied by the kernel: the plan can go after it. */
	if (sys6(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0) != 0)
		die(LOADER_EXIT_FILTER);
	/* From here the only system calls that pass are the gate pages'. */
	launch(entry, stack);
}
