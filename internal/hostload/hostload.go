// Package hostload reads how busy the host is: the kernel's load
// averages and, over a short window, the fraction of CPU time spent
// busy, so that a measurement can say what else the machine was doing
// at its start and at its end.
package hostload

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sample is the host's load at one moment.
type Sample struct {
	At time.Time `json:"at"`
	// Load1, Load5 and Load15 are /proc/loadavg's averages of runnable
	// (and uninterruptible) tasks over 1, 5 and 15 minutes; Runnable and
	// Tasks are its running and total task counts at the moment.
	Load1    float64 `json:"load1"`
	Load5    float64 `json:"load5"`
	Load15   float64 `json:"load15"`
	Runnable int     `json:"runnable"`
	Tasks    int     `json:"tasks"`
	// Busy is the fraction of all CPUs' time spent neither idle nor in
	// I/O wait over Window (from /proc/stat's aggregate cpu line).
	Busy   float64       `json:"busy"`
	Window time.Duration `json:"window_ns"`
	CPUs   int           `json:"cpus"`
	Error  string        `json:"error,omitempty"` // what could not be read
}

// String is a one-line summary: "load 0.52 0.40 0.31, 1/180 tasks running, 3% busy over 200ms on 2 CPUs".
func (s Sample) String() string {
	if s.Error != "" {
		return "unknown (" + s.Error + ")"
	}
	if s.At.IsZero() {
		return "not measured"
	}
	return fmt.Sprintf("load average %.2f %.2f %.2f, %d of %d tasks runnable, %.0f%% busy over %v on %d CPUs",
		s.Load1, s.Load5, s.Load15, s.Runnable, s.Tasks, 100*s.Busy, s.Window, s.CPUs)
}

// Read samples the host's load, watching /proc/stat for window.
func Read(window time.Duration) Sample {
	s := Sample{At: time.Now().UTC(), Window: window}
	if err := s.readLoadavg("/proc/loadavg"); err != nil {
		s.Error = err.Error()
		return s
	}
	a, n, err := cpuTimes("/proc/stat")
	if err != nil {
		s.Error = err.Error()
		return s
	}
	time.Sleep(window)
	b, _, err := cpuTimes("/proc/stat")
	if err != nil {
		s.Error = err.Error()
		return s
	}
	s.CPUs = n
	s.Busy = busyFraction(a, b)
	return s
}

// readLoadavg parses "0.52 0.40 0.31 1/180 12345".
func (s *Sample) readLoadavg(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("host load: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return fmt.Errorf("host load: %s: %d fields", path, len(f))
	}
	var errs [3]error
	s.Load1, errs[0] = strconv.ParseFloat(f[0], 64)
	s.Load5, errs[1] = strconv.ParseFloat(f[1], 64)
	s.Load15, errs[2] = strconv.ParseFloat(f[2], 64)
	for _, e := range errs {
		if e != nil {
			return fmt.Errorf("host load: %s: %w", path, e)
		}
	}
	run, tasks, ok := strings.Cut(f[3], "/")
	if !ok {
		return fmt.Errorf("host load: %s: no running/total field", path)
	}
	var err1, err2 error
	s.Runnable, err1 = strconv.Atoi(run)
	s.Tasks, err2 = strconv.Atoi(tasks)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("host load: %s: bad running/total field %q", path, f[3])
	}
	return nil
}

// cpuTimes reads the aggregate cpu line's jiffies (user nice system idle
// iowait irq softirq steal ...) and counts the per-CPU lines.
func cpuTimes(path string) (times []uint64, cpus int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("host load: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) > 0 && f[0] == "cpu":
			for _, v := range f[1:] {
				x, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					return nil, 0, fmt.Errorf("host load: %s: %w", path, err)
				}
				times = append(times, x)
			}
		case len(f) > 0 && strings.HasPrefix(f[0], "cpu"):
			cpus++
		}
	}
	if len(times) < 5 {
		return nil, 0, fmt.Errorf("host load: %s: no aggregate cpu line", path)
	}
	return times, cpus, nil
}

// busyFraction is the share of the time between a and b not spent idle
// or in I/O wait (fields 4 and 5). Guest time (fields 9 and 10) is
// already counted in user and nice, so only the first eight are summed.
func busyFraction(a, b []uint64) float64 {
	var total, idle float64
	for i := 0; i < min(len(a), len(b), 8); i++ {
		d := float64(b[i] - a[i])
		total += d
		if i == 3 || i == 4 {
			idle += d
		}
	}
	if total <= 0 {
		return 0
	}
	return (total - idle) / total
}
