package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"plib/untrusted"
)

// Partial says a comparison was interrupted: the report holds what was
// measured before, and every format says so.
type Partial struct {
	StepsDone  int `json:"steps_done"`  // the steps that finished
	StepsTotal int `json:"steps_total"` // the steps the run had planned
}

// String says it in words, for a note or a title.
func (p *Partial) String() string {
	s := fmt.Sprintf("interrupted after %d of %d steps: a partial report of what was measured before", p.StepsDone, p.StepsTotal)
	if p.StepsDone == 0 {
		s = fmt.Sprintf("interrupted after 0 of %d steps: nothing was measured", p.StepsTotal)
	}
	return s
}

// titleMark is what a report's title carries after its name: that it
// is partial.
func (r *Report) titleMark() string {
	if r.Partial != nil {
		return " (partial: interrupted)"
	}
	return ""
}

// Formats are the files WriteFiles writes, in order: report.json first,
// so that what was measured is kept whatever happens to the others.
var Formats = []string{"report.json", "report.csv", "report.md", "report.html", "report.bench.txt", "charts"}

// cleanText makes the free text a run collected (failure texts, notes,
// which may quote a workload) text that Validate accepts: control and
// invisible characters as untrusted.Text shows them, at most maxText
// bytes. So every report compare writes can be merged.
func (r *Report) cleanText() {
	clean := func(s string) string {
		s = untrusted.Text(s)
		if len(s) > maxText {
			s = strings.ToValidUTF8(s[:maxText-len("…")], "") + "…"
		}
		return s
	}
	for i := range r.Series {
		r.Series[i].Error = clean(r.Series[i].Error)
	}
	for i := range r.Notes {
		r.Notes[i] = clean(r.Notes[i])
	}
}

// FormatError is one report format that could not be written.
type FormatError struct {
	Format string // an entry of Formats
	Err    error
}

// Error names the format.
func (e *FormatError) Error() string { return e.Format + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

// FailedFormats lists the formats err (from WriteFiles) says failed.
func FailedFormats(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var fe *FormatError
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		} else if errors.As(err, &fe) {
			out = append(out, fe.Format)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// WriteFiles writes every format into dir (created): report.json first,
// then each other format on its own, so that one that fails stops none
// of the others. It returns the paths written and, if any format failed,
// an error joining one FormatError per failed format.
func (r *Report) WriteFiles(dir string) (paths []string, err error) {
	r.cleanText()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report directory %s: %w", dir, err)
	}
	var errs []error
	file := func(name string, render func(io.Writer) error) {
		var b bytes.Buffer
		err := render(&b)
		p := filepath.Join(dir, name)
		if err == nil {
			err = os.WriteFile(p, b.Bytes(), 0o644)
		}
		if err != nil {
			errs = append(errs, &FormatError{name, err})
			return
		}
		paths = append(paths, p)
	}
	file("report.json", r.encodeJSON)
	file("report.csv", r.CSV)
	file("report.md", func(w io.Writer) error { _, err := io.WriteString(w, r.Markdown()); return err })
	file("report.html", r.HTML)
	file("report.bench.txt", r.Bench)
	// Each chart on its own, SVG and PDF, for a paper or a slide.
	charts := filepath.Join(dir, "charts")
	if _, err := r.WriteCharts(charts); err != nil {
		errs = append(errs, &FormatError{"charts", err})
	} else {
		paths = append(paths, charts+string(filepath.Separator))
	}
	return paths, errors.Join(errs...)
}
