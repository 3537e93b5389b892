package hostproc

import (
	"os"
	"path/filepath"
	"testing"

	"plib/image"
	"plib/internal/abi"
)

// TestPrivateCopyIsRead: a library's data held in the image's process's
// private copy (Region.Huge: mprotect's huge pages) is read from that process for the
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
