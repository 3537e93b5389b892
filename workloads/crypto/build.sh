#!/usr/bin/env bash
# build.sh - builds libmbedcrypto from Debian's mbedTLS 2.28.3 source
# package, unmodified, with this workload's own configuration
# (plib_mbedtls_config.h, through -DMBEDTLS_CONFIG_FILE), twice:
#   build/thirdparty/mbedtls/libmbedcrypto.a         domain code (guestlib/domain-cc)
#   build/thirdparty/mbedtls/native/libmbedcrypto.a  the native comparison build (gcc)
# and the workload's own files that include mbedTLS's headers (keys.c,
# selftest.c: mkimage passes no include paths) into
#   build/thirdparty/mbedtls/libcryptokeys.a         for the library's lib line
# (natively, scripts/build compiles them from native.args).
# Every file of the library's own crypto list (library/Makefile's
# OBJS_CRYPTO) is compiled; what the configuration leaves out compiles to
# nothing, and mkimage links only the members a domain needs.
# Rebuilds only when an input changes (build/thirdparty/mbedtls/stamp).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=workloads/crypto
out=build/thirdparty/mbedtls
src=$(scripts/debian-source mbedtls 2.28.3)
guestlib/libc/build.sh
export PLIB_LIBC_BUILT=1

# The same configuration and optimisation for both builds.
flags=(-I "$src/include" -I "$src/library" -I "$PWD/$here" '-DMBEDTLS_CONFIG_FILE=<plib_mbedtls_config.h>' -O2)
stamp=$( { cat "$0" "$here"/*.h "$here/keys.c" "$here/selftest.c" guestlib/domain-cc build/musl/stamp;
	cat "$src/debian/changelog"; echo "${flags[@]}"; gcc --version; } | sha256sum | cut -d' ' -f1)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/libmbedcrypto.a" ] && [ -f "$out/native/libmbedcrypto.a" ] && [ -f "$out/libcryptokeys.a" ]; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out/obj" "$out/native/obj"
mapfile -t files < <(sed -n '/^OBJS_CRYPTO=/,/^$/p' "$src/library/Makefile" | grep -oE '[a-z0-9_]+\.o' | sed 's/\.o$/.c/')
[ ${#files[@]} -gt 40 ] || { echo "crypto build: no OBJS_CRYPTO list in $src/library/Makefile" >&2; exit 1; }
for f in "${files[@]}"; do
	[ -f "$src/library/$f" ] || { echo "crypto build: $src/library/$f not found" >&2; exit 1; }
done
export src out
export flags_str="${flags[*]}"
# domain-cc takes one file at a time; two at once on this machine's cores.
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -I{} bash -c '
	set -euo pipefail
	o=${1%.c}.o
	read -ra fl <<<"$flags_str" # paths without spaces: scripts/debian-source'"'"'s build/src/PKG
	guestlib/domain-cc "${fl[@]}" -c "$src/library/$1" -o "$out/obj/$o"
	gcc -std=gnu11 -Wall -Werror "${fl[@]}" -c "$src/library/$1" -o "$out/native/obj/$o"
' _ {}
# mkimage places a domain's read-only data with its code, where the
# loader refuses a refused instruction's bytes even inside a constant (a
# test vector of HMAC_DRBG's self test holds SYSENTER's 0f 34): an
# object whose constants hold such bytes has them moved to its data
# section instead (still the library's own memory, now writable by it
# alone). Its code is not touched; mkimage's scan of the linked image
# checks the rest.
rodata_to_data() { # OBJ
	local o=$1 secs s ren=()
	mapfile -t secs < <(readelf -S -W "$o" | grep -oE '\.rodata[^ ]*' | sort -u)
	[ ${#secs[@]} -gt 0 ] || return 0
	local probe="$o.probe"
	for s in "${secs[@]}"; do ren+=(--set-section-flags "$s=alloc,load,readonly,code,contents"); done
	objcopy "${ren[@]}" "$o" "$probe"
	if build/tools/codescan "$probe" >/dev/null; then rm -f "$probe"; return 0; fi
	rm -f "$probe"
	ren=()
	for s in "${secs[@]}"; do ren+=(--rename-section "$s=.data.plib${s},alloc,load,data,contents"); done
	objcopy "${ren[@]}" "$o"
	echo "crypto build: $(basename "$o"): its constants hold a refused byte sequence: moved to its data section"
}
for f in "${files[@]}"; do rodata_to_data "$out/obj/${f%.c}.o"; done
ar rcs "$out/libmbedcrypto.a" $(printf "$out/obj/%s\n" "${files[@]/%.c/.o}")
ar rcs "$out/native/libmbedcrypto.a" $(printf "$out/native/obj/%s\n" "${files[@]/%.c/.o}")
# selftest.c must run every self test the configuration compiled in.
have=$(nm "$out/libmbedcrypto.a" | awk '$2 == "T" && $3 ~ /^mbedtls_.*_self_test$/ {print $3}' | sort)
named=$(grep -oE 'mbedtls_[a-z0-9_]+_self_test' "$here/selftest.c" | sort -u)
[ "$have" = "$named" ] || { echo "crypto build: the configuration compiles the self tests [$(echo $have)] but selftest.c runs [$(echo $named)]" >&2; exit 1; }
for f in keys selftest; do
	guestlib/domain-cc "${flags[@]}" -c "$here/$f.c" -o "$out/$f.o"
done
ar rcs "$out/libcryptokeys.a" "$out/keys.o" "$out/selftest.o"
echo "$stamp" > "$out/stamp"
echo "built $out/libmbedcrypto.a and $out/native/libmbedcrypto.a"
