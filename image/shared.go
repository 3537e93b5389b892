package image

import "plib/internal/abi"

// SharedRange is one library's data (data, bss and heap, whole pages) as
// the application instances of a PLIB_APPS image share it: at Off in the
// shared-data file, mapped at Addr in every instance.
type SharedRange struct {
	Lib       int
	Addr, Off uint64
	Size      uint64
}

// SharedData lays out the libraries' data in the file every application
// instance maps (the ranges, and the file's size). Library stacks and
// argument areas stay private to each instance.
func (im *Image) SharedData() (ranges []SharedRange, size uint64) {
	for _, d := range im.Libraries() {
		if d.Data == nil || d.Data.Size == 0 {
			continue
		}
		n := (d.Data.Size + abi.PageSize - 1) &^ (abi.PageSize - 1)
		ranges = append(ranges, SharedRange{Lib: d.ID, Addr: d.Data.Addr, Off: size, Size: n})
		size += n
	}
	return ranges, size
}

// SharedDataContents is the shared-data file's first contents: each
// library's initialized data as the image holds it (bss and heap zero).
func (im *Image) SharedDataContents() []byte {
	ranges, size := im.SharedData()
	buf := make([]byte, size)
	for _, r := range ranges {
		for _, s := range im.Sections {
			if s.Data != nil && s.Addr >= r.Addr && s.Addr+uint64(len(s.Data)) <= r.Addr+r.Size {
				copy(buf[r.Off+s.Addr-r.Addr:], s.Data)
			}
		}
	}
	return buf
}

// AppWritable reports whether [addr, addr+n) lies inside one section the
// application may write: its own data or stack, or a library's argument
// area (what plib_scribble may rewrite).
func (im *Image) AppWritable(addr, n uint64) bool {
	if n == 0 || addr+n < addr {
		return false
	}
	for _, s := range im.Sections {
		ok := s.Kind == KindArgs || (s.Domain == 0 && (s.Kind == KindData || s.Kind == KindStack))
		if ok && addr >= s.Addr && addr+n <= s.End() {
			return true
		}
	}
	return false
}
