package hostproc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/backend/nic"
	"plib/caps"
	"plib/image"
	"plib/internal/abi"
	"plib/internal/guestbin"
	"plib/internal/hostsys"
	"plib/internal/pagefault"
)

// The loader runtime: the image runs in a process of its own that holds
// nothing but the image, the gate and the loader (guestlib/loader), with
// a seccomp filter that admits only the gate's system calls. This process
// supervises it from outside: it lays the image out in a memory file both
// map, serves platform calls posted on the shared platform page, tells
// which domain calls from memory only that domain can write, holds calls
// to their budget, and sees every fault through ptrace. Nothing the image
// can write decides the verdict.

// Descriptors of the loader's process (see guestlib/loader/plan.h).
const (
	loaderPlanFD = 3
	loaderImgFD  = 4
	loaderPlatFD = 5
	loaderDataFD = 6 // the libraries' shared data (PLIB_APPS images)
	loaderExeFD  = 7
	// loaderBackendFD is the backend's own file (Layout.BackendFile),
	// mapped by the regions made by Layout.FromBackendFile.
	loaderBackendFD = 8
)

// The plan's limits and layout (guestlib/loader/plan.h; the contract test
// compiles the header and checks each one).
const (
	planMagic       = 0x4e414c5042494c50 // PLAN_MAGIC: "PLIBPLAN" little-endian
	planMaxRegions  = 64                 // PLAN_MAX_REGIONS
	planMaxKeys     = 15                 // PLAN_MAX_KEYS: protection keys the loader allocates at most
	planMaxFilter   = 4096               // PLAN_MAX_FILTER: BPF instructions
	planHeadWords   = 9                  // u64 fields of struct plan before its regions
	planRegionWords = 7                  // u64 fields of struct plan_region
)

// Loader exit codes when it could not set the image up (LOADER_EXIT_*).
const (
	loaderExitPlan   = 120
	loaderExitMap    = 121
	loaderExitKeys   = 122
	loaderExitFilter = 123
	loaderExitTLS    = 124
)

// loaderExits words the loader's exit codes for a report.
var loaderExits = map[int]string{
	loaderExitPlan:   "the plan is malformed",
	loaderExitMap:    "a mapping failed",
	loaderExitKeys:   "protection keys could not be set up",
	loaderExitFilter: "the seccomp filter was refused",
	loaderExitTLS:    "the thread pointer could not be set",
}

// planRegion is struct plan_region.
type planRegion struct{ addr, size, prot, fd, off, pkey, flags uint64 }

// planPrivateHuge is PLAN_PRIVATE_HUGE: the region is private anonymous
// memory asking for transparent huge pages, filled with a copy of the
// file's bytes.
const planPrivateHuge = 1

// loaderPlan is struct plan: what the loader maps and how it locks down.
type loaderPlan struct {
	entry, stack   uint64
	nkeys, appPKRU uint64 // protection keys (Layout.Keys)
	stop           bool   // stop once mapped (Layout.StopMapped)
	fsBase         uint64 // the thread pointer the image starts with (its domain's TLS block)
	regions        []planRegion
	filter         []unix.SockFilter
}

// encode lays out struct plan followed by the filter.
func (pl loaderPlan) encode() ([]byte, error) {
	if len(pl.regions) > planMaxRegions {
		return nil, fmt.Errorf("%d mappings, more than the loader's %d", len(pl.regions), planMaxRegions)
	}
	if pl.nkeys > planMaxKeys {
		return nil, fmt.Errorf("%d protection keys, more than the loader's %d", pl.nkeys, planMaxKeys)
	}
	if len(pl.filter) == 0 || len(pl.filter) > planMaxFilter {
		return nil, fmt.Errorf("a seccomp filter of %d instructions: the loader takes 1 to %d", len(pl.filter), planMaxFilter)
	}
	const head, words = planHeadWords * 8, planRegionWords
	b := make([]byte, head+planMaxRegions*words*8)
	le := binary.LittleEndian
	stop := uint64(0)
	if pl.stop {
		stop = 1
	}
	for i, v := range []uint64{planMagic, pl.entry, pl.stack, pl.nkeys, pl.appPKRU, stop, uint64(len(pl.regions)), uint64(len(pl.filter)), pl.fsBase} {
		le.PutUint64(b[8*i:], v)
	}
	for i, r := range pl.regions {
		for j, v := range []uint64{r.addr, r.size, r.prot, r.fd, r.off, r.pkey, r.flags} {
			le.PutUint64(b[head+(i*words+j)*8:], v)
		}
	}
	return append(b, sockFilterBytes(pl.filter)...), nil
}

// memfile is a memory file mapped read-write in this process.
type memfile struct {
	f   *os.File
	mem []byte
}

func newMemfile(name string, size uint64, contents []byte) (*memfile, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("size memfd %s: %w", name, err)
	}
	m := &memfile{f: f}
	if size > 0 {
		if m.mem, err = unix.Mmap(fd, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
			f.Close()
			return nil, fmt.Errorf("map memfd %s: %w", name, err)
		}
		copy(m.mem, contents)
	}
	return m, nil
}

// copyData copies an image section's bytes into the memory file, but no
// page that is all zeros: the file reads zero there already, and leaving
// it a hole keeps it out of memory and tells the loader (SEEK_DATA) there
// is nothing to copy into a private huge-page copy of it.
func copyData(dst, src []byte) {
	for at := 0; at < len(src); at += abi.PageSize {
		page := src[at:min(at+abi.PageSize, len(src))]
		if !allZero(page) {
			copy(dst[at:], page)
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Supervised is one image process under the loader, as its supervisor
// sees it; a backend's Supervision reads and stops it through its
// methods (supervised.go).
type Supervised struct {
	p       *process
	plat    []byte // the platform page
	plt     *backend.Platform
	res     *backend.Result
	sup     Supervision
	regions []planRegion // what the loader maps
	pinCore int          // 1 + the core the image's process is held on; 0: anywhere
	app     int          // the application instance this process belongs to

	procFiles []*os.File // files of /proc/PID opened for the backend (OpenProcFile)
	reported  sync.Once

	mu        sync.Mutex
	pid       int
	violation *backend.Violation // decided here, never by the image
	exited    bool
	exitCode  int64
	done      chan struct{}
}

// stop records the run's outcome (the first one counts) and ends the
// image's process.
func (r *Supervised) stop(v *backend.Violation, exited bool, code int64) {
	r.reported.Do(func() {
		if notes := r.sup.Notes(r); len(notes) > 0 {
			r.mu.Lock()
			r.res.Notes = append(r.res.Notes, notes...)
			r.mu.Unlock()
		}
	})
	r.mu.Lock()
	if r.violation == nil && !r.exited {
		r.violation, r.exited, r.exitCode = v, exited, code
	}
	pid := r.pid
	r.mu.Unlock()
	if pid > 0 {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// count adds one to an exit counter of the result.
func (r *Supervised) count(what string) {
	r.mu.Lock()
	r.res.Exits[what]++
	r.mu.Unlock()
}

// runInLoader runs img for one host backend under the loader.
func runInLoader(req childRequest, img *image.Image, hb Spec) (*backend.Result, error) {
	span := img.End - abi.ImageBase
	imgFile, err := newMemfile("plib-image", span, nil)
	if err != nil {
		return nil, err
	}
	defer imgFile.f.Close()
	p := &process{mem: imgFile.mem, img: img, lib: req.Lib}
	mem := imgFile.mem
	for _, s := range img.Sections {
		if s.Data != nil && s.Kind != image.KindGate && s.Kind != image.KindGateData {
			copyData(mem[s.Addr-abi.ImageBase:], s.Data)
		}
	}
	// Every domain's TLS block gets its self pointer and a canary of this
	// run's (the libraries' come with the shared data, if any).
	secrets, err := readSecrets(req.SecretsFD)
	if err != nil {
		return nil, err
	}
	if err := backend.PlaceTLS(img, req.SharedDataFD != 0, secrets, func(addr uint64, h []byte) { copy(mem[addr-abi.ImageBase:], h) }); err != nil {
		return nil, err
	}
	gp := mem[abi.GatePage-abi.ImageBase : abi.GatePage-abi.ImageBase+abi.GatePages*abi.PageSize]
	for i := range gp {
		gp[i] = 0xcc
	}
	copy(gp, hb.Gate)
	copy(mem[abi.GateData-abi.ImageBase:], img.HeaderPage(0, req.App, abi.HostPlatform))
	// The register classes this CPU and kernel give the image's process
	// (XCR0), which the gates clear on every return from a library.
	binary.LittleEndian.PutUint64(mem[abi.GateData-abi.ImageBase+abi.HdrXFeat:], caps.XFeatures(caps.HostXCR0()))
	copy(mem[abi.GateEntries-abi.ImageBase:], img.EntryTable())

	for _, d := range img.Libraries() { // the oracle's secret, in memory only the library may read
		if len(req.Canary) > 0 {
			copy(mem[d.Slot()+backend.CanarySlotOff-abi.ImageBase:][:backend.CanaryBytes], req.Canary)
		}
	}
	platFile, err := newMemfile("plib-platform", abi.PageSize, nil)
	if err != nil {
		return nil, err
	}
	defer platFile.f.Close()

	dataFD := uintptr(0)
	var nicLink *nic.Link // the NIC's platform calls, over the shared data
	shared := map[uint64]image.SharedRange{}
	if req.SharedDataFD != 0 {
		df := os.NewFile(uintptr(req.SharedDataFD), "plib-shared-data")
		defer df.Close()
		dataFD = df.Fd()
		if nicLink, err = nic.OpenLink(df, img); err != nil {
			return nil, err
		}
		defer nicLink.Close()
		ranges, _ := img.SharedData()
		for _, sr := range ranges {
			// This process reads the same shared pages the instance does.
			if err := mapSharedOver(mem, int(sr.Addr-abi.ImageBase), dataFD, sr.Off, sr.Size); err != nil {
				return nil, fmt.Errorf("map library %d's shared data: %w", sr.Lib, err)
			}
			shared[sr.Addr] = sr
		}
	}

	// Every section, with the rights its kind gives it, from the image's
	// memory file or the instances' shared data; the backend's Load
	// changes what it must.
	l := &Layout{Image: img, Lib: req.Lib, Spin: req.SpinCycles, AliveFD: req.AliveFD,
		Header: mem[abi.GateData-abi.ImageBase : abi.GateEntries-abi.ImageBase], Entry: img.Entry, Stack: img.Domains[0].Stack.End(), mem: mem}
	for _, s := range img.Sections {
		prot := uint64(unix.PROT_READ | unix.PROT_WRITE)
		switch s.Kind {
		case image.KindGate, image.KindText:
			prot = unix.PROT_READ | unix.PROT_EXEC
		case image.KindGateData:
			prot = unix.PROT_READ
		}
		r := Region{Addr: s.Addr, Size: s.Size, Prot: prot, Section: s, fd: loaderImgFD, off: s.Addr - abi.ImageBase}
		if sr, ok := shared[s.Addr]; ok && s.Kind == image.KindData {
			r.fd, r.off, r.Shared = loaderDataFD, sr.Off, true
		}
		l.Regions = append(l.Regions, r)
	}
	sup, err := hb.Isolation.Load(l)
	if l.BackendFile != nil {
		defer l.BackendFile.Close()
	}
	if err != nil {
		return nil, err
	}
	p.anyDomain = l.AnyCaller
	if nicLink != nil {
		nicLink.AnyCaller = l.AnyCaller
	}
	var regions []planRegion
	for _, r := range l.Regions {
		regions = append(regions, r.planRegion())
		if r.Huge {
			p.private = append(p.private, image.Span{Addr: r.Addr, Size: r.Size})
		}
	}
	regions = append(regions, planRegion{addr: abi.HostPlatform, size: abi.PageSize, prot: unix.PROT_READ | unix.PROT_WRITE, fd: loaderPlatFD})

	futexSites, mprotectSites, waitvSites, err := gateSites(hb.Gate)
	if err != nil {
		return nil, err
	}
	filter, err := loaderFilter(futexSites, mprotectSites, waitvSites, l.Mprotects)
	if err != nil {
		return nil, err
	}
	plan := loaderPlan{entry: l.Entry, stack: l.Stack, nkeys: l.Keys, appPKRU: l.AppPKRU, stop: l.StopMapped, regions: regions, filter: filter,
		fsBase: img.Domains[req.Lib].TLS()}
	planBytes, err := plan.encode()
	if err != nil {
		return nil, err
	}
	planFile, err := newMemfile("plib-plan", uint64(len(planBytes)), planBytes)
	if err != nil {
		return nil, err
	}
	defer planFile.f.Close()
	exeFile, err := newMemfile("plib-loader", uint64(len(guestbin.Loader)), guestbin.Loader)
	if err != nil {
		return nil, err
	}
	defer exeFile.f.Close()

	res := &backend.Result{Exits: map[string]uint64{}, Notes: []string{
		"loader: the image runs in a process of its own that holds no runtime and no descriptor; " +
			"its seccomp filter admits only the gate's own system calls (" + admitted(len(l.Mprotects) > 0) + "), from the gate pages"}}
	printed := &backend.Capture{Max: 16 << 20}
	plt := &backend.Platform{Result: res, Params: req.Params, Output: io.MultiWriter(os.Stdout, printed), Entry: p.entryName,
		Scribble: p.scribble, Image: img, NIC: nicLink, App: req.App}
	if req.AliveFD != 0 {
		alive, _, err := backend.AliveReader(os.NewFile(uintptr(req.AliveFD), "plib-apps-alive"))
		if err != nil {
			return nil, err
		}
		plt.AppAlive = alive
	}
	r := &Supervised{p: p, plat: platFile.mem, plt: plt, res: res, sup: sup, regions: regions, done: make(chan struct{}),
		pinCore: req.PinCore, app: req.App}
	var watchdog func()
	if req.CallBudget > 0 {
		watchdog = sup.Watchdog(r, req.CallBudget)
	}

	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	data := devnull.Fd()
	if dataFD != 0 {
		data = dataFD
	}
	own := devnull.Fd()
	if l.BackendFile != nil {
		own = l.BackendFile.Fd()
	}
	files := []uintptr{devnull.Fd(), devnull.Fd(), devnull.Fd(), planFile.f.Fd(), imgFile.f.Fd(), platFile.f.Fd(), data, exeFile.f.Fd(), own}

	started := make(chan error, 1)
	waited := make(chan error, 1)
	go func() { waited <- r.trace(files, started, l.StopMapped) }()
	if err := <-started; err != nil {
		return nil, err
	}
	go r.serve()
	var watched chan struct{}
	if watchdog != nil {
		watched = make(chan struct{})
		go func() { watchdog(); close(watched) }()
	}
	err = <-waited
	close(r.done)
	if watched != nil {
		<-watched
	}
	for _, f := range r.procFiles {
		f.Close()
	}
	if p.procMem != nil {
		p.procMem.Close()
	}
	p.scribble(0, 0)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	res.Violation = r.violation
	res.Exited, res.ExitCode = r.exited, r.exitCode
	if len(req.Canary) > 0 && req.Lib == 0 {
		res.Leaked = r.leaked(req.Canary, printed.Bytes())
	}
	return res, nil
}

// leaked looks for the canary in everything the application could have
// written out (backend.FindCanary): its prints, metrics and exit code, its
// own memory and the platform page; and checks that the canary is still
// whole in each library this process maps. It returns where it found a
// leak, or "".
func (r *Supervised) leaked(canary, printed []byte) string {
	regions := []backend.Region{{Name: "the platform page", Mem: r.plat}}
	for _, s := range r.p.img.Sections {
		if s.Domain == 0 && (s.Kind == image.KindData || s.Kind == image.KindStack) || s.Kind == image.KindArgs {
			regions = append(regions, backend.Region{Name: "the application's memory (" + s.Name + ")", Mem: r.p.mem[s.Addr-abi.ImageBase : s.End()-abi.ImageBase]})
		}
	}
	if where := backend.FindCanary(canary, printed, r.res, regions); where != "" {
		return where
	}
	for _, d := range r.p.img.Libraries() {
		if !r.maps(d.Slot()) {
			continue // another process's memory: not this one's to check
		}
		at := d.Slot() + backend.CanarySlotOff - abi.ImageBase
		if !bytes.Equal(r.p.mem[at:at+backend.CanaryBytes], canary) {
			return "changed in library " + d.Name + "'s memory"
		}
	}
	return ""
}

// maps reports whether the image's process maps addr.
func (r *Supervised) maps(addr uint64) bool {
	for _, pr := range r.regions {
		if addr >= pr.addr && addr-pr.addr < pr.size {
			return true
		}
	}
	return false
}

// admitted names the system calls the filter lets the gate make.
func admitted(mprotect bool) string {
	if mprotect {
		return "futex wait and wake; mprotect of a library's own range with its own rights"
	}
	return "futex wait and wake"
}

// trace starts the loader as a traced child and follows it until it is
// gone. ptrace requests must come from the thread that started it, so
// the goroutine keeps its thread for the whole run.
func (r *Supervised) trace(files []uintptr, started chan<- error, stopMapped bool) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	exe := fmt.Sprintf("/proc/self/fd/%d", loaderExeFD)
	pid, err := syscall.ForkExec(exe, []string{"plib-loader"}, &syscall.ProcAttr{
		Env: []string{}, Files: files,
		Sys: &syscall.SysProcAttr{Ptrace: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		started <- fmt.Errorf("start the loader: %w", err)
		return nil
	}
	var ws syscall.WaitStatus
	if _, err := wait4(pid, &ws); err != nil || !ws.Stopped() {
		syscall.Kill(pid, syscall.SIGKILL)
		started <- fmt.Errorf("the loader did not stop at its start (%v, status %v)", err, ws)
		return nil
	}
	if r.pinCore > 0 { // the run's placement (ChildPlan.PinCore)
		if err := hostsys.Pin(pid, r.pinCore-1); err != nil {
			syscall.Kill(pid, syscall.SIGKILL)
			wait4(pid, &ws)
			started <- fmt.Errorf("the image's process: %w", err)
			return nil
		}
	}
	if err := unix.PtraceSetOptions(pid, unix.PTRACE_O_EXITKILL); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		started <- fmt.Errorf("trace the loader: %w", err)
		return nil
	}
	if err := r.openProcMem(pid); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		wait4(pid, &ws)
		started <- err
		return nil
	}
	if stopMapped {
		// The loader stops itself once everything is mapped and before its
		// filter: every byte the CPU could fetch in that process is there
		// to read.
		if err := runToMapped(pid); err != nil {
			syscall.Kill(pid, syscall.SIGKILL)
			wait4(pid, &ws)
			started <- fmt.Errorf("refusing to run: %w", err)
			return nil
		}
	}
	if err := r.sup.Started(r, pid); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		wait4(pid, &ws)
		started <- err
		return nil
	}
	r.mu.Lock()
	r.pid = pid
	r.mu.Unlock()
	started <- nil
	if err := unix.PtraceCont(pid, 0); err != nil {
		return fmt.Errorf("start the loader: %w", err)
	}
	for {
		if _, err := wait4(pid, &ws); err != nil {
			return fmt.Errorf("wait for the image's process: %w", err)
		}
		switch {
		case ws.Exited():
			r.mu.Lock()
			decided := r.violation != nil || r.exited
			r.pid = 0
			r.mu.Unlock()
			if decided {
				return nil
			}
			if why, ok := loaderExits[ws.ExitStatus()]; ok {
				return fmt.Errorf("the loader could not set the image up: %s", why)
			}
			return fmt.Errorf("the image's process exited with %d without a platform exit", ws.ExitStatus())
		case ws.Signaled():
			r.mu.Lock()
			decided := r.violation != nil || r.exited
			r.pid = 0
			r.mu.Unlock()
			if !decided {
				r.stop(&backend.Violation{Kind: backend.ViolationCrash, Domain: "unknown",
					Detail: fmt.Sprintf("the image's process died of %v", ws.Signal()), Catcher: backend.CatcherHostKernel, CaughtBy: "host kernel"}, false, 0)
			}
			return nil
		case ws.Stopped():
			r.count("fault")
			r.stop(r.fault(pid, unix.Signal(ws.StopSignal())), false, 0)
			unix.PtraceCont(pid, int(syscall.SIGKILL))
		}
	}
}

// openProcMem opens the image's process's memory if the supervisor
// reads it later (the libraries' private copies, for their platform
// calls). The loader stops at its start while still dumpable; once it
// has locked itself down it could no longer be opened, but an open one
// stays readable.
func (r *Supervised) openProcMem(pid int) error {
	if len(r.p.private) > 0 {
		f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
		if err != nil {
			return fmt.Errorf("open the image's process's memory: %w", err)
		}
		r.p.procMem = f
	}
	return nil
}

func wait4(pid int, ws *syscall.WaitStatus) (int, error) {
	for {
		n, err := syscall.Wait4(pid, ws, syscall.WALL, nil)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// runToMapped lets the loader run to its SIGSTOP: everything mapped, its
// filter not yet installed (Layout.StopMapped).
func runToMapped(pid int) error {
	if err := unix.PtraceCont(pid, 0); err != nil {
		return err
	}
	var ws syscall.WaitStatus
	if _, err := wait4(pid, &ws); err != nil {
		return err
	}
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGSTOP {
		if ws.Exited() {
			if why, ok := loaderExits[ws.ExitStatus()]; ok {
				return fmt.Errorf("the loader could not set the image up: %s", why)
			}
		}
		return fmt.Errorf("the loader did not stop once mapped (status %#x)", ws)
	}
	return nil
}

// fault turns a signal that stopped the image's process into a violation,
// from what the kernel reports (siginfo, registers), never from anything
// the image wrote.
func (r *Supervised) fault(pid int, sig unix.Signal) *backend.Violation {
	si, err := ptraceSiginfo(pid)
	var regs unix.PtraceRegs
	if err2 := unix.PtraceGetRegs(pid, &regs); err == nil {
		err = err2
	}
	if err != nil {
		return &backend.Violation{Kind: backend.ViolationCrash, Domain: "unknown", Detail: fmt.Sprintf("%v; its state could not be read: %v",
			unix.SignalName(sig), err), Catcher: backend.CatcherHostKernel, CaughtBy: "host kernel"}
	}
	le := binary.LittleEndian
	code := int64(int32(le.Uint32(si[8:])))
	addr := le.Uint64(si[16:])
	rip := regs.Rip
	if sig == unix.SIGSYS {
		nr := int32(le.Uint32(si[24:]))
		return &backend.Violation{Kind: backend.ViolationSyscall, Domain: r.p.img.Domains[r.p.domainAt(rip)].Name, RIP: rip, Address: uint64(nr),
			Detail:  fmt.Sprintf("system call %d made at %#x was refused: only the gate's own calls pass", nr, addr),
			Catcher: backend.CatcherSeccomp, CaughtBy: "seccomp filter (SIGSYS, seen by the supervisor)"}
	}
	var errCode uint64
	if addr >= rip && addr < rip+16 {
		errCode = pagefault.Fetch // the fetch itself faulted
	} else if r.writes(rip) {
		errCode = pagefault.Write
	}
	v := r.p.faultViolation(sig, addr, code, rip, errCode)
	r.sup.Fault(r, v, sig, code)
	return v
}

// writes reports whether the instruction at rip (in the image) stores to
// memory: the kernel does not report a fault's access type to a tracer, so
// it is read from the instruction, as the CPU decoded it.
func (r *Supervised) writes(rip uint64) bool {
	if rip < abi.ImageBase || rip+16 > r.p.img.End {
		return false
	}
	b := r.p.mem[rip-abi.ImageBase : rip-abi.ImageBase+16]
	i := 0
	for i < 14 && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 || b[i] == 0xf2 || b[i] == 0xf3 ||
		b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65) {
		i++
	}
	if b[i]&0xf0 == 0x40 { // REX
		i++
	}
	op, modrm := b[i], b[i+1]
	toMemory, reg := modrm>>6 != 3, (modrm>>3)&7
	switch {
	case op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7: // mov to r/m
		return toMemory
	case op == 0xa4 || op == 0xa5 || op == 0xaa || op == 0xab: // movs, stos
		return true
	case op >= 0x80 && op <= 0x83: // arithmetic with an immediate; /7 is cmp, which only reads
		return toMemory && reg != 7
	case op == 0xfe || op == 0xff: // inc, dec
		return toMemory && reg <= 1
	case op < 0x40 && op&7 <= 1 && op&0x38 != 0x38: // add, or, adc, sbb, and, sub, xor r/m, r
		return toMemory
	}
	return false
}

// serve answers the platform calls posted on the platform page until the
// run ends.
func (r *Supervised) serve() {
	pg := r.plat
	for {
		select {
		case <-r.done:
			return
		default:
		}
		st := load32(pg, abi.PlatState)
		if st != abi.PlatCall {
			hostsys.Shared.Wait(hostsys.Word(pg, abi.PlatState), st, 20*time.Millisecond)
			continue
		}
		// Each word is read once: the image may change them meanwhile.
		nr, a0, a1, a2 := load64(pg, abi.CtxNr), load64(pg, abi.CtxA0), load64(pg, abi.CtxA1), load64(pg, abi.CtxA2)
		d := r.sup.Caller(r)
		r.count("platform_call")
		ret, stop := r.plt.Call(r.p.img.Domains[d].Name, nr, a0, a1, a2, domainMemory{r.p, d}, 0)
		if stop != nil {
			if stop.Violation != nil {
				r.stop(stop.Violation, false, 0)
			} else {
				r.stop(nil, true, stop.Code)
			}
			return
		}
		store64(pg, abi.CtxRetval, ret)
		store32(pg, abi.PlatState, abi.PlatDone)
		hostsys.Shared.Wake(hostsys.Word(pg, abi.PlatState), hostsys.All)
	}
}
