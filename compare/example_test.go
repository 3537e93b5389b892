package compare_test

import (
	"context"
	"fmt"
	"log"
	"path/filepath"

	"plib/backend"
	"plib/compare"
	"plib/internal/testimages"
)

// Compare two backends on one workload, with the anchors measured in the
// same run, and read the typed report: here the measured series of each
// backend, and one ratio to the speed ceiling (none).
func ExampleRun() {
	null, err := testimages.Find("null")
	if err != nil {
		log.Fatal(err)
	}
	var bs []backend.Backend
	for _, name := range []string{"none", "mprotect"} {
		b, ok := backend.Lookup(name)
		if !ok {
			log.Fatalf("no backend %s", name)
		}
		bs = append(bs, b)
	}
	rep, err := compare.Run(context.Background(), compare.Config{
		Backends: bs, Images: filepath.Dir(null), Workloads: []string{"null"}, Quick: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range rep.Series {
		if s.Backend != "anchor" {
			fmt.Printf("%s %s/%s: measured %v\n", s.Backend, s.Workload, s.Metric, s.Summary.N > 0 && s.Error == "")
		}
	}
	// Four system calls a call: mprotect's library call costs more than
	// none's plain one.
	call := rep.Find("mprotect", "null/call")
	fmt.Println("mprotect's call over none's above 2:", rep.Ratio(call) > 2)
	// Output:
	// none null/call: measured true
	// none null/sys_nop: measured true
	// none null/scrub: measured true
	// mprotect null/call: measured true
	// mprotect null/sys_nop: measured true
	// mprotect null/scrub: measured true
	// mprotect's call over none's above 2: true
}
