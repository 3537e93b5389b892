package pku

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"plib/image"
	"plib/internal/abi"
)

// pkruGadgets are the instructions that can change PKRU or switch views;
// in a host backend the application can jump anywhere in its process, so
// none may exist in any executable mapping outside the gate pages.
var pkruGadgets = []image.Forbidden{
	{Name: "WRPKRU", Bytes: image.WRPKRUBytes},
	{Name: "VMFUNC", Bytes: image.VMFUNCBytes},
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

// gadget is a PKRU-changing instruction found in executable memory.
type gadget struct {
	addr uint64
	name string
	path string
}

func (g gadget) String() string { return fmt.Sprintf("%s at %#x in %s", g.name, g.addr, g.path) }

// scanProcess checks every executable mapping of a process (under the
// loader: the loader, the image, the gate) for PKRU gadgets outside the
// gate pages, reading through mem (/proc/PID/mem), at every byte offset. Mappings
// that touch are scanned as one run, as the CPU fetches them: a gadget
// may start in one mapping and end in the next. It returns every gadget
// found and a one-line summary.
func scanProcess(maps io.Reader, mem io.ReaderAt) ([]gadget, string, error) {
	ms, err := readMaps(maps)
	if err != nil {
		return nil, "", err
	}
	var runs [][]mapping
	for _, m := range ms {
		if !strings.Contains(m.perms, "x") || m.path == "[vsyscall]" {
			continue // [vsyscall] is execute-only and emulated by the kernel
		}
		if n := len(runs); n > 0 && runs[n-1][len(runs[n-1])-1].end == m.start {
			runs[n-1] = append(runs[n-1], m)
		} else {
			runs = append(runs, []mapping{m})
		}
	}
	var found []gadget
	gateLo, gateHi := uint64(abi.GatePage), uint64(abi.GatePage+abi.GatePages*abi.PageSize)
	n, total := 0, uint64(0)
	for _, run := range runs {
		lo, hi := run[0].start, run[len(run)-1].end
		b := make([]byte, hi-lo)
		for _, m := range run {
			if _, err := mem.ReadAt(b[m.start-lo:m.end-lo], int64(m.start)); err != nil {
				return nil, "", fmt.Errorf("read executable mapping %#x-%#x %s: %w", m.start, m.end, m.path, err)
			}
		}
		for off := 0; off < len(b); {
			i, name := findGadget(b[off:])
			if i < 0 {
				break
			}
			addr := lo + uint64(off+i)
			off += i + 1
			if addr >= gateLo && addr < gateHi {
				continue // the gate's own, checked instructions
			}
			found = append(found, gadget{addr: addr, name: name, path: pathAt(run, addr)})
		}
		n += len(run)
		total += hi - lo
	}
	return found, fmt.Sprintf("process scan: %d executable mappings, %d KiB, %d WRPKRU/XRSTOR/VMFUNC byte sequences outside the gate", n,
		total/1024, len(found)), nil
}

// pathAt names the mapping of run that holds addr.
func pathAt(run []mapping, addr uint64) string {
	for _, m := range run {
		if addr < m.end {
			return m.path
		}
	}
	return run[len(run)-1].path
}
