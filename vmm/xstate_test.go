package vmm

import (
	"bytes"
	"context"
	"testing"
	"time"

	"plib/backend"
	"plib/image"
	"plib/internal/guestbin"
	"plib/internal/testimages"
	"plib/internal/xstatecheck"
)

// TestExtendedStateStaysInItsDomain: under vmfunc a library's vector,
// mask and x87 registers never reach the application, the application's
// MXCSR and x87 control word never reach the library, and an AMX tile
// instruction faults in the application and in a library (XCR0 has no
// tile state). This is behaviour, not the control bits handed to KVM:
// the guest enables x87, SSE and XSAVE for real (TestGuestControlState),
// and the gate clears what XCR0 enables.
func TestExtendedStateStaysInItsDomain(t *testing.T) {
	xstatecheck.Run(t, true, func(t *testing.T, params map[string]int64) (*backend.Result, string) {
		res, _ := run(t, "xstate", params, 30*time.Second)
		return res, "" // a failed run has stopped the test with its output
	})
}

// TestSwitchKeepsEachViewsSegmentBases: an application whose FS and GS
// bases are its own (on this host's paravirtual KVM ring 3 can run
// WRFSBASE whatever CR4.FSGSBASE says; the image scan refuses the
// instruction, so the test gives the application's vCPU the bases) calls
// a library that reads its own with RDFSBASE/RDGSBASE: the library runs
// with its own (its TLS block, and GS 0), and after the call the
// application has its own TLS block as its thread pointer (the gate sets
// it, whatever base the application had) and its own GS.
func TestSwitchKeepsEachViewsSegmentBases(t *testing.T) {
	sys := needKVM(t)
	img, err := image.Load(testimages.Path(t, "xstate"))
	if err != nil {
		t.Fatal(err)
	}
	res := &backend.Result{}
	var out bytes.Buffer
	plat := &backend.Platform{Result: res, Params: map[string]int64{"part": 4}, Output: &out, Image: img}
	m, err := New(sys, Config{Image: img, Gate: guestbin.GateVMFUNC, Supervisor: guestbin.Supervisor, Platform: plat})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const fs, gs = 0x12345000, 0x6789a000 // not a TLS block: the gate replaces fs
	s, err := m.vcpus[0].GetSregs()
	if err != nil {
		t.Fatal(err)
	}
	s.FS.Base, s.GS.Base = fs, gs
	if err := m.vcpus[0].SetSregs(s); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background(), 30*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Violation != nil || !res.Exited || res.ExitCode != 0 {
		t.Fatalf("%+v %v\n%s", res, res.Violation, out.String())
	}
	lib := int64(img.Domains[1].TLS()) // the library's own thread pointer, which the loader gave its view
	app := int64(img.Domains[0].TLS())
	for name, want := range map[string]int64{"lib_fs_base": lib, "lib_gs_base": 0, "app_fs_base": app, "app_gs_base": gs} {
		if got, ok := res.Metric(name); !ok || got != want {
			t.Errorf("%s = %#x (%v), want %#x", name, got, ok, want)
		}
	}
}
