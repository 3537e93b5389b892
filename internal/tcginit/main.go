// Command tcginit is /init of the Linux guest that scripts/test-pku-tcg
// boots under QEMU TCG (-cpu max: real protection-key semantics). It runs
// the pku backend on the images, the pku tests and the conformance suite, prints one
// "PLIBTCG: RESULT" line per check and a closing "PLIBTCG: DONE N passed,
// M failed" line, and powers the guest off. Timings taken here are never
// PKU timings: TCG emulates the CPU.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"plib/backend"
	"plib/internal/xstatecheck"
)

type check struct {
	name string
	run  func() error
}

func main() {
	start := time.Now()
	for _, m := range []struct{ src, dst, fs string }{{"proc", "/proc", "proc"}, {"devtmpfs", "/dev", "devtmpfs"}, {"tmpfs", "/tmp", "tmpfs"}} {
		os.MkdirAll(m.dst, 0o755)
		if err := unix.Mount(m.src, m.dst, m.fs, 0, ""); err != nil {
			fmt.Printf("PLIBTCG: mount %s: %v\n", m.dst, err)
		}
	}
	fmt.Println("PLIBTCG: START")
	checks := []check{
		{"caps: pku on hardware (as QEMU TCG emulates it)", capsPKU},
		{"null under pku exits 0", func() error { return runExpect("null", 0, nil) }},
		{"attack-read stopped by SEGV_PKUERR", func() error { return runExpect("attack-read", 3, pkuFault("read")) }},
		{"attack-write stopped by SEGV_PKUERR", func() error { return runExpect("attack-write", 3, pkuFault("write")) }},
		{"attack-exec: library code runs without the library's rights", func() error { return runExpect("attack-exec", 3, pkuFault("read")) }},
		{"attack-deputy refused by the platform", func() error { return runExpect("attack-deputy", 3, kind("platform-call")) }},
		{"attack-gate-entry refused by the gate", func() error { return runExpect("attack-gate-entry", 3, kind("gate")) }},
		{"attack-gadget refused at load", func() error { return runExpect("attack-gadget", 2, nil) }},
		{"gate-state: the pku gate enters a library with DF, AC, TF clear on an aligned stack, and returns clean flags", func() error {
			return runExpect("gate-state", 0, metricIs("failures", 0))
		}},
		{"attack-direction: DF set before a call; the library's copy still runs forwards", func() error {
			return runExpect("attack-direction", 1, workloadExit(70))
		}},
		{"attack-fpstate: MXCSR and x87 exceptions unmasked; every call answered, the platform unharmed", func() error {
			return runExpect("attack-fpstate", 1, workloadExit(71), "--param", "calls=300")
		}},
		{"xstate: no vector, mask or x87 register of a library reaches the application under pku (the classes this CPU has; TCG has no AVX-512)", func() error {
			return runExpect("xstate", 0, xstateIs(xstatecheck.Registers))
		}},
		{"xstate: the application's MXCSR and x87 control word reach no library under pku, and it gets its own back", func() error {
			return runExpect("xstate", 0, xstateIs(xstatecheck.Control), "--param", "part=1")
		}},
		{"xstate: no vector, mask or x87 register of the application reaches a library under pku", func() error {
			return runExpect("xstate", 0, xstateIs(xstatecheck.AppRegisters), "--param", "part=5")
		}},
		{"xstate: TILERELEASE faults in the application and in a library under pku", func() error {
			if err := runExpect("xstate", 3, xstateIs(xstatecheck.AppTile), "--param", "part=2"); err != nil {
				return err
			}
			return runExpect("xstate", 3, xstateIs(xstatecheck.LibTile), "--param", "part=3")
		}},
		{"attack-pku-index: the gate's WRPKRU reached with EAX = 0 and an index into app memory traps (each of its three)", func() error {
			for _, which := range []string{"0", "1", "2"} {
				if err := runExpect("attack-pku-index", 3, kind("gate"), "--param", "which="+which); err != nil {
					return fmt.Errorf("which=%s: %w", which, err)
				}
			}
			return nil
		}},
		{"attack-split-wrpkru refused at load (a WRPKRU across two code sections)", func() error { return runExpect("attack-split-wrpkru", 2, nil) }},
		{"kv under pku: every result verified, library consistent", func() error {
			return runExpect("kv", 0, metricIs("consistent", 1), "--param", "iterations=20", "--param", "rounds=2")
		}},
		{"kv-hostile under pku: every malformed call rejected", func() error {
			return runExpect("kv-hostile", 0, metricIs("stored_value_intact", 1))
		}},
		{"ipc under pku: app -> A -> B -> A -> app, every answer right", func() error {
			return runExpect("ipc", 0, metricIs("wrong_answers", 0), "--param", "iterations=100")
		}},
		{"sharing under pku: two applications share one kv, every concurrent increment counted", func() error {
			return runExpect("sharing", 0, metricIs("counter", 600), "--param", "increments=300")
		}},
		{"app-crash under pku: one application faults mid-loop, the other finishes, kv consistent", func() error {
			return runExpect("app-crash", 3, metricIs("consistent", 1), "--param", "calls=300")
		}},
		{"kv-load under pku: two applications hammer one kv, the shared counter exact", func() error {
			return runExpect("kv-load", 0, metricIs("total", 400), "--param", "ops=200")
		}},
		{"dds-pingpong under pku: two applications exchange datagrams through one protected net library (frames looped in the device)", func() error {
			return runExpect("dds-pingpong", 0, nil, "--param", "nic_wire=0", "--param", "iterations=20", "--param", "rounds=2")
		}},
		{"dds-throughput under pku: one application streams 12 B and 4 KiB messages to another through the net library", func() error {
			return runExpect("dds-throughput", 0, nil, "--param", "nic_wire=0", "--param", "iterations=32", "--param", "rounds=2")
		}},
		{"kill-mid-call under pku: an application dies holding kv's lock mid-set; the other recovers it", func() error {
			return runExpect("kill-mid-call", 5, metricIs("recoveries", 1), "--call-budget=2s", "--param", "step=3")
		}},
		{"vmm attacks --backend=pku: every attack stopped or refused", func() error {
			out, err := exec.Command("/vmm", "attacks", "--backend=pku", "--images=/images", "--markdown").CombinedOutput()
			fmt.Printf("%s", out)
			return err
		}},
		{"go test -run 'PKU|GadgetFree|Conformance' ./pku (the conformance suite and the pku tests under the loader; the loader holds no PKRU gadget)", goTests},
	}
	passed, failed := 0, 0
	for _, c := range checks {
		if err := c.run(); err != nil {
			failed++
			fmt.Printf("PLIBTCG: RESULT FAIL %s: %v\n", c.name, err)
		} else {
			passed++
			fmt.Printf("PLIBTCG: RESULT PASS %s\n", c.name)
		}
	}
	fmt.Printf("PLIBTCG: guest time %.1fs\n", time.Since(start).Seconds())
	fmt.Printf("PLIBTCG: DONE %d passed, %d failed\n", passed, failed)
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
}

func capsPKU() error {
	out, err := exec.Command("/vmm", "caps", "--json").Output()
	if err != nil {
		return err
	}
	var rep struct {
		CPU      struct{ PKU, OSPKE bool }
		Backends []backend.Mechanism
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return err
	}
	if !rep.CPU.PKU || !rep.CPU.OSPKE {
		return fmt.Errorf("CPUID: PKU %v, OSPKE %v", rep.CPU.PKU, rep.CPU.OSPKE)
	}
	for _, m := range rep.Backends {
		if m.Backend == "pku" && m.Mode != backend.Hardware {
			return fmt.Errorf("pku backend: %+v", m)
		}
	}
	return nil
}

func kind(k backend.ViolationKind) func(*backend.Result) error {
	return func(r *backend.Result) error {
		if r.Violation == nil || r.Violation.Kind != k || r.Violation.Domain != "app" {
			return fmt.Errorf("want a %s violation by app, got %+v", k, r.Violation)
		}
		return nil
	}
}

func pkuFault(k backend.ViolationKind) func(*backend.Result) error {
	return func(r *backend.Result) error {
		if err := kind(k)(r); err != nil {
			return err
		}
		if r.Violation.Catcher != backend.CatcherPKU {
			return fmt.Errorf("caught by %q, not a protection-key fault", r.Violation.CaughtBy)
		}
		return nil
	}
}

// workloadExit checks the workload's own exit code (vmm exits 1 for any
// non-zero one).
func workloadExit(want int64) func(*backend.Result) error {
	return func(r *backend.Result) error {
		if !r.Exited || r.ExitCode != want {
			return fmt.Errorf("workload exit %d (exited %v), want %d", r.ExitCode, r.Exited, want)
		}
		return nil
	}
}

func xstateIs(p xstatecheck.Part) func(*backend.Result) error {
	return func(r *backend.Result) error { return xstatecheck.Check(r, p, true) }
}

func metricIs(name string, want int64) func(*backend.Result) error {
	return func(r *backend.Result) error {
		if v, ok := r.Metric(name); !ok || v != want {
			return fmt.Errorf("%s = %d (%v), want %d", name, v, ok, want)
		}
		return nil
	}
}

func runExpect(image string, code int, check func(*backend.Result) error, extra ...string) error {
	args := append([]string{"run", "--backend=pku", "--json", "--timeout=300s"}, extra...)
	cmd := exec.Command("/vmm", append(args, "/images/"+image+".elf")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		return err
	}
	if got != code {
		var r backend.Result
		if json.Unmarshal(out, &r) == nil && r.Violation != nil {
			return fmt.Errorf("exit code %d, want %d: %s; stderr: %s", got, code, r.Violation.Error(), strings.TrimSpace(stderr.String()))
		}
		return fmt.Errorf("exit code %d, want %d; stderr: %s", got, code, strings.TrimSpace(stderr.String()))
	}
	if check == nil {
		return nil
	}
	var r backend.Result
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("result: %v", err)
	}
	return check(&r)
}

func goTests() error {
	cmd := exec.Command("/pku.test", "-test.run", "PKU|GadgetFree|Conformance", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "PLIB_IMAGES=/images")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pku.test: %v", err)
	}
	return nil
}
