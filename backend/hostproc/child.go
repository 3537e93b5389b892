package hostproc

import (
	"encoding/json"
	"fmt"
	"os"

	"plib/backend"
	"plib/image"
)

// MaybeChild runs the host-backend child and exits if this process was
// started as one; otherwise it returns at once. Call it first in main
// (and in TestMain, or an init of an external test package, of tests that
// run host backends: once the backends have registered). The child runs no
// image code: it is the supervisor of the loader process the image runs
// in (runInLoader), which traces it from a thread of its own.
func MaybeChild() {
	if len(os.Args) < 3 || os.Args[1] != ChildArg {
		return
	}
	res, err := child(os.Args[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "plib host child: %v\n", err)
		os.Exit(1)
	}
	f := os.NewFile(3, "result")
	if err := json.NewEncoder(f).Encode(res); err != nil {
		fmt.Fprintf(os.Stderr, "plib host child: send result: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func child(arg string) (*backend.Result, error) {
	var req childRequest
	if err := json.Unmarshal([]byte(arg), &req); err != nil {
		return nil, fmt.Errorf("bad request: %w", err)
	}
	img, err := image.Load(req.Image)
	if err != nil {
		return nil, err
	}
	spec, ok := specNamed(req.Backend)
	if !ok {
		return nil, fmt.Errorf("unknown host backend %q", req.Backend)
	}
	return runInLoader(req, img, spec)
}
