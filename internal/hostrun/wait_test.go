package hostrun_test

import (
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"plib/backend"
	"plib/internal/image"
	"plib/internal/testimages"
)

// TestProcessWaitPolicy: under spin (the default) calls to null are
// answered on the spin path, under sleep never, and the result names the
// policy, its bound and the counts; a policy that is neither is refused.
func TestProcessWaitPolicy(t *testing.T) {
	counts := regexp.MustCompile(`(\d+) answered while the caller spun \(fast path\), (\d+) after it slept`)
	for _, policy := range []string{"spin", "sleep"} {
		t.Run(policy, func(t *testing.T) {
			t.Setenv("PLIB_PROCESS_WAIT", policy)
			res, out := runBackend(t, process, "null", map[string]int64{"iterations": 2000, "rounds": 2})
			if !res.Exited || res.ExitCode != 0 {
				t.Fatalf("null under process: %+v %+v\n%s", res, res.Violation, out)
			}
			notes := strings.Join(res.Notes, "\n")
			if !strings.Contains(notes, "wait: "+map[string]string{"spin": "spin then sleep", "sleep": "sleep"}[policy]) || !strings.Contains(notes, "placement: app's process ran last on CPU") {
				t.Fatalf("the notes do not name the policy and placement:\n%s", notes)
			}
			m := counts.FindStringSubmatch(notes)
			if m == nil {
				t.Fatalf("no wait counts:\n%s", notes)
			}
			fast, _ := strconv.Atoi(m[1])
			slow, _ := strconv.Atoi(m[2])
			t.Logf("%s: %d fast, %d slow", policy, fast, slow)
			if policy == "sleep" && fast != 0 || policy == "spin" && fast == 0 {
				t.Fatalf("%s: %d calls took the spin path, %d the futex", policy, fast, slow)
			}
		})
	}
	t.Setenv("PLIB_PROCESS_WAIT", "yield")
	if _, err := runBackendErr(t, process, "null"); err == nil || !strings.Contains(err.Error(), "PLIB_PROCESS_WAIT") {
		t.Fatalf("an unknown wait policy ran: %v", err)
	}
}

// runBackendErr runs image name under b and returns its error.
func runBackendErr(t *testing.T, b backend.Backend, name string) (*backend.Result, error) {
	t.Helper()
	p := testimages.Path(t, name)
	img, err := image.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return backend.Run(context.Background(), b, img, p, backend.Options{Timeout: time.Minute, Output: io.Discard})
}
