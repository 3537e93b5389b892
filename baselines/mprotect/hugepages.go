package mprotect

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"plib/backend/hostproc"
	"plib/image"
	"plib/internal/abi"
)

// Huge pages for the mprotect backend. Its gate re-protects a library's
// private memory twice per call, and mprotect's cost grows with the page
// table entries it changes: 512 per 2 MiB in 4 KiB pages, one in a 2 MiB
// page. mkimage lays a library's data out in whole 2 MiB pages when it
// holds 1 MiB or more; the loader then backs it with private anonymous
// memory that asks for transparent huge pages (MADV_HUGEPAGE), a copy of
// the image's bytes. Shared memory (the memory file, or PLIB_APPS shared
// data) stays in 4 KiB pages here unless shmem THP is enabled, which it is
// not by default.

// thpSysfs is where the kernel says whether transparent huge pages are on
// (a variable for tests).
var thpSysfs = "/sys/kernel/mm/transparent_hugepage"

// thpStatus says whether a region that asks for transparent huge pages
// (madvise MADV_HUGEPAGE) gets them on this host, and why not when it
// does not: the kernel's setting, "always [madvise] never", names its
// choice in brackets.
func thpStatus() (ok bool, why string) {
	b, err := os.ReadFile(thpSysfs + "/enabled")
	if err != nil {
		return false, "this kernel has no transparent huge pages (" + thpSysfs + " unreadable)"
	}
	mode := bracketed(string(b))
	if mode == "never" {
		return false, "transparent huge pages are off here (" + thpSysfs + "/enabled is never)"
	}
	// A per-size setting can turn 2 MiB pages off while the global one is on.
	if b, err := os.ReadFile(thpSysfs + "/hugepages-2048kB/enabled"); err == nil && bracketed(string(b)) == "never" {
		return false, "2 MiB transparent huge pages are off here (" + thpSysfs + "/hugepages-2048kB/enabled is never)"
	}
	return true, "transparent huge pages: " + mode
}

func bracketed(s string) string {
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return strings.TrimSpace(s)
	}
	return s[i+1 : j]
}

// hugeEligible reports whether library data section s can be backed by
// huge pages: whole 2 MiB pages, and not shared between instances.
func hugeEligible(s *image.Section, shared bool) (bool, string) {
	switch {
	case shared:
		return false, "its data is shared between the application's instances (shared memory, where transparent huge pages are " + shmemTHP() + ")"
	case s.Addr%hostproc.HugePage != 0 || s.Size%hostproc.HugePage != 0:
		return false, fmt.Sprintf("its data ([%#x, +%#x)) is not laid out in whole 2 MiB pages (mkimage does that for libraries with 1 MiB of "+
			"data or more)", s.Addr, s.Size)
	}
	return true, ""
}

// shmemTHP is the kernel's shmem THP setting, for notes.
func shmemTHP() string {
	b, err := os.ReadFile(thpSysfs + "/shmem_enabled")
	if err != nil {
		return "unavailable"
	}
	return bracketed(string(b))
}

// pageSizes is how much of [lo, hi) a process maps, and how much its
// mappings that overlap the range hold in memory (Rss) and in huge pages
// (AnonHugePages, ShmemPmdMapped and FilePmdMapped), from its smaps.
func pageSizes(smaps io.Reader, lo, hi uint64) (mapped, rss, huge uint64, err error) {
	sc := bufio.NewScanner(smaps)
	in := false
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if r := strings.SplitN(f[0], "-", 2); len(r) == 2 && !strings.HasSuffix(f[0], ":") {
			a, err1 := strconv.ParseUint(r[0], 16, 64)
			b, err2 := strconv.ParseUint(r[1], 16, 64)
			if err1 == nil && err2 == nil {
				// The kernel merges neighbouring mappings of the memory
				// file: a mapping counts if it overlaps the range.
				in = a < hi && b > lo
				if in {
					mapped += min(b, hi) - max(a, lo)
				}
				continue
			}
		}
		if !in || len(f) < 2 {
			continue
		}
		var into *uint64
		switch f[0] {
		case "Rss:":
			into = &rss
		case "AnonHugePages:", "ShmemPmdMapped:", "FilePmdMapped:":
			into = &huge
		default:
			continue
		}
		kb, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("smaps: %q", line)
		}
		*into += kb << 10
	}
	return mapped, rss, huge, sc.Err()
}

// pageReport tells, for each library of the run, which page size its
// private memory (what the gate re-protects on every call) is in, read
// from the image's process's smaps while it still runs: that page size
// sets what an mprotect of it costs.
func (s *closedSupervision) pageReport(img *image.Image) []string {
	if s.smaps == nil {
		return nil
	}
	var notes []string
	for _, d := range img.Libraries() {
		priv := d.Private()
		if _, err := s.smaps.Seek(0, io.SeekStart); err != nil {
			return []string{"page size: smaps unreadable: " + err.Error()}
		}
		mapped, rss, huge, err := pageSizes(s.smaps, priv.Addr, priv.Addr+priv.Size)
		if err != nil {
			return []string{"page size: smaps unreadable: " + err.Error()}
		}
		why := s.noHuge[d.ID]
		switch {
		case mapped == 0:
			notes = append(notes, fmt.Sprintf("page size: library %s's pages could not be read (the image's process was gone)", d.Name))
		case huge > 0:
			notes = append(notes, fmt.Sprintf("page size: 2 MiB huge pages: library %s's private memory (%s, which the gate re-protects on every "+
				"call) holds %s resident, %s of it in 2 MiB pages and %s in 4 KiB pages (its stack and slot: shared with the supervisor); untouched 2 "+
				"MiB pages cost mprotect nothing (smaps at exit)",
				d.Name, mib(priv.Size), mib(rss), mib(huge), mib(rss-huge)))
		default:
			if why == "" {
				why = "the kernel gave none (smaps at exit shows no huge page in it)"
			}
			notes = append(notes, fmt.Sprintf("page size: 4 KiB pages: library %s's private memory (%s, %d pages) costs mprotect in proportion to "+
				"its size; huge pages unavailable because %s",
				d.Name, mib(priv.Size), priv.Size/abi.PageSize, why))
		}
	}
	return notes
}

func mib(n uint64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
