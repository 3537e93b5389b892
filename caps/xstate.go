package caps

import "plib/internal/abi"

func xgetbv0() uint64

// XCR0 state components (Intel SDM vol. 1, 13.1): bit i enables
// component i. x87, SSE and AVX are components 0 to 2.
const (
	XCR0X87 = 1 << iota
	XCR0SSE
	XCR0AVX
)

// AVX-512's three components, 5 to 7 (3 and 4 are MPX's).
const (
	XCR0Opmask = 1 << (iota + 5)
	XCR0ZMMHi256
	XCR0Hi16ZMM
)

// XCR0Guest is every component a plib guest may enable: no AMX tile
// state (components 17, 18), no MPX, no PKRU, no supervisor state.
const XCR0Guest = XCR0X87 | XCR0SSE | XCR0AVX | XCR0Opmask | XCR0ZMMHi256 | XCR0Hi16ZMM

// HostXCR0 is this process's XCR0 (XGETBV), 0 where the OS has not
// enabled XSAVE (CPUID.1:ECX.OSXSAVE clear): then only x87 and SSE exist.
func HostXCR0() uint64 {
	if _, _, ecx, _ := cpuidRaw(1, 0); ecx&(1<<27) == 0 {
		return 0
	}
	return xgetbv0()
}

// XFeatures is the header page's feature word (abi.HdrXFeat) for a
// domain whose XCR0 is xcr0: the register classes that exist there and
// that the gates therefore clear. AVX needs SSE and AVX state; AVX-512
// needs those and all three of its components.
func XFeatures(xcr0 uint64) uint64 {
	var f uint64
	const avx = XCR0SSE | XCR0AVX
	const avx512 = avx | XCR0Opmask | XCR0ZMMHi256 | XCR0Hi16ZMM
	if xcr0&avx == avx {
		f |= abi.XFAVX
	}
	if xcr0&avx512 == avx512 {
		f |= abi.XFAVX512
	}
	return f
}
