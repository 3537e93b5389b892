#!/usr/bin/env bash
# guestlib/loader/build.sh OUT - builds the host backends' loader: a static,
# freestanding executable (no libc) that maps an image as its plan says,
# seals itself with seccomp and jumps to it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cflags=(-std=c11 -O2 -Wall -Werror -ffreestanding -fno-pic -fno-pie -mno-red-zone
	-mgeneral-regs-only -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables
	-fno-builtin -I "$here")
for f in start.S loader.c; do
	gcc "${cflags[@]}" -c "$here/$f" -o "$tmp/$f.o"
done
ld -nostdlib -static -no-pie -z noexecstack --build-id=none -e _start -o "$out" "$tmp/start.S.o" "$tmp/loader.c.o"
strip "$out"
