package image

import (
	"fmt"
	"strconv"
	"strings"
)

// Param is one workload parameter an image declares (image.conf's param
// lines, which mkimage writes into the .plib.params section): its name as
// plib_param reads it, the range of values it accepts, its default and
// what it means. Every parameter is an integer.
type Param struct {
	Name    string `json:"name"`
	Min     int64  `json:"min"`
	Max     int64  `json:"max"`
	Default int64  `json:"default"`
	Help    string `json:"help"`
	// Runtime marks a parameter guestlib's runtime reads for every image
	// (samples, set by vmm compare): no image declares it.
	Runtime bool `json:"runtime,omitempty"`
}

// RuntimeParams are the parameters guestlib's runtime reads in every
// image, declared implicitly: plib_report_rounds reports every round when
// samples is 1 (vmm compare sets it).
var RuntimeParams = []Param{
	{Name: "samples", Min: 0, Max: 1, Default: 0, Help: "1: report every round as a sample (vmm compare sets it)", Runtime: true},
}

// Limits on a params declaration: it is read from an untrusted file.
const (
	maxParamsBytes = 4096
	maxParams      = 32
	maxParamHelp   = 80
)

// parseParams reads a .plib.params section: one line per parameter,
// "NAME MIN MAX DEFAULT HELP...", MIN <= DEFAULT <= MAX.
func parseParams(b []byte) ([]Param, error) {
	if len(b) > maxParamsBytes {
		return nil, bad(".plib.params is %d bytes, more than %d", len(b), maxParamsBytes)
	}
	var ps []Param
	seen := map[string]bool{}
	for _, r := range RuntimeParams {
		seen[r.Name] = true
	}
	for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		where := fmt.Sprintf(".plib.params line %d", i+1)
		f := strings.SplitN(line, " ", 5)
		if len(f) != 5 {
			return nil, bad("%s: want NAME MIN MAX DEFAULT HELP", where)
		}
		name := f[0]
		if !benchName.MatchString(name) {
			return nil, bad("%s: parameter name %q (want [a-z][a-z0-9_]*, at most 32 characters)", where, name)
		}
		if seen[name] {
			return nil, bad("%s: parameter %s declared twice (or it is the runtime's own)", where, name)
		}
		seen[name] = true
		var n [3]int64
		for j, what := range []string{"minimum", "maximum", "default"} {
			v, err := strconv.ParseInt(f[1+j], 10, 64)
			if err != nil {
				return nil, bad("%s: parameter %s: %s %q is not an integer", where, name, what, f[1+j])
			}
			n[j] = v
		}
		if n[0] > n[1] || n[2] < n[0] || n[2] > n[1] {
			return nil, bad("%s: parameter %s: want MIN <= DEFAULT <= MAX, got %d, %d, %d", where, name, n[0], n[2], n[1])
		}
		help := f[4]
		if help == "" || len(help) > maxParamHelp || !printable(help) {
			return nil, bad("%s: parameter %s needs a printable description of 1 to %d characters", where, name, maxParamHelp)
		}
		if len(ps) == maxParams {
			return nil, bad("%s: more than %d parameters", where, maxParams)
		}
		ps = append(ps, Param{Name: name, Min: n[0], Max: n[1], Default: n[2], Help: help})
	}
	return ps, nil
}

// Param returns the declaration of the parameter named name: the image's
// own or the runtime's.
func (im *Image) Param(name string) (Param, bool) {
	for _, p := range im.AllParams() {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// AllParams returns the image's parameters, then the runtime's.
func (im *Image) AllParams() []Param {
	return append(append([]Param(nil), im.Params...), RuntimeParams...)
}

// CheckParam says why value is not acceptable for the parameter named
// name in this image (nil if it is).
func (im *Image) CheckParam(name string, value int64) error {
	p, ok := im.Param(name)
	if !ok {
		var names []string
		for _, p := range im.AllParams() {
			names = append(names, p.Name)
		}
		return fmt.Errorf("the image declares no parameter %q (it declares: %s)", name, strings.Join(names, ", "))
	}
	if value < p.Min || value > p.Max {
		return fmt.Errorf("parameter %s=%d is out of range %d..%d (%s)", name, value, p.Min, p.Max, p.Help)
	}
	return nil
}

// checkBenchParams makes a benchmark's parameters declared ones, in range:
// vmm compare passes them as vmm run --param would.
func (im *Image) checkBenchParams() error {
	if im.Bench == nil {
		return nil
	}
	for run, ps := range map[string]map[string]int64{"full": im.Bench.Full, "quick": im.Bench.Quick} {
		for k, v := range ps {
			if err := im.CheckParam(k, v); err != nil {
				return bad(".plib.bench %s: %v", run, err)
			}
		}
	}
	return nil
}

// checkBenchSecrets makes every library a benchmark says needs a secret
// one of the image's libraries: vmm compare provisions it as vmm run
// --secret would.
func (im *Image) checkBenchSecrets() error {
	if im.Bench == nil {
		return nil
	}
	for _, lib := range im.Bench.Secrets {
		found := false
		for _, d := range im.Libraries() {
			found = found || d.Name == lib
		}
		if !found {
			return bad(".plib.bench secret %s: the image has no library of that name", lib) // lib matched libName
		}
	}
	return nil
}
