package image

import "bytes"

// The encodings of the two switch instructions, written here once for
// every scanner and emulator in the tree.
var (
	VMFUNCBytes = []byte{0x0f, 0x01, 0xd4} // VMFUNC (EAX 0: EPTP switching)
	WRPKRUBytes = []byte{0x0f, 0x01, 0xef} // WRPKRU
)

// Forbidden is an instruction that only trusted gate code may contain.
type Forbidden struct {
	Name  string
	Bytes []byte
}

// ForbiddenInstructions are refused at every byte offset of every code
// section of an image: a switch the application could execute itself
// (VMFUNC, WRPKRU, XRSTOR, which can load PKRU) or a way around the
// platform-call gate (SYSCALL, SYSENTER, INT 80h).
var ForbiddenInstructions = []Forbidden{
	{"VMFUNC", VMFUNCBytes},
	{"WRPKRU", WRPKRUBytes},
	{"SYSCALL", []byte{0x0f, 0x05}},
	{"SYSENTER", []byte{0x0f, 0x34}},
	{"INT 80h", []byte{0xcd, 0x80}},
}

// ScanCode returns an error naming the forbidden instruction found at the
// lowest byte offset of code, which starts at address base.
func ScanCode(code []byte, base uint64, what string) error {
	if at, n, name := FindForbidden(code); at >= 0 {
		return bad("%s contains %s (% x) at %#x (offset %#x): only the gate page may switch domains or enter the kernel", what, name,
			code[at:at+n], base+uint64(at), at)
	}
	return nil
}

// FindForbidden returns the lowest offset of code at which a forbidden
// instruction (ForbiddenInstructions, XRSTOR, WRFSBASE/WRGSBASE) starts,
// how many of its bytes were matched, and its name; -1 when there is none.
func FindForbidden(code []byte) (at, n int, name string) {
	at = -1
	for _, f := range ForbiddenInstructions {
		if i := bytes.Index(code, f.Bytes); i >= 0 && (at < 0 || i < at) {
			at, n, name = i, len(f.Bytes), f.Name
		}
	}
	if i := FindXRSTOR(code); i >= 0 && (at < 0 || i < at) {
		at, n, name = i, 3, "XRSTOR"
	}
	if i := FindWRSEGBASE(code); i >= 0 && (at < 0 || i < at) {
		at, n, name = i, 3, "WRFSBASE/WRGSBASE"
	}
	return at, n, name
}

// FindXRSTOR returns the offset of the first XRSTOR in code, or -1: 0F AE
// with a memory operand whose reg field is 5 (ModRM mod != 3, reg == 5).
// XRSTOR can load PKRU from memory.
func FindXRSTOR(code []byte) int {
	for i := 0; i+2 < len(code); i++ {
		if code[i] == 0x0f && code[i+1] == 0xae && code[i+2]>>6 != 3 && (code[i+2]>>3)&7 == 5 {
			return i
		}
	}
	return -1
}

// FindWRSEGBASE returns the offset of the first 0F AE /2 or /3 with a
// register operand (ModRM D0-DF), or -1: with an F3 prefix that is
// WRFSBASE or WRGSBASE, which set a segment base from user mode where the
// kernel enables FSGSBASE (Linux 5.9 on). The host backends' trusted Go
// code addresses its thread-local state through FS, so no image may carry
// one. Without the prefix the encoding is undefined (#UD), so refusing it
// whatever precedes it costs no valid code.
func FindWRSEGBASE(code []byte) int {
	for i := 0; i+2 < len(code); i++ {
		if code[i] == 0x0f && code[i+1] == 0xae && code[i+2]&0xf0 == 0xd0 {
			return i
		}
	}
	return -1
}

// scanCode checks the image's executable bytes the way the CPU fetches
// them. Code sections that touch (one ends on the page where the next
// begins) are one run of executable memory: an instruction may start at
// the end of one domain's code and end at the start of another's, which
// no scan of one section at a time sees. So each run is scanned whole,
// with the zero padding the loader maps after a section's bytes up to its
// page end. The gate pages are not image code (the loader installs the
// backend's gate there) and sit between unmapped memory and the
// non-executable gate data, so no run reaches them.
func (im *Image) scanCode() error {
	var run []byte
	var parts []*Section
	flush := func() error {
		defer func() { run, parts = run[:0], parts[:0] }()
		at, n, name := FindForbidden(run)
		if at < 0 {
			return nil
		}
		start := parts[0].Addr + uint64(at)
		first, last := sectionAt(parts, start), sectionAt(parts, start+uint64(n)-1)
		seq := run[at : at+n]
		if first == last {
			return bad("code section %s contains %s (% x) at %#x (offset %#x): only the gate page may switch domains or enter the kernel",
				first.Name, name, seq, start, start-first.Addr)
		}
		return bad("code sections %s and %s are adjacent in memory and together contain %s (% x) at %#x, across their boundary at %#x: the CPU "+
			"fetches across sections, and only the gate page may switch domains or enter the kernel",
			first.Name, last.Name, name, seq, start, last.Addr)
	}
	for _, s := range im.Sections {
		if s.Kind != KindText {
			continue
		}
		if len(parts) > 0 && parts[0].Addr+uint64(len(run)) != s.Addr {
			if err := flush(); err != nil {
				return err
			}
		}
		run = append(run, s.Data...)
		run = append(run, make([]byte, s.Size-uint64(len(s.Data)))...)
		parts = append(parts, s)
	}
	if len(parts) > 0 {
		return flush()
	}
	return nil
}

// sectionAt is the section of parts holding addr.
func sectionAt(parts []*Section, addr uint64) *Section {
	for _, s := range parts {
		if addr < s.End() {
			return s
		}
	}
	return parts[len(parts)-1]
}
