package hostsys

import (
	"bytes"
	"testing"
	"time"
)

// TestScribble: the scribbler rewrites every byte of its range, with
// changing values, and touches nothing once Stop has returned.
func TestScribble(t *testing.T) {
	buf := make([]byte, 4096+2)
	b := buf[1 : len(buf)-1]
	s := Scribble(b)
	seen := map[byte]bool{}
	for deadline := time.Now().Add(5 * time.Second); len(seen) < 3 || b[0] == 0 || b[len(b)-1] == 0; {
		if time.Now().After(deadline) {
			s.Stop()
			t.Fatalf("after 5 s the range starts %d, ends %d, %d values seen", b[0], b[len(b)-1], len(seen))
		}
		seen[b[len(b)/2]] = true
		time.Sleep(100 * time.Microsecond)
	}
	s.Stop()
	if buf[0] != 0 || buf[len(buf)-1] != 0 {
		t.Errorf("bytes outside the range were written: %d, %d", buf[0], buf[len(buf)-1])
	}
	snap := bytes.Clone(b)
	time.Sleep(20 * time.Millisecond)
	if !bytes.Equal(snap, b) {
		t.Error("the range changed after Stop returned")
	}
	var none *Scribbler
	none.Stop()
}
