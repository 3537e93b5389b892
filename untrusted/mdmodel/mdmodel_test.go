package mdmodel

import "testing"

// TestRead: escapes and entities read back as their characters; a
// backslash before a letter and a bare '&' stay as they are.
func TestRead(t *testing.T) {
	for in, want := range map[string]string{
		`\*x\* \| \\`:              `*x* | \`,
		"&lt;b&gt; &amp;lt;":       "<b> &lt;",
		"www&#46;evil&#46;example": "www.evil.example",
		"http&#58;//x me&#64;y":    "http://x me@y",
		`\a & b`:                   `\a & b`,
		"trailing \\":              "trailing \\",
	} {
		if got := Read(in); got != want {
			t.Errorf("Read(%q) = %q, want %q", in, got, want)
		}
	}
}
