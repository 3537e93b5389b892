package vmm

import (
	"errors"
	"fmt"
	"os"

	"plib/vmm/kvm"
)

// requiredCaps are the KVM capabilities the VMM cannot do without.
var requiredCaps = []struct {
	Cap  int
	Name string
}{
	{kvm.CapUserMemory, "KVM_CAP_USER_MEMORY"},
	{kvm.CapReadonlyMem, "KVM_CAP_READONLY_MEM"},
	{kvm.CapSyncRegs, "KVM_CAP_SYNC_REGS"},
	{kvm.CapImmediateExit, "KVM_CAP_IMMEDIATE_EXIT"},
}

// CheckKVM opens /dev/kvm and checks what the VMM needs.
func CheckKVM() (*kvm.System, error) {
	sys, err := openKVM()
	if err != nil {
		return nil, err
	}
	if err := checkKVM(sys); err != nil {
		sys.Close()
		return nil, err
	}
	return sys, nil
}

func openKVM() (*kvm.System, error) {
	sys, err := kvm.Open()
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("/dev/kvm does not exist: this machine has no KVM (no hardware virtualization, or the kvm module is not loaded)")
	}
	return sys, err
}

// checkKVM checks that sys offers what the VMM needs.
func checkKVM(sys *kvm.System) error {
	if v, err := sys.APIVersion(); err != nil || v != 12 {
		return fmt.Errorf("KVM API version %d (err %v), want 12", v, err)
	}
	for _, c := range requiredCaps {
		v, err := sys.CheckExtension(c.Cap)
		if err != nil || v == 0 {
			return fmt.Errorf("KVM lacks %s", c.Name)
		}
		if c.Cap == kvm.CapSyncRegs && v&(kvm.SyncRegs|kvm.SyncSregs) != kvm.SyncRegs|kvm.SyncSregs {
			return fmt.Errorf("KVM_CAP_SYNC_REGS offers mask %#x, need regs and sregs", v)
		}
	}
	return nil
}

// KVMInfo is what `vmm caps` reports about KVM.
type KVMInfo struct {
	Available  bool           `json:"available"`
	Error      string         `json:"error,omitempty"`
	APIVersion int            `json:"api_version,omitempty"`
	Caps       map[string]int `json:"capabilities,omitempty"` // KVM_CHECK_EXTENSION results
}

// ProbeKVM opens /dev/kvm and reads the capabilities plib uses.
func ProbeKVM() KVMInfo {
	sys, err := openKVM()
	if err != nil {
		return KVMInfo{Error: err.Error()}
	}
	defer sys.Close()
	info := KVMInfo{Available: true, Caps: map[string]int{}}
	info.APIVersion, _ = sys.APIVersion()
	for _, c := range append(requiredCaps, struct {
		Cap  int
		Name string
	}{kvm.CapNRMemSlots, "KVM_CAP_NR_MEMSLOTS"}) {
		v, _ := sys.CheckExtension(c.Cap)
		info.Caps[c.Name] = v
	}
	if err := checkKVM(sys); err != nil {
		info.Error = err.Error()
	}
	return info
}
