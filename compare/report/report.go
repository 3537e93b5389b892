// Package report holds what vmm compare measured (every sample, the
// machine, the settings) and renders it: JSON, CSV, Markdown tables and a
// self-contained HTML page with SVG charts. It measures nothing itself,
// so reports can be rendered again, merged across machines and tested on
// recorded samples.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"plib/backend"
	"plib/untrusted/regfile"
)

// FormatVersion is the report.json format; readers refuse other versions.
const FormatVersion = 1

// Report is one comparison run, or several merged.
type Report struct {
	FormatVersion int       `json:"format_version"`
	Generated     time.Time `json:"generated"`
	Machines      []Machine `json:"machines"`
	Settings      Settings  `json:"settings"`
	Series        []Series  `json:"series"`
	Notes         []string  `json:"notes,omitempty"`
	// Attacks is what vmm attacks found per backend in the same run
	// (empty where the comparison ran none: --quick).
	Attacks []AttackRecord `json:"attacks,omitempty"`
	Merged  []string       `json:"merged_from,omitempty"` // the report files a merge read
	// MergedSettings are the settings of each report a merge read, in
	// Merged's order (Settings is the first's).
	MergedSettings []Settings `json:"merged_settings,omitempty"`
	// Partial is set when the run was interrupted (or, merged, when one
	// of the reports was): the report holds what was measured before.
	Partial   *Partial   `json:"partial,omitempty"`
	mechByKey mechLookup `json:"-"`

	// Paths is how the hand-off backends answered their calls.
	Paths []PathRecord `json:"paths,omitempty"`
}

// Machine is where a report was measured and with what.
type Machine struct {
	Label      string              `json:"label"` // names the machine in merged reports
	Host       string              `json:"host"`
	CPUModel   string              `json:"cpu_model"`
	CPUFlags   []string            `json:"cpu_flags"` // the flags that matter to plib's mechanisms
	Cores      int                 `json:"logical_cores"`
	Hypervisor string              `json:"hypervisor,omitempty"`
	Kernel     string              `json:"kernel"`
	TSCHz      float64             `json:"tsc_hz"`
	Versions   map[string]string   `json:"versions"` // plib, go, memcached, ...
	Mechanisms []backend.Mechanism `json:"mechanisms"`
	// HostLoad is how busy the host was at the start and the end of the
	// run measured here.
	HostLoad *RunLoad `json:"host_load,omitempty"`
}

// Settings are how the comparison was run.
type Settings struct {
	Quick    bool                        `json:"quick"`
	Runs     int                         `json:"runs"` // runs of each workload per backend
	Params   map[string]map[string]int64 `json:"params"`
	Backends []string                    `json:"backends"`
	Anchor   AnchorSettings              `json:"anchor"`
	Command  string                      `json:"command"`
}

// AnchorSettings size the host-side anchor measurements.
type AnchorSettings struct {
	Samples int `json:"samples"`
	Batch   int `json:"batch"` // operations timed together in one sample
}

// Series is one thing measured on one machine under one backend: the
// samples of one metric of one workload, or one anchor.
type Series struct {
	Machine  string `json:"machine"`  // Machine.Label
	Backend  string `json:"backend"`  // a backend name, "memcached", or "anchor"
	Workload string `json:"workload"` // null, kv, ipc, or the anchor's name
	Metric   string `json:"metric"`   // e.g. get_128; "" for an anchor
	Label    string `json:"label"`    // what a reader sees: "kv get 128 B"
	// Cycles holds one sample per round: TSC cycles per operation, the
	// mean over a batch of operations (see Settings.Params iterations).
	Cycles []float64 `json:"cycles"`
	// NS holds the same samples in nanoseconds: from the host clock for
	// anchors, and cycles / Machine.TSCHz (the TSC calibrated against the
	// host clock in the same run) for guest-timed workloads.
	NS      []float64 `json:"ns"`
	Summary Summary   `json:"summary"` // of NS
	Error   string    `json:"error,omitempty"`
}

// Key names a row of a table: the workload and metric.
func (s *Series) Key() string { return s.Workload + "/" + s.Metric }

// Column names a column: the backend, on its machine when merged.
func (r *Report) Column(s *Series) string {
	if len(r.Machines) > 1 {
		return s.Machine + "/" + s.Backend
	}
	return s.Backend
}

// splitColumn returns a column's machine and backend.
func (r *Report) splitColumn(col string) (machine, name string) {
	if len(r.Machines) > 1 {
		if i := strings.LastIndex(col, "/"); i >= 0 {
			return col[:i], col[i+1:]
		}
	}
	if len(r.Machines) > 0 {
		machine = r.Machines[0].Label
	}
	return machine, col
}

// ColumnLabel is what a reader sees as a column's name in a table
// header or a chart legend: the column, and how its switch ran when that
// changes what the figure means ("vmfunc (emulated by vmm)"), so that
// the caveat travels with a table or a chart copied out of the report.
func (r *Report) ColumnLabel(col string) string {
	machine, name := r.splitColumn(col)
	if m := r.Mechanism(machine, name); m.Mode == backend.Emulated {
		by := m.EmulatedBy
		if by == "" {
			by = "software"
		}
		return col + " (emulated by " + by + ")"
	}
	return col
}

// ColumnLabels maps ColumnLabel over cols.
func (r *Report) ColumnLabels(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = r.ColumnLabel(c)
	}
	return out
}

// Summarize fills every series' Summary from its samples.
func (r *Report) Summarize() {
	for i := range r.Series {
		r.Series[i].Summary = Summarize(r.Series[i].NS)
	}
}

// MaxReportSize bounds the report.json files --merge reads.
const MaxReportSize = 512 << 20

// Load reads a report.json, refusing other format versions and anything
// but a regular file.
func Load(path string) (*Report, error) {
	b, err := regfile.Read(path, MaxReportSize)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a vmm compare report: %w", path, err)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.Summarize()
	return &r, nil
}

// renamed is label#n, label cut so that it stays within the length a
// machine label may have, and so a merged report can be merged again.
func renamed(label string, n int) string {
	suffix := fmt.Sprintf("#%d", n)
	if max := maxLabel - len(suffix); len(label) > max {
		label = label[:max] // labels are ASCII (machineLabel)
	}
	return label + suffix
}

// Merge sets reports side by side: every series keeps its machine, and
// machines whose labels collide are renamed label#2, label#3, ...
func Merge(paths []string) (*Report, error) {
	out := &Report{FormatVersion: FormatVersion, Generated: time.Now().UTC(), Merged: paths}
	seen := map[string]int{}
	for _, p := range paths {
		r, err := Load(p)
		if err != nil {
			return nil, err
		}
		rename := map[string]string{}
		for _, m := range r.Machines {
			old := m.Label
			seen[m.Label]++
			for n := seen[old]; seen[m.Label] > 1; n++ { // label#2, or the next one no machine has
				m.Label = renamed(old, n)
				seen[m.Label]++
			}
			rename[old] = m.Label
			out.Machines = append(out.Machines, m)
		}
		for _, s := range r.Series {
			s.Machine = rename[s.Machine]
			out.Series = append(out.Series, s)
		}
		for _, p := range r.Paths {
			p.Machine = rename[p.Machine]
			out.Paths = append(out.Paths, p)
		}
		if out.Settings.Command == "" {
			out.Settings = r.Settings
		}
		if len(r.MergedSettings) > 0 {
			out.MergedSettings = append(out.MergedSettings, r.MergedSettings...)
		} else {
			out.MergedSettings = append(out.MergedSettings, r.Settings)
		}
		out.Settings.Quick = out.Settings.Quick || r.Settings.Quick
		out.Notes = append(out.Notes, r.Notes...)
		if r.Partial != nil && out.Partial == nil {
			p := *r.Partial
			out.Partial = &p
		}
	}
	return out, nil
}

// WriteJSON writes the report, every sample included.
func (r *Report) WriteJSON(path string) error {
	var b bytes.Buffer
	if err := r.encodeJSON(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func (r *Report) encodeJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// mechLookup finds a backend's mechanism on a machine.
type mechLookup map[string]backend.Mechanism

// Mechanism returns how backend ran on machine (Unavailable if unknown).
func (r *Report) Mechanism(machine, name string) backend.Mechanism {
	if r.mechByKey == nil {
		r.mechByKey = mechLookup{}
		for _, m := range r.Machines {
			for _, mech := range m.Mechanisms {
				r.mechByKey[m.Label+"/"+mech.Backend] = mech
			}
		}
	}
	if m, ok := r.mechByKey[machine+"/"+name]; ok {
		return m
	}
	return backend.Mechanism{Backend: name, Mode: backend.Unavailable, Unavailable: "not in this report"}
}

// Columns lists the columns of the report in a stable order: per machine,
// none first, then the isolation backends by name, then baselines.
func (r *Report) Columns() []string {
	order := map[string]int{"none": 0, "memcached": 9}
	type col struct {
		name    string
		machine int
		rank    int
	}
	mi := map[string]int{}
	for i, m := range r.Machines {
		mi[m.Label] = i
	}
	seen := map[string]bool{}
	var cols []col
	for i := range r.Series {
		s := &r.Series[i]
		if s.Backend == AnchorBackend {
			continue
		}
		c := r.Column(s)
		if seen[c] {
			continue
		}
		seen[c] = true
		rank, ok := order[s.Backend]
		if !ok {
			rank = 1
		}
		cols = append(cols, col{c, mi[s.Machine], rank})
	}
	sort.Slice(cols, func(i, j int) bool {
		a, b := cols[i], cols[j]
		if a.machine != b.machine {
			return a.machine < b.machine
		}
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		return a.name < b.name
	})
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

// AnchorBackend is the Backend of anchor series.
const AnchorBackend = "anchor"

// Find returns the series of a column and row key, or nil.
func (r *Report) Find(column, key string) *Series {
	for i := range r.Series {
		s := &r.Series[i]
		if s.Backend != AnchorBackend && r.Column(s) == column && s.Key() == key {
			return s
		}
	}
	return nil
}

// Rows lists the row keys of workload series in first-seen order, with
// their labels.
func (r *Report) Rows() (keys []string, labels map[string]string) {
	labels = map[string]string{}
	for i := range r.Series {
		s := &r.Series[i]
		if s.Backend == AnchorBackend {
			continue
		}
		if _, ok := labels[s.Key()]; !ok {
			keys = append(keys, s.Key())
			labels[s.Key()] = s.Label
		}
	}
	return keys, labels
}

// Anchors lists the anchor series in order.
func (r *Report) Anchors() []*Series {
	var a []*Series
	for i := range r.Series {
		if r.Series[i].Backend == AnchorBackend {
			a = append(a, &r.Series[i])
		}
	}
	return a
}
