package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"plib/compare/report"
	"plib/internal/testimages"
)

// interruptCompare starts vmm compare with args, sends SIGINT when a
// progress line containing line appears (line non-empty) or after wait,
// and returns the exit code and stderr.
func interruptCompare(t *testing.T, line string, wait time.Duration, args ...string) (int, string) {
	t.Helper()
	return signalCompare(t, syscall.SIGINT, line, wait, args...)
}

// signalCompare is interruptCompare sending sig.
func signalCompare(t *testing.T, sig syscall.Signal, line string, wait time.Duration, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(vmmBin, append([]string{"compare"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	done := make(chan struct{})
	seen := make(chan struct{}, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			errb.WriteString(sc.Text() + "\n")
			if line != "" && strings.Contains(sc.Text(), line) {
				select {
				case seen <- struct{}{}:
				default:
				}
			}
		}
	}()
	if line != "" {
		select {
		case <-seen:
		case <-done:
			t.Errorf("compare ended before a progress line %q", line)
		}
	} else {
		time.Sleep(wait)
	}
	cmd.Process.Signal(sig)
	<-done
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, errb.String()
}

// imagesDir is a directory holding only the named workload images.
func imagesDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(testimages.Path(t, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n+".elf"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkPartial checks that dir holds a report of what was measured,
// marked partial in every format, and returns its report.json.
func checkPartial(t *testing.T, dir string) *report.Report {
	t.Helper()
	rep, err := report.Load(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if rep.Partial == nil || rep.Partial.StepsDone > rep.Partial.StepsTotal {
		t.Errorf("report.json is not marked partial: %+v", rep.Partial)
	}
	f, err := os.Open(filepath.Join(dir, "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) == 0 || rows[0][len(rows[0])-1] != "partial" {
		t.Fatalf("report.csv has no partial column: %v %v", err, rows)
	}
	for _, r := range rows[1:] {
		if r[len(r)-1] != "true" {
			t.Errorf("report.csv row not marked partial: %v", r)
		}
	}
	for name, says := range map[string]string{
		"report.bench.txt": "\npartial: interrupted after ",
		"report.html":      "<title>plib: the cost of isolating a library (partial: interrupted)</title>",
		"report.md":        "**A partial report**: interrupted after ",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !strings.Contains(string(b), says) {
			t.Errorf("%s does not say %q: %v", name, says, err)
		}
	}
	return rep
}

// TestTerminatedCompareWritesWhatItHas: SIGTERM and SIGHUP (a kill, a
// closed terminal) during the first step do what Ctrl-C does — a report
// marked partial — and exit 128 plus the signal's number.
func TestTerminatedCompareWritesWhatItHas(t *testing.T) {
	images := imagesDir(t, "kv")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			out := t.TempDir()
			code, errs := signalCompare(t, sig, "compare: [1/", 0, "--backend=none", "--workload=kv", "--no-memcached", "--no-dds-baselines", "--images", images, "--out", out)
			if code != 128+int(sig) || !strings.Contains(errs, "interrupted; a partial report") {
				t.Fatalf("after %v: exit %d\n%s", sig, code, errs)
			}
			checkPartial(t, out)
		})
	}
}

// TestInterruptedCompareWritesWhatItHas: Ctrl-C at any moment of compare
// (before anything was measured, during the workloads' runs, the
// anchors, memcached) exits 130 and still writes every report of what
// was measured, marked partial in each.
func TestInterruptedCompareWritesWhatItHas(t *testing.T) {
	images := imagesDir(t, "null", "kv")
	quick := []string{"--quick", "--backend=none,mprotect", "--workload=null,kv", "--no-dds-baselines", "--images", images}
	// Three runs of each: about three times as long in the workloads'
	// runs, so that an interrupt after 3 s still lands before the end.
	longer := append([]string{"--runs=3"}, quick...)
	for _, c := range []struct {
		name string
		line string        // interrupt when this progress line appears,
		wait time.Duration // or after this long
		args []string
	}{
		// kv with its full parameters runs for about a second: the
		// interrupt lands inside the first step, before anything is kept.
		{"during the first step", "compare: [1/", 0, []string{"--backend=none", "--workload=kv", "--no-memcached", "--images", images}},
		{"after 0.3 s", "", 300 * time.Millisecond, longer},
		{"after 1 s", "", time.Second, longer},
		{"after 3 s", "", 3 * time.Second, longer},
		{"during the anchors", "anchor: getpid", 0, quick},
		{"during memcached", "memcached over loopback", 0, quick},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			code, errs := interruptCompare(t, c.line, c.wait, append(c.args, "--out", out)...)
			if code != exitInterrupted || !strings.Contains(errs, "interrupted; a partial report") {
				t.Fatalf("after SIGINT: exit %d\n%s", code, errs)
			}
			rep := checkPartial(t, out)
			md, _ := os.ReadFile(filepath.Join(out, "report.md"))
			measured := map[string]bool{} // workload or anchor with samples
			for _, s := range rep.Series {
				if len(s.NS) > 0 {
					measured[s.Backend+"/"+s.Workload] = true
				}
				if strings.Contains(s.Error, "context canceled") || strings.Contains(s.Error, "interrupt") {
					t.Errorf("the interrupted step is reported as a failure: %s under %s: %s", s.Label, s.Backend, s.Error)
				}
			}
			if rep.Partial.StepsDone == 0 != (len(measured) == 0) {
				t.Errorf("%d steps done, but %d series measured", rep.Partial.StepsDone, len(measured))
			}
			if len(measured) == 0 && !strings.Contains(string(md), "nothing was measured") {
				t.Errorf("nothing was measured, and report.md does not say so:\n%s", md)
			}
			switch c.name {
			case "during the first step":
				if rep.Partial.StepsDone != 0 || len(measured) != 0 {
					t.Errorf("interrupted in the first step, yet %d steps done: %v", rep.Partial.StepsDone, measured)
				}
			case "during the anchors":
				// Anchors take milliseconds: a few more may finish before
				// the signal lands, but every workload run and the first
				// anchor were measured before it, and are kept.
				if !measured["none/kv"] || !measured["mprotect/kv"] || !measured["none/null"] || !measured["mprotect/null"] || !measured["anchor/call"] || rep.Partial.StepsDone < 5 {
					t.Errorf("interrupted at the second anchor: %d steps done, measured %v", rep.Partial.StepsDone, measured)
				}
			case "during memcached":
				if !measured["anchor/getpid"] || measured["memcached/kv"] || measured["anchor/memcached"] {
					t.Errorf("interrupted in memcached: measured %v", measured)
				}
				for _, m := range rep.Machines[0].Mechanisms {
					if m.Backend == "memcached" {
						t.Errorf("memcached's interrupted run is reported: %+v", m)
					}
				}
			}
		})
	}
}

// TestBadBenchmarkStandsAlone: a benchmark that reports 0 cycles, or a
// negative count, is reported invalid with the reason; every report is
// still written, its real figure and the other workloads stand, and
// compare exits 1 naming it.
func TestBadBenchmarkStandsAlone(t *testing.T) {
	images := imagesDir(t, "null")
	mk := exec.Command(filepath.Join(testimages.Root(t), "guestlib", "mkimage"), "testdata/bad-bench", filepath.Join(images, "bad.elf"))
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkimage: %v\n%s", err, out)
	}
	out := t.TempDir()
	code, stdout, errs := runVMM(t, "compare", "--quick", "--backend=none", "--no-dds-baselines", "--images", images, "--out", out)
	if code != exitWorkload || !strings.Contains(errs, "bad: zero cycles under none: invalid (zero_cycles): sample 1 of 7 is 0 cycles: a measurement is positive") ||
		!strings.Contains(errs, "bad: negative cycles under none: invalid (negative_cycles): sample 1 of 7 is -5 cycles") {
		t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, exitWorkload, stdout, errs)
	}
	for _, f := range []string{"report.json", "report.csv", "report.md", "report.html", "report.bench.txt", "charts"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("not written: %v", err)
		}
	}
	rep, err := report.Load(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Series {
		switch {
		case s.Workload == "bad" && (s.Metric == "zero" || s.Metric == "negative"):
			if !strings.HasPrefix(s.Error, "invalid") || len(s.NS) != 0 {
				t.Errorf("%s: error %q, %d samples", s.Label, s.Error, len(s.NS))
			}
		case s.Backend == "none":
			if s.Error != "" || len(s.NS) == 0 {
				t.Errorf("%s did not stand: error %q, %d samples", s.Label, s.Error, len(s.NS))
			}
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if !strings.Contains(string(md), `failed: invalid (zero\_cycles)`) { // Markdown escapes the _
		t.Errorf("report.md does not say the benchmark is invalid:\n%s", md)
	}
}

// TestCompareWithoutKV: compare with no kv, by --workload or by an
// --images directory without it, measures the rest and says memcached
// (kv's baseline) was not measured; an unknown --workload is a usage
// error naming the known ones.
func TestCompareWithoutKV(t *testing.T) {
	note := "memcached was not measured: it is the kv workload's baseline, and kv was not among the workloads measured"
	for name, args := range map[string][]string{
		"--workload":    {"--workload=null", "--images", imagesDir(t, "null", "kv")},
		"--images":      {"--images", imagesDir(t, "null")},
		"--workload kv": {"--workload=kv", "--images", imagesDir(t, "null", "kv")},
	} {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			code, stdout, errs := runVMM(t, append([]string{"compare", "--quick", "--backend=none", "--no-dds-baselines", "--out", out}, args...)...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, errs)
			}
			rep, err := report.Load(filepath.Join(out, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			kv := name == "--workload kv"
			md, _ := os.ReadFile(filepath.Join(out, "report.md"))
			if strings.Contains(string(md), note) == kv {
				t.Errorf("kv measured %v, and report.md's note on memcached is wrong:\n%s", kv, md)
			}
			for _, s := range rep.Series {
				if !kv && (s.Backend == "memcached" || s.Workload == "memcached" || s.Workload == "kv") {
					t.Errorf("without kv, measured %s under %s", s.Label, s.Backend)
				}
				if kv && s.Workload == "null" {
					t.Errorf("--workload=kv measured %s", s.Label)
				}
			}
		})
	}
	code, _, errs := runVMM(t, "compare", "--quick", "--workload=null,nosuch", "--images", imagesDir(t, "null", "kv"), "--out", t.TempDir())
	if code != exitUsage || !strings.Contains(errs, `unknown workload "nosuch": the benchmark workloads in `) || !strings.Contains(errs, " are kv, null") {
		t.Errorf("unknown workload: exit %d\n%s", code, errs)
	}
}

// TestMergeRefusesCraftedReports: --merge of a crafted report.json (a
// sample of 0 on a log axis, a backend named a/b) is a usage error that
// names the file and the field, never a panic or a host failure.
func TestMergeRefusesCraftedReports(t *testing.T) {
	good := filepath.Join("..", "..", "compare", "report", "testdata", "quick.json")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, old, new, says string }{
		{"zero sample", `"cycles": [`, `"cycles": [0, `, "a measurement is positive"},
		{"backend a/b", `"backend": "vmfunc"`, `"backend": "a/b"`, `backend "a/b"`},
	} {
		p := filepath.Join(t.TempDir(), "crafted.json")
		crafted := strings.Replace(string(b), c.old, c.new, 1)
		if c.name == "zero sample" { // keep the series' lengths equal
			crafted = strings.Replace(crafted, `"ns": [`, `"ns": [0, `, 1)
		}
		os.WriteFile(p, []byte(crafted), 0o644)
		code, stdout, errs := runVMM(t, "compare", "--merge", good+","+p, "--out", t.TempDir())
		if code != exitUsage || !strings.Contains(errs, p) || !strings.Contains(errs, c.says) || strings.Contains(errs, "panic") {
			t.Errorf("%s: exit %d (want %d)\nstdout: %s\nstderr: %s", c.name, code, exitUsage, stdout, errs)
		}
	}
}

// TestOneReportFormatFailing: a report format that cannot be written
// stops none of the others; report.json is written, the message names
// the format that failed, and the exit code is 7.
func TestOneReportFormatFailing(t *testing.T) {
	td := filepath.Join("..", "..", "compare", "report", "testdata")
	out := t.TempDir()
	os.Mkdir(filepath.Join(out, "report.csv"), 0o755) // report.csv cannot be a file
	code, stdout, errs := runVMM(t, "compare", "--merge", filepath.Join(td, "quick.json")+","+filepath.Join(td, "quick-none-vmfunc.json"), "--out", out)
	if code != exitReportFormat || !strings.Contains(errs, "these report formats could not be written (report.csv)") {
		t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, exitReportFormat, stdout, errs)
	}
	for _, f := range []string{"report.json", "report.md", "report.html", "report.bench.txt", "charts"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("one format failing stopped another: %v", err)
		}
	}
}

// TestCapsJSONFormat: vmm caps --json carries its format version, first,
// as report.json and vmm run --json do.
func TestCapsJSONFormat(t *testing.T) {
	code, out, errs := runVMM(t, "caps", "--json")
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errs)
	}
	if rep["format_version"] != float64(capsFormat) || !strings.HasPrefix(strings.TrimSpace(out), `{`+"\n"+`  "format_version": `) {
		t.Errorf("no format_version %d first:\n%.200s", capsFormat, out)
	}
}

// TestErrorTextForgesNoLine: a merged report whose label holds line
// breaks is refused, and the refusal, which quotes the label, prints no
// line of its own: every line after the first is indented under "vmm:",
// and no control character reaches stderr.
func TestErrorTextForgesNoLine(t *testing.T) {
	rep, err := report.Load(filepath.Join("..", "..", "compare", "report", "testdata", "quick.json"))
	if err != nil {
		t.Fatal(err)
	}
	rep.Series[0].Label = "x\nvmm: merged 2 reports\nreports: all good"
	rep.Series[0].NS[0] = -1 // refused, with the label in the message
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run([]string{"compare", "--merge", p + "," + p, "--out", t.TempDir()}, &stdout, &stderr); code == 0 {
		t.Fatalf("merged a report with a negative sample: %s", stderr.String())
	}
	for i, l := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
		if i == 0 && !strings.HasPrefix(l, "vmm: ") {
			t.Errorf("first line %q", l)
		}
		if i > 0 && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "run 'vmm help") {
			t.Errorf("line %d stands on its own: %q\n%s", i+1, l, stderr.String())
		}
		if strings.ContainsAny(l, "\x1b\r") {
			t.Errorf("line %d holds a control character: %q", i+1, l)
		}
	}
}
