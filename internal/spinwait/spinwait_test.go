package spinwait

import (
	"testing"
	"time"
)

// TestBound: the bound is what a sleep costs here, capped by a budget.
func TestBound(t *testing.T) {
	c, sleep := Bound(0)
	if sleep <= 0 || sleep > time.Second || c == 0 {
		t.Fatalf("bound %d cycles, sleep %v", c, sleep)
	}
	if capped, _ := Bound(time.Microsecond); capped >= c && c > 100000 {
		t.Errorf("a 1 µs budget left the bound at %d cycles", capped)
	}
	t.Logf("a futex round trip across cores: %v (%d TSC cycles)", sleep, c)
}
