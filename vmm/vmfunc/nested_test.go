package vmfunc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/image"
	"plib/internal/testimages"
	"plib/vmm"
)

// TestNestedBootsTheHypervisorMode boots guestlib's hypervisor mode in a
// KVM guest, as --vmfunc=nested does. Where KVM gives the guest VMX with
// VMFUNC, null must complete with the gate counting 2 switches per call;
// elsewhere (this machine) the hypervisor itself must get through
// multiboot entry and long mode and report, in its own words, what the
// CPU lacks: an unavailable error, never a silent fallback.
func TestNestedBootsTheHypervisorMode(t *testing.T) {
	if _, err := os.Stat("/dev/kvm"); err != nil {
		t.Skipf("SKIPPING: no /dev/kvm: %v", err)
	}
	p := testimages.Path(t, "null")
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := vmm.CheckKVM()
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	var out bytes.Buffer
	res, err := runNested(context.Background(), sys, img, p, backend.Options{Params: map[string]int64{"iterations": 50, "rounds": 2},
		Timeout: time.Minute, Output: &out}, Backend{VMFUNC: Nested}.Probe())
	if ok, why := vmm.NestedSupport(); !ok {
		t.Logf("nested is unavailable here (%s); the hypervisor mode said: %v", why, err)
		if !errors.Is(err, backend.ErrUnavailable) || !strings.Contains(err.Error(), "hypervisor mode booted") ||
			!strings.Contains(err.Error(), "VMX") {
			t.Fatalf("want the hypervisor's own unavailable report, got %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	calls, _ := res.Metric("calls")
	if !res.Exited || res.ExitCode != 0 || calls == 0 || res.GateSwitches != uint64(2*calls) {
		t.Fatalf("null under nested: exit %v %d, %d calls, %d switches\n%s", res.Exited, res.ExitCode, calls, res.GateSwitches, out.String())
	}
}
