package hostrun

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"plib/abi"
	"plib/backend"
	"plib/image"
)

// MaybeChild runs the host-backend child and exits if this process was
// started as one; otherwise it returns at once. Call it first in main
// (and in TestMain of tests that run host backends).
func MaybeChild() {
	if len(os.Args) < 3 || os.Args[1] != ChildArg {
		return
	}
	runtime.LockOSThread() // the image runs on this thread, entered from here
	// Image code cannot be preempted, so the thread running it keeps its
	// P for as long as it runs: the watchdog needs another one, even on
	// one CPU.
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	res, err := child(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "plib host child: %v\n", err)
		os.Exit(1)
	}
	f := os.NewFile(3, "result")
	if err := json.NewEncoder(f).Encode(res); err != nil {
		fmt.Fprintf(os.Stderr, "plib host child: send result: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func child(arg string) (*backend.Result, error) {
	var req childRequest
	if err := json.Unmarshal([]byte(arg), &req); err != nil {
		return nil, fmt.Errorf("bad request: %w", err)
	}
	img, err := image.Load(req.Image)
	if err != nil {
		return nil, err
	}
	hb, ok := hostBackends[req.Backend]
	if !ok {
		return nil, fmt.Errorf("unknown host backend %q", req.Backend)
	}
	if hb.loader {
		return runInLoader(req, img, hb)
	}
	p, err := load(img, hb.gate, req.App)
	if err != nil {
		return nil, err
	}
	if req.SharedDataFD != 0 {
		if err := p.shareData(req.SharedDataFD); err != nil {
			return nil, err
		}
	}
	p.lib = req.Lib
	if hb.isolate != nil {
		if err := hb.isolate(p); err != nil {
			return nil, err
		}
	}
	budget := req.CallBudget
	if req.Backend == "none" {
		budget = 0 // no isolation, no bound per call: --timeout bounds the run
	}
	cycles, err := p.setBudget(budget)
	if err != nil {
		return nil, fmt.Errorf("call budget: %w", err)
	}
	if err := installFaultHandler(); err != nil {
		return nil, err
	}
	notes := []string{"seccomp: the image range cannot be unmapped, remapped, re-protected, re-keyed or mapped over from this thread"}
	if err := installSeccomp(); err != nil {
		return nil, err
	}
	res := &backend.Result{Exits: map[string]uint64{}, Notes: notes}
	plat := &backend.Platform{Result: res, Params: req.Params, Output: os.Stdout, Entry: p.entryName,
		Scribble: p.scribble, Image: img}
	if req.AliveFD != 0 {
		alive, _, err := backend.AliveReader(os.NewFile(uintptr(req.AliveFD), "plib-apps-alive"))
		if err != nil {
			return nil, err
		}
		plat.AppAlive = alive
	}
	if cycles > 0 && req.Backend != "process" { // the process gate checks its own
		go p.watchBudget(budget, cycles, res)
	}
	if p.lib != 0 { // a library process of the process backend: serve calls
		return res, p.run(img, plat, abi.GatePage+abi.GateServeOff, img.Domains[p.lib].Stack.End())
	}
	return res, p.run(img, plat, img.Entry, img.Domains[0].Stack.End())
}
