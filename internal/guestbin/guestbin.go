// Package guestbin holds the trusted guest code the VMM and the host
// backends install: each backend's gate page and the vmfunc guest's
// supervisor, guestlib's hypervisor mode and the host backends' loader.
// They are built from guestlib by build.sh (run by go generate, never by
// scripts/build) and committed; TestBlobsMatchSources and scripts/test
// fail if a committed blob is stale.
package guestbin

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
)

//go:generate ./build.sh

// GateVMFUNC is the vmfunc backend's gate page (gate_vmfunc.S).
//
//go:embed gate_vmfunc.bin
var GateVMFUNC []byte

// Loader is the host backends' loader (guestlib/loader): a static,
// freestanding executable the image's process runs.
//
//go:embed loader.elf
var Loader []byte

// GateNone is the none backend's gate page (gate_none.S).
//
//go:embed gate_none.bin
var GateNone []byte

// GateMprotect is the mprotect backend's gate page (gate_mprotect.S).
//
//go:embed gate_mprotect.bin
var GateMprotect []byte

// GatePKU is the pku backend's gate page (gate_pku.S).
//
//go:embed gate_pku.bin
var GatePKU []byte

// GateProcess is the process backend's gate page (gate_process.S).
//
//go:embed gate_process.bin
var GateProcess []byte

// Supervisor is the vmfunc guest's ring-0 exception stubs (supervisor.S).
//
//go:embed supervisor.bin
var Supervisor []byte

// Hypervisor is guestlib's hypervisor mode (guestlib/hv): a multiboot
// kernel that runs a workload bundle with VMFUNC in hardware. The VMM
// boots it in a KVM guest for --vmfunc=nested.
//
//go:embed hypervisor.bin
var Hypervisor []byte

// GateHandoff is the handoff backend's gate pages (gate_handoff.S): the
// call that hands a request to a library's vCPU, and the serve loop that
// vCPU runs.
//
//go:embed gate_handoff.bin
var GateHandoff []byte

// FSBaseSites returns the offsets in gate of its WRFSBASE instructions as
// the gate's thread-pointer site table records them (GATE_WRFSBASE in
// gate_common.inc: "PLIBFSBS", u16 offsets, 0xffff), or nil if gate has
// no table. The image scan refuses WRFSBASE in every domain's code; these
// are the only places any trusted blob may hold one.
func FSBaseSites(gate []byte) ([]int, error) {
	i := bytes.Index(gate, []byte("PLIBFSBS"))
	if i < 0 {
		return nil, nil
	}
	var sites []int
	for j := i + 8; j+2 <= len(gate); j += 2 {
		off := int(binary.LittleEndian.Uint16(gate[j:]))
		if off == 0xffff {
			return sites, nil
		}
		if off >= len(gate) {
			return nil, fmt.Errorf("thread-pointer site %#x is outside the gate's %d bytes", off, len(gate))
		}
		sites = append(sites, off)
	}
	return nil, fmt.Errorf("the gate's thread-pointer site table has no end")
}
