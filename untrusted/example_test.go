package untrusted_test

import (
	"fmt"

	"plib/untrusted"
)

// A name from an image that tries to clear the terminal and forge a
// second line prints as one visible line.
func ExampleLine() {
	fmt.Println(untrusted.Line("kv\x1b[2J\nverdict: pku wins"))
	// Output:
	// kv\x1b[2J\x0averdict: pku wins
}

// A cell that a spreadsheet would run as a formula is kept as text.
func ExampleCSVCell() {
	fmt.Println(untrusted.CSVCell("=HYPERLINK(\"http://x\")"))
	// Output:
	// '=HYPERLINK("http://x")
}
