package guestbin

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBlobsMatchSources rebuilds the blobs into a temporary directory and
// compares them with the embedded (committed) ones, so a change to
// guestlib/trusted, guestlib/hv or guestlib/loader cannot ship stale code.
// Nothing else rebuilds the committed blobs: go generate does, by hand.
func TestBlobsMatchSources(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatalf("gcc is required to check the trusted blobs: %v", err)
	}
	dir := t.TempDir()
	out, err := exec.Command("./build.sh", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	for name, got := range map[string][]byte{"gate_vmfunc.bin": GateVMFUNC, "gate_none.bin": GateNone, "gate_mprotect.bin": GateMprotect, "gate_pku.bin": GatePKU, "gate_process.bin": GateProcess, "supervisor.bin": Supervisor, "hypervisor.bin": Hypervisor, "loader.elf": Loader} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("committed %s is stale: run go generate ./internal/guestbin and commit", name)
		}
	}
}

// TestGatePagesFit checks the gates fit their pages and the VMFUNC gate
// holds exactly its three switches (into a library, back to a library,
// back to the app: the only VMFUNC bytes in any view's code).
func TestGatePagesFit(t *testing.T) {
	for name, b := range map[string][]byte{"vmfunc": GateVMFUNC, "none": GateNone, "supervisor": Supervisor} {
		if len(b) == 0 || len(b) > 3*4096 || (name == "supervisor" && len(b) > 4096) {
			t.Errorf("%s blob is %d bytes; too big for its pages", name, len(b))
		}
	}
	if n := bytes.Count(GateVMFUNC, []byte{0x0f, 0x01, 0xd4}); n != 3 {
		t.Errorf("vmfunc gate has %d VMFUNC instructions, want 3 (in, back to a library, back to the app)", n)
	}
	// Each VMFUNC must straddle into the next gate page (see gate_vmfunc.S).
	for _, at := range []int{0xffe, 0x1ffe} {
		if !bytes.Equal(GateVMFUNC[at:at+3], []byte{0x0f, 0x01, 0xd4}) {
			t.Errorf("no VMFUNC at %#x straddling a page boundary", at)
		}
	}
	if bytes.Contains(GateNone, []byte{0x0f, 0x01, 0xd4}) {
		t.Error("none gate contains VMFUNC")
	}
}
