package backend

import (
	"fmt"
	"sort"
	"sync"
)

// The registry: every backend package registers its backend once, in an
// init function, and every list of backends (vmm run's --backend, caps,
// compare, attacks) is read from here. A backend package is linked into
// bin/vmm by cmd/vmm's generated import list (go generate ./cmd/vmm).
var registry struct {
	sync.Mutex
	byName  map[string]Backend
	promise map[string]Promise
	style   map[string]Style
}

// Style is how a backend is drawn in every chart: an index into the
// charts' table of colour, marker and dashes (compare/report), which
// each backend declares when it registers, so that it looks the same in
// every chart and report, and no two backends look alike. Styles start
// at 1; a new backend takes the next free one.
type Style int

// Styles taken by the backends of this tree, in the order they were
// added; the next backend declares StyleNext.
const (
	StyleNone Style = iota + 1
	StyleVMFunc
	StyleHandoff
	StylePKU
	StyleMprotect
	StyleProcess
	StyleNext
)

// Promise is what a backend promises about the libraries' memory.
type Promise int

// Promises.
const (
	// Isolates: the application cannot reach a library's private memory,
	// nor one library another's; an attack that gets through is a defect.
	Isolates Promise = iota + 1
	// Ceiling: no domain is kept from another (the none backend, the speed
	// ceiling); attacks succeed under it by design, and it is never a
	// candidate in a comparison's verdict.
	Ceiling
)

// Register makes b known by its name, with what it promises and its
// style in charts. It panics if the name is empty or taken, the promise
// unknown, or the style not positive or taken: each is a programming
// error.
func Register(b Backend, p Promise, st Style) {
	registry.Lock()
	defer registry.Unlock()
	name := b.Name()
	if name == "" {
		panic("backend: Register with an empty name")
	}
	if _, dup := registry.byName[name]; dup {
		panic(fmt.Sprintf("backend: %q registered twice", name))
	}
	if p != Isolates && p != Ceiling {
		panic(fmt.Sprintf("backend: %q registered with promise %d", name, p))
	}
	if st < 1 {
		panic(fmt.Sprintf("backend: %q registered with style %d", name, st))
	}
	for other, taken := range registry.style {
		if taken == st {
			panic(fmt.Sprintf("backend: %q registered with style %d, which %q has", name, st, other))
		}
	}
	if registry.byName == nil {
		registry.byName, registry.promise, registry.style = map[string]Backend{}, map[string]Promise{}, map[string]Style{}
	}
	registry.byName[name], registry.promise[name], registry.style[name] = b, p, st
}

// StyleOf is the style the named backend registered with (0 if it is
// unknown).
func StyleOf(name string) Style {
	registry.Lock()
	defer registry.Unlock()
	return registry.style[name]
}

// Lookup returns the backend registered under name.
func Lookup(name string) (Backend, bool) {
	registry.Lock()
	defer registry.Unlock()
	b, ok := registry.byName[name]
	return b, ok
}

// Names lists the registered backends: those that isolate by name, then
// the ceilings by name.
func Names() []string {
	registry.Lock()
	defer registry.Unlock()
	var names []string
	for n := range registry.byName {
		names = append(names, n)
	}
	p := registry.promise
	sort.Slice(names, func(i, j int) bool {
		if p[names[i]] != p[names[j]] {
			return p[names[i]] < p[names[j]]
		}
		return names[i] < names[j]
	})
	return names
}

// PromiseOf is what the named backend promises (0 if it is unknown).
func PromiseOf(name string) Promise {
	registry.Lock()
	defer registry.Unlock()
	return registry.promise[name]
}
