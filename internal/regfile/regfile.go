// Package regfile reads files that the user names on the command line
// (images, reports) as untrusted input: only regular files, and never more
// bytes than the caller allows. A FIFO, a device such as /dev/zero, a
// directory or a symbolic link to one of them is refused before a byte is
// read, so a bad path can neither hang the reader nor make it grow without
// bound.
package regfile

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is returned for a path that names anything but a regular
// file (after following symbolic links).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned for a file larger than the caller's limit.
var ErrTooLarge = errors.New("file too large")

// Read returns the contents of the regular file at path, refusing it if
// it holds more than limit bytes.
func Read(path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	// writer forever. It does not change how a regular file reads.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	st, err := f.Stat() // of what was opened: a symbolic link is followed
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a %s: %w", path, kind(st.Mode()), ErrNotRegular)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d allowed: %w", path, st.Size(), limit, ErrTooLarge)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1)) // the file may grow after the stat
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s grew past the %d bytes allowed while it was read: %w", path, limit, ErrTooLarge)
	}
	return b, nil
}

// kind names a non-regular file type for an error message.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeNamedPipe != 0:
		return "FIFO (named pipe)"
	case m&os.ModeSocket != 0:
		return "socket"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "block device"
	}
	return "special file (" + m.Type().String() + ")"
}
