package backend

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestFindCanary(t *testing.T) {
	c := []byte("0123456789abcdef")
	half := c[8:]
	rev := []byte("76543210")
	cases := map[string][]byte{
		"raw":          append([]byte("xx"), half...),
		"hex":          []byte("leak: " + hex.EncodeToString(c[:8])),
		"HEX":          []byte(strings.ToUpper(hex.EncodeToString(c[8:]))),
		"reversed":     rev,
		"nothing":      []byte("nothing to see"),
		"one byte off": []byte("0123456x9abcdefX"),
	}
	for name, printed := range cases {
		got := FindCanary(c, printed, &Result{}, nil) != ""
		want := name != "nothing" && name != "one byte off"
		if got != want {
			t.Errorf("%s: found %v, want %v", name, got, want)
		}
	}
	res := &Result{Metrics: []Metric{{Name: "innocent", Value: 0x3736353433323130}}}
	if FindCanary(c, nil, res, nil) == "" {
		t.Error("the first half as a metric value was not found")
	}
	if FindCanary(c, nil, &Result{}, []Region{{Name: "data", Mem: append(make([]byte, 100), c...)}}) == "" {
		t.Error("the canary in app memory was not found")
	}
}
