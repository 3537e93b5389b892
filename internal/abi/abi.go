// Package abi mirrors guestlib/include/plib_abi.h: the fixed addresses,
// offsets and numbers shared by images, gates and the VMM. The tests in
// this package compile the header and fail if the two disagree.
package abi

// Image layout.
const (
	ImageBase   = 0x40000000 // every image is linked here
	GatePage    = 0x40000000 // backend gate code: GatePages pages
	GateIn      = 0x40001000 // vmfunc: second gate page, mapped in library views
	GateOut     = 0x40002000 // vmfunc: third gate page, mapped in the app's view
	GatePages   = 3
	GateData    = 0x40003000 // per-view header page
	GateEntries = 0x40004000 // entry table page
	ImageCode   = 0x40005000 // first address an image section may use
	ImageLimit  = 0x60000000 // images end below this address
	PageSize    = 4096
)

// Gate routine offsets inside the gate page.
const (
	GateCallOff  = 0x000
	GateSysOff   = 0x400
	GateServeOff = 0xc00
)

// The vmfunc guest's trusted ring-0 supervisor.
const (
	SupCode     = 0x103000
	SupStackTop = 0x108000
)

// Header page field offsets.
const (
	HdrMagic    = 0x00
	HdrView     = 0x08
	HdrNEntries = 0x10
	HdrHostCtx  = 0x18
	HdrApp      = 0x20
	HdrApps     = 0x28
	MaxApps     = 8
	HdrXFeat    = 0x30 // the register state the CPU gives this image (XF*): which the gates clear
	XFAVX       = 0x1  // ymm: XCR0 has SSE and AVX state
	XFAVX512    = 0x2  // zmm16-31, k0-7: XCR0 has opmask, ZMM_Hi256 and Hi16_ZMM
	// MXCSRDefault and FCWDefault are the MXCSR and x87 control word every
	// library starts with, whatever its caller set.
	MXCSRDefault = 0x1f80
	FCWDefault   = 0x037f
	HdrStacks    = 0x100
	HdrArgBase   = 0x200
	HdrArgSize   = 0x240
	HdrTextBase  = 0x280
	HdrTextSize  = 0x2c0
	HdrPrivBase  = 0x300
	HdrPrivSize  = 0x340
	HdrPKRU      = 0x380
	HdrSlots     = 0x3c0
	SlotBytes    = 64
	SlotEntries  = 16
	SlotReturns  = 24
	SlotStart    = 32 // host loader runtime: TSC when the library's open call began (0: none)
	SlotEntry    = 40 // host loader runtime: the entry of that call
	SlotCaller   = 8  // process: the domain whose call is open (0: the app), written by the serve loop
	SlotServing  = 0  // handoff: the request slot of the call the library serves (0: none); vmfunc: the saved rsp
	HdrReq       = 0x400
	HdrBudget    = 0x440 // unused: no gate keeps the call budget
	HdrSpin      = 0x448 // process, handoff: the spin bound in TSC cycles (0: sleep at once)
	HdrInReq     = 0x4c0 // process: a library's incoming request pages, by caller
	Magic        = 0x4554414742494c50
)

// The handoff backend's header fields and request slots (plib_abi.h).
const (
	HdrCallers   = 0x508 // bitmask of the callers with a slot into this view
	HdrSlotMap   = 0x510 // bitmask of the libraries this view has a slot to
	HdrSpinTo    = 0x518 // u64[MaxDomains]: the spin bound waiting on each library (0: park at once)
	HdrTLS       = 0x580 // u64[MaxDomains]: each domain's thread pointer, which the gates load
	HandoffSlots = 0x60000000
	HoState      = 0x00
	HoIdle       = 0
	HoCall       = 1
	HoDone       = 2
	HoEntry      = 0x08
	HoArgs       = 0x10
	HoResult     = 0x30
	HoWaits      = 0x40
	HoSleeps     = 0x80
	SysPark      = 8
	SysRing      = 9
)

// HandoffSlot is the guest-physical address of the request slot from
// caller to library.
func HandoffSlot(caller, library int) uint64 {
	return HandoffSlots + uint64(caller*MaxDomains+library)*PageSize
}

// Each domain's TLS block: the first TLSBytes of its data section. The
// trusted loader writes the self pointer and a per-run random stack
// canary there and points the domain's FS base at the block.
const (
	TLSBytes  = 4096
	TLSSelf   = 0x00 // u64: the block's own address
	TLSCanary = 0x28 // u64: the stack protector's canary (%fs:0x28)
	// TLSSecret is where the block's secret area starts: a u64 length,
	// then the library's provisioned secret (vmm run --secret), to the
	// block's end; the loader writes all of it for every domain.
	TLSSecret = 0x800
	// SecretMax is the largest secret, in bytes.
	SecretMax = TLSBytes - TLSSecret - 8
)

// Domains and entries.
const (
	MaxDomains = 8
	MaxFuncs   = 32
	MaxEntries = MaxDomains * MaxFuncs
	EntrySize  = 16 // one entry table row: {u64 addr; u32 view; u32 valid}
	EntryAddr  = 0  // u64: the function's address
	EntryView  = 8  // u32: the library (view) it runs in
	EntryValid = 12 // u32: nonzero for an exported entry
	// EntryRFLAGS is the RFLAGS a library's entry point starts with under
	// every gate: DF, AC, TF, NT and the status flags clear, bit 1 set.
	EntryRFLAGS = 0x2
)

// Platform call numbers.
const (
	SysNop       = 0
	SysExit      = 1
	SysPrint     = 2
	SysMetric    = 3
	SysParam     = 4
	SysGateFault = 5
	SysScribble  = 6
	SysAppAlive  = 7
	// SysClock: a0 is ClockRealtime or ClockMonotonic; the answer is the
	// host clock's nanoseconds (-1 for any other clock).
	SysClock       = 10
	ClockRealtime  = 0
	ClockMonotonic = 1
	// The paravirtual NIC (guestlib/include/plib_nic.h, backend/nic).
	SysNicAttach    = 16
	SysNicKick      = 17
	SysNicWait      = 18
	SysNicWake      = 19
	NicWaitMaxMicro = 10000
	ScribbleMax     = 1 << 20
)

// Gate fault reasons.
const (
	GateBadEntry  = 1
	GateBadView   = 2
	GateReentry   = 3
	GateBadReturn = 4
	GateBudget    = 5
)

// Exit codes of the attack images (workloads/attacks), as
// attacks judges them.
const (
	AttackWon           = 66 // the attack got what it wanted: not stopped
	AttackNotApplicable = 67 // the backend lacks what the attack needs
	AttackRefused       = 68 // what it asked for was refused, without ending the run
	AttackDefeated      = 69 // every call was answered properly: it got nothing
)

// Ports used by the vmfunc guest.
const (
	PortSys   = 0x510
	PortFault = 0x511
)

// The host backends' platform page (PLIB_HOST_PLATFORM): field offsets.
const (
	CtxRetval = 48
	CtxNr     = 56
	CtxA0     = 64
	CtxA1     = 72
	CtxA2     = 80
)

// The process backend's request page.
const (
	ReqState    = 0x00
	ReqIdle     = 0
	ReqCall     = 1
	ReqDone     = 2
	ReqDead     = 0x04
	ReqEntry    = 0x08
	ReqArgs     = 0x10
	ReqResult   = 0x30
	ReqWaiting  = 0x38 // process: the caller sleeps on the channel
	ReqFast     = 0x40 // process: the caller's count of calls answered while it spun
	ReqSlow     = 0x48 // process: the caller's count of calls it slept for
	ReqBell     = 0x50 // process: the channel's doorbell, bumped by the caller
	ReqAsleep   = 0x54 // process: the library sleeps on its doorbells
	ErrLibDead  = -32
	ErrBadEntry = -22
)

// One struct plib_export (plib.h) in .plib.exports: its size and the
// offsets of its fields.
const (
	ExportRecordSize = 72
	ExportLibID      = 0 // u32: the library's domain id
	ExportFnID       = 4 // u32: the function's index in the library
	ExportLib        = 8 // char[ExportLibBytes]: the library's name, NUL-terminated
	ExportLibBytes   = 24
	ExportFn         = 32 // char[ExportFnBytes]: the function's name, NUL-terminated
	ExportFnBytes    = 32
	ExportAddr       = 64 // u64: the function's address
)

// The platform page of the host backends run by the loader.
const (
	HostPlatform = 0x3ffff000 // mapped read-write in the image's process
	PlatState    = 128        // u32 futex word
	PlatIdle     = 0
	PlatCall     = 1
	PlatDone     = 2
)
