// Package mprotect is the mprotect backend: a library's pages are
// PROT_NONE outside its calls, and its gate (guestlib/trusted/
// gate_mprotect.S) opens them with mprotect on entry and closes them on
// return. Its part in the host runtime (backend/hostproc) is
// isolation.go: it closes the library pages, binds each of the gate's
// mprotect SYSCALLs to exactly a library's ranges and rights in the
// seccomp filter, and puts a library's big data in transparent huge
// pages (hugepages.go), whose page size each run's notes report.
package mprotect

import (
	"plib/backend"
	"plib/backend/hostproc"
	"plib/internal/guestbin"
)

func init() {
	backend.Register(hostproc.New(hostproc.Spec{
		Name:      "mprotect",
		Gate:      guestbin.GateMprotect,
		Isolation: closedPages{},
		Probe: func() backend.Mechanism {
			return backend.Mechanism{Mode: backend.Hardware, Switch: "mprotect system calls (4 per library call)",
				Floor: &backend.Floor{Anchor: "mprotect", Times: 2, What: "four mprotect calls: the library's code and data opened, then closed"},
				Detail: "the MMU enforces page permissions the kernel sets; known weakness: while a call is open, every thread of the application can " +
					"touch the library's pages; " + pageSize()}
		},
	}), backend.Isolates, backend.StyleMprotect)
}

// pageSize says which page size sets an mprotect's cost here: a library's
// data of 1 MiB or more goes into 2 MiB transparent huge pages where the
// host has them (each run's notes say what each library got).
func pageSize() string {
	if ok, why := thpStatus(); !ok {
		return "page size: 4 KiB pages: mprotect's cost grows with a library's size; huge pages unavailable because " + why
	}
	return "page size: a library's data of 1 MiB or more in 2 MiB transparent huge pages (mprotect's cost grows with its 2 MiB pages, not its " +
		"4 KiB ones), smaller data and stacks in 4 KiB pages; the run's notes give each library's page size"
}
