package main

import (
	"fmt"
	"os"

	"plib/vmm"
	"plib/vmm/vmfunc"
)

type bundleCmd struct {
	Out   string            `help:"Where to write the bundle." required:"" type:"path" placeholder:"FILE"`
	Param map[string]string `help:"Workload parameter NAME=VALUE (integer) for plib_param; repeatable." placeholder:"NAME=VALUE"`
	Fault string            `hidden:"" help:"Plant a fault (eptp-entry, no-gate-page) to test the hypervisor mode's error handling." placeholder:"FAULT"`
	Image string            `arg:"" help:"Workload image (e.g. build/images/null.elf)." type:"path"`
}

// Run writes the hypervisor-mode bundle of an image: the guest as the
// vmfunc backend builds it, with the EPT of every view, for guestlib/hv
// (scripts/test-vmfunc-bochs boots it under Bochs).
func (b *bundleCmd) Run() error {
	if st, err := os.Stat(b.Out); err == nil && !st.Mode().IsRegular() {
		return exitError{exitUsage, fmt.Sprintf("--out %s: not a regular file (a bundle is one file)", b.Out)}
	}
	params, img, err := loadWithParams(b.Image, b.Param)
	if err != nil {
		return err
	}
	data, err := vmfunc.BuildBundle(img, vmm.BundleOptions{Params: params, Fault: b.Fault})
	if err != nil {
		return exitError{exitUsage, fmt.Sprintf("%s: %v", b.Image, err)}
	}
	f, err := os.OpenFile(b.Out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil { // a directory that does not exist, or no permission
		return exitError{exitUsage, fmt.Sprintf("--out %s: %v", b.Out, err)}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return exitError{exitHost, err.Error()}
	}
	if err := f.Close(); err != nil {
		return exitError{exitHost, err.Error()}
	}
	return nil
}
