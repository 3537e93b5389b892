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
abi() { # NAME: a constant of plib_abi.h, the header package abi checks
	printf '#include "plib_abi.h"\n%s\n' "$1" | gcc -E -P -x c -I "$here/../../guestlib/include" - | tail -n 1
}
blob() { # name link-address
	gcc "${cflags[@]}" -c "$src/$1.S" -o "$tmp/$1.o"
	ld -nostdlib -N -Ttext="$2" -e 0 --no-warn-rwx-segments -o "$tmp/$1.elf" "$tmp/$1.o"
	objcopy -O binary -j .text "$tmp/$1.elf" "$out/$1.bin"
}
gate=$(abi PLIB_GATE_PAGE)
blob gate_vmfunc "$gate"
blob gate_none "$gate"
blob gate_mprotect "$gate"
blob gate_pku "$gate"
blob gate_process "$gate"
blob gate_handoff "$gate"
blob supervisor "$(abi PLIB_SUP_CODE)"
"$here/../../guestlib/hv/build.sh" "$out/hypervisor.bin" # guestlib's hypervisor mode (vmm --vmfunc=nested)
"$here/../../guestlib/loader/build.sh" "$out/loader.elf" # the host backends' loader (the image's process)
