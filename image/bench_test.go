package image

import (
	"errors"
	"strings"
	"testing"
)

func TestParseBench(t *testing.T) {
	b, err := parseBench([]byte("metric call null: a call\nmetric sys_nop an exit\nfull iterations=2000 rounds=21\nquick rounds=3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Metrics) != 2 || b.Metrics[0] != (BenchMetric{"call", "null: a call"}) || b.Full["iterations"] != 2000 || b.Quick["rounds"] != 3 {
		t.Errorf("parsed %+v", b)
	}
	if b, err := parseBench([]byte("metric a b\nfull\nquick\nsecret crypto\nsecret k_2\n")); err != nil || len(b.Secrets) != 2 || b.Secrets[1] != "k_2" {
		t.Errorf("secret lines: %+v, %v", b, err)
	}
	for _, c := range []struct{ in, why string }{
		{"metric call x\nfull a=1\n", "both full and quick"},
		{"full a=1\nquick a=1\n", "at least one metric"},
		{"metric Call x\nfull a=1\nquick a=1\n", "metric name"},
		{"metric call\nfull a=1\nquick a=1\n", "printable label"},
		{"metric call x\x01\nfull a=1\nquick a=1\n", "printable label"},
		{"metric call x\nmetric call y\nfull a=1\nquick a=1\n", "declared twice"},
		{"metric call x\nfull a=1\nfull a=1\nquick a=1\n", "declared twice"},
		{"metric call x\nfull a=-1\nquick a=1\n", "non-negative"},
		{"metric call x\nfull a=1 a=2\nquick a=1\n", "given twice"},
		{"metric call x\nfull =1\nquick a=1\n", "NAME=INTEGER"},
		{"metric call x\nfull a=1\nquick a=1\nrun now\n", "unknown line"},
		{"metric call x\nfull a=1\nquick a=1\nsecret Crypto\n", "want a library name"},
		{"metric call x\nfull a=1\nquick a=1\nsecret\n", "want a library name"},
		{"metric call x\nfull a=1\nquick a=1\nsecret a b\n", "want a library name"},
		{"metric call x\nfull a=1\nquick a=1\nsecret a\nsecret a\n", "secret a declared twice"},
		{strings.Repeat("x", maxBenchBytes+1), "more than"},
	} {
		_, err := parseBench([]byte(c.in))
		if !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%q: want an error saying %q, got %v", c.in, c.why, err)
		}
	}
}

// FuzzParseBench feeds the bench parser hostile text: it never panics,
// and what it accepts is within its limits.
func FuzzParseBench(f *testing.F) {
	f.Add([]byte("metric call null: a call\nfull iterations=2000 rounds=21\nquick rounds=3\n"))
	f.Add([]byte("metric a b\nmetric c d\nfull\nquick x=1 y=2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		bench, err := parseBench(b)
		if err != nil {
			if !errors.Is(err, ErrBadImage) {
				t.Fatalf("error %v does not wrap ErrBadImage", err)
			}
			return
		}
		if len(bench.Metrics) == 0 || len(bench.Metrics) > maxBenchMetrics || len(bench.Full) > maxBenchParams || len(bench.Quick) > maxBenchParams {
			t.Fatalf("accepted %+v", bench)
		}
		for _, lib := range bench.Secrets {
			if !libName.MatchString(lib) {
				t.Fatalf("accepted secret %q", lib)
			}
		}
		for _, m := range bench.Metrics {
			if !benchName.MatchString(m.Name) || len(m.Label) > maxBenchLabel || !printable(m.Label) {
				t.Fatalf("accepted metric %+v", m)
			}
		}
	})
}
