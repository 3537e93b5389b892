package backend

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"plib/image"
	"plib/internal/abi"
	"plib/internal/testimages"
)

// mem is readable memory [base, base+len(data)).
type mem struct {
	base uint64
	data []byte
}

func (m mem) Read(addr, n uint64) ([]byte, error) {
	if addr < m.base || addr+n < addr || addr+n > m.base+uint64(len(m.data)) {
		return nil, errors.New("not mapped")
	}
	return m.data[addr-m.base : addr-m.base+n], nil
}

func TestPlatformCalls(t *testing.T) {
	m := mem{0x1000, []byte("hello, metricname")}
	var out bytes.Buffer
	p := &Platform{Result: &Result{}, Params: map[string]int64{"metric": 5}, Output: &out}
	if r, s := p.Call("app", abi.SysPrint, 0x1000, 5, 0, m, 0); r != 0 || s != nil || out.String() != "hello" {
		t.Errorf("print: %d %+v %q", r, s, out.String())
	}
	if _, s := p.Call("lib", abi.SysMetric, 0x1007, 6, 42, m, 0); s != nil || len(p.Result.Metrics) != 1 ||
		p.Result.Metrics[0] != (Metric{Name: "metric", Value: 42, Domain: "lib"}) {
		t.Errorf("metric: %+v %+v", s, p.Result.Metrics)
	}
	if r, _ := p.Call("app", abi.SysParam, 0x1007, 6, 9, m, 0); r != 5 {
		t.Errorf("param set: %d", r)
	}
	if r, _ := p.Call("app", abi.SysParam, 0x1007, 4, 9, m, 0); r != 9 {
		t.Errorf("param default: %d", r)
	}
	if _, s := p.Call("app", abi.SysExit, 3, 0, 0, m, 0); s == nil || s.Violation != nil || s.Code != 3 {
		t.Errorf("exit: %+v", s)
	}
	for _, c := range []struct {
		nr, a0, a1 uint64
	}{
		{abi.SysPrint, 0x1000, MaxPrint + 1}, {abi.SysPrint, 0x5000, 4}, {abi.SysPrint, ^uint64(0), 2},
		{abi.SysMetric, 0x1000, 0}, {abi.SysMetric, 0x1000, MaxNameLen + 1}, {abi.SysParam, 0x9000, 3}, {99, 0, 0},
	} {
		if _, s := p.Call("app", c.nr, c.a0, c.a1, 0, m, 0x77); s == nil || s.Violation == nil || s.Violation.Kind != "platform-call" || s.Violation.RIP != 0x77 {
			t.Errorf("call %d(%#x, %#x) not refused: %+v", c.nr, c.a0, c.a1, s)
		}
	}
}

// The clock call answers the host's own clocks, and -1 for any other.
func TestPlatformClock(t *testing.T) {
	p := &Platform{Result: &Result{}}
	before := uint64(time.Now().UnixNano())
	real, s := p.Call("lib", abi.SysClock, abi.ClockRealtime, 0, 0, nil, 0)
	after := uint64(time.Now().UnixNano())
	if s != nil || real < before-uint64(time.Millisecond) || real > after+uint64(time.Millisecond) {
		t.Errorf("realtime: %d (%v), want within [%d, %d]", real, s, before, after)
	}
	m1, _ := p.Call("app", abi.SysClock, abi.ClockMonotonic, 0, 0, nil, 0)
	m2, _ := p.Call("app", abi.SysClock, abi.ClockMonotonic, 0, 0, nil, 0)
	if m1 == 0 || m1 == ^uint64(0) || m2 < m1 {
		t.Errorf("monotonic: %d then %d", m1, m2)
	}
	for _, clk := range []uint64{2, 3, ^uint64(0)} {
		if r, s := p.Call("app", abi.SysClock, clk, 0, 0, nil, 0); r != ^uint64(0) || s != nil {
			t.Errorf("clock %d: %d %v, want -1", clk, r, s)
		}
	}
}

func TestDerive(t *testing.T) {
	r := &Result{TSCHz: 2e9, Metrics: []Metric{{Name: "call_cycles", Value: 400}, {Name: "sys_nop_cycles", Value: 2000}, {Name: "calls", Value: 9}, {Name: "mixed_cycles", Value: 1000}}}
	r.Derive()
	if r.Derived["call_ns"] != 200 || r.Derived["sys_nop_ns"] != 1000 || r.Derived["calls_per_sec"] != 5e6 ||
		r.Derived["mixed_ns"] != 500 || r.Derived["mixed_ops_per_sec"] != 2e6 || len(r.Derived) != 5 {
		t.Errorf("derived: %v", r.Derived)
	}
}

// TestScribbleIsChecked: plib_scribble reaches the backend only for the
// application's own writable memory, up to 1 MiB; a backend without a
// writer thread answers -1.
func TestScribbleIsChecked(t *testing.T) {
	im, err := image.Parse(testimages.Bytes(t, "null"))
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]uint64
	p := &Platform{Result: &Result{}, Image: im, Scribble: func(a, n uint64) error { got = append(got, [2]uint64{a, n}); return nil }}
	args := im.Domains[1].Args
	if r, stop := p.Call("app", abi.SysScribble, args.Addr, 64, 0, nil, 0); r != 0 || stop != nil || len(got) != 1 {
		t.Fatalf("a scribble of the argument area: %d %+v %v", r, stop, got)
	}
	if _, stop := p.Call("app", abi.SysScribble, 0, 0, 0, nil, 0); stop != nil || len(got) != 2 || got[1][1] != 0 {
		t.Errorf("stop: %+v %v", stop, got)
	}
	for _, bad := range [][2]uint64{{im.Domains[1].Data.Addr, 8}, {args.Addr, abi.ScribbleMax + 1}, {im.Domains[0].Text.Addr, 8}} {
		if _, stop := p.Call("app", abi.SysScribble, bad[0], bad[1], 0, nil, 0); stop == nil || stop.Violation == nil {
			t.Errorf("scribble [%#x, +%d) was allowed", bad[0], bad[1])
		}
	}
	if len(got) != 2 {
		t.Errorf("a refused scribble reached the backend: %v", got)
	}
	p.Scribble = nil
	if r, stop := p.Call("app", abi.SysScribble, args.Addr, 64, 0, nil, 0); int64(r) != -1 || stop != nil {
		t.Errorf("without a writer: %d %+v", int64(r), stop)
	}
}
