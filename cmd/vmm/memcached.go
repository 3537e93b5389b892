package main

import (
	"context"
	"errors"
	"os"
	"os/signal"

	"plib/caps"
	"plib/compare/memcached"
)

type memcachedCmd struct {
	JSON       bool `name:"json" help:"Print the result as JSON (the same format as vmm run --json)."`
	Iterations int  `help:"Operations per round, per kind." default:"200"`
	Rounds     int  `help:"Rounds; the median round is reported." default:"5"`
}

// Run measures the memcached baseline.
func (m *memcachedCmd) Run() error {
	if m.Iterations < 1 || m.Rounds < 1 {
		return exitError{exitUsage, "--iterations and --rounds must be at least 1"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := memcached.Memcached(ctx, memcached.Options{Iterations: m.Iterations, Rounds: m.Rounds, TSCHz: caps.TSCHz()})
	if ctx.Err() != nil {
		return exitError{exitInterrupted, "interrupted"}
	}
	if errors.Is(err, memcached.ErrUnavailable) {
		return exitError{exitUnavailable, err.Error()}
	}
	if err != nil {
		return exitError{exitHost, err.Error()}
	}
	if m.JSON {
		return writeResultJSON(os.Stdout, res)
	}
	printResult(os.Stdout, res, true)
	return nil
}
