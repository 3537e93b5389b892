package hostrun

import (
	"fmt"

	"golang.org/x/sys/unix"

	"plib/abi"
)

// The seccomp filter installed on the thread that runs the image: the
// application cannot unmap, remap, re-protect, re-key or advise away any
// page of the image range (the buffer-unmap attack on protected
// libraries), nor map over it, nor free a protection key; the Go runtime's
// own memory calls elsewhere keep working. Only code in the gate pages may
// mprotect inside the range (the mprotect backend's gate).

// Offsets in struct seccomp_data.
const (
	sdNr   = 0
	sdArch = 4
	sdIPLo = 8
	sdIPHi = 12
)

func sdArgLo(i int) uint32 { return uint32(16 + 8*i) }
func sdArgHi(i int) uint32 { return uint32(20 + 8*i) }

const (
	auditArchX8664 = 0xc000003e
	retAllow       = 0x7fff0000
	retEPERM       = 0x00050000 | uint32(unix.EPERM)

	mapFixed          = 0x10
	mapFixedNoreplace = 0x100000
	mremapFixed       = 2
)

// bpfAsm assembles a classic BPF program with named jump targets.
type bpfAsm struct {
	ins    []unix.SockFilter
	labels map[string]int
	jumps  map[int][2]string
}

func newBPF() *bpfAsm { return &bpfAsm{labels: map[string]int{}, jumps: map[int][2]string{}} }

func (a *bpfAsm) stmt(code uint16, k uint32) {
	a.ins = append(a.ins, unix.SockFilter{Code: code, K: k})
}

// jump adds a conditional jump; "" means the next instruction.
func (a *bpfAsm) jump(code uint16, k uint32, jt, jf string) {
	a.jumps[len(a.ins)] = [2]string{jt, jf}
	a.stmt(code, k)
}

func (a *bpfAsm) label(name string) { a.labels[name] = len(a.ins) }

func (a *bpfAsm) assemble() ([]unix.SockFilter, error) {
	for i, j := range a.jumps {
		for n, name := range j {
			if name == "" {
				continue
			}
			to, ok := a.labels[name]
			if !ok || to <= i || to-i-1 > 255 {
				return nil, fmt.Errorf("seccomp: bad jump from %d to %q", i, name)
			}
			if n == 0 {
				a.ins[i].Jt = uint8(to - i - 1)
			} else {
				a.ins[i].Jf = uint8(to - i - 1)
			}
		}
	}
	return a.ins, nil
}

const (
	ldAbs = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	jeq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	jge   = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
	jgt   = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K
	jset  = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
	ret   = unix.BPF_RET | unix.BPF_K
)

// overlap jumps to deny when [args[ai], +args[aj]) overlaps the image
// range [lo, hi), to ok otherwise. The range lies below 4 GiB, which keeps
// the 32-bit arithmetic exact.
func (a *bpfAsm) overlap(ai, aj int, lo, hi uint32, deny, ok string) {
	a.stmt(ldAbs, sdArgHi(ai))
	a.jump(jeq, 0, "", ok) // address >= 4 GiB: above the range
	a.stmt(ldAbs, sdArgLo(ai))
	a.jump(jge, hi, ok, "") // starts at or after the end
	a.stmt(ldAbs, sdArgHi(aj))
	a.jump(jeq, 0, "", deny) // length >= 4 GiB reaches into it
	a.stmt(ldAbs, sdArgLo(aj))
	a.jump(jgt, lo, deny, "")                       // a length above lo reaches into it
	a.stmt(unix.BPF_ST, 0)                          // M[0] = length
	a.stmt(ldAbs, sdArgLo(ai))                      // A = address
	a.stmt(unix.BPF_LDX|unix.BPF_W|unix.BPF_MEM, 0) // X = length
	a.stmt(unix.BPF_ALU|unix.BPF_ADD|unix.BPF_X, 0) // A = end (no 32-bit overflow here)
	a.jump(jgt, lo, deny, ok)
}

// imageFilter builds the filter for the image range [lo, hi), letting
// mprotect through from code in [gateLo, gateHi).
func imageFilter(lo, hi, gateLo, gateHi uint32) ([]unix.SockFilter, error) {
	a := newBPF()
	a.stmt(ldAbs, sdArch)
	a.jump(jeq, auditArchX8664, "", "deny")
	a.stmt(ldAbs, sdNr)
	a.jump(jeq, unix.SYS_MPROTECT, "mprotect", "")
	a.jump(jeq, unix.SYS_PKEY_MPROTECT, "range01", "")
	a.jump(jeq, unix.SYS_MUNMAP, "range01", "")
	a.jump(jeq, unix.SYS_MADVISE, "range01", "")
	a.jump(jeq, unix.SYS_MREMAP, "mremap", "")
	a.jump(jeq, unix.SYS_MMAP, "mmap", "")
	a.jump(jeq, unix.SYS_PKEY_FREE, "deny", "allow")

	a.label("mprotect") // allowed from the gate pages only
	a.stmt(ldAbs, sdIPHi)
	a.jump(jeq, 0, "", "range01")
	a.stmt(ldAbs, sdIPLo)
	a.jump(jge, gateLo, "", "range01")
	a.jump(jge, gateHi, "range01", "allow")

	a.label("mremap") // the old range, and the new one when MREMAP_FIXED
	a.stmt(ldAbs, sdArgLo(3))
	a.jump(jset, mremapFixed, "", "range01")
	a.overlap(4, 2, lo, hi, "deny", "range01")

	a.label("mmap") // only fixed mappings can land on the range
	a.stmt(ldAbs, sdArgLo(3))
	a.jump(jset, mapFixed|mapFixedNoreplace, "range01", "allow")

	a.label("range01")
	a.overlap(0, 1, lo, hi, "deny", "allow")

	a.label("allow")
	a.stmt(ret, retAllow)
	a.label("deny")
	a.stmt(ret, retEPERM)
	return a.assemble()
}

// installSeccomp applies the image filter to the calling thread (and the
// threads it creates later). Call it on the locked thread that runs the image.
func installSeccomp() error {
	prog, err := imageFilter(abi.ImageBase, abi.ImageLimit, abi.GatePage, abi.GatePage+abi.GatePages*abi.PageSize)
	if err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %w", err)
	}
	return setSeccompFilter(prog)
}
