// Command vmm runs plib workload images under an isolation backend and
// reports what the isolation cost.
//
//	vmm caps                                  what this machine can do, per backend
//	vmm run --backend=vmfunc IMAGE            run one image
//	vmm memcached                             the baseline: real memcached over loopback
//	vmm attacks                               every attack under every backend
//	vmm compare --out report/                 the comparison matrix and its reports
//
// Exit codes are listed in exitcodes.go and in README.md.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"plib/backend"
	"plib/internal/hostrun"
)

// cli is the command line, parsed by kong.
type cli struct {
	Run         runCmd         `cmd:"" help:"Run a workload image under one backend."`
	Caps        capsCmd        `cmd:"" help:"Show what this machine can do, per backend, and why."`
	Memcached   memcachedCmd   `cmd:"" help:"Measure the baseline: a real memcached over loopback, same operations as the kv workload."`
	DDSBaseline ddsBaselineCmd `cmd:"" name:"dds-baseline" help:"Measure the dds workloads' baselines on loopback: the same ping-pong over kernel UDP sockets, and Cyclone DDS's ddsperf (exit 4 without it)."`
	Attacks     attacksCmd     `cmd:"" help:"Run every attack image under every backend; exit 3 if any is not stopped where isolation is promised."`
	Compare     compareCmd     `cmd:"" help:"Measure every backend on every benchmark workload beside anchors; write report.json, .csv, .md and .html."`
	Bundle      bundleCmd      `cmd:"" help:"Write an image's hypervisor-mode bundle (guest memory, EPT views, EPTP list) for guestlib/hv."`
}

func main() {
	hostrun.MaybeChild() // host backends re-execute this binary for the workload
	var c cli
	parser, err := kong.New(&c, kong.Name("vmm"), kong.Vars{"backends": strings.Join(backend.Names(), ",")},
		kong.Description("plib: run protected-library workloads under an isolation backend and measure what isolation costs."),
		kong.UsageOnError(), kong.Exit(func(code int) { os.Exit(exitUsage * min(code, 1)) }))
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmm:", err)
		os.Exit(exitHost)
	}
	ctx, err := parser.Parse(os.Args[1:])
	if err != nil {
		parser.Errorf("%v", err)
		fmt.Fprintln(os.Stderr, "run 'vmm --help' for usage")
		os.Exit(exitUsage)
	}
	err = ctx.Run()
	var ee exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(os.Stderr, "vmm:", ee.msg)
		}
		os.Exit(ee.code)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmm:", err)
		os.Exit(exitHost)
	}
}
