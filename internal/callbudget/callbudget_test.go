package callbudget

import "testing"

func TestOver(t *testing.T) {
	for _, c := range []struct {
		start, now, budget int64
		want               bool
	}{{0, 100, 10, false}, {50, 60, 10, false}, {50, 61, 10, true}, {70, 60, 10, false}} {
		if got := Over(c.start, c.now, c.budget); got != c.want {
			t.Errorf("Over(%d, %d, %d) = %v", c.start, c.now, c.budget, got)
		}
		if got := Over(uint64(c.start), uint64(c.now), uint64(c.budget)); got != c.want {
			t.Errorf("Over(uint64 %d, %d, %d) = %v", c.start, c.now, c.budget, got)
		}
	}
}
