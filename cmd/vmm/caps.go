package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"plib/backend"
	"plib/caps"
	"plib/vmm"
)

type capsCmd struct {
	JSON bool `name:"json" help:"Print the capabilities as JSON."`
}

// capsFormat is the version of vmm caps --json's format (format_version),
// raised whenever a field changes meaning or goes, as report.json's is.
const capsFormat = 1

// capsReport is `vmm caps --json`.
type capsReport struct {
	FormatVersion int                 `json:"format_version"` // capsFormat
	CPU           caps.CPU            `json:"cpu"`
	KVM           vmm.KVMInfo         `json:"kvm"`
	Backends      []backend.Mechanism `json:"backends"`
}

// Run prints the capability report.
func (c *capsCmd) Run() error {
	rep := capsReport{FormatVersion: capsFormat, CPU: caps.ProbeCPU(), KVM: vmm.ProbeKVM()}
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
	w := os.Stdout
	const indent = len("vmfunc modes") + 2 // the longest label
	cpu := rep.CPU
	labelled(w, "CPU", indent, fmt.Sprintf("%s (%s, family %d, %d logical cores)", cpu.Model, cpu.Vendor, cpu.Family, cpu.Cores))
	if cpu.Hypervisor != "" {
		labelled(w, "", indent, fmt.Sprintf("this kernel runs in a virtual machine (hypervisor: %s)", cpu.Hypervisor))
	}
	labelled(w, "VMX / SVM", indent, fmt.Sprintf("%s / %s", yes[cpu.VMX], yes[cpu.SVM]))
	vmf := yes[cpu.VMFUNC]
	if len(cpu.VMXFlags) == 0 {
		vmf += " (no \"vmx flags\" in /proc/cpuinfo)"
	}
	labelled(w, "VMFUNC", indent, vmf)
	labelled(w, "PKU / OSPKE", indent, fmt.Sprintf("%s / %s (CPUID leaf 7 ECX bits 3 and 4)", yes[cpu.PKU], yes[cpu.OSPKE]))
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
		labelled(w, "KVM", indent, fmt.Sprintf("/dev/kvm, API %d; %s", rep.KVM.APIVersion, strings.Join(parts, " ")))
		if rep.KVM.Error != "" {
			labelled(w, "", indent, "not usable: "+rep.KVM.Error)
		}
	} else {
		labelled(w, "KVM", indent, "unavailable: "+rep.KVM.Error)
	}
	if ok, why := vmm.NestedSupport(); ok {
		labelled(w, "vmfunc modes", indent, "emulate (the VMM), nested (guestlib's hypervisor mode; L0 KVM switches); auto picks nested")
	} else {
		labelled(w, "vmfunc modes", indent, fmt.Sprintf("emulate (the VMM); nested unavailable: %s; auto picks emulate", why))
	}
	labelled(w, "", indent, "(under Bochs, scripts/test-vmfunc-bochs runs the hypervisor mode with VMFUNC emulated by Bochs)")
	// A backend per row: its mode and switch, its mechanism's detail
	// wrapped below.
	w1 := len("backend")
	for _, m := range rep.Backends {
		w1 = max(w1, len(m.Backend))
	}
	fmt.Fprintf(w, "\n%-*s  %s\n", w1, "backend", "mode; switch")
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
		labelled(w, m.Backend, w1+2, mode+"; switch: "+m.Switch)
		if m.Detail != "" && m.Mode != backend.Unavailable {
			labelled(w, "", w1+4, m.Detail)
		}
	}
	return nil
}
