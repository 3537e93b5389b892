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

// The readiness check reads /proc/net/packet as the kernel writes it:
// the header alone, or only unbound sockets, is not ready.
func TestPacketSocketBound(t *testing.T) {
	head := "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"
	for _, c := range []struct {
		listing string
		want    bool
	}{
		{"", false},
		{head, false},
		{head + "ffff8a0c0d6b5000 3      3    0003   0     1 0      0      41230\n", false},
		{head + "ffff8a0c0d6b5000 3      3    0003   2     1 0      0      41230\n", true},
	} {
		if got := packetSocketBound([]byte(c.listing)); got != c.want {
			t.Errorf("packetSocketBound(%q) = %v, want %v", c.listing, got, c.want)
		}
	}
}
