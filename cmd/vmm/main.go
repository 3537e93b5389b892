// Command vmm runs plib workload images under an isolation backend and
// reports what the isolation cost.
//
//	vmm caps                                  what this machine can do, per backend
//	vmm run --backend=vmfunc IMAGE            run one image
//	vmm params IMAGE                          the parameters an image reads
//	vmm memcached                             the baseline: real memcached over loopback
//	vmm attacks                               every attack under every backend
//	vmm compare --out report/                 the comparison matrix and its reports
//	vmm help [COMMAND]                        usage
//
// Exit codes are listed in exitcodes.go and in docs/cli.md.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"plib/backend"
	"plib/backend/hostproc"
	"plib/compare"
	"plib/untrusted"
)

// cli is the command line, parsed by kong.
type cli struct {
	Version     kong.VersionFlag `help:"Print vmm's version (the build's git describe) and exit."`
	Run         runCmd           `cmd:"" help:"Run a workload image under one backend."`
	Params      paramsCmd        `cmd:"" help:"List the parameters a workload image reads (vmm run --param NAME=VALUE)."`
	Caps        capsCmd          `cmd:"" help:"Show what this machine can do, per backend, and why."`
	Memcached   memcachedCmd     `cmd:"" help:"Measure the baseline: a real memcached over loopback, same operations as the kv workload."`
	DDSBaseline ddsBaselineCmd   `cmd:"" name:"dds-baseline" help:"${help_cmd_dds_baseline}"`
	DDSTwoHosts ddsTwoHostsCmd   `cmd:"" name:"dds-two-hosts" help:"${help_cmd_dds_two_hosts}"`
	Attacks     attacksCmd       `cmd:"" help:"Run every attack image under every backend; exit 3 if any is not stopped where isolation is promised."`
	Compare     compareCmd       `cmd:"" help:"Measure every backend on every benchmark workload beside anchors; write report.json, .csv, .md and .html."`
	Bundle      bundleCmd        `cmd:"" help:"Write an image's hypervisor-mode bundle (guest memory, EPT views, EPTP list) for guestlib/hv."`
	Help        helpCmd          `cmd:"" help:"Show usage: vmm help, or vmm help COMMAND."`
}

// version is what vmm --version prints: scripts/build sets it.
func version() string {
	if compare.BuildVersion != "" {
		return compare.BuildVersion
	}
	return "unknown (not built by scripts/build)"
}

func main() {
	hostproc.MaybeChild() // host backends re-execute this binary for the workload
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns vmm's exit code.
// errorText renders an error message for stderr: it may quote an
// image's or a merged report's text, so each of its lines is shown as
// untrusted.Line shows it and every line after the first is indented
// under "vmm:", where none can pass for a message of its own.
func errorText(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = untrusted.Line(l)
	}
	return strings.Join(lines, "\n    ")
}

func run(args []string, stdout, stderr io.Writer) int {
	var c cli
	exitCode := -1
	parser, err := kong.New(&c, kong.Name("vmm"), longHelp,
		kong.Vars{"backends": strings.Join(backend.Names(), ","), "version": "vmm " + version()},
		kong.Description("plib: run protected-library workloads under an isolation backend and measure what isolation costs."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = exitUsage * min(code, 1); panic(kongExit{}) }))
	if err != nil {
		fmt.Fprintln(stderr, "vmm:", err)
		return exitHost
	}
	c.Help.parser = parser
	jsonOut := slices.Contains(args, "--json") // before parsing: a parse error honours it too
	fail := func(code int, msg, cmd string) int {
		if jsonOut {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(struct {
				Error    string `json:"error"`
				ExitCode int    `json:"exit_code"`
			}{msg, code})
		}
		if msg != "" {
			fmt.Fprintln(stderr, "vmm:", errorText(msg))
		}
		if code == exitUsage {
			if cmd != "" && cmd != "help" {
				fmt.Fprintf(stderr, "run 'vmm help %s' for usage\n", cmd)
			} else {
				fmt.Fprintln(stderr, "run 'vmm help' for usage")
			}
		}
		return code
	}
	ctx, err := parseOrExit(parser, args)
	if exitCode >= 0 { // --help, --version: kong printed them
		return exitCode
	}
	if err != nil {
		cmd := ""
		var pe *kong.ParseError
		if errors.As(err, &pe) && pe.Context != nil {
			cmd = commandOf(pe.Context)
		}
		return fail(exitUsage, err.Error(), cmd)
	}
	cmd := commandOf(ctx)
	err = runOrExit(ctx)
	if exitCode >= 0 {
		return exitCode
	}
	var ee exitError
	switch {
	case errors.As(err, &ee):
		if ee.msg == "" { // the outcome is on stdout already
			return ee.code
		}
		return fail(ee.code, ee.msg, cmd)
	case err != nil:
		return fail(exitHost, err.Error(), cmd)
	}
	return exitOK
}

// kongExit unwinds out of kong when it asks to exit (after --help or
// --version), so that run returns the code instead of the process exiting.
type kongExit struct{}

func parseOrExit(p *kong.Kong, args []string) (ctx *kong.Context, err error) {
	defer recoverKongExit()
	return p.Parse(args)
}

func runOrExit(ctx *kong.Context) (err error) {
	defer recoverKongExit()
	return ctx.Run()
}

func recoverKongExit() {
	if r := recover(); r != nil {
		if _, ok := r.(kongExit); !ok {
			panic(r)
		}
	}
}

// commandOf is the subcommand a parse reached ("run"), or "".
func commandOf(ctx *kong.Context) string {
	if ctx == nil {
		return ""
	}
	if n := ctx.Selected(); n != nil {
		return strings.Fields(n.FullPath())[min(1, len(strings.Fields(n.FullPath()))-1)]
	}
	return ""
}

// helpCmd is vmm help [COMMAND]: the same text as vmm [COMMAND] --help.
type helpCmd struct {
	Command []string `arg:"" optional:"" help:"The command to explain."`
	parser  *kong.Kong
}

// Run prints the help by parsing the command with --help.
func (h *helpCmd) Run() error {
	if len(h.Command) > 0 && h.Command[0] == "help" {
		h.Command = h.Command[1:]
	}
	_, err := h.parser.Parse(append(append([]string(nil), h.Command...), "--help"))
	if err != nil {
		return exitError{exitUsage, fmt.Sprintf("no command %q to explain", strings.Join(h.Command, " "))}
	}
	return nil
}
