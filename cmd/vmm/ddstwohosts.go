package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

type ddsTwoHostsCmd struct {
	Image      string `arg:"" optional:"" help:"The dds-pingpong image." default:"build/images/dds-pingpong.elf"`
	Backend    string `help:"Backend of both runs." default:"none"`
	Iterations int    `help:"Round trips per round." default:"200"`
	Malformed  int    `help:"Malformed frames to inject on the link during the run (the echo's library must reject each)." default:"6"`
}

// twoHostsResult is what one dds two-host run measured.
type twoHostsResult struct {
	RTTCycles int64 // the pinger's median round trip
	Rejected  int64 // frames the echo's library rejected during its run
	Injected  int   // malformed frames injected on the link
}

// Run runs dds-pingpong across a veth pair between two network
// namespaces: one run per namespace, each run's NIC bridged to its end
// of the pair (AF_PACKET, PLIB_NIC_LINK), so every frame crosses an
// interface; exit 4 where namespaces cannot be made.
func (d *ddsTwoHostsCmd) Run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	exe, err := os.Executable()
	if err != nil {
		return exitError{exitHost, err.Error()}
	}
	r, err := ddsTwoHosts(ctx, exe, d.Image, d.Backend, d.Iterations, d.Malformed)
	if err != nil {
		return err
	}
	fmt.Printf("dds-pingpong across a veth pair between two network namespaces (%s): round trip 12 B  %d cycles (median round); malformed "+
		"frames injected %d, rejected by the echo's library %d\n",
		d.Backend, r.RTTCycles, r.Injected, r.Rejected)
	if r.Rejected < int64(r.Injected) {
		return exitError{exitWorkload, fmt.Sprintf("the echo's library rejected %d of %d malformed frames", r.Rejected, r.Injected)}
	}
	return nil
}

// ddsTwoHosts sets the namespaces and the veth pair up, runs the echo
// (net_host 3) in one and the pinger (net_host 2) in the other with exe,
// injects malformed frames on the link meanwhile, and tears it all down.
func ddsTwoHosts(ctx context.Context, exe, image, backend string, iters, malformed int) (*twoHostsResult, error) {
	if os.Geteuid() != 0 {
		return nil, exitError{exitUnavailable, "dds two hosts: creating network namespaces needs root"}
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, exitError{exitUnavailable, "dds two hosts: no ip command (iproute2)"}
	}
	id := os.Getpid() % 100000
	nsA, nsB := fmt.Sprintf("plibA%d", id), fmt.Sprintf("plibB%d", id)
	va, vb := fmt.Sprintf("plva%d", id), fmt.Sprintf("plvb%d", id)
	ip := func(args ...string) error {
		if out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %v: %v: %s", args, err, bytes.TrimSpace(out))
		}
		return nil
	}
	if err := ip("netns", "add", nsA); err != nil {
		return nil, exitError{exitUnavailable, "dds two hosts: " + err.Error()}
	}
	defer exec.Command("ip", "netns", "del", nsA).Run()
	if err := ip("netns", "add", nsB); err != nil {
		return nil, exitError{exitUnavailable, "dds two hosts: " + err.Error()}
	}
	defer exec.Command("ip", "netns", "del", nsB).Run() // the veth pair goes with its namespaces
	for _, step := range [][]string{
		{"link", "add", va, "type", "veth", "peer", "name", vb},
		{"link", "set", va, "netns", nsA},
		{"link", "set", vb, "netns", nsB},
		{"-n", nsA, "link", "set", va, "up"},
		{"-n", nsB, "link", "set", vb, "up"},
	} {
		if err := ip(step...); err != nil {
			return nil, exitError{exitUnavailable, "dds two hosts: " + err.Error()}
		}
	}
	for _, ns := range [][2]string{{nsA, va}, {nsB, vb}} { // no IPv6 chatter on the link
		exec.Command("ip", "netns", "exec", ns[0], "sysctl", "-qw", "net.ipv6.conf."+ns[1]+".disable_ipv6=1").Run()
	}
	run := func(ns, link string, params ...string) *exec.Cmd {
		args := []string{"netns", "exec", ns, "env", "PLIB_NIC_LINK=" + link, exe, "run", "--json", "--timeout", "30s", "--backend", backend, image}
		for _, p := range params {
			args = append(args, "--param", p)
		}
		return exec.CommandContext(ctx, "ip", args...)
	}
	var echoOut, pingOut, echoErr, pingErr bytes.Buffer
	echo := run(nsB, vb, "net_host=3", "peer=2", "echo_side=1")
	echo.Stdout, echo.Stderr = &echoOut, &echoErr
	if err := echo.Start(); err != nil {
		return nil, exitError{exitHost, "dds two hosts: start the echo: " + err.Error()}
	}
	defer echo.Process.Kill()
	// The echo's device opens its packet socket on vb once its library
	// has attached the NIC; from then on the frames wait on the socket
	// and its RX ring until the library's next receive drains them,
	// before the pinger's first message. A fixed sleep lost them all on
	// a loaded machine.
	if err := waitPacketSocket(ctx, nsB, 30*time.Second); err != nil {
		return nil, exitError{exitHost, "dds two hosts: the echo's device: " + err.Error()}
	}
	injected, injErr := injectMalformed(nsA, va, malformed)
	ping := run(nsA, va, "net_host=2", "peer=3", fmt.Sprintf("iterations=%d", iters))
	ping.Stdout, ping.Stderr = &pingOut, &pingErr
	if err := ping.Start(); err != nil {
		return nil, exitError{exitHost, "dds two hosts: start the pinger: " + err.Error()}
	}
	pingErrRun, echoErrRun := ping.Wait(), echo.Wait()
	if injErr != nil {
		return nil, exitError{exitHost, "dds two hosts: inject: " + injErr.Error()}
	}
	metric := func(out []byte, name string) (int64, bool) {
		var res struct {
			Exited   bool  `json:"exited"`
			ExitCode int64 `json:"exit_code"`
			Metrics  []struct {
				Name  string `json:"name"`
				Value int64  `json:"value"`
			} `json:"metrics"`
		}
		if json.Unmarshal(out, &res) != nil || !res.Exited || res.ExitCode != 0 {
			return 0, false
		}
		for _, m := range res.Metrics {
			if m.Name == name {
				return m.Value, true
			}
		}
		return 0, false
	}
	rtt, ok := metric(pingOut.Bytes(), "rtt_cycles")
	if !ok {
		return nil, exitError{exitWorkload, fmt.Sprintf("dds two hosts: the pinger failed (%v): %s", pingErrRun, bytes.TrimSpace(pingErr.Bytes()))}
	}
	rej, ok := metric(echoOut.Bytes(), "echo_rejected_frames")
	if !ok {
		return nil, exitError{exitWorkload, fmt.Sprintf("dds two hosts: the echo failed (%v): %s", echoErrRun, bytes.TrimSpace(echoErr.Bytes()))}
	}
	return &twoHostsResult{RTTCycles: rtt, Rejected: rej, Injected: injected}, nil
}

// malformedFrames are frames to the echo's library (net_host 3) that its
// parser must refuse: each breaks one rule of frame.h.
func malformedFrames() [][]byte {
	dst := []byte{0x02, 0x50, 0x4c, 0x49, 0x42, 0x03}
	src := []byte{0x02, 0x00, 0x00, 0x00, 0x00, 0x66}
	udp := func(mut func(f []byte)) []byte {
		f := make([]byte, 60)
		copy(f, dst)
		copy(f[6:], src)
		f[12], f[13] = 0x08, 0x00
		ip := f[14:]
		ip[0], ip[8], ip[9] = 0x45, 64, 17
		ip[2], ip[3] = 0, 32 // 20 + 8 + 4
		copy(ip[12:], []byte{10, 77, 0, 2})
		copy(ip[16:], []byte{10, 77, 0, 3})
		u := ip[20:]
		u[0], u[1], u[2], u[3], u[4], u[5] = 0x1c, 0xe8, 0x1c, 0xe9, 0, 12 // 7400 -> 7401, 12 bytes
		mut(f)
		sum := uint32(0)
		ip[10], ip[11] = 0, 0
		for i := 0; i < 20; i += 2 {
			sum += uint32(ip[i])<<8 | uint32(ip[i+1])
		}
		for sum>>16 != 0 {
			sum = sum&0xffff + sum>>16
		}
		if f[59] != 0xee { // the marker of a frame whose checksum must stay wrong
			ip[10], ip[11] = byte(^sum>>8), byte(^sum)
		}
		return f
	}
	return [][]byte{
		udp(func(f []byte) { f[14+2], f[14+3] = 0x10, 0 }),                 // IP total length past the frame
		udp(func(f []byte) { f[14] = 0x4f }),                               // header length 60: past the datagram
		udp(func(f []byte) { f[14+6] = 0x20 }),                             // a fragment (MF)
		udp(func(f []byte) { f[14+24], f[14+25] = 0, 200 }),                // UDP length past the datagram
		udp(func(f []byte) { f[14+20], f[14+21] = 0, 0 }),                  // source port 0
		udp(func(f []byte) { f[14+9] = 6; f[59] = 0xee }),                  // TCP, and a wrong header checksum
		append(append(append([]byte{}, dst...), src...), 0x08, 0x06, 0, 1), // ARP cut short
	}
}

// injectMalformed sends n malformed frames (cycling through
// malformedFrames) out of interface link in namespace ns.
func injectMalformed(ns, link string, n int) (int, error) {
	if n == 0 {
		return 0, nil
	}
	runtime.LockOSThread() // setns changes this thread only; it ends with the goroutine's lock held
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return 0, err
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return 0, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return 0, fmt.Errorf("setns: %w", err)
	}
	defer func() {
		if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		} // else the thread stays locked and Go ends it with the goroutine
	}()
	ifi, err := netInterface(link)
	if err != nil {
		return 0, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	frames := malformedFrames()
	for i := 0; i < n; i++ {
		f := frames[i%len(frames)]
		if err := unix.Sendto(fd, f, 0, &unix.SockaddrLinklayer{Ifindex: ifi, Halen: 6, Addr: [8]byte{f[0], f[1], f[2], f[3], f[4], f[5]}}); err != nil {
			return i, err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return n, nil
}

// netInterface is the index of interface name in the calling thread's
// network namespace.
func netInterface(name string) (int, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, fmt.Errorf("interface %s: %w", name, err)
	}
	return int(ifr.Uint32()), nil
}

// waitPacketSocket waits until a packet socket bound to an interface
// exists in namespace ns (the echo's device is the only one there), for
// at most limit.
func waitPacketSocket(ctx context.Context, ns string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "cat", "/proc/net/packet").Output()
		if err != nil {
			return fmt.Errorf("read /proc/net/packet in %s: %w", ns, err)
		}
		if packetSocketBound(out) {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("no packet socket on the link in %s after %v", ns, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// packetSocketBound says whether a /proc/net/packet listing has a socket
// bound to an interface (its Iface column not 0).
func packetSocketBound(listing []byte) bool {
	lines := bytes.Split(bytes.TrimSpace(listing), []byte("\n"))
	if len(lines) < 2 {
		return false
	}
	col := -1
	for i, h := range bytes.Fields(lines[0]) {
		if string(h) == "Iface" {
			col = i
		}
	}
	for _, l := range lines[1:] {
		f := bytes.Fields(l)
		if col >= 0 && col < len(f) && string(f[col]) != "0" {
			return true
		}
	}
	return false
}
