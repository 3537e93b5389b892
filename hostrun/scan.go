package hostrun

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"plib/abi"
	"plib/image"
)

// pkruGadgets are the instructions that can change PKRU or switch views;
// in a host backend the application can jump anywhere in its process, so
// none may exist in any executable mapping outside the gate pages.
var pkruGadgets = []image.Forbidden{
	{Name: "WRPKRU", Bytes: []byte{0x0f, 0x01, 0xef}},
	{Name: "VMFUNC", Bytes: []byte{0x0f, 0x01, 0xd4}},
}

// mapping is one line of /proc/self/maps.
type mapping struct {
	start, end uint64
	perms      string
	path       string
}

func readMaps(r io.Reader) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			return nil, fmt.Errorf("bad maps line %q", sc.Text())
		}
		s, err1 := strconv.ParseUint(lo, 16, 64)
		e, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad maps line %q", sc.Text())
		}
		m := mapping{start: s, end: e, perms: f[1]}
		if len(f) >= 6 {
			m.path = f[5]
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// findGadget returns the offset and name of the first PKRU gadget in b.
func findGadget(b []byte) (int, string) {
	at, name := -1, ""
	for _, g := range pkruGadgets {
		if i := bytes.Index(b, g.Bytes); i >= 0 && (at < 0 || i < at) {
			at, name = i, g.Name
		}
	}
	if i := image.FindXRSTOR(b); i >= 0 && (at < 0 || i < at) {
		at, name = i, "XRSTOR"
	}
	return at, name
}

// scanProcess checks every executable mapping of this process (the Go
// binary, the vDSO, the image) for PKRU gadgets outside the gate pages,
// reading through mem (/proc/self/mem). It returns a one-line summary.
func scanProcess(maps io.Reader, mem io.ReaderAt) (string, error) {
	ms, err := readMaps(maps)
	if err != nil {
		return "", err
	}
	gateLo, gateHi := uint64(abi.GatePage), uint64(abi.GatePage+abi.GatePages*abi.PageSize)
	n, total := 0, uint64(0)
	for _, m := range ms {
		if !strings.Contains(m.perms, "x") || m.path == "[vsyscall]" {
			continue // [vsyscall] is execute-only and emulated by the kernel
		}
		for _, r := range [][2]uint64{{m.start, min(m.end, gateLo)}, {max(m.start, gateHi), m.end}} {
			if r[0] >= r[1] {
				continue
			}
			b := make([]byte, r[1]-r[0])
			if _, err := mem.ReadAt(b, int64(r[0])); err != nil {
				return "", fmt.Errorf("read executable mapping %#x-%#x %s: %w", r[0], r[1], m.path, err)
			}
			// Overlap by 2 bytes into the next region is not needed: the
			// gate pages separate the two halves and are scanned by review.
			if i, name := findGadget(b); i >= 0 {
				return "", fmt.Errorf("%s gadget at %#x in executable mapping %s (%#x-%#x): the application could jump to it", name, r[0]+uint64(i), m.path, m.start, m.end)
			}
			total += r[1] - r[0]
		}
		n++
	}
	return fmt.Sprintf("process scan: %d executable mappings, %d KiB, no WRPKRU/XRSTOR/VMFUNC outside the gate", n, total/1024), nil
}

// scanSelf runs scanProcess on this process.
func scanSelf(mem io.ReaderAt) (string, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	return scanProcess(f, mem)
}
