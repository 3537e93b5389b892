package backendtest

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"testing"

	"plib/backend"
	"plib/internal/testimages"
)

// cryptoSelftestEnd is the last line of the crypto library's self-test
// output (workloads/crypto/selftest.c), native and protected alike.
const cryptoSelftestEnd = "selftests: "

// crypto: mbedTLS (Debian's 2.28.3, unmodified) as a library holding keys
// derived from its run-time secret. mbedTLS's self tests run inside the
// library and print exactly what the same sources and configuration
// print natively (the same set of tests, each passed); the application's
// checks of seal/open (a tampered ciphertext or tag refused, nothing
// copied out) and sign/verify pass and every timed operation succeeds;
// the public key it exports is the one workloads/crypto/keys.c's
// derivation gives from the provisioned secret, computed here with Go's
// own HKDF and P-256; without a secret the workload says so and exits 3.
func (s *suite) crypto(t *testing.T) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	out, res := s.runCrypto(t, backend.Secrets{"crypto": key})
	if res.Violation != nil || !res.Exited || res.ExitCode != 0 {
		t.Fatalf("crypto: want exit 0, got %+v violation %v\n%s", res, res.Violation, out)
	}
	for _, m := range []string{"selftests_failed", "checks_failed"} {
		if n := metric(t, res, m); n != 0 {
			t.Errorf("%s = %d\n%s", m, n, out)
		}
	}
	for _, m := range []string{"aes_gcm_seal_cycles", "aes_gcm_open_cycles", "ecdsa_sign_cycles", "ecdsa_verify_cycles"} {
		if n := metric(t, res, m); n <= 0 {
			t.Errorf("%s = %d: the operation was not timed", m, n)
		}
	}
	native := strings.TrimSuffix(testimages.Path(t, "crypto"), ".elf") + ".native"
	want, err := exec.Command(native).Output()
	if err != nil {
		t.Fatalf("the native build (scripts/build makes it): %s: %v", native, err)
	}
	end := strings.Index(out, "\n"+cryptoSelftestEnd)
	if end < 0 {
		t.Fatalf("no self-test summary in the output:\n%s", out)
	}
	end += strings.Index(out[end+1:], "\n") + 2
	if got := out[:end]; got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("self-test line %d: protected %q, native %q", i+1, g[i], w[i])
			}
		}
		t.Fatalf("protected self-test output has %d lines, native %d", len(g), len(w))
	}
	if pub := cryptoPublicKey(t, key); !strings.Contains(out[end:], "pubkey "+hex.EncodeToString(pub)+"\n") {
		t.Errorf("the library's public key is not the one derived from the provisioned secret (%x):\n%s", pub, out[end:])
	}

	out, res = s.runCrypto(t, nil)
	if !res.Exited || res.ExitCode != 3 || !strings.Contains(out, "was given no secret: run it with --secret crypto=FILE") {
		t.Errorf("without a secret: want exit 3 saying so, got %+v\n%s", res, out)
	}
}

// runCrypto runs the crypto image with secrets and few operations, its
// prints to a file (see cstats for why), and returns them.
func (s *suite) runCrypto(t *testing.T, secrets backend.Secrets) (string, *backend.Result) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "crypto-out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, _ := s.runImage(t, "crypto", map[string]int64{"ops": 2, "rounds": 1}, backend.Options{Output: f, Secrets: secrets})
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b), res
}

// cryptoPublicKey is keys.c's derivation: d = HKDF-SHA-256(secret, salt
// "plib crypto v1", info "ecdsa p-256 key") mod (n - 1) + 1, and its
// public key d*G, uncompressed.
func cryptoPublicKey(t *testing.T, secret []byte) []byte {
	h, err := hkdf.Key(sha256.New, secret, []byte("plib crypto v1"), "ecdsa p-256 key", 32)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := new(big.Int).SetString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)
	d := new(big.Int).SetBytes(h)
	d.Mod(d, new(big.Int).Sub(n, big.NewInt(1))).Add(d, big.NewInt(1))
	priv, err := ecdh.P256().NewPrivateKey(d.FillBytes(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(priv.PublicKey().Bytes())
}
