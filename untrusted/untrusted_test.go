package untrusted

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"plib/untrusted/mdmodel"
	"plib/untrusted/termmodel"
)

// hostile are the strings an image might choose: terminal sequences,
// formulas, markup, README's markers, paths.
var hostile = []string{
	"\x1b[1A\x1b[2K\routcome  exited with code 0",
	"name\noutcome  exited with code 0",
	"\x1b]0;title\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
	"\u009b1A\u009b2K", "\x9b1A\xc2", "\u202eevil\u2028x", "\x00\x7f\x08\t",
	"=HYPERLINK(\"http://x\",\"y\")", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", " =1+1", "  @x",
	"\u202e\x1b[2J\x1b]0;pwned\x07 label \u200b", "calls\u034f", "see www.evil.example", "WWW.x.y", "http://evil.example/a", "me@evil.example", "\u3164\u115f\uffa0\u2800\ufe0f",
	"<b>x</b><!-- end of measured -->", "<script>alert(1)</script>", "a | b", "**x** _y_ `z` [l](http://x) \\",
	"../../etc/passwd", "/abs", ".hidden", "a b/c=d", "x-8",
	"", "plain", "µs ünïcode ✓",
}

// FuzzTerminal plays Terminal's output, split into writes at arbitrary
// points and followed by an outcome line, on a terminal model: no control
// but the newline reaches it, the outcome line is the screen's last line
// whatever was printed before it, and printable ASCII passes unchanged.
func FuzzTerminal(f *testing.F) {
	for _, s := range hostile {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		var out bytes.Buffer
		term := NewTerminal(&out)
		n := int(step)%7 + 1
		for i := 0; i < len(data); i += n {
			term.Write(data[i:min(i+n, len(data))])
		}
		if err := term.Close(); err != nil {
			t.Fatal(err)
		}
		term.Write([]byte("\x1b[1Aafter close\n")) // must vanish
		const outcome = "outcome  exited with code 0 after 0.001s"
		out.WriteString(outcome + "\n")
		sc := termmodel.Play(out.Bytes())
		if len(sc.Controls) > 0 {
			t.Fatalf("controls reached the terminal: %q\nfrom %q\nas %q", sc.Controls, data, out.Bytes())
		}
		if sc.Last() != outcome {
			t.Fatalf("last line %q, not the outcome line\nfrom %q", sc.Last(), data)
		}
		if !utf8.Valid(out.Bytes()) {
			t.Fatalf("invalid UTF-8 out: %q", out.Bytes())
		}
		if printableASCII(data) && out.String() != string(data)+newlineIfMissing(data)+outcome+"\n" {
			t.Fatalf("printable text changed: %q -> %q", data, out.Bytes())
		}
		if strings.Contains(Line(string(data)), "\n") {
			t.Fatalf("Line kept a newline: %q", Line(string(data)))
		}
		if got, want := out.String(), Text(string(data)); !strings.HasPrefix(got, want) {
			t.Fatalf("split writes rendered %q, Text renders %q", got, want)
		}
	})
}

func printableASCII(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\n') || c > 0x7e {
			return false
		}
	}
	return true
}

func newlineIfMissing(b []byte) string {
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return "\n"
	}
	return ""
}

// TestTerminalSplitSequence: a UTF-8 sequence split across writes comes
// out whole; a C1 control split the same way comes out escaped.
func TestTerminalSplitSequence(t *testing.T) {
	var out bytes.Buffer
	term := NewTerminal(&out)
	for _, b := range []string{"\xe2", "\x9c", "\x93 \xc2", "\x9b2J\xc2"} {
		term.Write([]byte(b))
	}
	term.Close()
	if got, want := out.String(), "✓ \\u009b2J\\xc2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzCSVCell writes CSVCell's cells with encoding/csv and reads them
// back: every cell comes back as written, and none starts a formula.
func FuzzCSVCell(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		want := []string{CSVCell(a), CSVCell(b), "1.00"}
		w.Write(want)
		w.Flush()
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("read back: %v\n%q", err, buf.Bytes())
		}
		if len(rows) != 1 || len(rows[0]) != 3 {
			t.Fatalf("%d rows, %v", len(rows), rows)
		}
		for i, c := range rows[0] {
			// encoding/csv reads \r\n in a quoted field as \n.
			if c != strings.ReplaceAll(want[i], "\r\n", "\n") {
				t.Errorf("cell %d: read %q, wrote %q", i, c, want[i])
			}
			if t0 := strings.TrimLeft(c, " "); t0 != "" && strings.ContainsRune("=+-@\t\r", rune(t0[0])) {
				t.Errorf("cell %d starts a formula: %q", i, c)
			}
			for _, r := range c {
				if !Visible(r) {
					t.Errorf("cell %d holds %U: %q", i, r, c)
				}
			}
		}
		for _, s := range []string{a, b} {
			if c := CSVCell(s); c != Line(s) && c != "'"+Line(s) {
				t.Errorf("CSVCell(%q) = %q: not the data", s, c)
			}
		}
	})
}

// FuzzMarkdown: Markdown's output holds no '<', no line break, no
// unescaped character that is markup inline (| * _ ` [ ] ~ $), and reads
// back as the text (its line breaks spaces, its controls as Line shows
// them).
func FuzzMarkdown(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Markdown(s)
		if strings.ContainsAny(m, "<>\n\r") {
			t.Fatalf("Markdown(%q) = %q holds < > or a line break", s, m)
		}
		// GFM makes links of www.x, scheme://x and a@b.c in plain text.
		if l := strings.ToLower(m); strings.Contains(l, "://") || strings.Contains(l, "www.") || strings.Contains(l, "@") {
			t.Fatalf("Markdown(%q) = %q: an autolink", s, m)
		}
		for i := 0; i < len(m); i++ {
			if m[i] == '\\' {
				i++
				continue
			}
			if strings.IndexByte("|*_`[]~$", m[i]) >= 0 {
				t.Fatalf("Markdown(%q) = %q: %q at %d unescaped", s, m, m[i], i)
			}
		}
		flat := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
		if got := mdmodel.Read(m); got != mdmodel.Read(Markdown(flat)) || (Line(flat) == flat && got != flat) {
			t.Fatalf("Markdown(%q) = %q reads back as %q", s, m, got)
		}
	})
}

// FuzzFileName: a file name stem is never a path, a hidden file or empty.
func FuzzFileName(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := FileName(s)
		if n == "" || len(n) > maxFileName || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || n[0] == '-' {
			t.Fatalf("FileName(%q) = %q", s, n)
		}
	})
}

func TestLineEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"a\x1b[2Kb":    `a\x1b[2Kb`,
		"x\ny":         `x\x0ay`,
		"\u009b\u202e": `\u009b\u202e`,
		"\xff\xc2":     `\xff\xc2`,
		"µs ✓":         "µs ✓",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Text("a\nb\r\n"); got != `a`+"\n"+`b\x0d`+"\n" {
		t.Errorf("Text kept or lost the wrong bytes: %q", got)
	}
}

// TestLineInvisible: characters that show as nothing (or as the letter
// before them) reach no reader raw; each is a visible escape, so
// "calls"+U+034F is not read as "calls".
func TestLineInvisible(t *testing.T) {
	for _, r := range []rune{0x3164, 0x115f, 0xffa0, 0x2800, 0x034f, 0xfe0f, 0x200b, 0x202e, 0x2028} {
		s := "calls" + string(r)
		if got, want := Line(s), fmt.Sprintf(`calls\u%04x`, r); got != want {
			t.Errorf("Line(%q) = %q, want %q", s, got, want)
		}
	}
	if got := Line("kv get 128 B — é"); got != "kv get 128 B — é" {
		t.Errorf("visible text changed: %q", got)
	}
}

// TestBenchNameOneToOne: names that differ give benchmark names that
// differ, so that two workloads' or backends' samples never pool; and no
// name ends in what benchfmt reads as a GOMAXPROCS suffix.
func TestBenchNameOneToOne(t *testing.T) {
	names := []string{"x-1", "x_1", "x1", "x-", "x--1", "x-_1", "x_-1", "a-1", "a_1", "get_128", "kv", "-1", "_1", "x-1-2", "x-1_2"}
	seen := map[string]string{}
	for _, n := range names {
		b := BenchName(n)
		if o, ok := seen[b]; ok {
			t.Errorf("%q and %q are both %q", o, n, b)
		}
		seen[b] = n
		if i := strings.LastIndexByte(b, '-'); i >= 0 && i+1 < len(b) && strings.Trim(b[i+1:], "0123456789") == "" {
			t.Errorf("BenchName(%q) = %q: a GOMAXPROCS suffix", n, b)
		}
	}
}
