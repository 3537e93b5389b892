package main

//go:generate go run plib/internal/backendlist/gen

import (
	"fmt"
	"strings"

	"plib/backend"
)

// lookupBackend finds a registered backend by its --backend name.
func lookupBackend(name string) (backend.Backend, error) {
	b, ok := backend.Lookup(name)
	if !ok {
		return nil, exitError{exitUsage, fmt.Sprintf("unknown backend %q; known backends: %s", name, strings.Join(backend.Names(), ", "))}
	}
	return b, nil
}

// lookupBackends finds the named backends, or every registered one in
// order when names is empty.
func lookupBackends(names []string) ([]backend.Backend, error) {
	if len(names) == 0 {
		names = backend.Names()
	}
	var bs []backend.Backend
	for _, n := range names {
		b, err := lookupBackend(n)
		if err != nil {
			return nil, err
		}
		bs = append(bs, b)
	}
	return bs, nil
}
