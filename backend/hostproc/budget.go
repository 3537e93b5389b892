package hostproc

// tsc reads the time-stamp counter (tsc_amd64.s): the clock the gates
// record a library call's start in.
func tsc() uint64

// entryName names entry index e as library.function, with the library.
func (p *process) entryName(e int) (string, string) { return p.img.EntryName(e) }
