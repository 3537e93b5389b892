// Package attacks is the adversarial suite: every attack image, what it
// tries, and how its outcome under a backend is judged. `vmm attacks`
// runs the suite and writes the attack table README.md carries.
package attacks

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"plib/backend"
	"plib/image"
)

// Attack is one attack image.
type Attack struct {
	Image string // build/images/<Image>.elf
	What  string
}

// Catalogue lists the attacks, in the order of the table.
var Catalogue = []Attack{
	{"attack-read", "reads the library's private data"},
	{"attack-write", "writes the library's private data"},
	{"attack-exec", "calls the library's first function (it reads the secret) directly"},
	{"attack-gate-entry", "calls an entry the library does not export"},
	{"attack-gate-index", "jumps to the gate's VMFUNC with ECX = 5 (no such view)"},
	{"attack-gate-skip", "jumps to the gate's VMFUNC with a valid view and an unchecked entry"},
	{"attack-deputy", "asks the platform to print the library's memory"},
	{"attack-loop", "never returns"},
	{"attack-hang", "makes a library call that never returns (crafted input)"},
	{"attack-forbidden", "carries a VMFUNC in its code"},
	{"attack-gadget", "carries WRPKRU and VMFUNC bytes at unaligned offsets"},
	{"attack-toctou", "rewrites kv's key and value buffers from another thread while kv's calls run on them"},
	{"attack-unmap", "unmaps, remaps, re-protects and re-keys the argument area it shares with the library, through a SYSCALL gadget of the host program"},
	{"attack-direction", "sets DF (std), then an ordinary call: the library's memcpy would run backwards and copy out the secret below its public record"},
	{"attack-trap", "sets TF, then a library call, to single-step the library"},
	{"attack-fpstate", "unmasks every SSE and x87 exception (MXCSR, control word), then makes platform and library calls"},
	{"attack-split-vmfunc", "a VMFUNC whose bytes start in its own code and end in the adjacent library code"},
	{"attack-split-wrpkru", "a WRPKRU whose bytes start in its own code and end in the adjacent library code"},
	{"attack-split-syscall", "a SYSCALL whose bytes start in its own code and end in the adjacent library code"},
}

// Verdict is how one attack fared under one backend.
type Verdict int

// Verdicts.
const (
	Stopped       Verdict = iota // a violation stopped it (exit 3 or 5)
	Refused                      // the loader refused the image (exit 2)
	NotApplicable                // the attack needs something the backend lacks (exit 67)
	NotStopped                   // it got what it wanted
	Unavailable                  // the backend cannot run here
	Failed                       // the run itself failed
)

// Outcome is one cell of the table.
type Outcome struct {
	Verdict Verdict
	Text    string // short: "read, EPT view 0", "refused at load"
}

// OK reports whether the outcome keeps the backend's promise. A backend
// without isolation (none) makes no promise, so only its gate and
// platform checks are expected to hold there.
func (o Outcome) OK(m backend.Mechanism) bool {
	switch o.Verdict {
	case Stopped, Refused, NotApplicable, Unavailable:
		return true
	case NotStopped:
		return m.Mode == backend.NoIsolation
	}
	return false
}

// Run runs a under b with the image from dir and judges the outcome.
func Run(ctx context.Context, b backend.Backend, a Attack, dir string) Outcome {
	m := b.Probe()
	if !m.Available() {
		return Outcome{Unavailable, "unavailable here"}
	}
	path := filepath.Join(dir, a.Image+".elf")
	img, err := image.Load(path)
	if errors.Is(err, image.ErrBadImage) {
		return Outcome{Refused, "refused at load"}
	}
	if err != nil {
		return Outcome{Failed, err.Error()}
	}
	res, err := b.Run(ctx, img, path, backend.Options{Timeout: 3 * time.Second, CallBudget: time.Second})
	switch {
	case err != nil:
		return Outcome{Failed, err.Error()}
	case res.Violation != nil:
		return Outcome{Stopped, describe(res.Violation)}
	case res.Exited && res.ExitCode == 67:
		return Outcome{NotApplicable, "no VMFUNC to jump to"}
	case res.Exited && res.ExitCode == 68:
		return Outcome{Stopped, "refused (EPERM), seccomp"}
	case res.Exited && res.ExitCode == 69:
		return Outcome{Stopped, "defeated: kv copies arguments in first; consistent"}
	case res.Exited && res.ExitCode == 70:
		return Outcome{Stopped, "defeated: the gate entered the library with DF = 0"}
	case res.Exited && res.ExitCode == 71:
		return Outcome{Stopped, "defeated: the platform ran with its own floating-point control"}
	}
	return Outcome{NotStopped, fmt.Sprintf("not stopped (exit %d)", res.ExitCode)}
}

// describe is a short cell text: the kind and what caught it.
func describe(v *backend.Violation) string {
	by := v.CaughtBy
	switch {
	case strings.Contains(by, "SEGV_PKUERR"):
		by = "SEGV_PKUERR"
	case strings.Contains(by, "SEGV_ACCERR"):
		by = "SEGV_ACCERR"
	case strings.Contains(by, "SEGV_MAPERR"):
		by = "SEGV_MAPERR"
	case strings.HasPrefix(by, "EPT view"):
		by = "EPT view"
	case strings.Contains(by, "timer"):
		by = "timer"
	case strings.Contains(by, "watchdog"):
		by = "watchdog"
	}
	return v.Kind + ", " + by
}

// Table is the Markdown attack table for the named backends.
func Table(names []string, cells map[string]map[string]Outcome) string {
	var b strings.Builder
	b.WriteString("| attack | what it does |")
	for _, n := range names {
		b.WriteString(" " + n + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(names)) + "\n")
	for _, a := range Catalogue {
		fmt.Fprintf(&b, "| %s | %s |", a.Image, a.What)
		for _, n := range names {
			b.WriteString(" " + cells[a.Image][n].Text + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Sorted returns the keys of m in order.
func Sorted[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
