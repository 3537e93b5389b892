package backend

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"plib/image"
	"plib/internal/abi"
)

// TLSHeadBytes is how much of a TLS block the trusted loader writes: the
// self pointer and the stack canary (abi.TLSSelf, abi.TLSCanary).
const TLSHeadBytes = abi.TLSCanary + 8

// TLSHead is the start of the TLS block at addr as the trusted loader
// writes it: the block's own address, and a stack canary drawn afresh
// from the host's random source (its low byte zero, as glibc's is, so
// that a string read running past a buffer stops before the rest).
func TLSHead(addr uint64) ([]byte, error) {
	b := make([]byte, TLSHeadBytes)
	binary.LittleEndian.PutUint64(b[abi.TLSSelf:], addr)
	if _, err := rand.Read(b[abi.TLSCanary+1:]); err != nil {
		return nil, fmt.Errorf("draw the stack canary of the TLS block at %#x: %w", addr, err)
	}
	return b, nil
}

// PlaceTLS writes the head of every domain's TLS block (TLSHead) with
// write, before any of the image's code runs. With shared set, the
// libraries' blocks are left out: their data is shared by the application
// instances, and SharedDataFile wrote their heads once for all of them
// (an instance writing its own would change a canary under a call that
// another instance has open).
func PlaceTLS(img *image.Image, shared bool, write func(addr uint64, head []byte)) error {
	for _, d := range img.Domains {
		if d == nil || (shared && d.ID != 0) {
			continue
		}
		h, err := TLSHead(d.TLS())
		if err != nil {
			return err
		}
		write(d.TLS(), h)
	}
	return nil
}
