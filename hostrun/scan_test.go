package hostrun

import (
	"bytes"
	"os"
	"strings"
	"testing"
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

func TestScanFindsGadgets(t *testing.T) {
	maps := "00400000-00402000 r-xp 00000000 08:01 1 /bin/app\n7fff0000-7fff1000 rw-p 00000000 00:00 0 [stack]\n"
	for _, c := range []struct {
		name string
		code []byte
	}{
		{"WRPKRU", []byte{0x0f, 0x01, 0xef}},
		{"VMFUNC", []byte{0x0f, 0x01, 0xd4}},
		{"XRSTOR", []byte{0x0f, 0xae, 0x28}},
	} {
		code := make([]byte, 0x2000)
		copy(code[0x1fff-len(c.code)+1:], c.code) // at the very end, unaligned
		_, err := scanProcess(strings.NewReader(maps), fakeMem{0x400000: code})
		if err == nil || !strings.Contains(err.Error(), c.name+" gadget at") || !strings.Contains(err.Error(), "/bin/app") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	clean := bytes.Repeat([]byte{0x90}, 0x2000)
	if s, err := scanProcess(strings.NewReader(maps), fakeMem{0x400000: clean}); err != nil || !strings.Contains(s, "1 executable mappings") {
		t.Errorf("clean: %q %v", s, err)
	}
}

// TestTestBinaryIsGadgetFree scans this very process: the Go runtime and
// everything linked in must be free of PKRU gadgets.
func TestTestBinaryIsGadgetFree(t *testing.T) {
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Skipf("SKIPPING: %v", err)
	}
	defer mem.Close()
	s, err := scanSelf(mem)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(s)
}
