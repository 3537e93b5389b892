package image

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	ps, err := parseParams([]byte("iterations 1 100000000 1000 library calls per round\nsys 0 1 1 also time an empty platform call\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{{"iterations", 1, 100000000, 1000, "library calls per round", false}, {"sys", 0, 1, 1, "also time an empty platform call", false}}
	if len(ps) != len(want) || ps[0] != want[0] || ps[1] != want[1] {
		t.Errorf("parsed %+v", ps)
	}
	for _, c := range []struct{ in, why string }{
		{"", "want NAME MIN MAX DEFAULT HELP"},
		{"n 1 2 1\n", "want NAME MIN MAX DEFAULT HELP"},
		{"N 1 2 1 x\n", "parameter name"},
		{"n-x 1 2 1 x\n", "parameter name"},
		{"n 1 2 1 x\nn 1 2 1 y\n", "declared twice"},
		{"samples 0 1 0 mine\n", "runtime's own"},
		{"n one 2 1 x\n", "minimum \"one\" is not an integer"},
		{"n 1 2 0x1 x\n", "default"},
		{"n 1 99999999999999999999 1 x\n", "maximum"},
		{"n 3 2 2 x\n", "MIN <= DEFAULT <= MAX"},
		{"n 1 2 3 x\n", "MIN <= DEFAULT <= MAX"},
		{"n 1 2 1 \x01\n", "printable description"},
		{"n 1 2 1 " + strings.Repeat("x", maxParamHelp+1) + "\n", "printable description"},
		{strings.Repeat("p", maxParamsBytes+1), "more than"},
	} {
		_, err := parseParams([]byte(c.in))
		if !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%q: want an error saying %q, got %v", c.in, c.why, err)
		}
	}
	var many strings.Builder
	for i := range maxParams + 1 {
		fmt.Fprintf(&many, "p%d 0 1 0 x\n", i)
	}
	if _, err := parseParams([]byte(many.String())); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("%d parameters: %v", maxParams+1, err)
	}
}

func TestCheckParam(t *testing.T) {
	im := &Image{Params: []Param{{Name: "iterations", Min: 1, Max: 100, Default: 10, Help: "calls"}}}
	for _, c := range []struct {
		name  string
		value int64
		why   string
	}{
		{"iterations", 1, ""},
		{"iterations", 100, ""},
		{"samples", 1, ""},
		{"iterations", 0, "out of range 1..100"},
		{"iterations", 101, "out of range 1..100"},
		{"samples", 2, "out of range 0..1"},
		{"nosuch", 1, `no parameter "nosuch" (it declares: iterations, samples)`},
		{"", 1, `no parameter ""`},
	} {
		err := im.CheckParam(c.name, c.value)
		if (c.why == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s=%d: want %q, got %v", c.name, c.value, c.why, err)
		}
	}
}
