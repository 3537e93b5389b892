package main

import (
	"os"
	"strings"
	"testing"

	"plib/internal/testimages"
)

// dds-pingpong between two runs in two network namespaces joined by a
// veth pair: every frame crosses an interface, and the malformed frames
// injected on the link meanwhile are all rejected by the echo's library.
func TestPingPongAcrossTwoHosts(t *testing.T) {
	img := testimages.Path(t, "dds-pingpong")
	code, out, errb := runVMM(t, "dds-two-hosts", "--iterations=50", img)
	if os.Geteuid() != 0 {
		if code != exitUnavailable {
			t.Fatalf("not root: exit %d, want %d: %s", code, exitUnavailable, errb)
		}
		t.Skipf("SKIPPING the two-host run: not root (network namespaces need it): %s", strings.TrimSpace(errb))
	}
	if code == exitUnavailable {
		t.Skipf("SKIPPING the two-host run: %s", strings.TrimSpace(errb))
	}
	if code != 0 || !strings.Contains(out, "rejected by the echo's library 6") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errb)
	}
	t.Log(strings.TrimSpace(out))
}
