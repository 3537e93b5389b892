// Package mdmodel is a small model of a Markdown reader for tests: it
// reads inline text without markup as a CommonMark reader does, undoing
// backslash escapes and the entities untrusted.Markdown writes, so that
// a test can check that escaped text reads back as the text it was.
package mdmodel

import (
	"strconv"
	"strings"
)

// Read is the text a CommonMark reader shows for s, inline text without
// markup: a backslash before ASCII punctuation escapes it, and &lt;
// &gt; &amp; &#58; &#46; &#64; are their characters.
func Read(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[i+1]) >= 0:
			b.WriteByte(s[i+1])
			i++
		case strings.HasPrefix(s[i:], "&lt;"):
			b.WriteByte('<')
			i += 3
		case strings.HasPrefix(s[i:], "&gt;"):
			b.WriteByte('>')
			i += 3
		case strings.HasPrefix(s[i:], "&amp;"):
			b.WriteByte('&')
			i += 4
		case strings.HasPrefix(s[i:], "&#58;"), strings.HasPrefix(s[i:], "&#46;"), strings.HasPrefix(s[i:], "&#64;"):
			n, _ := strconv.Atoi(s[i+2 : i+4])
			b.WriteByte(byte(n))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
