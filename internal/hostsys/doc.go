// Package hostsys is the host plumbing the backends and the measurements
// share, each piece written once: futex waits and wake-ups on a word of
// this process or of memory several processes map, the cores this thread
// may run on, holding a thread or a process on one core, and a writer
// that rewrites memory while a library call runs (plib_scribble).
package hostsys
