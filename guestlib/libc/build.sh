#!/usr/bin/env bash
# build.sh - builds musl 1.2.3 from Debian's source package into
# build/musl/lib/libc.a and build/musl/include, for plib domains.
#
# Debian's tree (scripts/debian-source) stays as it is: it is copied to
# build/musl/tree, and plib's own files are laid over the copy
# (guestlib/libc/overlay, tp.h). The system-call layer goes: syscall_arch.h
# is replaced by plib's (every system call becomes a call to the domain's
# shim, guestlib/libc/shim.c), and each x86-64 assembly file that holds a
# syscall instruction is removed so musl's generic C version (which calls
# the same layer) is built instead, or replaced by a C file (syscall_cp).
# Rebuilds only when an input changes (build/musl/stamp).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=guestlib/libc
out=build/musl
src=$(scripts/debian-source musl 1.2.3)

# Domain code: fixed addresses, no red zone (a gate may run on the
# domain's stack), no stack protector or CET notes, no unwind tables
# (mkimage discards .eh_frame); SSE stays (musl's math needs it).
cflags="-O2 -fno-pic -fno-pie -mcmodel=small -mno-red-zone -fno-stack-protector
	-fcf-protection=none -fno-asynchronous-unwind-tables -fno-unwind-tables"

stamp=$( { cat "$0"; find "$here/overlay" "$here/tp.h" -type f | sort | xargs cat;
	cat "$src/VERSION" "$src/debian/changelog"; echo "$cflags"; gcc --version; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/lib/libc.a" ]; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
cp -a "$src" "$out/tree"
t=$out/tree
cp -r "$here/overlay/." "$t/"
cp "$here/tp.h" "$t/src/plib/plib_tp.h"
# The x86-64 assembly that executes syscall: the generic C file of the same
# name takes its place (clone, vfork and __set_thread_area then answer
# ENOSYS through the shim; restore is empty, as for targets without a
# restorer; syscall_cp is overlay's C file).
rm "$t/src/internal/libc.c" # overlay src/internal/x86_64/libc.c replaces it
for f in src/thread/x86_64/syscall_cp.s src/thread/x86_64/clone.s \
	src/thread/x86_64/__unmapself.s src/thread/x86_64/__set_thread_area.s \
	src/process/x86_64/vfork.s src/signal/x86_64/restore.s; do
	rm "$t/$f"
done
# What is left must hold no system-call instruction, in assembly or in C's
# inline assembly (the image scan checks the built bytes as well).
if grep -rlE '(^|[^_a-z])(syscall|sysenter|int[[:space:]]+\$(0x80|128))([^_a-z(]|$)' \
	--include='*.s' --include='*.S' "$t/src"/*/x86_64 "$t/arch/x86_64" 2>/dev/null; then
	echo "musl build: a system-call instruction is left in the files above" >&2
	exit 1
fi
(
	cd "$t"
	CC=gcc ./configure --prefix=/ --disable-shared --disable-wrapper \
		CFLAGS="$(echo $cflags)" >configure.log 2>&1 || { cat configure.log >&2; exit 1; }
	make -j"$(nproc)" lib/libc.a >make.log 2>&1 || { tail -30 make.log >&2; exit 1; }
	make install-headers DESTDIR="$PWD/../" >>make.log 2>&1
)
cp "$t/lib/libc.a" "$out/libc.a.tmp"
mkdir -p "$out/lib"
mv "$out/libc.a.tmp" "$out/lib/libc.a"
echo "$stamp" > "$out/stamp"
echo "built $out/lib/libc.a"
