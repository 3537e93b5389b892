// Package attacks is the adversarial suite: every attack image, what it
// tries, and how its outcome under a backend is judged. `vmm attacks`
// runs the suite and writes the attack table docs/attacks.md carries.
package attacks

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"plib/backend"
	"plib/image"
	"plib/internal/abi"
	"plib/untrusted"
)

// Attack is one attack image.
type Attack struct {
	Image string // build/images/<Image>.elf
	What  string
	// Needs says what the attack needs that some backends lack: only an
	// attack with Needs may exit abi.AttackNotApplicable (67, "not
	// applicable here").
	Needs string
	// Defeated is the one exit code with which this attack may say it got
	// nothing (0: none), and Says what that means. Any other exit, and
	// any leak the secret oracle finds, is "not stopped": the attack's
	// own word decides nothing beyond this one claim.
	Defeated int64
	Says     string
	// Timeout bounds the run (0: 3 s, or 15 s for an attack that
	// declares Defeated: it is meant to finish, and a loaded machine must
	// not turn its verdict into a timeout). An attack that measures harm
	// over time (a flood) needs longer.
	Timeout time.Duration
	// Blames, if not "", is the domain a stopping violation must name
	// (instance i's as "name#i"): an attack that gets another domain
	// blamed (its victim) has won, whatever stopped the run.
	Blames string
}

// Catalogue lists the attacks, in the order of the table.
var Catalogue = []Attack{
	{Image: "attack-read", What: "reads the library's private data"},
	{Image: "attack-write", What: "writes the library's private data"},
	{Image: "attack-exec", What: "calls the library's first function (it reads the secret) directly"},
	{Image: "attack-gate-entry", What: "calls an entry the library does not export"},
	{Image: "attack-gate-index", What: "jumps to the gate's VMFUNC with ECX = 5 (no such view)", Needs: "no VMFUNC to jump to"},
	{Image: "attack-gate-skip", What: "jumps to the gate's VMFUNC with a valid view and an unchecked entry", Needs: "no VMFUNC to jump to"},
	{Image: "attack-deputy", What: "asks the platform to print the library's memory"},
	{Image: "attack-loop", What: "never returns"},
	{Image: "attack-hang", What: "makes a library call that never returns (crafted input)"},
	{Image: "attack-forbidden", What: "carries a VMFUNC in its code"},
	{Image: "attack-gadget", What: "carries WRPKRU and VMFUNC bytes at unaligned offsets"},
	{Image: "attack-toctou", What: "rewrites kv's key and value buffers from another thread while kv's calls run on them",
		Needs: "no thread to rewrite with", Defeated: abi.AttackDefeated, Says: "defeated: kv copies arguments in first; consistent"},
	{Image: "attack-unmap",
		What:  "unmaps, remaps, re-protects and re-keys the argument area it shares with the library, through a borrowed SYSCALL",
		Needs: "no SYSCALL to borrow", Defeated: abi.AttackRefused, Says: "refused (EPERM)"},
	{Image: "attack-direction",
		What:     "sets DF (std), then an ordinary call: the library's memcpy would run backwards and copy out the secret below its public record",
		Defeated: 70, Says: "defeated: the gate entered the library with DF = 0"},
	{Image: "attack-trap", What: "sets TF, then a library call, to single-step the library"},
	{Image: "attack-fpstate", What: "unmasks every SSE and x87 exception (MXCSR, control word), then makes platform and library calls",
		Defeated: 71, Says: "defeated: the platform ran with its own floating-point control"},
	{Image: "attack-procmem", What: "opens /proc/self/mem through a borrowed SYSCALL and reads the library's secret",
		Needs: "no SYSCALL to borrow", Defeated: abi.AttackRefused, Says: "refused (the open failed)"},
	{Image: "attack-syscalls",
		What:  "process_vm_writev through a borrowed SYSCALL (the tests try 17 more: ptrace, io_uring, userfaultfd, clone, execve, ...)",
		Needs: "no SYSCALL to borrow"},
	{Image: "attack-gate-syscall", What: "jumps onto the gate's own SYSCALL with a call of its choosing (mprotect its code RWX)", Needs: "no SYSCALL in the gate"},
	{Image: "attack-loader-jump", What: "jumps to the host loader's entry point after the loader started it"},
	{Image: "attack-pku-index", What: "jumps onto the pku gate's WRPKRU with EAX = 0 and a domain index into its own memory", Needs: "no WRPKRU in the gate"},
	{Image: "attack-tp-jump", What: "jumps onto the gate's WRFSBASE with RAX = a thread pointer of its choosing", Needs: "no WRFSBASE in the gate"},
	{Image: "attack-tp-borrow", What: "jumps onto the gate's WRFSBASE with a library's index and TLS block (the check admits any domain's), " +
		"calls the library on that thread pointer, then reads the library's secret area and canary through %fs",
		Needs: "no WRFSBASE in the gate"},
	{Image: "attack-caller", What: "asks the platform to print the library's memory, posing as the library (a forged return address)"},
	{Image: "attack-channel", What: "marks the process backend's request page for a library dead, then has another library call it",
		Needs: "no request pages", Defeated: 72, Says: "defeated: each channel is its two ends' only"},
	{Image: "attack-hide", What: "reads the library's memory, prints it, and exits with a 'defeated' code"},
	{Image: "attack-split-vmfunc", What: "a VMFUNC whose bytes start in its own code and end in the adjacent library code"},
	{Image: "attack-split-wrpkru", What: "a WRPKRU whose bytes start in its own code and end in the adjacent library code"},
	{Image: "attack-split-syscall", What: "a SYSCALL whose bytes start in its own code and end in the adjacent library code"},
	{Image: "attack-slot-rewrite",
		What: "posts a handoff request itself and rewrites its entry and argument while the library serves it (to pass the " +
			"library's check with one value and use another)",
		Needs: "no request slots", Defeated: 73, Says: "defeated: the serve code copied every word before checking it"},
	{Image: "attack-net-port",
		What:     "binds, unbinds and rebinds the port another application of the net library bound, then receives while that application sends to it",
		Defeated: 74, Says: "defeated: the port stayed its binder's (EADDRINUSE, EPERM); nothing of its reached the attacker"},
	{Image: "attack-net-spoof",
		What: "sends datagrams from ports another application of the net library bound (and with bits set above " +
			"the port word, from port 0, from a port nobody bound)",
		Defeated: 75, Says: "defeated: every send refused (EPERM, EINVAL); nothing forged arrived"},
	{Image: "attack-net-flood",
		What:     "floods both ports of another application of the net library and the TX ring while that application sends bursts to itself",
		Defeated: 76, Says: "defeated: the victim got all its own datagrams (a sender holds at most half a queue)"},
	{Image: "attack-nic-flood",
		What: "floods a port of its own that it never reads through the NIC, so that the shared receive ring would fill " +
			"and another instance's datagrams be dropped",
		Needs: "no NIC", Defeated: 69,
		Says: "defeated: the library delivers one-host datagrams itself; the other instance lost none", Timeout: 30 * time.Second},
	{Image: "attack-net-unmap",
		What:  "sends from its argument area through the net library, then unmaps the area through a borrowed SYSCALL and sends from it again",
		Needs: "no SYSCALL to borrow", Defeated: abi.AttackRefused, Says: "refused (EPERM)"},
	{Image: "attack-nested-hang", What: "makes a library call whose library calls another library that runs for 10 s (crafted input)"},
	// The holder is stopped after one budget, and then the waiter takes
	// the lock over and kv rebuilds its tables: where the CPU is emulated
	// (pku under QEMU TCG) that takes far longer than 3 s.
	{Image: "attack-lock-hold", What: "one application instance keeps kv's lock for good inside a call while the other needs it at once",
		Blames: "kv#1", Timeout: 30 * time.Second},
	{Image: "attack-doorbell",
		What:  "clears the process backend's doorbell words of a library it can write, while another library calls that library",
		Needs: "no doorbells", Defeated: 78, Says: "defeated: each channel has its own doorbell words"},
	{Image: "attack-slot-forge",
		What: "writes handoff requests straight into its slot: one naming another application, one an entry the library does not export", Needs: "no request slots"},
}

// Verdict is how one attack fared under one backend.
type Verdict int

// Verdicts.
const (
	Stopped       Verdict = iota // a violation stopped it (exit 3 or 5)
	Refused                      // the loader refused the image (exit 2)
	NotApplicable                // the attack needs something the backend lacks (exit abi.AttackNotApplicable)
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
	canary := make([]byte, 16)
	if _, err := rand.Read(canary); err != nil {
		return Outcome{Failed, err.Error()}
	}
	timeout := a.Timeout
	switch {
	case timeout == 0 && a.Defeated != 0:
		timeout = 15 * time.Second
	case timeout == 0:
		timeout = 3 * time.Second
	}
	res, err := backend.Run(ctx, b, img, path, backend.Options{Timeout: timeout, CallBudget: time.Second, Canary: canary})
	switch {
	case err != nil:
		return Outcome{Failed, err.Error()}
	case res.Leaked != "":
		// Whatever the attack reported: the secret planted for this run
		// is out, or the library's memory changed.
		return Outcome{NotStopped, "leaked: the planted secret turned up " + res.Leaked}
	case res.Violation != nil && a.Blames != "" && res.Violation.Domain != a.Blames:
		return Outcome{NotStopped, "blamed " + res.Violation.Domain + ", not " + a.Blames + " (" + describe(res.Violation) + ")"}
	case res.Violation != nil && a.Defeated != 0 && res.TimedOut && res.Violation.Catcher == backend.CatcherTimer:
		// An attack meant to finish that ran out of time said nothing:
		// neither stopped nor defeated.
		return Outcome{Failed, fmt.Sprintf("no verdict: still running after %v", timeout)}
	case res.Violation != nil:
		return Outcome{Stopped, describe(res.Violation)}
	case res.Exited && res.ExitCode == abi.AttackNotApplicable && a.Needs != "":
		return Outcome{NotApplicable, a.Needs}
	case res.Exited && a.Defeated != 0 && res.ExitCode == a.Defeated:
		return Outcome{Stopped, a.Says}
	}
	return Outcome{NotStopped, fmt.Sprintf("not stopped (exit %d)", res.ExitCode)}
}

// describe is a short cell text: the kind and what caught it (with the
// signal, for one the host kernel sent).
func describe(v *backend.Violation) string {
	by := string(v.Catcher)
	if v.Catcher == backend.CatcherHostKernel && v.Signal != "" {
		by += ": " + v.Signal
	}
	if by == "" {
		by = v.CaughtBy
	}
	return string(v.Kind) + ", " + by
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
			o := cells[a.Image][n]
			if o.Verdict == Failed {
				o.Text = untrusted.Markdown(o.Text) // a host error's text, which may quote anything; the others are plib's own words
			}
			b.WriteString(" " + o.Text + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}
