package backend

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"plib/image"
)

// fakeApps is a backend whose instances report what Run gave them.
type fakeApps struct {
	fail  int // instance that fails on the host (-1: none)
	stop  int // instance stopped by a violation (-1: none)
	calls atomic.Int32
}

func (f *fakeApps) Name() string     { return "fake" }
func (f *fakeApps) Probe() Mechanism { return Mechanism{Backend: "fake", Mode: NoIsolation} }
func (f *fakeApps) RunInstance(ctx context.Context, img *image.Image, path string, o Options, inst Instance) (*Result, error) {
	f.calls.Add(1)
	if inst.Shared == nil || inst.Alive == nil {
		return nil, errors.New("no shared data file")
	}
	if inst.App == f.fail {
		return nil, errors.New("host failure")
	}
	r := &Result{Exited: true, ExitCode: int64(inst.App * 7), ViewSwitches: 10, Exits: map[string]uint64{"IO": 1},
		Metrics: []Metric{{Name: "who", Value: int64(inst.App), Domain: "app"}}}
	if inst.App == f.stop {
		r.Exited, r.Violation = false, &Violation{Kind: "read", Domain: "app"}
	}
	return r, nil
}

func TestRunMergesInstances(t *testing.T) {
	img := &image.Image{Apps: 3}
	f := &fakeApps{fail: -1, stop: 2}
	res, err := Run(context.Background(), f, img, "x", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 3 || len(res.Metrics) != 3 || res.Metrics[1].Domain != "app#1" || res.Metrics[2].Value != 2 {
		t.Fatalf("metrics %+v", res.Metrics)
	}
	if res.ViewSwitches != 30 || res.Exits["IO"] != 3 || res.ExitCode != 7 || res.Exited || res.Violation == nil {
		t.Errorf("merged %+v", res)
	}
	if !strings.Contains(strings.Join(res.Notes, " "), "3 application instances") {
		t.Errorf("notes %v", res.Notes)
	}
	if _, err := Run(context.Background(), &fakeApps{fail: 1, stop: -1}, img, "x", Options{}); err == nil || !strings.Contains(err.Error(), "instance 1") {
		t.Errorf("a host failure: %v", err)
	}
}
