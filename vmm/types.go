package vmm

import "plib/vmm/kvm"

// Regs, Sregs, Segment and Descriptor are KVM's register structures.
type (
	Regs       = kvm.Regs
	Sregs      = kvm.Sregs
	Segment    = kvm.Segment
	Descriptor = kvm.Descriptor
)
