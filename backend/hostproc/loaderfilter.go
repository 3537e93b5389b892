package hostproc

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"plib/internal/abi"
)

const (
	retTrap          = 0x00030000 // SECCOMP_RET_TRAP: SIGSYS, seen by the supervisor
	futexOpWait      = 0
	futexOpWake      = 1
	futexPrivateFlag = 128
)

// gateSites reads a host gate's system-call site table (GATE_SYSCALL in
// gate_common.inc): the address after each SYSCALL the gate makes, by the
// call it may make there.
func gateSites(gate []byte) (futex, mprotect, waitv []uint32, err error) {
	i := bytes.Index(gate, []byte("PLIBSITE"))
	if i < 0 {
		return nil, nil, nil, fmt.Errorf("the gate has no system-call site table")
	}
	for j := i + 8; j+4 <= len(gate); j += 4 {
		kind, off := binary.LittleEndian.Uint16(gate[j:]), binary.LittleEndian.Uint16(gate[j+2:])
		site := uint32(abi.GatePage) + uint32(off)
		switch kind {
		case 0:
			return futex, mprotect, waitv, nil
		case siteFutex:
			futex = append(futex, site)
		case siteMprotect:
			mprotect = append(mprotect, site)
		case siteFutexWaitv:
			waitv = append(waitv, site)
		default:
			return nil, nil, nil, fmt.Errorf("the gate's site table has kind %d", kind)
		}
	}
	return nil, nil, nil, fmt.Errorf("the gate's site table has no end")
}

// The kinds of GATE_SYSCALL sites.
const (
	siteFutex      = 1
	siteMprotect   = 2
	siteFutexWaitv = 3 // the process backend's serve loop: futex_waitv, which only waits
)

// sysFutexWaitv is futex_waitv(2)'s number on x86-64.
const sysFutexWaitv = 449

// loaderFilter is the seccomp filter of the image's process under the
// loader: deny by default. A system call passes only if it is made from
// one of the gate's own SYSCALL instructions (the instruction pointer
// after it is a site of the gate's table) and is the call that site
// makes: futex (wait or wake: the platform call, and the process
// backend's channels) or mprotect with exactly the range and rights of
// one of mprotects (Layout.Mprotects: the mprotect backend's, a
// library's). Everything else raises SIGSYS, which the supervisor
// reports as a violation: the image's process can do nothing the gate
// does not, and a jump onto one of the gate's SYSCALLs can make only
// that SYSCALL's own call. The process backend's serve loop also sleeps
// on all its channels' doorbells at once: futex_waitv from its one site
// (waitvSites), a call that only waits.
func loaderFilter(futexSites, mprotectSites, waitvSites []uint32, mprotects []MprotectCall) ([]unix.SockFilter, error) {
	a := newBPF()
	a.stmt(ldAbs, sdArch)
	a.jump(jeq, auditArchX8664, "", "trap")
	a.stmt(ldAbs, sdIPHi) // the instruction after the SYSCALL
	a.jump(jeq, 0, "", "trap")
	a.stmt(ldAbs, sdIPLo)
	for _, ip := range futexSites {
		a.jump(jeq, ip, "futex", "")
	}
	if len(mprotects) > 0 {
		for _, ip := range mprotectSites {
			a.jump(jeq, ip, "mprotect", "")
		}
	}
	for _, ip := range waitvSites {
		a.jump(jeq, ip, "waitv", "")
	}
	a.stmt(ret, retTrap)

	if len(waitvSites) > 0 {
		a.label("waitv")
		a.stmt(ldAbs, sdNr)
		a.jump(jeq, sysFutexWaitv, "allow", "trap")
	}

	a.label("futex") // only futex, FUTEX_WAIT or FUTEX_WAKE, private or not: no op that writes memory
	a.stmt(ldAbs, sdNr)
	a.jump(jeq, unix.SYS_FUTEX, "", "trap")
	a.stmt(ldAbs, sdArgLo(1))
	a.stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, ^uint32(futexPrivateFlag))
	a.jump(jeq, futexOpWait, "allow", "")
	a.jump(jeq, futexOpWake, "allow", "trap")

	if len(mprotects) > 0 {
		a.label("mprotect")
		a.stmt(ldAbs, sdNr)
		a.jump(jeq, unix.SYS_MPROTECT, "", "trap")
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
			a.jump(jeq, uint32(m.Addr), "", next)
			a.stmt(ldAbs, sdArgLo(1))
			a.jump(jeq, uint32(m.Size), "", next)
			a.stmt(ldAbs, sdArgLo(2))
			a.jump(jeq, uint32(m.Prot), "allow", next)
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
