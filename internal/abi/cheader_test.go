package abi

import (
	"testing"

	"plib/internal/cvalues"
)

// TestBundleHeaderMatchesGo checks guestlib/hv/bundle.h, which the
// hypervisor mode reads, against the numbers and offsets vmm.BuildBundle
// writes with.
func TestBundleHeaderMatchesGo(t *testing.T) {
	f := func(field string) string { return "offsetof(struct bundle, " + field + ")" }
	cvalues.Check(t, `#include "bundle.h"
#include "plib_abi.h"`, []string{"../../guestlib/hv", "../../guestlib/include"}, map[string]int64{
		"HV_LOAD_ADDR":      HVLoadAddr,
		"HV_PORT_DEBUG":     HVPortDebug,
		"HV_PORT_SHUTDOWN":  HVPortShutdown,
		"BUNDLE_MAGIC":      BundleMagic,
		"BUNDLE_HEADER":     BundleHeader,
		"BUNDLE_GUEST_HPA":  BundleGuestHPA,
		"BUNDLE_EPT_HPA":    BundleEPTHPA,
		"BUNDLE_MAX_PARAMS": BundleMaxParams,
		"BUNDLE_NAME":       BundleNameBytes,
		"BUNDLE_MAX_VIEWS":  BundleMaxViews,
		"PLIB_MAX_DOMAINS":  BundleMaxViews,

		f("magic"): BundleOffMagic, f("guest_hpa"): BundleOffGuestHPA, f("guest_size"): BundleOffGuestSize,
		f("ept_hpa"): BundleOffEPTHPA, f("ept_pages"): BundleOffEPTPages, f("eptp_list"): BundleOffEPTPList,
		f("views"): BundleOffViews, f("rip"): BundleOffRIP, f("rsp"): BundleOffRSP, f("rflags"): BundleOffRFLAGS,
		f("cr0"): BundleOffCR0, f("cr3"): BundleOffCR3, f("cr4"): BundleOffCR4, f("efer"): BundleOffEFER,
		f("gdt_base"): BundleOffGDTBase, f("gdt_limit"): BundleOffGDTLimit, f("idt_base"): BundleOffIDTBase,
		f("idt_limit"): BundleOffIDTLimit, f("tr_base"): BundleOffTRBase, f("tr_limit"): BundleOffTRLimit,
		f("cs_sel"): BundleOffCSSel, f("data_sel"): BundleOffDataSel, f("tr_sel"): BundleOffTRSel,
		f("cs_ar"): BundleOffCSAR, f("data_ar"): BundleOffDataAR, f("tr_ar"): BundleOffTRAR,
		f("nparams"):                             BundleOffParams,
		f("params"):                              BundleOffParams + 8,
		f("names"):                               BundleOffNames,
		"sizeof(struct bundle_param)":            BundleParamBytes,
		"offsetof(struct bundle_param, value)":   BundleNameBytes,
		"sizeof(((struct bundle *)0)->params)":   BundleMaxParams * BundleParamBytes,
		"sizeof(((struct bundle *)0)->names)":    BundleMaxViews * BundleNameBytes,
		"sizeof(struct bundle) <= BUNDLE_HEADER": 1,
		f("xcr0_max"):                            BundleOffXCR0Max,
		f("xfeat_hpa"):                           BundleOffXFeatHPA,
		"sizeof(struct bundle)":                  BundleOffXFeatHPA + 8*BundleMaxViews,
	})
}
