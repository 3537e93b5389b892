package backend_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing"
	"time"

	"plib/backend"
	"plib/backend/hostproc"
	_ "plib/baselines/mprotect" // registers mprotect
	_ "plib/baselines/none"     // registers none
	"plib/image"
	"plib/internal/testimages"
)

// TestMain lets the host backends re-execute this test binary as the
// image's supervisor; a Go program using them calls hostproc.MaybeChild
// first in main the same way.
func TestMain(m *testing.M) {
	hostproc.MaybeChild()
	os.Exit(m.Run())
}

// Pick a backend from the registry by name and run a workload under it
// with typed options.
func ExampleRun() {
	b, ok := backend.Lookup("none")
	if !ok {
		log.Fatal("no backend none")
	}
	path, err := testimages.Find("null")
	if err != nil {
		log.Fatal(err)
	}
	img, err := image.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	res, err := backend.Run(context.Background(), b, img, path, backend.Options{
		Params:  map[string]int64{"iterations": 100, "rounds": 1},
		Timeout: time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("backend:", res.Backend)
	fmt.Println("exited:", res.Exited, "code", res.ExitCode)
	fmt.Println("violation:", res.Violation != nil)
	// Output:
	// backend: none
	// exited: true code 0
	// violation: false
}

// An attack is stopped by a real fault: here the kernel refuses the
// application's read of a library's page that mprotect closed, and the
// result says what was read and what caught it.
func ExampleRun_violation() {
	b, _ := backend.Lookup("mprotect")
	path, err := testimages.Find("attack-read")
	if err != nil {
		log.Fatal(err)
	}
	img, err := image.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	res, err := backend.Run(context.Background(), b, img, path, backend.Options{Timeout: time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	v := res.Violation
	fmt.Println("violation:", v.Kind, "by", v.Domain)
	fmt.Println("caught by:", v.Catcher)
	// Output:
	// violation: read by app
	// caught by: SEGV_ACCERR
}

// What a registered backend promises: none is the speed ceiling, which
// isolates nothing; mprotect isolates. backend.Names lists them all.
func ExamplePromiseOf() {
	for _, name := range []string{"none", "mprotect"} {
		fmt.Println(name, backend.PromiseOf(name) == backend.Isolates)
	}
	// Output:
	// none false
	// mprotect true
}
