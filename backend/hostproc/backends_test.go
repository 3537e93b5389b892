package hostproc_test

import (
	"context"
	"io"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/image"
	"plib/internal/testimages"
)

// TestHostBackendAttacks runs each attack under each host backend and
// checks the outcome: kind of violation, or a plain exit where the backend
// does not isolate.
func TestHostBackendAttacks(t *testing.T) {
	type outcome struct {
		kind backend.ViolationKind // violation kind, or "" for an exit
		exit int64
	}
	cases := []struct {
		image string
		want  map[string]outcome
	}{
		{"attack-read", map[string]outcome{"none": {"", 66}, "mprotect": {"read", 0}, "process": {"read", 0}}},
		{"attack-write", map[string]outcome{"none": {"", 66}, "mprotect": {"write", 0}, "process": {"write", 0}}},
		{"attack-exec", map[string]outcome{"none": {"", 66}, "mprotect": {"execute", 0}, "process": {"execute", 0}}},
		{"attack-deputy", map[string]outcome{"none": {"", 66}, "mprotect": {"platform-call", 0}, "process": {"platform-call", 0}}},
		{"attack-gate-entry", map[string]outcome{"none": {"gate", 0}, "mprotect": {"gate", 0}, "process": {"gate", 0}}},
		{"attack-gate-index", map[string]outcome{"none": {"", 67}, "mprotect": {"", 67}, "process": {"", 67}}},
		{"attack-unmap", map[string]outcome{"none": {"syscall", 0}, "mprotect": {"syscall", 0}, "process": {"syscall", 0}}},
		{"attack-toctou", map[string]outcome{"none": {"", 69}, "mprotect": {"", 69}, "process": {"", 69}}},
		{"null", map[string]outcome{"none": {"", 0}, "mprotect": {"", 0}, "process": {"", 0}}},
		// DF across the gate: none lets it through and the secret leaks
		// (66), which is what shows the attack is real.
		{"attack-direction", map[string]outcome{"none": {"", 66}, "mprotect": {"", 70}, "process": {"", 70}}},
		{"attack-fpstate", map[string]outcome{"none": {"", 71}, "mprotect": {"", 71}, "process": {"", 71}}},
		{"attack-trap", map[string]outcome{"none": {"exception", 0}, "mprotect": {"exception", 0}, "process": {"exception", 0}}},
		// The flags and stack each gate gives a library, and the flags it
		// gives back; none establishes nothing (its call is a plain jump),
		// so the workload's checks fail there: they can fail.
		{"gate-state", map[string]outcome{"none": {"", 1}, "mprotect": {"", 0}, "process": {"", 0}}},
		// System calls: only the gate's own pass, from the gate pages.
		{"attack-procmem", map[string]outcome{"none": {"syscall", 0}, "mprotect": {"syscall", 0}, "process": {"syscall", 0}}},
		{"attack-gate-syscall", map[string]outcome{"none": {"syscall", 0}, "mprotect": {"syscall", 0}, "process": {"syscall", 0}}},
		// A forged caller: refused before anything is printed.
		{"attack-caller", map[string]outcome{"mprotect": {"platform-call", 0}, "process": {"platform-call", 0}}},
		// A library's own platform call is the library's (attested by its slot).
		{"lib-print", map[string]outcome{"none": {"", 0}, "mprotect": {"", 0}, "process": {"", 0}}},
		// Forged request pages: the app's write reaches only its own channel.
		{"attack-channel", map[string]outcome{"process": {"", 72}}},
	}
	backends := map[string]backend.Backend{"none": none, "mprotect": mprotect, "process": process}
	for _, c := range cases {
		for name, want := range c.want {
			t.Run(c.image+"/"+name, func(t *testing.T) {
				p := testimages.Path(t, c.image)
				img, err := image.Load(p)
				if err != nil {
					t.Fatal(err)
				}
				res, err := backend.Run(context.Background(), backends[name], img, p, backend.Options{Timeout: time.Minute, Output: io.Discard,
					Params: map[string]int64{"iterations": 100, "rounds": 1}})
				if err != nil {
					t.Fatal(err)
				}
				if want.kind == "" {
					if res.Violation != nil || !res.Exited || res.ExitCode != want.exit {
						t.Fatalf("want exit %d, got %+v violation %+v", want.exit, res, res.Violation)
					}
					return
				}
				if res.Violation == nil || res.Violation.Kind != want.kind || res.Violation.Domain != "app" {
					t.Fatalf("want a %s violation by app, got %+v", want.kind, res.Violation)
				}
			})
		}
	}
}

// hostBackendsHere are the host backends that run on any Linux machine
// (pku needs protection keys: its tests run under QEMU TCG).
var hostBackendsHere = map[string]backend.Backend{"none": none, "mprotect": mprotect, "process": process}

// TestVerdictOracle: a run with a canary plants it in every library's
// slot and finds it wherever the application put it, whatever the
// application claims: attack-hide reads it under none (no isolation),
// prints it and exits 69 ("defeated"); the oracle reports the leak. Under
// an isolating backend the read faults and nothing leaks; a clean run
// leaks nothing either.
func TestVerdictOracle(t *testing.T) {
	canary := []byte("plib-oracle-0123")
	run := func(b backend.Backend, name string) *backend.Result {
		t.Helper()
		p := testimages.Path(t, name)
		img, err := image.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := backend.Run(context.Background(), b, img, p, backend.Options{Timeout: time.Minute, Output: io.Discard, Canary: canary,
			Params: map[string]int64{"iterations": 100, "rounds": 1}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := run(none, "attack-hide"); res.Leaked == "" || !res.Exited || res.ExitCode != 69 {
		t.Errorf("attack-hide under none: leaked %q, exit %d: the oracle missed a leak the attack hid", res.Leaked, res.ExitCode)
	}
	for _, b := range []backend.Backend{mprotect, process} {
		if res := run(b, "attack-hide"); res.Leaked != "" || res.Violation == nil {
			t.Errorf("attack-hide under %s: leaked %q, violation %v", b.Name(), res.Leaked, res.Violation)
		}
		if res := run(b, "kv"); res.Leaked != "" || res.ExitCode != 0 {
			t.Errorf("kv under %s: leaked %q, exit %d", b.Name(), res.Leaked, res.ExitCode)
		}
	}
}

// TestEverySystemCallIsRefused makes each system call that could reach a
// library's memory or rights, or forge the verdict, from image code
// through a borrowed SYSCALL, under every host backend here: each ends
// the run with SIGSYS, reported as a syscall violation naming it.
func TestEverySystemCallIsRefused(t *testing.T) {
	calls := map[string]int64{
		"write (descriptor 3: a forged result)": unix.SYS_WRITE, "open": unix.SYS_OPEN, "mmap": unix.SYS_MMAP,
		"madvise": unix.SYS_MADVISE, "mremap": unix.SYS_MREMAP, "rt_sigreturn": unix.SYS_RT_SIGRETURN,
		"rt_sigaction": unix.SYS_RT_SIGACTION, "clone": unix.SYS_CLONE, "execve": unix.SYS_EXECVE, "kill": unix.SYS_KILL,
		"ptrace": unix.SYS_PTRACE, "arch_prctl": unix.SYS_ARCH_PRCTL, "modify_ldt": unix.SYS_MODIFY_LDT,
		"process_vm_readv": unix.SYS_PROCESS_VM_READV, "process_vm_writev": unix.SYS_PROCESS_VM_WRITEV,
		"userfaultfd": unix.SYS_USERFAULTFD, "io_uring_setup": unix.SYS_IO_URING_SETUP, "pkey_alloc": unix.SYS_PKEY_ALLOC,
	}
	for name, b := range map[string]backend.Backend{"none": none, "mprotect": mprotect, "process": process} {
		for call, nr := range calls {
			t.Run(name+"/"+call, func(t *testing.T) {
				res, out := runBackend(t, b, "attack-syscalls", map[string]int64{"nr": nr})
				v := res.Violation
				if v == nil || v.Kind != "syscall" || v.Address != uint64(nr) {
					t.Fatalf("%s (%d): want a syscall violation, got %+v %+v\n%s", call, nr, res, v, out)
				}
			})
		}
	}
}

// TestGateSyscallSitesAdmitOnlyTheirOwnCall jumps onto every SYSCALL in
// each host gate with an mprotect of the app's choosing, the app's code
// to RWX and the null library's private memory open exactly as the
// mprotect gate opens it: a futex site admits no mprotect, and the
// mprotect gate's own sites re-check their arguments, so each try ends
// the run with a violation and never returns with the library open.
func TestGateSyscallSitesAdmitOnlyTheirOwnCall(t *testing.T) {
	for name, b := range map[string]backend.Backend{"none": none, "mprotect": mprotect, "process": process} {
		futex, mprotect, waitv, err := hostproc.GateSites(hostproc.GateOf(name))
		if err != nil {
			t.Fatal(err)
		}
		for site := 0; site < len(futex)+len(mprotect)+len(waitv); site++ {
			for what := int64(0); what < 2; what++ {
				res, out := runBackend(t, b, "attack-gate-syscall", map[string]int64{"site": int64(site), "what": what})
				if res.Violation == nil || (res.Exited && res.ExitCode == 66) {
					t.Errorf("%s, site %d, what %d: not stopped: %+v\n%s", name, site, what, res, out)
				}
			}
		}
	}
}
