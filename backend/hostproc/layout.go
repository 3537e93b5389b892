package hostproc

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"plib/image"
	"plib/internal/abi"
)

// Layout is one image process as its loader will lay it out, given to
// the backend's Isolation.Load to change before the plan is made.
type Layout struct {
	Image *image.Image
	// Lib is the domain this process runs the code of: the application
	// (0), or a library served in a process of its own (ChildPlan's
	// library, LibraryCommand).
	Lib int
	// Spin is the spin bound the run's parent gave this process
	// (ChildPlan.Spin).
	Spin uint64
	// AliveFD is the descriptor of the instances' liveness page
	// (backend.Instance.Alive), 0 if there is none.
	AliveFD int
	// Header is the image's header page ([abi.GateData, abi.GateEntries))
	// as this process's gate reads it; it is read-only in the process.
	Header []byte

	// Regions are what the loader maps, in order. They start as every
	// section of the image, with the rights its kind gives it and
	// backed by the image's memory file (or by the instances' shared
	// data); Load may change, drop and add regions.
	Regions []Region
	// Entry and Stack are where the process starts: the image's entry
	// on the application's stack to begin with.
	Entry, Stack uint64
	// Keys is how many protection keys the loader allocates (1 to Keys,
	// access- and write-disabled) before it maps a region with a Pkey,
	// and AppPKRU the PKRU it checks the process has before the image
	// runs; 0 and 0: none.
	Keys, AppPKRU uint64
	// StopMapped has the loader stop itself once everything is mapped,
	// before its seccomp filter: the supervisor lets it run to that
	// stop and calls Supervision.Started there.
	StopMapped bool
	// Mprotects are the mprotect calls the filter admits from the gate's
	// mprotect sites, exactly as listed; nil: none.
	Mprotects []MprotectCall
	// AnyCaller says the supervisor cannot tell which domain makes a
	// platform call: the platform may read any domain's memory for it,
	// and the NIC takes a library's call from any domain.
	AnyCaller bool
	// BackendFile, if set, is a file of the backend's that the loader's
	// process gets as a descriptor of its own, for the regions made by
	// FromBackendFile; the runtime closes it when the run ends.
	BackendFile *os.File

	mem []byte // the image's memory file, mapped in this process
}

// Region is one mapping of the loader's plan.
type Region struct {
	Addr, Size uint64
	Prot       uint64 // PROT_* rights
	Pkey       uint64 // protection key (Layout.Keys); 0: the default key
	// Huge backs the region with private anonymous memory that asks for
	// transparent huge pages (HugePage each), a copy of its file's bytes;
	// the supervisor reads a private copy from the process's memory.
	Huge bool
	// Section is the image section mapped, nil for a region a backend
	// made.
	Section *image.Section
	// Shared says the region is backed by the instances' shared data.
	Shared bool

	fd, off uint64 // the loader's descriptor and the offset in it
}

// HugePage is the size of the transparent huge page the loader asks for
// a Huge region (x86-64 PMD, HUGE_PAGE in guestlib/loader).
const HugePage = 2 << 20

// MprotectCall is one mprotect a gate may make: a range and the rights it
// sets.
type MprotectCall struct{ Addr, Size, Prot uint64 }

// FromBackendFile is a read-write region at addr mapping size bytes of
// the layout's BackendFile at off.
func (l *Layout) FromBackendFile(addr, size, off uint64) Region {
	return Region{Addr: addr, Size: size, Prot: unix.PROT_READ | unix.PROT_WRITE, fd: loaderBackendFD, off: off}
}

// ShareOver maps size bytes of the layout's BackendFile at off over this
// process's view of the image at addr, so that the supervisor reads there
// what the image's process does.
func (l *Layout) ShareOver(addr, size, off uint64) error {
	if l.BackendFile == nil {
		return fmt.Errorf("no backend file to map at %#x", addr)
	}
	return mapSharedOver(l.mem, int(addr-abi.ImageBase), l.BackendFile.Fd(), off, size)
}

// planRegion is the region as the loader's plan carries it.
func (r Region) planRegion() planRegion {
	pr := planRegion{addr: r.Addr, size: r.Size, prot: r.Prot, fd: r.fd, off: r.off, pkey: r.Pkey}
	if r.Huge {
		pr.flags = planPrivateHuge
	}
	return pr
}
