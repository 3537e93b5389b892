package ddsbaseline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// loopback keeps Cyclone DDS on 127.0.0.1, unicast only.
const loopback = `<General><Interfaces><NetworkInterface name="lo"/></Interfaces><AllowMulticast>false</AllowMulticast></General>` +
	`<Discovery><Peers><Peer address="127.0.0.1"/></Peers><ParticipantIndex>auto</ParticipantIndex></Discovery>`

var (
	pingLine = regexp.MustCompile(`size (\d+) mean [0-9.]+us min [0-9.]+us 50% ([0-9.]+)us`)
	rateLine = regexp.MustCompile(`delta (\d+) lost \d+ rate ([0-9.]+) kS/s`)
)

// ddsperf runs `ddsperf -D secs a...` beside `ddsperf b...` (the peer,
// started first) and returns the first one's output.
func ddsperf(ctx context.Context, secs int, a, b []string) ([]byte, error) {
	exe, err := exec.LookPath("ddsperf")
	if err != nil {
		return nil, fmt.Errorf("%w: ddsperf is not installed (Debian: apt-get install cyclonedds-tools)", ErrUnavailable)
	}
	env := append(os.Environ(), "CYCLONEDDS_URI="+loopback)
	peer := exec.CommandContext(ctx, exe, append([]string{"-D", strconv.Itoa(secs + 2)}, b...)...)
	peer.Env = env
	var peerOut bytes.Buffer
	peer.Stdout, peer.Stderr = &peerOut, &peerOut
	if err := peer.Start(); err != nil {
		return nil, err
	}
	defer peer.Wait()
	defer peer.Process.Kill()
	main := exec.CommandContext(ctx, exe, append([]string{"-D", strconv.Itoa(secs)}, a...)...)
	main.Env = env
	out, err := main.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("ddsperf %v: %v: %s", a, err, out)
	}
	if len(a) > 0 && a[0] == "pub" { // the subscriber reports the rate
		time.Sleep(time.Second)
		peer.Process.Kill()
		peer.Wait()
		return peerOut.Bytes(), nil
	}
	return out, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

// DDSPerfPing is the median, over ddsperf's one-second reports, of the
// median round trip it reports for size-byte samples (ddsperf ping
// against ddsperf pong, two processes, loopback).
func DDSPerfPing(ctx context.Context, size, secs int) (time.Duration, error) {
	out, err := ddsperf(ctx, secs, []string{"ping", "size", strconv.Itoa(size)}, []string{"pong"})
	if err != nil {
		return 0, err
	}
	var v []float64
	for _, m := range pingLine.FindAllSubmatch(out, -1) {
		us, _ := strconv.ParseFloat(string(m[2]), 64)
		v = append(v, us)
	}
	if len(v) == 0 {
		return 0, fmt.Errorf("ddsperf ping reported no round trips: %s", out)
	}
	return time.Duration(median(v) * 1e3), nil
}

// DDSPerfThroughput is the median, over ddsperf sub's one-second reports
// that received anything, of the samples per second it counted (ddsperf
// pub of size-byte samples as fast as it can, two processes, loopback).
func DDSPerfThroughput(ctx context.Context, size, secs int) (float64, error) {
	out, err := ddsperf(ctx, secs, []string{"pub", "size", strconv.Itoa(size)}, []string{"sub"})
	if err != nil {
		return 0, err
	}
	var v []float64
	for _, m := range rateLine.FindAllSubmatch(out, -1) {
		if string(m[1]) == "0" {
			continue
		}
		k, _ := strconv.ParseFloat(string(m[2]), 64)
		v = append(v, k*1e3)
	}
	if len(v) == 0 {
		return 0, fmt.Errorf("ddsperf sub reported no rate: %s", out)
	}
	return median(v), nil
}
