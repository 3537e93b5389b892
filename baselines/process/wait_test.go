package process_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"plib/backend"
	"plib/backend/backendtest"
)

// TestProcessWaitPolicy: under spin calls to null are answered on the
// spin path, under sleep never, and the result names the policy, its
// placement, its bound and the counts; the floor follows the policy.
func TestProcessWaitPolicy(t *testing.T) {
	counts := regexp.MustCompile(`(\d+) answered while the caller spun \(fast path\), (\d+) after it slept`)
	for _, policy := range []backend.WaitPolicy{backend.WaitSpin, backend.WaitSleep} {
		t.Run(policy.String(), func(t *testing.T) {
			res, _ := backendtest.RunImage(t, "process", "null", backend.Options{
				Wait: policy, Params: map[string]int64{"iterations": 2000, "rounds": 2}})
			if !res.Exited || res.ExitCode != 0 {
				t.Fatalf("null under process: %+v", res)
			}
			notes := strings.Join(res.Notes, "\n")
			want := map[backend.WaitPolicy]string{backend.WaitSpin: "wait: spin then sleep", backend.WaitSleep: "wait: sleep"}[policy]
			if !strings.Contains(notes, want) || !strings.Contains(notes, "pinned to core") {
				t.Fatalf("the notes do not name the policy and placement:\n%s", notes)
			}
			if f := res.Mechanism.Floor; f == nil || f.Anchor != map[backend.WaitPolicy]string{backend.WaitSpin: "spin", backend.WaitSleep: "futex-1core"}[policy] ||
				!strings.Contains(res.Mechanism.Switch, "--wait="+policy.String()) {
				t.Fatalf("the mechanism does not follow the policy: %+v", res.Mechanism)
			}
			m := counts.FindStringSubmatch(notes)
			if m == nil {
				t.Fatalf("no wait counts:\n%s", notes)
			}
			fast, _ := strconv.Atoi(m[1])
			slow, _ := strconv.Atoi(m[2])
			t.Logf("%s: %d fast, %d slow", policy, fast, slow)
			if p := res.Paths; p == nil || p.Fast != uint64(fast) || p.Slow != uint64(slow) || p.CountedBy == "" {
				t.Errorf("the result's path counts %+v are not the notes' (%d fast, %d slow)", p, fast, slow)
			}
			if b := res.Mechanism.Spin; (policy == backend.WaitSpin) != (b != nil) || b != nil && (b.Cycles == 0 || b.WakeNS <= 0) {
				t.Errorf("%s: the mechanism's spin bound: %+v", policy, b)
			}
			if policy == backend.WaitSleep && fast != 0 || policy == backend.WaitSpin && fast == 0 {
				t.Fatalf("%s: %d calls took the spin path, %d the futex", policy, fast, slow)
			}
		})
	}
}
