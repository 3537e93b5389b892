package hostrun

import (
	"golang.org/x/sys/unix"

	"plib/abi"
	"plib/image"
)

const (
	retTrap          = 0x00030000 // SECCOMP_RET_TRAP: SIGSYS, seen by the supervisor
	futexOpWait      = 0
	futexOpWake      = 1
	futexPrivateFlag = 128
)

// mprotectCall is one mprotect the mprotect gate makes: a library's code
// or private memory, opened or closed.
type mprotectCall struct{ addr, size, prot uint64 }

// gateMprotects lists every mprotect the mprotect gate may make on img.
func gateMprotects(img *image.Image) []mprotectCall {
	var out []mprotectCall
	for _, d := range img.Libraries() {
		priv := d.Private()
		out = append(out,
			mprotectCall{d.Text.Addr, d.Text.Size, unix.PROT_READ | unix.PROT_EXEC},
			mprotectCall{d.Text.Addr, d.Text.Size, unix.PROT_NONE},
			mprotectCall{priv.Addr, priv.Size, unix.PROT_READ | unix.PROT_WRITE},
			mprotectCall{priv.Addr, priv.Size, unix.PROT_NONE})
	}
	return out
}

// loaderFilter is the seccomp filter of the image's process under the
// loader: deny by default. A system call passes only if it is made from
// the gate pages and is one the gate makes: futex (wait or wake: the
// platform call, and the process backend's requests) and, for the
// mprotect backend, mprotect with exactly a library's range and rights.
// Everything else raises SIGSYS, which the supervisor reports as a
// violation: the image's process can do nothing the gate does not.
func loaderFilter(mprotects []mprotectCall) ([]unix.SockFilter, error) {
	a := newBPF()
	a.stmt(ldAbs, sdArch)
	a.jump(jeq, auditArchX8664, "", "trap")
	a.stmt(ldAbs, sdIPHi) // the instruction after the SYSCALL: in the gate pages
	a.jump(jeq, 0, "", "trap")
	a.stmt(ldAbs, sdIPLo)
	a.jump(jge, abi.GatePage, "", "trap")
	a.jump(jge, abi.GatePage+abi.GatePages*abi.PageSize, "trap", "")
	a.stmt(ldAbs, sdNr)
	a.jump(jeq, unix.SYS_FUTEX, "futex", "")
	if len(mprotects) > 0 {
		a.jump(jeq, unix.SYS_MPROTECT, "mprotect", "trap")
	} else {
		a.jump(jeq, 0xffffffff, "", "trap")
	}

	a.label("futex") // FUTEX_WAIT or FUTEX_WAKE, private or not: no op that writes memory
	a.stmt(ldAbs, sdArgLo(1))
	a.stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, ^uint32(futexPrivateFlag))
	a.jump(jeq, futexOpWait, "allow", "")
	a.jump(jeq, futexOpWake, "allow", "trap")

	if len(mprotects) > 0 {
		a.label("mprotect")
		a.stmt(ldAbs, sdArgHi(0))
		a.jump(jeq, 0, "", "trap")
		a.stmt(ldAbs, sdArgHi(1))
		a.jump(jeq, 0, "", "trap")
		a.stmt(ldAbs, sdArgHi(2))
		a.jump(jeq, 0, "", "trap")
		for i, m := range mprotects {
			next := "trap"
			if i+1 < len(mprotects) {
				next = "mp" + string(rune('a'+i/26)) + string(rune('a'+i%26))
			}
			a.stmt(ldAbs, sdArgLo(0))
			a.jump(jeq, uint32(m.addr), "", next)
			a.stmt(ldAbs, sdArgLo(1))
			a.jump(jeq, uint32(m.size), "", next)
			a.stmt(ldAbs, sdArgLo(2))
			a.jump(jeq, uint32(m.prot), "allow", next)
			if next != "trap" {
				a.label(next)
			}
		}
	}

	a.label("allow")
	a.stmt(ret, retAllow)
	a.label("trap")
	a.stmt(ret, retTrap)
	return a.assemble()
}
