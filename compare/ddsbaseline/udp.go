// Package ddsbaseline measures what the dds workloads are set against:
// the same ping-pong over kernel UDP sockets between two processes, and
// Cyclone DDS's ddsperf (ping/pong and throughput) on loopback.
package ddsbaseline

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"time"
)

// ErrUnavailable says a baseline cannot run here (and why, wrapped).
var ErrUnavailable = errors.New("baseline unavailable")

// Echo serves the other end of the UDP ping-pong: it echoes every
// datagram on 127.0.0.1:port until a 4-byte "STOP" or 10 s of silence.
func Echo(port int) error {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Println("ready")
	buf := make([]byte, 65536)
	for {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, from, err := c.ReadFromUDP(buf)
		if err != nil {
			return err
		}
		if n == 4 && string(buf[:4]) == "STOP" {
			return nil
		}
		c.WriteToUDP(buf[:n], from)
	}
}

// UDPPingPong starts `exe echoArgs... PORT` (a process that runs Echo)
// and times rounds of iters round trips of size-byte messages to it:
// the median round's nanoseconds per round trip, and every round's.
func UDPPingPong(ctx context.Context, exe string, echoArgs []string, size, iters, rounds int) (time.Duration, []time.Duration, error) {
	probe, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, nil, err
	}
	port := probe.LocalAddr().(*net.UDPAddr).Port
	probe.Close()
	cmd := exec.CommandContext(ctx, exe, append(echoArgs, strconv.Itoa(port))...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, nil, fmt.Errorf("start the echo process: %w", err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	ready := make([]byte, 6)
	if _, err := out.Read(ready); err != nil {
		return 0, nil, fmt.Errorf("the echo process did not start: %w", err)
	}
	c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	msg, buf := make([]byte, max(size, 12)), make([]byte, 65536)
	var per []time.Duration
	seq := uint64(0)
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		for i := 0; i < iters; i++ {
			seq++
			binary.LittleEndian.PutUint64(msg[4:], seq)
			if _, err := c.Write(msg); err != nil {
				return 0, nil, err
			}
			for {
				c.SetReadDeadline(time.Now().Add(time.Second))
				n, err := c.Read(buf)
				if err != nil {
					return 0, nil, fmt.Errorf("round trip %d: %w", seq, err)
				}
				if n >= 12 && binary.LittleEndian.Uint64(buf[4:]) == seq {
					break
				}
			}
		}
		per = append(per, time.Since(t0)/time.Duration(iters))
	}
	c.Write([]byte("STOP"))
	s := append([]time.Duration(nil), per...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], per, nil
}
