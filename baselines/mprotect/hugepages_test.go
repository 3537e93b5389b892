package mprotect_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"plib/baselines/mprotect"
)

// TestMprotectHugePages: under mprotect, kv's library data (34 MiB, laid
// out in whole 2 MiB pages by mkimage) lives in 2 MiB huge pages where
// the host has transparent huge pages, and the result says so from the
// image's process's smaps; where it has none, the result says 4 KiB
// pages and why.
func TestMprotectHugePages(t *testing.T) {
	res, out := runMprotect(t, "kv", map[string]int64{"iterations": 20, "rounds": 2})
	if !res.Exited || res.ExitCode != 0 {
		t.Fatalf("kv under mprotect: %+v %+v\n%s", res, res.Violation, out)
	}
	var note string
	for _, n := range res.Notes {
		if strings.HasPrefix(n, "page size:") && strings.Contains(n, "library kv's") {
			note = n
		}
	}
	if note == "" {
		t.Fatalf("no page size note for kv: %q", res.Notes)
	}
	t.Log(note)
	if ok, why := mprotect.THPStatus(); !ok {
		if !strings.Contains(note, "4 KiB pages") || !strings.Contains(note, why) {
			t.Fatalf("THP is unavailable (%s) but the note says %q", why, note)
		}
		t.Skipf("no huge pages to check here: %s", why)
	}
	m := regexp.MustCompile(`holds ([0-9.]+) MiB resident, ([0-9.]+) MiB of it in 2 MiB pages`).FindStringSubmatch(note)
	if m == nil {
		t.Fatalf("kv's data is not in huge pages: %q", note)
	}
	rss, _ := strconv.ParseFloat(m[1], 64)
	huge, _ := strconv.ParseFloat(m[2], 64)
	if huge < 2 || huge+0.1 < rss-0.5 { // all but the stack's few 4 KiB pages
		t.Fatalf("kv: %.1f MiB resident, only %.1f MiB in huge pages", rss, huge)
	}
}
