// Command codescan lists the ELF files (objects or linked images) whose
// executable sections hold an instruction the image loader refuses at any
// byte offset (image.FindForbidden: SYSCALL, SYSENTER, INT 80h, VMFUNC,
// WRPKRU, XRSTOR, WRFSBASE/WRGSBASE). Compiled code can hold one by
// accident, in an immediate or a displacement; the musl build
// (guestlib/libc/build.sh) uses it to find the objects to rebuild with
// another code alignment, and mkimage to name the symbol before the
// loader refuses the image.
//
// Usage: codescan FILE...   (prints "FILE SECTION+OFFSET SYMBOL+OFF NAME"
// per file that holds one; exit 1 if any does, 2 on an unreadable file)
package main

import (
	"debug/elf"
	"fmt"
	"os"
	"sort"

	"plib/image"
)

func main() {
	found, failed := false, false
	for _, path := range os.Args[1:] {
		hit, err := scan(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "codescan: %v\n", err)
			failed = true
			continue
		}
		if hit != "" {
			fmt.Println(path, hit)
			found = true
		}
	}
	switch {
	case failed:
		os.Exit(2)
	case found:
		os.Exit(1)
	}
}

// scan returns where the first forbidden instruction in path's executable
// sections is, or "" when there is none.
func scan(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	syms, _ := f.Symbols() // none is fine: the section offset still says where
	for i, s := range f.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS {
			continue
		}
		b, err := s.Data()
		if err != nil {
			return "", fmt.Errorf("%s: section %s: %w", path, s.Name, err)
		}
		at, _, name := image.FindForbidden(b)
		if at < 0 {
			continue
		}
		return fmt.Sprintf("%s+%#x %s %s", s.Name, at, symbolAt(syms, elf.SectionIndex(i), s.Addr+uint64(at)), name), nil
	}
	return "", nil
}

// symbolAt names the function symbol of section sec that holds addr.
func symbolAt(syms []elf.Symbol, sec elf.SectionIndex, addr uint64) string {
	var in []elf.Symbol
	for _, s := range syms {
		if s.Section == sec && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value <= addr {
			in = append(in, s)
		}
	}
	if len(in) == 0 {
		return "?"
	}
	sort.Slice(in, func(i, j int) bool { return in[i].Value > in[j].Value })
	return fmt.Sprintf("%s+%#x", in[0].Name, addr-in[0].Value)
}
