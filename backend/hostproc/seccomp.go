package hostproc

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// A classic-BPF assembler for the loader's seccomp filter (loaderfilter.go).

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
	ret   = unix.BPF_RET | unix.BPF_K
)
