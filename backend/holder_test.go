package backend

import (
	"testing"
	"time"

	"plib/internal/abi"
)

// TestWaitsOnHolder: a library that hears from plib_app_alive that
// another instance still runs is waiting on that instance (what
// plib_lock.h does while it holds the lock), and a budget watchdog owes
// its call one more budget, no more; the application asking, a library
// asking about its own instance or about an instance that has ended
// marks nothing.
func TestWaitsOnHolder(t *testing.T) {
	alive := map[int]bool{0: true, 1: true, 2: false}
	newPlatform := func() *Platform {
		return &Platform{Result: &Result{}, App: 0, AppAlive: func(a int) bool { return alive[a] }}
	}
	const budget = time.Second
	for _, c := range []struct {
		domain string
		app    uint64
		want   bool
	}{{"kv", 1, true}, {"app", 1, false}, {"kv", 0, false}, {"kv", 2, false}} {
		p := newPlatform()
		if ret, stop := p.Call(c.domain, abi.SysAppAlive, c.app, 0, 0, nil, 0); stop != nil || (ret == 1) != alive[int(c.app)] {
			t.Fatalf("%s asks about %d: %d %+v", c.domain, c.app, ret, stop)
		}
		if got := HolderGrace(p, budget+time.Millisecond, budget); got != c.want {
			t.Errorf("%s asked about instance %d: grace %v, want %v", c.domain, c.app, got, c.want)
		}
		if app, ok := p.Holder(budget); ok != c.want || ok && app != int(c.app) {
			t.Errorf("%s asked about instance %d: holder %d %v, want %v", c.domain, c.app, app, ok, c.want)
		}
		if c.want && HolderGrace(p, 2*budget+time.Millisecond, budget) {
			t.Errorf("%s asked about instance %d: grace past two budgets", c.domain, c.app)
		}
	}
	if HolderGrace(nil, budget+time.Millisecond, budget) {
		t.Error("grace without a platform")
	}
}

// TestNoBudgetVerdictFromTheImage: the platform call a gate once made when
// a call outran its budget can be made by any image code; it must blame
// the domain that made it, never the library it names.
func TestNoBudgetVerdictFromTheImage(t *testing.T) {
	p := &Platform{Result: &Result{}, Entry: func(int) (string, string) { return "kv.kv_get", "kv" }}
	_, stop := p.Call("app", abi.SysGateFault, abi.GateBudget, 16, 0, nil, 0)
	if stop == nil || stop.Violation == nil || stop.Violation.Domain != "app" || stop.Violation.Kind == ViolationBudget {
		t.Fatalf("a budget claim by the app: %+v", stop)
	}
}

// TestOpenCalls: the open-call words of the liveness page say which
// instance's library has a call open and timed (not one that is excused
// itself), each instance's and library's apart,
// out-of-range instances never; an ended instance's are cleared.
func TestOpenCalls(t *testing.T) {
	f, b, err := aliveFile(3)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, unmap, err := MapOpenCalls(f)
	if err != nil {
		t.Fatal(err)
	}
	defer unmap()
	alive, unmapAlive, err := AliveReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer unmapAlive()
	o.Set(1, 3, CallTimed)
	o.Set(2, 1, CallTimed)
	o.Set(2, 1, CallNone)
	o.Set(0, 2, CallExcused) // waiting itself: it excuses no one
	o.Set(-1, 0, CallTimed)
	o.Set(abi.MaxApps, 0, CallTimed)
	for app := range 3 {
		for lib := range abi.MaxDomains {
			if got, want := o.Timed(app, lib), app == 1 && lib == 3; got != want {
				t.Errorf("instance %d, library %d: timed %v, want %v", app, lib, got, want)
			}
		}
		if !alive(app) {
			t.Errorf("instance %d: the open-call words overwrote its liveness", app)
		}
	}
	if o.Timed(abi.MaxApps, 0) || o.Timed(-1, 0) || o.Timed(1, abi.MaxDomains) || (*OpenCalls)(nil).Timed(1, 3) {
		t.Error("an instance or library out of range, or no page, has a call open")
	}
	clearOpenCalls(b, 1)
	if o.Timed(1, 3) {
		t.Error("instance 1 ended, and its call still reads open")
	}
}
