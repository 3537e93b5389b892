package abi

import (
	"testing"

	"plib/internal/cvalues"
)

// TestHeaderMatchesGo checks every constant of plib_abi.h against its Go
// twin, as gcc evaluates it (expressions included). A #define with no Go
// twin fails too: nothing in the header is mirrored unchecked.
func TestHeaderMatchesGo(t *testing.T) {
	const header = "../../guestlib/include/plib_abi.h"
	want := map[string]int64{
		"PLIB_IMAGE_BASE": ImageBase, "PLIB_GATE_PAGE": GatePage, "PLIB_GATE_IN": GateIn, "PLIB_GATE_OUT": GateOut, "PLIB_GATE_PAGES": GatePages, "PLIB_GATE_DATA": GateData,
		"PLIB_GATE_ENTRIES": GateEntries, "PLIB_IMAGE_CODE": ImageCode, "PLIB_IMAGE_LIMIT": ImageLimit,
		"PLIB_GATE_CALL_OFF": GateCallOff, "PLIB_GATE_SYS_OFF": GateSysOff,
		"PLIB_HDR_MAGIC": HdrMagic, "PLIB_HDR_VIEW": HdrView, "PLIB_HDR_NENTRIES": HdrNEntries,
		"PLIB_HDR_HOSTCTX": HdrHostCtx, "PLIB_HDR_STACKS": HdrStacks, "PLIB_HDR_ARGBASE": HdrArgBase,
		"PLIB_HDR_ARGSIZE":  HdrArgSize,
		"PLIB_HDR_TEXTBASE": HdrTextBase, "PLIB_HDR_TEXTSIZE": HdrTextSize, "PLIB_HDR_PRIVBASE": HdrPrivBase, "PLIB_HDR_PRIVSIZE": HdrPrivSize, "PLIB_HDR_PKRU": HdrPKRU, "PLIB_HDR_SLOTS": HdrSlots, "PLIB_HDR_REQ": HdrReq, "PLIB_HDR_BUDGET": HdrBudget, "PLIB_HDR_SPIN": HdrSpin, "PLIB_REQ_WAITING": ReqWaiting, "PLIB_REQ_FAST": ReqFast, "PLIB_REQ_SLOW": ReqSlow, "PLIB_REQ_BELL": ReqBell, "PLIB_REQ_ASLEEP": ReqAsleep, "PLIB_SLOT_CALLER": SlotCaller, "PLIB_GATE_BUDGET": GateBudget, "PLIB_SLOT_BYTES": SlotBytes, "PLIB_HDR_APP": HdrApp, "PLIB_HDR_APPS": HdrApps, "PLIB_HDR_XFEAT": HdrXFeat, "PLIB_XF_AVX": XFAVX, "PLIB_XF_AVX512": XFAVX512, "PLIB_MXCSR_DEFAULT": MXCSRDefault, "PLIB_FCW_DEFAULT": FCWDefault, "PLIB_MAX_APPS": MaxApps, "PLIB_SLOT_ENTRIES": SlotEntries, "PLIB_SLOT_RETURNS": SlotReturns, "PLIB_GATE_REENTRY": GateReentry, "PLIB_GATE_BAD_RETURN": GateBadReturn, "PLIB_GATE_SERVE_OFF": GateServeOff,
		"PLIB_REQ_STATE": ReqState, "PLIB_REQ_IDLE": ReqIdle, "PLIB_REQ_CALL": ReqCall, "PLIB_REQ_DONE": ReqDone,
		"PLIB_REQ_DEAD": ReqDead, "PLIB_REQ_ENTRY": ReqEntry, "PLIB_REQ_ARGS": ReqArgs, "PLIB_REQ_RESULT": ReqResult, "PLIB_MAGIC": Magic, "PLIB_MAX_DOMAINS": MaxDomains,
		"PLIB_MAX_FUNCS": MaxFuncs, "PLIB_ENTRY_SIZE": EntrySize, "PLIB_MAX_ENTRIES": MaxEntries,
		"PLIB_ENTRY_ADDR": EntryAddr, "PLIB_ENTRY_VIEW": EntryView, "PLIB_ENTRY_VALID": EntryValid, "PLIB_ENTRY_RFLAGS": EntryRFLAGS,
		"PLIB_ERR_LIB_DEAD": ErrLibDead, "PLIB_ERR_BAD_ENTRY": ErrBadEntry,
		"PLIB_HDR_INREQ":   HdrInReq,
		"PLIB_HDR_CALLERS": HdrCallers, "PLIB_HDR_SLOTMAP": HdrSlotMap, "PLIB_HANDOFF_SLOTS": HandoffSlots,
		"PLIB_HO_STATE": HoState, "PLIB_HO_IDLE": HoIdle, "PLIB_HO_CALL": HoCall, "PLIB_HO_DONE": HoDone, "PLIB_HO_ENTRY": HoEntry,
		"PLIB_HO_ARGS": HoArgs, "PLIB_HO_RESULT": HoResult, "PLIB_HO_WAITS": HoWaits, "PLIB_HO_SLEEPS": HoSleeps,
		"PLIB_SYS_PARK": SysPark, "PLIB_SYS_RING": SysRing,
		"PLIB_SLOT_START": SlotStart, "PLIB_SLOT_ENTRY": SlotEntry, "PLIB_SLOT_SERVING": SlotServing, "PLIB_HDR_SPINTO": HdrSpinTo, "PLIB_HDR_TLS": HdrTLS, "PLIB_TLS_BYTES": TLSBytes, "PLIB_TLS_SELF": TLSSelf, "PLIB_TLS_CANARY": TLSCanary, "PLIB_TLS_SECRET": TLSSecret, "PLIB_SECRET_MAX": SecretMax, "PLIB_HOST_PLATFORM": HostPlatform,
		"PLIB_PLAT_STATE": PlatState, "PLIB_PLAT_IDLE": PlatIdle, "PLIB_PLAT_CALL": PlatCall, "PLIB_PLAT_DONE": PlatDone,
		"PLIB_SYS_NOP": SysNop, "PLIB_SYS_EXIT": SysExit, "PLIB_SYS_PRINT": SysPrint,
		"PLIB_SYS_METRIC": SysMetric, "PLIB_SYS_PARAM": SysParam, "PLIB_SYS_GATE_FAULT": SysGateFault, "PLIB_SYS_SCRIBBLE": SysScribble, "PLIB_SYS_APP_ALIVE": SysAppAlive, "PLIB_SYS_CLOCK": SysClock, "PLIB_CLOCK_REALTIME": ClockRealtime, "PLIB_CLOCK_MONOTONIC": ClockMonotonic, "PLIB_SYS_NIC_ATTACH": SysNicAttach, "PLIB_SYS_NIC_KICK": SysNicKick, "PLIB_SYS_NIC_WAIT": SysNicWait, "PLIB_SYS_NIC_WAKE": SysNicWake, "PLIB_NIC_WAIT_MAX_US": NicWaitMaxMicro, "PLIB_SCRIBBLE_MAX": ScribbleMax,
		"PLIB_GATE_BAD_ENTRY": GateBadEntry, "PLIB_GATE_BAD_VIEW": GateBadView,
		"PLIB_SUP_CODE": SupCode, "PLIB_SUP_STACK_TOP": SupStackTop,
		"PLIB_ATTACK_WON": AttackWon, "PLIB_ATTACK_NOT_APPLICABLE": AttackNotApplicable, "PLIB_ATTACK_REFUSED": AttackRefused, "PLIB_ATTACK_DEFEATED": AttackDefeated,
		"PLIB_PORT_SYS": PortSys, "PLIB_PORT_FAULT": PortFault, "PLIB_CTX_RETVAL": CtxRetval,
		"PLIB_CTX_NR": CtxNr, "PLIB_CTX_A0": CtxA0, "PLIB_CTX_A1": CtxA1, "PLIB_CTX_A2": CtxA2,
	}
	for _, d := range cvalues.Defines(t, header) {
		if _, ok := want[d.Name]; !ok {
			t.Errorf("%s: defined in plib_abi.h with no Go twin checked here", d.Name)
		}
	}
	cvalues.Check(t, `#include "plib_abi.h"`, []string{"../../guestlib/include"}, want)
}
