package mprotect

import (
	"strings"
	"testing"
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
