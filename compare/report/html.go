package report

import (
	"fmt"
	"html/template"
	"io"

	"plib/untrusted"
)

// htmlPage is the report page. Its Content-Security-Policy forbids every
// fetch (no scripts, no remote fonts, images or styles): the page is
// self-contained, and a browser would refuse a request if one slipped in.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"ghz": func(hz float64) float64 { return hz / 1e9 },
	// line shows text plib did not write as one line of visible
	// characters: html/template escapes markup but passes control,
	// bidirectional and invisible characters on.
	"line": func(v any) string { return untrusted.Line(fmt.Sprint(v)) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>plib: the cost of isolating a library{{.TitleMark}}</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 80em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
p.note { color: #555; font-size: 0.9em; }
figure { margin: 1em 0 2em; }
figure svg { max-width: 100%; height: auto; }
.warn { background: #fff3cd; padding: 0.5em; }
</style>
</head>
<body>
<h1>plib: the cost of isolating a library{{.TitleMark}}</h1>
{{with .Partial}}<p class="warn" id="partial">A partial report: {{line .}}.</p>
{{end}}{{range .Machines}}<p>Measured on <b>{{line .Label}}</b>: {{line .CPUModel}}, {{.Cores}} logical cores,
kernel {{line .Kernel}}, TSC {{printf "%.3f" (ghz .TSCHz)}} GHz{{with index .Versions "plib"}}, plib {{line .}}{{end}}.</p>
{{end}}{{if .Quick}}<p class="warn">A --quick run: few samples; figures flagged wide are not to be quoted.</p>
{{end}}{{range .Notes}}<p class="note">Note: {{line .}}</p>
{{end}}{{with .Verdict}}<h2>Verdict</h2>
<p class="note">For each workload, the isolating backends from cheapest to dearest on this machine,
generated from the measurements below. {{$.VerdictIntervals}}</p>
<ul id="verdict">{{range .}}<li><b>{{line .Operation}}</b>: {{line .Text}}</li>
{{end}}</ul>
{{end}}{{with index .Tables 0}}<h2>{{line .Title}}</h2>
<p class="note">{{line .Note}}</p>
<table id="mechanisms"><tr>{{range .Header}}<th>{{line .}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{line .}}</td>{{end}}</tr>
{{end}}</table>
{{end}}<h2>Charts</h2>
{{range $i, $c := .Charts}}{{if .Note}}<p class="note" id="chart-{{$i}}">{{line .Title}}: {{line .Note}}</p>
{{else}}<figure class="chart" id="chart-{{$i}}" title="{{line .Title}}">
{{.SVG}}
</figure>
{{end}}{{end}}{{range $i, $t := .Tables}}{{if $i}}<h2>{{line .Title}}</h2>
<p class="note">{{line .Note}}</p>
<table><tr>{{range .Header}}<th>{{line .}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{line .}}</td>{{end}}</tr>
{{end}}</table>
{{end}}{{end}}</body>
</html>
`))

// HTML writes the report as one self-contained page: the mechanism table
// first, then SVG charts, then every other table.
func (r *Report) HTML(w io.Writer) error {
	charts, err := r.Charts()
	if err != nil {
		return err
	}
	type chart struct {
		Title, Note string
		SVG         template.HTML // produced by gonum/plot from numbers and our labels
	}
	var cs []chart
	for _, c := range charts {
		cs = append(cs, chart{c.Title, c.Note, template.HTML(c.SVG)})
	}
	return htmlPage.Execute(w, map[string]any{
		"Machines": r.Machines, "Quick": r.Settings.Quick, "Notes": r.Notes,
		"Tables": r.Tables(), "Charts": cs, "Verdict": r.Verdict(), "VerdictIntervals": verdictIntervals,
		"TitleMark": r.titleMark(), "Partial": r.Partial,
	})
}
