package hvmode

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"plib/backend"
	"plib/vmm/vcpu"
)

// ErrFatal marks a hypervisor-mode run that ended in a "PLIB fatal"
// report, or without "PLIB end"; the Report's Status says which.
var ErrFatal = errors.New("hypervisor mode failed")

// Status is how a hypervisor-mode run ended. A fatal report line carries
// one as its first word ("PLIB fatal unsupported no VMX: ..."), written by
// guestlib/hv (hv.h's FATAL_*): the runner branches on it, never on the
// words that follow.
type Status string

// Statuses.
const (
	Completed   Status = "end"         // "PLIB end" and no fatal line
	Unsupported Status = "unsupported" // the CPU lacks what the mode needs (VMX, EPT, VMFUNC EPTP switching, VMXON)
	BadBundle   Status = "bundle"      // the module is missing, not a bundle, malformed, or does not fit
	Failed      Status = "failed"      // a VMX instruction, VM entry or the bundle's EPT failed
	Unfinished  Status = "unfinished"  // the report ended without "PLIB end"
)

// fatalStatuses are the statuses a fatal line may carry.
var fatalStatuses = map[Status]bool{Unsupported: true, BadBundle: true, Failed: true}

// Report is what a hypervisor-mode run printed, parsed.
type Report struct {
	Status   Status
	VMX      string // the "PLIB vmx ..." capability line
	Fatal    string // the "PLIB fatal STATUS ..." text after the status, if any
	Ended    bool   // "PLIB end" was seen
	Switches uint64 // switches the gate counted ("PLIB hardware-switches N")
	IOExits  uint64 // I/O exits the hypervisor took (platform calls)
	Faults   uint64 // exception exits it took
}

// ParseReport reads the output of guestlib's hypervisor mode
// (its "PLIB ..." lines on the debug port, with the workload's own prints
// between them) into res: metrics, exit code, violation, switch counts.
// Other lines go to out. The output comes from the guest, so every field
// is checked; a malformed report line is an error naming it.
func ParseReport(output []byte, res *backend.Result, out io.Writer) (*Report, error) {
	r := &Report{}
	for _, line := range strings.SplitAfter(string(output), "\n") {
		text := strings.TrimRight(line, "\r\n")
		rest, ok := strings.CutPrefix(text, "PLIB ")
		if !ok {
			if out != nil && line != "" {
				io.WriteString(out, line)
			}
			continue
		}
		word, args, _ := strings.Cut(rest, " ")
		bad := func(why string) error { return fmt.Errorf("hypervisor report line %q: %s", text, why) }
		switch word {
		case "hv", "bundle", "launch":
		case "vmx":
			r.VMX = args
		case "end":
			r.Ended = true
		case "fatal":
			st, text, _ := strings.Cut(args, " ")
			if !fatalStatuses[Status(st)] {
				return r, bad("want: fatal unsupported|bundle|failed TEXT")
			}
			r.Status, r.Fatal = Status(st), text
		case "metric":
			name, val, ok := strings.Cut(args, " ")
			v, err := strconv.ParseInt(val, 10, 64)
			if !ok || err != nil || name == "" || len(name) > backend.MaxNameLen {
				return r, bad("want: metric NAME VALUE")
			}
			if len(res.Metrics) >= backend.MaxMetrics {
				return r, bad("too many metrics")
			}
			res.Metrics = append(res.Metrics, backend.Metric{Name: name, Value: v, Domain: "app"})
		case "exit":
			v, err := strconv.ParseInt(args, 10, 64)
			if err != nil {
				return r, bad("want: exit CODE")
			}
			res.Exited, res.ExitCode = true, v
		case "switches":
			// per-library counts; the total follows in hardware-switches
		case "hardware-switches":
			f := strings.Fields(args)
			if len(f) == 0 {
				return r, bad("want: hardware-switches N ...")
			}
			n, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				return r, bad("the count is not a number")
			}
			r.Switches = n
			for _, kv := range f[1:] {
				if v, ok := strings.CutPrefix(kv, "exits-io="); ok {
					r.IOExits, _ = strconv.ParseUint(v, 10, 64)
				}
				if v, ok := strings.CutPrefix(kv, "exits-fault="); ok {
					r.Faults, _ = strconv.ParseUint(v, 10, 64)
				}
			}
		case "violation":
			v, err := parseViolation(args)
			if err != nil {
				return r, bad(err.Error())
			}
			res.Violation = v
		default:
			return r, bad("unknown report")
		}
	}
	res.GateSwitches, res.ViewSwitches = r.Switches, r.Switches
	if res.Exits == nil {
		res.Exits = map[string]uint64{}
	}
	res.Exits[string(vcpu.ExitIO)] = r.IOExits
	res.Exits[string(vcpu.ExitFault)] = r.Faults
	switch {
	case r.Status != "":
		return r, fmt.Errorf("%w (%s): %s", ErrFatal, r.Status, r.Fatal)
	case !r.Ended:
		r.Status = Unfinished
		return r, fmt.Errorf("%w: the report ended without PLIB end", ErrFatal)
	}
	r.Status = Completed
	return r, nil
}

// parseViolation reads "kind=K [key=value...] view=N (name) ...
// caught-by=TEXT" (caught-by runs to the end of the line).
func parseViolation(args string) (*backend.Violation, error) {
	v := &backend.Violation{Detail: "reported by guestlib's hypervisor mode: " + args}
	head, caught, ok := strings.Cut(args, " caught-by=")
	if !ok {
		return nil, fmt.Errorf("no caught-by")
	}
	v.CaughtBy = caught
	v.Catcher = hypervisorCatcher(caught)
	f := strings.Fields(head)
	for i, kv := range f {
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		num := func() (uint64, error) { return strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 64) }
		switch key {
		case "kind":
			v.Kind = backend.ViolationKind(val)
			if !knownKinds[v.Kind] {
				return nil, fmt.Errorf("unknown kind %q", val)
			}
		case "view":
			v.Domain = "view " + val
			if i+1 < len(f) && strings.HasPrefix(f[i+1], "(") && strings.HasSuffix(f[i+1], ")") {
				v.Domain = strings.Trim(f[i+1], "()")
			}
		case "address", "cr2":
			a, err := num()
			if err != nil {
				return nil, fmt.Errorf("address %q", val)
			}
			v.Address = a
		case "rip":
			a, err := num()
			if err != nil {
				return nil, fmt.Errorf("rip %q", val)
			}
			v.RIP = a
		}
	}
	if v.Kind == "" {
		return nil, fmt.Errorf("no kind")
	}
	return v, nil
}

// knownKinds are the violation kinds the hypervisor mode reports.
var knownKinds = map[backend.ViolationKind]bool{
	backend.ViolationRead: true, backend.ViolationWrite: true, backend.ViolationExecute: true,
	backend.ViolationGate: true, backend.ViolationException: true, backend.ViolationVMFUNCIndex: true,
	backend.ViolationPlatform: true, backend.ViolationBudget: true, backend.ViolationIO: true,
	backend.ViolationTripleFault: true, backend.ViolationVMFUNCEPTP: true,
}

// hypervisorCatcher is what caught a violation the hypervisor mode
// reports, from the words it names the catcher with (guestlib/hv/exits.c).
func hypervisorCatcher(caught string) backend.Catcher {
	switch {
	case strings.HasPrefix(caught, "gate-check"):
		return backend.CatcherGate
	case strings.HasPrefix(caught, "guest-idt"):
		return backend.CatcherGuestFault
	case strings.HasPrefix(caught, "VMFUNC"):
		return backend.CatcherVMFUNC
	case strings.HasPrefix(caught, "platform-call validation"):
		return backend.CatcherPlatform
	case strings.HasPrefix(caught, "EPT"):
		return backend.CatcherEPT
	}
	return backend.CatcherHypervisor
}
