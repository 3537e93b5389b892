package main

import (
	"errors"
	"fmt"
	"strings"

	"plib/backend"
	"plib/internal/abi"
	"plib/untrusted"
	"plib/untrusted/regfile"
)

// readSecrets reads the --secret LIB=FILE flags: each FILE a regular file
// of at most abi.SecretMax bytes, each LIB once. Which names are the
// image's libraries is backend.Secrets.Check's to say. No error shows a
// secret's bytes.
func readSecrets(flags []string) (backend.Secrets, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	s := backend.Secrets{}
	for _, f := range flags {
		lib, file, ok := strings.Cut(f, "=")
		if !ok || lib == "" || file == "" {
			return nil, exitError{exitUsage, fmt.Sprintf("--secret %s: want LIB=FILE", untrusted.Line(f))}
		}
		if _, dup := s[lib]; dup {
			return nil, exitError{exitUsage, fmt.Sprintf("--secret %s: library %s is given a secret twice", untrusted.Line(f), untrusted.Line(lib))}
		}
		b, err := readSecretFile(file)
		if err != nil {
			return nil, exitError{exitUsage, fmt.Sprintf("--secret %s: %v", untrusted.Line(f), err)}
		}
		s[lib] = b
	}
	return s, nil
}

// readSecretFile reads a secret: a regular file of at most abi.SecretMax
// bytes. A FIFO, a device, a directory or a kernel file (procfs, sysfs:
// reading /proc/kmsg waits and consumes the kernel log) is refused before
// a byte is read, so a bad name can neither hang vmm nor grow the secret
// past its bound (regfile, as for images).
func readSecretFile(path string) ([]byte, error) {
	b, err := regfile.Read(path, abi.SecretMax)
	if errors.Is(err, regfile.ErrTooLarge) {
		return nil, fmt.Errorf("%s holds more than %d bytes: a secret holds at most %d", untrusted.Line(path), abi.SecretMax, abi.SecretMax)
	}
	if err != nil {
		return nil, fmt.Errorf("read the secret: %w", err) // vmm escapes every error line it prints
	}
	return b, nil
}
