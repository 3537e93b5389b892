package backend

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"plib/backend/nic"
	"plib/image"
	"plib/internal/abi"
)

// Run runs the image under b: its one application, or all of its
// application instances (PLIB_APPS) at once, each in its own address space on its own vCPU or thread, all mapping
// one file that holds the libraries' data and heap, so that they share
// one instance of every library; each keeps its own library stacks and
// argument areas. Instances fail independently: one stopped by a
// violation leaves the others running (a host error stops them all).
// Results are merged: instance i's metrics carry the domain "app#i"
// (i > 0), counts are summed, the exit code is the first non-zero one,
// the violation the first instance's that had one. Every instance's
// platform can tell which instances still run (plib_app_alive).
func Run(ctx context.Context, b Backend, img *image.Image, path string, opts Options) (*Result, error) {
	if img == nil || img.Apps <= 1 {
		return b.RunInstance(ctx, img, path, opts, Instance{})
	}
	f, err := SharedDataFile(img, opts.Secrets)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	alive, aliveMem, err := aliveFile(img.Apps)
	if err != nil {
		return nil, err
	}
	defer alive.Close()
	defer unix.Munmap(aliveMem)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := SyncWriter(opts.Output)
	devCtx, stopDev := context.WithCancel(context.Background())
	devNotes := make(chan []string, 1)
	go func() { devNotes <- nic.Serve(devCtx, f, img, nicWire(img, opts)) }() // idle unless a library attaches a NIC
	results := make([]*Result, img.Apps)
	errs := make([]error, img.Apps)
	var wg sync.WaitGroup
	for i := range results {
		o := opts
		o.Output = out
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = b.RunInstance(ctx, img, path, o, Instance{App: i, Shared: f, Alive: alive})
			aliveMem[i] = 0 // it has ended: a library may break a lock it held
			clearOpenCalls(aliveMem, i)
			if errs[i] != nil {
				cancel() // the host failed: stop the others
			}
		}()
	}
	wg.Wait()
	stopDev()
	notes := <-devNotes
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("application instance %d: %w", i, err)
		}
	}
	m := merge(results)
	m.Notes = append(m.Notes, notes...)
	return m, nil
}

func merge(rs []*Result) *Result {
	m := *rs[0]
	m.Metrics = append([]Metric(nil), rs[0].Metrics...)
	m.Exits = map[string]uint64{}
	for k, v := range rs[0].Exits {
		m.Exits[k] = v
	}
	m.Notes = append(append([]string(nil), rs[0].Notes...),
		fmt.Sprintf("%d application instances, each in its own address space, shared the libraries' data and heap", len(rs)))
	for i, r := range rs[1:] {
		for _, x := range r.Metrics {
			x.Domain = fmt.Sprintf("%s#%d", x.Domain, i+1)
			m.Metrics = append(m.Metrics, x)
		}
		for k, v := range r.Exits {
			m.Exits[k] += v
		}
		m.Paths = m.Paths.Add(r.Paths)
		m.ViewSwitches += r.ViewSwitches
		m.GateSwitches += r.GateSwitches
		m.Exited = m.Exited && r.Exited
		if m.ExitCode == 0 {
			m.ExitCode = r.ExitCode
		}
		if m.Violation == nil && r.Violation != nil {
			v := *r.Violation
			v.Domain = fmt.Sprintf("%s#%d", v.Domain, i+1) // which instance
			m.Violation = &v
		}
		m.TimedOut = m.TimedOut || r.TimedOut
		m.WallSeconds = max(m.WallSeconds, r.WallSeconds)
	}
	return &m
}

// SharedDataFile creates the memfd behind the libraries' shared data,
// filled with their initial contents (each TLS block's head and secret
// area as PlaceTLS writes them), and one page more that no image
// maps: the NIC's control page (backend/nic).
func SharedDataFile(img *image.Image, secrets Secrets) (*os.File, error) {
	fd, err := unix.MemfdCreate("plib-shared-data", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create for the shared library data: %w", err)
	}
	f := os.NewFile(uintptr(fd), "plib-shared-data")
	if _, err := f.Write(img.SharedDataContents()); err != nil {
		f.Close()
		return nil, fmt.Errorf("fill the shared library data: %w", err)
	}
	ranges, size := img.SharedData()
	if err := secrets.Check(img); err != nil {
		f.Close()
		return nil, err
	}
	for _, r := range ranges { // each library's TLS head and secret area, once for every instance
		d := img.Domains[r.Lib]
		h, err := TLSHead(d.TLS())
		if err == nil {
			_, err = f.WriteAt(h, int64(r.Off+d.TLS()-r.Addr))
		}
		if err == nil {
			_, err = f.WriteAt(SecretArea(secrets[d.Name]), int64(r.Off+d.TLS()+abi.TLSSecret-r.Addr))
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("place library %s's TLS block: %w", d.Name, err)
		}
	}
	if err := f.Truncate(int64(nic.ControlPage(size) + abi.PageSize)); err != nil {
		f.Close()
		return nil, fmt.Errorf("size the shared library data: %w", err)
	}
	return f, nil
}

// syncWriter serializes the instances' prints.
// SyncWriter returns w made safe for several writers at once: the
// instances of one run, or one run's child processes, whose outputs
// os/exec copies in a goroutine each. Its Write holds a lock around w's;
// it has no ReadFrom, so io.Copy never reads into w's own storage (two
// copies into one bytes.Buffer through its ReadFrom lose each other's
// bytes). A nil w discards.
func SyncWriter(w io.Writer) io.Writer {
	if s, ok := w.(*syncWriter); ok {
		return s
	}
	return &syncWriter{w: w}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	if s.w == nil {
		return len(p), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// aliveFile is the page Run keeps: byte i is 1 while instance i runs.
func aliveFile(apps int) (*os.File, []byte, error) {
	fd, err := unix.MemfdCreate("plib-apps-alive", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("memfd_create for the instances' liveness: %w", err)
	}
	f := os.NewFile(uintptr(fd), "plib-apps-alive")
	if err := unix.Ftruncate(fd, 4096); err != nil {
		f.Close()
		return nil, nil, err
	}
	b, err := unix.Mmap(fd, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	for i := 0; i < apps; i++ {
		b[i] = 1
	}
	return f, b, nil
}

// AliveReader maps the liveness page Run passes in Instance.Alive and
// returns Platform.AppAlive over it, and a function that unmaps it.
func AliveReader(f *os.File) (func(int) bool, func(), error) {
	b, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("map the instances' liveness page: %w", err)
	}
	alive := func(app int) bool {
		return app >= 0 && app < len(b) && b[app] != 0
	}
	return alive, func() { unix.Munmap(b) }, nil
}

// Attach gives the platform of one application instance what it shares
// with the others: the liveness page (plib_app_alive) and the NIC's link
// over the shared data (backend/nic). A single instance has neither. It
// returns what undoes it.
func (p *Platform) Attach(inst Instance, img *image.Image) (func(), error) {
	p.App = inst.App
	var undo []func()
	done := func() {
		for _, u := range undo {
			u()
		}
	}
	if inst.Alive != nil {
		alive, unmap, err := AliveReader(inst.Alive)
		if err != nil {
			return nil, err
		}
		undo = append(undo, unmap)
		p.AppAlive = alive
	}
	if inst.Shared != nil {
		link, err := nic.OpenLink(inst.Shared, img)
		if err != nil {
			done()
			return nil, err
		}
		undo = append(undo, func() { link.Close() })
		p.NIC = link
	}
	return done, nil
}

// nicWire says whether the NIC is bridged to a host interface: --param
// nic_wire, else the image's declared default, else on.
func nicWire(img *image.Image, opts Options) bool {
	if v, ok := opts.Params["nic_wire"]; ok {
		return v != 0
	}
	if p, ok := img.Param("nic_wire"); ok {
		return p.Default != 0
	}
	return true
}
