// Package baselines holds the backends plib sets the isolating mechanisms
// against: mprotect and process, which isolate with the kernel's
// ordinary system calls (Hodor's syscall baselines), and none, the
// speed ceiling, which isolates nothing. Each is a package of its own
// that registers itself and holds its whole part in the host runtime
// (backend/hostproc), its hostproc.Isolation, beside its own tests.
package baselines
