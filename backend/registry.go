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
}

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

// Register makes b known by its name, with what it promises. It panics
// if the name is empty or taken, or the promise unknown: each is a
// programming error.
func Register(b Backend, p Promise) {
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
	if registry.byName == nil {
		registry.byName, registry.promise = map[string]Backend{}, map[string]Promise{}
	}
	registry.byName[name], registry.promise[name] = b, p
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
