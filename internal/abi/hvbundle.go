package abi

// guestlib's hypervisor mode (guestlib/hv/bundle.h): where it is loaded,
// its ports, and the bundle vmm.BuildBundle writes for it.
const (
	HVLoadAddr     = 0x100000 // the hypervisor's link address
	HVPortDebug    = 0xe9     // its report (Bochs's port_e9_hack)
	HVPortShutdown = 0x8900   // "Shutdown" written here ends the run

	BundleMagic     = 0x3130564842494c50 // "PLIBHV01"
	BundleHeader    = 4096               // header bytes; guest memory follows, then the EPT
	BundleGuestHPA  = 0x10000000         // where the hypervisor places guest memory
	BundleEPTHPA    = 0x0c000000         // where it places the EPT pages
	BundleMaxParams = 16
	BundleNameBytes = 48
	BundleMaxViews  = MaxDomains
)

// Offsets of the bundle header's fields (struct bundle; u64 each unless
// said).
const (
	BundleOffMagic     = 0
	BundleOffGuestHPA  = 8
	BundleOffGuestSize = 16
	BundleOffEPTHPA    = 24
	BundleOffEPTPages  = 32
	BundleOffEPTPList  = 40
	BundleOffViews     = 48
	BundleOffRIP       = 56
	BundleOffRSP       = 64
	BundleOffRFLAGS    = 72
	BundleOffCR0       = 80
	BundleOffCR3       = 88
	BundleOffCR4       = 96
	BundleOffEFER      = 104
	BundleOffGDTBase   = 112
	BundleOffGDTLimit  = 120
	BundleOffIDTBase   = 128
	BundleOffIDTLimit  = 136
	BundleOffTRBase    = 144
	BundleOffTRLimit   = 152
	BundleOffCSSel     = 160
	BundleOffDataSel   = 168
	BundleOffTRSel     = 176
	BundleOffCSAR      = 184
	BundleOffDataAR    = 192
	BundleOffTRAR      = 200
	BundleOffParams    = 208                                                    // u64 count, then BundleMaxParams x BundleParamBytes
	BundleParamBytes   = BundleNameBytes + 8                                    // {name[BundleNameBytes], i64 value}
	BundleOffNames     = BundleOffParams + 8 + BundleMaxParams*BundleParamBytes // view names: BundleMaxViews x name[BundleNameBytes]
	BundleOffXCR0Max   = BundleOffNames + BundleMaxViews*BundleNameBytes        // u64: the XCR0 bits the guest may have
	BundleOffXFeatHPA  = BundleOffXCR0Max + 8                                   // u64[BundleMaxViews]: where each view's header feature word is
)
