package backend

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"plib/image"
	"plib/internal/abi"
	"plib/untrusted"
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

// Secrets are the secrets provisioned for a run (vmm run --secret
// LIB=FILE), by library name: each goes into its library's own TLS block
// and nowhere else (never the image file, never the application's view).
type Secrets map[string][]byte

// Check says what is wrong with s for img: a name that is no library of
// the image (the application never has one), or a secret longer than
// abi.SecretMax.
func (s Secrets) Check(img *image.Image) error {
	var names []string
	for _, d := range img.Libraries() {
		names = append(names, d.Name)
	}
	for name, b := range s {
		if !slices.Contains(names, name) {
			return fmt.Errorf("--secret %s: the image has no library of that name (its libraries: %s; the application never has a secret)",
				untrusted.Line(name), untrusted.Line(strings.Join(names, ", ")))
		}
		if len(b) > abi.SecretMax {
			return fmt.Errorf("--secret %s: %d bytes: a secret holds at most %d", untrusted.Line(name), len(b), abi.SecretMax)
		}
	}
	return nil
}

// SecretArea is the secret area of a TLS block (from abi.TLSSecret to the
// block's end) holding secret: its length, its bytes, then zeros, so that
// nothing the image put there survives.
func SecretArea(secret []byte) []byte {
	b := make([]byte, abi.TLSBytes-abi.TLSSecret)
	binary.LittleEndian.PutUint64(b, uint64(len(secret)))
	copy(b[8:], secret)
	return b
}

// PlaceTLS writes the head of every domain's TLS block (TLSHead) and its
// secret area (SecretArea: the library's secret from secrets, none for
// the application) with write, before any of the image's code runs. With
// shared set, the libraries' blocks are left out: their data is shared by
// the application instances, and SharedDataFile wrote them once for all
// of them (an instance writing its own would change a canary under a call
// that another instance has open).
func PlaceTLS(img *image.Image, shared bool, secrets Secrets, write func(addr uint64, b []byte)) error {
	if err := secrets.Check(img); err != nil {
		return err
	}
	for _, d := range img.Domains {
		if d == nil || (shared && d.ID != 0) {
			continue
		}
		h, err := TLSHead(d.TLS())
		if err != nil {
			return err
		}
		write(d.TLS(), h)
		var secret []byte
		if d.ID != 0 {
			secret = secrets[d.Name]
		}
		write(d.TLS()+abi.TLSSecret, SecretArea(secret))
	}
	return nil
}
