// Package baseline measures the reference point the kv workload is set
// against: a real memcached over loopback TCP (the memcached-as-a-library
// paper's comparison), driven with the same operation mix and reported in
// the same result format and metric names as the kv driver.
package memcached

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"plib/backend"
)

// Options sets the size of the measurement.
type Options struct {
	Iterations int // operations per round, per kind
	Rounds     int
	TSCHz      float64 // for reporting cycles beside nanoseconds
	Samples    bool    // also report every round (backend.SamplePrefix metrics)
}

// ErrUnavailable says memcached cannot be started here.
var ErrUnavailable = errors.New("memcached baseline unavailable")

// Mechanism labels the baseline in reports.
func Mechanism(version string) backend.Mechanism {
	return backend.Mechanism{Backend: "memcached", Mode: backend.Baseline,
		Switch: "a request over loopback TCP",
		Detail: "memcached " + version + " on 127.0.0.1, gomemcache client: the paper's reference point, not an isolation mechanism"}
}

// Memcached starts memcached on a free loopback port, runs the operation
// mix, stops it, and returns the result.
func Memcached(ctx context.Context, opts Options) (*backend.Result, error) {
	bin, err := exec.LookPath("memcached")
	if err != nil {
		return nil, fmt.Errorf("%w: no memcached binary on PATH (scripts/install-deps installs Debian's package): %v", ErrUnavailable, err)
	}
	version := "?"
	if out, err := exec.Command(bin, "-V").Output(); err == nil {
		version = strings.TrimPrefix(strings.TrimSpace(string(out)), "memcached ")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%w: no free loopback port: %v", ErrUnavailable, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "64", "-t", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "nobody") // memcached refuses to run as root otherwise
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: start %s: %v", ErrUnavailable, bin, err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: memcached did not accept connections on %s: %v %s", ErrUnavailable, addr, err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	mc := memcache.New(addr)
	mc.Timeout = 2 * time.Second
	res := &backend.Result{Backend: "memcached", Mechanism: Mechanism(version), Image: "memcached", TSCHz: opts.TSCHz,
		Notes: []string{"memcached served on " + addr + " (loopback), started for this run"}}
	start := time.Now()
	if err := runMix(mc, opts, res); err != nil {
		return nil, fmt.Errorf("memcached baseline: %w", err)
	}
	res.WallSeconds = time.Since(start).Seconds()
	res.Exited = true
	res.Derive()
	return res, nil
}

// runMix times the same operations as workloads/kv/app.c.
func runMix(mc *memcache.Client, opts Options, res *backend.Result) error {
	v128, v5k := value(128, 'a'), value(5120, 'b')
	var opErr error
	check := func(err error) {
		if err != nil && opErr == nil {
			opErr = err
		}
	}
	timed := func(name string, setup func(round int), op func(i int)) {
		per := make([]float64, opts.Rounds)
		for r := range per {
			if setup != nil {
				setup(r)
			}
			t0 := time.Now()
			for i := 0; i < opts.Iterations; i++ {
				op(i)
			}
			per[r] = float64(time.Since(t0).Nanoseconds()) / float64(opts.Iterations)
		}
		if opts.Samples {
			for _, ns := range per {
				res.Metrics = append(res.Metrics, backend.Metric{Name: backend.SamplePrefix + name, Value: int64(ns * opts.TSCHz / 1e9), Domain: "client"})
			}
		}
		sort.Float64s(per)
		ns := per[len(per)/2]
		res.Metrics = append(res.Metrics, backend.Metric{Name: name, Value: int64(ns * opts.TSCHz / 1e9), Domain: "client"})
	}
	timed("set_128_cycles", nil, func(int) { check(mc.Set(&memcache.Item{Key: "v128-0", Value: v128})) })
	timed("get_128_cycles", nil, func(int) { _, err := mc.Get("v128-0"); check(err) })
	timed("set_5k_cycles", nil, func(int) { check(mc.Set(&memcache.Item{Key: "v5k-0", Value: v5k})) })
	timed("get_5k_cycles", nil, func(int) { _, err := mc.Get("v5k-0"); check(err) })
	round := 0
	timed("delete_cycles", func(r int) {
		round = r
		for i := 0; i < opts.Iterations; i++ {
			check(mc.Set(&memcache.Item{Key: fmt.Sprintf("del-%d-%d", r, i), Value: v128[:16]}))
		}
	}, func(i int) { check(mc.Delete(fmt.Sprintf("del-%d-%d", round, i))) })
	check(mc.Set(&memcache.Item{Key: "ctr-0", Value: []byte("0")}))
	timed("incr_cycles", nil, func(int) { _, err := mc.Increment("ctr-0", 1); check(err) })
	for i := 0; i < 64; i++ {
		check(mc.Set(&memcache.Item{Key: fmt.Sprintf("mix-%d", i), Value: v128}))
	}
	timed("mixed_cycles", nil, func(i int) {
		k := fmt.Sprintf("mix-%d", i%64)
		if i%10 == 9 {
			check(mc.Set(&memcache.Item{Key: k, Value: v128}))
		} else {
			_, err := mc.Get(k)
			check(err)
		}
	})
	if got, err := mc.Increment("ctr-0", 0); err != nil || got != uint64(opts.Iterations*opts.Rounds) {
		return fmt.Errorf("incr counted %d of %d increments (%v)", got, opts.Iterations*opts.Rounds, err)
	}
	return opErr
}

func value(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%23)
	}
	return b
}
