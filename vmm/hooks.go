package vmm

import (
	"plib/backend"
	"plib/vmm/kvm"
	"plib/vmm/vcpu"
)

// What a backend built on the VMM's machine needs beyond Load and Run:
// the handoff backend (handoff/) runs every view's vCPU on a thread of its
// own instead of switching one vCPU's state between views, and handles
// their exits with the same handler.

// VCPU is view's vCPU (nil where there is no such view).
func (m *Machine) VCPU(view int) *kvm.VCPU {
	if view < 0 || view >= len(m.vcpus) {
		return nil
	}
	return m.vcpus[view]
}

// NumViews is one more than the highest view id.
func (m *Machine) NumViews() int { return len(m.vcpus) }

// HandleExit decides what to do about the exit view's vCPU just took
// (the handler Run uses). It is not safe for concurrent use: a caller
// running several vCPUs at once serializes it.
func (m *Machine) HandleExit(view int) Action {
	e := m.snapshot(view)
	return m.handler.Handle(&e)
}

// CountExit counts an exit the caller handled itself under key.
func (m *Machine) CountExit(key string) { m.handler.exits[vcpuKey(key)]++ }

// Collect copies the exit counts and the gate's switch counts into the
// result (Run does it when it ends).
func (m *Machine) Collect() { m.collect() }

// ReadGuest returns a copy of [gpa, gpa+n) as view sees it, supervisor
// pages included: for trusted reads of memory the guest cannot forge
// (a library's trusted slot as the library's own view maps it).
func (m *Machine) ReadGuest(view int, gpa, n uint64) ([]byte, error) {
	return m.mem.Read(view, gpa, n, SupervisorRead)
}

// WriteGuest writes b at gpa as view sees it, before the run (a header
// page's backend-specific fields).
func (m *Machine) WriteGuest(view int, gpa uint64, b []byte) { m.mem.write(view, gpa, b) }

// Result is the result the machine's platform fills.
func (m *Machine) Result() *backend.Result { return m.result }

func vcpuKey(k string) vcpu.ExitKey { return vcpu.ExitKey(k) }
