#!/usr/bin/env bash
# guestlib/hv/build.sh OUT - builds guestlib's hypervisor mode as a flat
# multiboot kernel (loaded at 1 MiB by GRUB; see boot.S).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cflags=(-std=c11 -O2 -Wall -Werror -ffreestanding -fno-pic -fno-pie -mno-red-zone
	-mgeneral-regs-only -fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables
	-I "$here" -I "$here/../include")
objs=()
for f in boot.S vmentry.S vmx.c exits.c out.c ../rt/rt.c; do # rt.c: memcpy and friends, as every domain has them
	gcc "${cflags[@]}" -c "$here/$f" -o "$tmp/$(basename "$f").o"
	objs+=("$tmp/$(basename "$f").o")
done
# link.ld takes the load address from bundle.h, the header Go checks.
gcc -E -P -x assembler-with-cpp -I "$here" "$here/link.ld" -o "$tmp/link.ld"
ld -nostdlib -static -no-pie -z noexecstack --no-warn-rwx-segments -T "$tmp/link.ld" -o "$tmp/hv.elf" "${objs[@]}"
objcopy -O binary "$tmp/hv.elf" "$out"
