package vmm

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"plib/backend"
	"plib/eptviews"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/guestbin"
	"plib/internal/testimages"
	"plib/vmm/kvm"
)

// fixture is a loaded null image without KVM: layout, views, memory.
type fixture struct {
	img    *image.Image
	layout *Layout
	views  eptviews.Views
	mem    *guestMemory
	res    *backend.Result
	out    *bytes.Buffer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	img, err := image.Load(testimages.Path(t, "null"))
	if err != nil {
		t.Fatal(err)
	}
	layout, err := NewLayout(img, guestbin.Supervisor)
	if err != nil {
		t.Fatal(err)
	}
	views, err := eptviews.Build(layout.Regions, []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	mem, err := newGuestMemory(img, views, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.close() })
	mem.load(img, layout, guestbin.GateVMFUNC, 0, 0)
	return &fixture{img: img, layout: layout, views: views, mem: mem, res: &backend.Result{}, out: &bytes.Buffer{}}
}

func (f *fixture) handler() *handler {
	p := &backend.Platform{Result: f.res, Params: map[string]int64{"iterations": 7}, Output: f.out}
	return newHandler(f.img, f.layout, f.views, f.mem, p)
}

// gateVMFUNC is the address of the gate's first VMFUNC.
func gateVMFUNC(t *testing.T) uint64 {
	i := bytes.Index(guestbin.GateVMFUNC, image.VMFUNCBytes)
	if i < 0 {
		t.Fatal("no VMFUNC in the gate")
	}
	return abi.GatePage + uint64(i)
}

func user() Sregs   { var s Sregs; userSregs(&s, 0, false); return s }
func kernel() Sregs { s := user(); s.CS.DPL, s.CS.Selector = 0, selKernelCode; return s }

func sysExit(nr, a0, a1, a2 uint64) Exit {
	return Exit{Reason: kvm.ExitIO, IO: kvm.IOExit{Direction: kvm.IOOut, Port: abi.PortSys, Size: 1, Count: 1},
		Regs: Regs{RDI: nr, RSI: a0, R8: a1, RCX: a2, RIP: abi.GatePage + abi.GateSysOff}, Sregs: user()}
}

func TestHandleExits(t *testing.T) {
	f := newFixture(t)
	lib := f.img.Domains[1]
	app := f.img.Domains[0]
	vmfuncAt := gateVMFUNC(t)
	// A string in the app's readable memory: the app's own code bytes.
	appText := app.Text.Addr
	i := bytes.Index(app.Text.Data, []byte("iterations"))
	if i < 0 {
		t.Fatal(`no "iterations" string in the null app's code`)
	}
	iterations := app.Text.Addr + uint64(i)
	cases := []struct {
		name  string
		exit  Exit
		check func(t *testing.T, a Action, h *handler)
	}{
		{"nop platform call resumes with 0", sysExit(abi.SysNop, 0, 0, 0), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Resume && a.SetRAX && a.RAX == 0, "resume with rax 0: %+v", a)
		}},
		{"exit stops with the code", sysExit(abi.SysExit, 42, 0, 0), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation == nil && a.Stop.Code == 42, "stop with exit 42: %+v", a)
		}},
		{"param with an empty name is refused", sysExit(abi.SysParam, appText, 0, 99), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "platform-call", "zero-length name refused: %+v", a)
		}},
		{"param returns the value set", sysExit(abi.SysParam, iterations, 10, 99), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Resume && a.RAX == 7, "iterations = 7: %+v", a)
		}},
		{"param returns the default when unset", sysExit(abi.SysParam, iterations, 5, 99), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Resume && a.RAX == 99, "default 99 for %q: %+v", "itera", a)
		}},
		{"print of library memory from the app is refused", sysExit(abi.SysPrint, lib.Data.Addr, 8, 0), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation != nil && a.Stop.Violation.Kind == "platform-call", "violation: %+v", a)
			want(t, strings.Contains(a.Stop.Violation.Detail, "not mapped in view 0"), "detail names the view: %s", a.Stop.Violation.Detail)
		}},
		{"print longer than the limit is refused", sysExit(abi.SysPrint, appText, backend.MaxPrint+1, 0), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation != nil, "violation: %+v", a)
		}},
		{"print of app memory works", sysExit(abi.SysPrint, appText, 4, 0), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Resume && len(f.out.Bytes()) == 4, "4 bytes printed: %+v %q", a, f.out.Bytes())
		}},
		{"metric with a wrapping name pointer is refused", sysExit(abi.SysMetric, ^uint64(0)-2, 8, 1), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation != nil, "violation: %+v", a)
		}},
		{"unknown platform call", sysExit(77, 0, 0, 0), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && strings.Contains(a.Stop.Violation.Detail, "unknown platform call 77"), "%+v", a)
		}},
		{"gate fault", sysExit(abi.SysGateFault, abi.GateBadEntry, 0, 0), func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "gate", "%+v", a)
		}},
		{"unknown port", Exit{Reason: kvm.ExitIO, IO: kvm.IOExit{Direction: kvm.IOOut, Port: 0x80}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "io", "%+v", a)
		}},
		{"fault port from ring 3", Exit{Reason: kvm.ExitIO, IO: kvm.IOExit{Direction: kvm.IOOut, Port: abi.PortFault}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "io", "%+v", a)
		}},
		{"read of library data from the app's view", Exit{Reason: kvm.ExitMMIO, MMIO: kvm.MMIOExit{Addr: lib.Data.Addr + 8, Len: 8}, Regs: Regs{RIP: appText}}, func(t *testing.T, a Action, h *handler) {
			v := a.Stop.Violation
			want(t, a.Kind == Stop && v.Kind == "read" && v.Domain == "app" && v.Address == lib.Data.Addr+8 && v.RIP == appText, "%+v", v)
			want(t, strings.Contains(v.Target, "data of null") && strings.Contains(v.CaughtBy, "EPT view 0"), "target %q caught %q", v.Target, v.CaughtBy)
		}},
		{"write to read-only code", Exit{View: 1, Reason: kvm.ExitMMIO, MMIO: kvm.MMIOExit{Addr: lib.Text.Addr, Len: 4, IsWrite: true}}, func(t *testing.T, a Action, h *handler) {
			v := a.Stop.Violation
			want(t, v.Kind == "write" && strings.Contains(v.Detail, "read-only in view 1"), "%+v", v)
		}},
		{"VMFUNC emulation failure switches views", Exit{Reason: kvm.ExitInternalError, Internal: kvm.InternalExit{Suberror: 1},
			Regs: Regs{RIP: vmfuncAt, RCX: 1, RAX: 0, RDI: 5}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Switch && a.View == 1 && a.Regs.RIP == vmfuncAt+3 && a.Regs.RDI == 5 && !a.UserSregs, "%+v", a)
			want(t, h.switches == 1, "switch counted: %d", h.switches)
		}},
		{"VMFUNC to an index that is not a view", Exit{Reason: kvm.ExitInternalError, Internal: kvm.InternalExit{Suberror: 1},
			Regs: Regs{RIP: vmfuncAt, RCX: 2}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "vmfunc-index" && a.Stop.Violation.Address == 2, "%+v", a)
		}},
		{"VMFUNC upper ECX bits are ignored", Exit{Reason: kvm.ExitInternalError, Internal: kvm.InternalExit{Suberror: 1},
			Regs: Regs{RIP: vmfuncAt, RCX: 1<<32 | 1}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Switch && a.View == 1, "%+v", a)
		}},
		{"VMFUNC leaf other than 0", Exit{Reason: kvm.ExitInternalError, Internal: kvm.InternalExit{Suberror: 1},
			Regs: Regs{RIP: vmfuncAt, RAX: 1, RCX: 1}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "vmfunc-leaf", "%+v", a)
		}},
		{"emulation failure on a fetch outside the view", Exit{Reason: kvm.ExitInternalError, Internal: kvm.InternalExit{Suberror: 1},
			Regs: Regs{RIP: lib.Text.Addr}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			v := a.Stop.Violation
			want(t, a.Kind == Stop && v.Kind == "execute" && v.Address == lib.Text.Addr && strings.Contains(v.Target, "text of null"), "%+v", v)
		}},
		{"emulation failure on another instruction", Exit{Reason: kvm.ExitInternalError, Internal: kvm.InternalExit{Suberror: 1},
			Regs: Regs{RIP: abi.GatePage}, Sregs: user()}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "emulation", "%+v", a)
		}},
		{"other internal error", Exit{Reason: kvm.ExitInternalError, Internal: kvm.InternalExit{Suberror: 3}}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Err != nil && strings.Contains(a.Err.Error(), "suberror 3"), "%+v", a)
		}},
		{"triple fault", Exit{Reason: kvm.ExitShutdown}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Stop.Violation.Kind == "triple-fault", "%+v", a)
		}},
		{"hlt", Exit{Reason: kvm.ExitHLT}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Err != nil, "%+v", a)
		}},
		{"unknown exit", Exit{Reason: 99}, func(t *testing.T, a Action, h *handler) {
			want(t, a.Kind == Stop && a.Err != nil && h.exits["reason_99"] == 1, "%+v", a)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.out.Reset()
			h := f.handler()
			e := c.exit
			c.check(t, h.Handle(&e), h)
		})
	}
}

// reportExit puts an exception frame on the supervisor stack and returns
// the exit of the supervisor's report.
func reportExit(f *fixture, view int, fr frame, cr2 uint64) Exit {
	rsp := uint64(supStackTop - 64)
	b := make([]byte, 64)
	for i, v := range []uint64{fr.RDX, fr.Vector, fr.Error, fr.RIP, fr.CS, fr.RFLAGS, fr.RSP, fr.SS} {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	f.mem.write(view, rsp, b)
	s := kernel()
	s.CR2 = cr2
	return Exit{View: view, Reason: kvm.ExitIO, IO: kvm.IOExit{Direction: kvm.IOOut, Port: abi.PortFault},
		Regs: Regs{RSP: rsp, RCX: 1, RDX: abi.PortFault}, Sregs: s}
}

func TestHandleExceptionReports(t *testing.T) {
	f := newFixture(t)
	vmfuncAt := gateVMFUNC(t)
	lib := f.img.Domains[1]

	t.Run("#UD on VMFUNC is emulated", func(t *testing.T) {
		e := reportExit(f, 0, frame{RDX: 0x77, Vector: 6, RIP: vmfuncAt, CS: selUserCode, RFLAGS: 0x246, RSP: 0x40010000, SS: selUserData}, 0)
		h := f.handler()
		a := h.Handle(&e)
		want(t, a.Kind == Switch && a.View == 1 && a.UserSregs, "switch to view 1 in ring 3: %+v", a)
		want(t, a.Regs.RIP == vmfuncAt+3 && a.Regs.RSP == 0x40010000 && a.Regs.RDX == 0x77 && a.Regs.RFLAGS == 0x246,
			"registers from the frame: %+v", a.Regs)
		want(t, h.exits["ud_vmfunc"] == 1 && h.switches == 1, "counted: %v %d", h.exits, h.switches)
	})
	t.Run("#UD elsewhere is a violation", func(t *testing.T) {
		e := reportExit(f, 0, frame{Vector: 6, RIP: abi.GatePage, CS: selUserCode}, 0)
		a := f.handler().Handle(&e)
		want(t, a.Kind == Stop && a.Stop.Violation.Kind == "exception" && a.Stop.Violation.Exception == 6, "%+v", a)
	})
	t.Run("#PF names the address and the owner", func(t *testing.T) {
		e := reportExit(f, 0, frame{Vector: 14, Error: 0x7, RIP: 0x40003010, CS: selUserCode}, lib.Data.Addr)
		v := f.handler().Handle(&e).Stop.Violation
		want(t, v.Kind == "write" && v.Address == lib.Data.Addr && v.RIP == 0x40003010 && strings.Contains(v.Target, "null"), "%+v", v)
	})
	t.Run("#PF on instruction fetch", func(t *testing.T) {
		e := reportExit(f, 0, frame{Vector: 14, Error: 0x15, RIP: supCodeAddr, CS: selUserCode}, supCodeAddr)
		v := f.handler().Handle(&e).Stop.Violation
		want(t, v.Kind == "execute", "%+v", v)
	})
	t.Run("unreadable frame", func(t *testing.T) {
		e := reportExit(f, 0, frame{Vector: 13}, 0)
		e.Regs.RSP = 0x9000
		a := f.handler().Handle(&e)
		want(t, a.Kind == Stop && a.Err != nil, "%+v", a)
	})
}

func want(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}
