package hostsys

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// UsableCores lists, in increasing order, the cores the calling thread
// may run on: its affinity mask (sched_getaffinity), which a cgroup's
// cpuset or taskset narrows below the machine's cores.
func UsableCores() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("read this thread's cores: %w", err)
	}
	var ids []int
	for i, n := 0, set.Count(); len(ids) < n; i++ {
		if set.IsSet(i) {
			ids = append(ids, i)
		}
	}
	return ids, nil
}
