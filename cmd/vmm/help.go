package main

import "github.com/alecthomas/kong"

// longHelp holds the help texts too long for a struct tag line; the tags
// name them as ${help_...}, which kong interpolates.
var longHelp = kong.Vars{
	"help_compare_out": "Directory for report.json, report.csv, report.md, report.html, report.bench.txt and charts/ (created).",
	"help_compare_merge": "Instead of measuring, set these report.json files side by side and show the change from the first " +
		"(repeatable or comma-separated).",
	"help_compare_workload": "Workloads to measure (repeatable or comma-separated; default: every benchmark image in --images). Without " +
		"kv, memcached (its baseline) is not measured and the report says so.",
	"help_compare_dds":     "Measure the dds baselines (UDP sockets, ddsperf) over loopback beside dds-pingpong (--no-dds-baselines to skip).",
	"help_compare_attacks": "Run the attack suite under every backend, so the verdict says what each stops (not with --quick; --no-attacks to skip).",
	"help_compare_update_readme": "Also rewrite, from this run, the headline table between its markers in this README and " +
		"the full measured section between its markers in docs/measured-results.md beside it.",
	"help_run_vmfunc": "With --backend=vmfunc, how VMFUNC runs: emulate (the VMM carries out each switch), nested (guestlib's " +
		"hypervisor mode in a KVM guest with VMX; L0 KVM carries out each switch), or auto (nested where available).",
	"help_run_secret": "Give library LIB the bytes of FILE (a regular file of at most 2040 bytes) as its secret, which the trusted " +
		"loader places in the library's own TLS block after loading and the library reads with plib_secret(); never in the image, " +
		"never in the application's memory, never printed; repeatable, once per library.",
	"help_compare_secret": "Give library LIB the bytes of FILE as its secret in every run of every measured workload that has a " +
		"library LIB (as vmm run --secret does; repeatable, once per library). A library whose image declares it needs a secret " +
		"(image.conf's bench-secret) and is given none here gets 32 fresh random bytes per run.",
	"help_run_param": "Workload parameter NAME=VALUE (integer), read by plib_param(); repeatable. The image declares its " +
		"parameters and their ranges: vmm params IMAGE lists them.",
	"help_run_call_budget": "Abort a library call that runs longer than this; 0 means no bound (the none backend never has one).",
	"help_run_wait": "How the process backend's two sides wait for each other: spin (a bounded spin, then sleep; each side on a " +
		"core of its own), sleep (a futex wake-up each way; both on one core), or auto (spin where there are two cores).",
	"help_cmd_dds_baseline": "Measure the dds workloads' baselines on loopback: the same ping-pong over kernel UDP sockets, and Cyclone " +
		"DDS's ddsperf (exit 4 without it).",
	"help_cmd_dds_two_hosts": "Run dds-pingpong across a veth pair between two network namespaces (root; exit 4 without namespaces).",
}
