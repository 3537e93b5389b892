package hostrun

import (
	"encoding/binary"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"plib/abi"
	"plib/backend"
	"plib/caps"
)

// The signal probe is a test hook (PLIB_SIGPROBE=1 in the child's
// environment): SIGALRM every millisecond, handled by sigProbe.
var (
	probePKRUAnd        uint32 = 0xffffffff
	probeCount          uint64
	probeInLib          uint64
	probeLibLo          uint64
	probeLibHi          uint64
	probeHasPKU         uint64
	sigProbeInstalled   bool
	probeIntervalMicros = int64(10000)
)

func sigProbe()
func sigProbeAddr() uint64

// startSigProbe arms the probe over library lib's code, if requested.
func startSigProbe(p *process) error {
	if os.Getenv("PLIB_SIGPROBE") != "1" {
		return nil
	}
	libs := p.img.Libraries()
	if len(libs) == 0 {
		return nil
	}
	probeLibLo, probeLibHi = libs[0].Text.Addr, libs[0].Text.End()
	// CPUID only: a trial pkey_alloc would change this thread's PKRU
	// after the pku backend recorded the application's rights.
	if c := caps.ProbeCPU(); c.PKU && c.OSPKE {
		probeHasPKU = 1
	}
	_, restorer := trampolineAddrs()
	sa := kernelSigaction{handler: sigProbeAddr(), flags: saSiginfo | saOnstack | saRestorer | saRestart, restorer: restorer}
	if err := rtSigaction(unix.SIGALRM, &sa, nil); err != nil {
		return err
	}
	iv := unix.NsecToTimeval(int64(time.Duration(probeIntervalMicros) * time.Microsecond))
	if _, err := unix.Setitimer(unix.ItimerReal, unix.Itimerval{Interval: iv, Value: iv}); err != nil {
		return err
	}
	sigProbeInstalled = true
	return nil
}

// reportSigProbe adds the probe's findings to the result: deliveries,
// deliveries that interrupted library code, and whether any handler ran
// with a library's key open.
func reportSigProbe(p *process, res *backend.Result) {
	if !sigProbeInstalled {
		return
	}
	unix.Setitimer(unix.ItimerReal, unix.Itimerval{})
	hdr := p.mem[abi.GateData-abi.ImageBase:]
	app := binary.LittleEndian.Uint64(hdr[abi.HdrPKRU:])
	var libKeysAD uint64 // access-disable bits of the library keys
	for _, d := range p.img.Libraries() {
		libKeysAD |= app &^ binary.LittleEndian.Uint64(hdr[abi.HdrPKRU+8*d.ID:]) & 0x55555555
	}
	leaked := int64(0)
	if libKeysAD == 0 || uint64(probePKRUAnd)&libKeysAD != libKeysAD {
		leaked = 1 // a handler ran with a library key open (or keys unknown)
	}
	res.Metrics = append(res.Metrics,
		backend.Metric{Name: "sigprobe_deliveries", Value: int64(probeCount), Domain: "vmm"},
		backend.Metric{Name: "sigprobe_in_library", Value: int64(probeInLib), Domain: "vmm"},
		backend.Metric{Name: "sigprobe_library_key_open", Value: leaked, Domain: "vmm"})
}
