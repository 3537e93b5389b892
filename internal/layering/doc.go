// Package layering holds no code: its tests hold the module to its shape.
// Packages sit in layers (see layers in layering_test.go), and no package
// imports from a layer above its own: helpers do not reach into a backend,
// a backend does not reach into compare or a command, and the backends do
// not reach into each other. The same tests keep non-test Go lines short.
package layering
