package report

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/internal/hostload"
)

// TestBimodalSeriesIsFlagged: the series an outside pass found under
// handoff, 45% of the calls at about 360 ns and the rest above 100 µs,
// is split into its two modes, each with its share and median, and its
// summary says so.
func TestBimodalSeriesIsFlagged(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x []float64
	for i := 0; i < 200; i++ {
		if i < 90 {
			x = append(x, 360*math.Exp(0.08*rng.NormFloat64()))
		} else {
			x = append(x, 150e3*math.Exp(0.4*rng.NormFloat64()))
		}
	}
	rng.Shuffle(len(x), func(i, j int) { x[i], x[j] = x[j], x[i] })
	s := Summarize(x)
	if !s.Multimodal || len(s.Modes) != 2 {
		t.Fatalf("a 45%%/55%% bimodal series: multimodal %v, modes %+v", s.Multimodal, s.Modes)
	}
	lo, hi := s.Modes[0], s.Modes[1]
	if lo.N != 90 || hi.N != 110 || math.Abs(lo.Weight-0.45) > 1e-9 {
		t.Errorf("modes of %d and %d samples (weight %.2f), want 90 and 110 (0.45)", lo.N, hi.N, lo.Weight)
	}
	if lo.Median < 300 || lo.Median > 420 || hi.Median < 100e3 || hi.Median > 220e3 {
		t.Errorf("mode medians %v and %v, want about 360 ns and 150 µs", lo.Median, hi.Median)
	}
	t.Log(modesText(s.Modes))
}

// TestUnimodalNoisySeriesIsNotFlagged: noisy series with one mode are
// never split: wide log-normals, one with a long sparse tail of slow
// samples, a heavily quantised one, uniform ones and an exponential.
// Spread over decades, a small series has gaps of 1.5x and more between
// neighbours: only the test that the gap be wider than each side's
// range keeps those whole.
func TestUnimodalNoisySeriesIsNotFlagged(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name string
		gen  func(i int) float64
	}{
		{"log-normal, sigma 0.6", func(int) float64 { return 2000 * math.Exp(0.6*rng.NormFloat64()) }},
		{"tail of 15% up to 5x", func(i int) float64 {
			if i%7 == 0 {
				return 1000 * (1 + 4*rng.Float64())
			}
			return 1000 * math.Exp(0.05*rng.NormFloat64())
		}},
		{"quantised to 3 values", func(i int) float64 { return float64(100 + i%3) }},
		{"uniform 1-10 µs", func(int) float64 { return 1000 + 9000*rng.Float64() }},
		{"exponential", func(int) float64 { return 1000 + 3000*rng.ExpFloat64() }},
		{"log-uniform over three decades", func(int) float64 { return 100 * math.Pow(1000, rng.Float64()) }},
		{"log-normal, sigma 1.5", func(int) float64 { return 100 * math.Exp(1.5*rng.NormFloat64()) }},
	}
	for _, c := range cases {
		name, gen := c.name, c.gen
		for _, n := range []int{12, 20, 41, 200, 2000} {
			x := make([]float64, n)
			for i := range x {
				x[i] = gen(i)
			}
			if s := Summarize(x); s.Multimodal || len(s.Modes) > 0 {
				t.Errorf("%s, n=%d: flagged multimodal: %s", name, n, modesText(s.Modes))
			}
		}
	}
}

// TestModesNeedEnoughSamples: too few samples, or a mode under the
// minimum weight (a few outliers), never make a mode.
func TestModesNeedEnoughSamples(t *testing.T) {
	few := []float64{1, 1, 1, 1, 1000, 1000, 1000, 1000}
	if m := FindModes(few); m != nil {
		t.Errorf("%d samples split: %+v", len(few), m)
	}
	outliers := make([]float64, 100)
	for i := range outliers {
		outliers[i] = 1000 + float64(i%5)
	}
	outliers[3], outliers[50], outliers[77] = 1e6, 1e6, 1e6
	if m := FindModes(outliers); m != nil {
		t.Errorf("3 outliers in 100 made a mode: %s", modesText(m))
	}
	bad := append([]float64{0}, few...)
	bad = append(bad, few...)
	if m := FindModes(bad); m != nil {
		t.Errorf("a series with a zero split: %+v", m)
	}
}

// TestMeasurementInEveryFormat: a bimodal series is flagged with both
// modes in report.json (read back), report.md and report.html, beside
// the spin bound, the fast and slow paths and the host's load at the
// start and the end.
func TestMeasurementInEveryFormat(t *testing.T) {
	r := ddsLike()
	s := &r.Series[2] // handoff
	s.NS = nil
	for i := 0; i < 40; i++ {
		v := 360.0 + float64(i%3)
		if i%20 >= 9 {
			v = 150e3 + float64(i)*100
		}
		s.NS = append(s.NS, v)
	}
	r.Machines[0].Mechanisms[2].Spin = &backend.SpinBound{Cycles: 112888, WakeNS: 46163, WakeP25NS: 40615, WakeP75NS: 52605, Samples: 200, TSCHz: 2.445e9, Method: "median of one-way wake-ups"}
	r.AddPaths("m", "handoff", "dds-pingpong", &backend.PathCounts{Fast: 3, Slow: 5, CountedBy: "the VMM"})
	r.AddPaths("m", "handoff", "dds-pingpong", &backend.PathCounts{Fast: 1, Slow: 1, CountedBy: "the VMM"})
	at := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)
	r.Machines[0].HostLoad = &RunLoad{Start: hostload.Sample{At: at, Load1: 0.25, Tasks: 100, Runnable: 1, Busy: 0.03, CPUs: 2, Window: 250 * time.Millisecond},
		End: hostload.Sample{At: at.Add(time.Hour), Load1: 1.5, Tasks: 120, Runnable: 2, Busy: 0.5, CPUs: 2, Window: 250 * time.Millisecond}}
	r.FormatVersion = FormatVersion
	r.Machines[0].TSCHz = 2.445e9 // report.json's reader refuses a machine without a clock
	for i := range r.Series {     // and a series whose cycles are not its ns samples'
		r.Series[i].Cycles = nil
		for _, ns := range r.Series[i].NS {
			r.Series[i].Cycles = append(r.Series[i].Cycles, ns*2.445)
		}
	}
	r.Summarize()
	path := filepath.Join(t.TempDir(), "report.json")
	if err := r.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := back.Find("handoff", "dds-pingpong/rtt_12").Summary
	if !got.Multimodal || len(got.Modes) != 2 || got.Modes[0].N != 18 {
		t.Fatalf("report.json read back: %+v", got)
	}
	if p := back.Paths; len(p) != 1 || p[0].Fast != 4 || p[0].Slow != 6 {
		t.Errorf("paths read back: %+v", p)
	}
	var html, bench strings.Builder
	if err := back.Bench(&bench); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"spin-bound-handoff: 112888 cycles, wake-up 46.16 µs", "paths-handoff-dds-pingpong: fast 4, slow 6", "host-load-start: load average 0.25", "host-load-end: load average 1.50"} {
		if !strings.Contains(bench.String(), want) {
			t.Errorf("report.bench.txt lacks %q", want)
		}
	}
	if err := back.HTML(&html); err != nil {
		t.Fatal(err)
	}
	md := back.Markdown()
	for _, want := range []string{"45% at 361.0 ns", "55% at 152.40 µs", "(2 modes)", "112888 TSC cycles (46.17 µs)", "46.16 µs", "60.0%",
		"load average 0.25", "load average 1.50", "2026-12-03T13:00:00Z", "3% busy", "50% busy"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
		if !strings.Contains(html.String(), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
