// Package termmodel is a small model of a terminal for tests: it plays a
// byte stream onto a screen of lines the way a VT100-style terminal
// would (carriage return, backspace, cursor up and down, line and screen
// erase, OSC strings, C1 controls) and records every control it met, so
// that a test can check both what a reader would see and that no control
// reached the terminal at all.
package termmodel

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Screen is what the stream left on the terminal.
type Screen struct {
	Lines    []string // the screen's lines, top to bottom, trailing spaces cut
	Controls []string // every control met, in order: "ESC [ 1 A", "CR", "C1 9b", "invalid ff"
}

// Play plays b onto an empty screen. Newline is the one control that is
// not recorded: it is what ends a line.
func Play(b []byte) Screen {
	var sc Screen
	lines := [][]rune{{}}
	row, col := 0, 0
	put := func(r rune) {
		for len(lines[row]) <= col {
			lines[row] = append(lines[row], ' ')
		}
		lines[row][col] = r
		col++
	}
	down := func(n int) {
		row += n
		for len(lines) <= row {
			lines = append(lines, []rune{})
		}
	}
	csi := func(params string, final byte) {
		n := 1
		fmt.Sscanf(params, "%d", &n)
		if n < 1 {
			n = 1
		}
		switch final {
		case 'A', 'F': // cursor up (F: and to column 0)
			row = max(row-n, 0)
			if final == 'F' {
				col = 0
			}
		case 'B', 'E':
			down(n)
			if final == 'E' {
				col = 0
			}
		case 'G':
			col = n - 1
		case 'K': // erase in line: 0 to the end, 1 to the start, 2 all
			switch params {
			case "", "0":
				if col < len(lines[row]) {
					lines[row] = lines[row][:col]
				}
			default:
				lines[row] = []rune{}
			}
		case 'J': // erase the screen from the cursor (or all)
			if params == "2" || params == "3" {
				lines = [][]rune{{}}
				for len(lines) <= row {
					lines = append(lines, []rune{})
				}
			} else {
				lines = lines[:row+1]
				if col < len(lines[row]) {
					lines[row] = lines[row][:col]
				}
			}
		}
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			c := b[i]
			i++
			if c >= 0x80 && c <= 0x9f { // a raw C1 control, as an 8-bit terminal reads it
				sc.Controls = append(sc.Controls, fmt.Sprintf("C1 %02x", c))
				if c == 0x9b {
					i = sequence(b, i, &sc, csi)
				}
				continue
			}
			sc.Controls = append(sc.Controls, fmt.Sprintf("invalid %02x", c))
			put(utf8.RuneError)
			continue
		}
		i += n
		switch {
		case r == '\n':
			down(1)
			col = 0 // as a terminal with onlcr
		case r == '\r':
			sc.Controls = append(sc.Controls, "CR")
			col = 0
		case r == '\b':
			sc.Controls = append(sc.Controls, "BS")
			col = max(col-1, 0)
		case r == 0x1b:
			if i < len(b) && b[i] == '[' {
				i = sequence(b, i+1, &sc, csi)
			} else if i < len(b) && b[i] == ']' {
				i = osc(b, i+1, &sc)
			} else {
				sc.Controls = append(sc.Controls, "ESC")
			}
		case r >= 0x80 && r <= 0x9f:
			sc.Controls = append(sc.Controls, fmt.Sprintf("C1 %02x", r))
			if r == 0x9b {
				i = sequence(b, i, &sc, csi)
			}
		case r < 0x20 || r == 0x7f:
			sc.Controls = append(sc.Controls, fmt.Sprintf("C0 %02x", r))
		default:
			put(r)
		}
	}
	for _, l := range lines {
		sc.Lines = append(sc.Lines, strings.TrimRight(string(l), " "))
	}
	for len(sc.Lines) > 1 && sc.Lines[len(sc.Lines)-1] == "" {
		sc.Lines = sc.Lines[:len(sc.Lines)-1]
	}
	return sc
}

// sequence reads a CSI sequence's parameters and final byte from b[i:],
// records it, applies it, and returns where it ended.
func sequence(b []byte, i int, sc *Screen, apply func(string, byte)) int {
	j := i
	for j < len(b) && b[j] >= 0x30 && b[j] <= 0x3f {
		j++
	}
	if j < len(b) && b[j] >= 0x40 && b[j] <= 0x7e {
		sc.Controls = append(sc.Controls, "CSI "+string(b[i:j])+" "+string(b[j]))
		apply(string(b[i:j]), b[j])
		return j + 1
	}
	sc.Controls = append(sc.Controls, "CSI (unfinished)")
	return j
}

// osc skips an OSC string (ended by BEL or ESC \) and records it.
func osc(b []byte, i int, sc *Screen) int {
	j := i
	for j < len(b) && b[j] != 0x07 && !(b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\') {
		j++
	}
	sc.Controls = append(sc.Controls, "OSC "+string(b[i:j]))
	if j < len(b) && b[j] == 0x1b {
		return j + 2
	}
	return min(j+1, len(b))
}

// Last is the screen's last line.
func (s Screen) Last() string { return s.Lines[len(s.Lines)-1] }
