package image

import (
	"testing"

	"plib/internal/abi"
	"plib/internal/testimages"
)

// FuzzParse feeds mutated images to the parser. Whatever it accepts must
// satisfy the layout invariants the loader relies on.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"null", "ipc", "attack-read", "attack-gate-skip"} {
		f.Add(testimages.Bytes(f, name))
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := Parse(data)
		if err != nil {
			return
		}
		checkInvariants(t, im)
	})
}

func checkInvariants(t *testing.T, im *Image) {
	var prevEnd uint64
	var prevText *Section
	for _, s := range im.Sections {
		if s.Addr%abi.PageSize != 0 || s.Size%abi.PageSize != 0 || s.Size == 0 {
			t.Fatalf("%s: not whole pages", s.Name)
		}
		if s.Addr < abi.ImageBase || s.End() > abi.ImageLimit || s.End() < s.Addr {
			t.Fatalf("%s: outside the image range", s.Name)
		}
		if s.Addr < prevEnd {
			t.Fatalf("%s: overlaps the previous section", s.Name)
		}
		if uint64(len(s.Data)) > s.Size {
			t.Fatalf("%s: more data than size", s.Name)
		}
		if s.Kind == KindText {
			if err := ScanCode(s.Data, s.Addr, s.Name); err != nil {
				t.Fatalf("accepted forbidden code: %v", err)
			}
			// Code that touches the previous code section: the CPU
			// fetches across the boundary, so the bytes around it
			// (the previous section's padded tail, this one's head)
			// must hold no forbidden instruction either.
			if prevText != nil && prevText.End() == s.Addr {
				tail := append(append([]byte(nil), prevText.Data...), make([]byte, prevText.Size-uint64(len(prevText.Data)))...)
				window := append(tail[len(tail)-2:], s.Data[:min(2, len(s.Data))]...)
				if err := ScanCode(window, s.Addr-2, "boundary"); err != nil {
					t.Fatalf("accepted a forbidden instruction across %s and %s: %v", prevText.Name, s.Name, err)
				}
			}
			prevText = s
		}
		prevEnd = s.End()
	}
	app := im.Domains[0]
	if app == nil || im.Entry < app.Text.Addr || im.Entry >= app.Text.End() {
		t.Fatal("entry point outside the application's code")
	}
	for _, e := range im.Exports {
		d := im.Domains[e.Lib]
		if d == nil || e.Addr < d.Text.Addr || e.Addr >= d.Text.End() {
			t.Fatalf("export %s.%s outside its library's code", e.LibName, e.Name)
		}
	}
	for id, d := range im.Domains[1:] {
		if d != nil && (d.ID != id+1 || d.Stack == nil || d.Args == nil) {
			t.Fatalf("library %d incomplete: %+v", id+1, d)
		}
	}
}
