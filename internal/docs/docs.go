// Package docs keeps plib's documents (README.md, SECURITY.md and docs/)
// true to the code: its tests regenerate the package graph in
// docs/architecture.md from `go list` (and fail while the committed one
// is stale) and check that every relative link in the documents points
// at a file, and a heading, that exists.
package docs
