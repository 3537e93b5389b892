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
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil { // of what was opened: a symbolic link is followed
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("%s is a %s: %w", path, kind(st.Mode), ErrNotRegular)
	}
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		return nil, fmt.Errorf("statfs %s: %w", path, err)
	}
	if name, pseudo := pseudoFS[int64(fs.Type)]; pseudo {
		// Files there look regular but are the kernel's: reading
		// /proc/kmsg blocks and consumes the kernel log.
		return nil, fmt.Errorf("%s is a %s file: %w", path, name, ErrNotRegular)
	}
	if st.Size > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d allowed: %w", path, st.Size, limit, ErrTooLarge)
	}
	b, err := readAll(fd, limit+1) // the file may grow after the stat
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s grew past the %d bytes allowed while it was read: %w", path, limit, ErrTooLarge)
	}
	return b, nil
}

// pseudoFS are the file systems whose "regular" files are the kernel's
// interfaces, not data (statfs f_type values, linux/magic.h).
var pseudoFS = map[int64]string{
	unix.PROC_SUPER_MAGIC:    "procfs",
	unix.SYSFS_MAGIC:         "sysfs",
	unix.DEBUGFS_MAGIC:       "debugfs",
	unix.TRACEFS_MAGIC:       "tracefs",
	unix.SECURITYFS_MAGIC:    "securityfs",
	unix.CGROUP_SUPER_MAGIC:  "cgroupfs",
	unix.CGROUP2_SUPER_MAGIC: "cgroup2fs",
	unix.BPF_FS_MAGIC:        "bpffs",
	unix.EFIVARFS_MAGIC:      "efivarfs",
}

// readAll reads fd to its end or to max bytes, with plain read calls: the
// descriptor stays non-blocking, so a file that would block is an error,
// never a wait.
func readAll(fd int, max int64) ([]byte, error) {
	var out []byte
	buf := make([]byte, 1<<20)
	for int64(len(out)) < max {
		n, err := unix.Read(fd, buf[:min(int64(len(buf)), max-int64(len(out)))])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return nil, fmt.Errorf("reading would block: %w", ErrNotRegular)
		case err != nil:
			return nil, err
		case n == 0:
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
	return out, nil
}

// kind names a non-regular file type (a stat mode) for an error message.
func kind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFIFO:
		return "FIFO (named pipe)"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR:
		return "character device"
	case unix.S_IFBLK:
		return "block device"
	}
	return fmt.Sprintf("special file (mode %#o)", mode&unix.S_IFMT)
}
