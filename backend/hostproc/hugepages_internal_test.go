package hostproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"plib/image"
	"plib/internal/abi"
)

const smapsSample = `40000000-40003000 r-xp 00000000 00:01 1 /memfd:plib-image (deleted)
Size:                 12 kB
Rss:                  12 kB
AnonHugePages:         0 kB
40200000-42400000 ---p 00000000 00:00 0
Size:              34816 kB
Rss:               34816 kB
AnonHugePages:     34816 kB
ShmemPmdMapped:        0 kB
VmFlags: hg
42400000-42410000 ---s 02400000 00:01 1 /memfd:plib-image (deleted)
Size:                 64 kB
Rss:                   8 kB
AnonHugePages:         0 kB
`

func TestPageSizes(t *testing.T) {
	mapped, rss, huge, err := pageSizes(strings.NewReader(smapsSample), 0x40200000, 0x42410000)
	if err != nil {
		t.Fatal(err)
	}
	if mapped != 0x2210000 || rss != (34816+8)<<10 || huge != 34816<<10 {
		t.Fatalf("mapped %#x rss %d huge %d", mapped, rss, huge)
	}
	if _, _, huge, _ := pageSizes(strings.NewReader(smapsSample), 0x40000000, 0x40003000); huge != 0 {
		t.Fatalf("the gate's range has %d bytes in huge pages", huge)
	}
}

// TestPrivateCopyIsRead: a library's data held in the image's process's
// private copy (mprotect's huge pages) is read from that process for the
// library's platform calls, never from the stale memory file.
func TestPrivateCopyIsRead(t *testing.T) {
	const lo, size = 0x40200000, 0x200000
	img := &image.Image{End: lo + size}
	img.Sections = []*image.Section{{Name: ".plib.lib.x.data", Kind: image.KindData, Domain: 1, Addr: lo, Size: size}}
	mem := make([]byte, img.End-abi.ImageBase)
	copy(mem[lo+0x100-abi.ImageBase:], "stale")
	f, err := os.Create(filepath.Join(t.TempDir(), "mem")) // stands in for /proc/PID/mem
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(lo + size); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("fresh"), lo+0x100); err != nil {
		t.Fatal(err)
	}
	p := &process{mem: mem, img: img, private: []image.Span{{Addr: lo, Size: size}}, procMem: f}
	b, err := domainMemory{p, 1}.Read(lo+0xfe, 9)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[2:7]) != "fresh" {
		t.Fatalf("read %q, want the process's copy", b)
	}
	p.procMem = nil
	if _, err := (domainMemory{p, 1}).Read(lo+0x100, 5); err == nil {
		t.Fatal("a private range read without the process's memory")
	}
}
