package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"plib/compare/ddsbaseline"
)

type ddsBaselineCmd struct {
	Iterations int  `help:"UDP round trips per round." default:"2000"`
	Rounds     int  `help:"UDP rounds; the median round is reported." default:"5"`
	Seconds    int  `help:"How long each ddsperf measurement runs." default:"4"`
	EchoPort   int  `name:"echo-port" hidden:"" help:"Run the UDP echo process on this port (internal)."`
	NoDDSPerf  bool `name:"no-ddsperf" help:"Only the UDP sockets."`
}

// Run measures the baselines of the dds workloads on loopback.
func (d *ddsBaselineCmd) Run() error {
	if d.EchoPort != 0 {
		if err := ddsbaseline.Echo(d.EchoPort); err != nil {
			return exitError{exitHost, err.Error()}
		}
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	exe, err := os.Executable()
	if err != nil {
		return exitError{exitHost, err.Error()}
	}
	rtt, _, err := ddsbaseline.UDPPingPong(ctx, exe, []string{"dds-baseline", "--echo-port"}, 12, d.Iterations, d.Rounds)
	if err != nil {
		return exitError{exitHost, "UDP ping-pong: " + err.Error()}
	}
	fmt.Printf("udp sockets (two processes, loopback): round trip 12 B  %v (median of %d rounds of %d)\n", rtt, d.Rounds, d.Iterations)
	if d.NoDDSPerf {
		return nil
	}
	ping, err := ddsbaseline.DDSPerfPing(ctx, 12, d.Seconds)
	if errors.Is(err, ddsbaseline.ErrUnavailable) {
		return exitError{exitUnavailable, err.Error()}
	}
	if err != nil {
		return exitError{exitHost, err.Error()}
	}
	fmt.Printf("ddsperf ping/pong (loopback, unicast): round trip 12 B  %v (median of its per-second medians)\n", ping)
	for _, size := range []int{12, 4096} {
		rate, err := ddsbaseline.DDSPerfThroughput(ctx, size, d.Seconds)
		if err != nil {
			return exitError{exitHost, err.Error()}
		}
		fmt.Printf("ddsperf pub/sub (loopback, unicast): %5d B  %.0f samples/s\n", size, rate)
	}
	return nil
}
