package image

import (
	"bytes"
	"fmt"
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
	{"VMFUNC", []byte{0x0f, 0x01, 0xd4}},
	{"WRPKRU", []byte{0x0f, 0x01, 0xef}},
	{"SYSCALL", []byte{0x0f, 0x05}},
	{"SYSENTER", []byte{0x0f, 0x34}},
	{"INT 80h", []byte{0xcd, 0x80}},
}

// ScanCode returns an error naming the forbidden instruction found at the
// lowest byte offset of code, which starts at address base.
func ScanCode(code []byte, base uint64, what string) error {
	at, name, seq := -1, "", []byte(nil)
	for _, f := range ForbiddenInstructions {
		if i := bytes.Index(code, f.Bytes); i >= 0 && (at < 0 || i < at) {
			at, name, seq = i, f.Name, f.Bytes
		}
	}
	if i := FindXRSTOR(code); i >= 0 && (at < 0 || i < at) {
		at, name, seq = i, "XRSTOR", code[i:i+3]
	}
	if at >= 0 {
		return bad("%s contains %s (% x) at %#x (offset %#x): only the gate page may switch domains or enter the kernel", what, name, seq, base+uint64(at), at)
	}
	return nil
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

// scanCode checks every code section. Code sections are page-aligned and
// not adjacent to one another's data, but a sequence may still straddle two
// pages inside one section; scanning the whole section at once covers that.
func (im *Image) scanCode() error {
	for _, s := range im.Sections {
		if s.Kind != KindText {
			continue
		}
		if err := ScanCode(s.Data, s.Addr, fmt.Sprintf("code section %s", s.Name)); err != nil {
			return err
		}
	}
	return nil
}
