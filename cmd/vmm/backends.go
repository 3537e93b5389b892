package main

import (
	"fmt"
	"sort"
	"strings"

	"plib/backend"
	"plib/internal/hostrun"
	"plib/vmm"
)

// backends are the isolation mechanisms this build knows, by --backend name.
var backends = map[string]backend.Backend{
	"vmfunc":   vmm.Backend{},
	"none":     hostrun.None{},
	"mprotect": hostrun.Mprotect{},
	"pku":      hostrun.PKU{},
	"process":  hostrun.Process{},
}

func backendNames() []string {
	var names []string
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupBackend(name string) (backend.Backend, error) {
	b, ok := backends[name]
	if !ok {
		return nil, exitError{exitUsage, fmt.Sprintf("unknown backend %q; known backends: %s", name, strings.Join(backendNames(), ", "))}
	}
	return b, nil
}
