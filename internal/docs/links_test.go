package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// documents are the files whose links are checked: README.md,
// SECURITY.md and every document in docs/.
func documents(t *testing.T, dir string) []string {
	t.Helper()
	ds, err := filepath.Glob(filepath.Join(dir, "docs", "*.md"))
	if err != nil || len(ds) == 0 {
		t.Fatalf("no documents in docs/: %v", err)
	}
	return append([]string{filepath.Join(dir, "README.md"), filepath.Join(dir, "SECURITY.md")}, ds...)
}

// link is a Markdown link's target, as written, and its line.
type link struct {
	target string
	line   int
}

var (
	linkRE   = regexp.MustCompile(`\]\(([^()\s]+)\)`)
	inlineRE = regexp.MustCompile("`[^`]*`")
)

// links lists a document's link targets outside code blocks and inline
// code.
func links(text string) []link {
	var out []link
	fence := false
	for n, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "```") {
			fence = !fence
			continue
		}
		if fence || strings.HasPrefix(l, "    ") {
			continue
		}
		for _, m := range linkRE.FindAllStringSubmatch(inlineRE.ReplaceAllString(l, ""), -1) {
			out = append(out, link{m[1], n + 1})
		}
	}
	return out
}

// anchors are the heading anchors GitHub gives a document: each heading
// lower-cased, its punctuation dropped, spaces as hyphens, and a
// repeated anchor numbered -1, -2, ...
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	count := map[string]int{}
	fence := false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "```") {
			fence = !fence
		}
		if fence || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(l, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(h) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := count[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		count[a]++
	}
	return out
}

// TestRelativeLinksResolve: every relative link in the documents names a
// file that exists and, where it names a heading, a heading that does.
func TestRelativeLinksResolve(t *testing.T) {
	dir := root(t)
	checked := 0
	for _, doc := range documents(t, dir) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links(string(b)) {
			if strings.Contains(l.target, "://") || strings.HasPrefix(l.target, "mailto:") {
				continue
			}
			checked++
			file, frag, _ := strings.Cut(l.target, "#")
			target := doc
			if file != "" {
				target = filepath.Join(filepath.Dir(doc), file)
			}
			rel, _ := filepath.Rel(dir, doc)
			tb, err := os.ReadFile(target)
			if err != nil {
				if st, serr := os.Stat(target); serr == nil && st.IsDir() && frag == "" {
					continue // a directory of the repository
				}
				t.Errorf("%s:%d: %s: no such file", rel, l.line, l.target)
				continue
			}
			if frag != "" && !anchors(string(tb))[frag] {
				t.Errorf("%s:%d: %s: no heading with that anchor", rel, l.line, l.target)
			}
		}
	}
	if checked == 0 {
		t.Error("no relative link was checked")
	}
}

// TestAnchorsAsGitHubMakesThem checks the anchor rule on headings these
// documents have.
func TestAnchorsAsGitHubMakesThem(t *testing.T) {
	a := anchors("# Comparing backends: `vmm compare`\n## Dependencies, and why\n## x\n## x\n```\n# not a heading\n```\n")
	for _, want := range []string{"comparing-backends-vmm-compare", "dependencies-and-why", "x", "x-1"} {
		if !a[want] {
			t.Errorf("no anchor %q in %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("a line in a code block made an anchor")
	}
}
