// Package untrusted renders text that plib did not write — a workload's
// prints, metric names, bench labels, violation texts, anything read back
// from a report file — so that each output format shows it as data and
// nothing else: no terminal control sequence, no spreadsheet formula, no
// Markdown or HTML markup, no path. Every writer of such text goes
// through one of these functions; each is total (any byte string in, a
// safe string out) and never fails.
//
// The rule per format:
//
//   - Terminal (Line, Text, Terminal): every C0 control byte, DEL, every
//     C1 control (raw or UTF-8 encoded), every other non-graphic rune
//     (bidirectional overrides, line and paragraph separators, ...) and
//     every byte of invalid UTF-8 is replaced by a visible escape such as
//     \x1b, \u009b or \xff; so is every invisible one (see Visible).
//     Text and Terminal keep the newline; Line keeps nothing, so a name
//     is one line.
//   - CSV (CSVCell): the cell is one line as in Line (no control, no
//     bidirectional or invisible character), and one that a spreadsheet
//     would read as a formula (=, +, -, @ first, after any spaces) gets a
//     leading '. encoding/csv quotes.
//   - Markdown (Markdown): inline text, one line: < > & as entities (so no
//     tag and no HTML comment can be formed, and no README marker), the
//     other characters Markdown gives meaning to backslash-escaped, line
//     breaks as spaces, control characters as in Line, and no GFM
//     autolink (the ':' of "://", the '.' of "www." and '@' as entities).
//   - File names (FileName): lower-case letters, digits and '-', nothing
//     else; never empty, never a path.
//   - Go benchmark format (BenchName, BenchValue): a name part has no
//     space, '/', '=' or control character; a configuration value is one
//     line.
//
// HTML and SVG are escaped by html/template and gonum/plot's SVG writer.
package untrusted

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Line renders s for a terminal as one line: nothing in it can move the
// cursor, erase, start an escape sequence or break the line.
func Line(s string) string { return terminal(s, false) }

// Text renders s for a terminal keeping its newlines (and nothing else
// that controls the terminal): for a workload's printed output, which is
// lines of text.
func Text(s string) string { return terminal(s, true) }

// Visible reports whether r may reach a reader as it is: a space or a
// graphic character that shows as itself. Control characters, format
// characters (bidirectional overrides, zero-width joiners), variation
// selectors, the other default-ignorable code points (the Hangul fillers,
// the combining grapheme joiner) and blanks that look like nothing
// (U+2800) are not: "calls" followed by U+034F looks exactly like
// "calls".
func Visible(r rune) bool {
	return r == ' ' || (r != utf8.RuneError && r != '\u2800' && unicode.IsGraphic(r) &&
		!unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector))
}

// safeRune reports whether r may reach a terminal as it is.
func safeRune(r rune) bool { return Visible(r) }

func terminal(s string, newlines bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		appendTerminal(&b, s[i:i+n], r, newlines)
		i += n
	}
	return b.String()
}

// appendTerminal writes the rune r, encoded as raw (one byte if it is
// invalid UTF-8), or its escape.
func appendTerminal(b *strings.Builder, raw string, r rune, newlines bool) {
	switch {
	case r == '\n' && newlines:
		b.WriteByte('\n')
	case r == utf8.RuneError && len(raw) == 1, r < 0x80 && !safeRune(r):
		fmt.Fprintf(b, `\x%02x`, raw[0])
	case !safeRune(r):
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		b.WriteString(raw)
	}
}

// Terminal is a writer that passes a byte stream to a terminal as Text
// does, however the stream is split into writes: a UTF-8 sequence split
// across writes is held until it is whole. Close writes what is held (as
// escapes if it never became whole), ends the last line, and makes later
// writes vanish, so that what the caller prints after Close comes after
// every byte of the stream. It is safe for concurrent use.
type Terminal struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte // an incomplete UTF-8 sequence from the last write
	last    byte   // the last byte passed on
	closed  bool
	err     error
}

// NewTerminal returns a Terminal writing to w.
func NewTerminal(w io.Writer) *Terminal { return &Terminal{w: w, last: '\n'} }

// Write passes p on as Text would; it reports all of p written unless w
// failed.
func (t *Terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.err != nil {
		return len(p), t.err
	}
	buf := append(t.pending, p...)
	// Hold back a trailing incomplete (but so far valid) UTF-8 sequence.
	keep := 0
	for k := 1; k <= utf8.UTFMax-1 && k <= len(buf); k++ {
		c := buf[len(buf)-k]
		if c < 0x80 {
			break
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(buf[len(buf)-k:]) {
				keep = k
			}
			break
		}
	}
	t.pending = append([]byte(nil), buf[len(buf)-keep:]...)
	t.emit(string(buf[:len(buf)-keep]))
	return len(p), t.err
}

func (t *Terminal) emit(s string) {
	if s == "" || t.err != nil {
		return
	}
	out := Text(s)
	t.last = out[len(out)-1]
	_, t.err = io.WriteString(t.w, out)
}

// Close writes what is held back, ends the last line if the stream did
// not, and discards every later write. It does not close w.
func (t *Terminal) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return t.err
	}
	t.closed = true
	t.emit(string(t.pending))
	t.pending = nil
	if t.last != '\n' && t.err == nil {
		t.last = '\n'
		_, t.err = io.WriteString(t.w, "\n")
	}
	return t.err
}

// CSVCell makes s a spreadsheet cell that holds data only: its control,
// bidirectional and invisible characters escaped as Line does (so a
// cell is one line and shows what it holds), and one that would start a
// formula (=, +, -, @, even after leading spaces) with a leading ' (which
// spreadsheets hide and read as "text follows"). Quoting is
// encoding/csv's job.
func CSVCell(s string) string {
	s = Line(s)
	if t := strings.TrimLeft(s, " "); t != "" && strings.ContainsRune("=+-@", rune(t[0])) {
		return "'" + s
	}
	return s
}

// markdownEscapes are the replacements Markdown makes of inline text.
var markdownEscapes = func() *strings.Replacer {
	pairs := []string{"&", "&amp;", "<", "&lt;", ">", "&gt;", "\r\n", " ", "\n", " ", "\r", " "}
	// ( ) + - . { } mean something only after an escaped character (])
	// or at a line's start, which inline text never is.
	for _, c := range "\\`*_[]|~$" {
		pairs = append(pairs, string(c), `\`+string(c))
	}
	return strings.NewReplacer(pairs...)
}()

// Markdown renders s as inline Markdown text that shows s and nothing
// else, on one line: in a paragraph, a list item or a table cell. It
// holds no '<', so no HTML tag or comment (README's markers among them)
// can be written with it.
func Markdown(s string) string {
	return defuseAutolinks(Line(markdownEscapes.Replace(s)))
}

// wwwDot is the start of a GFM www autolink.
var wwwDot = regexp.MustCompile(`(?i)www\.`)

// defuseAutolinks writes the characters GFM starts an autolink from
// (the ':' of "://", the '.' of "www.", '@' of an e-mail address) as
// entities: the text reads the same, but links nowhere.
func defuseAutolinks(s string) string {
	s = strings.ReplaceAll(s, "://", "&#58;//")
	s = strings.ReplaceAll(s, "@", "&#64;")
	return wwwDot.ReplaceAllStringFunc(s, func(w string) string { return w[:3] + "&#46;" })
}

var nonFileChars = regexp.MustCompile(`[^a-z0-9]+`)

// maxFileName is the longest stem FileName returns.
const maxFileName = 64

// FileName makes s a file name stem: lower-case letters, digits and '-'
// only (every other run of characters becomes one '-'), at most 64
// characters, never empty ("x" then). It can name no directory, no
// hidden file and no device.
func FileName(s string) string {
	f := strings.Trim(nonFileChars.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(f) > maxFileName {
		f = strings.TrimRight(f[:maxFileName], "-")
	}
	if f == "" {
		return "x"
	}
	return f
}

// BenchName makes s a part of a Go benchmark name (golang.org/x/perf/
// benchfmt): a value of a /key=value pair, which may hold no space, '/'
// or '=' and no character that is not graphic; each becomes '_'. A '-'
// before trailing digits (which benchfmt would read as GOMAXPROCS)
// becomes '.', so that "x-1" and "x_1" stay two names: on names of
// letters, digits, '-' and '_' (plib's workload, backend and metric
// names) BenchName is one-to-one. An empty s is "-".
func BenchName(s string) string {
	if s == "" {
		return "-"
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "_") {
		if r == '/' || r == '=' || unicode.IsSpace(r) || !safeRune(r) {
			r = '_'
		}
		b.WriteRune(r)
	}
	out := b.String()
	if i := strings.LastIndexByte(out, '-'); i >= 0 && i+1 < len(out) && strings.Trim(out[i+1:], "0123456789") == "" {
		out = out[:i] + "." + out[i+1:]
	}
	return out
}

// BenchValue makes s a Go benchmark configuration value: one line, its
// runs of white space one space, no control character.
func BenchValue(s string) string {
	return strings.Join(strings.Fields(Line(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s))), " ")
}
