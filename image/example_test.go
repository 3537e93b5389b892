package image_test

import (
	"errors"
	"fmt"
	"log"

	"plib/image"
	"plib/internal/testimages"
	"plib/untrusted"
)

// Load an image and list its protected libraries and their entry points.
// Names come from the image, so they are printed through untrusted.
func ExampleLoad() {
	path, err := testimages.Find("null")
	if err != nil {
		log.Fatal(err)
	}
	img, err := image.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, lib := range img.Libraries() {
		fmt.Printf("library %s (domain %d)\n", untrusted.Line(lib.Name), lib.ID)
	}
	for _, e := range img.Exports {
		fmt.Printf("export %s.%s\n", untrusted.Line(e.LibName), untrusted.Line(e.Name))
	}
	// Output:
	// library null (domain 1)
	// export null.noop
	// export null.add
	// export null.peek
	// export null.crash
	// export null.spin
}

// Parse refuses a malformed image with an error that wraps ErrBadImage.
func ExampleParse() {
	_, err := image.Parse([]byte("not an ELF file"))
	fmt.Println(errors.Is(err, image.ErrBadImage))
	// Output:
	// true
}
