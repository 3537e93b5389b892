package hostproc

// Exported for the tests of package hostproc_test, which link the backend
// packages (they import this one, so only an external test can).
var GateSites = gateSites

// GateOf is the gate of the host backend registered under name.
func GateOf(name string) []byte {
	s, _ := specNamed(name)
	return s.Gate
}
