package pku

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"plib/image"
	"plib/internal/guestbin"
)

// fakeMem serves reads from a map of regions.
type fakeMem map[uint64][]byte

func (f fakeMem) ReadAt(b []byte, off int64) (int, error) {
	for base, d := range f {
		if uint64(off) >= base && uint64(off)+uint64(len(b)) <= base+uint64(len(d)) {
			return copy(b, d[uint64(off)-base:]), nil
		}
	}
	return 0, os.ErrInvalid
}

// gadgetCases are the encodings the scan must find, written out here
// rather than taken from the scanner's table, so a wrong table fails.
var gadgetCases = []struct {
	name string
	code []byte
}{
	{"WRPKRU", []byte{0x0f, 0x01, 0xef}},
	{"VMFUNC", []byte{0x0f, 0x01, 0xd4}},
	{"XRSTOR", []byte{0x0f, 0xae, 0x28}},
}

func TestScanFindsGadgets(t *testing.T) {
	maps := "00400000-00402000 r-xp 00000000 08:01 1 /bin/app\n7fff0000-7fff1000 rw-p 00000000 00:00 0 [stack]\n"
	for _, c := range gadgetCases {
		code := make([]byte, 0x2000)
		copy(code[0x1fff-len(c.code)+1:], c.code) // at the very end, unaligned
		found, _, err := scanProcess(strings.NewReader(maps), fakeMem{0x400000: code})
		want := uint64(0x400000 + 0x1fff - len(c.code) + 1)
		if err != nil || len(found) != 1 || found[0].name != c.name || found[0].addr != want || found[0].path != "/bin/app" {
			t.Errorf("%s: %v %v (want one at %#x)", c.name, found, err, want)
		}
	}
	two := bytes.Repeat([]byte{0x90}, 0x2000)
	copy(two[5:], []byte{0x0f, 0x01, 0xef})
	copy(two[9:], []byte{0x0f, 0xae, 0x2e}) // right after the first: both count
	if found, _, _ := scanProcess(strings.NewReader(maps), fakeMem{0x400000: two}); len(found) != 2 {
		t.Errorf("two gadgets: %v", found)
	}
	clean := bytes.Repeat([]byte{0x90}, 0x2000)
	if found, s, err := scanProcess(strings.NewReader(maps), fakeMem{0x400000: clean}); err != nil || len(found) != 0 || !strings.Contains(s, "1 executable mappings") {
		t.Errorf("clean: %q %v %v", s, found, err)
	}
}

// TestLoaderIsGadgetFree: the loader's code stays mapped in the image's
// process, where the app can jump to any byte of it, so it may hold no
// WRPKRU, XRSTOR or VMFUNC byte sequence anywhere (its RDPKRU is
// harmless). The pku backend also scans the live process before it runs.
func TestLoaderIsGadgetFree(t *testing.T) {
	if len(guestbin.Loader) < 1000 {
		t.Fatalf("the loader is %d bytes: not built", len(guestbin.Loader))
	}
	if at, name := findGadget(guestbin.Loader); at >= 0 {
		t.Errorf("%s at offset %#x of the loader", name, at)
	}
	if at := image.FindWRSEGBASE(guestbin.Loader); at >= 0 {
		t.Errorf("WRFSBASE/WRGSBASE at offset %#x of the loader", at)
	}
}

// TestScanSeesAcrossMappings: a gadget whose bytes start at the end of one
// executable mapping and end at the start of the next (adjacent) one is
// found, at every split point; two mappings with a gap between them are
// not joined.
func TestScanSeesAcrossMappings(t *testing.T) {
	maps := "00400000-00401000 r-xp 00000000 08:01 1 /bin/app\n00401000-00402000 r-xp 00000000 00:00 0 [anon:jit]\n"
	for _, c := range gadgetCases {
		for split := 1; split < len(c.code); split++ {
			first := bytes.Repeat([]byte{0x90}, 0x1000)
			second := bytes.Repeat([]byte{0x90}, 0x1000)
			copy(first[0x1000-split:], c.code[:split])
			copy(second, c.code[split:])
			found, _, err := scanProcess(strings.NewReader(maps), fakeMem{0x400000: first, 0x401000: second})
			want := uint64(0x401000 - split)
			if err != nil || len(found) != 1 || found[0].name != c.name || found[0].addr != want || found[0].path != "/bin/app" {
				t.Errorf("%s split %d|%d: %v %v (want one at %#x)", c.name, split, len(c.code)-split, found, err, want)
			}
			gap := "00400000-00401000 r-xp 00000000 08:01 1 /bin/app\n00402000-00403000 r-xp 00000000 00:00 0 [anon:jit]\n"
			if found, _, err := scanProcess(strings.NewReader(gap), fakeMem{0x400000: first, 0x402000: second}); err != nil || len(found) != 0 {
				t.Errorf("%s split over a gap: %v %v (the CPU cannot fetch across it)", c.name, found, err)
			}
		}
	}
}

// TestScanSeesIntoTheGate: the gate's own instructions are exempt, but a
// gadget that starts just below the gate pages and ends inside them is
// not.
func TestScanSeesIntoTheGate(t *testing.T) {
	maps := "3ffff000-40000000 r-xp 00000000 00:00 0\n40000000-40003000 r-xp 00000000 00:00 0\n"
	below := bytes.Repeat([]byte{0x90}, 0x1000)
	gate := bytes.Repeat([]byte{0x90}, 0x3000)
	copy(below[0xfff:], []byte{0x0f})
	copy(gate, []byte{0x01, 0xef})
	copy(gate[0x100:], []byte{0x0f, 0x01, 0xef}) // the gate's own WRPKRU
	found, _, err := scanProcess(strings.NewReader(maps), fakeMem{0x3ffff000: below, 0x40000000: gate})
	if err != nil || len(found) != 1 || found[0].addr != 0x3fffffff {
		t.Errorf("found %v %v, want one WRPKRU at 0x3fffffff", found, err)
	}
}
