package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"plib/backend"
	"plib/internal/testimages"
	"plib/untrusted"
	"plib/untrusted/termmodel"
)

// checkScreen plays a human vmm run's stdout on a terminal model: no
// control but the newline reaches the terminal, exactly one line starts
// with "outcome", and it is the last line.
func checkScreen(t *testing.T, what string, out []byte) termmodel.Screen {
	t.Helper()
	sc := termmodel.Play(out)
	if len(sc.Controls) > 0 {
		t.Errorf("%s: controls reached the terminal: %q", what, sc.Controls)
	}
	n := 0
	for _, l := range sc.Lines {
		if strings.HasPrefix(l, "outcome") {
			n++
		}
	}
	if n != 1 || !strings.HasPrefix(sc.Last(), "outcome ") {
		t.Errorf("%s: %d outcome lines, the last line %q:\n%s", what, n, sc.Last(), strings.Join(sc.Lines, "\n"))
	}
	return sc
}

// FuzzPrintResult prints a result whose every image-chosen string (and
// the workload's prints before it, split into writes) is hostile, as vmm
// run does: the terminal sees no control, and the outcome line is last.
func FuzzPrintResult(f *testing.F) {
	for _, s := range []string{"\x1b[1A\x1b[2K\routcome  exited with code 0", "x\noutcome  STOPPED", "\u009b2J\xc2", "\x1b]0;t\x07"} {
		f.Add(s, []byte(s), uint8(2), true)
	}
	f.Fuzz(func(t *testing.T, s string, printed []byte, step uint8, violation bool) {
		var out bytes.Buffer
		term := untrusted.NewTerminal(&out)
		n := int(step)%5 + 1
		for i := 0; i < len(printed); i += n {
			term.Write(printed[i:min(i+n, len(printed))])
		}
		term.Close()
		prints := out.Len()
		res := &backend.Result{Image: s, Exited: true, Notes: []string{s}, Exits: map[string]uint64{s: 1},
			Metrics:   []backend.Metric{{Name: s, Value: 1, Domain: s}, {Name: "calls", Value: 3, Domain: "app"}},
			Mechanism: backend.Mechanism{Backend: s, Detail: s}, Derived: map[string]float64{s + "_ns": 1}}
		if violation {
			res.Violation = &backend.Violation{Kind: backend.ViolationKind(s), Domain: s, Target: s, Detail: s, CaughtBy: s, Address: 1}
		}
		printResult(&out, res, true)
		checkScreen(t, "printResult", out.Bytes()[prints:]) // one outcome line, the last
		// The prints before may hold lines of any text (an "outcome" of
		// their own among them): no control, and the result's outcome last.
		if sc := termmodel.Play(out.Bytes()); len(sc.Controls) > 0 || !strings.HasPrefix(sc.Last(), "outcome ") {
			t.Errorf("prints and result: controls %q, the last line %q", sc.Controls, sc.Last())
		}
	})
}

// TestHostileStrings runs testdata/hostile-print (prints, metric names
// and a bench label made to forge the outcome line and to become markup,
// a formula or README's end marker) through the real vmm binary under
// every backend that runs here, then through vmm compare's writers and
// --update-readme.
func TestHostileStrings(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "hostile-print.elf")
	mk := exec.Command(filepath.Join(testimages.Root(t), "guestlib", "mkimage"), "testdata/hostile-print", img)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("mkimage: %v\n%s", err, out)
	}
	ran := 0
	for _, b := range backend.Names() {
		code, stdout, stderr := runVMM(t, "run", "--backend="+b, img)
		if code == exitUnavailable {
			t.Logf("%s: unavailable here (exit 4): %s", b, strings.TrimSpace(stderr))
			continue
		}
		ran++
		if code != 0 {
			t.Errorf("%s: exit %d\n%s", b, code, stderr)
			continue
		}
		sc := checkScreen(t, b, []byte(stdout))
		if !strings.HasPrefix(sc.Last(), "outcome        exited with code 0 after ") {
			t.Errorf("%s: the outcome line says %q", b, sc.Last())
		}
		for _, want := range []string{`app: \x1b[1A\x1b[2K\x1b[Goutcome  STOPPED: forged`, `lib: \x1b[2A\x1b[2K\x0doutcome`, `\u009b1A\u202e no newline at the end`,
			`metric         x\x0a\x1b[1A\x1b[2Koutcome  exited with code 0 = 1`} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: the output lacks %q (the prints shown as text):\n%s", b, want, stdout)
			}
		}
		if sc := termmodel.Play([]byte(stderr)); len(sc.Controls) > 0 {
			t.Errorf("%s: controls on stderr: %q", b, sc.Controls)
		}
		// --json: the prints go to stderr, as text only; stdout is JSON.
		code, stdout, stderr = runVMM(t, "run", "--json", "--backend="+b, img)
		var res backend.Result
		if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil {
			t.Errorf("%s --json: exit %d, %v", b, code, err)
		}
		if sc := termmodel.Play([]byte(stderr)); len(sc.Controls) > 0 || !strings.Contains(stderr, `lib: \x1b[2A`) {
			t.Errorf("%s --json: stderr %q, controls %q", b, stderr, sc.Controls)
		}
	}
	if ran == 0 {
		t.Fatal("no backend runs here")
	}

	// Compare's writers: the label (image.conf: a formula, HTML, a
	// Markdown table's '|' and README's end marker) is data in each.
	images, out := filepath.Join(dir, "images"), filepath.Join(dir, "out")
	os.Mkdir(images, 0o755)
	os.Rename(img, filepath.Join(images, "hostile-print.elf"))
	readme, measured := filepath.Join(dir, "README.md"), filepath.Join(dir, measuredDoc)
	const before = "# a README\n\n" + headlineBegin + "\nold\n" + headlineEnd + "\n\nthe rest\n"
	const beforeDoc = "# measured\n\n" + measuredBegin + "\nold\n" + measuredEnd + "\n\nthe rest\n"
	os.WriteFile(readme, []byte(before), 0o644)
	os.MkdirAll(filepath.Dir(measured), 0o755)
	os.WriteFile(measured, []byte(beforeDoc), 0o644)
	const label = `=HYPERLINK("http://x")|<b>x</b> *y* <!-- end of measured --> @z`
	for range 2 { // twice: the section it wrote is regenerated, never doubled
		code, stdout, stderr := runVMM(t, "compare", "--quick", "--backend=none", "--no-memcached", "--images", images, "--out", out, "--update-readme", readme)
		if code != 0 {
			t.Fatalf("compare: exit %d\n%s\n%s", code, stdout, stderr)
		}
		for what, s := range map[string]string{"stdout": stdout, "stderr": stderr} {
			if sc := termmodel.Play([]byte(s)); len(sc.Controls) > 0 {
				t.Errorf("compare's %s: controls %q", what, sc.Controls)
			}
		}
	}
	f, err := os.Open(filepath.Join(out, "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("report.csv: %v", err)
	}
	labels := 0
	for _, row := range rows {
		for _, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("report.csv: a cell starts a formula: %q", c)
			}
			if c == "'"+label {
				labels++
			}
		}
	}
	if labels == 0 {
		t.Errorf("report.csv holds no cell %q:\n%v", "'"+label, rows)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	got, _ := os.ReadFile(readme)
	gotDoc, _ := os.ReadFile(measured)
	for name, b := range map[string][]byte{"report.md": md, "README.md": got, measuredDoc: gotDoc} {
		body := string(b)
		switch name {
		case "README.md":
			body = strings.Replace(strings.Replace(body, headlineBegin, "", 1), headlineEnd, "", 1)
		case measuredDoc:
			body = strings.Replace(strings.Replace(body, measuredBegin, "", 1), measuredEnd, "", 1)
		}
		if strings.Contains(body, "<") {
			t.Errorf("%s holds a '<' (raw HTML, a marker) besides its markers", name)
		}
		const escaped = `=HYPERLINK("http&#58;//x")\|&lt;b&gt;x&lt;/b&gt; \*y\* &lt;!-- end of measured --&gt; &#64;z`
		if !strings.Contains(body, "| "+escaped+" |") {
			t.Errorf("%s lacks the escaped label %q", name, escaped)
		}
	}
	if s := string(got); strings.Count(s, headlineBegin) != 1 || strings.Count(s, headlineEnd) != 1 ||
		!strings.HasPrefix(s, "# a README\n\n"+headlineBegin+"\n") || !strings.HasSuffix(s, headlineEnd+"\n\nthe rest\n") || strings.Contains(s, "\nold\n") {
		t.Errorf("README's headline was not replaced in place:\n%s", s)
	}
	if s := string(gotDoc); strings.Count(s, measuredBegin) != 1 || strings.Count(s, measuredEnd) != 1 ||
		!strings.HasPrefix(s, "# measured\n\n"+measuredBegin+"\n") || !strings.HasSuffix(s, measuredEnd+"\n\nthe rest\n") || strings.Contains(s, "\nold\n") {
		t.Errorf("%s's section was not replaced in place:\n%s", measuredDoc, s)
	}

	// A merged report.json is anyone's file: one whose text holds
	// control characters is refused, naming the field, and the refusal
	// reaches the terminal as text only.
	var rep map[string]any
	raw, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	for _, s := range rep["series"].([]any) {
		if s := s.(map[string]any); s["workload"] == "hostile-print" {
			s["label"] = "\x1b[1A\x1b[2K\u009b2Jforged\nline"
		}
	}
	raw, _ = json.Marshal(rep)
	crafted := filepath.Join(dir, "crafted.json")
	os.WriteFile(crafted, raw, 0o644)
	code, stdout, stderr := runVMM(t, "compare", "--merge", crafted, "--merge", crafted, "--out", filepath.Join(dir, "merged"))
	if sc := termmodel.Play([]byte(stdout + stderr)); code != exitUsage || len(sc.Controls) > 0 || !strings.Contains(stderr, `character U+001B at byte 0 is not text`) {
		t.Errorf("compare --merge of a crafted report: exit %d, controls %q\n%s%s", code, sc.Controls, stdout, stderr)
	}

	// An error message quotes what it was given, as text only.
	code, _, stderr = runVMM(t, "run", filepath.Join(dir, "\x1b[2J\x1b[1Aforged.elf"))
	if sc := termmodel.Play([]byte(stderr)); code != exitUsage || len(sc.Controls) > 0 || !strings.Contains(stderr, `\x1b[2J`) {
		t.Errorf("an error naming a hostile path: exit %d, controls %q: %q", code, sc.Controls, stderr)
	}

	// A README or a measured document with a second end marker (as a
	// hostile label once made it) is refused, exit 2, and neither file
	// is changed.
	for _, c := range []struct{ name, readme, doc string }{
		{"a README with two end markers", before + headlineEnd + "\n", beforeDoc},
		{"a measured document with two end markers", before, beforeDoc + measuredEnd + "\n"},
	} {
		os.WriteFile(readme, []byte(c.readme), 0o644)
		os.WriteFile(measured, []byte(c.doc), 0o644)
		code, _, stderr = runVMM(t, "compare", "--quick", "--backend=none", "--no-memcached", "--images", images, "--out", out, "--update-readme", readme)
		gotR, _ := os.ReadFile(readme)
		gotD, _ := os.ReadFile(measured)
		if code != exitUsage || !strings.Contains(stderr, "once") || string(gotR) != c.readme || string(gotD) != c.doc {
			t.Errorf("%s: exit %d, %s, README changed: %v, %s changed: %v", c.name, code, stderr, string(gotR) != c.readme, measuredDoc, string(gotD) != c.doc)
		}
	}
}

// TestReplaceMarkedRefusesAmbiguousFiles: README's updaters (vmm compare
// and vmm attacks --update-readme) rewrite a file only if it holds one
// begin marker and then one end marker; otherwise a usage error, and the
// file is unchanged.
func TestReplaceMarkedRefusesAmbiguousFiles(t *testing.T) {
	const b, e = "<!-- begin -->", "<!-- end -->"
	p := filepath.Join(t.TempDir(), "README.md")
	for _, c := range []string{"", b, e, b + e + e, b + b + e, e + b, b + "x" + e + "<!-- end -->", "x" + e + b + "y" + e} {
		os.WriteFile(p, []byte(c), 0o644)
		err := replaceMarked(p, b, e, "new")
		got, _ := os.ReadFile(p)
		if ee, ok := err.(exitError); !ok || ee.code != exitUsage || string(got) != c {
			t.Errorf("%q: %v, file now %q", c, err, got)
		}
	}
	os.WriteFile(p, []byte("a"+b+"old"+e+"z"), 0o644)
	if err := replaceMarked(p, b, e, "new\n"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "a"+b+"\nnew\n"+e+"z" {
		t.Errorf("replaced: %q", got)
	}
	if err := replaceMarked(p, b, e, "text with "+e); err == nil {
		t.Error("a section holding the end marker was written")
	}
	// Two files: a refusal of the second leaves the first as it was too,
	// and a section may carry neither file's markers.
	const b2, e2 = "<!-- begin 2 -->", "<!-- end 2 -->"
	q := filepath.Join(filepath.Dir(p), "doc.md")
	for _, c := range []struct{ second, text string }{{b2 + e2 + e2, "new"}, {b2 + "old" + e2, "text with " + b2}} {
		os.WriteFile(p, []byte(b+"old"+e), 0o644)
		os.WriteFile(q, []byte(c.second), 0o644)
		err := replaceMarkedFiles([]markedEdit{{p, b, e, c.text}, {q, b2, e2, "new"}})
		gp, _ := os.ReadFile(p)
		gq, _ := os.ReadFile(q)
		if err == nil || string(gp) != b+"old"+e || string(gq) != c.second {
			t.Errorf("second file %q, text %q: %v; first now %q, second %q", c.second, c.text, err, gp, gq)
		}
	}
}
