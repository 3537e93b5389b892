// Package layering holds no code: its tests hold the module to its shape.
// Packages sit in layers (see layers in layering_test.go), and no package
// imports from a layer above its own: helpers do not reach into a backend,
// a backend does not reach into compare or a command, and the backends do
// not reach into each other. The same tests keep non-test Go lines short,
// and hold guestlib's C to one direction: no two C files linked together
// use each other's symbols, and no header's inline helper calls into the
// runtime that builds on the header.
package layering
