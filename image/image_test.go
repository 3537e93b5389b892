package image

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"plib/internal/abi"
	"plib/internal/testimages"
)

func TestParseNull(t *testing.T) {
	im, err := Parse(testimages.Bytes(t, "null"))
	if err != nil {
		t.Fatal(err)
	}
	app, lib := im.Domains[0], im.Domains[1]
	if app == nil || lib == nil || lib.Name != "null" {
		t.Fatalf("domains: app %v, lib 1 %v", app, lib)
	}
	if lib.Text == nil || lib.Data == nil || lib.Stack == nil || lib.Args == nil {
		t.Fatalf("library sections missing: %+v", lib)
	}
	for _, s := range []*Section{lib.Text, lib.Data, lib.Stack, lib.Args} {
		if s.Domain != 1 {
			t.Errorf("%s: domain %d, want 1", s.Name, s.Domain)
		}
	}
	if len(im.Exports) != 5 {
		t.Fatalf("exports: %+v", im.Exports)
	}
	for i, want := range []string{"noop", "add", "peek", "crash", "spin"} {
		e := im.Exports[i]
		if e.Name != want || e.Lib != 1 || e.Fn != i || e.LibName != "null" {
			t.Errorf("export %d = %+v, want null.%s fn %d", i, e, want, i)
		}
		if e.Addr < lib.Text.Addr || e.Addr >= lib.Text.End() {
			t.Errorf("export %s at %#x outside library code", e.Name, e.Addr)
		}
	}
	if im.Entry < app.Text.Addr || im.Entry >= app.Text.End() {
		t.Errorf("entry %#x outside app text", im.Entry)
	}
}

// shdr finds the raw section header of name in an ELF image.
func shdr(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	shoff := binary.LittleEndian.Uint64(data[0x28:])
	for i, s := range f.Sections {
		if s.Name == name {
			return data[shoff+uint64(i)*64 : shoff+uint64(i+1)*64]
		}
	}
	t.Fatalf("no section %s", name)
	return nil
}

func sectionData(t *testing.T, data []byte, name string) []byte {
	h := shdr(t, data, name)
	off, size := binary.LittleEndian.Uint64(h[24:]), binary.LittleEndian.Uint64(h[32:])
	return data[off : off+size]
}

// TestRefusesHostileImages mutates a good image and checks each problem is
// refused with a message that names it.
func TestRefusesHostileImages(t *testing.T) {
	good := testimages.Bytes(t, "null")
	le := binary.LittleEndian
	cases := []struct {
		name   string
		mutate func(t *testing.T, b []byte) []byte
		want   string
	}{
		{"not ELF", func(t *testing.T, b []byte) []byte { return []byte("hello, this is not an ELF file at all") }, "not an ELF file"},
		{"truncated", func(t *testing.T, b []byte) []byte { return b[:100] }, "bad image"},
		{"writable gate page", func(t *testing.T, b []byte) []byte {
			h := shdr(t, b, ".plib.gate")
			le.PutUint64(h[8:], le.Uint64(h[8:])|uint64(elf.SHF_WRITE))
			return b
		}, "gate page .plib.gate is writable"},
		{"writable code", func(t *testing.T, b []byte) []byte {
			h := shdr(t, b, ".plib.lib.null.text")
			le.PutUint64(h[8:], le.Uint64(h[8:])|uint64(elf.SHF_WRITE))
			return b
		}, "must be executable and not writable"},
		{"executable data", func(t *testing.T, b []byte) []byte {
			h := shdr(t, b, ".plib.lib.null.data")
			le.PutUint64(h[8:], le.Uint64(h[8:])|uint64(elf.SHF_EXECINSTR))
			return b
		}, "must be writable and not executable"},
		{"overlapping sections", func(t *testing.T, b []byte) []byte {
			h := shdr(t, b, ".plib.lib.null.data")
			text := shdr(t, b, ".plib.lib.null.text")
			le.PutUint64(h[16:], le.Uint64(text[16:]))
			return b
		}, "overlap"},
		{"section outside the image range", func(t *testing.T, b []byte) []byte {
			le.PutUint64(shdr(t, b, ".plib.lib.null.args")[16:], 0x70000000)
			return b
		}, "outside the image range"},
		{"unaligned section", func(t *testing.T, b []byte) []byte {
			h := shdr(t, b, ".plib.lib.null.args")
			le.PutUint64(h[16:], le.Uint64(h[16:])+8)
			return b
		}, "not page-aligned"},
		{"export outside its library", func(t *testing.T, b []byte) []byte {
			ex := sectionData(t, b, ".plib.exports")
			le.PutUint64(ex[64:], abi.ImageCode) // first record's address: app code
			return b
		}, "outside the library's code"},
		{"export of an unknown library", func(t *testing.T, b []byte) []byte {
			copy(sectionData(t, b, ".plib.exports")[8:], "ghost\x00")
			return b
		}, `no library "ghost"`},
		{"library id out of range", func(t *testing.T, b []byte) []byte {
			le.PutUint32(sectionData(t, b, ".plib.exports")[0:], 9)
			return b
		}, "library id 9"},
		{"function exported twice", func(t *testing.T, b []byte) []byte {
			le.PutUint32(sectionData(t, b, ".plib.exports")[abi.ExportRecordSize+4:], 0)
			return b
		}, "exported twice"},
		{"unterminated export name", func(t *testing.T, b []byte) []byte {
			ex := sectionData(t, b, ".plib.exports")
			for i := 32; i < 64; i++ {
				ex[i] = 'A'
			}
			return b
		}, "not NUL-terminated"},
		{"entry point outside app code", func(t *testing.T, b []byte) []byte {
			le.PutUint64(b[0x18:], abi.GateData)
			return b
		}, "entry point"},
		{"VMFUNC in application code", func(t *testing.T, b []byte) []byte {
			copy(sectionData(t, b, ".plib.app.text")[5:], []byte{0x0f, 0x01, 0xd4})
			return b
		}, "contains VMFUNC (0f 01 d4) at 0x40005005"},
		{"WRPKRU in library code", func(t *testing.T, b []byte) []byte {
			copy(sectionData(t, b, ".plib.lib.null.text")[7:], []byte{0x0f, 0x01, 0xef})
			return b
		}, "contains WRPKRU"},
		{"section of no domain", func(t *testing.T, b []byte) []byte {
			shstr := sectionData(t, b, ".shstrtab")
			i := bytes.Index(shstr, []byte(".plib.app.text"))
			copy(shstr[i:], ".plib.xyz.text")
			return b
		}, "does not belong to any domain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.mutate(t, append([]byte(nil), good...))
			_, err := Parse(b)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrBadImage) {
				t.Errorf("error %v does not wrap ErrBadImage", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestScanFindsXRSTORAndStraddlingBytes(t *testing.T) {
	code := make([]byte, 8192)
	copy(code[4095:], []byte{0x0f, 0x01, 0xd4}) // straddles a page boundary
	if err := ScanCode(code, 0x1000, "x"); err == nil || !strings.Contains(err.Error(), "VMFUNC") {
		t.Errorf("straddling VMFUNC: %v", err)
	}
	xrstor := []byte{0x90, 0x0f, 0xae, 0x2f} // xrstor (%rdi)
	if err := ScanCode(xrstor, 0, "x"); err == nil || !strings.Contains(err.Error(), "XRSTOR") {
		t.Errorf("XRSTOR: %v", err)
	}
	lfence := []byte{0x0f, 0xae, 0xe8} // register form (mod 3): not XRSTOR
	if err := ScanCode(lfence, 0, "x"); err != nil {
		t.Errorf("lfence refused: %v", err)
	}
}

func TestGadgetImageIsRefused(t *testing.T) {
	_, err := Parse(testimages.Bytes(t, "attack-gadget"))
	if err == nil || !strings.Contains(err.Error(), "contains WRPKRU (0f 01 ef)") {
		t.Fatalf("gadget image: %v (want the first gadget, WRPKRU at an unaligned offset, named)", err)
	}
}

// TestApplicationInstances: PLIB_APPS(2) is read from .plib.apps, an
// image without it runs one instance, and a count outside 1..4 is refused.
func TestApplicationInstances(t *testing.T) {
	if im, err := Parse(testimages.Bytes(t, "null")); err != nil || im.Apps != 1 {
		t.Fatalf("null: %v apps %v", err, im)
	}
	b := testimages.Bytes(t, "sharing")
	im, err := Parse(b)
	if err != nil || im.Apps != 2 {
		t.Fatalf("sharing: %v", err)
	}
	ranges, size := im.SharedData()
	if len(ranges) != 1 || ranges[0].Lib != 1 || size < 32<<20 || uint64(len(im.SharedDataContents())) != size {
		t.Errorf("shared data: %+v, %d bytes", ranges, size)
	}
	off := binary.LittleEndian.Uint64(shdr(t, b, ".plib.apps")[24:])
	for _, n := range []uint32{0, 9, 1 << 31} {
		bad := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(bad[off:], n)
		if _, err := Parse(bad); err == nil || !strings.Contains(err.Error(), "application instances") {
			t.Errorf("PLIB_APPS(%d): %v", n, err)
		}
	}
}

// TestAppWritable: plib_scribble may rewrite the app's data, stack and
// argument areas, nothing of a library's own and nothing that wraps.
func TestAppWritable(t *testing.T) {
	im, err := Parse(testimages.Bytes(t, "null"))
	if err != nil {
		t.Fatal(err)
	}
	app, lib := im.Domains[0], im.Domains[1]
	for _, c := range []struct {
		addr, n uint64
		want    bool
	}{
		{app.Stack.Addr, 64, true}, {lib.Args.Addr, lib.Args.Size, true}, {lib.Data.Addr, 8, false},
		{lib.Stack.Addr, 8, false}, {app.Text.Addr, 8, false}, {lib.Args.Addr, lib.Args.Size + 1, false},
		{^uint64(0) - 4, 16, false}, {app.Stack.Addr, 0, false},
	} {
		if got := im.AppWritable(c.addr, c.n); got != c.want {
			t.Errorf("AppWritable(%#x, %d) = %v", c.addr, c.n, got)
		}
	}
}

// TestScanSeesAcrossSections: a forbidden instruction split at every
// point across two adjacent code sections (the first filling its last
// page) is refused and the message names both; the same bytes with a
// page between the sections are accepted, since no fetch crosses a gap.
func TestScanSeesAcrossSections(t *testing.T) {
	for _, c := range []struct {
		name string
		code []byte
	}{
		{"VMFUNC", []byte{0x0f, 0x01, 0xd4}},
		{"WRPKRU", []byte{0x0f, 0x01, 0xef}},
		{"SYSCALL", []byte{0x0f, 0x05}},
		{"XRSTOR", []byte{0x0f, 0xae, 0x2f}},
		{"WRFSBASE/WRGSBASE", []byte{0x0f, 0xae, 0xd8}}, // the F3 prefix and REX may precede it: the core is refused alone
	} {
		for split := 1; split < len(c.code); split++ {
			for _, gap := range []uint64{0, abi.PageSize} {
				app := &Section{Name: ".plib.app.text", Kind: KindText, Addr: abi.ImageCode, Size: abi.PageSize, Data: bytes.Repeat([]byte{0x90}, abi.PageSize)}
				copy(app.Data[abi.PageSize-split:], c.code[:split])
				lib := &Section{Name: ".plib.lib.x.text", Kind: KindText, Addr: app.End() + gap, Size: abi.PageSize, Data: append(append([]byte(nil), c.code[split:]...), 0xc3)}
				im := &Image{Sections: []*Section{app, lib}}
				err := im.scanCode()
				if gap != 0 {
					if err != nil {
						t.Errorf("%s split %d with a gap: %v", c.name, split, err)
					}
					continue
				}
				if !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), ".plib.app.text and .plib.lib.x.text") {
					t.Errorf("%s split %d|%d: %v", c.name, split, len(c.code)-split, err)
				}
			}
		}
	}
}

// TestScanSeesPastShortSections: a section whose bytes end before its
// page does is followed by zero padding, so an instruction cannot
// straddle it; the scan pads as the loader maps and accepts this.
func TestScanSeesPastShortSections(t *testing.T) {
	app := &Section{Name: ".plib.app.text", Kind: KindText, Addr: abi.ImageCode, Size: abi.PageSize, Data: []byte{0x90, 0x0f, 0x01}}
	lib := &Section{Name: ".plib.lib.x.text", Kind: KindText, Addr: app.End(), Size: abi.PageSize, Data: []byte{0xd4, 0xc3}}
	if err := (&Image{Sections: []*Section{app, lib}}).scanCode(); err != nil {
		t.Errorf("padded boundary: %v", err)
	}
}
