package compare

import (
	"errors"
	"strings"
	"testing"
)

// TestPickWorkloads: --workload keeps the named workloads, each once, in
// the order given; an unknown name is an error listing the known ones.
func TestPickWorkloads(t *testing.T) {
	ws := []Workload{{Name: "ipc"}, {Name: "kv"}, {Name: "null"}}
	got, err := pick(ws, []string{"null", "kv", "null"}, "imgs")
	if err != nil || len(got) != 2 || got[0].Name != "null" || got[1].Name != "kv" {
		t.Errorf("pick null,kv,null: %v, %v", got, err)
	}
	if got, err := pick(ws, nil, "imgs"); err != nil || len(got) != 3 {
		t.Errorf("no names: %v, %v", got, err)
	}
	_, err = pick(ws, []string{"kv", "nosuch"}, "imgs")
	if !errors.Is(err, ErrUnknownWorkload) || !strings.Contains(err.Error(), `"nosuch": the benchmark workloads in imgs are ipc, kv, null`) {
		t.Errorf("unknown name: %v", err)
	}
}
