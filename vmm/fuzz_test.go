package vmm

import (
	"bytes"
	"encoding/binary"
	"testing"

	"plib/image"
	"plib/internal/abi"
	"plib/internal/guestbin"
	"plib/vmm/kvm"
)

// FuzzHandleExit feeds guest-controlled exit state (registers, port,
// addresses, an exception frame) to the exit handler. It must never
// panic, and every switch it allows must be a VMFUNC leaf 0 found in the
// current view's executable memory, into a view that exists, resuming
// right after the instruction.
func FuzzHandleExit(f *testing.F) {
	fx := newFixture(f)
	vmfuncAt := uint64(abi.GatePage + bytes.Index(guestbin.GateVMFUNC, image.VMFUNCBytes))
	f.Add(uint8(0), uint8(kvm.ExitIO), uint16(abi.PortSys), uint64(abi.SysPrint), uint64(abi.ImageCode), uint64(8), uint64(0), uint64(0), uint64(0), false)
	f.Add(uint8(0), uint8(kvm.ExitInternalError), uint16(0), uint64(0), uint64(0), uint64(0), uint64(1), vmfuncAt, uint64(0), false)
	f.Add(uint8(1), uint8(kvm.ExitMMIO), uint16(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0x40015000), uint64(0), true)
	f.Add(uint8(0), uint8(kvm.ExitIO), uint16(abi.PortFault), uint64(6), uint64(0), uint64(0), uint64(1), vmfuncAt, uint64(selUserCode), false)
	f.Fuzz(func(t *testing.T, view, reason uint8, port uint16, rdi, rsi, r8, rcx, rip, aux uint64, write bool) {
		v := int(view % 2)
		e := Exit{View: v, Reason: uint32(reason % 20),
			IO:       kvm.IOExit{Direction: kvm.IOOut, Port: port, Size: 1, Count: 1},
			MMIO:     kvm.MMIOExit{Addr: rip, Len: 8, IsWrite: write},
			Internal: kvm.InternalExit{Suberror: 1},
			Regs:     Regs{RDI: rdi, RSI: rsi, R8: r8, RCX: rcx, RIP: rip, RAX: aux >> 32, RSP: supStackTop - 64},
			Sregs:    user()}
		if port == abi.PortFault {
			e.Sregs = kernel()
			b := make([]byte, 64) // a frame whose fields come from the fuzzer
			for i, x := range []uint64{rsi, rdi, r8, rip, aux, 0x2, rcx, selUserData} {
				binary.LittleEndian.PutUint64(b[8*i:], x)
			}
			fx.mem.write(v, supStackTop-64, b)
		}
		a := fx.handler().Handle(&e)
		if a.Kind != Switch {
			return
		}
		if a.View < 0 || a.View >= len(fx.views) || fx.views[a.View] == nil {
			t.Fatalf("switch to view %d, which does not exist", a.View)
		}
		h := fx.handler()
		ins, err := h.fetch(v, a.Regs.RIP-3, 3)
		if err != nil {
			ins, err = h.fetch(v, a.Regs.RIP-3, 0)
		}
		if err != nil || !bytes.Equal(ins, image.VMFUNCBytes) {
			t.Fatalf("switch resumes at %#x, which does not follow a VMFUNC in view %d (%v)", a.Regs.RIP, v, err)
		}
		if a.Regs.RAX&0xffffffff != 0 || int(a.Regs.RCX&0xffffffff) != a.View {
			t.Fatalf("switch with eax %#x, ecx %#x to view %d", a.Regs.RAX, a.Regs.RCX, a.View)
		}
	})
}
