package main

import (
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
	"plib/internal/caps"
	"plib/internal/image"
	"plib/vmm"
)

type runCmd struct {
	Backend    string            `help:"Isolation backend: ${backends} (vmm caps says which run here)." default:"vmfunc" enum:"${backends}"`
	VMFUNC     string            `name:"vmfunc" help:"With --backend=vmfunc, how VMFUNC runs: emulate (the VMM carries out each switch), nested (guestlib's hypervisor mode in a KVM guest with VMX; L0 KVM carries out each switch), or auto (nested where available)." default:"auto" enum:"auto,emulate,nested"`
	JSON       bool              `name:"json" help:"Print the result as JSON on stdout (the workload's own output goes to stderr)."`
	Stats      bool              `help:"Also print exits by reason and per-call costs in nanoseconds."`
	Param      map[string]string `help:"Workload parameter NAME=VALUE (integer), read by plib_param(); repeatable." placeholder:"NAME=VALUE"`
	Timeout    time.Duration     `help:"Stop the workload after this long (a violation: it never returned)." default:"60s"`
	CallBudget time.Duration     `name:"call-budget" help:"Abort a library call that runs longer than this (0: no bound; the none backend has none)." default:"10s"`
	Wait       string            `help:"How the process backend's two sides wait for each other: spin (a bounded spin, then sleep; each side on a core of its own), sleep (a futex wake-up each way; both on one core), or auto (spin where there are two cores)." default:"auto" enum:"auto,spin,sleep"`
	Image      string            `arg:"" help:"Workload image (an ELF built by scripts/build, e.g. build/images/null.elf)." type:"path"`
}

// Run runs the image and maps the outcome to an exit code.
func (r *runCmd) Run() error {
	b, err := lookupBackend(r.Backend)
	if err != nil {
		return err
	}
	if vb, ok := b.(vmm.Backend); ok {
		vb.VMFUNC = vmm.VMFUNCMode(r.VMFUNC)
		b = vb
	} else if r.VMFUNC != "auto" {
		return exitError{exitUsage, "--vmfunc applies to --backend=vmfunc only"}
	}
	params, img, err := loadWithParams(r.Image, r.Param)
	if err != nil {
		return err
	}
	mech := b.Probe()
	if !mech.Available() {
		return exitError{exitUnavailable, fmt.Sprintf("backend %s is unavailable here: %s", b.Name(), mech.Unavailable)}
	}
	var out io.Writer = os.Stdout
	if r.JSON {
		out = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wait, err := backend.ParseWaitPolicy(r.Wait)
	if err != nil {
		return exitError{exitUsage, err.Error()}
	}
	res, err := backend.Run(ctx, b, img, r.Image, backend.Options{Wait: wait, Params: params, Timeout: r.Timeout, CallBudget: r.CallBudget, Output: out})
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
	if r.JSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
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

func printResult(w io.Writer, res *backend.Result, stats bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "backend\t%s\n", res.Mechanism)
	if res.Mechanism.Detail != "" {
		fmt.Fprintf(tw, "\t%s\n", res.Mechanism.Detail)
	}
	fmt.Fprintf(tw, "image\t%s\n", res.Image)
	for _, n := range res.Notes {
		fmt.Fprintf(tw, "note\t%s\n", n)
	}
	switch {
	case res.TimedOut:
		fmt.Fprintf(tw, "outcome\tSTOPPED: timed out after %.2fs\n", res.WallSeconds)
	case res.Violation != nil && res.Violation.Kind == backend.ViolationBudget:
		fmt.Fprintf(tw, "outcome\tSTOPPED: a library call ran past its budget\n")
	case res.Violation != nil:
		fmt.Fprintf(tw, "outcome\tSTOPPED: isolation violation\n")
	case res.Exited:
		fmt.Fprintf(tw, "outcome\texited with code %d after %.3fs\n", res.ExitCode, res.WallSeconds)
	}
	if v := res.Violation; v != nil {
		fmt.Fprintf(tw, "violation\t%s by %s\n", v.Kind, v.Domain)
		if v.Address != 0 || v.Target != "" {
			fmt.Fprintf(tw, "  address\t%#x %s\n", v.Address, v.Target)
		}
		if v.RIP != 0 {
			fmt.Fprintf(tw, "  rip\t%#x\n", v.RIP)
		}
		fmt.Fprintf(tw, "  detail\t%s\n", v.Detail)
		fmt.Fprintf(tw, "  caught by\t%s\n", v.CaughtBy)
	}
	for _, m := range res.Metrics {
		fmt.Fprintf(tw, "metric\t%s = %d\t(%s)\n", m.Name, m.Value, m.Domain)
	}
	if cps, ok := res.Derived["calls_per_sec"]; ok {
		fmt.Fprintf(tw, "calls/s\t%.0f\t(from call_cycles at %.3f GHz)\n", cps, res.TSCHz/1e9)
	}
	if res.ViewSwitches > 0 {
		line := fmt.Sprintf("%d", res.ViewSwitches)
		if calls, ok := res.Metric("calls"); ok && calls > 0 {
			line += fmt.Sprintf(" (%.2f per library call)", float64(res.ViewSwitches)/float64(calls))
		}
		if res.GateSwitches > 0 {
			line += fmt.Sprintf("; counted by the gate: %d", res.GateSwitches)
		}
		fmt.Fprintf(tw, "view switches\t%s\n", line)
	}
	if stats && len(res.Exits) > 0 {
		var keys []string
		for k := range res.Exits {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, res.Exits[k]))
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
			fmt.Fprintf(tw, "derived\t%s = %.0f\n", k, res.Derived[k])
		}
	}
	tw.Flush()
}

// loadWithParams parses --param NAME=VALUE flags and loads the image; a
// bad value, a missing file or a malformed image is a usage error.
func loadWithParams(path string, flags map[string]string) (map[string]int64, *image.Image, error) {
	params := map[string]int64{}
	for k, v := range flags {
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil {
			return nil, nil, exitError{exitUsage, fmt.Sprintf("--param %s=%s: the value must be an integer", k, v)}
		}
		params[k] = n
	}
	img, err := image.Load(path)
	if err != nil {
		if errors.Is(err, image.ErrBadImage) || errors.Is(err, os.ErrNotExist) {
			return nil, nil, exitError{exitUsage, err.Error()}
		}
		return nil, nil, err
	}
	return params, img, nil
}
