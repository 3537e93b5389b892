package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"plib/backend"
	"plib/internal/caps"
	"plib/vmm"
)

type capsCmd struct {
	JSON bool `name:"json" help:"Print the capabilities as JSON."`
}

// capsReport is `vmm caps --json`.
type capsReport struct {
	CPU      caps.CPU            `json:"cpu"`
	KVM      vmm.KVMInfo         `json:"kvm"`
	Backends []backend.Mechanism `json:"backends"`
}

// Run prints the capability report.
func (c *capsCmd) Run() error {
	rep := capsReport{CPU: caps.ProbeCPU(), KVM: vmm.ProbeKVM()}
	for _, n := range backend.Names() {
		b, _ := backend.Lookup(n)
		rep.Backends = append(rep.Backends, b.Probe())
	}
	if c.JSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	yes := map[bool]string{true: "yes", false: "no"}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	cpu := rep.CPU
	fmt.Fprintf(tw, "CPU\t%s (%s, family %d, %d logical cores)\n", cpu.Model, cpu.Vendor, cpu.Family, cpu.Cores)
	if cpu.Hypervisor != "" {
		fmt.Fprintf(tw, "\tthis kernel runs in a virtual machine (hypervisor: %s)\n", cpu.Hypervisor)
	}
	fmt.Fprintf(tw, "VMX / SVM\t%s / %s\n", yes[cpu.VMX], yes[cpu.SVM])
	vmf := yes[cpu.VMFUNC]
	if len(cpu.VMXFlags) == 0 {
		vmf += " (no \"vmx flags\" in /proc/cpuinfo)"
	}
	fmt.Fprintf(tw, "VMFUNC\t%s\n", vmf)
	fmt.Fprintf(tw, "PKU / OSPKE\t%s / %s (CPUID leaf 7 ECX bits 3 and 4)\n", yes[cpu.PKU], yes[cpu.OSPKE])
	if rep.KVM.Available {
		var names []string
		for n := range rep.KVM.Caps {
			names = append(names, n)
		}
		sort.Strings(names)
		var parts []string
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("%s=%d", strings.TrimPrefix(n, "KVM_CAP_"), rep.KVM.Caps[n]))
		}
		fmt.Fprintf(tw, "KVM\t/dev/kvm, API %d; %s\n", rep.KVM.APIVersion, strings.Join(parts, " "))
		if rep.KVM.Error != "" {
			fmt.Fprintf(tw, "\tnot usable: %s\n", rep.KVM.Error)
		}
	} else {
		fmt.Fprintf(tw, "KVM\tunavailable: %s\n", rep.KVM.Error)
	}
	if ok, why := vmm.NestedSupport(); ok {
		fmt.Fprintf(tw, "vmfunc modes\temulate (the VMM), nested (guestlib's hypervisor mode; L0 KVM switches); auto picks nested\n")
	} else {
		fmt.Fprintf(tw, "vmfunc modes\temulate (the VMM); nested unavailable: %s; auto picks emulate\n", why)
	}
	fmt.Fprintf(tw, "\t(under Bochs, scripts/test-vmfunc-bochs runs the hypervisor mode with VMFUNC emulated by Bochs)\n")
	fmt.Fprintf(tw, "\nbackend\tswitch\tmode\n")
	for _, m := range rep.Backends {
		mode := string(m.Mode)
		switch m.Mode {
		case backend.Emulated:
			mode = "emulated by " + m.EmulatedBy
		case backend.Unavailable:
			mode = "unavailable: " + m.Unavailable
		case backend.NoIsolation:
			mode = "no isolation"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Backend, m.Switch, mode)
		if m.Detail != "" && m.Mode != backend.Unavailable {
			fmt.Fprintf(tw, "\t\t%s\n", m.Detail)
		}
	}
	return tw.Flush()
}
