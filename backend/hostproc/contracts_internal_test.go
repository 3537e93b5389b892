package hostproc

import (
	"debug/elf"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"plib/internal/abi"
	"plib/internal/cvalues"
)

// checkDefines demands a Go twin in want for every #define of the files
// and compares each with its value as gcc evaluates it after prelude.
func checkDefines(t *testing.T, prelude string, includes []string, want map[string]int64, files ...string) {
	t.Helper()
	for _, f := range files {
		for _, d := range cvalues.Defines(t, f) {
			if _, ok := want[d.Name]; !ok {
				t.Errorf("%s: %s has no Go twin checked here", f, d.Name)
			}
		}
	}
	cvalues.Check(t, prelude, includes, want)
}

// TestPlanHeaderMatchesGo checks guestlib/loader/plan.h, the layout of
// the plan the loader obeys, against what loaderPlan.encode writes: every
// constant, and each field's offset as the C compiler lays struct plan out.
func TestPlanHeaderMatchesGo(t *testing.T) {
	const header = "../../guestlib/loader/plan.h"
	plan := func(f string) string { return "offsetof(struct plan, " + f + ")" }
	region := func(f string) string { return "offsetof(struct plan_region, " + f + ")" }
	want := map[string]int64{
		"PLAN_MAGIC": planMagic, "PLAN_FD": loaderPlanFD, "PLAN_MAX_REGIONS": planMaxRegions,
		"PLAN_MAX_KEYS": planMaxKeys, "PLAN_MAX_FILTER": planMaxFilter, "PLAN_PRIVATE_HUGE": planPrivateHuge,
		"LOADER_EXIT_PLAN": loaderExitPlan, "LOADER_EXIT_MAP": loaderExitMap,
		"LOADER_EXIT_KEYS": loaderExitKeys, "LOADER_EXIT_FILTER": loaderExitFilter, "LOADER_EXIT_TLS": loaderExitTLS,

		// encode's order of the header words and the region words.
		plan("magic"): 0, plan("entry"): 8, plan("stack_top"): 16, plan("nkeys"): 24, plan("app_pkru"): 32,
		plan("stop"): 40, plan("nregions"): 48, plan("filter_len"): 56, plan("fs_base"): 64, plan("regions"): planHeadWords * 8,
		"sizeof(struct plan)":        planHeadWords*8 + planMaxRegions*planRegionWords*8,
		"sizeof(struct plan_region)": planRegionWords * 8,
		region("addr"):               0, region("size"): 8, region("prot"): 16, region("fd"): 24,
		region("off"): 32, region("pkey"): 40, region("flags"): 48,
		"sizeof(struct sock_filter)": int64(len(sockFilterBytes(make([]unix.SockFilter, 1)))),
	}
	checkDefines(t, `#include <linux/filter.h>
#include "plan.h"`, []string{"../../guestlib/loader"}, want, header)

	// The offsets above are encode's: a plan it writes must put each value
	// at its field.
	pl := loaderPlan{entry: 0x1111, stack: 0x2222, nkeys: 3, appPKRU: 0x4444, stop: true, fsBase: 0x5555,
		regions: []planRegion{{addr: 1, size: 2, prot: 3, fd: 4, off: 5, pkey: 6, flags: 7}},
		filter:  make([]unix.SockFilter, 2)}
	b, err := pl.encode()
	if err != nil {
		t.Fatal(err)
	}
	le := func(off int64) uint64 {
		var v uint64
		for i := int64(7); i >= 0; i-- {
			v = v<<8 | uint64(b[off+i])
		}
		return v
	}
	for off, v := range map[int64]uint64{0: planMagic, 8: 0x1111, 16: 0x2222, 24: 3, 32: 0x4444, 40: 1, 48: 1, 56: 2, 64: 0x5555} {
		if le(off) != v {
			t.Errorf("plan word at %d: %#x, want %#x", off, le(off), v)
		}
	}
	for j := range int64(planRegionWords) {
		if got := le(planHeadWords*8 + 8*j); got != uint64(j+1) {
			t.Errorf("region word %d: %d, want %d", j, got, j+1)
		}
	}
	if want := planHeadWords*8 + planMaxRegions*planRegionWords*8 + 2*8; len(b) != want {
		t.Errorf("plan of %d bytes, want %d (struct plan, then the filter)", len(b), want)
	}
}

// TestGateDefinesMatchGo checks every constant the gate sources define
// for themselves (system call numbers, futex operations, protections,
// site kinds) against the Go code that filters or reads them: the seccomp
// filter admits a gate's SYSCALL by these numbers, so a drift on either
// side breaks the gate or widens the filter. The kernel's own headers
// stand in for Go where only the kernel reads a value.
func TestGateDefinesMatchGo(t *testing.T) {
	dir := "../../guestlib/trusted/"
	files := []string{dir + "gate_common.inc", dir + "gate_none.S", dir + "gate_mprotect.S", dir + "gate_pku.S",
		dir + "gate_vmfunc.S", dir + "gate_handoff.S", dir + "gate_process.S", dir + "host_ipc.inc", dir + "vm_sys.inc"}
	kernel := cvalues.Of(t, `#include <linux/futex.h>
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 FUTEX_32 /* its name in older kernel headers */
#endif`, nil, []string{"FUTEX2_SIZE_U32", "sizeof(struct futex_waitv)"})
	want := map[string]int64{
		"SYS_FUTEX": unix.SYS_FUTEX, "FUTEX_WAIT": futexOpWait, "FUTEX_WAKE": futexOpWake,
		"GATE_SITE_FUTEX": siteFutex, "GATE_SITE_MPROTECT": siteMprotect, "GATE_SITE_FUTEX_WAITV": siteFutexWaitv,
		"SYS_MPROTECT": unix.SYS_MPROTECT, "PROT_NONE": unix.PROT_NONE,
		"PROT_RX": unix.PROT_READ | unix.PROT_EXEC, "PROT_RW": unix.PROT_READ | unix.PROT_WRITE,
		"HDR_SPIN": abi.HdrSpin, "REQ_WAITING": abi.ReqWaiting, "REQ_FAST": abi.ReqFast, "REQ_SLOW": abi.ReqSlow,
		"REQ_BELL": abi.ReqBell, "REQ_ASLEEP": abi.ReqAsleep,
		"SYS_FUTEX_WAITV": sysFutexWaitv, "FUTEX2_SIZE_U32": kernel["FUTEX2_SIZE_U32"],
		"WAITV_BYTES": kernel["sizeof(struct futex_waitv)"],
		// The serve loop's own stack frame, which nothing outside
		// gate_process.S reads: above the idle-since word, the wait list.
		"WAITV_OFF": 16, "FRAME": 16 + kernel["sizeof(struct futex_waitv)"]*abi.MaxDomains,
	}
	if sysFutexWaitv != unix.SYS_FUTEX_WAITV {
		t.Errorf("sysFutexWaitv is %d, the system's futex_waitv is %d", sysFutexWaitv, unix.SYS_FUTEX_WAITV)
	}
	var prelude strings.Builder
	prelude.WriteString("#include \"plib_abi.h\"\n")
	for _, f := range files {
		for _, d := range cvalues.Defines(t, f) {
			prelude.WriteString(d.Line + "\n")
		}
	}
	checkDefines(t, prelude.String(), []string{"../../guestlib/include"}, want, files...)
}

// TestLoaderDefinesMatchTheKernel checks the numbers the freestanding
// loader writes for itself (it has no libc headers) against Go's and the
// kernel's: a wrong system call or flag there would map, key or seal the
// image's process otherwise than the supervisor planned.
func TestLoaderDefinesMatchTheKernel(t *testing.T) {
	const loader = "../../guestlib/loader/loader.c"
	kernel := cvalues.Of(t, `#include <elf.h>
#include <linux/auxvec.h>
#include <asm-generic/mman-common.h>
#include <asm/prctl.h>`, nil, []string{"AT_SYSINFO_EHDR", "PKEY_DISABLE_ACCESS", "PKEY_DISABLE_WRITE", "ARCH_SET_FS", "ARCH_GET_FS"})
	want := map[string]int64{
		"SYS_CLOSE": unix.SYS_CLOSE, "SYS_GETPID": unix.SYS_GETPID, "SYS_KILL": unix.SYS_KILL, "SIGSTOP": int64(unix.SIGSTOP),
		"SYS_FSTAT": unix.SYS_FSTAT, "SYS_MMAP": unix.SYS_MMAP, "SYS_MUNMAP": unix.SYS_MUNMAP, "SYS_MPROTECT": unix.SYS_MPROTECT,
		"SYS_PREAD64": unix.SYS_PREAD64, "SYS_LSEEK": unix.SYS_LSEEK, "SEEK_DATA": unix.SEEK_DATA, "SEEK_HOLE": unix.SEEK_HOLE,
		"ENXIO": int64(unix.ENXIO), "SYS_MADVISE": unix.SYS_MADVISE, "SYS_EXIT_GROUP": unix.SYS_EXIT_GROUP,
		"SYS_PRCTL": unix.SYS_PRCTL, "SYS_SECCOMP": unix.SYS_SECCOMP, "SYS_PKEY_MPROTECT": unix.SYS_PKEY_MPROTECT,
		"SYS_PKEY_ALLOC": unix.SYS_PKEY_ALLOC, "PROT_READ": unix.PROT_READ, "PROT_WRITE": unix.PROT_WRITE,
		"MAP_SHARED": unix.MAP_SHARED, "MAP_PRIVATE": unix.MAP_PRIVATE, "MAP_ANONYMOUS": unix.MAP_ANONYMOUS,
		"MADV_HUGEPAGE": unix.MADV_HUGEPAGE, "HUGE_PAGE": HugePage, "MAP_FIXED_NOREPLACE": unix.MAP_FIXED_NOREPLACE,
		"PR_SET_NO_NEW_PRIVS": unix.PR_SET_NO_NEW_PRIVS, "PR_SET_DUMPABLE": unix.PR_SET_DUMPABLE,
		"SECCOMP_SET_MODE_FILTER": unix.SECCOMP_SET_MODE_FILTER, "PT_LOAD": int64(elf.PT_LOAD),
		"AT_SYSINFO_EHDR": kernel["AT_SYSINFO_EHDR"], "PKEY_DISABLE_ACCESS": kernel["PKEY_DISABLE_ACCESS"],
		"PKEY_DISABLE_WRITE": kernel["PKEY_DISABLE_WRITE"],
		"SYS_ARCH_PRCTL":     unix.SYS_ARCH_PRCTL, "ARCH_SET_FS": kernel["ARCH_SET_FS"], "ARCH_GET_FS": kernel["ARCH_GET_FS"],
	}
	var prelude strings.Builder
	for _, d := range cvalues.Defines(t, loader) {
		prelude.WriteString(d.Line + "\n")
	}
	checkDefines(t, prelude.String(), nil, want, loader)
}
