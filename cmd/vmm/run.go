package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"plib/backend"
	"plib/caps"
	"plib/image"
	"plib/untrusted"
	"plib/vmm/vmfunc"
)

type runCmd struct {
	Backend    string            `help:"Isolation backend: ${backends} (vmm caps says which run here)." default:"vmfunc" enum:"${backends}"`
	VMFUNC     string            `name:"vmfunc" help:"${help_run_vmfunc}" default:"auto" enum:"auto,emulate,nested"`
	JSON       bool              `name:"json" help:"Print the result as JSON on stdout (the workload's own output goes to stderr)."`
	Stats      bool              `help:"Also print exits by reason and per-call costs in nanoseconds."`
	Param      map[string]string `help:"${help_run_param}" placeholder:"NAME=VALUE"`
	Secret     []string          `help:"${help_run_secret}" placeholder:"LIB=FILE"`
	Timeout    time.Duration     `help:"Stop the workload after this long (a violation: it never returned); more than 0." default:"60s"`
	CallBudget time.Duration     `name:"call-budget" help:"${help_run_call_budget}" default:"10s"`
	Wait       string            `help:"${help_run_wait}" default:"auto" enum:"auto,spin,sleep"`
	Image      string            `arg:"" help:"Workload image (an ELF built by scripts/build, e.g. build/images/null.elf)." type:"path"`
}

// Run runs the image and maps the outcome to an exit code.
func (r *runCmd) Run() error {
	if err := checkTimeout("--timeout", r.Timeout); err != nil {
		return err
	}
	if r.CallBudget < 0 {
		return exitError{exitUsage, fmt.Sprintf("--call-budget=%v: a budget cannot be negative (0 means no bound)", r.CallBudget)}
	}
	b, err := lookupBackend(r.Backend)
	if err != nil {
		return err
	}
	if vb, ok := b.(vmfunc.Backend); ok {
		vb.VMFUNC = vmfunc.Mode(r.VMFUNC)
		b = vb
	} else if r.VMFUNC != "auto" {
		return exitError{exitUsage, "--vmfunc applies to --backend=vmfunc only"}
	}
	params, img, err := loadWithParams(r.Image, r.Param)
	if err != nil {
		return err
	}
	secrets, err := readSecrets(r.Secret)
	if err != nil {
		return err
	}
	if err := secrets.Check(img); err != nil {
		return exitError{exitUsage, err.Error()}
	}
	mech := b.Probe()
	if !mech.Available() {
		return exitError{exitUnavailable, fmt.Sprintf("backend %s is unavailable here: %s", b.Name(), mech.Unavailable)}
	}
	// The workload's prints are the image's bytes: they reach the
	// terminal as text only, and end (Close) before the result is printed.
	out := untrusted.NewTerminal(os.Stdout)
	if r.JSON {
		out = untrusted.NewTerminal(os.Stderr)
	}
	defer out.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wait, err := backend.ParseWaitPolicy(r.Wait)
	if err != nil {
		return exitError{exitUsage, err.Error()}
	}
	res, err := backend.Run(ctx, b, img, r.Image, backend.Options{Wait: wait, Params: params, Timeout: r.Timeout, CallBudget: r.CallBudget,
		Output: out, Secrets: secrets})
	out.Close() // nothing the workload printed can come after this
	if ctx.Err() != nil {
		return exitError{exitInterrupted, "interrupted"}
	}
	if err != nil {
		if errors.Is(err, backend.ErrUnavailable) {
			return exitError{exitUnavailable, err.Error()}
		}
		if errors.Is(err, image.ErrBadImage) {
			return exitError{exitUsage, err.Error()}
		}
		return exitError{exitHost, err.Error()}
	}
	if res.TSCHz == 0 {
		res.TSCHz = caps.TSCHz()
	}
	res.Derive()
	if r.CallBudget == 0 {
		res.Notes = append(res.Notes, "call budget: none (--call-budget=0): a library call may run until --timeout")
	}
	if r.JSON {
		if err := writeResultJSON(os.Stdout, res); err != nil {
			return err
		}
	} else {
		printResult(os.Stdout, res, r.Stats)
	}
	switch {
	case res.TimedOut, res.Violation != nil && res.Violation.Kind == backend.ViolationBudget:
		return exitError{code: exitTimeout}
	case res.Violation != nil:
		return exitError{code: exitViolation}
	case res.ExitCode != 0:
		return exitError{code: exitWorkload}
	}
	return nil
}

// resultFormat is the version of vmm run --json's format (format_version):
// it grows when a field changes meaning or goes away.
const resultFormat = 2

// writeResultJSON writes a result as vmm run --json does: the Result's own
// fields after its format_version.
func writeResultJSON(w io.Writer, res *backend.Result) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	b = append([]byte(fmt.Sprintf(`{"format_version":%d,`, resultFormat)), b[1:]...)
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = out.WriteTo(w)
	return err
}

// checkTimeout refuses a bound of 0 or less: every run is bounded.
func checkTimeout(flag string, d time.Duration) error {
	if d <= 0 {
		return exitError{exitUsage, fmt.Sprintf("%s=%v: the bound must be more than 0 (a run is always bounded; give a long one, e.g. %s=24h)", flag, d, flag)}
	}
	return nil
}

// width is the terminal width the human-readable output is wrapped to.
const width = 80

// wrap breaks s into lines of at most w columns at spaces (a longer word
// stays whole).
func wrap(s string, w int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > w {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" || len(lines) == 0 {
		lines = append(lines, line)
	}
	return lines
}

// labelled writes "label  text" with text wrapped to the width, its
// continuation lines under its first.
func labelled(w io.Writer, label string, indent int, text string) {
	for i, l := range wrap(text, max(width-indent, 20)) {
		if i == 0 {
			fmt.Fprintf(w, "%-*s%s\n", indent, label, l)
		} else {
			fmt.Fprintf(w, "%*s%s\n", indent, "", l)
		}
	}
}

// printResult prints a result for a reader: every string in it that an
// image could choose (metric names, domains, violation texts, notes) as
// one line of text only, and the outcome line last.
func printResult(w io.Writer, res *backend.Result, stats bool) {
	const indent = len("view switches") + 2 // the longest label, as the table below
	line := untrusted.Line
	labelled(w, "backend", indent, line(res.Mechanism.String()))
	if res.Mechanism.Detail != "" {
		labelled(w, "", indent, line(res.Mechanism.Detail))
	}
	labelled(w, "image", indent, line(res.Image))
	for _, n := range res.Notes {
		labelled(w, "note", indent, line(n))
	}
	tw := tabwriter.NewWriter(w, indent, 0, 2, ' ', 0)
	if v := res.Violation; v != nil {
		fmt.Fprintf(tw, "violation\t%s by %s\n", line(string(v.Kind)), line(v.Domain))
		if v.Address != 0 || v.Target != "" {
			fmt.Fprintf(tw, "  address\t%#x %s\n", v.Address, line(v.Target))
		}
		if v.RIP != 0 {
			fmt.Fprintf(tw, "  rip\t%#x\n", v.RIP)
		}
		for i, l := range wrap(line(v.Detail), width-indent) {
			fmt.Fprintf(tw, "%s\t%s\n", map[bool]string{true: "  detail", false: ""}[i == 0], l)
		}
		fmt.Fprintf(tw, "  caught by\t%s\n", line(v.CaughtBy))
	}
	for _, m := range res.Metrics {
		fmt.Fprintf(tw, "metric\t%s = %d\t(%s)\n", line(m.Name), m.Value, line(m.Domain))
	}
	if cps, ok := res.Derived["calls_per_sec"]; ok {
		fmt.Fprintf(tw, "calls/s\t%.0f\t(from call_cycles at %.3f GHz)\n", cps, res.TSCHz/1e9)
	}
	if res.ViewSwitches > 0 {
		text := fmt.Sprintf("%d", res.ViewSwitches)
		if calls, ok := res.Metric("calls"); ok && calls > 0 {
			text += fmt.Sprintf(" (%.2f per library call)", float64(res.ViewSwitches)/float64(calls))
		}
		if res.GateSwitches > 0 {
			text += fmt.Sprintf("; counted by the gate: %d", res.GateSwitches)
		}
		fmt.Fprintf(tw, "view switches\t%s\n", text)
	}
	if stats && len(res.Exits) > 0 {
		var keys []string
		for k := range res.Exits {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", line(k), res.Exits[k]))
		}
		fmt.Fprintf(tw, "exits\t%s\n", strings.Join(parts, ", "))
	}
	if stats {
		var names []string
		for k := range res.Derived {
			if strings.HasSuffix(k, "_ns") {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(tw, "derived\t%s = %.0f\n", line(k), res.Derived[k])
		}
	}
	// The outcome last, after everything an image could put on the
	// screen, and in words of plib's own.
	switch {
	case res.TimedOut:
		fmt.Fprintf(tw, "outcome\tSTOPPED: timed out after %.2fs\n", res.WallSeconds)
	case res.Violation != nil && res.Violation.Kind == backend.ViolationBudget:
		fmt.Fprintf(tw, "outcome\tSTOPPED: a library call ran past its budget\n")
	case res.Violation != nil:
		fmt.Fprintf(tw, "outcome\tSTOPPED: isolation violation\n")
	case res.Exited:
		fmt.Fprintf(tw, "outcome\texited with code %d after %.3fs\n", res.ExitCode, res.WallSeconds)
	default:
		fmt.Fprintf(tw, "outcome\tno outcome recorded\n")
	}
	tw.Flush()
}

// loadWithParams loads the image and checks --param NAME=VALUE flags
// against the parameters it declares; a bad name or value, a missing file
// or a malformed image is a usage error.
func loadWithParams(path string, flags map[string]string) (map[string]int64, *image.Image, error) {
	img, err := loadImage(path)
	if err != nil {
		return nil, nil, err
	}
	params := map[string]int64{}
	names := make([]string, 0, len(flags))
	for k := range flags {
		names = append(names, k)
	}
	sort.Strings(names) // the first bad one in a stable order
	for _, k := range names {
		v := flags[k]
		if k == "" {
			return nil, nil, exitError{exitUsage, fmt.Sprintf("--param =%s: the parameter has no name (want NAME=VALUE; vmm params %s lists them)", v, path)}
		}
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return nil, nil, exitError{exitUsage, fmt.Sprintf("--param %s=%s: the value must be an integer", k, v)}
		}
		if err := img.CheckParam(k, n); err != nil {
			return nil, nil, exitError{exitUsage, fmt.Sprintf("--param %s=%s: %v; vmm params %s lists them", k, v, err, path)}
		}
		params[k] = n
	}
	return params, img, nil
}

// loadImage loads an image; a missing file or a malformed image is a
// usage error.
func loadImage(path string) (*image.Image, error) {
	img, err := image.Load(path)
	if err != nil {
		if errors.Is(err, image.ErrBadImage) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, exitError{exitUsage, err.Error()}
		}
		return nil, err
	}
	return img, nil
}

type paramsCmd struct {
	JSON  bool   `name:"json" help:"Print the parameters as JSON."`
	Image string `arg:"" help:"Workload image (e.g. build/images/kv.elf)." type:"path"`
}

// Run lists the parameters the image declares, then the runtime's own.
func (p *paramsCmd) Run() error {
	img, err := loadImage(p.Image)
	if err != nil {
		return err
	}
	ps := img.AllParams()
	if p.JSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ps)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "parameter\trange\tdefault\tmeaning\n")
	for _, q := range ps {
		help := q.Help
		if q.Runtime {
			help += " [runtime]"
		}
		fmt.Fprintf(tw, "%s\t%d..%d\t%d\t%s\n", untrusted.Line(q.Name), q.Min, q.Max, q.Default, untrusted.Line(help))
	}
	return tw.Flush()
}
