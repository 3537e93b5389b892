package backend

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
)

// The oracle's secret (Options.Canary) lives in the last CanaryBytes of
// each library's trusted slot, at CanarySlotOff, which no gate uses.
const (
	CanarySlotOff = 48
	CanaryBytes   = 16
)

// Region is some memory the application could have written to, by name.
type Region struct {
	Name string
	Mem  []byte
}

// FindCanary looks for the canary (either 8-byte half of it, raw, in hex
// or reversed) in
// everything the application could have written out: what it printed,
// its metrics, its exit code and the memory it can write. It returns
// where it found it, or "".
func FindCanary(canary, printed []byte, res *Result, appMemory []Region) string {
	if len(canary) != CanaryBytes {
		return ""
	}
	halves := [][]byte{canary[:8], canary[8:]}
	// Besides the raw bytes, the encodings an attack would reach for
	// first: hexadecimal (either case) and the bytes reversed. An attack
	// that hides the secret better is still caught by its exit: only its
	// one declared "defeated" code is believed (attacks.Attack).
	var forms [][]byte
	for _, h := range halves {
		rev := make([]byte, len(h))
		for i := range h {
			rev[i] = h[len(h)-1-i]
		}
		x := hex.EncodeToString(h)
		forms = append(forms, h, rev, []byte(x), []byte(strings.ToUpper(x)))
	}
	find := func(b []byte) bool {
		for _, f := range forms {
			if bytes.Contains(b, f) {
				return true
			}
		}
		return false
	}
	if find(printed) {
		return "in what the application printed"
	}
	lo, hi := int64(binary.LittleEndian.Uint64(halves[0])), int64(binary.LittleEndian.Uint64(halves[1]))
	for _, m := range res.Metrics {
		if m.Value == lo || m.Value == hi {
			return "in metric " + m.Name
		}
	}
	if res.ExitCode == lo || res.ExitCode == hi {
		return "in the exit code"
	}
	for _, r := range appMemory {
		if find(r.Mem) {
			return "in " + r.Name
		}
	}
	return ""
}

// Capture keeps the first Max bytes written to it (what a workload
// printed, for FindCanary).
type Capture struct {
	mu  sync.Mutex
	b   []byte
	Max int
}

// Write implements io.Writer.
func (w *Capture) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := w.Max - len(w.b); n > 0 {
		w.b = append(w.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// Bytes is what was kept.
func (w *Capture) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b
}
