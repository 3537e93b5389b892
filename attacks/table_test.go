package attacks

import (
	"strings"
	"testing"
)

// TestTableEscapesOutcomes: an outcome's text (a failure quotes the
// host's error, which may quote an image) is one Markdown cell of text:
// no HTML, no README marker, no extra column, no line break.
func TestTableEscapesOutcomes(t *testing.T) {
	cells := map[string]map[string]Outcome{}
	for _, a := range Catalogue {
		cells[a.Image] = map[string]Outcome{"none": {Failed, "x | y <!-- end of attack table --> <b>\n| z |"}}
	}
	table := Table([]string{"none"}, cells)
	if strings.Contains(table, "<") {
		t.Errorf("the table holds a '<':\n%s", table)
	}
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) != len(Catalogue)+2 {
		t.Fatalf("%d lines for %d attacks", len(lines), len(Catalogue))
	}
	for _, l := range lines[2:] {
		if n := strings.Count(l, "|") - strings.Count(l, `\|`); n != 4 {
			t.Errorf("a row of %d cell borders, not 4: %q", n, l)
		}
	}
}
