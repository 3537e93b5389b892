package compare

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	_ "plib/baselines/mprotect" // registers mprotect
	_ "plib/baselines/none"     // registers none
	"plib/compare/report"
	"plib/image"
	"plib/internal/testimages"
	"plib/vmm/vmfunc"
)

func TestMain(m *testing.M) {
	hostproc.MaybeChild() // host backends re-execute this test binary
	os.Exit(m.Run())
}

// overheadRatio times the same getpid calls through Measure and in a bare
// loop, interleaved pair by pair, and returns the median ratio of the
// harness's time to the bare loop's.
func overheadRatio(pairs, samples, batch int) float64 {
	ratios := make([]float64, pairs)
	for i := range ratios {
		t0 := time.Now()
		getpids((samples + 1) * batch) // Measure's warm-up batch included
		bare := time.Since(t0)
		t1 := time.Now()
		Measure(getpids, samples, batch)
		ratios[i] = float64(time.Since(t1)) / float64(bare)
	}
	sort.Float64s(ratios)
	return ratios[pairs/2]
}

// TestHarnessOverhead: the harness stays within 2% of a bare loop doing
// the same calls (the median of interleaved pairs, three tries on this
// noisy machine).
func TestHarnessOverhead(t *testing.T) {
	var r float64
	for try := 0; try < 3; try++ {
		if r = overheadRatio(15, 11, anchorBatch["getpid"]); r <= 1.02 {
			t.Logf("harness / bare loop = %.4f", r)
			return
		}
	}
	t.Errorf("harness / bare loop = %.4f: more than 2%% overhead", r)
}

// BenchmarkHarnessOverhead prints the harness's cost over a bare loop.
func BenchmarkHarnessOverhead(b *testing.B) {
	var r float64
	for i := 0; i < b.N; i++ {
		r = overheadRatio(9, 11, anchorBatch["getpid"])
	}
	b.ReportMetric(r, "harness/bare")
	fmt.Printf("vmm compare's harness over a bare loop of the same getpid calls: %.4f (target <= 1.02)\n", r)
}

// TestAnchors: every host anchor measures, and their costs are ordered as
// the hardware dictates: a call is cheaper than a system call, which is
// cheaper than waking another thread and being woken back.
func TestAnchors(t *testing.T) {
	med := map[string]float64{}
	for _, a := range Anchors {
		op, cleanup, err := a.Setup()
		if err != nil && (a.Name == "wrpkru" || a.Name == "kvm-exit-ring0") {
			t.Logf("NOTE: %s unavailable here: %v", a.Name, err) // no PKU here; no /dev/kvm
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		smp := Measure(op, 9, max(1, anchorBatch[a.Name]/10))
		cleanup()
		var ns []float64
		for _, s := range smp {
			if s.NS <= 0 || s.Cycles <= 0 {
				t.Fatalf("%s: sample %+v", a.Name, s)
			}
			ns = append(ns, s.NS)
		}
		med[a.Name] = report.Summarize(ns).Median
	}
	t.Logf("anchor medians (ns): %v", med)
	if !(med["call"] < med["getpid"] && med["getpid"] < med["futex"] && med["getpid"] < med["mprotect"] &&
		med["call"] < med["spin"] && med["getpid"] < med["futex-1core"]) {
		t.Errorf("anchors out of order: %v", med)
	}
}

// benchImages are the workloads whose image.conf declares a bench today.
var benchImages = []string{"crypto", "dds-pingpong", "dds-throughput", "ipc", "kv", "null", "zlib"}

func images(t *testing.T) string {
	dir := ""
	for _, name := range benchImages {
		d := filepath.Dir(testimages.Path(t, name))
		if dir != "" && d != dir {
			t.Fatalf("workload images in %s and %s", dir, d)
		}
		dir = d
	}
	return dir
}

// TestRunQuick runs a quick matrix: none and mprotect, vmfunc where KVM
// is here, and an unavailable backend, which is reported, not measured.
func TestRunQuick(t *testing.T) {
	ceiling, _ := backend.Lookup("none")
	mprotect, _ := backend.Lookup("mprotect")
	bs := []backend.Backend{ceiling, mprotect, unavailable{}}
	kvm := false
	if _, err := os.Stat("/dev/kvm"); err == nil {
		bs, kvm = append(bs, vmfunc.Backend{}), true
	} else {
		t.Logf("NOTE: no /dev/kvm (%v): vmfunc and the KVM exit anchor are not measured", err)
	}
	var steps int
	rep, err := Run(context.Background(), Config{Backends: bs, Images: images(t), Quick: true,
		Progress: func(string, int, int) { steps++ }})
	if err != nil {
		t.Fatal(err)
	}
	workloads, err := Workloads(images(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, w := range workloads {
		names = append(names, w.Name)
	}
	if strings.Join(names, " ") != strings.Join(benchImages, " ") {
		t.Errorf("the images declare the workloads %v, want %v", names, benchImages)
	}
	if want := len(workloads)*(len(bs)-1) + len(Anchors); steps != want {
		t.Errorf("%d progress steps, want %d", steps, want)
	}
	for _, col := range []string{"none", "mprotect"} {
		for _, w := range workloads {
			for _, m := range w.Bench.Metrics {
				s := rep.Find(col, w.Name+"/"+m.Name)
				if s == nil || s.Error != "" || s.Summary.N != int(w.Bench.Quick["rounds"]) || s.Summary.Median <= 0 {
					t.Fatalf("%s %s/%s: %+v", col, w.Name, m.Name, s)
				}
			}
		}
	}
	if l := rep.Machines[0].HostLoad; l == nil || l.Start.Error != "" || l.Start.At.IsZero() || l.End.At.IsZero() || !l.End.At.After(l.Start.At) {
		t.Errorf("the host load at the start and end: %+v", l)
	}
	if rep.Find("broken", "null/call") != nil {
		t.Error("an unavailable backend was measured")
	}
	mech := rep.Mechanism(rep.Machines[0].Label, "broken")
	if mech.Mode != backend.Unavailable || mech.Unavailable != "not here" {
		t.Errorf("the unavailable backend is reported as %+v", mech)
	}
	mp, none := rep.Find("mprotect", "null/call"), rep.Find("none", "null/call")
	if mp.Summary.Median < 100*none.Summary.Median {
		t.Errorf("mprotect's call (%v ns) should cost far more than a plain call (%v ns)", mp.Summary.Median, none.Summary.Median)
	}
	var exit *report.Series
	for _, a := range rep.Anchors() {
		if a.Workload == "kvm-exit" {
			exit = a
		}
	}
	if exit == nil || (kvm && (exit.Error != "" || exit.Summary.Median < 100)) || (!kvm && exit.Error == "") {
		t.Errorf("KVM exit anchor: %+v", exit)
	}
	if kvm {
		vm := rep.Find("vmfunc", "null/call")
		if vm == nil || vm.Summary.Median <= exit.Summary.Median {
			t.Errorf("an emulated library call (two switches) should cost more than one empty exit: %+v", vm)
		}
	}
}

// unavailable is a backend that cannot run here.
type unavailable struct{}

func (unavailable) Name() string { return "broken" }
func (unavailable) Probe() backend.Mechanism {
	return backend.Mechanism{Backend: "broken", Mode: backend.Unavailable, Unavailable: "not here"}
}
func (unavailable) RunInstance(context.Context, *image.Image, string, backend.Options, backend.Instance) (*backend.Result, error) {
	return nil, backend.ErrUnavailable
}
