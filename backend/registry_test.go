package backend

import (
	"context"
	"strings"
	"testing"

	"plib/image"
)

type fake string

func (f fake) Name() string     { return string(f) }
func (f fake) Probe() Mechanism { return Mechanism{Backend: string(f), Mode: Hardware} }
func (fake) RunInstance(context.Context, *image.Image, string, Options, Instance) (*Result, error) {
	return nil, nil
}

// TestRegisterRefusesATakenStyle: two backends cannot declare one chart
// style (they would be drawn alike), nor a backend none.
func TestRegisterRefusesATakenStyle(t *testing.T) {
	Register(fake("style-test-a"), Isolates, 1000)
	if StyleOf("style-test-a") != 1000 {
		t.Fatalf("style %d", StyleOf("style-test-a"))
	}
	for _, c := range []struct {
		name string
		st   Style
		want string
	}{{"style-test-b", 1000, "which \"style-test-a\" has"}, {"style-test-c", 0, "style 0"}} {
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(p.(string), c.want) {
					t.Errorf("%s with style %d: %v", c.name, c.st, p)
				}
			}()
			Register(fake(c.name), Isolates, c.st)
		}()
	}
}
