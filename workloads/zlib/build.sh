#!/usr/bin/env bash
# build.sh - builds zlib 1.2.13 from Debian's source package, unmodified,
# twice from the same tree with the same configuration:
#   build/thirdparty/zlib/libz.a         domain code (guestlib/domain-cc),
#                                         which image.conf's lines name
#   build/thirdparty/zlib/native/libz.a  for the host (gcc -O2, glibc), which
#                                         image.conf's native line names
#   build/thirdparty/zlib/include        zlib.h and zconf.h, as shipped
# scripts/build runs it before mkimage. The configuration is Debian's own
# for amd64 (debian/rules: -D_REENTRANT -DUNALIGNED_OK; configure adds
# -DHAVE_HIDDEN for gcc). The gz* files (file I/O) are left out: a domain
# has no files. Rebuilds only when an input changes (the stamp).
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$(scripts/debian-source zlib 1.2.13)
out=build/thirdparty/zlib
files=(adler32 crc32 deflate infback inffast inflate inftrees trees zutil compress uncompr)
defs=(-D_REENTRANT -DUNALIGNED_OK -DHAVE_HIDDEN)

stamp=$( { cat "$0" guestlib/domain-cc build/musl/stamp; for f in "${files[@]}"; do cat "$src/$f.c"; done
	cat "$src"/*.h "$src/debian/changelog"; echo "${defs[*]}"; gcc --version; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/libz.a" ] && [ -f "$out/native/libz.a" ]; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out/obj" "$out/native/obj" "$out/include"
for f in "${files[@]}"; do
	guestlib/domain-cc "${defs[@]}" -c "$src/$f.c" -o "$out/obj/$f.o"
	gcc -std=gnu11 -O2 -Wall -Werror "${defs[@]}" -c "$src/$f.c" -o "$out/native/obj/$f.o"
done
objs=() nobjs=()
for f in "${files[@]}"; do objs+=("$out/obj/$f.o") nobjs+=("$out/native/obj/$f.o"); done
ar rcs "$out/libz.a" "${objs[@]}"
ar rcs "$out/native/libz.a" "${nobjs[@]}"
cp "$src/zlib.h" "$src/zconf.h" "$out/include/"
echo "$stamp" > "$out/stamp"
echo "built $out/libz.a and $out/native/libz.a"
