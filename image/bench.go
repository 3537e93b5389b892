package image

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"plib/untrusted/regfile"
)

// Bench is what an image declares for vmm compare (image.conf's bench
// lines, which mkimage writes into the .plib.bench section): the figures
// it reports per round, its parameters for a full and a quick run, and
// the libraries that need a secret to run (vmm compare gives each a fresh
// random one per run unless vmm compare --secret names a file for it).
// An image without a declaration is no benchmark.
type Bench struct {
	Metrics []BenchMetric
	Full    map[string]int64
	Quick   map[string]int64
	Secrets []string // library names, each once
}

// BenchMetric is one figure the workload reports per round, as the
// metric NAME_cycles (with samples on), and its label in reports.
type BenchMetric struct {
	Name  string
	Label string
}

// Limits on a bench declaration: it is read from an untrusted file.
const (
	maxBenchBytes   = 4096
	maxBenchMetrics = 16
	maxBenchLabel   = 80
	maxBenchParams  = 8
)

var (
	benchName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	libName   = regexp.MustCompile(`^[a-z0-9_]{1,23}$`) // mkimage's library names
)

// parseBench reads a .plib.bench section: lines "metric NAME LABEL...",
// "full K=V..." and "quick K=V...", each of the last two once, and
// "secret LIB", each LIB once (checkBenchSecrets makes it a library).
func parseBench(b []byte) (*Bench, error) {
	if len(b) > maxBenchBytes {
		return nil, bad(".plib.bench is %d bytes, more than %d", len(b), maxBenchBytes)
	}
	bench := &Bench{}
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		where := fmt.Sprintf(".plib.bench line %d", i+1)
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "metric":
			name, label, _ := strings.Cut(rest, " ")
			if !benchName.MatchString(name) {
				return nil, bad("%s: metric name %q (want [a-z][a-z0-9_]*, at most 32 characters)", where, name)
			}
			if label == "" || len(label) > maxBenchLabel || !printable(label) {
				return nil, bad("%s: metric %s needs a printable label of 1 to %d characters", where, name, maxBenchLabel)
			}
			if seen["metric "+name] {
				return nil, bad("%s: metric %s declared twice", where, name)
			}
			seen["metric "+name] = true
			if len(bench.Metrics) == maxBenchMetrics {
				return nil, bad("%s: more than %d metrics", where, maxBenchMetrics)
			}
			bench.Metrics = append(bench.Metrics, BenchMetric{name, label})
		case "full", "quick":
			if seen[word] {
				return nil, bad("%s: %s parameters declared twice", where, word)
			}
			seen[word] = true
			p, err := benchParams(rest)
			if err != nil {
				return nil, bad("%s: %v", where, err)
			}
			if word == "full" {
				bench.Full = p
			} else {
				bench.Quick = p
			}
		case "secret":
			if !libName.MatchString(rest) {
				return nil, bad("%s: secret %q: want a library name ([a-z0-9_]{1,23})", where, rest)
			}
			if seen["secret "+rest] {
				return nil, bad("%s: secret %s declared twice", where, rest)
			}
			seen["secret "+rest] = true
			bench.Secrets = append(bench.Secrets, rest)
		default:
			return nil, bad("%s: unknown line %q (want metric, full, quick or secret)", where, word)
		}
	}
	if len(bench.Metrics) == 0 || !seen["full"] || !seen["quick"] {
		return nil, bad(".plib.bench needs at least one metric and both full and quick parameters")
	}
	return bench, nil
}

func benchParams(s string) (map[string]int64, error) {
	p := map[string]int64{}
	for _, kv := range strings.Fields(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !benchName.MatchString(k) {
			return nil, fmt.Errorf("parameter %q (want NAME=INTEGER)", kv)
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("parameter %s=%s: want a non-negative integer", k, v)
		}
		if _, dup := p[k]; dup {
			return nil, fmt.Errorf("parameter %s given twice", k)
		}
		p[k] = n
	}
	if len(p) > maxBenchParams {
		return nil, fmt.Errorf("more than %d parameters", maxBenchParams)
	}
	return p, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

// DeclaresBench reports whether the image file at path carries a bench
// declaration, without validating the rest of it: vmm compare looks
// through a directory of images (attack images among them, which the
// loader refuses) for the benchmarks, and then loads those whole.
func DeclaresBench(path string) (has bool, err error) {
	data, err := regfile.Read(path, MaxFileSize)
	if err != nil {
		return false, err
	}
	defer recoverELF(&err)
	f, err := openELF(data)
	if err != nil {
		return false, err
	}
	return f.Section(".plib.bench") != nil, nil
}
