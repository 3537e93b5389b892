package pagefault

import (
	"testing"

	"plib/backend"
)

func TestAccess(t *testing.T) {
	for code, want := range map[uint64]backend.ViolationKind{0: "read", Present: "read", Write: "write", Present | Write | User: "write",
		Fetch: "execute", Fetch | Write: "execute", PK | User: "read"} {
		if got := Access(code); got != want {
			t.Errorf("Access(%#x) = %q, want %q", code, got, want)
		}
	}
}
