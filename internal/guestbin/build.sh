#!/usr/bin/env bash
# Builds the trusted guest blobs (gate pages, supervisor) from
# guestlib/trusted into flat binaries embedded by package guestbin.
# Usage: build.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../guestlib/trusted"
out=${1:-$here}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cflags=(-ffreestanding -nostdlib -Wall -Werror -I "$here/../../guestlib/include")
blob() { # name link-address
	gcc "${cflags[@]}" -c "$src/$1.S" -o "$tmp/$1.o"
	ld -nostdlib -N -Ttext="$2" -e 0 --no-warn-rwx-segments -o "$tmp/$1.elf" "$tmp/$1.o"
	objcopy -O binary -j .text "$tmp/$1.elf" "$out/$1.bin"
}
blob gate_vmfunc 0x40000000
blob gate_none 0x40000000
blob gate_mprotect 0x40000000
blob gate_pku 0x40000000
blob gate_process 0x40000000
blob supervisor 0x103000
"$here/../../guestlib/hv/build.sh" "$out/hypervisor.bin" # guestlib's hypervisor mode (vmm --vmfunc=nested)
"$here/../../guestlib/loader/build.sh" "$out/loader.elf" # the host backends' loader (the image's process)
