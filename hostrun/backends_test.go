package hostrun

import (
	"context"
	"io"
	"testing"
	"time"

	"plib/backend"
	"plib/image"
	"plib/internal/testimages"
)

// TestHostBackendAttacks runs each attack under each host backend and
// checks the outcome: kind of violation, or a plain exit where the backend
// does not isolate.
func TestHostBackendAttacks(t *testing.T) {
	type outcome struct {
		kind string // violation kind, or "" for an exit
		exit int64
	}
	cases := []struct {
		image string
		want  map[string]outcome
	}{
		{"attack-read", map[string]outcome{"none": {"", 66}, "mprotect": {"read", 0}}},
		{"attack-write", map[string]outcome{"none": {"", 66}, "mprotect": {"write", 0}}},
		{"attack-exec", map[string]outcome{"none": {"", 66}, "mprotect": {"execute", 0}}},
		{"attack-deputy", map[string]outcome{"none": {"platform-call", 0}, "mprotect": {"platform-call", 0}}},
		{"attack-gate-entry", map[string]outcome{"none": {"gate", 0}, "mprotect": {"gate", 0}}},
		{"attack-gate-index", map[string]outcome{"none": {"", 67}, "mprotect": {"", 67}}},
		{"null", map[string]outcome{"none": {"", 0}, "mprotect": {"", 0}}},
	}
	backends := map[string]backend.Backend{"none": None{}, "mprotect": Mprotect{}}
	for _, c := range cases {
		for name, want := range c.want {
			t.Run(c.image+"/"+name, func(t *testing.T) {
				p := testimages.Path(t, c.image)
				img, err := image.Load(p)
				if err != nil {
					t.Fatal(err)
				}
				res, err := backends[name].Run(context.Background(), img, p, backend.Options{Timeout: time.Minute, Output: io.Discard,
					Params: map[string]int64{"iterations": 100, "rounds": 1}})
				if err != nil {
					t.Fatal(err)
				}
				if want.kind == "" {
					if res.Violation != nil || !res.Exited || res.ExitCode != want.exit {
						t.Fatalf("want exit %d, got %+v violation %+v", want.exit, res, res.Violation)
					}
					return
				}
				if res.Violation == nil || res.Violation.Kind != want.kind || res.Violation.Domain != "app" {
					t.Fatalf("want a %s violation by app, got %+v", want.kind, res.Violation)
				}
			})
		}
	}
}

// TestMprotectLibraryStillWorks checks the gate opens and closes the pages
// around every call: many calls, each returning the right value.
func TestMprotectCallsReturnResults(t *testing.T) {
	res, _ := runBackend(t, Mprotect{}, "null", map[string]int64{"iterations": 500, "rounds": 3})
	if !res.Exited || res.ExitCode != 0 {
		t.Fatalf("null under mprotect: %+v %+v", res, res.Violation)
	}
}
