package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/compare"
	"plib/compare/report"
	"plib/image"
	"plib/untrusted"
)

type compareCmd struct {
	Out          string        `help:"${help_compare_out}" default:"report" type:"path"`
	Quick        bool          `help:"A smoke-sized run: one run per backend and few samples (under a minute here)."`
	Merge        []string      `help:"${help_compare_merge}" placeholder:"REPORT.json" type:"existingfile"`
	Backend      []string      `help:"Backends to compare (repeatable; default: every backend; unavailable ones are reported with the reason)." placeholder:"NAME"`
	Images       string        `help:"Directory holding the workload images (null.elf, kv.elf, ipc.elf)." default:"build/images" type:"path"`
	Workload     []string      `help:"${help_compare_workload}" placeholder:"NAME"`
	Secret       []string      `help:"${help_compare_secret}" placeholder:"LIB=FILE"`
	Runs         int           `help:"Runs of each workload per backend (0: 3, or 1 with --quick)." default:"0"`
	Memcached    bool          `help:"Measure real memcached over loopback beside kv (--no-memcached to skip)." default:"true" negatable:""`
	DDS          bool          `name:"dds-baselines" help:"${help_compare_dds}" default:"true" negatable:""`
	Attacks      bool          `help:"${help_compare_attacks}" default:"true" negatable:""`
	Timeout      time.Duration `help:"Bound on one workload run; more than 0." default:"5m"`
	Wait         string        `help:"The process backend's wait: auto, spin or sleep (see vmm run --help)." default:"auto" enum:"auto,spin,sleep"`
	Quiet        bool          `help:"No progress and no summary on the terminal; only errors."`
	Markdown     bool          `help:"Print report.md's tables on stdout instead of the one-line summaries." xor:"stdout"`
	JSON         bool          `name:"json" help:"Print report.json on stdout instead of the one-line summaries." xor:"stdout"`
	UpdateReadme string        `name:"update-readme" help:"${help_compare_update_readme}" placeholder:"README.md" type:"path"`
}

// interrupted is the cause of a context notifyInterrupt cancelled.
type interrupted struct{ sig syscall.Signal }

func (i interrupted) Error() string { return "interrupted by " + i.sig.String() }

// notifyInterrupt returns a context cancelled by SIGINT, SIGTERM or
// SIGHUP, with the signal as its cause, and a function that stops
// listening.
func notifyInterrupt() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case s := <-sigs:
			cancel(interrupted{s.(syscall.Signal)})
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(sigs); cancel(nil) }
}

// interruptCode is the exit code of a run interrupted as ctx says: 128
// plus the signal's number (130 for Ctrl-C), as a shell reports it.
func interruptCode(ctx context.Context) int {
	var i interrupted
	if errors.As(context.Cause(ctx), &i) {
		return 128 + int(i.sig)
	}
	return exitInterrupted
}

// Run measures (or merges) and writes the reports.
func (c *compareCmd) Run() error {
	// From the start: an interrupt at any moment still writes a report
	// of what was measured (nothing, if it came before the first step).
	// SIGTERM and SIGHUP (a kill, a closed terminal) do the same as
	// Ctrl-C; the exit code says which came (128 + its number).
	ctx, stop := notifyInterrupt()
	defer stop()
	if c.Runs < 0 {
		return exitError{exitUsage, "--runs must be 0 (the default) or more"}
	}
	if err := checkTimeout("--timeout", c.Timeout); err != nil {
		return err
	}
	// Before anything is measured: a report that cannot be written is a
	// usage error found now, not after minutes of measuring.
	if err := checkOutDir(c.Out); err != nil {
		return err
	}
	var rep *report.Report
	var failed []string
	if len(c.Merge) > 0 {
		if len(c.Merge) < 2 {
			return exitError{exitUsage, "--merge needs at least two report.json files"}
		}
		var err error
		if rep, err = report.Merge(c.Merge); err != nil {
			return exitError{exitUsage, err.Error()}
		}
	} else {
		wait, err := backend.ParseWaitPolicy(c.Wait)
		if err != nil {
			return exitError{exitUsage, err.Error()}
		}
		secrets, err := readSecrets(c.Secret)
		if err != nil {
			return err
		}
		cfg := compare.Config{Images: c.Images, Quick: c.Quick, Runs: c.Runs, Memcached: c.Memcached, Timeout: c.Timeout, Wait: wait,
			Attacks: c.Attacks && !c.Quick, Workloads: c.Workload, Secrets: secrets}
		if exe, err := os.Executable(); c.DDS && err == nil {
			cfg.DDSEcho = []string{exe, "dds-baseline", "--echo-port"}
		}
		bs, err := lookupBackends(c.Backend)
		if err != nil {
			return err
		}
		// The ceiling first: every other row is read against it. Each
		// backend once, however often it was named.
		for _, ceiling := range []bool{true, false} {
			for _, b := range bs {
				if (backend.PromiseOf(b.Name()) == backend.Ceiling) == ceiling &&
					!slices.ContainsFunc(cfg.Backends, func(o backend.Backend) bool { return o.Name() == b.Name() }) {
					cfg.Backends = append(cfg.Backends, b)
				}
			}
		}
		var why []string
		for _, b := range cfg.Backends {
			if m := b.Probe(); m.Available() {
				why = nil
				break
			} else {
				why = append(why, fmt.Sprintf("%s: %s", b.Name(), m.Unavailable))
			}
		}
		if len(why) > 0 {
			return exitError{exitUnavailable, "no requested backend can run here:\n  " + strings.Join(why, "\n  ")}
		}
		finish := c.progress(&cfg)
		rep, err = compare.Run(ctx, cfg)
		finish()
		code := interruptCode(ctx)
		if ctx.Err() != nil && rep != nil {
			what := "a partial report"
			if rep.Partial == nil { // the interrupt came after the last measurement
				what = "the whole report (the interrupt came after the last measurement)"
			}
			paths, err := rep.WriteFiles(c.Out)
			if err != nil {
				return exitError{code, fmt.Sprintf("interrupted; %s: %s; but %s", what, strings.Join(paths, ", "), formatFailure(err))}
			}
			return exitError{code, fmt.Sprintf("interrupted; %s: %s", what, strings.Join(paths, ", "))}
		}
		if ctx.Err() != nil {
			return exitError{code, fmt.Sprintf("interrupted; no report written: %v", err)}
		}
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, image.ErrBadImage) || errors.Is(err, compare.ErrUnknownWorkload) ||
			errors.Is(err, compare.ErrSecretForNoLibrary) {
			return exitError{exitUsage, err.Error()}
		}
		if err != nil {
			return exitError{exitHost, err.Error()}
		}
		for _, s := range rep.Series {
			if s.Error != "" && s.Backend != report.AnchorBackend {
				failed = append(failed, untrusted.Line(fmt.Sprintf("%s under %s: %s", s.Label, s.Backend, s.Error)))
			}
		}
	}
	paths, err := rep.WriteFiles(c.Out)
	if err != nil {
		code := exitReportFormat
		if slices.Contains(report.FailedFormats(err), "report.json") || len(paths) == 0 {
			code = exitHost
		}
		return exitError{code, formatFailure(err) + "\nwritten: " + strings.Join(paths, ", ")}
	}
	if c.UpdateReadme != "" {
		if err := replaceMarkedFiles([]markedEdit{
			{c.UpdateReadme, headlineBegin, headlineEnd, rep.ReadmeHeadline()},
			{filepath.Join(filepath.Dir(c.UpdateReadme), measuredDoc), measuredBegin, measuredEnd, rep.ReadmeSection()},
		}); err != nil {
			return err
		}
	}
	switch {
	case c.JSON:
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	case c.Markdown:
		fmt.Print(rep.Markdown())
		fmt.Printf("\nreports: %s\n", strings.Join(paths, ", "))
	case !c.Quiet:
		// One line per workload, in the spirit of hyperfine; the tables
		// are in report.md.
		for _, l := range rep.SummaryLines() {
			fmt.Println(untrusted.Line(l))
		}
		fmt.Printf("\nreports: %s\n", strings.Join(paths, ", "))
		fmt.Printf("tables: %s (or --markdown); compare runs: benchstat -col /backend %s\n",
			filepath.Join(c.Out, "report.md"), filepath.Join(c.Out, "report.bench.txt"))
	}
	for _, mech := range rep.Machines[0].Mechanisms {
		if !mech.Available() && !c.Quiet {
			fmt.Fprintf(os.Stderr, "compare: %s was not measured: %s\n", untrusted.Line(mech.Backend), untrusted.Line(mech.Unavailable))
		}
	}
	if len(failed) > 0 {
		return exitError{exitWorkload, "some measurements failed (the report says which):\n  " + strings.Join(failed, "\n  ")}
	}
	return nil
}

// checkOutDir makes sure the report directory exists (creating it) and
// is writable; otherwise it is a usage error.
func checkOutDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return exitError{exitUsage, fmt.Sprintf("--out %s: not a directory (compare writes four reports into a directory)", dir)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return exitError{exitUsage, fmt.Sprintf("--out %s: cannot create the report directory: %v", dir, err)}
	}
	f, err := os.CreateTemp(dir, ".vmm-write-check-*")
	if err != nil {
		return exitError{exitUsage, fmt.Sprintf("--out %s: cannot write there: %v", dir, err)}
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// measuredDoc is where the full measured section lives, relative to
// README's directory.
const measuredDoc = "docs/measured-results.md"

// The markers of docs/measured-results.md's generated section and of
// README's headline table.
const (
	measuredBegin = "<!-- measured: generated by vmm compare --update-readme; do not edit -->"
	measuredEnd   = "<!-- end of measured -->"
	headlineBegin = "<!-- headline: generated by vmm compare --update-readme; do not edit -->"
	headlineEnd   = "<!-- end of headline -->"
)

// formatFailure says which report formats could not be written, and why.
func formatFailure(err error) string {
	return fmt.Sprintf("these report formats could not be written (%s): %v", strings.Join(report.FailedFormats(err), ", "), err)
}

// progress shows the run's steps on stderr: a progress bar on a terminal,
// one line per step otherwise, nothing with --quiet. It returns a
// function that finishes the display.
func (c *compareCmd) progress(cfg *compare.Config) func() {
	if c.Quiet {
		return func() {}
	}
	if !isTerminal(os.Stderr) || terminalWidth(os.Stderr) < 60 { // a pipe, or a terminal too narrow for a bar (script -qc reports 0)
		cfg.Progress = func(step string, done, total int) {
			fmt.Fprintf(os.Stderr, "compare: [%d/%d] %s\n", done+1, total, untrusted.Line(step))
		}
		return func() {}
	}
	p := mpb.New(mpb.WithOutput(os.Stderr), mpb.WithWidth(40))
	var bar *mpb.Bar
	var current atomic.Value // the step's name, read by the bar's decorator
	current.Store("")
	cfg.Progress = func(step string, done, total int) {
		if bar == nil {
			bar = p.AddBar(int64(total),
				mpb.PrependDecorators(decor.CountersNoUnit("%d/%d "), decor.Elapsed(decor.ET_STYLE_GO)),
				mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return current.Load().(string) })))
		}
		current.Store(untrusted.Line(step))
		bar.SetCurrent(int64(done))
	}
	return func() {
		if bar != nil {
			current.Store("done")
			bar.SetTotal(-1, true) // complete at whatever was reached
		}
		p.Wait()
	}
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// terminalWidth is f's terminal's width in columns (0 if unknown).
func terminalWidth(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
