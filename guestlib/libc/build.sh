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

stamp=$( { cat "$0" internal/tools/codescan/*.go image/scan.go; find "$here/overlay" "$here/tp.h" -type f | sort | xargs cat;
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
# Compiled code can hold a refused instruction by accident (SYSCALL's 0f 05
# inside a jump's displacement, say: the loader refuses such bytes at
# every offset, since a jump could land on them). Each object that holds
# one is compiled again with its jumps and labels aligned differently,
# which moves its displacements, until none does; then the archive is
# made again from the objects. The last variants change the file's
# optimisation level (-Os, -O1): the same source, compiled differently.
mkdir -p build/tools
go build -o build/tools/codescan ./internal/tools/codescan
mapfile -t bad < <(find "$t/obj" -name '*.o' -print0 | xargs -0 build/tools/codescan | cut -d' ' -f1 || true)
for o in "${bad[@]}"; do
	rel=${o#"$t/"}
	cmd=$(grep -F -- " -o $rel " "$t/make.log" | tail -1)
	[ -n "$cmd" ] || { echo "musl build: no compile command for $rel in make.log" >&2; exit 1; }
	fixed=0
	for a in 2 4 8 16 32 64; do
		for extra in "" "-falign-functions=64" "-fno-reorder-blocks" "-Os" "-O1"; do
			flags="-falign-jumps=$a -falign-labels=$a -falign-loops=$a $extra"
			(cd "$t" && eval "$cmd $flags")
			if build/tools/codescan "$o" >/dev/null; then
				fixed=1
				echo "musl build: $rel holds no refused instruction with $flags"
				break 2
			fi
		done
	done
	# Left as it is (two instructions that meet in the pattern, which no
	# alignment separates): a domain that links it is refused by mkimage,
	# which names the function.
	[ $fixed = 1 ] || echo "musl build: $rel still holds a refused instruction (a domain linking it is refused): $(build/tools/codescan "$o")" >&2
done
if [ ${#bad[@]} -gt 0 ]; then
	rm "$t/lib/libc.a"
	(cd "$t" && make lib/libc.a >>make.log 2>&1)
fi
cp "$t/lib/libc.a" "$out/libc.a.tmp"
mkdir -p "$out/lib"
mv "$out/libc.a.tmp" "$out/lib/libc.a"
echo "$stamp" > "$out/stamp"
echo "built $out/lib/libc.a"
