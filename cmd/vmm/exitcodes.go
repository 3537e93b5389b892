package main

// Exit codes of vmm; docs/cli.md lists the same table.
const (
	exitOK          = 0 // the workload exited with code 0
	exitWorkload    = 1 // the workload exited with a non-zero code
	exitUsage       = 2 // bad flags or arguments, or a malformed or hostile image
	exitViolation   = 3 // an isolation violation was stopped
	exitUnavailable = 4 // the backend cannot run on this machine
	exitTimeout     = 5 // the workload ran past --timeout, or a library call past --call-budget, and was stopped
	exitHost        = 6 // the host failed (KVM, memory, the child process)
	// exitReportFormat: compare wrote report.json, but another of its
	// report formats could not be written (the message names which).
	exitReportFormat = 7
	exitInterrupted  = 130 // interrupted (Ctrl-C, SIGINT), as a shell reports it
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	msg  string
}

// Error is the message printed before exiting.
func (e exitError) Error() string { return e.msg }
