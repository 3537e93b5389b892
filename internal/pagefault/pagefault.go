// Package pagefault decodes an x86 page fault's error code into the
// access that faulted, the one way every backend names it.
package pagefault

import "plib/backend"

// Error-code bits (SDM Vol. 3A, 4.7).
const (
	Present = 1 << 0 // the page was present: a protection fault
	Write   = 1 << 1 // the access was a write
	User    = 1 << 2 // the access was made in ring 3
	Fetch   = 1 << 4 // the access was an instruction fetch
	PK      = 1 << 5 // a protection key refused the access
)

// Access names the access that faulted as a violation's kind: "execute"
// for an instruction fetch, "write" for a write, "read" otherwise.
func Access(code uint64) backend.ViolationKind {
	switch {
	case code&Fetch != 0:
		return backend.ViolationExecute
	case code&Write != 0:
		return backend.ViolationWrite
	}
	return backend.ViolationRead
}
