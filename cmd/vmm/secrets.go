package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"plib/backend"
	"plib/internal/abi"
	"plib/untrusted"
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

// readSecretFile reads a secret: a regular file (not a device, FIFO or
// directory, which could block or never end) of at most abi.SecretMax
// bytes.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", untrusted.Line(path), st.Mode().Type())
	}
	b, err := io.ReadAll(io.LimitReader(f, abi.SecretMax+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", untrusted.Line(path), err)
	}
	if len(b) > abi.SecretMax {
		return nil, fmt.Errorf("%s holds more than %d bytes: a secret holds at most %d", untrusted.Line(path), abi.SecretMax, abi.SecretMax)
	}
	return b, nil
}
