package image

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"plib/internal/testimages"
)

// TestLoaderRefusesBenchOutOfRange: an image whose bench-full or
// bench-quick parameters lie outside the ranges its params declare (as
// mkimage now refuses to write, with the line) is refused by the loader
// too, naming the parameter and its range; the null image's own are in
// range. A secret the bench declaration asks for a library the image
// does not have is refused alike.
func TestLoaderRefusesBenchOutOfRange(t *testing.T) {
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skip("no objcopy")
	}
	null := testimages.Path(t, "null")
	if _, err := Load(null); err != nil {
		t.Fatalf("the null image: %v", err)
	}
	const metrics = "metric call null: library call (enter and leave)\nmetric sys_nop null: empty platform call\n"
	for _, c := range []struct{ bench, says string }{
		{"full iterations=2000 rounds=65\nquick iterations=300 rounds=11\n", ".plib.bench full: parameter rounds=65 is out of range 1..64"},
		{"full iterations=2000 rounds=21\nquick iterations=0 rounds=11\n", ".plib.bench quick: parameter iterations=0 is out of range 1..100000000"},
		{"full iterations=2000 rounds=21 samples=2\nquick iterations=300 rounds=11\n", ".plib.bench full: parameter samples=2 is out of range 0..1"},
		{"full iterations=2000 rounds=21 nosuch=1\nquick iterations=300 rounds=11\n", `declares no parameter "nosuch"`},
		{"full iterations=2000 rounds=21\nquick iterations=300 rounds=11\nsecret crypto\n", ".plib.bench secret crypto: the image has no library of that name"},
	} {
		dir := t.TempDir()
		sec, img := filepath.Join(dir, "bench"), filepath.Join(dir, "img.elf")
		os.WriteFile(sec, []byte(metrics+c.bench), 0o644)
		if out, err := exec.Command("objcopy", "--update-section", ".plib.bench="+sec, null, img).CombinedOutput(); err != nil {
			t.Fatalf("objcopy: %v\n%s", err, out)
		}
		_, err := Load(img)
		if !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: %v, want a refusal saying %q", c.bench, err, c.says)
		}
	}
}
