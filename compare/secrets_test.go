package compare

import (
	"bytes"
	"errors"
	"testing"

	"plib/backend"
	"plib/image"
	"plib/internal/testimages"
)

// TestRunSecrets: a run of the crypto image gives its library the secret
// --secret named for it, and none meant for another library; without one,
// a fresh random secret of secretBytes per run, since its bench
// declaration says the library needs one; an image declaring none gets none.
func TestRunSecrets(t *testing.T) {
	img, err := image.Load(testimages.Path(t, "crypto"))
	if err != nil {
		t.Fatal(err)
	}
	given := backend.Secrets{"crypto": []byte("a secret of at least sixteen bytes"), "other": []byte("not crypto's")}
	s, err := runSecrets(img, given)
	if err != nil || len(s) != 1 || !bytes.Equal(s["crypto"], given["crypto"]) {
		t.Errorf("with --secret: got %q, %v; want crypto's secret alone", s, err)
	}
	a, err1 := runSecrets(img, nil)
	b, err2 := runSecrets(img, nil)
	if err1 != nil || err2 != nil || len(a["crypto"]) != secretBytes || len(b["crypto"]) != secretBytes || bytes.Equal(a["crypto"], b["crypto"]) {
		t.Errorf("without --secret: got %x and %x (%v, %v); want two different random secrets of %d bytes", a["crypto"], b["crypto"], err1, err2, secretBytes)
	}
	kv, err := image.Load(testimages.Path(t, "kv"))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := runSecrets(kv, nil); err != nil || s != nil {
		t.Errorf("kv declares no secret: got %q, %v", s, err)
	}
	w := []Workload{{Name: "kv", Image: kv, Bench: kv.Bench}}
	if err := checkSecrets(backend.Secrets{"crypto": []byte("x")}, w); !errors.Is(err, ErrSecretForNoLibrary) {
		t.Errorf("a secret for crypto with kv alone measured: %v, want ErrSecretForNoLibrary", err)
	}
}
